"""The effect-size axis of a figure: its scale, ticks and label.

Effects are estimated on the model's scale (log ratios for ratio measures). A
figure draws them there but labels the axis on the scale readers know:

- ratio measures (and ``transf=numpy.exp``): the values ``exp(y)`` on a log axis,
  with ticks at round ratios (0.2, 0.5, 1, 2, ...);
- another ``transf`` (e.g. ``numpy.tanh`` for Fisher's z): the model scale, with
  ticks where the transformed value is round (found by inverting ``transf``
  numerically, which must be monotone over the axis);
- no ``transf``: the model scale with ordinary ticks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import FixedLocator, MaxNLocator, NullFormatter, NullLocator
from numpy.typing import ArrayLike, NDArray

from .._validate import InputError, InputTypeError
from ..stats._format import RATIO_MEASURES

FloatArray = NDArray[np.float64]
Transform = Callable[[FloatArray], FloatArray]

# name of each measure on the scale readers know, and on the model's scale
MEASURE_NAMES: dict[str, tuple[str, str]] = {
    "OR": ("Odds ratio", "Log odds ratio"),
    "PETO": ("Odds ratio (Peto)", "Log odds ratio (Peto)"),
    "RR": ("Risk ratio", "Log risk ratio"),
    "RD": ("Risk difference", "Risk difference"),
    "IRR": ("Incidence rate ratio", "Log incidence rate ratio"),
    "IRD": ("Incidence rate difference", "Incidence rate difference"),
    "ROM": ("Ratio of means", "Log ratio of means"),
    "MD": ("Mean difference", "Mean difference"),
    "SMD": ("Standardised mean difference", "Standardised mean difference"),
    "SMDH": ("Standardised mean difference", "Standardised mean difference"),
    "COR": ("Correlation", "Correlation"),
    "ZCOR": ("Correlation", "Fisher's z"),
    "PR": ("Proportion", "Proportion"),
    "PLO": ("Proportion", "Log odds"),
    "PFT": ("Proportion", "Freeman-Tukey proportion"),
    "MPOR": ("Odds ratio (paired)", "Log odds ratio (paired)"),
    "MPRR": ("Risk ratio (paired)", "Log risk ratio (paired)"),
}

# round values for ticks on a log axis, from coarse to fine (times powers of 10)
_LOG_STEPS = (
    (1.0,),
    (1.0, 2.0, 5.0),
    (1.0, 1.5, 2.0, 3.0, 5.0, 7.0),
    (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0),
)
_MIN_TICKS = 3
_MAX_TICKS = 7


def is_exp(transf: object) -> bool:
    """Whether ``transf`` is the exponential function."""
    return transf is np.exp or transf is math.exp


@dataclass(frozen=True, slots=True)
class EffectScale:
    """How effects on the model's scale become coordinates and tick labels."""

    transf: Transform | None
    log: bool  # exp(y) drawn on a log axis
    label: str

    def data(self, values: ArrayLike) -> FloatArray:
        """Return model-scale ``values`` as coordinates of the axis."""
        arr = np.asarray(values, dtype=np.float64)
        return np.exp(arr) if self.log else arr

    def apply(self, ax: Axes, axis: str, lo: float, hi: float) -> None:
        """Set the scale, limits (model scale ``lo``..``hi``) and ticks of ``axis``."""
        setter = ax.set_xlim if axis == "x" else ax.set_ylim
        target = ax.xaxis if axis == "x" else ax.yaxis
        if self.log:
            (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
            ticks = ratio_ticks(math.exp(lo), math.exp(hi))
            target.set_major_locator(FixedLocator(ticks))
            target.set_major_formatter(_fixed_labels(ticks, [fmt(t) for t in ticks]))
            target.set_minor_locator(NullLocator())
            target.set_minor_formatter(NullFormatter())
            setter(math.exp(lo), math.exp(hi))
            return
        setter(lo, hi)
        if self.transf is None:
            target.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
            return
        positions, labels = transformed_ticks(self.transf, lo, hi)
        target.set_major_locator(FixedLocator(positions))
        target.set_major_formatter(_fixed_labels(positions, labels))


def effect_scale(
    measure: str, transf: Transform | None, *, what: str = ""
) -> EffectScale:
    """Return the axis of effects of ``measure`` labelled through ``transf``.

    ``transf=None`` labels ratio measures on the ratio scale (log axis) and
    others on the model's scale. ``what`` prefixes the label (``"Residual, "``).
    """
    if transf is not None and not callable(transf):
        raise InputTypeError(
            f"transf must be a function such as numpy.exp, or None; got {transf!r}"
        )
    ratio = measure in RATIO_MEASURES
    natural, model = MEASURE_NAMES.get(measure, ("Effect size", "Effect size"))
    if (transf is None and ratio) or is_exp(transf):
        label = natural if ratio else f"exp({model.lower()})"
        return EffectScale(transf=np.exp, log=True, label=what + label)
    if transf is None:
        return EffectScale(transf=None, log=False, label=what + model)
    label = natural if natural != model else f"{model} (transformed)"
    return EffectScale(transf=transf, log=False, label=what + label)


def ratio_ticks(lo: float, hi: float) -> list[float]:
    """Round ratios between ``lo`` and ``hi``: the coarsest set with 3 to 7 ticks."""
    e0, e1 = math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1
    best: list[float] = []
    for steps in _LOG_STEPS:
        ticks = [
            float(f"{s * 10.0**e:.6g}")
            for e in range(e0, e1 + 1)
            for s in steps
            if lo * (1 - 1e-9) <= s * 10.0**e <= hi * (1 + 1e-9)
        ]
        if len(ticks) > _MAX_TICKS and best:
            break
        best = ticks
        if len(ticks) >= _MIN_TICKS:
            break
    if len(best) > _MAX_TICKS:  # a range of many decades: every other power of 10
        step = math.ceil(len(best) / _MAX_TICKS)
        best = best[::step]
    return best


def transformed_ticks(
    transf: Transform, lo: float, hi: float
) -> tuple[list[float], list[str]]:
    """Positions on the model scale where ``transf`` takes round values."""
    grid = np.linspace(lo, hi, 2001)
    with np.errstate(all="ignore"):
        values = np.asarray(transf(grid), dtype=np.float64)
    if values.shape != grid.shape or not np.isfinite(values).all():
        raise InputError(
            "transf must map the axis range to finite numbers, element by element"
        )
    diffs = np.diff(values)
    if not ((diffs > 0).all() or (diffs < 0).all()):
        raise InputError(
            f"transf must be monotone over the axis range [{lo:.4g}, {hi:.4g}] "
            "to label it"
        )
    vmin, vmax = float(values.min()), float(values.max())
    locator = MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10])
    candidates = np.asarray(locator.tick_values(vmin, vmax), dtype=np.float64)
    nice = candidates[(candidates >= vmin) & (candidates <= vmax)]
    positions = [_solve(transf, float(v), grid, values) for v in nice]
    return positions, [fmt(float(v)) for v in nice]


