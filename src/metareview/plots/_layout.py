"""Sizing a one-panel figure from its content.

The panel (the axes) gets a set height, and either a set width or whatever is
left of the figure's width once tick labels, axis labels and legends have their
room; the figure is then exactly as large as panel plus decorations. Texts
placed afterwards in points (study labels) keep their layout, since the panel's
size in inches no longer changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from ._style import RC, SMALL, text_width

PAD = 0.04  # inches of white space around the decorations

# a panel is never narrower than this, whatever the labels need (inches)
MIN_PANEL = 1.2
# legend geometry, in font sizes
_HANDLE = 1.4
_TEXTPAD = 0.5
_COLSPACE = 1.2


def fit(
    fig: Figure,
    ax: Axes,
    *,
    height: float,
    width: float | None = None,
    fig_width: float | None = None,
) -> None:
    """Give ``ax`` a ``height`` (inches) and the figure the size it needs.

    With ``width`` the panel is that wide; otherwise it takes what is left of
    ``fig_width`` once its decorations have room.
    """
    if width is None and fig_width is None:
        raise ValueError("fit() needs width or fig_width")
    freeze_ticks(ax)
    total = 0.0 if fig_width is None else fig_width
    panel_w = width if width is not None else max(MIN_PANEL, total - 1.0)
    margins = (0.0, 0.0, 0.0, 0.0)
    for _ in range(3):
        _place(fig, ax, panel_w, height, margins=(3.0, 3.0, 3.0, 3.0))
        margins = _margins(fig, ax)
        if width is not None:
            break
        left, right = margins[0], margins[1]
        new_w = max(MIN_PANEL, total - left - right - 2 * PAD)
        if abs(new_w - panel_w) < 1e-3:
            break
        panel_w = new_w
    _place(fig, ax, panel_w, height, margins=margins)


def panel_width(fig: Figure, ax: Axes) -> float:
    """Return the width of ``ax`` in inches, to keep it when fitting again."""
    return float(ax.get_position().width * fig.get_figwidth())


def _place(
    fig: Figure,
    ax: Axes,
    w: float,
    h: float,
    *,
    margins: tuple[float, float, float, float],
) -> None:
    left, right, bottom, top = (m + PAD for m in margins)
    fig_w, fig_h = w + left + right, h + bottom + top
    fig.set_size_inches(fig_w, fig_h)
    ax.set_position((left / fig_w, bottom / fig_h, w / fig_w, h / fig_h))


def _margins(fig: Figure, ax: Axes) -> tuple[float, float, float, float]:
    """Room (inches) the decorations of ``ax`` take left, right, below, above."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    fig.canvas.draw()
    tight = ax.get_tightbbox(renderer)
    box = ax.get_window_extent(renderer)
    if tight is None:  # pragma: no cover (an axes always has a box)
        tight = Bbox(box.get_points())
    dpi = fig.dpi
    return (
        max(0.0, (box.x0 - tight.x0) / dpi),
        max(0.0, (tight.x1 - box.x1) / dpi),
        max(0.0, (box.y0 - tight.y0) / dpi),
        max(0.0, (tight.y1 - box.y1) / dpi),
    )


def legend_below(
    fig: Figure,
    ax: Axes,
    handles: Sequence[Any],
    labels: Sequence[str],
    *,
    size: float = SMALL,
) -> None:
    """Put a frameless legend under the x axis, in as many columns as fit."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    box = ax.get_window_extent(renderer)
    below = ax.xaxis.get_tightbbox(renderer)
    bottom = box.y0 if below is None else below.y0
    gap = 6.0 * fig.dpi / 72.0
    anchor = (bottom - gap - box.y0) / box.height
    ncol = _columns(labels, fig.get_figwidth() - 2 * PAD, size)
    ax.legend(
        handles,
        labels,
        loc="upper center",
        bbox_to_anchor=(0.5, anchor),
        ncol=ncol,
        frameon=False,
        fontsize=size,
        handlelength=_HANDLE,
        handletextpad=_TEXTPAD,
        columnspacing=_COLSPACE,
        borderaxespad=0.0,
        borderpad=0.0,
    )


def _columns(labels: Sequence[str], avail: float, size: float) -> int:
    """Legend columns (filled column by column) that fit in ``avail`` inches.

    The fewest rows, and for that many rows the fewest columns, so that no
    column is left short.
    """
    em = size / 72.0
    widths = [text_width(lab, size) + (_HANDLE + _TEXTPAD) * em for lab in labels]
    n = len(widths)
    fitting = [
        ncol for ncol in range(1, n + 1) if _width(widths, ncol, em) <= avail
    ] or [1]
    rows = min(-(-n // ncol) for ncol in fitting)
    return min(ncol for ncol in fitting if -(-n // ncol) == rows)


def _width(widths: list[float], ncol: int, em: float) -> float:
    rows = -(-len(widths) // ncol)
    cols = [max(widths[c * rows : (c + 1) * rows], default=0.0) for c in range(ncol)]
    cols = [c for c in cols if c > 0]
    return sum(cols) + _COLSPACE * em * (len(cols) - 1)


def freeze_ticks(ax: Axes) -> None:
    """Fix the ticks' look and density now, not when the figure is drawn.

    Tick labels are created at draw time from the rcParams then in force, and
    ``AutoLocator`` reads them too: a figure saved outside
    :func:`._style.style` would otherwise get other ticks than those its layout
    was sized for. Axes with a locator of their own (fixed ticks) keep it.
    """
    from matplotlib.ticker import AutoLocator, MaxNLocator

    ax.tick_params(
        labelsize=SMALL,
        width=float(RC["xtick.major.width"]),
        length=3.5,
        pad=3.5,
        color="black",
        labelcolor="black",
    )
    for axis in (ax.xaxis, ax.yaxis):
        if (
            isinstance(axis.get_major_locator(), AutoLocator)
            and axis.get_scale() == "linear"
        ):
            axis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))


def note_below(fig: Figure, ax: Axes, text: str, *, size: float = SMALL) -> None:
    """Put a small grey note under the x axis (and its legend), wrapped to width."""
    from ._style import GREY

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    box = ax.get_window_extent(renderer)
    below = ax.get_tightbbox(renderer)
    bottom = box.y0 if below is None else below.y0
    gap = 4.0 * fig.dpi / 72.0
    ax.text(
        0.0,
        (bottom - gap - box.y0) / box.height,
        _wrap_list(text, box.width / fig.dpi, size),
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontsize=size,
        color=GREY,
        gid="note",
    )


def _wrap_list(text: str, width: float, size: float) -> str:
    """Wrap ``text`` at its ``"; "`` separators (names stay whole) to ``width``."""
    items = text.split("; ")
    lines = [items[0]]
    for item in items[1:]:
        candidate = f"{lines[-1]}; {item}"
        if text_width(candidate, size) > width:
            lines[-1] += ";"
            lines.append(item)
        else:
            lines[-1] = candidate
    return "\n".join(lines)
