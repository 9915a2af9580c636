"""From extracted values to the arm-level data of one outcome and time point.

Each arm's size and events, or mean and SD, are taken as reported or derived
(:mod:`metareview.effects.convert`), in this order for a continuous outcome:
mean and SD; mean and SE; mean and CI; median with quartiles and/or range;
change from baseline (mean and SD of the change). When the arms' means are
known but not their SDs, the SD common to both arms is derived from the
comparison's t, F or P value (Cochrane Handbook 6.5.2.3). Cluster-randomised
arms are reduced to their effective size (design effect, Handbook 23.1.4).
Several control arms are combined; several intervention arms are combined or
given a share of the control group each, as ``[extraction].multi_arm`` says.
When the arms cannot be described, the comparison's reported effect (with its
CI or P value), or its t, F or P value (SMD only), gives ``yi`` and ``vi``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from .._validate import InputError, MetareviewError, ModelWarning
from ..effects import convert
from ._extraction_fields import RATIO_MEASURES
from .protocol import BINARY_MEASURES

Fields = dict[str, str]


@dataclass
class Arm:
    """One arm's numbers and how they were obtained (``notes``: the methods)."""

    name: str
    n: float = math.nan
    events: float = math.nan
    mean: float = math.nan
    sd: float = math.nan
    notes: list[str] = field(default_factory=list)
    de: float = 1.0

    def note(self, text: str) -> None:
        """Record how a value of this arm was obtained."""
        self.notes.append(f"{self.name}: {text}")

    @property
    def category(self) -> str:
        """The intervention category (``control`` or an intervention id)."""
        return self.name.split(":", 1)[0]


@dataclass(frozen=True, slots=True, kw_only=True)
class Where:
    """Which study, outcome and time point: for messages."""

    study: str
    outcome: str
    timepoint: str

    def error(self, message: str) -> InputError:
        return InputError(
            f"study {self.study!r}, outcome {self.outcome!r} at {self.timepoint!r}: "
            f"{message}"
        )


def num(f: Fields, name: str) -> float:
    """Return a stored number, or NaN when not given."""
    value = f.get(name)
    return float(value) if value not in (None, "") else math.nan


def has(f: Fields, *names: str) -> bool:
    """Whether all ``names`` are given."""
    return all(not math.isnan(num(f, n)) for n in names)


def binary_arm(name: str, f: Fields) -> Arm:
    """Events and size of one arm, as reported."""
    return Arm(name=name, n=num(f, "n"), events=num(f, "events"))


def continuous_arm(name: str, f: Fields, where: Where) -> Arm:
    """Mean and SD of one arm, as reported or derived (see the module notes)."""
    arm = Arm(name=name, n=num(f, "n"), mean=num(f, "mean"), sd=num(f, "sd"))
    n, level = arm.n, num(f, "ci_level")
    level = 0.95 if math.isnan(level) else level
    if not math.isnan(arm.sd) or math.isnan(n):
        return arm
    try:
        if has(f, "mean", "se"):
            res = convert.sd_from_se(num(f, "se"), n)
            arm.sd = float(res.sd)
            arm.note(f"SD from SE: {res.method}")
        elif has(f, "mean", "ci_lb", "ci_ub"):
            res = convert.sd_from_ci(num(f, "ci_lb"), num(f, "ci_ub"), n, level=level)
            arm.sd = float(res.sd)
            arm.note(f"SD from CI: {res.method}")
        elif has(f, "median") and (has(f, "q1", "q3") or has(f, "min", "max")):
            _from_median(arm, f, where)
        elif has(f, "change_mean", "change_sd"):
            arm.mean, arm.sd = num(f, "change_mean"), num(f, "change_sd")
            arm.note(
                "mean and SD of the change from baseline (Cochrane "
                "Handbook 10.5.2; not for SMD with final values)"
            )
    except MetareviewError as exc:
        raise where.error(f"arm {name!r}: {exc}") from None
    return arm


