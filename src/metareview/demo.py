"""The example analysis run by ``metareview demo`` and ``make demo``.

The BCG vaccine trials (Colditz et al. 1994): risk ratios of tuberculosis in
vaccinated against unvaccinated participants in 13 trials, pooled with the
random-effects model (REML and DerSimonian-Laird, with the Hartung-Knapp-
Sidik-Jonkman adjustment), Mantel-Haenszel and Peto; heterogeneity explored by
subgroups (method of allocation) and meta-regression (absolute latitude);
small-study effects (Egger's test, the rank correlation test, trim-and-fill) and
sensitivity analyses (leave-one-out, influence diagnostics). Every summary is
printed and written to ``report.md`` in the output folder.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import datasets
from ._validate import ModelWarning
from .effects.escalc import escalc
from .stats.bias import ranktest, regtest, trimfill
from .stats.mh import rma_mh, rma_peto
from .stats.permutest import permutest
from .stats.results import RMAResult
from .stats.rma import rma
from .stats.sensitivity import influence, leave1out
from .stats.subgroup import SubgroupResult, subgroup


def _section(title: str, body: str) -> str:
    return f"## {title}\n\n```\n{body.strip()}\n```\n"


@dataclass(frozen=True, slots=True, eq=False)
class Fits:
    """The data and the fits that the analyses and the figures share."""

    bcg: pd.DataFrame
    es: pd.DataFrame
    reml: RMAResult
    by_alloc: SubgroupResult

    @classmethod
    def compute(cls) -> Fits:
        """Load the BCG trials and fit the random-effects and subgroup models."""
        bcg = datasets.load("bcg")
        es = escalc(
            "RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg, slab="study"
        )
        return cls(bcg=bcg, es=es, reml=rma(es, method="REML"),
                   by_alloc=subgroup(es, "alloc"))  # fmt: skip


def analyses(fits: Fits) -> list[tuple[str, str]]:
    """Return the demo's analyses as (title, metafor-style text) pairs."""
    bcg, es, reml = fits.bcg, fits.es, fits.reml
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
    metareg = rma(es, mods="ablat")
    loo = leave1out(reml, transf=np.exp)
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
        ("Subgroups by method of allocation", str(fits.by_alloc)),
        ("Meta-regression on absolute latitude", str(metareg)),
        (
            "Permutation test of the meta-regression (1,000 permutations)",
            str(permutest(metareg, iter=1000, rng=2026)),
        ),
        ("Egger's regression test", str(regtest(reml))),
        ("Rank correlation test (Begg and Mazumdar)", str(ranktest(reml))),
        ("Trim-and-fill", str(trimfill(reml))),
        (
            "Leave-one-out (risk ratios)",
            loo.dropna(axis=1, how="all").to_string(float_format="{:.4f}".format),
        ),
        ("Influence diagnostics", str(influence(reml))),
    ]


def figures(folder: Path, fits: Fits) -> list[tuple[str, str]]:
    """Draw the demo's figures into ``folder`` (PNG and SVG); return titles, files."""
    from .plots import baujat as baujat_plot
    from .plots import bubble, forest, funnel, labbe, radial

    folder.mkdir(parents=True, exist_ok=True)
    es, reml = fits.es, fits.reml
    labels = ("BCG", "Control")
    favours = ("Favours BCG", "Favours control")
    drawn = [
        ("Forest plot (RevMan 5 layout)", "forest",
         forest(reml, data=es, labels=labels, favours=favours, prediction=True)),
        ("Forest plot by method of allocation", "forest_subgroups",
         forest(fits.by_alloc, data=es, labels=labels, favours=favours)),
        ("Forest plot (compact layout)", "forest_compact",
         forest(reml, layout="metafor", prediction=True)),
        ("Contour-enhanced funnel plot with trim-and-fill", "funnel",
         funnel(trimfill(reml))),
        ("Bubble plot: log risk ratio by absolute latitude", "bubble",
         bubble(rma(es, mods="ablat"), "ablat")),
        ("Baujat plot", "baujat", baujat_plot(reml)),
        ("L'Abbé plot", "labbe", labbe(reml, es)),
        ("Radial (Galbraith) plot", "radial", radial(reml)),
    ]  # fmt: skip
    out = []
    for title, stem, fig in drawn:
        for suffix in (".png", ".svg"):
            fig.savefig(folder / f"{stem}{suffix}", dpi=200)
        out.append((title, f"{stem}.png"))
    return out


def run_demo(out: Path) -> Path:
    """Run the demo, print every summary, write ``out/report.md`` and its figures."""
    out.mkdir(parents=True, exist_ok=True)
    parts = [
        "# metareview demo: BCG vaccine trials (Colditz et al. 1994)\n",
        "Thirteen trials of the BCG vaccine against tuberculosis; "
        "effect measure: risk ratio.\n",
    ]
    with warnings.catch_warnings():
        # the results carry their own notes (e.g. a subgroup with two studies)
        warnings.simplefilter("ignore", ModelWarning)
        fits = Fits.compute()
        results = analyses(fits)
        drawn = figures(out / "figures", fits)
    for title, text in results:
        print(f"\n=== {title} ===\n{text.rstrip()}")
        parts.append(_section(title, text))
    parts.append("## Figures\n")
    for title, name in drawn:
        parts.append(f"### {title}\n\n![{title}](figures/{name})\n")
    path = out / "report.md"
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text("\n".join(parts), encoding="utf-8")
    tmp.replace(path)
    return path
