"""GRADE judgements in ``review.db``: append-only, the latest per key wins."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pandas as pd

from .._validate import InputError, InputTypeError
from ._grade_types import DOMAINS, UPGRADES, Certainty, DomainRating

if TYPE_CHECKING:
    from .store import Store

__all__ = ["apply_judgements", "grade_judgements", "record_grade"]

_COLUMNS = (
    "outcome_id", "timepoint", "comparison", "domain", "rating", "justification",
    "decided_by", "decided_at",
)  # fmt: skip


def _text(name: str, value: object, *, empty: bool = True) -> str:
    if not isinstance(value, str):
        raise InputTypeError(f"{name} must be a string; got {value!r}")
    value = value.strip()
    if not empty and not value:
        raise InputError(f"{name} must not be empty")
    return value


def _rating(domain: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputTypeError(f"rating must be an integer from -2 to 2; got {value!r}")
    allowed = (0, 1, 2) if domain in UPGRADES else (0, -1, -2)
    if value not in allowed:
        raise InputError(
            f"rating of {domain!r} must be one of {', '.join(map(str, allowed))} "
            f"({'up' if domain in UPGRADES else 'down'}grades only); got {value!r}"
        )
    return int(value)


def _suggestion(
    suggested: int | Certainty | None, outcome_id: str, timepoint: str, domain: str
) -> int:
    if suggested is None:
        return 0
    if isinstance(suggested, Certainty):
        if (suggested.outcome_id, suggested.timepoint) != (outcome_id, timepoint):
            raise InputError(
                f"suggested is the certainty of {suggested.outcome_id!r} at "
                f"{suggested.timepoint!r}, not of {outcome_id!r} at {timepoint!r}"
            )
        try:
            return suggested.domain(domain).rating
        except KeyError:
            return 0
    if isinstance(suggested, bool) or not isinstance(suggested, int):
        raise InputTypeError(
            f"suggested must be a rating, a Certainty or None; got {suggested!r}"
        )
    return suggested


def record_grade(
    store: Store,
    outcome_id: str,
    timepoint: str,
    domain: str,
    rating: int,
    *,
    justification: str | None = None,
    decided_by: str,
    comparison: str = "",
    suggested: int | Certainty | None = None,
) -> None:
    """Store a reviewer's decision on one GRADE domain of an outcome.

    Parameters
    ----------
    store : Store
        The open ``review.db``.
    outcome_id, timepoint : str
        The outcome (an ``[[outcomes]]`` id of the protocol) and its timepoint.
    domain : str
        One of ``risk_of_bias``, ``inconsistency``, ``indirectness``,
        ``imprecision``, ``publication_bias`` (ratings 0, -1, -2) or
        ``large_effect``, ``dose_response``, ``plausible_confounding`` (0, 1, 2).
    rating : int
        The reviewer's rating.
    justification : str, optional
        Why. Required unless the rating confirms the suggestion.
    decided_by : str
        Who decided.
    comparison : str, default ""
        The comparison, when an outcome has several.
    suggested : int or Certainty, optional
        The suggestion decided on: a rating, or the certainty from
        :func:`assess_certainty` (its rating of ``domain``). Without one the
        suggestion is 0 (no concern), so any rating up or down needs a
        justification.

    Raises
    ------
    InputError
        For an unknown domain, a rating out of range, or an override (a rating
        other than the suggestion) without a justification.

    """
    outcome_id = _text("outcome_id", outcome_id, empty=False)
    timepoint = _text("timepoint", timepoint)
    comparison = _text("comparison", comparison)
    if domain not in DOMAINS:
        raise InputError(f"domain must be one of {', '.join(DOMAINS)}; got {domain!r}")
    rating = _rating(domain, rating)
    decided_by = _text("decided_by", decided_by, empty=False)
    note = None if justification is None else _text("justification", justification)
    expected = _suggestion(suggested, outcome_id, timepoint, domain)
    if rating != expected and not note:
        what = (
            "moves the certainty with no suggestion to confirm"
            if suggested is None
            else f"overrides the suggested {expected:+d}"
        )
        raise InputError(
            f"rating {rating:+d} of {domain} for {outcome_id!r} {what}: give a "
            "justification"
        )
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO grade_judgements (outcome_id, timepoint, comparison, domain,"
            " rating, justification, decided_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (outcome_id, timepoint, comparison, domain, rating, note or None,
             decided_by),
        )  # fmt: skip


def grade_judgements(store: Store, *, history: bool = False) -> pd.DataFrame:
    """Return the stored GRADE decisions: the current one per key, or all.

    Returns a DataFrame with columns ``outcome_id, timepoint, comparison,
    domain, rating, justification, decided_by, decided_at``, ordered by outcome,
    timepoint, comparison and domain (by time with ``history``).
    """
    cols = ", ".join(_COLUMNS)
    if history:
        sql = f"SELECT {cols} FROM grade_judgements ORDER BY id"
    else:
        sql = (
            f"SELECT {cols} FROM grade_judgements AS g WHERE g.id = (SELECT max(id)"
            " FROM grade_judgements WHERE outcome_id = g.outcome_id AND timepoint ="
            " g.timepoint AND comparison = g.comparison AND domain = g.domain)"
            " ORDER BY outcome_id, timepoint, comparison, domain"
        )
    frame = pd.read_sql_query(sql, store.conn).reindex(columns=list(_COLUMNS))
    note = frame["justification"].astype(object)
    frame["justification"] = note.where(note.notna(), None)
    return frame


def apply_judgements(
    certainty: Certainty, store: Store, comparison: str | None = None
) -> Certainty:
    """Return ``certainty`` with the stored decisions in place of the suggestions.

    A decided domain keeps its computed ``reason`` and gains the reviewer's
    rating, justification and name (``suggested`` False); a domain decided but
    not assessed (an upgrade of randomised evidence) is added.
    ``comparison`` defaults to the certainty's own.
    """
    if not isinstance(certainty, Certainty):
        raise InputTypeError(
            f"certainty must be a Certainty; got {type(certainty).__name__}"
        )
    comp = certainty.comparison if comparison is None else comparison
    cur = store.conn.execute(
        "SELECT domain, rating, justification, decided_by FROM grade_judgements"
        " WHERE outcome_id = ? AND timepoint = ? AND comparison = ? ORDER BY id",
        (certainty.outcome_id, certainty.timepoint, comp),
    )
    decided: dict[str, tuple[int, str | None, str]] = {
        str(domain): (int(rating), note, str(by)) for domain, rating, note, by in cur
    }  # the latest row per domain wins
    domains = []
    for d in certainty.domains:
        got = decided.pop(d.domain, None)
        if got is None:
            domains.append(d)
            continue
        rating, note, by = got
        domains.append(
            dataclasses.replace(
                d, rating=rating, suggested=False, justification=note, decided_by=by
            )
        )
    for name in DOMAINS:
        if name in decided:
            rating, note, by = decided[name]
            domains.append(
                DomainRating(
                    domain=name, rating=rating, suggested=False,
                    reason="Judged by the reviewer.", justification=note,
                    decided_by=by,
                )
            )  # fmt: skip
    return dataclasses.replace(certainty, domains=tuple(domains), comparison=comp)
