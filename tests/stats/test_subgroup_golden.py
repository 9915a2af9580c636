"""subgroup() against R metafor 3.8.1: tests/golden/golden_subgroup.R wrote the cases.

Per-level models are metafor's rma(..., subset=), the RevMan-style test is the QE
of rma(est_g, sei=se_g, method="FE") over the level estimates, the mixed-effects
test the QM of rma(yi, vi, mods = ~ factor(g)), and the per-level estimates with
a common tau^2 the coefficients of rma(yi, vi, mods = ~ factor(g) - 1).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from helpers import golden_cases
from metareview import ModelWarning, subgroup
from metareview.stats.subgroup import SubgroupResult

CASES = golden_cases("subgroup")

# Closed-form estimators (EE, FE, DL, HE, SJ): the same formulas evaluated in a
# different order, so they agree to rounding error.
RTOL_CLOSED = 1e-10
# Iterative estimators (ML, REML, PM): both sides stop when a step changes tau2 by
# less than 1e-10 (here) or 1e-12 (R), so they agree to the convergence tolerance.
RTOL_ITERATIVE = 1e-8
# tau2 truncated at 0 (and I2 from it) is exactly 0 on both sides
ATOL = 1e-12
# ... except where metafor's ML iteration stops just above the boundary (tau2 =
# 3e-13 for raudenbush_tester-ML): I2, in percent, is then 1e-9 instead of 0
ATOL_I2_ITERATIVE = 1e-8
ITERATIVE = frozenset({"ML", "REML", "PM"})

LEVEL_FIELDS = (
    "estimate",
    "se",
    "zval",
    "pval",
    "ci_lb",
    "ci_ub",
    "pi_lb",
    "pi_ub",
    "tau2",
    "I2",
    "QE",
    "QEp",
    "k",
    "dfs",
)


def _rtol(case: dict[str, Any]) -> float:
    return RTOL_ITERATIVE if case["args"]["method"] in ITERATIVE else RTOL_CLOSED


def _want(value: Any) -> Any:
    if isinstance(value, list):
        return np.array([np.nan if x is None else x for x in value], dtype=np.float64)
    return np.nan if value is None else np.float64(value)


def _fit(case: dict[str, Any]) -> SubgroupResult:
    args = dict(case["args"])
    es = pd.DataFrame({"yi": args.pop("yi"), "vi": args.pop("vi")})
    with warnings.catch_warnings():
        # the safeguards (few studies per level, k < 10) are tested elsewhere
        warnings.simplefilter("ignore", ModelWarning)
        return subgroup(es, **args)


@pytest.fixture(scope="module")
def fits() -> dict[str, SubgroupResult]:
    return {case["id"]: _fit(case) for case in CASES}


def test_case_ids_are_unique() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_levels(case: dict[str, Any], fits: dict[str, SubgroupResult]) -> None:
    res = fits[case["id"]]
    expected = case["expected"]
    assert list(res.levels) == expected["levels"]
    for key, want in expected["level"].items():
        atol = ATOL_I2_ITERATIVE if key == "I2" and _rtol(case) > RTOL_CLOSED else ATOL
        assert_allclose(
            getattr(res, key), _want(want), rtol=_rtol(case), atol=atol, err_msg=key
        )
    assert_allclose(res.weights, _want(expected["weights"]), rtol=_rtol(case))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_subgroup_differences(
    case: dict[str, Any], fits: dict[str, SubgroupResult]
) -> None:
    res = fits[case["id"]]
    expected = case["expected"]
    rtol = _rtol(case)
    got = {
        "Qb": res.Qb,
        "Qb_df": res.Qb_df,
        "Qb_p": res.Qb_p,
        "Qb_I2": res.Qb_I2,
        "QM": res.QM,
        "QMdf": res.QMdf,
        "QMp": res.QMp,
        "mixed_tau2": res.tau2_mixed,
        "mixed_QE": res.Qw,
        "mixed_QEp": res.Qw_p,
        "mixed_QEdf": res.Qw_df,
    }
    if "QMddf" in expected:
        got["QMddf"] = res.QMddf
    for key, value in got.items():
        assert_allclose(value, _want(expected[key]), rtol=rtol, atol=ATOL, err_msg=key)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_overall(case: dict[str, Any], fits: dict[str, SubgroupResult]) -> None:
    overall = fits[case["id"]].overall
    got = {
        "estimate": overall.beta,
        "se": overall.se,
        "ci_lb": overall.ci_lb,
        "ci_ub": overall.ci_ub,
        "pval": overall.pval,
        "tau2": overall.tau2,
        "I2": overall.I2,
        "QE": overall.QE,
        "weights": overall.weights,
    }
    for key, value in got.items():
        want = _want(case["expected"]["overall"][key])
        assert_allclose(value, want, rtol=_rtol(case), atol=ATOL, err_msg=key)
    assert_allclose(fits[case["id"]].weights_overall, overall.weights, rtol=0)
