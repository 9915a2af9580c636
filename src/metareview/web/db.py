"""Per-request access to the review: one short SQLite connection, the protocol.

Each request opens ``review.db`` (:func:`~metareview.review.store.open_store`:
WAL, busy timeout), works and closes it; a write that still finds the database
locked after the busy timeout is retried a few times. The protocol is read again
only when ``review.toml`` changes.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from ..review.project import DATABASE, PROTOCOL
from ..review.protocol import Protocol, load_protocol
from ..review.store import Store, open_store

T = TypeVar("T")

RETRIES = 4  # attempts of a write that finds the database locked
RETRY_WAIT_S = 0.05  # first wait between attempts; doubled each time


@dataclass(slots=True)
class Review:
    """The project a web app serves, and its cached protocol."""

    folder: Path
    max_upload_bytes: int
    _protocol: tuple[tuple[int, int], Protocol] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def protocol(self) -> Protocol:
        """Return the protocol, read again when ``review.toml`` changed."""
        stat = (self.folder / PROTOCOL).stat()
        key = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if self._protocol is None or self._protocol[0] != key:
                self._protocol = (key, load_protocol(self.folder))
            return self._protocol[1]

    @contextmanager
    def store(self) -> Iterator[Store]:
        """Open ``review.db`` for one request (closed on exit)."""
        store = retry(lambda: open_store(self.folder / DATABASE))
        try:
            yield store
        finally:
            store.close()


def is_locked(exc: BaseException) -> bool:
    """Whether an SQLite error says the database is locked or busy."""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and (
        "locked" in text or "busy" in text
    )


def retry(work: Callable[[], T]) -> T:
    """Run ``work``; when SQLite reports "database is locked", wait and run again.

    Each transaction is all or nothing, so running it again is safe; the last
    attempt's error is raised.
    """
    wait = RETRY_WAIT_S
    for _ in range(RETRIES - 1):
        try:
            return work()
        except Exception as exc:
            if not (is_locked(exc) or is_locked(exc.__cause__ or exc)):
                raise
        time.sleep(wait)
        wait *= 2
    return work()
