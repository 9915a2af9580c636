"""The effect axis of a forest plot: display scale, limits and ticks.

Ratio measures are drawn as ratios on a log axis; everything else on a linear
axis, through ``transf`` when given. Automatic limits are symmetric about the
line of no effect, as in RevMan 5 (ratios 1/R to R with R in 2, 5, 10, 20, ...,
differences -R to R), and cover the pooled intervals and, within reason, the
studies' intervals; intervals that run past them end in arrows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validate import InputError, InputTypeError
from ..effects._counts import PROPORTIONS
from ..stats._format import RATIO_MEASURES
from ._style import SMALL, text_width

FloatArray = NDArray[np.float64]
Transform = Callable[[FloatArray], FloatArray]

# symmetric ratio ranges 1/R..R and their ticks (RevMan 5's scales)
LOG_TICKS: dict[float, tuple[float, ...]] = {
    2: (0.5, 0.7, 1, 1.5, 2),
    5: (0.2, 0.5, 1, 2, 5),
    10: (0.1, 0.2, 0.5, 1, 2, 5, 10),
    20: (0.05, 0.2, 1, 5, 20),
    50: (0.02, 0.1, 1, 10, 50),
    100: (0.01, 0.1, 1, 10, 100),
    200: (0.005, 0.1, 1, 10, 200),
    500: (0.002, 0.1, 1, 10, 500),
    1000: (0.001, 0.1, 1, 10, 1000),
}
_LOG_CANDIDATES = (
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5,
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1000,
)  # fmt: skip
_LINEAR_STEPS = (1.0, 2.0, 4.0, 5.0, 10.0)


@dataclass(frozen=True, slots=True)
class Scale:
    """How effects are drawn: ``f`` maps the model scale to the axis."""

    f: Transform
    log: bool
    null: float | None
    xlim: tuple[float, float]
    ticks: tuple[float, ...]

    def __call__(self, x: Any) -> FloatArray:
        """Map model-scale values to the axis (NaN stays NaN)."""
        with np.errstate(all="ignore"):
            return np.asarray(self.f(np.asarray(x, dtype=np.float64)), dtype=np.float64)


def _identity(x: FloatArray) -> FloatArray:
    return x


def display(measure: str, transf: Any) -> tuple[Transform, bool, float | None]:
    """Return the display transform, whether the axis is log, the no-effect value."""
    if transf is not None and not callable(transf):
        raise InputTypeError(
            f"transf must be a function such as numpy.tanh; got {transf!r}"
        )
    if transf is None and measure in RATIO_MEASURES:
        return np.exp, True, 1.0
    f: Transform = transf if transf is not None else _identity
    if measure in PROPORTIONS:  # a single group: no effect of zero to mark
        return f, False, None
    with np.errstate(all="ignore"):
        null = float(np.asarray(f(np.zeros(1)), dtype=np.float64)[0])
    return f, False, null if np.isfinite(null) else None


def _pair(name: str, value: Any, log: bool) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise InputTypeError(
            f"{name} must be a pair of numbers; got {value!r}"
        ) from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise InputError(
            f"{name} must be two finite numbers, low < high; got {value!r}"
        )
    if log and lo <= 0:
        raise InputError(
            f"{name} is on the ratio scale of a log axis and must be > 0; got {value!r}"
        )
    return lo, hi


def _ticks_arg(at: Any, log: bool) -> tuple[float, ...]:
    try:
        ticks = tuple(sorted(float(v) for v in at))
    except (TypeError, ValueError):
        raise InputTypeError(f"at must be a sequence of numbers; got {at!r}") from None
    if len(ticks) < 2 or not np.isfinite(ticks).all():
        raise InputError(f"at must hold at least two finite numbers; got {at!r}")
    if log and ticks[0] <= 0:
        raise InputError(f"at is on the ratio scale of a log axis: > 0; got {at!r}")
    return ticks


def _nice_linear(d: float) -> float:
    """Smallest of 1, 2, 4, 5, 10 times a power of ten that is >= ``d``."""
    if d <= 0 or not np.isfinite(d):
        return 1.0
    power = 10.0 ** np.floor(np.log10(d))
    for step in _LINEAR_STEPS:
        if step * power >= d * (1 - 1e-9):
            return float(step * power)
    return float(10 * power)


def _nice_ratio(d: float) -> float:
    """Smallest R of ``LOG_TICKS`` (or power of ten) with ``log(R) >= d``."""
    for r in LOG_TICKS:
        if np.log(r) >= d * (1 - 1e-9):
            return float(r)
    return float(10.0 ** np.ceil(d / np.log(10)))


def _reach(core: FloatArray, every: FloatArray) -> float:
    """Half-width to cover: all intervals, but at most twice the core's reach."""
    c = float(np.max(np.abs(core))) if core.size else 0.0
    a = float(np.max(np.abs(every))) if every.size else c
    return max(c, min(a, 2.0 * c)) if c > 0 else a


