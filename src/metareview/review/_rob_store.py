"""Reading and writing appraisals in ``rob_judgements`` for :mod:`.rob`.

Rows are appended, never changed; the current value of an item is the latest row
per record, reviewer, tool, outcome and item (``domain``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._validate import InputError, InputTypeError
from ._rob_tool import OVERALL, RobTool

if TYPE_CHECKING:
    from .store import Store

__all__ = [
    "CONSENSUS",
    "answers_by_domain",
    "check_record",
    "current_rows",
    "item_order",
    "outcome_key",
    "overall_aliases",
    "reviewer_name",
    "support_texts",
    "write_rows",
]

#: The reviewer name under which consensus judgements are stored.
CONSENSUS = "consensus"


def overall_aliases() -> tuple[str, ...]:
    from .rob_tools import read_common

    return tuple(read_common()["overall_aliases"])


def reviewer_name(value: object, *, allow_consensus: bool = False) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"reviewer must be a non-empty name; got {value!r}")
    if value.strip() == CONSENSUS and not allow_consensus:
        raise InputError(
            "reviewer 'consensus' is reserved for agreed judgements; use "
            "record_consensus(...)"
        )
    return value.strip()


def outcome_key(value: object) -> str:
    if not isinstance(value, str):
        raise InputTypeError(f"outcome_id must be a string; got {value!r}")
    return value.strip()


def check_record(store: Store, record_id: object) -> None:
    if isinstance(record_id, bool) or not isinstance(record_id, int):
        raise InputTypeError(f"record_id must be an integer; got {record_id!r}")
    store.require_record(record_id)


def answers_by_domain(
    tool: RobTool, answers: Mapping[str, str]
) -> dict[str, dict[str, str]]:
    if not isinstance(answers, Mapping):
        raise InputTypeError(
            "answers must be a mapping question -> answer, e.g. {'1.1': 'Y'}; "
            f"got {type(answers).__name__}"
        )
    owner = {q.id: d.id for d in tool.domains for q in d.questions}
    if answers and not owner:
        raise InputError(
            f"tool {tool.name!r} has no signalling questions: give the domain "
            "judgements directly (judgements={'D1': ...})"
        )
    unknown = [str(k) for k in answers if str(k) not in owner]
    if unknown:
        raise InputError(
            f"answers name {', '.join(map(repr, unknown))}, not signalling questions "
            f"of tool {tool.name!r} (questions are {', '.join(owner)})"
        )
    out: dict[str, dict[str, str]] = {}
    for key, value in answers.items():
        out.setdefault(owner[str(key)], {})[str(key)] = value
    return out


def support_texts(
    tool: RobTool, support: object, given: Mapping[str, str]
) -> dict[str, str]:
    if support is None:
        return {}
    if isinstance(support, str):
        return {did: support for did in given} if support.strip() else {}
    if not isinstance(support, Mapping):
        raise InputTypeError(
            "support must be a text or a mapping item -> text; got "
            f"{type(support).__name__}"
        )
    questions = {q.id for d in tool.domains for q in d.questions}
    out: dict[str, str] = {}
    for key, text in support.items():
        if not isinstance(text, str):
            raise InputTypeError(f"support[{key!r}] must be a text; got {text!r}")
        if str(key) in questions or str(key) == OVERALL:
            out[str(key)] = text
        else:
            out[tool.domain(key).id] = text
    return out


def item_order(tool: RobTool) -> dict[str, int]:
    items = [x for d in tool.domains for x in (*(q.id for q in d.questions), d.id)]
    return {item: i for i, item in enumerate([*items, OVERALL])}


def current_rows(
    store: Store,
    tool: RobTool,
    *,
    reviewer: str | None = None,
    record_id: int | None = None,
) -> pd.DataFrame:
    """Return the latest row per record, reviewer, outcome and item of ``tool``."""
    sql = (
        "SELECT r.record_id, r.reviewer, r.outcome_id, r.domain, r.judgement,"
        " r.support FROM rob_judgements AS r WHERE r.tool = ? AND r.id = ("
        "SELECT max(id) FROM rob_judgements WHERE record_id = r.record_id"
        " AND tool = r.tool AND outcome_id = r.outcome_id AND domain = r.domain"
        " AND reviewer = r.reviewer)"
    )
    params: list[Any] = [tool.name]
    if reviewer is not None:
        sql += " AND r.reviewer = ?"
        params.append(reviewer)
    if record_id is not None:
        sql += " AND r.record_id = ?"
        params.append(record_id)
    return pd.read_sql_query(sql + " ORDER BY r.id", store.conn, params=params)


def write_rows(
    store: Store,
    record_id: int,
    reviewer: str,
    tool: RobTool,
    outcome_id: str,
    rows: list[tuple[str, str, str | None]],
) -> None:
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO rob_judgements (record_id, reviewer, tool, outcome_id,"
            " domain, judgement, support) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (record_id, reviewer, tool.name, outcome_id, item, value, note)
                for item, value, note in rows
            ],
        )
