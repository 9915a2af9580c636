r"""Skewness test of Shi et al. (2023) from a three- or five-number summary.

The test compares, at the 5% level,

.. math::

    T_1 = \frac{a + b - 2m}{b - a}, \quad
    T_2 = \frac{q_1 + q_3 - 2m}{q_3 - q_1}, \quad
    T_3 = \max\left\{\frac{2.65 \ln(0.6n)}{\sqrt n} |T_1|, |T_2|\right\}

with the critical values :math:`1/\ln(n + 9) + 2.5/(n + 1)` (three-number summary
:math:`a, m, b`), :math:`2.65/\sqrt n - 6/n^2` (:math:`q_1, m, q_3`) and
:math:`3/\sqrt n - 40/n^3` (five-number summary).

Shi et al. fitted these critical values to simulated null distributions; the
tests hold their 5% size for normal samples of 41 and 101 (checked by simulation
in the test suite).

References
----------
Shi J, Luo D, Wan X, Liu Y, Liu J, Bian Z, Tong T (2023). Detecting the skewness of
data from the five-number summary and its application in meta-analysis. Stat
Methods Med Res 32:1338-1360. doi:10.1177/09622802231172043

"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ._convert_base import (
    Converted,
    FloatArray,
    as_float,
    broadcast,
    ordered,
    ro,
    sample_size,
)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class SkewnessTest(Converted):
    """Shi et al. (2023) test for skewness from a three- or five-number summary."""

    statistic: FloatArray
    """:math:`T_1`, :math:`T_2` or :math:`T_3` (see Notes of ``skewness_test``)."""
    critical_value: FloatArray
    """The 5% critical value for the row's summary and ``n``."""
    skewed: NDArray[np.bool_]
    """``abs(statistic) > critical_value`` (False where it cannot be computed)."""
    summary: NDArray[np.str_]
    """``"a,m,b"``, ``"q1,m,q3"`` or ``"a,q1,m,q3,b"``; ``""`` without data."""
    level: float = 0.05
    method: str = "Shi et al. (2023) skewness test"


def check_order(
    a: FloatArray, q1: FloatArray, m: FloatArray, q3: FloatArray, b: FloatArray
) -> None:
    """Require ``min <= q1 <= median <= q3 <= max`` wherever values are given."""
    values = {"min": a, "q1": q1, "median": m, "q3": q3, "max": b}
    pairs = (
        ("min", "max"), ("q1", "q3"), ("min", "q1"), ("q1", "median"),
        ("median", "q3"), ("q3", "max"), ("min", "median"), ("median", "max"),
    )  # fmt: skip
    for low, high in pairs:
        ordered(low, values[low], high, values[high])


def five_numbers(
    median: object,
    n: object,
    q1: object,
    q3: object,
    min: object,
    max: object,
) -> list[FloatArray]:
    """Return median, n, q1, q3, min and max as broadcast arrays, NaN where None.

    Raises naming the argument when ``n < 2`` or the summary is out of order
    (:func:`check_order`).
    """
    given = {"median": median, "n": n, "q1": q1, "q3": q3, "min": min, "max": max}
    arrays = {
        k: as_float(k, v) if v is not None else np.array(np.nan)
        for k, v in given.items()
    }
    m, size, lo1, hi3, a, b = broadcast(**arrays)
    sample_size("n", size)
    check_order(a, lo1, m, hi3, b)
    return [m, size, lo1, hi3, a, b]


def skewness_test(
    *,
    median: object,
    n: object,
    q1: object = None,
    q3: object = None,
    min: object = None,
    max: object = None,
) -> SkewnessTest:
    r"""Test a three- or five-number summary for skewness (Shi et al. 2023).

    Parameters
    ----------
    median, n : array-like
        Sample medians and sizes.
    q1, q3, min, max : array-like, optional
        Quartiles and/or extremes; each row uses what it has: the five-number
        summary (:math:`T_3`), or min, median, max (:math:`T_1`), or the quartiles
        and median (:math:`T_2`).

    Returns
    -------
    SkewnessTest
        ``statistic``, the 5% ``critical_value``, ``skewed`` and the ``summary``
        used. Shi et al. give critical values at the 5% level only, as closed-form
        fits to simulated null distributions, so no p-value is reported.

    Notes
    -----
    With :math:`T_1 = (a + b - 2m)/(b - a)` and
    :math:`T_2 = (q_1 + q_3 - 2m)/(q_3 - q_1)` the null hypothesis of normality is
    rejected when :math:`|T_1| > 1/\ln(n + 9) + 2.5/(n + 1)`,
    :math:`|T_2| > 2.65/\sqrt n - 6/n^2`, or
    :math:`T_3 = \max\{2.65\ln(0.6n)|T_1|/\sqrt n, |T_2|\} > 3/\sqrt n - 40/n^3`
    (Shi et al. 2023, section 3). The statistic keeps its sign for :math:`T_1`
    and :math:`T_2` (positive: right skew).

    References
    ----------
    Shi J, Luo D, Wan X, Liu Y, Liu J, Bian Z, Tong T (2023). Detecting the
    skewness of data from the five-number summary and its application in
    meta-analysis. Stat Methods Med Res 32:1338-1360.
    doi:10.1177/09622802231172043

    Examples
    --------
    >>> from metareview.effects.convert import skewness_test
    >>> res = skewness_test(min=1, median=3, max=20, n=30)
    >>> round(float(res.statistic), 4), round(float(res.critical_value), 4)
    (0.7895, 0.3536)
    >>> bool(res.skewed)
    True

    """
    m, size, lo1, hi3, a, b = five_numbers(median, n, q1, q3, min, max)
    has_range = ~np.isnan(a) & ~np.isnan(b) & ~np.isnan(m)
    has_iqr = ~np.isnan(lo1) & ~np.isnan(hi3) & ~np.isnan(m)
    with np.errstate(all="ignore"):
        t1 = (a + b - 2 * m) / (b - a)
        t2 = (lo1 + hi3 - 2 * m) / (hi3 - lo1)
        t3 = np.maximum(
            2.65 * np.log(0.6 * size) / np.sqrt(size) * np.abs(t1), np.abs(t2)
        )
        cases = [has_range & has_iqr, has_range & ~has_iqr, has_iqr & ~has_range]
        stat = np.select(cases, [t3, t1, t2], np.nan)
        crit = np.select(
            cases,
            [
                3 / np.sqrt(size) - 40 / size**3,
                1 / np.log(size + 9) + 2.5 / (size + 1),
                2.65 / np.sqrt(size) - 6 / size**2,
            ],
            np.nan,
        )
        skewed = np.abs(stat) > crit
    summary = np.select(cases, ["a,q1,m,q3,b", "a,m,b", "q1,m,q3"], "").astype(str)
    return SkewnessTest(
        statistic=ro(stat), critical_value=ro(crit), skewed=ro(skewed),
        summary=ro(summary),
    )  # fmt: skip
