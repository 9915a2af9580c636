"""Accounts, sessions and invitations of the web app, and who may do what.

Names are the protocol's reviewers; a person gets an account by following a
one-time invitation link and choosing a password. Passwords are hashed with
Argon2id (argon2-cffi); the session cookie is a random token of which only the
SHA-256 is stored (``web_sessions``), as are invitation tokens. The role comes
from ``review.toml`` (an account whose name left the protocol cannot log in).

References
----------
.. [1] Biryukov A, Dinu D, Khovratovich D, Josefsson S. Argon2 memory-hard
   function for password hashing and proof-of-work applications. RFC 9106,
   2021. doi:10.17487/RFC9106

"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Request

from .._validate import InputError
from ..review.protocol import Protocol
from ..review.store import Store
from .db import Review

__all__ = [
    "SESSION_COOKIE",
    "User",
    "accept_invitation",
    "create_invitation",
    "end_session",
    "login",
    "session_user",
    "setup_invitation",
    "token_hash",
]

SESSION_COOKIE = "mr_session"
SESSION_HOURS = 12  # a session lasts a working day; then log in again
INVITATION_DAYS = 7  # an unused invitation link expires after a week
MIN_PASSWORD = 10  # characters
LOGIN_ATTEMPTS = 5  # failed logins per name ...
LOGIN_WINDOW_S = 60.0  # ... within this many seconds, then wait

#: Argon2id with argon2-cffi's defaults (RFC 9106 second recommended option).
HASHER = PasswordHasher()
_TIME = "%Y-%m-%dT%H:%M:%SZ"


class AuthError(InputError):
    """A login, invitation or password is refused; the message says why."""


class RateLimitedError(AuthError):
    """Too many failed logins for one name in the last minute."""


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """The person behind a request: name, role (from the protocol), CSRF token."""

    name: str
    role: str
    csrf: str
    session: str  # SHA-256 of the session token

    @property
    def is_owner(self) -> bool:
        """Whether the user owns the review."""
        return self.role == "owner"


def token_hash(token: str) -> str:
    """SHA-256 hex digest of a cookie or invitation token (what is stored)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _stamp(delta: timedelta = timedelta(0)) -> str:
    return (datetime.now(UTC) + delta).strftime(_TIME)


def role_of(protocol: Protocol, name: str) -> str | None:
    """Return the protocol's role of ``name``, or None if not one of its reviewers."""
    return next((r.role for r in protocol.reviewers if r.name == name), None)


