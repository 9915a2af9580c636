"""The studies and the grouping factor of :func:`subgroup`, checked once."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validate import (
    InputError,
    InputTypeError,
    ModelWarning,
    check_nonnegative,
    column,
    warn_dropped,
)
from .results import RMAResult

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

FIXED = ("EE", "FE")
MIN_STUDIES_TEST = 10  # Cochrane Handbook 10.11.5.1: ten studies per characteristic


@dataclass(frozen=True, slots=True, eq=False)
class Data:
    """Studies with complete data and the level (0..G-1) each belongs to."""

    y: FloatArray
    v: FloatArray
    slab: tuple[str, ...]
    codes: IntArray
    levels: tuple[str, ...]
    by: str
    measure: str
    empty: tuple[str, ...]  # levels (categories) without any study with data


def read_data(es: Any, by: Any) -> Data:
    """Resolve ``es`` (escalc frame or RMAResult) and ``by``; drop missing rows."""
    import pandas as pd

    if isinstance(es, RMAResult):
        moderators = es.p != 1 or not np.all(es.X == 1.0)
        if moderators or es.user_weights is not None or es.tau2_fix:
            raise InputError(
                "subgroup() needs es fitted without moderators, user weights or a "
                f"fixed tau2; this model has p = {es.p}"
                + (", weights" if es.user_weights is not None else "")
                + (", tau2 fixed" if es.tau2_fix else "")
            )
        if isinstance(by, str):
            raise InputTypeError(
                f"by={by!r} names a column, but es is an RMAResult; give by as the "
                f"labels of its {es.k} studies (an array or Series)"
            )
        y, v = np.array(es.yi, dtype=np.float64), np.array(es.vi, dtype=np.float64)
        slab, measure = list(es.slab), es.measure
    elif isinstance(es, pd.DataFrame):
        missing = [c for c in ("yi", "vi") if c not in es.columns]
        if missing:
            raise InputError(
                "es must be an escalc frame with columns yi and vi (or an RMAResult); "
                f"this frame lacks {', '.join(missing)}"
            )
        y, v = column("yi", "yi", es), column("vi", "vi", es)
        n = y.shape[0]
        slab = (
            [str(s) for s in es["slab"]]
            if "slab" in es.columns
            else [f"Study {i + 1}" for i in range(n)]
        )
        measure = str(es.attrs.get("measure", "GEN"))
        if isinstance(by, str):
            if by not in es.columns:
                cols = ", ".join(map(str, list(es.columns)[:20]))
                raise InputError(
                    f"by={by!r} is not a column of es; columns are: {cols}"
                )
            by = es[by]
    else:
        raise InputTypeError(
            "es must be an escalc frame (a DataFrame with yi and vi) or an RMAResult; "
            f"got {type(es).__name__}"
        )
    codes, labels, name = _factor(by, y.shape[0])
    check_nonnegative("vi", v, strict=True)
    return _complete(y, v, slab, codes, labels, name, measure)


def _factor(by: Any, n: int) -> tuple[IntArray, list[str], str]:
    """Level codes (-1 for missing), level labels and the name of ``by``.

    Levels are in order of first appearance, or in the order of the categories
    when ``by`` is categorical.
    """
    import pandas as pd

    name = str(by.name) if isinstance(by, pd.Series) and by.name is not None else ""
    if isinstance(by, pd.Series):
        series = by.reset_index(drop=True)
    else:
        try:
            series = pd.Series(by)
        except (TypeError, ValueError) as err:
            raise InputTypeError(
                f"by must be a column name or one label per study; got {by!r}"
            ) from err
    if series.ndim != 1 or isinstance(by, (str, bytes)):
        raise InputTypeError(f"by must be one label per study; got {by!r}")
    if series.shape[0] != n:
        raise InputError(f"by has {series.shape[0]} labels for {n} studies")
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy().astype(np.intp)
        labels = [str(c) for c in series.cat.categories]
    else:
        raw, uniques = pd.factorize(series, sort=False, use_na_sentinel=True)
        codes = np.asarray(raw, dtype=np.intp)
        labels = [str(u) for u in uniques]
    return codes, labels, name or "group"


def _complete(
    y: FloatArray,
    v: FloatArray,
    slab: list[str],
    codes: IntArray,
    labels: list[str],
    name: str,
    measure: str,
) -> Data:
    """Drop studies with missing yi, vi or level (with a warning each), recode."""
    finite = np.isfinite(y) & np.isfinite(v)
    if not finite.all():
        warn_dropped("yi/vi", np.flatnonzero(~finite), slab)
    labelled = codes >= 0
    if not (labelled | ~finite).all():
        warn_dropped(f"by ({name})", np.flatnonzero(finite & ~labelled), slab)
    keep = finite & labelled
    y, v, codes = y[keep], v[keep], codes[keep]
    slab = [s for s, kept in zip(slab, keep, strict=True) if kept]
    used = np.bincount(codes, minlength=len(labels)) > 0
    recode = np.cumsum(used) - 1
    levels = tuple(lab for lab, u in zip(labels, used, strict=True) if u)
    empty = tuple(lab for lab, u in zip(labels, used, strict=True) if not u)
    if len(levels) < 2:
        raise InputError(
            f"by must have at least 2 levels with studies to compare; got "
            f"{len(levels)}: {', '.join(repr(lab) for lab in levels) or 'none'}"
        )
    return Data(
        y=y,
        v=v,
        slab=tuple(slab),
        codes=recode[codes].astype(np.intp),
        levels=levels,
        by=name,
        measure=measure,
        empty=empty,
    )


def _levels_phrase(data: Data, rows: NDArray[np.bool_], what: str) -> str:
    names = ", ".join(repr(data.levels[g]) for g in np.flatnonzero(rows))
    many = int(rows.sum()) > 1
    return f"level{'s' if many else ''} {names} {'have' if many else 'has'} {what}" + (
        " each" if many else ""
    )


def safeguards(
    data: Data, k: NDArray[np.int64], fit_kw: dict[str, Any], common: bool
) -> list[str]:
    """Return the notes of the printout; warn of those that limit the analysis."""
    method, test = fit_kw["method"], fit_kw["test"]
    single, two = k == 1, k == 2
    warn: list[str] = []
    if single.any():
        warn.append(
            _levels_phrase(data, single, "a single study")
            + ": shown as reported by the study, not pooled"
            + (
                ""
                if common
                else "; in the RevMan-style Q between subgroups such a level "
                "enters without tau^2, which can inflate Qb"
            )
        )
    if method not in FIXED and not common and two.any():
        many = int(two.sum()) > 1
        warn.append(
            _levels_phrase(data, two, "2 studies")
            + (
                ": their tau^2, and with it their random-effects CIs, are unreliable"
                if many
                else ": its tau^2, and with it its random-effects CI, is unreliable"
            )
        )
    n = int(k.sum())
    if n < MIN_STUDIES_TEST:
        warn.append(
            f"the tests for subgroup differences rest on k = {n} studies, fewer than "
            f"{MIN_STUDIES_TEST} (Cochrane Handbook 10.11.5.1): interpret with caution"
        )
    for msg in warn:
        warnings.warn(msg, ModelWarning, stacklevel=4)
    notes = list(warn)
    if data.empty:
        notes.append(
            f"levels of {data.by} without studies are left out: "
            + ", ".join(repr(e) for e in data.empty)
        )
    if test != "z" and single.any() and not common:
        notes.append(
            f"a level with a single study is tested with z (normal distribution): "
            f"test={test!r} needs at least two studies"
        )
    if test == "knha" and method in FIXED:
        notes.append(
            "the Knapp-Hartung adjustment (test='knha') is meant for random-effects "
            f"models; with method={method!r} it scales each variance by Q / (k - 1)"
        )
    return notes
