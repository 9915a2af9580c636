"""Screening decisions to and from CSV, for teams that screen elsewhere.

Columns: record_id, stage, reviewer, decision, reason, note, decided_at; an
export adds title and doi for the people reading it. An import reads them too:
a row without record_id names its record by doi, pmid or title (record ids
depend on the order of import, bibliographic identifiers do not). Optional
columns ``kind`` (``decision``, the default; ``unblind``, the owner unblinding
the stage; or ``resolution``) and ``consensus`` (0 or 1) carry the unblinding
and the resolutions of conflicts. An import checks
every row first (each error names the line and the column) and then writes all
rows in one transaction, or none.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from .._validate import InputError
from ._screening_blinding import is_unblinded, resolve, unblind
from ._screening_events import (
    current_decisions,
    resolutions,
)
from ._screening_ids import IDENTIFIERS, identify
from ._screening_state import (
    DECISIONS,
    STAGES,
    check_reason,
    decide,
    is_owner,
    person,
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
REQUIRED = ("stage", "reviewer", "decision")
#: Optional columns of an import: the identifiers, the kind of row, consensus.
OPTIONAL = (*IDENTIFIERS, "kind", "consensus")
KINDS = ("decision", "unblind", "resolution")  # also the order they are applied
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


def import_decisions(
    store: Store,
    protocol: Protocol,
    path: str | Path,
    *,
    unblind_by: str | None = None,
) -> int:
    """Add the screening decisions and resolutions of a CSV file, all or none.

    Every row is checked first: its columns (stage ``ta``/``ft`` or the
    canonical name, reviewer one of the protocol's screeners, decision
    include/exclude/maybe, a full-text exclusion reason from
    ``eligibility.fulltext_reasons``, decided_at an ISO 8601 time) and its
    record. A row gives ``record_id``, or when that is blank names the record
    by ``doi`` (compared normalised: case, resolver prefix), else ``pmid``,
    else ``title`` (compared folded: case, accents, punctuation); an
    identifier that matches nothing falls through to the next one given. The
    records matched must belong to one duplicate cluster, whose first record
    is the one screened; otherwise the row is "not found" or "ambiguous".
    Then, in one transaction, the rows are checked against the review (the
    record is eligible at the stage, still needs a reviewer) and written:
    title/abstract decisions, title/abstract resolutions, full-text
    decisions, full-text resolutions, each in file order.

    A row with ``kind = resolution`` resolves the record's conflict as
    :func:`~metareview.review.screening.resolve` does: ``reviewer`` is who
    resolved (a resolver or an owner; with ``consensus = 1``, one of the
    record's reviewers) and the decision is include or exclude. Resolutions
    need the stage unblinded: either the file has a row with ``kind =
    unblind``, the stage and an owner as ``reviewer`` (no record, no
    decision), or ``unblind_by`` names an owner who unblinds each stage
    before its first resolution; so a file of a screening finished elsewhere
    imports in one step. Per stage, decisions are applied first, then the
    unblinding, then the resolutions.

    A row equal to the reviewer's current decision (or to the record's latest
    resolution) is skipped, so importing a file twice adds nothing. Imported
    decisions are appended after the ones already stored, so they become the
    current ones.

    Parameters
    ----------
    store : Store
        The review database.
    protocol : Protocol
        The review's protocol.
    path : str or pathlib.Path
        The CSV file (UTF-8, with or without BOM).
    unblind_by : str, optional
        An owner of the review who unblinds, during the import, each stage
        with a resolution row. Without it (or an ``unblind`` row), a
        resolution at a blinded stage is an error.

    Returns
    -------
    int
        The number of decisions and resolutions added.

    Raises
    ------
    InputError
        Naming the file, line and column of each problem; nothing is written.

    """
    path = Path(path)
    if unblind_by is not None:
        person(protocol, unblind_by, "unblind_by")
    rows, problems = _read(path, protocol)
    problems += identify(store, rows)
    _raise(path, sorted(problems, key=lambda msg: int(msg.split()[1].strip(",:"))))
    order = {(st, k): i for i, (st, k) in enumerate(
        (st, k) for st in STAGES for k in KINDS)}  # fmt: skip
    rows.sort(key=lambda r: order[(str(r[1]["stage"]), str(r[1]["kind"]))])
    added = 0
    with store.transaction() as conn:
        for line, row in rows:
            stage = str(row["stage"])
            try:
                if row["kind"] == "unblind":
                    added += not is_unblinded(store, stage)
                    unblind(store, protocol, stage, str(row["reviewer"]))
                elif row["kind"] == "resolution":
                    if unblind_by is not None and not is_unblinded(store, stage):
                        unblind(store, protocol, stage, unblind_by)
                    added += _resolution(store, protocol, row)
                else:
                    added += _decision_row(conn, protocol, row)
            except InputError as exc:
                raise InputError(
                    f"{path}, line {line}: {exc}; nothing was imported"
                ) from None
    return added


def _decision_row(conn: object, protocol: Protocol, row: dict[str, object]) -> int:
    """Append one decision unless it equals the reviewer's current one."""
    rid, reviewer, stage = int(str(row["record_id"])), row["reviewer"], row["stage"]
    mine = current_decisions(
        conn,  # type: ignore[arg-type]
        str(stage),
        record_id=rid,
        reviewer=str(reviewer),
    )
    same = (row["decision"], row["reason"], row["note"])
    if not mine.empty and tuple(mine.iloc[0][["decision", "reason", "note"]]) == same:
        return 0
    values = {k: v for k, v in row.items() if k not in ("kind", "consensus")}
    values["record_id"] = rid
    decide(conn, protocol, **values)  # type: ignore[arg-type]
    return 1


