"""Text layout of a forest plot: labels and test lines wrapped and cut, in inches."""

from __future__ import annotations

import re

from ._style import FONT_SIZE, fit_words, text_width, wrap


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
    return fit_words(text.split(), width, size, weight, max_lines)


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
