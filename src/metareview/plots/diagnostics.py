r"""Diagnostic figures of a meta-analysis: bubble, Baujat, L'Abbé and radial plots.

Each function takes a fitted model and returns a
:class:`matplotlib.figure.Figure` one journal column wide; the drawing lives in
``_bubble.py``, ``_labbe.py`` and ``_radial.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from .._validate import InputError, InputTypeError, choice
from ..stats.results import MHResult, RMAResult
from . import _bubble, _inputs, _labbe, _layout, _radial, _style
from ._labels import place_labels
from ._scale import Transform, effect_scale

__all__ = ["baujat", "bubble", "labbe", "radial"]

BAUJAT_LABELS = ("slab", "ids")
BAUJAT_PANEL = 2.4  # inches
_BAUJAT_MARKER = 16.0  # points²
MAX_LISTED = 4  # unlabelled studies named in the note; more are counted


def bubble(
    res: RMAResult,
    mod: str | int | None = None,
    *,
    transf: Transform | None = None,
    ci: bool = True,
    pi: bool = False,
    labels: bool | Sequence[str] = False,
    xlab: str | None = None,
    legend: bool = True,
) -> Figure:
    r"""Bubble plot of a meta-regression on one continuous moderator.

    The effects are plotted against the moderator, each study a bubble whose
    area is proportional to its weight in the model, with the fitted
    regression line :math:`\hat y = x'\hat\beta`, its confidence band and,
    optionally, its prediction band, as metafor's ``regplot``.

    Parameters
    ----------
    res : RMAResult
        A meta-regression fitted by :func:`~metareview.rma` with ``mods=``.
    mod : str or int, optional
        The moderator on the x axis: a coefficient name of ``res``
        (``res.coef_names``) or its column index in ``res.X``. May be left out
        when the model has one moderator. Other moderators are held at their
        means (over the studies) for the line and the bands.
    transf : callable, optional
        How the effect axis is labelled (see :func:`funnel`): ratio measures
        on a log axis labelled in ratios by default.
    ci, pi : bool
        Draw the confidence band of the line (default) and the prediction band
        (dashed), at the model's level; the prediction band includes the
        residual τ².
    labels : bool or sequence of str
        Label every study (``True``) or those named, next to their bubbles and
        without overlap; a label that finds no free room is left out.
    xlab : str, optional
        Label of the x axis; the moderator's name by default.
    legend : bool
        Draw a legend of the line and bands below the plot.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InputError
        If ``res`` has no moderators, ``mod`` is missing with several
        moderators, or names the intercept or a dummy of a categorical one.

    Notes
    -----
    The line and bands are ``res.predict(newmods=...)`` over a grid of the
    moderator: :math:`x'\hat\beta \pm c\,\mathrm{SE}` and
    :math:`x'\hat\beta \pm c\sqrt{\mathrm{SE}^2 + \hat\tau^2}`, with
    :math:`c` the model's critical value (Thompson & Higgins 2002).

    References
    ----------
    Thompson SG, Higgins JPT (2002). How should meta-regression analyses be
    undertaken and interpreted? Stat Med 21:1559-1573. doi:10.1002/sim.1187

    Viechtbauer W (2010). Conducting meta-analyses in R with the metafor
    package. J Stat Softw 36(3):1-48. doi:10.18637/jss.v036.i03

    Examples
    --------
    >>> import metareview as mr
    >>> bcg = mr.datasets.load("bcg")
    >>> es = mr.escalc("RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg,
    ...                slab="study")
    >>> fig = mr.bubble(mr.rma(es, mods="ablat"), pi=True)
    >>> fig.axes[0].get_xlabel()
    'ablat'

    """
    model = _inputs.model(res, "bubble", mh=False)
    if not isinstance(model, RMAResult) or model.int_only or model.p < 1:
        raise InputError(
            "bubble() needs a meta-regression: res has no moderators (fit it with "
            "rma(..., mods=...))"
        )
    if model.intercept and model.p == 1:  # pragma: no cover (int_only above)
        raise InputError("bubble(): res has no moderators")
    _inputs.min_k(model.k, "bubble", need=3)
    j = _bubble.moderator(model, mod)
    return _bubble.draw(
        model,
        j,
        transf=transf,
        ci=bool(ci),
        pi=bool(pi),
        labels=labels,
        xlab=xlab,
        legend=bool(legend),
    )


def baujat(res: RMAResult, *, labels: str | bool = "slab") -> Figure:
    r"""Baujat plot: each study's contribution to heterogeneity and influence.

    Study :math:`i` is plotted at its contribution to Cochran's Q
    (horizontal) against the influence of leaving it out on the pooled result
    (vertical), as Baujat et al. (2002) proposed to find the studies behind
    heterogeneity: those at the top right both add much to Q and move the
    result.

    Parameters
    ----------
    res : RMAResult
        A model fitted by :func:`~metareview.rma` (k >= 2), with or without
        moderators. The coordinates are those of
        :func:`metareview.baujat` (the data frame).
    labels : {"slab", "ids"} or False
        Study labels or their 1-based positions (``ids``, short, as Baujat et
        al. and metafor), placed next to the points without overlap, the most
        outlying studies first; labels that find no free room (in a crowd near
        the origin) are left out, and a note under the plot names them (or
        counts them, when there are more than four).
        ``False``: no labels.

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    See :func:`metareview.stats.sensitivity.baujat` for the formulas: for a
    model without moderators :math:`x_i = (y_i - \hat\mu)^2/(v_i + \hat\tau^2)`
    and :math:`y_i = (\hat\mu - \hat\mu_{(-i)})^2 /
    \widehat{\mathrm{Var}}(\hat\mu_{(-i)})`.

    References
    ----------
    Baujat B, Mahé C, Pignon JP, Hill C (2002). A graphical method for
    exploring heterogeneity in meta-analyses: application to a meta-analysis
    of 65 trials. Stat Med 21:2641-2652. doi:10.1002/sim.1221

    Examples
    --------
    >>> import metareview as mr
    >>> bcg = mr.datasets.load("bcg")
    >>> es = mr.escalc("RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg,
    ...                slab="study")
    >>> fig = mr.plots.baujat(mr.rma(es))
    >>> fig.axes[0].get_xlabel()
    'Contribution to overall heterogeneity'

    """
    from ..stats.sensitivity import baujat as baujat_data

    model = _inputs.model(res, "baujat", mh=False)
    if not isinstance(model, RMAResult):  # pragma: no cover (checked above)
        raise InputTypeError("baujat() needs a model fitted by rma()")
    _inputs.min_k(model.k, "baujat")
    if labels is not False:
        labels = choice("labels", labels, BAUJAT_LABELS)
    frame = baujat_data(model)
    x = frame["x"].to_numpy(dtype=float)
    y = frame["y"].to_numpy(dtype=float)
    names = list(frame.index) if labels == "slab" else [str(i) for i in frame["ids"]]
    ok = np.isfinite(x) & np.isfinite(y)
    with _style.style():
        fig = _style.new_figure(_style.COLUMN_WIDTH, 3.0)
        ax = fig.add_subplot()
        ax.scatter(
            x[ok], y[ok], s=_BAUJAT_MARKER, color=_style.STUDY, edgecolors="white",
            linewidths=0.4, zorder=3, gid="studies", clip_on=False,
        )  # fmt: skip
        ax.set_xlim(0.0, float(x[ok].max()) * 1.08)
        ax.set_ylim(0.0, float(y[ok].max()) * 1.08)
        ax.set_xlabel("Contribution to overall heterogeneity")
        ax.set_ylabel("Influence on overall result")
        ax.spines[["top", "right"]].set_visible(False)
        _layout.fit(fig, ax, height=BAUJAT_PANEL, fig_width=_style.COLUMN_WIDTH)
        if labels is not False:
            idx = np.flatnonzero(ok)
            score = x[idx] / x[idx].max() + y[idx] / y[idx].max()
            order = [int(i) for i in idx[np.argsort(-score, kind="stable")]]
            left_out = place_labels(
                ax,
                x,
                y,
                names,
                radii=np.full(x.size, np.sqrt(_BAUJAT_MARKER) / 2),
                order=order,
            )
            if left_out:
                _layout.note_below(fig, ax, _unlabelled([names[i] for i in left_out]))
                _layout.fit(
                    fig, ax, height=BAUJAT_PANEL, width=_layout.panel_width(fig, ax)
                )
    return fig


def _unlabelled(names: list[str]) -> str:
    """Return the note naming (a few) or counting (many) the unlabelled studies."""
    if len(names) <= MAX_LISTED:
        return f"Not labelled (no room): {'; '.join(names)}"
    return f"{len(names)} studies in crowded areas not labelled"


def labbe(
    res: RMAResult | MHResult,
    data: Any = None,
    *,
    ai: Any = None,
    bi: Any = None,
    ci: Any = None,
    di: Any = None,
    n1i: Any = None,
    n2i: Any = None,
    scale: str = "auto",
    legend: bool = True,
) -> Figure:
    r"""L'Abbé plot: event rates in the two groups of each study.

    Each study is a bubble at its event rate in group 2 (control, x) and
    group 1 (treatment, y), with area proportional to its weight in the
    model. The dashed diagonal is no difference; the solid curve is the pooled
    effect (OR, RR or RD) as event rates, with its confidence band. Studies
    far from the curve are the source of heterogeneity (L'Abbé et al. 1987).

    Parameters
    ----------
    res : RMAResult or MHResult
        A model without moderators of the measure ``"OR"``, ``"RR"``, ``"RD"``
        or ``"PETO"``, fitted by :func:`~metareview.rma`,
        :func:`~metareview.rma_mh` or :func:`~metareview.rma_peto`.
    data : DataFrame, optional
        The escalc frame the model was fitted to: its rows with an effect
        (``yi``) are the model's studies. It supplies the counts, from the
        columns named by ``ai`` ... or, by default, columns ``ai``, ``bi``,
        ``ci``, ``di`` (``n1i``, ``n2i``), as escalc makes from arrays.
    ai, bi, ci, di, n1i, n2i : array-like or str, optional
        The 2x2 tables as in :func:`~metareview.escalc`: events (``ai``,
        ``ci``) and non-events (``bi``, ``di``) or sizes (``n1i``, ``n2i``) of
        group 1 and group 2; column names of ``data`` or arrays.
    scale : {"auto", "linear", "log"}
        Axes of event rates from 0 (``"linear"``) or logarithmic (``"log"``,
        for rare events; rates of 0 cannot be shown there). ``"auto"`` takes
        log axes when no rate is 0 and most would crowd into the corner (the
        median rate is below a tenth of the largest).
    legend : bool
        Draw a legend below the plot.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InputError
        For a meta-regression, another measure, missing counts or counts of
        other studies than those of ``res``.

    Notes
    -----
    At control rate :math:`p`, the pooled odds ratio :math:`\psi` gives the
    treatment rate :math:`\psi p / (1 - p + \psi p)`, the risk ratio
    :math:`\rho` gives :math:`\rho p`, and the risk difference :math:`\delta`
    gives :math:`p + \delta` (drawn where they lie between 0 and 1).

    References
    ----------
    L'Abbé KA, Detsky AS, O'Rourke K (1987). Meta-analysis in clinical
    research. Ann Intern Med 107:224-233. doi:10.7326/0003-4819-107-2-224

    Song F (1999). Exploring heterogeneity in meta-analysis: is the L'Abbé
    plot useful? J Clin Epidemiol 52:725-730.
    doi:10.1016/S0895-4356(99)00066-9

    Examples
    --------
    >>> import metareview as mr
    >>> bcg = mr.datasets.load("bcg")
    >>> es = mr.escalc("RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg,
    ...                slab="study")
    >>> fig = mr.labbe(mr.rma(es), es, ai="tpos", bi="tneg", ci="cpos", di="cneg")
    >>> fig.axes[0].get_ylabel()
    'Event rate, group 1 (treatment)'

    """
    model = _inputs.model(res, "labbe")
    _inputs.no_moderators(model, "labbe")
    if model.measure not in _labbe.MEASURES:
        raise InputError(
            f"labbe() draws the measures {', '.join(_labbe.MEASURES)}; res has "
            f"measure={model.measure!r}"
        )
    yi = np.asarray(model.yi, dtype=np.float64)
    _inputs.min_k(int(yi.shape[0]), "labbe")
    cells = {"ai": ai, "bi": bi, "ci": ci, "di": di, "n1i": n1i, "n2i": n2i}
    p1, p2 = _labbe.rates(data, cells, yi)
    pooled = _labbe.Pooled(
        measure=model.measure,
        beta=float(model.beta[0]),
        ci_lb=float(model.ci_lb[0]),
        ci_ub=float(model.ci_ub[0]),
        level=float(model.level),
    )
    weights = np.asarray(model.weights, dtype=np.float64)
    log = _labbe.choose_scale(choice("scale", scale, _labbe.SCALES), p1, p2)
    return _labbe.draw(pooled, weights, p1, p2, log=log, legend=bool(legend))


def radial(res: RMAResult | MHResult, *, transf: Transform | None = None) -> Figure:
    r"""Radial (Galbraith) plot of a model without moderators.

    Each study is plotted at its precision :math:`x_i = 1/\sqrt{v_i +
    \hat\tau^2}` against its standardised effect :math:`z_i = y_i x_i`. The
    line through the origin with slope :math:`\hat\mu` is the pooled estimate;
    the dashed lines :math:`z = \hat\mu x \pm 1.96` (at the model's level)
    hold about 95% of the studies when the model fits. The slope of the ray
    from the origin through a study is its effect :math:`y_i`, read on the arc
    on the right (Galbraith 1988).

    Parameters
    ----------
    res : RMAResult or MHResult
        A model without moderators fitted by :func:`~metareview.rma`
        (equal-effects models use :math:`\hat\tau^2 = 0`),
        :func:`~metareview.rma_mh` or :func:`~metareview.rma_peto`.
    transf : callable, optional
        How the arc is labelled (see :func:`funnel`): in ratios for ratio
        measures by default.

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    The weighted regression of :math:`z_i` on :math:`x_i` through the origin
    has slope :math:`\sum x_i z_i / \sum x_i^2 = \sum w_i y_i / \sum w_i`, the
    pooled estimate with weights :math:`w_i = 1/(v_i + \hat\tau^2)`; the
    vertical distance of a study from the line is its standardised residual.
    The arc is a true circle about the origin on the page.

    References
    ----------
    Galbraith RF (1988). A note on graphical presentation of estimated odds
    ratios from several clinical trials. Stat Med 7:889-894.
    doi:10.1002/sim.4780070807

    Galbraith RF (1994). Some applications of radial plots. J Am Stat Assoc
    89:1232-1242. doi:10.1080/01621459.1994.10476864

    Examples
    --------
    >>> import metareview as mr
    >>> bcg = mr.datasets.load("bcg")
    >>> es = mr.escalc("RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg,
    ...                slab="study")
    >>> fig = mr.radial(mr.rma(es))
    >>> fig.axes[0].get_xlabel()
    '$x_i = 1/\\sqrt{v_i + \\tau^2}$'

    """
    model = _inputs.model(res, "radial")
    s = _inputs.studies(model, "radial")
    if not (s.vi + s.tau2 > 0).all():
        raise InputError(
            "radial() needs positive sampling variances; a study has vi = 0"
        )
    scale = effect_scale(s.measure, transf)
    return _radial.draw(s, scale)
