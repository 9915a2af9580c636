"""Arm-level data of a forest plot (events and totals, or means, SDs and totals).

They come from the frame the model was fitted to, matched to the model's studies
by the ``slab`` column (or by position when the frame has no labels).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validate import InputError, InputTypeError
from ..effects._binary import MEASURES as BINARY
from ..effects._continuous import MEASURES as CONTINUOUS
from ..effects.escalc import column_of

FloatArray = NDArray[np.float64]

# column keys of each kind, in the order drawn (group 1, then group 2)
BINARY_KEYS = ("e1", "n1", "e2", "n2")
CONTINUOUS_KEYS = ("m1", "sd1", "n1", "m2", "sd2", "n2")
HEADERS = {"e": "Events", "n": "Total", "m": "Mean", "sd": "SD"}
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)[a-z]?\b")


@dataclass(frozen=True, slots=True)
class Arms:
    """Arm-level values per study (in the model's order), by column key."""

    kind: str  # "binary" or "continuous"
    values: dict[str, FloatArray]

    @property
    def keys(self) -> tuple[str, ...]:
        """The column keys, group 1 first."""
        return BINARY_KEYS if self.kind == "binary" else CONTINUOUS_KEYS


def check_frame(data: Any) -> None:
    """Raise unless ``data`` is None or a DataFrame."""
    if data is not None and not hasattr(data, "columns"):
        raise InputTypeError(
            "data must be the escalc() DataFrame of the model; "
            f"got {type(data).__name__}"
        )


def rows_of(data: Any, slab: tuple[str, ...], needed: list[str]) -> NDArray[np.intp]:
    """Row positions of ``data`` that hold the model's studies, in the model's order.

    By the ``slab`` column when ``data`` has one with unique labels; otherwise by
    position, among the rows with complete ``needed`` columns (and ``yi``, ``vi``
    when present) if there are more rows than studies.
    """
    if "slab" in data.columns:
        labels = [str(s) for s in data["slab"]]
        if len(set(labels)) == len(labels):
            where = {s: i for i, s in enumerate(labels)}
            missing = [s for s in slab if s not in where]
            if missing:
                raise InputError(
                    "data must be the frame the model was fitted to; its slab column "
                    f"lacks {', '.join(repr(s) for s in missing[:5])}"
                )
            return np.array([where[s] for s in slab], dtype=np.intp)
    n = len(slab)
    if len(data) == n:
        return np.arange(n, dtype=np.intp)
    cols = [c for c in (*needed, "yi", "vi") if c in data.columns]
    complete = np.ones(len(data), dtype=bool)
    for c in cols:
        values = np.asarray(data[c].to_numpy(), dtype=np.float64)
        complete &= np.isfinite(values)
    rows = np.flatnonzero(complete)
    if rows.size != n:
        raise InputError(
            f"data has {len(data)} rows ({rows.size} complete) for the model's {n} "
            "studies and no slab column to match them; pass the escalc() frame the "
            "model was fitted to"
        )
    return rows.astype(np.intp)


def _find(data: Any, *arguments: str) -> tuple[str, str] | None:
    """Return the first of ``arguments`` that ``data`` holds, with its column."""
    for argument in arguments:
        name = column_of(data, argument)
        if name is not None:
            return argument, name
    return None


def read_arms(data: Any, measure: str, slab: tuple[str, ...]) -> Arms | None:
    """Arm-level values of ``data`` for a two-group binary or continuous measure.

    Returns None for other measures. Raises, naming ``data``, when the columns
    are absent: ``ai``, ``bi`` or ``n1i``, ``ci``, ``di`` or ``n2i`` (binary);
    ``m1i sd1i n1i m2i sd2i n2i`` (continuous), as :func:`escalc` names them.
    """
    if measure in BINARY:
        found = {
            "ai": _find(data, "ai"),
            "b": _find(data, "n1i", "bi"),
            "ci": _find(data, "ci"),
            "d": _find(data, "n2i", "di"),
        }
        wanted = "ai, bi (or n1i), ci, di (or n2i)"
    elif measure in CONTINUOUS:
        found = {
            c: _find(data, c) for c in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")
        }
        wanted = "m1i, sd1i, n1i, m2i, sd2i, n2i"
    else:
        return None
    if any(c is None for c in found.values()):
        raise InputError(
            f"data has no arm-level columns for measure {measure!r}: forest() looks "
            f"for {wanted}: pass the frame escalc() returned (it records which "
            "columns hold them), or name the columns so"
        )
    pairs = {key: pair for key, pair in found.items() if pair is not None}
    rows = rows_of(data, slab, [name for _, name in pairs.values()])

    def col(key: str) -> FloatArray:
        values = np.asarray(data[pairs[key][1]].to_numpy(), dtype=np.float64)
        return values[rows]

    if measure in BINARY:
        e1, e2 = col("ai"), col("ci")
        n1 = col("b") if pairs["b"][0] == "n1i" else e1 + col("b")
        n2 = col("d") if pairs["d"][0] == "n2i" else e2 + col("d")
        return Arms("binary", {"e1": e1, "n1": n1, "e2": e2, "n2": n2})
    keys = zip(CONTINUOUS_KEYS, pairs, strict=True)
    return Arms("continuous", {k: col(c) for k, c in keys})


def years(data: Any, slab: tuple[str, ...]) -> FloatArray:
    """Study years: the ``year`` column of ``data``, else a year in each label."""
    if data is not None:
        name = next((c for c in data.columns if str(c).lower() == "year"), None)
        if name is not None:
            rows = rows_of(data, slab, [str(name)])
            values = np.asarray(data[name].to_numpy(), dtype=np.float64)[rows]
            if np.isfinite(values).all():
                return values
    found = [_YEAR.findall(s) for s in slab]
    missing = [s for s, f in zip(slab, found, strict=True) if not f]
    if missing:
        raise InputError(
            "sort='year' needs a year column in data or a year in every study label; "
            f"none found for {', '.join(repr(s) for s in missing[:5])}"
        )
    return np.array([float(f[-1]) for f in found], dtype=np.float64)
