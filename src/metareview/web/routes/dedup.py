"""Duplicates: the owner runs deduplication and decides the uncertain pairs.

:func:`metareview.review.intake.dedup_project` links the duplicates it is sure
of (never deleting); the pairs it is unsure of are shown side by side, and
"same" / "different" go to :func:`~metareview.review.intake.decide_pair`. The
pairs of the last run are kept in memory; running again is harmless (links
already made are not repeated, a person's decisions stand).
"""

from __future__ import annotations

import threading
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..._json import plain
from ..._validate import MetareviewError
from ...review.intake import DedupSummary, decide_pair, dedup_project
from ...review.store import Store
from ..deps import OwnerActor, OwnerViewer, review_of
from ..render import flash, page

router = APIRouter()

SHOWN = ("title", "authors", "year", "journal", "volume", "pages", "doi", "database")


class LastRun:
    """The last deduplication's summary and the pairs skipped since."""

    def __init__(self) -> None:
        self.summary: DedupSummary | None = None
        self.skipped: set[tuple[int, int]] = set()
        self.lock = threading.Lock()


def _last(request: Request) -> LastRun:
    last: LastRun = request.app.state.dedup
    return last


def _shown(store: Store, ids: set[int]) -> pd.DataFrame:
    """Return the fields shown side by side (:data:`SHOWN`) of records ``ids``."""
    marks = ", ".join("?" * len(ids))
    return pd.read_sql_query(
        f"SELECT id, {', '.join(SHOWN)} FROM records WHERE id IN ({marks})",
        store.conn,
        params=[int(i) for i in ids],
        index_col="id",
    )


@router.get("/dedup")
def dedup(
    request: Request,
    user: OwnerViewer,
) -> Response:
    """Show the last run's counts and the pairs to decide, side by side."""
    review = review_of(request)
    last = _last(request)
    pairs: list[dict[str, Any]] = []
    with review.store() as store:
        decided = {
            int(r)
            for (r,) in store.conn.execute(
                "SELECT record_id FROM current_duplicates WHERE method = 'manual'"
            )
        }
        records = pd.DataFrame()
        if last.summary is not None:
            uncertain = last.summary.uncertain
            records = _shown(store, {*uncertain["i"], *uncertain["j"]})
        (n_records,) = store.conn.execute("SELECT count(*) FROM records").fetchone()
    if last.summary is not None:
        for row in last.summary.uncertain.to_dict("records"):
            i, j = int(row["i"]), int(row["j"])
            if j in decided or i in decided or (i, j) in last.skipped:
                continue
            if i not in records.index or j not in records.index:
                continue
            pairs.append(
                {
                    "i": i,
                    "j": j,
                    "confidence": float(row["confidence"]),
                    "reason": plain(row.get("reason")),
                    "left": {k: plain(records.at[i, k]) for k in SHOWN},
                    "right": {k: plain(records.at[j, k]) for k in SHOWN},
                }
            )
    return page(
        request,
        "dedup.html",
        user=user,
        summary=last.summary,
        pairs=pairs,
        fields=SHOWN,
        n_records=n_records,
    )


@router.post("/dedup/run")
async def run(
    request: Request,
    user: OwnerActor,
) -> Response:
    """Find duplicates and link the certain ones."""
    review = review_of(request)
    last = _last(request)
    try:
        summary = await run_in_threadpool(dedup_project, review.folder)
    except MetareviewError as exc:
        flash(user, str(exc), "error")
        return RedirectResponse("/dedup", status_code=303)
    with last.lock:
        last.summary = summary
        last.skipped = set()
    flash(
        user,
        f"{summary.records} records, {summary.clusters} unique; "
        f"{summary.linked} newly linked as duplicates; "
        f"{len(summary.uncertain)} pair(s) to check.",
    )
    return RedirectResponse("/dedup", status_code=303)


@router.post("/dedup/decide")
def decide(
    request: Request,
    user: OwnerActor,
    i: Annotated[int, Form()],
    j: Annotated[int, Form()],
    choice: Annotated[str, Form()] = "",
) -> Response:
    """Decide a pair: same record, different records, or skip for now."""
    review = review_of(request)
    last = _last(request)
    if choice == "skip":
        with last.lock:
            last.skipped.add((i, j))
        return RedirectResponse("/dedup", status_code=303)
    if choice not in ("same", "different"):
        flash(user, f"choice must be same, different or skip; got {choice!r}", "error")
        return RedirectResponse("/dedup", status_code=303)
    try:
        decide_pair(review.folder, i, j, same=choice == "same", reviewer=user.name)
    except MetareviewError as exc:
        flash(user, str(exc), "error")
    else:
        verb = "the same study" if choice == "same" else "different studies"
        flash(user, f"Records {i} and {j}: {verb}.")
    return RedirectResponse("/dedup", status_code=303)
