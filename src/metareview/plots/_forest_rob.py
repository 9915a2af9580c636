"""Risk-of-bias judgements beside a forest plot (RevMan 5.4, robvis).

A table of judgements, one row per study and one column per domain plus
``overall``, becomes a column of coloured circles with a symbol per domain; the
legend names the domains. The tools (RoB 2, RoB 1, ROBINS-I: their domains,
judgements and other spellings) are the data of ``_rob_tools``; which tool a
table follows is told from its judgements.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .._validate import InputError, InputTypeError
from ._rob_tools import JUDGEMENT_ALIASES, JUDGEMENT_LABELS, OVERALL_ALIASES, ROB_TOOLS
from ._style import ROB

_CODE = re.compile(r"^(D\d+|[A-Z])$")


@dataclass(frozen=True, slots=True)
class RobTable:
    """Judgements in the model's study order, with headings and legend lines."""

    headers: tuple[str, ...]  # one per column, "Overall" last when given
    judgements: tuple[tuple[str | None, ...], ...]  # [study][column]
    legend: tuple[str, ...]  # "D1: Bias arising from ..."
    key: tuple[str, ...]  # judgements to explain, best first


def _norm(value: Any) -> str | None:
    """Return a judgement's key (``"Low risk"`` -> ``"low"``); None when empty."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = " ".join(str(value).strip().rstrip(".").lower().split())
    return JUDGEMENT_ALIASES.get(text, text) or None


def _tool(values: set[str], n_domains: int) -> str:
    """Return the ROB_TOOLS key of the judgements' tool ("" if unsure)."""
    if values & {"moderate", "serious", "critical", "no information"}:
        return "robins-i"
    if "unclear" in values:
        return "rob1"
    if "some concerns" in values or n_domains == 5:
        return "rob2"
    return "rob1" if n_domains == 7 else ""


def read_rob(rob: Any, slab: tuple[str, ...]) -> RobTable:
    """Check ``rob`` against the model's studies and return its judgements."""
    if not hasattr(rob, "columns") or not hasattr(rob, "index"):
        raise InputTypeError(
            "rob must be a DataFrame of judgements indexed by study label (or with "
            f"a study column); got {type(rob).__name__}"
        )
    study_col = next((c for c in rob.columns if str(c).lower() == "study"), None)
    frame = rob.set_index(study_col) if study_col is not None else rob
    labels = [str(s) for s in frame.index]
    where = {s: i for i, s in enumerate(labels)}
    missing = [s for s in slab if s not in where]
    if missing:
        shown = ", ".join(repr(s) for s in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise InputError(
            f"rob has no judgements for {len(missing)} of the {len(slab)} studies: "
            f"{shown}{more}; index rob by the study labels (res.slab) or give it a "
            "study column"
        )
    overall = next(
        (c for c in frame.columns if str(c).strip().lower() in OVERALL_ALIASES), None
    )
    domains = [c for c in frame.columns if c != overall]
    if not domains and overall is None:
        raise InputError("rob has no domain columns")
    columns = [*domains, *([overall] if overall is not None else [])]
    table = []
    seen: set[str] = set()
    for s in slab:
        row = frame.iloc[where[s]]
        judged = []
        for c in columns:
            j = _norm(row[c])
            if j is not None and j not in ROB:
                raise InputError(
                    f"rob[{c!r}] for study {s!r} is {row[c]!r}; judgements are "
                    f"{', '.join(repr(k) for k in ROB)} (or empty)"
                )
            if j is not None:
                seen.add(j)
            judged.append(j)
        table.append(tuple(judged))
    tool = _tool(seen, len(domains))
    headers, legend = _names([str(d) for d in domains], tool)
    if overall is not None:
        headers = (*headers, "Overall")
    if tool:
        key = ROB_TOOLS[tool]["judgements"]
    else:
        key = tuple(k for k in JUDGEMENT_LABELS if k in seen)
    return RobTable(headers, tuple(table), legend, key)


def _names(domains: list[str], tool: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Short column headings and the legend lines naming the domains."""
    if all(_CODE.match(d) for d in domains):
        known = [d["name"] for d in ROB_TOOLS[tool]["domains"]] if tool else []
        if len(known) == len(domains):
            return tuple(domains), tuple(
                f"{d}: {name}" for d, name in zip(domains, known, strict=True)
            )
        return tuple(domains), ()
    codes = tuple(f"D{i + 1}" for i in range(len(domains)))
    return codes, tuple(f"{c}: {d}" for c, d in zip(codes, domains, strict=True))
