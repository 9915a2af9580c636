"""Reading the evidence gap map's input: its axes, the studies and the results.

The axes (intervention categories, constructs and their timepoints) come from the
protocol, the explicit lists or the data; every row of ``studies`` and
``results`` is checked against them, and a value outside them is an error that
names the table, the row and the value (see :mod:`.gapmap`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._validate import InputError, InputTypeError
from ._grade_types import LEVELS, SYMBOLS
from .protocol import Protocol

#: The intervention of the rows that count every category together.
ALL = "all"
Pair = tuple[str, str]  # (construct, timepoint)
Timepoints = Sequence[str] | Mapping[str, Sequence[str]]

#: GRADE certainty of a body of evidence, as the symbols of a summary of
#: findings table (Balshem et al. 2011, table 2), from high to very low.
CERTAINTY_SYMBOLS = dict(zip(reversed(LEVELS), reversed(SYMBOLS), strict=True))

# --- the axes ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Axes:
    interventions: tuple[str, ...]  # ids
    intervention_labels: tuple[str, ...]
    aliases: dict[str, str]  # casefolded id or name -> id
    constructs: tuple[str, ...]
    outcomes: dict[str, str]  # outcome id -> construct (from the protocol)
    pairs: tuple[Pair, ...]  # grouped by timepoint

    @classmethod
    def build(
        cls,
        studies: pd.DataFrame,
        protocol: Protocol | None,
        interventions: Sequence[str] | None,
        constructs: Sequence[str] | None,
        timepoints: Sequence[str] | Mapping[str, Sequence[str]] | None,
    ) -> Axes:
        outcomes = (
            {o.id: o.construct_name for o in protocol.outcomes} if protocol else {}
        )
        cats = [(c.id, c.name) for c in protocol.interventions] if protocol else []
        if not cats:  # the explicit list, else the data
            given = _strings("interventions", interventions) if interventions else None
            seen = given or _seen(studies, "intervention")
            cats = [(v, v) for v in seen]
            interventions = None
        aliases = {k.casefold(): i for i, name in cats for k in (i, name)}
        if interventions is not None:
            ids = [
                _lookup("interventions", v, aliases, cats)
                for v in _strings("interventions", interventions)
            ]
            cats = [next(c for c in cats if c[0] == i) for i in dict.fromkeys(ids)]
        known: dict[str, list[str]] = {}  # construct -> its timepoints
        for o in protocol.outcomes if protocol else ():
            tps = known.setdefault(o.construct_name, [])
            tps += [t for t in o.timepoints if t not in tps]
        names = list(known) or None
        if constructs is not None:
            names = _strings("constructs", constructs)
            for c in names:
                if known and c not in known:
                    raise InputError(
                        f"constructs: {c!r} is not a construct of the protocol's "
                        f"outcomes; they are: {_quoted(known)}"
                    )
        if names is None:
            names = _seen_constructs(studies, outcomes)
        names = list(dict.fromkeys(names))
        per = _timepoints(studies, outcomes, names, known, timepoints)
        order = [t for c in names for t in per[c]]
        if _is_sequence(timepoints):
            order = [*_strings("timepoints", timepoints), *order]  # type: ignore[arg-type]
        order = list(dict.fromkeys(order))
        pairs = tuple((c, t) for t in order for c in names if t in per[c])
        return cls(
            interventions=tuple(i for i, _ in cats),
            intervention_labels=tuple(n for _, n in cats),
            aliases=aliases,
            constructs=tuple(names),
            outcomes=outcomes,
            pairs=pairs,
        )


def _timepoints(
    studies: pd.DataFrame,
    outcomes: Mapping[str, str],
    names: Sequence[str],
    known: Mapping[str, list[str]],
    timepoints: Sequence[str] | Mapping[str, Sequence[str]] | None,
) -> dict[str, list[str]]:
    """Each construct's timepoints on the map (``[""]`` when none is known)."""
    per: dict[str, list[str]] = {}
    if isinstance(timepoints, Mapping):
        for c in timepoints:
            if c not in names:
                raise InputError(
                    f"timepoints: {c!r} is not a construct of the map; "
                    f"they are: {_quoted(names)}"
                )
        per = {c: _strings(f"timepoints[{c!r}]", v) for c, v in timepoints.items()}
    elif timepoints is not None:
        listed = _strings("timepoints", timepoints)
        per = {
            c: [t for t in listed if not known or t in known.get(c, [])] for c in names
        }
    if not known and "timepoint" in studies.columns:  # from the data
        seen: dict[str, list[str]] = {}
        cons = _construct_column(studies, outcomes) or [None] * len(studies)
        for con, tp in zip(cons, studies["timepoint"], strict=True):
            if isinstance(con, str) and isinstance(tp, str):
                tps = seen.setdefault(con.strip(), [])
                tps += [tp.strip()] if tp.strip() not in tps else []
        known = seen
    out = {c: per[c] if c in per else known.get(c, []) for c in names}
    return {c: list(dict.fromkeys(tps or [""])) for c, tps in out.items()}


