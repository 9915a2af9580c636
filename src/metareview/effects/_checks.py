"""Row-level checks of the data given to :func:`~metareview.escalc` and the conversions.

Each check names the argument, the rule, the first offending row (1-based) and its
value; missing values (NaN) are never errors, they give NaN effect sizes.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .._validate import InputError

FloatArray = NDArray[np.float64]


def show(value: float) -> str:
    """Format one value for a message: ``-1``, ``0.5``, ``1e+20``."""
    return f"{float(value):.10g}"


def require(
    name: str,
    values: FloatArray,
    ok: NDArray[np.bool_],
    rule: str,
    *,
    other: tuple[str, FloatArray] | None = None,
) -> None:
    """Raise unless ``ok`` holds at every row where ``values`` is not missing.

    The message names the argument, the rule, the first offending row (1-based
    over the flattened input; a scalar is shown as it is) and its value, and
    ``other`` names a second argument whose value in that row is shown too
    (``ai`` against ``n1i``).
    """
    flat = np.ravel(values)
    bad = np.flatnonzero(np.ravel(~np.asarray(ok)) & ~np.isnan(flat))
    if other is not None:
        bad = bad[~np.isnan(np.ravel(other[1])[bad])]
    if bad.size == 0:
        return
    i = int(bad[0])
    held = show(flat[i])
    if other is not None:
        held = f"{name} = {held} with {other[0]} = {show(np.ravel(other[1])[i])}"
    where = f"; row {i + 1} holds " if np.ndim(values) else "; got "
    more = f" ({bad.size} rows in all)" if bad.size > 1 else ""
    raise InputError(f"{name} must be {rule}{where}{held}{more}")


def nonnegative(name: str, values: FloatArray) -> None:
    """Require every value >= 0 (counts)."""
    positive(name, values, allow_zero=True)


def positive(name: str, values: FloatArray, *, allow_zero: bool = False) -> None:
    """Require every value > 0 (sizes, SDs, person-times), or >= 0."""
    with np.errstate(invalid="ignore"):
        ok = values >= 0 if allow_zero else values > 0
    require(name, values, ok, ">= 0" if allow_zero else "> 0")


def at_most(name: str, values: FloatArray, bound_name: str, bound: FloatArray) -> None:
    """Require ``values <= bound`` row by row (events: ``ai <= n1i``)."""
    with np.errstate(invalid="ignore"):
        require(
            name, values, values <= bound, f"<= {bound_name}", other=(bound_name, bound)
        )
