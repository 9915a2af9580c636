"""Data extraction in the browser: a form per included study, compare, consensus.

Thin over :mod:`metareview.review.extraction`. Each reviewer's values are kept
apart and a reviewer sees only their own (blinding as in screening); the owner
compares the reviewers' values (:func:`~metareview.review.extraction.
compare_extraction`) and records a consensus (:func:`~metareview.review.
extraction.record_consensus`). A saved form is checked by the functions that
check an imported template and written in one transaction, all or nothing.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from ..._json import json_rows
from ..._validate import InputError
from ...review import extraction as ex
from ...review import screening as sc
from ...review._extraction_build import CLUSTER_FIELDS
from ...review._extraction_fields import (
    CONTROL,
    FREE_TEXT,
    OUTCOME_FIELDS,
    characteristic_specs,
)
from ...review._extraction_values import KEY, current_rows, write_values
from ...review.extraction import _changes
from ...review.protocol import Protocol
from ...review.store import Store
from ..auth import User
from ..deps import Actor, OwnerActor, OwnerViewer, Viewer, review_of
from ..extract_forms import (
    ALWAYS,
    FIRST_ROW,
    FORMS,
    FormChecker,
    FormRow,
    form_rows,
    preview,
    read_form,
    reviewer_values,
)
from ..render import flash, page
from ..security import Forbidden

router = APIRouter()

#: Why extraction waits: the studies to extract are those included at full text.
LOCKED = (
    "extraction opens once the owner unblinds full-text screening (on the "
    "Conflicts page): until then, the list of included studies would tell you "
    "how the other reviewers decided"
)


def _may_extract(store: Store) -> None:
    """Raise :class:`Forbidden` until full text is unblinded.

    Any logged-in user may extract: a session belongs to one of the
    protocol's reviewers (``auth.session_user``).
    """
    if not sc.is_unblinded(store, sc.STAGES[1]):
        raise Forbidden(LOCKED)


def _labels(store: Store, protocol: Protocol) -> dict[int, str]:
    table = ex.studies(store, protocol)
    return {
        int(r): str(s) for r, s in zip(table["record_id"], table["study"], strict=True)
    }


def _study(store: Store, protocol: Protocol, record_id: int) -> str:
    label = _labels(store, protocol).get(record_id)
    if label is None:
        raise HTTPException(
            status_code=404,
            detail=f"record {record_id} is not a study included at full text",
        )
    return label


@router.get("/extract")
def extract_list(request: Request, user: Viewer) -> Response:
    """List the included studies, with how many values the user entered for each."""
    review = review_of(request)
    protocol = review.protocol()
    with review.store() as store:
        _may_extract(store)
        labels = _labels(store, protocol)
        counts = Counter(
            rid
            for rid, who, *_, value in current_rows(store)
            if who == user.name and value is not None
        )
        disagreements = 0
        if user.is_owner:
            diff = ex.compare_extraction(store)
            disagreements = int((~diff["resolved"].astype(bool)).sum())
    studies = [
        {"record_id": rid, "study": label, "values": counts.get(rid, 0)}
        for rid, label in labels.items()
    ]
    return page(
        request,
        "extract_list.html",
        user=user,
        studies=studies,
        disagreements=disagreements,
    )


@router.get("/extract/compare")
def extract_compare(request: Request, user: OwnerViewer) -> Response:
    """List the disagreements between the reviewers, to settle (owner)."""
    review = review_of(request)
    with review.store() as store:
        frame = ex.compare_extraction(store)
    fixed = {*KEY, "study", "consensus", "decided_by", "resolved"}
    reviewers = [str(c) for c in frame.columns if c not in fixed]
    return page(
        request,
        "extract_compare.html",
        user=user,
        rows=json_rows(frame),
        reviewers=reviewers,
    )


@router.post("/extract/consensus")
def extract_consensus(
    request: Request,
    user: OwnerActor,
    record_id: Annotated[int, Form()],
    field: Annotated[str, Form()],
    outcome_id: Annotated[str, Form()] = "",
    arm: Annotated[str, Form()] = "",
    timepoint: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
) -> Response:
    """Record the agreed value of one field (the owner decides)."""
    review = review_of(request)
    try:
        with review.store() as store:
            ex.record_consensus(
                store,
                record_id,
                outcome_id,
                arm,
                timepoint,
                field,
                value,
                user.name,
            )
        flash(user, f"Consensus recorded: {field} = {value or '(missing)'}.")
    except InputError as exc:
        flash(user, str(exc), "error")
    return RedirectResponse("/extract/compare", status_code=303)


def _form_page(
    request: Request,
    user: User,
    record_id: int,
    label: str,
    mine: dict[tuple[str, str, str], dict[str, str]],
    *,
    checker: FormChecker | None = None,
    status_code: int = 200,
    more: tuple[str, ...] = (),
) -> Response:
    protocol = review_of(request).protocol()
    rows = form_rows(protocol, mine, more)
    return page(
        request,
        "extract_form.html",
        user=user,
        status_code=status_code,
        record_id=record_id,
        label=label,
        specs=characteristic_specs(protocol),
        chars=mine.get(("", "", ""), {}),
        groups=_groups(rows),
        arms=sorted({r.arm for r in rows}),
        categories=protocol.interventions,
        fields={s.name: s for s in OUTCOME_FIELDS},
        forms=FORMS,
        field_forms={
            name: " ".join(k for k, (_, names) in FORMS.items() if name in names)
            for name in (s.name for s in OUTCOME_FIELDS)
        },
        always=ALWAYS,
        cluster=CLUSTER_FIELDS,
        problems=_described(checker, rows, protocol) if checker else [],
        at=checker.at if checker else {},
        error="The form was not saved: correct the values marked below."
        if checker and checker.problems
        else None,
    )


def _described(
    checker: FormChecker, rows: list[FormRow], protocol: Protocol
) -> list[str]:
    """Return the problems as a reader of the form names the fields."""
    labels = {s.name: s.description for s in characteristic_specs(protocol)}
    by_row = {r.index + FIRST_ROW: r for r in rows}
    out = []
    for (row, column), message in checker.at.items():
        if row == 0:
            out.append(f"{labels.get(column, column)}: {message}")
        elif row in by_row:
            r = by_row[row]
            where = f"{r.outcome_name}, {r.timepoint}, arm {r.arm}"
            out.append(f"{where}: {column} {message}")
    placed = len(out)
    return out + checker.loose[: max(0, 25 - placed)]


def _groups(rows: list[FormRow]) -> list[tuple[FormRow, list[list[FormRow]]]]:
    """Group the rows by outcome, then time point, in the protocol's order."""
    out: dict[str, dict[str, list[FormRow]]] = {}
    for r in rows:
        out.setdefault(r.outcome, {}).setdefault(r.timepoint, []).append(r)
    return [(next(iter(tps.values()))[0], list(tps.values())) for tps in out.values()]


