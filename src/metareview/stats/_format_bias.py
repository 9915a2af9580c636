"""Text renderings of the bias results, in metafor's layout (print.regtest, ...)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np

from ._format import fmt_p, format_rma

if TYPE_CHECKING:
    from ._bias_results import FsnResult, RanktestResult, RegtestResult, TrimfillResult

PREDICTOR_LABELS = {
    "sei": "standard error",
    "vi": "sampling variance",
    "ni": "sample size",
    "ninv": "inverse of the sample size",
    "sqrtni": "square root sample size",
    "sqrtninv": "inverse of the square root sample size",
}
# metafor pads the labels of the test lines to this width
_LABEL_WIDTH = 32


def _num(x: float, digits: int = 4) -> str:
    return "NA" if not np.isfinite(x) else f"{x:.{digits}f}"


def _p(p: float) -> str:
    """``p = 0.0028`` or ``p < .0001``, as metafor's ``.pval(showeq=TRUE)``."""
    s = fmt_p(p)
    return f"p {s[0]} {s[1:]}" if s.startswith("<") else f"p = {s}"


def _notes(notes: tuple[str, ...]) -> list[str]:
    return [f"Note: {n}" for n in notes]


def _model_label(res: RegtestResult) -> str:
    if res.harbord:
        return "regression of Z/sqrt(V) on sqrt(V) (score Z and its variance V)"
    if res.model == "lm":
        return "weighted regression with multiplicative dispersion"
    if res.fit.method in ("EE", "FE"):
        return "fixed-effects meta-regression model"
    return "mixed-effects meta-regression model"


def format_regtest(res: RegtestResult) -> str:
    """Return the metafor-style printout of a regression test."""
    title = (
        "Harbord's Test for Funnel Plot Asymmetry (binary outcomes)"
        if res.harbord
        else "Regression Test for Funnel Plot Asymmetry"
    )
    lines = ["", title, "", f"Model:     {_model_label(res)}"]
    if not res.harbord:
        lines.append(f"Predictor: {PREDICTOR_LABELS[res.predictor]}")
    stat = f"z = {res.zval:.4f}"
    if res.dfs is not None:
        stat = f"t = {res.zval:.4f}, df = {res.dfs:g}"
    lines += [
        "",
        f"{'Test for Funnel Plot Asymmetry:':<{_LABEL_WIDTH}}{stat}, {_p(res.pval)}",
    ]
    if res.est is not None and res.ci_lb is not None and res.ci_ub is not None:
        limit = "sqrt(V) -> inf" if res.harbord else _limit(res.predictor)
        label = f"Limit Estimate (as {limit}):"
        lines.append(
            f"{label:<{_LABEL_WIDTH - 1}} b = {_num(res.est)} "
            f"(CI: {_num(res.ci_lb)}, {_num(res.ci_ub)})"
        )
    lines += _notes(res.notes)
    return "\n".join(lines) + "\n"


def _limit(predictor: str) -> str:
    from ._funnel import LIMITS

    return LIMITS[predictor]


def format_ranktest(res: RanktestResult) -> str:
    """Return the metafor-style printout of the rank correlation test."""
    lines = [
        "",
        "Rank Correlation Test for Funnel Plot Asymmetry",
        "",
        f"Kendall's tau = {_num(res.tau)}, {_p(res.pval)}",
        *_notes(res.notes),
    ]
    return "\n".join(lines) + "\n"


def format_trimfill(res: TrimfillResult) -> str:
    """Return the metafor-style printout: k0 and its SE, then the filled model."""
    head = f"Estimated number of missing studies on the {res.side} side:"
    lines = ["", f"{head} {res.k0} (SE = {_num(res.se_k0)})"]
    if res.estimator == "R0":
        test = f"Test of H0: no missing studies on the {res.side} side:"
        # metafor's spacing: 5 blanks plus the width of k0
        gap = " " * (5 + len(str(res.k0)))
        lines.append(f"{test}{gap}p-val {_pv(res.p_k0)}")
    lines += _notes(res.notes)
    return "\n".join(lines) + "\n" + format_rma(res.model)


def _pv(p: float) -> str:
    s = fmt_p(p)
    return f"{s[0]} {s[1:]}" if s.startswith("<") else f"= {s}"


def format_fsn(res: FsnResult) -> str:
    """Return the metafor-style printout of a fail-safe N."""
    lines = ["", f"Fail-safe N Calculation Using the {res.type} Approach", ""]
    if res.type == "Orwin":
        lines += [
            f"Average Effect Size: {_num(res.meanes)}",
            f"Target Effect Size:  {_num(res.target)}",
        ]
    else:
        if res.type == "Rosenberg":
            lines.append(f"Average Effect Size:         {_num(res.meanes)}")
        lines += [
            f"Observed Significance Level: {fmt_p(res.pval)}",
            f"Target Significance Level:   {res.alpha:g}",
        ]
    lines += ["", f"Fail-safe N: {res.fsnum}", *_notes(res.notes)]
    return "\n".join(lines) + "\n"


def html_pre(text: str) -> str:
    """Return a printout as preformatted HTML, for notebooks."""
    return f"<pre>{html.escape(text.strip(chr(10)))}</pre>"
