"""Reading a risk-of-bias table: columns to domains, cells to judgements, weights."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._validate import InputError, InputTypeError, choice
from ..review._rob_tool import norm as _norm
from ._rob_tools import (
    JUDGEMENT_ALIASES,
    JUDGEMENT_LABELS,
    OVERALL_ALIASES,
    ROB_TOOLS,
    Tool,
)

MAX_LISTED = 10  # bad cells named in one error message


@dataclass(frozen=True, slots=True)
class RobTable:
    """A checked risk-of-bias table: judgements are the tool's lower-case keys."""

    tool: str
    studies: tuple[str, ...]
    codes: tuple[str, ...]  # "D1", "D2", ..., and "Overall" when present
    names: tuple[str, ...]  # the domains' wording, and "Overall risk of bias"
    cells: tuple[tuple[str, ...], ...]  # [study][column]
    judgements: tuple[str, ...]  # allowed by the tool, least concern first
    weight_column: str | None  # a column named "weight", if the table has one


def tool_key(tool: object) -> str:
    """Return the key of ``tool`` in ROB_TOOLS (case and spacing ignored)."""
    if not isinstance(tool, str):
        raise InputTypeError(
            f"tool must be one of {', '.join(map(repr, ROB_TOOLS))}; got {tool!r}"
        )
    key = tool.strip().lower().replace("_", "-").replace(" ", "")
    return choice("tool", key if key in ROB_TOOLS else tool, ROB_TOOLS)


def read_table(table: object, tool: str, *, overall: bool) -> RobTable:
    """Check ``table`` against ``tool`` and return its judgements.

    ``overall`` says whether the table must have an overall column.
    """
    key = tool_key(tool)
    spec = ROB_TOOLS[key]
    if isinstance(table, Mapping):
        table = pd.DataFrame(table)
    if not isinstance(table, pd.DataFrame):
        raise InputTypeError(
            f"table must be a pandas DataFrame with a 'study' column and one column "
            f"per domain; got {type(table).__name__}"
        )
    if len(table) == 0:
        raise InputError("table has no rows: there are no studies to plot")
    studies, rest = _studies(table)
    columns, weight_column = _match_columns(rest, key, spec, overall=overall)
    codes = tuple(f"D{i + 1}" for i in range(len(spec["domains"])))
    names = tuple(d["name"] for d in spec["domains"])
    if overall:
        codes, names = (*codes, "Overall"), (*names, "Overall risk of bias")
    cells = _judgements(table, studies, columns, codes, names, key, spec)
    return RobTable(
        tool=key,
        studies=studies,
        codes=codes,
        names=names,
        cells=cells,
        judgements=spec["judgements"],
        weight_column=weight_column,
    )


def _studies(table: pd.DataFrame) -> tuple[tuple[str, ...], list[Any]]:
    found = [c for c in table.columns if _norm(c) == "study"]
    if found:
        labels = list(table[found[0]])
        rest = [c for c in table.columns if c != found[0]]
    elif isinstance(table.index, pd.RangeIndex):
        raise InputError(
            "table needs a 'study' column (or an index of study labels); "
            f"columns are: {', '.join(map(str, table.columns))}"
        )
    else:
        labels, rest = list(table.index), list(table.columns)
    for i, label in enumerate(labels):
        if label is None or (isinstance(label, float) and math.isnan(label)):
            raise InputError(f"table row {i + 1} has no study label")
    return tuple(str(s) for s in labels), rest


def _match_columns(
    columns: Sequence[Any], key: str, spec: Tool, *, overall: bool
) -> tuple[list[Any], str | None]:
    """Column of each domain (and of overall), and the weight column if any."""
    ndom = len(spec["domains"])
    wanted: dict[str, int] = {}
    for i, dom in enumerate(spec["domains"]):
        for name in (f"d{i + 1}", dom["name"], *dom["aliases"]):
            wanted[_norm(name)] = i
    for name in OVERALL_ALIASES:
        wanted[_norm(name)] = ndom
    found: dict[int, Any] = {}
    weight_column = None
    for col in columns:
        norm = _norm(col)
        if norm == "weight":
            weight_column = col
            continue
        if norm not in wanted:
            extra = re.fullmatch(r"d(\d+)", norm)
            if extra:
                raise InputError(
                    f"table has a column {col!r}, but tool {key!r} has {ndom} domains "
                    f"(D1 to D{ndom}); is this table for another tool?"
                )
            continue  # other columns (notes, outcome, ...) are not plotted
        i = wanted[norm]
        if i in found:
            raise InputError(
                f"table has two columns for {_label(i, spec)}: {found[i]!r} and {col!r}"
            )
        found[i] = col
    needed = ndom + 1 if overall else ndom
    missing = [_label(i, spec) for i in range(needed) if i not in found]
    if missing:
        raise InputError(
            f"table has no column for {'; '.join(missing)} of tool {key!r}; "
            f"columns are: {', '.join(map(str, columns))} (name domain columns "
            f"D1 to D{ndom} or by the domains' names, and the last one 'overall')"
        )
    return [found[i] for i in range(needed)], weight_column


