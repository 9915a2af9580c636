"""Sensitivity analyses: leave-one-out, cumulative, Baujat, influence, exclusion.

Every function refits the model on subsets of its studies. The refits are one
batch through the engine that fits :func:`rma` (see ``_refit.py``): the k
leave-one-out fits of a model of k studies cost about as much as one fit of a
batch of k meta-analyses, not k calls of :func:`rma`.

References
----------
Viechtbauer W, Cheung MWL (2010). Outlier and influence diagnostics for
meta-analysis. Res Synth Methods 1:112-125. doi:10.1002/jrsm.11
Baujat B, Mahé C, Pignon JP, Hill C (2002). A graphical method for exploring
heterogeneity in meta-analyses: application to a meta-analysis of 65 trials.
Stat Med 21:2641-2652. doi:10.1002/sim.1221
Lau J, Schmid CH, Chalmers TC (1995). Cumulative meta-analysis of clinical trials
builds evidence for exemplary medical care. J Clin Epidemiol 48:45-57.
doi:10.1016/0895-4356(94)00106-z

"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .._validate import InputError, InputTypeError, column
from . import _refit
from ._exclude import exclude
from ._influence import InfluenceResult, influence
from .results import RMAResult, Transform

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["InfluenceResult", "baujat", "cumul", "exclude", "influence", "leave1out"]

FloatArray = NDArray[np.float64]

_FIXED = ("EE", "FE")


def leave1out(res: RMAResult, *, transf: Transform | None = None) -> pd.DataFrame:
    r"""Refit the model k times, leaving out one study at a time.

    Parameters
    ----------
    res : RMAResult
        A model without moderators fitted by :func:`rma` (k >= 2). The refits use
        its method, test, level, control settings, user weights and fixed τ².
    transf : callable, optional
        Applied to ``estimate``, ``ci_lb`` and ``ci_ub`` (e.g. ``numpy.exp``);
        ``se`` is then NaN, as in metafor.

    Returns
    -------
    DataFrame
        Indexed by study label (``slab``), row ``i`` is the model without study
        ``i``: ``estimate se zval pval ci_lb ci_ub QE QEp tau2 I2 H2``, as metafor's
        ``leave1out.rma.uni`` (``zval`` holds the t statistic under ``test="t"``
        or ``"knha"``). Equal- and fixed-effects models have no ``tau2`` column.
        A refit of one study (k = 2) has ``tau2 = 0``, ``I2 = 0``, ``H2 = 1``,
        ``QE = 0`` and a z test, as :func:`rma` and metafor fit one study.

    Notes
    -----
    The refit without study :math:`i` gives :math:`\hat\mu_{(-i)}` with weights
    :math:`1/(v_j + \hat\tau^2_{(-i)})`, :math:`j \ne i`, and τ² re-estimated
    without the study (Viechtbauer & Cheung 2010, section 3). All k refits are
    one batch of the engine behind :func:`rma`.

    References
    ----------
    Viechtbauer W, Cheung MWL (2010). Outlier and influence diagnostics for
    meta-analysis. Res Synth Methods 1:112-125. doi:10.1002/jrsm.11

    Examples
    --------
    >>> import metareview as mr
    >>> bcg = mr.datasets.load("bcg")
    >>> es = mr.escalc("RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg,
    ...                slab="study")
    >>> l1o = mr.leave1out(mr.rma(es))
    >>> l1o[["estimate", "tau2"]].round(4).head(3)
                            estimate    tau2
    slab
    Aronson, 1948            -0.7071  0.3362
    Ferguson & Simes, 1949   -0.6540  0.2926
    Rosenthal et al, 1960    -0.6856  0.3207

    """
    model = _refit.model_of(res, "leave1out")
    _refit.require_no_moderators(res, "leave1out")
    _refit.require_k(res, 2, "leave1out")
    fits = _refit.refit(
        model, res.k, _refit.leave_one_out_masks(res.k), "leave-one-out fits"
    )
    return _frame(fits, list(res.slab), res.method not in _FIXED, transf)


def cumul(
    res: RMAResult,
    order: Any = None,
    *,
    data: Any = None,
    transf: Transform | None = None,
) -> pd.DataFrame:
    """Cumulative meta-analysis: refit the model adding one study at a time.

    Parameters
    ----------
    res : RMAResult
        A model without moderators fitted by :func:`rma`.
    order : array-like or str, optional
        Values (one per study of the model, e.g. the publication year) by which
        the studies are added, in ascending order; ties keep the input order and
        missing values go last. A string names a column of ``data``. By default
        the studies are added in the order of the model.
    data : DataFrame, optional
        Frame in which a column name given as ``order`` is looked up; it must
        have one row per study of the model.
    transf : callable, optional
        Applied to ``estimate``, ``ci_lb`` and ``ci_ub``; ``se`` is then NaN.

    Returns
    -------
    DataFrame
        Indexed by the label of the study added at each step, with the columns
        of :func:`leave1out`: row ``j`` is the model of the first ``j + 1``
        studies, so the last row is the model itself. As metafor's
        ``cumul.rma.uni``.

    References
    ----------
    Lau J, Schmid CH, Chalmers TC (1995). Cumulative meta-analysis of clinical
    trials builds evidence for exemplary medical care. J Clin Epidemiol 48:45-57.
    doi:10.1016/0895-4356(94)00106-z

    Examples
    --------
    >>> import metareview as mr
    >>> bcg = mr.datasets.load("bcg")
    >>> es = mr.escalc("RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg,
    ...                slab="study")
    >>> cm = mr.cumul(mr.rma(es), order=bcg["year"])
    >>> cm[["estimate", "tau2"]].round(4).head(3)
                            estimate    tau2
    slab
    Aronson, 1948            -0.8893  0.0000
    Ferguson & Simes, 1949   -1.3250  0.0000
    Stein & Aronson, 1953    -0.9721  0.0872

    """
    model = _refit.model_of(res, "cumul")
    _refit.require_no_moderators(res, "cumul")
    perm = _cumulative_order(order, data, res.k)
    fits = _refit.refit(
        model.take(perm), res.k, _refit.cumulative_masks(res.k), "cumulative fits"
    )
    labels = [res.slab[i] for i in perm]
    return _frame(fits, labels, res.method not in _FIXED, transf)


def baujat(res: RMAResult) -> pd.DataFrame:
    r"""Each study's contribution to heterogeneity and influence on the fit.

    Parameters
    ----------
    res : RMAResult
        A model fitted by :func:`rma` (k >= 2), with or without moderators.

    Returns
    -------
    DataFrame
        Indexed by study label, with ``x`` (contribution to Q: the squared Pearson
        residual), ``y`` (influence: the standardized squared change of the
        study's fitted value when it is left out) and ``ids`` (1-based position),
        as metafor's ``baujat.rma`` computes the points of the plot.

    Notes
    -----
    For an equal-effects model, Baujat et al. (2002) plot
    :math:`x_i = (y_i - \hat\theta)^2 / v_i`, study i's term of Cochran's Q,
    against :math:`y_i = (\hat\theta - \hat\theta_{(-i)})^2 /
    \widehat{\mathrm{Var}}(\hat\theta_{(-i)})`. For random-effects and
    meta-regression models (Viechtbauer 2021)
    :math:`x_i = (y_i - x_i'\hat\beta)^2 / (v_i + \hat\tau^2)` and
    :math:`y_i = (x_i'\hat\beta - x_i'\hat\beta_{(-i)})^2 /
    x_i'\widehat{\mathrm{Var}}(\hat\beta_{(-i)})x_i`, with τ² re-estimated in the
    refit. ``y`` is NaN where the refit is not possible.

    References
    ----------
    Baujat B, Mahé C, Pignon JP, Hill C (2002). A graphical method for exploring
    heterogeneity in meta-analyses: application to a meta-analysis of 65 trials.
    Stat Med 21:2641-2652. doi:10.1002/sim.1221
    Viechtbauer W (2021). Model checking in meta-analysis. In Schmid CH, Stijnen
    T, White IR (eds), Handbook of Meta-Analysis, 219-254. CRC Press.
    doi:10.1201/9781315119403

    Examples
    --------
    >>> import metareview as mr
    >>> bcg = mr.datasets.load("bcg")
    >>> es = mr.escalc("RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg,
    ...                slab="study")
    >>> b = mr.baujat(mr.rma(es, method="EE"))
    >>> b.round(4).loc[["Hart & Sutherland, 1977", "TPT Madras, 1980"]]
                                   x        y  ids
    slab
    Hart & Sutherland, 1977  51.1073   4.5631    4
    TPT Madras, 1980         49.3677  34.8795    8

    """
    import pandas as pd

    model = _refit.model_of(res, "baujat")
    _refit.require_k(res, 2, "baujat")
    k = res.k
    fits = _refit.refit(model, k, _refit.leave_one_out_masks(k), "leave-one-out fits")
    X = np.asarray(res.X, dtype=np.float64)
    resid = res.yi - X @ res.beta
    x = resid * resid / (res.vi + res.tau2)
    change = np.einsum("ki,ki->k", X, res.beta[None, :] - fits.beta)
    var = np.einsum("ki,kij,kj->k", X, fits.vb, X)
    frame = pd.DataFrame(
        {"x": x, "y": change * change / var, "ids": np.arange(1, k + 1)},
        index=pd.Index(list(res.slab), name="slab"),
    )
    return frame


def _cumulative_order(order: Any, data: Any, k: int) -> NDArray[np.intp]:
    """Permutation adding the studies by ascending ``order`` (stable, NaN last)."""
    import pandas as pd

    if order is None:
        return np.arange(k)
    if isinstance(order, str):
        if data is None:
            raise InputTypeError(
                f"order={order!r} names a column, but no data= frame was given"
            )
        if order not in data.columns:
            raise InputError(f"order={order!r} is not a column of data")
        values = pd.Series(data[order]).reset_index(drop=True)
    else:
        raw = order.to_numpy() if hasattr(order, "to_numpy") else order
        values = pd.Series(np.asarray(raw))
        if values.dtype.kind in "biuf":
            values = pd.Series(column("order", raw))
    if values.shape[0] != k:
        raise InputError(
            f"order needs one value per study of the model (k = {k}); "
            f"got {values.shape[0]}"
        )
    perm = values.sort_values(kind="stable", na_position="last").index
    return np.asarray(perm, dtype=np.intp)


def _frame(
    fits: _refit.Refits,
    labels: list[str],
    with_tau2: bool,
    transf: Transform | None,
) -> pd.DataFrame:
    """Leave-one-out or cumulative results in metafor's columns."""
    import pandas as pd

    est, lb, ub = fits.beta[:, 0], fits.ci_lb[:, 0], fits.ci_ub[:, 0]
    se = fits.se[:, 0]
    if transf is not None:
        est, lb, ub = (np.asarray(transf(a), dtype=np.float64) for a in (est, lb, ub))
        se = np.full_like(se, np.nan)
    cols: dict[str, FloatArray] = {
        "estimate": est,
        "se": se,
        "zval": fits.zval[:, 0],
        "pval": fits.pval[:, 0],
        "ci_lb": lb,
        "ci_ub": ub,
        "QE": fits.QE,
        "QEp": fits.QEp,
    }
    if with_tau2:
        cols["tau2"] = fits.tau2
    cols["I2"] = fits.I2
    cols["H2"] = fits.H2
    return pd.DataFrame(cols, index=pd.Index(labels, name="slab"))
