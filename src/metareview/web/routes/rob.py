"""Risk of bias (RoB 2) in the browser: signalling questions, judgements, consensus.

Thin over :mod:`metareview.review.rob`. The questions come from the tool's data
file (:func:`~metareview.review.rob.load_tool`); the server computes every
judgement (:func:`~metareview.review.rob.domain_judgement`, also live through
``/api/rob/judge``) and :func:`~metareview.review.rob.record_appraisal` refuses
an override without a written justification. A reviewer sees only their own
appraisals; the owner compares them, records the consensus and sees the
agreement per domain.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from ..._json import json_rows
from ..._validate import InputError
from ...review import rob
from ...review._rob_store import current_rows
from ...review._rob_tool import OVERALL, RobTool
from ..deps import Actor, OwnerActor, OwnerViewer, Viewer, review_of
from ..render import flash, page
from .extraction import _labels, _may_extract, _study

router = APIRouter()

TOOL = "rob2"


def _mine(store: Any, reviewer: str, record_id: int) -> tuple[dict[str, str], ...]:
    """Return the reviewer's current items (answers, judgements) and support."""
    rows = current_rows(
        store, rob.load_tool(TOOL), reviewer=reviewer, record_id=record_id
    )
    rows = rows[rows["outcome_id"] == ""]
    values = dict(zip(rows["domain"], rows["judgement"], strict=True))
    support = {
        str(d): str(s)
        for d, s in zip(rows["domain"], rows["support"], strict=True)
        if isinstance(s, str) and s
    }
    return values, support


def _computed(answers: dict[str, str]) -> dict[str, Any]:
    """Each domain's computed judgement from the answers (None while incomplete)."""
    tool = rob.load_tool(TOOL)
    out: dict[str, Any] = {}
    for d in tool.domains:
        mine = {q.id: answers[q.id] for q in d.questions if q.id in answers}
        try:
            out[d.id] = rob.domain_judgement(tool, d.id, mine) if mine else None
        except InputError:
            out[d.id] = None
    return out


def _judged(tool: RobTool) -> list[str]:
    """Return what a judgement is given for: each domain, then overall."""
    return [*(d.id for d in tool.domains), OVERALL]


def _judgements(form: Any, tool: RobTool) -> dict[str, str]:
    """Return the judgements a form posts (``j_<domain>``, ``j_overall``)."""
    return {key: str(form[f"j_{key}"]) for key in _judged(tool) if form.get(f"j_{key}")}


@router.get("/rob")
def rob_list(request: Request, user: Viewer) -> Response:
    """List the included studies, with the user's overall judgement of each."""
    review = review_of(request)
    protocol = review.protocol()
    with review.store() as store:
        _may_extract(store)
        labels = _labels(store, protocol)
        table = rob.appraisals(store, TOOL, reviewer=user.name)
    overall = {
        int(r): o for r, o in zip(table["record_id"], table[OVERALL], strict=True)
    }
    studies = [
        {"record_id": rid, "study": label, "overall": overall.get(rid)}
        for rid, label in labels.items()
    ]
    return page(request, "rob_list.html", user=user, studies=studies)


@router.get("/rob/compare")
def rob_compare(request: Request, user: OwnerViewer) -> Response:
    """Compare two appraisals: agreement, disagreements, consensus (owner)."""
    review = review_of(request)
    tool = rob.load_tool(TOOL)
    with review.store() as store:
        diff = rob.compare_appraisals(store, tool)
        try:
            agreement = json_rows(rob.rob_agreement(store, tool))
            why = ""
        except InputError as exc:
            agreement, why = [], str(exc)
        table = rob.appraisals(store, tool)
    differing = sorted({int(r) for r in diff["record_id"]})
    current = {
        (int(r), str(w)): row
        for r, w, row in zip(
            table["record_id"], table["reviewer"], json_rows(table), strict=True
        )
    }
    return page(
        request,
        "rob_compare.html",
        user=user,
        tool=tool,
        diff=json_rows(diff[diff["kind"] != "answer"]),
        answers=json_rows(diff[diff["kind"] == "answer"]),
        differing=differing,
        current=current,
        agreement=agreement,
        why=why,
    )


