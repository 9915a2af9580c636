r"""The arithmetic of :func:`~metareview.rma_mh` and :func:`~metareview.rma_peto`.

Sums over the tables of the pooled stage: the Mantel-Haenszel estimates and
their variances, the Cochran-Mantel-Haenszel and Tarone tests, Cochran's Q of the
studies' own effects around the pooled estimate, and RevMan 5's "M-H, Random".
The formulas are in the docstrings of :func:`~metareview.rma_mh` and
:func:`~metareview.rma_peto`, with their sources in the references of
``metareview.stats.mh``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .._validate import InputError, ModelWarning, readonly
from ..effects._binary import double_zero, peto_terms
from ..effects._counts import no_events
from ..effects._zerocells import adjust
from . import inference
from .results import MHResult

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True, slots=True, eq=False)
class Tables:
    """Counts of ``k`` studies: 2x2 cells ``a b c d`` or events and person-times."""

    rate: bool
    cells: FloatArray  # (4, k): a, b, c, d  or  x1, t1, x2, t2

    def take(self, keep: BoolArray) -> Tables:
        return Tables(self.rate, self.cells[:, keep])

    def double_zero(self) -> BoolArray:
        """Studies with no events (or, for 2x2 tables, only events) in both groups."""
        a, b, c, d = self.cells
        return no_events(a, c) if self.rate else double_zero(a, b, c, d)

    def adjusted(self, add: float, to: str) -> Tables:
        """Add ``add`` to the cells (event counts, for rates) by the rule ``to``."""
        if not self.rate:
            return Tables(False, np.vstack(adjust(list(self.cells), add, to)))
        x1, t1, x2, t2 = self.cells
        x1, x2 = adjust([x1, x2], add, to)
        return Tables(True, np.vstack([x1, t1, x2, t2]))


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Studies:
    """The studies of one analysis: their own effects and the tables pooled.

    ``add``, ``to`` and ``drop00`` are pairs: (studies' own effects, pooled stage).
    """

    labels: list[str]
    yi: FloatArray  # NaN where a study's own effect is not estimable
    vi: FloatArray
    in_pool: BoolArray  # studies whose tables enter the pooled estimate
    pooled: Tables  # their tables, corrected by the pooled stage's add/to
    add: tuple[float, float]
    to: tuple[str, str]
    drop00: tuple[bool, bool]


def pool(measure: str, tables: Tables) -> tuple[float, float, FloatArray]:
    """Mantel-Haenszel estimate, its variance and the (raw) MH weights."""
    a, b, c, d = tables.cells
    if tables.rate:
        x1, t1, x2, t2 = a, b, c, d
        t = t1 + t2
        if measure == "IRR":  # Greenland & Robins 1985, person-time
            r, s = x1 * t2 / t, x2 * t1 / t
            sr, ss = _ratio_sums(measure, r, s)
            var = np.sum(t1 * t2 * (x1 + x2) / t**2) / (sr * ss)
            return float(np.log(sr / ss)), float(var), s
        w = t1 * t2 / t
        sw = w.sum()
        beta = np.sum(x1 * t2 / t - x2 * t1 / t) / sw
        var = np.sum(w * w * (x1 / t1**2 + x2 / t2**2)) / sw**2
        return float(beta), float(var), w
    n1, n2 = a + b, c + d
    n = n1 + n2
    if measure == "OR":  # Robins, Breslow & Greenland 1986
        r, s = a * d / n, b * c / n
        p, q = (a + d) / n, (b + c) / n
        sr, ss = _ratio_sums(measure, r, s)
        var = (
            np.sum(p * r) / (2 * sr**2)
            + np.sum(p * s + q * r) / (2 * sr * ss)
            + np.sum(q * s) / (2 * ss**2)
        )
        return float(np.log(sr / ss)), float(var), s
    if measure == "RR":  # Greenland & Robins 1985
        r, s = a * n2 / n, c * n1 / n
        sr, ss = _ratio_sums(measure, r, s)
        var = np.sum(n1 * n2 * (a + c) / n**2 - a * c / n) / (sr * ss)
        return float(np.log(sr / ss)), float(var), s
    # RD: Greenland & Robins 1985 estimate, Sato, Greenland & Robins 1989 variance
    w = n1 * n2 / n
    sw = w.sum()
    beta = np.sum((a * n2 - c * n1) / n) / sw
    p = np.sum((n1**2 * c - n2**2 * a + n1 * n2 * (n2 - n1) / 2) / n**2)
    q = np.sum((a * (n2 - c) + c * (n1 - a)) / (2 * n))
    var = (beta * p + q) / sw**2
    return float(beta), float(var), w


def _ratio_sums(measure: str, r: FloatArray, s: FloatArray) -> tuple[float, float]:
    sr, ss = float(r.sum()), float(s.sum())
    if sr > 0 and ss > 0:
        return sr, ss
    group = "1" if sr == 0 else "2"
    raise InputError(
        f"the Mantel-Haenszel {measure} is not estimable from these data: the "
        f"{'numerator' if sr == 0 else 'denominator'} sum is 0 (no study has "
        f"events in group {group} set against non-events or person-time in the "
        "other group)"
    )


def peto(tables: Tables) -> tuple[float, float, FloatArray, float]:
    """Peto's pooled log odds ratio, its variance, the weights ``V_i`` and Q.

    As in metafor, Q comes from the ``O - E`` and ``V`` of the pooled stage (the
    tables with ``V_i > 0``), not from the studies' own ``yi``/``vi``.
    """
    o_e, v = peto_terms(*tables.cells)
    sv = v.sum()
    if not sv > 0:
        raise InputError(
            "Peto's odds ratio is not estimable: every table has no events or no "
            "non-events in total (sum of V_i = 0)"
        )
    pos = v > 0
    qe = float(np.sum(o_e[pos] ** 2 / v[pos]) - o_e.sum() ** 2 / sv)
    return float(o_e.sum() / sv), float(1.0 / sv), v, qe


def k_pos(measure: str, tables: Tables) -> int | None:
    """Tables that carry information on the odds ratio (metafor's ``k.pos``)."""
    if measure != "OR":
        return None
    a, b, c, d = tables.cells
    return int(np.sum((a * d > 0) | (b * c > 0)))


def mh_tests(
    measure: str, tables: Tables, beta: float, correct: bool
) -> tuple[float, float, float, float]:
    """(MH, MHp, TA, TAp): CMH and Tarone tests (OR), MH test (IRR), else NaN."""
    nan = float("nan")
    cc = 0.5 if correct else 0.0
    if measure == "IRR":  # Rothman, Greenland & Lash 2008, person-time MH test
        x1, t1, x2, t2 = tables.cells
        m, t = x1 + x2, t1 + t2
        dev = np.sum(x1 - m * t1 / t)
        var = np.sum(m * t1 * t2 / t**2)
        mh = (abs(dev) - cc) ** 2 / var if var > 0 else nan
        return mh, _chisq_p(mh, 1), nan, nan
    if measure != "OR":
        return nan, nan, nan, nan
    a, b, c, d = tables.cells
    o_e, v = peto_terms(a, b, c, d)
    sv = v.sum()
    mh = (abs(np.sum(o_e)) - cc) ** 2 / sv if sv > 0 else nan
    ta, tap = _tarone(a, a + b, c + d, a + c, float(np.exp(beta)))
    return float(mh), _chisq_p(mh, 1), ta, tap


def _chisq_p(x: float, df: int) -> float:
    return float(inference.chisq_sf(np.asarray(x), np.asarray(float(df))))


def _tarone(
    a: FloatArray, n1: FloatArray, n2: FloatArray, m1: FloatArray, psi: float
) -> tuple[float, float]:
    r"""Tarone's (1985) correction of the Breslow-Day test, on ``k_pos - 1`` df.

    The expected cell :math:`\tilde a` under the common odds ratio ψ solves
    :math:`\tilde a (n_2 - m_1 + \tilde a) = \psi (n_1 - \tilde a)(m_1 - \tilde a)`,
    the root of :math:`(1-\psi)\tilde a^2 + (n_2 - m_1 + \psi(n_1 + m_1))\tilde a
    - \psi n_1 m_1 = 0` between :math:`\max(0, m_1 - n_2)` and
    :math:`\min(n_1, m_1)`.
    """
    lo, hi = np.maximum(0.0, m1 - n2), np.minimum(n1, m1)
    inform = hi > lo  # the table has a non-degenerate conditional distribution
    qa = 1.0 - psi
    qb = n2 - m1 + psi * (n1 + m1)
    qc = -psi * n1 * m1
    with np.errstate(divide="ignore", invalid="ignore"):
        disc = np.sqrt(np.maximum(qb * qb - 4.0 * qa * qc, 0.0))
        # the stable pair of roots: q / qa and qc / q
        q = -0.5 * (qb + np.copysign(disc, qb))
        r1 = q / qa if qa != 0 else np.full_like(q, np.inf)
        r2 = np.where(q != 0, qc / q, lo)
        tol = 1e-9 * np.maximum(1.0, hi)
        in2 = (r2 >= lo - tol) & (r2 <= hi + tol)
        at = np.clip(np.where(in2, r2, r1), lo, hi)
        var = 1.0 / (
            1.0 / at + 1.0 / (n1 - at) + 1.0 / (m1 - at) + 1.0 / (n2 - m1 + at)
        )
    at, var, a = at[inform], var[inform], a[inform]
    df = int(inform.sum()) - 1
    if df < 0:
        return float("nan"), float("nan")
    bd = np.sum((a - at) ** 2 / var)
    ta = float(bd - (a.sum() - at.sum()) ** 2 / var.sum())
    if df == 0:
        return max(ta, 0.0), float("nan")
    return ta, _chisq_p(ta, df)


def _heterogeneity(
    yi: FloatArray, vi: FloatArray, beta: float, qe: float | None
) -> tuple[float, float, float, float, float]:
    """(QE, QEp, I2, H2, sum-of-weights term C) around ``beta``, weights ``1/vi``.

    ``qe`` replaces Q when it is computed otherwise (Peto); the degrees of
    freedom are always ``k_yi - 1``.
    """
    ok = np.isfinite(yi)
    k = int(ok.sum())
    if k <= 1:  # nothing to be heterogeneous: metafor's Q = 0, p = 1
        return 0.0, 1.0, 0.0, 1.0, 0.0
    w = 1.0 / vi[ok]
    if qe is None:
        qe = float(np.sum(w * (yi[ok] - beta) ** 2))
    df = k - 1
    sw = float(w.sum())
    c = sw - float(np.sum(w * w)) / sw
    i2 = 100.0 * max(0.0, (qe - df) / qe) if qe > 0 else 0.0
    return qe, _chisq_p(qe, df), i2, qe / df, c


def _random_effects(
    yi: FloatArray, vi: FloatArray, qe: float, c: float
) -> tuple[float, float, float, FloatArray]:
    """DerSimonian-Laird τ² from ``qe``, the pooled effect, its variance, weights."""
    ok = np.isfinite(yi)
    if not ok.any():
        raise InputError(
            "method='DL' needs the studies' own effects, but none is estimable; "
            "use add= and to= to correct zero cells"
        )
    df = int(ok.sum()) - 1
    tau2 = max(0.0, (qe - df) / c) if df > 0 and c > 0 else 0.0
    w = np.where(ok, 1.0 / (np.where(ok, vi, 1.0) + tau2), 0.0)
    beta = float(np.sum(w * np.where(ok, yi, 0.0)) / w.sum())
    return tau2, beta, float(1.0 / w.sum()), w


def result(
    studies: Studies,
    *,
    measure: str,
    method: str,
    beta: float,
    var: float,
    table_weights: FloatArray,
    tests: tuple[float, float, float, float],
    k_pos: int | None,
    level: float,
    correct: bool,
    qe: float | None = None,
) -> MHResult:
    """Assemble the result: heterogeneity, the DL pool if asked, z and the CI.

    ``table_weights`` has one entry per pooled table; the studies left out of the
    pooled estimate get weight 0.
    """
    yi, vi = studies.yi, studies.vi
    k = int(studies.in_pool.sum())
    weights = np.zeros(studies.in_pool.shape[0])
    weights[studies.in_pool] = table_weights
    notes: list[str] = []
    if k == 1:
        warnings.warn(
            "only one study (k = 1): heterogeneity is not estimable and the pooled "
            "estimate is that study's own result",
            ModelWarning,
            stacklevel=3,
        )
        notes.append("k = 1: heterogeneity is not estimable")
    qe, qep, i2, h2, c = _heterogeneity(yi, vi, beta, qe)
    tau2 = 0.0
    if method == "DL":
        tau2, beta, var, weights = _random_effects(yi, vi, qe, c)
    se = float(np.sqrt(var))
    z = beta / se
    crit = float(inference.crit(level, None))
    mh, mhp, ta, tap = tests
    arr = np.array
    return MHResult(
        beta=readonly(arr([beta])),
        se=readonly(arr([se])),
        zval=readonly(arr([z])),
        pval=readonly(inference.pvalue(arr([z]), None)),
        ci_lb=readonly(arr([beta - crit * se])),
        ci_ub=readonly(arr([beta + crit * se])),
        vb=readonly(arr([[var]])),
        tau2=tau2,
        k=k,
        k_pos=k_pos,
        QE=qe,
        QEp=qep,
        I2=i2,
        H2=h2,
        MH=mh,
        MHp=mhp,
        TA=ta,
        TAp=tap,
        weights=readonly(np.asarray(100.0 * weights / weights.sum(), np.float64)),
        yi=readonly(yi),
        vi=readonly(vi),
        slab=tuple(studies.labels),
        measure=measure,
        method=method,
        level=level,
        correct=correct,
        add=studies.add,
        to=studies.to,
        drop00=studies.drop00,
        notes=tuple(notes),
    )


__all__ = ["Studies", "Tables", "k_pos", "mh_tests", "peto", "pool", "result"]