def _solve(
    transf: Transform, target: float, grid: FloatArray, values: FloatArray
) -> float:
    """Return the ``x`` in the grid's range where ``transf(x) == target``."""
    from scipy.optimize import brentq

    j = int(np.clip(np.searchsorted(np.sort(values), target), 1, grid.size - 1))
    if values[0] > values[-1]:  # decreasing: search the reversed grid
        j = grid.size - j
    a, b = float(grid[j - 1]), float(grid[j])

    def f(x: float) -> float:
        return float(np.asarray(transf(np.array([x])), dtype=np.float64)[0]) - target

    fa, fb = f(a), f(b)
    if fa == 0.0:
        return a
    if fb == 0.0 or fa * fb > 0:
        return b
    return float(brentq(f, a, b, xtol=1e-14))


def fmt(value: float) -> str:
    """Format a tick value compactly (``0.5``, ``2``, ``0.25``, ``-1``)."""
    if value == 0:
        return "0"
    text = f"{value:.3g}"
    if "e" in text:
        text = f"{value:g}"
    return text.replace("-", "\N{MINUS SIGN}")


def _fixed_labels(positions: list[float], labels: list[str]) -> Any:
    from matplotlib.ticker import FuncFormatter

    lookup = dict(zip(positions, labels, strict=True))

    def label(x: float, _pos: int | None = None) -> str:
        for p, text in lookup.items():
            if math.isclose(x, p, rel_tol=1e-9, abs_tol=1e-12):
                return text
        return ""

    return FuncFormatter(label)
