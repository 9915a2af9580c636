"""Screening prioritisation: ranking, stopping guide, and replay of labelled sets.

- :func:`rank_records` orders unscreened records by predicted relevance
  (TF-IDF + logistic regression, naive Bayes or linear SVM; :class:`Ranker`
  keeps the features so refitting after each decision is fast);
- :func:`stopping_guide` and :func:`stopping_sample_size` tell when stopping is
  statistically safe (Callaghan & Müller-Hansen 2020), never a silent cut-off;
- :func:`simulate_screening` replays a labelled record set and reports recall
  curves, WSS@95, WSS@100, RRF@10 and where the stopping guide would stop;
  :func:`wss` and :func:`rrf` compute the metrics for any screening order.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from metareview._validate import (
    InputError,
    InputTypeError,
    fraction,
    generator,
    readonly,
)
from metareview.review._priority_model import (
    MODELS,
    Ranker,
    _labels,
    rank_records,
)
from metareview.review._priority_stop import (
    StoppingGuide,
    _min_p,
    _r_h0,
    stopping_guide,
    stopping_sample_size,
)

__all__ = [
    "MODELS",
    "Ranker",
    "SimulationResult",
    "StoppingGuide",
    "rank_records",
    "rrf",
    "simulate_screening",
    "stopping_guide",
    "stopping_sample_size",
    "wss",
]

FloatArray = NDArray[np.float64]


def _ordered(included: object) -> NDArray[np.int64]:
    arr = np.asarray(included, dtype=float)
    if arr.ndim != 1 or arr.size == 0 or not np.isin(arr, (0, 1)).all():
        raise InputError(
            "included must be a non-empty sequence of 1/0 labels in screening order"
        )
    if arr.sum() == 0:
        raise InputError("included holds no relevant record (1): recall is undefined")
    return arr.astype(np.int64)


def wss(included: object, recall: float = 0.95) -> float:
    r"""Work saved over sampling at a recall level.

    Parameters
    ----------
    included : sequence of int
        True labels (1 relevant, 0 not) of all records, in screening order.
    recall : float
        Recall level (0.95 gives WSS@95; use 1.0 for WSS@100).

    Returns
    -------
    float

    Notes
    -----
    Cohen et al. (2006), p. 209:
    :math:`\mathrm{WSS@}R = (TN + FN)/N - (1 - R)`, the share of the :math:`N`
    records not screened when recall :math:`R` is reached, less the share
    random order leaves unscreened. Here :math:`R` is reached after the first
    :math:`n_R` records, where they hold :math:`\lceil R \cdot n_{rel} \rceil`
    relevant ones, so :math:`\mathrm{WSS@}R = (N - n_R)/N - (1 - R)`.
    ASReview Insights' ``wss`` instead counts the first
    :math:`\lfloor R \cdot n_{rel} \rfloor` relevant records (a recall at or
    just below :math:`R`) and subtracts the screening a rounded straight-line
    random curve needs for them; its values differ by up to about
    :math:`1/n_{rel}`.

    References
    ----------
    Cohen AM, Hersh WR, Peterson K, Yen PY (2006). Reducing workload in
    systematic review preparation using automated citation classification.
    J Am Med Inform Assoc 13:206-219. https://doi.org/10.1197/jamia.M1929

    Examples
    --------
    >>> from metareview.review.priority import wss
    >>> round(wss([1, 0, 1, 0, 0, 0, 0, 0, 0, 0], 0.95), 6)
    0.65

    """
    y = _ordered(included)
    if not 0.0 < recall <= 1.0:
        raise InputError(f"recall must be in (0, 1]; got {recall!r}")
    n_rel = int(y.sum())
    need = math.ceil(recall * n_rel - 1e-9)
    n_r = int(np.searchsorted(np.cumsum(y), need)) + 1
    return (y.size - n_r) / y.size - (1.0 - recall)


def rrf(included: object, fraction_screened: float = 0.10) -> float:
    """Recall after screening the first 10% (or another fraction) of records.

    RRF@10 of van de Schoot et al. (2021): the share of relevant records found
    once ``floor(fraction_screened * N)`` records are screened.

    Examples
    --------
    >>> from metareview.review.priority import rrf
    >>> rrf([0] * 9 + [1] + [0] * 9 + [1], 0.5)
    0.5

    """
    y = _ordered(included)
    n = math.floor(fraction("fraction_screened", fraction_screened) * y.size + 1e-9)
    return float(y[:n].sum() / y.sum())


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class SimulationResult:
    """Result of :func:`simulate_screening`.

    Attributes
    ----------
    order : numpy.ndarray
        Record ids in screening order, the prior records first.
    included : numpy.ndarray
        True labels (1/0) in that order.
    n_prior : int
        Prior records (the first ``n_prior`` of ``order``); the metrics below
        leave them out, as ASReview's do.
    n_at_stop : int
        Records screened (priors included) when :func:`stopping_guide` first
        rejected "recall < target"; all records if it never did.
    recall_at_stop : float
        Recall of all relevant records (priors included) at that point.
    pval_at_stop : float
        The guide's p-value there.
    retrain_seconds : float
        Median seconds of one retrain (classifier fit + scoring the rest).
    n_retrain : int
        Number of retrains.
    model : str
    target_recall, alpha : float

    """

    order: NDArray[np.object_]
    included: NDArray[np.int64]
    n_prior: int
    n_at_stop: int
    recall_at_stop: float
    pval_at_stop: float
    retrain_seconds: float
    n_retrain: int
    model: str
    target_recall: float
    alpha: float

    @property
    def recall(self) -> FloatArray:
        """Recall after each screened record, priors left out (the recall curve)."""
        y = self.included[self.n_prior :]
        return np.cumsum(y) / y.sum()

    @property
    def wss95(self) -> float:
        """WSS@95 of :func:`wss`, priors left out."""
        return wss(self.included[self.n_prior :], 0.95)

    @property
    def wss100(self) -> float:
        """WSS@100 of :func:`wss`, priors left out."""
        return wss(self.included[self.n_prior :], 1.0)

    @property
    def rrf10(self) -> float:
        """Recall after 10% of the records are screened, priors left out."""
        return rrf(self.included[self.n_prior :], 0.10)

    def __str__(self) -> str:
        n = self.order.size
        return (
            f"Screening simulation ({self.model}): {n} records, "
            f"{int(self.included.sum())} relevant, {self.n_prior} prior\n"
            f"  WSS@95 {self.wss95:.3f}, WSS@100 {self.wss100:.3f}, "
            f"RRF@10 {self.rrf10:.3f}\n"
            f"  stopping guide (target {self.target_recall:g}, alpha "
            f"{self.alpha:g}): stop after {self.n_at_stop} ({self.n_at_stop / n:.1%}),"
            f" recall {self.recall_at_stop:.3f}\n"
            f"  retrain: median {self.retrain_seconds * 1000:.1f} ms x "
            f"{self.n_retrain}"
        )


def _batch(n_labelled: int, retrain_every: int | None) -> int:
    if retrain_every is not None:
        return retrain_every
    return max(1, n_labelled // 50)


def simulate_screening(
    records: pd.DataFrame,
    labels: pd.Series,
    *,
    model: str = "svm",
    n_prior: tuple[int, int] = (1, 1),
    target_recall: float = 0.95,
    alpha: float = 0.05,
    rng: np.random.Generator | int | None = None,
    retrain_every: int | None = None,
) -> SimulationResult:
    """Replay prioritised screening of a fully labelled record set.

    Parameters
    ----------
    records : pandas.DataFrame
        Index: record ids; columns ``title``/``abstract`` (see
        :func:`rank_records`).
    labels : pandas.Series
        The true decision (1 include, 0 exclude) of every record, by record id.
    model : {"svm", "logistic", "nb"}
        Classifier; see :class:`Ranker`.
    n_prior : (int, int)
        Included and excluded records drawn at random (from ``rng``) as prior
        knowledge before the first fit.
    target_recall, alpha : float
        Passed to :func:`stopping_guide`, applied after every decision.
    rng : numpy.random.Generator, int or None
        Draws the priors and breaks score ties.
    retrain_every : int, optional
        Refit after this many decisions. The default schedule refits after
        every decision while fewer than 100 records are labelled, then after
        every ``n_labelled // 50`` decisions (2% of those labelled).

    Returns
    -------
    SimulationResult

    Notes
    -----
    Each round fits the classifier on the records labelled so far, scores the
    others, and "screens" the top ones (the "max" query of ASReview and
    Cormack & Grossman 2014), revealing their true labels. After every decision
    the user's stopping rule is applied: :func:`stopping_guide` with ranked
    quasi-sampling over the decisions so far, priors included. The replay
    goes on past the stop until every relevant record is found, so the recall
    curve, WSS and RRF describe the whole order; the rest is appended in the
    last model's order.

    References
    ----------
    Callaghan MW, Müller-Hansen F (2020). Systematic Reviews 9:273.
    https://doi.org/10.1186/s13643-020-01521-4

    Examples
    --------
    >>> import pandas as pd
    >>> from metareview.review.priority import simulate_screening
    >>> words = ["statin cholesterol trial", "bird song", "river flow", "rock"]
    >>> recs = pd.DataFrame({"title": [words[i % 4] + f" w{i}" for i in range(40)]})
    >>> truth = pd.Series([int(i % 4 == 0) for i in range(40)], index=recs.index)
    >>> res = simulate_screening(recs, truth, rng=1)
    >>> res.included[2:9].tolist()
    [1, 1, 1, 1, 1, 1, 1]

    """
    a = fraction("alpha", alpha)
    tau = fraction("target_recall", target_recall)
    gen = generator(rng)
    ranker = Ranker(records, model=model)
    truth = _labels(labels, ranker.ids)
    if len(truth) != len(ranker.ids):
        missing = ranker.ids.difference(truth.index)
        raise InputError(
            f"labels must give the true decision of every record; {len(missing)} "
            f"record(s) have none, e.g. {missing[0]!r}"
        )
    if retrain_every is not None and (
        isinstance(retrain_every, bool)
        or not isinstance(retrain_every, int)
        or retrain_every < 1
    ):
        raise InputError(
            f"retrain_every must be an integer >= 1; got {retrain_every!r}"
        )
    y = truth.reindex(ranker.ids).to_numpy(dtype=np.int64)
    prior = _draw_prior(y, n_prior, gen)
    n = y.size
    n_rel = int(y.sum())
    order = list(prior)
    times: list[float] = []
    stop_at, p_stop = n, 1.0
    r_found = int(y[prior].sum())
    while len(order) < n:
        t0 = time.perf_counter()
        train = np.asarray(order, dtype=np.int64)
        ranked, _ = ranker.order(train, y[train], rng=gen)
        times.append(time.perf_counter() - t0)
        if r_found == n_rel and stop_at < n:
            order.extend(ranked.tolist())
            break
        take = ranked[: _batch(len(order), retrain_every)]
        for i in take.tolist():
            order.append(i)
            r_found += int(y[i])
            if stop_at == n:
                d = y[np.asarray(order)]
                p = _min_p(d, n, _r_h0(r_found, tau), None)[0]
                if p < a:
                    stop_at, p_stop = len(order), p
    idx = np.asarray(order, dtype=np.int64)
    inc = y[idx]
    return SimulationResult(
        order=readonly(np.asarray(ranker.ids[idx], dtype=object)),
        included=readonly(inc.copy()),
        n_prior=len(prior),
        n_at_stop=stop_at,
        recall_at_stop=float(inc[:stop_at].sum() / n_rel),
        pval_at_stop=p_stop,
        retrain_seconds=float(np.median(times)) if times else 0.0,
        n_retrain=len(times),
        model=ranker.model,
        target_recall=tau,
        alpha=a,
    )


def _draw_prior(
    y: NDArray[np.int64], n_prior: object, gen: np.random.Generator
) -> list[int]:
    if (
        not isinstance(n_prior, tuple | list)
        or len(n_prior) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in n_prior)
    ):
        raise InputTypeError(
            f"n_prior must be a pair (included, excluded) of integers; got {n_prior!r}"
        )
    n1, n0 = n_prior
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    if n1 < 1 or n0 < 1 or n1 > pos.size or n0 > neg.size:
        raise InputError(
            f"n_prior must be >= 1 each and at most the {pos.size} included and "
            f"{neg.size} excluded records; got {tuple(n_prior)}"
        )
    return (
        gen.choice(pos, n1, replace=False).tolist()
        + gen.choice(neg, n0, replace=False).tolist()
    )
