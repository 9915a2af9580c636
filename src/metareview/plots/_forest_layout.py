"""Horizontal geometry of a forest plot: label fitting and column widths, in inches.

Every width comes from the measured text (``_style.text_width``); the plot
takes what the figure width leaves, or a default width.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._validate import InputError
from ._forest_metrics import fit
from ._forest_rob import RobTable
from ._forest_table import Table
from ._style import FONT_SIZE, SMALL, text_width

ROW = 0.2  # inches per one-line row at 8 pt
GAP = 0.12  # between text columns
LABEL_GAP = 0.2  # after the label column
PANEL_GAP = 0.16  # between the text columns and the plot
MARGIN = 0.1
LABEL_MAX = 2.4  # widest study label before wrapping
LABEL_MIN = 1.0  # narrowest the label column may become to fit ``width``
PANEL = 2.3  # default width of the plot
PANEL_MIN = 1.2
ROB_DOT = 0.15  # diameter of a risk-of-bias circle


@dataclass(frozen=True, slots=True)
class Geometry:
    """Where everything goes across the figure (inches from the left edge)."""

    width: float
    label_x: float
    label_w: float
    label_max: float
    cols: dict[str, tuple[float, float]]
    panel: tuple[float, float]
    rob: tuple[tuple[float, float], ...]

    @property
    def left_w(self) -> float:
        """Width from the labels to the plot, for the test lines beside it."""
        return self.panel[0] - self.label_x - PANEL_GAP


def _label_width(table: Table, label_max: float) -> float:
    widest = text_width(table.label_header, FONT_SIZE, "bold")
    for row in table.rows:
        if row.kind in ("note", "blank"):
            continue
        weight = "bold" if row.bold else "normal"
        for line in fit(row.label, label_max, FONT_SIZE, weight):
            widest = max(widest, text_width(line, FONT_SIZE, weight))
    return widest


def _column_widths(table: Table) -> dict[str, float]:
    widths = {}
    for col in table.columns:
        cells = [row.cells.get(col.key, "") for row in table.rows]
        widest = max([text_width(c) for c in cells] + [0.0])
        widths[col.key] = max(widest, text_width(col.header, FONT_SIZE, "bold"))
    for label, first, last in table.spans:  # a span's label must fit its columns
        keys = [c.key for c in table.columns]
        covered = keys[keys.index(first) : keys.index(last) + 1]
        room = sum(widths[k] for k in covered) + GAP * (len(covered) - 1)
        need = text_width(label, FONT_SIZE, "bold")
        if need > room:
            widths[last] += need - room
    return widths


def _rob_widths(rob: RobTable | None) -> list[float]:
    if rob is None:
        return []
    widths = [max(ROB_DOT, text_width(h, SMALL, "bold")) + 0.06 for h in rob.headers]
    need = text_width("Risk of Bias", FONT_SIZE, "bold")
    if need > sum(widths):
        widths = [w + (need - sum(widths)) / len(widths) for w in widths]
    return widths


def geometry(
    table: Table, rob: RobTable | None, width: float | None, edge_pad: float
) -> Geometry:
    """Place the columns; ``edge_pad`` is room for tick labels past the plot."""
    cols = _column_widths(table)
    left = [c for c in table.columns if c.side == "left"]
    right = [c for c in table.columns if c.side == "right"]
    left_w = sum(cols[c.key] + GAP for c in left)
    right_w = sum(cols[c.key] + GAP for c in right)
    robs = _rob_widths(rob)
    rob_w = (PANEL_GAP + sum(robs)) if robs else 0.0
    heading = max(
        text_width(table.plot_heading[0], FONT_SIZE, "bold"),
        text_width(table.plot_heading[1], FONT_SIZE, "bold"),
    )
    panel_min = max(PANEL_MIN, heading + 0.05)
    right_pad = max(MARGIN, edge_pad) if not right and not robs else MARGIN
    label_max = LABEL_MAX
    label_w = _label_width(table, label_max)

    def others(lw: float) -> float:  # everything but the plot
        after = PANEL_GAP + right_w - GAP if right else 0.0
        return (
            MARGIN
            + lw
            + LABEL_GAP
            - GAP
            + left_w
            + PANEL_GAP
            + after
            + rob_w
            + right_pad
        )

    if width is None:
        panel_w = max(PANEL, panel_min)
    else:
        panel_w = width - others(label_w)
        while panel_w < panel_min and label_max > LABEL_MIN:
            label_max = max(LABEL_MIN, label_max - 0.05)
            label_w = _label_width(table, label_max)
            panel_w = width - others(label_w)
        if panel_w < panel_min:
            need = others(label_w) + panel_min
            raise InputError(
                f"width={width!r} inches is too narrow for this forest plot; it needs "
                f"at least {need:.2f}"
            )
    x = MARGIN + label_w + LABEL_GAP
    placed: dict[str, tuple[float, float]] = {}
    for c in left:
        placed[c.key] = (x, x + cols[c.key])
        x += cols[c.key] + GAP
    panel = (x - GAP + PANEL_GAP, x - GAP + PANEL_GAP + panel_w)
    x = panel[1] + PANEL_GAP
    for c in right:
        placed[c.key] = (x, x + cols[c.key])
        x += cols[c.key] + GAP
    if right:
        x -= GAP
    rob_cols = []
    if robs:
        x = (x if right else panel[1]) + PANEL_GAP
        for w in robs:
            rob_cols.append((x, x + w))
            x += w
    total = x + right_pad if (right or robs) else panel[1] + right_pad
    return Geometry(
        width=total if width is None else float(width),
        label_x=MARGIN,
        label_w=label_w,
        label_max=label_max,
        cols=placed,
        panel=panel,
        rob=tuple(rob_cols),
    )
