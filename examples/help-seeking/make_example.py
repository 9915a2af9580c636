"""Write the help-seeking example review project (SIMULATED data, fixed seed).

The project mirrors the design of Ni et al. (2025), BMC Psychiatry 25:528: six
database exports, two reviewers' screening with conflicts and resolutions, 13
randomised trials in seven intervention categories, arm-level extraction by two
reviewers with a consensus, and RoB 2 appraisals. Every study, author, title,
DOI (under the 10.5555 test prefix) and number here is invented: the data are
illustrative, chosen so that the pooled results resemble the published ones.

Run ``python make_example.py`` to rewrite the files next to this script (the
same bytes every time), then check the pooled results it prints; ``--out DIR``
writes elsewhere, ``--no-check`` skips the pooling.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import random
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

SEED = 20240131
HERE = Path(__file__).resolve().parent
A, B, C = "Reviewer A", "Reviewer B", "Reviewer C"
DATABASES = ("pubmed", "embase", "psycinfo", "cinahl", "wos", "central")

# --- the 13 included trials ---------------------------------------------------------


@dataclass
class Trial:
    """One included trial: its bibliographic record and what it reports."""

    label: str  # "Surname Year"
    authors: list[tuple[str, str]]  # (family, given names)
    title: str
    journal: str
    abbrev: str  # MEDLINE abbreviation
    volume: str
    issue: str
    pages: tuple[str, str]  # first and last page ("" when one page)
    doi: str
    pmid: str | None
    databases: tuple[str, ...]
    category: str
    country: str
    setting: str
    population: str
    age: float
    female: float
    comparator: str
    duration: str
    funding: str
    design: str = "parallel"
    arms: dict[str, int] = field(default_factory=dict)  # arm -> n randomised
    abstract: str = ""

    @property
    def year(self) -> int:
        return int(self.label.split()[-1])


def _t(label: str, authors: str, title: str, journal: str, abbrev: str,
       vip: str, doi: str, pmid: str | None, dbs: str, **kw: object) -> Trial:  # fmt: skip
    volume, issue, pages = vip.split(":")
    first, _, last = pages.partition("-")
    names = [tuple(a.strip().split(", ")) for a in authors.split(";")]
    return Trial(
        label=label, authors=names, title=title, journal=journal, abbrev=abbrev,  # type: ignore[arg-type]
        volume=volume, issue=issue, pages=(first, last), doi=doi, pmid=pmid,
        databases=tuple(dbs.split()), **kw,  # type: ignore[arg-type]
    )  # fmt: skip


TRIALS = [
    _t("Harwood 2014", "Harwood, Eleanor J; Müller, Jonas; Price, Danielle",
       "Infusing positive emotion to encourage help-seeking among university "
       "students with depressive symptoms: a randomised controlled trial",
       "Journal of Affective Disorders", "J Affect Disord", "162:5:41-49",
       "10.5555/jad.2014.0412", "24590011", "pubmed embase psycinfo cinahl wos central",
       category="positive_emotion", country="United Kingdom", setting="university",
       population="students with PHQ-9 >= 10", age=20.8, female=68.0,
       comparator="neutral video", duration="single session (20 min)",
       funding="university", arms={"positive_emotion": 208, "control": 206}),
    _t("Okonkwo 2019", "Okonkwo, Chiamaka A; Bello, Tunde; Ferraro, Giulia",
       "Positive affect induction, stigma and attitudes towards professional "
       "help among young adults with depressive symptoms: randomized trial",
       "BMC Psychiatry", "BMC Psychiatry", "19:1:233-245",
       "10.5555/bmcp.2019.233", "31358012", "pubmed embase psycinfo central",
       category="positive_emotion", country="Nigeria", setting="university",
       population="students with CES-D >= 16", age=22.1, female=55.0,
       comparator="neutral writing task", duration="two sessions, one week",
       funding="none", arms={"positive_emotion": 196, "control": 194}),
    _t("Vance 2021", "Vance, Robert M; Nakamura, Emi; Ortiz, Lucía",
       "A brief online positive emotion intervention and intentions to seek "
       "help for depression: randomised controlled trial",
       "Internet Interventions", "Internet Interv", "25:1:100401-100409",
       "10.5555/invent.2021.100401", "33680874", "pubmed embase psycinfo",
       category="positive_emotion", country="United States", setting="online",
       population="adults with PHQ-9 >= 10 recruited online", age=31.5,
       female=61.0, comparator="waiting list", duration="single session",
       funding="foundation", arms={"positive_emotion": 165, "control": 163}),
    _t("Lindqvist 2016", "Lindqvist, Anna K; Berg, Oskar; Sjöström, Maja",
       "Mental contrasting with implementation intentions increases "
       "help-seeking intentions in students with depressive symptoms",
       "Behaviour Research and Therapy", "Behav Res Ther", "84:9:22-30",
       "10.5555/brat.2016.022", "27474882", "pubmed embase psycinfo wos",
       category="mcii", country="Sweden", setting="university",
       population="students with BDI-II >= 14", age=23.4, female=72.0,
       comparator="information leaflet", duration="single session (40 min)",
       funding="research council", arms={"mcii": 43, "control": 42}),
    _t("Petrakis 2018", "Petrakis, Nikos; Doukas, Eleni; Hartmann, Lena",
       "Mental contrasting and implementation intentions to promote "
       "professional help-seeking in adults with depressive symptoms",
       "Journal of Clinical Psychology", "J Clin Psychol", "74:6:1003-1015",
       "10.5555/jclp.2018.1003", None, "psycinfo cinahl wos",
       category="mcii", country="Greece", setting="community",
       population="adults with PHQ-9 >= 10", age=34.9, female=58.0,
       comparator="attention control", duration="two sessions",
       funding="none", arms={"mcii": 49, "control": 48}),
    _t("Marchetti 2021", "Marchetti, Chiara; Rossi, Paolo; Lindgren, Sara",
       "Full versus brief mental contrasting with implementation intentions "
       "for help-seeking: a three-arm randomised controlled trial",
       "Cognitive Therapy and Research", "Cognit Ther Res", "45:3:512-524",
       "10.5555/cotr.2021.512", "33935327", "pubmed embase psycinfo wos central",
       category="mcii", country="Italy", setting="university",
       population="students with PHQ-9 >= 10", age=21.9, female=64.0,
       comparator="information leaflet", duration="single session",
       funding="university",
       arms={"mcii:full": 41, "mcii:brief": 40, "control": 41}),
    _t("Tanaka 2020", "Tanaka, Hiroshi; Sato, Yuki; Kim, Ji-won",
       "Self-distancing perspective and help-seeking intention among "
       "Japanese university students with depressive symptoms",
       "Frontiers in Psychology", "Front Psychol", "11:1:587102-587110",
       "10.5555/fpsyg.2020.587102", "33343461", "pubmed psycinfo wos",
       category="self_perspective", country="Japan", setting="university",
       population="students with CES-D >= 16", age=20.2, female=51.0,
       comparator="self-immersed perspective", duration="single session",
       funding="government", arms={"self_perspective": 61, "control": 60}),
    _t("Brennan 2012", "Brennan, Siobhan; O'Leary, Declan; Walsh, Aoife",
       "Information support about depression and its treatment to increase "
       "help-seeking in primary care: a randomised trial",
       "British Journal of General Practice", "Br J Gen Pract", "62:4:201-209",
       "10.5555/bjgp.2012.201", "22520906", "pubmed embase cinahl central",
       category="information", country="Ireland", setting="primary care",
       population="adult attenders with PHQ-9 >= 10", age=44.6, female=63.0,
       comparator="usual care", duration="booklet and one call",
       funding="health service", arms={"information": 152, "control": 150}),
    _t("Whitfield 2009", "Whitfield, Mark T; Greene, Patricia; Núñez, Javier",
       "Telephone care management and mental health treatment seeking in "
       "primary care patients with depressive symptoms",
       "General Hospital Psychiatry", "Gen Hosp Psychiatry", "31:3:219-227",
       "10.5555/ghp.2009.219", "19410100", "pubmed embase psycinfo cinahl wos central",
       category="telephone_care", country="United States", setting="primary care",
       population="primary care patients with PHQ-9 >= 10", age=47.3,
       female=71.0, comparator="usual care", duration="16 weeks",
       funding="national institute", arms={"telephone_care": 150, "control": 149}),
    _t("Adebayo 2017", "Adebayo, Folasade; Clarke, Simon; Hughes, Rachel",
       "Nurse telephone care management to promote help-seeking for "
       "depression: randomised controlled trial",
       "Journal of Advanced Nursing", "J Adv Nurs", "73:8:1902-1912",
       "10.5555/jan.2017.1902", "28229475", "pubmed cinahl central",
       category="telephone_care", country="United Kingdom", setting="primary care",
       population="adults with PHQ-9 >= 10", age=41.8, female=66.0,
       comparator="usual care", duration="12 weeks",
       funding="charity", arms={"telephone_care": 121, "control": 120}),
    _t("Sorensen 2013", "Sorensen, Mette; Larsen, Peter; Østergaard, Karen",
       "Feedback of depression screening results to patients and help-seeking: "
       "a cluster randomised trial in general practice",
       "Scandinavian Journal of Primary Health Care", "Scand J Prim Health Care",
       "31:2:88-95", "10.5555/sjphc.2013.088", "23621349", "pubmed embase cinahl wos central",
       category="feedback", country="Denmark", setting="general practice",
       population="attenders screening positive (MDI >= 21)", age=49.2,
       female=60.0, comparator="no feedback", duration="single feedback letter",
       funding="research council", design="cluster",
       arms={"feedback": 264, "control": 258}),
    _t("Kowalczyk 2022", "Kowalczyk, Agnieszka; Nowak, Tomasz; Wiśniewska, Ewa",
       "Structured depression follow-up monitoring and professional "
       "help-seeking: a pragmatic randomised trial",
       "Journal of Medical Internet Research", "J Med Internet Res",
       "24:5:e31022", "10.5555/jmir.2022.31022", "35594011",
       "pubmed embase cinahl wos",
       category="monitoring", country="Poland", setting="primary care",
       population="adults with PHQ-9 >= 10", age=39.6, female=62.0,
       comparator="usual care", duration="six months",
       funding="government", arms={"monitoring": 106, "control": 104}),
    _t("Haddad 2023", "Haddad, Rami; Khoury, Nadine; Fontaine, Élise",
       "Depression follow-up monitoring by community health workers and "
       "help-seeking: randomised controlled trial",
       "Social Psychiatry and Psychiatric Epidemiology", "Soc Psychiatry Psychiatr Epidemiol",
       "58:7:1061-1071", "10.5555/sppe.2023.1061", "36811623",
       "pubmed embase psycinfo central",
       category="monitoring", country="Lebanon", setting="community",
       population="adults with PHQ-9 >= 10", age=36.1, female=57.0,
       comparator="usual care", duration="three months",
       funding="international agency", arms={"monitoring": 91, "control": 90}),
]  # fmt: skip

BY_LABEL = {t.label: t for t in TRIALS}

# --- what each trial reports ----------------------------------------------------------
# Continuous: Hedges' g (or a mean difference) per intervention arm, the common SD
# and the control mean; "report" says how the paper gives the arms: sd, se, ci
# (95% CI of each mean) or median (median and IQR). Binary: odds ratio and
# control risk. Sizes analysed are the randomised ones less the attrition.
POST, WEEKS = "post-intervention", "2 weeks"
REPORTS: dict[tuple[str, str, str], dict[str, object]] = {
    # intention (GHSQ and similar; SMD) -------------------------------------------
    ("Harwood 2014", "intention", POST): {"g": 0.14, "sd": 8.1, "m2": 38.2},
    ("Okonkwo 2019", "intention", POST): {"g": 0.26, "sd": 7.4, "m2": 35.6},
    ("Vance 2021", "intention", POST): {"g": 0.20, "sd": 9.0, "m2": 41.0},
    ("Lindqvist 2016", "intention", POST): {"g": 0.74, "sd": 6.8, "m2": 36.9},
    ("Petrakis 2018", "intention", POST): {"g": 0.52, "sd": 7.2, "m2": 34.1,
                                           "report": "se"},
    ("Marchetti 2021", "intention", POST): {"g": {"mcii:full": 0.72, "mcii:brief": 0.52},
                                            "sd": 7.0, "m2": 37.5},
    ("Tanaka 2020", "intention", POST): {"g": 1.45, "sd": 1.1, "m2": 3.2,
                                         "report": "ci"},
    ("Brennan 2012", "intention", POST): {"g": 1.25, "sd": 1.4, "m2": 4.1},
    # intention at two weeks, mental contrasting (GHSQ; MD) ---------------------------
    ("Lindqvist 2016", "intention", WEEKS): {"md": 3.3, "sd": 7.1, "m2": 36.4},
    ("Petrakis 2018", "intention", WEEKS): {"md": 5.5, "sd": 7.5, "m2": 33.8,
                                            "report": "se"},
    ("Marchetti 2021", "intention", WEEKS): {"md": {"mcii:full": 5.1, "mcii:brief": 4.0},
                                             "sd": 7.2, "m2": 37.0},
    # attitude (ATSPPH-SF item mean, 0-3; MD) ------------------------------------------
    ("Harwood 2014", "attitude", POST): {"md": 0.25, "sd": 0.55, "m2": 1.78},
    ("Okonkwo 2019", "attitude", POST): {"md": 0.47, "sd": 0.58, "m2": 1.62,
                                         "report": "median"},
    ("Tanaka 2020", "attitude", POST): {"md": 0.50, "sd": 0.52, "m2": 1.70},
    ("Brennan 2012", "attitude", POST): {"md": 0.27, "sd": 0.60, "m2": 1.85},
    # stigma (SSOSH, 10-50; lower is better) -----------------------------------------------
    ("Okonkwo 2019", "stigma", POST): {"md": -1.8, "sd": 6.5, "m2": 31.2},
    ("Brennan 2012", "stigma", POST): {"md": -2.4, "sd": 6.9, "m2": 29.8},
    # help-seeking behaviour (binary; OR) --------------------------------------------------
    ("Brennan 2012", "behaviour", "end of follow-up"): {"or": 2.1, "p2": 0.22},
    ("Whitfield 2009", "behaviour", "end of follow-up"): {"or": 2.5, "p2": 0.25},
    ("Adebayo 2017", "behaviour", "end of follow-up"): {"or": 1.15, "p2": 0.30},
    ("Sorensen 2013", "behaviour", "end of follow-up"): {"or": 1.2, "p2": 0.18,
                                                         "icc": 0.03, "clusters": 12},
    ("Kowalczyk 2022", "behaviour", "end of follow-up"): {"or": 2.7, "p2": 0.20},
    ("Haddad 2023", "behaviour", "end of follow-up"): {"or": 1.35, "p2": 0.28},
}  # fmt: skip
ATTRITION = 0.07
SOURCE = {"intention": "Table 2", "attitude": "Table 3", "stigma": "Table 3",
          "behaviour": "Results, p. 6"}  # fmt: skip


def hedges_j(df: float) -> float:
    """Exact small-sample correction J(df) (Hedges 1981, eq. 6e)."""
    return math.exp(
        math.lgamma(df / 2) - 0.5 * math.log(df / 2) - math.lgamma((df - 1) / 2)
    )


def analysed(n: int) -> int:
    return n - round(n * ATTRITION)


def r2(x: float) -> float:
    return round(x + 0.0, 2)


def continuous_rows(
    trial: Trial, spec: dict[str, object]
) -> dict[str, dict[str, float]]:
    """Each arm's mean and SD (before they are written as SE, CI or median/IQR)."""
    sd, m2 = float(spec["sd"]), float(spec["m2"])  # type: ignore[arg-type]
    n2 = analysed(trial.arms["control"])
    out = {"control": {"n": n2, "mean": m2, "sd": r2(sd * 0.97)}}
    for arm, n in trial.arms.items():
        if arm == "control":
            continue
        n1 = analysed(n)
        sd1, sd2 = sd * 1.03, sd * 0.97
        pooled = math.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / (n1 + n2 - 2))
        if "g" in spec:
            g = spec["g"][arm] if isinstance(spec["g"], dict) else spec["g"]
            diff = float(g) / hedges_j(n1 + n2 - 2) * pooled  # type: ignore[arg-type]
        else:
            md = spec["md"][arm] if isinstance(spec["md"], dict) else spec["md"]
            diff = float(md)  # type: ignore[arg-type]
        out[arm] = {"n": n1, "mean": r2(m2 + diff), "sd": r2(sd1)}
    return out


