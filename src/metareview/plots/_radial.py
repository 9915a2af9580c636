"""Drawing of the radial (Galbraith) plot (``diagnostics.radial``).

The plot is laid out in inches, so that the arc of effect sizes is a true
circle around the origin however the two axes are scaled: study ``i`` sits at
``(x_i, z_i)`` and the ray from the origin through it has slope ``y_i``; where
that ray meets the arc, the arc's scale reads ``y_i``.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import NDArray
from scipy import stats

from . import _layout, _style
from ._inputs import Studies
from ._scale import EffectScale, fmt, ratio_ticks, transformed_ticks

FloatArray = NDArray[np.float64]

PANEL_WIDTH = 2.55  # inches, points and arc with its labels
POINTS_HEIGHT = 1.9  # inches the z range of the points takes
INSIDE = 0.85  # the farthest study lies this far out, as a fraction of the arc
_TICK = 0.05  # inches, length of the arc's ticks
_GAP = 0.03  # inches between tick and label
_MARKER = 16.0  # points²
_TITLE_GAP = 0.06  # inches between the arc's upper end and its title


def draw(s: Studies, scale: EffectScale) -> Figure:
    """Build the radial plot of the studies ``s`` (checked by the caller)."""
    total = s.vi + s.tau2
    x = 1.0 / np.sqrt(total)
    z = s.yi * x
    crit = float(stats.norm.isf((1.0 - s.level) / 2.0))
    lo_eff, hi_eff = float(min(s.yi.min(), s.beta)), float(max(s.yi.max(), s.beta))
    ticks, labels = _arc_ticks(scale, lo_eff, hi_eff)
    label_w = max(_style.text_width(t, _style.SMALL) for t in labels)
    radius = PANEL_WIDTH - label_w - _TICK - _GAP - 0.02

    xmax = float(x.max())
    band = [crit, -crit, s.beta * xmax + crit, s.beta * xmax - crit]
    zlo, zhi = min(*z, *band), max(*z, *band)
    sx = 0.8 * radius / xmax
    sy = POINTS_HEIGHT / (zhi - zlo)
    dist = float(np.hypot(sx * x, sy * z).max())
    if dist > INSIDE * radius:  # keep the points well inside the arc
        shrink = INSIDE * radius / dist
        sx, sy = sx * shrink, sy * shrink

    phi = np.arctan2(sy * np.array(ticks), sx)
    arc_phi = np.linspace(math.atan2(sy * lo_eff, sx), math.atan2(sy * hi_eff, sx), 181)
    text_h = 1.25 * _style.SMALL / 72.0
    # vertical room (inches around the origin) the arc and its labels take
    reach = radius + _TICK + _GAP
    vlo = min(
        zlo * sy,
        float(radius * np.sin(arc_phi).min()),
        float((reach * np.sin(phi)).min() - text_h / 2),
    )
    vhi = max(
        zhi * sy,
        float(radius * np.sin(arc_phi).max()),
        float((reach * np.sin(phi)).max() + text_h / 2),
    )
    pad = 0.06
    ylim = ((vlo - pad) / sy, (vhi + pad) / sy)
    xlim = (0.0, PANEL_WIDTH / sx)

    with _style.style():
        fig = _style.new_figure(_style.COLUMN_WIDTH, 3.0)
        ax = fig.add_subplot()
        _bands(ax, s.beta, crit, xmax)
        ax.plot(
            [0.0, radius * math.cos(math.atan2(sy * s.beta, sx)) / sx],
            [0.0, radius * math.sin(math.atan2(sy * s.beta, sx)) / sy],
            color=_style.POOLED,
            lw=0.9,
            zorder=3,
            gid="estimate",
        )
        ax.scatter(
            x, z, s=_MARKER, color=_style.STUDY, edgecolors="white",
            linewidths=0.4, zorder=4, gid="studies", clip_on=False,
        )  # fmt: skip
        ax.plot(
            radius * np.cos(arc_phi) / sx,
            radius * np.sin(arc_phi) / sy,
            color=_style.BLACK,
            lw=0.6,
            gid="arc",
        )
        _arc_labels(ax, phi, labels, radius, sx, sy)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.spines[["top", "right"]].set_visible(False)
        ax.spines["bottom"].set_bounds(0.0, xmax * 1.05)
        ax.set_xticks([t for t in _nice(xmax * 1.05) if t <= xmax * 1.05])
        ax.set_xlabel(_xlabel(s.tau2))
        ax.set_ylabel(_ylabel(s.tau2))
        top = float(arc_phi[-1])
        ax.text(
            radius * math.cos(top) / sx,
            (radius * math.sin(top) + _TITLE_GAP) / sy,
            scale.label,
            ha="center",
            va="bottom",
            fontsize=_style.SMALL,
            gid="arc title",
        )
        height = (ylim[1] - ylim[0]) * sy
        _layout.fit(fig, ax, height=height, width=PANEL_WIDTH)
    return fig


def _bands(ax: Axes, beta: float, crit: float, xmax: float) -> None:
    """Draw the ±crit band around the line through the origin, to the last study."""
    xs = np.array([0.0, xmax * 1.03])
    for sign in (-1.0, 1.0):
        ax.plot(
            xs,
            beta * xs + sign * crit,
            color=_style.GREY,
            lw=0.6,
            ls=(0, (3, 2)),
            zorder=2,
            gid="band",
        )
    ax.axhline(0.0, color=_style.LIGHT_GREY, lw=0.5, zorder=1)


def _arc_ticks(
    scale: EffectScale, lo: float, hi: float
) -> tuple[list[float], list[str]]:
    """Effects (model scale) and labels of the arc's ticks between ``lo`` and ``hi``."""
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    if scale.log:
        values = ratio_ticks(math.exp(lo), math.exp(hi))
        return [math.log(v) for v in values], [fmt(v) for v in values]
    if scale.transf is not None:
        return transformed_ticks(scale.transf, lo, hi)
    values = list(_nice_between(lo, hi))
    return values, [fmt(v) for v in values]


