"""The arm data and the drawing of the L'Abbé plot (``diagnostics.labbe``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator
from numpy.typing import NDArray

from .._validate import InputError, InputTypeError, column
from ..effects.escalc import column_of
from . import _layout, _style
from ._scale import EffectScale

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Pooled:
    """The pooled effect (model scale) the plot draws as a curve."""

    measure: str
    beta: float
    ci_lb: float
    ci_ub: float
    level: float


MEASURES = ("OR", "RR", "RD", "PETO")
_NAMES = {
    "OR": "odds ratio",
    "PETO": "odds ratio",
    "RR": "risk ratio",
    "RD": "risk difference",
}
PANEL = 2.3  # inches, the square panel
BUBBLE_MAX = 200.0  # points²
BUBBLE_MIN = 4.0
_GRID = 401
SCALES = ("auto", "linear", "log")
CROWDED = 0.1  # "auto" draws log axes when the median rate is below this x the largest


def rates(
    data: Any, cells: dict[str, Any], yi: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Event rates of group 1 and group 2, one per study of the model.

    ``cells`` holds ``ai``, ``bi``/``n1i``, ``ci``, ``di``/``n2i`` (arrays or
    column names of ``data``); without any, ``data`` must have columns of those
    names, or an escalc frame's record of them. ``yi`` are the model's effects:
    the rows of ``data`` with an effect must be its studies.
    """
    given = {k: v for k, v in cells.items() if v is not None}
    if not given:
        if data is None:
            raise InputError(
                "labbe() needs the 2x2 tables: give data= (an escalc frame with "
                "columns ai, bi, ci, di) or ai=, bi= (or n1i=), ci=, di= (or n2i=)"
            )
        if not hasattr(data, "columns"):
            raise InputTypeError(f"data must be a DataFrame; got {type(data).__name__}")
        found = {k: column_of(data, k) for k in cells}
        given = {k: name for k, name in found.items() if name is not None}
    a = _cell("ai", given, data)
    c = _cell("ci", given, data)
    n1 = _size("bi", "n1i", a, given, data)
    n2 = _size("di", "n2i", c, given, data)
    rows = _rows(data, a.shape[0], yi.shape[0])
    if data is not None and "yi" in data.columns and len(data) == a.shape[0]:
        _check_match(np.asarray(data["yi"], dtype=float)[rows], yi)
    with np.errstate(invalid="ignore", divide="ignore"):
        p1, p2 = a[rows] / n1[rows], c[rows] / n2[rows]
    bad = (
        ~(np.isfinite(p1) & np.isfinite(p2)) | (p1 < 0) | (p1 > 1) | (p2 < 0) | (p2 > 1)
    )
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"labbe(): the 2x2 table of study {i + 1} of the model gives no event "
            "rate between 0 and 1 (check ai, bi/n1i, ci, di/n2i)"
        )
    return p1, p2


def _cell(name: str, given: dict[str, Any], data: Any) -> FloatArray:
    if name not in given:
        raise InputError(
            f"labbe() needs {name}= (a column of data or an array of counts)"
        )
    return column(name, given[name], data)


def _size(
    other: str, size: str, events: FloatArray, given: dict[str, Any], data: Any
) -> FloatArray:
    """Group size, from the non-events (``bi``/``di``) or the size itself."""
    if other in given:
        return events + column(other, given[other], data)
    if size in given:
        return column(size, given[size], data)
    raise InputError(
        f"labbe() needs {other}= or {size}= (the group's non-events or size)"
    )


def _rows(data: Any, n: int, n_model: int) -> NDArray[np.bool_]:
    """Rows of the arm data that are the model's studies."""
    if n == n_model:
        return np.ones(n, dtype=bool)
    if data is not None and {"yi", "vi"} <= set(data.columns) and len(data) == n:
        rows = np.isfinite(np.asarray(data["yi"], dtype=float)) & np.isfinite(
            np.asarray(data["vi"], dtype=float)
        )
        if int(rows.sum()) == n_model:
            return np.asarray(rows)
    raise InputError(
        f"labbe(): the arm data have {n} rows but res has {n_model} studies; give "
        "the escalc frame the model was fitted to"
    )


def _check_match(rows_yi: FloatArray, res_yi: FloatArray) -> None:
    """Raise if the frame's effects are not the model's (a frame of other studies)."""
    both = np.isfinite(rows_yi) & np.isfinite(res_yi)
    if not np.allclose(rows_yi[both], res_yi[both]):
        raise InputError(
            "labbe(): the yi of data are not those of res; give the escalc frame "
            "the model was fitted to"
        )


def pooled_curve(measure: str, effect: float, p: FloatArray) -> FloatArray:
    """Event rate of group 1 implied by the pooled effect at group-2 rate ``p``."""
    if measure in ("OR", "PETO"):
        ratio = np.exp(effect)
        return ratio * p / (1.0 - p + ratio * p)
    if measure == "RR":
        return np.exp(effect) * p
    return p + effect


