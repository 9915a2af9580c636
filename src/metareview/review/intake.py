"""Bring database exports into a review project and link their duplicates.

``import_files`` reads every file first, once: the same bytes are hashed, parsed
and kept (nothing is written if any file is malformed). It keeps a copy of each in
``searches/`` (never modified afterwards) and adds them to ``review.db`` in one
transaction; a file imported before is refused unless ``force``.
``dedup_project`` runs ``find_duplicates`` over all records and appends a link
per duplicate record: records are never deleted (DESIGN.md §5).
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .._validate import InputError
from .dedup import find_duplicates
from .io import parse_records
from .io.export import write_records
from .project import project_database
from .store import Store, file_sha256, open_store

SEARCHES = "searches"


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """One imported file: where it is kept, its source, format and records."""

    file: str
    database: str
    format: str
    encoding: str
    records: int


@dataclass(frozen=True, slots=True, eq=False)
class DedupSummary:
    """Outcome of deduplication: counts, and the pairs a person should check."""

    records: int
    clusters: int
    linked: int
    uncertain: pd.DataFrame


def _store(folder: Path) -> Store:
    return open_store(project_database(folder))


def import_files(
    folder: str | Path,
    files: list[str | Path],
    *,
    database: str | None = None,
    force: bool = False,
    columns: Mapping[str, str | Sequence[str]] | None = None,
) -> list[ImportSummary]:
    """Import database exports into the project in ``folder``, all or nothing.

    Parameters
    ----------
    folder : str or path-like
        The review project (made by ``metareview init``).
    files : list of paths
        Exports in any format :func:`~metareview.review.io.read_records` reads.
    database : str, optional
        Source database of every file; by default the file's own database tag,
        else the file name without extension.
    force : bool
        Import a file again although a file with the same content was imported.
    columns : mapping of str to str or sequence of str, optional
        Which column holds which field, for CSV files (see
        :func:`~metareview.review.io.read_records`); every file must then be CSV.

    Returns
    -------
    list of ImportSummary

    """
    root = Path(folder)
    read = [_read(Path(f), columns) for f in files]
    with _store(root) as store:
        for f, _, sha, _ in read:
            if store.has_file(sha) and not force:
                raise InputError(
                    f"{f}: this file was imported before; nothing was imported "
                    "(use --force to import it again)"
                )
        kept = _targets(root, read)
        out = []
        with store.transaction():
            for (f, frame, sha, _), path in zip(read, kept, strict=True):
                summary = ImportSummary(
                    file=path.relative_to(root).as_posix(),
                    database=database or _database_of(frame, f),
                    format=str(frame.attrs.get("format", "")),
                    encoding=str(frame.attrs.get("encoding", "")),
                    records=len(frame),
                )
                store.add_batch(
                    path=summary.file,
                    sha256=sha,
                    database=summary.database,
                    format=summary.format,
                    encoding=summary.encoding,
                    records=_for_store(frame, summary.database),
                )
                out.append(summary)
            _copy(read, kept)  # last: if a copy fails, the transaction rolls back
    return out


_Read = tuple[Path, pd.DataFrame, str, bytes]


def _read(file: Path, columns: Mapping[str, str | Sequence[str]] | None) -> _Read:
    """Read ``file`` once: its records, the SHA-256 of its bytes, and the bytes."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {file}: {exc.strerror}") from None
    frame = parse_records(data, file, columns=columns)
    return file, frame, hashlib.sha256(data).hexdigest(), data


def _copy(read: list[_Read], kept: list[Path]) -> None:
    """Write the bytes that were parsed and hashed to ``searches/``."""
    done: list[Path] = []
    try:
        for (f, _, _, data), target in zip(read, kept, strict=True):
            if not target.exists():
                target.write_bytes(data)
                done.append(target)
                shutil.copystat(f, target)
    except OSError:
        for target in done:
            target.unlink(missing_ok=True)
        raise


def _targets(root: Path, read: list[_Read]) -> list[Path]:
    """Where each file is kept in ``searches/`` (an existing same copy is reused).

    A name already taken by other content, on disk or earlier in this batch, gets
    the first 8 hex digits of the file's SHA-256 appended.
    """
    searches = root / SEARCHES
    searches.mkdir(exist_ok=True)
    taken: dict[Path, str] = {}
    out = []
    for file, _, sha, _ in read:
        target = searches / file.name
        other = taken.get(target) or (file_sha256(target) if target.exists() else sha)
        if other != sha:
            target = searches / f"{file.stem}-{sha[:8]}{file.suffix}"
        taken[target] = sha
        out.append(target)
    return out


def _for_store(frame: pd.DataFrame, database: str) -> pd.DataFrame:
    """Rename the reader's columns as the store names them (``database``)."""
    out = frame.rename(columns={"source_database": "database"})
    if "database" in out.columns:
        out["database"] = out["database"].where(~_blank(out["database"]), database)
    return out


