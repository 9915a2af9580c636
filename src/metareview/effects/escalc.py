r"""``escalc()``: effect sizes and their sampling variances (metafor's ``escalc``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._validate import InputError, InputTypeError, choice, positive_float
from ._binary import MEASURES as BINARY
from ._binary import binary
from ._continuous import MEASURES as CONTINUOUS
from ._continuous import continuous
from ._counts import CORRELATIONS, PROPORTIONS, RATES, correlation, proportion, rate
from ._inputs import DATA_ARGS, read_arguments, table_cells
from ._zerocells import TO

FloatArray = NDArray[np.float64]

MEASURES = (*BINARY, *CONTINUOUS, *CORRELATIONS, *PROPORTIONS, *RATES, "GEN")
CONVENTIONS = ("metafor", "revman5", "stata")
# measures another program's convention defines; the rest are metafor-only
CONVENTION_MEASURES = {
    "revman5": (*BINARY, "MD", "SMD", "GEN"),
    "stata": (*BINARY, "MD", "SMD", "GEN"),
}
# allowed vtype values, the first being the default
VTYPES = {
    ("metafor", "SMD"): ("LS", "UB", "AV"),
    ("metafor", "MD"): ("LS", "HO"),
    ("stata", "MD"): ("HO", "LS"),
}


def escalc(
    measure: str,
    *,
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
    m1i: Any = None,
    m2i: Any = None,
    sd1i: Any = None,
    sd2i: Any = None,
    xi: Any = None,
    ni: Any = None,
    ri: Any = None,
    yi: Any = None,
    vi: Any = None,
    sei: Any = None,
    data: pd.DataFrame | None = None,
    slab: Any = None,
    add: float | None = None,
    to: str = "only0",
    drop00: bool = False,
    vtype: str | None = None,
    convention: str = "metafor",
) -> pd.DataFrame:
    r"""Compute effect sizes and their sampling variances, study by study.

    Parameters
    ----------
    measure : str
        ``"OR"``, ``"RR"``, ``"RD"``, ``"PETO"`` (2×2 tables); ``"MD"``, ``"SMD"``,
        ``"SMDH"``, ``"ROM"`` (means and SDs of two groups); ``"COR"``, ``"ZCOR"``
        (correlations); ``"PR"``, ``"PLO"``, ``"PFT"`` (single proportions);
        ``"IRR"``, ``"IRD"`` (two incidence rates); ``"GEN"`` (``yi`` with ``vi`` or
        ``sei`` already computed).
    ai, bi, ci, di : array-like or str
        2×2 table cells: events and non-events in group 1 (``ai``, ``bi``) and group
        2 (``ci``, ``di``). ``bi`` may be replaced by ``n1i`` (``bi = n1i - ai``)
        and ``di`` by ``n2i``.
    n1i, n2i : array-like or str
        Group sizes.
    x1i, x2i, t1i, t2i : array-like or str
        Events and person-time of the two groups (IRR, IRD).
    m1i, m2i, sd1i, sd2i : array-like or str
        Means and standard deviations of the two groups.
    xi, ni : array-like or str
        Events and sizes of single groups (PR, PLO, PFT); ``ni`` is also the
        sample size of a correlation (COR, ZCOR).
    ri : array-like or str
        Correlation coefficients.
    yi, vi, sei : array-like or str
        Effect sizes with their variances or standard errors (GEN).
    data : DataFrame, optional
        Frame in which string arguments are looked up as column names.
    slab : array-like or str, optional
        Study labels, or the name of a column of ``data``.
    add : float, optional
        Constant added to zero cells of OR, RR, RD, PETO, PR, PLO, PFT, IRR and
        IRD. Default (``None``) 1/2, except 0 for PFT, as in metafor.
    to : {"only0", "all", "if0all", "none"}
        Where ``add`` goes: every cell of the studies with a zero cell
        (``"only0"``), of every study (``"all"``), of every study when any has a
        zero cell (``"if0all"``), or nowhere (``"none"``).
    drop00 : bool
        Give NaN to studies with no events (or only events) in both groups
        (OR, RR, RD, PETO, IRR, IRD).
    vtype : str, optional
        Variance estimator: ``"LS"`` (large sample, the default); for SMD also
        ``"UB"`` (unbiased) and ``"AV"`` (sample-size weighted mean effect in the
        variance); for MD also ``"HO"`` (pooled SD). ``None`` is the convention's
        default (for Stata's MD, ``"HO"``).
    convention : {"metafor", "revman5", "stata"}
        Whose formulas to use where programs differ: metafor 3.8 (default), RevMan
        5.4 or Stata 18 ``meta esize``. See Notes and ``docs/conventions.md``.

    Returns
    -------
    DataFrame
        A copy of ``data`` (or a frame of the given input columns) with ``yi`` and
        ``vi`` appended, and ``slab`` when given, in the input's row order;
        ``attrs["measure"]`` and ``attrs["convention"]`` record the call,
        ``attrs["columns"]`` which column holds each data argument, and
        :func:`~metareview.rma` reads them. Rows that cannot be computed (missing
        input, ``drop00``, a zero cell without ``add``, a double-zero study under
        RevMan's rules) hold NaN, which :func:`~metareview.rma` leaves out with a
        warning.

    Raises
    ------
    InputError
        For an unknown measure, convention, ``to`` or ``vtype``; a missing or
        superfluous argument; arrays of different lengths; non-numeric entries;
        negative counts, events above the group size, sizes, SDs or person-times
        that are not positive, correlations outside [-1, 1]. The message names the
        argument, the row (1-based) and the value.

    Notes
    -----
    The formulas of each family, with their sources, are in the docstrings of
    ``metareview.effects._binary``, ``_continuous`` and ``_counts``. In brief:
    OR :math:`\ln(ad/bc)` with :math:`v = 1/a + 1/b + 1/c + 1/d` (Woolf 1955); RR
    :math:`\ln\{(a/n_1)/(c/n_2)\}`; RD :math:`a/n_1 - c/n_2`; PETO
    :math:`(a - E)/V`, :math:`v = 1/V` (Yusuf et al. 1985); SMD is Hedges' g,
    :math:`y = c(m)\,(m_1 - m_2)/s_p` with the exact correction
    :math:`c(m) = \Gamma(m/2) / \{\sqrt{m/2}\,\Gamma((m-1)/2)\}`, :math:`m = n_1 +
    n_2 - 2` (Hedges 1981, eq. 6e) and :math:`v = 1/n_1 + 1/n_2 + y^2/\{2(n_1 +
    n_2)\}` (Hedges 1982, eq. 8).

    As in metafor, ``add``/``to`` act on RD and PETO as well as on OR and RR, and
    ``add=None`` stands for metafor's default, which is 0 for PFT (metafor drops the
    correction there unless ``add`` is given).

    Where RevMan 5 and Stata 18 differ from metafor (Deeks & Higgins 2010;
    [META] meta esize, Methods and formulas):

    * SMD, ``"revman5"``: :math:`J = 1 - 3/(4N - 9)`, :math:`y = J d`,
      :math:`v = N/(n_1 n_2) + y^2/\{2(N - 3.94)\}`, :math:`N = n_1 + n_2`.
    * SMD, ``"stata"``: the same :math:`J`, :math:`v = J^2\{1/n_1 + 1/n_2 +
      d^2/(2N)\}`.
    * MD, ``"stata"``: pooled-SD variance by default (``vtype="HO"``); ``"LS"`` is
      Stata's ``unequal``.
    * OR, RR, ``"revman5"``: 1/2 added to every cell of a study with a zero cell;
      studies with no events or only events in both groups get NaN (RevMan leaves
      them out). RD keeps them, with 1/2 added where its variance would be 0.
      PETO is never corrected.
    * ``"stata"``: ``add``/``to`` act on OR and RR only (``zerocells()``;
      ``"if0all"`` is Stata's ``allif0``); RD and PETO are never corrected.

    References
    ----------
    Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package.
    J Stat Softw 36(3):1-48. doi:10.18637/jss.v036.i03

    Hedges LV (1981). Distribution theory for Glass's estimator of effect size and
    related estimators. J Educ Stat 6:107-128. doi:10.3102/10769986006002107

    Deeks JJ, Higgins JPT (2010). Statistical algorithms in Review Manager 5.
    Cochrane Statistical Methods Group.

    StataCorp (2023). Stata Meta-Analysis Reference Manual, Release 18: meta esize.
    College Station, TX: Stata Press.

    Examples
    --------
    >>> import metareview as mr
    >>> bcg = mr.datasets.load("bcg")
    >>> es = mr.escalc("RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg,
    ...                slab="study")
    >>> es[["slab", "yi", "vi"]].head(3).round(4)
                         slab      yi      vi
    0           Aronson, 1948 -0.8893  0.3256
    1  Ferguson & Simes, 1949 -1.5854  0.1946
    2   Rosenthal et al, 1960 -1.3481  0.4154

    """
    measure = choice("measure", measure, MEASURES)
    convention = choice("convention", convention, CONVENTIONS)
    if convention != "metafor" and measure not in CONVENTION_MEASURES[convention]:
        raise InputError(
            f"measure={measure!r} has no {convention} counterpart; "
            f"convention={convention!r} covers "
            f"{', '.join(CONVENTION_MEASURES[convention])}"
        )
    to = choice("to", to, TO)
    add_value = None if add is None else positive_float("add", add, allow_zero=True)
    if not isinstance(drop00, bool | np.bool_):
        raise InputTypeError(f"drop00 must be True or False; got {drop00!r}")
    if convention == "revman5" and (add is not None or to != "only0" or drop00):
        raise InputError(
            "convention='revman5' fixes the zero-cell rules (RevMan has no options "
            "for them); leave add=, to= and drop00= unset"
        )
    vt = _vtype(measure, convention, vtype)
    values = (ai, bi, ci, di, n1i, n2i, x1i, x2i, t1i, t2i,
              m1i, m2i, sd1i, sd2i, xi, ni, ri, yi, vi, sei)  # fmt: skip
    given = dict(zip(DATA_ARGS, values, strict=True))
    arrays, labels = read_arguments(measure, given, data, slab)
    y, v = effect_sizes(
        measure, arrays, add=add_value, to=to, drop00=bool(drop00), vtype=vt,
        convention=convention,
    )  # fmt: skip

    out = data.copy() if data is not None else pd.DataFrame(arrays)
    out["yi"] = y
    out["vi"] = v
    if labels is not None:
        out["slab"] = labels
    out.attrs["measure"] = measure
    out.attrs["convention"] = convention
    out.attrs["columns"] = {
        name: value if isinstance(value, str) else name
        for name, value in given.items()
        if value is not None and (isinstance(value, str) or data is None)
    }
    return out


def column_of(frame: Any, argument: str) -> str | None:
    """Name of the column of an escalc ``frame`` that holds ``argument`` (``ai``...).

    escalc records it in ``frame.attrs["columns"]`` (``{"ai": "tpos", ...}`` for
    ``escalc(ai="tpos", ..., data=bcg)``); failing that, the column named as the
    argument. None when the frame has neither.
    """
    recorded = frame.attrs.get("columns", {}).get(argument)
    for name in (recorded, argument):
        if name is not None and name in frame.columns:
            return str(name)
    return None


def _vtype(measure: str, convention: str, vtype: str | None) -> str:
    allowed = VTYPES.get((convention, measure), ("LS",))
    if vtype is None:
        return allowed[0]
    if vtype not in allowed:
        raise InputError(
            f"vtype must be one of {', '.join(repr(a) for a in allowed)} for "
            f"measure={measure!r} with convention={convention!r}; got {vtype!r}"
        )
    return vtype


def effect_sizes(
    measure: str,
    arrays: dict[str, FloatArray],
    *,
    add: float | None = None,
    to: str = "only0",
    drop00: bool = False,
    vtype: str = "LS",
    convention: str = "metafor",
    positive_vi: bool = False,
) -> tuple[FloatArray, FloatArray]:
    """Effect sizes and sampling variances of checked data arguments.

    ``arrays`` holds what :func:`~metareview.effects._inputs.read_arguments`
    returns; the options are :func:`escalc`'s, already checked. An infinite ``yi``
    or ``vi`` makes both NaN. With ``positive_vi`` a study's ``yi`` and ``vi`` are
    NaN unless ``vi > 0`` too: :func:`~metareview.rma_mh` weights the studies' own
    effects by ``1/vi``, and leaves a study out of Q when its variance is 0 (as
    with ``to="none"`` for RD when both groups have no events; metafor's
    ``rma.mh`` keeps it and reports an infinite Q). ``escalc`` keeps such
    studies, as metafor's does.
    """
    with np.errstate(all="ignore"):
        y, v = _compute(measure, arrays, add, to, drop00, vtype, convention)
    unusable = np.isinf(y) | np.isinf(v)
    if positive_vi:
        with np.errstate(invalid="ignore"):
            unusable |= np.isnan(y) | ~(v > 0)
    y[unusable] = np.nan
    v[unusable] = np.nan
    return y, v


def _compute(
    measure: str,
    a: dict[str, FloatArray],
    add: float | None,
    to: str,
    drop00: bool,
    vtype: str,
    convention: str,
) -> tuple[FloatArray, FloatArray]:
    if measure in BINARY:
        return binary(
            measure, *table_cells(a), add=add, to=to, drop00=drop00,
            convention=convention,
        )  # fmt: skip
    if measure in CONTINUOUS:
        return continuous(
            measure,
            a["m1i"], a["m2i"], a["sd1i"], a["sd2i"], a["n1i"], a["n2i"],
            vtype=vtype, convention=convention,
        )  # fmt: skip
    if measure in CORRELATIONS:
        return correlation(measure, a["ri"], a["ni"])
    if measure in PROPORTIONS:
        return proportion(measure, a["xi"], a["ni"], add=add, to=to)
    if measure in RATES:
        return rate(
            measure, a["x1i"], a["t1i"], a["x2i"], a["t2i"],
            add=add, to=to, drop00=drop00,
        )  # fmt: skip
    if "sei" in a:
        return a["yi"], a["sei"] ** 2
    return a["yi"], a["vi"].copy()


__all__ = ["CONVENTIONS", "DATA_ARGS", "MEASURES", "effect_sizes", "escalc"]
