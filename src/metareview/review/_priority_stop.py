"""Statistical stopping guide for prioritised screening (Callaghan & Müller-Hansen).

The reviewer screens records in the order a model proposes. The guide asks whether
the records screened last, treated as a random sample of the records that were
still unscreened when they were drawn, make the null hypothesis "recall is below
the target" implausible. It never stops anything itself: it reports a p-value, the
decision it supports, a recall estimate and how many more records to screen.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import hypergeom

from metareview._validate import InputError, InputTypeError, fraction

__all__ = ["StoppingGuide", "stopping_guide", "stopping_sample_size"]

IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class StoppingGuide:
    """Result of :func:`stopping_guide`.

    Attributes
    ----------
    pval : float
        p-value of H0 "recall < target_recall" (the smallest over the candidate
        samples in ranked quasi-sampling).
    stop : bool
        ``pval < alpha``: H0 is rejected, so stopping keeps recall at or above the
        target with error probability at most ``alpha``.
    recall_est : float
        Point estimate of the recall reached, from the sample that gave ``pval``.
    recall_lb : float
        One-sided ``1 - alpha`` lower confidence bound for the recall reached.
    n_screened, n_relevant, n_records : int
        Records screened, relevant records found among them, records in all.
    n_sample, k_sample : int
        Size of the sample (the last ``n_sample`` records screened) that gave
        ``pval``, and the relevant records in it.
    K_tar : int
        Smallest number of relevant records in the sampled population compatible
        with H0.
    n_more : int
        Further records to screen, none of them relevant, before H0 would be
        rejected (0 when ``stop``); the records left when even that would not do.
    target_recall, alpha : float
        The target recall and the significance level.
    method : str
        ``"quasi"`` (ranked quasi-sampling) or ``"random"`` (explicit sample).

    """

    pval: float
    stop: bool
    recall_est: float
    recall_lb: float
    n_screened: int
    n_relevant: int
    n_records: int
    n_sample: int
    k_sample: int
    K_tar: int
    n_more: int
    target_recall: float
    alpha: float
    method: str

    def __str__(self) -> str:
        verdict = "safe to stop" if self.stop else "keep screening"
        return (
            f"Stopping guide ({self.method} sampling, target recall "
            f"{self.target_recall:g}, alpha {self.alpha:g}): {verdict}\n"
            f"  screened {self.n_screened} of {self.n_records}, "
            f"relevant found {self.n_relevant}\n"
            f"  sample: last {self.n_sample} screened, {self.k_sample} relevant; "
            f"K_tar = {self.K_tar}; p = {self.pval:.4g}\n"
            f"  recall estimate {self.recall_est:.3f}, "
            f"{1 - self.alpha:g} lower bound {self.recall_lb:.3f}; "
            f"records still to screen if none is relevant: {self.n_more}"
        )


def _decisions(decisions: object) -> IntArray:
    try:
        arr = np.asarray(decisions, dtype=float)
    except (TypeError, ValueError):
        raise InputTypeError(
            "decisions must be a sequence of 0/1 screening decisions in "
            f"screening order; got {type(decisions).__name__}"
        ) from None
    if arr.ndim != 1:
        raise InputError(f"decisions must be one-dimensional; got shape {arr.shape}")
    bad = np.flatnonzero((arr != 0) & (arr != 1))
    if bad.size:
        raise InputError(
            "decisions must hold 1 (relevant) or 0 (irrelevant); position "
            f"{int(bad[0])} is {arr[bad[0]].item():g}"
        )
    return arr.astype(np.int64)


def _urn_pvalues(
    d: IntArray, n_records: int, R: int, sizes: IntArray
) -> tuple[NDArray[np.float64], IntArray, IntArray, IntArray]:
    """p-values of "at least R relevant records in all" for trailing urns.

    The urns are the last ``sizes`` decisions. Returns p, k, K (the relevant
    records the urn's population holds when the total is R) and M (its size).
    """
    k = np.cumsum(d[::-1])[sizes - 1]
    K = R - (int(d.sum()) - k)
    M = n_records - d.size + sizes
    with np.errstate(invalid="ignore"):
        p = hypergeom.cdf(k, M, np.minimum(K, M), sizes)
    # More relevant records than the population holds: H0 is impossible.
    p = np.where(K > M, 0.0, p)
    return np.asarray(p, dtype=float), k, K, M


def _r_h0(rho: int, tau: float) -> int:
    """Smallest total of relevant records with recall rho / R below tau."""
    return math.floor(rho / tau) + 1


def _candidate_sizes(d: IntArray, n_sample: int | None) -> IntArray:
    if n_sample is not None:
        return np.array([n_sample], dtype=np.int64)
    # p falls as an urn grows by an irrelevant record (more draws, same k), so the
    # minimum lies at the end of a run of irrelevant records: just before an older
    # relevant record, or at the whole sequence.
    rev = d[::-1]
    sizes = np.flatnonzero(rev == 1).astype(np.int64)
    sizes = np.append(sizes[sizes > 0], d.size)
    return np.unique(sizes)


def _min_p(
    d: IntArray, n_records: int, R: int, n_sample: int | None
) -> tuple[float, int, int, int, int]:
    sizes = _candidate_sizes(d, n_sample)
    p, k, K_tar, M = _urn_pvalues(d, n_records, R, sizes)
    i = int(np.argmin(p))
    return float(p[i]), int(sizes[i]), int(k[i]), int(K_tar[i]), int(M[i])


def stopping_guide(
    decisions: Sequence[int] | NDArray[np.int64],
    n_records: int,
    *,
    n_sample: int | None = None,
    target_recall: float = 0.95,
    alpha: float = 0.05,
) -> StoppingGuide:
    r"""Test whether prioritised screening can stop with recall above a target.

    Parameters
    ----------
    decisions : sequence of int
        Screening decisions in the order the records were screened: 1 relevant
        (included or maybe), 0 irrelevant.
    n_records : int
        Number of records in the whole set to be screened (screened or not).
    n_sample : int, optional
        If the last ``n_sample`` decisions come from a simple random sample of the
        records left after prioritised screening, the test uses that sample
        ("random sampling"). If None (default), every run of trailing decisions
        is treated as such a sample and the smallest p-value is used ("ranked
        quasi-sampling").
    target_recall : float
        Recall the review must reach, a fraction (default 0.95).
    alpha : float
        Significance level: the accepted probability of stopping below the
        target (default 0.05).

    Returns
    -------
    StoppingGuide

    Notes
    -----
    Callaghan & Müller-Hansen (2020), section "A hypergeometric test for
    stopping". Of :math:`N` records, :math:`s` have been screened and
    :math:`\rho_{seen}` relevant ones found. The last :math:`n` screened records
    are taken as a sample drawn without replacement from the
    :math:`M = N - s + n` records that were unscreened before them; :math:`k` of
    them are relevant and :math:`\rho_{AL} = \rho_{seen} - k` were found before.
    The null hypothesis is that recall is below the target :math:`\tau_{tar}`;
    it holds exactly when the sampled population held at least

    .. math:: K_{tar} = \lfloor \rho_{seen} / \tau_{tar} - \rho_{AL} + 1 \rfloor

    relevant records. The number of relevant records in the sample is
    hypergeometric, so

    .. math:: p = P(X \le k), \quad X \sim \mathrm{Hypergeometric}(M, K_{tar}, n),

    and since :math:`P(X \le k)` falls as the number of relevant records rises,
    :math:`p` bounds the probability under every population compatible with
    H0. H0 is rejected (safe to stop) when :math:`p < \alpha`. In ranked
    quasi-sampling the paper takes the minimum over :math:`n`; records the model
    ranked higher are more likely relevant than random ones, which makes the
    test conservative. The minimum lies at the end of a run of irrelevant
    records, so only those :math:`n` are evaluated.

    With few relevant records the test is demanding by nature: while
    :math:`\rho_{seen} < \tau_{tar}/(1 - \tau_{tar})` (19 for 0.95),
    :math:`K_{tar} = 1` for a sample without relevant records, since missing
    a single record already breaks the target, and :math:`p = (M - n)/M` needs
    :math:`n > (1 - \alpha) M`: nearly all remaining records.

    ``recall_est`` is :math:`\rho_{seen} / (\rho_{AL} + k M / n)` for the sample
    giving :math:`p`; ``recall_lb`` is :math:`\rho_{seen} / R`, with :math:`R`
    the largest total of relevant records whose test is not rejected.
    ``n_more`` is the smallest number of further irrelevant records after
    which :math:`p < \alpha`.

    References
    ----------
    Callaghan MW, Müller-Hansen F (2020). Statistical stopping criteria for
    automated screening in systematic reviews. Systematic Reviews 9:273.
    https://doi.org/10.1186/s13643-020-01521-4

    Examples
    --------
    Two relevant records in the first ten, then 90 irrelevant ones, of 1000:

    >>> from metareview.review.priority import stopping_guide
    >>> g = stopping_guide([1, 1] + [0] * 98, 1000)
    >>> g.stop, round(g.pval, 3)
    (False, 0.902)

    """
    d = _decisions(decisions)
    tau = fraction("target_recall", target_recall)
    a = fraction("alpha", alpha)
    if isinstance(n_records, bool) or not isinstance(n_records, int | np.integer):
        raise InputTypeError(f"n_records must be an integer; got {n_records!r}")
    n_records = int(n_records)
    s = d.size
    if s == 0:
        raise InputError("decisions is empty: screen some records first")
    if n_records < s:
        raise InputError(
            f"n_records ({n_records}) is smaller than the number of decisions ({s})"
        )
    if n_sample is not None:
        if isinstance(n_sample, bool) or not isinstance(n_sample, int | np.integer):
            raise InputTypeError(f"n_sample must be an integer; got {n_sample!r}")
        if not 1 <= n_sample <= s:
            raise InputError(
                f"n_sample must be between 1 and the number of decisions ({s}); "
                f"got {n_sample}"
            )
        n_sample = int(n_sample)
    rho = int(d.sum())
    p, n, k, K_tar, M = _min_p(d, n_records, _r_h0(rho, tau), n_sample)
    stop = p < a
    recall_est = 1.0 if rho == 0 else rho / (rho - k + k * M / n)
    return StoppingGuide(
        pval=p,
        stop=stop,
        recall_est=recall_est,
        recall_lb=_recall_lb(d, n_records, a, n_sample),
        n_screened=s,
        n_relevant=rho,
        n_records=n_records,
        n_sample=n,
        k_sample=k,
        K_tar=K_tar,
        n_more=0 if stop else _n_more(d, n_records, tau, a, n_sample),
        target_recall=tau,
        alpha=a,
        method="quasi" if n_sample is None else "random",
    )


def _recall_lb(
    d: IntArray, n_records: int, alpha: float, n_sample: int | None
) -> float:
    """Lower confidence bound for recall: rho / (largest R not rejected)."""
    rho = int(d.sum())
    if rho == 0:
        return 0.0
    unseen = n_records - d.size

    def rejected(R: int) -> bool:
        return _min_p(d, n_records, R, n_sample)[0] < alpha

    # The largest R with H0 not rejected lies in [rho, rho + unseen]; p falls in R.
    lo, hi = rho, rho + unseen
    if not rejected(hi):
        return rho / hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if rejected(mid):
            hi = mid
        else:
            lo = mid
    return rho / lo


def _n_more(
    d: IntArray, n_records: int, tau: float, alpha: float, n_sample: int | None
) -> int:
    """Smallest m such that m further irrelevant records make p < alpha."""
    unseen = n_records - d.size

    def rejected(m: int) -> bool:
        ext = np.concatenate([d, np.zeros(m, dtype=np.int64)])
        ns = None if n_sample is None else n_sample + m
        return _min_p(ext, n_records, _r_h0(int(d.sum()), tau), ns)[0] < alpha

    lo, hi = 0, unseen
    if not rejected(hi):
        return unseen
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if rejected(mid):
            hi = mid
        else:
            lo = mid
    return hi


def stopping_sample_size(
    n_remaining: int,
    n_relevant: int,
    *,
    target_recall: float = 0.95,
    alpha: float = 0.05,
) -> int:
    r"""Random-sample size needed to stop if the sample holds no relevant record.

    Parameters
    ----------
    n_remaining : int
        Records left unscreened after prioritised screening.
    n_relevant : int
        Relevant records found by prioritised screening (:math:`\rho_{AL}`).
    target_recall, alpha : float
        As in :func:`stopping_guide`.

    Returns
    -------
    int
        Smallest :math:`n` with :math:`P(X = 0) < \alpha` for
        :math:`X \sim \mathrm{Hypergeometric}(M, K_{tar}, n)`, :math:`M` =
        ``n_remaining``, :math:`K_{tar} = \lfloor \rho_{AL}/\tau_{tar} - \rho_{AL}
        + 1\rfloor`; at most ``n_remaining`` (screen everything).

    Notes
    -----
    Callaghan & Müller-Hansen (2020): with :math:`k = 0` the p-value of
    :func:`stopping_guide` is
    :math:`P(X = 0) = \prod_{i=0}^{n-1} (M - K_{tar} - i)/(M - i)`, which falls
    with :math:`n`; the planning question is the first :math:`n` below
    :math:`\alpha`. Finding a relevant record in the sample raises the size
    needed: re-run :func:`stopping_guide` as the sample is screened.

    References
    ----------
    Callaghan MW, Müller-Hansen F (2020). Systematic Reviews 9:273.
    https://doi.org/10.1186/s13643-020-01521-4

    Examples
    --------
    >>> from metareview.review.priority import stopping_sample_size
    >>> stopping_sample_size(1000, 50)
    631

    """
    for name, v in (("n_remaining", n_remaining), ("n_relevant", n_relevant)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 0:
            raise InputError(f"{name} must be a non-negative integer; got {v!r}")
    tau = fraction("target_recall", target_recall)
    a = fraction("alpha", alpha)
    M = int(n_remaining)
    K = _r_h0(int(n_relevant), tau) - int(n_relevant)
    if K > M:
        return 0
    n = np.arange(0, M + 1)
    p0 = hypergeom.pmf(0, M, K, n)
    hit = np.flatnonzero(p0 < a)
    return int(hit[0]) if hit.size else M
