"""Drawing the risk-of-bias figures from a checked table (see :mod:`.rob`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Rectangle
from matplotlib.ticker import FixedLocator, PercentFormatter
from numpy.typing import NDArray

from ._draw import canvas, fit, ink, measure
from ._rob_data import RobTable
from ._rob_tools import JUDGEMENT_LABELS
from ._style import FONT_SIZE, LIGHT_GREY, ROB, SMALL, line_height, new_figure

MARGIN = 0.08  # inches around everything
CELL = 0.30  # inches: one row and one column of the traffic light
CELL_MANY = 0.24  # row height when there are more than MANY studies
MANY = 30
LABEL_MAX = 2.4  # inches of study label before it is wrapped, then cut
LEGEND_MAX = 3.6  # inches of a domain's name in the legend before it is wrapped
ZEBRA = "#F2F2F2"  # every other row, to follow a row across
SYMBOL_TEXT = {"-": "\u2212"}  # a minus sign is as wide as "+"
LEGEND_RADIUS = 0.08  # inches: the circles of the judgement legend
BAR_WIDTH = 3.2  # inches: 0-100% of the summary plot
NAME_MAX = 3.2  # inches of a domain's name beside its bar
TITLE = "Risk of bias domains"


@dataclass(frozen=True, slots=True)
class Grid:
    """Where the traffic light's labels and columns go, in inches."""

    labels: list[str]
    row_h: float
    x_grid: float  # left edge of the first column
    centres: NDArray[np.float64]  # of D1 ... Dn, Overall (and Weight)
    right: float  # right edge of the last column
    y_rows: float  # top of the first row


@dataclass(frozen=True, slots=True)
class Legend:
    """The traffic light's legends: domains, and judgements (worst first)."""

    domains: list[str]
    judgements: list[str]
    x_judgements: float
    width: float
    height: float


def traffic_light(rob: RobTable, share: NDArray[np.float64] | None) -> Figure:
    """Draw the traffic light; ``share`` adds a column of weights (percent)."""
    grid = _grid(rob, share is not None)
    legend = _legend(rob)
    y_legend = grid.y_rows + len(rob.studies) * grid.row_h + 0.25
    width = max(grid.right, legend.width) + MARGIN
    height = y_legend + legend.height + MARGIN
    fig = new_figure(width, height)
    ax = canvas(fig, width, height)
    _header(ax, rob, grid, share is not None)
    radius = 0.37 * min(grid.row_h, CELL)
    for i, (label, row) in enumerate(zip(grid.labels, rob.cells, strict=True)):
        y = grid.y_rows + (i + 0.5) * grid.row_h
        if i % 2:
            ax.add_patch(
                Rectangle(
                    (MARGIN, y - grid.row_h / 2),
                    grid.right - MARGIN,
                    grid.row_h,
                    facecolor=ZEBRA,
                    edgecolor="none",
                    zorder=0,
                )
            )
        ax.text(
            grid.x_grid - 0.12,
            y,
            label,
            ha="right",
            va="center",
            multialignment="right",
        )
        for x, judgement in zip(grid.centres, row, strict=False):
            disc(ax, x, y, radius, judgement, "rob-cell")
        if share is not None:
            ax.text(grid.right - 0.08, y, f"{share[i]:.1f}%", ha="right", va="center")
    _draw_legend(ax, legend, y_legend)
    return fig


def _grid(rob: RobTable, weights: bool) -> Grid:
    labels = [fit(s, LABEL_MAX, FONT_SIZE) for s in rob.studies]
    lh = line_height(FONT_SIZE)
    lines = max(label.count("\n") + 1 for label in labels)
    row_h = max(CELL if len(labels) <= MANY else CELL_MANY, lines * lh + 0.08)
    label_w = max(measure("Study", FONT_SIZE, "bold"), *map(measure, labels))
    widths = [CELL] * (len(rob.codes) - 1)
    widths.append(max(CELL, measure("Overall", FONT_SIZE, "bold") + 0.1))
    if weights:
        widths.append(measure("Weight", FONT_SIZE, "bold") + 0.16)
    judged = sum(widths[: len(rob.codes)])  # the title spans these columns
    x_grid = max(
        MARGIN + label_w + 0.12,
        MARGIN + measure(TITLE, FONT_SIZE, "bold") / 2 - judged / 2,
    )
    edges = x_grid + np.concatenate([[0.0], np.cumsum(widths)])
    return Grid(
        labels=labels,
        row_h=row_h,
        x_grid=x_grid,
        centres=(edges[:-1] + edges[1:]) / 2,
        right=float(edges[-1]),
        y_rows=MARGIN + 2 * lh + 0.1,
    )


