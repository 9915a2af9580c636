"""Per-request access to the review: a pooled SQLite connection, the protocol.

A request borrows a connection to ``review.db`` from a small pool (opened by
:func:`~metareview.review.store.open_store`: WAL, busy timeout) and gives it
back afterwards, so a request does not pay for opening, configuring and
closing one (closing the last connection also checkpoints the WAL). The
connection is in autocommit mode and each write is its own short transaction
(``BEGIN IMMEDIATE`` ... ``COMMIT``), so a borrowed connection sees every
commit made before it; one given back inside a transaction is rolled back. A
write that still finds the database locked after the busy timeout is tried
again by :meth:`Store.transaction <metareview.review.store.Store.transaction>`,
and opening a connection here. The protocol is read again only when
``review.toml`` changes.
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
from ..review.store import Store, is_locked, open_store

T = TypeVar("T")

RETRIES = 4  # attempts to open the database while it is locked
RETRY_WAIT_S = 0.05  # first wait between attempts; doubled each time
POOL_SIZE = 8  # idle connections kept; more are opened under load, then closed


@dataclass(slots=True)
class Review:
    """The project a web app serves, and its cached protocol."""

    folder: Path
    max_upload_bytes: int
    _protocol: tuple[tuple[int, int], Protocol] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _idle: list[Store] = field(default_factory=list)
    #: Held while a reviewer's next record is picked and held for them.
    picking: threading.Lock = field(default_factory=threading.Lock)

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
        """Lend a connection to ``review.db`` for one request (given back on exit)."""
        with self._lock:
            store = self._idle.pop() if self._idle else None
        if store is None:
            path = self.folder / DATABASE
            store = retry(lambda: open_store(path, check_same_thread=False))
        try:
            yield store
        finally:
            self._give_back(store)

    def _give_back(self, store: Store) -> None:
        try:
            if store.conn.in_transaction:  # never: transactions end themselves
                store.conn.execute("ROLLBACK")
        except sqlite3.Error:
            store.close()
            return
        with self._lock:
            if len(self._idle) < POOL_SIZE:
                self._idle.append(store)
                return
        store.close()

    def close(self) -> None:
        """Close the idle connections (the app calls it when the server stops)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for store in idle:
            store.close()


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