def _is_sequence(value: object) -> bool:
    return value is not None and not isinstance(value, Mapping)


def _strings(name: str, values: Iterable[object]) -> list[str]:
    if isinstance(values, str):
        raise InputTypeError(
            f"{name} must be a list of names; got the string {values!r}"
        )
    out = []
    for v in values:
        if not isinstance(v, str) or not v.strip():
            raise InputError(f"{name} must hold non-empty names; got {v!r}")
        out.append(v.strip())
    return out


def _seen(studies: pd.DataFrame, column: str) -> list[str]:
    if column not in studies.columns:
        return []
    return list(dict.fromkeys(str(v).strip() for v in studies[column].dropna()))


def _construct_column(
    studies: pd.DataFrame, outcomes: Mapping[str, str]
) -> list[object]:
    if "construct" in studies.columns:
        return list(studies["construct"])
    if "outcome" in studies.columns:
        return [outcomes.get(str(v).strip(), v) for v in studies["outcome"]]
    return []


def _seen_constructs(studies: pd.DataFrame, outcomes: Mapping[str, str]) -> list[str]:
    values = _construct_column(studies, outcomes)
    return list(dict.fromkeys(str(v).strip() for v in values if isinstance(v, str)))


def _lookup(
    name: str, value: str, aliases: Mapping[str, str], cats: Sequence[tuple[str, str]]
) -> str:
    found = aliases.get(value.strip().casefold())
    if found is None:
        allowed = ", ".join(f"{i!r} ({n})" if n != i else repr(i) for i, n in cats)
        raise InputError(
            f"{name}: {value!r} is not an intervention category; they are: {allowed}"
        )
    return found


# --- the studies ---------------------------------------------------------------


def read_studies(studies: pd.DataFrame, axes: Axes) -> pd.DataFrame:
    """Check ``studies``; return study, intervention (id), construct, timepoint, n."""
    out = _cells_of("studies", studies, axes, allow_all=False)
    out.insert(0, "study", _text_column("studies", studies, "study"))
    if "participants" in studies.columns:
        n = pd.to_numeric(studies["participants"], errors="coerce").to_numpy(float)
        bad = (pd.notna(studies["participants"]).to_numpy() & np.isnan(n)) | (
            ~np.isnan(n) & ((n < 0) | (n != np.round(n)))
        )
        if bad.any():
            raise InputError(
                "studies: participants must be a whole number >= 0 (or missing); "
                f"{_rows(bad)} hold {_quoted(studies['participants'][bad].tolist())}"
            )
        out["participants"] = n
    else:
        out["participants"] = np.nan
    return out


def _cells_of(
    name: str, frame: pd.DataFrame, axes: Axes, *, allow_all: bool
) -> pd.DataFrame:
    """Check and return the intervention (id), construct and timepoint of each row."""
    interventions = _text_column(name, frame, "intervention")
    cats = list(zip(axes.interventions, axes.intervention_labels, strict=True))
    ids = []
    for k, v in enumerate(interventions):
        if allow_all and v.casefold() == ALL:
            ids.append(ALL)
            continue
        try:
            ids.append(
                _lookup(f"{name} row {k + 1}: intervention", v, axes.aliases, cats)
            )
        except InputError as err:
            raise InputError(str(err) + (" (or 'all')" if allow_all else "")) from None
    if "construct" in frame.columns:
        constructs = _text_column(name, frame, "construct")
    elif "outcome" in frame.columns and axes.outcomes:
        constructs = []
        for k, v in enumerate(_text_column(name, frame, "outcome")):
            if v not in axes.outcomes:
                raise InputError(
                    f"{name} row {k + 1}: outcome {v!r} is not an outcome of the "
                    f"protocol; they are: {_quoted(axes.outcomes)}"
                )
            constructs.append(axes.outcomes[v])
    else:
        need = "'construct' (or 'outcome', with protocol=)"
        raise InputError(
            f"{name} needs a column {need}; it has: {_quoted(frame.columns)}"
        )
    times = _text_column(name, frame, "timepoint", blank=True)
    per: dict[str, list[str]] = {}
    for c, t in axes.pairs:
        per.setdefault(c, []).append(t)
    for k, (c, t) in enumerate(zip(constructs, times, strict=True)):
        if c not in per:
            raise InputError(
                f"{name} row {k + 1}: construct {c!r} is not on the map; the "
                f"constructs are: {_quoted(axes.constructs)}"
            )
        if t not in per[c]:
            raise InputError(
                f"{name} row {k + 1}: timepoint {t!r} is not a timepoint of "
                f"construct {c!r}; its timepoints are: {_quoted(per[c])}"
            )
    return pd.DataFrame(
        {"intervention": ids, "construct": constructs, "timepoint": times}
    )


