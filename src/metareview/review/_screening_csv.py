"""Screening decisions to and from CSV, for teams that screen elsewhere.

Columns: record_id, stage, reviewer, decision, reason, note, decided_at; an
export adds title and doi for the people reading it, and an import ignores
them. An import checks every row first (each error names the line and the
column) and then writes all rows in one transaction, or none.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from .._validate import InputError
from ._screening_blinding import is_unblinded
from ._screening_state import (
    DECISIONS,
    STAGES,
    check_reason,
    current_decisions,
    decide,
    screener,
    stage_name,
)
from .protocol import Protocol
from .store import Store

CSV_COLUMNS = [
    "record_id",
    "stage",
    "reviewer",
    "decision",
    "reason",
    "note",
    "decided_at",
]
REQUIRED = ("record_id", "stage", "reviewer", "decision")
FOR_HUMANS = ("title", "doi")
MAX_LISTED = 20  # errors listed in one message


def export_decisions(
    store: Store,
    path: str | Path,
    *,
    stage: str | None = None,
    viewer: str | None = None,
) -> int:
    """Write the current screening decisions to a CSV file.

    Parameters
    ----------
    store : Store
        The review database.
    path : str or pathlib.Path
        The CSV file to write (UTF-8).
    stage : str, optional
        Only this stage (``"ta"`` or ``"ft"``); by default both.
    viewer : str, optional
        Write only what this person may see: at a stage not yet unblinded,
        their own decisions. By default everything (the owner's export).

    Returns
    -------
    int
        The number of decisions written.

    """
    stages = STAGES if stage is None else (stage_name(stage),)
    titles = pd.read_sql_query("SELECT id, title, doi FROM records", store.conn)
    titles = titles.set_index("id")
    frames = []
    for s in stages:
        blinded = viewer is not None and not is_unblinded(store, s)
        frame = current_decisions(store.conn, s, reviewer=viewer if blinded else None)
        frame.insert(1, "stage", s)
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)[CSV_COLUMNS]
    out["title"] = out["record_id"].map(titles["title"])
    out["doi"] = out["record_id"].map(titles["doi"])
    out.to_csv(path, index=False, encoding="utf-8")
    return len(out)


Row = tuple[int, dict[str, object]]  # line, checked values


def import_decisions(store: Store, protocol: Protocol, path: str | Path) -> int:
    """Add the screening decisions of a CSV file, all of them or none.

    Every row is checked first: its columns (record_id a whole number, stage
    ``ta``/``ft`` or the canonical name, reviewer one of the protocol's
    screeners, decision include/exclude/maybe, a full-text exclusion reason
    from ``eligibility.fulltext_reasons``, decided_at an ISO 8601 time) and
    then, in one transaction, against the review (the record exists and is
    not a duplicate, is eligible at the stage, still needs a reviewer).
    Title/abstract rows are applied before full-text rows. A row equal to the
    reviewer's current decision is skipped, so importing a file twice adds
    nothing. Imported decisions are appended after the ones already stored,
    so they become the current ones.

    Returns
    -------
    int
        The number of decisions added.

    Raises
    ------
    InputError
        Naming the file, line and column of each problem; nothing is written.

    """
    path = Path(path)
    rows = _read(path, protocol)
    added = 0
    with store.transaction() as conn:
        for line, row in sorted(rows, key=lambda r: STAGES.index(str(r[1]["stage"]))):
            rid, reviewer, stage = row["record_id"], row["reviewer"], row["stage"]
            mine = current_decisions(
                conn, str(stage), record_id=int(str(rid)), reviewer=str(reviewer)
            )
            same = (row["decision"], row["reason"], row["note"])
            if (
                not mine.empty
                and tuple(mine.iloc[0][["decision", "reason", "note"]]) == same
            ):
                continue
            try:
                decide(conn, protocol, **row)  # type: ignore[arg-type]
            except InputError as exc:
                raise InputError(
                    f"{path}, line {line}: {exc}; nothing was imported"
                ) from None
            added += 1
    return added


def _read(path: Path, protocol: Protocol) -> list[Row]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} cannot be read: {exc}") from None
    reader = csv.reader(text.splitlines(keepends=True))
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [h for h in header if h not in (*CSV_COLUMNS, *FOR_HUMANS)]
    if missing or unknown:
        what = [f"missing column(s) {', '.join(missing)}"] if missing else []
        what += [f"unknown column(s) {', '.join(unknown)}"] if unknown else []
        raise InputError(
            f"{path}, line 1: {'; '.join(what)}; the columns are "
            f"{', '.join(CSV_COLUMNS)} (title, doi are ignored); nothing was imported"
        )
    rows: list[Row] = []
    problems: list[str] = []
    start = reader.line_num + 1
    for values in reader:
        line, start = start, reader.line_num + 1
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            problems.append(
                f"line {line}: {len(values)} fields, the header has {len(header)}"
            )
            continue
        cells = dict(zip(header, (v.strip() for v in values), strict=True))
        row, errors = _check_row(cells, protocol)
        problems += [f"line {line}, column {col}: {msg}" for col, msg in errors]
        if not errors:
            rows.append((line, row))
    if problems:
        more = len(problems) - MAX_LISTED
        listed = problems[:MAX_LISTED] + ([f"and {more} more"] if more > 0 else [])
        raise InputError(
            f"{path} has {len(problems)} problem(s); nothing was imported:\n"
            + "\n".join(listed)
        )
    return rows


def _check_row(
    cells: dict[str, str], protocol: Protocol
) -> tuple[dict[str, object], list[tuple[str, str]]]:
    errors: list[tuple[str, str]] = []
    row: dict[str, object] = {}

    def check(column: str, fn: object) -> None:
        try:
            row[column] = fn(cells.get(column, ""))  # type: ignore[operator]
        except (InputError, ValueError) as exc:
            errors.append((column, str(exc)))

    check("record_id", _whole)
    check("stage", stage_name)
    check("reviewer", lambda v: screener(protocol, v))
    check("decision", _decision)
    row["note"] = cells.get("note") or None
    row["reason"] = cells.get("reason") or None
    if not errors:
        check(
            "reason",
            lambda v: check_reason(protocol, row["stage"], row["decision"], v or None),  # type: ignore[arg-type]
        )
    check("decided_at", _time)
    return row, errors


def _whole(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InputError(f"must be a whole number; got {value!r}") from None


def _decision(value: str) -> str:
    if value not in DECISIONS:
        raise InputError(
            f"must be one of {', '.join(map(repr, DECISIONS))}; got {value!r}"
        )
    return value


def _time(value: str) -> str | None:
    """Write an ISO 8601 time as the store does (UTC, seconds); naive is UTC."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"must be an ISO 8601 time such as 2024-01-31T09:30:00Z; got {value!r}"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
