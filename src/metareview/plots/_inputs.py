"""Checks of the models the diagnostic figures draw, and what they take from them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .._validate import InputError, InputTypeError
from ..stats._bias_results import TrimfillResult
from ..stats.results import MHResult, RMAResult

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Studies:
    """The studies of a model without moderators, as the figures use them."""

    yi: FloatArray
    vi: FloatArray
    slab: tuple[str, ...]
    weights: FloatArray  # percent
    beta: float
    tau2: float
    level: float
    measure: str
    keep: BoolArray  # studies of the model with an estimable effect

    @property
    def k(self) -> int:
        """Number of studies drawn."""
        return int(self.yi.shape[0])


def model(res: object, caller: str, *, mh: bool = True) -> RMAResult | MHResult:
    """Return ``res`` if it is a fitted model the figure can draw, else raise."""
    if isinstance(res, TrimfillResult):
        raise InputTypeError(
            f"{caller}() takes a fitted model as res; for a trim-and-fill analysis "
            "pass its model (res.model)"
        )
    if isinstance(res, RMAResult) or (mh and isinstance(res, MHResult)):
        return res
    what = "rma() or rma_mh()" if mh else "rma()"
    raise InputTypeError(
        f"{caller}() needs res= a model fitted by {what}; got {type(res).__name__}"
    )


def no_moderators(res: RMAResult | MHResult, caller: str) -> None:
    """Raise if ``res`` is a meta-regression."""
    if isinstance(res, RMAResult) and not res.int_only:
        raise InputError(
            f"{caller}() draws a model without moderators; res is a meta-regression "
            f"on {', '.join(res.coef_names)}"
        )


def min_k(k: int, caller: str, need: int = 2) -> None:
    """Raise unless there are at least ``need`` studies."""
    if k < need:
        raise InputError(f"{caller}() needs at least {need} studies; res has k = {k}")


def studies(res: RMAResult | MHResult, caller: str) -> Studies:
    """Return the studies of a model without moderators (non-estimable ones out)."""
    no_moderators(res, caller)
    keep = np.isfinite(res.yi) & np.isfinite(res.vi)
    s = Studies(
        yi=np.asarray(res.yi, dtype=np.float64)[keep],
        vi=np.asarray(res.vi, dtype=np.float64)[keep],
        slab=tuple(lab for lab, ok in zip(res.slab, keep, strict=True) if ok),
        weights=np.asarray(res.weights, dtype=np.float64)[keep],
        beta=float(res.beta[0]),
        tau2=float(res.tau2),
        level=float(res.level),
        measure=res.measure,
        keep=keep,
    )
    min_k(s.k, caller)
    return s


def trimfill_of(value: object, name: str, caller: str) -> TrimfillResult:
    """Return ``value`` if it is a trim-and-fill result, else raise naming ``name``."""
    if not isinstance(value, TrimfillResult):
        raise InputTypeError(
            f"{caller}(): {name} must be the result of trimfill(); "
            f"got {type(value).__name__}"
        )
    return value
