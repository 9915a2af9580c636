"""The report's results: selection, studies, risk of bias, GRADE, gap map."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ._model import FigureBlock, Note, Paragraph, Section, TableBlock
from ._text import (
    join,
    num,
    studies,
)

if TYPE_CHECKING:
    from ..review.pipeline import RunResult


def _fig(r: RunResult, key: str, caption: str) -> list[FigureBlock]:
    png = r.figures.get(key)
    return [FigureBlock(key, caption, png)] if png is not None else []


def selection(r: RunResult) -> Section | None:
    """Study selection with the PRISMA 2020 flow diagram."""
    st = r.intake.status
    if st is None:
        return None
    c = st["prisma"]
    ident = sum(c["identified"].values())
    reasons = join([f"{n} {k.lower()}" for k, n in c["excluded_fulltext"].items()])
    excluded = sum(c["excluded_fulltext"].values())
    text = (
        f"The searches found {ident:,} records; {c['duplicates_removed']:,} duplicates "
        f"were removed and {c['screened']:,} records screened, of which "
        f"{c['excluded_screening']:,} were excluded on title and abstract. Of "
        f"{c['assessed']:,} full texts assessed, {excluded} were excluded "
        f"({reasons or 'none'}) and {c['included']} studies were included."
    )
    s = Section("selection", "Study selection")
    s.add(Paragraph(text, audit=False))
    s.add(*_fig(r, "prisma", "Figure: PRISMA 2020 flow diagram."))
    pending = {
        k: v for k, v in st["stages"].items() if v.get("pending") or v.get("conflict")
    }
    if pending:
        s.add(
            Note(
                "Screening is not finished: some records are pending or in "
                "conflict, so the flow counts do not add up yet.",
                "warning",
            )
        )
    return s


def characteristics(r: RunResult) -> Section:
    """Lay out the table of study characteristics."""
    s = Section("studies", "Characteristics of included studies")
    t = r.intake.studies.drop(columns=["record_id"]).rename(columns={"study": "Study"})
    s.add(Paragraph(f"{studies(len(t))} included.", audit=False))
    s.add(
        TableBlock(
            "study_characteristics", "Table: characteristics of included studies.", t
        )
    )
    return s


def risk_of_bias(r: RunResult) -> Section | None:
    """RoB 2 figures and the judgements table."""
    rob = r.intake.rob
    if rob is None:
        return None
    s = Section("rob", "Risk of bias")
    overall = rob["overall"].astype(str).str.lower().value_counts()
    parts = [f"{overall.get(k, 0)} {k}" for k in ("low", "some concerns", "high")]
    s.add(Paragraph(f"Overall risk of bias (RoB 2): {join(parts)}.", audit=False))
    s.add(
        *_fig(
            r, "rob_traffic_light", "Figure: risk-of-bias judgements per study (RoB 2)."
        )
    )
    s.add(*_fig(r, "rob_summary", "Figure: risk of bias across studies (RoB 2)."))
    cols = ["study", *[c for c in rob.columns if c.startswith("D")], "overall"]
    view = rob[cols].rename(columns={"study": "Study", "overall": "Overall"})
    s.add(TableBlock("risk_of_bias", "Table: RoB 2 judgements used.", view, csv=rob))
    if r.intake.rob_agreement is not None:
        a = r.intake.rob_agreement[["domain", "name", "n", "percent", "kappa"]].copy()
        s.add(
            TableBlock(
                "rob_agreement",
                "Table: agreement between the two appraisers.",
                a.round(3),
            )
        )
    return s


def _lower(text: str) -> str:
    """Lower-case the first letter unless the word is an acronym."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def not_analysed(r: RunResult) -> Section | None:
    """List the protocol's outcomes and timepoints without data."""
    if not r.skipped:
        return None
    names = {o.id: o.name for o in r.protocol.outcomes}
    items = [f"{_lower(names[o])} at {tp}" for o, tp, _ in r.skipped]
    s = Section("not_analysed", "Outcomes without data", level=3)
    s.add(Paragraph(f"No included study reported {join(items, 'or')}.", audit=False))
    return s


def summary_of_findings(r: RunResult) -> Section | None:
    """Lay out the Summary of Findings and the GRADE ratings per domain."""
    if r.sof.empty:
        return None
    s = Section("sof", "Summary of findings")
    sof = r.sof
    effect = [
        rel or md
        for rel, md in zip(sof["relative_effect"], sof["mean_difference"], strict=True)
    ]
    view = pd.DataFrame(
        {
            "Outcome": sof["outcome"],
            "Timepoint": sof["timepoint"],
            "Effect (95% CI)": effect,
            "Assumed risk, control": sof["control_risk"],
            "Risk with intervention": sof["intervention_risk"],
            "Absolute effect": sof["absolute"],
            "Participants (studies)": sof["participants"],
            "Certainty (GRADE)": sof["certainty"],
            "What this means": sof["statement"],
        }
    )
    view = view[[c for c in view.columns if (view[c].astype(str) != "").any()]]
    s.add(
        TableBlock("summary_of_findings", "Table: Summary of Findings.", view, csv=sof)
    )
    notes = [
        f"{o} ({t}): {f}"
        for o, t, f in zip(
            sof["outcome"], sof["timepoint"], sof["footnotes"], strict=True
        )
        if f
    ]
    for n in notes:
        outcome, text = n.split(": ", 1)
        s.add(Paragraph(text.rstrip(".") + ".", audit=False, lead=f"{outcome}:"))
    rows = []
    for a in r.analyses:
        c = r.certainty.get(a.key)
        if c is None:
            continue
        for d in c.domains:
            rows.append(
                {
                    "Outcome": a.outcome.name,
                    "Timepoint": a.timepoint,
                    "Domain": d.label,
                    "Rating": num(d.rating, 0),
                    "Decided by": d.decided_by or "suggested by metareview",
                    "Reason": d.justification or d.reason,
                }
            )
    if rows:
        s.add(
            TableBlock(
                "grade_domains",
                "Table: GRADE ratings per domain, with reasons.",
                pd.DataFrame(rows),
            )
        )
    return s


def gap_map(r: RunResult) -> Section | None:
    """Lay out the evidence gap map and its sentences."""
    gm = r.gapmap
    if gm is None:
        return None
    s = Section("gapmap", "Evidence gap map")
    s.add(*_fig(r, "gapmap", "Figure: evidence gap map (studies per cell)."))
    if gm.statements:
        s.add(Paragraph(" ".join(gm.statements), audit=False))
    frame = gm.to_frame()
    frame.columns = [f"{c} ({t})" if t else str(c) for c, t in frame.columns]
    frame = frame.reset_index().rename(columns={"intervention": "Intervention"})
    s.add(TableBlock("gap_map", "Table: evidence gap map.", frame))
    return s
