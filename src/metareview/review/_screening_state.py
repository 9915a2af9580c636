"""Screening state derived from the events: current decisions, samples, outcomes.

Everything here reads ``screening_events`` (append-only) and derives: a
reviewer's current decision on a record at a stage is their latest decision or
retraction there (a retraction means none); a record's latest resolution
overrides its reviewers' decisions. :func:`decide` is the one writer of
decisions, shared by :func:`~metareview.review.screening.record_decision` and
the CSV import.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import sqlite3
from collections.abc import Iterable

import pandas as pd

from .._validate import InputError
from ._screening_events import (
    Resolution,
    current_rows,
    duplicate_ids,
    resolutions,
    unique_ids,
)
from ._screening_holds import release
from .protocol import Protocol

STAGES = ("title_abstract", "full_text")
DECISIONS = ("include", "exclude", "maybe")
STATUSES = ("included", "excluded", "conflict", "pending")
_ALIASES = {"ta": "title_abstract", "ft": "full_text"}
SEED_KEY = "screening.seed"


def stage_name(stage: str) -> str:
    """Return the canonical name of a screening stage.

    Parameters
    ----------
    stage : str
        ``"ta"`` or ``"title_abstract"``; ``"ft"`` or ``"full_text"``
        (case and ``-`` for ``_`` do not matter).

    Returns
    -------
    str
        ``"title_abstract"`` or ``"full_text"``.

    Examples
    --------
    >>> stage_name("ta"), stage_name("Full-Text")
    ('title_abstract', 'full_text')

    """
    key = str(stage).strip().lower().replace("-", "_") if isinstance(stage, str) else ""
    key = _ALIASES.get(key, key)
    if key not in STAGES:
        raise InputError(
            f"stage must be one of 'ta' ('title_abstract') or 'ft' ('full_text'); "
            f"got {stage!r}"
        )
    return key


def person(protocol: Protocol, name: str, what: str) -> str:
    """Return ``name`` if it is one of the protocol's reviewers, else raise."""
    names = [r.name for r in protocol.reviewers]
    if name not in names:
        raise InputError(
            f"{what} must be one of the reviewers in review.toml "
            f"({', '.join(map(repr, names))}); got {name!r}"
        )
    return name


def screener(protocol: Protocol, name: str) -> str:
    """Return ``name`` if that reviewer screens (is not a resolver only)."""
    person(protocol, name, "reviewer")
    if name in protocol.screening.resolved_by:
        raise InputError(
            f"reviewer {name!r} resolves conflicts (screening.resolved_by in "
            "review.toml) and does not screen"
        )
    return name


def is_owner(protocol: Protocol, name: str) -> bool:
    """Whether ``name`` is an owner of the review."""
    return any(r.name == name and r.role == "owner" for r in protocol.reviewers)


def seed(conn: sqlite3.Connection, protocol: Protocol) -> int:
    """Return the seed of the dual-screening sample (protocol's, else stored).

    Without ``screening.seed`` in the protocol, a seed is drawn once (from the
    operating system's entropy) and kept in ``review_settings``; the first one
    stored holds, so concurrent first uses agree.
    """
    if protocol.screening.seed is not None:
        return protocol.screening.seed
    sql = "SELECT value FROM review_settings WHERE key = ? ORDER BY id LIMIT 1"
    row = conn.execute(sql, (SEED_KEY,)).fetchone()
    if row is None:
        conn.execute(
            "INSERT INTO review_settings (key, value) VALUES (?, ?)",
            (SEED_KEY, str(secrets.randbits(62))),
        )
        row = conn.execute(sql, (SEED_KEY,)).fetchone()
    return int(row[0])


