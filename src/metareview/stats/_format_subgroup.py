"""Text, HTML and DataFrame renderings of :class:`SubgroupResult`."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np

from ._format import RATIO_MEASURES, fmt_p, revman_p

if TYPE_CHECKING:
    import pandas as pd

    from .subgroup import SubgroupResult

SINGLE_MARK = "*"
FIXED = ("EE", "FE")


def revman_line(res: SubgroupResult) -> str:
    """RevMan 5's line under a subgroup forest plot."""
    i2 = "0%" if res.Qb_I2 == 0 else f"{res.Qb_I2:.1f}%"
    return (
        f"Test for subgroup differences: Chi² = {res.Qb:.2f}, df = {res.Qb_df} "
        f"({revman_p(res.Qb_p)}), I² = {i2}"
    )


def _model_text(res: SubgroupResult) -> str:
    if res.method in ("EE", "FE"):
        kind = "Equal-effects" if res.method == "EE" else "Fixed-effect"
        return f"{kind} model within each subgroup"
    tau = "one tau^2 shared by all subgroups" if res.tau2_common else "own tau^2"
    return (
        "Random-effects model within each subgroup "
        f"(tau^2 estimator: {res.method}; {tau})"
    )


def _num(x: float, digits: int = 4) -> str:
    return "-" if not np.isfinite(x) else f"{x:.{digits}f}"


def _overall_row(res: SubgroupResult) -> dict[str, Any]:
    o = res.overall
    pred = o.predict()
    return {
        "level": "Overall",
        "k": o.k,
        "estimate": float(o.beta[0]),
        "se": float(o.se[0]),
        "zval": float(o.zval[0]),
        "pval": float(o.pval[0]),
        "ci_lb": float(o.ci_lb[0]),
        "ci_ub": float(o.ci_ub[0]),
        "pi_lb": float(pred.pi_lb[0]),
        "pi_ub": float(pred.pi_ub[0]),
        "dfs": np.nan if o.dfs is None else o.dfs,
        "tau2": o.tau2 if o.method not in ("EE", "FE") else 0.0,
        "I2": o.I2,
        "QE": o.QE,
        "QEp": o.QEp,
        "pooled": True,
    }


def subgroup_frame(res: SubgroupResult) -> pd.DataFrame:
    """One row per level plus ``Overall`` (see ``SubgroupResult.to_frame``)."""
    import pandas as pd

    cols: dict[str, Any] = {"level": list(res.levels), "k": res.k}
    for name in ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "pi_lb", "pi_ub"):
        cols[name] = getattr(res, name)
    cols["dfs"] = np.full(len(res.levels), np.nan) if res.dfs is None else res.dfs
    for name in ("tau2", "I2", "QE", "QEp", "pooled"):
        cols[name] = getattr(res, name)
    frame = pd.DataFrame(cols)
    frame = pd.concat([frame, pd.DataFrame([_overall_row(res)])], ignore_index=True)
    if res.dfs is None:
        frame = frame.drop(columns="dfs")
    return frame


def study_frame(res: SubgroupResult) -> pd.DataFrame:
    """One row per study with its level, CI and weights (in percent)."""
    import pandas as pd

    from .inference import crit

    z = float(crit(res.level, None))
    se = np.sqrt(res.vi)
    return pd.DataFrame(
        {
            "slab": list(res.slab),
            "level": list(res.study_level),
            "yi": res.yi,
            "vi": res.vi,
            "ci_lb": res.yi - z * se,
            "ci_ub": res.yi + z * se,
            "weight": res.weights,
            "weight_overall": res.weights_overall,
        }
    )


