"""What a forest plot shows of a result: studies, pooled estimates, tests.

One plain description for :class:`RMAResult`, :class:`MHResult` and
:class:`SubgroupResult`, so that the layouts never look at the result types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validate import InputError, InputTypeError
from ..stats.inference import crit
from ..stats.results import MHResult, RMAResult
from ..stats.subgroup import SubgroupResult
from ._forest_text import Summary

FloatArray = NDArray[np.float64]
FIXED = ("EE", "FE")


@dataclass(frozen=True, slots=True)
class Source:
    """Studies and pooled estimates of a result, ready to lay out.

    Per-study arrays are in the result's order; ``group`` indexes ``groups``
    (all 0 without subgroups). ``weight`` is the percentage shown (of the
    overall model for subgroups, as RevMan 5 shows them). ``subgroups`` holds
    one Summary per level, ``test`` the test for subgroup differences
    ``(Q, df, p, I²)``; both are empty/None without subgroups.
    """

    slab: tuple[str, ...]
    yi: FloatArray
    lo: FloatArray
    hi: FloatArray
    weight: FloatArray
    group: NDArray[np.intp]
    groups: tuple[str, ...]
    subgroups: tuple[Summary, ...]
    total: Summary
    test: tuple[float, int, float, float] | None
    measure: str
    level: float
    method: str  # RevMan's method: "IV", "M-H" or "Peto"
    fixed: bool
    model: str  # metafor's tau² method code ("REML", "FE", ...)


def describe(res: Any) -> Source:
    """Return the :class:`Source` of ``res`` or raise naming ``res``."""
    if isinstance(res, SubgroupResult):
        return _subgroups(res)
    if isinstance(res, RMAResult):
        if not res.int_only:
            names = ", ".join(res.coef_names)
            raise InputError(
                "res must be a model without moderators (a forest plot pools one "
                f"effect); this one is a meta-regression with coefficients {names}. "
                "Draw the model without mods=, or use subgroup() for a categorical "
                "moderator"
            )
        return _rma(res)
    if isinstance(res, MHResult):
        return _mh(res)
    raise InputTypeError(
        "res must be a result of rma(), rma_mh(), rma_peto() or subgroup(); "
        f"got {type(res).__name__}"
    )


def _intervals(
    yi: FloatArray, vi: FloatArray, level: float
) -> tuple[FloatArray, FloatArray]:
    z = float(crit(level, None))
    with np.errstate(invalid="ignore"):
        se = np.sqrt(vi)
    return yi - z * se, yi + z * se


def _rma_summary(res: RMAResult) -> Summary:
    return _summary(res, fixed=res.method in FIXED, dfs=res.dfs, k=res.k)


def _summary(
    res: RMAResult | MHResult, *, fixed: bool, dfs: float | None, k: int
) -> Summary:
    """Return the pooled estimate of a one-effect model as a Summary."""
    pred = res.predict()
    return Summary(
        est=float(res.beta[0]),
        lb=float(res.ci_lb[0]),
        ub=float(res.ci_ub[0]),
        pi_lb=float(pred.pi_lb[0]),
        pi_ub=float(pred.pi_ub[0]),
        stat=float(res.zval[0]),
        pval=float(res.pval[0]),
        dfs=dfs,
        tau2=None if fixed else float(res.tau2),
        Q=float(res.QE),
        Q_df=k - 1,
        Qp=float(res.QEp),
        I2=float(res.I2),
        k=k,
    )


def _rma(res: RMAResult) -> Source:
    fixed = res.method in FIXED
    return _single(res, _rma_summary(res), method="IV", fixed=fixed, model=res.method)


def _mh(res: MHResult) -> Source:
    fixed = res.method != "DL"
    return _single(
        res,
        _summary(res, fixed=fixed, dfs=None, k=res.k_yi),
        method="Peto" if res.measure == "PETO" else "M-H",
        fixed=fixed,
        model="FE" if fixed else "DL",
    )


def _single(
    res: RMAResult | MHResult, total: Summary, *, method: str, fixed: bool, model: str
) -> Source:
    """Return the Source of one model without subgroups."""
    yi, vi = np.asarray(res.yi), np.asarray(res.vi)
    lo, hi = _intervals(yi, vi, res.level)
    return Source(
        slab=tuple(res.slab),
        yi=yi,
        lo=lo,
        hi=hi,
        weight=np.asarray(res.weights, dtype=np.float64),
        group=np.zeros(yi.shape[0], dtype=np.intp),
        groups=(),
        subgroups=(),
        total=total,
        test=None,
        measure=res.measure,
        level=res.level,
        method=method,
        fixed=fixed,
        model=model,
    )


def _subgroups(res: SubgroupResult) -> Source:
    yi, vi = np.asarray(res.yi), np.asarray(res.vi)
    lo, hi = _intervals(yi, vi, res.level)
    fixed = res.method in FIXED
    levels = []
    for g in range(len(res.levels)):
        k = int(res.k[g])
        levels.append(
            Summary(
                est=float(res.estimate[g]),
                lb=float(res.ci_lb[g]),
                ub=float(res.ci_ub[g]),
                pi_lb=float(res.pi_lb[g]),
                pi_ub=float(res.pi_ub[g]),
                stat=float(res.zval[g]),
                pval=float(res.pval[g]),
                dfs=None if res.dfs is None else float(res.dfs[g]),
                tau2=None if fixed else float(res.tau2[g]),
                Q=float(res.QE[g]),
                Q_df=k - 1,
                Qp=float(res.QEp[g]),
                I2=float(res.I2[g]),
                k=k,
            )
        )
    return Source(
        slab=tuple(res.slab),
        yi=yi,
        lo=lo,
        hi=hi,
        weight=np.asarray(res.weights_overall, dtype=np.float64),
        group=np.asarray(res.group, dtype=np.intp),
        groups=tuple(res.levels),
        subgroups=tuple(levels),
        total=_rma_summary(res.overall),
        test=(res.Qb, res.Qb_df, res.Qb_p, res.Qb_I2),
        measure=res.measure,
        level=res.level,
        method="IV",
        fixed=fixed,
        model=res.method,
    )
