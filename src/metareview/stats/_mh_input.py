"""The arguments of :func:`~metareview.rma_mh` and :func:`~metareview.rma_peto`.

The counts are read and checked by the rules of :func:`~metareview.escalc`
(``metareview.effects._inputs``), and the studies' own effects are escalc's, with
the same ``add``/``to``/``drop00`` rules (``metareview.effects._zerocells``).
This module adds what is particular to them: the pair of zero-cell options
(studies' own effects, pooled estimate), leaving out studies with missing
counts, and selecting the tables of the pooled stage.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import (
    InputError,
    InputTypeError,
    choice,
    positive_float,
    warn_dropped,
)
from ..effects._inputs import read_arguments, table_cells
from ..effects._zerocells import TO
from ..effects.escalc import effect_sizes
from . import _mh

# the argument behind each row of _mh.Tables.cells
CELLS = {False: ("ai", "bi", "ci", "di"), True: ("x1i", "t1i", "x2i", "t2i")}


def read_studies(
    measure: str,
    given: dict[str, Any],
    data: Any,
    slab: Any,
    add: Any,
    to: Any,
    drop00: Any,
    *,
    both: bool,
) -> _mh.Studies:
    """Read the counts, compute the studies' own effects, select the pooled tables.

    ``given`` maps the data arguments to arrays or column names (``None`` where
    not given). ``both``: a single ``add``/``to``/``drop00`` sets the pooled
    stage too.
    """
    adds, tos, drops = _stages(add, to, drop00, both=both)
    tables, labels = _read_tables(measure, given, data, slab)
    _check_not_all_double_zero(measure, tables, adds[1], tos[1], drops[1])
    arrays = dict(zip(CELLS[tables.rate], tables.cells, strict=True))
    yi, vi = effect_sizes(
        measure, arrays, add=adds[0], to=tos[0], drop00=drops[0], positive_vi=True
    )
    k = tables.cells.shape[1]
    in_pool = ~tables.double_zero() if drops[1] else np.ones(k, bool)
    return _mh.Studies(
        labels=labels,
        yi=yi,
        vi=vi,
        in_pool=in_pool,
        pooled=tables.take(in_pool).adjusted(adds[1], tos[1]),
        add=adds,
        to=tos,
        drop00=drops,
    )


def _stages(
    add: Any, to: Any, drop00: Any, *, both: bool
) -> tuple[tuple[float, float], tuple[str, str], tuple[bool, bool]]:
    """Split ``add``/``to``/``drop00`` into (studies' effects, pooled estimate)."""

    def pair(name: str, value: Any, default: Any, check: Any) -> tuple[Any, Any]:
        if isinstance(value, str | bool | np.bool_) or np.ndim(value) == 0:
            first = check(name, value)
            return (first, first) if both else (first, default)
        items = list(value)
        if len(items) != 2:
            raise InputError(
                f"{name} must be one value or a pair (studies' effects, pooled "
                f"estimate); got {len(items)} values: {value!r}"
            )
        return check(name, items[0]), check(name, items[1])

    def flag(name: str, value: Any) -> bool:
        if not isinstance(value, bool | np.bool_):
            raise InputTypeError(f"{name} must be True or False; got {value!r}")
        return bool(value)

    def amount(name: str, value: Any) -> float:
        return positive_float(name, value, allow_zero=True)

    def where(name: str, value: Any) -> str:
        return choice(name, value, TO)

    return (
        pair("add", add, 0.0, amount),
        pair("to", to, "none", where),
        pair("drop00", drop00, False, flag),
    )


def _read_tables(
    measure: str, given: dict[str, Any], data: Any, slab: Any
) -> tuple[_mh.Tables, list[str]]:
    """Read and check the counts; leave out studies with missing values."""
    arrays, slabs = read_arguments(measure, given, data, slab)
    rate = measure in ("IRR", "IRD")
    rows = [arrays[name] for name in CELLS[True]] if rate else table_cells(arrays)
    cells = np.vstack(rows)
    k = cells.shape[1]
    if slabs is None:
        labels = [f"Study {i + 1}" for i in range(k)]
    else:
        labels = [str(label) for label in slabs]
    ok = np.asarray(np.isfinite(cells).all(axis=0), dtype=bool)
    if not ok.all():
        bad = [name for name, arr in arrays.items() if not np.isfinite(arr).all()]
        warn_dropped("/".join(bad), np.flatnonzero(~ok), labels)
        cells = cells[:, ok]
        labels = [lab for lab, kept in zip(labels, ok, strict=True) if kept]
    if cells.shape[1] == 0:
        raise InputError("no studies left to analyse (k = 0)")
    return _mh.Tables(rate, cells), labels


def _check_not_all_double_zero(
    measure: str, tables: _mh.Tables, add: float, to: str, drop00: bool
) -> None:
    """Raise when every study is double-zero and nothing at the pooled stage helps.

    Such tables carry no information on the effect; only a continuity correction
    at the pooled stage (``add=(..., a)``, ``drop00=(..., False)``) gives a number.
    """
    if not tables.double_zero().all():
        return
    if not drop00 and add > 0 and to != "none":
        return
    what = (
        "no events in either group"
        if tables.rate
        else "no events (or only events) in both groups"
    )
    raise InputError(
        f"every study has {what}, so the pooled {measure} is not estimable "
        "from these data"
    )


__all__ = ["read_studies"]
