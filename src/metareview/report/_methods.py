"""The report's Methods, written from what the run actually did."""

from __future__ import annotations

import platform
from collections import Counter
from typing import TYPE_CHECKING, Any

import pandas as pd

from ._model import Paragraph, Section
from ._text import (
    MEASURE_NAMES,
    TAU2_NAMES,
    TEST_TEXT,
    conversions,
    join,
    num,
    percent,
    studies,
)

if TYPE_CHECKING:
    from ..review.pipeline import RunResult


def _date(d: Any) -> str:
    return f"{d.day} {d:%B %Y}"


def methods(r: RunResult) -> Section:
    """Write the Methods section."""
    p, it = r.protocol, r.intake
    s = Section("methods", "Methods")
    q = p.question
    s.add(
        Paragraph(
            f"Population: {q.population}. Intervention: {q.intervention}. "
            f"Comparator: {q.comparator}. Outcomes: {q.outcomes}.",
            audit=False,
            lead="Question.",
        )
    )
    parts = [
        ("Searches.", _searches(r)),
        ("Study selection.", _selection(r)),
        ("Data extraction.", _extraction(r)),
    ]
    if it.rob is not None:
        parts.append(("Risk of bias.", _rob(r)))
    parts += [("Synthesis.", _synthesis(r)), ("Software.", _software())]
    for lead, text in parts:
        s.add(Paragraph(text, audit=False, lead=lead))
    return s


def _searches(r: RunResult) -> str:
    p = r.protocol
    dbs = []
    for d in p.databases:
        when = join([_date(x) for x in d.searched])
        via = f", {d.platform}," if d.platform else ""
        dbs.append(f"{d.name}{via} on {when}")
    text = f"We searched {len(dbs)} database{'s' * (len(dbs) != 1)}: {'; '.join(dbs)}."
    b = r.intake.batches
    b = b[b["database"] != "extraction"] if len(b) else b
    if len(b):
        n = int(b["records"].sum())
        per = [f"{db} {k:,}" for db, k in zip(b["database"], b["records"], strict=True)]
        text += (
            f" The {len(b)} exports, kept unchanged in searches/, hold {n:,} records "
            f"({join(per)})."
        )
    else:
        text += (
            " No search exports are part of this project: the studies were entered "
            "at data extraction."
        )
    if r.intake.dedup is not None:
        d = r.intake.dedup
        text += (
            f" Duplicates were linked, never deleted (metareview dedup: exact DOI and "
            f"PMID, then fuzzy matching of title, authors, year, journal, volume and "
            f"pages), leaving {d.clusters:,} unique records."
        )
    return text


def _selection(r: RunResult) -> str:
    p, st = r.protocol, r.intake.status
    if st is None:
        return (
            "No screening decisions are part of this project; the "
            "included studies are those of the extraction files."
        )
    sc = p.screening
    screeners = [x.name for x in p.reviewers if x.name not in sc.resolved_by]
    if sc.reviewers_per_record == 2:
        who = f"Two reviewers ({join(screeners)}) independently screened"
    else:
        frac = f"{sc.dual_fraction:.0%}" if sc.dual_fraction else "a sample"
        who = f"One reviewer screened every record, a second {frac} of them, of"
    text = (
        f"{who} the titles and abstracts, then the full texts, "
        "blinded to each other's decisions"
    )
    text += (
        f"; disagreements were resolved by {join(list(sc.resolved_by))}."
        if sc.resolved_by
        else "; disagreements were resolved by discussion."
    )
    for stage, name in (
        ("title_abstract", "title and abstract"),
        ("full_text", "full text"),
    ):
        rows = (st["stages"].get(stage) or {}).get("agreement") or []
        for a in rows[:1]:
            kappa = a.get("kappa")
            if kappa is None:
                continue
            text += (
                f" Agreement at {name} ({a['n']} records both screened): "
                f"{percent(100 * a['percent'])} agreement, Cohen's κ = {num(kappa)} "
                f"(95% CI {num(a['kappa_ci_lb'])} to {num(a['kappa_ci_ub'])})."
            )
    return text


