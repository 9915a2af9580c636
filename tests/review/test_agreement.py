from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats

from metareview._validate import InputError, InputTypeError
from metareview.review.agreement import (
    TABLE_COLUMNS,
    agreement,
    agreement_table,
    krippendorff_alpha,
)

GOLDEN = Path(__file__).parents[1] / "golden" / "agreement" / "agreement.json"
# closed-form statistics: R and numpy differ only by rounding
CLOSED_FORM = 1e-10
# a value published with d decimals is checked to half a unit in the last place
PUBLISHED_3 = 5e-4
PUBLISHED_5 = 5e-6

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", example C:
# 4 observers (columns A-D) x 12 units (rows), None = missing. Published alphas:
# nominal .743, ordinal .815, interval .849, ratio .797.
KRIPPENDORFF_C = [
    [1, 1, None, 1],
    [2, 2, 3, 2],
    [3, 3, 3, 3],
    [3, 3, 3, 3],
    [2, 2, 2, 2],
    [1, 2, 3, 4],
    [4, 4, 4, 4],
    [1, 1, 2, 1],
    [2, 2, 2, 2],
    [None, 5, 5, 5],
    [None, None, 1, 1],
    [None, None, 3, None],
]


def expand(table: list[list[int]]) -> tuple[list[str], list[str], list[str]]:
    """Unit-level labels (rater 1, rater 2) that tabulate to ``table``."""
    cats = [f"c{i}" for i in range(len(table))]
    r1: list[str] = []
    r2: list[str] = []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            r1 += [cats[i]] * count
            r2 += [cats[j]] * count
    return r1, r2, cats


def golden_cases() -> list[dict[str, Any]]:
    return list(json.loads(GOLDEN.read_text())["cases"])


@pytest.mark.parametrize("case", golden_cases(), ids=lambda c: c["id"])
def test_kappa_matches_psych(case: dict[str, Any]) -> None:
    # psych::cohen.kappa uses the Fleiss-Cohen-Everitt (1969) variance (see
    # tests/golden/make_agreement.R), the same as agreement()
    if "table" in case:
        r1, r2, cats = expand(case["table"])
    else:
        r1, r2, cats = case["r1"], case["r2"], case["categories"]
    res = agreement(r1, r2, categories=cats, level=case["level"])
    for key, want in case["expected"].items():
        assert_allclose(getattr(res, key), want, rtol=CLOSED_FORM, err_msg=key)
    if "table" in case:
        np.testing.assert_array_equal(res.table, case["table"])


def test_two_by_two_by_hand() -> None:
    # rows rater 1, columns rater 2; n = 50, p_o = (20 + 15)/50 = 0.7
    res = agreement(*expand([[20, 5], [10, 15]])[:2])
    n, po = 50, 0.7
    # Cohen: margins rows (.5, .5), columns (.6, .4); p_e = .3 + .2 = .5
    assert_allclose(res.kappa, (0.7 - 0.5) / (1 - 0.5), rtol=CLOSED_FORM)
    # PABAK with two categories: 2 p_o - 1
    assert_allclose(res.pabak, 0.4, rtol=CLOSED_FORM)
    # Gwet AC1: pi = ((.5 + .6)/2, (.5 + .4)/2) = (.55, .45); p_e = 2 * .55 * .45
    pe = 0.495
    ac1 = (po - pe) / (1 - pe)
    assert_allclose(res.ac1, 0.205 / 0.505, rtol=CLOSED_FORM)
    # Gwet (2008) two-rater variance, term by term:
    #   sum_k p_kk (1 - pi_k) = .4 * .45 + .3 * .55 = .345
    #   sum_kl p_kl (1 - (pi_k + pi_l)/2)^2
    #     = .4 * .45^2 + .1 * .5^2 + .2 * .5^2 + .3 * .55^2 = .24675
    var = (
        po * (1 - po)
        - 4 * (1 - ac1) * (0.345 - po * pe)
        + 4 * (1 - ac1) ** 2 * (0.24675 - pe**2)
    ) / (n * (1 - pe) ** 2)
    assert_allclose(res.ac1_se, math.sqrt(var), rtol=CLOSED_FORM)
    t = stats.t.ppf(0.975, n - 1)  # Student t with n - 1 df, as Gwet (2014)
    assert_allclose(res.ac1_ci_lb, ac1 - t * math.sqrt(var), rtol=CLOSED_FORM)
    assert_allclose(res.ac1_ci_ub, ac1 + t * math.sqrt(var), rtol=CLOSED_FORM)
    # Krippendorff nominal: coincidences o = T + T' = [[40, 15], [15, 30]],
    # n_c = (55, 45), n = 100; alpha = 1 - 99 * 30 / (2 * 55 * 45) = 0.4
    assert_allclose(res.alpha, 0.4, rtol=CLOSED_FORM)
    assert res.n == n
    assert res.percent == pytest.approx(po, rel=CLOSED_FORM)
    assert res.categories == ("c0", "c1")