def _from_median(arm: Arm, f: Fields, where: Where) -> None:
    iqr = has(f, "q1", "q3")
    rng = has(f, "min", "max")
    q1, q3 = (num(f, "q1"), num(f, "q3")) if iqr else (None, None)
    lo, hi = (num(f, "min"), num(f, "max")) if rng else (None, None)
    m = num(f, "median")
    est = convert.mean_sd_from_median(
        median=m, n=arm.n, q1=q1, q3=q3, min=lo, max=hi, skew_check=False
    )
    skew = convert.skewness_test(median=m, n=arm.n, q1=q1, q3=q3, min=lo, max=hi)
    if bool(np.any(skew.skewed)):
        warnings.warn(
            f"study {where.study!r}, {where.outcome} at {where.timepoint}, arm "
            f"{arm.name!r}: the median summary is significantly skewed (Shi et al. "
            "2023 test, 5% level); the estimated mean and SD may mislead",
            ModelWarning,
            stacklevel=4,
        )
    what = "SD" if not math.isnan(arm.mean) else "mean and SD"
    if math.isnan(arm.mean):
        arm.mean = float(est.mean)
    arm.sd = float(est.sd)
    arm.note(f"{what} from the median ({est.scenario}): {est.method}")


def study_cluster(arms: dict[str, Fields]) -> Fields:
    """Cluster size and ICC given on any arm of a study (the first given, by arm).

    A trial's ICC and mean cluster size are often reported once for the trial;
    an arm without its own takes these.
    """
    out: Fields = {}
    for f in arms.values():
        for k in ("mean_cluster_size", "icc"):
            if has(f, k) and k not in out:
                out[k] = f[k]
    return out


def cluster_adjust(
    arm: Arm, f: Fields, study: Fields, icc_default: float | None, where: Where
) -> None:
    """Reduce a cluster-randomised arm to its effective size (and events).

    The mean cluster size is the arm's own, else ``n / clusters``, else the
    study's (:func:`study_cluster`); the ICC the arm's, the study's, else the
    protocol's ``[extraction].icc``.
    """
    m = num(f, "mean_cluster_size")
    if math.isnan(m) and has(f, "clusters") and num(f, "clusters") > 0:
        m = arm.n / num(f, "clusters")
    if math.isnan(m):
        m = num(study, "mean_cluster_size")
    icc, src = num(f, "icc"), ""
    if math.isnan(icc) and has(study, "icc"):
        icc, src = num(study, "icc"), " (ICC reported for the trial)"
    if math.isnan(icc) and icc_default is not None:
        icc, src = icc_default, " (ICC from the protocol)"
    if math.isnan(m) or math.isnan(icc) or math.isnan(arm.n):
        needs = (("n", arm.n), ("mean_cluster_size or clusters", m),
                 ("icc (or [extraction].icc)", icc))  # fmt: skip
        missing = [k for k, v in needs if math.isnan(v)]
        raise where.error(
            f"arm {arm.name!r} is from a cluster-randomised trial and "
            f"needs {', '.join(missing)}"
        )
    events = None if math.isnan(arm.events) else arm.events
    try:
        res = convert.effective_n(arm.n, icc, m, events=events)
    except MetareviewError as exc:
        raise where.error(f"arm {arm.name!r}: {exc}") from None
    arm.n, arm.de = float(res.n), float(res.design_effect)
    if res.events is not None:
        arm.events = float(res.events)
    arm.note(
        f"n{' and events' * (res.events is not None)} / design effect "
        f"{arm.de:.4g} (ICC {icc:g}, M {m:.4g}){src}: {res.method}"
    )


def common_sd_from_test(treat: Arm, ctrl: Arm, f: Fields, where: Where) -> None:
    r"""Give the arms without an SD the one derived from the comparison's t, F or P.

    :math:`SE(MD) = |MD/t|` (or from the two-sided P on :math:`n_1 + n_2 - 2`
    df) and :math:`SD = SE/\sqrt{1/n_1 + 1/n_2}`, the SD assumed common to both
    groups (Cochrane Handbook 6.5.2.3). F (1 numerator df) is :math:`t^2`.
    """
    md = treat.mean - ctrl.mean
    n1, n2 = treat.n, ctrl.n
    try:
        if has(f, "t") or has(f, "F"):
            t = num(f, "t") if has(f, "t") else math.sqrt(num(f, "F"))
            se = convert.se_from_t(md, t)
        elif has(f, "p"):
            se = convert.se_from_p(md, num(f, "p"), n1=n1, n2=n2)
        else:
            return
        res = convert.sd_from_se(float(se.se), n1, n2=n2)
    except MetareviewError as exc:
        raise where.error(f"arm {treat.name!r}: {exc}") from None
    for arm in (treat, ctrl):
        if math.isnan(arm.sd):  # a reported SD is kept
            arm.sd = float(res.sd)
            arm.note(f"SD from the comparison's test: {se.method}; {res.method}")


