"""Text renderings of the sensitivity analyses, in metafor's layout."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ._influence import InfluenceResult

DIGITS = 4


def _cell(x: float) -> str:
    return "NA" if not np.isfinite(x) else f"{x:.{DIGITS}f}"


def table(labels: Sequence[str], columns: dict[str, list[str]]) -> list[str]:
    """Lay out a table as R prints a data frame.

    Row labels left-aligned, every column right-aligned to the wider of its header
    and its cells, one space between columns.
    """
    lab = max((len(s) for s in labels), default=0)
    widths = {h: max([len(h), *map(len, cells)]) for h, cells in columns.items()}
    head = " " * lab + "".join(" " + h.rjust(w) for h, w in widths.items())
    lines = [head.rstrip()]
    for i, name in enumerate(labels):
        row = name.ljust(lab) + "".join(
            " " + columns[h][i].rjust(w) for h, w in widths.items()
        )
        lines.append(row.rstrip())
    return lines


def format_influence(res: InfluenceResult, *, infonly: bool = False) -> str:
    """Return the diagnostics as metafor's ``print.infl.rma.uni`` shows them.

    With one coefficient the DFBETAS are a column ``dfbs`` of the one table; with
    more they follow in a second table, as metafor prints ``$inf`` and ``$dfbs``.
    ``infonly`` keeps the influential studies only.
    """
    rows = np.flatnonzero(res.inf) if infonly else np.arange(res.k)
    labels = [res.slab[i] for i in rows]
    heads = {
        "rstudent": res.rstudent,
        "dffits": res.dffits,
        "cook.d": res.cook_d,
        "cov.r": res.cov_r,
        "tau2.del": res.tau2_del,
        "QE.del": res.QE_del,
        "hat": res.hat,
        "weight": res.weight,
    }
    cols = {h: [_cell(float(a[i])) for i in rows] for h, a in heads.items()}
    dfbs = {
        name: [_cell(float(res.dfbs[i, j])) for i in rows]
        for j, name in enumerate(res.coef_names)
    }
    flags = {"inf": ["*" if res.inf[i] else "" for i in rows]}
    if res.p == 1:
        lines = ["", *table(labels, cols | {"dfbs": dfbs[res.coef_names[0]]} | flags)]
    else:
        lines = ["", "$inf", "", *table(labels, cols | flags), ""]
        lines += ["$dfbs", "", *table(labels, dfbs)]
    return "\n".join(lines) + "\n\n"
