"""The example analysis run by ``metareview demo`` and ``make demo``.

The BCG vaccine trials (Colditz et al. 1994): risk ratios of tuberculosis in
vaccinated against unvaccinated participants in 13 trials, pooled with the
random-effects model (REML and DerSimonian-Laird, with the Hartung-Knapp-
Sidik-Jonkman adjustment), Mantel-Haenszel and Peto. Every summary is printed and
written to ``report.md`` in the output folder.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import datasets
from .effects.escalc import escalc
from .stats.mh import rma_mh, rma_peto
from .stats.rma import rma


def _section(title: str, body: str) -> str:
    return f"## {title}\n\n```\n{body.strip()}\n```\n"


def analyses() -> list[tuple[str, str]]:
    """Return the demo's analyses as (title, metafor-style text) pairs."""
    bcg = datasets.load("bcg")
    es = escalc(
        "RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg, slab="study"
    )
    reml = rma(es, method="REML")
    knha = rma(es, method="DL", test="knha")
    fe = rma(es, method="FE")
    mh = rma_mh(
        ai="tpos",
        bi="tneg",
        ci="cpos",
        di="cneg",
        data=bcg,
        slab="study",
        measure="RR",
    )
    peto = rma_peto(ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg, slab="study")
    pred = reml.predict(transf=np.exp)
    table = es[["study", "tpos", "tneg", "cpos", "cneg", "yi", "vi"]]
    return [
        ("Effect sizes (log risk ratios)", table.to_string(index=False)),
        ("Random-effects model, REML", reml.summary()),
        (
            "Pooled risk ratio with 95% confidence and prediction intervals",
            str(pred),
        ),
        ("Heterogeneity: Q-profile confidence intervals", str(reml.confint())),
        (
            "DerSimonian-Laird with the Hartung-Knapp-Sidik-Jonkman adjustment",
            str(knha),
        ),
        ("Fixed-effect (inverse variance)", str(fe)),
        ("Mantel-Haenszel (risk ratio)", str(mh)),
        ("Peto (odds ratio)", str(peto)),
    ]


def run_demo(out: Path) -> Path:
    """Run the demo, print every summary and write ``out/report.md``."""
    out.mkdir(parents=True, exist_ok=True)
    parts = [
        "# metareview demo: BCG vaccine trials (Colditz et al. 1994)\n",
        "Thirteen trials of the BCG vaccine against tuberculosis; "
        "effect measure: risk ratio.\n",
    ]
    for title, text in analyses():
        print(f"\n=== {title} ===\n{text.rstrip()}")
        parts.append(_section(title, text))
    path = out / "report.md"
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text("\n".join(parts), encoding="utf-8")
    tmp.replace(path)
    return path
