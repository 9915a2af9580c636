"""Refit a model without some of its studies (sensitivity analysis by exclusion)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validate import InputError, InputTypeError
from . import _refit
from .results import RMAResult


def exclude(res: RMAResult, studies: Any, *, reason: str | None = None) -> RMAResult:
    """Refit the model without some of its studies, noting which were left out.

    The sensitivity analysis of a protocol's "excluding studies at high risk of
    bias", in one call; metafor writes it ``update(res, subset=...)``.

    Parameters
    ----------
    res : RMAResult
        A model fitted by :func:`rma`, with or without moderators.
    studies : str, int, or array-like of them, or boolean array-like
        The studies to leave out: labels (``slab``; every study with the label),
        0-based positions, or a boolean mask with one entry per study of the
        model, True for the studies to leave out (e.g. ``es["rob"] == "high"``).
    reason : str, optional
        Why they are left out, e.g. ``"high risk of bias"``; it goes in the note.

    Returns
    -------
    RMAResult
        The model refitted with the same moderators (model matrix), method,
        test, level, control settings, user weights and fixed τ² on the remaining
        studies, with a note naming the studies left out (printed under the
        results). A deletion that leaves the model matrix rank deficient (the
        only studies of a category) is an error naming the redundant columns.

    Examples
    --------
    >>> import metareview as mr
    >>> bcg = mr.datasets.load("bcg")
    >>> es = mr.escalc("RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg,
    ...                slab="study")
    >>> res = mr.rma(es)
    >>> randomised = mr.exclude(res, bcg["alloc"] != "random", reason="not random")
    >>> randomised.k, round(float(randomised.beta[0]), 4)
    (7, -0.9709)
    >>> out = mr.exclude(res, ["TPT Madras, 1980", "Hart & Sutherland, 1977"],
    ...                  reason="outliers")
    >>> print(out.notes[-1])
    2 of 13 studies excluded (outliers): Hart & Sutherland, 1977, TPT Madras, 1980

    """
    import pandas as pd

    from .rma import rma

    model = _refit.model_of(res, "exclude")
    drop = _selection(studies, res.slab)
    if drop.all():
        raise InputError(
            f"exclude() would leave no study: all {res.k} studies are selected"
        )
    keep = ~drop
    mods = None
    if not res.int_only:  # the model matrix's columns, under their names
        first = 1 if res.intercept else 0
        mods = pd.DataFrame(res.X[keep, first:], columns=list(res.coef_names[first:]))
    w = None if model.user_weights is None else model.user_weights[keep]
    out = rma(
        model.y[keep],
        model.v[keep],
        slab=[s for s, kept in zip(res.slab, keep, strict=True) if kept],
        mods=mods,
        intercept=res.intercept,
        method=res.method,
        test=res.test,
        level=res.level,
        tau2=model.tau2_fixed,
        weights=w,
        control=dataclasses.asdict(res.control),
    )
    return dataclasses.replace(
        out,
        measure=res.measure,
        design=res.design,
        notes=(*out.notes, _note(drop, res.slab, reason)),
    )


def _note(drop: NDArray[np.bool_], slab: Sequence[str], reason: str | None) -> str:
    n = int(drop.sum())
    why = f" ({reason})" if reason else ""
    if n == 0:
        return f"no study excluded{why}"
    names = ", ".join(s for s, d in zip(slab, drop, strict=True) if d)
    noun = "study" if len(slab) == 1 else "studies"
    return f"{n} of {len(slab)} {noun} excluded{why}: {names}"


def _selection(studies: Any, slab: Sequence[str]) -> NDArray[np.bool_]:
    """Boolean mask of the studies named by labels, positions or a mask."""
    k = len(slab)
    if isinstance(studies, str | int | np.integer) and not isinstance(studies, bool):
        studies = [studies]
    raw = studies.to_numpy() if hasattr(studies, "to_numpy") else studies
    try:
        arr = np.asarray(raw)
    except (TypeError, ValueError):
        arr = np.asarray(list(raw), dtype=object)
    if arr.ndim != 1:
        raise InputError(f"studies must be one-dimensional; got shape {arr.shape}")
    if arr.dtype == bool:
        if arr.shape[0] != k:
            raise InputError(
                f"a boolean studies= mask needs one entry per study of the model "
                f"(k = {k}); got {arr.shape[0]}"
            )
        return arr.copy()
    drop = np.zeros(k, bool)
    if arr.size == 0:
        return drop
    if arr.dtype.kind in "iu":
        bad = arr[(arr < 0) | (arr >= k)]
        if bad.size:
            raise InputError(
                f"studies holds positions outside 0..{k - 1} (0-based): "
                f"{', '.join(map(str, bad[:10].tolist()))}"
            )
        drop[arr] = True
        return drop
    if arr.dtype.kind in "UO" and all(isinstance(s, str) for s in arr):
        known = set(slab)
        missing = [s for s in arr if s not in known]
        if missing:
            raise InputError(
                f"studies holds labels that are not among the model's slab: "
                f"{', '.join(repr(s) for s in missing[:10])}"
            )
        return np.isin(np.asarray(slab, dtype=object), arr)
    raise InputTypeError(
        "studies must be labels (str), 0-based positions (int) or a boolean mask; "
        f"got values of type {arr.dtype}"
    )
