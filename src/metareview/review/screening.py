"""Screening: append-only decisions, blinding, conflicts and their resolution.

Records are screened in two stages, title and abstract (``"ta"``) and then full
text (``"ft"``). Each decision (include / exclude / maybe, with an optional
reason and note) is an event of one reviewer at one stage; changing a decision
appends a new event, and undo appends a retraction, so history is never erased
(DESIGN.md §5). Only the first record of a duplicate cluster is screened.

Rules, derived from the events by :func:`outcomes`:

- With ``screening.reviewers_per_record = 2`` each record needs two
  reviewers; with 1, one, except a random sample of ``dual_fraction`` of the
  records (drawn per stage from a stored seed, see ``_screening_state.in_sample``)
  that needs two. Any reviewer who screens (role reviewer or owner, and not
  named in ``screening.resolved_by``) may take any record until it has the
  reviewers it needs.
- At title and abstract, "maybe" means "on to the full text": a conflict is
  exclude against include or maybe. At full text "maybe" is not final, a
  record with any "maybe" needs resolution, an exclusion needs one of the
  protocol's ``eligibility.fulltext_reasons``, and exclusions for different
  reasons conflict.
- Blinding: until the owner unblinds a stage, each reviewer sees only their
  own decisions; conflicts are listed and resolved only after unblinding, by
  a resolver (``screening.resolved_by``) or the owner, or by consensus of the
  record's reviewers. A resolution is an event too, and overrides.

:func:`outcomes`, :func:`export_decisions` (without ``viewer``) and the PRISMA
counts are the review's totals, for the owner: they take no viewer.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .._validate import InputError
from ._screening_blinding import (
    conflicts,
    is_unblinded,
    resolve,
    unblind,
    visible_decisions,
)
from ._screening_csv import export_decisions, import_decisions
from ._screening_events import (
    current_decisions,
    current_reviewers,
    duplicate_ids,
)
from ._screening_holds import hold, holders
from ._screening_order import records_frame, relevance_order
from ._screening_state import (
    DECISIONS,
    STAGES,
    decide,
    included_ids,
    needed,
    outcome_frame,
    sample_seed,
    screener,
    stage_name,
)
from .project import project_database
from .protocol import Protocol, load_protocol
from .store import Store, open_store

__all__ = [
    "DECISIONS",
    "QUEUE_COLUMNS",
    "STAGES",
    "Progress",
    "conflicts",
    "export_decisions",
    "import_decisions",
    "is_unblinded",
    "my_decisions",
    "next_record",
    "open_review",
    "outcomes",
    "progress",
    "queue",
    "record_decision",
    "resolve",
    "retract_decision",
    "stage_name",
    "unblind",
    "visible_decisions",
]

QUEUE_COLUMNS = [
    "id",
    "title",
    "abstract",
    "authors",
    "year",
    "journal",
    "keywords",
    "doi",
    "pmid",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Progress:
    """A reviewer's progress at a stage: records decided, of all theirs."""

    done: int
    total: int

    @property
    def remaining(self) -> int:
        """Records still to screen."""
        return self.total - self.done


@contextmanager
def open_review(folder: str | Path) -> Iterator[tuple[Store, Protocol]]:
    """Open a review project's database and protocol (``with`` closes the store).

    Raises :class:`InputError` when ``folder`` holds no ``review.db``, and
    :class:`~metareview.review.protocol.ProtocolError` for a bad ``review.toml``.
    """
    db = project_database(folder)
    protocol = load_protocol(folder)
    with open_store(db) as store:
        yield store, protocol


def record_decision(
    store: Store,
    protocol: Protocol,
    record_id: int,
    reviewer: str,
    stage: str,
    decision: str,
    *,
    reason: str | None = None,
    note: str | None = None,
) -> int:
    """Record a reviewer's decision on a record at a stage (one transaction).

    Parameters
    ----------
    store : Store
        The review database.
    protocol : Protocol
        The review's protocol (reviewers, screening rules, full-text reasons).
    record_id : int
        The record; it must not be linked as a duplicate of another.
    reviewer : str
        A reviewer of the protocol who screens (not a resolver only).
    stage : str
        ``"ta"``/``"title_abstract"`` or ``"ft"``/``"full_text"``; a record is
        eligible for full text when its title/abstract outcome is included.
    decision : {"include", "exclude", "maybe"}
        The decision.
    reason : str, optional
        Why; at full text an exclusion needs one of
        ``eligibility.fulltext_reasons``.
    note : str, optional
        Free text for the reviewer.

    Returns
    -------
    int
        The id of the new event. A reviewer's latest decision is the current
        one; earlier ones stay in the history.

    Raises
    ------
    InputError
        When any of the rules above is broken, or the record already has all
        the reviewers it needs at the stage.

    """
    stage = stage_name(stage)
    with store.transaction() as conn:
        return decide(
            conn,
            protocol,
            int(record_id),
            reviewer,
            stage,
            decision,
            reason=reason,
            note=note,
        )


