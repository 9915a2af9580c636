"""The order of a reviewer's screening queue: by predicted relevance.

A reviewer's queue at title and abstract is ranked by a classifier trained on
that reviewer's own decisions only (include or maybe 1, exclude 0; blinding
holds: nobody's ranking learns from another's decisions), retrained whenever
their decisions change, as soon as they have at least one of each. Until then,
and at full text, records come in id order. See
:func:`metareview.review.priority.rank_records`.

The TF-IDF features of a record set are fitted once and kept while the set is
unchanged; the ranking of a reviewer is kept until their decisions change, so a
page that asks for the queue again does not refit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import pandas as pd

from ._screening_state import current_decisions
from .store import Store

if TYPE_CHECKING:
    from .priority import Ranker

K = TypeVar("K")
V = TypeVar("V")

_LABELS = {"include": 1, "maybe": 1, "exclude": 0}
_KEEP = 8  # rankers and rankings kept (one process serves one or a few reviews)
_rankers: dict[tuple[str, int, int], Ranker] = {}
_rankings: dict[tuple[object, ...], list[int]] = {}


def relevance_order(
    candidates: pd.DataFrame, *, store: Store, reviewer: str, stage: str
) -> pd.DataFrame:
    """Return ``candidates`` (columns as the queue) by predicted relevance.

    Records the model cannot rank (fewer than one include and one exclude
    among the reviewer's decisions, or full text) keep id order.
    """
    base = candidates.sort_values("id", kind="stable").reset_index(drop=True)
    if stage != "title_abstract" or len(base) < 2:
        return base
    mine = current_decisions(store.conn, stage, reviewer=reviewer)
    labels = mine.set_index("record_id")["decision"].map(_LABELS)
    if labels.nunique() < 2:
        return base
    key = (str(store.path), reviewer, stage, tuple(labels.items()))
    order = _rankings.get(key)
    if order is None:
        order = _rank(store, labels)
        _remember(_rankings, key, order)
    position = {rid: i for i, rid in enumerate(order)}
    rank = base["id"].map(position).fillna(len(position))
    return base.iloc[rank.argsort(kind="stable")].reset_index(drop=True)


def _rank(store: Store, labels: pd.Series) -> list[int]:
    from .priority import Ranker

    records = pd.read_sql_query(
        "SELECT id, title, abstract, keywords FROM records ORDER BY id",
        store.conn,
        index_col="id",
    )
    key = (str(store.path), len(records), int(records.index.max()))
    ranker = _rankers.get(key)
    if ranker is None:
        ranker = Ranker(records)
        _remember(_rankers, key, ranker)
    labels = labels[labels.index.isin(records.index)].astype(int)
    return [int(i) for i in ranker.rank(labels, rng=0).index]


def _remember(cache: dict[K, V], key: K, value: V) -> None:
    cache[key] = value
    while len(cache) > _KEEP:
        cache.pop(next(iter(cache)))
