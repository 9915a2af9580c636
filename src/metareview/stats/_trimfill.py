r"""The trim-and-fill iteration of Duval & Tweedie (2000) and its estimators.

With the missing studies on the left (the right is handled by reflecting the
effects), the ``k0`` largest effects are trimmed, the model is refitted to the
rest, and ``k0`` is estimated again from the signed ranks of the deviations of
all ``n`` effects from that estimate, until ``k0`` does not change. The trimmed
studies are then mirrored around the last estimate and filled in.

With :math:`T_n` the sum of the ranks of :math:`|y_i - \hat\theta|` of the
positive deviations, and :math:`\gamma^*` the length of the rightmost run of
positive deviations among the ranked ones (Duval & Tweedie 2000b, section 3):

.. math:: L_0 = \frac{4 T_n - n(n+1)}{2n - 1}, \qquad R_0 = \gamma^* - 1,

``k0 = max(0, round(·))``. The standard error of :math:`L_0` is
:math:`4\sigma_n / (2n - 1)` with
:math:`24\sigma_n^2 = n(n+1)(2n+1) + 10k^3 + 27k^2 + 17k - 18nk^2 - 18nk
+ 6n^2k` at the estimator's last unrounded value :math:`k` (Duval & Tweedie
2000b, section 3.2; NaN where that is negative); that of :math:`R_0` is
:math:`\sqrt{2k_0 + 2}`, and :math:`P(R_0 \ge k_0) = 2^{-(k_0 + 1)}` under no
missing studies (the signs of the largest ranks are fair coins), which is the
p-value of ``k0``.

References
----------
Duval S, Tweedie R (2000a). Trim and fill: a simple funnel-plot-based method of
testing and adjusting for publication bias in meta-analysis. Biometrics
56:455-463. doi:10.1111/j.0006-341X.2000.00455.x
Duval S, Tweedie R (2000b). A nonparametric "trim and fill" method of accounting
for publication bias in meta-analysis. J Am Stat Assoc 95:89-98.
doi:10.1080/01621459.2000.10473905

"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from .._validate import ConvergenceWarning, InputError, choice, positive_int
from ._bias_input import check_model
from ._bias_results import TrimfillResult
from ._core import fit_models
from ._funnel import regression
from .results import RMAResult
from .rma import fit_design
from .tau2 import Problem

FloatArray = NDArray[np.float64]
FitBeta = Callable[[FloatArray, FloatArray, FloatArray | None], float]
"""``(yi, vi, weights) -> estimate`` of the model on a subset of studies."""

ESTIMATORS = ("L0", "R0")
SIDES = ("left", "right")


@dataclass(frozen=True, slots=True, eq=False)
class Filled:
    """The outcome of the iteration, on the scale of the original effects."""

    k0: int
    raw: float  # the estimator's last value before rounding
    yi: FloatArray  # the filled (mirrored) effects
    vi: FloatArray
    weights: FloatArray | None
    se_k0: float
    p_k0: float
    converged: bool
    iterations: int


def estimate_k0(d: FloatArray, estimator: str) -> float:
    """Return the unrounded ``L0`` or ``R0`` from deviations ``d`` (missing: left)."""
    n = d.shape[0]
    ranks = stats.rankdata(np.abs(d))  # ties get their average rank
    if estimator == "L0":
        t_n = float(ranks[d > 0].sum())
        return (4.0 * t_n - n * (n + 1.0)) / (2.0 * n - 1.0)
    negative = ranks[d < 0]
    gamma = n - (float(negative.max()) if negative.size else 0.0)
    return gamma - 1.0


def se_l0(raw: float, n: int) -> float:
    """Return the standard error of ``L0`` at its unrounded value ``raw``."""
    k = raw
    var24 = (
        n * (n + 1.0) * (2.0 * n + 1.0)
        + 10.0 * k**3
        + 27.0 * k**2
        + 17.0 * k
        - 18.0 * n * k**2
        - 18.0 * n * k
        + 6.0 * n**2 * k
    )
    if var24 < 0:
        return float("nan")
    return 4.0 * float(np.sqrt(var24 / 24.0)) / (2.0 * n - 1.0)


def trim_and_fill(
    y: FloatArray,
    v: FloatArray,
    w: FloatArray | None,
    *,
    side: str,
    estimator: str,
    maxiter: int,
    fit_beta: FitBeta,
) -> Filled:
    """Iterate trimming and re-estimation, then mirror the trimmed studies."""
    sign = 1.0 if side == "left" else -1.0
    order = np.argsort(sign * y, kind="stable")
    ys, vs = sign * y[order], v[order]
    ws = None if w is None else w[order]
    n = ys.shape[0]
    k0 = 0
    raw = 0.0
    converged = False
    iterations = 0
    beta = float("nan")
    for iterations in range(1, maxiter + 1):  # noqa: B007 (reported below)
        keep = slice(0, n - k0)
        beta = sign * fit_beta(
            sign * ys[keep], vs[keep], None if ws is None else ws[keep]
        )
        raw = estimate_k0(ys - beta, estimator)
        new = max(0, int(np.round(raw)))
        if new == k0:
            converged = True
            break
        k0 = new
    trimmed = slice(n - k0, n)
    if estimator == "L0":
        se, p = se_l0(raw, n), float("nan")
    else:
        se, p = float(np.sqrt(2.0 * k0 + 2.0)), 0.5 ** (k0 + 1)
    return Filled(
        k0=k0,
        raw=raw,
        yi=sign * (2.0 * beta - ys[trimmed]),
        vi=vs[trimmed].copy(),
        weights=None if ws is None else ws[trimmed].copy(),
        se_k0=se,
        p_k0=p,
        converged=converged,
        iterations=iterations,
    )


def trimfill(
    res: RMAResult,
    *,
    estimator: str = "L0",
    side: str | None = None,
    maxiter: int = 100,
) -> TrimfillResult:
    r"""Trim and fill: estimate and fill in the studies missing from a funnel plot.

    Parameters
    ----------
    res : RMAResult
        An equal-, fixed- or random-effects model without moderators, fitted
        with :func:`~metareview.rma`. Its method, fixed τ², weights, test, level
        and control settings are used for every fit.
    estimator : {"L0", "R0"}
        Estimator of the number of missing studies (Duval & Tweedie 2000b).
        ``"R0"`` also gives a test that none are missing (``p_k0``).
    side : {"left", "right"}, optional
        Side of the funnel plot where studies are missing. By default it is the
        side opposite to the sign of the slope of the regression test with the
        standard error as predictor and ``res``'s model (``regtest(res)``): a
        positive slope, small studies with larger effects, means studies missing
        on the left (as metafor).
    maxiter : int
        Most iterations of trimming and re-estimation.

    Returns
    -------
    TrimfillResult
        ``model`` refitted to the observed and filled studies, ``k0``, ``side``,
        ``se_k0``, ``p_k0`` and ``fill``.

    Notes
    -----
    See the module docstring of ``metareview.stats._trimfill`` for the
    estimators and their standard errors. Studies are ranked by their effect
    with ties in the input order; the trimmed studies are mirrored around the
    estimate of the last trimmed fit, :math:`2\hat\theta - y_i`, with their own
    sampling variances (and weights), and labelled ``"Filled 1"``, ``"Filled
    2"``, ... The method examines the sensitivity of the estimate to one kind of
    selection; it does not give a more valid estimate.

    metafor 3.8 refits the filled model with a z test at the 95% level and
    re-estimates a τ² the user fixed; here the model's own test, level and τ²
    are kept, which gives the same estimate and τ² (the test and level change
    only the intervals) whenever τ² was estimated.

    References
    ----------
    Duval S, Tweedie R (2000). A nonparametric "trim and fill" method of
    accounting for publication bias in meta-analysis. J Am Stat Assoc 95:89-98.
    doi:10.1080/01621459.2000.10473905

    Duval S (2005). The trim and fill method. In Rothstein HR, Sutton AJ,
    Borenstein M (eds.), Publication Bias in Meta-Analysis, 127-144. Chichester:
    Wiley.

    Examples
    --------
    >>> import metareview as mr
    >>> bcg = mr.datasets.load("bcg")
    >>> es = mr.escalc("RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg)
    >>> tf = mr.trimfill(mr.rma(es, method="EE"))
    >>> tf.k0, tf.side, round(tf.se_k0, 4), round(float(tf.beta[0]), 4)
    (4, 'right', 2.3853, -0.291)
    >>> tf.slab[-4:]
    ('Filled 1', 'Filled 2', 'Filled 3', 'Filled 4')

    """
    res = check_model(res, "trimfill")
    estimator = choice("estimator", estimator, ESTIMATORS)
    if side is not None:
        side = choice("side", side, SIDES)
    maxiter = positive_int("maxiter", maxiter)
    if res.p != 1 or not np.all(res.X == 1.0):
        raise InputError(
            "trimfill() applies to models without moderators (as metafor's); this "
            f"model has the coefficients {', '.join(res.coef_names)}"
        )
    if res.k < 3:
        raise InputError(
            f"trimfill() needs at least 3 studies; the model has k = {res.k}"
        )
    if side is None:
        side = _estimated_side(res)
    tau2 = np.array([res.tau2]) if res.tau2_fix else None

    def fit_beta(y: FloatArray, v: FloatArray, w: FloatArray | None) -> float:
        prob = Problem.single(y, v, None, w)
        fit = fit_models(
            prob,
            method=res.method,
            test="z",
            level=res.level,
            opts=res.control,
            tau2=tau2,
            weights=prob.weights,
        )
        return float(fit.beta[0, 0])

    filled = trim_and_fill(
        res.yi,
        res.vi,
        res.user_weights,
        side=side,
        estimator=estimator,
        maxiter=maxiter,
        fit_beta=fit_beta,
    )
    notes: tuple[str, ...] = ()
    if not filled.converged:
        notes = (
            f"the trim-and-fill iteration did not settle on k0 in {maxiter} "
            "iterations; raise maxiter",
        )
        warnings.warn(notes[0], ConvergenceWarning, stacklevel=2)
    return _filled_result(res, filled, side, estimator, notes)


def _estimated_side(res: RMAResult) -> str:
    """Return the side opposite to the sign of ``regtest(res)``'s slope (metafor)."""
    if np.ptp(res.vi) == 0:
        raise InputError(
            "trimfill() cannot estimate the side of the missing studies when every "
            "study has the same variance; give side='left' or side='right'"
        )
    stat = regression(res, "rma", "sei", None).zval
    return "right" if stat < 0 else "left"


def _filled_result(
    res: RMAResult, filled: Filled, side: str, estimator: str, notes: tuple[str, ...]
) -> TrimfillResult:
    weights = None
    if res.user_weights is not None and filled.weights is not None:
        weights = np.concatenate([res.user_weights, filled.weights])
    labels = tuple(f"Filled {i + 1}" for i in range(filled.k0))
    model = fit_design(
        np.concatenate([res.yi, filled.yi]),
        np.concatenate([res.vi, filled.vi]),
        None,
        coef_names=res.coef_names,
        method=res.method,
        test=res.test,
        level=res.level,
        opts=res.control,
        weights=weights,
        tau2=res.tau2 if res.tau2_fix else None,
        slab=(*res.slab, *labels),
        measure=res.measure,
    )
    fill = np.concatenate([np.zeros(res.k, bool), np.ones(filled.k0, bool)])
    fill.setflags(write=False)
    return TrimfillResult(
        model=model,
        k0=filled.k0,
        side=side,
        se_k0=filled.se_k0,
        p_k0=filled.p_k0,
        estimator=estimator,
        fill=fill,
        converged=filled.converged,
        iterations=filled.iterations,
        notes=notes,
    )
