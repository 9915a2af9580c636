"""Harbord's modified test for small-study effects with binary outcomes.

References
----------
Harbord RM, Egger M, Sterne JAC (2006). A modified test for small-study effects
in meta-analyses of controlled trials with binary endpoints. Stat Med
25:3443-3457. doi:10.1002/sim.2380

"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validate import (
    InputError,
    ModelWarning,
    check_nonnegative,
    column,
    describe_rows,
    fraction,
    same_length,
    warn_dropped,
)
from ._bias_results import RegtestResult
from ._funnel import check_size, few_studies
from .rma import fit_design
from .tau2 import Options

FloatArray = NDArray[np.float64]


def harbord(
    ai: Any = None,
    bi: Any = None,
    ci: Any = None,
    di: Any = None,
    *,
    n1i: Any = None,
    n2i: Any = None,
    data: Any = None,
    slab: Any = None,
    level: float = 0.95,
) -> RegtestResult:
    r"""Harbord's modified test for small-study effects with binary outcomes.

    Parameters
    ----------
    ai, bi, ci, di : array-like or str
        The 2×2 tables: events and non-events of group 1 (``ai``, ``bi``) and
        group 2 (``ci``, ``di``); ``bi``/``di`` may be replaced by the group sizes
        ``n1i``/``n2i``.
    n1i, n2i : array-like or str, optional
        Group sizes.
    data : DataFrame, optional
        Frame in which column names are looked up.
    slab : array-like or str, optional
        Study labels.
    level : float
        Confidence level of the limit estimate.

    Returns
    -------
    RegtestResult
        With ``harbord=True``: ``zval`` is the t statistic of Harbord's intercept
        on ``dfs = k - 2`` df; ``est`` is the slope, the log odds ratio as
        :math:`\sqrt{V} \to \infty`.

    Notes
    -----
    Each table gives the efficient score :math:`Z` of the log odds ratio at 0
    and its variance :math:`V` (observed minus expected events in group 1 and
    the hypergeometric variance); :math:`Z/\sqrt{V}` is regressed on
    :math:`\sqrt{V}` by ordinary least squares and the intercept tested
    (Harbord, Egger & Sterne 2006, section 2). That regression is Egger's
    ``regtest(model="lm")`` applied to :math:`Z/V` and :math:`1/V`, the Peto log
    odds ratio and its variance, which is how it is computed here; unlike Egger's
    test on the log odds ratio, its statistic is not correlated with its
    variance under the null hypothesis. Tables without events, or with only
    events, in both groups carry no information and are left out with a
    ``ModelWarning``. metafor has no such function; the results agree with the
    regression written out in R.

    References
    ----------
    Harbord RM, Egger M, Sterne JAC (2006). A modified test for small-study
    effects in meta-analyses of controlled trials with binary endpoints. Stat Med
    25:3443-3457. doi:10.1002/sim.2380

    Examples
    --------
    >>> import metareview as mr
    >>> bcg = mr.datasets.load("bcg")
    >>> h = mr.harbord("tpos", "tneg", "cpos", "cneg", data=bcg)
    >>> round(h.zval, 4), h.dfs, round(h.pval, 4)
    (-1.2565, 11.0, 0.235)

    """
    level = fraction("level", level)
    a, b, c, d = table_counts(ai, bi, ci, di, n1i, n2i, data)
    labels = _slab(slab, data, a.size)
    complete = np.isfinite(a) & np.isfinite(b) & np.isfinite(c) & np.isfinite(d)
    if not complete.all():
        warn_dropped("counts", np.flatnonzero(~complete), labels)
    Z, V = harbord_scores(a, b, c, d)
    V = np.where(complete, V, np.nan)
    keep = complete & informative(np.where(complete, V, 1.0), labels)
    Z, V = Z[keep], V[keep]
    check_size(int(keep.sum()), 2, "harbord")
    notes = few_studies(int(keep.sum()), "Harbord test")
    v = 1.0 / V
    X = np.column_stack([np.ones_like(v), np.sqrt(v)])
    fit = fit_design(
        Z / V,
        v,
        X,
        coef_names=("intrcpt", "sei"),
        method="FE",
        test="knha",
        level=level,
        opts=Options(),
        slab=tuple(lab for lab, kept in zip(labels, keep, strict=True) if kept),
        measure="PETO",
    )
    return RegtestResult(
        model="lm",
        predictor="sei",
        zval=float(fit.zval[1]),
        pval=float(fit.pval[1]),
        dfs=fit.dfs,
        est=float(fit.beta[0]),
        ci_lb=float(fit.ci_lb[0]),
        ci_ub=float(fit.ci_ub[0]),
        level=level,
        k=fit.k,
        fit=fit,
        harbord=True,
        notes=notes,
    )


def _slab(slab: Any, data: Any, n: int) -> list[str]:
    if slab is None:
        return [f"Study {i + 1}" for i in range(n)]
    if isinstance(slab, str) and data is not None:
        slab = data[slab] if slab in data.columns else None
        if slab is None:
            raise InputError("slab is not a column of data")
    labels = [str(s) for s in (slab.tolist() if hasattr(slab, "tolist") else slab)]
    if len(labels) != n:
        raise InputError(f"slab has {len(labels)} labels for {n} studies")
    return labels


def table_counts(
    ai: Any, bi: Any, ci: Any, di: Any, n1i: Any, n2i: Any, data: Any
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Resolve the four cells of 2×2 tables (``bi``/``di`` or ``n1i``/``n2i``)."""
    if ai is None or ci is None:
        raise InputError("harbord() needs the events of both groups: ai= and ci=")
    a, c = column("ai", ai, data), column("ci", ci, data)
    b = _other_cell("bi", bi, "n1i", n1i, a, data)
    d = _other_cell("di", di, "n2i", n2i, c, data)
    same_length({"ai": a, "bi": b, "ci": c, "di": d})
    for name, cell in (("ai", a), ("bi", b), ("ci", c), ("di", d)):
        check_nonnegative(name, cell)
    return a, b, c, d


