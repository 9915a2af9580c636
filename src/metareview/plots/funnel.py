r"""Contour-enhanced funnel plot (metafor's ``funnel``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from numpy.typing import NDArray
from scipy import stats

from .._validate import InputError, InputTypeError, choice, fraction
from ..stats._bias_results import TrimfillResult
from ..stats.results import MHResult, RMAResult
from . import _inputs, _layout, _style
from ._scale import MEASURE_NAMES, EffectScale, Transform, effect_scale

__all__ = ["funnel"]

FloatArray = NDArray[np.float64]

YAXES = ("sei", "vi", "seinv", "vinv")
_YLABELS = {
    "sei": "Standard error",
    "vi": "Sampling variance",
    "seinv": "Inverse standard error",
    "vinv": "Inverse sampling variance",
}
PANEL_HEIGHT = 2.3  # inches
_MARKER = 18.0  # points², the studies' markers
_MS = float(np.sqrt(_MARKER))  # the same marker in the legend (points)
_GRID = 241  # points along the contour and pseudo-confidence lines


@dataclass(frozen=True, slots=True)
class _Data:
    """What the funnel draws, on the model's scale."""

    x: FloatArray  # effects (or residuals)
    se: FloatArray
    filled: NDArray[np.bool_]
    estimate: float  # centre of the pseudo-confidence region
    reference: float | None  # the unadjusted estimate, when trim-and-fill adjusts it
    level: float
    measure: str
    residuals: bool


