"""Screening prioritisation: ranking, stopping guide, metrics and simulation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

from helpers import shared_data
from metareview._validate import InputError, InputTypeError
from metareview.review._priority_model import class_weights, record_texts
from metareview.review.priority import (
    Ranker,
    rank_records,
    rrf,
    simulate_screening,
    stopping_guide,
    stopping_sample_size,
    wss,
)

# Closed-form hypergeometric sums against scipy's cdf: rounding only.
RTOL = 1e-10

TOPIC = "statin cholesterol lowering randomised trial cardiovascular events"
NOISE = [
    "bird migration patterns across the northern coast",
    "river sediment transport after heavy flooding",
    "volcanic rock formation in island arcs",
    "bee colony collapse and pesticide exposure",
    "medieval trade routes of the baltic sea",
]


def corpus(n: int = 60, every: int = 5) -> tuple[pd.DataFrame, pd.Series]:
    """Records whose relevant ones (every ``every``-th) share the TOPIC words."""
    titles, abstracts, lab = [], [], []
    for i in range(n):
        rel = i % every == 0
        words = TOPIC if rel else NOISE[i % len(NOISE)]
        titles.append(f"{words.split()[0]} study {i}")
        abstracts.append(f"{words} record{i}")
        lab.append(int(rel))
    ids = [f"r{i:03d}" for i in range(n)]
    return (
        pd.DataFrame({"title": titles, "abstract": abstracts}, index=ids),
        pd.Series(lab, index=ids),
    )


# ----------------------------------------------------------------------- ranking


@pytest.mark.parametrize("model", ["logistic", "nb", "svm"])
def test_rank_records_puts_shared_vocabulary_first(model):
    recs, truth = corpus()
    labels = truth.loc[["r000", "r001", "r002"]]  # one relevant, two not
    ranked = rank_records(recs, labels, model=model, rng=1)
    assert set(ranked.index) == set(recs.index) - set(labels.index)
    n_rel_left = int(truth.sum()) - 1
    top = ranked.index[:n_rel_left]
    assert truth.loc[top].eq(1).all()
    assert ranked.is_monotonic_decreasing
    # deterministic with a seed
    again = rank_records(recs, labels, model=model, rng=1)
    assert again.index.tolist() == ranked.index.tolist()


def test_ranker_keeps_features_and_ranks_many_times():
    recs, truth = corpus()
    ranker = Ranker(recs)
    a = ranker.rank(truth.iloc[:3], rng=0)
    b = ranker.rank(truth.iloc[:10], rng=0)
    assert len(a) == 57
    assert len(b) == 50
    assert truth.loc[b.index[:9]].eq(1).all()


def test_class_weights_hand_computed():
    # 1 relevant, 3 irrelevant, k = 5: w1 = 5 * 4 / (6 * 1) = 10/3,
    # w0 = 4 / (6 * 3) = 2/9; totals 10/3 = 5 * (3 * 2/9); mean weight 1.
    w = class_weights(np.array([1, 0, 0, 0]), 5.0)
    assert_allclose([w[1], w[0]], [10 / 3, 2 / 9], rtol=RTOL)
    # k = 1 is "balanced" (King & Zeng 2001): n / (2 n_c) = 10/4 and 10/16.
    w = class_weights(np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 0]), 1.0)
    assert_allclose([w[1], w[0]], [10 / 4, 10 / 16], rtol=RTOL)


def test_record_texts_repeats_the_title():
    recs = pd.DataFrame({"title": ["Statin trial", None], "abstract": ["LDL", "x"]})
    assert record_texts(recs).tolist() == ["Statin trial Statin trial LDL", "x"]
    assert record_texts(recs, title_weight=1).tolist() == ["Statin trial LDL", "x"]
    for bad in (0, 1.5, True):
        with pytest.raises(InputError, match="title_weight must be an integer"):
            record_texts(recs, title_weight=bad)


def test_title_weight_favours_title_matches():
    # Candidates a and b hold the same words, "alpha" in a's title and in b's
    # abstract. Counted once, the title makes them tie (their only difference,
    # the bigram order, is unseen in training); counted twice, the title term
    # of the relevant record weighs more, and a's title matches it.
    recs = pd.DataFrame(
        {
            "title": ["alpha", "gamma", "alpha", "zeta"],
            "abstract": ["beta", "delta", "zeta", "alpha"],
        },
        index=["rel", "irr", "a", "b"],
    )
    labels = pd.Series({"rel": 1, "irr": 0})
    once = Ranker(recs, title_weight=1).rank(labels, rng=0)
    assert once["a"] == pytest.approx(once["b"], abs=1e-12)
    twice = Ranker(recs).rank(labels, rng=0)
    assert twice.index.tolist() == ["a", "b"]
    assert twice["a"] > twice["b"] + 1e-3


# ------------------------------------------------------------------ input errors


def test_rank_records_needs_both_classes():
    recs, truth = corpus()
    with pytest.raises(InputError, match=r"no included \(1\) record"):
        rank_records(recs, truth.loc[["r001", "r002"]])
    with pytest.raises(InputError, match=r"no excluded \(0\) record"):
        rank_records(recs, truth.loc[["r000"]])


def test_rank_records_labels_not_in_records():
    recs, truth = corpus()
    labels = pd.concat([truth.iloc[:3], pd.Series({"zzz": 1})])
    with pytest.raises(InputError, match=r"not in records\.index.*'zzz'"):
        rank_records(recs, labels)


def test_rank_records_bad_label_value():
    recs, truth = corpus()
    labels = truth.iloc[:3].copy()
    labels.iloc[1] = 2
    with pytest.raises(InputError, match="record 'r001' has 2"):
        rank_records(recs, labels)


def test_rank_records_empty_text():
    recs = pd.DataFrame({"title": ["", None, " "], "abstract": [None, "", ""]})
    with pytest.raises(InputError, match="records have no text"):
        rank_records(recs, pd.Series({0: 1, 1: 0}))


def test_rank_records_needs_text_columns_and_frame():
    with pytest.raises(InputError, match="'title' or 'abstract' column"):
        rank_records(pd.DataFrame({"x": ["a"]}), pd.Series({0: 1}))
    with pytest.raises(InputTypeError, match="pandas DataFrame"):
        rank_records(["a", "b"], pd.Series({0: 1}))  # type: ignore[arg-type]


def test_unknown_model():
    recs, truth = corpus()
    with pytest.raises(InputError, match="model must be one of"):
        rank_records(recs, truth.iloc[:3], model="bert")


# ---------------------------------------------------------------- stopping guide


def hyper_cdf(k: int, M: int, K: int, n: int) -> float:
    """P(X <= k) for X ~ Hypergeometric(M, K, n), by the sum of binomials."""
    total = math.comb(M, n)
    return sum(math.comb(K, i) * math.comb(M - K, n - i) for i in range(k + 1)) / total


def quasi_p_by_hand(d: list[int], N: int, tau: float) -> float:
    """Callaghan & Müller-Hansen's test over every trailing sample, brute force."""
    rho = sum(d)
    ps = []
    for n in range(1, len(d) + 1):
        k = sum(d[-n:])
        K_tar = math.floor(rho / tau - (rho - k) + 1)
        M = N - len(d) + n
        ps.append(0.0 if K_tar > M else hyper_cdf(k, M, K_tar, n))
    return min(ps)


