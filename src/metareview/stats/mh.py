r"""Mantel-Haenszel and Peto pooling of 2x2 tables and person-time data.

:func:`rma_mh` and :func:`rma_peto` follow metafor's ``rma.mh`` and ``rma.peto``:
the pooled effect comes straight from the table counts; the per-study effects
``yi``/``vi`` (with ``add``/``to``/``drop00``) serve the test of heterogeneity, the
forest plot and, for ``method="DL"``, the random-effects pool that RevMan 5 calls
"M-H, Random".

References
----------
Mantel N, Haenszel W (1959). Statistical aspects of the analysis of data from
retrospective studies of disease. J Natl Cancer Inst 22:719-748.
doi:10.1093/jnci/22.4.719
Cochran WG (1954). Some methods for strengthening the common chi-square tests.
Biometrics 10:417-451. doi:10.2307/3001616
Greenland S, Robins JM (1985). Estimation of a common effect parameter from
sparse follow-up data. Biometrics 41:55-68. doi:10.2307/2530643
Robins J, Breslow N, Greenland S (1986). Estimators of the Mantel-Haenszel
variance consistent in both sparse data and large-strata limiting models.
Biometrics 42:311-323. doi:10.2307/2531052
Sato T, Greenland S, Robins JM (1989). On the variance estimator for the
Mantel-Haenszel risk difference. Biometrics 45:1323-1324. doi:10.2307/2531784
Tarone RE (1985). On heterogeneity tests based on efficient scores. Biometrika
72:91-95. doi:10.1093/biomet/72.1.91
Breslow NE, Day NE (1980). Statistical Methods in Cancer Research, Vol. I: The
Analysis of Case-Control Studies. IARC Sci Publ 32, section 4.4.
Rothman KJ, Greenland S, Lash TL (2008). Modern Epidemiology, 3rd ed.
Lippincott Williams & Wilkins, ch. 15 (person-time data).
Yusuf S, Peto R, Lewis J, Collins R, Sleight P (1985). Beta blockade during and
after myocardial infarction: an overview of the randomized trials. Prog
Cardiovasc Dis 27:335-371. doi:10.1016/S0033-0620(85)80003-7
DerSimonian R, Laird N (1986). Meta-analysis in clinical trials. Control Clin
Trials 7:177-188. doi:10.1016/0197-2456(86)90046-2
Deeks JJ, Higgins JPT (2010). Statistical algorithms in Review Manager 5.
Statistical Methods Group of The Cochrane Collaboration.

"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .._validate import (
    InputError,
    InputTypeError,
    ModelWarning,
    check_nonnegative,
    choice,
    column,
    fraction,
    positive_float,
    readonly,
    same_length,
    warn_dropped,
)
from . import inference
from .results import Prediction, Transform

if TYPE_CHECKING:
    import pandas as pd

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

MEASURES = ("OR", "RR", "RD", "IRR", "IRD")
RATE_MEASURES = frozenset({"IRR", "IRD"})
LOG_MEASURES = frozenset({"OR", "RR", "IRR", "PETO"})
METHODS = ("FE", "DL")
TO = ("only0", "all", "if0all", "none")


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class MHResult:
    """A Mantel-Haenszel or Peto meta-analysis. Fields follow metafor's ``rma.mh``.

    ``beta`` ... ``ci_ub`` hold the pooled effect (log scale for OR, RR, IRR and
    PETO). ``weights`` (percent), ``yi``, ``vi`` and ``slab`` have one entry per
    study with complete counts (``k_all``); ``k`` counts the tables in the pooled
    estimate (a second ``drop00`` leaves double-zero tables out of it: their
    weight is 0). ``yi``/``vi`` are NaN where a study's own effect is not
    estimable (e.g. a double-zero study with ``drop00``). ``QE`` is Cochran's Q of
    those effects around the pooled Mantel-Haenszel (or Peto) estimate with
    inverse-variance weights, on ``k_yi - 1`` degrees of freedom. ``MH`` is the
    Cochran-Mantel-Haenszel test (``measure="OR"``) or the Mantel-Haenszel test
    for person-time data (``"IRR"``), NaN otherwise; ``TA`` is Tarone's test for
    heterogeneity of odds ratios (``"OR"`` only). With ``method="DL"`` the pooled
    effect is the DerSimonian-Laird random-effects estimate with ``tau2``
    computed from ``QE`` (RevMan 5's "M-H, Random").
    """

    beta: FloatArray
    se: FloatArray
    zval: FloatArray
    pval: FloatArray
    ci_lb: FloatArray
    ci_ub: FloatArray
    vb: FloatArray
    tau2: float
    k: int
    k_pos: int | None
    QE: float
    QEp: float
    I2: float
    H2: float
    MH: float
    MHp: float
    TA: float
    TAp: float
    weights: FloatArray
    yi: FloatArray
    vi: FloatArray
    slab: tuple[str, ...]
    measure: str
    method: str
    level: float
    correct: bool
    add: tuple[float, float]
    to: tuple[str, str]
    drop00: tuple[bool, bool]
    notes: tuple[str, ...] = ()

    @property
    def k_yi(self) -> int:
        """Number of studies with an estimable effect ``yi`` (Q has ``k_yi - 1`` df)."""
        return int(np.isfinite(self.yi).sum())

    @property
    def k_all(self) -> int:
        """Number of studies with complete counts (the length of ``yi``, ``slab``)."""
        return len(self.slab)

    @property
    def tau(self) -> float:
        """Between-study standard deviation ``sqrt(tau2)`` (0 for ``method="FE"``)."""
        return float(np.sqrt(self.tau2))

    @property
    def p(self) -> int:
        """Number of coefficients (always 1: the pooled effect)."""
        return 1

    def predict(self, *, transf: Transform | None = None) -> Prediction:
        """Pooled effect with its confidence interval, as metafor's ``predict``.

        The prediction interval is ``β̂ ± z·sqrt(se² + τ²)``; for the fixed-effect
        Mantel-Haenszel and Peto models (τ² = 0) it equals the confidence interval.
        ``transf`` (e.g. ``numpy.exp``) is applied to every field but ``se``.
        """
        pred = self.beta.copy()
        se = self.se.copy()
        c = inference.crit(self.level, None)
        spi = np.sqrt(se**2 + self.tau2)
        fields = [pred, self.ci_lb.copy(), self.ci_ub.copy(), pred - c * spi]
        fields.append(pred + c * spi)
        if transf is not None:
            fields = [np.asarray(transf(a), dtype=np.float64) for a in fields]
        return Prediction(
            pred=fields[0],
            se=se,
            ci_lb=fields[1],
            ci_ub=fields[2],
            pi_lb=fields[3],
            pi_ub=fields[4],
            level=self.level,
            pi_type="default",
        )

    def to_frame(self) -> pd.DataFrame:
        """One row with the pooled effect and the model-level statistics."""
        import pandas as pd

        rows: dict[str, Any] = {
            "term": ["intrcpt"],
            "estimate": self.beta,
            "se": self.se,
            "zval": self.zval,
            "pval": self.pval,
            "ci_lb": self.ci_lb,
            "ci_ub": self.ci_ub,
        }
        for name in ("k", "tau2", "I2", "H2", "QE", "QEp", "MH", "MHp", "TA", "TAp"):
            rows[name] = getattr(self, name)
        rows.update(measure=self.measure, method=self.method, level=self.level)
        return pd.DataFrame(rows)

    def __str__(self) -> str:
        from ._format import format_mh

        return format_mh(self)

    def __repr__(self) -> str:
        return (
            f"<MHResult measure={self.measure!r} method={self.method!r} k={self.k} "
            f"estimate={self.beta[0]:.4g}>"
        )

    def _repr_html_(self) -> str:
        from ._format import html_mh

        return html_mh(self)


@dataclass(frozen=True, slots=True, eq=False)
class _Tables:
    """Counts of ``k`` studies: 2x2 cells ``a b c d`` or events and person-times."""

    rate: bool
    cells: FloatArray  # (4, k): a, b, c, d  or  x1, t1, x2, t2

    def take(self, keep: BoolArray) -> _Tables:
        return _Tables(self.rate, self.cells[:, keep])

    def zero(self) -> BoolArray:
        """Studies with a zero cell (zero events in a group, for rates)."""
        cells = self.cells[[0, 2]] if self.rate else self.cells
        return np.any(cells == 0, axis=0)

    def double_zero(self) -> BoolArray:
        """Studies with no events (or, for 2x2 tables, only events) in both groups."""
        a, b, c, d = self.cells
        if self.rate:
            return (a == 0) & (c == 0)
        return ((a == 0) & (c == 0)) | ((b == 0) & (d == 0))

    def adjusted(self, add: float, to: str, among: BoolArray | None = None) -> _Tables:
        """Add ``add`` to the cells (event counts) of the studies ``to`` selects.

        ``"if0all"`` looks for zero cells only ``among`` these studies (all by
        default): studies left out with ``drop00`` do not trigger it.
        """
        k = self.cells.shape[1]
        if to == "all":
            rows = np.ones(k, bool)
        elif to == "only0":
            rows = self.zero()
        elif to == "if0all":
            zero = self.zero() if among is None else self.zero() & among
            rows = np.full(k, bool(zero.any()))
        else:
            rows = np.zeros(k, bool)
        step = np.where(rows, add, 0.0)
        inc = np.array([1.0, 0.0, 1.0, 0.0]) if self.rate else np.ones(4)
        return _Tables(self.rate, self.cells + inc[:, None] * step[None, :])


def rma_mh(
    ai: Any = None,
    bi: Any = None,
    ci: Any = None,
    di: Any = None,
    n1i: Any = None,
    n2i: Any = None,
    x1i: Any = None,
    x2i: Any = None,
    t1i: Any = None,
    t2i: Any = None,
    *,
    data: Any = None,
    slab: Any = None,
    measure: str = "OR",
    method: str = "FE",
    add: float | Sequence[float] = 0.5,
    to: str | Sequence[str] = "only0",
    drop00: bool | Sequence[bool] = True,
    correct: bool = True,
    level: float = 0.95,
) -> MHResult:
    r"""Pool 2x2 tables or person-time data with the Mantel-Haenszel method.

    Parameters
    ----------
    ai, bi, ci, di : array-like or str, optional
        Cells of the 2x2 tables (events and non-events in group 1, then group 2),
        or names of columns of ``data``. ``bi``/``di`` may be given as the group
        sizes ``n1i``/``n2i``. For ``measure`` ``"OR"``, ``"RR"``, ``"RD"``.
    n1i, n2i : array-like or str, optional
        Group sizes, in place of ``bi`` and ``di``.
    x1i, x2i, t1i, t2i : array-like or str, optional
        Events and person-times of the two groups, for ``"IRR"`` and ``"IRD"``.
    data : DataFrame, optional
        Frame in which column names are looked up.
    slab : array-like or str, optional
        Study labels.
    measure : {"OR", "RR", "RD", "IRR", "IRD"}
        Odds ratio, risk ratio, risk difference, incidence rate ratio or
        incidence rate difference (ratios are pooled on the log scale).
    method : {"FE", "DL"}
        ``"FE"``: the Mantel-Haenszel fixed-effect estimate (metafor's
        ``rma.mh``). ``"DL"``: RevMan 5's "M-H, Random": DerSimonian-Laird τ²
        from the Q statistic around the Mantel-Haenszel estimate, then the
        inverse-variance random-effects pool of the studies' own effects.
    add, to, drop00 : scalar or pair
        What to add to zero cells (``add``), to which studies (``to``:
        ``"only0"``, ``"all"``, ``"if0all"``, ``"none"``) and whether studies
        with no events (or only events) in both groups are left out
        (``drop00``). A pair sets the studies' own effects (first) and the
        pooled estimate (second) separately, as in metafor. A single value sets
        the studies' own effects only with ``method="FE"`` (the pooled estimate
        uses the raw counts, as metafor does), and both with ``method="DL"``
        (RevMan 5 adds 0.5 to every cell of a table with a zero cell and uses
        the corrected tables for the Mantel-Haenszel estimate too; for
        ``"RD"``, RevMan keeps double-zero studies: pass ``drop00=False``).
    correct : bool
        Continuity correction in the Cochran-Mantel-Haenszel (OR) and
        Mantel-Haenszel (IRR) tests.
    level : float
        Confidence level, a fraction (0.95).

    Returns
    -------
    MHResult

    Notes
    -----
    With ``n_i`` the table total, the pooled odds ratio (Mantel & Haenszel 1959)
    and the variance of its log (Robins, Breslow & Greenland 1986) are

    .. math:: \hat\psi = \frac{\sum R_i}{\sum S_i},\quad
       R_i = \frac{a_i d_i}{n_i},\ S_i = \frac{b_i c_i}{n_i},\quad
       \widehat{\mathrm{Var}}(\log\hat\psi) = \frac{\sum P_iR_i}{2(\sum R_i)^2}
       + \frac{\sum (P_iS_i + Q_iR_i)}{2\sum R_i\sum S_i}
       + \frac{\sum Q_iS_i}{2(\sum S_i)^2}

    with :math:`P_i = (a_i+d_i)/n_i`, :math:`Q_i = (b_i+c_i)/n_i`. The risk
    ratio uses :math:`R_i = a_i n_{2i}/n_i`, :math:`S_i = c_i n_{1i}/n_i` and
    :math:`\mathrm{Var} = \sum (n_{1i}n_{2i}m_{1i}/n_i^2 - a_ic_i/n_i) /
    (\sum R_i \sum S_i)` (Greenland & Robins 1985); the risk difference the
    weights :math:`n_{1i}n_{2i}/n_i` and the variance of Sato, Greenland &
    Robins (1989); rates the analogues with person-times (Greenland & Robins
    1985; Rothman et al. 2008). Weights are those of the Mantel-Haenszel
    estimator (:math:`S_i` for ratios, :math:`n_{1i}n_{2i}/n_i` or
    :math:`t_{1i}t_{2i}/t_i` for differences), in percent.

    ``QE`` is :math:`\sum w_i (y_i - \hat\theta_{MH})^2` with
    :math:`w_i = 1/v_i` over the ``k_yi`` studies with an estimable effect;
    :math:`I^2 = 100\max(0, (Q-df)/Q)`, :math:`H^2 = Q/df`. For ``method="DL"``,
    :math:`\hat\tau^2 = \max(0, (Q - df)/(\sum w_i - \sum w_i^2/\sum w_i))` and
    the pooled effect is :math:`\sum w_i^* y_i/\sum w_i^*`,
    :math:`w_i^* = 1/(v_i + \hat\tau^2)` (DerSimonian & Laird 1986; Deeks &
    Higgins 2010).

    The Cochran-Mantel-Haenszel statistic is
    :math:`(|\sum (a_i - E_i)| - c)^2 / \sum V_i` with hypergeometric mean and
    variance and :math:`c = 1/2` when ``correct``; Tarone's test is the
    Breslow-Day statistic less :math:`(\sum a_i - \sum \tilde a_i)^2 / \sum
    \tilde V_i`, where :math:`\tilde a_i` is the expected cell under the common
    odds ratio :math:`\hat\psi` (Breslow & Day 1980; Tarone 1985), on
    ``k_pos - 1`` df.

    References
    ----------
    See the module docstring.

    Examples
    --------
    >>> import metareview as mr
    >>> bcg = mr.datasets.load("bcg")
    >>> res = mr.rma_mh(ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg)
    >>> round(float(res.beta[0]), 4), round(res.QE, 4), round(res.MH, 4)
    (-0.4734, 163.9426, 135.6889)

    """
    measure = choice("measure", measure, MEASURES)
    method = choice("method", method, METHODS)
    level = fraction("level", level)
    if not isinstance(correct, bool | np.bool_):
        raise InputTypeError(f"correct must be True or False; got {correct!r}")
    adds, tos, drops = _stages(add, to, drop00, both=method == "DL")
    given = {
        "ai": ai, "bi": bi, "ci": ci, "di": di, "n1i": n1i, "n2i": n2i,
        "x1i": x1i, "x2i": x2i, "t1i": t1i, "t2i": t2i,
    }  # fmt: skip
    tables, labels = _read_tables(measure, given, data, slab)
    _check_not_all_double_zero(measure, tables, adds[1], tos[1], drops[1])
    yi, vi = _effects(measure, tables, adds[0], tos[0], drops[0])
    pooled = _pooled_stage(tables, drops[1])
    mh_tables = tables.take(pooled).adjusted(adds[1], tos[1])
    beta, var, w_mh = _pool(measure, mh_tables)
    return _result(
        measure=measure,
        method=method,
        beta=beta,
        var=var,
        weights=_spread(w_mh, pooled),
        yi=yi,
        vi=vi,
        labels=labels,
        k=int(pooled.sum()),
        tests=_tests(measure, mh_tables, beta, correct),
        k_pos=_k_pos(measure, mh_tables),
        level=level,
        correct=bool(correct),
        add=adds,
        to=tos,
        drop00=drops,
    )


def rma_peto(
    ai: Any = None,
    bi: Any = None,
    ci: Any = None,
    di: Any = None,
    n1i: Any = None,
    n2i: Any = None,
    *,
    data: Any = None,
    slab: Any = None,
    add: float | Sequence[float] = 0.5,
    to: str | Sequence[str] = "only0",
    drop00: bool | Sequence[bool] = True,
    level: float = 0.95,
) -> MHResult:
    r"""Pool 2x2 tables with Peto's one-step log odds ratio.

    Parameters
    ----------
    ai, bi, ci, di, n1i, n2i : array-like or str
        Cells of the 2x2 tables, or names of columns of ``data``; ``bi``/``di``
        may be given as the group sizes ``n1i``/``n2i``.
    data : DataFrame, optional
        Frame in which column names are looked up.
    slab : array-like or str, optional
        Study labels.
    add, to, drop00 : scalar or pair
        Zero-cell handling as in :func:`rma_mh` (``method="FE"``): a single value
        applies to the studies' own log odds ratios only.
    level : float
        Confidence level, a fraction (0.95).

    Returns
    -------
    MHResult
        With ``measure="PETO"``; the MH and Tarone tests are NaN.

    Notes
    -----
    With :math:`O_i = a_i`, :math:`E_i = n_{1i} m_{1i} / n_i` and the
    hypergeometric variance :math:`V_i = n_{1i} n_{2i} m_{1i} m_{2i} /
    (n_i^2 (n_i - 1))`,

    .. math:: \hat\beta = \frac{\sum (O_i - E_i)}{\sum V_i},\qquad
       \mathrm{SE}(\hat\beta) = \frac{1}{\sqrt{\sum V_i}}

    (Yusuf et al. 1985). Weights are :math:`V_i` in percent. As in metafor,
    ``QE`` is :math:`\sum (O_i-E_i)^2/V_i - (\sum (O_i - E_i))^2/\sum V_i`
    over the tables of the pooled stage (:math:`V_i > 0`), on ``k_yi - 1``
    degrees of freedom, where ``k_yi`` counts the studies' own log odds ratios
    :math:`y_i = (O_i - E_i)/V_i` computed with ``add``/``to``/``drop00``.

    References
    ----------
    See the module docstring.

    Examples
    --------
    >>> import metareview as mr
    >>> bcg = mr.datasets.load("bcg")
    >>> res = mr.rma_peto(ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg)
    >>> round(float(res.beta[0]), 4), round(res.QE, 4)
    (-0.4744, 167.7302)

    """
    level = fraction("level", level)
    adds, tos, drops = _stages(add, to, drop00, both=False)
    given = {"ai": ai, "bi": bi, "ci": ci, "di": di, "n1i": n1i, "n2i": n2i}
    tables, labels = _read_tables("PETO", given, data, slab)
    _check_not_all_double_zero("PETO", tables, adds[1], tos[1], drops[1])
    yi, vi = _effects("PETO", tables, adds[0], tos[0], drops[0])
    pooled = _pooled_stage(tables, drops[1])
    peto_tables = tables.take(pooled).adjusted(adds[1], tos[1])
    o_e, v = _peto_terms(peto_tables)
    sv = v.sum()
    if not sv > 0:
        raise InputError(
            "Peto's odds ratio is not estimable: every table has no events or no "
            "non-events in total (sum of V_i = 0)"
        )
    # metafor's Q for Peto: from the (O - E, V) of the pooled stage, not from yi/vi
    pos = v > 0
    qe = float(np.sum(o_e[pos] ** 2 / v[pos]) - o_e.sum() ** 2 / sv)
    nan = float("nan")
    return _result(
        qe=qe,
        measure="PETO",
        method="FE",
        beta=float(o_e.sum() / sv),
        var=float(1.0 / sv),
        weights=_spread(v, pooled),
        yi=yi,
        vi=vi,
        labels=labels,
        k=int(pooled.sum()),
        tests=(nan, nan, nan, nan),
        k_pos=int((v > 0).sum()),
        level=level,
        correct=False,
        add=adds,
        to=tos,
        drop00=drops,
    )


# ----------------------------------------------------------------- input


def _stages(
    add: Any, to: Any, drop00: Any, *, both: bool
) -> tuple[tuple[float, float], tuple[str, str], tuple[bool, bool]]:
    """Split ``add``/``to``/``drop00`` into (studies' effects, pooled estimate)."""

    def pair(name: str, value: Any, default: Any, check: Any) -> tuple[Any, Any]:
        if isinstance(value, str | bool | np.bool_) or np.ndim(value) == 0:
            first = check(name, value)
            return (first, first) if both else (first, default)
        items = list(value)
        if len(items) != 2:
            raise InputError(
                f"{name} must be one value or a pair (studies' effects, pooled "
                f"estimate); got {len(items)} values: {value!r}"
            )
        return check(name, items[0]), check(name, items[1])

    def flag(name: str, value: Any) -> bool:
        if not isinstance(value, bool | np.bool_):
            raise InputTypeError(f"{name} must be True or False; got {value!r}")
        return bool(value)

    def amount(name: str, value: Any) -> float:
        return positive_float(name, value, allow_zero=True)

    def where(name: str, value: Any) -> str:
        return choice(name, value, TO)

    return (
        pair("add", add, 0.0, amount),
        pair("to", to, "none", where),
        pair("drop00", drop00, False, flag),
    )


_ARGS_2X2 = ("ai", "bi", "ci", "di", "n1i", "n2i")
_ARGS_RATE = ("x1i", "x2i", "t1i", "t2i")


def _read_tables(
    measure: str, given: dict[str, Any], data: Any, slab: Any
) -> tuple[_Tables, list[str]]:
    """Resolve, check and complete the counts; drop studies with missing values."""
    rate = measure in RATE_MEASURES
    own, other = (_ARGS_RATE, _ARGS_2X2) if rate else (_ARGS_2X2, _ARGS_RATE)
    stray = [name for name in other if given.get(name) is not None]
    if stray:
        need = "x1i, t1i, x2i, t2i" if rate else "ai, ci and bi/n1i, di/n2i"
        raise InputError(
            f"measure={measure!r} takes {need}; {', '.join(stray)} "
            f"{'is' if len(stray) == 1 else 'are'} for "
            f"{'2x2 tables' if rate else 'person-time data'}"
        )
    arrays = {n: column(n, given[n], data) for n in own if given[n] is not None}
    required = (
        [("x1i",), ("t1i",), ("x2i",), ("t2i",)]
        if rate
        else [("ai",), ("bi", "n1i"), ("ci",), ("di", "n2i")]
    )
    for names in required:
        if not any(n in arrays for n in names):
            raise InputError(
                f"measure={measure!r} needs {' or '.join(n + '=' for n in names)}"
            )
    n = same_length(arrays)
    labels = _labels(slab, data, n)
    for name, arr in arrays.items():
        check_nonnegative(name, arr, strict=name in ("t1i", "t2i"))
    if rate:
        cells = np.vstack([arrays["x1i"], arrays["t1i"], arrays["x2i"], arrays["t2i"]])
    else:
        b = _complete(arrays, "ai", "bi", "n1i")
        d = _complete(arrays, "ci", "di", "n2i")
        cells = np.vstack([arrays["ai"], b, arrays["ci"], d])
    ok = np.asarray(np.isfinite(cells).all(axis=0), dtype=bool)
    if not ok.all():
        bad = [name for name, arr in arrays.items() if not np.isfinite(arr).all()]
        warn_dropped("/".join(bad), np.flatnonzero(~ok), labels)
        cells = cells[:, ok]
        labels = [lab for lab, kept in zip(labels, ok, strict=True) if kept]
    if cells.shape[1] == 0:
        raise InputError("no studies left to analyse (k = 0)")
    return _Tables(rate, cells), labels


def _complete(
    arrays: dict[str, FloatArray], events: str, rest: str, total: str
) -> FloatArray:
    """Return the non-event cell, from ``rest`` or as ``total - events``."""
    x = arrays[events]
    if rest in arrays:
        out = arrays[rest]
        if total in arrays:
            bad = np.flatnonzero(np.abs(x + out - arrays[total]) > 1e-8)
            if bad.size:
                i = int(bad[0])
                raise InputError(
                    f"{events} + {rest} must equal {total}; row {i + 1} holds "
                    f"{events}={x[i]:g}, {rest}={out[i]:g}, "
                    f"{total}={arrays[total][i]:g}"
                )
        return out
    out = arrays[total] - x
    bad = np.flatnonzero(out < 0)
    if bad.size:
        i = int(bad[0])
        raise InputError(
            f"{events} must not exceed {total}; row {i + 1} holds "
            f"{events}={x[i]:g} with {total}={arrays[total][i]:g}"
            + (f" ({bad.size} rows in all)" if bad.size > 1 else "")
        )
    return out


def _labels(slab: Any, data: Any, n: int) -> list[str]:
    if slab is None:
        return [f"Study {i + 1}" for i in range(n)]
    if isinstance(slab, str):
        if data is None or slab not in data.columns:
            raise InputError(f"slab={slab!r} is not a column of data")
        slab = data[slab]
    labels = [str(s) for s in (slab.tolist() if hasattr(slab, "tolist") else slab)]
    if len(labels) != n:
        raise InputError(f"slab has {len(labels)} labels for {n} studies")
    return labels


def _check_not_all_double_zero(
    measure: str, tables: _Tables, add: float, to: str, drop00: bool
) -> None:
    """Raise when every study is double-zero and nothing at the pooled stage helps.

    Such tables carry no information on the effect; only a continuity correction
    at the pooled stage (``add=(..., a)``, ``drop00=(..., False)``) gives a number.
    """
    if not tables.double_zero().all():
        return
    if not drop00 and add > 0 and to != "none":
        return
    what = (
        "no events in either group"
        if tables.rate
        else "no events (or only events) in both groups"
    )
    raise InputError(
        f"every study has {what}, so the pooled {measure} is not estimable "
        "from these data"
    )


# ----------------------------------------------------------- computation


def _pooled_stage(tables: _Tables, drop00: bool) -> BoolArray:
    """Studies whose tables enter the pooled estimate."""
    return ~tables.double_zero() if drop00 else np.ones(tables.cells.shape[1], bool)


def _spread(values: FloatArray, rows: BoolArray) -> FloatArray:
    """Place per-table ``values`` at ``rows`` of a zero vector over all studies."""
    out = np.zeros(rows.shape[0])
    out[rows] = values
    return out


def _effects(
    measure: str, tables: _Tables, add: float, to: str, drop00: bool
) -> tuple[FloatArray, FloatArray]:
    r"""Return the studies' own effects and variances, as metafor's ``escalc``.

    OR: :math:`\log(ad/bc)`, :math:`1/a+1/b+1/c+1/d`; RR: :math:`\log(a n_2 / c
    n_1)`, :math:`1/a - 1/n_1 + 1/c - 1/n_2`; RD: :math:`a/n_1 - c/n_2`,
    :math:`ab/n_1^3 + cd/n_2^3`; IRR: :math:`\log(x_1 t_2 / x_2 t_1)`,
    :math:`1/x_1 + 1/x_2`; IRD: :math:`x_1/t_1 - x_2/t_2`,
    :math:`x_1/t_1^2 + x_2/t_2^2`; PETO: :math:`(O-E)/V`, :math:`1/V`.
    """
    dropped = tables.double_zero() if drop00 else np.zeros(tables.cells.shape[1], bool)
    a, b, c, d = tables.adjusted(add, to, among=~dropped).cells
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "PETO":
            o_e, v = _peto_terms(_Tables(False, np.vstack([a, b, c, d])))
            yi, vi = o_e / v, 1.0 / v
        elif tables.rate:  # x1, t1, x2, t2
            x1, t1, x2, t2 = a, b, c, d
            if measure == "IRR":
                yi = np.log(x1 / t1) - np.log(x2 / t2)
                vi = 1.0 / x1 + 1.0 / x2
            else:
                yi = x1 / t1 - x2 / t2
                vi = x1 / t1**2 + x2 / t2**2
        else:
            n1, n2 = a + b, c + d
            if measure == "OR":
                yi = np.log(a * d / (b * c))
                vi = 1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d
            elif measure == "RR":
                yi = np.log(a / n1) - np.log(c / n2)
                vi = 1.0 / a - 1.0 / n1 + 1.0 / c - 1.0 / n2
            else:
                p1, p2 = a / n1, c / n2
                yi = p1 - p2
                vi = p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2
    bad = dropped | ~np.isfinite(yi) | ~np.isfinite(vi) | ~(vi > 0)
    return np.where(bad, np.nan, yi), np.where(bad, np.nan, vi)


def _peto_terms(tables: _Tables) -> tuple[FloatArray, FloatArray]:
    """Observed minus expected events in group 1 and its hypergeometric variance."""
    a, b, c, d = tables.cells
    n1, n2, m1, m2 = a + b, c + d, a + c, b + d
    n = n1 + n2
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(n > 1, n1 * n2 * m1 * m2 / (n * n * (n - 1.0)), 0.0)
        o_e = np.where(n > 0, a - n1 * m1 / n, 0.0)
    return o_e, v


def _pool(measure: str, tables: _Tables) -> tuple[float, float, FloatArray]:
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


def _k_pos(measure: str, tables: _Tables) -> int | None:
    """Tables that carry information on the odds ratio (metafor's ``k.pos``)."""
    if measure != "OR":
        return None
    a, b, c, d = tables.cells
    return int(np.sum((a * d > 0) | (b * c > 0)))


def _tests(
    measure: str, tables: _Tables, beta: float, correct: bool
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
        return mh, float(inference.chisq_sf(np.asarray(mh), np.asarray(1.0))), nan, nan
    if measure != "OR":
        return nan, nan, nan, nan
    a, b, c, d = tables.cells
    n1, n2, m1, m2 = a + b, c + d, a + c, b + d
    n = n1 + n2
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(n > 1, n1 * n2 * m1 * m2 / (n * n * (n - 1.0)), 0.0)
    dev = np.sum(a - n1 * m1 / n)
    sv = v.sum()
    mh = (abs(dev) - cc) ** 2 / sv if sv > 0 else nan
    mhp = float(inference.chisq_sf(np.asarray(mh), np.asarray(1.0)))
    ta, tap = _tarone(a, n1, n2, m1, float(np.exp(beta)))
    return float(mh), mhp, ta, tap


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
    return ta, float(inference.chisq_sf(np.asarray(ta), np.asarray(float(df))))


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
    qep = float(inference.chisq_sf(np.asarray(qe), np.asarray(float(df))))
    i2 = 100.0 * max(0.0, (qe - df) / qe) if qe > 0 else 0.0
    return qe, qep, i2, qe / df, c


def _result(
    *,
    measure: str,
    method: str,
    beta: float,
    var: float,
    weights: FloatArray,
    yi: FloatArray,
    vi: FloatArray,
    labels: list[str],
    k: int,
    tests: tuple[float, float, float, float],
    k_pos: int | None,
    level: float,
    correct: bool,
    add: tuple[float, float],
    to: tuple[str, str],
    drop00: tuple[bool, bool],
    qe: float | None = None,
) -> MHResult:
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
    w_pct = 100.0 * weights / weights.sum()
    if method == "DL":
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
        var = float(1.0 / w.sum())
        w_pct = 100.0 * w / w.sum()
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
        weights=readonly(np.asarray(w_pct, dtype=np.float64)),
        yi=readonly(yi),
        vi=readonly(vi),
        slab=tuple(labels),
        measure=measure,
        method=method,
        level=level,
        correct=correct,
        add=add,
        to=to,
        drop00=drop00,
        notes=tuple(notes),
    )