def binary_rows(trial: Trial, spec: dict[str, object]) -> dict[str, dict[str, float]]:
    p2, odds_ratio = float(spec["p2"]), float(spec["or"])  # type: ignore[arg-type]
    out = {}
    for arm, n in trial.arms.items():
        n_a = analysed(n)
        if arm == "control":
            out[arm] = {"n": n_a, "events": round(p2 * n_a)}
        else:
            odds = odds_ratio * p2 / (1 - p2)
            out[arm] = {"n": n_a, "events": round(odds / (1 + odds) * n_a)}
    return out


def t975(df: int) -> float:
    """0.975 quantile of Student's t with ``df`` degrees of freedom (scipy)."""
    from scipy.stats import t

    return float(t.ppf(0.975, df))


def reported(
    trial: Trial, outcome: str, spec: dict[str, object]
) -> dict[str, dict[str, str]]:
    """The cells a reviewer copies from the paper, per arm (text, as printed)."""
    if "or" in spec:
        rows = binary_rows(trial, spec)
        cells = {
            arm: {"n": str(v["n"]), "events": str(v["events"])}
            for arm, v in rows.items()
        }
        if "icc" in spec:
            k = int(spec["clusters"])  # type: ignore[call-overload]
            for arm in rows:
                cells[arm]["clusters"] = str(k)
                cells[arm]["icc"] = str(spec["icc"])
                cells[arm]["mean_cluster_size"] = f"{trial.arms[arm] / k:.1f}"
        return cells
    rows = continuous_rows(trial, spec)
    how = spec.get("report", "sd")
    out = {}
    for arm, v in rows.items():
        n, mean, sd = int(v["n"]), v["mean"], v["sd"]
        if how == "se":
            out[arm] = {
                "n": str(n),
                "mean": f"{mean:.2f}",
                "se": f"{sd / math.sqrt(n):.3f}",
            }
        elif how == "ci":
            half = t975(n - 1) * sd / math.sqrt(n)
            out[arm] = {"n": str(n), "mean": f"{mean:.2f}",
                        "ci_lb": f"{mean - half:.2f}", "ci_ub": f"{mean + half:.2f}"}  # fmt: skip
        elif how == "median":
            q = 0.6745 * sd
            out[arm] = {"n": str(n), "median": f"{mean:.2f}",
                        "q1": f"{mean - q:.2f}", "q3": f"{mean + q:.2f}"}  # fmt: skip
        else:
            out[arm] = {"n": str(n), "mean": f"{mean:.2f}", "sd": f"{sd:.2f}"}
    return out