def _arc_labels(
    ax: Axes, phi: FloatArray, labels: list[str], radius: float, sx: float, sy: float
) -> None:
    """Ticks outside the arc and their labels, dropping those that would touch."""
    text_h = 1.15 * _style.SMALL / 72.0
    reach = radius + _TICK + _GAP
    last = -np.inf
    for angle, text in sorted(zip(phi, labels, strict=True)):
        v = reach * math.sin(angle)
        if v - last < text_h:
            continue
        last = v
        c, s_ = math.cos(angle), math.sin(angle)
        ax.plot(
            [radius * c / sx, (radius + _TICK) * c / sx],
            [radius * s_ / sy, (radius + _TICK) * s_ / sy],
            color=_style.BLACK,
            lw=0.6,
            gid="arc tick",
        )
        ax.text(
            reach * c / sx,
            reach * s_ / sy,
            text,
            ha="left",
            va="center",
            fontsize=_style.SMALL,
            gid="arc label",
        )


def _nice(hi: float) -> list[float]:
    from matplotlib.ticker import MaxNLocator

    return [float(t) for t in MaxNLocator(nbins=5).tick_values(0.0, hi) if t >= 0]


def _nice_between(lo: float, hi: float) -> list[float]:
    from matplotlib.ticker import MaxNLocator

    values = MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
    return [float(v) for v in values if lo - 1e-12 <= v <= hi + 1e-12]


def _xlabel(tau2: float) -> str:
    if tau2 > 0:
        return r"$x_i = 1/\sqrt{v_i + \tau^2}$"
    return r"$x_i = 1/\sqrt{v_i}$"


def _ylabel(tau2: float) -> str:
    if tau2 > 0:
        return r"$z_i = y_i/\sqrt{v_i + \tau^2}$"
    return r"$z_i = y_i/\sqrt{v_i}$"
