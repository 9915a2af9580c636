"""Properties every rma() fit must have, whatever the data (hypothesis)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from metareview import rma
from metareview.stats.results import RMAResult
from metareview.stats.rma import METHODS

RANDOM = [m for m in METHODS if m not in ("EE", "FE")]
# Reordering or shifting the data changes only rounding in the closed forms; the
# iterative estimators stop when tau2 changes by less than 1e-10, so their results
# can differ by about that much.
RTOL = 1e-7
ATOL = 1e-9

SETTINGS = settings(max_examples=50, deadline=None)


@st.composite
def studies(draw: st.DrawFn) -> dict[str, np.ndarray]:
    """Between 2 and 12 studies with effects in [-3, 3] and variances in [1e-3, 2]."""
    k = draw(st.integers(min_value=2, max_value=12))
    effect = st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False)
    variance = st.floats(1e-3, 2.0, allow_nan=False, allow_infinity=False)
    weight = st.floats(0.1, 10.0, allow_nan=False, allow_infinity=False)
    return {
        "yi": np.array(draw(st.lists(effect, min_size=k, max_size=k))),
        "vi": np.array(draw(st.lists(variance, min_size=k, max_size=k))),
        "weights": np.array(draw(st.lists(weight, min_size=k, max_size=k))),
    }


def _fit(data: dict[str, np.ndarray], method: str, **kwargs: Any) -> RMAResult:
    weights = data["weights"] if method == "GENQ" else None
    return rma(data["yi"], data["vi"], method=method, weights=weights, **kwargs)


TOL = {"rtol": RTOL, "atol": ATOL}


@pytest.mark.parametrize("method", METHODS)
@SETTINGS
@given(data=studies(), seed=st.integers(0, 2**32 - 1))
def test_permuting_studies_changes_nothing(
    method: str, data: dict[str, np.ndarray], seed: int
) -> None:
    order = np.random.default_rng(seed).permutation(data["yi"].size)
    shuffled = {name: values[order] for name, values in data.items()}
    a, b = _fit(data, method), _fit(shuffled, method)
    for field in ("beta", "se", "tau2", "se_tau2", "I2", "H2", "QE", "pval"):
        assert_allclose(getattr(b, field), getattr(a, field), **TOL)
    assert_allclose(b.weights, a.weights[order], **TOL)


@pytest.mark.parametrize("method", METHODS)
@SETTINGS
@given(data=studies(), shift=st.floats(-5.0, 5.0))
def test_shift_moves_the_estimate_only(
    method: str, data: dict[str, np.ndarray], shift: float
) -> None:
    a = _fit(data, method)
    b = _fit({**data, "yi": data["yi"] + shift}, method)
    assert_allclose(b.beta, a.beta + shift, **TOL)
    for field in ("se", "tau2", "I2", "QE"):
        assert_allclose(getattr(b, field), getattr(a, field), **TOL)


@pytest.mark.parametrize("method", METHODS)
@SETTINGS
@given(data=studies(), scale=st.floats(0.1, 10.0))
def test_scaling_scales_estimate_and_tau2(
    method: str, data: dict[str, np.ndarray], scale: float
) -> None:
    a = _fit(data, method)
    b = _fit({**data, "yi": scale * data["yi"], "vi": scale**2 * data["vi"]}, method)
    # tol is absolute on tau2, so after scaling by a² it is tol·a² on the old scale
    tol = {"rtol": 1e-6, "atol": 1e-8}
    assert_allclose(b.beta, scale * a.beta, **tol)
    assert_allclose(b.se, scale * a.se, **tol)
    assert_allclose(b.tau2, scale**2 * a.tau2, rtol=1e-6, atol=1e-8 * scale**2)
    for field in ("I2", "QE", "zval"):
        assert_allclose(getattr(b, field), getattr(a, field), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("method", METHODS)
@SETTINGS
@given(data=studies())
def test_heterogeneity_in_range(method: str, data: dict[str, np.ndarray]) -> None:
    res = _fit(data, method)
    assert np.isfinite(res.tau2)
    assert res.tau2 >= 0.0
    assert 0.0 <= res.I2 <= 100.0
    if method in RANDOM:
        assert res.H2 >= 1.0 - 1e-12
    else:  # H² = Q / (k - 1) for an equal/fixed-effects model, as metafor
        assert res.H2 >= 0.0
    assert 0.0 <= res.QEp <= 1.0
    assert 0.0 <= res.pval[0] <= 1.0
    assert res.ci_lb[0] <= res.beta[0] <= res.ci_ub[0]
    assert_allclose(res.weights.sum(), 100.0, rtol=1e-12)


@pytest.mark.parametrize("method", RANDOM)
@pytest.mark.parametrize("test", ["z", "t"])
@SETTINGS
@given(data=studies())
def test_random_equals_fixed_when_tau2_is_zero(
    method: str, test: str, data: dict[str, np.ndarray]
) -> None:
    # GENQ's weights also estimate β: compare with FE under the same weights
    weights = data["weights"] if method == "GENQ" else None
    fixed = rma(data["yi"], data["vi"], method="FE", test=test, weights=weights)
    random = _fit(data, method, test=test, tau2=0.0)
    for field in ("beta", "se", "zval", "pval", "ci_lb", "ci_ub", "weights"):
        assert_allclose(getattr(random, field), getattr(fixed, field), rtol=1e-12)
    assert random.tau2 == 0.0
    # and an estimate of 0 gives the fixed-effects results too
    fitted = _fit(data, method, test=test)
    if fitted.tau2 == 0.0:
        assert_allclose(fitted.beta, fixed.beta, rtol=1e-12, atol=1e-15)
        assert_allclose(fitted.se, fixed.se, rtol=1e-12)