def _resolution(store: Store, protocol: Protocol, row: dict[str, object]) -> int:
    """Resolve one record's conflict unless the same resolution is the latest."""
    rid, stage = int(str(row["record_id"])), str(row["stage"])
    last = resolutions(store.conn, stage, rid).get(rid)
    wanted = (row["decision"], row["reason"], row["reviewer"], bool(row["consensus"]))
    if last is not None and (last.decision, last.reason, last.by, last.consensus) == (
        wanted
    ):
        return 0
    resolve(
        store,
        protocol,
        rid,
        stage,
        str(row["decision"]),
        by=str(row["reviewer"]),
        reason=row["reason"],  # type: ignore[arg-type]
        note=row["note"],  # type: ignore[arg-type]
        consensus=bool(row["consensus"]),
    )
    return 1


def _read(path: Path, protocol: Protocol) -> tuple[list[Row], list[str]]:
    """Return the rows that pass their checks, and the problems of the others."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} cannot be read: {exc}") from None
    reader = csv.reader(text.splitlines(keepends=True))
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in REQUIRED if c not in header]
    if not any(c in header for c in ("record_id", *IDENTIFIERS)):
        missing.insert(0, "record_id (or doi, pmid, title)")
    unknown = [h for h in header if h not in (*CSV_COLUMNS, *OPTIONAL)]
    if missing or unknown:
        what = [f"missing column(s) {', '.join(missing)}"] if missing else []
        what += [f"unknown column(s) {', '.join(unknown)}"] if unknown else []
        raise InputError(
            f"{path}, line 1: {'; '.join(what)}; the columns are "
            f"{', '.join(CSV_COLUMNS)} and optionally {', '.join(OPTIONAL)}; "
            "nothing was imported"
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
    return rows, problems


def _raise(path: Path, problems: list[str]) -> None:
    if problems:
        more = len(problems) - MAX_LISTED
        listed = problems[:MAX_LISTED] + ([f"and {more} more"] if more > 0 else [])
        raise InputError(
            f"{path} has {len(problems)} problem(s); nothing was imported:\n"
            + "\n".join(listed)
        )


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

    check("kind", _kind)
    if row.get("kind") == "unblind":
        return _unblind_row(cells, protocol)
    resolution = row.get("kind") == "resolution"
    if cells.get("record_id"):
        check("record_id", _whole)
    else:
        given = {k: cells[k] for k in IDENTIFIERS if cells.get(k)}
        if not given:
            errors.append(("record_id", "is blank, and so are doi, pmid and title: "
                           "give one of them to say which record"))  # fmt: skip
        row["record_id"] = given  # resolved against the store by identify
    check("stage", stage_name)
    if resolution:
        check("reviewer", lambda v: person(protocol, v, "reviewer"))
    else:
        check("reviewer", lambda v: screener(protocol, v))
    check("decision", _resolution_decision if resolution else _decision)
    check("consensus", _flag)
    if row.get("consensus") and not resolution:
        errors.append(("consensus", "is only used on rows of kind 'resolution'"))
    row["note"] = cells.get("note") or None
    row["reason"] = cells.get("reason") or None
    if not errors:
        check(
            "reason",
            lambda v: check_reason(protocol, row["stage"], row["decision"], v or None),  # type: ignore[arg-type]
        )
    check("decided_at", _time)
    if resolution and row.get("decided_at"):
        errors.append(("decided_at", "is not kept for a resolution; leave it blank"))
    return row, errors


def _unblind_row(
    cells: dict[str, str], protocol: Protocol
) -> tuple[dict[str, object], list[tuple[str, str]]]:
    """Check a row of kind unblind: a stage and an owner, nothing else."""
    errors: list[tuple[str, str]] = []
    row: dict[str, object] = {"kind": "unblind", "record_id": None}
    try:
        row["stage"] = stage_name(cells.get("stage", ""))
    except InputError as exc:
        errors.append(("stage", str(exc)))
    who = cells.get("reviewer", "")
    if not is_owner(protocol, who):
        errors.append(("reviewer", f"an unblind row is the owner's; got {who!r}"))
    row["reviewer"] = who
    for column in ("decision", "reason", "consensus", "decided_at"):
        if cells.get(column):
            errors.append((column, "is not used on a row of kind 'unblind'"))
    return row, errors


def _kind(value: str) -> str:
    value = value or "decision"
    if value not in KINDS:
        raise InputError(f"must be one of {', '.join(map(repr, KINDS))}; got {value!r}")
    return value


def _flag(value: str) -> bool:
    if value in ("", "0"):
        return False
    if value == "1":
        return True
    raise InputError(f"must be 0 or 1 (or blank); got {value!r}")


def _resolution_decision(value: str) -> str:
    if value not in ("include", "exclude"):
        raise InputError(
            f"a resolution's decision must be 'include' or 'exclude'; got {value!r}"
        )
    return value


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
