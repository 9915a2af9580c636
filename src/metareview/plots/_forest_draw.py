"""Drawing a forest plot: texts on a full-figure overlay, marks on the plot axes.

Positions are inches: ``x`` from the left edge, ``d`` (depth) from the top, so
that rows can be stacked before the figure's height is known. The overlay axes
spans the figure with limits equal to its size, so one data unit is one inch in
both directions; the plot axes shares the depth coordinate of the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Polygon
from matplotlib.path import Path
from matplotlib.ticker import FixedLocator, NullLocator

from ._forest_layout import MARGIN, ROB_DOT, ROW, Geometry, geometry
from ._forest_metrics import fit, wrap_phrases
from ._forest_rob import RobTable
from ._forest_scale import Scale, tick_label
from ._forest_table import Row, Table
from ._rob_tools import JUDGEMENT_LABELS
from ._style import (
    BLACK,
    FONT_SIZE,
    GREY,
    POOLED,
    PREDICTION,
    ROB,
    SMALL,
    STUDY,
    TITLE,
    line_height,
    new_figure,
    style,
    text_width,
    wrap,
)

SQUARE_MAX = 0.13  # side of the heaviest study's square, inches
SQUARE_MIN = 0.04
DIAMOND = 0.13  # height of a pooled diamond, inches
TICK_BLOCK = 0.2  # ticks and their labels under the plot, inches
# arrowheads with their tip at the origin: where an interval leaves the plot
_LEFT = Path([(0, 0), (1, 0.55), (1, -0.55), (0, 0)], closed=True)
_RIGHT = Path([(0, 0), (-1, 0.55), (-1, -0.55), (0, 0)], closed=True)
_DARK = ("high", "serious", "critical")
GLYPHS = {"-": "\N{MINUS SIGN}"}  # a hyphen is too small to read inside a circle


class Canvas:
    """The figure, its overlay for text, and the running depth."""

    def __init__(self, geo: Geometry) -> None:
        self.geo = geo
        self.fig: Figure = new_figure(geo.width, 4.0)
        self.over: Axes = self.fig.add_axes((0.0, 0.0, 1.0, 1.0))
        self.over.set_axis_off()
        self.over.set_xlim(0.0, geo.width)
        self.d = MARGIN

    def text(
        self,
        x: float,
        d: float,
        s: str,
        *,
        ha: str = "left",
        va: str = "center",
        size: float = FONT_SIZE,
        bold: bool = False,
        color: str = BLACK,
    ) -> None:
        """Write ``s`` at ``(x, d)`` inches."""
        self.over.text(
            x, d, s, ha=ha, va=va, fontsize=size, color=color,
            fontweight="bold" if bold else "normal", clip_on=False,
            parse_math=False,
        )  # fmt: skip

    def rule(self, d: float, x0: float, x1: float) -> None:
        """Draw a thin horizontal line at depth ``d``."""
        self.over.plot([x0, x1], [d, d], color=GREY, lw=0.5, solid_capstyle="butt")

    def finish(self, panel: Axes, body: tuple[float, float]) -> Figure:
        """Fix the height and place the plot axes over the rows it shares."""
        height = self.d + MARGIN
        self.fig.set_size_inches(self.geo.width, height)
        self.over.set_ylim(height, 0.0)
        x0, x1 = self.geo.panel
        top, bottom = body
        panel.set_position(
            (
                x0 / self.geo.width,
                (height - bottom) / height,
                (x1 - x0) / self.geo.width,
                (bottom - top) / height,
            )
        )
        panel.set_ylim(bottom, top)
        return self.fig


def _row_lines(row: Row, geo: Geometry) -> list[str]:
    if row.kind == "note":
        return wrap_phrases(row.label, geo.left_w, SMALL)
    if row.kind == "blank":
        return []
    return fit(row.label, geo.label_max, FONT_SIZE, "bold" if row.bold else "normal")


def _row_height(row: Row, lines: list[str]) -> float:
    if row.kind == "blank":
        return 0.6 * ROW
    if row.kind == "note":
        return len(lines) * line_height(SMALL) + 0.05
    return ROW + (len(lines) - 1) * line_height(FONT_SIZE)


def _header(cv: Canvas, table: Table, rob: RobTable | None) -> None:
    geo = cv.geo
    two = bool(table.spans) or rob is not None
    first, last = cv.d + ROW / 2, cv.d + (1.5 if two else 0.5) * ROW
    px = (geo.panel[0] + geo.panel[1]) / 2
    for label, a, b in table.spans:
        cv.text(
            (geo.cols[a][0] + geo.cols[b][1]) / 2, first, label, ha="center", bold=True
        )
    if table.plot_heading[0]:
        cv.text(px, first, table.plot_heading[0], ha="center", bold=True)
    if table.plot_heading[1]:
        cv.text(px, last, table.plot_heading[1], ha="center", bold=True)
    cv.text(geo.label_x, last, table.label_header, bold=True)
    for col in table.columns:
        x0, x1 = geo.cols[col.key]
        if col.align == "center":
            cv.text((x0 + x1) / 2, last, col.header, ha="center", bold=True)
        else:
            cv.text(x1, last, col.header, ha="right", bold=True)
    if rob is not None:
        cv.text((geo.rob[0][0] + geo.rob[-1][1]) / 2, first, "Risk of Bias",
                ha="center", bold=True)  # fmt: skip
        for (x0, x1), head in zip(geo.rob, rob.headers, strict=True):
            cv.text((x0 + x1) / 2, last, head, ha="center", size=SMALL, bold=True)
    cv.d += (2 if two else 1) * ROW
    right = (
        geo.rob[-1][1]
        if geo.rob
        else max([geo.panel[1], *(x1 for _, x1 in geo.cols.values())])
    )
    cv.rule(cv.d, geo.label_x, right)
    cv.d += 0.04


def _cells(cv: Canvas, table: Table, row: Row, d: float) -> None:
    for col in table.columns:
        s = row.cells.get(col.key, "")
        if not s:
            continue
        x0, x1 = cv.geo.cols[col.key]
        bold = row.bold and col.key in ("effect", "weight")
        if col.align == "center":
            cv.text((x0 + x1) / 2, d, s, ha="center", bold=bold)
        else:
            cv.text(x1, d, s, ha="right", bold=bold)


def _rob_dots(cv: Canvas, judged: Sequence[str | None], d: float) -> None:
    for (x0, x1), j in zip(cv.geo.rob, judged, strict=True):
        if j is None:
            continue
        colour, symbol = ROB[j]
        symbol = GLYPHS.get(symbol, symbol)
        x = (x0 + x1) / 2
        cv.over.add_patch(Circle((x, d), ROB_DOT / 2, facecolor=colour, lw=0))
        ink = "white" if j in _DARK else BLACK
        cv.text(x, d, symbol, ha="center", size=SMALL, bold=True, color=ink)


def _body(cv: Canvas, table: Table, rob: RobTable | None) -> list[tuple[Row, float]]:
    placed = []
    for row in table.rows:
        lines = _row_lines(row, cv.geo)
        h = _row_height(row, lines)
        d = cv.d + h / 2
        if row.kind == "note":
            cv.text(cv.geo.label_x, d, "\n".join(lines), size=SMALL)
        elif lines:
            cv.text(cv.geo.label_x, d, "\n".join(lines), bold=row.bold)
        _cells(cv, table, row, d)
        if rob is not None and row.study is not None:
            _rob_dots(cv, rob.judgements[row.study], d)
        placed.append((row, d))
        cv.d += h
    cv.d += 0.04
    return placed


def _arrow(ax: Axes, x: float, d: float, left: bool, color: str = BLACK) -> None:
    ax.plot([x], [d], marker=_LEFT if left else _RIGHT, markersize=6, color=color,
            clip_on=False, zorder=3)  # fmt: skip


def _interval(ax: Axes, sc: Scale, lo: float, hi: float, d: float, **kw: Any) -> None:
    """Draw a line from ``lo`` to ``hi`` (axis scale), arrows past the limits."""
    a, b = sc.xlim
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi < a or lo > b:
        return
    color = str(kw.pop("color", BLACK))
    ax.plot([max(lo, a), min(hi, b)], [d, d], color=color, solid_capstyle="butt", **kw)
    if lo < a:
        _arrow(ax, a, d, left=True, color=color)
    if hi > b:
        _arrow(ax, b, d, left=False, color=color)


def _diamond(ax: Axes, sc: Scale, row: Row, d: float) -> None:
    est, lo, hi = (float(v) for v in sc([row.est, row.lo, row.hi]))
    a, b = sc.xlim
    if np.isfinite(row.pi_lo):
        pl, ph = (float(v) for v in sc([row.pi_lo, row.pi_hi]))
        _interval(ax, sc, pl, ph, d, color=PREDICTION, lw=1.0, zorder=2)
    if not np.isfinite(est):
        return
    h = DIAMOND / 2
    xs = [min(max(v, a), b) for v in (lo, est, hi, est)]
    ax.add_patch(
        Polygon(
            list(zip(xs, [d, d - h, d, d + h], strict=True)),
            closed=True,
            facecolor=POOLED,
            edgecolor=POOLED,
            lw=0.4,
            zorder=4,
        )
    )
    if lo < a:
        _arrow(ax, a, d, left=True)
    if hi > b:
        _arrow(ax, b, d, left=False)


def _marks(ax: Axes, sc: Scale, placed: list[tuple[Row, float]]) -> None:
    weights = [r.weight for r, _ in placed if r.kind == "study"]
    finite = [w for w in weights if np.isfinite(w) and w > 0]
    w_max = max(finite) if finite else 1.0
    for row, d in placed:
        if row.kind == "study":
            est, lo, hi = (float(v) for v in sc([row.est, row.lo, row.hi]))
            if not np.isfinite(est):
                continue
            _interval(ax, sc, lo, hi, d, lw=0.8, zorder=2)
            w = row.weight if np.isfinite(row.weight) and row.weight > 0 else 0.0
            side = max(SQUARE_MIN, SQUARE_MAX * np.sqrt(w / w_max)) * 72
            if sc.xlim[0] <= est <= sc.xlim[1]:
                ax.scatter([est], [d], s=side**2, marker="s", color=STUDY,
                           linewidths=0, zorder=3)  # fmt: skip
        elif row.kind == "summary":
            _diamond(ax, sc, row, d)
        elif row.kind == "pi":
            lo, hi = (float(v) for v in sc([row.lo, row.hi]))
            _interval(ax, sc, lo, hi, d, color=PREDICTION, lw=2.2, zorder=2)
            for x in (lo, hi):
                if sc.xlim[0] <= x <= sc.xlim[1]:
                    ax.plot([x, x], [d - 0.05, d + 0.05], color=PREDICTION, lw=1.0)


def _panel(cv: Canvas, sc: Scale) -> Axes:
    ax = cv.fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_facecolor("none")
    if sc.log:
        ax.set_xscale("log")
    ax.set_xlim(*sc.xlim)
    ax.xaxis.set_major_locator(FixedLocator(list(sc.ticks)))
    ax.set_xticklabels([tick_label(t) for t in sc.ticks])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.tick_params(axis="x", labelsize=SMALL, length=3, pad=2, width=0.6)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    if sc.null is not None and sc.xlim[0] < sc.null < sc.xlim[1]:
        ax.axvline(sc.null, color=BLACK, lw=0.6, zorder=1)
    return ax


def _favours(cv: Canvas, sc: Scale, favours: tuple[str, str] | None) -> float:
    """Write the favours labels under the ticks; return the depth reached."""
    top = cv.d + TICK_BLOCK + 0.03
    if favours is None or sc.null is None:
        return cv.d + TICK_BLOCK
    x0, x1 = cv.geo.panel
    a, b = (np.log(v) for v in sc.xlim) if sc.log else sc.xlim
    n = np.log(sc.null) if sc.log else sc.null
    at = x0 + (n - a) / (b - a) * (x1 - x0)
    at = min(max(at, x0 + 0.25 * (x1 - x0)), x1 - 0.25 * (x1 - x0))
    reach = 0.0
    for s, x, ha, room in (  # nothing is right of the plot at this depth
        (favours[0], at - 0.06, "right", at - 0.06 - x0),
        (favours[1], at + 0.06, "left", cv.geo.width - MARGIN - at - 0.06),
    ):
        if not s:
            continue
        lines = wrap(s, max(room, 0.6), SMALL).split("\n")
        cv.text(x, top, "\n".join(lines), ha=ha, va="top", size=SMALL)
        reach = max(reach, len(lines) * line_height(SMALL))
    return top + reach


def _lines(cv: Canvas, lines: Sequence[str], top: float, x: float, w: float) -> float:
    """Write test lines from depth ``top``, wrapped to ``w``; return the end depth."""
    d = top
    for line in lines:
        wrapped = wrap_phrases(line, w, SMALL)
        n = len(wrapped)
        cv.text(x, d, "\n".join(wrapped), va="top", size=SMALL)
        d += n * line_height(SMALL) + 0.03
    return d


def _rob_legend(cv: Canvas, rob: RobTable, top: float) -> float:
    geo = cv.geo
    w = geo.width - 2 * MARGIN
    d = _lines(cv, ["Risk of bias domains", *rob.legend] if rob.legend else [], top,
               geo.label_x, w)  # fmt: skip
    d += 0.06
    x = geo.label_x
    row_d = d + ROB_DOT / 2
    for j in rob.key:
        label = JUDGEMENT_LABELS.get(j, j.capitalize())
        need = ROB_DOT + 0.05 + text_width(label, SMALL) + 0.2
        if x + need > geo.width - MARGIN and x > geo.label_x:
            x, row_d = geo.label_x, row_d + ROW
        colour, symbol = ROB[j]
        symbol = GLYPHS.get(symbol, symbol)
        cv.over.add_patch(Circle((x + ROB_DOT / 2, row_d), ROB_DOT / 2,
                                 facecolor=colour, lw=0))  # fmt: skip
        ink = "white" if j in _DARK else BLACK
        cv.text(x + ROB_DOT / 2, row_d, symbol, ha="center", size=SMALL,
                bold=True, color=ink)  # fmt: skip
        cv.text(x + ROB_DOT + 0.05, row_d, label, size=SMALL)
        x += need
    return row_d + ROB_DOT / 2


def render(
    table: Table,
    make_scale: Callable[[float], Scale],
    rob: RobTable | None,
    *,
    title: str | None,
    favours: tuple[str, str] | None,
    width: float | None,
    footer_beside: bool,
) -> Figure:
    """Draw ``table``; ``make_scale(panel_width)`` chooses the axis."""
    with style():
        sc = make_scale(2.3)
        pad = text_width(tick_label(sc.ticks[-1]), SMALL) / 2 + 0.03 if sc.ticks else 0
        geo = geometry(table, rob, width, pad)
        sc = make_scale(geo.panel[1] - geo.panel[0])
        cv = Canvas(geo)
        if title:
            lines = wrap(title, geo.width - 2 * MARGIN, TITLE)
            cv.text(geo.label_x, cv.d, lines, va="top", size=TITLE, bold=True)
            cv.d += (lines.count("\n") + 1) * line_height(TITLE) + 0.08
        _header(cv, table, rob)
        body_top = cv.d
        placed = _body(cv, table, rob)
        body = (body_top, cv.d)
        ax = _panel(cv, sc)
        _marks(ax, sc, placed)
        axis_end = _favours(cv, sc, favours)
        room = geo.left_w - 0.25
        if footer_beside and all(text_width(s, SMALL) <= room for s in table.footer):
            end = _lines(cv, table.footer, cv.d + 0.02, geo.label_x, room)
            end = max(end, axis_end)
        else:
            end = _lines(cv, table.footer, axis_end + 0.1, geo.label_x,
                         geo.width - 2 * MARGIN)  # fmt: skip
        if rob is not None:
            end = _rob_legend(cv, rob, end + 0.1)
        cv.d = end
        return cv.finish(ax, body)
