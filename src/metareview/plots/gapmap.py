"""The evidence gap map as a heat map: categories × constructs by timepoint.

Rows are the intervention categories and, set apart below, all of them
together; columns the outcome constructs, grouped by timepoint. A cell is
shaded by its number of studies (or participants) on a sequential scale of one
hue, from white, so that the order of the shades survives colour blindness and
greyscale printing; it is annotated with studies (participants) and, where an
effect was pooled, its GRADE certainty; a cell without a study is white and
says "none", so that no gap is told by colour alone (Snilstveit et al. 2016).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap, to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .._validate import InputTypeError, choice
from ..review._grade_sof import capital
from ..review.gapmap import ALL, ALL_LABEL, CERTAINTY_SYMBOLS, GapMap
from ._draw import canvas, fit, ink, measure
from ._style import (
    BLUE,
    FONT_SIZE,
    GREY,
    LIGHT_GREY,
    SMALL,
    line_height,
    new_figure,
    style,
    wrap,
)

__all__ = ["gapmap"]

MARGIN = 0.08  # inches around everything
CELL_MIN = 0.62  # inches: the narrowest column
CELL_H = 0.40  # inches: the lowest row (two lines of small text and room)
LABEL_MAX = 1.55  # inches of a category's name before it is wrapped (3 lines)
GROUP_GAP = 0.08  # inches between timepoint groups, and above the "all" row
NONE = "none"
POOLED = "pooled"  # a pooled effect whose certainty was not rated
_SCALE = LinearSegmentedColormap.from_list("gapmap", ["#FFFFFF", BLUE])
# candidate lower bounds of the colour classes: 1, 2, 3, 5, 10, 20, 50, ...
_NICE = (1, 2, 3, *(m * 10**k for k in range(6) for m in (5, 10, 20) if m * 10**k > 3))
MAX_CLASSES = 6
Row = Mapping[str, Any]  # a row of GapMap.table


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where everything goes, in inches from the top-left corner."""

    labels: list[str]  # the rows' labels, wrapped
    x_grid: float  # left edge of the first column
    x_cols: list[float]  # left edge of each column
    cell_w: float
    headers: list[str]  # the constructs, wrapped
    y_groups: float  # top of the timepoint labels
    y_headers: float  # top of the construct labels
    y_rows: list[float]  # top of each row
    row_h: float
    width: float


def gapmap(gm: GapMap, *, value: str = "studies") -> Figure:
    """Draw an evidence gap map as a heat map.

    Parameters
    ----------
    gm : GapMap
        From :func:`metareview.review.gapmap.gap_map`.
    value : {"studies", "participants"}
        What the shades show: the number of studies in a cell, or of
        participants. Either way the cell says "studies (participants)".

    Returns
    -------
    matplotlib.figure.Figure
        Sized from its content. Each cell is a rectangle with the gid
        ``gapmap-cell:<intervention>:<construct>:<timepoint>``.

    Raises
    ------
    InputTypeError
        When ``gm`` is not a :class:`~metareview.review.gapmap.GapMap`.
    InputError
        For an unknown ``value``.

    References
    ----------
    .. [1] Snilstveit B, Vojtkova M, Bhavsar A, Stevenson J, Gaarder M.
       Evidence & gap maps: a tool for promoting evidence informed policy and
       strategic research agendas. J Clin Epidemiol 2016;79:120-129.
       doi:10.1016/j.jclinepi.2016.05.015

    Examples
    --------
    >>> import pandas as pd
    >>> from metareview.review.gapmap import gap_map
    >>> studies = pd.DataFrame({
    ...     "study": ["Ahn 2019", "Berg 2021", "Costa 2022"],
    ...     "intervention": ["Information support"] * 2 + ["Self-perspective"],
    ...     "construct": ["intention", "intention", "stigma"],
    ...     "timepoint": ["post-intervention"] * 3,
    ...     "participants": [120, 80, 64],
    ... })
    >>> fig = gapmap(gap_map(studies, constructs=["intention", "attitude", "stigma"]))
    >>> fig.savefig("gapmap.png")  # doctest: +SKIP

    """
    if not isinstance(gm, GapMap):
        raise InputTypeError(
            f"gm must be a GapMap (from gap_map); got {type(gm).__name__}"
        )
    value = choice("value", value, ("studies", "participants"))
    records: list[Row] = gm.table.to_dict("records")  # type: ignore[assignment]
    cells = {(r["intervention"], r["construct"], r["timepoint"]): r for r in records}
    classes = _classes(int(gm.table[value].astype(float).fillna(0.0).max()))
    with style():
        layout = _layout(gm, records)
        key_h = 0.16
        width = max(layout.width, _key(None, MARGIN, 0.0, key_h, classes, value))
        legend = _legend_lines(records, width - 2 * MARGIN)
        slh = line_height(SMALL)
        y_legend = layout.y_rows[-1] + layout.row_h + 0.22
        height = y_legend + key_h + 0.1 + len(legend) * slh + MARGIN
        fig = new_figure(width, height)
        ax = canvas(fig, width, height)
        _header(ax, gm, layout)
        rows = [*gm.interventions, ALL]
        for r, (i, label) in enumerate(zip(rows, layout.labels, strict=True)):
            y = layout.y_rows[r]
            weight = "bold" if i == ALL else "normal"
            ax.text(MARGIN, y + layout.row_h / 2, label, va="center", weight=weight)
            for x, (c, t) in zip(layout.x_cols, gm.columns, strict=True):
                _cell(ax, x, y, layout, cells[(i, c, t)], classes, value)
                ax.patches[-1].set_gid(f"gapmap-cell:{i}:{c}:{t}")
        _key(ax, MARGIN, y_legend, key_h, classes, value)
        for k, line in enumerate(legend):
            ax.text(
                MARGIN, y_legend + key_h + 0.1 + k * slh, line, va="top", size=SMALL
            )
    return fig


