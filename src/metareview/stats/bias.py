r"""Small-study effects and publication bias (metafor's ``regtest``, ``ranktest``, ...).

:func:`regtest` (Egger's regression test and its variants; Peters' test is
``predictor="ninv"``), :func:`harbord` (Harbord's test for 2×2 tables),
:func:`ranktest` (Begg & Mazumdar's rank correlation), :func:`trimfill` (Duval &
Tweedie's trim and fill) and :func:`fsn` (fail-safe N), with their results.
This module is where to import them from; harbord, trimfill and fsn are defined
in ``_harbord.py``, ``_trimfill.py`` and ``_fsn.py``, the results in
``_bias_results.py`` and their printouts in ``_format_bias.py``.

Following the Cochrane Handbook (section 10.4.3.1), the tests for funnel plot
asymmetry warn (``ModelWarning``) and add a note to their result when there are
fewer than 10 studies: their power is then too low to tell chance from real
asymmetry.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import InputError, InputTypeError, choice
from . import _funnel
from ._bias_input import check_model, sample_sizes, studies
from ._bias_results import FsnResult, RanktestResult, RegtestResult, TrimfillResult
from ._fsn import fsn
from ._harbord import harbord
from ._kendall import kendall
from ._trimfill import trimfill
from .results import RMAResult

__all__ = [
    "FsnResult",
    "RanktestResult",
    "RegtestResult",
    "TrimfillResult",
    "fsn",
    "harbord",
    "ranktest",
    "regtest",
    "trimfill",
]


def regtest(
    x: Any,
    vi: Any = None,
    *,
    sei: Any = None,
    ni: Any = None,
    data: Any = None,
    model: str = "rma",
    predictor: str = "sei",
) -> RegtestResult:
    r"""Regression test for funnel plot asymmetry (Egger's test and its variants).

    Parameters
    ----------
    x : RMAResult, DataFrame, array-like or str
        A model fitted with :func:`~metareview.rma` (its method, test, level,
        weights and moderators are used), an escalc frame, or the effects (then
        with ``vi`` or ``sei``; a random-effects model, REML, is fitted first).
    vi, sei : array-like or str, optional
        Sampling variances or standard errors, when ``x`` is the effects.
    ni : array-like or str, optional
        Sample sizes for the predictors ``"ni"``, ``"ninv"``, ``"sqrtni"`` and
        ``"sqrtninv"``: one per study of the model. An escalc frame supplies them
        from its ``n1i``/``n2i`` (or ``ni``) columns.
    data : DataFrame, optional
        Frame in which column names are looked up.
    model : {"rma", "lm"}
        ``"rma"``: the model of ``x`` (same τ² method and test) with the predictor
        as a moderator; ``"lm"``: weighted least squares with weights
        :math:`1/v_i` and a multiplicative dispersion, Egger's original test.
    predictor : {"sei", "vi", "ni", "ninv", "sqrtni", "sqrtninv"}
        Standard error (Egger), sampling variance, sample size, its inverse
        (Peters), its square root, or its inverse square root.

    Returns
    -------
    RegtestResult
        ``zval`` (z, or t with ``dfs``), ``pval``, the limit estimate ``est``
        with ``ci_lb``/``ci_ub``, and the fitted regression ``fit``.

    Notes
    -----
    The model is :math:`y_i = \beta_0 + \beta_1 x_i + u_i + e_i` with
    :math:`x_i` the predictor; the test is of :math:`\beta_1 = 0`. With
    ``model="lm"`` and ``predictor="sei"`` it is Egger's test: the regression of
    :math:`y_i/\sqrt{v_i}` on :math:`1/\sqrt{v_i}` (Egger et al. 1997) is the
    same as the weighted regression of :math:`y_i` on :math:`\sqrt{v_i}`, and its
    intercept is here the slope :math:`\beta_1`; ``model="rma"`` is its random-
    or fixed-effects version (Sterne & Egger 2005). :math:`\beta_0`, the
    expected effect of a study of infinite precision, is the limit estimate
    (PET with ``"sei"``, PEESE with ``"vi"``; Stanley & Doucouliagos 2014).

    Peters' test is ``model="lm", predictor="ninv"``: the log odds ratio
    regressed on :math:`1/n_i`, the inverse of the total sample size (Peters et
    al. 2006). As in metafor the weights are :math:`1/v_i`; Peters et al.
    weighted by :math:`S F/(S + F)` (events and non-events), a close
    approximation of it.

    With fewer than 10 studies a ``ModelWarning`` is issued and a note added.

    References
    ----------
    Egger M, Davey Smith G, Schneider M, Minder C (1997). Bias in meta-analysis
    detected by a simple, graphical test. BMJ 315:629-634.
    doi:10.1136/bmj.315.7109.629

    Sterne JAC, Egger M (2005). Regression methods to detect publication and
    other bias in meta-analysis. In Rothstein HR, Sutton AJ, Borenstein M (eds.),
    Publication Bias in Meta-Analysis, 99-110. Chichester: Wiley.

    Peters JL, Sutton AJ, Jones DR, Abrams KR, Rushton L (2006). Comparison of
    two methods to detect publication bias in meta-analysis. JAMA 295:676-680.
    doi:10.1001/jama.295.6.676

    Stanley TD, Doucouliagos H (2014). Meta-regression approximations to reduce
    publication selection bias. Res Synth Methods 5:60-78. doi:10.1002/jrsm.1095

    Examples
    --------
    >>> import metareview as mr
    >>> bcg = mr.datasets.load("bcg")
    >>> es = mr.escalc("RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg)
    >>> res = mr.rma(es)
    >>> print(mr.regtest(res))
    <BLANKLINE>
    Regression Test for Funnel Plot Asymmetry
    <BLANKLINE>
    Model:     mixed-effects meta-regression model
    Predictor: standard error
    <BLANKLINE>
    Test for Funnel Plot Asymmetry: z = -0.8033, p = 0.4218
    Limit Estimate (as sei -> 0):   b = -0.5104 (CI: -1.1182, 0.0974)
    <BLANKLINE>
    >>> egger = mr.regtest(res, model="lm")
    >>> round(egger.zval, 4), egger.dfs, round(egger.pval, 4)
    (-1.4013, 11.0, 0.1887)

    Peters' test needs the total sample sizes (escalc keeps bcg's own columns):

    >>> n = bcg.tpos + bcg.tneg + bcg.cpos + bcg.cneg
    >>> peters = mr.regtest(res, model="lm", predictor="ninv", ni=n)
    >>> round(peters.zval, 4), round(peters.pval, 4)
    (-1.4485, 0.1754)

    """
    model = choice("model", model, _funnel.MODELS)
    predictor = choice("predictor", predictor, _funnel.PREDICTORS)
    found = None
    if isinstance(x, RMAResult):
        res = x
    else:
        from .rma import rma

        found = studies(x, vi, sei, data, caller="regtest")
        res = rma(found.yi, found.vi, slab=found.slab)
    res = check_model(res, "regtest")
    sizes = None
    if predictor in _funnel.NEEDS_NI:
        sizes = sample_sizes(ni, data, found, res.k, predictor)
    _funnel.check_size(res.k, res.p + 1, "regtest")
    notes = _funnel.few_studies(res.k, "regression test")
    return _funnel.regression(res, model, predictor, sizes, notes)


def ranktest(
    x: Any,
    vi: Any = None,
    *,
    sei: Any = None,
    data: Any = None,
    exact: bool = True,
) -> RanktestResult:
    r"""Rank correlation test for funnel plot asymmetry (Begg & Mazumdar 1994).

    Parameters
    ----------
    x : RMAResult, DataFrame, array-like or str
        A fitted model, an escalc frame, or the effects (then with ``vi``/``sei``).
        The test does not depend on the model fitted.
    vi, sei : array-like or str, optional
        Sampling variances or standard errors, when ``x`` is the effects.
    data : DataFrame, optional
        Frame in which column names are looked up.
    exact : bool
        Exact p-value when there are no ties (the default, as metafor, whatever
        ``k``); ``False`` gives the normal approximation. With ties the normal
        approximation is always used, with the variance corrected for them.

    Returns
    -------
    RanktestResult
        Kendall's ``tau`` and its two-sided ``pval``.

    Notes
    -----
    Kendall's tau-b between the standardised effects and the variances
    :math:`v_i`, with :math:`y_i^* = (y_i - \hat\theta)/\sqrt{v_i - v_\theta}`,
    :math:`\hat\theta = \sum w_i y_i / \sum w_i`, :math:`w_i = 1/v_i`,
    :math:`v_\theta = 1/\sum w_i` (Begg & Mazumdar 1994, eq. 1). The exact
    p-value uses the distribution of the number of concordant pairs over all
    permutations; the approximate one the tie-corrected variance of Kendall's S
    (Kendall & Gibbons 1990). With fewer than 10 studies a ``ModelWarning`` is
    issued and a note added.

    References
    ----------
    Begg CB, Mazumdar M (1994). Operating characteristics of a rank correlation
    test for publication bias. Biometrics 50:1088-1101. doi:10.2307/2533446

    Examples
    --------
    >>> import metareview as mr
    >>> bcg = mr.datasets.load("bcg")
    >>> es = mr.escalc("RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg)
    >>> print(mr.ranktest(mr.rma(es)))
    <BLANKLINE>
    Rank Correlation Test for Funnel Plot Asymmetry
    <BLANKLINE>
    Kendall's tau = 0.0256, p = 0.9524
    <BLANKLINE>

    """
    if not isinstance(exact, bool | np.bool_):
        raise InputTypeError(f"exact must be True or False; got {exact!r}")
    found = studies(x, vi, sei, data, caller="ranktest")
    y, v = found.yi, found.vi
    if v is None:  # pragma: no cover (studies() raises without variances)
        raise InputError("ranktest() needs vi= or sei=")
    _funnel.check_size(y.size, 2, "ranktest")
    w = 1.0 / v
    theta = np.sum(w * y) / w.sum()
    ystar = (y - theta) / np.sqrt(v - 1.0 / w.sum())
    result = kendall(ystar, v, bool(exact))
    notes = _funnel.few_studies(y.size, "rank correlation test")
    if result.ties and exact:
        notes += ("ties in the ranks: the p-value is the normal approximation",)
    return RanktestResult(
        tau=result.tau,
        pval=result.pval,
        k=int(y.size),
        exact=result.exact,
        ties=result.ties,
        notes=notes,
    )