# --- the other records: full texts excluded, and what the searches also found --------


@dataclass
class Rec:
    """A bibliographic record as the databases hold it."""

    key: str
    authors: list[tuple[str, str]]
    title: str
    journal: str
    abbrev: str
    year: int
    volume: str
    issue: str
    pages: tuple[str, str]
    doi: str | None
    pmid: str | None
    databases: tuple[str, ...]
    abstract: str
    kind: str = "article"  # or "protocol", "abstract"


FULLTEXT_EXCLUDED = [  # title, journal, reason, kind, first author, year
    ("Positive emotion infusion to promote help-seeking in students with depressive "
     "symptoms: study protocol for a randomised controlled trial", "Trials", "Trials",
     "Data not reported", "protocol", "Harwood, Eleanor J", 2013),
    ("Mental contrasting with implementation intentions for help-seeking: an "
     "uncontrolled pilot study", "Pilot and Feasibility Studies", "Pilot Feasibility Stud",
     "Not a randomised trial", "article", "Grant, Fiona", 2015),
    ("Encouraging help-seeking for mental health problems in the general student "
     "population: a randomised trial", "Journal of American College Health",
     "J Am Coll Health", "Wrong population", "article", "Moreau, Julien", 2017),
    ("A classroom anti-stigma programme and mental health literacy: cluster randomised "
     "trial", "Early Intervention in Psychiatry", "Early Interv Psychiatry",
     "No eligible outcome", "article", "Baptiste, Ines", 2018),
    ("Collaborative care with pharmacist follow-up for depression in primary care: "
     "randomised trial", "Annals of Family Medicine", "Ann Fam Med",
     "Wrong intervention", "article", "Delgado, Marco", 2016),
    ("Depression follow-up monitoring and help-seeking: first results of a pragmatic "
     "trial", "European Psychiatry", "Eur Psychiatry", "Data not reported", "abstract",
     "Kowalczyk, Agnieszka", 2021),
    ("Telephone coaching versus web-based information for help-seeking in depression: "
     "randomised comparison", "Journal of Medical Internet Research", "J Med Internet Res",
     "Wrong comparator", "article", "Iversen, Kari", 2019),
    ("A school-based psychoeducation programme and adolescents' help-seeking: a "
     "randomised controlled trial", "Journal of Adolescent Health", "J Adolesc Health",
     "Wrong population", "article", "Quinn, Aoibheann", 2020),
]  # fmt: skip

SURNAMES = """Abbott Acosta Ahmed Alvarez Andersen Arnold Bauer Becker Bishop Blake
Bose Boyd Brooks Burke Campbell Carr Chandra Chen Costa Cruz Dalton Das Dawson
Duarte Edwards Ellis Evans Farouk Fischer Fleming Foster Garcia Gill Gomez Gupta
Hall Hansen Hayes Hoffmann Horvat Howard Hussain Ibrahim Jensen Jovanovic Kaur
Keller Khan Klein Koch Kumar Lambert Lee Lopez Mahmoud Martin Mehta Meyer Miller
Mitchell Molina Moreno Murphy Nielsen Novak Park Patel Perez Pereira Powell Reid
Richter Rivera Roberts Ruiz Santos Schmidt Schulz Shah Silva Singh Stewart Suzuki
Taylor Thomas Torres Turner Vargas Vogel Wagner Wang Watson Weber Wong Wright Yang
Young Zhang Zimmermann""".split()
GIVEN = """Alex Ana Ben Carla Chen Daniel Elena Farah Grace Hana Ivan Jana Karim Laura
Leo Maria Nadia Omar Petra Rosa Sam Sofia Tariq Uma Vera Wei Yusuf Zoe""".split()
JOURNALS = [
    ("Journal of Affective Disorders", "J Affect Disord"),
    ("BMC Psychiatry", "BMC Psychiatry"),
    ("Psychological Medicine", "Psychol Med"),
    ("Depression and Anxiety", "Depress Anxiety"),
    ("Journal of Consulting and Clinical Psychology", "J Consult Clin Psychol"),
    ("Social Science and Medicine", "Soc Sci Med"),
    ("Community Mental Health Journal", "Community Ment Health J"),
    ("Journal of Mental Health", "J Ment Health"),
    ("Patient Education and Counseling", "Patient Educ Couns"),
    ("International Journal of Nursing Studies", "Int J Nurs Stud"),
    ("Journal of Counseling Psychology", "J Couns Psychol"),
    ("BMJ Open", "BMJ Open"),
    ("Frontiers in Psychiatry", "Front Psychiatry"),
    ("Psychiatric Services", "Psychiatr Serv"),
]
TOPICS = [
    "exercise", "mindfulness training", "a smartphone self-help app",
    "internet-delivered cognitive behavioural therapy", "peer support",
    "collaborative care", "behavioural activation", "problem-solving therapy",
    "a suicide prevention gatekeeper training", "an anti-stigma campaign",
    "mental health first aid training", "bibliotherapy", "yoga",
    "an online screening programme", "psychoeducation", "antidepressant adherence support",
    "a workplace wellbeing programme", "sleep hygiene education",
]  # fmt: skip
OUTCOMES_NR = [
    "depressive symptoms", "anxiety", "quality of life", "mental health literacy",
    "suicidal ideation", "treatment adherence", "wellbeing", "stigma", "resilience",
    "burnout", "loneliness", "health service use",
]  # fmt: skip
GROUPS = [
    "older adults", "nurses", "medical students", "postpartum women", "veterans",
    "adolescents", "refugees", "people with diabetes", "primary care patients",
    "university students", "farmers", "police officers", "carers", "migrants",
]  # fmt: skip
FORMS = [
    "Effect of {t} on {o} in {g}: a randomised controlled trial",
    "{T} for {g}: effects on {o}",
    "The association between {o} and help-seeking among {g}",
    "{T} and {o} in {g}: a systematic review",
    "Barriers to professional help for {o} among {g}: a qualitative study",
    "A cluster randomised trial of {t} to reduce {o} in {g}",
    "Predictors of {o} in {g}: a cohort study",
    "{T} to improve {o} in {g}: pilot randomised trial",
]