def _layout(gm: GapMap, records: list[Row]) -> _Layout:
    lh, slh = line_height(FONT_SIZE), line_height(SMALL)
    names = [*gm.intervention_labels, ALL_LABEL]
    labels = [fit(n, LABEL_MAX, FONT_SIZE, max_lines=3) for n in names]
    label_w = max(measure("Intervention", FONT_SIZE, "bold"), *map(measure, labels))
    label_w = max(label_w, measure(ALL_LABEL, FONT_SIZE, "bold"))
    notes = [_annotation(r) for r in records]  # e.g. "12 (1,300)"
    words = [w for c in gm.construct_labels for w in c.split()]
    cell_w = max(
        CELL_MIN,
        max(measure(w, SMALL) for w in words) + 0.06,
        max(measure(n, SMALL) for n in notes) + 0.1,
    )
    labels_of = dict(zip(gm.constructs, gm.construct_labels, strict=True))
    headers = [
        fit(capital(labels_of[c]), cell_w - 0.06, SMALL, max_lines=3)
        for c, _ in gm.columns
    ]
    x_grid = MARGIN + label_w + 0.1
    x_cols, x = [], x_grid
    for k, (_, t) in enumerate(gm.columns):
        if k and t != gm.columns[k - 1][1]:
            x += GROUP_GAP
        x_cols.append(x)
        x += cell_w
    timed = any(t for _, t in gm.columns)
    y_headers = MARGIN + (2 * slh + 0.1 if timed else 0.0)
    header_h = max(h.count("\n") + 1 for h in headers) * slh
    row_h = max(CELL_H, max(label.count("\n") + 1 for label in labels) * lh + 0.08)
    top = y_headers + max(header_h, lh) + 0.08
    y_rows = [top + r * row_h for r in range(len(labels))]
    y_rows[-1] += GROUP_GAP  # the row of all categories, set apart
    return _Layout(
        labels=labels,
        x_grid=x_grid,
        x_cols=x_cols,
        cell_w=cell_w,
        headers=headers,
        y_groups=MARGIN,
        y_headers=y_headers,
        y_rows=y_rows,
        row_h=row_h,
        width=x + MARGIN,
    )


def _header(ax: Axes, gm: GapMap, layout: _Layout) -> None:
    """Timepoint groups, constructs, and the title of the rows."""
    slh = line_height(SMALL)
    y_bottom = layout.y_rows[0] - 0.08
    ax.text(MARGIN, y_bottom, "Intervention", va="bottom", weight="bold")
    for x, header in zip(layout.x_cols, layout.headers, strict=True):
        ax.text(
            x + layout.cell_w / 2,
            y_bottom,
            header,
            ha="center",
            va="bottom",
            size=SMALL,
            multialignment="center",
        )
    if layout.y_headers == layout.y_groups:
        return
    ax.text(
        layout.x_grid - 0.1,
        layout.y_groups + slh,
        "Timepoint",
        ha="right",
        va="center",
        size=SMALL,
        weight="bold",
    )
    groups: list[tuple[str, float, float]] = []
    for x, (_, t) in zip(layout.x_cols, gm.columns, strict=True):
        if groups and groups[-1][0] == t:
            groups[-1] = (t, groups[-1][1], x + layout.cell_w)
        else:
            groups.append((t, x, x + layout.cell_w))
    for t, left, right in groups:
        text = fit(t or "any time", right - left, SMALL, max_lines=2)
        ax.text(
            (left + right) / 2,
            layout.y_groups + slh,
            text,
            ha="center",
            va="center",
            size=SMALL,
            weight="bold",
            multialignment="center",
        )
        y = layout.y_groups + 2 * slh + 0.05
        ax.plot([left + 0.03, right - 0.03], [y, y], color=GREY, lw=0.6)


