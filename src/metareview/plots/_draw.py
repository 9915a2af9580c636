"""Drawing helpers shared by the diagram-like figures (risk of bias, PRISMA).

These figures are laid out by hand in inches: :func:`canvas` returns an invisible
Axes that covers the whole figure with data coordinates in inches, measured from
the top-left corner, so that text measured with :func:`measure` and shapes
drawn in data units line up exactly at any size.
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from ._style import FONT_SIZE, fit_words, text_width


def canvas(fig: Figure, width: float, height: float) -> Axes:
    """Full-figure Axes in inches, y pointing down, nothing drawn but the data."""
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0.0, width)
    ax.set_ylim(height, 0.0)
    ax.set_axis_off()
    return ax


def measure(text: str, size: float = FONT_SIZE, weight: str = "normal") -> float:
    """Width of the widest line of ``text`` in inches, with room for rendering.

    Drawn text can come out a little wider than the font's metrics (hinting), so
    layouts reserve 2% and 0.02 in more.
    """
    widest = max(text_width(line, size, weight) for line in text.split("\n"))
    return 1.02 * widest + 0.02


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
    return "\n".join(fit_words(words, width, size, "normal", max_lines))


def ink(colour: str) -> str:
    """Black or white, whichever reads better on ``colour`` (WCAG contrast)."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in to_rgb(colour))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    on_white = 1.05 / (luminance + 0.05)
    on_black = (luminance + 0.05) / 0.05
    return "#FFFFFF" if on_white > on_black else "#000000"
