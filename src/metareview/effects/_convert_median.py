r"""Sample mean and SD from the median with the range and/or the quartiles.

The three scenarios of Wan et al. (2014), by what a study reports besides the
median :math:`m` and the size :math:`n`:

* C1: the minimum :math:`a` and maximum :math:`b`;
* C2: the five-number summary :math:`a, q_1, m, q_3, b`;
* C3: the first and third quartiles :math:`q_1, q_3`.

Means (Luo et al. 2018, the optimally weighted estimators):

.. math::

    \bar x_{C1} = w_1 \frac{a + b}{2} + (1 - w_1) m, \quad
    w_1 = \frac{4}{4 + n^{0.75}}

    \bar x_{C2} = w_2 \frac{a + b}{2} + v_2 \frac{q_1 + q_3}{2}
    + (1 - w_2 - v_2) m, \quad
    w_2 = \frac{2.2}{2.2 + n^{0.75}}, \quad v_2 = 0.7 - \frac{0.72}{n^{0.55}}

    \bar x_{C3} = w_3 \frac{q_1 + q_3}{2} + (1 - w_3) m, \quad
    w_3 = 0.7 + \frac{0.39}{n}

and Wan et al. (2014): :math:`(a + 2m + b)/4`, :math:`(a + 2q_1 + 2m + 2q_3 + b)/8`,
:math:`(q_1 + m + q_3)/3`.

SDs (Wan et al. 2014, eq. 7 for C1, eq. 12 for C2, and C3):

.. math::

    s_{C1} = \frac{b - a}{\xi(n)}, \quad
    s_{C2} = \frac12\left(\frac{b - a}{\xi(n)} + \frac{q_3 - q_1}{\eta(n)}\right),
    \quad s_{C3} = \frac{q_3 - q_1}{\eta(n)}

where :math:`\xi(n) = E(Z_{(n)} - Z_{(1)})` is the expected range and
:math:`\eta(n) = E(Z_{(3Q+1)} - Z_{(Q+1)})` the expected interquartile range of
:math:`n = 4Q + 1` standard normal variables, approximated (Blom 1958) by

.. math::

    \xi(n) \approx 2\Phi^{-1}\!\left(\frac{n - 0.375}{n + 0.25}\right), \quad
    \eta(n) \approx 2\Phi^{-1}\!\left(\frac{0.75n - 0.125}{n + 0.25}\right).

Wan et al. tabulate the exact values for :math:`n \le 50` (Table 1) and
:math:`Q \le 50` (Table 2); :func:`wan_xi` and :func:`wan_eta` compute them by
numerical integration (``_convert_wan``).

Shi et al. (2020, eq. 11) weight the two C2 estimates optimally:

.. math::

    s = w\,\frac{b - a}{\xi(n)} + (1 - w)\,\frac{q_3 - q_1}{\eta(n)}, \quad
    w = \frac{1}{1 + 0.07 n^{0.6}}

with the approximations for :math:`\xi` and :math:`\eta`.

Hozo et al. (2005), for comparison (C1 only): the mean
:math:`(a + 2m + b)/4 + (a - 2m + b)/(4n)` for :math:`n \le 25` and the median
above; the SD :math:`\sqrt{\{(a - 2m + b)^2/4 + (b - a)^2\}/12}` for
:math:`n \le 15`, :math:`(b - a)/4` for :math:`15 < n \le 70` and :math:`(b - a)/6`
above, as their simulations recommend.

Each row can be checked for skewness first (:func:`skewness_test`, Shi et al.
2023; ``_convert_skew``).

References
----------
Hozo SP, Djulbegovic B, Hozo I (2005). Estimating the mean and variance from the
median, range, and the size of a sample. BMC Med Res Methodol 5:13.
doi:10.1186/1471-2288-5-13

Wan X, Wang W, Liu J, Tong T (2014). Estimating the sample mean and standard
deviation from the sample size, median, range and/or interquartile range. BMC Med
Res Methodol 14:135. doi:10.1186/1471-2288-14-135

Luo D, Wan X, Liu J, Tong T (2018). Optimally estimating the sample mean from the
sample size, median, mid-range, and/or mid-quartile range. Stat Methods Med Res
27:1785-1805. doi:10.1177/0962280216669183

Shi J, Luo D, Weng H, Zeng XT, Lin L, Chu H, Tong T (2020). Optimally estimating
the sample standard deviation from the five-number summary. Res Synth Methods
11:641-654. doi:10.1002/jrsm.1429

Shi J, Luo D, Wan X, Liu Y, Liu J, Bian Z, Tong T (2023). Detecting the skewness of
data from the five-number summary and its application in meta-analysis. Stat
Methods Med Res 32:1338-1360. doi:10.1177/09622802231172043

Blom G (1958). Statistical Estimates and Transformed Beta-Variables. New York:
Wiley.

"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._validate import InputError, ModelWarning, choice
from ._convert_base import Converted, FloatArray, as_float, ro
from ._convert_skew import SkewnessTest, five_numbers, skewness_test
from ._convert_wan import wan_eta, wan_xi

METHODS = ("luo_wan", "wan", "shi", "hozo")


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class MeanSD(Converted):
    """Estimated sample means and SDs, with the method of each row."""

    mean: FloatArray
    sd: FloatArray
    n: FloatArray
    scenario: NDArray[np.str_]
    """``"C1"`` (min, median, max), ``"C2"`` (five numbers), ``"C3"`` (quartiles)."""
    method: NDArray[np.str_]
    """The estimators used, with their sources, row by row."""
    skewness: SkewnessTest | None = None
    """The Shi et al. (2023) test of each row (``skew_check=True``)."""

    def to_frame(self) -> pd.DataFrame:
        """Return mean, sd, n, scenario, method (and the skewness test) as columns."""
        out = Converted.to_frame(self)
        if self.skewness is not None:
            out["skew_statistic"] = np.ravel(self.skewness.statistic)
            out["skew_critical"] = np.ravel(self.skewness.critical_value)
            out["skewed"] = np.ravel(self.skewness.skewed)
        return out


def mean_sd_from_median(
    *,
    median: object,
    n: object,
    q1: object = None,
    q3: object = None,
    min: object = None,
    max: object = None,
    method: str = "luo_wan",
    tables: bool = True,
    skew_check: bool = True,
) -> MeanSD:
    r"""Estimate the sample mean and SD from the median and the range and/or IQR.

    Parameters
    ----------
    median, n : array-like
        Sample medians and sizes (``n >= 2``).
    q1, q3 : array-like, optional
        First and third quartiles.
    min, max : array-like, optional
        Minimum and maximum.
    method : {"luo_wan", "wan", "shi", "hozo"}
        ``"luo_wan"``: means of Luo et al. (2018) and SDs of Wan et al. (2014),
        each the more accurate of its kind for normal data. ``"wan"``: means and
        SDs of Wan et al. ``"shi"``: means of Luo et al., SD of Shi et al. (2020)
        for the five-number summary (C2) and of Wan et al. otherwise. ``"hozo"``:
        Hozo et al. (2005), from min, median and max only, for comparison.
    tables : bool
        Use the exact expected range (:math:`n \le 50`) and IQR
        (:math:`n = 4Q + 1 \le 201`) where Wan et al. use their Tables 1 and 2;
        False uses Blom's approximations throughout. Shi et al.'s C2 estimator
        always uses the approximations, as published.
    skew_check : bool
        Run :func:`skewness_test` on every row and warn (``ModelWarning``) when a
        summary is significantly skewed: the normal-theory estimates then mislead.

    Returns
    -------
    MeanSD
        ``mean``, ``sd``, ``n``, ``scenario`` and ``method`` per row (broadcast
        shape of the inputs); ``skewness`` holds the test. Rows whose median, size
        or both pairs are missing give NaN and scenario ``""``. ``to_frame()``
        returns the columns to store with the data as converted values.

    Raises
    ------
    InputError
        If only one of ``q1``/``q3`` or ``min``/``max`` is given, neither pair is
        given, ``method="hozo"`` gets quartiles, ``n < 2``, or the values are out
        of order (``min <= q1 <= median <= q3 <= max``).

    Notes
    -----
    The formulas are in the docstring of ``metareview.effects._convert_median``.
    The scenario is chosen row by row from the values present, so one call
    converts studies reporting different summaries.

    References
    ----------
    See ``metareview.effects.convert``.

    Examples
    --------
    >>> from metareview.effects.convert import mean_sd_from_median
    >>> res = mean_sd_from_median(min=2, median=5, max=10, n=25)
    >>> round(float(res.mean), 4), round(float(res.sd), 4)
    (5.2635, 2.0353)
    >>> str(res.scenario)
    'C1'

    """
    method = choice("method", method, METHODS)
    pairs = {"q1": q1, "q3": q3, "min": min, "max": max}
    for low, high in (("q1", "q3"), ("min", "max")):
        if (pairs[low] is None) != (pairs[high] is None):
            has, lacks = (low, high) if pairs[high] is None else (high, low)
            raise InputError(f"{has}= was given without {lacks}=; give both")
    if q1 is None and min is None:
        raise InputError("give min= and max=, q1= and q3=, or all four")
    if method == "hozo" and (q1 is not None or min is None):
        raise InputError(
            "method='hozo' uses min=, median= and max= only (Hozo et al. 2005); "
            "for quartiles use method='luo_wan' or 'shi'"
        )
    m, size, lo1, hi3, a, b = five_numbers(
        as_float("median", median), as_float("n", n), q1, q3, min, max
    )
    has_range = ~np.isnan(a) & ~np.isnan(b)
    has_iqr = ~np.isnan(lo1) & ~np.isnan(hi3)
    ok = ~np.isnan(m) & ~np.isnan(size)
    c1, c2, c3 = (
        ok & has_range & ~has_iqr,
        ok & has_range & has_iqr,
        ok & has_iqr & ~has_range,
    )
    scenario = np.select([c1, c2, c3], ["C1", "C2", "C3"], "")
    with np.errstate(all="ignore"):
        mean, sd, label = _estimate(
            method, m, size, lo1, hi3, a, b, (c1, c2, c3), tables
        )
    skew = None
    if skew_check:
        skew = skewness_test(median=m, n=size, q1=lo1, q3=hi3, min=a, max=b)
        if skew.skewed.any():
            k = int(skew.skewed.sum())
            rows = ", ".join(
                str(i + 1) for i in np.flatnonzero(np.ravel(skew.skewed))[:10]
            )
            warnings.warn(
                f"{k} {'summary is' if k == 1 else 'summaries are'} significantly "
                f"skewed (Shi et al. 2023 test, 5% level; rows {rows}): the "
                "normal-theory mean and SD may mislead; consider excluding or "
                "transforming these studies",
                ModelWarning,
                stacklevel=2,
            )
    return MeanSD(
        mean=ro(mean), sd=ro(sd), n=ro(size), scenario=ro(scenario),
        method=ro(label), skewness=skew,
    )  # fmt: skip


def _estimate(
    method: str,
    m: FloatArray,
    n: FloatArray,
    q1: FloatArray,
    q3: FloatArray,
    a: FloatArray,
    b: FloatArray,
    cases: tuple[NDArray[np.bool_], ...],
    tables: bool,
) -> tuple[FloatArray, FloatArray, NDArray[np.str_]]:
    c1, c2, c3 = cases
    if method == "hozo":
        mean = np.where(n <= 25, (a + 2 * m + b) / 4 + (a - 2 * m + b) / (4 * n), m)
        small = np.sqrt(((a - 2 * m + b) ** 2 / 4 + (b - a) ** 2) / 12)
        sd = np.where(n <= 15, small, np.where(n <= 70, (b - a) / 4, (b - a) / 6))
        label = np.where(
            c1, "mean and SD: Hozo et al. (2005), by sample size", ""
        ).astype(str)
        return np.where(c1, mean, np.nan), np.where(c1, sd, np.nan), label
    xi, eta = wan_xi(n, tables=tables), wan_eta(n, tables=tables)
    if method == "wan":
        means = (
            (a + 2 * m + b) / 4,
            (a + 2 * (q1 + m + q3) + b) / 8,
            (q1 + m + q3) / 3,
        )
        mean_src = "Wan et al. (2014)"
    else:
        w1 = 4 / (4 + n**0.75)
        w2, v2 = 2.2 / (2.2 + n**0.75), 0.7 - 0.72 / n**0.55
        w3 = 0.7 + 0.39 / n
        means = (
            w1 * (a + b) / 2 + (1 - w1) * m,
            w2 * (a + b) / 2 + v2 * (q1 + q3) / 2 + (1 - w2 - v2) * m,
            w3 * (q1 + q3) / 2 + (1 - w3) * m,
        )
        mean_src = "Luo et al. (2018)"
    sds = [(b - a) / xi, ((b - a) / xi + (q3 - q1) / eta) / 2, (q3 - q1) / eta]
    sd_src = ["Wan et al. (2014)"] * 3
    if method == "shi":
        w = 1 / (1 + 0.07 * n**0.6)
        xi_a, eta_a = wan_xi(n, tables=False), wan_eta(n, tables=False)
        sds[1] = w * (b - a) / xi_a + (1 - w) * (q3 - q1) / eta_a
        sd_src[1] = "Shi et al. (2020) eq. 11"
    cases_ = [c1, c2, c3]
    mean = np.select(cases_, means, np.nan)
    sd = np.select(cases_, sds, np.nan)
    names = [
        f"mean: {mean_src} {c}; SD: {s} {c}"
        for c, s in zip(("C1", "C2", "C3"), sd_src, strict=True)
    ]
    return mean, sd, np.select(cases_, names, "").astype(str)