DECISIONS = [1] * 10 + [0] * 20 + [1] + [0] * 50  # 81 screened, 11 relevant


def test_stopping_guide_random_sample_hand_computed():
    # Last 50 were a random sample with no relevant record: rho_AL = 11,
    # K_tar = floor(11 / 0.95 - 11 + 1) = floor(1.578...) = 1, M = 500 - 81 + 50
    # = 469, p = P(X = 0) = C(468, 50) / C(469, 50) = 419 / 469.
    g = stopping_guide(DECISIONS, 500, n_sample=50)
    assert g.K_tar == 1
    assert_allclose(g.pval, 419 / 469, rtol=RTOL)
    assert not g.stop
    assert g.method == "random"
    assert (g.n_sample, g.k_sample, g.n_relevant, g.n_screened) == (50, 0, 11, 81)


@pytest.mark.parametrize(
    ("d", "N", "tau"),
    [
        (DECISIONS, 500, 0.95),
        (DECISIONS, 120, 0.95),
        ([1, 0, 1, 1, 0, 0, 1] + [0] * 60, 100, 0.9),
        ([0, 0, 1] + [0] * 5 + [1] + [0] * 150, 200, 0.8),
    ],
)
def test_stopping_guide_quasi_sampling_matches_brute_force(d, N, tau):
    g = stopping_guide(d, N, target_recall=tau)
    assert_allclose(g.pval, quasi_p_by_hand(d, N, tau), rtol=RTOL, atol=1e-300)
    assert g.stop == (g.pval < 0.05)


