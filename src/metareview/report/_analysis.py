"""The report's section for one outcome × timepoint: figure, text, rows, checks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..review._pipeline_analyses import intervention_labels, subgroup_name
from ._model import Note, Paragraph, Section, TableBlock
from ._results import _fig, _lower
from ._text import (
    MEASURE_NAMES,
    conversions,
    effect,
    heterogeneity,
    interval,
    num,
    percent,
    pval,
    studies,
    test_sentence,
    transform,
)

if TYPE_CHECKING:
    from ..review._pipeline_analyses import OutcomeAnalysis
    from ..review.pipeline import RunResult

#: Readers' names of the arm-data columns (the CSV keeps escalc's names).
ARM_NAMES = {
    "ai": "Events (I)",
    "n1i": "Total (I)",
    "ci": "Events (C)",
    "n2i": "Total (C)",
    "m1i": "Mean (I)",
    "sd1i": "SD (I)",
    "m2i": "Mean (C)",
    "sd2i": "SD (C)",
}


def analysis(r: RunResult, a: OutcomeAnalysis) -> Section:
    """One outcome × timepoint: forest plot, text, rows used, subgroups, sensitivity."""
    o = a.outcome
    s = Section(f"analysis_{a.key}", f"{o.name}, {a.timepoint}", level=3)
    res, p, m = a.res, a.pred, a.measure
    lvl = res.level
    fx = transform(m)
    pop = f", {a.participants:,} participants" if a.participants else ""
    head = f"{studies(a.studies)} ({studies(a.k, 'comparison')}{pop})"
    head += f"; {MEASURE_NAMES.get(m, m)}"
    if a.k == 1:
        body = (
            f"{head}. Only one study reported this outcome: its result, "
            f"{effect(m, p.pred[0], p.ci_lb[0], p.ci_ub[0], lvl)}, is shown as "
            "reported, not pooled."
        )
    else:
        body = (
            f"{head}. Pooled effect: "
            f"{effect(m, p.pred[0], p.ci_lb[0], p.ci_ub[0], lvl)}. Test for overall "
            f"effect: {test_sentence(res)}. {heterogeneity(res)}"
        )
        if res.method not in ("FE", "EE") and np.isfinite(p.pi_lb[0]):
            body += (
                f" {lvl:.0%} prediction interval (where the effect of a new study is "
                f"expected to lie): {interval(p.pi_lb[0], p.pi_ub[0])}."
            )
        if a.k < 5 and res.test == "knha":
            body += (
                f" With {studies(a.k)} the confidence interval is wide by construction "
                "(t distribution with few degrees of freedom), and τ² is imprecise."
            )
    s.add(
        *_fig(
            r,
            f"forest_{a.key}",
            f"Figure: forest plot, {_lower(o.name)} at {a.timepoint}.",
        )
    )
    s.add(Paragraph(body))
    for by, sg in a.subgroups:
        s.add(Paragraph(_subgroup_text(by, sg, m, lvl, fx)))
        for note in sg.notes:
            s.add(Note(_sentence(note), "warning"))
    s.add(_rows_table(r, a))
    if a.sensitivity:
        s.add(*_sensitivity(a, fx, lvl))
    if a.small_study_note:
        s.add(Paragraph(a.small_study_note, audit=False))
    else:
        s.add(Paragraph(_small_study(a, lvl)))
        s.add(
            *_fig(
                r,
                f"funnel_{a.key}",
                "Figure: contour-enhanced funnel plot with trim-and-fill.",
            )
        )
    return s


def _sentence(text: str) -> str:
    text = text.strip().replace("tau^2", "τ²")
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _subgroup_text(by: str, sg: Any, m: str, lvl: float, fx: Any) -> str:
    name = subgroup_name(by)
    parts = []
    for i, level in enumerate(sg.levels):
        k = int(sg.k[i])
        eff = effect(m, fx(sg.estimate[i]), fx(sg.ci_lb[i]), fx(sg.ci_ub[i]), lvl)
        note = "" if k > 1 else ", not pooled"
        if sg.dfs is not None and k == 2:  # t quantile on 1 df: 12.7, not 1.96
            note = "; a t interval on 1 degree of freedom, so wide"
        parts.append(f"{level} ({studies(k)}{note}): {eff}")
    return f"By {name}: " + "; ".join(parts) + f". {sg.revman_line()}."


def _rows_table(r: RunResult, a: OutcomeAnalysis) -> TableBlock:
    d = a.data
    fx = transform(a.measure)
    arm = [
        c
        for c in ("ai", "m1i", "sd1i", "n1i", "ci", "m2i", "sd2i", "n2i")
        if c in d.columns
    ]
    view = pd.DataFrame(
        {
            "Study": d["slab"],
            "Intervention": intervention_labels(r.protocol, d["intervention"]),
        }
    )
    for c in arm:
        view[ARM_NAMES[c]] = d[c]
    se = np.sqrt(d["vi"].to_numpy(dtype=float))
    z = 1.959963984540054
    view[a.measure] = [
        f"{num(fx(y))} [{interval(fx(y - z * e), fx(y + z * e))}]"
        for y, e in zip(d["yi"], se, strict=True)
    ]
    view["Weight %"] = [num(w, 1) for w in a.res.weights]
    view["Converted"] = [
        "; ".join(f"{m} ({k} arm{'s' * (k > 1)})" for m, k in conversions([c]).items())
        for c in d["conversion"].fillna("")
    ]
    full = d.drop(columns=["slab"]).assign(weight_percent=a.res.weights)
    return TableBlock(
        f"rows_{a.key}",
        f"Table: the rows pooled for {_lower(a.outcome.name)} at {a.timepoint}: arm "
        "data (I intervention, C control) as extracted or converted, each study's "
        "effect with its 95% CI, and its weight.",
        view,
        csv=full,
    )


def _sensitivity(a: OutcomeAnalysis, fx: Any, lvl: float) -> list[Any]:
    rows: list[dict[str, Any]] = []
    texts: list[str] = []
    for sens in a.sensitivity:
        if sens.res is None:
            note = sens.note or (
                "see the leave-one-out table" if a.loo is not None else ""
            )
            rows.append(
                {
                    "analysis": sens.description,
                    "k": "",
                    "effect": "",
                    "I2": "",
                    "note": note,
                }
            )
            continue
        pr = sens.res.predict(transf=fx if a.ratio else None)
        eff = effect(a.measure, pr.pred[0], pr.ci_lb[0], pr.ci_ub[0], lvl)
        note = "; ".join(sens.res.notes[-1:]) if sens.res.notes else ""
        rows.append(
            {
                "analysis": sens.description,
                "k": sens.res.k,
                "effect": eff,
                "I2": percent(sens.res.I2),
                "note": note,
            }
        )
        texts.append(f"{sens.description[:1].upper() + sens.description[1:]}: {eff}")
    out: list[Any] = []
    if texts:
        out.append(Paragraph("Sensitivity analyses. " + "; ".join(texts) + "."))
    table = pd.DataFrame(rows).rename(
        columns={
            "analysis": "Analysis",
            "k": "k",
            "effect": "Pooled effect",
            "I2": "I²",
            "note": "Note",
        }
    )
    out.append(
        TableBlock(f"sensitivity_{a.key}", "Table: sensitivity analyses.", table)
    )
    if a.loo is not None:
        loo = a.loo[["estimate", "ci_lb", "ci_ub", "tau2", "I2"]].copy()
        loo.index.name = "left out"
        view = pd.DataFrame(
            {
                "Study left out": loo.index,
                a.measure: [num(x) for x in loo["estimate"]],
                "95% CI": [
                    interval(lo, hi)
                    for lo, hi in zip(loo["ci_lb"], loo["ci_ub"], strict=True)
                ],
                "τ²": [num(x, 3) for x in loo["tau2"]],
                "I²": [percent(x) for x in loo["I2"]],
            }
        )
        out.append(
            TableBlock(
                f"leave1out_{a.key}",
                "Table: leave-one-out analysis "
                "(each row: the pooled effect without that study).",
                view,
                csv=loo.reset_index(),
            )
        )
    return out


def _small_study(a: OutcomeAnalysis, lvl: float) -> str:
    reg, rank, tf = a.regtest, a.ranktest, a.trimfill
    fx = transform(a.measure)
    stat = "t" if reg.dfs is not None else "z"
    text = (
        f"Small-study effects ({studies(a.k)}): Egger's regression test {stat} = "
        f"{num(reg.zval)}, {pval(reg.pval)}; Begg's rank correlation Kendall's τ = "
        f"{num(rank.tau)}, {pval(rank.pval)}. "
    )
    if tf.k0 > 0:
        m = tf.model
        pr = m.predict(transf=fx if a.ratio else None)
        text += (
            f"Trim-and-fill imputed {studies(tf.k0)} on the {tf.side} side; adjusted "
            f"estimate {effect(a.measure, pr.pred[0], pr.ci_lb[0], pr.ci_ub[0], lvl)}."
        )
    else:
        text += "Trim-and-fill imputed no study."
    return text