def _other_cell(
    name: str, cell: Any, total_name: str, total: Any, events: FloatArray, data: Any
) -> FloatArray:
    if (cell is None) == (total is None):
        raise InputError(f"give either {name}= or {total_name}=, not both or neither")
    if cell is not None:
        return column(name, cell, data)
    out = column(total_name, total, data) - events
    if np.any(out < 0):
        i = int(np.flatnonzero(out < 0)[0])
        raise InputError(
            f"{total_name} must be at least the number of events; row {i + 1} has "
            f"{total_name} = {out[i] + events[i]:g} with {events[i]:g} events"
        )
    return out


def harbord_scores(
    a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray
) -> tuple[FloatArray, FloatArray]:
    r"""Efficient score ``Z`` and its variance ``V`` of the log odds ratio at 0.

    .. math:: Z = a - \frac{n_1 m_1}{n}, \qquad
       V = \frac{n_1 n_2 m_1 m_2}{n^2 (n - 1)}

    with group sizes :math:`n_1 = a + b`, :math:`n_2 = c + d`, event totals
    :math:`m_1 = a + c`, :math:`m_2 = b + d` and :math:`n = n_1 + n_2`: the
    observed minus expected events of group 1 and the hypergeometric variance
    (Harbord, Egger & Sterne 2006, section 2).
    """
    n1, n2 = a + b, c + d
    m1, m2 = a + c, b + d
    n = n1 + n2
    with np.errstate(divide="ignore", invalid="ignore"):
        Z = a - n1 * m1 / n
        V = n1 * n2 * m1 * m2 / (n * n * (n - 1.0))
    return Z, V


def informative(V: FloatArray, labels: list[str]) -> NDArray[np.bool_]:
    """Rows with ``V > 0``; warn naming the tables without information."""
    keep = np.isfinite(V) & (V > 0)
    if not keep.all():
        rows = np.flatnonzero(~keep)
        warnings.warn(
            f"{rows.size} {'table has' if rows.size == 1 else 'tables have'} no "
            "information on the odds ratio (no events or only events in both "
            f"groups, or an empty group) and {'is' if rows.size == 1 else 'are'} "
            f"left out of Harbord's test: {describe_rows(rows, labels)}",
            ModelWarning,
            stacklevel=3,
        )
    return keep
