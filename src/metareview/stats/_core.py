"""The random/fixed-effects model fitted to a batch of meta-analyses.

``fit_models`` is the one implementation behind :func:`rma` (a batch of one) and
:func:`rma_batch` (a batch of many). Arrays are ``(m, ...)`` with ``m`` analyses.

References
----------
Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package.
J Stat Softw 36(3):1-48. doi:10.18637/jss.v036.i03
Higgins JPT, Thompson SG (2002). Quantifying heterogeneity in a meta-analysis.
Stat Med 21:1539-1558. doi:10.1002/sim.1186

"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import special

from . import _wls, inference
from .tau2 import SE_TAU2, TAU2, Options, Problem

FloatArray = NDArray[np.float64]
LOG_2PI = float(np.log(2.0 * np.pi))


@dataclass(frozen=True, slots=True, eq=False)
class Fitted:
    """Every quantity of fitted models, one row per analysis."""

    beta: FloatArray  # (m, p)
    vb: FloatArray  # (m, p, p)
    zval: FloatArray  # (m, p)
    pval: FloatArray  # (m, p)
    ci_lb: FloatArray  # (m, p)
    ci_ub: FloatArray  # (m, p)
    dfs: FloatArray | None  # (m,) for t and knha, None for z
    tau2: FloatArray
    se_tau2: FloatArray
    converged: NDArray[np.bool_]
    iterations: NDArray[np.int_]
    k: FloatArray
    QE: FloatArray
    QEp: FloatArray
    QM: FloatArray
    QMdf: FloatArray
    QMp: FloatArray
    I2: FloatArray
    H2: FloatArray
    vt: FloatArray  # typical within-study variance (Higgins & Thompson 2002)
    s2w: FloatArray  # Knapp-Hartung scale factor (1 without knha)
    ll_ml: FloatArray
    ll_reml: FloatArray
    weights: FloatArray  # (m, k) weights in percent

    @property
    def se(self) -> FloatArray:
        """Standard errors of the coefficients, ``(m, p)``."""
        return np.sqrt(np.diagonal(self.vb, axis1=1, axis2=2))


def fit_models(
    prob: Problem,
    *,
    method: str,
    test: str,
    level: float,
    opts: Options,
    tau2: FloatArray | None = None,
    weights: FloatArray | None = None,
) -> Fitted:
    """Fit the model ``y = Xβ + u + e``, ``u ~ N(0, τ²)``, ``e ~ N(0, v)``.

    ``tau2`` fixes τ² instead of estimating it; ``weights`` replaces the inverse
    variance weights in the estimation of β (τ² is still estimated from the
    data as the method says, except ``GENQ``, which uses the weights).
    """
    m = prob.y.shape[0]
    k = prob.k
    p = prob.p
    if tau2 is not None:
        t2 = tau2
        # metafor reports the method's standard error evaluated at the fixed τ²
        with np.errstate(divide="ignore", invalid="ignore"):
            se_t2 = SE_TAU2[method](prob, opts, t2)
        converged = np.ones(m, bool)
        iterations = np.zeros(m, np.int_)
    else:
        # analyses with k <= p give 0/0 here; they are overwritten just below
        with np.errstate(divide="ignore", invalid="ignore"):
            est = TAU2[method](prob, opts)
        t2, se_t2, converged, iterations = (
            est.tau2,
            est.se_tau2,
            est.converged,
            est.iterations,
        )
    one = k <= p  # nothing left to estimate τ² from
    if tau2 is None:
        t2 = np.where(one, 0.0, t2)
        se_t2 = np.where(one, np.nan, se_t2)

    sigma = prob.v + t2[:, None]
    w_iv = prob.mask / sigma
    a = w_iv if weights is None else weights
    fit = _wls.wls(prob.y, prob.X, a)
    if weights is None:
        iv = fit
        vb: Any = np.linalg.inv(fit.M) if p > 1 else 1.0 / fit.M
    else:  # sandwich: M⁻¹ X'AΣAX M⁻¹
        iv = _wls.wls(prob.y, prob.X, w_iv)
        bread = _wls.solve(fit.M, _wls.gram(prob.X, a * a * sigma))
        vb = _wls.solve(fit.M, np.swapaxes(bread, 1, 2))

    # heterogeneity statistics from the fixed-effect weights 1/v
    fe = _wls.wls(prob.y, prob.X, prob.mask / prob.v)
    QE = fe.rss
    dfq = k - p
    QEp = np.where(dfq > 0, inference.chisq_sf(QE, np.maximum(dfq, 1)), 1.0)
    trp = _wls.trace_p(fe, prob.X)
    vt = np.where(dfq > 0, dfq / np.where(trp > 0, trp, np.nan), np.nan)
    if method in ("EE", "FE") and tau2 is None:
        I2 = np.where(
            QE > 0, 100.0 * np.maximum(QE - dfq, 0.0) / np.where(QE > 0, QE, 1.0), 0.0
        )
        H2 = np.where(dfq > 0, QE / np.maximum(dfq, 1), np.nan)
    else:
        I2 = 100.0 * t2 / (t2 + vt)
        H2 = (t2 + vt) / vt
    I2 = np.where(one, 0.0, I2)
    H2 = np.where(one, 1.0, H2)

    s2w = np.ones(m)
    dfs: FloatArray | None = None
    if test == "knha":
        # Knapp & Hartung (2003, eq. 6): the generalised Q at τ̂², y'P y / (k - p),
        # with P from the weights 1/(v + τ̂²), whatever weights estimate β
        s2w = np.where(one, 1.0, iv.rss / np.maximum(dfq, 1))
        vb = vb * s2w[:, None, None]
    if test in ("t", "knha"):
        # with nothing left to estimate the residual variance from (k = p) there
        # is no t distribution: infinite df is the normal, as metafor falls back to
        dfs = np.where(dfq > 0, dfq, np.inf)

    se = np.sqrt(np.diagonal(vb, axis1=1, axis2=2))
    zval = fit.beta / se
    pval = inference.pvalue(zval, None if dfs is None else dfs[:, None])
    c = inference.crit(level, None if dfs is None else dfs[:, None])
    ci_lb = fit.beta - c * se
    ci_ub = fit.beta + c * se
    QM, QMdf, QMp = _omnibus(fit.beta, vb, p, dfs, _has_intercept(prob))

    # (restricted) log-likelihood at the fitted β, which with user weights is not
    # the maximiser over β; this is what metafor reports
    logdet_sigma = np.einsum("mk,mk->m", prob.mask, np.log(sigma))
    rss = np.einsum("mk,mk->m", w_iv, fit.resid * fit.resid)
    ll_ml = -0.5 * (k * LOG_2PI + logdet_sigma + rss)
    logdet_xwx = _wls.logdet(iv.M)
    logdet_xx = _wls.logdet(_wls.gram(prob.X, prob.mask))
    ll_reml = -0.5 * ((k - p) * LOG_2PI - logdet_xx + logdet_sigma + logdet_xwx + rss)

    sum_a = a.sum(axis=1, keepdims=True)
    return Fitted(
        beta=fit.beta,
        vb=vb,
        zval=zval,
        pval=pval,
        ci_lb=ci_lb,
        ci_ub=ci_ub,
        dfs=dfs,
        tau2=t2,
        se_tau2=se_t2,
        converged=converged,
        iterations=iterations,
        k=k,
        QE=QE,
        QEp=QEp,
        QM=QM,
        QMdf=QMdf,
        QMp=QMp,
        I2=I2,
        H2=H2,
        vt=vt,
        s2w=s2w,
        ll_ml=ll_ml,
        ll_reml=ll_reml,
        weights=100.0 * a / sum_a,
    )


def _omnibus(
    beta: FloatArray,
    vb: FloatArray,
    p: int,
    dfs: FloatArray | None,
    intercept: NDArray[np.bool_] | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Wald test of the coefficients but the intercept (all if there is none).

    As metafor's QM: with an intercept and p > 1 the test is of coefficients
    2..p, otherwise of all of them (with p = 1 that is the one coefficient).
    ``intercept`` says, per analysis, whether the first column of X is one; by
    default it is. With t tests the statistic is F = QM / q on (q, dfs) df.
    """
    m = beta.shape[0]
    if intercept is None:
        intercept = np.ones(m, bool)
    QM, QMdf, QMp = (np.empty(m) for _ in range(3))
    for rows in (intercept, ~intercept):
        if not rows.any():
            continue
        # skip the intercept, unless it is the model's only coefficient
        first = 1 if rows is intercept and p > 1 else 0
        b = beta[rows, first:]
        V = vb[rows, first:, first:]
        q = b.shape[1]
        stat = np.einsum("mi,mi->m", b, _wls.solve(V, b))
        QMdf[rows] = q
        if dfs is None:
            QM[rows] = stat
            QMp[rows] = inference.chisq_sf(stat, np.full(stat.shape, float(q)))
        else:
            QM[rows] = stat / q
            QMp[rows] = special.fdtrc(q, dfs[rows], stat / q)
    return QM, QMdf, QMp


def _has_intercept(prob: Problem) -> NDArray[np.bool_]:
    """Whether the first column of each analysis' design is 1 for every study."""
    if prob.X is None:
        return np.ones(prob.y.shape[0], bool)
    first = prob.X[:, :, 0]
    return np.all((first == 1.0) | (prob.mask == 0), axis=1)
