"""Blinding, conflicts and their resolution at a screening stage.

Until the owner unblinds a stage, each reviewer sees only their own decisions;
afterwards everyone's, and the conflicts are listed and resolved, each
resolution an event that overrides the reviewers' decisions. Public through
:mod:`metareview.review.screening`.
"""

from __future__ import annotations

import pandas as pd

from .._validate import InputError
from ._screening_events import current_decisions
from ._screening_state import (
    STAGES,
    check_reason,
    check_record,
    is_owner,
    outcome_frame,
    person,
    record_outcome,
    stage_name,
)
from .protocol import Protocol
from .store import Store


def is_unblinded(store: Store, stage: str) -> bool:
    """Whether the owner has unblinded the stage."""
    row = store.conn.execute(
        "SELECT 1 FROM screening_stage_events WHERE stage = ? AND event = 'unblind'",
        (stage_name(stage),),
    ).fetchone()
    return row is not None


def unblind(store: Store, protocol: Protocol, stage: str, by: str) -> None:
    """Unblind a stage: from now on every reviewer sees everyone's decisions.

    Only an owner may; unblinding twice changes nothing.
    """
    stage = stage_name(stage)
    person(protocol, by, "by")
    if not is_owner(protocol, by):
        raise InputError(f"only the review's owner may unblind a stage; {by!r} is not")
    with store.transaction() as conn:
        if not is_unblinded(store, stage):
            conn.execute(
                "INSERT INTO screening_stage_events (stage, event, decided_by)"
                " VALUES (?, 'unblind', ?)",
                (stage, by),
            )


def visible_decisions(
    store: Store, protocol: Protocol, stage: str, viewer: str
) -> pd.DataFrame:
    """Return the current decisions a viewer may see at a stage (blinding).

    Before the stage is unblinded a viewer gets only their own decisions,
    whatever their role; afterwards everyone's. Columns record_id, reviewer,
    decision, reason, note, decided_at.
    """
    stage = stage_name(stage)
    person(protocol, viewer, "viewer")
    if is_unblinded(store, stage):
        return current_decisions(store.conn, stage)
    return current_decisions(store.conn, stage, reviewer=viewer)


def _blinded(stage: str) -> InputError:
    return InputError(
        f"stage {stage} is blinded: conflicts are shown once the owner unblinds it "
        f"(metareview unblind DIR --stage {'ta' if stage == STAGES[0] else 'ft'})"
    )


def conflicts(
    store: Store, protocol: Protocol, stage: str, viewer: str
) -> pd.DataFrame:
    """List the unresolved conflicts at a stage, once it is unblinded.

    Rows: record_id, title, and each of the (first two) reviewers' name,
    decision and reason. A full-text record with a single reviewer's
    "maybe" has no second reviewer.
    """
    stage = stage_name(stage)
    person(protocol, viewer, "viewer")
    if not is_unblinded(store, stage):
        raise _blinded(stage)
    out = outcome_frame(store.conn, protocol, stage)
    ids = out.loc[out["status"] == "conflict", "record_id"].tolist()
    current = current_decisions(store.conn, stage)
    titles = dict(store.conn.execute("SELECT id, title FROM records").fetchall())
    rows = []
    for rid in ids:
        mine = current[current["record_id"] == rid].head(2)
        row: dict[str, object] = {"record_id": rid, "title": titles.get(rid)}
        for i in (1, 2):
            who = mine.iloc[i - 1] if len(mine) >= i else None
            for key in ("reviewer", "decision", "reason"):
                row[f"{key}_{i}"] = None if who is None else who[key]
        rows.append(row)
    columns = ["record_id", "title"] + [
        f"{k}_{i}" for i in (1, 2) for k in ("reviewer", "decision", "reason")
    ]
    return pd.DataFrame(rows, columns=columns)


def resolve(
    store: Store,
    protocol: Protocol,
    record_id: int,
    stage: str,
    decision: str,
    *,
    by: str,
    reason: str | None = None,
    note: str | None = None,
    consensus: bool = False,
) -> int:
    """Resolve a record's conflict at a stage; the resolution overrides.

    Parameters
    ----------
    store : Store
        The review database.
    protocol : Protocol
        The review's protocol.
    record_id : int
        The record in conflict (or resolved before: a new resolution replaces
        the earlier one).
    stage : str
        ``"ta"`` or ``"ft"``; the stage must be unblinded.
    decision : {"include", "exclude"}
        The final decision (at full text, an exclusion needs a reason from
        ``eligibility.fulltext_reasons``).
    by : str
        A resolver (``screening.resolved_by``) or an owner; with
        ``consensus=True``, one of the record's reviewers at the stage,
        recording their agreed decision.
    reason : str, optional
        Why (an exclusion at full text needs one of the protocol's reasons).
    note : str, optional
        Free text.
    consensus : bool
        The record's reviewers agreed together (see ``by``).

    Returns
    -------
    int
        The id of the resolution event. A later resolution replaces it.

    """
    stage = stage_name(stage)
    record_id = int(record_id)
    person(protocol, by, "by")
    if decision not in ("include", "exclude"):
        raise InputError(
            f"a resolution's decision must be 'include' or 'exclude'; got {decision!r}"
        )
    reason = check_reason(protocol, stage, decision, reason)
    if not is_unblinded(store, stage):
        raise _blinded(stage)
    with store.transaction() as conn:
        check_record(conn, record_id)
        reviewers = set(current_decisions(conn, stage, record_id=record_id)["reviewer"])
        if consensus and by not in reviewers:
            raise InputError(
                f"a consensus is recorded by one of the record's reviewers "
                f"({', '.join(sorted(reviewers)) or 'none yet'}); got {by!r}"
            )
        if not consensus and not (
            by in protocol.screening.resolved_by or is_owner(protocol, by)
        ):
            allowed = [*protocol.screening.resolved_by, "the owner"]
            raise InputError(
                f"conflicts are resolved by {', '.join(allowed)} "
                f"(screening.resolved_by), or by consensus; got {by!r}"
            )
        status = record_outcome(conn, protocol, stage, record_id)
        resolved = conn.execute(
            "SELECT 1 FROM screening_events WHERE record_id = ? AND stage = ?"
            " AND kind = 'resolution'",
            (record_id, stage),
        ).fetchone()
        if status != "conflict" and resolved is None:
            raise InputError(
                f"record {record_id} has no conflict to resolve at {stage} "
                f"(its status is {status or 'not eligible'})"
            )
        cur = conn.execute(
            "INSERT INTO screening_events (record_id, reviewer, stage, kind,"
            " decision, reason, note, consensus) VALUES (?, ?, ?, 'resolution',"
            " ?, ?, ?, ?)",
            (record_id, by, stage, decision, reason, note or None, int(consensus)),
        )
        return int(cur.lastrowid or 0)
