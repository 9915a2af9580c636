"""People: the owner invites the protocol's reviewers and assigns them stages.

An invitation is a one-time link (its token is shown once and stored hashed).
Stage assignments are append-only rows (``stage_assignments``; the latest per
reviewer and stage holds). The rule: a stage nobody is assigned to is open to
every reviewer; once the owner assigns someone to a stage, only the people
assigned to it work on it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ..._validate import InputError
from ...review.store import Store
from ..auth import AuthError, User, accounts, create_invitation
from ..deps import OwnerActor, OwnerViewer, review_of
from ..render import flash, page

router = APIRouter()

#: Stages a reviewer can be assigned to, and their labels.
ASSIGNABLE = {
    "title_abstract": "Title and abstract screening",
    "full_text": "Full-text screening",
    "extraction": "Data extraction",
    "rob": "Risk of bias",
}


def assignments(store: Store) -> dict[tuple[str, str], bool]:
    """Return the current assignment of each (reviewer, stage) ever assigned."""
    rows = store.conn.execute(
        "SELECT a.reviewer, a.stage, a.active FROM stage_assignments AS a"
        " JOIN (SELECT max(id) AS id FROM stage_assignments GROUP BY reviewer, stage)"
        " AS last ON last.id = a.id"
    ).fetchall()
    return {(str(r), str(s)): bool(a) for r, s, a in rows}


def assigned(store: Store, name: str, stage: str) -> bool:
    """Whether ``name`` works on ``stage`` (everyone, while nobody is assigned)."""
    current = assignments(store)
    anyone = any(active for (_, s), active in current.items() if s == stage)
    return not anyone or current.get((name, stage), False)


@router.get("/people")
def people(
    request: Request,
    user: OwnerViewer,
) -> Response:
    """Show the reviewers, their accounts and their stages."""
    return _people_page(request, user)


def _people_page(
    request: Request,
    user: User,
    *,
    link: str | None = None,
    invited: str | None = None,
    status_code: int = 200,
    error: str | None = None,
) -> Response:
    review = review_of(request)
    protocol = review.protocol()
    with review.store() as store:
        known = accounts(store)
        current = assignments(store)
    rows: list[dict[str, Any]] = [
        {
            "name": r.name,
            "role": r.role,
            "resolver": r.name in protocol.screening.resolved_by,
            "account": known.get(r.name),
            "stages": {s: current.get((r.name, s), False) for s in ASSIGNABLE},
        }
        for r in protocol.reviewers
    ]
    open_to_all = {s: not any(row["stages"][s] for row in rows) for s in ASSIGNABLE}
    return page(
        request,
        "people.html",
        user=user,
        rows=rows,
        stages=ASSIGNABLE,
        open_to_all=open_to_all,
        link=link,
        invited=invited,
        status_code=status_code,
        error=error,
    )


@router.post("/people/invite")
def invite(
    request: Request,
    user: OwnerActor,
    name: Annotated[str, Form()] = "",
) -> Response:
    """Create a one-time invitation link for a reviewer and show it once."""
    review = review_of(request)
    try:
        with review.store() as store:
            token = create_invitation(store, review.protocol(), name, user.name)
    except AuthError as exc:
        return _people_page(request, user, status_code=400, error=str(exc))
    link = str(request.url_for("invitation_form", token=token))
    return _people_page(request, user, link=link, invited=name)


@router.post("/people/assign")
def assign(
    request: Request,
    user: OwnerActor,
    reviewer: Annotated[str, Form()] = "",
    stage: Annotated[str, Form()] = "",
    active: Annotated[str, Form()] = "",
) -> Response:
    """Assign a reviewer to a stage, or take them off it."""
    review = review_of(request)
    protocol = review.protocol()
    try:
        if reviewer not in {r.name for r in protocol.reviewers}:
            raise InputError(f"reviewer must be one of review.toml's; got {reviewer!r}")
        if stage not in ASSIGNABLE:
            raise InputError(
                f"stage must be one of {', '.join(ASSIGNABLE)}; got {stage!r}"
            )
    except InputError as exc:
        return _people_page(request, user, status_code=400, error=str(exc))
    on = active == "1"

    with review.store() as store, store.transaction() as conn:
        conn.execute(
            "INSERT INTO stage_assignments (reviewer, stage, active, assigned_by)"
            " VALUES (?, ?, ?, ?)",
            (reviewer, stage, int(on), user.name),
        )
    verb = "now works on" if on else "no longer works on"
    flash(user, f"{reviewer} {verb} {ASSIGNABLE[stage].lower()}.")
    return RedirectResponse("/people", status_code=303)


@router.post("/people/account")
def account(
    request: Request,
    user: OwnerActor,
    name: Annotated[str, Form()] = "",
    active: Annotated[str, Form()] = "",
) -> Response:
    """Disable an account (its sessions end at once) or enable it again."""
    review = review_of(request)
    if name == user.name:
        return _people_page(
            request, user, status_code=400, error="you cannot disable your own account"
        )
    on = active == "1"

    with review.store() as store, store.transaction() as conn:
        row = conn.execute("SELECT id FROM accounts WHERE name = ?", (name,)).fetchone()
        if row is not None:
            conn.execute(
                "UPDATE accounts SET disabled = ? WHERE id = ?", (int(not on), row[0])
            )
            if not on:
                conn.execute("DELETE FROM web_sessions WHERE account_id = ?", (row[0],))
    if row is None:
        return _people_page(
            request, user, status_code=400, error=f"{name!r} has no account"
        )
    flash(user, f"The account of {name} is {'enabled' if on else 'disabled'}.")
    return RedirectResponse("/people", status_code=303)
