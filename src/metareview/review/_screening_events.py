"""Queries over the screening events: current decisions and resolutions.

A reviewer's current decision on a record at a stage is their latest decision
or retraction there (a retraction means none); a record's latest resolution
overrides its reviewers' decisions. Records linked as duplicates are not
screened.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

import pandas as pd

DECISION_COLUMNS = ["record_id", "reviewer", "decision", "reason", "note", "decided_at"]


def _current_sql(columns: str, where: list[str], tail: str = "") -> str:
    """Return the SQL of the current decisions (latest event, if a decision).

    ``where`` filters the events (``stage = ?`` first); ``tail`` is appended
    (``GROUP BY`` / ``ORDER BY``). The events of one (record, reviewer) are
    found through the index ``screening_events_record``.
    """
    return (
        f"SELECT {columns} FROM screening_events AS e JOIN (SELECT max(id) AS id"
        f" FROM screening_events WHERE kind != 'resolution' AND"
        f" {' AND '.join(where)} GROUP BY record_id, reviewer) AS last"
        f" ON last.id = e.id WHERE e.kind = 'decision'{tail}"
    )


def current_decisions(
    conn: sqlite3.Connection,
    stage: str,
    *,
    record_id: int | None = None,
    reviewer: str | None = None,
) -> pd.DataFrame:
    """Return the current decisions at ``stage``: latest per reviewer, not undone.

    Columns record_id, reviewer, decision, reason, note, decided_at, ordered by
    record and then by when the decision was made.
    """
    rows = current_rows(conn, stage, record_id=record_id, reviewer=reviewer)
    return pd.DataFrame(rows, columns=DECISION_COLUMNS)


def current_rows(
    conn: sqlite3.Connection,
    stage: str,
    *,
    record_id: int | None = None,
    reviewer: str | None = None,
    columns: str = "e.record_id, e.reviewer, e.decision, e.reason, e.note,"
    " e.decided_at",
) -> list[tuple[Any, ...]]:
    """:func:`current_decisions` as tuples of ``columns``, without pandas."""
    where, args = ["stage = ?"], [stage]
    if record_id is not None:
        where.append("record_id = ?")
        args.append(str(record_id))
    if reviewer is not None:
        where.append("reviewer = ?")
        args.append(reviewer)
    sql = _current_sql(columns, where, " ORDER BY e.record_id, e.id")
    return conn.execute(sql, args).fetchall()


def taken(
    conn: sqlite3.Connection, stage: str, reviewer: str
) -> dict[int, tuple[int, bool]]:
    """Return, per record decided at ``stage``, its number of reviewers.

    Values are (number of current reviewers, whether ``reviewer`` is one of
    them), from one grouped query; records nobody decided are absent.
    """
    sql = _current_sql(
        "e.record_id, count(*), max(e.reviewer = ?)",
        ["stage = ?"],
        " GROUP BY e.record_id",
    )
    rows = conn.execute(sql, (reviewer, stage)).fetchall()
    return {int(r): (int(n), bool(m)) for r, n, m in rows}


@dataclass(frozen=True, slots=True)
class Resolution:
    """The latest resolution of a record's conflict at a stage."""

    decision: str
    reason: str | None
    by: str
    consensus: bool


def resolutions(
    conn: sqlite3.Connection, stage: str, record_id: int | None = None
) -> dict[int, Resolution]:
    """Return the latest resolution per record at ``stage``."""
    only = "" if record_id is None else " AND record_id = ?"
    args: tuple[object, ...] = (stage,) if record_id is None else (stage, record_id)
    rows = conn.execute(
        "SELECT e.record_id, e.decision, e.reason, e.reviewer, e.consensus"
        " FROM screening_events AS e JOIN (SELECT max(id) AS id FROM"
        " screening_events WHERE kind = 'resolution' AND stage = ?"
        f"{only} GROUP BY record_id) AS last ON last.id = e.id",
        args,
    ).fetchall()
    return {int(r): Resolution(d, why, by, bool(c)) for r, d, why, by, c in rows}


def unique_ids(conn: sqlite3.Connection) -> list[int]:
    """Ids of the records screened: those not linked as a duplicate of another."""
    rows = conn.execute(
        "SELECT r.id FROM records AS r LEFT JOIN current_duplicates AS d"
        " ON d.record_id = r.id WHERE d.duplicate_of IS NULL ORDER BY r.id"
    ).fetchall()
    return [r for (r,) in rows]


def duplicate_ids(conn: sqlite3.Connection) -> set[int]:
    """Ids of the records linked as a duplicate of another (not screened)."""
    rows = conn.execute(
        "SELECT record_id FROM current_duplicates WHERE duplicate_of IS NOT NULL"
    ).fetchall()
    return {r for (r,) in rows}
