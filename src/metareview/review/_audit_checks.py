"""The numbers behind :mod:`metareview.review.audit`: symmetry and implied P.

Each printed number stands for an interval (half a unit of its last digit either
side); these functions say whether some values within those intervals pass a
check, and what P value range they imply. Formulas: Altman and Bland (2011),
BMJ 343:d2304; see :func:`metareview.review.audit.audit_text`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from scipy import stats

from metareview.review._audit_parse import Number

__all__ = ["EPS", "identity", "implied_p", "log", "p_agrees", "symmetric"]

EPS = 1e-12  # slack for floating point when comparing intervals


def log(x: float) -> float:
    """Return ln x, or -inf for a ratio's limit printed as 0 (the log scale)."""
    return math.log(x) if x > 0 else -math.inf


def identity(x: float) -> float:
    """Return ``x``: the scale of differences (MD, SMD, RD, d, g)."""
    return x


def symmetric(est: Number, lb: Number, ub: Number, f: Callable[[float], float]) -> bool:
    r"""Whether some values that print as est, lb, ub make the CI symmetric.

    Symmetric on the scale ``f`` means :math:`2f(\hat\theta) = f(l) + f(u)`;
    ``f`` is increasing, so the left side ranges over
    :math:`[2f(\hat\theta_-), 2f(\hat\theta_+)]` and the right over
    :math:`[f(l_-) + f(u_-), f(l_+) + f(u_+)]` (``-``/``+``: the rounding
    bounds), and some values pass exactly when the two ranges overlap.
    """
    return (
        2 * f(est.lo) <= f(lb.hi) + f(ub.hi) + EPS
        and 2 * f(est.hi) >= f(lb.lo) + f(ub.lo) - EPS
    )


def implied_p(
    est: Number,
    lb: Number,
    ub: Number,
    f: Callable[[float], float],
    z: float,
    *,
    symmetric: bool,
) -> tuple[float, float, float]:
    r"""Return the implied two-sided P value and its (min, max) over the rounding.

    With :math:`b` the CI limit nearer the null (0 on the scale ``f``), the half
    of the CI towards the null gives
    :math:`P = 2\{1 - \Phi(z\,|f(\hat\theta)| / |f(\hat\theta) - f(b)|)\}`,
    which is below :math:`1 - \text{level}` exactly when the CI excludes the
    null. The ratio is monotone in :math:`\hat\theta` and in :math:`b`, so its
    range over the rounding box is reached at the box's corners. For a CI that
    rounding allows to be symmetric, Altman and Bland's (2011, BMJ 343:d2304)
    :math:`SE = (f(u) - f(l)) / 2z`, :math:`P = 2\{1 - \Phi(|f(\hat\theta)| /
    SE)\}` gives the same P for the unrounded values, so the range is the
    intersection of both ranges and the point value is theirs.
    """

    def near_p(sign: float, e: float, b: float) -> float:
        d = sign * f(e)
        h = d - sign * f(b)
        if d <= 0:
            return 1.0
        return 0.0 if h <= 0 else _p2(z * d / h)

    # an estimate printed as 0.0 (or 1.0) may lie on either side of the null
    corners = [
        near_p(sign, e, b)
        for sign, near in ((1.0, lb), (-1.0, ub))
        if sign * f(est.hi if sign > 0 else est.lo) > 0
        for e in (est.lo, est.hi)
        for b in (near.lo, near.hi)
    ]
    lo, hi = min(corners), max(corners)
    sign, near = (1.0, lb) if f(est.value) >= 0 else (-1.0, ub)
    # a limit printed as 0.00 (log -inf) stands for one up to 0.005
    b0 = near.value if math.isfinite(f(near.value)) else near.hi
    point = near_p(sign, est.value, b0)
    if not symmetric:
        return point, lo, hi
    # for a symmetric CI the full width gives the same P (Altman and Bland)
    f_lo, f_hi = f(est.lo), f(est.hi)
    abs_lo = 0.0 if f_lo <= 0 <= f_hi else min(abs(f_lo), abs(f_hi))
    abs_hi = max(abs(f_lo), abs(f_hi))
    se_lo = (f(ub.lo) - f(lb.hi)) / (2 * z)
    se_hi = (f(ub.hi) - f(lb.lo)) / (2 * z)
    se = (f(ub.value) - f(lb.value)) / (2 * z)
    lo = max(lo, _p2(abs_hi / se_lo) if se_lo > 0 else 0.0)
    hi = min(hi, _p2(abs_lo / se_hi))
    if lo > hi:  # only through floating point: the ranges touch
        lo = hi = (lo + hi) / 2
    if not math.isfinite(se):
        return min(max(point, lo), hi), lo, hi
    full = _p2(abs(f(est.value)) / se) if se > 0 else float(f(est.value) == 0)
    return min(max(full, lo), hi), lo, hi


def _p2(z: float) -> float:
    """Two-sided P value of a standard normal statistic."""
    return float(2 * stats.norm.sf(abs(z)))


def p_agrees(op: str, p: Number, lo: float, hi: float) -> bool:
    """Whether a reported ``P op x`` allows some P in [lo, hi]."""
    if op == "=":
        return max(p.lo, 0.0) <= hi + EPS and min(p.hi, 1.0) >= lo - EPS
    if op == "<":
        return lo < p.value
    if op == "≤":
        return lo <= p.value + EPS
    if op == ">":
        return hi > p.value
    return hi >= p.value - EPS  # "≥"
