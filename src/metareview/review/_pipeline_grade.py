"""The pipeline's GRADE stage: certainty per analysis, Summary of Findings, gap map.

Each analysis gets the suggested GRADE ratings of
:func:`~metareview.review.grade.assess_certainty` (risk of bias from the
appraisals used, the subgroup analysis by intervention for inconsistency, the
outcome's minimal important difference and control risk, Egger's test with ten
or more studies), with the reviewers' stored decisions put in their place
(:func:`~metareview.review.grade.apply_judgements`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from .._validate import InputError
from .grade import SofInput, apply_judgements, assess_certainty, summary_of_findings
from .protocol import Protocol
from .store import open_store

if TYPE_CHECKING:
    from ._pipeline_analyses import OutcomeAnalysis
    from ._pipeline_intake import Intake


def grade_all(
    protocol: Protocol, intake: Intake, analyses: list[OutcomeAnalysis]
) -> tuple[pd.DataFrame, Any, dict[str, Any]]:
    """Return the Summary of Findings, the gap map and each analysis's certainty."""
    rob = None
    if intake.rob is not None:
        overall = dict(zip(intake.rob["record_id"], intake.rob["overall"], strict=True))
    certainties: dict[str, Any] = {}
    rows = []
    with open_store(intake.store_path) as store:
        for a in analyses:
            if intake.rob is not None:
                rob = {
                    str(s): str(overall[r])
                    for s, r in zip(a.data["slab"], a.data["record_id"], strict=True)
                    if r in overall and overall[r] is not None
                }
            c = assess_certainty(
                a.res,
                outcome_id=a.outcome.id,
                timepoint=a.timepoint,
                rob=rob or None,
                subgroup=a.subgroups[0][1] if a.subgroups else None,
                mid=a.outcome.mid_at(a.timepoint),
                control_risk=a.outcome.control_risk_at(a.timepoint),
                n=a.participants,
                regtest=a.regtest,
            )
            c = apply_judgements(c, store)
            certainties[a.key] = c
            rows.append(
                SofInput(
                    outcome=a.outcome.name,
                    res=a.res,
                    certainty=c,
                    participants=a.participants,
                    control_risk=a.outcome.control_risk_at(a.timepoint),
                    mid=a.outcome.mid_at(a.timepoint),
                    scale=a.outcome.scale,
                    timepoint=a.timepoint,
                )
            )
    sof = summary_of_findings(rows) if rows else pd.DataFrame()
    return sof, _gap_map(protocol, intake, analyses, certainties), certainties


def _gap_map(
    protocol: Protocol,
    intake: Intake,
    analyses: list[OutcomeAnalysis],
    certainties: dict[str, Any],
) -> Any:
    """Return the evidence gap map (None when there is nothing to map)."""
    from .gapmap import gap_map

    rows, results = [], []
    known = {c.id for c in protocol.interventions}
    for (oid, tp), data in intake.arm_data.items():
        for _, r in data.iterrows():
            n1, n2 = _number(r.get("n1i")), _number(r.get("n2i"))
            for cat in str(r["intervention"]).split("+"):
                if cat in known:
                    rows.append(
                        {
                            "study": r["study"],
                            "intervention": cat,
                            "outcome": oid,
                            "timepoint": tp,
                            "participants": None
                            if n1 is None or n2 is None
                            else int(n1 + n2),
                        }
                    )
    for a in analyses:
        c = certainties.get(a.key)
        if a.k >= 2:
            results.append(
                {
                    "intervention": "all",
                    "outcome": a.outcome.id,
                    "timepoint": a.timepoint,
                    "estimate": float(a.pred.pred[0]),
                    "ci_lb": float(a.pred.ci_lb[0]),
                    "ci_ub": float(a.pred.ci_ub[0]),
                    "measure": a.measure,
                    "certainty": c.level if c is not None else None,
                }
            )
    if not rows or not protocol.interventions:
        return None
    try:
        return gap_map(
            pd.DataFrame(rows),
            protocol=protocol,
            results=pd.DataFrame(results) if results else None,
        )
    except InputError as exc:
        raise InputError(f"evidence gap map: {exc}") from exc


def _number(value: Any) -> float | None:
    """Return ``value`` as a float, or None when it is missing or not a number."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return None if x != x else x
