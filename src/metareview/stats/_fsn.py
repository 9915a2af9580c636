"""Fail-safe N (file-drawer analysis): Rosenthal, Orwin and Rosenberg."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

from .._validate import InputError, InputTypeError, choice, fraction
from ._bias_input import studies
from ._bias_results import FsnResult

TYPES = ("Rosenthal", "Orwin", "Rosenberg")


def fsn(
    yi: Any,
    vi: Any = None,
    *,
    sei: Any = None,
    data: Any = None,
    type: str = "Rosenthal",
    alpha: float = 0.05,
    target: float | None = None,
    weighted: bool = False,
) -> FsnResult:
    r"""Fail-safe N: how many null studies would overturn the result.

    Parameters
    ----------
    yi : RMAResult, DataFrame, array-like or str
        The effects (or a fitted model, or an escalc frame, whose effects and
        variances are used).
    vi, sei : array-like or str, optional
        Sampling variances or standard errors; not needed for Orwin's method
        unless ``weighted``.
    data : DataFrame, optional
        Frame in which column names are looked up.
    type : {"Rosenthal", "Orwin", "Rosenberg"}
        The method.
    alpha : float
        Significance level to reach (Rosenthal: one-sided; Rosenberg: two-sided).
    target : float, optional
        Orwin's target average effect; by default half the observed one. A target
        of the opposite sign to the average effect has its sign flipped.
    weighted : bool
        Orwin's method with the inverse-variance weighted average (metafor 3.8's
        ``weighted=TRUE``) instead of the plain average.

    Returns
    -------
    FsnResult
        ``fsnum`` with the observed ``pval`` (Rosenthal, Rosenberg) or average
        ``meanes`` and ``target`` (Orwin, Rosenberg).

    Notes
    -----
    Rosenthal (1979): Stouffer's sum :math:`Z = \sum z_i / \sqrt{k}` of
    :math:`z_i = y_i/\sqrt{v_i}` (one-sided p-value in its direction); adding
    :math:`N` studies with :math:`z = 0` makes it
    :math:`\sum z_i / \sqrt{k + N}`, so
    :math:`N = \lceil (\sum z_i / z_{1-\alpha})^2 - k \rceil`.

    Orwin (1983): :math:`N = \lceil k(\bar y - y_T)/y_T \rceil` for the average
    :math:`\bar y` to fall to the target :math:`y_T`.

    Rosenberg (2005): the fixed-effect estimate with :math:`N` added studies of
    effect 0 and the average weight :math:`\bar w` has
    :math:`z = \sum w_i y_i / \sqrt{\sum w_i + N \bar w}`, so
    :math:`N = \lceil k (\sum w_i y_i)^2 / (z_{1-\alpha/2}^2 \sum w_i) - k \rceil`.

    Each is 0 when the observed p-value is not below ``alpha`` (or the average
    not above the target). The ceiling is taken after rounding to 9 decimals,
    so that a whole number is not pushed up by rounding error. As in metafor,
    Rosenberg's test is a z test (he suggested a t test).

    References
    ----------
    Rosenthal R (1979). The "file drawer problem" and tolerance for null results.
    Psychol Bull 86:638-641. doi:10.1037/0033-2909.86.3.638

    Orwin RG (1983). A fail-safe N for effect size in meta-analysis. J Educ Stat
    8:157-159. doi:10.3102/10769986008002157

    Rosenberg MS (2005). The file-drawer problem revisited: a general weighted
    method for calculating fail-safe numbers in meta-analysis. Evolution
    59:464-468. doi:10.1111/j.0014-3820.2005.tb01004.x

    Examples
    --------
    >>> import metareview as mr
    >>> bcg = mr.datasets.load("bcg")
    >>> es = mr.escalc("RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg)
    >>> mr.fsn(es).fsnum, mr.fsn(es, type="Rosenberg").fsnum
    (598, 370)
    >>> print(mr.fsn(es, type="Orwin", target=-0.1))
    <BLANKLINE>
    Fail-safe N Calculation Using the Orwin Approach
    <BLANKLINE>
    Average Effect Size: -0.7407
    Target Effect Size:  -0.1000
    <BLANKLINE>
    Fail-safe N: 84
    <BLANKLINE>

    """
    type = choice("type", type, TYPES)
    alpha = fraction("alpha", alpha)
    if not isinstance(weighted, bool | np.bool_):
        raise InputTypeError(f"weighted must be True or False; got {weighted!r}")
    need_vi = type != "Orwin" or bool(weighted)
    found = studies(yi, vi, sei, data, caller="fsn", need_vi=need_vi)
    y, v, k = found.yi, found.vi, int(found.yi.size)
    nan = float("nan")
    if type == "Orwin":
        if weighted and v is not None:
            meanes = float(np.sum(y / v) / np.sum(1.0 / v))
        else:
            meanes = float(np.mean(y))
        goal = _orwin_target(meanes, target)
        return FsnResult(
            type=type,
            fsnum=max(0, _ceil(k * (meanes - goal) / goal)),
            alpha=alpha,
            pval=nan,
            meanes=meanes,
            target=goal,
            k=k,
            weighted=bool(weighted),
        )
    if v is None:  # pragma: no cover (studies() raises without variances)
        raise InputError("fsn() needs vi= or sei=")
    if type == "Rosenthal":
        zsum = float(np.sum(y / np.sqrt(v)))
        pval = float(special.ndtr(-abs(zsum) / np.sqrt(k)))
        crit = float(special.ndtri(1.0 - alpha))
        n = _ceil((zsum / crit) ** 2 - k)
        meanes = nan
    else:
        w = 1.0 / v
        swy, sw = float(np.sum(w * y)), float(np.sum(w))
        meanes = swy / sw
        pval = float(2.0 * special.ndtr(-abs(meanes) * np.sqrt(sw)))
        crit = float(special.ndtri(1.0 - alpha / 2.0))
        n = _ceil(k * ((swy / crit) ** 2 - sw) / sw)
    fsnum = n if pval < alpha and n > 0 else 0
    return FsnResult(
        type=type, fsnum=fsnum, alpha=alpha, pval=pval, meanes=meanes, target=nan, k=k
    )


def _ceil(x: float) -> int:
    """Smallest integer >= ``x``, with ``x`` first rounded to 9 decimals.

    A number of studies that is whole up to rounding error (11.000000000000002)
    is not pushed up to the next one by it.
    """
    return int(np.ceil(np.round(x, 9)))


def _orwin_target(meanes: float, target: float | None) -> float:
    """Orwin's target: half the average by default; of the average's sign."""
    if target is None:
        goal = meanes / 2.0
    else:
        try:
            goal = float(target)
        except (TypeError, ValueError):
            raise InputTypeError(f"target must be a number; got {target!r}") from None
    if goal == 0 or not np.isfinite(goal):
        raise InputError(
            f"Orwin's target must be a finite number other than 0; got {goal!r}"
            + (" (the average effect is 0)" if target is None else "")
        )
    if np.sign(goal) != np.sign(meanes) and meanes != 0:
        goal = -goal
    return goal
