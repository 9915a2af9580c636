"""Figures of a systematic review, drawn with matplotlib.

Every function takes results or plain data and returns a
:class:`matplotlib.figure.Figure` built without pyplot (no global state, no
window), ready for ``fig.savefig("forest.svg")`` (or ``.png``, ``.pdf``) or for
embedding in a report.

- :func:`~metareview.plots.forest.forest`: the forest plot of a meta-analysis
  or a subgroup analysis, in RevMan 5's layout (arm data, weights, subtotals,
  heterogeneity and overall-effect lines, risk-of-bias dots) or metafor's.
- :func:`~metareview.plots.rob.rob_traffic_light`: risk of bias of every study
  in every domain (RoB 2, RoB 1, ROBINS-I), as in robvis.
- :func:`~metareview.plots.rob.rob_summary`: the share of studies, or of weight,
  at each risk-of-bias judgement per domain.
- :func:`~metareview.plots.prisma.prisma`: the PRISMA 2020 flow diagram.
- :func:`~metareview.plots.gapmap.gapmap`: the evidence gap map as a heat map
  (intervention categories × constructs by timepoint).
- :func:`~metareview.plots.funnel.funnel`: contour-enhanced funnel plot (Peters
  et al. 2008); studies filled in by trim and fill drawn hollow, residuals for
  a meta-regression.
- :func:`~metareview.plots.diagnostics.bubble`: bubble plot of a
  meta-regression on one moderator, with the regression line and its
  confidence (and prediction) band.
- :func:`~metareview.plots.diagnostics.baujat`: each study's contribution to
  heterogeneity against its influence on the result (Baujat et al. 2002).
  ``metareview.baujat`` returns these data; ``metareview.plots.baujat`` draws
  them.
- :func:`~metareview.plots.diagnostics.labbe`: L'Abbé plot of the event rates
  of 2x2 tables (L'Abbé et al. 1987).
- :func:`~metareview.plots.diagnostics.radial`: radial (Galbraith 1988) plot
  with the arc of effect sizes.

``import metareview`` does not load matplotlib: ``metareview.plots`` (and
``metareview.funnel``, ...) do, on first use.
"""

from __future__ import annotations

# Names are bound here, not lazily: importing the submodule ``funnel`` would
# otherwise shadow the function ``funnel`` with the module.
from .diagnostics import baujat, bubble, labbe, radial
from .forest import forest
from .funnel import funnel
from .gapmap import gapmap
from .prisma import prisma
from .rob import rob_summary, rob_traffic_light

__all__ = [
    "baujat",
    "bubble",
    "forest",
    "funnel",
    "gapmap",
    "labbe",
    "prisma",
    "radial",
    "rob_summary",
    "rob_traffic_light",
]