def retract_decision(
    store: Store, protocol: Protocol, record_id: int, reviewer: str, stage: str
) -> int:
    """Undo a reviewer's current decision on a record: append a retraction.

    The record goes back to the reviewer's queue. Returns the event id; raises
    :class:`InputError` when the reviewer has no current decision there.
    """
    stage = stage_name(stage)
    screener(protocol, reviewer)
    with store.transaction() as conn:
        current = current_decisions(conn, stage, record_id=record_id, reviewer=reviewer)
        if current.empty:
            raise InputError(
                f"reviewer {reviewer!r} has no decision on record {record_id} at "
                f"{stage} to undo"
            )
        cur = conn.execute(
            "INSERT INTO screening_events (record_id, reviewer, stage, kind)"
            " VALUES (?, ?, ?, 'retraction')",
            (int(record_id), reviewer, stage),
        )
        return int(cur.lastrowid or 0)


def my_decisions(store: Store, reviewer: str, stage: str) -> pd.DataFrame:
    """One reviewer's current decisions at a stage.

    Columns record_id, decision, reason, note, decided_at, by record.
    """
    frame = current_decisions(store.conn, stage_name(stage), reviewer=reviewer)
    return frame.drop(columns="reviewer").reset_index(drop=True)


#: The last :func:`_open_ids` of each open store, with the state it was derived
#: from (one entry per store, dropped with it).
_open_memo: weakref.WeakKeyDictionary[
    Store, tuple[tuple[object, ...], tuple[int, ...], int]
] = weakref.WeakKeyDictionary()


def _open_ids(
    store: Store, protocol: Protocol, reviewer: str, stage: str
) -> tuple[list[int], int]:
    """Ids still to screen by ``reviewer`` (in id order), and the number done.

    One pass over the eligible ids with each record's current reviewers
    (:func:`~._screening_events.current_reviewers`, kept up to date from the
    events added since the last request). The answer is kept for the store until its
    database changes (``PRAGMA data_version`` counts the other connections'
    commits, ``total_changes`` this one's), so a page that asks for the queue
    and the progress derives the state once.
    """
    conn = store.conn
    s = protocol.screening
    version = conn.execute("PRAGMA data_version").fetchone()[0]
    rules = (s.reviewers_per_record, s.dual_fraction, s.seed)
    key: tuple[object, ...] = (reviewer, stage, version, conn.total_changes, rules)
    kept = _open_memo.get(store)
    if kept is not None and kept[0] == key:
        return list(kept[1]), kept[2]
    result = _derive_open_ids(store, protocol, reviewer, stage)
    _open_memo[store] = (key, tuple(result[0]), result[1])
    return result


def _derive_open_ids(
    store: Store, protocol: Protocol, reviewer: str, stage: str
) -> tuple[list[int], int]:
    conn = store.conn
    if stage == "title_abstract":  # the records not linked as duplicates
        duplicates = duplicate_ids(conn)
        ids = records_frame(store, QUEUE_COLUMNS)["id"].tolist()
        eligible = [rid for rid in ids if rid not in duplicates]
    else:
        eligible = included_ids(conn, protocol)
    seed_ = sample_seed(conn, protocol)
    fixed = needed(protocol, None, stage, 0) if seed_ is None else None
    open_, done, nobody = [], 0, frozenset[str]()
    with current_reviewers(store, stage) as reviewers:
        for rid in eligible:
            who = reviewers.get(rid, nobody)
            if reviewer in who:
                done += 1
            elif len(who) < (fixed or needed(protocol, seed_, stage, rid)):
                open_.append(rid)
    return open_, done


