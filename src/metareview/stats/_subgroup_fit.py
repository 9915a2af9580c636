"""Batch fits behind :func:`subgroup`: levels, mixed-effects models, permutations.

Levels are laid into padded arrays by ``batch._pad``, so every level of one or of
many labellings of the studies is one call of ``_core.fit_models``; the
mixed-effects models of all labellings are a second call.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._core import Fitted, fit_models
from ._subgroup_input import FIXED, Data
from .batch import _pad
from .inference import crit, pvalue
from .tau2 import Problem

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

PERM_CHUNK = 4_000_000  # design entries (analyses x studies x levels) per batch


def fit_levels(
    codes: IntArray, y: FloatArray, v: FloatArray, G: int, fit_kw: dict[str, Any]
) -> Fitted:
    """Fit one model per level for each labelling (row) of ``codes``, in one batch.

    ``codes`` is ``(P, n)``; row ``p * G + g`` of the fit is level ``g`` of
    labelling ``p``.
    """
    P = codes.shape[0]
    flat = (codes + G * np.arange(P)[:, None]).ravel()
    return fit_models(_pad(flat, np.tile(y, P), np.tile(v, P), P * G), **fit_kw)


def designs(codes: IntArray, G: int) -> FloatArray:
    """Return the designs ``(2P, n, G)`` of the mixed-effects models.

    Row ``2p``: an intercept and the dummies of levels 2..G (treatment coding, as
    R's ``~ factor(g)``); row ``2p + 1``: one indicator per level (cell means,
    ``~ factor(g) - 1``).
    """
    dummies = (codes[:, :, None] == np.arange(G)).astype(np.float64)
    treatment = dummies.copy()
    treatment[:, :, 0] = 1.0
    return np.stack([treatment, dummies], axis=1).reshape(-1, codes.shape[1], G)


def fit_mixed(
    codes: IntArray, y: FloatArray, v: FloatArray, G: int, fit_kw: dict[str, Any]
) -> Fitted:
    """Fit the mixed-effects model of each labelling, in both parametrisations."""
    X = designs(codes, G)
    m, n = X.shape[0], X.shape[1]
    prob = Problem(
        y=np.broadcast_to(y, (m, n)).copy(),
        v=np.broadcast_to(v, (m, n)).copy(),
        X=X,
        mask=np.ones((m, n)),
    )
    return fit_models(prob, **fit_kw)


def per_level(
    lv: Fitted, mx: Fitted, k: NDArray[np.int64], fit_kw: dict[str, Any], common: bool
) -> tuple[dict[str, FloatArray], FloatArray | None]:
    """Return the estimates, intervals and heterogeneity of each level, and the df.

    From the level's own model, or with ``common`` from the cell-means model. A
    single-study level has no I², Q or prediction interval; with its own model
    it keeps the study's own result (a normal-theory CI, as :func:`rma` with
    k = 1) and no τ², with ``common`` the model's estimate, whose variance
    includes the common τ².
    """
    G = k.shape[0]
    single = k == 1
    blank = np.where(single, np.nan, 1.0)
    random = fit_kw["method"] not in FIXED
    dfs: FloatArray | None
    if common:
        beta, se = mx.beta[1].copy(), mx.se[1].copy()
        zval, pval = mx.zval[1].copy(), mx.pval[1].copy()
        ci_lb, ci_ub = mx.ci_lb[1].copy(), mx.ci_ub[1].copy()
        dfs = None if mx.dfs is None else np.full(G, mx.dfs[1])
        tau2 = np.full(G, mx.tau2[1])
        I2 = 100.0 * tau2 / (tau2 + lv.vt[:G]) if random else lv.I2[:G]
    else:
        beta, se = lv.beta[:G, 0].copy(), lv.se[:G, 0].copy()
        zval, pval = lv.zval[:G, 0].copy(), lv.pval[:G, 0].copy()
        ci_lb, ci_ub = lv.ci_lb[:G, 0].copy(), lv.ci_ub[:G, 0].copy()
        dfs = None if lv.dfs is None else np.where(single, np.nan, lv.dfs[:G])
        tau2, I2 = lv.tau2[:G], lv.I2[:G]
        if dfs is not None and single.any():
            z = crit(fit_kw["level"], None)
            pval = np.where(single, pvalue(zval, None), pval)
            ci_lb = np.where(single, beta - z * se, ci_lb)
            ci_ub = np.where(single, beta + z * se, ci_ub)
    spi = np.sqrt(se**2 + (tau2 if random else 0.0))
    c = crit(fit_kw["level"], dfs)
    return {
        "estimate": beta,
        "se": se,
        "zval": zval,
        "pval": pval,
        "ci_lb": ci_lb,
        "ci_ub": ci_ub,
        "pi_lb": (beta - c * spi) * blank,
        "pi_ub": (beta + c * spi) * blank,
        "tau2": tau2 if common else tau2 * blank,
        "I2": I2 * blank,
        "QE": lv.QE[:G] * blank,
        "QEp": lv.QEp[:G] * blank,
    }, dfs


def q_between(est: FloatArray, se: FloatArray) -> FloatArray:
    """Return Cochran's Q across the level estimates of each row, ``(P, G) -> (P,)``."""
    w = 1.0 / (se * se)
    mean = np.einsum("pg,pg->p", w, est) / w.sum(axis=1)
    dev = est - mean[:, None]
    return np.einsum("pg,pg->p", w, dev * dev)


def permutation_p(
    data: Data,
    fit_kw: dict[str, Any],
    common: bool,
    n_perm: int,
    gen: np.random.Generator,
    observed: tuple[float, float],
) -> tuple[float, float]:
    """Return permutation p-values of ``Qb`` and ``QM`` over ``n_perm`` shuffles.

    The labels are shuffled ``n_perm`` times at once and all shuffles are fitted
    in the same two batches (split only where the designs would exceed
    ``PERM_CHUNK`` entries). ``Qb`` is recomputed from the level estimates of
    each shuffle, those of the cell-means model with ``common``.
    """
    G, n = len(data.levels), data.y.shape[0]
    labels = gen.permuted(np.tile(data.codes, (n_perm, 1)), axis=1)
    size = max(1, PERM_CHUNK // (2 * n * G))
    qb, qm = [], []
    for start in range(0, n_perm, size):
        chunk = labels[start : start + size]
        mx = fit_mixed(chunk, data.y, data.v, G, fit_kw)
        qm.append(mx.QM[0::2])
        if common:
            qb.append(q_between(mx.beta[1::2], mx.se[1::2]))
        else:
            lv = fit_levels(chunk, data.y, data.v, G, fit_kw)
            est, se = lv.beta[:, 0].reshape(-1, G), lv.se[:, 0].reshape(-1, G)
            qb.append(q_between(est, se))
    return (
        _perm_p(np.concatenate(qb), observed[0]),
        _perm_p(np.concatenate(qm), observed[1]),
    )


def _perm_p(stats: FloatArray, observed: float) -> float:
    """``(1 + #{stat >= observed}) / (1 + N)``; ties up to rounding count as >=."""
    if not np.isfinite(observed):
        return float("nan")
    hits = np.count_nonzero(stats >= observed * (1.0 - 1e-10))
    return (1.0 + hits) / (1.0 + stats.shape[0])
