"""``rma()``: fixed-, equal- and random-effects models (metafor's ``rma.uni``)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validate import (
    InputError,
    ModelWarning,
    check_nonnegative,
    choice,
    column,
    control_options,
    fraction,
    positive_float,
    readonly,
    same_length,
    variances,
    warn_dropped,
)
from . import design
from ._core import Fitted, fit_models
from .design import INTERCEPT
from .inference import TESTS
from .metareg import pseudo_r2
from .results import RMAResult
from .tau2 import TAU2, Options, Problem

FloatArray = NDArray[np.float64]

METHODS = tuple(TAU2)
CONTROL_DEFAULTS: dict[str, Any] = {
    "tau2_init": None,
    "tol": 1e-10,
    "maxiter": 100,
    "stepadj": 1.0,
}


def rma(
    yi: Any,
    vi: Any = None,
    *,
    sei: Any = None,
    data: Any = None,
    slab: Any = None,
    method: str = "REML",
    test: str = "z",
    level: float = 0.95,
    tau2: float | None = None,
    weights: Any = None,
    mods: Any = None,
    intercept: bool = True,
    control: Mapping[str, object] | None = None,
) -> RMAResult:
    r"""Fit a fixed-, equal- or random-effects meta-analytic model.

    Parameters
    ----------
    yi : array-like, str or DataFrame
        Observed effect sizes, or the name of a column of ``data``, or the frame
        returned by :func:`escalc` (its ``yi``, ``vi`` and ``slab`` columns are used).
    vi, sei : array-like or str, optional
        Sampling variances, or standard errors (``vi = sei²``). One is needed
        unless ``yi`` is an escalc frame.
    data : DataFrame, optional
        Frame in which column names are looked up.
    slab : array-like or str, optional
        Study labels.
    method : str
        τ² estimator: ``"EE"``, ``"FE"`` (no τ²), ``"DL"``, ``"HE"``, ``"HS"``,
        ``"HSk"``, ``"SJ"``, ``"ML"``, ``"REML"`` (default), ``"EB"``, ``"PM"``
        or ``"GENQ"`` (generalised Q with ``weights``).
    test : {"z", "t", "knha"}
        Normal (``"z"``), t with ``k - p`` df (``"t"``) or the Hartung-Knapp-
        Sidik-Jonkman adjustment (``"knha"``).
    level : float
        Confidence level, a fraction (0.95).
    tau2 : float, optional
        Fix τ² at this value instead of estimating it.
    weights : array-like or str, optional
        Weights for the estimation of the coefficients in place of the inverse
        variances (the variance of the estimate is then the sandwich form).
    mods : str, list of str, DataFrame, array-like, optional
        Moderators of a meta-regression (mixed-effects model): a column of
        ``data``, a list of columns, a DataFrame, a 1-D or 2-D numeric array,
        or a formula string such as ``"~ ablat + C(alloc)"`` or
        ``"~ year * ablat"`` evaluated in ``data`` by formulaic. Categorical
        columns (object, category, bool) become treatment dummies against their
        first level, named ``alloc[T.random]`` (see ``metareview.stats.design``).
        Studies with a missing moderator are left out with a
        ``MissingDataWarning``; a rank-deficient design is an error naming the
        redundant columns.
    intercept : bool
        Add an intercept to the moderators (default). ``False`` drops it; with a
        formula that is the same as writing ``- 1`` in it. Without an intercept
        the omnibus test ``QM`` tests all coefficients and ``R2`` is NaN.
    control : dict, optional
        ``tau2_init``, ``tol`` (default 1e-10), ``maxiter`` (100), ``stepadj`` (1)
        for the iterative estimators.

    Returns
    -------
    RMAResult
        With moderators, ``coef_names`` name the coefficients, ``X`` is the
        model matrix, ``QM``/``QMdf``/``QMp`` the omnibus test of the moderators
        and ``R2`` the proportion of heterogeneity they account for.

    Notes
    -----
    The model is :math:`y_i = \mu + u_i + e_i` with :math:`u_i \sim N(0, \tau^2)`
    and :math:`e_i \sim N(0, v_i)`; :math:`\hat\mu = \sum w_i y_i / \sum w_i` with
    :math:`w_i = 1/(v_i + \hat\tau^2)` (Viechtbauer 2010, eq. 6-8). The
    heterogeneity statistics follow Higgins & Thompson (2002):
    :math:`I^2 = 100\,\hat\tau^2 / (\hat\tau^2 + \tilde v)` with the typical
    within-study variance :math:`\tilde v = (k-1)\sum w / ((\sum w)^2 - \sum w^2)`.

    With moderators the model is :math:`y_i = x_i'\beta + u_i + e_i`, fitted by
    weighted least squares at :math:`\hat\tau^2` (Viechtbauer 2010, eq. 9-10;
    Raudenbush 2009). The omnibus test of the moderators is
    :math:`Q_M = \hat\beta_2'V_{22}^{-1}\hat\beta_2` on :math:`p-1` df (all
    coefficients without an intercept), ``F = QM / (p - 1)`` on
    :math:`(p-1, k-p)` df with ``test="t"`` or ``"knha"``; ``QMdf`` holds both
    degrees of freedom, the second NaN for the chi-square test. ``R2`` is the
    pseudo-:math:`R^2` of Raudenbush (2009, eq. 16.5),
    :math:`100 \max(0, (\hat\tau^2_{RE} - \hat\tau^2)/\hat\tau^2_{RE})` with
    :math:`\hat\tau^2_{RE}` from the model without moderators and the same
    estimator (0 when that is 0); for equal- and fixed-effects models it is the
    adjusted coefficient of determination of the weighted least-squares fit,
    :math:`100 \max(0, 1 - H^2/H^2_{RE})`, as metafor reports both.

    References
    ----------
    Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package.
    J Stat Softw 36(3):1-48. doi:10.18637/jss.v036.i03
    Raudenbush SW (2009). Analyzing effect sizes: random-effects models. In
    Cooper H, Hedges LV, Valentine JC (eds), The Handbook of Research Synthesis
    and Meta-Analysis, 2nd ed., 295-315. Russell Sage Foundation.

    Examples
    --------
    >>> import metareview as mr
    >>> bcg = mr.datasets.load("bcg")
    >>> es = mr.escalc("RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg,
    ...                slab="study")
    >>> res = mr.rma(es, method="REML")
    >>> round(float(res.beta[0]), 4), round(res.tau2, 4)
    (-0.7145, 0.3132)
    >>> reg = mr.rma(es, mods="~ ablat")  # escalc keeps the columns of bcg
    >>> reg.coef_names, round(float(reg.beta[1]), 4), round(reg.R2, 2)
    (('intrcpt', 'ablat'), -0.0291, 75.62)

    """
    method = choice("method", method, METHODS)
    test = choice("test", test, TESTS)
    level = fraction("level", level)
    opts = Options(**control_options(control, CONTROL_DEFAULTS))
    measure = "GEN"
    if hasattr(yi, "columns") and data is None:
        data = yi
        measure = str(data.attrs.get("measure", "GEN"))
        yi = "yi"
        if vi is None and sei is None:
            vi = "vi"
        if slab is None and "slab" in data.columns:
            slab = "slab"
    y = column("yi", yi, data)
    v = variances(vi, sei, data)
    if v is None:
        raise InputError("rma() needs the sampling variances: give vi= or sei=")
    arrays = {"yi": y, "vi": v}
    w_user = None if weights is None else column("weights", weights, data)
    if w_user is not None:
        arrays["weights"] = w_user
    n = same_length(arrays)
    labels = _labels(slab, data, n)
    if mods is None and not intercept:
        raise InputError("intercept=False needs moderators (mods=)")
    moderators = None if mods is None else design.resolve(mods, data, n)

    # checked before dropping missing values, so the row numbers are the user's
    check_nonnegative("vi", v, strict=True)
    if w_user is not None:
        check_nonnegative("weights", w_user, strict=True)
    complete = {name: np.isfinite(a) for name, a in arrays.items()}
    if moderators is not None:
        complete["mods"] = ~moderators.missing
    keep = np.all(list(complete.values()), axis=0)
    if not keep.all():
        what = "/".join(name for name, ok in complete.items() if not ok.all())
        warn_dropped(what, np.flatnonzero(~keep), labels)
        y, v = y[keep], v[keep]
        w_user = None if w_user is None else w_user[keep]
        labels = [lab for lab, kept in zip(labels, keep, strict=True) if kept]
    k = y.shape[0]
    if k == 0:
        raise InputError("no studies left to analyse (k = 0)")
    if moderators is None:
        X, spec = np.ones((k, 1)), None
    else:
        X, spec = design.build(moderators, keep, bool(intercept))
        design.check_rank(X, spec.names)
    p = X.shape[1]
    if method == "GENQ" and w_user is None:
        raise InputError(
            "method='GENQ' needs weights= (the weights of the generalised Q)"
        )
    tau2_fixed = None if tau2 is None else positive_float("tau2", tau2, allow_zero=True)
    if tau2_fixed is not None and method in ("EE", "FE"):
        # as metafor: an equal/fixed-effects model has no τ² to fix
        warnings.warn(
            f"tau2={tau2_fixed:g} is ignored with method={method!r}, which has no "
            "tau2; use a random-effects method to fix tau2",
            ModelWarning,
            stacklevel=2,
        )
        tau2_fixed = None
    notes: list[str] = []
    if test == "knha" and method in ("EE", "FE") and k > p:
        # metafor warns; a note in the printout says the same without a warning
        notes.append(
            f"the Knapp-Hartung adjustment (test='knha') is meant for random-effects "
            f"models; with method={method!r} it scales the variance by Q / (k - p)"
        )

    if k == 1:
        notes.append("k = 1: tau2 is not estimable; the estimate is the study's own")
        if test != "z":
            notes.append(f"k = 1: test={test!r} needs k > 1, so test='z' was used")
            test = "z"
        warnings.warn(
            "only one study (k = 1): tau2 is not estimable and the pooled estimate is "
            "that study's own result",
            ModelWarning,
            stacklevel=2,
        )
    # fit_models is called here, not through fit_design, so that its
    # warnings' stacklevel points at rma()'s caller
    prob = Problem.single(y, v, None if spec is None else X, w_user)
    fit = fit_models(
        prob,
        method=method,
        test=test,
        level=level,
        opts=opts,
        tau2=None if tau2_fixed is None else np.array([tau2_fixed]),
        weights=prob.weights,
    )
    return result_from_fit(
        fit,
        prob,
        coef_names=(INTERCEPT,) if spec is None else spec.names,
        method=method,
        test=test,
        level=level,
        opts=opts,
        tau2=tau2_fixed,
        slab=tuple(labels),
        measure=measure,
        notes=tuple(notes),
        spec=spec,
    )


def fit_design(
    y: FloatArray,
    v: FloatArray,
    X: FloatArray | None,
    *,
    coef_names: tuple[str, ...],
    method: str,
    test: str,
    level: float,
    opts: Options,
    weights: FloatArray | None = None,
    tau2: float | None = None,
    slab: tuple[str, ...],
    measure: str,
    notes: tuple[str, ...] = (),
    spec: design.DesignSpec | None = None,
) -> RMAResult:
    """Fit ``y = Xβ + u + e`` for one analysis through the engine.

    ``X`` is ``(k, p)``, or ``None`` for the intercept only (the engine's fast
    path); ``tau2`` fixes τ²; ``weights`` replace the inverse variances in the
    estimation of β. ``spec``, the moderators' design, adds the pseudo-R² of a
    model with an intercept and moderators. With k = 1, τ² (unless fixed), I²
    and H² are not estimable and are NaN.
    """
    prob = Problem.single(y, v, X, weights)
    fit = fit_models(
        prob,
        method=method,
        test=test,
        level=level,
        opts=opts,
        tau2=None if tau2 is None else np.array([tau2]),
        weights=prob.weights,
    )
    return result_from_fit(
        fit,
        prob,
        coef_names=coef_names,
        method=method,
        test=test,
        level=level,
        opts=opts,
        tau2=tau2,
        slab=slab,
        measure=measure,
        notes=notes,
        spec=spec,
    )


def result_from_fit(
    fit: Fitted,
    prob: Problem,
    *,
    coef_names: tuple[str, ...],
    method: str,
    test: str,
    level: float,
    opts: Options,
    tau2: float | None,
    slab: tuple[str, ...],
    measure: str,
    notes: tuple[str, ...],
    spec: design.DesignSpec | None,
) -> RMAResult:
    """Return the RMAResult of the one analysis of ``prob`` fitted as ``fit``.

    ``tau2`` is the fixed τ² or None; ``spec``, the moderators' design, adds the
    pseudo-R² of a model with an intercept and moderators. With k = 1, τ²
    (unless fixed), I² and H² are not estimable and are NaN.
    """
    k = prob.y.shape[1]
    p = 1 if prob.X is None else prob.X.shape[2]
    y, v, weights = (
        prob.y[0],
        prob.v[0],
        None if prob.weights is None else prob.weights[0],
    )
    X = None if prob.X is None else prob.X[0]
    r2 = float("nan")
    if spec is not None and spec.intercept and p > 1:
        r2 = pseudo_r2(prob, method, opts, float(fit.tau2[0]))
    estimable = k > 1
    return RMAResult(
        beta=readonly(fit.beta[0]),
        se=readonly(fit.se[0]),
        zval=readonly(fit.zval[0]),
        pval=readonly(fit.pval[0]),
        ci_lb=readonly(fit.ci_lb[0]),
        ci_ub=readonly(fit.ci_ub[0]),
        vb=readonly(fit.vb[0]),
        tau2=float(fit.tau2[0]) if estimable or tau2 is not None else float("nan"),
        se_tau2=float(fit.se_tau2[0]),
        k=k,
        p=p,
        QE=float(fit.QE[0]),
        QEp=float(fit.QEp[0]),
        QM=float(fit.QM[0]),
        QMdf=(
            float(fit.QMdf[0]),
            float("nan") if fit.dfs is None else float(fit.dfs[0]),
        ),
        QMp=float(fit.QMp[0]),
        R2=r2,
        I2=float(fit.I2[0]) if estimable else float("nan"),
        H2=float(fit.H2[0]) if estimable else float("nan"),
        vt=float(fit.vt[0]),
        s2w=float(fit.s2w[0]),
        dfs=None if fit.dfs is None else float(fit.dfs[0]),
        method=method,
        test=test,
        level=level,
        converged=bool(fit.converged[0]),
        iterations=int(fit.iterations[0]),
        tau2_fix=tau2 is not None,
        weights=readonly(fit.weights[0]),
        yi=readonly(y.copy()),
        vi=readonly(v.copy()),
        X=readonly(np.ones((k, 1)) if X is None else X.copy()),
        slab=slab,
        coef_names=coef_names,
        intercept=True if spec is None else spec.intercept,
        design=spec,
        measure=measure,
        ll_ml=float(fit.ll_ml[0]),
        ll_reml=float(fit.ll_reml[0]),
        user_weights=None if weights is None else readonly(weights.copy()),
        control=opts,
        notes=notes,
    )


meta_analysis = rma


def _labels(slab: Any, data: Any, n: int) -> list[str]:
    if slab is None:
        return [f"Study {i + 1}" for i in range(n)]
    if isinstance(slab, str) and data is not None:
        if slab not in data.columns:
            raise InputError(f"slab={slab!r} is not a column of data")
        slab = data[slab]
    labels = [
        str(s) for s in (slab.tolist() if hasattr(slab, "tolist") else list(slab))
    ]
    if len(labels) != n:
        raise InputError(f"slab has {len(labels)} labels for {n} studies")
    return labels