def _pages(rng: random.Random) -> tuple[str, str]:
    first = rng.randint(12, 1900)
    return str(first), str(first + rng.randint(5, 14))


def other_records(rng: random.Random) -> list[Rec]:
    """Records the searches found besides the trials: screened out, mostly."""
    out = []
    for i, (title, journal, abbrev, _, kind, author, year) in enumerate(
        FULLTEXT_EXCLUDED
    ):
        family, given = author.split(", ")
        authors = [(family, given), (rng.choice(SURNAMES), rng.choice(GIVEN))]
        dbs = (
            ("embase", "central")
            if kind == "abstract"
            else ("pubmed", "embase", "psycinfo")
        )
        pmid = None if kind == "abstract" else str(26000000 + 1117 * i)
        doi = None if kind == "abstract" else f"10.5555/ft.{year}.{i + 1:03d}"
        pages = ("S112", "") if kind == "abstract" else _pages(rng)
        abstract = (
            "Background: Few people with depressive symptoms seek professional help. "
            f"Methods: {FT_METHODS[kind]} Conclusions: "
            f"{title.split(':')[0]} merits further study."
        )
        out.append(Rec(f"ft{i + 1}", authors, title, journal, abbrev, year,
                       str(rng.randint(10, 60)), str(rng.randint(1, 12)), pages, doi,
                       pmid, dbs, abstract, kind))  # fmt: skip
    seen: set[str] = set()
    k = 0
    while len(out) < len(FULLTEXT_EXCLUDED) + 150:
        topic, outcome, group = (
            rng.choice(TOPICS),
            rng.choice(OUTCOMES_NR),
            rng.choice(GROUPS),
        )
        form = rng.choice(FORMS)
        title = form.format(t=topic, T=topic[0].upper() + topic[1:], o=outcome, g=group)
        if title in seen:
            continue
        seen.add(title)
        k += 1
        journal, abbrev = rng.choice(JOURNALS)
        authors = [
            (rng.choice(SURNAMES), rng.choice(GIVEN)) for _ in range(rng.randint(2, 5))
        ]
        year = rng.randint(2004, 2023)
        n_db = rng.choices([1, 2, 3, 4], weights=[45, 30, 18, 7])[0]
        dbs = tuple(sorted(rng.sample(DATABASES, n_db), key=DATABASES.index))
        has_doi = rng.random() < 0.88
        pmid = (
            str(20000000 + 7919 * k) if "pubmed" in dbs or rng.random() < 0.3 else None
        )
        if not has_doi and pmid is None and "pubmed" not in dbs:
            pmid = None
        out.append(Rec(f"nr{k}", authors, title, journal, abbrev, year,
                       str(rng.randint(5, 80)), str(rng.randint(1, 12)), _pages(rng),
                       f"10.5555/nr.{year}.{k:04d}" if has_doi else None, pmid, dbs,
                       _abstract(rng, topic, outcome, group, form)))  # fmt: skip
    return out


FT_METHODS = {
    "protocol": "We describe the design of a randomised controlled trial; recruitment "
    "starts next year and no results are reported.",
    "abstract": "Conference abstract of an ongoing pragmatic trial; results will be "
    "reported when follow-up is complete.",
    "article": "We enrolled participants and measured help-seeking attitudes and "
    "knowledge before and after the programme. Results: Scores improved.",
}
DESIGNS = {
    "randomised controlled trial": "We randomised {n} {g}.",
    "systematic review": "We searched five databases and included {k} studies.",
    "qualitative study": "We interviewed {k} {g} and analysed the transcripts thematically.",
    "cohort study": "We followed {n} {g} for two years.",
    "pilot randomised trial": "We randomised {n} {g} in a pilot trial.",
}


def _abstract(
    rng: random.Random, topic: str, outcome: str, group: str, form: str
) -> str:
    design = next((d for d in DESIGNS if d in form), "randomised controlled trial")
    methods = DESIGNS[design].format(
        n=rng.randint(40, 400), k=rng.randint(8, 40), g=group
    )
    effect = rng.choice(
        ["small", "moderate", "inconsistent", "not statistically significant"]
    )
    return (
        f"Background: Evidence on {topic} and {outcome} among {group} is limited. "
        f"Methods: {methods} Results: Associations with {outcome} were {effect}. "
        f"Conclusions: More research on {outcome} among {group} is needed."
    )


THE = {"United Kingdom": "the United Kingdom", "United States": "the United States"}


def trial_records() -> list[Rec]:
    out = []
    for t in TRIALS:
        n = sum(t.arms.values())
        abstract = (
            f"Background: Few people with depressive symptoms seek professional help. "
            f"Methods: In this {'cluster ' if t.design == 'cluster' else ''}randomised "
            f"controlled trial in {THE.get(t.country, t.country)} ({t.setting}), {n} "
            f"{t.population} were "
            f"randomised to the intervention or {t.comparator}. Outcomes included "
            "help-seeking intentions, attitudes and behaviour. Results: The intervention "
            "improved help-seeking outcomes. Conclusions: Brief interventions can "
            "encourage help-seeking."
        )
        out.append(Rec(t.label, t.authors, t.title, t.journal, t.abbrev, t.year,
                       t.volume, t.issue, t.pages, t.doi, t.pmid, t.databases,
                       abstract))  # fmt: skip
    return out


# --- the six exports, each in its database's format ----------------------------------
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def ascii_fold(text: str) -> str:
    import unicodedata

    out = unicodedata.normalize("NFKD", text)
    out = "".join(c for c in out if not unicodedata.combining(c))
    return out.replace("ø", "o").replace("Ø", "O").replace("ł", "l")


def initials(given: str) -> str:
    return "".join(part[0] for part in given.replace("-", " ").split())


def title_case(text: str) -> str:
    small = {"a", "an", "and", "of", "in", "on", "for", "to", "the", "with", "by", "or"}
    words = text.split(" ")
    return " ".join(
        w if (i and w in small) or not w[:1].isalpha() else w[:1].upper() + w[1:]
        for i, w in enumerate(words)
    )


def medline_pages(first: str, last: str) -> str:
    """MEDLINE's abbreviated page range: 1003-1015 is 1003-15."""
    if not last or last == first:
        return first
    i = 0
    while i < min(len(first), len(last)) - 1 and first[i] == last[i]:
        i += 1
    return f"{first}-{last[i:]}" if len(first) == len(last) else f"{first}-{last}"


def wrap(tag: str, text: str, width: int = 82) -> list[str]:
    """A MEDLINE field: ``TAG - text`` wrapped, continuation lines indented 6."""
    words, lines, line = text.split(), [], f"{tag:<4}- "
    for w in words:
        if len(line) + len(w) > width and line.strip() != f"{tag}-".strip():
            lines.append(line.rstrip())
            line = "      "
        line += w + " "
    lines.append(line.rstrip())
    return lines


