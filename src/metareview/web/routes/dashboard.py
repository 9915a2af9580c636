"""The dashboard: what to do next, for the owner and for each reviewer."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...review import screening as sc
from ...review.prisma import reviewer_stopping, screening_status
from ..auth import accounts
from ..deps import Viewer, review_of
from ..render import page
from .screening import FULL_TEXT_LOCKED, screen_block
from .status import blinded_status

router = APIRouter()


@router.get("/")
def dashboard(
    request: Request,
    user: Viewer,
) -> Response:
    """Show the user's tasks, progress per stage, and the review's state."""
    review = review_of(request)
    protocol = review.protocol()
    tasks: list[dict[str, Any]] = []
    with review.store() as store:
        counts = store.counts()
        for stage in sc.STAGES:
            why = screen_block(store, protocol, user, stage)
            if why == FULL_TEXT_LOCKED:
                tasks.append({"stage": stage, "progress": None})
            if why is not None:
                continue
            p = sc.progress(store, protocol, user.name, stage)
            guide = None
            if stage == sc.STAGES[0]:  # the user's own guide: nothing of others
                guide = reviewer_stopping(store, protocol, user.name)
            tasks.append({"stage": stage, "progress": p, "stopping": guide})
        status = screening_status(store, protocol, stopping=False, agreement=False)
        report = blinded_status(status)
        (linked,) = store.conn.execute(
            "SELECT count(*) FROM current_duplicates WHERE duplicate_of IS NOT NULL"
        ).fetchone()
        (deduped,) = store.conn.execute(
            "SELECT count(*) FROM duplicate_links"
        ).fetchone()
        people = accounts(store)
    return page(
        request,
        "dashboard.html",
        user=user,
        title=protocol.title,
        tasks=tasks,
        report=report,
        records=counts["records"],
        batches=counts["batches"],
        linked=linked,
        deduped=deduped > 0,
        reviewers=len(protocol.reviewers),
        accounts=sum(people.values()),
        resolver=user.name in protocol.screening.resolved_by,
    )
