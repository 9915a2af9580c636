"""Drawing of the bubble plot of a meta-regression (``diagnostics.bubble``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from numpy.typing import NDArray

from .._validate import InputError, InputTypeError
from ..stats.results import RMAResult
from . import _layout, _style
from ._labels import place_labels
from ._scale import Transform, effect_scale

FloatArray = NDArray[np.float64]

PANEL_HEIGHT = 2.3  # inches
BUBBLE_MAX = 200.0  # points², the bubble of the heaviest study
BUBBLE_MIN = 4.0  # points², so that a study of tiny weight stays visible
_GRID = 201


def moderator(res: RMAResult, mod: str | int | None) -> int:
    """Column of ``res.X`` to plot against (checked: one continuous moderator)."""
    names = list(res.coef_names)
    candidates = [j for j, n in enumerate(names) if not (res.intercept and j == 0)]
    if mod is None:
        if len(candidates) != 1:
            raise InputError(
                "bubble(): res has several moderators "
                f"({', '.join(names[j] for j in candidates)}); name the one to "
                "plot with mod="
            )
        j = candidates[0]
    elif isinstance(mod, str):
        if mod not in names:
            raise InputError(
                f"mod={mod!r} is not a coefficient of res; coefficients are: "
                f"{', '.join(names)}"
            )
        j = names.index(mod)
    elif isinstance(mod, int | np.integer) and not isinstance(mod, bool):
        if not 0 <= int(mod) < len(names):
            raise InputError(
                f"mod={mod!r} is not a column of the model (0 to {len(names) - 1}: "
                f"{', '.join(names)})"
            )
        j = int(mod)
    else:
        raise InputTypeError(
            f"mod must be a coefficient name or a column index; got {mod!r}"
        )
    if j not in candidates:
        raise InputError(f"mod={mod!r} is the intercept; choose a moderator")
    values = np.asarray(res.X[:, j])
    if "[" in names[j] or np.unique(values).size < 3:
        raise InputError(
            f"mod={names[j]!r} is not a continuous moderator (it takes "
            f"{np.unique(values).size} values); a bubble plot needs one"
        )
    return j


def draw(
    res: RMAResult,
    j: int,
    *,
    transf: Transform | None,
    ci: bool,
    pi: bool,
    labels: bool | Sequence[str],
    xlab: str | None,
    legend: bool,
) -> Figure:
    """Build the figure (arguments checked by the caller but ``labels``)."""
    x = np.asarray(res.X[:, j], dtype=np.float64)
    y = np.asarray(res.yi, dtype=np.float64)
    w = np.asarray(res.weights, dtype=np.float64)
    sizes = np.maximum(BUBBLE_MAX * w / w.max(), BUBBLE_MIN)
    grid, pred = _line(res, j, x)
    scale = effect_scale(res.measure, transf)
    which = _which_labels(res, labels)

    span = [*y, *pred.pred]
    if ci:
        span += [*pred.ci_lb, *pred.ci_ub]
    if pi:
        span += [*pred.pi_lb, *pred.pi_ub]
    lo, hi = min(span), max(span)
    pad = 0.06 * (hi - lo)
    xpad = 0.05 * (x.max() - x.min())

    with _style.style():
        fig = _style.new_figure(_style.COLUMN_WIDTH, 3.0)
        ax = fig.add_subplot()
        if ci:
            ax.fill_between(
                grid,
                scale.data(pred.ci_lb),
                scale.data(pred.ci_ub),
                color=_style.LIGHT_GREY,
                lw=0,
                zorder=1,
                gid="ci",
            )
        if pi:
            for bound in (pred.pi_lb, pred.pi_ub):
                ax.plot(
                    grid,
                    scale.data(bound),
                    color=_style.PREDICTION,
                    lw=0.7,
                    ls=(0, (4, 2)),
                    zorder=2,
                    gid="pi",
                )
        ax.plot(
            grid,
            scale.data(pred.pred),
            color=_style.POOLED,
            lw=1.0,
            zorder=3,
            gid="regression",
        )
        order = np.argsort(-sizes, kind="stable")  # large bubbles below small ones
        ax.scatter(
            x[order],
            scale.data(y[order]),
            s=sizes[order],
            facecolors=_with_alpha(_style.STUDY, 0.45),
            edgecolors=_style.STUDY,
            linewidths=0.6,
            zorder=4,
            gid="studies",
            clip_on=False,
        )
        ax.set_xlim(x.min() - xpad, x.max() + xpad)
        scale.apply(ax, "y", lo - pad, hi + pad)
        ax.set_xlabel(xlab if xlab is not None else res.coef_names[j])
        ax.set_ylabel(scale.label)
        ax.spines[["top", "right"]].set_visible(False)
        _layout.fit(fig, ax, height=PANEL_HEIGHT, fig_width=_style.COLUMN_WIDTH)
        if legend and (ci or pi):
            _legend(fig, ax, res.level, ci, pi)
            _layout.fit(fig, ax, height=PANEL_HEIGHT, fig_width=_style.COLUMN_WIDTH)
        if which:
            priority = sorted(which, key=lambda i: -w[i])
            left_out = place_labels(
                ax,
                x,
                scale.data(y),
                list(res.slab),
                radii=np.sqrt(sizes) / 2.0,
                order=priority,
            )
            if left_out:
                names = "; ".join(res.slab[i] for i in left_out)
                _layout.note_below(fig, ax, f"Not labelled (no room): {names}")
                width = _layout.panel_width(fig, ax)
                _layout.fit(fig, ax, height=PANEL_HEIGHT, width=width)
    return fig


def _line(res: RMAResult, j: int, x: FloatArray) -> tuple[FloatArray, Any]:
    """Return the regression line over the moderator's range, others at their means."""
    xpad = 0.05 * (x.max() - x.min())
    grid = np.linspace(x.min() - xpad, x.max() + xpad, _GRID)
    means = np.asarray(res.X, dtype=np.float64).mean(axis=0)
    rows = np.tile(means, (grid.size, 1))
    rows[:, j] = grid
    if res.intercept:
        rows = rows[:, 1:]
    return grid, res.predict(newmods=rows)


def _which_labels(res: RMAResult, labels: bool | Sequence[str]) -> list[int]:
    if isinstance(labels, bool | np.bool_):
        return list(range(res.k)) if labels else []
    if isinstance(labels, str) or not isinstance(labels, Sequence):
        raise InputTypeError(
            f"labels must be True, False or a list of study labels; got {labels!r}"
        )
    unknown = [lab for lab in labels if lab not in res.slab]
    if unknown:
        raise InputError(
            f"labels: {', '.join(map(repr, unknown))} "
            f"{'is not a study' if len(unknown) == 1 else 'are not studies'} of res"
        )
    return [i for i, lab in enumerate(res.slab) if lab in set(labels)]


def _with_alpha(colour: str, alpha: float) -> tuple[float, float, float, float]:
    from matplotlib.colors import to_rgba

    return to_rgba(colour, alpha)


def _legend(fig: Figure, ax: Any, level: float, ci: bool, pi: bool) -> None:
    pct = f"{100 * level:g}%"
    handles: list[Any] = [Line2D([], [], color=_style.POOLED, lw=1.0)]
    names = ["Regression line"]
    if ci:
        handles.append(Patch(facecolor=_style.LIGHT_GREY, edgecolor="none"))
        names.append(f"{pct} confidence interval")
    if pi:
        handles.append(Line2D([], [], color=_style.PREDICTION, lw=0.7, ls=(0, (4, 2))))
        names.append(f"{pct} prediction interval")
    _layout.legend_below(fig, ax, handles, names)
