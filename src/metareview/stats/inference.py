"""Tests, confidence and prediction intervals, and Q-profile intervals for τ².

The distribution functions are scipy's ufuncs (``ndtr``, ``stdtr``, ``chdtrc``),
which are exact to double precision in the tails and cost microseconds.

References
----------
Hartung J, Knapp G (2001). On tests of the overall treatment effect in
meta-analysis with normally distributed responses. Stat Med 20:1771-1782.
doi:10.1002/sim.791
Sidik K, Jonkman JN (2002). A simple confidence interval for meta-analysis.
Stat Med 21:3153-3159. doi:10.1002/sim.1262
Viechtbauer W (2007). Confidence intervals for the amount of heterogeneity in
meta-analysis. Stat Med 26:37-52. doi:10.1002/sim.2514
Higgins JPT, Thompson SG, Spiegelhalter DJ (2009). A re-evaluation of
random-effects meta-analysis. J R Stat Soc A 172:137-159.
doi:10.1111/j.1467-985X.2008.00552.x

"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from scipy import special

from .._validate import InputError
from .results import FitStats, Prediction, Transform
from .tau2 import Problem

if TYPE_CHECKING:
    import pandas as pd

    from .results import RMAResult

FloatArray = NDArray[np.float64]

TESTS = ("z", "t", "knha")


def pvalue(stat: FloatArray, df: FloatArray | None) -> FloatArray:
    """Two-sided p-value of a z (``df is None``) or t statistic."""
    if df is None:
        return 2.0 * special.ndtr(-np.abs(stat))
    return 2.0 * special.stdtr(df, -np.abs(stat))


def crit(level: float, df: FloatArray | None) -> FloatArray:
    """Two-sided critical value ``z_{1-α/2}`` or ``t_{df, 1-α/2}``."""
    q = 0.5 + level / 2.0
    if df is None:
        return np.asarray(special.ndtri(q))
    return np.asarray(special.stdtrit(df, q))


def chisq_sf(x: FloatArray, df: FloatArray) -> FloatArray:
    """Upper tail of the chi-square distribution (p-value of Q)."""
    return np.asarray(special.chdtrc(df, x))


def chisq_quantile(q: float, df: FloatArray) -> FloatArray:
    """Quantile ``q`` of the chi-square distribution with ``df`` degrees of freedom."""
    return np.asarray(special.chdtri(df, 1.0 - q))


def _generalised_q(prob: Problem, tau2: FloatArray) -> FloatArray:
    return prob.fit(tau2).rss


def qprofile(
    prob: Problem, level: float, *, tol: float = 1e-10, maxiter: int = 200
) -> tuple[FloatArray, FloatArray]:
    """Q-profile confidence limits for τ² (Viechtbauer 2007, eq. 6).

    The limits solve ``Q(τ²) = χ²_{k-p, 1-α/2}`` (lower) and ``χ²_{k-p, α/2}``
    (upper), where ``Q(τ²) = Σ (y - Xβ̂)² / (v + τ²)`` is decreasing in τ². A limit
    whose equation has no root above 0 is 0. Solved for all analyses at once by
    bisection on a bracket, polished by Newton steps.
    """
    df = prob.k - prob.p
    q0 = _generalised_q(prob, np.zeros(prob.y.shape[0]))
    alpha = 1.0 - level
    lower = _solve_q(prob, q0, chisq_quantile(1.0 - alpha / 2.0, df), tol, maxiter)
    upper = _solve_q(prob, q0, chisq_quantile(alpha / 2.0, df), tol, maxiter)
    return lower, upper


def _solve_q(
    prob: Problem, q0: FloatArray, target: FloatArray, tol: float, maxiter: int
) -> FloatArray:
    """Root of ``Q(τ²) = target`` on τ² ≥ 0, or 0 when ``Q(0) <= target``."""
    m = prob.y.shape[0]
    active = q0 > target
    lo = np.zeros(m)
    hi = np.ones(m) * np.maximum(
        np.nanmax(np.where(prob.mask > 0, prob.v, 0.0), axis=1), 1e-8
    )
    # grow the upper end until Q(hi) < target
    for _ in range(200):
        grow = active & (_generalised_q(prob, hi) > target)
        if not grow.any():
            break
        hi = np.where(grow, hi * 4.0, hi)
    tau2 = np.where(active, (lo + hi) / 2.0, 0.0)
    for _ in range(maxiter):
        fit = prob.fit(tau2)
        f = fit.rss - target
        lo = np.where(active & (f > 0), tau2, lo)
        hi = np.where(active & (f <= 0), tau2, hi)
        pr = fit.w * fit.resid
        newton = tau2 + f / np.einsum("mk,mk->m", pr, pr)
        inside = (newton > lo) & (newton < hi)
        new = np.where(inside, newton, (lo + hi) / 2.0)
        new = np.where(active, new, 0.0)
        if np.all(np.abs(new - tau2) <= tol * np.maximum(1.0, tau2)):
            tau2 = new
            break
        tau2 = new
    return tau2


def predict(
    res: RMAResult, level: float, pi: str, transf: Transform | None
) -> Prediction:
    """Pooled effect, confidence and prediction intervals (``RMAResult.predict``)."""
    pred = res.beta[:1].copy()
    se = res.se[:1].copy()
    dfs = None if res.dfs is None else np.asarray(res.dfs)
    c = crit(level, dfs)
    ci_lb, ci_ub = pred - c * se, pred + c * se
    fixed_effects = res.method in ("EE", "FE")
    tau2 = 0.0 if fixed_effects else res.tau2
    spi = np.sqrt(se**2 + tau2)
    if pi == "higgins" and not fixed_effects:
        # Higgins, Thompson & Spiegelhalter (2009, eq. 12): t with k - 2 df
        cpi = crit(level, np.asarray(float(res.k - 2))) if res.k > 2 else np.nan
    else:  # metafor's interval; for EE/FE models it is the confidence interval
        cpi = c
    return Prediction.build(
        pred,
        se,
        (ci_lb, ci_ub),
        (pred - cpi * spi, pred + cpi * spi),
        level=level,
        pi_type=pi,
        transf=transf,
    )


def predict_mods(
    res: RMAResult, newmods: Any, level: float, pi: str, transf: Transform | None
) -> Prediction:
    """Predictions of a meta-regression at ``newmods`` (``RMAResult.predict``).

    ``pred = x'β̂``, ``se = sqrt(x' V x)`` (rows of X times the p x p ``vb``), the
    confidence interval ``pred ± c·se`` and the prediction interval
    ``pred ± c·sqrt(se² + τ²)`` with the residual τ² and the model's critical
    value ``c`` (normal, or t on ``k - p`` df), as metafor's ``predict.rma``.
    """
    if pi != "default":
        raise InputError(
            f"pi={pi!r} is for models without moderators; a meta-regression has "
            "metafor's interval only (pi='default')"
        )
    if newmods is None:
        X = np.asarray(res.X)
    elif res.design is None:
        raise InputError(
            "newmods= is for models with moderators; this model has an intercept "
            "only (its prediction is the pooled effect: call predict())"
        )
    else:
        X = res.design.transform(newmods)
    pred = X @ res.beta
    se = np.sqrt(np.einsum("ni,ij,nj->n", X, res.vb, X))
    dfs = None if res.dfs is None else np.asarray(res.dfs)
    c = crit(level, dfs)
    tau2 = 0.0 if res.method in ("EE", "FE") else res.tau2
    spi = np.sqrt(se**2 + tau2)
    return Prediction.build(
        pred,
        se,
        (pred - c * se, pred + c * se),
        (pred - c * spi, pred + c * spi),
        level=level,
        pi_type=pi,
        transf=transf,
    )


def confint(res: RMAResult, level: float) -> pd.DataFrame:
    """Q-profile intervals for τ², τ, I², H² (see ``RMAResult.confint``)."""
    import pandas as pd

    if res.method in ("EE", "FE"):
        raise InputError(
            f"confint() gives intervals for tau2, which a method={res.method!r} "
            "model does not estimate; refit with a random-effects method"
        )
    if res.tau2_fix:
        raise InputError(
            "confint() gives intervals for an estimated tau2; this model has tau2 "
            f"fixed at {res.tau2:g} by the user"
        )
    if res.method == "GENQ":
        # metafor gives GENQ fits the generalised Q-statistic interval (Jackson
        # 2013), from the distribution of a quadratic form, not the Q-profile
        raise InputError(
            "confint() has no interval for method='GENQ' models yet (that needs the "
            "generalised Q-statistic method of Jackson 2013); the Q-profile interval "
            "is available for the other random-effects methods"
        )
    if res.k - res.p < 1:
        raise InputError(
            f"confint() needs k > {res.p} studies; this model has k = {res.k}"
        )
    lo, hi = qprofile(Problem.single(res.yi, res.vi, res.X), level, tol=res.control.tol)
    t2 = np.array([res.tau2, lo[0], hi[0]])
    vt = res.vt
    table = np.vstack([t2, np.sqrt(t2), 100.0 * t2 / (t2 + vt), (t2 + vt) / vt])
    return pd.DataFrame(
        table, index=["tau2", "tau", "I2", "H2"], columns=["estimate", "ci_lb", "ci_ub"]
    )


def fit_stats(res: RMAResult, reml: bool | None = None) -> FitStats:
    """Log-likelihood, deviance and information criteria as metafor reports them.

    REML fits use the restricted likelihood with ``k - p`` observations; all
    other methods the full likelihood with ``k``. Deviance is ``-2 ll`` less that
    of the saturated model (full likelihood) or ``-2 ll`` (restricted). The
    saturated model gives each study its own mean, so its log-likelihood is
    ``-1/2 sum log(2π v_i)``, without τ² (metafor's ``fitstats``). ``reml``
    chooses the likelihood whatever the method (for likelihood-ratio tests).
    """
    if reml is None:
        reml = res.method == "REML"
    ll = res.ll_reml if reml else res.ll_ml
    estimated = not (res.tau2_fix or res.method in ("EE", "FE"))
    parms = res.p + int(estimated)
    n = res.k - res.p if reml else res.k
    if reml:
        dev = -2.0 * ll
    else:
        ll_sat = -0.5 * (res.k * float(np.log(2 * np.pi)) + np.sum(np.log(res.vi)))
        dev = -2.0 * (ll - ll_sat)
    big = max(n, parms + 2)
    return FitStats(
        ll=ll,
        deviance=float(dev),
        AIC=-2.0 * ll + 2.0 * parms,
        BIC=-2.0 * ll + parms * float(np.log(n)),
        AICc=-2.0 * ll + 2.0 * parms * big / (big - parms - 1),
    )
