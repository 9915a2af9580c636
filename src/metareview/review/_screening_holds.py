"""Holds: a record shown to a reviewer is kept from the others for a few minutes.

When a team divides the records (more reviewers than each record needs), two
reviewers who ask for their next record at about the same time would be shown
the same one, and the later one would read it only to be told that it has its
reviewers. Showing a record therefore holds it for the reviewer for
:data:`HOLD_MINUTES`; the other reviewers' queues put a record whose current
reviewers and holders make up the reviewers it needs behind the others. A
reviewer holds one record per stage: the next record shown replaces the hold,
and deciding the record ends it. A hold says who is reading a record, never how
anyone decided.
"""

from __future__ import annotations

import sqlite3

HOLD_MINUTES = 10
_NOW = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"


def hold(conn: sqlite3.Connection, record_id: int, reviewer: str, stage: str) -> None:
    """Hold ``record_id`` for ``reviewer`` at ``stage`` (replacing their hold)."""
    conn.execute(
        "INSERT INTO screening_holds (reviewer, stage, record_id, until) VALUES"
        " (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?))"
        " ON CONFLICT (reviewer, stage) DO UPDATE SET"
        " record_id = excluded.record_id, until = excluded.until",
        (reviewer, stage, int(record_id), f"+{HOLD_MINUTES} minutes"),
    )


def release(
    conn: sqlite3.Connection, record_id: int, reviewer: str, stage: str
) -> None:
    """End ``reviewer``'s hold on ``record_id`` at ``stage``, if they hold it."""
    conn.execute(
        "DELETE FROM screening_holds WHERE reviewer = ? AND stage = ?"
        " AND record_id = ?",
        (reviewer, stage, int(record_id)),
    )


def holders(conn: sqlite3.Connection, stage: str, reviewer: str) -> dict[int, set[str]]:
    """Return the records others hold now at ``stage``, with who holds them."""
    rows = conn.execute(
        "SELECT record_id, reviewer FROM screening_holds WHERE stage = ?"
        f" AND reviewer != ? AND until > {_NOW}",
        (stage, reviewer),
    ).fetchall()
    out: dict[int, set[str]] = {}
    for rid, who in rows:
        out.setdefault(int(rid), set()).add(str(who))
    return out
