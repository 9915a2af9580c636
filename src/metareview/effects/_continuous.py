r"""Two-group comparisons of a continuous outcome: MD, SMD, SMDH and ROM.

Group :math:`j` has mean :math:`m_j`, standard deviation :math:`s_j` and size
:math:`n_j`; :math:`N = n_1 + n_2`, :math:`m = N - 2` and the pooled SD is
:math:`s_p^2 = ((n_1 - 1)s_1^2 + (n_2 - 1)s_2^2)/m`.

MD (Borenstein 2009, eq. 12.5 for ``vtype="LS"``, eq. 12.3 for ``"HO"``):

.. math::

    y = m_1 - m_2, \quad v_{LS} = \frac{s_1^2}{n_1} + \frac{s_2^2}{n_2}, \quad
    v_{HO} = s_p^2 \left(\frac1{n_1} + \frac1{n_2}\right)

SMD, Hedges' g with the exact bias correction (Hedges 1981, eq. 6e), computed in
log space:

.. math::

    d = \frac{m_1 - m_2}{s_p}, \quad
    c(m) = \frac{\Gamma(m/2)}{\sqrt{m/2}\,\Gamma((m-1)/2)}, \quad y = c(m)\,d

    v_{LS} = \frac1{n_1} + \frac1{n_2} + \frac{y^2}{2N}
    \quad \text{(Hedges 1982, eq. 8)}, \qquad
    v_{UB} = \frac1{n_1} + \frac1{n_2} + \left(1 - \frac{m - 2}{m\,c(m)^2}\right) y^2
    \quad \text{(Hedges 1983, eq. 9)}

and ``vtype="AV"`` puts the sample-size weighted mean
:math:`\bar y = \sum N_i y_i / \sum N_i` in place of :math:`y` in :math:`v_{LS}`.

SMDH, standardised by the average variance :math:`s_a^2 = (s_1^2 + s_2^2)/2`
(Bonett 2009; the variance is Bonett's for :math:`(m_1 - m_2)/s_a`, times the square
of the bias correction):

.. math::

    y = c(m)\,\frac{m_1 - m_2}{s_a}, \quad
    v = c(m)^2 \left[\frac{y^2 (s_1^4/(n_1 - 1) + s_2^4/(n_2 - 1))}{8 s_a^4}
    + \frac{s_1^2/(n_1 - 1) + s_2^2/(n_2 - 1)}{s_a^2}\right]

ROM, the log ratio of means (Hedges, Gurevitch & Curtis 1999, eq. 1):

.. math::

    y = \ln\frac{m_1}{m_2}, \quad
    v = \frac{s_1^2}{n_1 m_1^2} + \frac{s_2^2}{n_2 m_2^2}

RevMan 5 (Deeks & Higgins 2010, the standardised mean difference) uses Hedges'
adjusted g with the approximate correction and its own variance:

.. math::

    J = 1 - \frac{3}{4N - 9}, \quad y = J d, \quad
    v = \frac{N}{n_1 n_2} + \frac{y^2}{2(N - 3.94)}

Stata 18 ``meta esize`` (``[META] meta esize``, Methods and formulas) uses the same
approximate :math:`J = 1 - 3/(4m - 1)` (which equals RevMan's) and
:math:`v = J^2 \{1/n_1 + 1/n_2 + d^2/(2N)\}`, and for MD assumes equal variances
(:math:`v_{HO}`) unless ``unequal`` (``vtype="LS"``) is asked for.

References
----------
Hedges LV (1981). Distribution theory for Glass's estimator of effect size and
related estimators. J Educ Stat 6:107-128. doi:10.3102/10769986006002107

Hedges LV (1982). Estimation of effect size from a series of independent
experiments. Psychol Bull 92:490-499. doi:10.1037/0033-2909.92.2.490

Hedges LV (1983). A random effects model for effect sizes. Psychol Bull 93:388-395.
doi:10.1037/0033-2909.93.2.388

Hedges LV, Gurevitch J, Curtis PS (1999). The meta-analysis of response ratios in
experimental ecology. Ecology 80:1150-1156.
doi:10.1890/0012-9658(1999)080[1150:TMAORR]2.0.CO;2

Bonett DG (2009). Meta-analytic interval estimation for standardized and
unstandardized mean differences. Psychol Methods 14:225-238. doi:10.1037/a0016619

Borenstein M (2009). Effect sizes for continuous data. In Cooper H, Hedges LV,
Valentine JC (eds), The Handbook of Research Synthesis and Meta-Analysis, 2nd ed.,
221-235. New York: Russell Sage Foundation.

"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import gammaln

FloatArray = NDArray[np.float64]

MEASURES = ("MD", "SMD", "SMDH", "ROM")


def hedges_c(m: FloatArray) -> FloatArray:
    """Exact bias-correction factor c(m) of Hedges (1981, eq. 6e), via log-gamma."""
    return np.exp(gammaln(m / 2) - 0.5 * np.log(m / 2) - gammaln((m - 1) / 2))


def continuous(
    measure: str,
    m1: FloatArray,
    m2: FloatArray,
    s1: FloatArray,
    s2: FloatArray,
    n1: FloatArray,
    n2: FloatArray,
    *,
    vtype: str,
    convention: str,
) -> tuple[FloatArray, FloatArray]:
    """Effect sizes and sampling variances; ``vtype`` is already resolved."""
    if measure == "MD":
        return _md(m1, m2, s1, s2, n1, n2, vtype)
    if measure == "SMD":
        if convention == "revman5":
            return _smd_revman(m1, m2, s1, s2, n1, n2)
        if convention == "stata":
            return _smd_stata(m1, m2, s1, s2, n1, n2)
        return _smd(m1, m2, s1, s2, n1, n2, vtype)
    if measure == "SMDH":
        return _smdh(m1, m2, s1, s2, n1, n2)
    return _rom(m1, m2, s1, s2, n1, n2)


def _pooled_var(
    s1: FloatArray, s2: FloatArray, n1: FloatArray, n2: FloatArray
) -> FloatArray:
    return ((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (n1 + n2 - 2)


def _md(
    m1: FloatArray,
    m2: FloatArray,
    s1: FloatArray,
    s2: FloatArray,
    n1: FloatArray,
    n2: FloatArray,
    vtype: str,
) -> tuple[FloatArray, FloatArray]:
    if vtype == "HO":
        return m1 - m2, _pooled_var(s1, s2, n1, n2) * (1 / n1 + 1 / n2)
    return m1 - m2, s1**2 / n1 + s2**2 / n2


def _smd(
    m1: FloatArray,
    m2: FloatArray,
    s1: FloatArray,
    s2: FloatArray,
    n1: FloatArray,
    n2: FloatArray,
    vtype: str,
) -> tuple[FloatArray, FloatArray]:
    m = n1 + n2 - 2
    c = hedges_c(m)
    y = c * (m1 - m2) / np.sqrt(_pooled_var(s1, s2, n1, n2))
    inv_n = 1 / n1 + 1 / n2
    if vtype == "UB":
        return y, inv_n + (1 - (m - 2) / (m * c**2)) * y**2
    if vtype == "AV":
        n = n1 + n2
        ok = np.isfinite(y) & np.isfinite(n)
        y_bar = np.sum(n[ok] * y[ok]) / np.sum(n[ok]) if ok.any() else np.nan
        return y, inv_n + y_bar**2 / (2 * n)
    return y, inv_n + y**2 / (2 * (n1 + n2))


def _smd_revman(
    m1: FloatArray,
    m2: FloatArray,
    s1: FloatArray,
    s2: FloatArray,
    n1: FloatArray,
    n2: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    n = n1 + n2
    j = 1 - 3 / (4 * n - 9)
    y = j * (m1 - m2) / np.sqrt(_pooled_var(s1, s2, n1, n2))
    return y, n / (n1 * n2) + y**2 / (2 * (n - 3.94))


def _smd_stata(
    m1: FloatArray,
    m2: FloatArray,
    s1: FloatArray,
    s2: FloatArray,
    n1: FloatArray,
    n2: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    m = n1 + n2 - 2
    j = 1 - 3 / (4 * m - 1)
    d = (m1 - m2) / np.sqrt(_pooled_var(s1, s2, n1, n2))
    return j * d, j**2 * (1 / n1 + 1 / n2 + d**2 / (2 * (n1 + n2)))


def _smdh(
    m1: FloatArray,
    m2: FloatArray,
    s1: FloatArray,
    s2: FloatArray,
    n1: FloatArray,
    n2: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    c = hedges_c(n1 + n2 - 2)
    var_a = (s1**2 + s2**2) / 2
    y = c * (m1 - m2) / np.sqrt(var_a)
    d1, d2 = n1 - 1, n2 - 1
    v = (
        y**2 * (s1**4 / d1 + s2**4 / d2) / (8 * var_a**2)
        + (s1**2 / d1 + s2**2 / d2) / var_a
    )
    return y, c**2 * v


def _rom(
    m1: FloatArray,
    m2: FloatArray,
    s1: FloatArray,
    s2: FloatArray,
    n1: FloatArray,
    n2: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    return np.log(m1 / m2), s1**2 / (n1 * m1**2) + s2**2 / (n2 * m2**2)


__all__ = ["MEASURES", "continuous", "hedges_c"]
