"""The GRADE result objects: a rating per domain, and the certainty they give."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DOMAINS",
    "DOMAIN_LABELS",
    "DOWNGRADES",
    "LEVELS",
    "SYMBOLS",
    "UPGRADES",
    "Certainty",
    "DomainRating",
]

#: Reasons to rate down (ratings 0, -1, -2) and up (0, +1, +2), as stored.
DOWNGRADES = (
    "risk_of_bias",
    "inconsistency",
    "indirectness",
    "imprecision",
    "publication_bias",
)
UPGRADES = ("large_effect", "dose_response", "plausible_confounding")
DOMAINS = DOWNGRADES + UPGRADES

DOMAIN_LABELS = {
    "risk_of_bias": "Risk of bias",
    "inconsistency": "Inconsistency",
    "indirectness": "Indirectness",
    "imprecision": "Imprecision",
    "publication_bias": "Publication bias",
    "large_effect": "Large effect",
    "dose_response": "Dose-response gradient",
    "plausible_confounding": "Plausible confounding",
}

#: Certainty levels from the lowest (score 1) to the highest (score 4).
LEVELS = ("very low", "low", "moderate", "high")
SYMBOLS = ("⊕◯◯◯", "⊕⊕◯◯", "⊕⊕⊕◯", "⊕⊕⊕⊕")
_START = {"high": 4, "low": 2}


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class DomainRating:
    """The rating of one GRADE domain for one outcome.

    ``rating`` is 0, -1 (serious) or -2 (very serious) for the reasons to rate
    down, and 0, +1 or +2 for the reasons to rate up. ``suggested`` is True for a
    rating computed by :func:`~metareview.review.grade.assess_certainty` and not
    yet confirmed by a reviewer; ``reason`` says why, with the numbers;
    ``justification`` and ``decided_by`` are the reviewer's, once decided.
    """

    domain: str
    rating: int
    suggested: bool
    reason: str
    justification: str | None = None
    decided_by: str | None = None

    @property
    def label(self) -> str:
        """The domain's name for people, e.g. ``"Risk of bias"``."""
        return DOMAIN_LABELS.get(self.domain, self.domain)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Certainty:
    """The certainty of the evidence for one outcome, timepoint and comparison.

    The evidence starts ``"high"`` (randomised trials) or ``"low"``
    (observational studies), goes down one level per -1 and up one per +1 of the
    domains' ratings, and stays between very low and high (GRADE handbook,
    Schünemann et al. 2013, section 5).
    """

    outcome_id: str
    timepoint: str
    comparison: str = ""
    start: str
    domains: tuple[DomainRating, ...]

    @property
    def score(self) -> int:
        """The level as a number: 4 high, 3 moderate, 2 low, 1 very low."""
        total = _START[self.start] + sum(d.rating for d in self.domains)
        return max(1, min(4, total))

    @property
    def level(self) -> str:
        """``"high"``, ``"moderate"``, ``"low"`` or ``"very low"``."""
        return LEVELS[self.score - 1]

    @property
    def symbol(self) -> str:
        """The level in GRADE's symbols, ``⊕⊕⊕⊕`` (high) to ``⊕◯◯◯`` (very low)."""
        return SYMBOLS[self.score - 1]

    @property
    def suggested(self) -> bool:
        """Whether any domain's rating is a suggestion not yet confirmed."""
        return any(d.suggested for d in self.domains)

    @property
    def footnotes(self) -> tuple[str, ...]:
        """Why the certainty moved: one note per domain rated up or down.

        A reviewer's justification, when there is one, follows the reason.
        """
        out = []
        for d in self.domains:
            if d.rating == 0:
                continue
            sign = "rated down" if d.rating < 0 else "rated up"
            note = f"{d.label}: {sign} {abs(d.rating)}. {d.reason}"
            if d.justification:
                note += f" Reviewer ({d.decided_by}): {d.justification}"
            out.append(note)
        return tuple(out)

    def domain(self, name: str) -> DomainRating:
        """Return the rating of domain ``name`` (KeyError if it is not rated)."""
        for d in self.domains:
            if d.domain == name:
                return d
        raise KeyError(name)

    def to_frame(self) -> pd.DataFrame:
        """One row per domain: rating, suggested, reason, justification, by."""
        import pandas as pd

        return pd.DataFrame(
            {
                "domain": [d.domain for d in self.domains],
                "rating": [d.rating for d in self.domains],
                "suggested": [d.suggested for d in self.domains],
                "reason": [d.reason for d in self.domains],
                "justification": [d.justification for d in self.domains],
                "decided_by": [d.decided_by for d in self.domains],
            }
        )

    def __str__(self) -> str:
        head = f"{self.outcome_id}"
        if self.timepoint:
            head += f" ({self.timepoint})"
        if self.comparison:
            head += f", {self.comparison}"
        lines = [f"{head}: {self.symbol} {self.level} (start {self.start})"]
        for d in self.domains:
            mark = " (suggested)" if d.suggested else ""
            rating = f"{d.rating:+d}" if d.rating else "0"
            lines.append(f"  {d.label}: {rating}{mark}. {d.reason}")
        return "\n".join(lines)