def pubmed(records: list[Rec]) -> str:
    out = []
    for r in records:
        month = MONTHS[(int(r.volume) + r.year) % 12]
        lines = [f"PMID- {r.pmid}", "OWN - NLM", "STAT- MEDLINE",
                 f"IS  - {1000 + int(r.volume) * 37 % 9000:04d}-{int(r.volume) * 91 % 9000:04d} (Electronic)",
                 f"VI  - {r.volume}", f"IP  - {r.issue}", f"DP  - {r.year} {month}"]  # fmt: skip
        lines += wrap("TI", r.title + ".")
        lines.append(f"PG  - {medline_pages(*r.pages)}")
        if r.doi:
            lines.append(f"LID - {r.doi} [doi]")
        lines += wrap("AB", r.abstract)
        for family, given in r.authors:
            lines += [f"FAU - {family}, {given}", f"AU  - {family} {initials(given)}"]
        lines += ["LA  - eng", "PT  - Journal Article"]
        if r.key in BY_LABEL:
            lines.append("PT  - Randomized Controlled Trial")
        lines += [f"TA  - {r.abbrev}", f"JT  - {r.journal[0] + r.journal[1:].lower()}",
                  "SB  - IM", "MH  - Depression/psychology",
                  "MH  - Help-Seeking Behavior", "MH  - Humans"]  # fmt: skip
        if r.doi:
            lines.append(f"AID - {r.doi} [doi]")
        so = f"{r.abbrev}. {r.year} {month};{r.volume}({r.issue}):{medline_pages(*r.pages)}."
        lines += wrap("SO", so + (f" doi: {r.doi}." if r.doi else ""))
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def embase(records: list[Rec]) -> str:
    out = []
    for i, r in enumerate(records):
        lnum = f"L{600000000 + 104729 * (i + 1)}"
        title = title_case(r.title) if r.key in BY_LABEL or i % 3 == 0 else r.title
        lines = ["TY  - JOUR", f"M3  - {'Conference Abstract' if r.kind == 'abstract' else 'Article'}",
                 f"Y1  - {r.year}", f"VL  - {r.volume}", f"IS  - {r.issue}",
                 f"SP  - {r.pages[0]}"]  # fmt: skip
        if r.pages[1]:
            lines.append(f"EP  - {r.pages[1]}")
        lines += [f"JF  - {r.journal}", f"JO  - {r.journal}",
                  f"UR  - http://www.embase.com/search/results?subaction=viewrecord&from=export&id={lnum}",
                  f"U2  - {lnum}", "DB  - Embase"]  # fmt: skip
        if r.doi:
            lines += [f"L2  - http://dx.doi.org/{r.doi}", f"DO  - {r.doi}"]
        for family, given in r.authors:
            lines.append(f"A1  - {ascii_fold(family)} {'.'.join(initials(given))}.")
        lines += [f"T1  - {title}", "LA  - English", "KW  - depression",
                  "KW  - help seeking behavior", "KW  - human"]  # fmt: skip
        if r.key in BY_LABEL:
            lines.append("KW  - randomized controlled trial")
        lines += [f"N2  - {r.abstract}", "ER  - "]
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def psycinfo(records: list[Rec]) -> str:
    out = []
    for i, r in enumerate(records, start=1):
        an = f"{r.year}-{10000 + 613 * i:05d}-001"
        lines = [f"{i}.", "TY  - JOUR", f"ID  - {an}"]
        if r.doi:
            lines.append(f"DO  - http://dx.doi.org/{r.doi}")
        lines.append(f"T1  - {r.title}")
        lines += [f"A1  - {family}, {given}" for family, given in r.authors]
        lines += [f"Y1  - {r.year}//",
                  f"N2  - {r.abstract} (PsycINFO Database Record (c) {r.year + 1} APA, all rights reserved)",
                  "M3  - Health & Mental Health Treatment & Prevention [3300]",
                  f"JF  - {r.journal}", f"VL  - {r.volume}", f"IS  - {r.issue}"]  # fmt: skip
        if i % 11 == 0 and r.key not in BY_LABEL:  # online first: no pages yet
            lines += ["SP  - No", "EP  - Specified"]
        else:
            lines += [f"SP  - {r.pages[0]}"] + (
                [f"EP  - {r.pages[1]}"] if r.pages[1] else []
            )
        lines += [f"L2  - http://ovidsp.ovid.com/ovidweb.cgi?T=JS&PAGE=reference&D=psyc16&NEWS=N&AN={an}",
                  "DB  - APA PsycInfo", "ER  - ", f"NL  - {r.abbrev}", ""]  # fmt: skip
        out.append("\n".join(lines))
    return "\n".join(out)


NO_DOI_CINAHL = {"Petrakis 2018", "Sorensen 2013"}


def cinahl(records: list[Rec]) -> str:
    out = []
    for i, r in enumerate(records, start=1):
        an = str(140000000 + 4057 * i)
        lines = ["TY  - JOUR"]
        lines += [f"AU  - {family}, {given}" for family, given in r.authors]
        lines += [f"T1  - {r.title}.", f"JO  - {r.abbrev}", f"Y1  - {r.year}/{(i % 12) + 1:02d}//",
                  f"VL  - {r.volume}", f"IS  - {r.issue}", "M3  - Article",
                  f"SP  - {r.pages[0]}"]  # fmt: skip
        if r.pages[1]:
            lines.append(f"EP  - {r.pages[1]}")
        lines += [f"AB  - {r.abstract} [ABSTRACT FROM AUTHOR]", "KW  - Depression",
                  "KW  - Help Seeking Behavior",
                  f"N1  - Accession Number: {an}; Document Type: Article"]  # fmt: skip
        if r.doi and r.key not in NO_DOI_CINAHL and i % 4:
            lines.append(f"L3  - {r.doi}")
        lines += [f"UR  - https://search.ebscohost.com/login.aspx?direct=true&db=rzh&AN={an}&site=ehost-live",
                  "DP  - EBSCOhost", "DB  - rzh", "ER  - "]  # fmt: skip
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def wos(records: list[Rec]) -> str:
    out = ["FN Clarivate Analytics Web of Science", "VR 1.0"]
    for i, r in enumerate(records, start=1):
        au = [f"{ascii_fold(f)}, {initials(g)}" for f, g in r.authors]
        af = [f"{f}, {g}" for f, g in r.authors]
        lines = ["PT J", "AU " + au[0], *("   " + a for a in au[1:]),
                 "AF " + af[0], *("   " + a for a in af[1:]),
                 f"TI {r.title}", f"SO {r.journal.upper()}", "LA English", "DT Article",
                 "DE depression; help-seeking", f"AB {r.abstract}", f"PY {r.year}",
                 f"VL {r.volume}", f"IS {r.issue}", f"BP {r.pages[0]}"]  # fmt: skip
        if r.pages[1]:
            lines.append(f"EP {r.pages[1]}")
        if r.doi:
            lines.append(f"DI {r.doi}")
        if r.pmid:
            lines.append(f"PM {r.pmid}")
        lines += [f"UT WOS:{333000000000 + 7211 * i:015d}", "ER", ""]
        out += lines
    return "\n".join([*out, "EF", ""])


def central(records: list[Rec]) -> str:
    out = []
    n = len(records)
    for i, r in enumerate(records, start=1):
        cn = f"CN-{1000000 + 3571 * i:08d}"
        lines = [f"Record #{i} of {n}", f"ID: {cn}"]
        lines += [f"AU: {family} {initials(given)}" for family, given in r.authors]
        lines += [f"TI: {r.title}", f"SO: {r.journal}", f"YR: {r.year}", f"VL: {r.volume}",
                  f"NO: {r.issue}"]  # fmt: skip
        pages = "\u2010".join(p for p in r.pages if p)
        lines.append(f"PG: {pages}")
        if r.pmid:
            lines.append(f"XR: PUBMED {r.pmid}")
        lines.append(
            "PT: Journal article"
            + ("; Randomized Controlled Trial" if r.key in BY_LABEL else "")
        )
        lines.append("KY: Depression [psychology]; Help-Seeking Behavior; Humans")
        if r.doi and r.year >= 2012:  # older CENTRAL records carry no DOI
            lines.append(f"DOI: {r.doi}")
        lines += [f"AB: {r.abstract}",
                  f"US: https://www.cochranelibrary.com/central/doi/10.1002/central/{cn}/full", ""]  # fmt: skip
        out += lines
    return "\n".join(out)