def choose_scale(scale: str, p1: FloatArray, p2: FloatArray) -> bool:
    """Whether to draw log axes: ``scale`` checked against the rates."""
    rates_ = np.concatenate([p1, p2])
    if scale == "linear":
        return False
    positive = bool((rates_ > 0).all())
    if scale == "log":
        if not positive:
            raise InputError(
                "scale='log' cannot show an event rate of 0 (a study has no events "
                "in a group); use scale='linear'"
            )
        return True
    # auto: log axes when most rates would crowd into the corner at 0
    return positive and float(np.median(rates_) / rates_.max()) < CROWDED


def draw(
    pooled: Pooled,
    weights: FloatArray,
    p1: FloatArray,
    p2: FloatArray,
    *,
    log: bool,
    legend: bool,
) -> Figure:
    """Build the L'Abbé plot (group 2 rate on x, group 1 on y)."""
    w = np.nan_to_num(weights)
    wmax = float(w.max()) if w.max() > 0 else 1.0
    sizes = np.maximum(BUBBLE_MAX * w / wmax, BUBBLE_MIN)
    lo, hi = _limits(np.concatenate([p1, p2]), log)
    grid = np.geomspace(lo, hi, _GRID) if log else np.linspace(lo, hi, _GRID)

    with _style.style():
        fig = _style.new_figure(_style.COLUMN_WIDTH, 3.0)
        ax = fig.add_subplot()
        ax.plot(
            [lo, hi], [lo, hi], color=_style.GREY, lw=0.7, ls=(0, (3, 2)),
            zorder=2, gid="equality",
        )  # fmt: skip
        band = [
            np.clip(pooled_curve(pooled.measure, b, grid), lo, hi)
            for b in (pooled.ci_lb, pooled.ci_ub)
        ]
        ax.fill_between(
            grid, band[0], band[1], color=_style.LIGHT_GREY, lw=0, zorder=1, gid="ci"
        )
        ax.plot(
            grid,
            _inside(pooled_curve(pooled.measure, pooled.beta, grid), lo, hi),
            color=_style.POOLED,
            lw=1.0,
            zorder=3,
            gid="estimate",
        )
        order = np.argsort(-sizes, kind="stable")  # small bubbles on top
        ax.scatter(
            p2[order],
            p1[order],
            s=sizes[order],
            facecolors=to_rgba(_style.STUDY, 0.45),
            edgecolors=_style.STUDY,
            linewidths=0.6,
            zorder=4,
            gid="studies",
            clip_on=False,
        )
        if log:
            scale = EffectScale(transf=np.exp, log=True, label="")
            for axis in ("x", "y"):
                scale.apply(ax, axis, float(np.log(lo)), float(np.log(hi)))
        else:
            ax.set_xlim(lo, hi)
            ax.set_ylim(lo, hi)
            for target in (ax.xaxis, ax.yaxis):
                target.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        ax.set_aspect("equal")
        ax.set_xlabel("Event rate, group 2 (control)")
        ax.set_ylabel("Event rate, group 1 (treatment)")
        ax.spines[["top", "right"]].set_visible(False)
        _layout.fit(fig, ax, height=PANEL, width=PANEL)
        if legend:
            _legend(fig, ax, pooled)
            _layout.fit(fig, ax, height=PANEL, width=PANEL)
    return fig


def _legend(fig: Figure, ax: Axes, pooled: Pooled) -> None:
    name = _NAMES[pooled.measure]
    value = pooled.beta if pooled.measure == "RD" else float(np.exp(pooled.beta))
    handles = [
        Line2D([], [], color=_style.POOLED, lw=1.0),
        Patch(facecolor=_style.LIGHT_GREY, edgecolor="none"),
        Line2D([], [], color=_style.GREY, lw=0.7, ls=(0, (3, 2))),
    ]
    labels = [
        f"Pooled {name} {value:.2f}",
        f"{100 * pooled.level:g}% confidence interval",
        "No difference",
    ]
    _layout.legend_below(fig, ax, handles, labels)


def _inside(values: FloatArray, lo: float, hi: float) -> FloatArray:
    """Mask the part of a curve that leaves the panel."""
    out = values.astype(np.float64, copy=True)
    out[(out < lo) | (out > hi)] = np.nan
    return out


def _limits(rates_: FloatArray, log: bool) -> tuple[float, float]:
    """Axis limits (the same on both axes) around the event rates."""
    if log:
        lo, hi = float(rates_.min()), float(rates_.max())
        return lo / 1.6, min(hi * 1.6, 1.0)
    p = float(rates_.max())
    for step in (0.05, 0.1, 0.2, 0.25):
        top = step * np.ceil(p * 1.05 / step)
        if top / step <= 8:
            return 0.0, float(min(top, 1.0))
    return 0.0, 1.0  # pragma: no cover (0.25 steps always fit)
