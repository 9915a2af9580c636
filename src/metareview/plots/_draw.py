"""Drawing helpers shared by the diagram-like figures (risk of bias, PRISMA).

These figures are laid out by hand in inches: :func:`canvas` returns an invisible
Axes that covers the whole figure with data coordinates in inches, measured from
the top-left corner, so that text measured with :func:`measure` and shapes
drawn in data units line up exactly at any size.
"""

from __future__ import annotations

from functools import lru_cache

from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path

from ._style import FONT_SIZE, RC

ELLIPSIS = "\u2026"
LINE_SPACING = 1.2  # matplotlib's default, as a multiple of the font size


def canvas(fig: Figure, width: float, height: float) -> Axes:
    """Full-figure Axes in inches, y pointing down, nothing drawn but the data."""
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0.0, width)
    ax.set_ylim(height, 0.0)
    ax.set_axis_off()
    return ax


@lru_cache(maxsize=4096)
def advance(text: str, size: float = FONT_SIZE, weight: str = "normal") -> float:
    """Advance width of one line of ``text`` in inches (the font's metrics).

    Faster than measuring the glyphs' outlines, and closer to the drawn width.
    """
    if not text:
        return 0.0
    width, _, _ = text_to_path.get_text_width_height_descent(
        text, _font(size, weight), ismath=False
    )
    return float(width) / 72.0


@lru_cache(maxsize=16)
def _font(size: float, weight: str) -> FontProperties:
    return FontProperties(family=RC["font.family"], size=size, weight=weight)


def measure(text: str, size: float = FONT_SIZE, weight: str = "normal") -> float:
    """Width of the widest line of ``text`` in inches, with room for rendering.

    Drawn text can come out a little wider than the font's metrics (hinting), so
    layouts reserve 2% and 0.02 in more.
    """
    widest = max(advance(line, size, weight) for line in text.split("\n"))
    return 1.02 * widest + 0.02


def line_height(size: float = FONT_SIZE) -> float:
    """Distance between two baselines of a multi-line text, in inches."""
    return LINE_SPACING * size / 72.0


def text_height(lines: int, size: float = FONT_SIZE) -> float:
    """Height of a text of ``lines`` lines, in inches."""
    return lines * line_height(size)


def shorten(text: str, width: float, size: float = FONT_SIZE) -> str:
    """Cut ``text`` and end it with an ellipsis so that it fits ``width`` inches."""
    if advance(text, size) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # longest prefix that fits with the ellipsis
        mid = (lo + hi + 1) // 2
        if advance(text[:mid].rstrip() + ELLIPSIS, size) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + ELLIPSIS


def fit(
    text: str,
    width: float,
    size: float = FONT_SIZE,
    max_lines: int = 2,
    *,
    tail: str = "",
) -> str:
    """Wrap ``text`` at spaces to ``width`` inches in at most ``max_lines`` lines.

    ``tail`` (e.g. "(n = 23)") follows the text and is never broken. Text beyond
    the last line, and words wider than a line, are cut with an ellipsis.
    """
    words = str(text).split() + ([tail] if tail else [])
    lines = [""]
    for word in words:
        candidate = f"{lines[-1]} {word}".strip()
        if lines[-1] and advance(candidate, size) > width:
            lines.append(word)
        else:
            lines[-1] = candidate
    if len(lines) > max_lines:
        # the rest joined onto the last line is wider than a line: it gets cut
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    return "\n".join(shorten(line, width, size) for line in lines)


def ink(colour: str) -> str:
    """Black or white, whichever reads better on ``colour`` (WCAG contrast)."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in to_rgb(colour))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    on_white = 1.05 / (luminance + 0.05)
    on_black = (luminance + 0.05) / 0.05
    return "#FFFFFF" if on_white > on_black else "#000000"
