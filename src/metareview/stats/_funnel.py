"""Regression tests for funnel plot asymmetry: predictors, fits and results.

What :func:`~metareview.stats.bias.regtest`, :func:`~metareview.stats.bias.harbord`
and :func:`~metareview.stats.bias.trimfill` (for its side) share: the predictors
of the regression, the fit of a model with a design ``X`` through
:func:`._core.fit_models` (the one implementation of the model), the regression
test itself, and the Cochrane Handbook's warning for fewer than 10 studies.

References
----------
Egger M, Davey Smith G, Schneider M, Minder C (1997). Bias in meta-analysis
detected by a simple, graphical test. BMJ 315:629-634.
doi:10.1136/bmj.315.7109.629
Sterne JAC, Egger M (2005). Regression methods to detect publication and other
bias in meta-analysis. In Rothstein HR, Sutton AJ, Borenstein M (eds.),
Publication Bias in Meta-Analysis, pp. 99-110. Chichester: Wiley.
doi:10.1002/0470870168.ch6
Higgins JPT, Thomas J, Chandler J, et al. (eds.) (2023). Cochrane Handbook for
Systematic Reviews of Interventions, version 6.4, section 10.4.3.1. Cochrane.

"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validate import InputError, ModelWarning
from ._bias_results import RegtestResult
from .results import RMAResult
from .rma import fit_design

FloatArray = NDArray[np.float64]

PREDICTORS = ("sei", "vi", "ni", "ninv", "sqrtni", "sqrtninv")
MODELS = ("rma", "lm")
# predictors whose intercept is the estimate at infinite precision, and the limit
LIMITS = {
    "sei": "sei -> 0",
    "vi": "vi -> 0",
    "ninv": "ni -> inf",
    "sqrtninv": "ni -> inf",
}
NEEDS_NI = frozenset({"ni", "ninv", "sqrtni", "sqrtninv"})
# the Cochrane Handbook's minimum for a test of funnel plot asymmetry
MIN_K_ASYMMETRY = 10


def predictor_values(
    predictor: str, vi: FloatArray, ni: FloatArray | None
) -> FloatArray:
    """Return the predictor of the regression for each study."""
    if predictor == "sei":
        return np.sqrt(vi)
    if predictor == "vi":
        return vi.copy()
    if ni is None:  # checked by the caller; kept for the type checker
        raise InputError(f"predictor={predictor!r} needs the sample sizes ni")
    if predictor == "ni":
        return ni.copy()
    if predictor == "ninv":
        return 1.0 / ni
    if predictor == "sqrtni":
        return np.sqrt(ni)
    return 1.0 / np.sqrt(ni)


def few_studies(k: int, what: str) -> tuple[str, ...]:
    """Warn, and return a note, when ``k`` is below the Handbook's minimum of 10.

    Cochrane Handbook 10.4.3.1: tests for funnel plot asymmetry should be used
    only with at least 10 studies, as with fewer the power is too low to tell
    chance from real asymmetry.
    """
    if k >= MIN_K_ASYMMETRY:
        return ()
    note = (
        f"k = {k} < {MIN_K_ASYMMETRY}: the {what} has too little power to tell "
        "chance from real asymmetry; the Cochrane Handbook (10.4.3.1) advises "
        "against tests for funnel plot asymmetry with fewer than 10 studies"
    )
    # few_studies < the public function < the caller's line
    warnings.warn(note, ModelWarning, stacklevel=3)
    return (note,)


def regression(
    res: RMAResult,
    model: str,
    predictor: str,
    sizes: Any,
    notes: tuple[str, ...] = (),
) -> RegtestResult:
    """Fit the regression of a test and assemble its result (no checks of k)."""
    pred = predictor_values(predictor, res.vi, sizes)
    X = np.column_stack([res.X, pred])
    if np.ptp(pred) == 0 or np.linalg.matrix_rank(X) < X.shape[1]:
        raise InputError(
            f"predictor={predictor!r} takes the same value in every study (or is "
            "a combination of the model's moderators), so its slope cannot be "
            "estimated"
        )
    common: dict[str, Any] = {
        "coef_names": (*res.coef_names, predictor),
        "level": res.level,
        "opts": res.control,
        "slab": res.slab,
        "measure": res.measure,
    }
    if model == "lm":
        # Knapp-Hartung's factor of a fixed-effects fit is the residual variance
        # of the weighted least-squares fit (the multiplicative dispersion)
        fit = fit_design(res.yi, res.vi, X, method="FE", test="knha", **common)
    else:
        fit = fit_design(
            res.yi,
            res.vi,
            X,
            method=res.method,
            test=res.test,
            weights=res.user_weights,
            tau2=res.tau2 if res.tau2_fix else None,
            **common,
        )
    limit = predictor in LIMITS and res.int_only
    return RegtestResult(
        model=model,
        predictor=predictor,
        zval=float(fit.zval[-1]),
        pval=float(fit.pval[-1]),
        dfs=fit.dfs,
        est=float(fit.beta[0]) if limit else None,
        ci_lb=float(fit.ci_lb[0]) if limit else None,
        ci_ub=float(fit.ci_ub[0]) if limit else None,
        level=res.level,
        k=res.k,
        fit=fit,
        notes=notes,
    )


def check_size(k: int, p: int, caller: str) -> None:
    """Raise unless there are more studies than coefficients."""
    if k <= p:
        raise InputError(
            f"{caller}() needs more studies than coefficients of its regression "
            f"({p}); got k = {k}"
        )
