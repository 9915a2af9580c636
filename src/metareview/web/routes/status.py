"""The review's status: PRISMA counts, records per status, agreement.

From :func:`metareview.review.prisma.screening_status`, with blinding: while a
stage is blinded, the split of its records into included, excluded and in
conflict (and the PRISMA boxes that follow from it) would tell a reviewer how
the others decided, so only the records complete and pending are shown, to
everyone, until the owner unblinds the stage.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ...review.prisma import screening_status
from ..deps import Viewer, review_of
from ..render import page

router = APIRouter()

#: PRISMA boxes that depend on each stage's decisions.
_PRISMA_BY_STAGE = {
    "title_abstract": ("excluded_screening", "sought", "assessed"),
    "full_text": ("excluded_fulltext", "included"),
}


def blinded_status(report: dict[str, Any]) -> dict[str, Any]:
    """Hide what a blinded stage's counts would reveal (see the module notes).

    While title and abstract is blinded, the full-text counts are hidden too:
    the records that reach full text are those the reviewers agreed on.
    """
    prisma = dict(report["prisma"])
    stages: dict[str, Any] = {}
    ta_blinded = not report["stages"]["title_abstract"]["unblinded"]
    for stage, entry in report["stages"].items():
        if entry["unblinded"] and not (stage == "full_text" and ta_blinded):
            stages[stage] = entry
            continue
        hidden = stage == "full_text" and ta_blinded
        complete = entry["included"] + entry["excluded"] + entry["conflict"]
        stages[stage] = {
            "unblinded": entry["unblinded"],
            "complete": None if hidden else complete,
            "pending": None if hidden else entry["pending"],
            "agreement": None,
        }
        for key in _PRISMA_BY_STAGE[stage]:
            prisma[key] = None
    return {"prisma": prisma, "stages": stages}


def _report(request: Request) -> dict[str, Any]:
    review = review_of(request)
    with review.store() as store:
        return blinded_status(
            screening_status(store, review.protocol(), stopping=False)
        )


@router.get("/status")
def status(
    request: Request,
    user: Viewer,
) -> Response:
    """PRISMA counts, records per status and agreement, as far as unblinded."""
    return page(request, "status.html", user=user, report=_report(request))


@router.get("/api/status")
def api_status(
    request: Request,
    user: Viewer,
) -> Response:
    """Return the same as JSON."""
    return JSONResponse(_report(request))
