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
from typing import Any

import matplotlib as mpl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# Okabe-Ito
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
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
PAGE_WIDTH = 6.85  # inches, two columns (174 mm)

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


def text_width(text: str, size: float = FONT_SIZE, weight: str = "normal") -> float:
    """Width of ``text`` in inches when drawn at ``size`` points."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    if not text:
        return 0.0
    props = FontProperties(family=RC["font.family"], size=size, weight=weight)
    extent = TextPath((0, 0), text, prop=props).get_extents()
    return float(extent.width) / 72.0


def wrap(text: str, width_in: float, size: float = FONT_SIZE) -> str:
    """Break ``text`` at spaces so that no line is wider than ``width_in`` inches."""
    words = text.split()
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if current and text_width(candidate, size) > width_in:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return "\n".join(lines)
