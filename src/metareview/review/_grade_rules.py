"""The rules that suggest a GRADE rating per domain from a fitted model.

Each rule takes what it needs and returns ``(rating, reason)``; the thresholds
are documented in :func:`metareview.review.grade.assess_certainty`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.stats import norm

from .._validate import InputError, MetareviewError
from .protocol import BINARY_MEASURES

if TYPE_CHECKING:
    from ..stats.results import RMAResult

__all__ = [
    "BINARY",
    "RATIO",
    "imprecision",
    "inconsistency",
    "large_effect",
    "mid_bounds",
    "optimal_information_size",
    "publication_bias",
    "risk_of_bias",
    "show",
]

#: Measures pooled on the log scale, and those of a binary outcome.
RATIO = frozenset({"OR", "RR", "PETO", "ROM", "IRR", "HR"})
BINARY = frozenset(BINARY_MEASURES)

ALPHA, POWER = 0.05, 0.80  # one adequately powered trial (GRADE guidelines 6)
RRR_DEFAULT = 0.25  # relative risk reduction of the OIS for binary outcomes
SMD_DEFAULT = 0.20  # a small effect (Cohen 1988) for the OIS of an SMD
_SMD = frozenset({"SMD", "SMDH", "SMD1", "SMD1H"})

_ROB_CLASS = {
    "high": "high",
    "high risk": "high",
    "high risk of bias": "high",
    "serious": "high",
    "critical": "high",
    "some concerns": "some",
    "some concern": "some",
    "unclear": "some",
    "unclear risk": "some",
    "moderate": "some",
    "low": "low",
    "low risk": "low",
    "low risk of bias": "low",
}


def show(x: float, measure: str) -> str:
    """Show an effect on the reader's scale (ratios exponentiated), 2 decimals."""
    return f"{math.exp(x) if measure in RATIO else x:.2f}"


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def mid_bounds(
    measure: str, mid: float | None, control_risk: float | None
) -> tuple[float, float] | None:
    """Return the MIDs for harm and benefit on the analysis scale (None without).

    For ratio measures ``mid`` is a relative change (0.25: RR 0.75 and 1.25,
    GRADE guidelines 6); for ``RD`` it is a relative risk reduction turned into
    risk differences with ``control_risk``; otherwise it is on the measure's scale.
    """
    if mid is None:
        return None
    if measure in RATIO:
        if not 0 < mid < 1:
            raise InputError(
                f"mid must be a relative change between 0 and 1 for {measure} "
                f"(0.25 for RR 0.75 and 1.25); got {mid!r}"
            )
        return math.log(1 - mid), math.log(1 + mid)
    if measure == "RD":
        if control_risk is None:
            return None
        return -mid * control_risk, mid * control_risk
    return -abs(mid), abs(mid)


def risk_of_bias(res: RMAResult, rob: Mapping[str, str] | None) -> tuple[int, str]:
    """Rate down by the share of the analysis weight from studies at risk of bias."""
    if rob is None:
        return 0, "Not assessed: no risk-of-bias judgements were given."
    classes = {}
    for study, value in rob.items():
        key = str(value).strip().lower() if value is not None else ""
        if key not in _ROB_CLASS:
            raise InputError(
                f"rob[{study!r}] must be an overall judgement such as 'low', "
                f"'some concerns' or 'high'; got {value!r}"
            )
        classes[str(study)] = _ROB_CLASS[key]
    w = np.asarray(res.weights, dtype=np.float64)
    w = w / w.sum()
    cls = [classes.get(s, "none") for s in res.slab]
    high = float(sum(wi for c, wi in zip(cls, w, strict=True) if c == "high"))
    some = float(sum(wi for c, wi in zip(cls, w, strict=True) if c == "some"))
    shares = (
        f"{_pct(high)} of the weight from studies at high risk of bias and "
        f"{_pct(some)} with some concerns"
    )
    missing = [s for s, c in zip(res.slab, cls, strict=True) if c == "none"]
    if missing:
        gone = float(sum(wi for c, wi in zip(cls, w, strict=True) if c == "none"))
        shares += (
            f"; {len(missing)} stud{'y' if len(missing) == 1 else 'ies'} "
            f"({_pct(gone)} of the weight) not appraised: "
            + ", ".join(missing[:5])
            + (" …" if len(missing) > 5 else "")
        )
    if high >= 0.75:
        return -2, f"{shares} (three quarters or more at high risk: very serious)."
    if high + some >= 0.5:
        return -1, f"{shares} (half or more with at least some concerns: serious)."
    return 0, f"{shares} (less than half with concerns)."


def _no_overlap(res: RMAResult) -> bool:
    z = float(norm.isf((1 - res.level) / 2))
    sd = np.sqrt(res.vi)
    return bool(np.max(res.yi - z * sd) > np.min(res.yi + z * sd))


