"""The words and numbers of a forest plot: headings, effect texts, test lines.

Two conventions. RevMan 5's (Deeks & Higgins 2010; Cochrane Handbook 6.4,
figure 10.4.a, whose layout RevMan draws): measure names such as "Risk Ratio",
methods "M-H, Random, 95% CI", two-decimal estimates, ``P < 0.00001``, integer
I². metafor's (Viechtbauer 2010): "RE Model", p-values as ``< .0001``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..stats._format import fmt_p, revman_p

MINUS = "\N{MINUS SIGN}"

# RevMan 5's names of the effect measures; metafor-only measures named alike
MEASURE_NAMES = {
    "OR": "Odds Ratio",
    "RR": "Risk Ratio",
    "RD": "Risk Difference",
    "PETO": "Peto Odds Ratio",
    "MD": "Mean Difference",
    "SMD": "Std. Mean Difference",
    "SMDH": "Std. Mean Difference",
    "ROM": "Ratio of Means",
    "IRR": "Rate Ratio",
    "IRD": "Rate Difference",
    "COR": "Correlation",
    "ZCOR": "Fisher's z",
    "PR": "Proportion",
    "PLO": "Log Odds",
    "PFT": "Proportion (Freeman-Tukey)",
    "GEN": "Effect Size",
}

# names after the usual back-transforms (by the transform's __name__)
TRANSFORMED_NAMES = {
    ("ZCOR", "tanh"): "Correlation",
    ("PLO", "expit"): "Proportion",
    ("PFT", "transf_ipft"): "Proportion",
}


def measure_name(measure: str, f: object) -> str:
    """Name ``measure`` as shown through the display transform ``f``."""
    key = (measure, str(getattr(f, "__name__", "")))
    return TRANSFORMED_NAMES.get(key, MEASURE_NAMES.get(measure, measure))


@dataclass(frozen=True, slots=True)
class Summary:
    """A pooled estimate with the statistics printed under it.

    ``est``, ``lb``, ``ub``, ``pi_lb``, ``pi_ub`` are on the model's scale (log
    for ratio measures). ``tau2`` is None for a fixed-effect model; ``I2`` is NaN
    when heterogeneity is not applicable (a single study). ``dfs`` is the t
    test's degrees of freedom (None for a z test).
    """

    est: float
    lb: float
    ub: float
    pi_lb: float
    pi_ub: float
    stat: float
    pval: float
    dfs: float | None
    tau2: float | None
    Q: float
    Q_df: int
    Qp: float
    I2: float
    k: int


def num(x: float, digits: int = 2) -> str:
    """``x`` with ``digits`` decimals and a typographic minus sign."""
    if not np.isfinite(x):
        return "NA"
    text = f"{x:.{digits}f}"
    if float(text) == 0:  # no "-0.00"
        text = text.lstrip("-")
    return text.replace("-", MINUS)


def effect_text(est: float, lb: float, ub: float, digits: int = 2) -> str:
    """``0.41 [0.13, 1.26]``; RevMan's "Not estimable" for a missing estimate."""
    if not np.isfinite(est):
        return "Not estimable"
    return f"{num(est, digits)} [{num(lb, digits)}, {num(ub, digits)}]"


def interval_text(lb: float, ub: float, digits: int = 2) -> str:
    """``[0.15, 1.55]`` (a prediction interval)."""
    return f"[{num(lb, digits)}, {num(ub, digits)}]"


def _tau2(tau2: float) -> str:
    """Two decimals; two significant digits for a small positive τ²."""
    if 0 < tau2 < 0.005:
        return np.format_float_positional(float(f"{tau2:.2g}"))
    return f"{tau2:.2f}"


def heterogeneity_line(s: Summary) -> str:
    """RevMan's heterogeneity line.

    ``Heterogeneity: Tau² = 0.31; Chi² = 152.23, df = 12 (P < 0.00001); I² = 92%``
    """
    if s.k < 2 or not np.isfinite(s.Q):
        return "Heterogeneity: Not applicable"
    tau = "" if s.tau2 is None else f"Tau² = {_tau2(s.tau2)}; "
    i2 = f"{s.I2:.0f}%" if np.isfinite(s.I2) else "NA"
    return (
        f"Heterogeneity: {tau}Chi² = {s.Q:.2f}, df = {s.Q_df} "
        f"({revman_p(s.Qp)}); I² = {i2}"
    )


def overall_line(s: Summary) -> str:
    """``Test for overall effect: Z = 3.97 (P < 0.0001)`` (``t = …, df = …`` for t).

    A single study tested with z under a t-based method (no degrees of freedom)
    gets the Z line.
    """
    if s.dfs is None or not math.isfinite(s.dfs):
        return f"Test for overall effect: Z = {abs(s.stat):.2f} ({revman_p(s.pval)})"
    return (
        f"Test for overall effect: t = {abs(s.stat):.2f}, df = {s.dfs:g} "
        f"({revman_p(s.pval)})"
    )


def subgroup_line(Qb: float, df: int, p: float, I2: float) -> str:
    """``Test for subgroup differences: Chi² = 1.86, df = 2 (P = 0.39), I² = 0%``."""
    i2 = "0%" if I2 == 0 else f"{I2:.1f}%"
    return (
        f"Test for subgroup differences: Chi² = {Qb:.2f}, df = {df} "
        f"({revman_p(p)}), I² = {i2}"
    )


def _p(p: float) -> str:
    text = fmt_p(p)
    return f"p {text.replace('<', '< ')}" if text.startswith("<") else f"p = {text}"


def metafor_heterogeneity(s: Summary) -> str:
    """``Heterogeneity: τ² = 0.3132, I² = 92.2%, Q(12) = 152.23, p < .0001``."""
    if s.k < 2 or not np.isfinite(s.Q):
        return "Heterogeneity: not applicable (one study)"
    tau = "" if s.tau2 is None else f"τ² = {s.tau2:.4f}, "
    return f"Heterogeneity: {tau}I² = {s.I2:.1f}%, Q({s.Q_df}) = {s.Q:.2f}, {_p(s.Qp)}"


def metafor_overall(s: Summary) -> str:
    """``Test for overall effect: z = −3.97, p < .0001``."""
    name = "z" if s.dfs is None else f"t({s.dfs:g})"
    return f"Test for overall effect: {name} = {num(s.stat)}, {_p(s.pval)}"


def metafor_subgroups(Qb: float, df: int, p: float) -> str:
    """``Test for subgroup differences: Q(2) = 1.86, p = 0.3943``."""
    return f"Test for subgroup differences: Q({df}) = {Qb:.2f}, {_p(p)}"


def level_text(level: float) -> str:
    """``95% CI`` for ``level=0.95``."""
    return f"{100 * level:g}% CI"


def method_heading(method: str, fixed: bool, level: float) -> str:
    """RevMan's method line: ``M-H, Random, 95% CI``."""
    return f"{method}, {'Fixed' if fixed else 'Random'}, {level_text(level)}"


def model_label(method: str) -> str:
    """Label a pooled row as metafor: ``RE Model``, ``FE Model``, ``EE Model``."""
    return {"EE": "EE Model", "FE": "FE Model"}.get(method, "RE Model")


def arm_number(x: float, digits: int = 2) -> str:
    """Format an arm-level value: integers plain, others with few decimals."""
    if not np.isfinite(x):
        return ""
    if float(x).is_integer():
        return f"{int(x)}".replace("-", MINUS)
    text = np.format_float_positional(float(x), precision=digits, trim="-")
    return text.replace("-", MINUS)
