"""Conflicts: the owner unblinds a stage; conflicts are listed and resolved.

Resolution is by the owner or a resolver (``screening.resolved_by``), or by
consensus of the record's own reviewers; anyone else gets 403.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ..._json import json_rows
from ..._validate import InputError
from ...review import screening as sc
from ...review.protocol import Protocol
from ..auth import User
from ..deps import Actor, OwnerActor, Viewer, review_of
from ..render import STAGE_LABELS, flash, page
from ..security import Forbidden
from .screening import stage_of

router = APIRouter()


def _resolves(user: User, protocol: Protocol) -> bool:
    """Whether ``user`` resolves conflicts alone (owner or a named resolver)."""
    return user.is_owner or user.name in protocol.screening.resolved_by


@router.get("/conflicts")
def conflicts_home(user: Viewer) -> Response:
    """Conflicts start at title and abstract."""
    return RedirectResponse("/conflicts/ta", status_code=303)


@router.get("/conflicts/{slug}")
def conflicts(request: Request, user: Viewer, slug: str) -> Response:
    """List the stage's unresolved conflicts, once it is unblinded."""
    stage = stage_of(slug)
    review = review_of(request)
    protocol = review.protocol()
    rows: list[dict[str, Any]] = []
    details: dict[int, dict[str, Any]] = {}
    with review.store() as store:
        unblinded = sc.is_unblinded(store, stage)
        if unblinded:
            frame = sc.conflicts(store, protocol, stage, user.name)
            rows = json_rows(frame)
            ids = [int(r["record_id"]) for r in rows]
            marks = ", ".join("?" * len(ids))
            details = {
                int(rid): {"authors": authors, "year": year, "abstract": abstract}
                for rid, authors, year, abstract in store.conn.execute(
                    "SELECT id, authors, year, abstract FROM records"
                    f" WHERE id IN ({marks})",
                    ids,
                )
            }
    resolver = _resolves(user, protocol)
    return page(
        request,
        "conflicts.html",
        user=user,
        stage=stage,
        slug=slug,
        unblinded=unblinded,
        rows=rows,
        details=details,
        resolver=resolver,
        reasons=protocol.eligibility.fulltext_reasons,
    )


@router.post("/conflicts/{slug}/unblind")
def unblind(request: Request, user: OwnerActor, slug: str) -> Response:
    """Unblind the stage: everyone sees everyone's decisions from now on."""
    stage = stage_of(slug)
    review = review_of(request)
    with review.store() as store:
        sc.unblind(store, review.protocol(), stage, user.name)
    flash(user, f"{STAGE_LABELS[stage]} screening is unblinded.")
    return RedirectResponse(f"/conflicts/{slug}", status_code=303)


@router.post("/conflicts/{slug}/resolve")
def resolve(
    request: Request,
    user: Actor,
    slug: str,
    record_id: Annotated[int, Form()],
    decision: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    consensus: Annotated[str, Form()] = "",
) -> Response:
    """Record the final decision on a record in conflict."""
    stage = stage_of(slug)
    review = review_of(request)
    protocol = review.protocol()
    as_consensus = consensus == "1"
    resolver = _resolves(user, protocol)
    if not resolver and not as_consensus:
        raise Forbidden(
            "conflicts are resolved by the owner or the resolvers named in "
            "review.toml (screening.resolved_by), or by the record's reviewers "
            "together (consensus)"
        )
    try:
        with review.store() as store:
            if not resolver:
                seen = sc.visible_decisions(store, protocol, stage, user.name)
                mine = seen[seen["record_id"] == record_id]["reviewer"]
                if user.name not in set(mine):
                    raise Forbidden(
                        f"{user.name} did not screen record {record_id}; only its "
                        "reviewers record a consensus"
                    )
            sc.resolve(
                store,
                protocol,
                record_id,
                stage,
                decision,
                by=user.name,
                reason=reason or None,
                note=note or None,
                consensus=as_consensus,
            )
        flash(user, f"Record {record_id}: {decision} (resolved).")
    except InputError as exc:
        flash(user, str(exc), "error")
    return RedirectResponse(f"/conflicts/{slug}", status_code=303)
