"""Study labels next to the points of a scatter, without overlaps.

A greedy placement in display space: the labels, in order of priority, each try
positions around their point (right, left, the diagonals, above, below), first
close and then further out with a thin leader line, and take the first where
the label stays inside the panel and covers no other label, leader or point,
and its leader crosses no other label or point. A label that finds no room is
left out and reported to the caller, which can say so. The plan is redone once
or twice with the labels left out first, keeping the plan that places most.

Leaders are separate lines, not annotation arrows, so that a label's extent is
its text alone. Call this once the panel has its final size (``_layout.fit``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from matplotlib.axes import Axes
from matplotlib.transforms import Bbox
from numpy.typing import ArrayLike, NDArray

from . import _style

FloatArray = NDArray[np.float64]

# directions tried around a point (degrees)
_DIRECTIONS = (0, 180, 30, -30, 150, -150, 60, -60, 120, -120, 90, -90)
_GAPS = (1.5, 4.0, 8.0, 13.0, 19.0, 27.0, 38.0)  # points, marker edge to label
_LEADER_FROM = 8.0  # from this gap on, a leader line joins label and point
_PAD = 1.0  # pixels kept free around a label
_RETRIES = 2  # new plans that put the labels left out first


@dataclass(frozen=True, slots=True)
class _Spot:
    box: Bbox  # the label's text, pixels
    anchor: FloatArray  # pixels
    ha: str
    va: str
    leader: tuple[FloatArray, FloatArray] | None  # from the marker's edge to anchor


@dataclass(slots=True)
class _Taken:
    boxes: list[Bbox] = field(default_factory=list)
    leaders: list[tuple[FloatArray, FloatArray]] = field(default_factory=list)


def place_labels(
    ax: Axes,
    x: ArrayLike,
    y: ArrayLike,
    labels: Sequence[str],
    *,
    radii: ArrayLike,
    order: Sequence[int] | None = None,
    size: float = _style.SMALL,
) -> list[int]:
    """Label the points ``(x, y)`` (data coordinates) and return those left out.

    ``radii`` are the markers' radii in points; ``order`` lists the indices of
    the points to label, most important first (all, in order, by default).
    """
    fig = ax.get_figure()
    if fig is None:  # pragma: no cover (our axes always belong to a figure)
        raise ValueError("the axes belong to no figure")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    px = fig.dpi / 72.0
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    pts = ax.transData.transform(np.column_stack([xs, ys]))
    r = np.asarray(radii, dtype=float) * px
    panel = ax.get_window_extent(renderer)
    seq = list(range(len(labels))) if order is None else [int(i) for i in order]
    extents = {}
    for i in seq:
        probe = ax.text(0, 0, labels[i], fontsize=size)
        box = probe.get_window_extent(renderer)
        probe.remove()
        extents[i] = (box.width, box.height)

    def plan(items: list[int]) -> tuple[dict[int, _Spot], list[int]]:
        taken = _Taken()
        spots: dict[int, _Spot] = {}
        missing: list[int] = []
        for i in items:
            spot = _find_spot(pts, r, i, *extents[i], panel, taken, px)
            if spot is None:
                missing.append(i)
                continue
            spots[i] = spot
            taken.boxes.append(spot.box)
            if spot.leader is not None:
                taken.leaders.append(spot.leader)
        return spots, missing

    spots, missing = plan(seq)
    for _ in range(_RETRIES):
        if not missing:
            break
        retry = plan(missing + [i for i in seq if i not in missing])
        if len(retry[1]) >= len(missing):
            break
        spots, missing = retry
    to_data = ax.transData.inverted()
    for i, spot in spots.items():
        offset = (spot.anchor - pts[i]) / px
        ax.annotate(
            labels[i],
            xy=(float(xs[i]), float(ys[i])),
            xytext=(float(offset[0]), float(offset[1])),
            textcoords="offset points",
            ha=spot.ha,
            va=spot.va,
            fontsize=size,
            annotation_clip=False,
            zorder=5,
        )
        if spot.leader is not None:
            ends = to_data.transform(np.vstack(spot.leader))
            ax.plot(
                ends[:, 0], ends[:, 1], color=_style.GREY, lw=0.4, zorder=5,
                gid="leader", clip_on=False,
            )  # fmt: skip
    return sorted(missing, key=seq.index)


def _find_spot(
    pts: FloatArray,
    r: FloatArray,
    i: int,
    w: float,
    h: float,
    panel: Bbox,
    taken: _Taken,
    px: float,
) -> _Spot | None:
    """Return the first free spot for label ``i``, nearest first."""
    cx, cy = pts[i]
    for gap in _GAPS:
        d = r[i] + gap * px
        for angle in _DIRECTIONS:
            rad = math.radians(angle)
            cos, sin = math.cos(rad), math.sin(rad)
            anchor = np.array([cx + d * cos, cy + d * sin])
            va = "center" if angle in (0, 180) else ("bottom" if angle > 0 else "top")
            for ha in _aligns(angle):
                x0 = anchor[0] - {"left": 0.0, "center": w / 2, "right": w}[ha]
                y0 = anchor[1] - {"bottom": 0.0, "center": h / 2, "top": h}[va]
                box = Bbox.from_bounds(x0, y0, w, h)
                if not _free(box, pts, r, panel, taken):
                    continue
                leader = None
                if gap >= _LEADER_FROM:
                    edge = np.array([cx + r[i] * cos, cy + r[i] * sin])
                    leader = (edge, anchor)
                    if not _clear_leader(leader, pts, r, i, taken):
                        continue
                return _Spot(box, anchor, ha, va, leader)
    return None


def _aligns(angle: int) -> tuple[str, ...]:
    """How a label may hang from its anchor in direction ``angle``."""
    if abs(angle) == 90:  # straight above or below: centred, or leaning aside
        return ("center", "left", "right")
    return ("left",) if abs(angle) < 90 else ("right",)


def _overlap(a: Bbox, b: Bbox) -> bool:
    return (
        a.x0 < b.x1 + _PAD
        and b.x0 < a.x1 + _PAD
        and a.y0 < b.y1 + _PAD
        and b.y0 < a.y1 + _PAD
    )


def _crosses(segment: tuple[FloatArray, FloatArray], box: Bbox) -> bool:
    """Whether the segment passes through ``box`` (padded), by fine sampling."""
    a, b = segment
    n = max(2, int(np.hypot(*(b - a)) / 1.5) + 1)
    t = np.linspace(0.0, 1.0, n)[:, None]
    p = a + t * (b - a)
    inside = (
        (p[:, 0] > box.x0 - _PAD)
        & (p[:, 0] < box.x1 + _PAD)
        & (p[:, 1] > box.y0 - _PAD)
        & (p[:, 1] < box.y1 + _PAD)
    )
    return bool(inside.any())


def _free(
    box: Bbox, pts: FloatArray, r: FloatArray, panel: Bbox, taken: _Taken
) -> bool:
    """Whether ``box`` lies inside the panel, clear of labels, leaders and markers."""
    if box.x0 < panel.x0 + _PAD or box.x1 > panel.x1 - _PAD:
        return False
    if box.y0 < panel.y0 + _PAD or box.y1 > panel.y1 - _PAD:
        return False
    if any(_overlap(box, b) for b in taken.boxes):
        return False
    if any(_crosses(seg, box) for seg in taken.leaders):
        return False
    # distance from each marker centre to the box, against its radius
    dx = np.maximum(np.maximum(box.x0 - pts[:, 0], 0.0), pts[:, 0] - box.x1)
    dy = np.maximum(np.maximum(box.y0 - pts[:, 1], 0.0), pts[:, 1] - box.y1)
    return bool(np.all(np.hypot(dx, dy) > r + _PAD))


def _clear_leader(
    leader: tuple[FloatArray, FloatArray],
    pts: FloatArray,
    r: FloatArray,
    i: int,
    taken: _Taken,
) -> bool:
    """Whether the leader misses the other markers and the labels placed."""
    if any(_crosses(leader, b) for b in taken.boxes):
        return False
    a, b = leader
    seg = b - a
    length2 = float(seg @ seg)
    if length2 == 0:
        return True
    t = np.clip(((pts - a) @ seg) / length2, 0.0, 1.0)
    dist = np.hypot(*(a + t[:, None] * seg - pts).T)
    others = np.arange(pts.shape[0]) != i
    return bool(np.all(dist[others] > r[others] + _PAD))