def session_user(review: Review, request: Request) -> User | None:
    """Return the user of the request's session cookie, or None."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 200:
        return None
    digest = token_hash(token)
    with review.store() as store:
        row = store.conn.execute(
            "SELECT a.name, s.csrf_token FROM web_sessions AS s"
            " JOIN accounts AS a ON a.id = s.account_id"
            " WHERE s.token_hash = ? AND s.expires_at > ? AND a.disabled = 0",
            (digest, _stamp()),
        ).fetchone()
    if row is None:
        return None
    role = role_of(review.protocol(), row[0])
    if role is None:
        return None
    return User(name=row[0], role=role, csrf=row[1], session=digest)


class _Attempts:
    """Failed logins per name in a sliding window (in memory, per process)."""

    def __init__(self) -> None:
        self._failed: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, name: str) -> bool:
        now = time.monotonic()
        with self._lock:
            times = self._failed.get(name, deque())
            while times and now - times[0] > LOGIN_WINDOW_S:
                times.popleft()
            return len(times) >= LOGIN_ATTEMPTS

    def fail(self, name: str) -> None:
        with self._lock:
            self._failed.setdefault(name, deque()).append(time.monotonic())

    def clear(self, name: str) -> None:
        with self._lock:
            self._failed.pop(name, None)


ATTEMPTS = _Attempts()


def _new_session(store: Store, account_id: int) -> str:
    token = secrets.token_urlsafe(32)
    with store.transaction() as conn:
        conn.execute("DELETE FROM web_sessions WHERE expires_at <= ?", (_stamp(),))
        conn.execute(
            "INSERT INTO web_sessions (token_hash, account_id, csrf_token,"
            " expires_at) VALUES (?, ?, ?, ?)",
            (
                token_hash(token),
                account_id,
                secrets.token_urlsafe(32),
                _stamp(timedelta(hours=SESSION_HOURS)),
            ),
        )
    return token


def login(review: Review, name: str, password: str) -> str:
    """Check a name and password; return a new session token.

    Raises :class:`RateLimitedError` after :data:`LOGIN_ATTEMPTS` failures for
    the name within :data:`LOGIN_WINDOW_S` seconds, and :class:`AuthError` for a
    wrong name or password (the same message for both).
    """
    name = name.strip()
    if ATTEMPTS.blocked(name):
        raise RateLimitedError(
            f"too many failed logins for {name!r}; wait a minute and try again"
        )
    wrong = AuthError("name or password is wrong")
    with review.store() as store:
        row = store.conn.execute(
            "SELECT id, password_hash FROM accounts WHERE name = ? AND disabled = 0",
            (name,),
        ).fetchone()
        if row is None or role_of(review.protocol(), name) is None:
            HASHER.hash(password)  # same work as a real check: no timing oracle
            ATTEMPTS.fail(name)
            raise wrong
        try:
            HASHER.verify(row[1], password)
        except (VerificationError, InvalidHashError):
            ATTEMPTS.fail(name)
            raise wrong from None
        ATTEMPTS.clear(name)
        if HASHER.check_needs_rehash(row[1]):
            new = HASHER.hash(password)
            _set_password(store, int(row[0]), new)
        return _new_session(store, int(row[0]))


def _set_password(store: Store, account_id: int, password_hash: str) -> None:
    with store.transaction() as conn:
        conn.execute(
            "UPDATE accounts SET password_hash = ? WHERE id = ?",
            (password_hash, account_id),
        )


def end_session(review: Review, user: User) -> None:
    """Log out: delete the session row (the cookie is worthless afterwards)."""
    with review.store() as store, store.transaction() as conn:
        conn.execute("DELETE FROM web_sessions WHERE token_hash = ?", (user.session,))


def create_invitation(store: Store, protocol: Protocol, name: str, by: str) -> str:
    """Invite one of the protocol's reviewers; return the one-time token.

    The invitation carries the reviewer's role from the protocol. Accepting it
    creates the account, or sets a new password if the account exists.
    """
    role = role_of(protocol, name)
    if role is None:
        names = ", ".join(repr(r.name) for r in protocol.reviewers)
        raise AuthError(
            f"name must be one of the reviewers in review.toml ({names}); got {name!r}"
        )
    token = secrets.token_urlsafe(32)
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO invitations (token_hash, name, role, invited_by)"
            " VALUES (?, ?, ?, ?)",
            (token_hash(token), name, role, by),
        )
    return token


def invitation_name(store: Store, token: str) -> str | None:
    """Return the name an unused, unexpired invitation is for, else None."""
    row = store.conn.execute(
        "SELECT name FROM invitations WHERE token_hash = ? AND used_at IS NULL"
        " AND created_at > ?",
        (token_hash(token), _stamp(-timedelta(days=INVITATION_DAYS))),
    ).fetchone()
    return None if row is None else str(row[0])


def check_password(password: str, repeated: str) -> None:
    """Refuse a short password, or one not typed the same twice."""
    if len(password) < MIN_PASSWORD:
        raise AuthError(
            f"password must have at least {MIN_PASSWORD} characters; "
            f"it has {len(password)}"
        )
    if password != repeated:
        raise AuthError("the two passwords differ; type the same password twice")


def accept_invitation(
    review: Review, token: str, password: str, repeated: str
) -> tuple[str, str]:
    """Use an invitation: create (or re-key) the account; return (name, session).

    The invitation is marked used in the same transaction, so a link works once.
    """
    check_password(password, repeated)
    digest = HASHER.hash(password)
    protocol = review.protocol()

    with review.store() as store:
        with store.transaction() as conn:
            name = invitation_name(store, token)
            if name is None or role_of(protocol, name) is None:
                raise AuthError(
                    "this invitation link is not valid: it was used, it "
                    "expired, or it was mistyped; ask the review's owner "
                    "for a new one"
                )
            role = role_of(protocol, name)
            conn.execute(
                "UPDATE invitations SET used_at = ? WHERE token_hash = ?",
                (_stamp(), token_hash(token)),
            )
            conn.execute(
                "INSERT INTO accounts (name, password_hash, role) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET password_hash ="
                " excluded.password_hash, role = excluded.role, disabled = 0",
                (name, digest, role),
            )
            (account_id,) = conn.execute(
                "SELECT id FROM accounts WHERE name = ?", (name,)
            ).fetchone()
            conn.execute("DELETE FROM web_sessions WHERE account_id = ?", (account_id,))
            session = _new_session(store, int(account_id))
        return name, session


def setup_invitation(review: Review) -> str | None:
    """When no account exists, invite the protocol's first owner; return the token.

    Returns None when accounts exist already (the owner invites the others).
    """
    protocol = review.protocol()
    owner = protocol.owner
    with review.store() as store:
        (n,) = store.conn.execute("SELECT count(*) FROM accounts").fetchone()
        if n:
            return None
        return create_invitation(store, protocol, owner, by="metareview serve")


def accounts(store: Store) -> dict[str, bool]:
    """Each account's name and whether it is active."""
    rows = store.conn.execute("SELECT name, disabled FROM accounts").fetchall()
    return {str(name): not disabled for name, disabled in rows}