def _header(ax: Axes, rob: RobTable, grid: Grid, weights: bool) -> None:
    lh = line_height(FONT_SIZE)
    n = len(rob.codes)
    x_mid = (grid.centres[0] + grid.centres[n - 1]) / 2
    ax.text(x_mid, MARGIN, TITLE, ha="center", va="top", weight="bold")
    y = MARGIN + lh + 0.1
    ax.text(MARGIN, y, "Study", ha="left", va="top", weight="bold")
    for x, code in zip(grid.centres, rob.codes, strict=False):
        ax.text(x, y, code, ha="center", va="top", weight="bold")
    if weights:
        ax.text(grid.right - 0.08, y, "Weight", ha="right", va="top", weight="bold")
    ax.plot([MARGIN, grid.right], [grid.y_rows - 0.03] * 2, color=LIGHT_GREY, lw=0.6)


def _legend(rob: RobTable) -> Legend:
    domains = [
        f"{code}: {fit(name, LEGEND_MAX, SMALL, max_lines=3)}"
        for code, name in zip(rob.codes, rob.names, strict=True)
        if code != "Overall"
    ]
    judgements = [j for j in reversed(rob.judgements) if j != "no information"]
    judgements += [j for j in rob.judgements if j == "no information"]
    x_judgements = MARGIN + max(measure(text, SMALL) for text in domains) + 0.3
    judgement_w = max(
        2 * LEGEND_RADIUS
        + 0.06
        + max(measure(JUDGEMENT_LABELS[j], SMALL) for j in judgements),
        measure("Judgement", SMALL, "bold"),
    )
    slh = line_height(SMALL)
    domains_h = slh * (1 + sum(text.count("\n") + 1 for text in domains))
    judgements_h = slh + _legend_step() * len(judgements)
    return Legend(
        domains=domains,
        judgements=judgements,
        x_judgements=x_judgements,
        width=x_judgements + judgement_w,
        height=max(domains_h, judgements_h),
    )


def _legend_step() -> float:
    return max(line_height(SMALL), 2 * LEGEND_RADIUS + 0.05)


def _draw_legend(ax: Axes, legend: Legend, top: float) -> None:
    slh = line_height(SMALL)
    ax.text(MARGIN, top, "Domains:", va="top", size=SMALL, weight="bold")
    y = top + slh
    for text in legend.domains:
        ax.text(MARGIN, y, text, va="top", size=SMALL)
        y += slh * (text.count("\n") + 1)
    x = legend.x_judgements
    ax.text(x, top, "Judgement", va="top", size=SMALL, weight="bold")
    for k, judgement in enumerate(legend.judgements):
        y = top + slh + (k + 0.5) * _legend_step()
        disc(ax, x + LEGEND_RADIUS, y, LEGEND_RADIUS, judgement, "rob-legend")
        ax.text(
            x + 2 * LEGEND_RADIUS + 0.06,
            y,
            JUDGEMENT_LABELS[judgement],
            va="center",
            size=SMALL,
        )


def disc(ax: Axes, x: float, y: float, r: float, judgement: str, gid: str) -> None:
    """Draw a judgement's circle, in its colour and with its symbol, at (x, y)."""
    colour, symbol = ROB[judgement]
    circle = Circle((x, y), r, facecolor=colour, edgecolor="none", zorder=2)
    circle.set_gid(gid)
    ax.add_patch(circle)
    ax.text(
        x,
        y,
        SYMBOL_TEXT.get(symbol, symbol),
        ha="center",
        va="center",
        size=1.15 * r * 72,
        weight="bold",
        color=ink(colour),
        zorder=3,
    )


