"""Structure checks for figures: the texts drawn and whether any of them overlap."""

from __future__ import annotations

from itertools import combinations

from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox


def texts(fig: Figure) -> list[str]:
    """Every non-empty visible text of the figure, tick labels included."""
    fig.canvas.draw()
    return [
        t.get_text()
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip()
    ]


def text_boxes(fig: Figure) -> list[tuple[str, Bbox]]:
    """Display-space boxes of every non-empty visible text."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    out = []
    for t in fig.findobj(Text):
        if t.get_visible() and t.get_text().strip():
            out.append((t.get_text(), t.get_window_extent(renderer)))
    return out


def overlapping_texts(fig: Figure, pad: float = 0.5) -> list[tuple[str, str]]:
    """Pairs of texts whose boxes overlap by more than ``pad`` pixels each way."""
    boxes = text_boxes(fig)
    found = []
    for (a, ba), (b, bb) in combinations(boxes, 2):
        dx = min(ba.x1, bb.x1) - max(ba.x0, bb.x0)
        dy = min(ba.y1, bb.y1) - max(ba.y0, bb.y0)
        if dx > pad and dy > pad:
            found.append((a, b))
    return found
