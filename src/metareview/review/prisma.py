"""PRISMA 2020 flow counts derived from the records, dedup links and screening.

:func:`prisma_counts` gives the mapping :func:`metareview.plots.prisma` draws;
:func:`pending_counts` gives what is not finished yet at each stage, which the
diagram does not show.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .._json import json_rows, plain
from ._screening_blinding import is_unblinded
from ._screening_events import (
    current_decisions,
    current_rows,
    duplicate_ids,
)
from ._screening_order import _LABELS
from ._screening_state import (
    STAGES,
    STATUSES,
    outcome_frame,
)
from .protocol import Protocol
from .store import Store

__all__ = [
    "NO_REASON",
    "pending_counts",
    "prisma_counts",
    "reviewer_stopping",
    "screening_status",
]

NO_REASON = "Reason not given"  # a full-text exclusion stored without a reason


def prisma_counts(store: Store, protocol: Protocol) -> dict[str, Any]:
    """Count the PRISMA 2020 flow of the review so far, as ``plots.prisma`` takes it.

    Parameters
    ----------
    store : Store
        The review database.
    protocol : Protocol
        The protocol (how many reviewers each record needs).

    Returns
    -------
    dict
        ``identified``: records per source database; ``duplicates_removed``:
        records linked as a duplicate of another; ``screened``: the unique
        records; ``excluded_screening``: excluded at title and abstract;
        ``sought`` and ``assessed``: included at title and abstract (every
        report sought is assessed; a full text that could not be obtained is
        excluded with a reason of the protocol's list); ``excluded_fulltext``:
        reason -> number of full texts excluded for it; ``included``: included
        at full text (one report per study). Records still pending or in
        conflict are counted by :func:`pending_counts`; while there are any the
        counts do not add up.

    Notes
    -----
    The boxes are those of Page et al. (2021, figure 1, new reviews with
    searches of databases and registers only).

    References
    ----------
    .. [1] Page MJ, McKenzie JE, Bossuyt PM, et al. The PRISMA 2020 statement:
       an updated guideline for reporting systematic reviews. BMJ
       2021;372:n71. doi:10.1136/bmj.n71

    """
    return _counts(store, *_flow(store, protocol))


def _flow(store: Store, protocol: Protocol) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the outcomes at title/abstract and at full text."""
    ta = outcome_frame(store.conn, protocol, STAGES[0])
    return ta, outcome_frame(store.conn, protocol, STAGES[1], ta=ta)


def _counts(store: Store, ta: pd.DataFrame, ft: pd.DataFrame) -> dict[str, Any]:
    conn = store.conn
    identified = {
        str(db): int(n)
        for db, n in conn.execute(
            "SELECT database, count(*) FROM records GROUP BY database ORDER BY database"
        )
    }
    duplicates = conn.execute(
        "SELECT count(*) FROM current_duplicates WHERE duplicate_of IS NOT NULL"
    ).fetchone()[0]
    sought = int((ta["status"] == "included").sum())
    excluded = ft[ft["status"] == "excluded"]
    reasons = excluded["reason"].fillna(NO_REASON).value_counts(sort=False)
    by_reason = {str(k): int(v) for k, v in sorted(reasons.items(), key=_by_count)}
    return {
        "identified": identified,
        "duplicates_removed": int(duplicates),
        "screened": len(ta),
        "excluded_screening": int((ta["status"] == "excluded").sum()),
        "sought": sought,
        "assessed": sought,
        "excluded_fulltext": by_reason,
        "included": int((ft["status"] == "included").sum()),
    }


def _by_count(item: tuple[object, int]) -> tuple[int, str]:
    return -int(item[1]), str(item[0])


def pending_counts(store: Store, protocol: Protocol) -> dict[str, dict[str, int]]:
    """Per stage, the records still pending (too few reviewers) or in conflict.

    Returns
    -------
    dict
        ``{"title_abstract": {"pending": n, "conflict": n}, "full_text": ...}``.

    """
    out = {}
    for stage, frame in zip(STAGES, _flow(store, protocol), strict=True):
        status = frame["status"]
        out[stage] = {k: int((status == k).sum()) for k in ("pending", "conflict")}
    return out


def screening_status(
    store: Store, protocol: Protocol, *, stopping: bool = True, agreement: bool = True
) -> dict[str, Any]:
    """Everything ``metareview status`` shows, as plain JSON-ready values.

    Returns
    -------
    dict
        ``prisma``: :func:`prisma_counts`; ``stages``: per stage, whether it is
        unblinded, the number of records per status (included, excluded,
        conflict, pending) and, for an unblinded stage, the agreement per
        reviewer pair (rows of
        :func:`metareview.review.agreement.agreement_table`; ``None`` while
        blinded, since agreement would reveal the reviewers' decisions);
        ``stopping``: per screening reviewer with decisions at title and
        abstract, the stopping guide on their decisions in the order made
        (:func:`metareview.review.priority.stopping_guide`: p-value of "recall
        below 95%", whether it is safe to stop, records still to screen);
        empty with ``stopping=False`` (the web app's pages, which do not show
        one reviewer another's guide, skip computing them). ``agreement=False``
        leaves the agreement tables out (None) for a page that does not show
        them.

    """
    from .agreement import agreement_table

    stages: dict[str, Any] = {}
    flow = _flow(store, protocol)
    for stage, frame in zip(STAGES, flow, strict=True):
        status = frame["status"]
        unblinded = is_unblinded(store, stage)
        entry: dict[str, Any] = {"unblinded": unblinded}
        entry |= {k: int((status == k).sum()) for k in STATUSES}
        entry["agreement"] = None
        if unblinded and agreement:
            table = agreement_table(current_decisions(store.conn, stage))
            entry["agreement"] = json_rows(table)
        stages[stage] = entry
    return {
        "prisma": _counts(store, *flow),
        "stages": stages,
        "stopping": _stopping(store, protocol) if stopping else {},
    }


def _stopping(store: Store, protocol: Protocol) -> dict[str, dict[str, Any]]:
    """Return the stopping guide of each screening reviewer at title and abstract."""
    duplicates = duplicate_ids(store.conn)
    out: dict[str, dict[str, Any]] = {}
    for reviewer in protocol.screeners:
        guide = _guide(store, protocol, reviewer, duplicates)
        if guide is not None:
            out[reviewer] = guide
    return out


def reviewer_stopping(
    store: Store, protocol: Protocol, reviewer: str
) -> dict[str, Any] | None:
    """One reviewer's stopping guide at title and abstract (None before any decision).

    The entry of ``stopping`` in :func:`screening_status` for ``reviewer``; it
    uses only their own decisions, so it may be shown to them while blinded.
    """
    return _guide(store, protocol, reviewer, duplicate_ids(store.conn))


def _guide(
    store: Store, protocol: Protocol, reviewer: str, duplicates: set[int]
) -> dict[str, Any] | None:
    from ._priority_stop import stopping_guide
    from .screening import progress

    current = dict(
        current_rows(
            store.conn,
            "title_abstract",
            reviewer=reviewer,
            columns="e.record_id, e.decision",
        )
    )
    if not current:
        return None
    rows = store.conn.execute(
        "SELECT record_id FROM screening_events WHERE stage = 'title_abstract'"
        " AND reviewer = ? AND kind = 'decision' GROUP BY record_id"
        " ORDER BY min(id)",
        (reviewer,),
    ).fetchall()
    # decisions on records still screened (not linked as duplicates since)
    order = [
        _LABELS[current[r]] for (r,) in rows if r in current and r not in duplicates
    ]
    total = progress(store, protocol, reviewer, "title_abstract").total
    guide = stopping_guide(order, total)
    return {
        "screened": guide.n_screened,
        "records": guide.n_records,
        "relevant": guide.n_relevant,
        "pval": plain(guide.pval),
        "stop": bool(guide.stop),
        "recall_lb": plain(guide.recall_lb),
        "n_more": guide.n_more,
    }