def test_stopping_guide_stops_after_long_irrelevant_run():
    # 40 relevant in the first 100, then 900 irrelevant, of 1000 records: the
    # trailing 900 leave 0 unseen; K_tar = floor(40/.95 - 40 + 1) = 3 > M - n
    # so any positive count is impossible to miss: p = C(M-3, 900)/C(M, 900).
    d = [1] * 40 + [0] * 60 + [0] * 900
    g = stopping_guide(d, 1100)
    M, n = 1100 - 1000 + 960, 960
    assert g.stop
    assert g.n_more == 0
    assert_allclose(g.pval, hyper_cdf(0, M, 3, n), rtol=RTOL)
    assert g.recall_est == 1.0
    assert g.recall_lb >= 0.95


def test_stopping_guide_n_more_is_the_smallest_sufficient_run():
    d = [1] * 10 + [0] * 100
    g = stopping_guide(d, 2000)
    assert not g.stop
    assert stopping_guide(d + [0] * g.n_more, 2000).stop
    assert not stopping_guide(d + [0] * (g.n_more - 1), 2000).stop


def test_stopping_sample_size_hand_computed():
    # M = 1000 left, 50 found: K_tar = floor(50/0.95 - 50 + 1) = 3;
    # P(X = 0) = (M-n)(M-1-n)(M-2-n) / (M(M-1)(M-2)) first falls below 0.05 at n.
    def p0(n):
        return (1000 - n) * (999 - n) * (998 - n) / (1000 * 999 * 998)

    n = stopping_sample_size(1000, 50)
    assert p0(n) < 0.05 <= p0(n - 1)
    assert n == 631


def test_stopping_guide_input_errors():
    with pytest.raises(InputError, match="position 2 is 2"):
        stopping_guide([1, 0, 2], 10)
    with pytest.raises(InputError, match="smaller than the number of decisions"):
        stopping_guide([1, 0, 0], 2)
    with pytest.raises(InputError, match="target_recall must be a fraction"):
        stopping_guide([1, 0], 10, target_recall=95)
    with pytest.raises(InputError, match="n_sample must be between 1"):
        stopping_guide([1, 0], 10, n_sample=3)
    with pytest.raises(InputError, match="decisions is empty"):
        stopping_guide([], 10)


# ----------------------------------------------------------------------- metrics


