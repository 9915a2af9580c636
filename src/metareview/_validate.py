"""Checks at the boundary, and the errors and warnings they raise.

Every public function coerces and checks its arguments here, once; internals trust
them. Messages name the argument, what is allowed, and the value given.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "ConvergenceWarning",
    "ImportFormatError",
    "InputError",
    "InputTypeError",
    "MetareviewError",
    "MissingDataWarning",
    "ModelWarning",
]

FloatArray = NDArray[np.float64]


class MetareviewError(Exception):
    """Base class of every error metareview raises on purpose."""


class InputError(MetareviewError, ValueError):
    """An argument or a data value is not allowed."""


class ImportFormatError(InputError):
    """A file to import is malformed; the message names the file, line and reason."""


class InputTypeError(MetareviewError, TypeError):
    """An argument has a type that cannot be used."""


class ConvergenceWarning(UserWarning):
    """An iterative estimator stopped before it converged."""


class MissingDataWarning(UserWarning):
    """Rows with missing values were left out of a computation."""


class ModelWarning(UserWarning):
    """A model was fitted, but a limit of it needs the reader's attention."""


def choice(name: str, value: object, allowed: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise naming both."""
    options = tuple(allowed)
    if not isinstance(value, str) or value not in options:
        raise InputError(
            f"{name} must be one of {', '.join(repr(o) for o in options)}; "
            f"got {value!r}"
        )
    return value


def fraction(name: str, value: object) -> float:
    """Return ``value`` as a float strictly between 0 and 1 (e.g. ``level``)."""
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputTypeError(
            f"{name} must be a number between 0 and 1; got {value!r}"
        ) from None
    if not 0.0 < out < 1.0:
        hint = f" (write {out / 100:g} for {out:g}%)" if 1.0 < out < 100.0 else ""
        raise InputError(
            f"{name} must be a fraction between 0 and 1, e.g. 0.95; got {value!r}{hint}"
        )
    return out


def generator(rng: object) -> np.random.Generator:
    """Return ``rng`` as a NumPy Generator: itself, seeded by an int, or new (None)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, int | np.integer) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise InputTypeError(
        f"rng must be a numpy.random.Generator, an int seed or None; got {rng!r}"
    )


def positive_int(name: str, value: object) -> int:
    """Return ``value`` as an int >= 1."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InputTypeError(f"{name} must be a positive integer; got {value!r}")
    if value < 1:
        raise InputError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


def positive_float(name: str, value: object, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a finite float > 0 (or >= 0 with ``allow_zero``)."""
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputTypeError(f"{name} must be a number; got {value!r}") from None
    if not np.isfinite(out) or out < 0 or (out == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise InputError(f"{name} must be a finite number {bound}; got {value!r}")
    return out


def column(name: str, value: object, data: Any = None) -> FloatArray:
    """Resolve an argument that is an array or the name of a column of ``data``.

    Returns a 1-D float64 array (a new array, safe to modify). Non-numeric entries
    raise an error naming the argument and the first offending position.
    """
    if isinstance(value, str):
        if data is None:
            raise InputTypeError(
                f"{name}={value!r} names a column, but no data= frame was given"
            )
        if value not in data.columns:
            cols = ", ".join(map(str, list(data.columns)[:20]))
            raise InputError(
                f"{name}={value!r} is not a column of data; columns are: {cols}"
            )
        value = data[value]
    raw = value.to_numpy() if hasattr(value, "to_numpy") else value
    arr = np.asarray(raw, dtype=object if _is_mixed(raw) else None)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise InputError(f"{name} must be one-dimensional; got shape {arr.shape}")
    if arr.dtype.kind in "fiub":
        return arr.astype(np.float64, copy=True)
    out = np.empty(arr.shape[0], dtype=np.float64)
    for i, item in enumerate(arr):
        if item is None or (isinstance(item, float) and np.isnan(item)):
            out[i] = np.nan
            continue
        try:
            out[i] = float(item)
        except (TypeError, ValueError):
            raise InputError(
                f"{name} must be numeric; row {i + 1} holds {item!r}"
            ) from None
    return out


def _is_mixed(raw: object) -> bool:
    return isinstance(raw, Sequence) and not isinstance(raw, str)


def same_length(arrays: Mapping[str, FloatArray]) -> int:
    """Return the common length of ``arrays`` or raise naming the mismatch."""
    lengths = {name: a.shape[0] for name, a in arrays.items()}
    distinct = set(lengths.values())
    if len(distinct) > 1:
        desc = ", ".join(f"{n} has {k}" for n, k in lengths.items())
        raise InputError(f"arguments must have the same length: {desc}")
    return distinct.pop() if distinct else 0


def describe_rows(rows: NDArray[np.intp], labels: Sequence[str] | None) -> str:
    """Name rows for a message: their labels when known, else 1-based positions."""
    shown = rows[:10]
    names = (
        [labels[i] for i in shown]
        if labels is not None
        else [str(i + 1) for i in shown]
    )
    more = f" and {rows.size - shown.size} more" if rows.size > shown.size else ""
    return ", ".join(names) + more


def warn_dropped(
    what: str, rows: NDArray[np.intp], labels: Sequence[str] | None
) -> None:
    """Warn that ``rows`` were left out because of missing values."""
    warnings.warn(
        f"{rows.size} {'study' if rows.size == 1 else 'studies'} with missing "
        f"{what} omitted from the analysis: {describe_rows(rows, labels)}",
        MissingDataWarning,
        stacklevel=3,
    )


def check_nonnegative(name: str, arr: FloatArray, *, strict: bool = False) -> None:
    """Raise if any finite entry is negative (or zero when ``strict``)."""
    bad = np.flatnonzero(arr <= 0) if strict else np.flatnonzero(arr < 0)
    if bad.size:
        i = int(bad[0])
        bound = "> 0" if strict else ">= 0"
        raise InputError(
            f"{name} must be {bound}; row {i + 1} holds {float(arr[i])!r}"
            + (f" ({bad.size} rows in all)" if bad.size > 1 else "")
        )


def control_options(
    control: Mapping[str, object] | None, defaults: dict[str, Any]
) -> dict[str, Any]:
    """Merge ``control`` into ``defaults``, rejecting unknown keys by name."""
    out = dict(defaults)
    if control is None:
        return out
    if not isinstance(control, Mapping):
        raise InputTypeError(f"control must be a dict; got {type(control).__name__}")
    for key, value in control.items():
        if key not in defaults:
            raise InputError(
                f"control has no option {key!r}; allowed: {', '.join(sorted(defaults))}"
            )
        out[key] = value
    return out


def readonly(arr: NDArray[Any]) -> NDArray[Any]:
    """Mark ``arr`` read-only and return it."""
    arr.setflags(write=False)
    return arr


def variances(vi: object, sei: object, data: Any) -> FloatArray | None:
    """Return the variances from ``vi=`` or ``sei=`` (squared); None if neither."""
    if vi is not None and sei is not None:
        raise InputError("give either vi= or sei=, not both")
    if vi is not None:
        return column("vi", vi, data)
    if sei is not None:
        se = column("sei", sei, data)
        check_nonnegative("sei", se, strict=True)
        return se * se
    return None
