r"""Single proportions, correlations and two-group incidence rates.

PR, PLO and PFT; COR and ZCOR; IRR and IRD.

Proportions: :math:`x` events among :math:`n`, :math:`p = x/n`:

.. math::

    \text{PR: } y = p, \quad v = \frac{p(1-p)}{n}

    \text{PLO: } y = \ln\frac{p}{1-p}, \quad v = \frac1x + \frac1{n - x}

    \text{PFT: } y = \tfrac12\left[\arcsin\sqrt{\frac{x}{n+1}}
    + \arcsin\sqrt{\frac{x+1}{n+1}}\right], \quad v = \frac1{4n + 2}
    \qquad \text{(Freeman & Tukey 1950)}

PFT is half the double arcsine of Freeman & Tukey, as in metafor, so its variance is a
quarter of the :math:`1/(n + 1/2)` given by Miller (1978). With ``add``/``to``, the
constant goes to both :math:`x` and :math:`n - x`; for PFT metafor's default is
``add=0``.

Correlations :math:`r` from :math:`n` pairs (Borenstein 2009, eq. 12.27; Fisher 1921):

.. math::

    \text{COR: } y = r, \quad v = \frac{(1 - r^2)^2}{n - 1}; \qquad
    \text{ZCOR: } y = \tfrac12 \ln\frac{1 + r}{1 - r}, \quad v = \frac1{n - 3}

Incidence rates, :math:`x_j` events in :math:`t_j` person-time (Rothman, Greenland &
Lash 2008):

.. math::

    \text{IRR: } y = \ln\frac{x_1/t_1}{x_2/t_2}, \quad v = \frac1{x_1} + \frac1{x_2};
    \qquad \text{IRD: } y = \frac{x_1}{t_1} - \frac{x_2}{t_2}, \quad
    v = \frac{x_1}{t_1^2} + \frac{x_2}{t_2^2}

References
----------
Freeman MF, Tukey JW (1950). Transformations related to the angular and the square
root. Ann Math Stat 21:607-611. doi:10.1214/aoms/1177729756

Miller JJ (1978). The inverse of the Freeman-Tukey double arcsine transformation.
Am Stat 32:138. doi:10.1080/00031305.1978.10479283

Fisher RA (1921). On the "probable error" of a coefficient of correlation deduced
from a small sample. Metron 1:3-32.

Rothman KJ, Greenland S, Lash TL (2008). Modern Epidemiology, 3rd ed. Philadelphia:
Lippincott Williams & Wilkins.

"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._zerocells import adjust

FloatArray = NDArray[np.float64]

PROPORTIONS = ("PR", "PLO", "PFT")
CORRELATIONS = ("COR", "ZCOR")
RATES = ("IRR", "IRD")


def proportion(
    measure: str, x: FloatArray, n: FloatArray, *, add: float | None, to: str
) -> tuple[FloatArray, FloatArray]:
    """PR, PLO or PFT of ``x`` events among ``n``; ``add=None`` is metafor's default."""
    if add is None:
        add = 0.0 if measure == "PFT" else 0.5
    x, rest = adjust([x, n - x], add, to)
    n = x + rest
    if measure == "PR":
        p = x / n
        return p, p * (1 - p) / n
    if measure == "PLO":
        return np.log(x / rest), 1 / x + 1 / rest
    y = 0.5 * (np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1))))
    return y, 1 / (4 * n + 2)


def correlation(
    measure: str, r: FloatArray, n: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """COR or ZCOR of correlations ``r`` from ``n`` pairs."""
    if measure == "COR":
        return r.copy(), (1 - r**2) ** 2 / (n - 1)
    return np.arctanh(r), 1 / (n - 3)


def no_events(x1: FloatArray, x2: FloatArray) -> NDArray[np.bool_]:
    """Studies with no events in either group (the ones ``drop00`` leaves out)."""
    return (x1 == 0) & (x2 == 0)


def rate(
    measure: str,
    x1: FloatArray,
    t1: FloatArray,
    x2: FloatArray,
    t2: FloatArray,
    *,
    add: float | None,
    to: str,
    drop00: bool,
) -> tuple[FloatArray, FloatArray]:
    """IRR or IRD; ``add``/``to`` act on the event counts, ``drop00`` on x1 = x2 = 0."""
    drop = no_events(x1, x2) if drop00 else None
    x1, x2 = adjust([x1, x2], 0.5 if add is None else add, to, drop)
    if measure == "IRR":
        # a difference of logs, as R metafor evaluates it (equal to its last digit)
        return np.log(x1 / t1) - np.log(x2 / t2), 1 / x1 + 1 / x2
    return x1 / t1 - x2 / t2, x1 / t1**2 + x2 / t2**2


__all__ = [
    "CORRELATIONS",
    "PROPORTIONS",
    "RATES",
    "correlation",
    "no_events",
    "proportion",
    "rate",
]
