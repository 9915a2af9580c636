"""The data arguments of :func:`~metareview.escalc` and the checks of their values.

Which arguments each measure takes, and the rules their values must follow. The
same rules apply to the tables of :func:`~metareview.rma_mh` and
:func:`~metareview.rma_peto`.

Every check names the argument, the rule, the first offending row (1-based) and its
value; missing values (NaN) pass every check and give NaN effect sizes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validate import InputError, InputTypeError, column, same_length
from . import _checks as check
from ._binary import MEASURES as BINARY
from ._continuous import MEASURES as CONTINUOUS
from ._counts import CORRELATIONS, PROPORTIONS, RATES

FloatArray = NDArray[np.float64]

DATA_ARGS = (
    "ai", "bi", "ci", "di", "n1i", "n2i", "x1i", "x2i", "t1i", "t2i",
    "m1i", "m2i", "sd1i", "sd2i", "xi", "ni", "ri", "yi", "vi", "sei",
)  # fmt: skip
_CONT = (("m1i",), ("sd1i",), ("n1i",), ("m2i",), ("sd2i",), ("n2i",))
# each measure needs one argument of every group
NEEDS: dict[str, tuple[tuple[str, ...], ...]] = {
    **dict.fromkeys(BINARY, (("ai",), ("bi", "n1i"), ("ci",), ("di", "n2i"))),
    **dict.fromkeys(CONTINUOUS, _CONT),
    **dict.fromkeys(CORRELATIONS, (("ri",), ("ni",))),
    **dict.fromkeys(PROPORTIONS, (("xi",), ("ni",))),
    **dict.fromkeys(RATES, (("x1i",), ("t1i",), ("x2i",), ("t2i",))),
    "GEN": (("yi",), ("vi", "sei")),
}


def read_arguments(
    measure: str, given: dict[str, Any], data: Any, slab: Any
) -> tuple[dict[str, FloatArray], NDArray[Any] | None]:
    """Resolve and check the data arguments of ``measure``, and the study labels.

    ``given`` maps argument names to arrays or column names of ``data`` (``None``
    for an argument not given). Returns the arrays in the order of metafor's
    tables (``ai bi n1i ci di n2i``, ``m1i sd1i n1i m2i ...``) and the labels
    (``None`` without ``slab``).
    """
    if data is not None and not hasattr(data, "columns"):
        raise InputTypeError(f"data must be a DataFrame; got {type(data).__name__}")
    given = {name: value for name, value in given.items() if value is not None}
    check_arguments(measure, given)
    order = [name for group in NEEDS[measure] for name in group if name in given]
    arrays = {name: column(name, given[name], data) for name in order}
    k = common_length(arrays, data)
    labels = study_labels(slab, data, k)
    validate(measure, arrays)
    return arrays, labels


def check_arguments(measure: str, given: dict[str, Any]) -> None:
    """Raise if ``measure`` is given an argument it ignores or lacks one it needs.

    The arguments it ignores are named first: person-time data given for an odds
    ratio is one mistake, not four missing arguments.
    """
    needs = NEEDS[measure]
    usable = {name for group in needs for name in group}
    extra = [name for name in given if name not in usable]
    if extra:
        raise InputError(
            f"measure={measure!r} does not use {', '.join(f'{n}=' for n in extra)}; "
            f"it takes {', '.join(f'{n}=' for group in needs for n in group)}"
        )
    for group in needs:
        if not any(name in given for name in group):
            what = " or ".join(f"{name}=" for name in group)
            raise InputError(f"measure={measure!r} needs {what}")
    if measure == "GEN" and "vi" in given and "sei" in given:
        raise InputError("give either vi= or sei=, not both")


def common_length(arrays: dict[str, FloatArray], data: Any) -> int:
    """Return the number of studies; every argument must have one value each."""
    k = same_length(arrays)
    if data is not None and k != len(data):
        name = next(iter(arrays))
        raise InputError(f"{name} has {k} values but data has {len(data)} rows")
    return k


def study_labels(slab: Any, data: Any, k: int) -> NDArray[Any] | None:
    """Resolve ``slab`` (an array or a column of ``data``) to ``k`` labels."""
    if slab is None:
        return None
    if isinstance(slab, str):
        if data is None:
            raise InputTypeError(
                f"slab={slab!r} names a column, but no data= frame was given"
            )
        if slab not in data.columns:
            raise InputError(f"slab={slab!r} is not a column of data")
        slab = data[slab]
    raw = slab.to_numpy() if hasattr(slab, "to_numpy") else slab
    labels = np.asarray(raw, dtype=object)
    if labels.ndim != 1 or labels.shape[0] != k:
        raise InputError(f"slab has {labels.size} labels for {k} studies")
    return labels


def validate(measure: str, a: dict[str, FloatArray]) -> None:
    """Check the values of the resolved data arguments of ``measure``."""
    if measure in BINARY:
        _check_table(a)
    elif measure in CONTINUOUS:
        for name in ("sd1i", "sd2i", "n1i", "n2i"):
            check.positive(name, a[name])
        if measure == "ROM":
            for name in ("m1i", "m2i"):
                check.require(
                    name, a[name], a[name] > 0, "> 0 for ROM (a ratio of means)"
                )
    elif measure in CORRELATIONS:
        r, n = a["ri"], a["ni"]
        check.require("ri", r, np.abs(r) <= 1, "between -1 and 1")
        low = 1 if measure == "COR" else 3
        check.require("ni", n, n > low, f"> {low} for {measure}")
    elif measure in PROPORTIONS:
        check.nonnegative("xi", a["xi"])
        check.positive("ni", a["ni"])
        check.at_most("xi", a["xi"], "ni", a["ni"])
    elif measure in RATES:
        for name in ("x1i", "x2i"):
            check.nonnegative(name, a[name])
        for name in ("t1i", "t2i"):
            check.positive(name, a[name])
    else:
        for name in ("vi", "sei"):
            if name in a:
                check.nonnegative(name, a[name])


def _check_table(a: dict[str, FloatArray]) -> None:
    for event, rest, size in (("ai", "bi", "n1i"), ("ci", "di", "n2i")):
        x = a[event]
        check.nonnegative(event, x)
        if size in a:
            check.positive(size, a[size])
            check.at_most(event, x, size, a[size])
        if rest in a:
            check.nonnegative(rest, a[rest])
            n = x + a[rest]
            check.require(f"{event} + {rest}", n, n > 0, "> 0 (the group size)")
            if size in a:
                agree = np.isnan(n) | np.isclose(n, a[size], rtol=1e-12)
                check.require(
                    rest, a[rest], agree, f"{size} - {event}", other=(size, a[size])
                )


def table_cells(a: dict[str, FloatArray]) -> tuple[FloatArray, ...]:
    """Return the cells ``a, b, c, d`` (``b = n1i - ai``, ``d = n2i - ci``)."""
    b = a["bi"] if "bi" in a else a["n1i"] - a["ai"]
    d = a["di"] if "di" in a else a["n2i"] - a["ci"]
    return a["ai"], b, a["ci"], d
