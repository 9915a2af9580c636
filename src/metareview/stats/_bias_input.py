"""Inputs of the bias functions: a fitted model, an escalc frame or yi with vi.

metafor's ``regtest``, ``ranktest`` and ``fsn`` take either a fitted model or the
effects and their variances; so do ours. Sample sizes (for the predictors of
:func:`~metareview.stats.bias.regtest` based on them) come from ``ni=`` or, for
an escalc frame, from its columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validate import (
    InputError,
    InputTypeError,
    check_nonnegative,
    column,
    same_length,
    variances,
    warn_dropped,
)
from ..effects.escalc import column_of
from .results import MHResult, RMAResult

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True, eq=False)
class Studies:
    """Effects, variances and labels of the studies a function works on."""

    yi: FloatArray
    vi: FloatArray | None
    slab: list[str]
    keep: NDArray[np.bool_] | None  # rows of the user's input kept (None: all)
    frame: Any  # the escalc frame given, if any (for its sample sizes)


def is_frame(x: object) -> bool:
    """Whether ``x`` is a DataFrame (an escalc frame)."""
    return hasattr(x, "columns") and hasattr(x, "attrs")


def check_model(x: object, caller: str) -> RMAResult:
    """Return ``x`` if it is a fitted :func:`~metareview.rma` model, else raise."""
    if isinstance(x, MHResult):
        raise InputTypeError(
            f"{caller}() needs a model fitted with rma() (metafor's rma.uni); a "
            "Mantel-Haenszel or Peto fit has no model to extend. Fit "
            "rma(escalc(...)) to the same tables instead"
        )
    if not isinstance(x, RMAResult):
        raise InputTypeError(
            f"{caller}() needs a model fitted with rma(); got {type(x).__name__}"
        )
    return x


def studies(
    x: Any, vi: Any, sei: Any, data: Any, *, caller: str, need_vi: bool = True
) -> Studies:
    """Resolve effects and variances from a model, an escalc frame or columns.

    Rows with a missing effect (or variance, when given) are left out with a
    ``MissingDataWarning``, as :func:`~metareview.rma` does.
    """
    if isinstance(x, RMAResult | MHResult):
        model = check_model(x, caller)
        return Studies(model.yi, model.vi, list(model.slab), None, None)
    frame = None
    if is_frame(x) and data is None:
        frame, data, x = x, x, "yi"
        if vi is None and sei is None and "vi" in frame.columns:
            vi = "vi"
    y = column("yi", x, data)
    v = variances(vi, sei, data)
    if v is None and need_vi:
        raise InputError("the sampling variances are needed: give vi= or sei=")
    arrays = {"yi": y} if v is None else {"yi": y, "vi": v}
    n = same_length(arrays)
    labels = _labels(frame, n)
    if v is not None:
        check_nonnegative("vi", v, strict=True)
    keep = np.all([np.isfinite(a) for a in arrays.values()], axis=0)
    if not keep.all():
        what = "/".join(name for name, a in arrays.items() if not np.isfinite(a).all())
        warn_dropped(what, np.flatnonzero(~keep), labels)
    y = y[keep]
    v = None if v is None else v[keep]
    labels = [lab for lab, kept in zip(labels, keep, strict=True) if kept]
    if y.size == 0:
        raise InputError(f"{caller}() has no studies left to work on (k = 0)")
    return Studies(y, v, labels, keep, frame)


def _labels(frame: Any, n: int) -> list[str]:
    if frame is not None and "slab" in frame.columns:
        return [str(s) for s in frame["slab"].tolist()]
    return [f"Study {i + 1}" for i in range(n)]


def frame_sizes(frame: Any) -> FloatArray | None:
    """Total sample size of each study of an escalc frame, if its columns tell.

    ``attrs["ni"]`` when recorded; else ``n1i + n2i``, ``ni``, or the four cells
    ``ai + bi + ci + di`` (metafor's ``ni`` attribute of ``yi``), found through
    escalc's record of which column holds each argument.
    """
    if "ni" in frame.attrs:
        return np.asarray(frame.attrs["ni"], dtype=np.float64)
    found = {
        a: column_of(frame, a) for a in ("n1i", "n2i", "ni", "ai", "bi", "ci", "di")
    }

    def col(argument: str) -> FloatArray:
        return column(argument, found[argument], frame)

    if found["n1i"] and found["n2i"]:
        return col("n1i") + col("n2i")
    if found["ni"]:
        return col("ni")
    if found["ai"] and found["ci"] and (found["bi"] or found["n1i"]):
        n1 = col("n1i") if found["n1i"] else col("ai") + col("bi")
        if found["n2i"] or found["di"]:
            n2 = col("n2i") if found["n2i"] else col("ci") + col("di")
            return n1 + n2
    return None


def sample_sizes(
    ni: Any, data: Any, found: Studies | None, k: int, predictor: str
) -> FloatArray:
    """Resolve the sample sizes of the ``k`` studies for an ``ni`` predictor.

    ``ni`` (array or column of ``data``) has one entry per study of the model,
    or per row of the input when the input had rows left out; without it the
    escalc frame's columns are used.
    """
    sizes: FloatArray | None
    if ni is not None:
        sizes = column("ni", ni, data)
    elif found is not None and found.frame is not None:
        sizes = frame_sizes(found.frame)
    else:
        sizes = None
    if sizes is None:
        raise InputError(
            f"predictor={predictor!r} needs the sample sizes: give ni= (one per "
            "study), or pass the escalc frame with its n1i/n2i or ni columns"
        )
    if (
        found is not None
        and found.keep is not None
        and sizes.shape[0] == found.keep.size
    ):
        sizes = sizes[found.keep]
    if sizes.shape[0] != k:
        raise InputError(f"ni has {sizes.shape[0]} values for the model's {k} studies")
    bad = ~np.isfinite(sizes) | (sizes <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"ni must be positive numbers; study {i + 1} has {float(sizes[i])!r}"
        )
    return sizes
