"""Kendall's rank correlation with its exact and large-sample p-values.

The statistic is Kendall's tau-b; the test is that of R's
``cor.test(method="kendall", exact=TRUE)``, as metafor's ``ranktest`` calls it:
without ties the p-value is exact, from the distribution of the number of
concordant pairs over all permutations; with ties, or when asked, it is the
normal approximation with the variance of Kendall's S corrected for ties.

References
----------
Kendall MG (1938). A new measure of rank correlation. Biometrika 30:81-93.
doi:10.1093/biomet/30.1-2.81
Kendall MG, Gibbons JD (1990). Rank Correlation Methods, 5th ed. London: Edward
Arnold; chapter 4 (the variance of S with ties, eq. 4.3) and chapter 5 (the
exact distribution).

"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import special

FloatArray = NDArray[np.float64]

_BLOCK = 2**22  # cells of a block of pairwise signs (32 MiB of float64)


@dataclass(frozen=True, slots=True)
class Kendall:
    """Kendall's tau-b, its two-sided p-value and how the p-value was found."""

    tau: float
    pval: float
    exact: bool
    ties: bool


def _tie_sums(x: FloatArray) -> tuple[float, float, float]:
    """Return ``Σt(t-1)``, ``Σt(t-1)(2t+5)`` and ``Σt(t-1)(t-2)`` over tie groups."""
    _, counts = np.unique(x, return_counts=True)
    t = counts[counts > 1].astype(np.float64)
    return (
        float(np.sum(t * (t - 1.0))),
        float(np.sum(t * (t - 1.0) * (2.0 * t + 5.0))),
        float(np.sum(t * (t - 1.0) * (t - 2.0))),
    )


def kendall(x: FloatArray, y: FloatArray, exact: bool = True) -> Kendall:
    r"""Kendall's tau-b between ``x`` and ``y`` and its two-sided test.

    :math:`S = \sum_{i<j} \mathrm{sign}(x_i - x_j)\,\mathrm{sign}(y_i - y_j)`,
    :math:`\tau_b = S / \sqrt{(n_0 - n_1)(n_0 - n_2)}` with
    :math:`n_0 = n(n-1)/2` and :math:`n_1, n_2` the tied pairs in ``x`` and
    ``y``. The p-value is exact if ``exact`` and there are no ties.
    """
    n = x.shape[0]
    S = _s_statistic(x, y)
    n0 = n * (n - 1) / 2.0
    tx, vx, wx = _tie_sums(x)
    ty, vy, wy = _tie_sums(y)
    ties = tx > 0 or ty > 0
    tau = S / np.sqrt((n0 - tx / 2.0) * (n0 - ty / 2.0))
    if exact and not ties:
        concordant = round((S + n0) / 2.0)
        return Kendall(float(tau), _exact_pvalue(concordant, n), True, False)
    # variance of S with ties (Kendall & Gibbons 1990, eq. 4.3)
    var_s = (n * (n - 1.0) * (2.0 * n + 5.0) - vx - vy) / 18.0
    if n > 1:
        var_s += tx * ty / (2.0 * n * (n - 1.0))
    if n > 2:
        var_s += wx * wy / (9.0 * n * (n - 1.0) * (n - 2.0))
    z = S / np.sqrt(var_s)
    return Kendall(float(tau), float(2.0 * special.ndtr(-abs(z))), False, ties)


def _s_statistic(x: FloatArray, y: FloatArray) -> float:
    """Kendall's S over all pairs, in blocks of rows of at most ``_BLOCK`` cells."""
    n = x.shape[0]
    step = max(1, _BLOCK // max(n, 1))
    S = 0.0
    for start in range(0, n, step):
        rows = slice(start, min(start + step, n))
        prod = np.sign(x[rows, None] - x[None, :]) * np.sign(y[rows, None] - y[None, :])
        S += float(prod.sum())
    # every pair was counted twice (i, j) and (j, i); the diagonal is 0
    return S / 2.0


def lower_tail(q: int, n: int) -> float:
    """``P(T <= q)`` for the number ``T`` of concordant pairs among ``n`` untied pairs.

    Under independence every ranking of ``y`` against ``x`` is equally likely,
    and ``T`` is a sum of independent uniforms on ``{0..j-1}``, ``j = 1..n`` (the
    inversions added by the ``j``-th element; Kendall & Gibbons 1990, chapter
    5). The distribution is built one ``j`` at a time as a moving sum over ``j``
    terms, only up to ``q``; the sums run in extended precision, so the small
    probabilities of a tail keep (better than) double precision, in ``O(n q)``.
    """
    dist = np.ones(1, dtype=np.longdouble)
    for j in range(2, n + 1):
        size = min(q, j * (j - 1) // 2) + 1
        cs = np.cumsum(dist)
        cs = np.concatenate([cs, np.full(max(size - cs.size, 0), cs[-1])])[:size]
        new = cs.copy()
        if size > j:
            new[j:] -= cs[: size - j]
        dist = new / j
    return float(dist.sum())


def _exact_pvalue(concordant: int, n: int) -> float:
    """Two-sided exact p-value: twice the smaller tail, at most 1 (as R).

    The distribution is symmetric, ``P(T >= c) = P(T <= n(n-1)/2 - c)``.
    """
    total = n * (n - 1) // 2
    if concordant > total / 2.0:
        tail = lower_tail(total - concordant, n)
    else:
        tail = lower_tail(concordant, n)
    return min(1.0, 2.0 * tail)