EXPORTS = {  # file in searches/, database, writer
    "pubmed": ("PubMed.nbib", pubmed),
    "embase": ("Embase.ris", embase),
    "psycinfo": ("PsycINFO-Ovid.ris", psycinfo),
    "cinahl": ("CINAHL-EBSCO.ris", cinahl),
    "wos": ("WebOfScience.txt", wos),
    "central": ("CochraneCENTRAL.txt", central),
}


# --- the protocol ----------------------------------------------------------------------
PROTOCOL = """\
# review.toml: the protocol of the help-seeking example review (metareview).
#
# The design follows Ni et al. (2025), "Interventions to improve mental
# help-seeking behaviours in individuals with depressive symptoms: a systematic
# review and meta-analysis", BMC Psychiatry 25:528. The studies, their records
# and every number in this project are SIMULATED (see README.md): the pooled
# results resemble the published ones, and nothing else should be read into them.
# Written by make_example.py; edit that script, not this file.

title = "Interventions to improve mental help-seeking in people with depressive symptoms (simulated example)"
illustrative = true

[question]
population = "Adults and adolescents with depressive symptoms on a validated scale"
intervention = "Any intervention aimed at mental help-seeking"
comparator = "Usual care, waiting list, attention control or no intervention"
outcomes = "Help-seeking behaviour, intention, attitude, subjective norm, perceived behavioural control, stigma"

# Six databases, from inception to the date of the search.
[[databases]]
name = "PubMed"
platform = "NCBI"
searched = 2024-01-15

[[databases]]
name = "Embase"
platform = "Elsevier"
searched = 2024-01-15

[[databases]]
name = "APA PsycInfo"
platform = "Ovid"
searched = 2024-01-16

[[databases]]
name = "CINAHL Plus with Full Text"
platform = "EBSCOhost"
searched = 2024-01-16

[[databases]]
name = "Web of Science"
platform = "Clarivate (Core Collection)"
searched = 2024-01-16

[[databases]]
name = "Cochrane CENTRAL"
platform = "Cochrane Library (Wiley)"
searched = 2024-01-15

[eligibility]
inclusion = [
    "Randomised controlled trial (individually or cluster randomised)",
    "Participants with depressive symptoms on a validated scale",
    "An intervention aimed at mental help-seeking",
    "Reports help-seeking behaviour, intention, attitude, subjective norm, perceived behavioural control or stigma",
]
exclusion = [
    "Protocol, conference abstract without data, review or commentary",
    "Not in English or Chinese",
]
fulltext_reasons = [
    "Wrong population",
    "Wrong intervention",
    "Wrong comparator",
    "No eligible outcome",
    "Not a randomised trial",
    "Data not reported",
]

# Two reviewers screen, extract and appraise independently; a third resolves.
[[reviewers]]
name = "Reviewer A"
role = "owner"

[[reviewers]]
name = "Reviewer B"
role = "reviewer"

[[reviewers]]
name = "Reviewer C"
role = "reviewer"

[screening]
reviewers_per_record = 2
resolved_by = ["Reviewer C"]
keywords_include = ["help-seeking", "help seeking", "randomised", "randomized", "depressive"]
keywords_exclude = ["protocol", "qualitative", "cohort", "systematic review"]

[[outcomes]]
id = "behaviour"
name = "Help-seeking behaviour"
construct = "behaviour"
type = "binary"
scale = "Sought professional help during follow-up (yes/no)"
direction = "higher"
timepoints = ["end of follow-up"]
measure = "OR"
mid = 0.25
control_risk = 0.24

[[outcomes]]
id = "intention"
name = "Help-seeking intention"
construct = "intention"
type = "continuous"
scale = "General Help-Seeking Questionnaire (GHSQ) or similar; pooled as SMD"
direction = "higher"
timepoints = ["post-intervention", "2 weeks"]
measure = "SMD"
mid = 0.2

# at 2 weeks every trial used the GHSQ: a mean difference on its scale, as
# Ni et al. (2025) report it
[outcomes.at."2 weeks"]
measure = "MD"

[[outcomes]]
id = "attitude"
name = "Attitudes toward seeking professional help"
construct = "attitude"
type = "continuous"
scale = "ATSPPH-SF, mean item score 0-3"
direction = "higher"
timepoints = ["post-intervention"]
measure = "MD"
mid = 0.2

[[outcomes]]
id = "norm"
name = "Subjective norm"
construct = "subjective_norm"
type = "continuous"
direction = "higher"
timepoints = ["post-intervention"]

[[outcomes]]
id = "pbc"
name = "Perceived behavioural control"
construct = "perceived_behavioural_control"
type = "continuous"
direction = "higher"
timepoints = ["post-intervention"]

[[outcomes]]
id = "stigma"
name = "Self-stigma of seeking help"
construct = "stigma"
type = "continuous"
scale = "Self-Stigma of Seeking Help scale (SSOSH), 10-50"
direction = "lower"
timepoints = ["post-intervention"]
measure = "MD"
mid = 2.0

[[interventions]]
id = "positive_emotion"
name = "Positive emotion infusion"

[[interventions]]
id = "information"
name = "Information support"

[[interventions]]
id = "mcii"
name = "Mental contrasting with implementation intentions"

[[interventions]]
id = "self_perspective"
name = "Self-perspective"

[[interventions]]
id = "telephone_care"
name = "Telephone care management"

[[interventions]]
id = "feedback"
name = "Health information feedback"

[[interventions]]
id = "monitoring"
name = "Depression follow-up monitoring"

# Ni et al. pooled with RevMan 5.4's DerSimonian-Laird model and Wald (z)
# intervals. Here: REML, whose tau^2 is less biased than DL's with few studies
# (Veroniki et al. 2016, Res Synth Methods 7:55-79), and the Hartung-Knapp-
# Sidik-Jonkman interval (test = "knha"), which keeps close to its nominal 95%
# coverage with few studies where the z interval is too narrow (IntHout et al.
# 2014, BMC Med Res Methodol 14:25; Cochrane Handbook 10.10.4). With 2 or 3
# studies in a subgroup its intervals are wide: that is the uncertainty there is.
[analysis]
measure_binary = "OR"
measure_continuous = "SMD"
method = "REML"
test = "knha"
level = 0.95
subgroups = ["intervention"]
sensitivity = ["leave-one-out", "exclude high risk of bias", "fixed-effect model"]

# A three-arm trial (two mental contrasting arms) enters as one comparison
# (arms combined, Cochrane Handbook Table 6.5.a); the cluster trial reports its
# ICC (design effect, Handbook 23.1.4).
[extraction]
multi_arm = "combine"
"""


# --- screening decisions -----------------------------------------------------------------
DEC_COLUMNS = ["stage", "reviewer", "decision", "reason", "note", "decided_at", "kind",
               "consensus", "doi", "pmid", "title"]  # fmt: skip