@router.get("/extract/{record_id}")
def extract_form(
    request: Request, user: Viewer, record_id: int, arm: str = "", label: str = ""
) -> Response:
    """Show the extraction form of one study, with the user's own values."""
    review = review_of(request)
    protocol = review.protocol()
    with review.store() as store:
        _may_extract(store)
        study = _study(store, protocol, record_id)
        mine = reviewer_values(store, user.name, record_id)
    more: tuple[str, ...] = ()
    if arm:
        more = (f"{arm}:{label.strip()}" if label.strip() else arm,)
    return _form_page(request, user, record_id, study, mine, more=more)


@router.post("/extract/{record_id}")
async def extract_save(request: Request, user: Actor, record_id: int) -> Response:
    """Check and save the form: every value, or none (the problems are shown)."""
    review = review_of(request)
    protocol = review.protocol()
    form = await request.form()
    with review.store() as store:
        _may_extract(store)
        label = _study(store, protocol, record_id)
        values, checker, posted = read_form(protocol, record_id, label, form)
        if checker.problems:
            shown = _posted(posted, form)
            return _form_page(
                request,
                user,
                record_id,
                label,
                shown,
                checker=checker,
                status_code=400,
            )
        rows = _changes(store, user.name, values)
        write_values(store, rows)
    lonely = _one_arm(values)
    note = (
        "; but the analysis needs an intervention and a control arm at "
        + ", ".join(lonely)
        + " (fill in the other arm, or clear this one)"
        if lonely
        else ""
    )
    flash(
        user,
        f"{label}: saved ({len(rows)} value(s) changed){note}.",
        "error" if lonely else "ok",
    )
    return RedirectResponse(f"/extract/{record_id}", status_code=303)


def _one_arm(
    values: dict[tuple[int, str, str, str], dict[str, str | None]],
) -> list[str]:
    """Return the outcomes at a time point with values for only one side."""
    sides: dict[tuple[str, str], set[bool]] = {}
    for (_, outcome, arm, tp), fields in values.items():
        given = any(v for k, v in fields.items() if k not in FREE_TEXT)
        if outcome and given:
            sides.setdefault((outcome, tp), set()).add(arm.split(":")[0] == CONTROL)
    return [f"{o} {tp!r}" for (o, tp), s in sides.items() if len(s) == 1]


def _posted(
    posted: dict[str, dict[str, str]], form: Any
) -> dict[tuple[str, str, str], dict[str, str]]:
    """Return what was posted, keyed as :func:`reviewer_values` keys a study."""
    out = {("", "", ""): posted.get("c", {})}
    for key, values in posted.items():
        if key != "c":
            row = (
                str(form.get(f"r{key}_outcome", "")),
                str(form.get(f"r{key}_timepoint", "")),
                str(form.get(f"r{key}_arm", "")),
            )
            out[row] = values
    return out


class PreviewIn(BaseModel):
    """One arm's reported values, posted as JSON for a preview."""

    outcome: str
    arm: str
    fields: dict[str, str]


@router.post("/api/extract/preview")
def api_preview(request: Request, user: Actor, body: PreviewIn) -> Response:
    """Return the arm's values as the analysis will take them (converted)."""
    protocol = review_of(request).protocol()
    outcome = protocol.outcome(body.outcome)
    if outcome is None:
        return JSONResponse({"error": f"no outcome {body.outcome!r}"}, 400)
    return JSONResponse(preview(outcome.type == "binary", body.arm, body.fields))