@router.post("/rob/consensus")
async def rob_consensus(request: Request, user: OwnerActor) -> Response:
    """Record the agreed judgements of a study (owner)."""
    review = review_of(request)
    tool = rob.load_tool(TOOL)
    form = await request.form()
    record_id = str(form.get("record_id", ""))
    given = _judgements(form, tool)
    try:
        if not record_id.isdigit():
            raise InputError(f"record_id must be a whole number; got {record_id!r}")
        missing = [d.id for d in tool.domains if d.id not in given]
        if missing:  # a partial consensus would stand for the study in analyses
            raise InputError(
                f"choose the agreed judgement of every domain ({', '.join(missing)} "
                f"of record {record_id} has none); nothing was recorded"
            )
        with review.store() as store:
            rob.record_consensus(store, int(record_id), tool, given, by=user.name)
        flash(user, f"Risk-of-bias consensus recorded for record {record_id}.")
    except InputError as exc:
        flash(user, str(exc), "error")
    return RedirectResponse("/rob/compare", status_code=303)


def _form(
    request: Request,
    user: Any,
    record_id: int,
    label: str,
    answers: dict[str, str],
    judgements: dict[str, str],
    support: dict[str, str],
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    tool = rob.load_tool(TOOL)
    computed = _computed(answers)
    return page(
        request,
        "rob_form.html",
        user=user,
        status_code=status_code,
        error=error,
        tool=tool,
        record_id=record_id,
        label=label,
        answers=answers,
        judgements=judgements,
        support=support,
        computed=computed,
        words=ANSWER_WORDS,
    )


#: How the answer codes read on the form.
ANSWER_WORDS = {
    "Y": "Yes",
    "PY": "Probably yes",
    "PN": "Probably no",
    "N": "No",
    "NI": "No information",
    "NA": "Not applicable",
}


@router.get("/rob/{record_id}")
def rob_form(request: Request, user: Viewer, record_id: int) -> Response:
    """Show the RoB 2 form of a study, with the user's own answers."""
    review = review_of(request)
    protocol = review.protocol()
    with review.store() as store:
        _may_extract(store)
        label = _study(store, protocol, record_id)
        values, support = _mine(store, user.name, record_id)
    tool = rob.load_tool(TOOL)
    questions = {q.id for d in tool.domains for q in d.questions}
    answers = {k: v for k, v in values.items() if k in questions and v != "NA"}
    judgements = {k: v for k, v in values.items() if k not in questions}
    return _form(request, user, record_id, label, answers, judgements, support)


@router.post("/rob/{record_id}")
async def rob_save(request: Request, user: Actor, record_id: int) -> Response:
    """Store the appraisal: computed judgements, overrides with their reasons."""
    review = review_of(request)
    protocol = review.protocol()
    tool = rob.load_tool(TOOL)
    form = await request.form()
    answers = {
        q.id: str(form[f"q_{q.id}"])
        for d in tool.domains
        for q in d.questions
        if form.get(f"q_{q.id}")
    }
    overrides = _judgements(form, tool)
    support = {
        key: str(form[f"s_{key}"]).strip()
        for key in _judged(tool)
        if str(form.get(f"s_{key}", "")).strip()
    }
    with review.store() as store:
        _may_extract(store)
        label = _study(store, protocol, record_id)
        try:
            rob.record_appraisal(
                store,
                record_id,
                user.name,
                tool,
                answers=answers,
                judgements=overrides,
                support=support,
            )
        except InputError as exc:
            return _form(
                request,
                user,
                record_id,
                label,
                answers,
                overrides,
                support,
                error=f"Not saved: {exc}",
                status_code=400,
            )
    flash(user, f"{label}: risk of bias saved.")
    return RedirectResponse(f"/rob/{record_id}", status_code=303)


@router.get("/api/rob/judge")
def api_judge(request: Request, user: Viewer, domain: str) -> Response:
    """Which questions of a domain apply, and its judgement, from the answers.

    The answers come as query parameters named by question (``1.1=Y``); a
    question that does not apply is treated as NA, as the algorithm treats it.
    """
    tool = rob.load_tool(TOOL)
    try:
        d = tool.domain(domain)
    except InputError as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    given = {q.id: request.query_params.get(q.id, "") for q in d.questions}
    shown: dict[str, str] = {}
    applies: dict[str, bool] = {}
    for q in d.questions:
        applies[q.id] = q.applies(shown)
        shown[q.id] = given[q.id] if applies[q.id] and given[q.id] else "NA"
    answers = {k: v for k, v in given.items() if v and applies[k]}
    out: dict[str, Any] = {"domain": d.id, "applies": applies}
    try:
        j = rob.domain_judgement(tool, d.id, answers)
        out.update(judgement=j.judgement, explanation=j.explanation)
    except InputError as exc:
        out.update(judgement=None, explanation=str(exc))
    return JSONResponse(out)