def _text_column(
    name: str, frame: pd.DataFrame, column: str, *, blank: bool = False
) -> list[str]:
    if column not in frame.columns:
        raise InputError(
            f"{name} needs a column {column!r}; it has: {_quoted(frame.columns)}"
        )
    values = frame[column].tolist()
    missing = np.array([pd.isna(v) or not str(v).strip() for v in values], dtype=bool)
    if missing.any() and not (
        blank and all(pd.isna(v) or not str(v).strip() for v in values)
    ):
        raise InputError(f"{name}: {column} is missing in {_rows(missing)}")
    return ["" if m else str(v).strip() for v, m in zip(values, missing, strict=True)]


# --- the results ---------------------------------------------------------------


def merge_results(
    table: pd.DataFrame, results: pd.DataFrame, axes: Axes
) -> pd.DataFrame:
    if not isinstance(results, pd.DataFrame):
        raise InputTypeError(
            f"results must be a pandas DataFrame; got {type(results).__name__}"
        )
    cells = _cells_of("results", results, axes, allow_all=True)
    values = {}
    for col in ("estimate", "ci_lb", "ci_ub"):
        _text_column("results", results, col)  # present, no blanks
        v = pd.to_numeric(results[col], errors="coerce").to_numpy(float)
        if not np.isfinite(v).all():
            raise InputError(
                f"results: {col} must be a number in {_rows(~np.isfinite(v))}"
            )
        values[col] = v
    wrong = (values["ci_lb"] > values["estimate"]) | (
        values["estimate"] > values["ci_ub"]
    )
    if wrong.any():
        raise InputError(
            "results: the interval ci_lb to ci_ub does not hold the estimate in "
            + _rows(wrong)
        )
    measure = _text_column("results", results, "measure", blank=True)
    certainty = [
        _certainty(v, k)
        for k, v in enumerate(results.get("certainty", [None] * len(results)))
    ]
    where = {
        cell: k
        for k, cell in enumerate(
            table[["intervention", "construct", "timepoint"]].itertuples(
                index=False, name=None
            )
        )
    }
    table = table.copy()
    done: dict[int, int] = {}
    for k, cell in enumerate(cells.itertuples(index=False, name=None)):
        row = where[cell]
        if row in done:
            raise InputError(
                f"results rows {done[row] + 1} and {k + 1} are both for "
                + _cell_name(cell)
            )
        if table.at[row, "studies"] == 0:
            raise InputError(
                f"results row {k + 1}: {_cell_name(cell)} has a result, but "
                "no row of studies is in that cell"
            )
        done[row] = k
        for col in ("estimate", "ci_lb", "ci_ub"):
            table.at[row, col] = values[col][k]
        table.at[row, "measure"] = measure[k] or None
        table.at[row, "certainty"] = certainty[k]
    return table


def _certainty(value: object, k: int) -> str | None:
    if not isinstance(value, str):
        if value is None or pd.isna(value):  # type: ignore[call-overload]
            return None
    text = str(value).strip()
    if not text:
        return None
    word = text.casefold().replace("_", " ")
    symbols = text.replace("\u2a01", "\u2295").replace("\u25cb", "\u25ef")
    for name, shown in CERTAINTY_SYMBOLS.items():
        if word == name or symbols == shown:
            return name
    raise InputError(
        f"results row {k + 1}: certainty must be one of {_quoted(CERTAINTY_SYMBOLS)} "
        f"(or its symbols); got {value!r}"
    )


def _quoted(values: Iterable[object]) -> str:
    return ", ".join(repr(str(v)) for v in values)


def _rows(mask: NDArray[np.bool_]) -> str:
    """Name rows by their 1-based positions: rows 3, 7."""
    where = np.flatnonzero(mask) + 1
    shown = ", ".join(map(str, where[:10])) + (", ..." if len(where) > 10 else "")
    return f"row{'s' * (len(where) != 1)} {shown}"


def _cell_name(cell: tuple[str, str, str]) -> str:
    i, c, t = cell
    return f"intervention {i!r}, construct {c!r}, timepoint {t!r}"
