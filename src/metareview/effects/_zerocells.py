"""Adding a constant to zero cells, and dropping uninformative studies.

The rules are metafor's ``add``/``to``/``drop00`` (Viechtbauer 2010, and the
``escalc`` documentation of metafor 3.8): ``to="only0"`` adds ``add`` to every
cell of the studies that have a zero cell, ``"all"`` to every cell of every study,
``"if0all"`` to every cell of every study when any study has a zero cell, and
``"none"`` never. Studies dropped by ``drop00`` are set to NaN first, so they do
not count as studies with a zero cell.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

# metafor's order, the default first
TO = ("only0", "all", "if0all", "none")


def has_zero(cells: list[FloatArray]) -> BoolArray:
    """Rows in which any (non-missing) cell is 0."""
    return np.logical_or.reduce([c == 0 for c in cells])


def rows_to_adjust(cells: list[FloatArray], to: str) -> BoolArray:
    """Rows whose cells get ``add`` under the rule ``to``."""
    k = cells[0].shape[0]
    if to == "all":
        return np.ones(k, dtype=bool)
    if to == "none":
        return np.zeros(k, dtype=bool)
    zero = has_zero(cells)
    if to == "if0all":
        return np.full(k, bool(zero.any()))
    return zero


def adjust(
    cells: list[FloatArray], add: float, to: str, drop: BoolArray | None = None
) -> list[FloatArray]:
    """Return the cells with ``add`` added by rule ``to``; ``drop`` rows become NaN."""
    if drop is not None and drop.any():
        cells = [np.where(drop, np.nan, c) for c in cells]
    rows = rows_to_adjust(cells, to) if add != 0 else np.zeros(cells[0].shape, bool)
    return [c + add * rows for c in cells]
