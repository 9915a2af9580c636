"""Absolute effects, plain-language statements and the Summary of Findings rows."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._validate import InputError, InputTypeError, choice, fraction
from ._grade_rules import _SMD, BINARY, RATIO, mid_bounds, show
from ._grade_types import Certainty

if TYPE_CHECKING:
    from ..stats.results import RMAResult

__all__ = [
    "AbsoluteEffect",
    "SofInput",
    "absolute_effect",
    "round_half_up",
    "sof_row",
    "statement",
]

_ODDS = frozenset({"OR", "PETO"})


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class AbsoluteEffect:
    """Risks per 1,000 people without and with the intervention, unrounded.

    ``difference`` is ``intervention - control``; the ``_lb``/``_ub`` fields come
    from the limits of the relative effect's confidence interval.
    """

    measure: str
    control: float
    intervention: float
    intervention_lb: float
    intervention_ub: float
    difference: float
    difference_lb: float
    difference_ub: float


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class SofInput:
    """One row of the Summary of Findings table: a model and its certainty.

    ``control_risk`` (a proportion) gives the absolute effect of a binary
    outcome; ``sd``, a typical standard deviation of the outcome's scale
    (``scale``), re-expresses an SMD in the scale's units; ``mid`` is the
    minimal important difference (as in :func:`assess_certainty`), used for the
    "little to no difference" statement. ``participants`` is the total number
    analysed; ``intervention`` names the intervention in the statement.
    """

    outcome: str
    res: RMAResult
    certainty: Certainty
    participants: int | None = None
    control_risk: float | None = None
    mid: float | None = None
    sd: float | None = None
    scale: str = ""
    intervention: str = "the intervention"
    timepoint: str | None = None


def round_half_up(x: float) -> int:
    """Round to a whole number, halves away from zero (as GRADEpro shows them)."""
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


def _risk(measure: str, effect: float, p0: float) -> float:
    if measure in _ODDS:
        p1 = effect * p0 / (1 - p0 + effect * p0)
    elif measure == "RR":
        p1 = effect * p0
    else:
        p1 = p0 + effect
    return min(1.0, max(0.0, p1))


def absolute_effect(
    measure: str, estimate: float, ci_lb: float, ci_ub: float, control_risk: float
) -> AbsoluteEffect:
    r"""Turn a relative effect and an assumed control risk into risks per 1,000.

    Parameters
    ----------
    measure : {"OR", "PETO", "RR", "RD"}
        The effect measure.
    estimate, ci_lb, ci_ub : float
        The effect and its confidence limits on the natural scale: ratios as
        ratios (OR 1.67, not its log), a risk difference as a proportion.
    control_risk : float
        The assumed risk without the intervention, a proportion in (0, 1).

    Returns
    -------
    AbsoluteEffect
        Risks and differences per 1,000, unrounded; a risk is kept within 0 to
        1,000.

    Notes
    -----
    With control risk :math:`p_0` (Cochrane Handbook, sections 14.1.5.1 and
    15.4.4):

    .. math::

        p_1 = \frac{\mathrm{OR}\,p_0}{1 - p_0 + \mathrm{OR}\,p_0}, \qquad
        p_1 = \mathrm{RR}\,p_0, \qquad p_1 = p_0 + \mathrm{RD},

    and the same with each confidence limit in place of the estimate. The
    difference is :math:`1000\,(p_1 - p_0)`, computed before rounding.

    References
    ----------
    Schünemann HJ, Higgins JPT, Vist GE, et al. Chapter 14: Completing 'Summary
    of findings' tables and grading the certainty of the evidence; Chapter 15:
    Interpreting results and drawing conclusions. In: Higgins JPT, Thomas J, et
    al. (eds.) Cochrane Handbook for Systematic Reviews of Interventions,
    version 6.4, 2023.

    Examples
    --------
    >>> a = absolute_effect("RR", 0.5, 0.25, 1.0, 0.2)
    >>> a.control, a.intervention, a.difference, a.difference_lb
    (200.0, 100.0, -100.0, -150.0)

    """
    if measure not in BINARY:
        raise InputError(
            f"measure must be one of 'OR', 'PETO', 'RR', 'RD'; got {measure!r}"
        )
    p0 = fraction("control_risk", control_risk)
    values = {"estimate": estimate, "ci_lb": ci_lb, "ci_ub": ci_ub}
    for name, value in values.items():
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise InputTypeError(f"{name} must be a finite number; got {value!r}")
        if measure != "RD" and value <= 0:
            raise InputError(
                f"{name} must be a ratio > 0 for {measure} (give 1.67, not its "
                f"log); got {value!r}"
            )
    if not ci_lb <= estimate <= ci_ub:
        raise InputError(
            f"need ci_lb <= estimate <= ci_ub; got {ci_lb!r}, {estimate!r}, {ci_ub!r}"
        )
    p = [_risk(measure, float(v), p0) for v in (estimate, ci_lb, ci_ub)]
    return AbsoluteEffect(
        measure=measure,
        control=1000 * p0,
        intervention=1000 * p[0],
        intervention_lb=1000 * p[1],
        intervention_ub=1000 * p[2],
        difference=1000 * (p[0] - p0),
        difference_lb=1000 * (p[1] - p0),
        difference_ub=1000 * (p[2] - p0),
    )


def _more(x: float) -> str:
    return f"{abs(round_half_up(x)):,} {'fewer' if x < 0 else 'more'}"


def _higher(x: float, unit: str = "") -> str:
    return f"{abs(x):.2f}{unit} {'lower' if x < 0 else 'higher'}"


def _interval(est: str, lb: float, ub: float, unit: str = "") -> str:
    if (lb < 0) == (ub < 0):
        return f"{est} ({abs(lb):.2f} to {_higher(ub, unit)})"
    return f"{est} ({_higher(lb, unit)} to {_higher(ub, unit)})"


def _cohen(smd: float) -> str:
    size = abs(smd)
    if size < 0.2:
        return "less than a small effect"
    if size < 0.5:
        return "a small effect"
    if size < 0.8:
        return "a moderate effect"
    return "a large effect"


def _continuous(row: SofInput) -> str:
    res, m = row.res, row.res.measure
    est, lb, ub = float(res.beta[0]), float(res.ci_lb[0]), float(res.ci_ub[0])
    text = _interval(f"{m} {_higher(est)}", lb, ub)
    if m not in _SMD:
        return text
    text += f"; {_cohen(est)} (0.2 small, 0.5 moderate, 0.8 large)"
    if row.sd is not None:
        scale = f" on {row.scale}" if row.scale else ""
        sd = row.sd
        text += (
            "; "
            + _interval(f"about {_higher(est * sd)}", lb * sd, ub * sd)
            + f"{scale} (SD {sd:g})"
        )
    return text


def lower_first(text: str) -> str:
    """Lower the first letter (Telephone care), not of an acronym (SMS)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def capital(text: str) -> str:
    """Capitalise the first letter only."""
    return text[:1].upper() + text[1:]


