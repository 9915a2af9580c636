"""Shared pieces of :mod:`metareview.effects.convert`: coercion, checks, results.

Every conversion takes scalars or arrays (numpy, lists, pandas Series), broadcasts
them against each other, and returns arrays of the broadcast shape (0-d for scalar
input, which behave as floats). Missing values (NaN) are never errors: they give
NaN results. Every result carries ``method``, a string naming the formula and its
source, so that converted values can be flagged as such in the data and the report.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._validate import InputError, InputTypeError, readonly
from ._checks import require, show

FloatArray = NDArray[np.float64]

#: The source named in the ``method`` strings of the Handbook's conversions.
HANDBOOK = "Cochrane Handbook"


def as_float(name: str, value: object) -> FloatArray:
    """Return ``value`` as a float64 array (a copy), naming ``name`` when it is not."""
    if value is None:
        raise InputTypeError(f"{name} is required; got None")
    raw = value.to_numpy() if hasattr(value, "to_numpy") else value
    try:
        arr = np.array(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be numeric; got {value!r}") from None
    return arr


def broadcast(**arrays: FloatArray) -> list[FloatArray]:
    """Broadcast the named arrays together, or raise naming their shapes."""
    try:
        out = np.broadcast_arrays(*arrays.values())
    except ValueError:
        shapes = ", ".join(f"{k} has shape {np.shape(a)}" for k, a in arrays.items())
        raise InputError(f"arguments must have matching lengths: {shapes}") from None
    return [np.array(a, dtype=np.float64) for a in out]


def floats(**values: object) -> list[FloatArray]:
    """Coerce each named value with :func:`as_float`, then :func:`broadcast` them."""
    return broadcast(**{k: as_float(k, v) for k, v in values.items()})


def sample_size(name: str, values: FloatArray, *, low: float = 2) -> None:
    """Require sample sizes of at least ``low``."""
    with np.errstate(invalid="ignore"):
        require(name, values, values >= low, f">= {low:g}")


def probability(name: str, values: FloatArray) -> None:
    """Require p-values strictly between 0 and 1."""
    with np.errstate(invalid="ignore"):
        require(
            name, values, (values > 0) & (values < 1), "between 0 and 1 (exclusive)"
        )


def ordered(low_name: str, low: FloatArray, high_name: str, high: FloatArray) -> None:
    """Require ``low <= high`` elementwise (``q1 <= median``, ``min <= max``)."""
    with np.errstate(invalid="ignore"):
        bad = np.flatnonzero(np.ravel(low > high))
    if bad.size:
        i = int(bad[0])
        where = f" in row {i + 1}" if np.ndim(low) else ""
        raise InputError(
            f"{low_name} must not exceed {high_name}{where}: "
            f"{low_name} = {show(np.ravel(low)[i])}, "
            f"{high_name} = {show(np.ravel(high)[i])}"
        )


def ro(arr: Any) -> NDArray[Any]:
    """Return ``arr`` as a read-only array (0-d for scalars)."""
    return readonly(np.array(arr))


class Converted:
    """Mixin of the conversion results: ``to_frame()`` for flagging converted data."""

    __slots__ = ()

    def to_frame(self) -> pd.DataFrame:
        """Return the fields as columns, one row per converted value.

        Scalar fields (``method`` when it is one string, ``level``...) are repeated
        on every row, so each converted value keeps the name of its method.
        """
        fields = {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
        }
        arrays = {k: v for k, v in fields.items() if isinstance(v, np.ndarray)}
        shape = np.broadcast_shapes(*(np.shape(v) for v in arrays.values()))
        size = int(np.prod(shape))
        out = {
            k: np.ravel(np.broadcast_to(v, shape))
            if isinstance(v, np.ndarray)
            else [v] * size
            for k, v in fields.items()
            if v is not None and not dataclasses.is_dataclass(v)
        }
        return pd.DataFrame(out)
