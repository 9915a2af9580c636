"""The figures' common style: colour-blind-safe colours, journal font sizes, metrics.

Colours are the Okabe-Ito palette (Okabe & Ito 2008, *Color Universal Design*),
distinguishable with every common form of colour blindness; risk-of-bias
judgements use the colours of the Cochrane RoB 2 tool and robvis (McGuinness &
Higgins 2021, Res Synth Methods 12:55, doi:10.1002/jrsm.1411) and always carry a
symbol as well, so that no judgement is told by colour alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import matplotlib as mpl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

# Okabe-Ito
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
GREY = "#7F7F7F"
LIGHT_GREY = "#D9D9D9"

STUDY = BLUE  # study squares / points
POOLED = BLACK  # diamonds
PREDICTION = VERMILLION  # prediction interval bars
FILLED = VERMILLION  # studies added by trim-and-fill

# risk-of-bias judgements: colour and symbol (robvis' "cochrane" colours)
ROB = {
    "low": ("#02C100", "+"),
    "some concerns": ("#E2DF07", "-"),
    "moderate": ("#E2DF07", "-"),
    "unclear": ("#E2DF07", "?"),
    "high": ("#BF0000", "X"),
    "serious": ("#BF0000", "X"),
    "critical": ("#820000", "!"),
    "no information": ("#4EA1F7", "?"),
}

FONT_SIZE = 8.0  # points: legible at journal column width (85 mm)
SMALL = 7.0
TITLE = 9.0
COLUMN_WIDTH = 3.35  # inches, one journal column (85 mm)
LINE_SPACING = 1.2  # matplotlib's default, as a multiple of the font size
ELLIPSIS = "\N{HORIZONTAL ELLIPSIS}"

_TEXT = TextToPath()

RC: dict[Any, Any] = {  # keys are rcParams names
    "font.family": "DejaVu Sans",
    "font.size": FONT_SIZE,
    "axes.linewidth": 0.6,
    "axes.labelsize": FONT_SIZE,
    "xtick.labelsize": SMALL,
    "ytick.labelsize": SMALL,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "lines.linewidth": 0.8,
    "svg.fonttype": "none",  # text stays text in SVG
    "pdf.fonttype": 42,  # TrueType in PDF, editable by journals
    "figure.dpi": 100,
    "savefig.dpi": 300,
    "savefig.bbox": "tight",
}


@contextmanager
def style() -> Iterator[None]:
    """Apply the figures' rcParams while a figure is built."""
    with mpl.rc_context(RC):
        yield


def new_figure(width: float, height: float) -> Figure:
    """Return a Figure (no pyplot) with an Agg canvas attached for text metrics."""
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


@lru_cache(maxsize=8192)
def text_width(text: str, size: float = FONT_SIZE, weight: str = "normal") -> float:
    """Width of one line of ``text`` in inches when drawn at ``size`` points.

    The font's layout width (the glyphs' advances), which is what the drawn
    text's box spans; far faster than measuring the glyphs' outlines, which
    matters with hundreds of labels to wrap.
    """
    if not text:
        return 0.0
    width, _, _ = _TEXT.get_text_width_height_descent(
        text, _font(size, weight), ismath=False
    )
    return float(width) / 72.0


@lru_cache(maxsize=16)
def _font(size: float, weight: str) -> FontProperties:
    return FontProperties(family=RC["font.family"], size=size, weight=weight)


def line_height(size: float = FONT_SIZE) -> float:
    """Distance between two baselines of a multi-line text, in inches."""
    return LINE_SPACING * size / 72.0


def wrap(
    text: str, width: float, size: float = FONT_SIZE, weight: str = "normal"
) -> str:
    """Break ``text`` at spaces so that no line is wider than ``width`` inches."""
    return "\n".join(_wrap_words(text.split(), width, size, weight))


def fit_words(
    words: list[str], width: float, size: float, weight: str, max_lines: int
) -> list[str]:
    """Lay ``words`` out in at most ``max_lines`` lines of ``width`` inches.

    What does not fit goes to the last line, which is then cut with an ellipsis,
    as is any single word wider than ``width``.
    """
    lines = _wrap_words(words, width, size, weight) or [""]
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    return [ellipsize(line, width, size, weight) for line in lines]


def ellipsize(
    text: str, width: float, size: float = FONT_SIZE, weight: str = "normal"
) -> str:
    """Cut ``text`` with an ellipsis so that it is at most ``width`` inches wide."""
    if text_width(text, size, weight) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # longest prefix that fits with the ellipsis
        mid = (lo + hi + 1) // 2
        if text_width(text[:mid].rstrip() + ELLIPSIS, size, weight) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + ELLIPSIS


def _wrap_words(words: list[str], width: float, size: float, weight: str) -> list[str]:
    """Greedy lines of ``words`` joined by spaces, each at most ``width`` inches."""
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if current and text_width(candidate, size, weight) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines
