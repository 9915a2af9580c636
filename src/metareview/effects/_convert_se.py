r"""SDs and SEs from reported confidence intervals, standard errors and P values.

Cochrane Handbook (Higgins et al. 2023, chapter 6.5.2; 7.7.3 in version 5.1):

* 6.5.2.2, a group mean: :math:`SD = SE\sqrt n` and, from a confidence interval,
  :math:`SD = \sqrt n\,(U - L)/(2 t_{n-1})`, with the :math:`t` quantile at
  :math:`(1 + \text{level})/2` (3.92 = 2 × 1.96 for large samples; 4.128 for
  :math:`n = 25`, Handbook 5.1, 7.7.3.2).
* 6.5.2.3, a difference in means: :math:`SE = (U - L)/(2 t_{n_1 + n_2 - 2})`, or
  :math:`SE = |MD| / t` with :math:`t` the quantile of the two-sided P value, and
  :math:`SD = SE / \sqrt{1/n_1 + 1/n_2}` (MD 3.8, P = 0.008, :math:`n` 25 and 22:
  :math:`t_{45} = 2.78`, SE 1.37; Handbook 5.1, 7.7.3.3).
* Ratio measures: the interval is symmetric on the log scale, so the estimate is
  the midpoint of the log limits and :math:`SE = (\ln U - \ln L)/(2z)`.

References
----------
Higgins JPT, Li T, Deeks JJ (eds) (2023). Chapter 6: Choosing effect measures and
computing estimates of effect. In Higgins JPT et al. (eds), Cochrane Handbook for
Systematic Reviews of Interventions, version 6.4. Cochrane.

Higgins JPT, Deeks JJ (eds) (2011). Chapter 7: Selecting studies and collecting
data. In Cochrane Handbook for Systematic Reviews of Interventions, version 5.1.0.

"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from .._validate import InputError, choice, fraction
from ..stats.inference import crit
from ._checks import positive, require
from ._convert_base import (
    HANDBOOK,
    Converted,
    FloatArray,
    as_float,
    broadcast,
    floats,
    probability,
    ro,
    sample_size,
)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class ConvertedSD(Converted):
    """Standard deviations obtained by a conversion."""

    sd: FloatArray
    method: str


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class ConvertedSE(Converted):
    """Standard errors of an estimate obtained by a conversion."""

    estimate: FloatArray
    se: FloatArray
    statistic: FloatArray
    """The z or t value the SE was derived from (or implies)."""
    method: str


def sd_from_se(se: object, n: object, *, n2: object = None) -> ConvertedSD:
    r"""SD from the standard error of a group mean, or of a difference in means.

    Parameters
    ----------
    se : array-like
        Standard errors (>= 0).
    n : array-like
        Group sizes; with ``n2``, the size of the first group.
    n2 : array-like, optional
        Size of the second group when ``se`` is the SE of a difference in means.

    Returns
    -------
    ConvertedSD
        :math:`SE\sqrt n` (Cochrane Handbook 6.5.2.2), or with ``n2``
        :math:`SE/\sqrt{1/n_1 + 1/n_2}` (6.5.2.3), the SD assumed common to both
        groups.

    Examples
    --------
    >>> from metareview.effects.convert import sd_from_se
    >>> float(sd_from_se(0.5, 16).sd)
    2.0

    """
    arrays = {"se": as_float("se", se), "n": as_float("n", n)}
    if n2 is not None:
        arrays["n2"] = as_float("n2", n2)
    values = broadcast(**arrays)
    positive("se", values[0], allow_zero=True)
    for name, arr in zip(arrays, values, strict=True):
        if name != "se":
            sample_size(name, arr, low=1)
    if n2 is None:
        return ConvertedSD(
            sd=ro(values[0] * np.sqrt(values[1])),
            method=f"SD = SE * sqrt(n) ({HANDBOOK} 6.5.2.2)",
        )
    se_, n1_, n2_ = values
    return ConvertedSD(
        sd=ro(se_ / np.sqrt(1 / n1_ + 1 / n2_)),
        method=f"SD = SE(MD) / sqrt(1/n1 + 1/n2) ({HANDBOOK} 6.5.2.3)",
    )


def sd_from_ci(
    lower: object,
    upper: object,
    n: object,
    *,
    n2: object = None,
    level: float = 0.95,
    dist: str = "t",
) -> ConvertedSD:
    r"""SD from the confidence interval of a group mean or a difference in means.

    Parameters
    ----------
    lower, upper : array-like
        Confidence limits.
    n : array-like
        Group sizes; with ``n2``, the size of the first group.
    n2 : array-like, optional
        Size of the second group when the interval is for a difference in means.
    level : float
        Confidence level of the interval, a fraction (0.95).
    dist : {"t", "z"}
        ``"t"``: the interval was computed with the t distribution, on
        :math:`n - 1` df (:math:`n_1 + n_2 - 2` with ``n2``), as the Handbook asks
        for small samples; ``"z"``: with the normal (3.92 for 95%).

    Returns
    -------
    ConvertedSD
        :math:`SD = \sqrt n\,(U - L)/(2q)` (Cochrane Handbook 6.5.2.2), or with
        ``n2`` :math:`SE = (U - L)/(2q)` and :math:`SD = SE/\sqrt{1/n_1 + 1/n_2}`
        (6.5.2.3).

    Examples
    --------
    Handbook 5.1, 7.7.3.2: for :math:`n = 25` the divisor is 4.128, not 3.92.

    >>> from metareview.effects.convert import sd_from_ci
    >>> round(float(sd_from_ci(10 - 2.0639, 10 + 2.0639, 25).sd), 4)
    5.0

    """
    level = fraction("level", level)
    dist = choice("dist", dist, ("t", "z"))
    arrays = {"lower": as_float("lower", lower), "upper": as_float("upper", upper)}
    arrays["n"] = as_float("n", n)
    if n2 is not None:
        arrays["n2"] = as_float("n2", n2)
    values = broadcast(**arrays)
    lo, hi, n1_ = values[:3]
    with np.errstate(invalid="ignore"):
        require("upper", hi, hi >= lo, ">= lower")
    sample_size("n", n1_)
    if n2 is None:
        q = crit(level, n1_ - 1 if dist == "t" else None)
        return ConvertedSD(
            sd=ro(np.sqrt(n1_) * (hi - lo) / (2 * q)),
            method=(
                f"SD = sqrt(n) * (upper - lower) / (2 * {dist}) with "
                f"{'t on n - 1 df' if dist == 't' else 'z'}, level {level:g} "
                f"({HANDBOOK} 6.5.2.2)"
            ),
        )
    n2_ = values[3]
    sample_size("n2", n2_)
    q = crit(level, n1_ + n2_ - 2 if dist == "t" else None)
    se = (hi - lo) / (2 * q)
    return ConvertedSD(
        sd=ro(se / np.sqrt(1 / n1_ + 1 / n2_)),
        method=(
            f"SD = (upper - lower) / (2 * {dist}) / sqrt(1/n1 + 1/n2) with "
            f"{'t on n1 + n2 - 2 df' if dist == 't' else 'z'}, level {level:g} "
            f"({HANDBOOK} 6.5.2.3)"
        ),
    )


def se_from_p(
    estimate: object,
    p: object,
    *,
    df: object = None,
    n1: object = None,
    n2: object = None,
) -> ConvertedSE:
    r"""SE of an estimate from its two-sided P value.

    Parameters
    ----------
    estimate : array-like
        The estimates (a mean difference, a log odds ratio...).
    p : array-like
        Two-sided P values, strictly between 0 and 1.
    df : array-like, optional
        Degrees of freedom of a t test.
    n1, n2 : array-like, optional
        Group sizes of a two-sample t test (``df = n1 + n2 - 2``); without
        ``df``, ``n1`` and ``n2`` the P value is taken from a z test.

    Returns
    -------
    ConvertedSE
        :math:`SE = |estimate| / q` with :math:`q` the t (or z) quantile at
        :math:`1 - p/2` (Cochrane Handbook 6.5.2.3); ``statistic`` holds
        :math:`q` with the sign of the estimate.

    Examples
    --------
    Handbook 5.1, 7.7.3.3: MD 3.8, P = 0.008, groups of 25 and 22.

    >>> from metareview.effects.convert import se_from_p
    >>> res = se_from_p(3.8, 0.008, n1=25, n2=22)
    >>> round(float(res.statistic), 2), round(float(res.se), 2)
    (2.78, 1.37)

    """
    if df is not None and (n1 is not None or n2 is not None):
        raise InputError("give either df= or n1= and n2=, not both")
    if (n1 is None) != (n2 is None):
        raise InputError("give both n1= and n2= (or df=)")
    arrays = {"estimate": as_float("estimate", estimate), "p": as_float("p", p)}
    if df is not None:
        arrays["df"] = as_float("df", df)
    if n1 is not None:
        arrays["n1"], arrays["n2"] = as_float("n1", n1), as_float("n2", n2)
    values = dict(zip(arrays, broadcast(**arrays), strict=True))
    probability("p", values["p"])
    dof = None
    source = "z"
    if "df" in values:
        positive("df", values["df"])
        dof, source = values["df"], "t on df"
    elif "n1" in values:
        sample_size("n1", values["n1"], low=1)
        sample_size("n2", values["n2"], low=1)
        dof, source = values["n1"] + values["n2"] - 2, "t on n1 + n2 - 2 df"
        positive("n1 + n2 - 2", dof)
    est = values["estimate"]
    half = values["p"] / 2
    q = np.asarray(stats.norm.isf(half) if dof is None else stats.t.isf(half, dof))
    return ConvertedSE(
        estimate=ro(est),
        se=ro(np.abs(est) / q),
        statistic=ro(np.sign(est) * q),
        method=f"SE = |estimate| / {source} quantile of two-sided P "
        f"({HANDBOOK} 6.5.2.3)",
    )


def se_from_t(estimate: object, t: object) -> ConvertedSE:
    r"""SE of an estimate from its t (or z) statistic: :math:`SE = |estimate / t|`.

    Examples
    --------
    >>> from metareview.effects.convert import se_from_t
    >>> float(se_from_t(3.0, 2.0).se)
    1.5

    """
    est, stat = floats(estimate=estimate, t=t)
    with np.errstate(divide="ignore", invalid="ignore"):
        require("t", stat, stat != 0, "non-zero")
        se = np.abs(est / stat)
    return ConvertedSE(
        estimate=ro(est), se=ro(se), statistic=ro(stat),
        method=f"SE = |estimate / t| ({HANDBOOK} 6.5.2.3)",
    )  # fmt: skip


def se_from_ci(
    lower: object,
    upper: object,
    *,
    level: float = 0.95,
    log: bool = False,
    df: object = None,
) -> ConvertedSE:
    r"""Estimate and SE from a confidence interval.

    Parameters
    ----------
    lower, upper : array-like
        Confidence limits (of the ratio itself when ``log=True``).
    level : float
        Confidence level, a fraction.
    log : bool
        The interval is for a ratio (OR, RR, HR) and symmetric on the log scale:
        the estimate and SE are returned on the log scale, as escalc's ``yi``.
    df : array-like, optional
        Degrees of freedom when the interval used a t quantile.

    Returns
    -------
    ConvertedSE
        ``estimate`` the midpoint :math:`(L + U)/2` (on the log scale with
        ``log``), ``se`` :math:`(U - L)/(2q)` (Cochrane Handbook 6.5.2.3 and
        6.3.2 for ratios).

    Examples
    --------
    >>> from metareview.effects.convert import se_from_ci
    >>> res = se_from_ci(1.05, 2.94, log=True)
    >>> round(float(res.estimate), 4), round(float(res.se), 4)
    (0.5636, 0.2627)

    """
    level = fraction("level", level)
    arrays = {"lower": as_float("lower", lower), "upper": as_float("upper", upper)}
    if df is not None:
        arrays["df"] = as_float("df", df)
    values = broadcast(**arrays)
    lo, hi = values[0], values[1]
    dof = values[2] if df is not None else None
    if dof is not None:
        positive("df", dof)
    with np.errstate(invalid="ignore"):
        require("upper", hi, hi >= lo, ">= lower")
    if log:
        positive("lower", lo)
        lo, hi = np.log(lo), np.log(hi)
    q = crit(level, dof)
    scale = "log " if log else ""
    return ConvertedSE(
        estimate=ro((lo + hi) / 2),
        se=ro((hi - lo) / (2 * q)),
        statistic=ro((lo + hi) / (hi - lo) * q),
        method=(
            f"{scale}estimate = midpoint, SE = width / (2 * "
            f"{'t' if dof is not None else 'z'}), level {level:g} ({HANDBOOK} 6.5.2.3)"
        ),
    )
