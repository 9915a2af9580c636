"""FastAPI dependencies: the review, the logged-in user, CSRF and role checks.

Every route states who may use it through one of these, so that a route without
a check cannot be written by accident: :func:`viewer` (any logged-in user, GET),
:func:`actor` (any logged-in user, POST with a valid CSRF token), and
:func:`owner_viewer` / :func:`owner_actor` (the review's owner only).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from .auth import User, session_user
from .db import Review
from .security import Forbidden, NotLoggedIn, same_token

__all__ = [
    "Actor",
    "OwnerActor",
    "OwnerViewer",
    "Viewer",
    "actor",
    "owner_actor",
    "owner_viewer",
    "review_of",
    "viewer",
]


def review_of(request: Request) -> Review:
    """Return the review project the app serves."""
    review: Review = request.app.state.review
    return review


def viewer(request: Request) -> User:
    """Return the logged-in user; no session raises :class:`NotLoggedIn`."""
    user = session_user(review_of(request), request)
    if user is None:
        raise NotLoggedIn
    return user


async def csrf_token_of(request: Request) -> str | None:
    """Return the CSRF token of a request: the header, else the form field."""
    header = request.headers.get("x-csrf-token")
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/")):
        form = await request.form()
        value = form.get("csrf_token")
        return value if isinstance(value, str) else None
    return None


async def actor(request: Request, user: Annotated[User, Depends(viewer)]) -> User:
    """Return the user of a POST whose CSRF token matches their session's."""
    if not same_token(user.csrf, await csrf_token_of(request)):
        raise Forbidden(
            "the form's security token is missing or out of date; reload the "
            "page and try again"
        )
    return user


def _owner(user: User) -> User:
    if not user.is_owner:
        raise Forbidden(
            f"only the review's owner may do this; {user.name} is a reviewer"
        )
    return user


def owner_viewer(user: Annotated[User, Depends(viewer)]) -> User:
    """Return the logged-in owner (GET)."""
    return _owner(user)


def owner_actor(user: Annotated[User, Depends(actor)]) -> User:
    """Return the logged-in owner, with a valid CSRF token (POST)."""
    return _owner(user)


#: Annotated parameter types for routes: ``user: Viewer`` and so on.
Viewer = Annotated[User, Depends(viewer)]
Actor = Annotated[User, Depends(actor)]
OwnerViewer = Annotated[User, Depends(owner_viewer)]
OwnerActor = Annotated[User, Depends(owner_actor)]
