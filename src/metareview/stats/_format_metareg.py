"""Text renderings of the meta-regression tests, in metafor's layout."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._format import _table, fmt_p, moderators_test

if TYPE_CHECKING:
    from .metareg import AnovaResult, LRTResult
    from .permutest import PermutestResult

SIGNIF = "Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1"


def format_anova(res: AnovaResult) -> str:
    """Return metafor's ``Test of Moderators`` block for a Wald test."""
    return "\n" + "\n".join(moderators_test(res.QM, res.QMdf, res.QMp, res.btt)) + "\n"


def format_lrt(res: LRTResult) -> str:
    """Return the table of fit statistics and the LRT, as metafor's ``anova``."""
    show_tau2 = not ({res.method_f, res.method_r} <= {"EE", "FE"})
    head = ["df", "AIC", "BIC", "AICc", "logLik", "LRT", "pval", "QE"]
    head += ["tau^2"] if show_tau2 else []
    head.append("R^2")
    rows = []
    for label, fs, parms, qe, tau2 in (
        ("Full", res.fit_stats_f, res.parms_f, res.QE_f, res.tau2_f),
        ("Reduced", res.fit_stats_r, res.parms_r, res.QE_r, res.tau2_r),
    ):
        cells = [str(parms)] + [f"{x:.4f}" for x in (fs.AIC, fs.BIC, fs.AICc, fs.ll)]
        if label == "Full":
            cells += ["", ""]
        else:
            cells += [f"{res.LRT:.4f}", fmt_p(res.pval)]
        cells.append(f"{qe:.4f}")
        if show_tau2:
            cells.append(f"{tau2:.4f}")
        cells.append("" if label == "Full" else f"{res.R2:.4f}%")
        rows.append((label, cells))
    widths = [max(len(h), *(len(r[1][i]) for r in rows)) for i, h in enumerate(head)]
    lab = max(len(r[0]) for r in rows)
    lines = [
        " " * lab + "".join(" " + h.rjust(w) for h, w in zip(head, widths, strict=True))
    ]
    for label, cells in rows:
        line = label.ljust(lab) + "".join(
            " " + c.rjust(w) for c, w in zip(cells, widths, strict=True)
        )
        lines.append(line.rstrip())
    lines += [f"Note: {n}" for n in res.notes]
    return "\n" + "\n".join(lines) + "\n"


def format_permutest(res: PermutestResult) -> str:
    """Return the model's table with permutation p-values, as metafor prints it."""
    model = res.model
    lines = [""]
    if model.p > 1:
        lines += moderators_test(model.QM, model.QMdf, res.QMp, model.btt, mark="¹")
        lines.append("")
    lines += ["Model Results:", "", *_table(model, np.asarray(res.pval), mark="¹")]
    kind = "exact test" if res.exact else "random permutations"
    lines += [
        "",
        "---",
        SIGNIF,
        "",
        f"1) p-value{'s' if model.p > 1 else ''} based on permutation testing "
        f"({res.iter:,} {'sign flips' if model.int_only else 'permutations'}, "
        f"{kind})",
    ]
    if res.skipped:
        lines.append(
            f"Note: {res.skipped} permutation{'s' if res.skipped != 1 else ''} "
            "whose tau2 did not converge left out"
        )
    return "\n".join(lines) + "\n"
