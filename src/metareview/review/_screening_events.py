"""Queries over the screening events: current decisions and resolutions.

A reviewer's current decision on a record at a stage is their latest decision
or retraction there (a retraction means none); a record's latest resolution
overrides its reviewers' decisions. Records linked as duplicates are not
screened.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Mapping, Set
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .store import Store

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


class _Reviewers:
    """The current reviewers of each record, per stage, as of event ``last``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last = 0  # id of the latest event applied
        self.check: tuple[Any, ...] | None = None  # that event, to spot a new file
        self.of: dict[str, dict[int, set[str]]] = {}

    def _clear(self) -> None:
        self.last, self.check, self.of = 0, None, {}

    def refresh(self, conn: sqlite3.Connection) -> None:
        """Apply the events after ``last`` (all of them for a different file)."""
        if self.last:
            row = conn.execute(
                "SELECT record_id, reviewer, stage, kind FROM screening_events"
                " WHERE id = ?",
                (self.last,),
            ).fetchone()
            if row != self.check:  # not the events seen before: start again
                self._clear()
        rows = conn.execute(
            "SELECT id, record_id, reviewer, stage, kind FROM screening_events"
            " WHERE id > ? ORDER BY id",
            (self.last,),
        ).fetchall()
        for _, rid, reviewer, stage, kind in rows:
            on = self.of.setdefault(stage, {})
            if kind == "decision":
                on.setdefault(int(rid), set()).add(reviewer)
            elif kind == "retraction":
                on.get(int(rid), set()).discard(reviewer)
        if rows:
            self.last = int(rows[-1][0])
            self.check = tuple(rows[-1][1:])


_REVIEWERS: dict[str, _Reviewers] = {}
_REVIEWERS_LOCK = threading.Lock()


@contextmanager
def current_reviewers(store: Store, stage: str) -> Iterator[Mapping[int, Set[str]]]:
    """Yield, per record decided at ``stage``, the reviewers of its current decisions.

    The events are append-only, so the answer is kept per database and brought
    up to date by reading only the events added since (the first call reads
    them all): the cost of a request does not grow with the review's history.
    The mapping is valid inside the ``with`` block only (it is locked there)
    and must not be changed.
    """
    with _REVIEWERS_LOCK:
        state = _REVIEWERS.setdefault(str(store.path), _Reviewers())
    with state.lock:
        state.refresh(store.conn)
        yield state.of.get(stage, {})


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
