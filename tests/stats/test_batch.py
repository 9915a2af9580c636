"""rma_batch(): many analyses through the same code as rma()."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import metareview as mr

# the batch and the single fit run the same code on the same numbers; only the
# order of floating-point sums can differ
SAME = 1e-9


def _frame(m: int, k: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, k + 1, m)
    ids = np.repeat(np.arange(m), sizes)
    n = ids.size
    vi = rng.uniform(0.01, 0.2, n)
    yi = rng.normal(0.2, 0.3, n) + rng.normal(0, np.sqrt(vi))
    return pd.DataFrame({"analysis_id": ids, "yi": yi, "vi": vi})


@pytest.mark.parametrize(
    "method", ["EE", "DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM"]
)
@pytest.mark.parametrize("test", ["z", "t", "knha"])
def test_batch_equals_single_fits(method: str, test: str) -> None:
    frame = _frame(40, 12)
    out = mr.rma_batch(frame, method=method, test=test)
    assert list(out["analysis_id"]) == list(range(40))
    for i in (0, 7, 39):
        sub = frame[frame["analysis_id"] == i]
        res = mr.rma(sub["yi"], sub["vi"], method=method, test=test)
        got = out.iloc[i]
        assert got["k"] == res.k
        assert_allclose(got["estimate"], res.beta[0], rtol=SAME)
        assert_allclose(got["se"], res.se[0], rtol=SAME)
        assert_allclose(got["ci_lb"], res.ci_lb[0], rtol=SAME)
        assert_allclose(got["pval"], res.pval[0], rtol=SAME)
        assert_allclose(got["tau2"], res.tau2, rtol=SAME, atol=1e-12)
        assert_allclose(got["I2"], res.I2, rtol=SAME, atol=1e-9)
        assert_allclose(got["QE"], res.QE, rtol=SAME)
        pred = res.predict()
        assert_allclose(got["pi_lb"], pred.pi_lb[0], rtol=SAME)


def test_columns_match_to_frame() -> None:
    frame = _frame(3, 5)
    out = mr.rma_batch(frame)
    res = mr.rma(frame["yi"][:2], frame["vi"][:2])
    single = set(res.to_frame().columns) - {"term"}
    assert single <= set(out.columns)


def test_groups_by_several_columns_in_order_of_appearance() -> None:
    frame = pd.DataFrame(
        {
            "outcome": ["b", "b", "a", "a", "a"],
            "time": [1, 1, 2, 2, 2],
            "yi": [0.1, 0.2, 0.5, 0.4, 0.3],
            "vi": [0.01, 0.02, 0.03, 0.02, 0.01],
        }
    )
    out = mr.rma_batch(frame, by=["outcome", "time"], method="DL")
    assert out[["outcome", "time"]].values.tolist() == [["b", 1], ["a", 2]]
    assert out["k"].tolist() == [2, 3]


def test_single_study_analysis_reports_tau2_as_nan() -> None:
    frame = pd.DataFrame(
        {"analysis_id": [1, 2, 2], "yi": [0.3, 0.1, 0.2], "vi": [0.1, 0.02, 0.03]}
    )
    out = mr.rma_batch(frame)
    assert np.isnan(out["tau2"][0])
    assert_allclose(out["estimate"][0], 0.3)
    assert_allclose(out["se"][0], np.sqrt(0.1))


def test_missing_values_are_dropped_with_a_warning() -> None:
    frame = _frame(5, 6)
    frame.loc[3, "yi"] = np.nan
    with pytest.warns(mr.MissingDataWarning, match="1 study with missing yi/vi"):
        out = mr.rma_batch(frame)
    assert out["k"].sum() == len(frame) - 1


def test_million_studies_batch_has_no_k_by_k_matrix() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "analysis_id": 0,
            "yi": rng.normal(0, 1, 200_000),
            "vi": rng.uniform(0.5, 1, 200_000),
        }
    )
    out = mr.rma_batch(frame, method="REML")
    assert out["converged"][0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "XX"}, "method must be one of"),
        ({"by": "nope"}, "by='nope' is not a column"),
        ({"method": "GENQ"}, "needs per-study weights"),
        ({"level": 95}, "level must be a fraction"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(mr.MetareviewError, match=message):
        mr.rma_batch(_frame(2, 3), **kwargs)  # type: ignore[arg-type]


def test_not_a_frame() -> None:
    with pytest.raises(mr.InputTypeError, match="needs a DataFrame"):
        mr.rma_batch([1, 2, 3])  # type: ignore[arg-type]


def test_negative_variance() -> None:
    frame = _frame(2, 3)
    frame.loc[1, "vi"] = -1.0
    with pytest.raises(mr.InputError, match="vi must be > 0"):
        mr.rma_batch(frame)


@pytest.mark.parametrize("test", ["t", "knha"])
def test_single_study_analysis_uses_the_normal_distribution(test: str) -> None:
    frame = pd.DataFrame(
        {"analysis_id": [1, 2, 2], "yi": [0.3, 0.1, 0.2], "vi": [0.1, 0.02, 0.03]}
    )
    out = mr.rma_batch(frame, test=test)
    z = 0.3 / np.sqrt(0.1)
    assert_allclose(out["ci_lb"][0], 0.3 - 1.959963984540054 * np.sqrt(0.1))
    assert_allclose(out["pval"][0], 2 * 0.17139085557395572, rtol=1e-12)
    assert_allclose(out["zval"][0], z)