def test_wss_and_rrf_hand_computed():
    # 2 relevant of 10: 95% recall needs ceil(1.9) = 2 found, i.e. 3 screened:
    # WSS@95 = 7/10 - 0.05 = 0.65; WSS@100 = 7/10 - 0 = 0.7.
    order = [1, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    assert_allclose(wss(order, 0.95), 0.65, rtol=RTOL)
    assert_allclose(wss(order, 1.0), 0.70, rtol=RTOL)
    # 20 relevant in 200: the 19th relevant at position 40 -> 160/200 - 0.05.
    y = np.zeros(200, dtype=int)
    y[np.r_[0:18, 39, 150]] = 1
    assert_allclose(wss(y, 0.95), 0.75, rtol=RTOL)
    assert_allclose(wss(y, 1.0), 49 / 200, rtol=RTOL)
    # RRF@10: first 20 records hold 18 of 20 relevant.
    assert_allclose(rrf(y, 0.10), 0.9, rtol=RTOL)
    # Random order expects WSS about 0; the worst order is negative.
    assert wss([0] * 9 + [1]) == pytest.approx(-0.05)


def test_wss_needs_a_relevant_record():
    with pytest.raises(InputError, match="no relevant record"):
        wss([0, 0, 0])


# -------------------------------------------------------------------- simulation


def test_simulate_screening_on_synthetic_corpus():
    recs, truth = corpus(100, every=10)
    res = simulate_screening(recs, truth, rng=3)
    assert sorted(res.order) == sorted(recs.index)
    assert res.n_prior == 2
    assert truth.loc[list(res.order[:2])].tolist() == [1, 0]
    assert_allclose(res.included, truth.loc[list(res.order)].to_numpy())
    # after the priors, the 9 other relevant records come first
    assert res.included[2:11].tolist() == [1] * 9
    assert res.recall[8] == 1.0
    assert res.recall.shape == (98,)
    # 9 relevant left: 95% needs all 9, found after 9 of 98 screened
    assert_allclose(res.wss95, (98 - 9) / 98 - 0.05, rtol=RTOL)
    assert_allclose(res.wss100, (98 - 9) / 98, rtol=RTOL)
    assert res.rrf10 == 1.0
    assert res.recall_at_stop == 1.0
    assert res.n_at_stop < 100
    assert res.pval_at_stop < 0.05
    assert res.retrain_seconds > 0
    # the stop is where the guide first rejects, applied to the decisions so far
    d = res.included
    assert stopping_guide(d[: res.n_at_stop], 100).stop
    assert not stopping_guide(d[: res.n_at_stop - 1], 100).stop
    with pytest.raises(ValueError, match="read-only"):
        res.order[0] = "x"


def test_simulate_screening_is_reproducible_and_schedules():
    recs, truth = corpus(80, every=8)
    a = simulate_screening(recs, truth, rng=7, retrain_every=1)
    b = simulate_screening(recs, truth, rng=7, retrain_every=1)
    assert a.order.tolist() == b.order.tolist()
    c = simulate_screening(recs, truth, rng=7, retrain_every=5, model="nb")
    assert c.n_retrain < a.n_retrain


def test_simulate_screening_input_errors():
    recs, truth = corpus()
    with pytest.raises(InputError, match="true decision of every record"):
        simulate_screening(recs, truth.iloc[:30])
    with pytest.raises(InputError, match="n_prior must be >= 1"):
        simulate_screening(recs, truth, n_prior=(50, 1))
    with pytest.raises(InputError, match="retrain_every"):
        simulate_screening(recs, truth, retrain_every=0)


@pytest.mark.realdata
def test_simulate_screening_nelson_2002_beats_random():
    path = shared_data("screening-synergy", "with_metadata", "Nelson_2002.csv")
    data = pd.read_csv(path)
    res = simulate_screening(
        data[["title", "abstract"]], data["label_included"], rng=2024
    )
    # Random order has expected WSS@95 about 0 (Cohen et al. 2006).
    assert res.wss95 > 0.3
    assert res.recall_at_stop >= 0.9


def test_aggressive_undersampling_keeps_every_relevant_and_the_clearest_irrelevant(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sklearn.svm import LinearSVC

    from metareview.review import _priority_model as pm

    rng = np.random.default_rng(5)
    X = sp.csr_matrix(rng.random((80, 6)))
    y = np.zeros(80, dtype=np.int64)
    y[rng.choice(80, 30, replace=False)] = 1
    clf = LinearSVC(C=0.1, random_state=0).fit(X, y)
    keep = pm._undersample(clf, X, y)
    assert keep is not None
    relevant, irrelevant = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    assert keep[:30].tolist() == relevant.tolist()
    kept = keep[30:]
    assert kept.size == 30
    assert set(kept) <= set(irrelevant)
    # the 30 irrelevant rows kept score lower than the 20 left out
    score = clf.decision_function(X)
    left = np.setdiff1d(irrelevant, kept)
    assert score[kept].max() <= score[left].min()
    # fewer than UNDERSAMPLE_FROM relevant, or not outnumbered: no second fit
    assert pm._undersample(clf, X[:79], np.where(np.arange(79) == 0, 1, 0)) is None
    y_few = y.copy()
    y_few[relevant[:1]] = 0
    assert pm._undersample(clf, X, y_few) is None
    balanced = np.r_[np.ones(40, dtype=np.int64), np.zeros(40, dtype=np.int64)]
    assert pm._undersample(clf, X, balanced) is None
    # the ranker fits again on the kept rows only from the threshold on
    ranker = pm.Ranker(pd.DataFrame({"title": [f"t{i} w{i % 7}" for i in range(80)]}))
    ranker.X = X
    train, rest = np.arange(60), np.arange(60, 80)
    fits: list[int] = []
    fit = LinearSVC.fit

    def counted(self: LinearSVC, Xf: object, yf: object, **kw: object) -> LinearSVC:
        fits.append(Xf.shape[0])  # type: ignore[attr-defined]
        return fit(self, Xf, yf, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(LinearSVC, "fit", counted)
    y60 = np.r_[np.ones(30, dtype=np.int64), np.zeros(30, dtype=np.int64)]
    ranker.scores(train, y60, rest)  # 30 relevant, 30 irrelevant: not outnumbered
    assert fits == [60]
    fits.clear()
    y60[25:30] = 0  # 25 relevant: below the threshold
    ranker.scores(train, y60, rest)
    assert fits == [60]
    fits.clear()
    ranker.scores(np.arange(80), y, rest)  # 30 relevant of 80
    assert fits == [80, 60]