def _database_of(frame: pd.DataFrame, file: Path) -> str:
    if "source_database" in frame.columns:
        named = frame["source_database"]
        named = named[~_blank(named)]
        if len(named):
            return str(named.iloc[0])
    return file.stem


def _blank(values: pd.Series) -> pd.Series:
    """Whether each value is missing or only spaces."""
    return values.isna() | (values.astype(str).str.strip() == "")


def _current_links(store: Store) -> dict[int, int | None]:
    """Each linked record's current cluster (``None``: decided to stand alone)."""
    return dict(
        store.conn.execute(
            "SELECT record_id, duplicate_of FROM current_duplicates"
        ).fetchall()
    )


def dedup_project(folder: str | Path) -> DedupSummary:
    """Find duplicate records in the project and link them (never deleting)."""
    with _store(Path(folder)) as store:
        records = store.records()
        if records.empty:
            raise InputError(f"{folder}: no records imported yet")
        result = find_duplicates(_for_dedup(records))
        current = _current_links(store)
        # a person's decision stands: those records are not relinked
        decided = {
            int(r)
            for (r,) in store.conn.execute(
                "SELECT record_id FROM current_duplicates WHERE method = 'manual'"
            )
        }
        confidence = _confidence(result.pairs)
        pairs = zip(result.clusters.index, result.clusters, strict=True)
        links = [
            (rid, cid, confidence.get(rid, 1.0))
            for rid, cid in ((int(r), int(c)) for r, c in pairs)
            if rid != cid and current.get(rid) != cid and rid not in decided
        ]
        with store.transaction() as conn:
            conn.executemany(
                "INSERT INTO duplicate_links (record_id, duplicate_of, confidence,"
                " method, decided_by)"
                " VALUES (?, ?, ?, 'find_duplicates', 'metareview')",
                links,
            )
        return DedupSummary(
            records=len(records),
            clusters=int(result.clusters.nunique()),
            linked=len(links),
            uncertain=_with_titles(result.uncertain, records),
        )


def _for_dedup(records: pd.DataFrame) -> pd.DataFrame:
    out = records.copy()
    out["authors"] = [
        [a for a in str(x).split("; ") if a] if isinstance(x, str) else []
        for x in out["authors"]
    ]
    return out


def _confidence(pairs: pd.DataFrame) -> dict[int, float]:
    accepted = pairs[pairs["duplicate"]]
    best: dict[int, float] = {}
    for i, j, c in accepted[["i", "j", "confidence"]].itertuples(index=False):
        for r in (int(i), int(j)):
            best[r] = max(best.get(r, 0.0), float(c))
    return best


def _with_titles(pairs: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    titles: Any = records["title"]
    out = pairs.copy()
    out["title_i"] = [titles.get(i) for i in out["i"]]
    out["title_j"] = [titles.get(j) for j in out["j"]]
    return out


def export_records(
    folder: str | Path, out: str | Path, *, all_records: bool = False
) -> int:
    """Write the project's unique records (or all) to RIS, CSV or XLSX.

    A unique record is one not linked as a duplicate of another; ``all_records``
    writes every imported record. Returns the number written.
    """
    with _store(Path(folder)) as store:
        records = store.records()
        if not all_records:
            linked = {
                int(r)
                for (r,) in store.conn.execute(
                    "SELECT record_id FROM current_duplicates"
                    " WHERE duplicate_of IS NOT NULL"
                )
            }
            records = records[~records.index.isin(linked)]
    write_records(records, out)
    return len(records)


def decide_pair(
    folder: str | Path, i: int, j: int, *, same: bool, reviewer: str
) -> None:
    """Record a person's decision on a pair of records (appended, never erased).

    ``same=True`` links record ``j`` to the cluster of record ``i``;
    ``same=False`` makes ``j`` a record of its own if it was linked to ``i``'s
    cluster. Later runs of :func:`dedup_project` keep the decision.
    """
    if not reviewer.strip():
        raise InputError("reviewer must name the person deciding")
    with _store(Path(folder)) as store:
        known = {
            int(r)
            for (r,) in store.conn.execute(
                "SELECT id FROM records WHERE id IN (?, ?)", (i, j)
            )
        }
        missing = sorted({i, j} - known)
        if missing:
            raise InputError(f"no record with id {missing[0]} in {folder}")
        current = _current_links(store)
        cluster_i = current.get(i) or i
        with store.transaction() as conn:
            conn.execute(
                "INSERT INTO duplicate_links (record_id, duplicate_of, confidence,"
                " method, decided_by) VALUES (?, ?, 1.0, 'manual', ?)",
                (j, cluster_i if same and cluster_i != j else None, reviewer),
            )
