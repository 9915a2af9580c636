"""Screening: one record at a time, the criteria beside it, decisions by key.

Thin over :mod:`metareview.review.screening`. A reviewer sees only their own
decisions until the owner unblinds a stage: every read of decisions here goes
through ``my_decisions`` or ``visible_decisions(viewer=...)``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from ..._json import json_rows
from ..._validate import InputError
from ...review import screening as sc
from ...review._screening_events import current_rows
from ...review.protocol import Protocol
from ...review.store import Store
from ...review.terms import highlight_terms, term_pattern
from ..auth import User
from ..db import Review
from ..deps import Actor, Viewer, review_of
from ..render import STAGE_LABELS, STAGE_SLUGS, flash, highlight, page
from ..security import Forbidden
from .people import assigned

router = APIRouter()


def stage_of(slug: str) -> str:
    """Return the stage a URL names (``ta`` or ``ft``); anything else is 404."""
    if slug not in ("ta", "ft"):
        raise HTTPException(status_code=404, detail=f"no screening stage {slug!r}")
    return sc.stage_name(slug)


#: Why full text waits: the records that reach it are those both reviewers
#: included, so seeing them would tell a reviewer how the others decided.
FULL_TEXT_LOCKED = (
    "full-text screening opens once the owner unblinds title and abstract "
    "screening (on the Conflicts page): until then, the records that reach full "
    "text would tell you how the other reviewers decided"
)


def screen_block(
    store: Store, protocol: Protocol, user: User, stage: str
) -> str | None:
    """Why ``user`` may not screen at ``stage`` now, or None when they may.

    Resolvers do not screen; once the owner assigns a stage, only those
    assigned screen it; full text opens when title and abstract is unblinded
    (:data:`FULL_TEXT_LOCKED`).
    """
    if user.name in protocol.screening.resolved_by:
        return (
            f"{user.name} resolves conflicts (screening.resolved_by in review.toml) "
            "and does not screen"
        )
    if not assigned(store, user.name, stage):
        return (
            f"{user.name} is not assigned to {STAGE_LABELS[stage].lower()} "
            "screening; the review's owner assigns stages on the People page"
        )
    if stage == sc.STAGES[1] and not sc.is_unblinded(store, sc.STAGES[0]):
        return FULL_TEXT_LOCKED
    return None


def may_screen(store: Store, protocol: Protocol, user: User, stage: str) -> None:
    """Raise :class:`Forbidden` unless ``user`` screens at ``stage`` now."""
    why = screen_block(store, protocol, user, stage)
    if why is not None:
        raise Forbidden(why)


def _patterns(protocol: Protocol) -> tuple[re.Pattern[str] | None, ...]:
    include, exclude = highlight_terms(protocol)
    return term_pattern(include), term_pattern(exclude)


def _next_record(
    review: Review, store: Store, protocol: Protocol, user: User, stage: str
) -> dict[str, Any] | None:
    """Return the user's next record, held for them (see ``sc.next_record``)."""
    q = sc.next_record(store, protocol, user.name, stage, lock=review.picking)
    return json_rows(q)[0] if len(q) else None


def _last_decision(store: Store, user: User, stage: str) -> dict[str, Any] | None:
    """Return the user's latest current decision at the stage (for undo)."""
    rows = current_rows(
        store.conn, stage, reviewer=user.name, columns="e.id, e.record_id, e.decision"
    )
    if not rows:
        return None
    _, rid, decision = max(rows)  # the decision made last, of those standing
    (title,) = store.conn.execute(
        "SELECT title FROM records WHERE id = ?", (int(rid),)
    ).fetchone()
    return {"record_id": int(rid), "decision": decision, "title": title}


@router.get("/screen/{slug}")
def screen(request: Request, user: Viewer, slug: str) -> Response:
    """Show the next record to screen, the criteria beside it, the progress."""
    stage = stage_of(slug)
    review = review_of(request)
    protocol = review.protocol()
    with review.store() as store:
        may_screen(store, protocol, user, stage)
        progress = sc.progress(store, protocol, user.name, stage)
        record = _next_record(review, store, protocol, user, stage)
        last = _last_decision(store, user, stage)
    inc, exc = _patterns(protocol)
    shown: dict[str, Any] = {}
    if record is not None:
        for key in ("title", "abstract", "keywords"):
            shown[key] = highlight(record.get(key), inc, exc)
    return page(
        request,
        "screen.html",
        user=user,
        stage=stage,
        slug=slug,
        record=record,
        shown=shown,
        progress=progress,
        last=last,
        inclusion=protocol.eligibility.inclusion,
        exclusion=protocol.eligibility.exclusion,
        reasons=protocol.eligibility.fulltext_reasons,
    )