def funnel(
    res: RMAResult | MHResult | TrimfillResult,
    *,
    contours: Sequence[float] | None = (0.9, 0.95, 0.99),
    trimfill: TrimfillResult | None = None,
    yaxis: str = "sei",
    transf: Transform | None = None,
    legend: bool = True,
) -> Figure:
    r"""Contour-enhanced funnel plot of a meta-analysis.

    Each study's effect is plotted against its standard error, with the most
    precise studies at the top. A vertical line marks the pooled estimate and
    two dashed lines the pseudo-confidence region, estimate :math:`\pm
    z_{1-\alpha/2}\,\mathrm{SE}` (the funnel) within which about 95% of the
    studies fall without heterogeneity or small-study effects. Grey regions
    mark where a study's own test of no effect is statistically significant
    (Peters et al. 2008): asymmetry that falls in the significant regions
    suggests publication bias; asymmetry in the non-significant one other
    causes of small-study effects.

    Parameters
    ----------
    res : RMAResult, MHResult or TrimfillResult
        A model fitted by :func:`~metareview.rma`, :func:`~metareview.rma_mh`
        or :func:`~metareview.rma_peto`, or a trim-and-fill analysis (then its
        filled studies are drawn hollow around the adjusted estimate). For a
        meta-regression the residuals :math:`y_i - x_i'\hat\beta` are plotted
        around 0, as metafor does.
    contours : sequence of float or None
        Levels (fractions) of the significance contours around 0: with the
        default (0.9, 0.95, 0.99) the regions p < 0.10, p < 0.05 and p < 0.01
        of a two-sided z test of each study, shaded darker as p falls. ``None``
        or ``()`` for a plain funnel plot.
    trimfill : TrimfillResult, optional
        A trim-and-fill analysis of ``res``: its filled studies are drawn as
        open circles and its adjusted estimate as a dashed line beside the
        estimate of ``res``.
    yaxis : {"sei", "vi", "seinv", "vinv"}
        Standard error (the default, as Sterne et al. 2011 recommend), sampling
        variance, or their inverses. The standard error and the variance run
        downwards from 0 at the top.
    transf : callable, optional
        How the effect axis is labelled. By default, ratio measures (OR, RR,
        ...) are drawn on a log axis labelled in ratios, and other measures on
        their own scale; ``numpy.exp`` does the former for any measure, and
        another monotone function (``numpy.tanh`` for Fisher's z) puts round
        transformed values on the axis. Not for meta-regression residuals.
    legend : bool
        Draw the legend of the contours (and of the filled studies) below the
        plot.

    Returns
    -------
    matplotlib.figure.Figure
        One journal column wide, ready for ``savefig``.

    Notes
    -----
    A study with effect :math:`y_i` and standard error :math:`s_i` is
    significant at level :math:`\alpha` when :math:`|y_i| / s_i >
    z_{1-\alpha/2}`; the contours are the lines :math:`y = \pm z_{1-\alpha/2}
    s` (curves for the other ``yaxis`` choices). The pseudo-confidence lines
    use the model's ``level``.

    References
    ----------
    Light RJ, Pillemer DB (1984). Summing Up: The Science of Reviewing
    Research. Cambridge, MA: Harvard University Press.

    Sterne JAC, Egger M (2001). Funnel plots for detecting bias in
    meta-analysis: guidelines on choice of axis. J Clin Epidemiol
    54:1046-1055. doi:10.1016/S0895-4356(01)00377-8

    Peters JL, Sutton AJ, Jones DR, Abrams KR, Rushton L (2008).
    Contour-enhanced meta-analysis funnel plots help distinguish publication
    bias from other causes of asymmetry. J Clin Epidemiol 61:991-996.
    doi:10.1016/j.jclinepi.2007.11.010

    Duval S, Tweedie R (2000). Trim and fill: a simple funnel-plot-based method
    of testing and adjusting for publication bias in meta-analysis. Biometrics
    56:455-463. doi:10.1111/j.0006-341X.2000.00455.x

    Sterne JAC, Sutton AJ, Ioannidis JPA, et al. (2011). Recommendations for
    examining and interpreting funnel plot asymmetry in meta-analyses of
    randomised controlled trials. BMJ 343:d4002. doi:10.1136/bmj.d4002

    Examples
    --------
    >>> import metareview as mr
    >>> bcg = mr.datasets.load("bcg")
    >>> es = mr.escalc("RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg,
    ...                slab="study")
    >>> res = mr.rma(es)
    >>> fig = mr.funnel(res)
    >>> ax = fig.axes[0]
    >>> ax.get_xscale(), ax.get_xlabel(), bool(ax.yaxis_inverted())
    ('log', 'Risk ratio', True)
    >>> fig = mr.funnel(res, trimfill=mr.trimfill(res))
    >>> fig.savefig("funnel.png")  # doctest: +SKIP

    """
    d = _data(res, trimfill, transf)
    yaxis = choice("yaxis", yaxis, YAXES)
    levels = _levels(contours)
    if yaxis in ("seinv", "vinv") and not (d.se > 0).all():
        raise InputError(
            f"yaxis={yaxis!r} needs positive sampling variances; a study has vi = 0"
        )
    if d.residuals:
        natural = MEASURE_NAMES.get(d.measure, ("", "effect size"))[1]
        scale = EffectScale(
            transf=None,
            log=False,
            label=f"Residual ({natural[0].lower()}{natural[1:]})",
        )
    else:
        scale = effect_scale(d.measure, transf)
    with _style.style():
        fig = _style.new_figure(_style.COLUMN_WIDTH, 3.0)
        ax = fig.add_subplot()
        _draw(ax, d, scale, yaxis, levels)
        _layout.fit(fig, ax, height=PANEL_HEIGHT, fig_width=_style.COLUMN_WIDTH)
        if legend:
            _legend(fig, ax, d, levels)
            _layout.fit(fig, ax, height=PANEL_HEIGHT, fig_width=_style.COLUMN_WIDTH)
    return fig


def _data(res: Any, trimfill: Any, transf: Any) -> _Data:
    """Check the arguments and return the points, estimate and level to draw."""
    if isinstance(res, TrimfillResult):
        if trimfill is not None:
            raise InputError(
                "funnel(): res is already a trim-and-fill analysis; leave trimfill= "
                "unset"
            )
        tf: TrimfillResult | None = res
        model: RMAResult | MHResult = res.model
    else:
        model = _inputs.model(res, "funnel")
        tf = (
            None
            if trimfill is None
            else _inputs.trimfill_of(trimfill, "trimfill", "funnel")
        )
    if tf is not None:
        ref = None if model is tf.model else _matching(model, tf)
        fit = tf.model
        return _Data(
            x=np.asarray(fit.yi, dtype=np.float64),
            se=np.sqrt(np.asarray(fit.vi, dtype=np.float64)),
            filled=np.asarray(tf.fill, dtype=bool),
            estimate=float(fit.beta[0]),
            reference=ref,
            level=fit.level,
            measure=fit.measure,
            residuals=False,
        )
    if isinstance(model, RMAResult) and not model.int_only:
        if transf is not None:
            raise InputError(
                "funnel(): transf= labels effects, but a meta-regression's funnel "
                "plot shows residuals on the model's scale; leave transf unset"
            )
        _inputs.min_k(model.k, "funnel")
        resid = np.asarray(model.yi - model.X @ model.beta, dtype=np.float64)
        return _Data(
            x=resid,
            se=np.sqrt(np.asarray(model.vi, dtype=np.float64)),
            filled=np.zeros(model.k, dtype=bool),
            estimate=0.0,
            reference=None,
            level=model.level,
            measure=model.measure,
            residuals=True,
        )
    s = _inputs.studies(model, "funnel")
    return _Data(
        x=s.yi,
        se=np.sqrt(s.vi),
        filled=np.zeros(s.k, dtype=bool),
        estimate=s.beta,
        reference=None,
        level=s.level,
        measure=s.measure,
        residuals=False,
    )


