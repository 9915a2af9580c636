"""escalc() against R metafor 3.8.1: tests/golden/golden_escalc.R wrote the cases."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from helpers import golden_cases
from metareview import escalc
from metareview.effects.escalc import DATA_ARGS

CASES = golden_cases("escalc")
# Closed-form formulas evaluated by both sides in a possibly different order: they
# agree to rounding error (the JSON keeps 15 significant digits).
RTOL = 1e-10


def _vector(value: Any) -> np.ndarray:
    """JSON -> float array: scalars (k = 1) are unboxed by jsonlite, NA is null."""
    items = value if isinstance(value, list) else [value]
    return np.array([np.nan if v is None else v for v in items], dtype=float)


def _args(case: dict[str, Any]) -> dict[str, Any]:
    return {
        key: _vector(value) if key in DATA_ARGS else value
        for key, value in case["args"].items()
    }


def test_every_measure_is_covered() -> None:
    from metareview.effects.escalc import MEASURES

    assert {case["args"]["measure"] for case in CASES} == set(MEASURES)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_escalc_matches_metafor(case: dict[str, Any]) -> None:
    out = escalc(**_args(case))
    for key, want in case["expected"].items():
        want = _vector(want)
        got = out[key].to_numpy()
        assert_allclose(got, want, rtol=RTOL, equal_nan=True, err_msg=key)
