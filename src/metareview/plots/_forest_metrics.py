"""Text metrics of a forest plot: widths, wrapping and cutting, in inches."""

from __future__ import annotations

import re
from functools import lru_cache

from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

from ._style import FONT_SIZE, RC

ELLIPSIS = "\N{HORIZONTAL ELLIPSIS}"

_TEXT = TextToPath()


@lru_cache(maxsize=8192)
def text_width(text: str, size: float = FONT_SIZE, weight: str = "normal") -> float:
    """Width in inches of one line of text as laid out (the glyphs' advances).

    The font's layout width, which is what the drawn text's box spans; some
    twenty times faster than the outline extents of ``_style.text_width``,
    which matters with hundreds of labels to wrap.
    """
    if not text:
        return 0.0
    prop = FontProperties(family=RC["font.family"], size=size, weight=weight)
    width, _, _ = _TEXT.get_text_width_height_descent(text, prop, ismath=False)
    return float(width) / 72.0


def wrap(
    text: str, width: float, size: float = FONT_SIZE, weight: str = "normal"
) -> str:
    """Break ``text`` at spaces so that no line is wider than ``width`` inches."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and text_width(candidate, size, weight) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return "\n".join(lines)


def line_height(size: float) -> float:
    """Distance between the baselines of two lines of ``size``-point text."""
    return size * 1.2 / 72.0


def ellipsize(text: str, width: float, size: float, weight: str = "normal") -> str:
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


def fit(
    text: str,
    width: float,
    size: float = FONT_SIZE,
    weight: str = "normal",
    max_lines: int = 2,
) -> list[str]:
    """Wrap ``text`` at spaces into at most ``max_lines`` lines of ``width`` inches.

    What does not fit goes to the last line, which is then cut with an ellipsis,
    as is any single word wider than ``width``.
    """
    lines = wrap(text, width, size, weight).split("\n") if text.strip() else [""]
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    return [ellipsize(line, width, size, weight) for line in lines]


def wrap_phrases(text: str, width: float, size: float = FONT_SIZE) -> list[str]:
    """Wrap a test line between its phrases (after ``, `` and ``; ``) to ``width``.

    ``I² = 92%`` stays on one line; a phrase wider than ``width`` is wrapped at
    its spaces.
    """
    phrases = [p for p in re.split(r"(?<=[,;]) ", text) if p]
    lines: list[str] = []
    current = ""
    for phrase in phrases:
        candidate = f"{current} {phrase}" if current else phrase
        if current and text_width(candidate, size) > width:
            lines.append(current)
            current = phrase
        else:
            current = candidate
        if text_width(current, size) > width:
            *done, current = wrap(current, width, size).split("\n")
            lines += done
    if current:
        lines.append(current)
    return lines or [""]