def _matching(model: RMAResult | MHResult, tf: TrimfillResult) -> float:
    """Return the estimate of ``model``, checking that ``tf`` is its trim and fill."""
    _inputs.no_moderators(model, "funnel")
    observed = np.asarray(tf.model.yi)[~np.asarray(tf.fill)]
    mine = np.asarray(model.yi)[np.isfinite(model.yi)]
    if observed.shape != mine.shape or not np.allclose(observed, mine):
        raise InputError(
            "funnel(): trimfill= is a trim-and-fill analysis of other studies than "
            "those of res"
        )
    return float(model.beta[0])


def _levels(contours: object) -> tuple[float, ...]:
    if contours is None:
        return ()
    if isinstance(contours, str) or not isinstance(contours, Sequence | np.ndarray):
        raise InputTypeError(
            f"contours must be a sequence of levels such as (0.9, 0.95, 0.99); "
            f"got {contours!r}"
        )
    levels = sorted({fraction("contours", c) for c in contours})
    return tuple(levels)


def _to_y(se: FloatArray, yaxis: str) -> FloatArray:
    with np.errstate(divide="ignore"):
        return {
            "sei": se,
            "vi": se**2,
            "seinv": 1.0 / se,
            "vinv": 1.0 / se**2,
        }[yaxis]


def _to_se(y: FloatArray, yaxis: str) -> FloatArray:
    with np.errstate(divide="ignore"):
        return {
            "sei": y,
            "vi": np.sqrt(y),
            "seinv": 1.0 / y,
            "vinv": 1.0 / np.sqrt(y),
        }[yaxis]


def _ylim(y: FloatArray, yaxis: str) -> tuple[float, float]:
    """(top, bottom) of the y axis: 0 on top for SE and variance."""
    if yaxis in ("sei", "vi"):
        return 0.0, float(y.max()) * 1.06
    lo, hi = float(y.min()), float(y.max())
    span = hi - lo if hi > lo else 0.1 * hi
    return hi + 0.04 * span, max(lo - 0.06 * span, 0.5 * lo)


def _draw(
    ax: Axes, d: _Data, scale: EffectScale, yaxis: str, levels: tuple[float, ...]
) -> None:
    y = _to_y(d.se, yaxis)
    top, bottom = _ylim(y, yaxis)
    grid = np.linspace(min(top, bottom), max(top, bottom), _GRID)
    if yaxis in ("seinv", "vinv"):
        grid = grid[grid > 0]
    se_grid = _to_se(grid, yaxis)
    crit = float(stats.norm.isf((1.0 - d.level) / 2.0))
    se_wide = float(se_grid[np.isfinite(se_grid)].max())
    span = [*d.x, d.estimate - crit * se_wide, d.estimate + crit * se_wide]
    if levels:
        span.append(0.0)
    lo, hi = min(span), max(span)
    pad = 0.04 * (hi - lo) if hi > lo else 0.5
    lo, hi = lo - pad, hi + pad

    _contours(ax, scale, grid, se_grid, levels, lo, hi)
    # pseudo-confidence region (the funnel) and the estimate(s)
    for sign in (-1.0, 1.0):
        ax.plot(
            scale.data(d.estimate + sign * crit * se_grid),
            grid,
            color=_style.BLACK,
            lw=0.6,
            ls=(0, (3, 2)),
            zorder=2,
            gid="pseudo-ci",
        )
    adjusted = d.filled.any() or d.reference is not None
    ax.axvline(
        float(scale.data(d.estimate)),
        color=_style.FILLED if adjusted else _style.POOLED,
        lw=0.9,
        ls=(0, (5, 2)) if adjusted else "-",
        zorder=2,
        gid="estimate",
    )
    if d.reference is not None:
        ax.axvline(
            float(scale.data(d.reference)),
            color=_style.POOLED,
            lw=0.9,
            zorder=2,
            gid="reference",
        )
    obs = ~d.filled
    ax.scatter(
        scale.data(d.x[obs]),
        y[obs],
        s=_MARKER,
        color=_style.STUDY,
        edgecolors="white",
        linewidths=0.4,
        zorder=4,
        gid="studies",
        clip_on=False,
    )
    if d.filled.any():
        ax.scatter(
            scale.data(d.x[d.filled]),
            y[d.filled],
            s=_MARKER,
            facecolors="white",
            edgecolors=_style.FILLED,
            linewidths=0.9,
            zorder=4,
            gid="filled",
            clip_on=False,
        )
    scale.apply(ax, "x", lo, hi)
    ax.set_ylim(bottom, top)  # set_ylim(bottom, top): 0 on top for SE
    ax.set_xlabel(scale.label)
    ax.set_ylabel(_YLABELS[yaxis])
    ax.spines[["top", "right"]].set_visible(False)


