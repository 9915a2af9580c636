"""Text and HTML renderings of results, in metafor's layout."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from .results import MHResult, RMAResult

FloatArray = NDArray[np.float64]

RATIO_MEASURES = frozenset({"OR", "RR", "PETO", "ROM", "IRR", "MPOR", "MPRR"})


def fmt_p(p: float, digits: int = 4) -> str:
    """Format a p-value as metafor does: ``< .0001`` below the printed precision."""
    if not np.isfinite(p):
        return "NA"
    floor = 10.0**-digits
    if p < floor:
        return f"<.{'0' * (digits - 1)}1"
    return f"{p:.{digits}f}"


def revman_p(p: float) -> str:
    """Format a p-value as RevMan 5: ``P < 0.00001``, ``P = 0.0007``, ``P = 0.45``.

    Two decimals from 0.01 up; one significant digit below; ``P < 0.0001`` and
    ``P < 0.00001`` at the bottom.
    """
    if not np.isfinite(p):
        return "P = NA"
    if p < 1e-5:
        return "P < 0.00001"
    if p < 1e-4:
        return "P < 0.0001"
    if p < 0.00995:
        return f"P = {np.format_float_positional(float(f'{p:.1g}'))}"
    return f"P = {p:.2f}"


def _stars(p: float) -> str:
    for cut, mark in ((0.001, "***"), (0.01, "**"), (0.05, "*"), (0.1, ".")):
        if p < cut:
            return mark
    return ""


def _title(res: RMAResult) -> str:
    if not res.int_only:
        if res.method in ("EE", "FE"):  # metafor says Fixed-Effects for EE too
            return f"Fixed-Effects with Moderators Model (k = {res.k})"
        if res.tau2_fix:
            return f"Mixed-Effects Model (k = {res.k}; user-specified tau^2 value)"
        return f"Mixed-Effects Model (k = {res.k}; tau^2 estimator: {res.method})"
    if res.method in ("EE", "FE"):
        kind = "Equal-Effects" if res.method == "EE" else "Fixed-Effects"
        return f"{kind} Model (k = {res.k})"
    if res.tau2_fix:
        return f"Random-Effects Model (k = {res.k}; user-specified tau^2 value)"
    return f"Random-Effects Model (k = {res.k}; tau^2 estimator: {res.method})"


def _residual_heterogeneity(res: RMAResult) -> list[str]:
    """Heterogeneity block of a model with moderators (metafor's wording)."""
    rows = []
    if res.method not in ("EE", "FE"):
        se = "" if not np.isfinite(res.se_tau2) else f" (SE = {res.se_tau2:.4f})"
        rows += [
            ("tau^2 (estimated amount of residual heterogeneity)", _tau2_text(res, se)),
            ("tau (square root of estimated tau^2 value)", _tau2_text(res, "", True)),
        ]
    rows += [
        ("I^2 (residual heterogeneity / unaccounted variability)", _pct(res.I2)),
        ("H^2 (unaccounted variability / sampling variability)", _num(res.H2, 2)),
    ]
    if np.isfinite(res.R2):
        rows.append(("R^2 (amount of heterogeneity accounted for)", _pct(res.R2)))
    lines = [f"{(label + ':').ljust(55)} {value}" for label, value in rows]
    lines += [
        "",
        "Test for Residual Heterogeneity:",
        f"QE(df = {res.k - res.p}) = {res.QE:.4f}, p-val {_pv(res.QEp)}",
    ]
    if res.p > 1:
        lines += ["", *moderators_test(res.QM, res.QMdf, res.QMp, res.btt)]
    return lines


def _tau2_text(res: RMAResult | MHResult, se: str, root: bool = False) -> str:
    """τ² (with its SE) or τ as metafor prints them: an exact 0 as ``0``."""
    if not np.isfinite(res.tau2):
        return "not estimable"
    value = res.tau if root else res.tau2
    return ("0" if value == 0 else f"{value:.4f}") + ("" if root else se)


def btt_label(btt: tuple[int, ...]) -> str:
    """``coefficient 2`` or ``coefficients 2:3,5``: 1-based runs, as metafor."""
    runs: list[list[int]] = []
    for j in sorted(btt):
        if runs and j == runs[-1][-1] + 1:
            runs[-1].append(j)
        else:
            runs.append([j])
    text = ",".join(
        f"{r[0] + 1}" if len(r) == 1 else f"{r[0] + 1}:{r[-1] + 1}" for r in runs
    )
    return f"coefficient{'s' if len(btt) > 1 else ''} {text}"


def moderators_test(
    QM: float,
    QMdf: tuple[float, float],
    QMp: float,
    btt: tuple[int, ...],
    mark: str = "",
) -> list[str]:
    """``Test of Moderators`` block: chi-square ``QM`` or ``F`` form."""
    df1, df2 = QMdf
    if np.isfinite(df2):
        stat = f"F(df1 = {df1:g}, df2 = {df2:g}) = {QM:.4f}"
    else:
        stat = f"QM(df = {df1:g}) = {QM:.4f}"
    return [
        f"Test of Moderators ({btt_label(btt)}):{mark}",
        f"{stat}, p-val {_pv(QMp)}",
    ]


def _heterogeneity(res: RMAResult) -> list[str]:
    if not res.int_only:
        return _residual_heterogeneity(res)
    lines = []
    fixed_only = res.method in ("EE", "FE")
    if not fixed_only:
        se = "" if not np.isfinite(res.se_tau2) else f" (SE = {res.se_tau2:.4f})"
        lines += [
            f"tau^2 (estimated amount of total heterogeneity): {_tau2_text(res, se)}",
            f"tau (square root of estimated tau^2 value):      "
            f"{_tau2_text(res, '', True)}",
        ]
    lines += [
        f"I^2 (total heterogeneity / total variability):   {_pct(res.I2)}",
        f"H^2 (total variability / sampling variability):  {_num(res.H2, 2)}",
        "",
        "Test for Heterogeneity:",
        f"Q(df = {res.k - res.p}) = {res.QE:.4f}, p-val {_pv(res.QEp)}",
    ]
    return lines


def _pct(x: float) -> str:
    return "NA" if not np.isfinite(x) else f"{x:.2f}%"


def _num(x: float, digits: int) -> str:
    return "NA" if not np.isfinite(x) else f"{x:.{digits}f}"


def _pv(p: float) -> str:
    s = fmt_p(p)
    return s.replace("<", "< ") if s.startswith("<") else f"= {s}"


def _table(
    res: RMAResult, pvals: FloatArray | None = None, mark: str = ""
) -> list[str]:
    """Coefficient table; ``pvals`` replace the model's (e.g. permutation ones)."""
    pval = res.pval if pvals is None else pvals
    stat = "tval" if res.dfs is not None else "zval"
    head = ["estimate", "se", stat]
    if res.dfs is not None:
        head.append("df")
    head += ["pval" + mark, "ci.lb", "ci.ub", ""]
    rows = []
    for j, name in enumerate(res.coef_names):
        cells = [f"{res.beta[j]:.4f}", f"{res.se[j]:.4f}", f"{res.zval[j]:.4f}"]
        if res.dfs is not None:
            cells.append(f"{res.dfs:g}")
        cells += [
            fmt_p(float(pval[j])),
            f"{res.ci_lb[j]:.4f}",
            f"{res.ci_ub[j]:.4f}",
        ]
        cells.append(_stars(float(pval[j])))
        rows.append((name if not res.int_only else "", cells))
    widths = [max(len(h), *(len(r[1][i]) for r in rows)) for i, h in enumerate(head)]
    lab = max(len(r[0]) for r in rows)
    pad = " " * lab + ("  " if lab else "")
    out = [
        pad + "  ".join(h.rjust(w) for h, w in zip(head, widths, strict=True)).rstrip()
    ]
    for name, cells in rows:
        line = (name.ljust(lab) + "  " if lab else "") + "  ".join(
            c.rjust(w) for c, w in zip(cells, widths, strict=True)
        )
        out.append(line.rstrip())
    return out


def _fitstats(res: RMAResult) -> list[str]:
    fs = res.fit_stats
    head = ["logLik", "deviance", "AIC", "BIC", "AICc"]
    vals = [fs.ll, fs.deviance, fs.AIC, fs.BIC, fs.AICc]
    cells = [f"{v:.4f}" for v in vals]
    widths = [max(len(h), len(c)) for h, c in zip(head, cells, strict=True)]
    return [
        "  ".join(h.rjust(w) for h, w in zip(head, widths, strict=True)),
        "  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True)),
    ]


def format_rma(res: RMAResult, *, fit_stats: bool = False) -> str:
    """Return the metafor-style summary of a fitted model."""
    lines = ["", _title(res), ""]
    if fit_stats:
        lines += [*_fitstats(res), ""]
    lines += [*_heterogeneity(res), "", "Model Results:", "", *_table(res)]
    if res.measure in RATIO_MEASURES and res.int_only:
        ex = np.exp([res.beta[0], res.ci_lb[0], res.ci_ub[0]])
        lines += [
            "",
            f"{res.measure} (exponentiated): {ex[0]:.4f} [{ex[1]:.4f}, {ex[2]:.4f}]",
        ]
    lines += [
        "",
        "---",
        "Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1",
    ]
    lines += [f"Note: {n}" for n in res.notes]
    return "\n".join(lines) + "\n"


def html_rma(res: RMAResult) -> str:
    """Return an HTML rendering for notebooks."""
    stat = "tval" if res.dfs is not None else "zval"
    head = "".join(
        f"<th>{h}</th>" for h in ("", "estimate", "se", stat, "pval", "ci.lb", "ci.ub")
    )
    body = "".join(
        "<tr>"
        + f"<td>{html.escape(name)}</td>"
        + "".join(f"<td>{x:.4f}</td>" for x in (res.beta[j], res.se[j], res.zval[j]))
        + f"<td>{fmt_p(float(res.pval[j]))}</td>"
        + f"<td>{res.ci_lb[j]:.4f}</td><td>{res.ci_ub[j]:.4f}</td></tr>"
        for j, name in enumerate(res.coef_names)
    )
    het = "<br>".join(html.escape(line) for line in _heterogeneity(res) if line)
    notes = "".join(f"<p><em>Note: {html.escape(n)}</em></p>" for n in res.notes)
    return (
        f"<div><strong>{html.escape(_title(res))}</strong><p>{het}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{notes}</div>"
    )


def _mh_title(res: MHResult) -> str:
    if res.method == "DL":
        return (
            f"Random-Effects Model (k = {res.k}; tau^2 estimator: DL, "
            "Mantel-Haenszel Q)"
        )
    return f"Equal-Effects Model (k = {res.k})"


def _mh_heterogeneity(res: MHResult) -> list[str]:
    if not np.isfinite(res.QE):
        return []
    lines = []
    if res.method == "DL":
        lines += [
            f"tau^2 (estimated amount of total heterogeneity): {_tau2_text(res, '')}",
            f"tau (square root of estimated tau^2 value):      "
            f"{_tau2_text(res, '', True)}",
        ]
    lines += [
        f"I^2 (total heterogeneity / total variability):  {_pct(res.I2)}",
        f"H^2 (total variability / sampling variability): {_num(res.H2, 2)}",
        "",
        "Test for Heterogeneity:",
        f"Q(df = {max(res.k_yi - 1, 0)}) = {res.QE:.4f}, p-val {_pv(res.QEp)}",
        "",
    ]
    return lines


def _columns(head: list[str], cells: list[str]) -> list[str]:
    widths = [max(len(h), len(c)) for h, c in zip(head, cells, strict=True)]
    return [
        "  ".join(h.rjust(w) for h, w in zip(head, widths, strict=True)),
        "  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True)),
    ]


def _test_p(p: float) -> str:
    if not np.isfinite(p):
        return "= NA"
    return "< 0.0001" if p < 1e-4 else f"= {p:.4f}"


def _mh_tests(res: MHResult) -> list[str]:
    lines = []
    if res.measure == "OR" and np.isfinite(res.MH):
        lines.append(
            f"Cochran-Mantel-Haenszel Test:    CMH = {res.MH:.4f}, df = 1, "
            f"p-val {_test_p(res.MHp)}"
        )
    if res.measure == "OR" and np.isfinite(res.TA):
        df = -1 if res.k_pos is None else res.k_pos - 1
        lines.append(
            f"Tarone's Test for Heterogeneity: X^2 = {res.TA:.4f}, df = {df}, "
            f"p-val {_test_p(res.TAp)}"
        )
    if res.measure == "IRR" and np.isfinite(res.MH):
        lines.append(
            f"Mantel-Haenszel Test: MH = {res.MH:.4f}, df = 1, p-val {_test_p(res.MHp)}"
        )
    return lines


def format_mh(res: MHResult) -> str:
    """Return the metafor-style summary of a Mantel-Haenszel or Peto analysis."""
    ratio = res.measure in RATIO_MEASURES
    lines = ["", _mh_title(res), "", *_mh_heterogeneity(res)]
    lines += ["Model Results (log scale):" if ratio else "Model Results:", ""]
    cells = [f"{x[0]:.4f}" for x in (res.beta, res.se, res.zval)]
    cells += [fmt_p(float(res.pval[0])), f"{res.ci_lb[0]:.4f}", f"{res.ci_ub[0]:.4f}"]
    lines += _columns(["estimate", "se", "zval", "pval", "ci.lb", "ci.ub"], cells)
    if ratio:
        ex = np.exp([res.beta[0], res.ci_lb[0], res.ci_ub[0]])
        scale = "OR" if res.measure == "PETO" else res.measure
        lines += ["", f"Model Results ({scale} scale):", ""]
        lines += _columns(["estimate", "ci.lb", "ci.ub"], [f"{x:.4f}" for x in ex])
    tests = _mh_tests(res)
    if tests:
        lines += ["", *tests]
    lines += [f"Note: {n}" for n in res.notes]
    return "\n".join(lines) + "\n"


def html_mh(res: MHResult) -> str:
    """Return an HTML rendering of a Mantel-Haenszel or Peto analysis."""
    head = "".join(
        f"<th>{h}</th>" for h in ("estimate", "se", "zval", "pval", "ci.lb", "ci.ub")
    )
    body = (
        "<tr>"
        + "".join(f"<td>{x[0]:.4f}</td>" for x in (res.beta, res.se, res.zval))
        + f"<td>{fmt_p(float(res.pval[0]))}</td>"
        + f"<td>{res.ci_lb[0]:.4f}</td><td>{res.ci_ub[0]:.4f}</td></tr>"
    )
    text = [*_mh_heterogeneity(res), *_mh_tests(res)]
    if res.measure in RATIO_MEASURES:
        ex = np.exp([res.beta[0], res.ci_lb[0], res.ci_ub[0]])
        scale = "OR" if res.measure == "PETO" else res.measure
        text.append(f"{scale}: {ex[0]:.4f} [{ex[1]:.4f}, {ex[2]:.4f}]")
    het = "<br>".join(html.escape(line) for line in text if line)
    notes = "".join(f"<p><em>Note: {html.escape(n)}</em></p>" for n in res.notes)
    return (
        f"<div><strong>{html.escape(_mh_title(res))}</strong><p>{het}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{notes}</div>"
    )