def _cell(
    ax: Axes,
    x: float,
    y: float,
    layout: _Layout,
    row: Row,
    classes: Sequence[tuple[int, str]],
    value: str,
) -> None:
    pad = 0.02
    w, h = layout.cell_w - 2 * pad, layout.row_h - 2 * pad
    n = row[value]
    if int(row["studies"]) == 0:
        ax.add_patch(
            Rectangle(
                (x + pad, y + pad),
                w,
                h,
                facecolor="white",
                edgecolor=LIGHT_GREY,
                lw=0.6,
            )
        )
        ax.text(
            x + layout.cell_w / 2,
            y + layout.row_h / 2,
            NONE,
            ha="center",
            va="center",
            size=SMALL,
            color=GREY,
            style="italic",
        )
        return
    colour = _colour(0.0 if pd.isna(n) else float(n), classes)
    ax.add_patch(
        Rectangle((x + pad, y + pad), w, h, facecolor=colour, edgecolor="none")
    )
    lines = [_annotation(row)]
    if row["certainty"]:
        lines.append(CERTAINTY_SYMBOLS[row["certainty"]])
    elif np.isfinite(float(row["estimate"])):
        lines.append(POOLED)
    ax.text(
        x + layout.cell_w / 2,
        y + layout.row_h / 2,
        "\n".join(lines),
        ha="center",
        va="center",
        size=SMALL,
        color=ink(colour),
        multialignment="center",
    )


def _annotation(row: Row) -> str:
    """Studies (participants), e.g. "3 (412)"; the studies alone if unknown."""
    n, p = int(row["studies"]), row["participants"]
    return f"{n}" if pd.isna(p) else f"{n} ({int(p):,})"


def _classes(top: int) -> list[tuple[int, str]]:
    """Colour classes as (lower bound, label), at most MAX_CLASSES of them."""
    if top <= MAX_CLASSES:
        return [(k, str(k)) for k in range(1, max(top, 1) + 1)]
    bounds = [b for b in _NICE if b <= top]
    bounds = [1, *bounds[1:][-(MAX_CLASSES - 1) :]]  # the largest, and 1
    out = []
    for k, lo in enumerate(bounds):
        hi = bounds[k + 1] - 1 if k + 1 < len(bounds) else None
        label = (
            f"\u2265{lo:,}"
            if hi is None
            else (f"{lo:,}" if hi == lo else f"{lo:,}\u2013{hi:,}")
        )
        out.append((lo, label))
    return out


def _colour(n: float, classes: Sequence[tuple[int, str]]) -> str:
    k = max(j for j, (lo, _) in enumerate(classes) if n >= lo) if n >= 1 else 0
    fraction = 0.2 + 0.8 * (k / max(len(classes) - 1, 1))
    return to_hex(_SCALE(fraction))


def _key(
    ax: Axes | None,
    x: float,
    y: float,
    size: float,
    classes: Sequence[tuple[int, str]],
    value: str,
) -> float:
    """Draw the colour key, a square per class and one for "none"; return its end.

    Without ``ax`` nothing is drawn: the key is only measured.
    """
    title = f"{capital(value)} per cell:"
    if ax is not None:
        ax.text(x, y + size / 2, title, va="center", size=SMALL, weight="bold")
    x += measure(title, SMALL, "bold") + 0.08
    entries = [("white", NONE), *((_colour(lo, classes), lab) for lo, lab in classes)]
    for k, (colour, label) in enumerate(entries):
        if k:
            x += 0.12
        if ax is None:
            x += size + 0.04 + measure(label, SMALL)
            continue
        ax.add_patch(
            Rectangle(
                (x, y),
                size,
                size,
                facecolor=colour,
                edgecolor=LIGHT_GREY if colour == "white" else "none",
                lw=0.6,
            )
        )
        ax.text(x + size + 0.04, y + size / 2, label, va="center", size=SMALL)
        x += size + 0.04 + measure(label, SMALL)
    return x + MARGIN


def _legend_lines(records: Sequence[Row], width: float) -> list[str]:
    """Write the notes below the key: what a cell says, the certainty symbols."""
    notes = ["Cells: number of studies (participants)."]
    if any(r["certainty"] for r in records):
        symbols = ", ".join(f"{s} {w}" for w, s in CERTAINTY_SYMBOLS.items())
        notes.append(f"Certainty of the pooled effect (GRADE): {symbols}.")
    if any(np.isfinite(float(r["estimate"])) and not r["certainty"] for r in records):
        notes.append(f"{capital(POOLED)}: pooled effect, certainty not rated.")
    lines = [wrap(n, 0.95 * width, SMALL) for n in notes]  # 5% for hinting
    return "\n".join(lines).split("\n")
