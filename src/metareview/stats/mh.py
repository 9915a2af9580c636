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

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._validate import InputTypeError, choice, fraction
from . import _mh
from ._mh_input import read_studies
from .results import MHResult

MEASURES = ("OR", "RR", "RD", "IRR", "IRD")
METHODS = ("FE", "DL")


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
    given = {
        "ai": ai, "bi": bi, "ci": ci, "di": di, "n1i": n1i, "n2i": n2i,
        "x1i": x1i, "x2i": x2i, "t1i": t1i, "t2i": t2i,
    }  # fmt: skip
    studies = read_studies(
        measure, given, data, slab, add, to, drop00, both=method == "DL"
    )
    beta, var, weights = _mh.pool(measure, studies.pooled)
    return _mh.result(
        studies,
        measure=measure,
        method=method,
        beta=beta,
        var=var,
        table_weights=weights,
        tests=_mh.mh_tests(measure, studies.pooled, beta, correct),
        k_pos=_mh.k_pos(measure, studies.pooled),
        level=level,
        correct=bool(correct),
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
    given = {"ai": ai, "bi": bi, "ci": ci, "di": di, "n1i": n1i, "n2i": n2i}
    studies = read_studies("PETO", given, data, slab, add, to, drop00, both=False)
    beta, var, v, qe = _mh.peto(studies.pooled)
    nan = float("nan")
    return _mh.result(
        studies,
        qe=qe,
        measure="PETO",
        method="FE",
        beta=beta,
        var=var,
        table_weights=v,
        tests=(nan, nan, nan, nan),
        k_pos=int((v > 0).sum()),
        level=level,
        correct=False,
    )


__all__ = ["rma_mh", "rma_peto"]