def effect_from_comparison(
    treat_f: Fields, treat: Arm, ctrl: Arm, measure: str, where: Where
) -> tuple[float, float, list[str]]:
    """``yi``, ``vi`` and the methods, from a reported effect or test statistic."""
    try:
        if has(treat_f, "effect"):
            return _reported_effect(treat_f, measure, where)
        if measure in ("SMD", "SMDH") and any(has(treat_f, k) for k in ("t", "F", "p")):
            return _smd_from_test(treat_f, treat, ctrl, where)
    except MetareviewError as exc:
        raise where.error(f"arm {treat.name!r}: {exc}") from None
    what = (
        "events and n"
        if measure in BINARY_MEASURES
        else "n with mean and SD (or SE, CI, median with IQR or range, change)"
    )
    raise where.error(
        f"arms {treat.name!r} and {ctrl.name!r}: cannot derive {measure}; give "
        f"{what} for both arms, or an effect with its CI or P value"
        + (", or t, F or P" if measure in ("SMD", "SMDH") else "")
    )


def _reported_effect(
    f: Fields, measure: str, where: Where
) -> tuple[float, float, list[str]]:
    em = f.get("effect_measure", "")
    ratio = em in RATIO_MEASURES
    effect = num(f, "effect")
    level = num(f, "ci_level") if has(f, "ci_level") else 0.95
    if has(f, "effect_ci_lb", "effect_ci_ub"):
        se = convert.se_from_ci(
            num(f, "effect_ci_lb"), num(f, "effect_ci_ub"), level=level, log=ratio
        )
    elif has(f, "p"):
        se = convert.se_from_p(math.log(effect) if ratio else effect, num(f, "p"))
    else:
        raise where.error(
            f"effect {em} needs its CI (effect_ci_lb, effect_ci_ub) or its P value"
        )
    yi, vi = (math.log(effect) if ratio else effect), float(se.se) ** 2
    notes = [f"yi, vi from the reported {em}: {se.method}"]
    if em == measure or (em == "SMD" and measure == "SMDH"):
        return yi, vi, notes
    if em == "OR" and measure in ("SMD", "SMDH"):
        res = convert.smd_from_or(yi, vi)
    elif em == "SMD" and measure == "OR":
        res = convert.or_from_smd(yi, vi)
    else:
        raise where.error(f"effect_measure {em} cannot be analysed as {measure}")
    return float(res.yi), float(res.vi), [*notes, res.method]


def _smd_from_test(
    f: Fields, treat: Arm, ctrl: Arm, where: Where
) -> tuple[float, float, list[str]]:
    n1, n2 = treat.n, ctrl.n
    if math.isnan(n1) or math.isnan(n2):
        raise where.error(f"t, F or P of arm {treat.name!r} needs n in both arms")
    if has(f, "t"):
        res = convert.smd_from_t(num(f, "t"), n1, n2)
    else:
        if math.isnan(treat.mean - ctrl.mean) or treat.mean == ctrl.mean:
            raise where.error(
                f"arm {treat.name!r}: F and P give no direction; enter "
                "the t statistic with its sign, or both arms' means"
            )
        sign = 1.0 if treat.mean > ctrl.mean else -1.0
        res = (
            convert.smd_from_f(num(f, "F"), n1, n2, sign=sign)
            if has(f, "F")
            else convert.smd_from_p(num(f, "p"), n1, n2, sign=sign)
        )
    return float(res.yi), float(res.vi), [res.method]
