"""regtest, ranktest, trimfill, fsn and harbord against R: tests/golden/golden_bias.R.

metafor 3.8.1 wrote the regtest, ranktest, trimfill and fsn cases; Harbord's test,
which metafor lacks, is the regression of the paper written out in R with lm().
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from helpers import golden_cases
from metareview import fsn, harbord, ranktest, regtest, rma, trimfill
from metareview._validate import MissingDataWarning, ModelWarning
from metareview.stats.results import RMAResult

CASES = golden_cases("bias")
REGTEST = [c for c in CASES if c["kind"] == "regtest"]
RANKTEST = [c for c in CASES if c["kind"] == "ranktest"]
TRIMFILL = [c for c in CASES if c["kind"] == "trimfill"]
FSN = [c for c in CASES if c["kind"] == "fsn"]
HARBORD = [c for c in CASES if c["kind"] == "harbord"]
PRINTED = [c for c in CASES if "printed" in c]

# Closed forms (EE, FE and DL fits, lm, Kendall's tau and its p-values, fail-safe
# N): the same formulas evaluated in a different order agree to rounding error.
RTOL_CLOSED = 1e-10
# Iterative estimators of tau2 (REML, PM): both sides stop when a step changes
# tau2 by less than 1e-10 (here) or 1e-12 (R, control=TIGHT), so they agree to
# the convergence tolerance, not to rounding error.
RTOL_ITERATIVE = 1e-8
# Quantities that are 0 on both sides (tau2 truncated at 0, I2 from it) and the
# exact p-values of Kendall's tau, which R computes as 1 - P(T < q): a difference
# of a few units of 1e-16 is R's cancellation, not ours.
ATOL = 1e-14
# ... except where an iterative tau2 is 0: R's iteration stops near the boundary
# (tau2 of order 1e-12, I2 of order 1e-10 percent), ours at it.
ATOL_ITERATIVE = 1e-9
ITERATIVE = frozenset({"ML", "REML", "EB", "PM"})


def _want(value: Any) -> Any:
    if isinstance(value, list):
        return np.array([np.nan if v is None else v for v in value], dtype=np.float64)
    return np.nan if value is None else value


def _rtol(case: dict[str, Any]) -> float:
    model = case["args"].get("model")
    if model is not None and model["method"] in ITERATIVE and "tau2" not in model:
        return RTOL_ITERATIVE
    return RTOL_CLOSED


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence the k < 10 and omitted-study warnings (test_bias.py checks them)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelWarning)
        warnings.simplefilter("ignore", MissingDataWarning)
        yield


def _model(case: dict[str, Any]) -> RMAResult:
    return rma(**case["args"]["model"])


def _check(got: Any, want: Any, rtol: float, what: str) -> None:
    atol = ATOL_ITERATIVE if rtol == RTOL_ITERATIVE else ATOL
    assert_allclose(
        np.asarray(got, dtype=np.float64),
        _want(want),
        rtol=rtol,
        atol=atol,
        err_msg=what,
    )


def test_case_ids_are_unique() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids))


def test_every_kind_is_covered() -> None:
    assert {c["kind"] for c in CASES} == {
        "regtest",
        "ranktest",
        "trimfill",
        "fsn",
        "harbord",
    }
    assert len(REGTEST) > 150
    assert len(TRIMFILL) > 150
    assert len(HARBORD) >= 6


@pytest.mark.parametrize("case", REGTEST, ids=lambda c: c["id"])
def test_regtest(case: dict[str, Any]) -> None:
    with _quiet():
        res = regtest(_model(case), **case["args"]["regtest"])
    rtol = _rtol(case) if case["args"]["regtest"]["model"] == "rma" else RTOL_CLOSED
    for key, want in case["expected"].items():
        _check(getattr(res, key), want, rtol, key)
    if "est" not in case["expected"]:
        assert res.est is None
        assert res.ci_lb is None
    if "dfs" not in case["expected"]:
        assert res.dfs is None
    for key, want in case["fit"].items():
        _check(getattr(res.fit, key), want, rtol, f"fit.{key}")


@pytest.mark.parametrize("case", RANKTEST, ids=lambda c: c["id"])
def test_ranktest(case: dict[str, Any]) -> None:
    args = dict(case["args"])
    with _quiet():
        res = ranktest(args.pop("yi"), **args)
    for key, want in case["expected"].items():
        _check(getattr(res, key), want, RTOL_CLOSED, key)


@pytest.fixture(scope="module")
def trimfills() -> dict[str, Any]:
    out = {}
    with _quiet():
        for case in TRIMFILL:
            out[case["id"]] = trimfill(_model(case), **case["args"]["trimfill"])
    return out


@pytest.mark.parametrize("case", TRIMFILL, ids=lambda c: c["id"])
def test_trimfill(case: dict[str, Any], trimfills: dict[str, Any]) -> None:
    res = trimfills[case["id"]]
    rtol = _rtol(case)
    expected = dict(case["expected"])
    assert res.k0 == expected.pop("k0")
    assert res.side == expected.pop("side")
    assert res.fill.tolist() == expected.pop("fill")
    for key, want in expected.items():
        got = getattr(res, key) if hasattr(res, key) else getattr(res.model, key)
        _check(got, want, rtol, key)


@pytest.mark.parametrize("case", FSN, ids=lambda c: c["id"])
def test_fsn(case: dict[str, Any]) -> None:
    res = fsn(**case["args"])
    expected = dict(case["expected"])
    assert res.fsnum == expected.pop("fsnum")
    for key, want in expected.items():
        _check(getattr(res, key), want, RTOL_CLOSED, key)


@pytest.mark.parametrize("case", HARBORD, ids=lambda c: c["id"])
def test_harbord(case: dict[str, Any]) -> None:
    args = {
        name: _want(value) if isinstance(value, list) else value
        for name, value in case["args"].items()
    }
    with _quiet():
        res = harbord(**args)
    expected = dict(case["expected"])
    # Harbord's intercept (the bias) is the slope on 1/sqrt(V) of the Peto form
    _check(res.fit.beta[1], expected.pop("bias"), RTOL_CLOSED, "bias")
    _check(res.fit.se[1], expected.pop("bias_se"), RTOL_CLOSED, "bias_se")
    for key, want in expected.items():
        _check(getattr(res, key), want, RTOL_CLOSED, key)


def _lines(text: str) -> list[str]:
    """Printed lines without trailing blanks, notes, and R's curly quotes."""
    out = [
        line.rstrip().replace("\u2018", "'").replace("\u2019", "'")
        for line in text.splitlines()
        if not line.startswith("Note: ")
    ]
    while out and not out[-1]:
        out.pop()
    return out


@pytest.mark.parametrize("case", PRINTED, ids=lambda c: c["id"])
def test_printed_like_metafor(case: dict[str, Any]) -> None:
    with _quiet():
        if case["kind"] == "regtest":
            res: Any = regtest(_model(case), **case["args"]["regtest"])
        elif case["kind"] == "ranktest":
            args = dict(case["args"])
            res = ranktest(args.pop("yi"), **args)
        elif case["kind"] == "trimfill":
            res = trimfill(_model(case), **case["args"]["trimfill"])
        else:
            res = fsn(**case["args"])
    got, want = _lines(str(res)), _lines("\n".join(case["printed"]))
    if case["kind"] == "trimfill":
        # the lines on k0; the model block below them is format_rma's (_format.py)
        head = 5 if case["args"]["trimfill"]["estimator"] == "R0" else 4
        got, want = got[:head], want[:head]
    assert got == want
