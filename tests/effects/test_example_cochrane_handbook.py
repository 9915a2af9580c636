"""The Cochrane Handbook's worked numbers, reproduced at their published precision.

Cochrane Handbook for Systematic Reviews of Interventions, version 5.1 (Higgins &
Green 2011): 7.7.3.2 (t multiplier for the CI of a small group's mean), 7.7.3.3
(SE of a mean difference from its P value) and 16.4.6.4 (cross-over trials with an
imputed SD of differences or correlation). The shared data folder holds them as a
CSV (../shared/data/SOURCES.md, section 5b); every row is read and checked.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from helpers import shared_data
from metareview.effects.convert import crossover, sd_from_ci, sd_from_se, se_from_p

FILE = ("worked-examples-conversions", "cochrane_handbook_5_1_examples.csv")
COLUMNS = ["section", "quantity", "inputs", "published_value", "note"]


def _inputs(text: str) -> dict[str, float]:
    """``"ME=7.0 SDE=2.38 n=10; ..."`` -> ``{"ME": 7.0, "SDE": 2.38, "n": 10.0}``."""
    return {k: float(v) for k, v in re.findall(r"([A-Za-z]+)=([-\d.]+)", text)}


def _published(text: str) -> dict[str, tuple[float, float]]:
    """Published values with half a unit of their last decimal as tolerance.

    ``"t=2.78; SE=3.8/2.78=1.37"`` -> ``{"t": (2.78, .005), "SE": (1.37, .005)}``:
    the value after the last ``=`` of each ``;``-separated part, keyed by its
    first word.
    """
    out = {}
    for part in text.split(";"):
        key = re.match(r"\s*([A-Za-z]+)", part)
        number = re.match(r"\s*([-\d.]+)", part.split("=")[-1])
        assert key, part
        assert number, part
        digits = number.group(1).split(".")[1] if "." in number.group(1) else ""
        out[key.group(1)] = (float(number.group(1)), 0.5 * 10.0 ** -len(digits))
    return out


def _crossover_sd_diff(x: dict[str, float]) -> dict[str, float]:
    res = crossover(x["ME"], x["SDE"], x["MC"], x["SDC"], x["n"], sd_diff=x["SDdiff"])
    return {"MD": float(res.yi), "SE": float(np.sqrt(res.vi))}


def _crossover_corr(x: dict[str, float], measure: str) -> dict[str, float]:
    res = crossover(
        x["ME"], x["SDE"], x["MC"], x["SDC"], x["n"], r=x["r"], measure=measure
    )
    return {measure: float(res.yi), "SE": float(np.sqrt(res.vi))}


def _se_from_p(x: dict[str, float]) -> dict[str, float]:
    res = se_from_p(x["MD"], x["P"], n1=x["NE"], n2=x["NC"])
    assert x["df"] == x["NE"] + x["NC"] - 2
    return {"t": float(res.statistic), "SE": float(res.se)}


def _t_multiplier(x: dict[str, float]) -> dict[str, float]:
    # an interval of width 1 around any mean: SD = sqrt(n) / divisor
    sd = float(sd_from_ci(0.0, 1.0, x["n"], level=0.95).sd)
    divisor = np.sqrt(x["n"]) / sd
    return {"t": divisor / 2, "divisor": divisor}


COMPUTE: dict[tuple[str, str], Callable[[dict[str, float]], dict[str, float]]] = {
    ("16.4.6.4", "MD cross-over (imputed SDdiff=2)"): _crossover_sd_diff,
    ("16.4.6.4", "MD cross-over (imputed Corr=0.68)"): lambda x: _crossover_corr(
        x, "MD"
    ),
    ("16.4.6.4", "SMD cross-over (imputed Corr=0.68)"): lambda x: _crossover_corr(
        x, "SMD"
    ),
    ("7.7.3.3", "SE of MD from P value (t test)"): _se_from_p,
    ("7.7.3.2", "t multiplier for small-sample CI of a group mean"): _t_multiplier,
}


def _rows() -> list[dict[str, Any]]:
    lines = [
        ln
        for ln in shared_data(*FILE).read_text().splitlines()
        if not ln.startswith("#")
    ]
    rows = [dict(zip(COLUMNS, r, strict=True)) for r in csv.reader(lines)]
    # "same data" rows take the inputs of the row before
    data: dict[str, float] = {}
    for row in rows:
        parsed = _inputs(row["inputs"])
        data = {**data, **parsed} if "same data" in row["inputs"] else parsed
        row["parsed"] = dict(data)
    return rows


@pytest.mark.realdata
def test_every_row_is_covered() -> None:
    rows = _rows()
    assert len(rows) == 5
    assert {(r["section"], r["quantity"]) for r in rows} == set(COMPUTE)


@pytest.mark.realdata
@pytest.mark.parametrize("key", list(COMPUTE), ids=lambda k: f"{k[0]}-{k[1][:14]}")
def test_published_value(key: tuple[str, str]) -> None:
    row = next(r for r in _rows() if (r["section"], r["quantity"]) == key)
    got = COMPUTE[key](row["parsed"])
    want = _published(row["published_value"])
    assert set(want) <= set(got), (want, got)
    for name, (value, tol) in want.items():
        assert abs(got[name] - value) <= tol * (1 + 1e-9), (name, got[name], value)


@pytest.mark.realdata
def test_follow_on_sd_from_the_p_value_example() -> None:
    """7.7.3.3 continued: SD = SE / sqrt(1/NE + 1/NC) = 1.37 / sqrt(1/25 + 1/22).

    1/25 + 1/22 = 0.085455, sqrt = 0.29233, 1.3691 / 0.29233 = 4.68 (4.69 from the
    rounded SE 1.37; the CSV's note gives 4.69).
    """
    se = se_from_p(3.8, 0.008, n1=25, n2=22).se
    assert_allclose(sd_from_se(se, 25, n2=22).sd, 1.3691 / 0.29233, atol=5e-4)
    assert_allclose(sd_from_se(1.37, 25, n2=22).sd, 4.69, atol=5e-3)
