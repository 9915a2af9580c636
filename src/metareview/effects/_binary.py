r"""Two-group comparisons of a binary outcome: OR, RR, RD and PETO.

A study is the 2×2 table

============  ======  ========  =======
group         event   no event  total
============  ======  ========  =======
1 (treated)   a       b         n1 = a + b
2 (control)   c       d         n2 = c + d
============  ======  ========  =======

with :math:`N = n_1 + n_2`. The formulas (Fleiss & Berlin 2009, chapter 13; Deeks &
Higgins 2010, the individual-study estimates for dichotomous data):

.. math::

    \text{OR: } y = \ln\frac{ad}{bc}, \quad v = \frac1a + \frac1b + \frac1c + \frac1d
    \qquad \text{(Woolf 1955)}

    \text{RR: } y = \ln\frac{a/n_1}{c/n_2}, \quad
    v = \frac1a - \frac1{n_1} + \frac1c - \frac1{n_2}

    \text{RD: } y = \frac{a}{n_1} - \frac{c}{n_2}, \quad
    v = \frac{ab}{n_1^3} + \frac{cd}{n_2^3}

    \text{PETO: } y = \frac{a - E}{V}, \quad v = \frac1V, \quad
    E = \frac{n_1 (a + c)}{N}, \quad
    V = \frac{n_1 n_2 (a + c)(b + d)}{N^2 (N - 1)}
    \qquad \text{(Yusuf et al. 1985)}

References
----------
Woolf B (1955). On estimating the relation between blood group and disease. Ann Hum
Genet 19:251-253. doi:10.1111/j.1469-1809.1955.tb01348.x

Yusuf S, Peto R, Lewis J, Collins R, Sleight P (1985). Beta blockade during and after
myocardial infarction: an overview of the randomized trials. Prog Cardiovasc Dis
27:335-371. doi:10.1016/S0033-0620(85)80003-7

Fleiss JL, Berlin JA (2009). Effect sizes for dichotomous data. In Cooper H, Hedges LV,
Valentine JC (eds), The Handbook of Research Synthesis and Meta-Analysis, 2nd ed.,
237-253. New York: Russell Sage Foundation.

Deeks JJ, Higgins JPT (2010). Statistical algorithms in Review Manager 5. Cochrane
Statistical Methods Group.

"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from .._validate import InputError
from ._zerocells import adjust, has_zero

FloatArray = NDArray[np.float64]
Formula = Callable[
    [FloatArray, FloatArray, FloatArray, FloatArray], tuple[FloatArray, FloatArray]
]

MEASURES = ("OR", "RR", "RD", "PETO")
REVMAN_ADD = 0.5


def _or(
    a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray
) -> tuple[FloatArray, FloatArray]:
    return np.log((a * d) / (b * c)), 1 / a + 1 / b + 1 / c + 1 / d


def _rr(
    a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray
) -> tuple[FloatArray, FloatArray]:
    n1, n2 = a + b, c + d
    # a difference of logs, as R metafor evaluates it (equal to its last digit)
    return np.log(a / n1) - np.log(c / n2), 1 / a - 1 / n1 + 1 / c - 1 / n2


def _rd(
    a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray
) -> tuple[FloatArray, FloatArray]:
    n1, n2 = a + b, c + d
    p1, p2 = a / n1, c / n2
    return p1 - p2, p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2


def peto_terms(
    a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Observed minus expected events in group 1, ``a - E``, and its variance ``V``.

    ``E`` and ``V`` are the mean and variance of the hypergeometric distribution of
    ``a`` given the table's margins (Yusuf et al. 1985); both groups must be
    non-empty.
    """
    n1, n2 = a + b, c + d
    n = n1 + n2
    events, nonevents = a + c, b + d
    expected = n1 * events / n
    var = n1 * n2 * events * nonevents / (n**2 * (n - 1))
    return a - expected, var


def _peto(
    a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray
) -> tuple[FloatArray, FloatArray]:
    o_e, var = peto_terms(a, b, c, d)
    return o_e / var, 1 / var


FORMULAS: dict[str, Formula] = {"OR": _or, "RR": _rr, "RD": _rd, "PETO": _peto}


def double_zero(
    a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray
) -> NDArray[np.bool_]:
    """Studies with no events (``a = c = 0``) or only events (``b = d = 0``)."""
    return ((a == 0) & (c == 0)) | ((b == 0) & (d == 0))


def binary(
    measure: str,
    a: FloatArray,
    b: FloatArray,
    c: FloatArray,
    d: FloatArray,
    *,
    add: float | None,
    to: str,
    drop00: bool,
    convention: str,
) -> tuple[FloatArray, FloatArray]:
    """Effect sizes and sampling variances of the 2×2 tables ``a, b, c, d``.

    ``add=None`` means the convention's default (1/2).
    """
    cells = [a, b, c, d]
    if convention == "revman5":
        cells = _revman_cells(measure, cells)
    elif convention == "stata":
        cells = _stata_cells(measure, cells, add, to, drop00)
    else:
        drop = double_zero(*cells) if drop00 else None
        cells = adjust(cells, 0.5 if add is None else add, to, drop)
    return FORMULAS[measure](*cells)


def _revman_cells(measure: str, cells: list[FloatArray]) -> list[FloatArray]:
    """Apply RevMan 5's zero-cell rules.

    1/2 is added to every cell of a study where a zero cell stops the
    computation (Deeks & Higgins 2010, on zero cells); OR and RR are not estimable
    in studies with no events or only events in both groups, which RevMan leaves
    out of the analysis; RD keeps them. Peto's method needs no correction.
    """
    if measure == "PETO":
        return cells
    if measure == "RD":
        # the RD variance is 0 only when both groups are all-or-none
        a, b, c, d = cells
        rows = (a * b == 0) & (c * d == 0)
        return [x + REVMAN_ADD * rows for x in cells]
    drop = double_zero(*cells)
    return adjust(cells, REVMAN_ADD, "only0", drop)


def _stata_cells(
    measure: str, cells: list[FloatArray], add: float | None, to: str, drop00: bool
) -> list[FloatArray]:
    """Apply Stata 18's zero-cell rules.

    ``meta esize`` takes ``zerocells(#, only0|allif0)`` or ``zerocells(none)``
    for the log odds and risk ratios (default 0.5, only0); risk differences and
    Peto's log odds ratio are never adjusted ([META] meta esize, Options).
    """
    if drop00:
        raise InputError(
            "convention='stata' has no drop00: Stata's meta esize keeps every study"
        )
    if to == "all":
        raise InputError(
            "to='all' has no counterpart in Stata's zerocells(); with "
            "convention='stata' use to='only0', 'if0all' (allif0) or 'none'"
        )
    if measure in ("RD", "PETO"):
        if add is not None or to != "only0":
            raise InputError(
                f"convention='stata' adds nothing to zero cells for {measure} "
                "(Stata ignores zerocells() there); leave add= and to= unset"
            )
        return cells
    return adjust(cells, 0.5 if add is None else add, to)


__all__ = ["MEASURES", "binary", "double_zero", "has_zero", "peto_terms"]
