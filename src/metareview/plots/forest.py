"""``forest()``: the forest plot of a meta-analysis, as RevMan 5 or metafor draw it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .._validate import InputError, InputTypeError, choice, positive_float
from . import _forest_table as tables
from ._forest_arms import check_frame, read_arms, years
from ._forest_draw import render
from ._forest_model import Source, describe
from ._forest_rob import read_rob
from ._forest_scale import Scale, build, display

if TYPE_CHECKING:
    from matplotlib.figure import Figure

LAYOUTS = ("revman", "metafor")
SORTS = ("weight", "effect", "year")


def forest(
    res: Any,
    *,
    data: Any = None,
    layout: str = "revman",
    rob: Any = None,
    prediction: bool = False,
    transf: Any = None,
    xlim: Any = None,
    at: Any = None,
    favours: tuple[str, str] | None = ("Favours intervention", "Favours control"),
    labels: tuple[str, str] | None = None,
    title: str | None = None,
    sort: str | None = None,
    width: float | None = None,
) -> Figure:
    """Draw the forest plot of a meta-analysis.

    Parameters
    ----------
    res : RMAResult, MHResult or SubgroupResult
        A model without moderators from :func:`rma`, a Mantel-Haenszel or Peto
        model from :func:`rma_mh` / :func:`rma_peto`, or a :func:`subgroup`
        analysis (one block per subgroup, with subtotals).
    data : DataFrame, optional
        The :func:`escalc` frame of the model, for the arm-level columns of the
        RevMan layout: events and totals (``ai``, ``bi`` or ``n1i``, ``ci``,
        ``di`` or ``n2i``) or means, SDs and totals (``m1i sd1i n1i m2i sd2i
        n2i``), matched to the studies by its ``slab`` column (else by
        position). Without it the plot has no arm columns. A frame made with
        ``escalc(..., data=df)`` keeps ``df``'s own column names: rename them,
        e.g. ``data=es.rename(columns={"tpos": "ai", ...})``.
    layout : {"revman", "metafor"}
        ``"revman"``: RevMan 5's columns (study, arm data, weight, effect with
        CI, plot), Subtotal/Total rows, "Total events" and its test lines.
        ``"metafor"``: labels, plot and ``estimate [CI]``, with the "RE Model"
        (or "FE Model") row.
    rob : DataFrame, optional
        Risk-of-bias judgements, indexed by study label (or with a ``study``
        column), one column per domain (``D1`` ... or named) and optionally
        ``overall``; values ``"low"``, ``"some concerns"``, ``"high"`` (RoB 2),
        ``"unclear"`` (RoB 1), ``"moderate"``, ``"serious"``, ``"critical"``,
        ``"no information"`` (ROBINS-I), or empty. Drawn as coloured circles
        with a symbol, with a legend of the domains.
    prediction : bool
        Add the prediction interval of each random-effects pooled estimate (a
        bar under it in the RevMan layout, a line through it in metafor's).
    transf : callable, optional
        Display transform of a measure that is not a ratio (``numpy.tanh``
        for ``"ZCOR"``, an inverse logit for ``"PLO"``); it replaces the
        exponentiation of ratio measures, whose axis is otherwise logarithmic.
    xlim : pair of float, optional
        Axis limits on the displayed scale (ratios for ratio measures). By
        default symmetric about the line of no effect and wide enough for the
        pooled intervals; intervals past the limits end in arrows.
    at : sequence of float, optional
        Tick positions on the displayed scale (they set the limits when
        ``xlim`` is not given).
    favours : pair of str or None
        Labels under the axis, left and right of the line of no effect.
    labels : pair of str, optional
        Names of the two groups over the arm columns; ``("Intervention",
        "Control")`` by default.
    title : str, optional
        A title above the plot.
    sort : {"weight", "effect", "year"}, optional
        Order of the studies (within each subgroup): heaviest first, smallest
        effect first, or oldest first (the ``year`` column of ``data``, else a
        year in each label). By default the model's order.
    width : float, optional
        Figure width in inches; the plot takes what the columns leave, and long
        labels are wrapped narrower if needed. The height follows from the
        number of rows (about 0.2 inch per row).

    Returns
    -------
    matplotlib.figure.Figure
        Built without pyplot; save it with ``fig.savefig("forest.pdf")``.

    Raises
    ------
    InputError
        For a meta-regression, an unknown ``layout`` or ``sort``, a ``rob``
        table without some of the studies or with unknown judgements, arm
        columns missing from ``data``, limits that do not fit the axis, a
        ``width`` too narrow for the columns.

    Notes
    -----
    Squares have areas proportional to the studies' weights (percentages of
    the overall model; for subgroups RevMan 5 shows them so too, and
    subtotals add them up). Study intervals are ``yi ± z·sqrt(vi)``; pooled
    diamonds span the model's confidence interval. The layout and number
    formats follow RevMan 5 (Cochrane Handbook 6.4, figure 10.4.a): P below
    0.00001 as ``P < 0.00001``, Chi² with two decimals, I² as an integer, Tau²
    for random-effects models only.

    References
    ----------
    Lewis S, Clarke M (2001). Forest plots: trying to see the wood and the
    trees. BMJ 322:1479-1480. doi:10.1136/bmj.322.7300.1479
    Higgins JPT, Thomas J, Chandler J, et al. (editors) (2023). Cochrane
    Handbook for Systematic Reviews of Interventions, version 6.4, section
    10.2.1. Cochrane.
    Viechtbauer W (2010). Conducting meta-analyses in R with the metafor
    package. J Stat Softw 36(3):1-48. doi:10.18637/jss.v036.i03

    Examples
    --------
    >>> import metareview as mr
    >>> bcg = mr.datasets.load("bcg")
    >>> es = mr.escalc("RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg,
    ...                slab="study")
    >>> res = mr.rma(es, method="DL")
    >>> arms = es.rename(columns={"tpos": "ai", "tneg": "bi", "cpos": "ci",
    ...                           "cneg": "di"})
    >>> fig = mr.forest(res, data=arms, labels=("BCG", "Control"))
    >>> fig.axes[1].get_xscale()
    'log'
    >>> fig.savefig("forest.svg")  # doctest: +SKIP

    """
    src = describe(res)
    layout = choice("layout", layout, LAYOUTS)
    if sort is not None:
        sort = choice("sort", sort, SORTS)
    check_frame(data)
    if not isinstance(prediction, bool | np.bool_):
        raise InputTypeError(f"prediction must be True or False; got {prediction!r}")
    groups = _pair("labels", ("Intervention", "Control") if labels is None else labels)
    fav = None if favours is None else _pair("favours", favours)
    if title is not None and not isinstance(title, str):
        raise InputTypeError(f"title must be a string; got {title!r}")
    fig_width = None if width is None else positive_float("width", width)
    f, _, _ = display(src.measure, transf)
    order = _order(src, sort, data)
    robs = None if rob is None else read_rob(rob, src.slab)
    if layout == "revman":
        arms = None if data is None else read_arms(data, src.measure, src.slab)
        table = tables.revman(src, f, arms, order, bool(prediction), groups)
    else:
        table = tables.metafor(src, f, order, bool(prediction))
    core, every = _extent(src, bool(prediction))

    def make_scale(panel_width: float) -> Scale:
        return build(src.measure, transf, core, every, xlim, at, panel_width)

    return render(
        table, make_scale, robs, title=title, favours=fav, width=fig_width,
        footer_beside=layout == "revman",
    )  # fmt: skip


def _pair(name: str, value: Any) -> tuple[str, str]:
    if (
        isinstance(value, str)
        or not hasattr(value, "__len__")
        or len(value) != 2
        or not all(isinstance(v, str) for v in value)
    ):
        raise InputTypeError(f"{name} must be a pair of strings; got {value!r}")
    return str(value[0]), str(value[1])


def _order(src: Source, sort: str | None, data: Any) -> list[int]:
    """Study positions in drawing order (a stable sort; missing values last)."""
    n = len(src.slab)
    if sort is None:
        return list(range(n))
    if sort == "weight":
        key = -np.nan_to_num(src.weight, nan=-np.inf)
    elif sort == "effect":
        key = np.where(np.isfinite(src.yi), src.yi, np.inf)
    else:
        key = years(data, src.slab)
    return [int(i) for i in np.argsort(key, kind="stable")]


def _extent(src: Source, prediction: bool) -> tuple[NDArray[np.float64], ...]:
    """Values to show whole (estimates, pooled intervals) and all interval ends."""
    sums = [src.total, *src.subgroups]
    core = [src.yi] + [np.array([s.lb, s.ub]) for s in sums]
    if prediction:
        core += [np.array([s.pi_lb, s.pi_ub]) for s in sums if s.tau2 is not None]
    every = [*core, src.lo, src.hi]
    if not np.isfinite(src.yi).any():
        raise InputError("res has no study with an estimable effect to draw")
    return np.concatenate(core), np.concatenate(every)