def _grid(head: list[str], rows: list[list[str]]) -> list[str]:
    """Columns: the first left-aligned, the others right-aligned."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest]).rstrip()

    return [line(head), *(line(r) for r in rows)]


def _pct(x: float) -> str:
    return "-" if not np.isfinite(x) else f"{x:.1f}%"


def _pcell(x: float) -> str:
    return "-" if not np.isfinite(x) else fmt_p(x)


def _columns(res: SubgroupResult) -> list[tuple[str, str, Any]]:
    """Return the printed columns: heading, field of ``to_frame()``, formatter."""
    t = res.dfs is not None
    cols: list[tuple[str, str, Any]] = [
        ("estimate", "estimate", _num),
        ("se", "se", _num),
        ("tval" if t else "zval", "zval", _num),
    ]
    if t:
        cols.append(("df", "dfs", lambda x: "-" if not np.isfinite(x) else f"{x:g}"))
    cols += [
        ("pval", "pval", _pcell),
        ("ci.lb", "ci_lb", _num),
        ("ci.ub", "ci_ub", _num),
    ]
    if res.method not in FIXED:  # an equal/fixed-effect model has no tau^2 or PI
        cols += [("pi.lb", "pi_lb", _num), ("pi.ub", "pi_ub", _num)]
        cols.append(("tau^2", "tau2", _num))
    cols += [
        ("I^2", "I2", _pct),
        ("Q", "QE", lambda x: _num(x, 2)),
        ("p(Q)", "QEp", _pcell),
    ]
    return cols


def _table(res: SubgroupResult) -> list[str]:
    cols = _columns(res)
    rows = []
    for r in subgroup_frame(res).to_dict("records"):
        mark = "" if r["pooled"] else SINGLE_MARK
        cells = [str(r["level"]), f"{r['k']}{mark}"]
        rows.append(cells + [fmt(float(r[field])) for _, field, fmt in cols])
    return _grid(["Subgroup", "k", *(head for head, _, _ in cols)], rows)


def _exp_table(res: SubgroupResult) -> list[str]:
    fields = ["estimate", "ci_lb", "ci_ub"]
    head = ["Subgroup", res.measure, "ci.lb", "ci.ub"]
    if res.method not in FIXED:
        fields += ["pi_lb", "pi_ub"]
        head += ["pi.lb", "pi.ub"]
    rows = [
        [str(r["level"]), *(_num(float(np.exp(r[f]))) for f in fields)]
        for r in subgroup_frame(res).to_dict("records")
    ]
    return _grid(head, rows)


def _tests(res: SubgroupResult) -> list[str]:
    common = "" if res.method in FIXED else f", common tau^2 = {res.tau2_mixed:.4f}"
    if not np.isfinite(res.QM):
        common, qm = "", "QM: not computed (no residual degrees of freedom)"
    elif res.QMddf is None:
        qm = f"QM(df = {res.QMdf}) = {res.QM:.4f}, p-val {_pv(res.QMp)}"
    else:
        qm = (
            f"F(df1 = {res.QMdf}, df2 = {res.QMddf:g}) = {res.QM:.4f}, "
            f"p-val {_pv(res.QMp)}"
        )
    lines = [
        "Test for subgroup differences (as RevMan 5: Q across the subgroup estimates):",
        f"Q(df = {res.Qb_df}) = {res.Qb:.4f}, p-val {_pv(res.Qb_p)}, "
        f"I^2 = {res.Qb_I2:.2f}%",
        revman_line(res),
        "",
        f"Test of moderators (mixed-effects model, {res.by} as a factor{common}):",
        qm,
        f"Residual heterogeneity within subgroups: QE(df = {res.Qw_df}) = "
        f"{res.Qw:.4f}, p-val {_pv(res.Qw_p)}",
    ]
    if res.Qb_perm_p is not None and res.QM_perm_p is not None:
        lines += [
            "",
            f"Permutation test ({res.permutations} permutations of the labels): "
            f"Q between p-val {_pv(res.Qb_perm_p)}, QM p-val {_pv(res.QM_perm_p)}",
        ]
    return lines


def _pv(p: float) -> str:
    s = fmt_p(p)
    return s.replace("<", "< ") if s.startswith("<") else f"= {s}"


def format_subgroup(res: SubgroupResult) -> str:
    """Return the text block: per-level table, overall model, tests and notes."""
    k = int(res.k.sum())
    lines = [
        "",
        f"Subgroup analysis by {res.by} (k = {k}; {len(res.levels)} subgroups)",
        _model_text(res),
        "",
        *_table(res),
    ]
    if not res.pooled.all():
        lines.append(f"{SINGLE_MARK} a single study: its own result, not pooled")
    if res.measure in RATIO_MEASURES:
        lines += ["", f"{res.measure} (exponentiated):", "", *_exp_table(res)]
    lines += ["", *_tests(res)]
    if res.notes:
        lines += ["", *(f"Note: {n}" for n in res.notes)]
    return "\n".join(lines) + "\n"


def html_subgroup(res: SubgroupResult) -> str:
    """Return an HTML rendering for notebooks."""
    frame = subgroup_frame(res)
    cols = ["level", "k", "estimate", "se", "pval", "ci_lb", "ci_ub", "pi_lb", "pi_ub"]
    cols += ["tau2", "I2", "QE", "QEp"]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = []
    for r in frame.to_dict("records"):
        cells = []
        for c in cols:
            x = r[c]
            if c == "level":
                text = html.escape(str(x)) + ("" if r["pooled"] else SINGLE_MARK)
            elif c == "k":
                text = str(x)
            elif c in ("pval", "QEp"):
                text = _pcell(float(x))
            elif c == "I2":
                text = _pct(float(x))
            else:
                text = _num(float(x))
            cells.append(f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    tests = "<br>".join(html.escape(line) for line in _tests(res) if line)
    notes = "".join(f"<p><em>Note: {html.escape(n)}</em></p>" for n in res.notes)
    title = html.escape(f"Subgroup analysis by {res.by}: {_model_text(res)}")
    return (
        f"<div><strong>{title}</strong><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table><p>{tests}</p>{notes}</div>"
    )