def summary(rob: RobTable, percent: NDArray[np.float64], xlabel: str) -> Figure:
    """Draw the summary bars: ``percent[domain, judgement]``, the x axis ``xlabel``."""
    lh = line_height(FONT_SIZE)
    names = [fit(name, NAME_MAX, FONT_SIZE) for name in rob.names]
    row_h = max(0.32, max(name.count("\n") + 1 for name in names) * lh + 0.1)
    gap = 0.12 if rob.codes[-1] == "Overall" else 0.0  # sets the overall bar apart
    x0 = MARGIN + max(measure(n, FONT_SIZE, "bold") for n in names) + 0.1
    bars_h = len(names) * row_h + gap
    axis_h = 0.25 + lh + 0.1  # tick labels and the axis label
    width = x0 + BAR_WIDTH + 0.2 + MARGIN
    entries, rows, step = _summary_legend(rob, width - 2 * MARGIN)
    height = MARGIN + bars_h + axis_h + 0.1 + len(rows) * step + MARGIN

    fig = new_figure(width, height)
    ax = fig.add_axes(
        (x0 / width, 1 - (MARGIN + bars_h) / height, BAR_WIDTH / width, bars_h / height)
    )
    ys = np.arange(len(names)) * row_h + row_h / 2
    ys[-1] += gap
    for d, y in enumerate(ys):
        _bar(ax, y, 0.72 * row_h, percent[d], rob.judgements, rob.codes[d])
    ax.set_xlim(0, 100)
    ax.set_ylim(bars_h, 0)
    ax.xaxis.set_major_locator(FixedLocator([0, 25, 50, 75, 100]))
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=100, decimals=0))
    ax.set_xlabel(xlabel)
    ax.set_yticks(ys, names)
    ax.tick_params(axis="y", length=0, labelsize=FONT_SIZE)
    if gap:
        ax.get_yticklabels()[-1].set_fontweight("bold")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)

    overlay = canvas(fig, width, height)
    y = MARGIN + bars_h + axis_h + 0.1
    for row in rows:
        x = MARGIN
        for judgement, label, w in (entries[k] for k in row):
            _key(overlay, x, y, judgement, label)
            x += w + 0.25
        y += step
    return fig


def _bar(
    ax: Axes,
    y: float,
    thickness: float,
    percent: NDArray[np.float64],
    judgements: tuple[str, ...],
    code: str,
) -> None:
    left = 0.0
    for pct, judgement in zip(percent, judgements, strict=True):
        if pct <= 0:
            continue
        colour, symbol = ROB[judgement]
        bar = ax.barh(
            y,
            pct,
            left=left,
            height=thickness,
            color=colour,
            edgecolor="white",
            linewidth=0.6,
        )
        bar.patches[0].set_gid(f"rob-bar:{code}:{judgement}")
        symbol = SYMBOL_TEXT.get(symbol, symbol)
        if pct / 100 * BAR_WIDTH > measure(symbol, SMALL, "bold") + 0.06:
            ax.text(
                left + pct / 2,
                y,
                symbol,
                ha="center",
                va="center",
                size=SMALL,
                weight="bold",
                color=ink(colour),
            )
        left += pct


KEY = 0.15  # inches: the squares of the summary's legend


def _summary_legend(
    rob: RobTable, room: float
) -> tuple[list[tuple[str, str, float]], list[list[int]], float]:
    """Entries (judgement, label, width), rows of entries, and row height."""
    entries = []
    for judgement in rob.judgements:
        label = JUDGEMENT_LABELS[judgement]
        if judgement not in ("some concerns", "no information"):
            label += " risk of bias"
        entries.append((judgement, label, KEY + 0.06 + measure(label, SMALL)))
    rows: list[list[int]] = [[]]
    used = 0.0
    for k, (_, _, w) in enumerate(entries):
        if rows[-1] and used + 0.25 + w > room:
            rows.append([])
            used = 0.0
        used += (0.25 if rows[-1] else 0.0) + w
        rows[-1].append(k)
    return entries, rows, max(line_height(SMALL), KEY) + 0.06


def _key(ax: Axes, x: float, y: float, judgement: str, label: str) -> None:
    colour, symbol = ROB[judgement]
    ax.add_patch(Rectangle((x, y), KEY, KEY, facecolor=colour, edgecolor="none"))
    ax.text(
        x + KEY / 2,
        y + KEY / 2,
        SYMBOL_TEXT.get(symbol, symbol),
        ha="center",
        va="center",
        size=SMALL,
        weight="bold",
        color=ink(colour),
    )
    ax.text(x + KEY + 0.06, y + KEY / 2, label, va="center", size=SMALL)
