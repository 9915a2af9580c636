"""Python access to ``review.db``, the working state of a review.

SQLite in WAL mode with foreign keys on and a busy timeout. The schema grows by
numbered migrations (:data:`MIGRATIONS`), applied in order and counted in
``PRAGMA user_version``. Records are never deleted: deduplication links a record
to the one it duplicates, and screening decisions are append-only events.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd

from .._validate import InputError
from ._store_schema import MIGRATIONS

__all__ = [
    "MIGRATIONS",
    "RECORD_FIELDS",
    "Store",
    "StoreError",
    "file_sha256",
    "open_store",
]

#: Normalised record fields, in column order (``raw`` holds the parsed source).
RECORD_FIELDS = (
    "position",
    "database",
    "original_id",
    "title",
    "abstract",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "keywords",
    "raw",
)

BUSY_TIMEOUT_MS = 5000  # writers wait this long for a lock before failing
BEGIN_ATTEMPTS = 4  # a transaction still finding the database locked tries again
BEGIN_WAIT_S = 0.05  # first wait between attempts; doubled each time


class StoreError(InputError):
    """``review.db`` cannot be opened, migrated or written as asked."""


def file_sha256(path: str | Path) -> str:
    """Return the SHA-256 hex digest of a file, read in chunks."""
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def open_store(path: str | Path, *, check_same_thread: bool = True) -> Store:
    """Open (creating and migrating if needed) the review database at ``path``.

    Parameters
    ----------
    path : str or pathlib.Path
        ``review.db`` itself, or the review folder that holds it.
    check_same_thread : bool, default True
        As in :func:`sqlite3.connect`: False lets the connection move between
        threads (a pool that lends it to one thread at a time).

    Returns
    -------
    Store
        Use it as a context manager; it closes the connection on exit.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d, open_store(d) as store:
    ...     store.schema_version == len(MIGRATIONS)
    True

    """
    path = Path(path)
    if path.is_dir():
        path = path / "review.db"
    try:
        conn = sqlite3.connect(
            path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=check_same_thread,
        )
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open {path}: {exc}") from None
    store = Store(conn, path)
    try:
        store._setup()
    except BaseException:
        conn.close()
        raise
    return store


def is_locked(exc: BaseException) -> bool:
    """Whether an SQLite error says the database is locked or busy."""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and (
        "locked" in text or "busy" in text
    )


class Store:
    """A connection to ``review.db``; create it with :func:`open_store`."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._depth = 0

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def _setup(self) -> None:
        self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self.conn.execute("PRAGMA foreign_keys = ON")
        self.conn.execute("PRAGMA synchronous = NORMAL")  # safe with WAL
        mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode != "wal":
            raise StoreError(f"{self.path}: cannot switch to WAL (journal_mode={mode})")
        self.migrate()

    @property
    def schema_version(self) -> int:
        """The number of migrations applied (``PRAGMA user_version``)."""
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> int:
        """Apply the migrations not yet applied, each in its own transaction.

        Returns
        -------
        int
            The schema version afterwards.

        """
        version = self.schema_version
        if version > len(MIGRATIONS):
            raise StoreError(
                f"{self.path} has schema version {version}, newer than this "
                f"metareview knows ({len(MIGRATIONS)}); upgrade metareview"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            try:
                self.conn.executescript(
                    f"BEGIN IMMEDIATE;\n{script}\n"
                    f"PRAGMA user_version = {number};\nCOMMIT;"
                )
            except sqlite3.Error as exc:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise StoreError(
                    f"{self.path}: migration {number} failed: {exc}"
                ) from exc
        return self.schema_version

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run the block in one transaction: all of it is written, or none.

        Nested use joins the outer transaction.
        """
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        self._begin()
        self._depth = 1
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")
        finally:
            self._depth = 0

    def require_record(self, record_id: int) -> None:
        """Raise :class:`InputError` unless ``record_id`` is a record of the review."""
        found = self.conn.execute(
            "SELECT 1 FROM records WHERE id = ?", (int(record_id),)
        ).fetchone()
        if found is None:
            raise InputError(f"record_id {record_id} is not a record of this review")

    def _begin(self) -> None:
        """Take the write lock (``BEGIN IMMEDIATE``), trying again while locked.

        In WAL mode a write finds the database locked only here, when it takes
        the lock: after the busy timeout, wait and try again a few times, so no
        caller needs its own retry.
        """
        wait = BEGIN_WAIT_S
        for attempt in range(BEGIN_ATTEMPTS):
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if attempt == BEGIN_ATTEMPTS - 1 or not is_locked(exc):
                    raise
            time.sleep(wait)
            wait *= 2

    def has_file(self, sha256: str) -> bool:
        """Whether a file with this SHA-256 digest was imported before."""
        row = self.conn.execute(
            "SELECT 1 FROM batches WHERE sha256 = ? LIMIT 1", (sha256,)
        ).fetchone()
        return row is not None

    def add_batch(
        self,
        *,
        path: str | Path,
        sha256: str,
        database: str,
        format: str,
        encoding: str,
        records: pd.DataFrame | Iterable[Mapping[str, Any]],
    ) -> int:
        """Record an imported file and all its records in one transaction.

        Parameters
        ----------
        path : str or pathlib.Path
            The file imported (kept as given, relative to the review folder).
        sha256 : str
            Its digest (:func:`file_sha256`); see :meth:`has_file`.
        database, format, encoding : str
            The source database, the file format and the text encoding read.
        records : pandas.DataFrame or iterable of mappings
            One row per record with the keys of :data:`RECORD_FIELDS`
            (missing keys are NULL; ``position`` defaults to the row number and
            ``database`` to ``database``). Lists in ``authors`` and
            ``keywords`` are stored joined by ``"; "``; ``raw`` is stored as JSON.

        Returns
        -------
        int
            The batch id. If any record fails, nothing is written.

        """
        rows = _rows(records)
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO batches (path, sha256, database, format, encoding,"
                " n_records) VALUES (?, ?, ?, ?, ?, ?)",
                (str(path), sha256, database, format, encoding, len(rows)),
            )
            batch_id = int(cur.lastrowid or 0)
            self.add_records(batch_id, rows, database=database)
        return batch_id

    def add_records(
        self,
        batch_id: int,
        records: pd.DataFrame | Iterable[Mapping[str, Any]],
        *,
        database: str | None = None,
    ) -> int:
        """Add records to a batch in one transaction (joins an open one).

        Returns
        -------
        int
            The number of records written.

        """
        rows = _rows(records)
        cols = ", ".join(RECORD_FIELDS)
        marks = ", ".join("?" * len(RECORD_FIELDS))
        values = [_record_values(i, row, database) for i, row in enumerate(rows)]
        with self.transaction() as conn:
            conn.executemany(
                f"INSERT INTO records (batch_id, {cols}) VALUES (?, {marks})",
                [(batch_id, *v) for v in values],
            )
        return len(values)

    def records(self) -> pd.DataFrame:
        """All records, one row each, with their batch's file path, by id."""
        return pd.read_sql_query(
            "SELECT r.*, b.path AS file FROM records AS r"
            " JOIN batches AS b ON b.id = r.batch_id ORDER BY r.id",
            self.conn,
            index_col="id",
        )

    def batches(self) -> pd.DataFrame:
        """All import batches, by id."""
        return pd.read_sql_query(
            "SELECT * FROM batches ORDER BY id", self.conn, index_col="id"
        )

    def counts(self) -> dict[str, int]:
        """Numbers of batches, records, and records per source database."""
        one = self.conn.execute
        out = {
            "batches": one("SELECT count(*) FROM batches").fetchone()[0],
            "records": one("SELECT count(*) FROM records").fetchone()[0],
        }
        for db, n in one(
            "SELECT database, count(*) FROM records GROUP BY database ORDER BY database"
        ):
            out[f"records[{db}]"] = n
        return out


def _rows(
    records: pd.DataFrame | Iterable[Mapping[str, Any]],
) -> list[Mapping[str, Any]]:
    if isinstance(records, pd.DataFrame):
        return records.to_dict("records")  # type: ignore[return-value]
    return list(records)


def _record_values(
    index: int, row: Mapping[str, Any], database: str | None
) -> tuple[Any, ...]:
    unknown = set(row) - set(RECORD_FIELDS)
    if unknown:
        raise StoreError(
            f"record {index}: unknown field(s) {', '.join(sorted(map(str, unknown)))};"
            f" allowed: {', '.join(RECORD_FIELDS)}"
        )
    out: list[Any] = []
    for field in RECORD_FIELDS:
        value = row.get(field)
        if _missing(value):
            value = None
        if field == "position" and value is None:
            value = index
        elif field == "database" and value is None:
            value = database
        elif field in ("authors", "keywords") and isinstance(value, list | tuple):
            value = "; ".join(map(str, value))
        elif field == "raw" and value is not None and not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False, default=str)
        elif field == "year" and value is not None:
            value = int(value)
        out.append(value)
    return tuple(out)


def _missing(value: object) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and value != value)
    )