def _extraction(r: RunResult) -> str:
    it = r.intake
    who = [w for _, w, _ in it.extraction_files if w != "consensus"]
    if len(set(who)) >= 2:
        text = (
            f"Two reviewers ({join(sorted(set(who)))}) independently "
            "extracted study characteristics and arm-level outcome data into the "
            "template generated from the protocol"
        )
    elif who:
        text = f"{who[0]} extracted the data"
    else:
        text = "The data were entered as agreed values"
    diff = it.disagreements
    if len(diff):
        resolved = int(diff["resolved"].astype(bool).sum())
        text += (
            f"; {len(diff)} values differed, of which {resolved} were settled by "
            "consensus"
        )
    text += "."
    conv: Counter[str] = Counter()
    for data in it.arm_data.values():
        conv += conversions(data["conversion"].fillna(""))
    if conv:
        listed = "; ".join(f"{m}: {studies(n, 'arm')}" for m, n in conv.most_common())
        text += (
            " Values not reported as needed were converted, each flagged in the data "
            f"tables (arms converted in all analyses): {listed}."
        )
    return text


def _rob(r: RunResult) -> str:
    text = (
        "Two reviewers appraised each study with the Cochrane RoB 2 "
        "tool, answering the signalling questions; domain and overall judgements "
        "follow the tool's algorithm, and disagreements were settled by consensus."
    )
    a = r.intake.rob_agreement
    if a is not None and len(a):
        row = a[a["domain"] == "overall"]
        if len(row) and pd.notna(row["percent"].iloc[0]):
            x = row.iloc[0]
            text += (
                f" Agreement on the overall judgement: {percent(100 * x['percent'])}, "
                f"Cohen's κ = {num(x['kappa'])}."
            )
    return text


def _synthesis(r: RunResult) -> str:
    a = r.protocol.analysis
    used = sorted({x.measure for x in r.analyses})
    measures = join([f"the {MEASURE_NAMES.get(m, m)} ({m})" for m in used]) or "none"
    if a.method in ("FE", "EE"):
        model = "a fixed-effect (inverse-variance) model"
    else:
        model = (
            "random-effects models (inverse-variance weights) with τ² estimated by "
            f"{TAU2_NAMES.get(a.method, a.method)}"
        )
    text = (
        f"Effects were expressed as {measures} and pooled with {model}; "
        f"{a.level:.0%} confidence intervals and tests were computed "
        f"{TEST_TEXT.get(a.test, a.test)}. Prediction intervals are the pooled "
        "effect ± the same critical value × √(SE² + τ²). Heterogeneity is described "
        "by τ², I² and Cochran's Q."
    )
    if a.subgroups:
        text += (
            f" Subgroups were analysed by {join(list(a.subgroups))}, each fitted "
            "separately, with the test for subgroup differences (Q between subgroups); "
            "a subgroup with one study is shown, not pooled."
        )
    if a.sensitivity:
        text += f" Sensitivity analyses: {join(list(a.sensitivity))}."
    text += (
        " Small-study effects (funnel plot, Egger's regression test, Begg's rank "
        "correlation, trim-and-fill) were examined only for analyses with ten or more "
        "studies (Cochrane Handbook 13.3.5.4). Certainty of the evidence was rated "
        "with GRADE: metareview suggests a rating per domain, with its reason, and "
        "the reviewers' stored decisions replace the suggestions."
    )
    return text


def _software() -> str:
    import matplotlib
    import numpy
    import scipy

    from .. import __version__

    return (
        f"metareview {__version__} (Python {platform.python_version()}, "
        f"NumPy {numpy.__version__}, SciPy {scipy.__version__}, matplotlib "
        f"{matplotlib.__version__}); its estimates are validated against R metafor."
    )
