"""Inter-rater agreement for dual screening: per reviewer pair and overall.

Screening decisions are nominal labels (``"include"``, ``"exclude"``,
``"maybe"``). :func:`agreement` compares two raters on the units both rated;
:func:`krippendorff_alpha` handles any number of raters with missing ratings;
:func:`agreement_table` does both for a frame of current decisions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

from metareview._validate import InputError, InputTypeError, choice, fraction

__all__ = ["Agreement", "agreement", "agreement_table", "krippendorff_alpha"]

METRICS = ("nominal", "ordinal", "interval", "ratio")
TABLE_COLUMNS = (
    "reviewer_1", "reviewer_2", "n", "percent", "kappa", "kappa_ci_lb",
    "kappa_ci_ub", "pabak", "ac1", "ac1_ci_lb", "ac1_ci_ub", "alpha",
)  # fmt: skip
_NAN = float("nan")


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Agreement:
    """Agreement between two raters on the units both rated (:func:`agreement`).

    Attributes
    ----------
    n : int
        Number of units rated by both raters.
    categories : tuple of str
        The categories, in the order of the rows and columns of ``table``.
    table : ndarray of int64, shape (c, c)
        Contingency table of counts, rows rater 1, columns rater 2 (read-only).
    percent : float
        Observed proportion of agreement :math:`p_o` (0 to 1).
    kappa, kappa_se, kappa_ci_lb, kappa_ci_ub : float
        Cohen's kappa, its large-sample standard error and Wald interval.
    pabak : float
        Prevalence- and bias-adjusted kappa.
    ac1, ac1_se, ac1_ci_lb, ac1_ci_ub : float
        Gwet's AC1, its standard error and interval (t with n - 1 df).
    alpha : float
        Krippendorff's nominal alpha of the two raters on the same units.
    level : float
        Confidence level of the intervals.

    """

    n: int
    categories: tuple[str, ...]
    table: NDArray[np.int64]
    percent: float
    kappa: float
    kappa_se: float
    kappa_ci_lb: float
    kappa_ci_ub: float
    pabak: float
    ac1: float
    ac1_se: float
    ac1_ci_lb: float
    ac1_ci_ub: float
    alpha: float
    level: float


def agreement(
    r1: Sequence[Any] | NDArray[Any] | pd.Series,
    r2: Sequence[Any] | NDArray[Any] | pd.Series,
    *,
    categories: Sequence[str] | None = None,
    level: float = 0.95,
) -> Agreement:
    r"""Percent agreement, Cohen's kappa, PABAK, Gwet's AC1 and alpha for two raters.

    Parameters
    ----------
    r1, r2 : sequence
        Labels given by rater 1 and rater 2, aligned by unit; ``None`` or NaN
        marks a unit the rater did not rate. Units rated by only one of the two
        are left out: every statistic uses the ``n`` units both rated.
    categories : sequence of str, optional
        The scale (default: the labels seen on the units both rated). Labels
        are compared as strings; when ``categories`` is given, every label,
        also on units rated once, must be one of them.
    level : float
        Confidence level of the intervals, between 0 and 1.

    Returns
    -------
    Agreement

    Raises
    ------
    InputError
        If ``r1`` and ``r2`` differ in length, fewer than 2 units were rated
        by both, a label is not in ``categories``, or ``level`` is not in (0, 1).

    Notes
    -----
    With cell proportions :math:`p_{ij}`, margins :math:`p_{i.}`, :math:`p_{.j}`
    and :math:`c` categories, Cohen's (1960) kappa is
    :math:`\kappa = (p_o - p_e)/(1 - p_e)`, :math:`p_o = \sum_i p_{ii}`,
    :math:`p_e = \sum_i p_{i.}p_{.i}`. Its large-sample variance (Fleiss, Cohen
    & Everitt 1969, not assuming :math:`\kappa = 0`) is

    .. math:: \widehat{V}(\kappa) = \frac{\sum_i p_{ii}[1 - (p_{i.} + p_{.i})
              (1-\kappa)]^2 + (1-\kappa)^2 \sum_{i \ne j} p_{ij}(p_{.i} +
              p_{j.})^2 - [\kappa - p_e(1-\kappa)]^2}{n(1-p_e)^2},

    as in R ``psych::cohen.kappa``; the interval is :math:`\kappa \pm z\,SE`.
    When both raters put every unit in the same single category,
    :math:`p_e = 1` and kappa (with its SE and interval) is undefined: NaN.
    PABAK (Byrt, Bishop & Carlin 1993) is :math:`(c\,p_o - 1)/(c - 1)`.
    Gwet's (2008) AC1 is :math:`\gamma = (p_o - p_e^\gamma)/(1 -
    p_e^\gamma)` with :math:`\pi_k = (p_{k.} + p_{.k})/2` and
    :math:`p_e^\gamma = \sum_k \pi_k(1 - \pi_k)/(c - 1)`; its two-rater variance
    (Gwet 2008, for a sampling fraction of 0) is

    .. math:: \frac{1}{n(1-p_e^\gamma)^2}\Big\{p_o(1-p_o) - 4(1-\gamma)\Big[
              \frac{\sum_k p_{kk}(1-\pi_k)}{c-1} - p_o p_e^\gamma\Big] +
              4(1-\gamma)^2\Big[\frac{\sum_{k,l} p_{kl}(1 - \frac{\pi_k +
              \pi_l}{2})^2}{(c-1)^2} - (p_e^\gamma)^2\Big]\Big\},

    and the interval :math:`\gamma \pm t_{n-1}SE` uses Student's t with
    :math:`n - 1` df, as Gwet's irrCAC software (companion to Gwet 2014) does.
    Intervals are truncated to [-1, 1], the range of both coefficients.
    ``alpha`` is :func:`krippendorff_alpha` (nominal) of the ``n`` units.

    References
    ----------
    Cohen J (1960). Educ Psychol Meas 20:37-46. doi:10.1177/001316446002000104
    Fleiss JL, Cohen J, Everitt BS (1969). Psychol Bull 72:323-327.
    doi:10.1037/h0028106
    Byrt T, Bishop J, Carlin JB (1993). J Clin Epidemiol 46:423-429.
    doi:10.1016/0895-4356(93)90018-V
    Gwet KL (2008). Br J Math Stat Psychol 61:29-48.
    doi:10.1348/000711006X126600
    Gwet KL (2014). Handbook of Inter-Rater Reliability, 4th ed. Advanced
    Analytics, Gaithersburg.

    Examples
    --------
    >>> res = agreement(["in", "in", "out", "out", None], ["in", "out", "out", "out", "in"])
    >>> res.n, res.percent, round(res.kappa, 4), res.pabak
    (4, 0.75, 0.5, 0.5)

    """  # noqa: E501
    level = fraction("level", level)
    a, b = _labels("r1", r1), _labels("r2", r2)
    if a.shape[0] != b.shape[0]:
        raise InputError(
            "r1 and r2 must have one label per unit and the same length; "
            f"r1 has {a.shape[0]}, r2 has {b.shape[0]}"
        )
    both = ~(pd.isna(a) | pd.isna(b))
    n = int(both.sum())
    if n < 2:
        raise InputError(
            f"r1 and r2 have {n} unit(s) rated by both; at least 2 are needed"
        )
    if categories is None:  # the scale is what the two used on common units
        a, b = a.copy(), b.copy()
        a[~both] = b[~both] = None
        cats = tuple(sorted(set(a[both]) | set(b[both])))
    else:
        cats = _categories(categories)
    codes = [_codes(name, x, cats) for name, x in (("r1", a), ("r2", b))]
    c = len(cats)
    flat = codes[0][both] * c + codes[1][both]
    table = np.bincount(flat, minlength=c * c).reshape(c, c).astype(np.int64)
    table.setflags(write=False)
    p = table / n
    po = float(np.trace(table)) / n
    kappa, kappa_se = _kappa(p, po, n)
    ac1, ac1_se = _ac1(p, po, n)
    z = stats.norm.isf((1 - level) / 2)
    t = stats.t.isf((1 - level) / 2, n - 1)
    return Agreement(
        n=n,
        categories=cats,
        table=table,
        percent=po,
        kappa=kappa,
        kappa_se=kappa_se,
        kappa_ci_lb=_clip(kappa - z * kappa_se),
        kappa_ci_ub=_clip(kappa + z * kappa_se),
        pabak=(c * po - 1) / (c - 1) if c > 1 else _NAN,
        ac1=ac1,
        ac1_se=ac1_se,
        ac1_ci_lb=_clip(ac1 - t * ac1_se),
        ac1_ci_ub=_clip(ac1 + t * ac1_se),
        alpha=_alpha(np.column_stack(codes)[both], c, "nominal", None),
        level=level,
    )


def krippendorff_alpha(
    ratings: Any,
    *,
    metric: str = "nominal",
) -> float:
    r"""Krippendorff's alpha for any number of raters, with missing ratings.

    Parameters
    ----------
    ratings : array-like, shape (units, raters)
        One row per unit, one column per rater; ``None`` or NaN where a rater
        did not rate a unit. Units with fewer than 2 ratings are not pairable
        and are left out (Krippendorff 2011).
    metric : {"nominal", "ordinal", "interval", "ratio"}
        Difference function :math:`\delta^2_{ck}`. Labels may be any values for
        ``"nominal"``; the other metrics need numbers.

    Returns
    -------
    float
        Alpha; NaN when the pairable values show no variation (:math:`D_e = 0`).

    Raises
    ------
    InputError
        If ``ratings`` is not 2-D, has no unit with 2 ratings, or holds
        non-numeric values for a metric other than ``"nominal"``.

    Notes
    -----
    Krippendorff (2011): with :math:`n_{uc}` the number of values :math:`c` in
    unit :math:`u` and :math:`m_u = \sum_c n_{uc} \ge 2`, the coincidences are
    :math:`o_{ck} = \sum_u n_{uc}(n_{uk} - [c = k])/(m_u - 1)`, with
    :math:`n_c = \sum_k o_{ck}` and :math:`n = \sum_c n_c`, and

    .. math:: \alpha = 1 - (n - 1)\frac{\sum_{c,k} o_{ck}\,\delta^2_{ck}}
              {\sum_{c,k} n_c n_k\,\delta^2_{ck}},

    with :math:`\delta^2_{ck} = [c \ne k]` (nominal),
    :math:`(\sum_{g=c}^{k} n_g - (n_c + n_k)/2)^2` (ordinal), :math:`(c-k)^2`
    (interval) and :math:`((c-k)/(c+k))^2` (ratio).

    References
    ----------
    Krippendorff K (2011). Computing Krippendorff's alpha-reliability.
    Annenberg School for Communication, University of Pennsylvania.
    https://repository.upenn.edu/asc_papers/43

    Examples
    --------
    >>> round(krippendorff_alpha([["a", "a"], ["b", "b"], ["a", "b"], ["b", None]]), 4)
    0.4444

    """
    metric = choice("metric", metric, METRICS)
    obj = ratings.to_numpy(dtype=object) if hasattr(ratings, "to_numpy") else ratings
    arr = np.asarray(obj, dtype=object)
    if arr.ndim != 2:
        raise InputError(f"ratings must be 2-D (units x raters); got shape {arr.shape}")
    missing = pd.isna(arr)
    values = arr[~missing]
    numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
    if numbers.notna().all() and values.size:
        scale, inverse = np.unique(numbers.to_numpy(np.float64), return_inverse=True)
    elif metric != "nominal":
        bad = values[numbers.isna().to_numpy()][0]
        raise InputError(f"ratings must be numeric for metric={metric!r}; got {bad!r}")
    else:
        scale, inverse = np.unique(values.astype(str), return_inverse=True)
    codes = np.full(arr.shape, -1, dtype=np.intp)
    codes[~missing] = inverse
    if not ((~missing).sum(axis=1) >= 2).any():
        raise InputError("ratings has no unit rated by at least 2 raters")
    return _alpha(codes, scale.size, metric, scale)


def agreement_table(decisions: pd.DataFrame, *, level: float = 0.95) -> pd.DataFrame:
    """Agreement for every reviewer pair and Krippendorff's alpha over all reviewers.

    Parameters
    ----------
    decisions : pandas.DataFrame
        Columns ``record_id``, ``reviewer`` and ``decision``: the current
        decision of each reviewer on each record (one row per record and
        reviewer); a missing decision means the record was not rated.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row per reviewer pair (``reviewer_1 < reviewer_2``) with at least 2
        records in common, with the columns of :data:`TABLE_COLUMNS` computed by
        :func:`agreement` on the records both rated. The categories are all
        decisions seen in ``decisions`` (the scale the reviewers used), so that
        PABAK and AC1 are comparable across pairs. A last row
        ``reviewer_1 = reviewer_2 = "all"`` holds Krippendorff's nominal alpha
        over all reviewers (records x reviewers, missing where a reviewer did
        not rate) and NaN elsewhere. No qualifying pair gives an empty frame.

    Raises
    ------
    InputError
        If a column is missing or a reviewer has two decisions on a record.

    """
    level = fraction("level", level)
    if not isinstance(decisions, pd.DataFrame):
        raise InputTypeError(
            f"decisions must be a pandas DataFrame; got {type(decisions).__name__}"
        )
    need = ["record_id", "reviewer", "decision"]
    absent = [col for col in need if col not in decisions.columns]
    if absent:
        raise InputError(f"decisions lacks the column(s) {', '.join(absent)}")
    d = decisions.loc[decisions["decision"].notna(), need].astype({"reviewer": str})
    d["decision"] = d["decision"].astype(str)
    dup = d.duplicated(["record_id", "reviewer"])
    if dup.any():
        bad = d[dup].iloc[0]
        raise InputError(
            f"decisions holds {int(dup.sum())} repeated record/reviewer pair(s), e.g. "
            f"record_id={bad['record_id']}, reviewer={bad['reviewer']!r}; "
            "give one current decision per record and reviewer"
        )
    wide = d.pivot(index="record_id", columns="reviewer", values="decision")
    cats = tuple(sorted(d["decision"].unique()))
    names = sorted(wide.columns)
    rows = []
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            x, y = wide[first].to_numpy(object), wide[second].to_numpy(object)
            if int((pd.notna(x) & pd.notna(y)).sum()) < 2:
                continue
            res = agreement(x, y, categories=cats, level=level)
            row = {col: getattr(res, col) for col in TABLE_COLUMNS[2:]}
            rows.append({"reviewer_1": first, "reviewer_2": second, **row})
    if rows:
        alpha = krippendorff_alpha(wide.to_numpy(object))
        rows.append({"reviewer_1": "all", "reviewer_2": "all", "alpha": alpha})
    out = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    dtypes: dict[str, Any] = {col: np.float64 for col in TABLE_COLUMNS[3:]}
    dtypes.update(reviewer_1=object, reviewer_2=object, n="Int64")
    return out.astype(dtypes)


def _labels(name: str, value: object) -> NDArray[np.object_]:
    """Return ``value`` as a 1-D object array of str labels and None."""
    if isinstance(value, str) or np.ndim(value) != 1:  # type: ignore[arg-type]
        raise InputTypeError(f"{name} must be a 1-D sequence of labels; got {value!r}")
    raw = value.to_numpy(dtype=object) if hasattr(value, "to_numpy") else value
    arr = np.asarray(raw, dtype=object)
    missing = pd.isna(arr)
    out = np.full(arr.shape, None, dtype=object)
    out[~missing] = [str(v) for v in arr[~missing]]
    return out


def _categories(categories: Sequence[str]) -> tuple[str, ...]:
    if isinstance(categories, str) or len(categories) < 1:
        raise InputError(
            f"categories must be a non-empty sequence of labels; got {categories!r}"
        )
    cats = tuple(str(c) for c in categories)
    if len(set(cats)) != len(cats):
        raise InputError(f"categories holds a label twice: {categories!r}")
    return cats


def _codes(
    name: str, labels: NDArray[np.object_], cats: tuple[str, ...]
) -> NDArray[np.intp]:
    """Code ``labels`` by position in ``cats`` (-1 for missing); reject others."""
    codes = (
        pd.Index(cats, dtype=object)
        .get_indexer(pd.Index(labels, dtype=object))
        .astype(np.intp)
    )
    bad = np.flatnonzero((codes < 0) & pd.notna(labels))
    if bad.size:
        i = int(bad[0])
        raise InputError(
            f"{name} holds {labels[i]!r} at position {i + 1}, which is not in "
            f"categories {cats!r}"
        )
    return codes


def _kappa(p: NDArray[np.float64], po: float, n: int) -> tuple[float, float]:
    """Cohen's kappa and its Fleiss-Cohen-Everitt (1969) standard error."""
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    pe = float(rows @ cols)
    if np.count_nonzero(p) == 1 and po == 1.0:  # one category for both: p_e = 1
        return _NAN, _NAN
    kappa = (po - pe) / (1 - pe)
    # sum_ij p_ij (I_ij - (p_.i + p_j.)(1 - kappa))^2: the numerator's first terms
    dev = np.eye(p.shape[0]) - np.add.outer(cols, rows) * (1 - kappa)
    first, second = float(np.sum(p * dev**2)), (kappa - pe * (1 - kappa)) ** 2
    return kappa, _se(first - second, first + second, n * (1 - pe) ** 2)


def _ac1(p: NDArray[np.float64], po: float, n: int) -> tuple[float, float]:
    """Gwet's (2008) AC1 and its two-rater standard error."""
    q = p.shape[0]
    if q < 2:
        return _NAN, _NAN
    pi = (p.sum(axis=1) + p.sum(axis=0)) / 2
    pe = float(np.sum(pi * (1 - pi)) / (q - 1))
    ac1 = (po - pe) / (1 - pe)
    diag = float(np.diag(p) @ (1 - pi)) / (q - 1)
    cross = float(np.sum(p * (1 - np.add.outer(pi, pi) / 2) ** 2)) / (q - 1) ** 2
    num = (
        po * (1 - po)
        - 4 * (1 - ac1) * (diag - po * pe)
        + 4 * (1 - ac1) ** 2 * (cross - pe**2)
    )
    scale = (
        po + 4 * abs(1 - ac1) * (diag + po * pe) + 4 * (1 - ac1) ** 2 * (cross + pe**2)
    )
    return ac1, _se(num, scale, n * (1 - pe) ** 2)


def _se(num: float, scale: float, denom: float) -> float:
    """``sqrt(num / denom)``; a numerator within rounding of 0 is 0.

    ``scale`` is the size of the terms ``num`` was summed from: a variance of
    zero computed as a difference of such terms comes out as about ``1e-16 *
    scale``, whose square root (1e-8) would look like a real standard error.
    """
    if num <= 16 * np.finfo(np.float64).eps * scale:
        return 0.0
    return float(np.sqrt(num / denom))


def _alpha(
    codes: NDArray[np.intp], v: int, metric: str, scale: NDArray[Any] | None
) -> float:
    """Krippendorff's alpha from integer codes (-1 missing), units x raters."""
    counts = np.zeros((codes.shape[0], v))
    units, raters = np.nonzero(codes >= 0)
    np.add.at(counts, (units, codes[units, raters]), 1.0)
    m = counts.sum(axis=1)
    counts, m = counts[m >= 2], m[m >= 2]
    weighted = counts / (m - 1)[:, None]
    o = weighted.T @ counts - np.diag(weighted.sum(axis=0))
    nc = o.sum(axis=1)
    idx = np.arange(v)
    if metric == "nominal":
        d2 = 1.0 - np.eye(v)
    elif metric == "ordinal":
        cum = np.cumsum(nc)
        lo, hi = np.minimum.outer(idx, idx), np.maximum.outer(idx, idx)
        d2 = (cum[hi] - cum[lo] + nc[lo] - np.add.outer(nc, nc) / 2) ** 2
    else:
        x = np.asarray(scale, dtype=np.float64)
        diff = np.subtract.outer(x, x)
        if metric == "ratio":
            total = np.add.outer(x, x)
            diff = np.divide(diff, total, out=np.zeros_like(diff), where=total != 0)
        d2 = diff**2
    expected = float(nc @ d2 @ nc)
    if expected == 0:
        return _NAN
    return 1.0 - float(nc.sum() - 1) * float(np.sum(o * d2)) / expected


def _clip(x: float) -> float:
    return float(np.clip(x, -1.0, 1.0))