def test_ac1_gwet_handbook_abstractors() -> None:
    # Gwet (2014), Handbook of Inter-Rater Reliability, 4th ed.: 100 pregnant
    # women classified by 2 abstractors (Ectopic, AIU, NIU). Values as printed by
    # Gwet's irrCAC software for this table (Python port irrCAC 0.4.4, the
    # documented example of table.CAC.gwet, t interval with 99 df):
    # AC1 = 0.84933, SE = 0.04322, 95% CI 0.76358 to 0.93508, p_a = 0.89.
    res = agreement(*expand([[13, 0, 0], [0, 20, 7], [0, 4, 56]])[:2])
    assert res.percent == pytest.approx(0.89, abs=PUBLISHED_5)
    assert res.ac1 == pytest.approx(0.84933, abs=PUBLISHED_5)
    assert res.ac1_se == pytest.approx(0.04322, abs=PUBLISHED_5)
    assert res.ac1_ci_lb == pytest.approx(0.76358, abs=PUBLISHED_5)
    assert res.ac1_ci_ub == pytest.approx(0.93508, abs=PUBLISHED_5)


@pytest.mark.parametrize(
    ("metric", "want"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_2011_example(metric: str, want: float) -> None:
    assert krippendorff_alpha(KRIPPENDORFF_C, metric=metric) == pytest.approx(
        want, abs=PUBLISHED_3
    )


def test_krippendorff_drops_unpairable_units_and_accepts_frames() -> None:
    full = krippendorff_alpha(KRIPPENDORFF_C)
    # unit 12 has a single value: not pairable, so removing it changes nothing
    assert krippendorff_alpha(KRIPPENDORFF_C[:11]) == pytest.approx(full, rel=1e-12)
    frame = pd.DataFrame(KRIPPENDORFF_C, columns=list("ABCD"))
    assert krippendorff_alpha(frame) == pytest.approx(full, rel=1e-12)
    labels = [[None if v is None else f"v{v}" for v in row] for row in KRIPPENDORFF_C]
    assert krippendorff_alpha(labels) == pytest.approx(full, rel=1e-12)


def test_agreement_table_on_krippendorff_data() -> None:
    rows = [
        {"record_id": unit + 1, "reviewer": "ABCD"[rater], "decision": str(v)}
        for unit, values in enumerate(KRIPPENDORFF_C)
        for rater, v in enumerate(values)
        if v is not None
    ]
    # E rated one record nobody else rated: no pair, and alpha is unchanged
    rows.append({"record_id": 13, "reviewer": "E", "decision": "1"})
    rows.append({"record_id": 2, "reviewer": "E", "decision": None})  # not rated
    out = agreement_table(pd.DataFrame(rows))
    assert list(out.columns) == list(TABLE_COLUMNS)
    pairs = list(zip(out["reviewer_1"], out["reviewer_2"], strict=True))
    assert pairs == [
        ("A", "B"), ("A", "C"), ("A", "D"), ("B", "C"), ("B", "D"), ("C", "D"),
        ("all", "all"),
    ]  # fmt: skip
    assert out["n"].tolist()[:6] == [9, 8, 9, 9, 10, 10]
    ab = out.iloc[0]
    # A and B on units 1-9 disagree on unit 6 only; scale = 5 values seen.
    # A margins (3, 3, 2, 1, 0)/9, B margins (2, 4, 2, 1, 0)/9: p_e = 23/81
    assert ab["percent"] == pytest.approx(8 / 9, rel=CLOSED_FORM)
    assert ab["kappa"] == pytest.approx((72 - 23) / (81 - 23), rel=CLOSED_FORM)
    assert ab["pabak"] == pytest.approx((5 * 8 / 9 - 1) / 4, rel=CLOSED_FORM)
    # pi = (5, 7, 4, 2, 0)/18; sum pi(1 - pi) = 230/324; p_e = 230/1296
    assert ab["ac1"] == pytest.approx((1152 - 230) / (1296 - 230), rel=CLOSED_FORM)
    last = out.iloc[-1]
    assert last["alpha"] == pytest.approx(0.743, abs=PUBLISHED_3)
    assert pd.isna(last["n"])
    assert last[list(TABLE_COLUMNS[3:-1])].isna().all()


def test_agreement_table_empty_when_no_pair_qualifies() -> None:
    decisions = pd.DataFrame(
        {
            "record_id": [1, 2, 2, 3],
            "reviewer": ["A", "A", "B", "B"],
            "decision": ["include", "exclude", "exclude", "include"],
        }
    )
    out = agreement_table(decisions)
    assert out.empty
    assert list(out.columns) == list(TABLE_COLUMNS)


def test_all_one_category_kappa_undefined() -> None:
    # p_e = 1: kappa is 0/0, reported as NaN; AC1 and PABAK stay defined on a
    # two-category scale, and alpha has no expected disagreement (NaN)
    res = agreement(["exclude"] * 5, ["exclude"] * 5, categories=["exclude", "include"])
    assert math.isnan(res.kappa)
    assert math.isnan(res.kappa_se)
    assert math.isnan(res.kappa_ci_lb)
    assert math.isnan(res.kappa_ci_ub)
    assert res.percent == 1.0
    assert res.pabak == 1.0
    assert res.ac1 == 1.0
    assert math.isnan(res.alpha)
    alone = agreement(["exclude"] * 5, ["exclude"] * 5)
    assert alone.categories == ("exclude",)
    assert math.isnan(alone.pabak)
    assert math.isnan(alone.ac1)


def test_missing_and_single_rated_units_are_dropped() -> None:
    r1 = pd.Series(["include", None, "exclude", np.nan, "exclude", "include"])
    r2 = np.array(["include", "exclude", "exclude", "include", None, "exclude"], object)
    res = agreement(r1, r2)
    assert res.n == 3
    np.testing.assert_array_equal(res.table, [[1, 0], [1, 1]])
    assert not res.table.flags.writeable
    assert res.level == 0.95


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"r1": ["a", "b"], "r2": ["a"]}, "r1 has 2, r2 has 1"),
        ({"r1": ["a", None, "b"], "r2": ["a", "b", None]}, "1 unit"),
        (
            {"r1": ["a", "b"], "r2": ["a", "c"], "categories": ["a", "b"]},
            "r2 holds 'c' at position 2",
        ),
        ({"r1": ["a", "b"], "r2": ["a", "b"], "categories": ["a", "a"]}, "twice"),
        ({"r1": ["a", "b"], "r2": ["a", "b"], "level": 95}, "level"),
    ],
)
def test_agreement_errors(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(InputError, match=match):
        agreement(**kwargs)


def test_agreement_type_error() -> None:
    with pytest.raises(InputTypeError, match="r1"):
        agreement("include", ["include"])


@pytest.mark.parametrize(
    ("ratings", "metric", "match"),
    [
        ([1, 2, 3], "nominal", "2-D"),
        ([[1, None], [None, 2]], "nominal", "at least 2 raters"),
        ([["a", "b"], ["a", "a"]], "interval", "numeric"),
        ([[1, 2], [1, 1]], "cosine", "metric"),
    ],
)
def test_krippendorff_errors(ratings: Any, metric: str, match: str) -> None:
    with pytest.raises(InputError, match=match):
        krippendorff_alpha(ratings, metric=metric)


def test_agreement_table_errors() -> None:
    with pytest.raises(InputError, match="reviewer"):
        agreement_table(pd.DataFrame({"record_id": [1], "decision": ["include"]}))
    twice = pd.DataFrame(
        {"record_id": [1, 1], "reviewer": ["A", "A"], "decision": ["a", "b"]}
    )
    with pytest.raises(InputError, match="record_id=1, reviewer='A'"):
        agreement_table(twice)
    with pytest.raises(InputTypeError, match="DataFrame"):
        agreement_table([1, 2])  # type: ignore[arg-type]


LABELS = ("include", "exclude", "maybe")
SCALARS = ("n", "percent", "kappa", "kappa_se", "pabak", "ac1", "ac1_se", "alpha")
pairs = st.lists(
    st.tuples(st.sampled_from(LABELS), st.sampled_from(LABELS)),
    min_size=2,
    max_size=40,
)


def same(a: Any, b: Any) -> None:
    for key in SCALARS:
        assert_allclose(getattr(a, key), getattr(b, key), rtol=1e-12, atol=1e-14)


@given(labels=st.lists(st.sampled_from(LABELS), min_size=2, max_size=40))
def test_perfect_agreement_is_one(labels: list[str]) -> None:
    if len(set(labels)) < 2:
        labels = [*labels, "maybe" if labels[0] != "maybe" else "include"]
    res = agreement(labels, labels)
    assert res.kappa == pytest.approx(1.0)
    assert res.ac1 == pytest.approx(1.0)
    assert res.alpha == pytest.approx(1.0)
    assert res.percent == 1.0


@given(data=pairs)
def test_swapping_raters_changes_nothing(data: list[tuple[str, str]]) -> None:
    r1, r2 = zip(*data, strict=True)
    ab, ba = agreement(r1, r2), agreement(r2, r1)
    same(ab, ba)
    np.testing.assert_array_equal(ab.table, ba.table.T)


@given(data=pairs, perm=st.permutations(["x", "y", "z"]))
def test_relabelling_changes_nothing(
    data: list[tuple[str, str]], perm: list[str]
) -> None:
    rename = dict(zip(LABELS, perm, strict=True))
    r1, r2 = zip(*data, strict=True)
    same(
        agreement(r1, r2),
        agreement([rename[v] for v in r1], [rename[v] for v in r2]),
    )


@settings(max_examples=50)
@given(
    data=pairs,
    extra=st.lists(st.tuples(st.sampled_from(LABELS), st.booleans()), max_size=10),
)
def test_single_rated_units_change_nothing(
    data: list[tuple[str, str]], extra: list[tuple[str, bool]]
) -> None:
    r1, r2 = (list(x) for x in zip(*data, strict=True))
    base = agreement(r1, r2)
    for label, first in extra:
        r1.append(label if first else None)  # type: ignore[arg-type]
        r2.append(None if first else label)  # type: ignore[arg-type]
    same(base, agreement(r1, r2))