def screening_csv(trials: list[Rec], others: list[Rec], rng: random.Random) -> str:
    """Two reviewers at both stages, conflicts, unblinding and resolutions."""
    rows: list[dict[str, str]] = []
    clock = {"ta": 0, "ft": 0}

    def when(stage: str) -> str:
        clock[stage] += 1
        day, minute = divmod(clock[stage] * 7, 480)
        month = "02" if stage == "ta" else "03"
        return (
            f"2024-{month}-{5 + day:02d}T{9 + minute // 60:02d}:{minute % 60:02d}:00Z"
        )

    def ids(r: Rec) -> dict[str, str]:
        return {"doi": r.doi or "", "pmid": r.pmid or "", "title": r.title}

    def add(r: Rec | None, stage: str, who: str, decision: str, reason: str = "",
            kind: str = "", consensus: str = "", note: str = "") -> None:  # fmt: skip
        row = dict.fromkeys(DEC_COLUMNS, "")
        row.update(stage=stage, reviewer=who, decision=decision, reason=reason,
                   kind=kind, consensus=consensus, note=note)  # fmt: skip
        if r is not None:
            row.update(ids(r))
        if kind == "":
            row["decided_at"] = when(stage)
        rows.append(row)

    nr = [r for r in others if r.key.startswith("nr")]
    ft = [r for r in others if r.key.startswith("ft")]
    conflicts_nr = rng.sample(nr, 7)
    everything = sorted([*trials, *others], key=lambda r: r.title)
    ta: dict[str, dict[str, str]] = {A: {}, B: {}}
    for r in everything:
        if r.key in BY_LABEL or r.key.startswith("ft"):
            ta[A][r.key] = ta[B][r.key] = "include"
        else:
            ta[A][r.key] = ta[B][r.key] = "exclude"
    ta[B]["Petrakis 2018"] = "maybe"
    ta[B]["Adebayo 2017"] = "exclude"
    ta[B]["ft3"] = ta[B]["ft8"] = "exclude"
    ta[A]["ft4"] = "maybe"
    for i, r in enumerate(conflicts_nr):
        ta[A if i % 2 else B][r.key] = "include"
    for who in (A, B):
        for r in everything:
            add(r, "ta", who, ta[who][r.key])
    add(None, "ta", A, "", kind="unblind")
    by_key = {r.key: r for r in everything}
    for key in ("Adebayo 2017", "ft3", "ft8"):
        add(by_key[key], "ta", C, "include", kind="resolution")
    for i, r in enumerate(conflicts_nr):
        if i == 0:  # the two reviewers agreed on it together
            add(r, "ta", A, "exclude", kind="resolution", consensus="1",
                note="discussed: a cohort study")  # fmt: skip
        else:
            add(r, "ta", C, "exclude", kind="resolution")
    reasons = {f"ft{i + 1}": x[3] for i, x in enumerate(FULLTEXT_EXCLUDED)}
    full: dict[str, dict[str, tuple[str, str]]] = {A: {}, B: {}}
    for r in [*trials, *ft]:
        verdict = ("include", "") if r.key in BY_LABEL else ("exclude", reasons[r.key])
        full[A][r.key] = full[B][r.key] = verdict
    full[B]["Tanaka 2020"] = ("exclude", "Wrong intervention")
    full[B]["ft5"] = ("exclude", "No eligible outcome")
    full[A]["ft8"] = ("include", "")
    for who in (A, B):
        for r in sorted([*trials, *ft], key=lambda r: r.title):
            add(r, "ft", who, *full[who][r.key])
    add(None, "ft", A, "", kind="unblind")
    add(by_key["Tanaka 2020"], "ft", C, "include", kind="resolution",
        note="self-distancing is a help-seeking intervention (protocol 2.3)")  # fmt: skip
    add(by_key["ft5"], "ft", C, "exclude", "Wrong intervention", kind="resolution")
    add(by_key["ft8"], "ft", C, "exclude", "Wrong population", kind="resolution")
    return _csv(DEC_COLUMNS, [[row[c] for c in DEC_COLUMNS] for row in rows])


