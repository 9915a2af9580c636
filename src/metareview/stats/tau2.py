"""Estimators of the between-study variance τ², one function each, over a batch.

Each estimator takes a :class:`Problem` (``m`` meta-analyses, padded to a common
``k``) and :class:`Options` and returns a :class:`Tau2Fit` with τ² and its
standard error for every analysis. ``TAU2`` maps metafor's method codes to them.

References
----------
DerSimonian R, Laird N (1986). Meta-analysis in clinical trials. Control Clin
Trials 7:177-188. doi:10.1016/0197-2456(86)90046-2
DerSimonian R, Kacker R (2007). Random-effects model for meta-analysis of
clinical trials: an update. Contemp Clin Trials 28:105-114.
doi:10.1016/j.cct.2006.04.004
Hedges LV (1983). A random effects model for effect sizes. Psychol Bull
93:388-395. doi:10.1037/0033-2909.93.2.388
Hunter JE, Schmidt FL (2004). Methods of Meta-Analysis, 2nd ed. Sage.
Sidik K, Jonkman JN (2005). Simple heterogeneity variance estimation for
meta-analysis. J R Stat Soc C 54:367-384. doi:10.1111/j.1467-9876.2005.00489.x
Paule RC, Mandel J (1982). Consensus values and weighting factors. J Res Natl
Bur Stand 87:377-385. doi:10.6028/jres.087.022
Morris CN (1983). Parametric empirical Bayes inference. J Am Stat Assoc
78:47-55. doi:10.1080/01621459.1983.10477920
Viechtbauer W (2005). Bias and efficiency of meta-analytic variance estimators
in the random-effects model. J Educ Behav Stat 30:261-293.
doi:10.3102/10769986030003261
Biggerstaff BJ, Tweedie RL (1997). Incorporating variability in estimates of
heterogeneity in the random effects model in meta-analysis. Stat Med
16:753-768. doi:10.1002/(SICI)1097-0258(19970415)16:7<753::AID-SIM494>3.0.CO;2-G

"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validate import ConvergenceWarning
from . import _wls

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True, eq=False)
class Problem:
    """A batch of ``m`` meta-analyses padded to ``k`` studies.

    Padding entries have ``mask == 0``, ``y == 0``, ``v == 1`` and ``X == 0``.
    ``X`` is ``None`` for the model with an intercept only.
    """

    y: FloatArray  # (m, k)
    v: FloatArray  # (m, k)
    X: _wls.Design  # (m, k, p) or None
    mask: FloatArray  # (m, k), 1.0 for a study, 0.0 for padding
    weights: FloatArray | None = None  # (m, k) user weights (GENQ), 0 for padding

    @property
    def k(self) -> FloatArray:
        """Number of studies in each analysis."""
        return self.mask.sum(axis=1)

    @property
    def p(self) -> int:
        """Number of model coefficients."""
        return 1 if self.X is None else int(self.X.shape[2])

    @classmethod
    def single(
        cls,
        y: FloatArray,
        v: FloatArray,
        X: FloatArray | None = None,
        weights: FloatArray | None = None,
    ) -> Problem:
        """Return the batch of one analysis (``X`` None: the intercept only)."""
        return cls(
            y=y[None, :],
            v=v[None, :],
            X=None if X is None else X[None, :, :],
            mask=np.ones((1, y.shape[0])),
            weights=None if weights is None else weights[None, :],
        )

    def take(self, idx: NDArray[np.intp]) -> Problem:
        """Return the sub-batch of analyses ``idx``."""
        return Problem(
            y=self.y[idx],
            v=self.v[idx],
            X=None if self.X is None else self.X[idx],
            mask=self.mask[idx],
            weights=None if self.weights is None else self.weights[idx],
        )

    def fit(self, tau2: FloatArray) -> _wls.Fit:
        """Weighted least squares with weights ``1 / (v + τ²)``."""
        return _wls.wls(self.y, self.X, self.mask / (self.v + tau2[:, None]))


@dataclass(frozen=True, slots=True)
class Options:
    """Settings of the iterative estimators (metafor's ``control``)."""

    tau2_init: float | None = None
    tol: float = 1e-10
    maxiter: int = 100
    stepadj: float = 1.0


@dataclass(frozen=True, slots=True, eq=False)
class Tau2Fit:
    """τ² for each analysis, with its standard error and convergence."""

    tau2: FloatArray
    se_tau2: FloatArray
    converged: NDArray[np.bool_]
    iterations: NDArray[np.int_]


def _closed(prob: Problem, tau2: FloatArray, se: FloatArray) -> Tau2Fit:
    tau2 = np.where(np.isfinite(tau2), np.maximum(tau2, 0.0), np.nan)
    m = tau2.shape[0]
    return Tau2Fit(tau2, se, np.ones(m, bool), np.zeros(m, np.int_))


def _var_quadratic(fit: _wls.Fit, X: _wls.Design, sigma: FloatArray) -> FloatArray:
    """Variance of ``y'P y`` when ``y ~ N(X b, diag(sigma))``: ``2 tr(PΣPΣ)``."""
    return 2.0 * _wls.trace_pdpd(fit, X, sigma)


def _genq(prob: Problem, a: FloatArray) -> Tau2Fit:
    r"""Generalised Q (method of moments) with weights ``a``.

    .. math:: \hat\tau^2 = \frac{Q_a - \mathrm{tr}(P_a V)}{\mathrm{tr}(P_a)},
       \quad Q_a = y' P_a y

    (DerSimonian & Kacker 2007, eq. 6). ``a = 1`` gives Hedges (HE), ``a = 1/v``
    DerSimonian-Laird (DL).
    """
    tau2, fit, trp = _genq_tau2(prob, a)
    return _closed(prob, tau2, _genq_se(prob, fit, trp, tau2))


def _genq_tau2(prob: Problem, a: FloatArray) -> tuple[FloatArray, _wls.Fit, FloatArray]:
    """Return the generalised-Q τ² (truncated at 0), its fit and ``tr(P_a)``."""
    fit = _wls.wls(prob.y, prob.X, a)
    trp = _wls.trace_p(fit, prob.X)
    raw = (fit.rss - _wls.trace_pd(fit, prob.X, prob.v)) / trp
    return np.maximum(raw, 0.0), fit, trp


def _se_genq(prob: Problem, a: FloatArray, tau2: FloatArray) -> FloatArray:
    """Return the standard error of the generalised-Q estimator at ``τ²``.

    ``Var(Q_a) = 2 tr(P_a Σ P_a Σ)`` with ``Σ = V + τ² I`` (Biggerstaff & Tweedie
    1997; DerSimonian & Kacker 2007), divided by ``tr(P_a)²``.
    """
    fit = _wls.wls(prob.y, prob.X, a)
    return _genq_se(prob, fit, _wls.trace_p(fit, prob.X), tau2)


def _genq_se(
    prob: Problem, fit: _wls.Fit, trp: FloatArray, tau2: FloatArray
) -> FloatArray:
    """``sqrt(2 tr(P_a Σ P_a Σ)) / tr(P_a)`` from the fit with weights ``a``."""
    sigma = prob.v + tau2[:, None]
    return np.sqrt(_var_quadratic(fit, prob.X, sigma)) / trp


def dl(prob: Problem, opts: Options) -> Tau2Fit:
    """DerSimonian-Laird: moment estimator from Cochran's Q (weights ``1/v``)."""
    return _genq(prob, prob.mask / prob.v)


def he(prob: Problem, opts: Options) -> Tau2Fit:
    """Hedges (HE): moment estimator from the unweighted residuals."""
    return _genq(prob, prob.mask)


def genq(prob: Problem, opts: Options) -> Tau2Fit:
    """Generalised Q-statistic estimator with the user's ``weights``."""
    if prob.weights is None:
        raise ValueError("GENQ needs weights")
    return _genq(prob, prob.weights)


def _hunter_schmidt(prob: Problem, small_sample: bool) -> Tau2Fit:
    """Hunter-Schmidt: ``τ² = (Q - k) / sum(w)`` with ``w = 1/v``.

    With ``small_sample`` (HSk) Q is first scaled by ``k / (k - p)``.
    """
    fit, scale = _hs_parts(prob, small_sample)
    tau2 = np.maximum((scale * fit.rss - prob.k) / fit.w.sum(axis=1), 0.0)
    return _closed(prob, tau2, _hs_se(prob, fit, scale, tau2))


def _hs_parts(prob: Problem, small_sample: bool) -> tuple[_wls.Fit, FloatArray]:
    """Return the fixed-effect fit (weights ``1/v``) and the scale of Q."""
    k = prob.k
    scale = k / (k - prob.p) if small_sample else np.ones_like(k)
    return prob.fit(np.zeros(prob.y.shape[0])), scale


def _hs_se(
    prob: Problem, fit: _wls.Fit, scale: FloatArray, tau2: FloatArray
) -> FloatArray:
    """Return ``sqrt(Var(c Q)) / sum w``, ``Var(Q) = 2 tr(PΣPΣ)``.

    ``c = k / (k - p)`` for HSk, 1 for HS; ``P`` has the weights ``1/v``.
    """
    sigma = prob.v + tau2[:, None]
    return scale * np.sqrt(_var_quadratic(fit, prob.X, sigma)) / fit.w.sum(axis=1)


def _se_hunter_schmidt(
    prob: Problem, tau2: FloatArray, small_sample: bool
) -> FloatArray:
    """Return the HS/HSk standard error at ``τ²`` (see :func:`_hs_se`)."""
    return _hs_se(prob, *_hs_parts(prob, small_sample), tau2)


def hs(prob: Problem, opts: Options) -> Tau2Fit:
    """Hunter-Schmidt estimator (Viechtbauer 2005, eq. 13)."""
    return _hunter_schmidt(prob, small_sample=False)


def hsk(prob: Problem, opts: Options) -> Tau2Fit:
    """Hunter-Schmidt estimator with the ``k / (k - p)`` small-sample correction."""
    return _hunter_schmidt(prob, small_sample=True)


def sj(prob: Problem, opts: Options) -> Tau2Fit:
    r"""Sidik-Jonkman: one weighted step from a crude start.

    .. math:: \hat\tau^2 = \frac{\tau_0^2}{k-p}\sum_i
       \frac{(y_i - \hat y_i)^2}{v_i + \tau_0^2}

    with the crude start ``τ₀² = sum (y_i - ȳ)² / k`` around the plain mean ȳ,
    also when the model has moderators (Sidik & Jonkman 2005, eq. 8; as metafor).
    """
    tau0 = _sj_start(prob, opts)
    fit = prob.fit(tau0)
    tau2 = tau0 * fit.rss / (prob.k - prob.p)
    return _closed(prob, tau2, _sj_se(prob, tau0, fit, tau2))


def _sj_start(prob: Problem, opts: Options) -> FloatArray:
    """Return ``control['tau2_init']`` or the variance of ``y`` (divisor ``k``)."""
    if opts.tau2_init is not None:
        return np.full(prob.y.shape[0], float(opts.tau2_init))
    return _wls.wls(prob.y, None, prob.mask).rss / prob.k


def _sj_se(
    prob: Problem, tau0: FloatArray, fit: _wls.Fit, tau2: FloatArray
) -> FloatArray:
    """Return ``τ₀² / (k - p) · sqrt(2 tr(P₀ΣP₀Σ))``, ``P₀`` with ``1/(v + τ₀²)``."""
    sigma = prob.v + tau2[:, None]
    return tau0 / (prob.k - prob.p) * np.sqrt(_var_quadratic(fit, prob.X, sigma))


def _se_sj(prob: Problem, opts: Options, tau2: FloatArray) -> FloatArray:
    """Return the SJ standard error at ``τ²`` (see :func:`_sj_se`)."""
    tau0 = _sj_start(prob, opts)
    return _sj_se(prob, tau0, prob.fit(tau0), tau2)


def _start(prob: Problem, opts: Options) -> FloatArray:
    """Start value of the iterative estimators: ``tau2_init``, else Hedges' (HE).

    HE is floored at 1% of the mean sampling variance, so that the start (and
    with it the estimate, should the likelihood have several maxima) is
    equivariant under a change of the scale of ``yi``.
    """
    if opts.tau2_init is not None:
        return np.full(prob.y.shape[0], float(opts.tau2_init))
    floor = 0.01 * np.einsum("mk,mk->m", prob.mask, prob.v) / prob.k
    return np.maximum(_genq_tau2(prob, prob.mask)[0], floor)


Step = Callable[[Problem, FloatArray], FloatArray]


def _ppp(fit: _wls.Fit, X: _wls.Design) -> tuple[FloatArray, FloatArray]:
    """Return ``y'PPy`` and ``y'PPPy`` without forming ``P`` (``Py = W r``)."""
    u = fit.w * fit.resid
    wu = fit.w * u
    yppy = np.einsum("mk,mk->m", u, u)
    ypppy = np.einsum("mk,mk->m", wu, u) - _wls.quad(fit, X, wu)
    return yppy, ypppy


def _newton(
    score: FloatArray, observed: FloatArray, expected: FloatArray
) -> FloatArray:
    """Newton step ``score / observed information``, Fisher's where that is <= 0."""
    info = np.where(observed > 0, observed, expected)
    return score / info


def _reml_step(prob: Problem, tau2: FloatArray) -> FloatArray:
    """Newton step on the restricted log-likelihood.

    Score ``(y'PPy - tr P) / 2``; observed information ``y'PPPy - tr(PP) / 2``;
    expected (Fisher) information ``tr(PP) / 2`` (Harville 1977; Viechtbauer
    2005, eq. 10).
    """
    fit = prob.fit(tau2)
    yppy, ypppy = _ppp(fit, prob.X)
    trp, trpp = _wls.traces_p_pp(fit, prob.X)
    half_trpp = 0.5 * trpp
    return _newton(0.5 * (yppy - trp), ypppy - half_trpp, half_trpp)


def _ml_step(prob: Problem, tau2: FloatArray) -> FloatArray:
    """Newton step on the log-likelihood.

    Score ``(y'PPy - tr W) / 2``; observed information ``y'PPPy - tr(W²) / 2``;
    expected information ``tr(W²) / 2`` (Viechtbauer 2005, eq. 9).
    """
    fit = prob.fit(tau2)
    yppy, ypppy = _ppp(fit, prob.X)
    half_sw2 = 0.5 * np.einsum("mk,mk->m", fit.w, fit.w)
    score = 0.5 * (yppy - np.add.reduce(fit.w, axis=1))
    return _newton(score, ypppy - half_sw2, half_sw2)


def _pm_step(prob: Problem, tau2: FloatArray) -> FloatArray:
    """Newton step on ``Q(τ²) - (k - p)``, with ``dQ/dτ² = -y'PPy``."""
    fit = prob.fit(tau2)
    u = fit.w * fit.resid
    return (fit.rss - (prob.k - prob.p)) / np.einsum("mk,mk->m", u, u)


def _iterate(
    prob: Problem,
    opts: Options,
    step: Step,
    loglik: Callable[[Problem, FloatArray], FloatArray] | None = None,
) -> tuple[FloatArray, NDArray[np.bool_], NDArray[np.int_]]:
    """Safeguarded Newton iteration for all analyses at once.

    Each analysis keeps a bracket ``[lo, hi]`` with a positive step at ``lo`` and
    a negative one at ``hi``. A Newton step that leaves the bracket, or does not
    halve the previous change, is replaced by bisection (as Numerical Recipes'
    ``rtsafe``), so the iteration cannot oscillate or diverge as plain Fisher
    scoring can when τ² is small next to the sampling variances. When a step
    heads to or below 0, the step at τ² = 0 is evaluated once: if it is not
    positive the maximum is on the boundary and τ² = 0. Stops when the change is
    below ``tol``.
    """
    m = prob.y.shape[0]
    tau2 = _start(prob, opts)
    lo = np.zeros(m)
    hi = np.full(m, np.inf)
    last = np.full(m, np.inf)  # size of the previous change
    zero_checked = np.zeros(m, bool)
    done = prob.k <= prob.p  # nothing to estimate τ² from
    tau2[done] = 0.0
    iters = np.zeros(m, np.int_)
    for _ in range(opts.maxiter):
        idx: Any = np.flatnonzero(~done)
        if idx.size == 0:
            break
        if idx.size == m:  # no copies while every analysis is still iterating
            idx, sub = slice(None), prob
        else:
            sub = prob.take(idx)
        t, lo_i, hi_i, last_i = tau2[idx], lo[idx], hi[idx], last[idx]
        # with (nearly) equal effects y'PPy underflows and the step is -inf: it
        # heads for 0, where the boundary check below settles it
        with np.errstate(over="ignore", divide="ignore"):
            delta = step(sub, t)
        new = t + opts.stepadj * delta
        rising = delta > 0
        lo_i = np.where(rising, t, lo_i)
        hi_i = np.where(rising | (delta == 0), hi_i, t)
        # a Newton step is taken as it is if it stays inside the bracket, halves
        # the last change and does not head for 0 before a rising step was seen
        fine = (new > lo_i) & (new < hi_i) & (np.abs(delta) <= 0.5 * last_i)
        fine &= (lo_i > 0) | (new >= 0.5 * t) | zero_checked[idx]
        if not fine.all():
            bracket = (lo_i, hi_i, last_i)
            new = _safeguard(
                sub, step, t, delta, new, bracket, zero_checked, idx, loglik
            )
        change = np.abs(new - t)
        if isinstance(idx, slice):
            tau2, lo, hi, last = new, lo_i, hi_i, change
        else:
            tau2[idx], lo[idx], hi[idx], last[idx] = new, lo_i, hi_i, change
        iters[idx] += 1
        done[idx] = (change <= opts.tol) | (new == 0) & zero_checked[idx]
    return tau2, done, iters


def _safeguard(
    prob: Problem,
    step: Step,
    t: FloatArray,
    delta: FloatArray,
    new: FloatArray,
    bracket: tuple[FloatArray, FloatArray, FloatArray],
    zero_checked: NDArray[np.bool_],
    idx: Any,
    loglik: Callable[[Problem, FloatArray], FloatArray] | None = None,
) -> FloatArray:
    """Replace Newton steps that cannot be trusted (see :func:`_iterate`).

    Where the iteration heads for 0 with no rising step seen yet, the step at
    τ² = 0 is evaluated once: if it is not positive (and, given the likelihood,
    0 beats a ladder of points below the current one, else the iteration goes on
    from the best of them) the maximum is on the boundary and τ² = 0. Elsewhere a
    step that leaves the bracket or does not halve the last change becomes a
    bisection of the bracket (or a doubling of τ² while no upper end is known).
    """
    lo, hi, last = bracket
    heading = (lo == 0) & (new < 0.5 * t) & ~zero_checked[idx]
    boundary = np.zeros(t.shape[0], bool)
    rows = np.flatnonzero(heading)
    if rows.size:
        # only the sign matters; with (nearly) equal effects the step's
        # denominator underflows and the step is -inf, which is the right answer
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            at0 = step(prob.take(rows), np.zeros(rows.size))
        at_zero = ~(at0 > 0)
        if loglik is not None and at_zero.any():
            # a likelihood can have a local maximum at 0 and a higher one inside
            # (meta-regression, ML): 0 is the answer only if it beats a ladder
            # of points between it and the current one; else go on from the best
            jump = _interior_maximum(prob.take(rows), loglik, t[rows], new[rows])
            inside = at_zero & np.isfinite(jump)
            new[rows[inside]] = jump[inside]
            at_zero &= ~inside
        boundary[rows] = at_zero
        checked = zero_checked[idx]
        checked[rows] = True
        zero_checked[idx] = checked
    slow = (new <= lo) | (new >= hi) | (np.abs(delta) > 0.5 * last)
    slow &= delta != 0
    bounded = np.isfinite(hi)
    mid = np.where(bounded, (lo + hi) / 2.0, 2.0 * t + 1e-4)
    new = np.where(slow & (bounded | (new <= lo)), mid, new)
    return np.where(boundary, 0.0, new)


LADDER = 2.0 ** -np.arange(11.0)  # τ² from the current value down to 1/1024 of it


def _interior_maximum(
    prob: Problem,
    loglik: Callable[[Problem, FloatArray], FloatArray],
    t: FloatArray,
    ahead: FloatArray,
) -> FloatArray:
    """Best of the Newton target and ``t · LADDER`` where it beats τ² = 0, else NaN."""
    ll0 = loglik(prob, np.zeros(t.shape[0]))
    points = np.vstack([np.maximum(ahead, 0.0), t[None, :] * LADDER[:, None]])
    values = np.vstack([loglik(prob, pt) for pt in points])
    best = np.argmax(values, axis=0)
    cols = np.arange(t.shape[0])
    return np.where(values[best, cols] > ll0, points[best, cols], np.nan)


def _warn_unconverged(name: str, converged: NDArray[np.bool_], opts: Options) -> None:
    if not converged.all():
        n = int((~converged).sum())
        where = (
            "the model" if converged.size == 1 else f"{n} of {converged.size} analyses"
        )
        warnings.warn(
            f"{name} estimator of tau2 did not converge in {opts.maxiter} iterations "
            f"for {where}; raise control['maxiter'] or loosen control['tol']",
            ConvergenceWarning,
            # _warn_unconverged < _iterative < estimator < fit_models < rma or
            # rma_batch < the caller's line
            stacklevel=6,
        )


def _iterative(
    name: str,
    prob: Problem,
    opts: Options,
    step: Step,
    se: Callable[[Problem, FloatArray], FloatArray],
    loglik: Callable[[Problem, FloatArray], FloatArray] | None = None,
) -> Tau2Fit:
    tau2, converged, iters = _iterate(prob, opts, step, loglik)
    if loglik is not None:
        # the (restricted) likelihood can have a local maximum inside and another
        # at 0; keep the higher one, so the answer does not depend on the start
        inside = tau2 > 0
        if inside.any():
            zero = np.zeros(prob.y.shape[0])
            tau2 = np.where(
                inside & (loglik(prob, zero) > loglik(prob, tau2)), 0.0, tau2
            )
    _warn_unconverged(name, converged, opts)
    return Tau2Fit(tau2, se(prob, tau2), converged, iters)


def _loglik_ml(prob: Problem, tau2: FloatArray) -> FloatArray:
    """Profile log-likelihood of τ², up to a constant: ``-(log|Σ| + y'Py) / 2``."""
    fit = prob.fit(tau2)
    logdet = np.einsum("mk,mk->m", prob.mask, np.log(prob.v + tau2[:, None]))
    return -0.5 * (logdet + fit.rss)


def _loglik_reml(prob: Problem, tau2: FloatArray) -> FloatArray:
    """Restricted log-likelihood of τ², up to a constant (Harville 1977).

    ``-(log|Σ| + log|X'Σ⁻¹X| + y'Py) / 2``.
    """
    fit = prob.fit(tau2)
    logdet = np.einsum("mk,mk->m", prob.mask, np.log(prob.v + tau2[:, None]))
    return -0.5 * (logdet + _wls.logdet(fit.M) + fit.rss)


def _se_reml(prob: Problem, tau2: FloatArray) -> FloatArray:
    """``sqrt(2 / tr(PP))``: inverse Fisher information of the restricted likelihood."""
    return np.sqrt(2.0 / _wls.traces_p_pp(prob.fit(tau2), prob.X)[1])


def _se_ml(prob: Problem, tau2: FloatArray) -> FloatArray:
    """``sqrt(2 / sum w²)``: inverse Fisher information of the likelihood."""
    w = prob.mask / (prob.v + tau2[:, None])
    return np.sqrt(2.0 / np.einsum("mk,mk->m", w, w))


def _se_eb(prob: Problem, tau2: FloatArray) -> FloatArray:
    """Morris' (1983) approximation ``sqrt(2 k² / (k - p)) / sum w``."""
    w = prob.mask / (prob.v + tau2[:, None])
    k = prob.k
    return np.sqrt(2.0 * k * k / (k - prob.p)) / w.sum(axis=1)


def reml(prob: Problem, opts: Options) -> Tau2Fit:
    """Restricted maximum likelihood (Viechtbauer 2005, eq. 10), Newton's method."""
    return _iterative("REML", prob, opts, _reml_step, _se_reml, _loglik_reml)


def ml(prob: Problem, opts: Options) -> Tau2Fit:
    """Maximum likelihood (Viechtbauer 2005, eq. 9), Newton's method."""
    return _iterative("ML", prob, opts, _ml_step, _se_ml, _loglik_ml)


def eb(prob: Problem, opts: Options) -> Tau2Fit:
    """Empirical Bayes (Morris 1983; Berkey et al. 1995).

    Morris' estimating equation ``sum w (k/(k-p) r² - v - τ²) = 0`` in the form
    ``k/(k-p) Q(τ²) = k`` has the Paule-Mandel root ``Q(τ²) = k - p``
    (Viechtbauer et al. 2015), found here with the same Newton iteration; the
    standard error is Morris' approximation.
    """
    return _iterative("EB", prob, opts, _pm_step, _se_eb)


def pm(prob: Problem, opts: Options) -> Tau2Fit:
    """Paule-Mandel: the τ² at which the generalised Q equals its df ``k - p``.

    ``Q(τ²)`` is decreasing in τ², so the root is unique; it is found with the
    safeguarded Newton iteration of ``_iterate`` (Paule & Mandel 1982).
    """
    return _iterative("PM", prob, opts, _pm_step, _se_eb)


def _zero(prob: Problem, opts: Options) -> Tau2Fit:
    m = prob.y.shape[0]
    return _closed(prob, np.zeros(m), np.full(m, np.nan))


Estimator = Callable[[Problem, Options], Tau2Fit]
SeTau2 = Callable[[Problem, Options, FloatArray], FloatArray]

TAU2: dict[str, Estimator] = {
    "EE": _zero,
    "FE": _zero,
    "DL": dl,
    "HE": he,
    "HS": hs,
    "HSk": hsk,
    "SJ": sj,
    "ML": ml,
    "REML": reml,
    "EB": eb,
    "PM": pm,
    "GENQ": genq,
}
"""τ² estimators by metafor's method code."""


def _se_none(prob: Problem, opts: Options, tau2: FloatArray) -> FloatArray:
    return np.full(prob.y.shape[0], np.nan)


def _se_user_genq(prob: Problem, opts: Options, tau2: FloatArray) -> FloatArray:
    if prob.weights is None:
        raise ValueError("GENQ needs weights")
    return _se_genq(prob, prob.weights, tau2)


SE_TAU2: dict[str, SeTau2] = {
    "EE": _se_none,
    "FE": _se_none,
    "DL": lambda prob, opts, t2: _se_genq(prob, prob.mask / prob.v, t2),
    "HE": lambda prob, opts, t2: _se_genq(prob, prob.mask, t2),
    "HS": lambda prob, opts, t2: _se_hunter_schmidt(prob, t2, small_sample=False),
    "HSk": lambda prob, opts, t2: _se_hunter_schmidt(prob, t2, small_sample=True),
    "SJ": _se_sj,
    "ML": lambda prob, opts, t2: _se_ml(prob, t2),
    "REML": lambda prob, opts, t2: _se_reml(prob, t2),
    "EB": lambda prob, opts, t2: _se_eb(prob, t2),
    "PM": lambda prob, opts, t2: _se_eb(prob, t2),
    "GENQ": _se_user_genq,
}
"""Standard error of each estimator of τ², as a function of τ².

Evaluated at the estimate it is the estimator's standard error; metafor also
reports it at a τ² fixed by the user (``rma(..., tau2=)``), and so do we.
"""