def build(
    measure: str,
    transf: Any,
    core: FloatArray,
    every: FloatArray,
    xlim: Any,
    at: Any,
    width_in: float,
) -> Scale:
    """Choose limits and ticks.

    ``core`` holds the model-scale values that should be seen whole (study
    estimates, pooled intervals); ``every`` adds the studies' intervals.
    ``width_in`` is the width of the plot, to keep tick labels apart.
    """
    f, log, null = display(measure, transf)
    tmp = Scale(f, log, null, (0.0, 1.0), ())
    core_d = tmp(core[np.isfinite(core)])
    every_d = tmp(every[np.isfinite(every)])
    core_d = core_d[np.isfinite(core_d)]
    every_d = every_d[np.isfinite(every_d)]
    ticks: tuple[float, ...] | None = None if at is None else _ticks_arg(at, log)
    if xlim is not None:
        lim = _pair("xlim", xlim, log)
    elif ticks is not None:
        lim = (ticks[0], ticks[-1])
    else:
        lim, auto = _auto(log, null, core_d, every_d)
        if ticks is None and auto is not None:
            ticks = _thin(auto, lim, log, width_in)
    if ticks is None:
        ticks = _auto_ticks(lim, log, width_in)
    ticks = tuple(t for t in ticks if lim[0] - 1e-12 <= t <= lim[1] + 1e-12)
    return Scale(f, log, null, lim, ticks)


def _auto(
    log: bool, null: float | None, core: FloatArray, every: FloatArray
) -> tuple[tuple[float, float], tuple[float, ...] | None]:
    if log:
        d = _reach(np.log(core[core > 0]), np.log(every[every > 0]))
        r = _nice_ratio(d)
        ticks = LOG_TICKS.get(r, (1 / r, 1.0, r))
        return (1 / r, r), ticks
    if null is not None:
        r = _nice_linear(_reach(core - null, every - null))
        ticks = tuple(null + r * t for t in (-1, -0.5, 0, 0.5, 1))
        return (null - r, null + r), ticks
    from matplotlib.ticker import MaxNLocator

    values = core if core.size else np.array([0.0, 1.0])
    lo, hi = float(values.min()), float(values.max())
    span = hi - lo
    if every.size:  # the intervals, at most one span of the core past it
        lo = max(float(every.min()), lo - span)
        hi = min(float(every.max()), hi + span)
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    locs = MaxNLocator(nbins=5).tick_values(lo, hi)
    return (float(locs[0]), float(locs[-1])), tuple(float(t) for t in locs)


def tick_label(t: float) -> str:
    """Format a tick value without trailing zeros: ``0.01``, ``1``, ``−10``."""
    text = np.format_float_positional(float(f"{t:.6g}"), trim="-")
    return text.replace("-", "\N{MINUS SIGN}")


def _fits(
    ticks: Sequence[float], lim: tuple[float, float], log: bool, w: float
) -> bool:
    if log:
        pos = [np.log(t / lim[0]) / np.log(lim[1] / lim[0]) * w for t in ticks]
    else:
        pos = [(t - lim[0]) / (lim[1] - lim[0]) * w for t in ticks]
    half = [text_width(tick_label(t), SMALL) / 2 + 0.05 for t in ticks]
    return all(
        pos[i + 1] - half[i + 1] > pos[i] + half[i] for i in range(len(ticks) - 1)
    )


def _thin(
    ticks: Sequence[float], lim: tuple[float, float], log: bool, w: float
) -> tuple[float, ...]:
    """All ticks if their labels fit, else the ends and the middle, else the ends."""
    options = [tuple(ticks)]
    if len(ticks) > 3:
        options.append((ticks[0], ticks[len(ticks) // 2], ticks[-1]))
    options.append((ticks[0], ticks[-1]))
    return next((o for o in options if _fits(o, lim, log, w)), options[-1])


def _auto_ticks(lim: tuple[float, float], log: bool, w: float) -> tuple[float, ...]:
    if log:
        inside = [t for t in _LOG_CANDIDATES if lim[0] <= t <= lim[1]]
        if len(inside) < 2:
            inside = [lim[0], lim[1]]
        return _thin(inside, lim, log, w)
    from matplotlib.ticker import MaxNLocator

    locs = MaxNLocator(nbins=5).tick_values(*lim)
    return _thin([float(t) for t in locs], lim, log, w)
