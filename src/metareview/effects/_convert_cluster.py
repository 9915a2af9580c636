r"""Cluster-randomised trials: design effect and effective sample sizes.

Cluster-randomised trials analysed as if individually randomised are reduced to
their effective sample size (Handbook 23.1.4; 16.3.4 in 5.1): the design effect
:math:`DE = 1 + (M - 1)\,ICC` with :math:`M` the mean cluster size, and
:math:`N/DE` participants and :math:`E/DE` events per arm.

References
----------
Higgins JPT, Eldridge S, Li T (eds) (2023). Chapter 23: Including variants on
randomized trials. In Higgins JPT et al. (eds), Cochrane Handbook for Systematic
Reviews of Interventions, version 6.4. Cochrane.

Higgins JPT, Deeks JJ, Altman DG (eds) (2011). Chapter 16: Special topics in
statistics. In Cochrane Handbook for Systematic Reviews of Interventions, version
5.1.0. The Cochrane Collaboration.

"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._checks import positive, require
from ._convert_base import (
    HANDBOOK,
    Converted,
    FloatArray,
    as_float,
    broadcast,
    floats,
    ro,
    sample_size,
)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class EffectiveSize(Converted):
    """Arm sizes (and events) of a cluster trial reduced by the design effect."""

    n: FloatArray
    events: FloatArray | None
    design_effect: FloatArray
    method: str


def design_effect(icc: object, m: object) -> FloatArray:
    r"""Design effect of a cluster-randomised trial, :math:`1 + (M - 1)\,ICC`.

    Parameters
    ----------
    icc : array-like
        Intracluster correlation coefficients, in [0, 1].
    m : array-like
        Mean cluster sizes (>= 1).

    Returns
    -------
    ndarray
        The design effects (Cochrane Handbook 23.1.4).

    Examples
    --------
    >>> from metareview.effects.convert import design_effect
    >>> float(design_effect(0.02, 11))
    1.2

    """
    rho, size = floats(icc=icc, m=m)
    _check_cluster(rho, size)
    return ro(1 + (size - 1) * rho)


def _check_cluster(icc: FloatArray, m: FloatArray) -> None:
    with np.errstate(invalid="ignore"):
        require("icc", icc, (icc >= 0) & (icc <= 1), "between 0 and 1")
        require("m", m, m >= 1, ">= 1 (the mean cluster size)")


def effective_n(
    n: object, icc: object, m: object, *, events: object = None
) -> EffectiveSize:
    r"""Effective sample size (and events) of a cluster-randomised arm.

    :math:`N/DE` and :math:`E/DE` with :math:`DE = 1 + (M - 1)\,ICC` (Cochrane
    Handbook 23.1.4). Means and SDs are unchanged; round the results yourself if a
    program needs whole numbers.

    Examples
    --------
    >>> from metareview.effects.convert import effective_n
    >>> res = effective_n(295, 0.02, 11, events=63)
    >>> round(float(res.n), 2), round(float(res.events), 2)
    (245.83, 52.5)

    """
    values = {"n": as_float("n", n), "icc": as_float("icc", icc), "m": as_float("m", m)}
    if events is not None:
        values["events"] = as_float("events", events)
    arrays = dict(zip(values, broadcast(**values), strict=True))
    sample_size("n", arrays["n"], low=1)
    _check_cluster(arrays["icc"], arrays["m"])
    de = 1 + (arrays["m"] - 1) * arrays["icc"]
    ev: NDArray[Any] | None = None
    if events is not None:
        positive("events", arrays["events"], allow_zero=True)
        with np.errstate(invalid="ignore"):
            require("events", arrays["events"], arrays["events"] <= arrays["n"], "<= n")
        ev = ro(arrays["events"] / de)
    return EffectiveSize(
        n=ro(arrays["n"] / de), events=ev, design_effect=ro(de),
        method=f"effective size = N / (1 + (M - 1) ICC) ({HANDBOOK} 23.1.4)",
    )  # fmt: skip
