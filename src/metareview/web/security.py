"""Security helpers: CSRF tokens, headers, upload size limit, safe file names.

- CSRF: every POST carries the session's token, in a hidden ``csrf_token``
  field or an ``X-CSRF-Token`` header (``fetch``); forms shown before login
  (login, invitation) use a double-submit cookie instead. A missing or wrong
  token is refused with 403.
- Headers on every response: a Content-Security-Policy that allows only the
  app's own script and style files (no inline script), ``nosniff``, no
  framing, ``same-origin`` referrers, and ``no-store`` for pages.
- Request bodies larger than the upload limit are refused with 413 before the
  app reads them (by ``Content-Length``, and by counting when it is absent).
"""

from __future__ import annotations

import hmac
import re
import secrets
import unicodedata
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .render import render_text

__all__ = [
    "ANON_CSRF_COOKIE",
    "BodyLimit",
    "Forbidden",
    "NotLoggedIn",
    "SecurityHeaders",
    "new_token",
    "same_token",
    "secure_filename",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ANON_CSRF_COOKIE = "mr_csrf"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


class NotLoggedIn(Exception):
    """The request has no valid session: pages redirect to /login, JSON gets 401."""


class Forbidden(Exception):
    """The user may not do this (role, blinding, CSRF): 403 with the reason."""


def new_token() -> str:
    """Return a random URL-safe token of 32 bytes."""
    return secrets.token_urlsafe(32)


def same_token(expected: str | None, given: object) -> bool:
    """Compare two tokens in constant time; a missing one never matches."""
    if not expected or not isinstance(given, str) or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def secure_filename(name: str, *, fallback: str = "upload") -> str:
    r"""Reduce a client's file name to a safe base name (no folders, no dots first).

    Only the last path component is kept (``/`` and ``\`` both separate),
    accents are stripped, other characters become ``_``; a name left empty
    becomes ``fallback`` with the original extension if it had a safe one.

    Examples
    --------
    >>> secure_filename("../../etc/passwd")
    'passwd'
    >>> secure_filename("C:\\Users\\me\\PubMed export (2).ris")
    'PubMed_export_2.ris'
    >>> secure_filename("..")
    'upload'

    """
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    base = _UNSAFE.sub("_", base).strip("._")
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = stem[:100].strip("._")
    ext = ext[:10]
    if not stem:
        return f"{fallback}.{ext}" if ext else fallback
    return f"{stem}.{ext}" if ext else stem


class SecurityHeaders:
    """ASGI middleware adding the security headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.decode("latin-1").lower() not in HEADERS
                ]
                headers += [(k.encode(), v.encode()) for k, v in HEADERS.items()]
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _TooLargeError(Exception):
    pass


class BodyLimit:
    """ASGI middleware refusing request bodies over ``limit`` bytes with 413."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", [])).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.limit:
            await self._refuse(send)
            return
        state = {"received": 0, "exceeded": False, "started": False}

        async def counting_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > self.limit:
                    state["exceeded"] = True
                    raise _TooLargeError
            return message

        async def guarded_send(message: Message) -> None:
            if state["exceeded"]:
                if message["type"] == "http.response.start" and not state["started"]:
                    state["started"] = True
                    await self._refuse(send)
                return
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _TooLargeError:
            if not state["started"]:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        mib = self.limit / 2**20
        body = render_text("too_large.html", limit=f"{mib:.3g} MiB").encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
