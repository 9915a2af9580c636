"""rma() against R metafor 3.8.1: tests/golden/golden_rma.R wrote the cases."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from helpers import golden_cases
from metareview import rma
from metareview.stats._core import fit_models
from metareview.stats.results import RMAResult
from metareview.stats.tau2 import Options, Problem

ALL_CASES = golden_cases("rma")
# cases with a design matrix X (meta-regression) go to the engine directly
CASES = [case for case in ALL_CASES if "X" not in case["args"]]
MODS_CASES = [case for case in ALL_CASES if "X" in case["args"]]

# Closed-form estimators (EE, FE, DL, HE, HS, HSk, SJ, GENQ, fixed tau2): the same
# formulas evaluated in a different order, so they agree to rounding error (the
# largest difference seen is 4e-14).
RTOL_CLOSED = 1e-10
# Iterative estimators (ML, REML, EB, PM) and the Q-profile limits: both sides stop
# when a step changes tau2 by less than 1e-10 (here) or 1e-12 (R, control=TIGHT),
# so they agree to the convergence tolerance, not to rounding error (the largest
# difference seen is 1.1e-10).
RTOL_ITERATIVE = 1e-8
# tau2 truncated at 0, and I2 from it, are exactly 0 on both sides; values near 0
# (a bound crossing 0) are compared absolutely at rounding level.
ATOL = 1e-14
ITERATIVE = frozenset({"ML", "REML", "EB", "PM"})


def _fit(case: dict[str, Any]) -> RMAResult:
    return rma(**case["args"])


def _tolerances(case: dict[str, Any]) -> tuple[float, float]:
    args = case["args"]
    if args["method"] in ITERATIVE and "tau2" not in args:
        return RTOL_ITERATIVE, ATOL
    return RTOL_CLOSED, ATOL


def _want(value: Any) -> Any:
    return np.asarray(value, dtype=np.float64) if value is not None else np.nan


@pytest.fixture(scope="module")
def fits() -> dict[str, RMAResult]:
    return {case["id"]: _fit(case) for case in CASES}


def test_case_ids_are_unique() -> None:
    ids = [case["id"] for case in ALL_CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_fit(case: dict[str, Any], fits: dict[str, RMAResult]) -> None:
    res = fits[case["id"]]
    rtol, atol = _tolerances(case)
    for key, want in case["expected"].items():
        got = getattr(res, key)
        assert_allclose(got, _want(want), rtol=rtol, atol=atol, err_msg=key)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_predict(case: dict[str, Any], fits: dict[str, RMAResult]) -> None:
    res = fits[case["id"]]
    rtol, atol = _tolerances(case)
    pred = res.predict()
    for key, want in case["predict"].items():
        assert_allclose(
            getattr(pred, key), _want(want), rtol=rtol, atol=atol, err_msg=key
        )
    if "predict_higgins" in case:
        pred = res.predict(pi="higgins")
        for key, want in case["predict_higgins"].items():
            assert_allclose(
                getattr(pred, key), _want(want), rtol=rtol, atol=atol, err_msg=key
            )


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_fitstats(case: dict[str, Any], fits: dict[str, RMAResult]) -> None:
    res = fits[case["id"]]
    rtol, atol = _tolerances(case)
    fs = res.fit_stats
    for key, want in case["fitstats"].items():
        assert_allclose(
            getattr(fs, key), _want(want), rtol=rtol, atol=atol, err_msg=key
        )


CONFINT_CASES = [case for case in CASES if "confint" in case]


@pytest.mark.parametrize("case", CONFINT_CASES, ids=lambda c: c["id"])
def test_confint(case: dict[str, Any], fits: dict[str, RMAResult]) -> None:
    res = fits[case["id"]]
    table = res.confint()
    for key, want in case["confint"].items():
        got = table.loc[key, ["estimate", "ci_lb", "ci_ub"]].to_numpy(np.float64)
        assert_allclose(got, _want(want), rtol=RTOL_ITERATIVE, atol=ATOL, err_msg=key)


@pytest.mark.parametrize("case", MODS_CASES, ids=lambda c: c["id"])
def test_fit_models_with_moderators(case: dict[str, Any]) -> None:
    args = case["args"]
    y = np.asarray(args["yi"])[None, :]
    weights = args.get("weights")
    prob = Problem(
        y=y,
        v=np.asarray(args["vi"])[None, :],
        X=np.asarray(args["X"], dtype=np.float64)[None, :, :],
        mask=np.ones_like(y),
        weights=None if weights is None else np.asarray(weights)[None, :],
    )
    fit = fit_models(
        prob,
        method=args["method"],
        test=args["test"],
        level=args["level"],
        opts=Options(),
        weights=prob.weights,
    )
    rtol, atol = _tolerances(case)
    for key, want in case["expected"].items():
        got = getattr(fit, key)[0]
        assert_allclose(got, _want(want), rtol=rtol, atol=atol, err_msg=key)
