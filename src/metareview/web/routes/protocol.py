"""The protocol page: everyone reads ``review.toml``; the owner edits it.

An edited protocol is validated before anything is written (the errors name
the line and key, and the text typed stays in the editor); the version it
replaces is kept in ``protocol-history/`` (:func:`~metareview.review.project.
save_protocol`). The owner cannot save a protocol in which they are no longer
an owner: they would lock themselves out.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ...review.project import HISTORY, PROTOCOL, save_protocol
from ...review.protocol import ProtocolError, parse_protocol
from ..auth import User, role_of
from ..deps import OwnerActor, Viewer, review_of
from ..render import flash, page

router = APIRouter()


def _page(
    request: Request, user: User, text: str, error: str | None = None
) -> Response:
    review = review_of(request)
    history = sorted((review.folder / HISTORY).glob("review-*.toml"), reverse=True)
    return page(
        request,
        "protocol.html",
        user=user,
        text=text,
        history=[p.name for p in history],
        error=error,
        status_code=400 if error else 200,
    )


@router.get("/protocol")
def protocol(request: Request, user: Viewer) -> Response:
    """Show ``review.toml`` (an editor for the owner)."""
    text = (review_of(request).folder / PROTOCOL).read_text(encoding="utf-8")
    return _page(request, user, text)


@router.post("/protocol")
def save(request: Request, user: OwnerActor, text: Annotated[str, Form()]) -> Response:
    """Validate the edited protocol; save it, keeping the previous version."""
    review = review_of(request)
    text = text.replace("\r\n", "\n")  # browsers send CRLF line ends
    try:
        new = parse_protocol(text, PROTOCOL)  # errors name the file, not the path
    except ProtocolError as exc:
        return _page(request, user, text, str(exc))
    if role_of(new, user.name) != "owner":
        return _page(
            request,
            user,
            text,
            f"{user.name} must stay an owner in [[reviewers]] of the protocol; "
            "otherwise nobody could open this page again",
        )
    _, kept = save_protocol(review.folder, text)
    if kept is None:
        flash(user, "Nothing changed.")
    else:
        flash(user, f"Protocol saved; the previous version is {HISTORY}/{kept.name}.")
    return RedirectResponse("/protocol", status_code=303)