def _shades(n: int) -> list[str]:
    """``n`` light greys, darker as the level rises."""
    if n == 0:
        return []
    grey = np.linspace(0.94, 0.80, n) if n > 1 else np.array([0.88])
    return ["#" + f"{round(g * 255):02X}" * 3 for g in grey]


def _contours(
    ax: Axes,
    scale: EffectScale,
    grid: FloatArray,
    se: FloatArray,
    levels: tuple[float, ...],
    lo: float,
    hi: float,
) -> None:
    """Shade where a study's z test of no effect is significant at each level."""
    if not levels:
        return
    z = [float(stats.norm.isf((1.0 - lev) / 2.0)) for lev in levels] + [np.inf]
    for j, colour in enumerate(_shades(len(levels))):
        for sign in (-1.0, 1.0):
            with np.errstate(invalid="ignore"):
                inner = np.clip(sign * z[j] * se, lo, hi)
                outer = np.clip(sign * z[j + 1] * se, lo, hi)
            ax.fill_betweenx(
                grid,
                scale.data(inner),
                scale.data(outer),
                facecolor=colour,
                edgecolor="none",
                linewidth=0,
                zorder=0,
                gid=f"contour {levels[j]:g}",
            )


def _p_label(lower: float | None, upper: float | None) -> str:
    def f(a: float) -> str:
        return f"{a:.2f}" if round(a, 2) == round(a, 10) else f"{a:g}"

    if lower is None and upper is not None:
        return f"p < {f(upper)}"
    if upper is None and lower is not None:
        return f"p > {f(lower)}"
    return f"{f(lower or 0.0)} < p < {f(upper or 1.0)}"


def _legend(fig: Figure, ax: Axes, d: _Data, levels: tuple[float, ...]) -> None:
    """Legend below the panel: contour regions, then studies and estimates."""
    handles: list[Any] = []
    labels: list[str] = []
    alphas = [1.0 - lev for lev in levels]  # descending
    if levels:
        handles.append(Patch(facecolor="white", edgecolor=_style.GREY, lw=0.5))
        labels.append(_p_label(alphas[0], None))
        shades = _shades(len(levels))
        for j in range(len(levels)):
            nxt = alphas[j + 1] if j + 1 < len(alphas) else None
            handles.append(Patch(facecolor=shades[j], edgecolor=_style.GREY, lw=0.5))
            labels.append(_p_label(nxt, alphas[j]))
    if d.filled.any():
        handles.append(
            Line2D([], [], ls="", marker="o", ms=_MS, color=_style.STUDY, mec="white")
        )
        labels.append("Studies")
        handles.append(
            Line2D([], [], ls="", marker="o", ms=_MS, mfc="white", mec=_style.FILLED)
        )
        labels.append("Filled (trim and fill)")
    if d.reference is not None or d.filled.any():
        if d.reference is not None:
            handles.append(Line2D([], [], color=_style.POOLED, lw=0.9))
            labels.append("Estimate")
        handles.append(Line2D([], [], color=_style.FILLED, lw=0.9, ls=(0, (5, 2))))
        labels.append("Adjusted estimate")
    if not handles:
        return
    _layout.legend_below(fig, ax, handles, labels)