def _label(i: int, spec: Tool) -> str:
    if i == len(spec["domains"]):
        return "the overall judgement ('overall')"
    return f"domain D{i + 1} ({spec['domains'][i]['name']})"


def judgement_key(value: object) -> str:
    """Lower-case, single-spaced judgement with other spellings mapped to keys."""
    text = " ".join(str(value).strip().rstrip(".").lower().split())
    return JUDGEMENT_ALIASES.get(text, text)


def _judgements(
    table: pd.DataFrame,
    studies: tuple[str, ...],
    columns: list[Any],
    codes: tuple[str, ...],
    names: tuple[str, ...],
    key: str,
    spec: Tool,
) -> tuple[tuple[str, ...], ...]:
    allowed = spec["judgements"]
    rows: list[tuple[str, ...]] = []
    bad: list[str] = []
    for r, study in enumerate(studies):
        row: list[str] = []
        for col, code, name in zip(columns, codes, names, strict=True):
            value = table[col].iloc[r]
            where = f"study {study!r}, {code} ({name})"
            if value is None or (isinstance(value, float) and math.isnan(value)):
                bad.append(f"{where}: no judgement")
                row.append("")
                continue
            judgement = judgement_key(value)
            if judgement not in allowed:
                bad.append(f"{where}: {value!r}")
            row.append(judgement)
        rows.append(tuple(row))
    if bad:
        more = f"; and {len(bad) - MAX_LISTED} more" if len(bad) > MAX_LISTED else ""
        words = ", ".join(repr(JUDGEMENT_LABELS[j]) for j in allowed)
        raise InputError(
            f"judgements must be one of {words} for tool {key!r} (any case); "
            f"got {'; '.join(bad[:MAX_LISTED])}{more}"
        )
    return tuple(rows)


def study_weights(weights: object, rob: RobTable, table: object) -> NDArray[np.float64]:
    """Each study's share of the total weight, in percent (summing to 100).

    ``weights`` is a mapping study -> weight, a fitted result with ``weights``
    and ``slab``, a sequence in the table's row order, or the name of a column.
    """
    studies = rob.studies
    if isinstance(weights, str):
        if not isinstance(table, pd.DataFrame) or weights not in table.columns:
            raise InputError(f"weights={weights!r} is not a column of table")
        weights = list(table[weights])
    elif hasattr(weights, "weights") and hasattr(weights, "slab"):
        weights = dict(zip(weights.slab, weights.weights, strict=True))
    if isinstance(weights, Mapping):
        if len(set(studies)) < len(studies):
            dup = sorted({s for s in studies if studies.count(s) > 1})
            raise InputError(
                "weights given by study need unique study labels; table repeats "
                + ", ".join(map(repr, dup))
            )
        keys = {str(k): v for k, v in weights.items()}
        missing = [s for s in studies if s not in keys]
        extra = [k for k in keys if k not in set(studies)]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"no weight for {', '.join(map(repr, missing))}")
            if extra:
                parts.append(
                    f"weights for studies not in table: {', '.join(map(repr, extra))}"
                )
            raise InputError(
                "weights must name exactly the studies of table; "
                + "; ".join(parts)
                + " (for the studies of one meta-analysis, pass those rows of table)"
            )
        values = [keys[s] for s in studies]
    elif isinstance(weights, Sequence | np.ndarray | pd.Series):
        values = list(weights)
        if len(values) != len(studies):
            raise InputError(
                f"weights has {len(values)} entries but table has "
                f"{len(studies)} studies"
            )
    else:
        raise InputTypeError(
            "weights must be a mapping study -> weight (e.g. "
            "dict(zip(res.slab, res.weights))), a fitted result, a sequence or "
            f"a column name; got {type(weights).__name__}"
        )
    out = np.empty(len(values))
    for i, (study, w) in enumerate(zip(studies, values, strict=True)):
        try:
            out[i] = float(w)
        except (TypeError, ValueError):
            raise InputError(
                f"weight of study {study!r} is {w!r}, not a number"
            ) from None
        if not np.isfinite(out[i]) or out[i] < 0:
            raise InputError(
                f"weights must be finite and >= 0; study {study!r} has {w!r}"
            )
    if out.sum() <= 0:
        raise InputError("weights sum to 0: no study has any weight")
    return 100.0 * out / out.sum()
