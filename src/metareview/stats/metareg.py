"""Tests in meta-regression: Wald tests of coefficients and likelihood-ratio tests.

``anova(res, btt=...)`` tests a set of coefficients of one model;
``anova(full, reduced)`` compares two nested models by a likelihood-ratio test.
Both follow metafor's ``anova.rma``. ``pseudo_r2`` is the R² that ``rma()``
reports for models with moderators.

References
----------
Raudenbush SW (2009). Analyzing effect sizes: random-effects models. In Cooper H,
Hedges LV, Valentine JC (eds), The Handbook of Research Synthesis and
Meta-Analysis, 2nd ed., 295-315. Russell Sage Foundation.
Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package.
J Stat Softw 36(3):1-48. doi:10.18637/jss.v036.i03
Knapp G, Hartung J (2003). Improved tests for a random effects meta-regression
with a single covariate. Stat Med 22:2693-2710. doi:10.1002/sim.1482

"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, overload

import numpy as np
from numpy.typing import NDArray
from scipy import special

from .._validate import InputError, InputTypeError
from . import _wls, inference
from .results import FitStats, RMAResult
from .tau2 import TAU2, Options, Problem

FloatArray = NDArray[np.float64]

__all__ = ["AnovaResult", "LRTResult", "anova", "pseudo_r2"]


def pseudo_r2(prob: Problem, method: str, opts: Options, tau2: float) -> float:
    r"""Percentage of heterogeneity accounted for by the moderators.

    For random-effects methods the pseudo-:math:`R^2` of Raudenbush (2009,
    eq. 16.5), :math:`100\max(0, (\hat\tau^2_{RE} - \hat\tau^2)/\hat\tau^2_{RE})`,
    with :math:`\hat\tau^2_{RE}` the same estimator's value in the model without
    moderators (0 when that is 0). For equal- and fixed-effects models the
    adjusted coefficient of determination of the weighted least-squares fit,
    :math:`100\max(0, 1 - (RSS/(k-p)) / (TSS/(k-1)))`, with the model's weights
    (``1/v`` or the user's); with weights ``1/v`` it is ``1 - H²/H²_RE``. Both
    as metafor's ``rma.uni`` reports ``R2``.
    """
    k = float(prob.k[0])
    p = prob.p
    if method in ("EE", "FE"):
        a = prob.mask / prob.v if prob.weights is None else prob.weights
        if k <= p:
            return float("nan")
        rss = float(_wls.wls(prob.y, prob.X, a).rss[0])
        tss = float(_wls.wls(prob.y, None, a).rss[0])
        return 100.0 * max(0.0, 1.0 - (rss / (k - p)) / (tss / (k - 1.0)))
    null = replace(prob, X=None)
    tau2_re = float(TAU2[method](null, opts).tau2[0])
    if not tau2_re > 0.0:
        return 0.0
    return 100.0 * max(0.0, (tau2_re - tau2) / tau2_re)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class AnovaResult:
    """Wald-type test of a set of coefficients (metafor's ``anova(res, btt=)``).

    ``QM`` is ``b' V⁻¹ b`` for the tested coefficients ``b`` (chi-square on
    ``QMdf[0] = m`` df, ``QMdf[1]`` NaN), or that divided by ``m`` for models with
    ``test="t"``/``"knha"`` (F on ``QMdf = (m, k - p)`` df). ``btt`` holds the
    0-based indices of the tested coefficients, ``coef_names`` their names.
    """

    QM: float
    QMdf: tuple[float, float]
    QMp: float
    btt: tuple[int, ...]
    coef_names: tuple[str, ...]
    k: int
    p: int
    test: str

    @property
    def m(self) -> int:
        """Number of coefficients tested."""
        return len(self.btt)

    def __str__(self) -> str:
        from ._format_metareg import format_anova

        return format_anova(self)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class LRTResult:
    """Likelihood-ratio test of two nested models (metafor's ``anova(full, red)``).

    ``_f`` fields belong to the full model (more parameters), ``_r`` to the
    reduced one. ``parms`` counts the coefficients plus τ² when it is estimated.
    ``LRT = 2 (ll_f - ll_r)`` (0 if negative) on ``parms_f - parms_r`` df, from
    the restricted likelihoods when a model was fitted by REML, else the full
    likelihoods. ``R2`` is ``100 max(0, (τ²_r - τ²_f) / τ²_r)`` (0 when
    ``τ²_r = 0``), the heterogeneity the full model accounts for beyond the
    reduced one.
    """

    fit_stats_f: FitStats
    fit_stats_r: FitStats
    parms_f: int
    parms_r: int
    LRT: float
    pval: float
    QE_f: float
    QE_r: float
    tau2_f: float
    tau2_r: float
    R2: float
    method_f: str
    method_r: str
    notes: tuple[str, ...] = ()

    @property
    def df(self) -> int:
        """Degrees of freedom of the test: ``parms_f - parms_r``."""
        return self.parms_f - self.parms_r

    def __str__(self) -> str:
        from ._format_metareg import format_lrt

        return format_lrt(self)


@overload
def anova(res: RMAResult, res2: None = None, *, btt: Any = None) -> AnovaResult: ...


@overload
def anova(res: RMAResult, res2: RMAResult, *, btt: None = None) -> LRTResult: ...


def anova(
    res: RMAResult, res2: RMAResult | None = None, *, btt: Any = None
) -> AnovaResult | LRTResult:
    r"""Wald test of coefficients of a model, or likelihood-ratio test of two.

    Parameters
    ----------
    res : RMAResult
        A fitted model.
    res2 : RMAResult, optional
        A second model fitted to the same studies, nested in ``res`` or ``res``
        nested in it (the order does not matter). Gives the likelihood-ratio test.
    btt : int, str or sequence of them, optional
        Coefficients to test: 0-based indices (``res.beta[j]``), names from
        ``res.coef_names``, or a text that selects every coefficient whose name
        contains it (``btt="alloc"`` picks all dummies of ``alloc``, as metafor's
        ``btt`` string does with grep). By default all coefficients but the
        intercept (all of them without intercept), which is the model's ``QM``.

    Returns
    -------
    AnovaResult or LRTResult

    Notes
    -----
    The Wald statistic is :math:`Q_M = \hat b' V_b^{-1} \hat b` for the
    coefficients :math:`\hat b` tested, with :math:`V_b` their block of the
    variance matrix (Knapp-Hartung adjusted with ``test="knha"``); chi-square on
    ``m`` df, or :math:`F = Q_M/m` on ``(m, k - p)`` df for ``test="t"`` and
    ``"knha"`` (Knapp & Hartung 2003; Viechtbauer 2010, section 3.3). The
    likelihood-ratio statistic is :math:`2(\ell_f - \ell_r)` on the difference
    in the number of parameters. REML likelihoods of models with different
    fixed effects are not comparable (their restricted likelihoods are of
    different data), so such a test is refused: refit with ``method="ML"``.

    Examples
    --------
    >>> import metareview as mr
    >>> bcg = mr.datasets.load("bcg")
    >>> es = mr.escalc("RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg)
    >>> res = mr.rma(es, mods="~ ablat + year")
    >>> round(mr.anova(res, btt="year").QMp, 4)
    0.8966
    >>> full = mr.rma(es, mods="~ ablat + year", method="ML")
    >>> reduced = mr.rma(es, mods="~ ablat", method="ML")
    >>> round(mr.anova(full, reduced).pval, 4)
    0.7785

    """
    if not isinstance(res, RMAResult):
        raise InputTypeError(f"anova() needs an RMAResult; got {type(res).__name__}")
    if res2 is not None:
        if btt is not None:
            raise InputError("give either a second model or btt=, not both")
        if not isinstance(res2, RMAResult):
            raise InputTypeError(
                f"anova(): the second model must be an RMAResult; got "
                f"{type(res2).__name__}"
            )
        return _lrt(res, res2)
    idx = res.btt if btt is None else resolve_btt(btt, res.coef_names)
    QM, QMdf, QMp = wald(res, idx)
    return AnovaResult(
        QM=QM,
        QMdf=QMdf,
        QMp=QMp,
        btt=idx,
        coef_names=tuple(res.coef_names[j] for j in idx),
        k=res.k,
        p=res.p,
        test=res.test,
    )


def resolve_btt(btt: Any, names: tuple[str, ...]) -> tuple[int, ...]:
    """Return the sorted 0-based indices that ``btt`` selects among ``names``."""
    items = list(btt) if isinstance(btt, list | tuple | range | np.ndarray) else [btt]
    if not items:
        raise InputError("btt selects no coefficient; give indices or names")
    p = len(names)
    chosen: set[int] = set()
    for item in items:
        if isinstance(item, str):
            if item in names:
                chosen.add(names.index(item))
                continue
            hits = [j for j, name in enumerate(names) if item in name]
            if not hits:
                raise InputError(
                    f"btt={item!r} matches no coefficient; coefficients are: "
                    f"{', '.join(names)}"
                )
            chosen.update(hits)
        elif isinstance(item, int | np.integer) and not isinstance(item, bool):
            if not 0 <= int(item) < p:
                raise InputError(
                    f"btt={int(item)} is not a coefficient index; the model has "
                    f"{p} coefficient{'s' if p != 1 else ''} (0 to {p - 1}: "
                    f"{', '.join(names)})"
                )
            chosen.add(int(item))
        else:
            raise InputTypeError(
                f"btt must hold coefficient indices (int) or names (str); got {item!r}"
            )
    return tuple(sorted(chosen))


def wald(
    res: RMAResult, idx: tuple[int, ...]
) -> tuple[float, tuple[float, float], float]:
    """Wald statistic, its df and p-value for the coefficients ``idx``."""
    sel = np.asarray(idx)
    b = res.beta[sel]
    V = res.vb[np.ix_(sel, sel)]
    stat = float(b @ np.linalg.solve(V, b))
    m = float(len(idx))
    if res.dfs is None:
        p = inference.chisq_sf(np.array([stat]), np.array([m]))[0]
        return stat, (m, float("nan")), float(p)
    F = stat / m
    return F, (m, res.dfs), float(special.fdtrc(m, res.dfs, F))


def parms(res: RMAResult) -> int:
    """Return the number of parameters: coefficients, plus τ² if estimated."""
    return res.p + int(not (res.tau2_fix or res.method in ("EE", "FE")))


def _lrt(a: RMAResult, b: RMAResult) -> LRTResult:
    if a.k != b.k or not (np.array_equal(a.yi, b.yi) and np.array_equal(a.vi, b.vi)):
        raise InputError(
            "anova(): the two models were fitted to different studies (yi, vi); an "
            "LRT compares models of the same data"
        )
    if parms(a) == parms(b):
        raise InputError(
            f"anova(): the two models have the same number of parameters "
            f"({parms(a)}); an LRT compares nested models with fewer and more "
            "parameters"
        )
    full, red = (a, b) if parms(a) > parms(b) else (b, a)
    reml = "REML" in (full.method, red.method)
    if not _spans(full.X, red.X):
        raise InputError(
            "anova(): the models are not nested: the moderators of the reduced model "
            f"({', '.join(red.coef_names)}) are not in the span of those of the full "
            f"model ({', '.join(full.coef_names)})"
        )
    if reml and not (full.p == red.p and _spans(red.X, full.X)):
        raise InputError(
            "anova(): REML likelihoods of models with different moderators (fixed "
            "effects) are not comparable; refit both models with method='ML' for a "
            "likelihood-ratio test"
        )
    notes = []
    other = sorted({full.method, red.method} - {"ML", "REML", "EE", "FE"})
    if other:
        notes.append(
            f"LRTs assume likelihood fits (ML or REML); tau2 here was estimated by "
            f"{', '.join(other)}, so treat the test with caution"
        )
    fs_f = inference.fit_stats(full, reml=reml)
    fs_r = inference.fit_stats(red, reml=reml)
    lrt = max(0.0, 2.0 * (fs_f.ll - fs_r.ll))
    df = parms(full) - parms(red)
    tau2_f, tau2_r = _tau2(full), _tau2(red)
    r2 = 0.0 if not tau2_r > 0.0 else 100.0 * max(0.0, (tau2_r - tau2_f) / tau2_r)
    return LRTResult(
        fit_stats_f=fs_f,
        fit_stats_r=fs_r,
        parms_f=parms(full),
        parms_r=parms(red),
        LRT=lrt,
        pval=float(inference.chisq_sf(np.array([lrt]), np.array([float(df)]))[0]),
        QE_f=full.QE,
        QE_r=red.QE,
        tau2_f=tau2_f,
        tau2_r=tau2_r,
        R2=r2,
        method_f=full.method,
        method_r=red.method,
        notes=tuple(notes),
    )


def _tau2(res: RMAResult) -> float:
    return 0.0 if res.method in ("EE", "FE") else res.tau2


def _spans(big: FloatArray, small: FloatArray) -> bool:
    """Whether every column of ``small`` is in the column space of ``big``."""
    coef = np.linalg.lstsq(big, small, rcond=None)[0]
    resid = np.linalg.norm(small - big @ coef, axis=0)
    return bool(np.all(resid <= 1e-7 * np.maximum(np.linalg.norm(small, axis=0), 1.0)))
