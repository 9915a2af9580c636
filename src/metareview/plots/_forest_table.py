"""The rows and columns of a forest plot, as texts and model-scale numbers.

RevMan 5's layout: Study or Subgroup | arm data | Weight | effect [CI] | plot,
with Subtotal/Total rows, "Total events" and the test lines (Cochrane Handbook
6.4, figure 10.4.a). metafor's compact layout: labels | plot | effect [CI], with
the "RE Model" row (Viechtbauer 2010, figure 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from . import _forest_text as txt
from ._forest_arms import HEADERS, Arms
from ._forest_model import Source
from ._forest_scale import Transform

FloatArray = NDArray[np.float64]
NAN = float("nan")


@dataclass(slots=True)
class Row:
    """One row of the table.

    ``kind``: ``head`` (a subgroup's name), ``study``, ``summary`` (a diamond),
    ``pi`` (a prediction interval bar), ``events``, ``note`` (a test line) or
    ``blank``. ``est``, ``lo``, ``hi`` (and ``pi_lo``, ``pi_hi`` for a summary
    drawn with its prediction interval) are on the model's scale; ``study``
    indexes the Source's studies.
    """

    kind: str
    label: str = ""
    cells: dict[str, str] = field(default_factory=dict)
    bold: bool = False
    est: float = NAN
    lo: float = NAN
    hi: float = NAN
    pi_lo: float = NAN
    pi_hi: float = NAN
    weight: float = NAN
    study: int | None = None


@dataclass(frozen=True, slots=True)
class Column:
    """A text column: key into ``Row.cells``, heading, side of the plot, alignment."""

    key: str
    header: str
    side: str = "left"  # "left" or "right" of the plot
    align: str = "right"  # "right" or "center"


@dataclass(slots=True)
class Table:
    """Everything textual of a forest plot, before it is measured and placed."""

    columns: list[Column]
    spans: list[tuple[str, str, str]]  # (label, first key, last key) over columns
    rows: list[Row]
    footer: list[str]
    label_header: str
    plot_heading: tuple[str, str]


def _cell_numbers(
    arms: Arms | None, i: int | Sequence[int], total: bool
) -> dict[str, str]:
    """Arm cells of a study (``i`` an int) or the sums over studies (``total``)."""
    if arms is None:
        return {}
    out = {}
    for key in arms.keys:
        values = arms.values[key][i]
        if total:
            if key.startswith("n"):
                out[key] = txt.arm_number(float(np.nansum(values)))
        else:
            out[key] = txt.arm_number(float(values))
    return out


def _events(arms: Arms | None, idx: Sequence[int]) -> Row | None:
    if arms is None or arms.kind != "binary":
        return None
    cells = {
        key: txt.arm_number(float(np.nansum(arms.values[key][list(idx)])))
        for key in ("e1", "e2")
    }
    return Row("events", "Total events", cells)


def _study_row(src: Source, f: Transform, arms: Arms | None, i: int) -> Row:
    y, lo, hi = (float(v) for v in f(np.array([src.yi[i], src.lo[i], src.hi[i]])))
    w = float(src.weight[i])
    shown = np.isfinite(src.yi[i])
    cells = _cell_numbers(arms, i, total=False)
    cells["weight"] = f"{w:.1f}%" if shown and np.isfinite(w) else ""
    cells["effect"] = txt.effect_text(y, lo, hi)
    return Row(
        "study",
        src.slab[i],
        cells,
        est=float(src.yi[i]),
        lo=float(src.lo[i]),
        hi=float(src.hi[i]),
        weight=w,
        study=i,
    )


def _summary_row(
    label: str,
    s: txt.Summary,
    f: Transform,
    cells: dict[str, str],
    pi: bool = False,
) -> Row:
    y, lo, hi = (float(v) for v in f(np.array([s.est, s.lb, s.ub])))
    return Row(
        "summary",
        label,
        {**cells, "effect": txt.effect_text(y, lo, hi)},
        bold=True,
        est=s.est,
        lo=s.lb,
        hi=s.ub,
        pi_lo=s.pi_lb if pi else NAN,
        pi_hi=s.pi_ub if pi else NAN,
    )


def _has_pi(s: txt.Summary, prediction: bool) -> bool:
    return prediction and s.tau2 is not None and s.k > 1 and np.isfinite(s.pi_lb)


def _pi_row(s: txt.Summary, f: Transform) -> Row:
    lo, hi = (float(v) for v in f(np.array([s.pi_lb, s.pi_ub])))
    return Row(
        "pi",
        "Prediction interval",
        {"effect": txt.interval_text(lo, hi)},
        lo=s.pi_lb,
        hi=s.pi_ub,
    )


def _blocks(src: Source, order: Sequence[int]) -> list[list[int]]:
    if not src.groups:
        return [list(order)]
    return [[i for i in order if src.group[i] == g] for g in range(len(src.groups))]


def revman(
    src: Source,
    f: Transform,
    arms: Arms | None,
    order: Sequence[int],
    prediction: bool,
    labels: tuple[str, str],
) -> Table:
    """RevMan 5's table."""
    rows: list[Row] = []
    ci = txt.level_text(src.level)
    for g, idx in enumerate(_blocks(src, order)):
        if src.groups:
            rows.append(Row("head", src.groups[g], bold=True))
        rows += [_study_row(src, f, arms, i) for i in idx]
        if src.groups:
            s = src.subgroups[g]
            cells = _cell_numbers(arms, idx, total=True)
            cells["weight"] = f"{np.nansum(src.weight[idx]):.1f}%"
            rows.append(_summary_row(f"Subtotal ({ci})", s, f, cells))
            if _has_pi(s, prediction):
                rows.append(_pi_row(s, f))
            events = _events(arms, idx)
            rows += [events] if events else []
            rows.append(Row("note", txt.heterogeneity_line(s)))
            rows.append(Row("note", txt.overall_line(s)))
        rows.append(Row("blank"))
    every = list(order)
    cells = _cell_numbers(arms, every, total=True)
    cells["weight"] = "100.0%"
    rows.append(_summary_row(f"Total ({ci})", src.total, f, cells))
    if _has_pi(src.total, prediction):
        rows.append(_pi_row(src.total, f))
    events = _events(arms, every)
    rows += [events] if events else []
    footer = [txt.heterogeneity_line(src.total), txt.overall_line(src.total)]
    if src.test is not None:
        footer.append(txt.subgroup_line(*src.test))
    heading = (
        txt.measure_name(src.measure, f),
        txt.method_heading(src.method, src.fixed, src.level),
    )
    columns: list[Column] = []
    spans: list[tuple[str, str, str]] = []
    if arms is not None:
        for group, label in (("1", labels[0]), ("2", labels[1])):
            keys = [k for k in arms.keys if k.endswith(group)]
            columns += [Column(k, HEADERS[k[:-1]]) for k in keys]
            spans.append((label, keys[0], keys[-1]))
    columns.append(Column("weight", "Weight"))
    columns.append(Column("effect", heading[1], align="center"))
    spans.append((heading[0], "effect", "effect"))
    return Table(columns, spans, rows, footer, "Study or Subgroup", heading)


def metafor(src: Source, f: Transform, order: Sequence[int], prediction: bool) -> Table:
    """Build metafor's compact table: labels, plot, ``estimate [ci_lb, ci_ub]``."""
    rows: list[Row] = []
    model = txt.model_label(src.model)
    for g, idx in enumerate(_blocks(src, order)):
        if src.groups:
            rows.append(Row("head", src.groups[g], bold=True))
        for i in idx:
            row = _study_row(src, f, None, i)
            row.cells = {"effect": row.cells["effect"]}
            rows.append(row)
        if src.groups:
            s = src.subgroups[g]
            rows.append(
                _summary_row(f"{model} for Subgroup", s, f, {}, _has_pi(s, prediction))
            )
            rows.append(Row("note", txt.metafor_heterogeneity(s)))
        rows.append(Row("blank"))
    rows.append(_summary_row(model, src.total, f, {}, _has_pi(src.total, prediction)))
    footer = [txt.metafor_heterogeneity(src.total), txt.metafor_overall(src.total)]
    if src.test is not None:
        footer.append(txt.metafor_subgroups(*src.test[:3]))
    name = txt.measure_name(src.measure, f)
    columns = [
        Column("effect", f"{name} [{txt.level_text(src.level)}]", side="right"),
    ]
    return Table(columns, [], rows, footer, "Study", ("", ""))