def inconsistency(res: RMAResult, subgroup: Any = None) -> tuple[int, str]:
    """Rate down for unexplained heterogeneity: I², the prediction interval, Q."""
    if res.k < 2:
        return 0, "Not applicable: a single study."
    pred = res.predict()
    pi_lb, pi_ub = float(pred.pi_lb[0]), float(pred.pi_ub[0])
    ci_cross = float(res.ci_lb[0]) < 0 < float(res.ci_ub[0])
    pi_cross = pi_lb < 0 < pi_ub
    m = res.measure
    reason = f"I² = {res.I2:.0f}%, Q p = {res.QEp:.3g}"
    if np.isfinite(pi_lb):
        reason += f", prediction interval {show(pi_lb, m)} to {show(pi_ub, m)}"
    if _no_overlap(res):
        reason += "; the CIs of some studies do not overlap"
    if res.I2 < 50:
        return 0, reason + " (I² below 50%)."
    rating = -1
    if res.I2 >= 75 and pi_cross and not ci_cross:
        rating = -2
        reason += (
            " (I² 75% or more, and the prediction interval crosses the null "
            "while the CI does not: very serious)"
        )
    elif res.I2 >= 75:
        reason += " (I² 75% or more: considerable heterogeneity)"
    else:
        reason += " (I² 50% to 75%: substantial heterogeneity)"
    if subgroup is not None and subgroup.Qb_p < 0.05:
        test = f"; subgroup differences by {subgroup.by}: Q p = {subgroup.Qb_p:.3g}"
        if subgroup.Qw_p >= 0.10:
            return 0, reason + test + (
                f", residual heterogeneity Q p = {subgroup.Qw_p:.3g}: explained by "
                "the subgroups (present them separately)."
            )
        rating += 1
        reason += test + f", residual Q p = {subgroup.Qw_p:.3g}: partly explained"
    return rating, reason + "."


def optimal_information_size(
    measure: str,
    *,
    control_risk: float | None = None,
    mid: float | None = None,
    sd: float | None = None,
) -> tuple[int | None, str]:
    """Return the total size of one adequately powered trial (or None), and how."""
    za, zb = float(norm.isf(ALPHA / 2)), float(norm.isf(1 - POWER))
    if measure in BINARY:
        if control_risk is None:
            return None, "no control risk given"
        rrr = RRR_DEFAULT if mid is None else mid
        p0 = control_risk
        p1 = p0 * (1 - rrr)
        n = (za + zb) ** 2 * (p0 * (1 - p0) + p1 * (1 - p1)) / (p0 - p1) ** 2
        what = f"control risk {p0:g}, relative risk reduction {rrr:g}"
    elif measure in _SMD:
        delta = SMD_DEFAULT if mid is None else mid
        n = 2 * (za + zb) ** 2 / delta**2
        what = f"difference of {delta:g} SD"
    elif measure == "MD":
        if mid is None or sd is None:
            return None, "the MD needs the MID and a typical SD"
        n = 2 * (za + zb) ** 2 * sd**2 / mid**2
        what = f"difference {mid:g}, SD {sd:g}"
    else:
        return None, f"not defined for {measure}"
    total = 2 * math.ceil(n - 1e-9)
    return total, f"{what}, alpha {ALPHA:g}, power {POWER:g}"


def imprecision(
    res: RMAResult,
    *,
    mid: float | None,
    control_risk: float | None,
    n: int | None,
    sd: float | None,
) -> tuple[int, str]:
    """Rate down when the CI crosses the thresholds, or the OIS is not met."""
    m = res.measure
    lb, ub = float(res.ci_lb[0]), float(res.ci_ub[0])
    reason = f"CI {show(lb, m)} to {show(ub, m)}"
    bounds = mid_bounds(m, mid, control_risk)
    if bounds is None:
        crossed = [0.0] if lb < 0 < ub else []
        reason += " against the null (no MID)"
        if crossed:
            return -1, reason + ": the CI includes no effect."
    else:
        crossed = [t for t in bounds if lb < t < ub]
        shown = " and ".join(show(t, m) for t in bounds)
        reason += f" against the MIDs {shown}"
        if len(crossed) == 2:
            return -2, reason + ": the CI includes important benefit and harm."
        if crossed:
            return -1, reason + ": the CI crosses the MID."
    ois, how = optimal_information_size(m, control_risk=control_risk, mid=mid, sd=sd)
    if ois is None or n is None:
        why = how if ois is None else "total number of participants not given"
        return 0, reason + f": no threshold crossed; OIS not assessed ({why})."
    reason += f"; {n:,} participants against an OIS of {ois:,} ({how})"
    if n < ois:
        return -1, reason + ": the OIS is not met."
    return 0, reason + ": the OIS is met."


def publication_bias(res: RMAResult, regtest: Any = None) -> tuple[int, str]:
    """Rate down when Egger's test (k >= 10) suggests small-study effects."""
    if res.k < 10:
        return 0, (
            f"Not assessed (k < 10): {res.k} studies are too few for a test "
            "of funnel plot asymmetry."
        )
    if regtest is None:
        from ..stats.bias import regtest as egger

        try:
            regtest = egger(res)
        except MetareviewError as exc:
            return 0, f"Not assessed: Egger's test cannot be computed ({exc})."
    p = float(regtest.pval)
    if p < 0.10:
        return -1, f"Egger's test p = {p:.3g} (< 0.10): small-study effects."
    return 0, f"Egger's test p = {p:.3g} (>= 0.10): no sign of small-study effects."


def large_effect(res: RMAResult) -> tuple[int, str]:
    """Rate up a large ratio effect whose CI excludes the null (GRADE guidelines 9)."""
    m = res.measure
    if m not in RATIO:
        return 0, f"Not assessed: a large effect is judged on a ratio; here {m}."
    est, lb, ub = float(res.beta[0]), float(res.ci_lb[0]), float(res.ci_ub[0])
    size = math.exp(abs(est))
    text = f"{m} {show(est, m)}"
    if lb < 0 < ub:
        return 0, text + ": the CI includes no effect."
    if size > 5:
        return 2, text + ": very large (RR > 5 or < 0.2)."
    if size > 2:
        return 1, text + ": large (RR > 2 or < 0.5)."
    return 0, text + ": not large (RR between 0.5 and 2)."
