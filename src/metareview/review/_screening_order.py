"""The order of a reviewer's screening queue: by predicted relevance.

A reviewer's queue at title and abstract is ranked by a classifier trained on
that reviewer's own decisions only (include or maybe 1, exclude 0; blinding
holds: nobody's ranking learns from another's decisions), retrained whenever
their decisions change, as soon as they have at least one of each. Until then,
and at full text, records come in id order. See
:func:`metareview.review.priority.rank_records`.

The records' fields (:func:`records_frame`) are read and the TF-IDF features
of a record set fitted once, and kept while the set is unchanged (records are
only ever added); the ranking of a reviewer is kept until their decisions
change, so a page that asks for the queue again does not refit, and a request
reads only the ids it needs.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import pandas as pd

from ._screening_events import current_rows
from .store import Store

if TYPE_CHECKING:
    from .priority import Ranker

K = TypeVar("K")
V = TypeVar("V")

_LABELS = {"include": 1, "maybe": 1, "exclude": 0}
_KEEP = 8  # rankers and rankings kept (one process serves one or a few reviews)
_TEXT = ["id", "title", "abstract", "keywords"]
_frames: dict[tuple[object, ...], pd.DataFrame] = {}
_rankers: dict[tuple[object, ...], Ranker] = {}  # by record set
_rankings: dict[tuple[object, ...], list[int]] = {}  # by record set and labels
_lock = threading.Lock()  # web requests run in threads (one fit of the features)


def relevance_order(
    ids: list[int], *, store: Store, reviewer: str, stage: str
) -> list[int]:
    """Return the record ids ``ids`` in queue order: by predicted relevance.

    Records the model cannot rank (fewer than one include and one exclude
    among the reviewer's decisions, or full text) keep id order. A ranking is
    kept until the reviewer's decisions change, so asking again costs a dict
    look-up.
    """
    base = sorted(ids)
    if stage != "title_abstract" or len(base) < 2:
        return base
    rows = current_rows(
        store.conn, stage, reviewer=reviewer, columns="e.record_id, e.decision"
    )
    labels = tuple((int(rid), _LABELS[d]) for rid, d in rows)
    if len({y for _, y in labels}) < 2:
        return base
    records = _records_key(store)
    key = (records, reviewer, stage, labels)
    ranking = _rankings.get(key)
    if ranking is None:
        ranking = _rank(store, records, dict(labels))
        with _lock:
            _remember(_rankings, key, ranking)
    wanted = set(base)
    out = [rid for rid in ranking if rid in wanted]
    if len(out) < len(base):  # not ranked: after the ranked ones, in id order
        ranked = set(out)
        out += [rid for rid in base if rid not in ranked]
    return out


def records_frame(store: Store, columns: list[str]) -> pd.DataFrame:
    """All records' ``columns`` (the first is ``id``), kept while the set is unchanged.

    Records are never deleted and only added, each import as a batch with the
    SHA-256 of its file, so the largest id and the batches identify the set; a
    request reads only those (an index look-up and a row per import).
    """
    return _frame(store, _records_key(store), columns)


def _records_key(store: Store) -> tuple[object, ...]:
    """Identify the record set: path, largest id and batches."""
    (top,) = store.conn.execute("SELECT max(id) FROM records").fetchone()
    batches = store.conn.execute(
        "SELECT group_concat(id || ':' || sha256, ',') FROM batches"
    ).fetchone()[0]
    return (str(store.path), int(top or 0), str(batches))


def _frame(
    store: Store, records: tuple[object, ...], columns: list[str]
) -> pd.DataFrame:
    key = (*records, tuple(columns))
    with _lock:
        frame = _frames.get(key)
        if frame is None:
            frame = pd.read_sql_query(
                f"SELECT {', '.join(columns)} FROM records ORDER BY id", store.conn
            )
            _remember(_frames, key, frame)
        return frame


def _rank(
    store: Store, records: tuple[object, ...], labels: dict[int, int]
) -> list[int]:
    ranker = _rankers.get(records)
    if ranker is None:
        frame = _frame(store, records, _TEXT)
        with _lock:  # one fit of the features per record set
            ranker = _rankers.get(records)
            if ranker is None:
                from .priority import Ranker

                ranker = Ranker(frame.set_index("id"))
                _remember(_rankers, records, ranker)
    pos = ranker.ids.get_indexer(pd.Index(list(labels)))
    y = np.fromiter(labels.values(), dtype=np.int64, count=len(labels))
    known = pos >= 0
    if len(set(y[known].tolist())) < 2:
        return []
    rows, _ = ranker.order(pos[known], y[known], rng=0)
    return ranker.ids.to_numpy()[rows].tolist()


def _remember(cache: dict[K, V], key: K, value: V) -> None:
    cache[key] = value
    while len(cache) > _KEEP:
        cache.pop(next(iter(cache)))
