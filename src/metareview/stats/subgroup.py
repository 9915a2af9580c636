"""``subgroup()``: one model per level of a factor, and tests of their differences.

All levels are fitted in one call of the batch engine (``_core.fit_models`` over
padded arrays, as :func:`rma_batch`), the mixed-effects model with the levels as
dummy moderators in a second, and the model of all studies by :func:`rma`.
Permutation tests make the same two batch calls over all permuted labellings at
once.

References
----------
Deeks JJ, Higgins JPT (2010). Statistical algorithms in Review Manager 5.
Cochrane Statistical Methods Group. https://training.cochrane.org/handbook/
Borenstein M, Hedges LV, Higgins JPT, Rothstein HR (2009). Introduction to
Meta-Analysis, chapter 19. Chichester: Wiley. doi:10.1002/9780470743386
Borenstein M, Higgins JPT (2013). Meta-analysis and subgroups. Prev Sci
14:134-143. doi:10.1007/s11121-013-0377-7
Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package.
J Stat Softw 36(3):1-48. doi:10.18637/jss.v036.i03
Higgins JPT, Thompson SG (2002). Quantifying heterogeneity in a meta-analysis.
Stat Med 21:1539-1558. doi:10.1002/sim.1186
Phipson B, Smyth GK (2010). Permutation p-values should never be zero. Stat Appl
Genet Mol Biol 9(1):39. doi:10.2202/1544-6115.1585
Deeks JJ, Higgins JPT, Altman DG (editors) (2023). Chapter 10: Analysing data
and undertaking meta-analyses, section 10.11.5.1. In: Cochrane Handbook for
Systematic Reviews of Interventions, version 6.4.

"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .._validate import (
    InputError,
    InputTypeError,
    choice,
    control_options,
    fraction,
    generator,
    positive_int,
    readonly,
)
from ._subgroup_fit import (
    fit_levels,
    fit_mixed,
    per_level,
    permutation_p,
    q_between,
)
from ._subgroup_input import FIXED, Data, read_data, safeguards
from .batch import _unpad
from .inference import TESTS, chisq_sf
from .results import RMAResult
from .rma import CONTROL_DEFAULTS, METHODS, rma
from .tau2 import Options

if TYPE_CHECKING:
    import pandas as pd

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class SubgroupResult:
    """Subgroup analysis: one model per level of ``by``, and two tests of differences.

    Per-level fields have one entry per level, in the order of ``levels``;
    per-study fields one per study, in the order of the input rows (studies with
    missing values left out). A level with a single study is not pooled:
    ``pooled`` is False and it shows the study's own estimate and confidence
    interval; ``I2``, ``QE``, ``QEp``, the prediction interval and (unless
    ``tau2_common``) ``tau2`` are NaN. With ``test="t"`` or ``"knha"``, ``zval``
    holds t statistics on ``dfs`` degrees of freedom.

    ``Qb`` is the test for subgroup differences as RevMan 5 reports it
    (``Qb_df``, ``Qb_p``, ``Qb_I2`` in percent). ``QM``, ``QMdf``, ``QMp`` (and
    ``QMddf``, the denominator df of an F test) are the omnibus test of the
    mixed-effects model with the levels as moderators and one τ², ``tau2_mixed``;
    ``Qw`` (``Qw_df``, ``Qw_p``) is that model's test for residual heterogeneity,
    the sum of the levels' Cochran's Q. ``overall`` is :func:`rma` over all
    studies with the same method and test (and its own τ²). ``weights`` are
    percentages within each study's level (under the common τ² with
    ``tau2_common``), ``weights_overall`` those of ``overall``; ``group`` is the
    index in ``levels`` of each study's level.
    """

    by: str
    levels: tuple[str, ...]
    k: NDArray[np.int64]
    estimate: FloatArray
    se: FloatArray
    zval: FloatArray
    pval: FloatArray
    ci_lb: FloatArray
    ci_ub: FloatArray
    pi_lb: FloatArray
    pi_ub: FloatArray
    dfs: FloatArray | None
    tau2: FloatArray
    I2: FloatArray
    QE: FloatArray
    QEp: FloatArray
    yi: FloatArray
    vi: FloatArray
    slab: tuple[str, ...]
    group: NDArray[np.intp]
    weights: FloatArray
    overall: RMAResult
    Qb: float
    Qb_df: int
    Qb_p: float
    Qb_I2: float
    QM: float
    QMdf: int
    QMddf: float | None
    QMp: float
    tau2_mixed: float
    Qw: float
    Qw_df: int
    Qw_p: float
    permutations: int | None
    Qb_perm_p: float | None
    QM_perm_p: float | None
    method: str
    test: str
    level: float
    tau2_common: bool
    measure: str
    notes: tuple[str, ...] = ()

    @property
    def pooled(self) -> NDArray[np.bool_]:
        """Whether each level was pooled (False for a level with a single study)."""
        return self.k > 1

    @property
    def weights_overall(self) -> FloatArray:
        """Weight of each study in the ``overall`` model, in percent."""
        return self.overall.weights

    @property
    def study_level(self) -> tuple[str, ...]:
        """The level of each study."""
        return tuple(self.levels[g] for g in self.group)

    def revman_line(self) -> str:
        """``Test for subgroup differences: Chi² = …, df = … (P = …), I² = …%``."""
        from ._format_subgroup import revman_line

        return revman_line(self)

    def to_frame(self) -> pd.DataFrame:
        """One row per level and a last row ``Overall`` (the model of all studies)."""
        from ._format_subgroup import subgroup_frame

        return subgroup_frame(self)

    def study_frame(self) -> pd.DataFrame:
        """One row per study: its level, effect, CI and weights (for forest plots)."""
        from ._format_subgroup import study_frame

        return study_frame(self)

    def __str__(self) -> str:
        from ._format_subgroup import format_subgroup

        return format_subgroup(self)

    def __repr__(self) -> str:
        return (
            f"<SubgroupResult by={self.by!r} levels={len(self.levels)} "
            f"k={self.yi.shape[0]} method={self.method!r} Qb={self.Qb:.4g} "
            f"QMp={self.QMp:.4g}>"
        )

    def _repr_html_(self) -> str:
        from ._format_subgroup import html_subgroup

        return html_subgroup(self)


def subgroup(
    es: Any,
    by: Any,
    *,
    method: str | None = None,
    test: str | None = None,
    tau2_common: bool = False,
    level: float | None = None,
    control: Mapping[str, object] | None = None,
    permutations: int | None = None,
    rng: np.random.Generator | int | None = None,
) -> SubgroupResult:
    r"""Fit one model per level of ``by`` and test for subgroup differences.

    Parameters
    ----------
    es : DataFrame or RMAResult
        An :func:`escalc` frame (columns ``yi``, ``vi``, optionally ``slab``) or
        a model fitted by :func:`rma` without moderators.
    by : str or array-like
        A column of ``es``, or one label per study (per row of ``es``). Levels
        are in order of first appearance, or in the order of the categories of
        a pandas Categorical (unused categories are left out). Studies with a
        missing label are left out, with a warning.
    method, test, level
        As for :func:`rma`, used within every level, for the overall model and
        for the mixed-effects model; by default those of ``es`` when it is an
        RMAResult, else ``"REML"``, ``"z"``, 0.95. ``test="knha"`` applies the
        Knapp-Hartung adjustment within each level.
    tau2_common : bool
        If True, the levels share one τ²: the per-level estimates are the
        coefficients of the mixed-effects model with one mean per level
        (metafor's ``rma(yi, vi, mods = ~ factor(by) - 1)``), whose τ² is
        estimated from the residuals of all levels together. If False (the
        default, as RevMan), each level has its own τ².
    control : dict, optional
        Settings of the iterative τ² estimators, as for :func:`rma`.
    permutations : int, optional
        Number of random permutations of the level labels for permutation
        p-values of ``Qb`` and ``QM``.
    rng : numpy.random.Generator, int or None
        Source of the permutations (a seed makes them reproducible).

    Returns
    -------
    SubgroupResult

    Notes
    -----
    Test for subgroup differences as RevMan 5 reports it (Deeks & Higgins 2010):
    Cochran's Q across the G level estimates, with their own standard errors,

    .. math:: Q_b = \sum_g w_g (\hat\theta_g - \bar\theta)^2, \quad
       w_g = 1/\mathrm{se}_g^2, \quad
       \bar\theta = \sum_g w_g \hat\theta_g / \sum_g w_g,

    on G - 1 degrees of freedom, with :math:`I^2 = \max(0, (Q_b - df)/Q_b)`.
    For inverse-variance fixed-effect models it equals
    :math:`Q - \sum_g Q_g` (Borenstein et al. 2009, Table 19.3); with
    random-effects models each estimate carries its own τ² (Borenstein &
    Higgins 2013, "fixed-effect model across subgroups"). A single-study level
    enters with the study's estimate and sampling variance, without τ², as in
    RevMan; next to levels with a large τ² this can inflate :math:`Q_b`. With
    ``tau2_common`` the estimates are those of the cell-means model, and for
    ``test="z"`` :math:`Q_b` equals ``QM``.

    The mixed-effects test is the omnibus Wald test ``QM`` of the G - 1 level
    dummies in the model :math:`y_i = \beta_0 + \sum_g \beta_g d_{ig} + u_i +
    e_i` with one τ² for all levels (Viechtbauer 2010); with
    ``test="t"`` or ``"knha"`` it is an F test on (G - 1, k - G) df.

    Permutation p-values count the permuted statistics at least as large as the
    observed one, the observed labelling included:
    :math:`(1 + b) / (1 + N)` (Phipson & Smyth 2010).

    A ``ModelWarning`` (and a note in the printout) flags levels with a single
    study or with two studies (a random-effects τ² from two studies is
    unreliable), and a test resting on fewer than ten studies (Cochrane
    Handbook 10.11.5.1).

    References
    ----------
    Deeks JJ, Higgins JPT (2010). Statistical algorithms in Review Manager 5.
    Borenstein M, Higgins JPT (2013). Meta-analysis and subgroups. Prev Sci
    14:134-143. doi:10.1007/s11121-013-0377-7
    Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package.
    J Stat Softw 36(3):1-48. doi:10.18637/jss.v036.i03

    Examples
    --------
    >>> import warnings
    >>> import metareview as mr
    >>> bcg = mr.datasets.load("bcg")
    >>> es = mr.escalc("RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg,
    ...                slab="study")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     res = mr.subgroup(es, by="alloc", method="DL")
    >>> print(caught[0].message)  # doctest: +ELLIPSIS
    level 'alternate' has 2 studies: its tau^2, ... is unreliable
    >>> res.levels
    ('random', 'alternate', 'systematic')
    >>> res.estimate.round(4)
    array([-1.0042, -0.5408, -0.4393])
    >>> print(res.revman_line())
    Test for subgroup differences: Chi² = 1.54, df = 2 (P = 0.46), I² = 0%
    >>> round(res.QM, 4), round(res.QMp, 4)
    (1.4349, 0.488)

    """
    data = read_data(es, by)
    fitted = es if isinstance(es, RMAResult) else None
    method = choice("method", method or (fitted.method if fitted else "REML"), METHODS)
    if method == "GENQ":
        raise InputError("method='GENQ' needs per-study weights; subgroup() has none")
    test = choice("test", test or (fitted.test if fitted else "z"), TESTS)
    lvl = fraction(
        "level", level if level is not None else (fitted.level if fitted else 0.95)
    )
    if not isinstance(tau2_common, bool | np.bool_):
        raise InputTypeError(f"tau2_common must be True or False; got {tau2_common!r}")
    n_perm = (
        None if permutations is None else positive_int("permutations", permutations)
    )
    gen = generator(rng)
    defaults = fitted.control if fitted else Options(**CONTROL_DEFAULTS)
    opts = Options(**control_options(control, _as_dict(defaults)))
    fit_kw: dict[str, Any] = {
        "method": method,
        "test": test,
        "level": lvl,
        "opts": opts,
    }
    if tau2_common and method not in FIXED and data.y.shape[0] <= len(data.levels):
        raise InputError(
            "tau2_common=True estimates tau^2 from the studies within the levels, but "
            f"every level has a single study (k = {data.y.shape[0]})"
        )
    return _analyse(data, fit_kw, bool(tau2_common), n_perm, gen)


def _as_dict(opts: Options) -> dict[str, Any]:
    return {name: getattr(opts, name) for name in CONTROL_DEFAULTS}


def _analyse(
    data: Data,
    fit_kw: dict[str, Any],
    common: bool,
    n_perm: int | None,
    gen: np.random.Generator,
) -> SubgroupResult:
    G = len(data.levels)
    nan = float("nan")
    codes = data.codes
    k = np.bincount(codes, minlength=G).astype(np.int64)
    notes = safeguards(data, k, fit_kw, common)
    # one batch for the G levels, one for both parametrisations of the
    # mixed-effects model (row 0: intercept and dummies, row 1: cell means)
    lv = fit_levels(codes[None, :], data.y, data.v, G, fit_kw)
    mx = fit_mixed(codes[None, :], data.y, data.v, G, fit_kw)
    per, dfs = per_level(lv, mx, k, fit_kw, common)
    if common:
        w = 1.0 / (data.v + mx.tau2[1])
        within = 100.0 * w / np.bincount(codes, weights=w)[codes]
    else:
        within = _unpad(codes, lv.weights)
    Qb = float(q_between(per["estimate"][None, :], per["se"][None, :])[0])
    QM = float(mx.QM[0])
    n = data.y.shape[0]
    mixed_ok = n > G or (fit_kw["method"] in FIXED and fit_kw["test"] == "z")
    if not mixed_ok:
        # as metafor, which refuses the model: no residual df for tau^2 or knha
        QM = float("nan")
        notes.append(
            "every level has a single study: the mixed-effects model has no "
            "residual degrees of freedom, so QM is not computed"
        )
    perm_p: tuple[float | None, float | None] = (None, None)
    if n_perm is not None:
        perm_p = permutation_p(data, fit_kw, common, n_perm, gen, (Qb, QM))
    overall = _overall(data, fit_kw)
    return SubgroupResult(
        by=data.by,
        levels=data.levels,
        k=readonly(k),
        **{name: readonly(a) for name, a in per.items()},
        dfs=None if dfs is None else readonly(dfs),
        yi=readonly(data.y),
        vi=readonly(data.v),
        slab=data.slab,
        group=readonly(codes),
        weights=readonly(np.array(within, dtype=np.float64)),
        overall=overall,
        Qb=Qb,
        Qb_df=G - 1,
        Qb_p=float(chisq_sf(np.asarray(Qb), np.asarray(float(G - 1)))),
        Qb_I2=100.0 * max(0.0, (Qb - (G - 1)) / Qb) if Qb > 0 else 0.0,
        QM=QM,
        QMdf=G - 1,
        QMddf=None if mx.dfs is None else float(mx.dfs[0]) if mixed_ok else nan,
        QMp=float(mx.QMp[0]) if mixed_ok else nan,
        tau2_mixed=float(mx.tau2[0]) if mixed_ok else nan,
        Qw=float(mx.QE[0]),
        Qw_df=n - G,
        Qw_p=float(mx.QEp[0]),
        permutations=n_perm,
        Qb_perm_p=perm_p[0],
        QM_perm_p=perm_p[1],
        method=fit_kw["method"],
        test=fit_kw["test"],
        level=fit_kw["level"],
        tau2_common=common,
        measure=data.measure,
        notes=tuple(notes),
    )


def _overall(data: Data, fit_kw: dict[str, Any]) -> RMAResult:
    """Fit the model of all studies with :func:`rma` itself."""
    import pandas as pd

    frame = pd.DataFrame({"yi": data.y, "vi": data.v, "slab": list(data.slab)})
    frame.attrs["measure"] = data.measure
    return rma(
        frame,
        method=fit_kw["method"],
        test=fit_kw["test"],
        level=fit_kw["level"],
        control=_as_dict(fit_kw["opts"]),
    )