@functools.lru_cache(maxsize=1 << 17)
def in_sample(seed_: int, stage: str, record_id: int, fraction: float) -> bool:
    """Whether a record is in the dual-screening sample of a stage.

    Each record is drawn independently with probability ``fraction``
    (Bernoulli sampling): :math:`u = h / 2^{64} < f`, where :math:`h` is the
    first 8 bytes of SHA-256 of ``"{seed}:{stage}:{record_id}"``. The draw of
    a record never changes when records are added, and does not depend on the
    NumPy version.
    """
    digest = hashlib.sha256(f"{seed_}:{stage}:{record_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64 < fraction


def needed(protocol: Protocol, seed_: int | None, stage: str, record_id: int) -> int:
    """How many reviewers a record needs at a stage (1 or 2)."""
    s = protocol.screening
    if s.reviewers_per_record == 2:
        return 2
    if s.dual_fraction is not None and seed_ is not None:
        return 2 if in_sample(seed_, stage, record_id, s.dual_fraction) else 1
    return 1


def sample_seed(conn: sqlite3.Connection, protocol: Protocol) -> int | None:
    """Return the seed when the protocol samples records for dual screening."""
    s = protocol.screening
    if s.reviewers_per_record == 1 and s.dual_fraction is not None:
        return seed(conn, protocol)
    return None


def judge(
    stage: str,
    decisions: list[tuple[str, str | None]],
    needed_: int,
    resolution: Resolution | None,
) -> tuple[str, str | None, str | None, str | None]:
    """Judge one record: status, final decision, reason, how it was decided.

    ``decisions`` holds each reviewer's current ``(decision, reason)``. At title
    and abstract "maybe" counts as include (on to the full text); at full text
    "maybe" is not final, and exclusions for different reasons conflict (the
    flow diagram counts one reason per report). A resolution overrides.
    """
    if resolution is not None:
        status = "included" if resolution.decision == "include" else "excluded"
        return status, resolution.decision, resolution.reason, "resolution"
    if len(decisions) < needed_ or not decisions:
        return "pending", None, None, None
    how = "agreement" if len(decisions) > 1 else "single"
    if stage == "title_abstract":
        votes = {"exclude" if d == "exclude" else "include" for d, _ in decisions}
        if len(votes) > 1:
            return "conflict", None, None, None
        final = votes.pop()
        reasons = {r for d, r in decisions if d == "exclude"}
        reason = reasons.pop() if len(reasons) == 1 else None
        return ("included" if final == "include" else "excluded"), final, reason, how
    kinds = {d for d, _ in decisions}
    if kinds == {"include"}:
        return "included", "include", None, how
    reasons = {r for _, r in decisions}
    if kinds == {"exclude"} and len(reasons) == 1:
        return "excluded", "exclude", reasons.pop(), how
    return "conflict", None, None, None


OUTCOME_COLUMNS = [
    "record_id",
    "status",
    "decision",
    "reason",
    "how",
    "reviewers",
    "needed",
]


def outcome_frame(
    conn: sqlite3.Connection,
    protocol: Protocol,
    stage: str,
    *,
    ta: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return the outcome of each record eligible at ``stage`` (:func:`judge`).

    At full text, ``ta`` may pass the title/abstract outcomes already derived.
    """
    if stage == "title_abstract":
        ids: Iterable[int] = unique_ids(conn)
    else:
        if ta is None:
            ta = outcome_frame(conn, protocol, "title_abstract")
        ids = ta.loc[ta["status"] == "included", "record_id"].astype(int).tolist()
    by_record = _by_record(conn, stage)
    resolved = resolutions(conn, stage)
    seed_ = sample_seed(conn, protocol)
    rows = []
    for rid in ids:
        n = needed(protocol, seed_, stage, rid)
        decisions = by_record.get(rid, [])
        status, final, reason, how = judge(stage, decisions, n, resolved.get(rid))
        rows.append((rid, status, final, reason, how, len(decisions), n))
    return pd.DataFrame(rows, columns=OUTCOME_COLUMNS)


def _by_record(
    conn: sqlite3.Connection, stage: str
) -> dict[int, list[tuple[str, str | None]]]:
    """Each record's current ``(decision, reason)`` pairs at ``stage``."""
    by_record: dict[int, list[tuple[str, str | None]]] = {}
    rows = current_rows(conn, stage, columns="e.record_id, e.decision, e.reason")
    for rid, d, why in rows:
        by_record.setdefault(int(rid), []).append((d, why))
    return by_record


def included_ids(conn: sqlite3.Connection, protocol: Protocol) -> list[int]:
    """Ids of the records included at title and abstract (eligible at full text).

    The same rules as :func:`outcome_frame`, judged only for the records with a
    current decision or a resolution: any other record is pending.
    """
    stage = STAGES[0]
    by_record = _by_record(conn, stage)
    resolved = resolutions(conn, stage)
    duplicates = duplicate_ids(conn)
    seed_ = sample_seed(conn, protocol)
    out = []
    for rid in sorted((set(by_record) | set(resolved)) - duplicates):
        n = needed(protocol, seed_, stage, rid)
        decisions = by_record.get(rid, [])
        if judge(stage, decisions, n, resolved.get(rid))[0] == "included":
            out.append(rid)
    return out


def record_outcome(
    conn: sqlite3.Connection, protocol: Protocol, stage: str, record_id: int
) -> str | None:
    """One record's status at ``stage``, or None when it is not eligible there."""
    if stage == "full_text":
        if record_outcome(conn, protocol, "title_abstract", record_id) != "included":
            return None
    elif _duplicate_of(conn, record_id) is not None:
        return None
    columns = "e.decision, e.reason"
    rows = current_rows(conn, stage, record_id=record_id, columns=columns)
    decisions = [(d, r) for d, r in rows]
    n = needed(protocol, sample_seed(conn, protocol), stage, record_id)
    resolution = resolutions(conn, stage, record_id).get(record_id)
    return judge(stage, decisions, n, resolution)[0]


def _duplicate_of(conn: sqlite3.Connection, record_id: int) -> int | None:
    """Return the record that ``record_id`` is linked as a duplicate of, or None."""
    row = conn.execute(
        "SELECT duplicate_of FROM current_duplicates WHERE record_id = ?",
        (record_id,),
    ).fetchone()
    return None if row is None else row[0]


def check_record(conn: sqlite3.Connection, record_id: int) -> None:
    """Raise unless the record exists and is not a duplicate of another."""
    if conn.execute("SELECT 1 FROM records WHERE id = ?", (record_id,)).fetchone():
        first = _duplicate_of(conn, record_id)
        if first is not None:
            raise InputError(
                f"record {record_id} is a duplicate of record {first}; only the "
                f"first record of a duplicate cluster is screened (record {first})"
            )
        return
    raise InputError(f"record_id {record_id} is not a record of this review")


def check_reason(
    protocol: Protocol, stage: str, decision: str, reason: str | None
) -> str | None:
    """At full text an exclusion needs one of ``eligibility.fulltext_reasons``."""
    reason = reason.strip() or None if isinstance(reason, str) else reason
    if stage == "full_text" and decision == "exclude":
        allowed = protocol.eligibility.fulltext_reasons
        if not allowed:
            raise InputError(
                "excluding a full text needs a reason, but review.toml lists no "
                "eligibility.fulltext_reasons; add them first"
            )
        if reason not in allowed:
            raise InputError(
                "reason for excluding a full text must be one of "
                f"{', '.join(map(repr, allowed))} (eligibility.fulltext_reasons); "
                f"got {reason!r}"
            )
    return reason


def decide(
    conn: sqlite3.Connection,
    protocol: Protocol,
    record_id: int,
    reviewer: str,
    stage: str,
    decision: str,
    *,
    reason: str | None = None,
    note: str | None = None,
    decided_at: str | None = None,
) -> int:
    """Check one decision against the protocol and the state, and append it.

    Run it inside a transaction: the checks and the insert see one state.
    """
    screener(protocol, reviewer)
    if decision not in DECISIONS:
        raise InputError(
            f"decision must be one of {', '.join(map(repr, DECISIONS))}; "
            f"got {decision!r}"
        )
    check_record(conn, record_id)
    reason = check_reason(protocol, stage, decision, reason)
    if stage == "full_text":
        ta = record_outcome(conn, protocol, "title_abstract", record_id)
        if ta != "included":
            raise InputError(
                f"record {record_id} is not eligible for full-text screening: its "
                f"title/abstract outcome is {ta!r}, not 'included'"
            )
    reviewers = {
        str(who)
        for (who,) in current_rows(
            conn, stage, record_id=record_id, columns="e.reviewer"
        )
    }
    others = reviewers - {reviewer}
    n = needed(protocol, sample_seed(conn, protocol), stage, record_id)
    if reviewer not in reviewers and len(others) >= n:
        raise InputError(
            f"record {record_id} already has the {n} reviewer(s) it needs at "
            f"{stage} ({', '.join(sorted(others))})"
        )
    columns = "record_id, reviewer, stage, kind, decision, reason, note"
    values: list[object] = [record_id, reviewer, stage, "decision", decision]
    values += [reason, note or None]
    if decided_at is not None:
        columns += ", decided_at"
        values.append(decided_at)
    marks = ", ".join("?" * len(values))
    cur = conn.execute(
        f"INSERT INTO screening_events ({columns}) VALUES ({marks})", values
    )
    release(conn, record_id, reviewer, stage)
    return int(cur.lastrowid or 0)
