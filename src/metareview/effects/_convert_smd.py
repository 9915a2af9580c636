r"""Standardised mean differences from t, F and P; odds ratios and SMDs.

From test statistics (Lipsey & Wilson 2001, Table B10):
:math:`d = t\sqrt{1/n_1 + 1/n_2}`, :math:`t = \pm\sqrt F` for an F test with one
numerator df, :math:`t` from a two-sided P value with :math:`n_1 + n_2 - 2` df,
and :math:`v_d = (n_1 + n_2)/(n_1 n_2) + d^2/\{2(n_1 + n_2)\}` (Borenstein et al.
2009, eq. 4.20). With ``hedges=True`` the bias correction and variance are
escalc's for SMD under the chosen convention (metafor's exact :math:`c(m)`,
RevMan 5's or Stata's), so a converted study matches one computed from means and
SDs.

Odds ratios and SMDs (Chinn 2000; Borenstein et al. 2009, eq. 7.1-7.4):

.. math::

    d = \frac{\sqrt 3}{\pi}\ln OR, \quad v_d = \frac{3}{\pi^2} v_{\ln OR}

References
----------
Lipsey MW, Wilson DB (2001). Practical Meta-Analysis. Thousand Oaks: Sage.

Borenstein M, Hedges LV, Higgins JPT, Rothstein HR (2009). Introduction to
Meta-Analysis. Chichester: Wiley. doi:10.1002/9780470743386

Chinn S (2000). A simple method for converting an odds ratio to effect size for
use in meta-analysis. Stat Med 19:3127-3131.
doi:10.1002/1097-0258(20001130)19:22<3127::AID-SIM784>3.0.CO;2-M

"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from .._validate import choice
from ._checks import positive, require
from ._continuous import continuous
from ._convert_base import (
    Converted,
    FloatArray,
    floats,
    probability,
    ro,
    sample_size,
)

CONVENTIONS = ("metafor", "revman5", "stata")


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class EffectSize(Converted):
    """Effect sizes and sampling variances obtained by a conversion.

    ``to_frame()`` gives ``yi`` and ``vi`` columns that :func:`~metareview.rma`
    reads, with ``measure`` and ``method`` for the report.
    """

    yi: FloatArray
    vi: FloatArray
    measure: str
    method: str


def smd_from_t(
    t: object,
    n1: object,
    n2: object,
    *,
    hedges: bool = True,
    convention: str = "metafor",
) -> EffectSize:
    r"""SMD from a two-sample t statistic: :math:`d = t\sqrt{1/n_1 + 1/n_2}`.

    Parameters
    ----------
    t : array-like
        t statistics, positive when group 1 has the larger mean.
    n1, n2 : array-like
        Group sizes.
    hedges : bool
        Return Hedges' g with escalc's SMD correction and variance for
        ``convention``; False returns Cohen's d with Borenstein's variance.
    convention : {"metafor", "revman5", "stata"}
        As in :func:`~metareview.escalc`.

    Returns
    -------
    EffectSize
        ``yi``, ``vi``, ``measure="SMD"`` and ``method``.

    Examples
    --------
    >>> from metareview.effects.convert import smd_from_t
    >>> res = smd_from_t(2.0, 20, 20, hedges=False)
    >>> round(float(res.yi), 4), round(float(res.vi), 4)
    (0.6325, 0.105)

    """
    convention = choice("convention", convention, CONVENTIONS)
    stat, size1, size2 = floats(t=t, n1=n1, n2=n2)
    return _smd_from_t(stat, size1, size2, hedges, convention, "t")


def _smd_from_t(
    t: FloatArray,
    n1: FloatArray,
    n2: FloatArray,
    hedges: bool,
    convention: str,
    source: str,
) -> EffectSize:
    sample_size("n1", n1, low=1)
    sample_size("n2", n2, low=1)
    sample_size("n1 + n2", n1 + n2, low=3)
    d = t * np.sqrt(1 / n1 + 1 / n2)
    base = f"d = {source} * sqrt(1/n1 + 1/n2) (Lipsey & Wilson 2001, Table B10)"
    if not hedges:
        v = (n1 + n2) / (n1 * n2) + d**2 / (2 * (n1 + n2))
        return EffectSize(
            yi=ro(d), vi=ro(v), measure="SMD",
            method=f"{base}; Cohen's d, variance Borenstein 2009 eq. 4.20",
        )  # fmt: skip
    ones, zeros = np.ones_like(d), np.zeros_like(d)
    with np.errstate(invalid="ignore", divide="ignore"):
        y, v = continuous(
            "SMD", np.ravel(d), np.ravel(zeros), np.ravel(ones), np.ravel(ones),
            np.ravel(n1), np.ravel(n2), vtype="LS", convention=convention,
        )  # fmt: skip
    return EffectSize(
        yi=ro(y.reshape(d.shape)), vi=ro(v.reshape(d.shape)), measure="SMD",
        method=f"{base}; Hedges' g as escalc SMD, convention {convention!r}",
    )  # fmt: skip


def smd_from_f(
    f: object,
    n1: object,
    n2: object,
    *,
    sign: object = 1,
    hedges: bool = True,
    convention: str = "metafor",
) -> EffectSize:
    r"""SMD from the F statistic of a two-group comparison (1 numerator df).

    :math:`t = \text{sign}\,\sqrt F`, then as :func:`smd_from_t`. The F test has
    no direction, so ``sign`` (+1 or -1 per study) says which group did better.

    Examples
    --------
    >>> from metareview.effects.convert import smd_from_f
    >>> round(float(smd_from_f(4.0, 20, 20, sign=-1, hedges=False).yi), 4)
    -0.6325

    """
    convention = choice("convention", convention, CONVENTIONS)
    stat, size1, size2, sgn = floats(f=f, n1=n1, n2=n2, sign=sign)
    positive("f", stat, allow_zero=True)
    _check_sign(sgn)
    return _smd_from_t(
        sgn * np.sqrt(stat), size1, size2, hedges, convention, "sign * sqrt(F)"
    )


def smd_from_p(
    p: object,
    n1: object,
    n2: object,
    *,
    sign: object = 1,
    hedges: bool = True,
    convention: str = "metafor",
) -> EffectSize:
    r"""SMD from the two-sided P value of a two-sample t test.

    :math:`t = \text{sign}\cdot t_{n_1 + n_2 - 2}^{-1}(1 - p/2)`, then as
    :func:`smd_from_t`; ``sign`` (+1 or -1) gives the direction.

    Examples
    --------
    >>> from metareview.effects.convert import smd_from_p
    >>> round(float(smd_from_p(0.05, 20, 20, hedges=False).yi), 4)
    0.6402

    """
    convention = choice("convention", convention, CONVENTIONS)
    prob, size1, size2, sgn = floats(p=p, n1=n1, n2=n2, sign=sign)
    probability("p", prob)
    _check_sign(sgn)
    sample_size("n1 + n2", size1 + size2, low=3)
    t = sgn * stats.t.isf(prob / 2, size1 + size2 - 2)
    return _smd_from_t(
        np.asarray(t), size1, size2, hedges, convention, "t(two-sided p, n1 + n2 - 2)"
    )


def _check_sign(sign: FloatArray) -> None:
    require("sign", sign, np.isin(sign, (-1.0, 1.0)), "+1 or -1")


def smd_from_or(yi: object, vi: object) -> EffectSize:
    r"""SMD from a log odds ratio: :math:`d = \ln OR\,\sqrt3/\pi` (Chinn 2000).

    Parameters
    ----------
    yi, vi : array-like
        Log odds ratios and their variances (escalc's ``"OR"``).

    Returns
    -------
    EffectSize
        :math:`d` and :math:`v_d = 3 v/\pi^2` (Chinn 2000; Borenstein 2009, eq.
        7.1-7.2), ``measure="SMD"``.

    Examples
    --------
    >>> from metareview.effects.convert import smd_from_or
    >>> round(float(smd_from_or(1.0, 0.1).yi), 4)
    0.5513

    """
    y, v = floats(yi=yi, vi=vi)
    positive("vi", v, allow_zero=True)
    k = np.sqrt(3) / np.pi
    return EffectSize(
        yi=ro(y * k), vi=ro(v * k**2), measure="SMD",
        method="d = log(OR) * sqrt(3) / pi, v = v * 3 / pi^2 (Chinn 2000)",
    )  # fmt: skip


def or_from_smd(yi: object, vi: object) -> EffectSize:
    r"""Log odds ratio from an SMD: :math:`\ln OR = d\,\pi/\sqrt3` (Chinn 2000).

    The inverse of :func:`smd_from_or`; :math:`v = \pi^2 v_d / 3`,
    ``measure="OR"`` (log scale, as escalc's).

    Examples
    --------
    >>> from metareview.effects.convert import or_from_smd
    >>> round(float(or_from_smd(0.5, 0.04).yi), 4)
    0.9069

    """
    y, v = floats(yi=yi, vi=vi)
    positive("vi", v, allow_zero=True)
    k = np.pi / np.sqrt(3)
    return EffectSize(
        yi=ro(y * k), vi=ro(v * k**2), measure="OR",
        method="log(OR) = d * pi / sqrt(3), v = v * pi^2 / 3 (Chinn 2000)",
    )  # fmt: skip
