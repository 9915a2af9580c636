"""Terms to highlight while screening, from the protocol's criteria.

Shared by the terminal screener and the web app: the protocol's
``screening.keywords_include`` / ``keywords_exclude`` when set, otherwise the
content words of the eligibility criteria; :func:`term_pattern` matches them as
whole words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .protocol import Protocol

__all__ = ["criteria_terms", "highlight_terms", "term_pattern"]

#: Words of criteria that are not worth highlighting (all of >= 4 letters).
STOP_WORDS = frozenset(
    "about also among based been both does each from have into more most must "
    "only other over reports same some such than that their them then there "
    "these they this those under using were what when where which while will "
    "with within without".split()
)
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def criteria_terms(criteria: Iterable[str]) -> tuple[str, ...]:
    """Content words of the criteria: >= 4 letters, lower case, no stop words.

    Examples
    --------
    >>> criteria_terms(["Randomised controlled trial", "Not in English"])
    ('randomised', 'controlled', 'trial', 'english')

    """
    words = (w.lower() for c in criteria for w in _WORD.findall(c))
    return tuple(
        dict.fromkeys(
            w for w in words if len(w.replace("-", "")) >= 4 and w not in STOP_WORDS
        )
    )


def highlight_terms(protocol: Protocol) -> tuple[tuple[str, ...], ...]:
    """Return the ``(include, exclude)`` terms to highlight for a protocol.

    ``screening.keywords_include`` and ``screening.keywords_exclude`` when the
    protocol sets them; otherwise the content words of the inclusion and the
    exclusion criteria (:func:`criteria_terms`), a word of both counting as an
    inclusion term.
    """
    screening = protocol.screening
    chosen_in = getattr(screening, "keywords_include", None)
    chosen_ex = getattr(screening, "keywords_exclude", None)
    include = tuple(chosen_in or criteria_terms(protocol.eligibility.inclusion))
    if chosen_ex:
        return include, tuple(chosen_ex)
    exclude = criteria_terms(protocol.eligibility.exclusion)
    return include, tuple(t for t in exclude if t not in include)


def term_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    """One case-insensitive regex matching any term as a whole word.

    A term matches with a plural ``s``/``es`` too; a term ending in ``*`` is a
    stem (``random*`` matches ``randomised``); spaces match any white space.
    """
    parts = []
    for term in sorted({t.strip() for t in terms if t.strip()}, key=len, reverse=True):
        stem = term.endswith("*")
        body = re.escape(term.rstrip("*").strip()).replace(r"\ ", r"\s+")
        parts.append(body + (r"\w*" if stem else "(?:e?s)?"))
    if not parts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)
