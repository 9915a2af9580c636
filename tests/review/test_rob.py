"""Risk of bias: tools as data, the RoB 2 algorithm, dual appraisal in review.db.

The reference for the algorithm is the RoB 2 template ("cribsheet") of 22 August
2019 (Higgins, Savović, Page, Sterne; riskofbias.info), for individually
randomized parallel-group trials and the effect of assignment to intervention:
its flow charts for domain 1 (p. 6), domain 2 (p. 10), domain 3 (p. 16),
domain 4 (p. 19), domain 5 (p. 23) and the overall criteria (p. 24); the
"adhering" variant of domain 2 (p. 13). Each path of each flow chart is a case
below, typed from the chart, and the charts are re-typed as plain functions
(``FLOW``) that every possible set of answers is checked against.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import metareview as mr
from metareview._validate import InputError, InputTypeError
from metareview.plots._rob_tools import (
    JUDGEMENT_ALIASES,
    JUDGEMENT_LABELS,
    OVERALL_ALIASES,
    ROB_TOOLS,
)
from metareview.review.project import init_project
from metareview.review.rob import (
    appraisals,
    compare_appraisals,
    domain_judgement,
    high_risk_studies,
    load_tool,
    overall_judgement,
    record_appraisal,
    record_consensus,
    rob_agreement,
)
from metareview.review.store import open_store

LOW, SOME, HIGH = "low", "some concerns", "high"
YES, NO, NI = {"Y", "PY"}, {"N", "PN"}, {"NI"}
FULL = ("Y", "PY", "PN", "N", "NI")

# --- one case per path of each published flow chart -------------------------------
# (domain, answers, judgement); conditional questions that do not apply are left out.

PATHS = {
    # Domain 1, template p. 6
    "D1 concealed, random, no imbalance": (
        "D1",
        {"1.1": "Y", "1.2": "Y", "1.3": "N"},
        LOW,
    ),
    "D1 concealed, random NI, baseline NI": (
        "D1",
        {"1.1": "NI", "1.2": "PY", "1.3": "NI"},
        LOW,
    ),
    "D1 concealed, random, imbalance": (
        "D1",
        {"1.1": "PY", "1.2": "Y", "1.3": "PY"},
        SOME,
    ),
    "D1 concealed, not random": ("D1", {"1.1": "N", "1.2": "Y", "1.3": "Y"}, SOME),
    "D1 concealment NI, no imbalance": (
        "D1",
        {"1.1": "Y", "1.2": "NI", "1.3": "PN"},
        SOME,
    ),
    "D1 concealment NI, imbalance": (
        "D1",
        {"1.1": "Y", "1.2": "NI", "1.3": "Y"},
        HIGH,
    ),
    "D1 not concealed": ("D1", {"1.1": "Y", "1.2": "PN", "1.3": "N"}, HIGH),
    # Domain 2 (assignment), template p. 10: part 1 (2.1-2.5) x part 2 (2.6-2.7)
    "D2 blinded, ITT": ("D2", {"2.1": "N", "2.2": "PN", "2.6": "Y"}, LOW),
    "D2 aware, no trial-context deviations, ITT": (
        "D2",
        {"2.1": "Y", "2.2": "N", "2.3": "PN", "2.6": "PY"},
        LOW,
    ),
    "D2 aware, deviations NI": (
        "D2",
        {"2.1": "NI", "2.2": "N", "2.3": "NI", "2.6": "Y"},
        SOME,
    ),
    "D2 deviations not affecting outcome": (
        "D2",
        {"2.1": "Y", "2.2": "Y", "2.3": "Y", "2.4": "PN", "2.6": "Y"},
        SOME,
    ),
    "D2 deviations affecting outcome, balanced": (
        "D2",
        {"2.1": "Y", "2.2": "Y", "2.3": "PY", "2.4": "NI", "2.5": "PY", "2.6": "Y"},
        SOME,
    ),
    "D2 deviations affecting outcome, unbalanced": (
        "D2",
        {"2.1": "Y", "2.2": "Y", "2.3": "Y", "2.4": "Y", "2.5": "N", "2.6": "Y"},
        HIGH,
    ),
    "D2 deviations affecting outcome, balance NI": (
        "D2",
        {"2.1": "Y", "2.2": "Y", "2.3": "Y", "2.4": "Y", "2.5": "NI", "2.6": "Y"},
        HIGH,
    ),
    "D2 blinded, wrong analysis without substantial impact": (
        "D2",
        {"2.1": "N", "2.2": "N", "2.6": "N", "2.7": "PN"},
        SOME,
    ),
    "D2 blinded, wrong analysis with substantial impact": (
        "D2",
        {"2.1": "N", "2.2": "N", "2.6": "NI", "2.7": "Y"},
        HIGH,
    ),
    "D2 blinded, wrong analysis, impact NI": (
        "D2",
        {"2.1": "N", "2.2": "N", "2.6": "PN", "2.7": "NI"},
        HIGH,
    ),
    "D2 part 1 some concerns and part 2 high": (
        "D2",
        {"2.1": "Y", "2.2": "N", "2.3": "NI", "2.6": "N", "2.7": "Y"},
        HIGH,
    ),
    # Domain 3, template p. 16
    "D3 nearly all data": ("D3", {"3.1": "Y"}, LOW),
    "D3 missing, evidence of no bias": ("D3", {"3.1": "N", "3.2": "PY"}, LOW),
    "D3 missing, cannot depend on true value": (
        "D3",
        {"3.1": "NI", "3.2": "N", "3.3": "PN"},
        LOW,
    ),
    "D3 could depend, not likely": (
        "D3",
        {"3.1": "PN", "3.2": "N", "3.3": "Y", "3.4": "N"},
        SOME,
    ),
    "D3 could depend (NI), likely": (
        "D3",
        {"3.1": "N", "3.2": "PN", "3.3": "NI", "3.4": "PY"},
        HIGH,
    ),
    "D3 likely NI": ("D3", {"3.1": "N", "3.2": "N", "3.3": "Y", "3.4": "NI"}, HIGH),
    # Domain 4, template p. 19
    "D4 inappropriate method": ("D4", {"4.1": "Y", "4.2": "N"}, HIGH),
    "D4 measurement differed between groups": ("D4", {"4.1": "N", "4.2": "PY"}, HIGH),
    "D4 assessors blinded": ("D4", {"4.1": "N", "4.2": "N", "4.3": "N"}, LOW),
    "D4 aware, could not influence": (
        "D4",
        {"4.1": "PN", "4.2": "N", "4.3": "Y", "4.4": "N"},
        LOW,
    ),
    "D4 could influence, not likely": (
        "D4",
        {"4.1": "N", "4.2": "PN", "4.3": "Y", "4.4": "Y", "4.5": "PN"},
        SOME,
    ),
    "D4 likely influenced": (
        "D4",
        {"4.1": "NI", "4.2": "N", "4.3": "PY", "4.4": "NI", "4.5": "Y"},
        HIGH,
    ),
    "D4 differ NI, assessors blinded": (
        "D4",
        {"4.1": "N", "4.2": "NI", "4.3": "N"},
        SOME,
    ),
    "D4 differ NI, could not influence": (
        "D4",
        {"4.1": "N", "4.2": "NI", "4.3": "NI", "4.4": "PN"},
        SOME,
    ),
    "D4 differ NI, not likely": (
        "D4",
        {"4.1": "N", "4.2": "NI", "4.3": "Y", "4.4": "Y", "4.5": "N"},
        SOME,
    ),
    "D4 differ NI, likely": (
        "D4",
        {"4.1": "N", "4.2": "NI", "4.3": "Y", "4.4": "Y", "4.5": "NI"},
        HIGH,
    ),
    # Domain 5, template p. 23
    "D5 selected from measurements": ("D5", {"5.1": "Y", "5.2": "Y", "5.3": "N"}, HIGH),
    "D5 selected from analyses": ("D5", {"5.1": "Y", "5.2": "NI", "5.3": "PY"}, HIGH),
    "D5 no selection, pre-specified plan": (
        "D5",
        {"5.1": "PY", "5.2": "N", "5.3": "PN"},
        LOW,
    ),
    "D5 no selection, no plan": ("D5", {"5.1": "NI", "5.2": "N", "5.3": "N"}, SOME),
    "D5 selection NI": ("D5", {"5.1": "Y", "5.2": "NI", "5.3": "N"}, SOME),
}


@pytest.mark.parametrize("case", list(PATHS), ids=list(PATHS))
def test_each_path_of_the_published_algorithm(case: str) -> None:
    domain, answers, want = PATHS[case]
    got = domain_judgement("rob2", domain, answers)
    assert got.judgement == want
    for question, answer in answers.items():  # the path shows the answers used
        if any(step.startswith(f"{question} =") for step in got.path):
            assert f"{question} = {answer}" in " ".join(got.path)


def test_every_rule_of_the_data_file_is_a_published_path() -> None:
    """Each rule in rob2.toml is exercised by exactly the cases above."""
    tool = load_tool("rob2")
    used = set()
    for domain, answers, _ in PATHS.values():
        d = tool.domain(domain)
        resolved = domain_judgement(tool, domain, answers).answers
        for i, rule in enumerate(d.rules):
            if all(t.holds(resolved) for t in rule.when):
                used.add((domain, i))
    assert used == {(d.id, i) for d in tool.domains for i in range(len(d.rules))}


# --- the flow charts re-typed, checked on every possible set of answers ----------


def always(_: dict[str, str]) -> bool:
    return True


def asked(**needed: set[str]) -> Callable[[dict[str, str]], bool]:
    """Asked if any of the named questions (q2_1 for 2.1) has one of its answers."""
    return lambda a: any(a[q[1:].replace("_", ".")] in s for q, s in needed.items())


QUESTIONS: dict[str, list[tuple[str, tuple[str, ...], Callable[..., bool]]]] = {
    "D1": [("1.1", FULL, always), ("1.2", FULL, always), ("1.3", FULL, always)],
    "D2": [
        ("2.1", FULL, always),
        ("2.2", FULL, always),
        ("2.3", FULL, asked(q2_1=YES | NI, q2_2=YES | NI)),
        ("2.4", FULL, asked(q2_3=YES)),
        ("2.5", FULL, asked(q2_4=YES | NI)),
        ("2.6", FULL, always),
        ("2.7", FULL, asked(q2_6=NO | NI)),
    ],
    "D3": [
        ("3.1", FULL, always),
        ("3.2", ("Y", "PY", "PN", "N"), asked(q3_1=NO | NI)),
        ("3.3", FULL, asked(q3_2=NO)),
        ("3.4", FULL, asked(q3_3=YES | NI)),
    ],
    "D4": [
        ("4.1", FULL, always),
        ("4.2", FULL, always),
        ("4.3", FULL, lambda a: a["4.1"] in NO | NI and a["4.2"] in NO | NI),
        ("4.4", FULL, asked(q4_3=YES | NI)),
        ("4.5", FULL, asked(q4_4=YES | NI)),
    ],
    "D5": [("5.1", FULL, always), ("5.2", FULL, always), ("5.3", FULL, always)],
}


def flow_d1(a: dict[str, str]) -> str:
    if a["1.2"] in NO:
        return HIGH
    if a["1.2"] in NI:
        return HIGH if a["1.3"] in YES else SOME
    if a["1.1"] in NO:
        return SOME
    return SOME if a["1.3"] in YES else LOW


def flow_d2(a: dict[str, str]) -> str:
    if (a["2.1"] in NO and a["2.2"] in NO) or a["2.3"] in NO:
        part1 = LOW
    elif a["2.3"] in NI or a["2.4"] in NO:
        part1 = SOME
    else:
        part1 = SOME if a["2.5"] in YES else HIGH
    if a["2.6"] in YES:
        part2 = LOW
    else:
        part2 = SOME if a["2.7"] in NO else HIGH
    if HIGH in (part1, part2):
        return HIGH
    return LOW if part1 == part2 == LOW else SOME


def flow_d3(a: dict[str, str]) -> str:
    if a["3.1"] in YES or a["3.2"] in YES or a["3.3"] in NO:
        return LOW
    return SOME if a["3.4"] in NO else HIGH


def flow_d4(a: dict[str, str]) -> str:
    if a["4.1"] in YES or a["4.2"] in YES:
        return HIGH
    best = LOW if a["4.2"] in NO else SOME  # 4.2 NI: the lower branch of the chart
    if a["4.3"] in NO or a["4.4"] in NO:
        return best
    return SOME if a["4.5"] in NO else HIGH


def flow_d5(a: dict[str, str]) -> str:
    if a["5.2"] in YES or a["5.3"] in YES:
        return HIGH
    if a["5.2"] in NO and a["5.3"] in NO:
        return LOW if a["5.1"] in YES else SOME
    return SOME  # at least one NI, neither Y/PY


FLOW = {"D1": flow_d1, "D2": flow_d2, "D3": flow_d3, "D4": flow_d4, "D5": flow_d5}


def all_answers(spec: list[tuple[str, tuple[str, ...], Any]]) -> list[dict[str, str]]:
    """Every complete set of answers: NA where a question does not apply."""
    sets: list[dict[str, str]] = [{}]
    for qid, options, applies in spec:
        sets = [
            {**a, qid: o} for a in sets for o in (options if applies(a) else ("NA",))
        ]
    return sets


@pytest.mark.parametrize("domain", list(FLOW))
def test_algorithm_matches_the_flow_chart_on_every_answer_set(domain: str) -> None:
    tool = load_tool("rob2")
    sets = all_answers(QUESTIONS[domain])
    assert len(sets) > 50
    for answers in sets:
        got = domain_judgement(tool, domain, answers)
        assert got.judgement == FLOW[domain](answers), answers
        assert dict(got.answers) == answers
        # questions that do not apply may equally be left out
        short = {q: v for q, v in answers.items() if v != "NA"}
        assert domain_judgement(tool, domain, short).judgement == got.judgement


def flow_d2_adhering(a: dict[str, str]) -> str:
    """Domain 2 for the effect of adhering to intervention, template p. 13."""
    aware = not (a["2.1"] in NO and a["2.2"] in NO)
    if aware and a["2.3"] in NO | NI:
        return SOME if a["2.6"] in YES else HIGH
    if a["2.4"] in {"NA"} | NO and a["2.5"] in {"NA"} | NO:
        return LOW
    return SOME if a["2.6"] in YES else HIGH


def test_adhering_variant_matches_its_flow_chart() -> None:
    spec = [
        ("2.1", FULL, always),
        ("2.2", FULL, always),
        ("2.3", ("NA", *FULL), asked(q2_1=YES | NI, q2_2=YES | NI)),
        ("2.4", ("NA", *FULL), always),
        ("2.5", ("NA", *FULL), always),
        ("2.6", FULL, asked(q2_3=NO | NI, q2_4=YES | NI, q2_5=YES | NI)),
    ]
    tool = load_tool("rob2-adherence")
    assert [d.id for d in tool.domains] == ["D1", "D2", "D3", "D4", "D5"]
    assert tool.domain("D1") == load_tool("rob2").domain("D1")
    for answers in all_answers(spec):
        got = domain_judgement(tool, "D2", answers)
        assert got.judgement == flow_d2_adhering(answers), answers


# --- the tools as data -----------------------------------------------------------


def test_rob2_has_the_published_domains_and_questions() -> None:
    tool = load_tool("RoB 2")
    assert tool.label == "RoB 2"
    assert tool.has_algorithm
    counts = {d.id: len(d.questions) for d in tool.domains}
    assert counts == {"D1": 3, "D2": 7, "D3": 4, "D4": 5, "D5": 3}
    q = {q.id: q for d in tool.domains for q in d.questions}
    assert q["3.2"].options == ("Y", "PY", "PN", "N")  # no "No information"
    assert q["2.3"].condition_text == "If Y/PY/NI to 2.1 or 2.2"
    assert q["4.3"].condition_text == "If N/PN/NI to 4.1 and 4.2"
    assert q["2.7"].condition_text == "If N/PN/NI to 2.6"
    assert q["1.1"].condition_text == "always asked"
    assert tool.domain("missing outcome data").id == "D3"


@pytest.mark.parametrize(
    ("name", "n", "judgements"),
    [
        ("rob1", 7, ("low", "unclear", "high")),
        ("robins-i", 7, ("low", "moderate", "serious", "critical", "no information")),
    ],
)
def test_direct_tools_have_domains_and_no_algorithm(
    name: str, n: int, judgements: tuple[str, ...]
) -> None:
    tool = load_tool(name)
    assert len(tool.domains) == n
    assert tool.judgements == judgements
    assert not tool.has_algorithm
    with pytest.raises(InputError, match="no algorithm for D1"):
        domain_judgement(tool, "D1", {})


def test_unknown_tool_is_refused() -> None:
    with pytest.raises(InputError, match="tool must be one of 'rob2'"):
        load_tool("rob3")
    with pytest.raises(InputTypeError):
        load_tool(2)  # type: ignore[arg-type]


def test_figures_read_the_same_data_files() -> None:
    """plots._rob_tools is built from the data files, with the same shapes."""
    for key, spec in ROB_TOOLS.items():
        tool = load_tool(key)
        assert spec["name"] == tool.label
        assert spec["judgements"] == tool.judgements
        assert [d["name"] for d in spec["domains"]] == [d.name for d in tool.domains]
        assert [d["aliases"] for d in spec["domains"]] == [
            d.aliases for d in tool.domains
        ]
    assert set(ROB_TOOLS) == {"rob2", "rob1", "robins-i"}
    assert JUDGEMENT_LABELS["some concerns"] == "Some concerns"
    assert JUDGEMENT_ALIASES["low risk of bias"] == "low"
    assert "overall risk of bias" in OVERALL_ALIASES


# --- bad answers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("domain", "answers", "message"),
    [
        (
            "D2",
            {"2.1": "N", "2.2": "N", "2.6": "Y", "2.3": "Y"},
            r"question 2\.3 does "
            r"not apply \(If Y/PY/NI to 2\.1 or 2\.2; here 2\.1 = N, 2\.2 = N\)",
        ),
        (
            "D2",
            {"2.1": "Y", "2.2": "N", "2.6": "Y"},
            r"question 2\.3 \(Were there "
            r"deviations.*\) has no answer; it applies \(If Y/PY/NI to 2\.1 or 2\.2\)",
        ),
        (
            "D3",
            {"3.1": "N", "3.2": "NI"},
            r"answer 'NI' to question 3\.2 is not "
            r"allowed; allowed: Y, PY, PN, N",
        ),
        ("D1", {"1.1": "Y", "1.2": "NA", "1.3": "N"}, r"answer 'NA' to question 1\.2"),
        ("D1", {"1.1": "Y", "1.2": "Y"}, r"question 1\.3 .* has no answer"),
        (
            "D1",
            {"1.1": "Y", "1.2": "Y", "1.3": "N", "1.4": "N"},
            r"question\(s\) 1\.4"
            r", not signalling questions of D1",
        ),
        (
            "D1",
            {"1.1": "Y", "1.2": "Y", "1.3": "maybe"},
            r"answer to question 1\.3 "
            r"must be one of Y, PY, PN, N, NI, NA",
        ),
        ("D9", {}, r"tool 'rob2' has no domain 'D9'"),
    ],
)
def test_bad_answers_name_the_question(
    domain: str, answers: dict[str, str], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        domain_judgement("rob2", domain, answers)


def test_answers_may_be_words_in_any_case() -> None:
    got = domain_judgement(
        "rob2",
        "randomization process",
        {"1.1": "yes", "1.2": "Probably Yes", "1.3": "no information"},
    )
    assert got.judgement == LOW
    assert dict(got.answers) == {"1.1": "Y", "1.2": "PY", "1.3": "NI"}
    with pytest.raises(InputTypeError, match=r"answer to question 1\.1"):
        domain_judgement("rob2", "D1", {"1.1": 1, "1.2": "Y", "1.3": "N"})


# --- overall ---------------------------------------------------------------------


def rob2(*judgements: str) -> dict[str, str]:
    return {f"D{i + 1}": j for i, j in enumerate(judgements)}


@pytest.mark.parametrize(
    ("domains", "want", "consider"),
    [
        # template p. 24: low for all domains -> low
        (rob2(LOW, LOW, LOW, LOW, LOW), LOW, None),
        # some concerns in at least one domain, high in none -> some concerns
        (rob2(LOW, SOME, LOW, LOW, LOW), SOME, None),
        # ... in multiple domains: the reviewer decides whether this is high
        (rob2(SOME, LOW, SOME, LOW, LOW), SOME, HIGH),
        # high in at least one domain -> high
        (rob2(LOW, LOW, LOW, HIGH, SOME), HIGH, None),
    ],
)
def test_rob2_overall(domains: dict[str, str], want: str, consider: str | None) -> None:
    got = overall_judgement("rob2", domains)
    assert (got.judgement, got.consider) == (want, consider)
    if consider:
        assert "D1, D3" in got.explanation


def test_overall_of_robins_i_and_rob1() -> None:
    # Sterne et al. 2016, Table 2: serious in one domain, critical in none
    robins = ["low", "moderate", "serious", "low", "no information", "low", "low"]
    assert overall_judgement("robins-i", rob2(*robins)).judgement == "serious"
    # no clear indication of serious or critical risk, information lacking
    robins[2] = "moderate"
    assert overall_judgement("robins-i", rob2(*robins)).judgement == "no information"
    robins[4] = "low"
    assert overall_judgement("robins-i", rob2(*robins)).judgement == "moderate"
    robins[0] = "Critical risk of bias"
    assert overall_judgement("robins-i", rob2(*robins)).judgement == "critical"
    rob1 = ["low"] * 6 + ["unclear"]
    assert overall_judgement("rob1", rob2(*rob1)).judgement == "unclear"


def test_overall_needs_every_domain_and_allowed_judgements() -> None:
    with pytest.raises(InputError, match="no judgement for D5"):
        overall_judgement("rob2", rob2(LOW, LOW, LOW, LOW))
    with pytest.raises(InputError, match=r"must be one of 'low', 'some concerns'"):
        overall_judgement("rob2", rob2(LOW, LOW, LOW, LOW, "unclear"))


# --- appraisals in review.db -----------------------------------------------------

ALL_LOW = {
    "1.1": "Y", "1.2": "Y", "1.3": "N",
    "2.1": "N", "2.2": "N", "2.6": "Y",
    "3.1": "Y",
    "4.1": "N", "4.2": "N", "4.3": "N",
    "5.1": "Y", "5.2": "N", "5.3": "N",
}  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Any:
    folder = tmp_path / "review"
    init_project(folder)
    records = [
        {"title": "Mental contrasting trial", "authors": ["Smith, John"], "year": 2019},
        {"title": "Telephone care", "authors": ["Jones A", "Li Y"], "year": 2020},
        {"title": "Positive emotion", "authors": ["Smith, Anna"], "year": 2019},
        {"title": "Feedback", "authors": ["Ni X"], "year": 2021},
    ]
    with open_store(folder) as s:
        s.add_batch(
            path="searches/pubmed.ris",
            sha256="b" * 64,
            database="PubMed",
            format="ris",
            encoding="utf-8",
            records=records,
        )
        yield s


def n_rows(store: Any) -> int:
    return int(store.conn.execute("SELECT count(*) FROM rob_judgements").fetchone()[0])


def test_appraisal_round_trip(store: Any) -> None:
    answers = {**ALL_LOW, "2.1": "Y", "2.3": "Y", "2.4": "Y", "2.5": "N"}
    got = record_appraisal(store, 1, "ana", "rob2", answers=answers, outcome_id="bhv")
    assert got["D2"].judgement == HIGH
    assert got["overall"].judgement == HIGH
    table = appraisals(store, "rob2")
    assert list(table.columns) == [
        "study", "record_id", "reviewer", "outcome_id",
        "D1", "D2", "D3", "D4", "D5", "overall",
    ]  # fmt: skip
    assert table.iloc[0].to_dict() == {
        "study": "Smith 2019a", "record_id": 1, "reviewer": "ana", "outcome_id": "bhv",
        "D1": LOW, "D2": HIGH, "D3": LOW, "D4": LOW, "D5": LOW, "overall": HIGH,
    }  # fmt: skip
    stored = dict(
        store.conn.execute(
            "SELECT domain, judgement FROM rob_judgements WHERE record_id = 1"
        ).fetchall()
    )
    assert stored["2.5"] == "N"
    assert stored["2.7"] == "NA"  # asked only if N/PN/NI to 2.6
    assert stored["3.2"] == "NA"
    # a new appraisal replaces the answers: 2.3 = N now makes 2.4 and 2.5 NA
    answers.update({"2.3": "N"})
    del answers["2.4"], answers["2.5"]
    got = record_appraisal(store, 1, "ana", "rob2", answers=answers, outcome_id="bhv")
    assert got["overall"].judgement == LOW
    assert appraisals(store, "rob2")["D2"].tolist() == [LOW]
    current = compare_appraisals(store, "rob2")
    assert current.empty  # one reviewer: nothing to compare


def test_override_needs_support_and_nothing_is_half_written(store: Any) -> None:
    with pytest.raises(InputError, match=r"judgements\['D1'\] = 'high' overrides"):
        record_appraisal(store, 2, "ana", "rob2", ALL_LOW, {"D1": "high"})
    with pytest.raises(InputError, match=r"question 2\.3 .* has no answer"):
        record_appraisal(store, 2, "ana", "rob2", {**ALL_LOW, "2.1": "Y"})
    assert n_rows(store) == 0
    got = record_appraisal(
        store, 2, "ana", "rob2", ALL_LOW, {"D1": "high"},
        support={"D1": "groups differ at baseline in a key prognostic factor"},
    )  # fmt: skip
    assert got["D1"].judgement == HIGH
    assert "the algorithm gave" in got["D1"].explanation
    assert got["overall"].judgement == HIGH
    support = store.conn.execute(
        "SELECT support FROM rob_judgements WHERE domain = 'D1'"
    ).fetchone()[0]
    assert support.startswith("groups differ")


def test_consider_high_is_confirmed_by_the_reviewer(store: Any) -> None:
    some = {**ALL_LOW, "1.2": "NI", "5.1": "N"}  # D1 and D5: some concerns
    got = record_appraisal(store, 1, "ana", "rob2", some)
    assert (got["overall"].judgement, got["overall"].consider) == (SOME, HIGH)
    got = record_appraisal(store, 1, "ana", "rob2", some, {"overall": "high"})
    assert got["overall"].judgement == HIGH
    with pytest.raises(InputError, match="overrides the computed 'some concerns'"):
        record_appraisal(store, 1, "ana", "rob2", some, {"overall": "low"})


def test_direct_judgements_and_partial_appraisals(store: Any) -> None:
    record_appraisal(store, 3, "ana", "rob1", judgements=rob2(*["low"] * 4))
    assert appraisals(store, "rob1")["overall"].tolist() == [None]
    rest = {"Incomplete outcome data": "Low risk", "D6": "low", "other bias": "unclear"}
    record_appraisal(store, 3, "ana", "rob1", judgements=rest)
    row = appraisals(store, "rob1").iloc[0]
    assert row[["D4", "D5", "D6", "D7", "overall"]].tolist() == [
        "low",
        "low",
        "low",
        "unclear",
        "unclear",
    ]
    with pytest.raises(InputError, match="twice"):
        record_appraisal(
            store,
            3,
            "ana",
            "rob1",
            judgements={"D6": "low", "selective reporting": "low"},
        )
    with pytest.raises(InputError, match="no signalling questions"):
        record_appraisal(store, 3, "ana", "robins-i", answers={"1.1": "Y"})


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((99, "ana"), InputError, "record_id 99 is not a record"),
        (("1", "ana"), InputTypeError, "record_id must be an integer"),
        ((1, "consensus"), InputError, "reserved"),
        ((1, " "), InputError, "non-empty"),
    ],
)
def test_bad_appraisal_arguments(
    store: Any, args: tuple[Any, str], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        record_appraisal(store, *args, "rob2", ALL_LOW)


def test_comparison_and_consensus(store: Any) -> None:
    record_appraisal(store, 1, "ana", "rob2", ALL_LOW)
    record_appraisal(store, 1, "ben", "rob2", {**ALL_LOW, "1.2": "NI"})
    record_appraisal(store, 2, "ana", "rob2", ALL_LOW)
    record_appraisal(store, 2, "ben", "rob2", ALL_LOW)
    record_appraisal(store, 3, "ana", "rob2", ALL_LOW)  # ben has not appraised it
    diff = compare_appraisals(store, "rob2")
    assert diff[
        ["record_id", "item", "kind", "value_1", "value_2"]
    ].values.tolist() == [
        [1, "1.2", "answer", "Y", "NI"],
        [1, "D1", "domain", LOW, SOME],
        [1, "overall", "overall", LOW, SOME],
    ]
    assert set(diff["study"]) == {"Smith 2019a"}
    assert diff["consensus"].tolist() == [None, None, None]
    record_consensus(store, 1, "rob2", rob2(SOME, LOW, LOW, LOW, LOW), by="ana and ben")
    diff = compare_appraisals(store, "rob2")
    assert diff["consensus"].tolist() == [None, SOME, SOME]  # overall computed
    agreed = appraisals(store, "rob2", reviewer="consensus")
    assert agreed[["record_id", "D1", "overall"]].values.tolist() == [[1, SOME, SOME]]
    support = store.conn.execute(
        "SELECT DISTINCT support FROM rob_judgements WHERE reviewer = 'consensus'"
    ).fetchall()
    assert support == [("consensus by ana and ben",)]
    with pytest.raises(InputError, match="by must name"):
        record_consensus(store, 1, "rob2", {"D1": "low"}, by="")


def test_agreement_per_domain(store: Any) -> None:
    # D1 judged by ana and ben on four trials:
    #   ana: low, low, high, some;  ben: low, some, high, some
    # agreement p_o = 3/4; margins ana (low 2, some 1, high 1), ben (1, 2, 1):
    # p_e = (2*1 + 1*2 + 1*1) / 16 = 5/16; kappa = (3/4 - 5/16) / (1 - 5/16) = 7/11
    ana = [LOW, LOW, HIGH, SOME]
    ben = [LOW, SOME, HIGH, SOME]
    for rec, (a, b) in enumerate(zip(ana, ben, strict=True), start=1):
        record_appraisal(store, rec, "ana", "rob2", judgements=rob2(a, *[LOW] * 4))
        record_appraisal(store, rec, "ben", "rob2", judgements=rob2(b, *[LOW] * 4))
    table = rob_agreement(store, "rob2").set_index("domain")
    assert table.loc["D1", "n"] == 4
    assert table.loc["D1", "percent"] == pytest.approx(0.75, rel=1e-12)
    assert table.loc["D1", "kappa"] == pytest.approx(7 / 11, rel=1e-12)
    # every trial low in D2 for both: full agreement, kappa undefined (p_e = 1)
    assert table.loc["D2", "percent"] == 1.0
    assert pd.isna(table.loc["D2", "kappa"])
    # overall equals D1 here (the other domains are low)
    assert table.loc["overall", "kappa"] == pytest.approx(7 / 11, rel=1e-12)
    record_appraisal(store, 1, "cy", "rob2", judgements=rob2(*[LOW] * 5))
    with pytest.raises(InputError, match="needs two reviewers"):
        rob_agreement(store, "rob2")
    assert rob_agreement(store, "rob2", ("ana", "cy")).loc[0, "n"] == 1


def test_high_risk_studies_and_traffic_light_from_the_store(store: Any) -> None:
    record_consensus(store, 1, "rob2", rob2(LOW, LOW, LOW, LOW, LOW), by="x")
    record_consensus(store, 2, "rob2", rob2(LOW, HIGH, LOW, LOW, LOW), by="x")
    record_consensus(store, 4, "rob2", rob2(SOME, LOW, LOW, LOW, LOW), by="x")
    table = appraisals(store, "rob2", reviewer="consensus")
    # labels as in the extraction templates: unique over the review's records
    assert table["study"].tolist() == ["Smith 2019a", "Jones 2020", "Ni 2021"]
    assert high_risk_studies(table) == ["Jones 2020"]
    fig = mr.rob_traffic_light(table, tool="rob2")
    drawn = {t.get_text() for t in fig.findobj(matplotlib.text.Text)}
    assert {"Smith 2019a", "Jones 2020", "Ni 2021", "D5"} <= drawn
    plt.close(fig)
    doubled = pd.concat([table, table.assign(overall=LOW)])
    with pytest.raises(InputError, match="judges study 'Jones 2020' both"):
        high_risk_studies(doubled)
    with pytest.raises(InputError, match="needs an 'overall' column"):
        high_risk_studies(table.drop(columns="overall"))


def test_rob_judgements_stay_one_table(store: Any) -> None:
    """Answers and judgements share rob_judgements; nothing else is written."""
    record_appraisal(store, 1, "ana", "rob2", ALL_LOW)
    tables = store.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'rob%'"
    ).fetchall()
    assert tables == [("rob_judgements",)]
    assert n_rows(store) == 22 + 5 + 1  # questions, domains, overall
    with pytest.raises(sqlite3.IntegrityError):
        store.conn.execute(
            "INSERT INTO rob_judgements (record_id, reviewer, tool, domain, judgement)"
            " VALUES (999, 'x', 'rob2', 'D1', 'low')"
        )


# --- appraisals from CSV files ------------------------------------------------------


def test_import_appraisals_from_csv(store: Any, tmp_path: Path) -> None:
    from metareview.review.rob import import_appraisals

    path = tmp_path / "reviewer_a.csv"
    # study labels as in the extraction templates: the two Smith 2019 records
    # (1 and 3) are 2019a and 2019b; record 4 is named by record_id; answers in
    # any case
    high_d2 = {**ALL_LOW, "2.1": "Y", "2.3": "y", "2.4": "Y", "2.5": "n"}
    path.write_text(
        "study,record_id,question,judgement,support\n"
        + "".join(f"Smith 2019b,,{q},{a},\n" for q, a in ALL_LOW.items())
        + "Smith 2019b,,1.2,Y,sealed opaque envelopes\n"
        + "".join(f",4,{q},{a},\n" for q, a in high_d2.items()),
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"item 1\.2 is given twice"):
        import_appraisals(store, path, "ana")
    text = path.read_text(encoding="utf-8").splitlines()
    del text[2]  # the first 1.2 of Smith 2019b; the second one has a support text
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    assert import_appraisals(store, path, "ana", "rob2") == 2
    table = appraisals(store, "rob2").set_index("record_id")
    # ALL_LOW: low in every domain (template p. 6, 10, 16, 19, 23), so low overall
    assert table.loc[3, ["D1", "D2", "D3", "D4", "D5", "overall"]].tolist() == [LOW] * 6
    # 2.1 Y, 2.3 Y, 2.4 Y, 2.5 N: deviations affecting the outcome, unbalanced:
    # D2 high (template p. 10), so high overall (p. 24)
    assert table.loc[4, ["D2", "overall"]].tolist() == [HIGH, HIGH]
    support = store.conn.execute(
        "SELECT support FROM rob_judgements WHERE record_id = 3 AND domain = '1.2'"
    ).fetchone()
    assert support == ("sealed opaque envelopes",)


def test_import_appraisals_is_all_or_nothing(store: Any, tmp_path: Path) -> None:
    from metareview.review.rob import import_appraisals

    path = tmp_path / "bad.csv"
    incomplete = {k: v for k, v in ALL_LOW.items() if k != "1.3"}
    path.write_text(
        "study,item,answer\n"
        + "".join(f"Smith 2019a,{q},{a}\n" for q, a in ALL_LOW.items())
        + "".join(f"Smith 2019b,{q},{a}\n" for q, a in incomplete.items())
        + "Nobody 1999,1.1,Y\n"
        + "Smith 2019a,D9,low\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        import_appraisals(store, path, "ana")
    text = str(err.value)
    assert "line 27: study 'Nobody 1999' is not a study of this review" in text
    assert "line 28, column item: tool 'rob2' has no domain 'D9'" in text
    assert n_rows(store) == 0
    lines = path.read_text(encoding="utf-8").splitlines()[:-2]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        import_appraisals(store, path, "ana")
    assert "lines 15-26 (study 'Smith 2019b')" in str(err.value)
    assert "1.3" in str(err.value)
    assert n_rows(store) == 0  # Smith 2019a was fine, but nothing is written
    path.write_text("study,item\nSmith 2019a,1.1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 1: missing column\(s\) answer"):
        import_appraisals(store, path, "ana")


def test_import_rob_consensus_from_csv(store: Any, tmp_path: Path) -> None:
    from metareview.review.rob import import_rob_consensus

    path = tmp_path / "consensus.csv"
    path.write_text(
        "study,outcome,domain,judgement,by\n"
        "Smith 2019a,bhv,D1,Low,\n"
        "Smith 2019a,bhv,D2,Some concerns,\n"
        "Smith 2019a,bhv,D3,low,\n"
        "Smith 2019a,bhv,D4,low,\n"
        "Smith 2019a,bhv,Bias in selection of the reported result,low,ana and ben\n",
        encoding="utf-8",
    )
    assert import_rob_consensus(store, path, "rob2", by="a third reviewer") == 1
    table = appraisals(store, "rob2", reviewer="consensus")
    # some concerns in one domain and low elsewhere: some concerns (p. 24)
    assert table.loc[0, ["outcome_id", "D2", "D5", "overall"]].tolist() == [
        "bhv",
        SOME,
        LOW,
        SOME,
    ]
    supports = dict(
        store.conn.execute(
            "SELECT domain, support FROM rob_judgements WHERE reviewer = 'consensus'"
        ).fetchall()
    )
    assert supports["D1"] == "consensus by ana and ben"  # the file's by column
    path.write_text("study,item,answer\nSmith 2019a,1.1,Y\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 2 .study 'Smith 2019a'.: a consensus"):
        import_rob_consensus(store, path, "rob2", by="x")