def statement(
    level: str, intervention: str, outcome: str, *, effect: float, no_important: bool
) -> str:
    """Word the effect in plain language (Santesso et al. 2020, Table 2)."""
    choice("level", level, ("high", "moderate", "low", "very low"))
    y = lower_first(outcome)
    if level == "very low":
        return f"The evidence is very uncertain about the effect of {intervention} " + (
            f"on {y}."
        )
    modal = {"high": "", "moderate": "probably ", "low": "may "}[level]
    if no_important:
        verb = "result" if level == "low" else "results"
        body = f"{modal}{verb} in little to no difference in {y}"
    elif level == "low":
        body = f"may {'increase' if effect > 0 else 'reduce'} {y}"
    else:
        body = f"{modal}{'increases' if effect > 0 else 'reduces'} {y}"
    text = f"{intervention} {body}."
    return text[:1].upper() + text[1:]


def _participants(row: SofInput) -> str:
    k = row.res.k
    design = "RCT" if row.certainty.start == "high" else "observational stud"
    if design == "RCT":
        studies = f"{k} RCT{'s' if k != 1 else ''}"
    else:
        studies = f"{k} {design}{'ies' if k != 1 else 'y'}"
    if row.participants is None:
        return f"({studies})"
    return f"{row.participants:,} ({studies})"


def sof_row(row: SofInput) -> dict[str, Any]:
    """One Summary of Findings row, as display strings."""
    res, m, cert = row.res, row.res.measure, row.certainty
    est, lb, ub = float(res.beta[0]), float(res.ci_lb[0]), float(res.ci_ub[0])
    out: dict[str, Any] = dict.fromkeys(
        ("relative_effect", "control_risk", "intervention_risk", "absolute",
         "mean_difference"), "",
    )  # fmt: skip
    if m in BINARY:
        if m in RATIO:
            out["relative_effect"] = (
                f"{m} {show(est, m)} ({show(lb, m)} to {show(ub, m)})"
            )
        if row.control_risk is not None:
            conv = math.exp if m in RATIO else float
            a = absolute_effect(m, conv(est), conv(lb), conv(ub), row.control_risk)
            r = round_half_up
            out["control_risk"] = f"{r(a.control):,} per 1,000"
            out["intervention_risk"] = (
                f"{r(a.intervention):,} per 1,000 ({r(a.intervention_lb):,} to "
                f"{r(a.intervention_ub):,})"
            )
            out["absolute"] = (
                f"{_more(a.difference)} per 1,000 ({_more(a.difference_lb)} to "
                f"{_more(a.difference_ub)})"
            )
    elif m in RATIO:  # a ratio of means: no mean difference to show
        out["relative_effect"] = f"{m} {show(est, m)} ({show(lb, m)} to {show(ub, m)})"
    else:
        out["mean_difference"] = _continuous(row)
    notes = cert.footnotes
    letters = [chr(ord("a") + i) for i in range(len(notes))]
    level = cert.level[:1].upper() + cert.level[1:]
    cited = f" ({', '.join(letters)})" if letters else ""
    bounds = mid_bounds(m, row.mid, row.control_risk)
    within = bounds is not None and bounds[0] < lb and ub < bounds[1]
    return {
        "outcome": row.outcome,
        "timepoint": cert.timepoint if row.timepoint is None else row.timepoint,
        **out,
        "participants": _participants(row),
        "certainty": f"{cert.symbol} {level}{cited}",
        "footnotes": " ".join(f"{c}. {n}" for c, n in zip(letters, notes, strict=True)),
        "statement": statement(
            cert.level, row.intervention, row.outcome, effect=est, no_important=within
        ),
    }
