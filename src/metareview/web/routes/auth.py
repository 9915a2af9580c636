"""Log in, log out, and accept an invitation (choose a password)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ..auth import (
    SESSION_COOKIE,
    SESSION_HOURS,
    AuthError,
    RateLimitedError,
    accept_invitation,
    end_session,
    invitation_name,
    login,
    session_user,
)
from ..deps import Actor, review_of
from ..render import page
from ..security import ANON_CSRF_COOKIE, Forbidden, new_token, same_token

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Return a local path to go to after login (never another site)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def _anon_page(
    request: Request, template: str, status_code: int = 200, **context: object
) -> Response:
    """Render a page shown before login, with a double-submit CSRF cookie."""
    token = request.cookies.get(ANON_CSRF_COOKIE) or new_token()
    response = page(request, template, status_code=status_code, csrf=token, **context)
    response.set_cookie(
        ANON_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/"
    )
    return response


def _check_anon_csrf(request: Request, given: str) -> None:
    if not same_token(request.cookies.get(ANON_CSRF_COOKIE), given):
        raise Forbidden(
            "the form's security token is missing or out of date (are cookies "
            "enabled?); reload the page and try again"
        )


def _logged_in(request: Request, token: str, target: str) -> Response:
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_HOURS * 3600,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    response.delete_cookie(ANON_CSRF_COOKIE, path="/")
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    """Show the login page (a logged-in user goes straight on)."""
    if session_user(review_of(request), request) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    title = review_of(request).protocol().title
    return _anon_page(request, "login.html", next=_safe_next(next), title=title)


@router.post("/login")
def login_submit(
    request: Request,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the name and password; start a session."""
    _check_anon_csrf(request, csrf_token)
    review = review_of(request)
    try:
        token = login(review, name, password)
    except AuthError as exc:
        status = 429 if isinstance(exc, RateLimitedError) else 401
        return _anon_page(
            request,
            "login.html",
            status_code=status,
            next=_safe_next(next),
            title=review.protocol().title,
            name=name,
            error=str(exc),
        )
    return _logged_in(request, token, _safe_next(next))


@router.post("/logout")
def logout(
    request: Request,
    user: Actor,
) -> Response:
    """End the session and forget the cookie."""
    end_session(review_of(request), user)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _invite_page(
    request: Request, token: str, *, status_code: int, error: str | None = None
) -> Response:
    """Render the invitation page; 404 when ``token`` is no open invitation."""
    review = review_of(request)
    with review.store() as store:
        name = invitation_name(store, token)
    return _anon_page(
        request,
        "invite.html",
        status_code=status_code if name else 404,
        name=name,
        token=token,
        title=review.protocol().title,
        error=error,
    )


@router.get("/invite/{token}")
def invitation_form(request: Request, token: str) -> Response:
    """Show the page where an invited person chooses a password."""
    return _invite_page(request, token, status_code=200)


@router.post("/invite/{token}")
def invitation_accept(
    request: Request,
    token: str,
    password: Annotated[str, Form()] = "",
    repeated: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Create the account (or set a new password), log in, go to the dashboard."""
    _check_anon_csrf(request, csrf_token)
    review = review_of(request)
    try:
        _, session = accept_invitation(review, token, password, repeated)
    except AuthError as exc:
        return _invite_page(request, token, status_code=400, error=str(exc))
    return _logged_in(request, session, "/")