def _decide(
    review: Review,
    user: User,
    stage: str,
    record_id: int,
    decision: str,
    reason: str | None,
    note: str | None,
) -> tuple[int, sc.Progress]:
    """Record the decision (committed before returning); the user's progress."""
    protocol = review.protocol()
    with review.store() as store:
        may_screen(store, protocol, user, stage)
        event = sc.record_decision(
            store,
            protocol,
            record_id,
            user.name,
            stage,
            decision,
            reason=reason or None,
            note=note or None,
        )
        return event, sc.progress(store, protocol, user.name, stage)


@router.post("/screen/{slug}/decide")
def decide(
    request: Request,
    user: Actor,
    slug: str,
    record_id: Annotated[int, Form()],
    decision: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """Record include / exclude / maybe on a record; show the next one."""
    stage = stage_of(slug)
    try:
        _decide(review_of(request), user, stage, record_id, decision, reason, note)
    except InputError as exc:
        flash(user, str(exc), "error")
    return RedirectResponse(f"/screen/{slug}", status_code=303)


@router.post("/screen/{slug}/undo")
def undo(
    request: Request,
    user: Actor,
    slug: str,
    record_id: Annotated[int, Form()],
    back: Annotated[str, Form()] = "",
) -> Response:
    """Take back a decision: the record returns to the queue."""
    stage = stage_of(slug)
    review = review_of(request)
    protocol = review.protocol()
    try:
        with review.store() as store:
            may_screen(store, protocol, user, stage)
            sc.retract_decision(store, protocol, record_id, user.name, stage)
        flash(user, f"Decision on record {record_id} undone; screen it again.")
    except InputError as exc:
        flash(user, str(exc), "error")
    target = f"/screen/{slug}/mine" if back == "mine" else f"/screen/{slug}"
    return RedirectResponse(target, status_code=303)


@router.get("/screen/{slug}/mine")
def mine(request: Request, user: Viewer, slug: str) -> Response:
    """List the user's own decisions at the stage (never anyone else's)."""
    stage = stage_of(slug)
    review = review_of(request)
    with review.store() as store:
        may_screen(store, review.protocol(), user, stage)
        frame = sc.my_decisions(store, user.name, stage)
        titles = dict(store.conn.execute("SELECT id, title FROM records").fetchall())
    rows = [{**r, "title": titles.get(r["record_id"])} for r in json_rows(frame)]
    return page(request, "mine.html", user=user, stage=stage, slug=slug, rows=rows)


# JSON endpoints (for scripts and the keyboard), same checks as the pages.


class DecisionIn(BaseModel):
    """A decision posted as JSON."""

    record_id: int
    decision: str
    reason: str | None = None
    note: str | None = None


def _progress_json(p: sc.Progress) -> dict[str, int]:
    return {"done": p.done, "total": p.total, "remaining": p.remaining}


@router.get("/api/screen/{slug}/next")
def api_next(request: Request, user: Viewer, slug: str) -> Response:
    """Return the next record of the user's queue and their progress."""
    stage = stage_of(slug)
    review = review_of(request)
    protocol = review.protocol()
    with review.store() as store:
        may_screen(store, protocol, user, stage)
        progress = sc.progress(store, protocol, user.name, stage)
        record = _next_record(review, store, protocol, user, stage)
    return JSONResponse({"record": record, "progress": _progress_json(progress)})


@router.post("/api/screen/{slug}/decide")
def api_decide(request: Request, user: Actor, slug: str, body: DecisionIn) -> Response:
    """Record a decision; the response comes after it is committed."""
    stage = stage_of(slug)
    try:
        event, progress = _decide(
            review_of(request),
            user,
            stage,
            body.record_id,
            body.decision,
            body.reason,
            body.note,
        )
    except InputError as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    return JSONResponse({"event": event, "progress": _progress_json(progress)})


def _visible(
    store: Store, protocol: Protocol, user: User, stage: str, record_id: int | None
) -> list[dict[str, Any]]:
    frame = sc.visible_decisions(store, protocol, stage, user.name)
    if record_id is not None:
        frame = frame[frame["record_id"] == record_id]
    return json_rows(frame)


@router.get("/api/decisions/{slug}")
def api_decisions(
    request: Request,
    user: Viewer,
    slug: str,
    record_id: int | None = None,
) -> Response:
    """Return the decisions the user may see at a stage (blinding applies)."""
    stage = stage_of(slug)
    review = review_of(request)
    with review.store() as store:
        blinded = not sc.is_unblinded(store, stage)
        rows = _visible(store, review.protocol(), user, stage, record_id)
    return JSONResponse({"stage": stage, "blinded": blinded, "decisions": rows})


@router.get("/api/records/{record_id}/decisions")
def api_record_decisions(request: Request, user: Viewer, record_id: int) -> Response:
    """Return a record's decisions at both stages, as far as the user may see."""
    review = review_of(request)
    protocol = review.protocol()
    with review.store() as store:
        out = {
            STAGE_SLUGS[stage]: _visible(store, protocol, user, stage, record_id)
            for stage in sc.STAGES
        }
    return JSONResponse({"record_id": record_id, "decisions": out})
