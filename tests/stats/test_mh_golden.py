"""rma_mh() and rma_peto() against R metafor 3.8.1: tests/golden/golden_mh.R."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from helpers import golden_cases
from metareview import MHResult, MissingDataWarning, ModelWarning, rma_mh, rma_peto

CASES = golden_cases("mh")

# Everything here is closed form (sums over the tables, no iteration): R and numpy
# evaluate the same formulas in a different order, so they agree to rounding error.
RTOL = 1e-10
# Quantities that are 0 on one side and a rounding-level number on the other
# (I2 truncated at 0, tau2 truncated at 0, O - E sums that cancel) are compared
# absolutely.
ATOL = 1e-12

CALLS = {"rma_mh": rma_mh, "rma_peto": rma_peto}


def _fit(case: dict[str, Any]) -> MHResult:
    with warnings.catch_warnings():
        # rows with missing counts and k = 1 warn, as in metafor; tested in test_mh.py
        warnings.simplefilter("ignore", MissingDataWarning)
        warnings.simplefilter("ignore", ModelWarning)
        return CALLS[case["call"]](**case["args"])


def _want(value: Any) -> Any:
    if isinstance(value, list):
        return np.array([np.nan if v is None else v for v in value], dtype=np.float64)
    return np.nan if value is None else np.asarray(value, dtype=np.float64)


@pytest.fixture(scope="module")
def fits() -> dict[str, MHResult]:
    return {case["id"]: _fit(case) for case in CASES}


def test_cases_cover_every_measure() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids))
    measures = {case["args"].get("measure", "PETO") for case in CASES}
    assert measures == {"OR", "RR", "RD", "IRR", "IRD", "PETO"}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_fit(case: dict[str, Any], fits: dict[str, MHResult]) -> None:
    res = fits[case["id"]]
    for key, want in case["expected"].items():
        got = getattr(res, key)
        if want is None and got is None:  # k_pos where metafor has none
            continue
        assert_allclose(
            np.asarray(got, dtype=np.float64),
            _want(want),
            rtol=RTOL,
            atol=ATOL,
            err_msg=key,
        )


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_predict(case: dict[str, Any], fits: dict[str, MHResult]) -> None:
    pred = fits[case["id"]].predict()
    for key, want in case["predict"].items():
        assert_allclose(
            getattr(pred, key), _want(want), rtol=RTOL, atol=ATOL, err_msg=key
        )
