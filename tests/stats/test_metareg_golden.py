"""Meta-regression against R metafor 3.8.1: tests/golden/golden_metareg.R wrote the
cases (rma(mods=), predict(newmods=), anova(btt=), anova(full, reduced), permutest).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from helpers import golden_cases
from metareview import RMAResult, anova, permutest, rma

CASES = golden_cases("metareg")
FITS = [c for c in CASES if c["kind"] == "fit"]
LRTS = [c for c in CASES if c["kind"] == "lrt"]
PERMS = [c for c in CASES if c["kind"] == "permutest"]
MONTE_CARLO = [c for c in CASES if c["kind"] == "permutest_mc"]

# Closed-form estimators (EE, FE, DL, HE, SJ, GENQ, fixed tau2): the same formulas
# in another order, so they agree to rounding error.
RTOL_CLOSED = 1e-10
# Iterative estimators (ML, REML, EB, PM) and Q-profile limits: both sides stop
# when tau2 changes by less than 1e-10 (here) or 1e-12 (R, control=TIGHT), so they
# agree to the convergence tolerance, not to rounding error.
RTOL_ITERATIVE = 1e-8
# Designs with calendar years (about 1965) next to an intercept: X'WX has a
# condition number near 1e12, and both sides lose digits to it. Against exact
# rational arithmetic (DL fit of ~ year * ablat) metafor's tau2 is off by 6e-10
# and its QE by 1e-9, ours by 1e-9 and 2e-14; the largest difference between the
# two is 1.6e-9.
RTOL_ILL_CONDITIONED = 1e-8
# ... and values near 0 there (a fitted value of -0.0015 as the sum of terms of
# order 1, z statistics of permuted designs that are worse conditioned still) are
# off by up to 6e-9 absolutely
ATOL_ILL_CONDITIONED = 1e-7
# Values that are 0 on one side: tau2 on the boundary is 0 here and a few 1e-13 in
# R, whose Fisher scoring creeps towards 0 by steps below its tolerance.
ATOL = 1e-10
# I2 and R2 are percentages of such a tau2 (100 tau2 / (tau2 + vt) with vt about
# 0.03), which makes R's 1e-13 a few 1e-10
ATOL_PERCENT = 1e-8
PERCENT = frozenset({"I2", "R2"})
# and tau = sqrt(tau2) makes it a few 1e-7
ATOL_TAU = 1e-6
ITERATIVE = frozenset({"ML", "REML", "EB", "PM"})
# Monte Carlo p-values of two independent runs of N permutations differ by
# sqrt(2 p (1 - p) / N) in standard deviation: allow 4 of them
MC_SES = 4.0


def _fit(args: dict[str, Any]) -> RMAResult:
    a = dict(args)
    data = pd.DataFrame(a.pop("data")) if "data" in a else None
    return rma(a.pop("yi"), a.pop("vi"), data=data, **a)


def _ill_conditioned(args: dict[str, Any]) -> bool:
    return "year" in args.get("mods", "")


def _rtol(args: dict[str, Any]) -> float:
    if _ill_conditioned(args):
        return RTOL_ILL_CONDITIONED
    if args["method"] in ITERATIVE and "tau2" not in args:
        return RTOL_ITERATIVE
    return RTOL_CLOSED


def _want(value: Any) -> Any:
    if value is None:
        return np.nan
    return np.asarray(value, dtype=np.float64)


def _close(
    got: Any, want: Any, rtol: float, what: str, atol: float | None = None
) -> None:
    if atol is None:
        atol = ATOL_PERCENT if what in PERCENT else ATOL_TAU if what == "tau" else ATOL
    assert_allclose(
        np.asarray(got, dtype=np.float64),
        _want(want),
        rtol=rtol,
        atol=atol,
        err_msg=what,
    )


@pytest.fixture(scope="module")
def fits() -> dict[str, RMAResult]:
    return {case["id"]: _fit(case["args"]) for case in FITS}


def test_case_ids_are_unique() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", FITS, ids=lambda c: c["id"])
def test_fit(case: dict[str, Any], fits: dict[str, RMAResult]) -> None:
    res = fits[case["id"]]
    rtol = _rtol(case["args"])
    for key, want in case["expected"].items():
        _close(getattr(res, key), want, rtol, key)
    names = case["coef_names_metafor"]  # a single name is unboxed in the JSON
    assert len(res.coef_names) == len([names] if isinstance(names, str) else names)


@pytest.mark.parametrize("case", FITS, ids=lambda c: c["id"])
def test_fitstats(case: dict[str, Any], fits: dict[str, RMAResult]) -> None:
    fs = fits[case["id"]].fit_stats
    for key, want in case["fitstats"].items():
        _close(getattr(fs, key), want, _rtol(case["args"]), key)


@pytest.mark.parametrize("case", FITS, ids=lambda c: c["id"])
def test_predict_newmods(case: dict[str, Any], fits: dict[str, RMAResult]) -> None:
    res = fits[case["id"]]
    rtol = _rtol(case["args"])
    atol = ATOL_ILL_CONDITIONED if _ill_conditioned(case["args"]) else ATOL
    for newmods in (np.asarray(case["newmods"], dtype=np.float64), case["newdata"]):
        pred = res.predict(newmods)
        for key, want in case["predict"].items():
            _close(getattr(pred, key), want, rtol, key, atol)


@pytest.mark.parametrize("case", FITS, ids=lambda c: c["id"])
def test_predict_fitted_values(
    case: dict[str, Any], fits: dict[str, RMAResult]
) -> None:
    pred = fits[case["id"]].predict()
    atol = ATOL_ILL_CONDITIONED if _ill_conditioned(case["args"]) else ATOL
    for key, want in case["predict_fitted"].items():
        _close(getattr(pred, key), want, _rtol(case["args"]), key, atol)


ANOVA = [(case, test) for case in FITS for test in case["anova"]]


@pytest.mark.parametrize(
    ("case", "test"), ANOVA, ids=[f"{c['id']}-btt{t['btt']}" for c, t in ANOVA]
)
def test_anova_btt(
    case: dict[str, Any], test: dict[str, Any], fits: dict[str, RMAResult]
) -> None:
    # metafor's btt string is a grep pattern; here a text the names contain
    out = anova(fits[case["id"]], btt=test["btt"])
    for key in ("QM", "QMdf", "QMp"):
        _close(getattr(out, key), test[key], _rtol(case["args"]), key)


CONFINT = [case for case in FITS if "confint" in case]


@pytest.mark.parametrize("case", CONFINT, ids=lambda c: c["id"])
def test_confint(case: dict[str, Any], fits: dict[str, RMAResult]) -> None:
    table = fits[case["id"]].confint()
    for key, want in case["confint"].items():
        got = table.loc[key, ["estimate", "ci_lb", "ci_ub"]].to_numpy(np.float64)
        _close(got, want, max(RTOL_ITERATIVE, _rtol(case["args"])), key)


@pytest.mark.parametrize("case", LRTS, ids=lambda c: c["id"])
def test_lrt(case: dict[str, Any]) -> None:
    out = anova(_fit(case["args_f"]), _fit(case["args_r"]))
    for key, want in case["expected"].items():
        _close(getattr(out, key), want, RTOL_ITERATIVE, key)
    for side in ("f", "r"):
        fs = getattr(out, f"fit_stats_{side}")
        for key, want in case[f"fit_stats_{side}"].items():
            _close(getattr(fs, key), want, RTOL_ITERATIVE, f"{side} {key}")
    # the order of the two models does not matter
    swapped = anova(_fit(case["args_r"]), _fit(case["args_f"]))
    assert swapped.LRT == out.LRT


@pytest.mark.parametrize("case", PERMS, ids=lambda c: c["id"])
def test_permutest_exact(case: dict[str, Any]) -> None:
    res = _fit(case["args"])
    out = permutest(res, exact=True)
    assert out.exact
    assert out.iter == case["expected"]["exact_iter"] == out.exact_iter
    # p-values are counts over the permutations: equal, not merely close
    assert_allclose(out.pval, _want(case["expected"]["pval"]), rtol=0, atol=1e-15)
    assert_allclose(out.QMp, case["expected"]["QMp"], rtol=0, atol=1e-15)
    rtol = _rtol(case["args"])
    atol = ATOL_ILL_CONDITIONED if _ill_conditioned(case["args"]) else ATOL
    _close(np.sort(out.QM_perm), case["QM_perm"], rtol, "QM_perm", atol)
    for j, want in enumerate(case["zval_perm"]):
        _close(np.sort(out.zval_perm[:, j]), want, rtol, f"zval_perm[:, {j}]", atol)
    # the default (exact=None) enumerates them too, since iter=1000 is enough
    assert permutest(res).exact == (out.exact_iter <= 1000)


@pytest.mark.parametrize("case", MONTE_CARLO, ids=lambda c: c["id"])
def test_permutest_monte_carlo_agrees_within_its_error(case: dict[str, Any]) -> None:
    res = _fit(case["args"])
    n = case["iter"]
    out = permutest(res, iter=n, rng=np.random.default_rng(20261130))
    assert not out.exact
    assert out.iter == n
    got = np.append(out.pval, out.QMp)
    want = np.append(_want(case["expected"]["pval"]), case["expected"]["QMp"])
    p = (got + want) / 2.0
    se = np.sqrt(2.0 * np.maximum(p * (1.0 - p), 1.0 / n) / n)
    assert np.all(np.abs(got - want) <= MC_SES * se), (got, want)


@pytest.mark.parametrize("case", MONTE_CARLO, ids=lambda c: c["id"])
def test_permutest_is_reproducible_with_a_seed(case: dict[str, Any]) -> None:
    res = _fit(case["args"])
    one = permutest(res, iter=200, rng=5)
    two = permutest(res, iter=200, rng=np.random.default_rng(5))
    assert_allclose(one.pval, two.pval, rtol=0, atol=0)
    assert_allclose(one.QM_perm, two.QM_perm, rtol=0, atol=0)
    assert not math.isnan(one.QMp)
