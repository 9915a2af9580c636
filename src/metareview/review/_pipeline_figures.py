"""The pipeline's figures: PRISMA, risk of bias, forest, funnel, gap map.

Each figure is written as PNG (for the HTML and DOCX report) and SVG (for
print) into ``output/figures/``; the keys of the returned mapping are the
report's names for them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._validate import InputError
from .protocol import Protocol

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ._pipeline_analyses import OutcomeAnalysis
    from ._pipeline_intake import Intake

DPI = 150  # sharp on screen, small enough to embed in one HTML file


def _save(folder: Path, stem: str, fig: Figure, out: dict[str, Path]) -> None:
    png = folder / f"{stem}.png"
    fig.savefig(png, dpi=DPI)
    fig.savefig(folder / f"{stem}.svg")
    out[stem] = png


def favours(outcome: Any) -> tuple[str, str]:
    """Return the favours labels (left, right) for the outcome's direction."""
    if outcome.direction == "higher":
        return ("Favours control", "Favours intervention")
    return ("Favours intervention", "Favours control")


def draw_figures(
    folder: Path,
    protocol: Protocol,
    intake: Intake,
    analyses: list[OutcomeAnalysis],
    gm: Any,
) -> dict[str, Path]:
    """Draw every figure of the report into ``folder``; return key → PNG file."""
    from ..plots import forest, funnel, prisma, rob_summary, rob_traffic_light

    folder.mkdir(parents=True, exist_ok=True)
    for old in [*folder.glob("*.png"), *folder.glob("*.svg")]:
        old.unlink()  # output/ is regenerated: no figure of an earlier run stays
    out: dict[str, Path] = {}
    if intake.status is not None:
        counts = intake.status["prisma"]
        try:
            fig = prisma(counts)
        except InputError:  # pending or conflicting records: counts do not add up
            fig = prisma(counts, check=False)
        _save(folder, "prisma", fig, out)
    rob = intake.rob
    if rob is not None:
        table = rob.drop(columns=["record_id", "reviewer", "outcome_id"])
        _save(folder, "rob_traffic_light", rob_traffic_light(table, "rob2"), out)
        _save(folder, "rob_summary", rob_summary(table, "rob2"), out)
    for a in analyses:
        fav = favours(a.outcome)
        labels = ("Intervention", "Control")
        if a.subgroups:
            fig = forest(a.subgroups[0][1], data=a.data, favours=fav, labels=labels)
            _save(folder, f"forest_{a.key}", fig, out)
        elif a.k >= 1:
            fig = forest(
                a.res,
                data=a.data,
                favours=fav,
                labels=labels,
                prediction=a.k >= 3,
                rob=_rob_dots(rob, a),
            )
            _save(folder, f"forest_{a.key}", fig, out)
        if a.trimfill is not None:
            _save(folder, f"funnel_{a.key}", funnel(a.trimfill), out)
    if gm is not None:
        from ..plots.gapmap import gapmap

        _save(folder, "gapmap", gapmap(gm), out)
    return out


def _rob_dots(rob: pd.DataFrame | None, a: OutcomeAnalysis) -> pd.DataFrame | None:
    """Return the risk-of-bias judgements of the analysis's rows, by label."""
    if rob is None:
        return None
    by_id = rob.set_index("record_id")
    if not all(int(r) in by_id.index for r in a.data["record_id"]):
        return None
    cols = [c for c in rob.columns if c.startswith("D") or c == "overall"]
    rows = by_id.loc[[int(r) for r in a.data["record_id"]], cols]
    rows.index = pd.Index(list(a.data["slab"]), name="study")
    return rows
