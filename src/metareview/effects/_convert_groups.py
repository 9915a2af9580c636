r"""Arm-level conversions: change scores, cross-over and multi-arm trials.

Change from baseline (Cochrane Handbook 6.5.2.8; 16.1.3.2 in version 5.1), with
:math:`r` the correlation between baseline and final measurements:

.. math::

    SD_{change} = \sqrt{SD_{base}^2 + SD_{final}^2 - 2r\,SD_{base}SD_{final}},
    \quad
    r = \frac{SD_{base}^2 + SD_{final}^2 - SD_{change}^2}{2\,SD_{base}SD_{final}}

Cross-over trials analysed as parallel-group data with an imputed within-patient
correlation (Handbook 5.1, 16.4.6.4; Elbourne et al. 2002): :math:`MD = M_E - M_C`,
:math:`SE = SD_{diff}/\sqrt n` with :math:`SD_{diff}` as :math:`SD_{change}`
above, and :math:`SMD = MD/SD` with :math:`SD = \sqrt{(SD_E^2 + SD_C^2)/2}` and
:math:`SE = \sqrt{1/n + SMD^2/(2n)}\,\sqrt{2(1 - r)}`.

Combining two groups into one (Handbook Table 6.5.a; Table 7.7.a in 5.1):

.. math::

    N = N_1 + N_2, \quad M = \frac{N_1 M_1 + N_2 M_2}{N}, \quad
    SD = \sqrt{\frac{(N_1 - 1)SD_1^2 + (N_2 - 1)SD_2^2
    + \frac{N_1 N_2}{N}(M_1 - M_2)^2}{N - 1}}

which is the mean and SD of the pooled sample, so applying it repeatedly combines
any number of groups in any order.

A shared control group is split into :math:`k` parts of about :math:`N/k`
participants (and events) so that it is not counted twice (Handbook 23.3.4).

References
----------
Higgins JPT, Thomas J, Chandler J, et al. (eds) (2023). Cochrane Handbook for
Systematic Reviews of Interventions, version 6.4, chapters 6 and 23. Cochrane.

Higgins JPT, Green S (eds) (2011). Cochrane Handbook for Systematic Reviews of
Interventions, version 5.1.0, chapters 7 and 16. The Cochrane Collaboration.

Elbourne DR, Altman DG, Higgins JPT, Curtin F, Worthington HV, Vail A (2002).
Meta-analyses involving cross-over trials: methodological issues. Int J Epidemiol
31:140-149. doi:10.1093/ije/31.1.140

"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._validate import InputError, choice, positive_int
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
from ._convert_se import ConvertedSD
from ._convert_smd import EffectSize


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Correlation(Converted):
    """Correlations derived from reported SDs."""

    r: FloatArray
    """Values outside [-1, 1] mean the three SDs are inconsistent."""
    method: str


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class CombinedGroups(Converted):
    """One group made of several: size, mean and SD of the pooled sample."""

    n: FloatArray
    mean: FloatArray
    sd: FloatArray
    method: str


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class SplitGroup(Converted):
    """A shared group split into ``k`` parts, last axis one part each."""

    n: FloatArray
    events: FloatArray | None
    k: int
    method: str

    def to_frame(self) -> pd.DataFrame:
        """One row per part: ``part`` (1..k), ``n``, ``events`` and ``method``."""
        out = pd.DataFrame(
            {"part": np.tile(np.arange(1, self.k + 1), self.n.size // self.k)}
        )
        out["n"] = np.ravel(self.n)
        if self.events is not None:
            out["events"] = np.ravel(self.events)
        out["method"] = self.method
        return out


def sd_change(sd_baseline: object, sd_final: object, r: object) -> ConvertedSD:
    r"""SD of the change from baseline, imputed with a correlation ``r``.

    :math:`\sqrt{SD_b^2 + SD_f^2 - 2 r SD_b SD_f}` (Cochrane Handbook 6.5.2.8).

    Examples
    --------
    >>> from metareview.effects.convert import sd_change
    >>> round(float(sd_change(2.38, 2.21, 0.68).sd), 4)
    1.8426

    """
    sb, sf, corr = floats(sd_baseline=sd_baseline, sd_final=sd_final, r=r)
    positive("sd_baseline", sb, allow_zero=True)
    positive("sd_final", sf, allow_zero=True)
    with np.errstate(invalid="ignore"):
        require("r", corr, np.abs(corr) <= 1, "between -1 and 1")
        sd = np.sqrt(sb**2 + sf**2 - 2 * corr * sb * sf)
    return ConvertedSD(
        sd=ro(sd),
        method=f"SD(change) = sqrt(SDb^2 + SDf^2 - 2 r SDb SDf) ({HANDBOOK} 6.5.2.8)",
    )


def correlation_from_change(
    sd_baseline: object, sd_final: object, sd_change: object
) -> Correlation:
    r"""Correlation implied by baseline, final and change SDs (Handbook 6.5.2.8).

    :math:`r = (SD_b^2 + SD_f^2 - SD_c^2)/(2 SD_b SD_f)`, from a study that
    reports all three, to impute ``r`` in :func:`sd_change` for the others.

    Examples
    --------
    >>> from metareview.effects.convert import correlation_from_change
    >>> round(float(correlation_from_change(2.38, 2.21, 1.8426).r), 3)
    0.68

    """
    sb, sf, sc = floats(sd_baseline=sd_baseline, sd_final=sd_final, sd_change=sd_change)
    positive("sd_baseline", sb)
    positive("sd_final", sf)
    positive("sd_change", sc, allow_zero=True)
    return Correlation(
        r=ro((sb**2 + sf**2 - sc**2) / (2 * sb * sf)),
        method=f"r = (SDb^2 + SDf^2 - SDc^2) / (2 SDb SDf) ({HANDBOOK} 6.5.2.8)",
    )


def crossover(
    m1: object,
    sd1: object,
    m2: object,
    sd2: object,
    n: object,
    *,
    r: object = None,
    sd_diff: object = None,
    measure: str = "MD",
) -> EffectSize:
    r"""Paired effect of a cross-over trial from its period-free arm summaries.

    Parameters
    ----------
    m1, sd1, m2, sd2 : array-like
        Means and SDs under the experimental and control treatments.
    n : array-like
        Number of participants (each receives both treatments).
    r : array-like, optional
        Imputed within-patient correlation.
    sd_diff : array-like, optional
        SD of the within-patient differences, when reported or imputed instead.
        Give ``r`` or ``sd_diff``; SMD needs ``r`` or derives it from ``sd_diff``.
    measure : {"MD", "SMD"}
        The mean difference, or the SMD standardised by the average SD.

    Returns
    -------
    EffectSize
        ``yi`` and ``vi = SE^2`` (Handbook 5.1, 16.4.6.4; formulas in the module
        docstring).

    Examples
    --------
    Handbook 5.1, 16.4.6.4: means 7.0 and 6.5, SDs 2.38 and 2.21, 10 patients.

    >>> from metareview.effects.convert import crossover
    >>> res = crossover(7.0, 2.38, 6.5, 2.21, 10, r=0.68)
    >>> round(float(res.yi), 3), round(float(res.vi) ** 0.5, 3)
    (0.5, 0.583)

    """
    measure = choice("measure", measure, ("MD", "SMD"))
    if (r is None) == (sd_diff is None):
        raise InputError("give either r= or sd_diff= (not both)")
    e, se_, c, sc, size = floats(m1=m1, sd1=sd1, m2=m2, sd2=sd2, n=n)
    positive("sd1", se_)
    positive("sd2", sc)
    sample_size("n", size)
    if r is not None:
        corr = broadcast(r=as_float("r", r), n=size)[0]
        diff = sd_change(se_, sc, corr).sd
        source = "r"
    else:
        diff = broadcast(sd_diff=as_float("sd_diff", sd_diff), n=size)[0]
        positive("sd_diff", diff)
        corr = correlation_from_change(se_, sc, diff).r
        source = "SDdiff"
    md = e - c
    if measure == "MD":
        return EffectSize(
            yi=ro(md), vi=ro(diff**2 / size), measure="MD",
            method=(
                f"cross-over MD, SE = SDdiff / sqrt(n), SDdiff from {source} "
                "(Cochrane Handbook 5.1, 16.4.6.4)"
            ),
        )  # fmt: skip
    smd = md / np.sqrt((se_**2 + sc**2) / 2)
    with np.errstate(invalid="ignore"):
        v = (1 / size + smd**2 / (2 * size)) * 2 * (1 - corr)
    return EffectSize(
        yi=ro(smd), vi=ro(v), measure="SMD",
        method=(
            "cross-over SMD = MD / sqrt((SD1^2 + SD2^2)/2), "
            "SE = sqrt(1/n + SMD^2/(2n)) * sqrt(2(1 - r)) "
            "(Cochrane Handbook 5.1, 16.4.6.4)"
        ),
    )  # fmt: skip


_COMBINE = (
    f"combined groups: N = N1 + N2, M = (N1 M1 + N2 M2)/N, SD pooled with the "
    f"between-group term ({HANDBOOK} Table 6.5.a)"
)


def combine_groups(
    n1: object, m1: object, sd1: object, n2: object, m2: object, sd2: object
) -> CombinedGroups:
    r"""Combine two groups into one (Cochrane Handbook Table 6.5.a).

    Examples
    --------
    >>> from metareview.effects.convert import combine_groups
    >>> res = combine_groups(10, 5.0, 2.0, 10, 5.0, 2.0)
    >>> float(res.n), float(res.mean), round(float(res.sd), 4)
    (20.0, 5.0, 1.9467)

    """
    a_n, a_m, a_s, b_n, b_m, b_s = floats(n1=n1, m1=m1, sd1=sd1, n2=n2, m2=m2, sd2=sd2)
    for name, arr in (("n1", a_n), ("n2", b_n)):
        sample_size(name, arr, low=1)
    for name, arr in (("sd1", a_s), ("sd2", b_s)):
        positive(name, arr, allow_zero=True)
    n, mean, sd = _combine(a_n, a_m, a_s, b_n, b_m, b_s)
    return CombinedGroups(n=ro(n), mean=ro(mean), sd=ro(sd), method=_COMBINE)


def _combine(
    n1: FloatArray,
    m1: FloatArray,
    s1: FloatArray,
    n2: FloatArray,
    m2: FloatArray,
    s2: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    n = n1 + n2
    mean = (n1 * m1 + n2 * m2) / n
    ss = (n1 - 1) * s1**2 + (n2 - 1) * s2**2 + n1 * n2 / n * (m1 - m2) ** 2
    return n, mean, np.sqrt(ss / (n - 1))


def combine_arms(n: Any, mean: Any, sd: Any) -> CombinedGroups:
    r"""Combine ``k`` groups into one by repeated use of :func:`combine_groups`.

    Parameters
    ----------
    n, mean, sd : array-like, shape (k,) or (k, studies)
        Sizes, means and SDs of the arms to merge, arms along the first axis.
        Missing arms (NaN in all three) are skipped.

    Returns
    -------
    CombinedGroups
        Shape () or (studies,). The pairwise formula gives the mean and SD of the
        pooled sample, so the order of the arms does not matter.

    Examples
    --------
    >>> from metareview.effects.convert import combine_arms
    >>> res = combine_arms([10, 12, 8], [5.0, 6.0, 4.0], [2.0, 2.5, 1.5])
    >>> float(res.n), round(float(res.mean), 4), round(float(res.sd), 4)
    (30.0, 5.1333, 2.1969)

    """
    ns, ms, ss = floats(n=n, mean=mean, sd=sd)
    if ns.ndim == 0 or ns.shape[0] < 1:
        raise InputError(f"n must list the arms along its first axis; got {n!r}")
    sample_size("n", ns, low=1)
    positive("sd", ss, allow_zero=True)
    total, avg, dev = ns[0], ms[0], ss[0]
    for k in range(1, ns.shape[0]):
        missing = np.isnan(ns[k]) & np.isnan(ms[k]) & np.isnan(ss[k])
        step = _combine(total, avg, dev, ns[k], ms[k], ss[k])
        first = np.isnan(total) & np.isnan(avg) & np.isnan(dev)
        total, avg, dev = (
            np.where(missing, old, np.where(first, new_arm, new))
            for old, new, new_arm in zip(
                (total, avg, dev), step, (ns[k], ms[k], ss[k]), strict=True
            )
        )
    return CombinedGroups(
        n=ro(total), mean=ro(avg), sd=ro(dev),
        method=_COMBINE + f", applied to {ns.shape[0]} arms in turn",
    )  # fmt: skip


def split_control(
    n: object, k: int, *, events: object = None, integer: bool = False
) -> SplitGroup:
    r"""Split a shared control group into ``k`` parts (Cochrane Handbook 23.3.4).

    Parameters
    ----------
    n : array-like
        Size of the shared group (one per study).
    k : int
        Number of comparisons that share it.
    events : array-like, optional
        Its events, for a binary outcome (split the same way).
    integer : bool
        Whole participants: the first ``n mod k`` parts get one more (events
        likewise, so that no part has more events than participants). Otherwise
        every part gets ``n / k``. Means and SDs stay as they are.

    Returns
    -------
    SplitGroup
        ``n`` (and ``events``) with a last axis of length ``k``.

    Examples
    --------
    >>> from metareview.effects.convert import split_control
    >>> split_control(25, 2, events=7, integer=True).n.tolist()
    [13.0, 12.0]

    """
    k = positive_int("k", k)
    size = as_float("n", n)
    sample_size("n", size, low=1)
    arrays = [size]
    if events is not None:
        size, ev = broadcast(n=size, events=as_float("events", events))
        positive("events", ev, allow_zero=True)
        with np.errstate(invalid="ignore"):
            require("events", ev, ev <= size, "<= n")
        arrays = [size, ev]
    parts = [_split(a, k, integer) for a in arrays]
    how = "whole participants, remainder to the first parts" if integer else "N/k each"
    return SplitGroup(
        n=ro(parts[0]), events=ro(parts[1]) if events is not None else None, k=k,
        method=f"shared group split into {k} parts, {how} ({HANDBOOK} 23.3.4)",
    )  # fmt: skip


def _split(values: FloatArray, k: int, integer: bool) -> FloatArray:
    shaped = values[..., None]
    if not integer:
        return np.repeat(shaped / k, k, axis=-1)
    if np.any(np.mod(values[~np.isnan(values)], 1) != 0):
        raise InputError("integer=True needs whole numbers of participants and events")
    base = np.floor(shaped / k)
    extra = (np.arange(k) < np.mod(shaped, k)).astype(np.float64)
    return base + extra