def queue(
    store: Store,
    protocol: Protocol,
    reviewer: str,
    stage: str,
    *,
    limit: int | None = None,
) -> pd.DataFrame:
    """Return the records a reviewer still has to screen at a stage, in order.

    A record is in the queue when it is eligible at the stage, the reviewer
    has not decided on it, and it still needs a reviewer. Columns are
    :data:`QUEUE_COLUMNS`. At title and abstract the order is by predicted
    relevance, learnt from the reviewer's own decisions once there is one
    include and one exclude (``_screening_order``); id order before that and at
    full text. Records that other reviewers hold (:func:`next_record`) and
    that need no reviewer beyond them come after the others. ``limit`` keeps
    only the first records (the text of the others is not read): ``limit=1``
    is the next record.
    """
    stage = stage_name(stage)
    screener(protocol, reviewer)
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, int) or limit < 0
    ):
        raise InputError(f"limit must be a non-negative integer or None; got {limit!r}")
    order = _held_last(
        store, protocol, reviewer, stage, _order(store, protocol, reviewer, stage)
    )
    return _rows(store, order if limit is None else order[:limit])


def next_record(
    store: Store,
    protocol: Protocol,
    reviewer: str,
    stage: str,
    *,
    last: Sequence[int] = (),
    lock: AbstractContextManager[object] | None = None,
) -> pd.DataFrame:
    """Return the reviewer's next record (one row, none when done) and hold it.

    The first record of :func:`queue`, held for the reviewer for
    ``_screening_holds.HOLD_MINUTES`` (10) minutes or until they decide it:
    the other reviewers' queues put it last while its reviewers and holders
    are all it needs. A server passes one ``lock`` for all its
    reviewers: the record is picked and held under it, so that two reviewers
    asking at once are not both given the last place on a record (and the
    rankings of simultaneous requests are computed one after the other, not
    competing for the interpreter). Records in ``last`` (a session's skipped
    records, in the order skipped) come after all the others.
    """
    stage = stage_name(stage)
    screener(protocol, reviewer)
    with lock or nullcontext():
        order = _order(store, protocol, reviewer, stage)
        order = _held_last(store, protocol, reviewer, stage, order)
        if last:
            later = set(last)
            open_ = set(order)
            order = [r for r in order if r not in later]
            order += [r for r in dict.fromkeys(last) if r in open_]
        order = order[:1]
        if order:
            with store.transaction() as conn:
                hold(conn, order[0], reviewer, stage)
    return _rows(store, order)


def _order(store: Store, protocol: Protocol, reviewer: str, stage: str) -> list[int]:
    ids, _ = _open_ids(store, protocol, reviewer, stage)
    return relevance_order(ids, store=store, reviewer=reviewer, stage=stage)


def _rows(store: Store, ids: list[int]) -> pd.DataFrame:
    records = records_frame(store, QUEUE_COLUMNS)
    at = pd.Index(records["id"]).get_indexer(ids)
    return records.iloc[at].reset_index(drop=True)


def _held_last(
    store: Store, protocol: Protocol, reviewer: str, stage: str, order: list[int]
) -> list[int]:
    """Move the records others hold that need no reviewer beyond them to the end."""
    held = holders(store.conn, stage, reviewer)
    if not held:
        return order
    seed_ = sample_seed(store.conn, protocol)
    with current_reviewers(store, stage) as reviewers:
        full = set()
        for rid, who in held.items():
            if len(reviewers.get(rid, frozenset()) | who) >= needed(
                protocol, seed_, stage, rid
            ):
                full.add(rid)
    if not full:
        return order
    return [r for r in order if r not in full] + [r for r in order if r in full]


def progress(store: Store, protocol: Protocol, reviewer: str, stage: str) -> Progress:
    """How many records a reviewer has decided at a stage, of all theirs."""
    stage = stage_name(stage)
    screener(protocol, reviewer)
    ids, done = _open_ids(store, protocol, reviewer, stage)
    return Progress(done=done, total=done + len(ids))


def outcomes(store: Store, protocol: Protocol, stage: str) -> pd.DataFrame:
    """Return the outcome of each record eligible at a stage.

    Returns
    -------
    pandas.DataFrame
        record_id; status "included", "excluded", "conflict" or "pending"
        (fewer reviewers than needed); the final decision and reason; how it
        was decided ("agreement", "single" or "resolution"); the number of
        reviewers who decided and the number needed.

    """
    return outcome_frame(store.conn, protocol, stage_name(stage))