def _csv(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


# --- extraction ---------------------------------------------------------------------------
CHAR_COLUMNS = ["record_id", "study", "country", "setting", "design", "n_randomised",
                "population", "age_mean", "female_percent", "intervention_category",
                "comparator", "duration", "funding"]  # fmt: skip
OUT_COLUMNS = ["record_id", "study", "outcome", "timepoint", "arm", "n", "events", "mean",
               "sd", "se", "ci_lb", "ci_ub", "ci_level", "median", "q1", "q3", "min",
               "max", "change_mean", "change_sd", "t", "F", "p", "effect",
               "effect_ci_lb", "effect_ci_ub", "effect_measure", "clusters",
               "mean_cluster_size", "icc", "source", "note"]  # fmt: skip
WEEKS_N = ("Lindqvist 2016", "intention", WEEKS, "control", "n")
# (study, outcome, timepoint, arm, field) -> (Reviewer A's value, Reviewer B's value)
SLIPS = {
    ("Okonkwo 2019", "stigma", POST, "control", "sd"): "B",  # digits swapped by B
    (
        "Whitfield 2009",
        "behaviour",
        "end of follow-up",
        "telephone_care",
        "events",
    ): "A",
    ("Haddad 2023", "", "", "", "age_mean"): "B",
    WEEKS_N: "B",  # B copied the number randomised, not analysed
}


def slip(key: tuple[str, str, str, str, str], value: str, trial: Trial) -> str:
    """The value as mistyped by a reviewer."""
    if key[4] == "sd":
        return value[:-2] + value[-1] + value[-2]
    if key[4] == "events":
        return str(int(value) + 3)
    if key[4] == "age_mean":
        return f"{float(value) + 0.6:.1f}"
    return str(trial.arms[key[3]])


def characteristics(t: Trial) -> dict[str, str]:
    return {"country": t.country, "setting": t.setting, "design": t.design,
            "n_randomised": str(sum(t.arms.values())), "population": t.population,
            "age_mean": f"{t.age:.1f}", "female_percent": f"{t.female:.0f}",
            "intervention_category": t.category, "comparator": t.comparator,
            "duration": t.duration, "funding": t.funding}  # fmt: skip


def extraction_files() -> dict[str, str]:
    files = {}
    consensus = []
    for who in ("A", "B"):
        chars, outs = [], []
        for t in TRIALS:
            row = {"record_id": "", "study": t.label, **characteristics(t)}
            key = (t.label, "", "", "", "age_mean")
            if SLIPS.get(key) == who:
                row["age_mean"] = slip(key, row["age_mean"], t)
            chars.append([row[c] for c in CHAR_COLUMNS])
        for (label, outcome, tp), spec in REPORTS.items():
            t = BY_LABEL[label]
            for arm, cells in reported(t, outcome, spec).items():
                row = dict.fromkeys(OUT_COLUMNS, "")
                row.update(study=label, outcome=outcome, timepoint=tp, arm=arm, **cells)
                row["source"] = (
                    SOURCE[outcome]
                    if who == "A"
                    else SOURCE[outcome].replace("Table", "Tab.")
                )
                for name in list(cells):
                    key = (label, outcome, tp, arm, name)
                    if SLIPS.get(key) == who:
                        row[name] = slip(key, cells[name], t)
                outs.append([row[c] for c in OUT_COLUMNS])
        stem = f"reviewer_{who.lower()}"
        files[f"{stem}_characteristics.csv"] = _csv(CHAR_COLUMNS, chars)
        files[f"{stem}_outcomes.csv"] = _csv(OUT_COLUMNS, outs)
    for key in SLIPS:
        label, outcome, tp, arm, name = key
        t = BY_LABEL[label]
        if outcome:
            value = reported(t, outcome, REPORTS[(label, outcome, tp)])[arm][name]
        else:
            value = characteristics(t)[name]
        consensus.append(
            [label, outcome, arm, tp, name, value, "Reviewer A and Reviewer B"]
        )
    files["consensus.csv"] = _csv(
        ["study", "outcome_id", "arm", "timepoint", "field", "value", "by"], consensus
    )
    return files


# --- risk of bias (RoB 2) -------------------------------------------------------------------
ANSWERS = {  # (domain, judgement) -> answers that lead there (template flow charts)
    ("D1", "low"): {"1.1": "Y", "1.2": "Y", "1.3": "N"},
    ("D1", "some concerns"): {"1.1": "Y", "1.2": "NI", "1.3": "PN"},
    ("D2", "low"): {"2.1": "Y", "2.2": "Y", "2.3": "N", "2.6": "Y"},
    ("D2", "some concerns"): {"2.1": "Y", "2.2": "Y", "2.3": "NI", "2.6": "Y"},
    ("D3", "low"): {"3.1": "Y"},
    ("D3", "some concerns"): {"3.1": "N", "3.2": "N", "3.3": "PY", "3.4": "PN"},
    ("D3", "high"): {"3.1": "N", "3.2": "N", "3.3": "Y", "3.4": "PY"},
    ("D4", "low"): {"4.1": "N", "4.2": "N", "4.3": "N"},
    ("D4", "some concerns"): {"4.1": "N", "4.2": "N", "4.3": "Y", "4.4": "PY", "4.5": "PN"},
    ("D5", "low"): {"5.1": "Y", "5.2": "N", "5.3": "N"},
    ("D5", "some concerns"): {"5.1": "N", "5.2": "PN", "5.3": "PN"},
}  # fmt: skip
L, S, H = "low", "some concerns", "high"
ROB = {  # D1..D5 as agreed
    "Harwood 2014": (L, L, L, S, L), "Okonkwo 2019": (S, L, L, S, S),
    "Vance 2021": (L, L, S, S, L), "Lindqvist 2016": (L, L, L, L, L),
    "Petrakis 2018": (S, S, H, S, S), "Marchetti 2021": (L, L, L, S, L),
    "Tanaka 2020": (L, L, L, L, S), "Brennan 2012": (L, S, L, L, L),
    "Whitfield 2009": (L, L, L, L, L), "Adebayo 2017": (L, L, S, L, L),
    "Sorensen 2013": (S, L, L, L, L), "Kowalczyk 2022": (L, L, L, L, L),
    "Haddad 2023": (S, L, H, L, S),
}  # fmt: skip
# Reviewer B's answers where they differ from Reviewer A's (the agreed ones)
ROB_B = {
    ("Okonkwo 2019", "1.2"): "PY",  # D1 low for B
    ("Brennan 2012", "2.3"): "N",  # D2 low for B
    ("Haddad 2023", "3.3"): "PY",  # D3 still high
    ("Kowalczyk 2022", "5.1"): "PY",  # D5 still low
}
SUPPORT = {
    "1.1": "computer-generated sequence", "1.2": "central allocation",
    "3.1": "outcome data for nearly all participants",
}  # fmt: skip


def rob_files() -> dict[str, str]:
    files = {}
    for who in ("A", "B"):
        rows = []
        for label, profile in ROB.items():
            for d, judgement in zip(
                ("D1", "D2", "D3", "D4", "D5"), profile, strict=True
            ):
                for q, a in ANSWERS[(d, judgement)].items():
                    if who == "B":
                        a = ROB_B.get((label, q), a)
                    support = SUPPORT.get(q, "") if who == "A" and a == "Y" else ""
                    rows.append([label, q, a, support])
        files[f"reviewer_{who.lower()}.csv"] = _csv(
            ["study", "item", "answer", "support"], rows
        )
    agreed = [
        [label, d, j, ""]
        for label, profile in ROB.items()
        for d, j in zip(("D1", "D2", "D3", "D4", "D5"), profile, strict=True)
    ]
    files["consensus.csv"] = _csv(["study", "domain", "judgement", "by"], agreed)
    return files


# --- writing and checking ---------------------------------------------------------------


def project_files() -> dict[str, str]:
    """Every file of the project: relative path -> text."""
    rng = random.Random(SEED)
    trials = trial_records()
    others = other_records(rng)
    files = {"review.toml": PROTOCOL}
    everything = [*trials, *others]
    for db, (name, writer) in EXPORTS.items():
        mine = [r for r in everything if db in r.databases]
        rng.shuffle(mine)
        files[f"searches/{name}"] = writer(mine)
    files["screening/decisions.csv"] = screening_csv(trials, others, rng)
    for name, text in extraction_files().items():
        files[f"extraction/{name}"] = text
    for name, text in rob_files().items():
        files[f"rob/{name}"] = text
    return files


def write_project(out: Path) -> list[Path]:
    """Write the project's files under ``out`` (UTF-8, LF); return their paths."""
    written = []
    for rel, text in project_files().items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written


def planted_duplicates() -> int:
    """Records that repeat a record of another database (what dedup should link)."""
    rng = random.Random(SEED)
    records = [*trial_records(), *other_records(rng)]
    return sum(len(r.databases) - 1 for r in records)


def build(folder: Path, work: Path) -> dict[str, object]:
    """Import the project in ``folder`` into a fresh review in ``work``."""
    import shutil

    from metareview.review import extraction as ex
    from metareview.review import rob
    from metareview.review.intake import dedup_project, import_files
    from metareview.review.screening import import_decisions, open_review
    from metareview.review.store import open_store

    work.mkdir(parents=True, exist_ok=True)
    shutil.copy(folder / "review.toml", work / "review.toml")
    open_store(work / "review.db").close()
    searches = sorted((folder / "searches").iterdir())
    imported = import_files(work, searches)
    dedup = dedup_project(work)
    with open_review(work) as (store, protocol):
        decisions = import_decisions(
            store, protocol, folder / "screening/decisions.csv"
        )
        for stem, who in (("reviewer_a", A), ("reviewer_b", B)):
            ex.import_extraction(
                store, protocol, folder / "extraction" / f"{stem}.csv", who
            )
        ex.import_consensus(store, folder / "extraction/consensus.csv")
        for stem, who in (("reviewer_a", A), ("reviewer_b", B)):
            rob.import_appraisals(store, folder / "rob" / f"{stem}.csv", who, "rob2")
        rob.import_rob_consensus(
            store, folder / "rob/consensus.csv", "rob2", by="Reviewer C"
        )
    return {"imported": imported, "dedup": dedup, "decisions": decisions}


def pooled(work: Path) -> dict[str, dict[str, float]]:
    """Pool each outcome as the protocol says (REML, knha), and by category."""
    import numpy as np

    import metareview as mr
    from metareview.review import extraction as ex
    from metareview.review.screening import open_review

    out: dict[str, dict[str, float]] = {}

    def keep(name: str, est: float, lb: float, ub: float, k: int, ratio: bool) -> None:
        f = np.exp if ratio else (lambda x: x)
        out[name] = {"estimate": float(f(est)), "ci_lb": float(f(lb)),
                     "ci_ub": float(f(ub)), "k": k}  # fmt: skip

    with open_review(work) as (store, protocol):
        a = protocol.analysis
        for o in protocol.outcomes:
            for tp in o.timepoints:
                data = ex.arm_data(store, protocol, o.id, tp)
                if data.empty:
                    continue
                es = ex.effect_sizes(data)
                ratio = o.type == "binary"
                measure = str(data["measure"].iloc[0])
                name = f"{o.id} {tp} ({measure})"
                if len(es) < 3:
                    out[name] = {"k": len(es)}
                    continue
                res = mr.rma(es, method=a.method, test=a.test, level=a.level)
                if o.id == "intention" and tp == WEEKS:
                    md = mr.escalc("MD", m1i=data["m1i"], sd1i=data["sd1i"], n1i=data["n1i"],
                                   m2i=data["m2i"], sd2i=data["sd2i"], n2i=data["n2i"])  # fmt: skip
                    for test in (a.test, "z"):
                        r = mr.rma(md, method=a.method, test=test)
                        keep(f"{o.id} {tp} (MD, test={test})", r.beta[0], r.ci_lb[0],
                             r.ci_ub[0], len(md), False)  # fmt: skip
                keep(name, res.beta[0], res.ci_lb[0], res.ci_ub[0], len(es), ratio)
                if es["intervention"].nunique() < 2:
                    continue
                with warnings.catch_warnings():  # few studies per level: known
                    warnings.simplefilter("ignore", mr.ModelWarning)
                    sub = mr.subgroup(
                        es, by="intervention", method=a.method, test=a.test
                    )
                for i, level in enumerate(sub.levels):
                    if sub.k[i] >= 2:
                        keep(f"{name} | {level}", sub.estimate[i], sub.ci_lb[i],
                             sub.ci_ub[i], int(sub.k[i]), ratio)  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="where to write")
    parser.add_argument("--no-check", action="store_true", help="skip the pooling")
    args = parser.parse_args(argv)
    paths = write_project(args.out)
    print(f"wrote {len(paths)} files under {args.out}")
    if args.no_check:
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        done = build(args.out, Path(tmp) / "review")
        d = done["dedup"]
        print(
            f"{sum(s.records for s in done['imported'])} records imported, "  # type: ignore[attr-defined]
            f"{d.linked} duplicates linked ({planted_duplicates()} planted), "  # type: ignore[attr-defined]
            f"{d.clusters} unique; {done['decisions']} screening events"
        )  # type: ignore[attr-defined]
        for name, r in pooled(Path(tmp) / "review").items():
            if "estimate" in r:
                print(f"{name:<60} k={r['k']:<2} {r['estimate']:.2f} "
                      f"({r['ci_lb']:.2f} to {r['ci_ub']:.2f})")  # fmt: skip
            else:
                print(f"{name:<60} k={r['k']:<2} not pooled (fewer than 3 studies)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
