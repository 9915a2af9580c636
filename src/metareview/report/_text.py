"""Numbers and sentences of the report.

Effects are written as "OR 1.70 (95% CI 1.12 to 2.58)" so that
:func:`~metareview.review.audit.audit_text` can check each one; the test of the
overall effect is written in a sentence of its own ("t = 3.10 on 5 df,
P = 0.027"), since with the Hartung–Knapp–Sidik–Jonkman adjustment its P value
comes from a t distribution that a z-based check of the CI cannot reproduce.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from ..plots._forest_text import num as figure_num
from ..stats._format import RATIO_MEASURES

MEASURE_NAMES = {
    "OR": "odds ratio",
    "RR": "risk ratio",
    "RD": "risk difference",
    "PETO": "Peto odds ratio",
    "MD": "mean difference",
    "SMD": "standardised mean difference (Hedges' g)",
    "SMDH": "standardised mean difference (heteroscedastic)",
    "ROM": "ratio of means",
}
TAU2_NAMES = {
    "REML": "restricted maximum likelihood (REML)",
    "ML": "maximum likelihood",
    "DL": "DerSimonian–Laird",
    "PM": "Paule–Mandel",
    "SJ": "Sidik–Jonkman",
    "HE": "Hedges",
    "HS": "Hunter–Schmidt",
    "EB": "empirical Bayes",
}
TEST_TEXT = {
    "knha": (
        "with the Hartung–Knapp–Sidik–Jonkman adjustment (t distribution with "
        "k − 1 degrees of freedom)"
    ),
    "t": "from a t distribution with k − 1 degrees of freedom",
    "z": "from the normal distribution (Wald-type)",
}


def num(x: Any, digits: int = 2) -> str:
    """Format a number with ``digits`` decimals and a true minus; NaN as "NA"."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    return figure_num(v, digits)


def pval(p: float) -> str:
    """``P < 0.001`` or ``P = 0.027`` (three decimals below 0.1, else two)."""
    if not math.isfinite(p):
        return "P not estimable"
    if p < 0.001:
        return "P < 0.001"
    return f"P = {p:.3f}" if p < 0.1 else f"P = {p:.2f}"


def percent(x: float) -> str:
    """Format a percentage without decimals ("45%")."""
    return "NA" if not math.isfinite(x) else f"{x:.0f}%"


def effect(measure: str, est: float, lb: float, ub: float, level: float) -> str:
    """``OR 1.70 (95% CI 1.12 to 2.58)``."""
    return f"{measure} {num(est)} ({level * 100:g}% CI {num(lb)} to {num(ub)})"


def interval(lb: float, ub: float) -> str:
    """``1.12 to 2.58``."""
    return f"{num(lb)} to {num(ub)}"


def studies(n: int, word: str = "study") -> str:
    """``1 study``, ``3 studies``."""
    plural = "studies" if word == "study" else word + "s"
    return f"{n} {word if n == 1 else plural}"


def join(items: list[str], word: str = "and") -> str:
    """Join words: ``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def test_sentence(res: Any) -> str:
    """The test of the overall effect: ``t = 3.10 on 5 df, P = 0.027``."""
    stat = float(res.zval[0])
    if res.dfs is not None and res.test in ("t", "knha"):
        return f"t = {num(stat)} on {res.dfs:g} df, {pval(float(res.pval[0]))}"
    return f"z = {num(stat)}, {pval(float(res.pval[0]))}"


def heterogeneity(res: Any) -> str:
    """τ², I² and Cochran's Q with its P value."""
    if res.k < 2:
        return "Heterogeneity is not estimable from one study."
    q = f"Q = {num(res.QE)} on {res.k - 1} df ({pval(float(res.QEp))})"
    if res.method in ("FE", "EE"):
        return f"Heterogeneity: I² = {percent(res.I2)}, {q}."
    return f"Heterogeneity: τ² = {num(res.tau2, 3)}, I² = {percent(res.I2)}, {q}."


def transform(measure: str) -> Any:
    """``numpy.exp`` for ratio measures, else the identity."""
    return np.exp if measure in RATIO_MEASURES else (lambda x: x)


_HANDBOOK = re.compile(r"Cochrane Handbook [^)]*")
_AUTHORS = re.compile(r"([A-Z][a-z]+ et al\.) \((\d{4})\)")


def conversion_method(text: str) -> str:
    """Name the method of one arm's conversion note, with its source.

    A note reads ``arm: method: formula (source)``; the arm and the formula
    are dropped, numbers of a design effect too.

    Examples
    --------
    >>> conversion_method("mcii: SD from SE: SD = SE * sqrt(n) "
    ...                   "(Cochrane Handbook 6.5.2.2)")
    'SD from SE (Cochrane Handbook 6.5.2.2)'
    >>> conversion_method("control: mean and SD from the median (C3): mean: "
    ...                   "Luo et al. (2018) C3; SD: Wan et al. (2014) C3")
    'mean and SD from the median (Luo et al. 2018; Wan et al. 2014)'

    """
    parts = text.split(": ")
    method = parts[1] if len(parts) > 1 else parts[0]
    method = re.sub(r"\s*\([^)]*\)$", "", method)
    method = re.sub(r" [\d.]+$", "", method).strip()
    sources = _HANDBOOK.findall(text) or [f"{a} {y}" for a, y in _AUTHORS.findall(text)]
    return f"{method} ({'; '.join(dict.fromkeys(sources))})" if sources else method


def conversions(notes: Any) -> Counter[str]:
    """Count the arms converted by each method, over notes joined by " | "."""
    out: Counter[str] = Counter()
    for note in notes:
        for part in str(note or "").split(" | "):
            if part.strip():
                out[conversion_method(part.strip())] += 1
    return out


def cell(value: Any) -> str:
    """Format a table cell: whole numbers without decimals, others to 4 digits."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value)}"
        return f"{value:.4g}" if abs(value) < 1e4 else f"{value:.0f}"
    return str(value)
