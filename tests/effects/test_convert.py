"""metareview.effects.convert against hand computations, escalc and raw data.

Each expected value is written out from the published formula (the paper and
equation named in the test), computed from raw data with numpy, or checked by
simulation; none is the code's own output.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats

from metareview import InputError, MetareviewError, ModelWarning, escalc
from metareview.effects import convert as cv

RTOL = 1e-12  # closed forms computed the same way in scalar arithmetic
HAND = 5e-6  # hand arithmetic written to 6-7 significant digits
SETTINGS = settings(max_examples=60, deadline=None)


# --- bad input -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "pieces"),
    [
        (lambda: cv.sd_from_se(-1.0, 10), ["se", ">= 0", "-1"]),
        (lambda: cv.sd_from_se([1.0, -2.0], [10, 10]), ["se", "row 2", "-2"]),
        (lambda: cv.sd_from_se(1.0, -3), ["n", ">= 1", "-3"]),
        (lambda: cv.sd_from_ci(1.0, 2.0, 1), ["n", ">= 2", "1"]),
        (lambda: cv.sd_from_ci(3.0, 2.0, 10), ["upper", ">= lower", "2"]),
        (lambda: cv.sd_from_ci(1.0, 2.0, 10, level=95), ["level", "fraction", "95"]),
        (lambda: cv.sd_from_ci(1.0, 2.0, 10, dist="normal"), ["dist", "'t'", "normal"]),
        (lambda: cv.se_from_p(3.8, 1.2), ["p", "between 0 and 1", "1.2"]),
        (lambda: cv.se_from_p(3.8, 0.0, df=10), ["p", "between 0 and 1", "0"]),
        (lambda: cv.se_from_p(3.8, 0.01, n1=10), ["n1=", "n2="]),
        (lambda: cv.se_from_p(3.8, 0.01, df=9, n1=5, n2=6), ["df=", "not both"]),
        (lambda: cv.se_from_t(1.0, 0.0), ["t", "non-zero", "0"]),
        (lambda: cv.se_from_ci(-1.0, 2.0, log=True), ["lower", "> 0", "-1"]),
        (
            lambda: cv.mean_sd_from_median(q1=5, median=4, q3=6, n=20),
            ["q1", "median", "5", "4"],
        ),
        (
            lambda: cv.mean_sd_from_median(min=10, median=5, max=2, n=20),
            ["min must not exceed max", "10", "2"],
        ),
        (
            lambda: cv.mean_sd_from_median(min=1, median=5, max=9, n=1),
            ["n", ">= 2", "1"],
        ),
        (lambda: cv.mean_sd_from_median(q1=1, median=5, n=9), ["q1=", "without q3="]),
        (lambda: cv.mean_sd_from_median(median=5, n=9), ["min=", "q1="]),
        (
            lambda: cv.mean_sd_from_median(q1=1, median=5, q3=7, n=9, method="hozo"),
            ["hozo", "min=", "max="],
        ),
        (
            lambda: cv.mean_sd_from_median(min=1, median=5, max=7, n=9, method="x"),
            ["method", "'luo_wan'", "'x'"],
        ),
        (
            lambda: cv.mean_sd_from_median(min=[1, 2], median=[3, 4, 5], max=9, n=9),
            ["matching lengths", "min has shape (2,)", "median has shape (3,)"],
        ),
        (lambda: cv.sd_change(2.0, 2.0, 1.5), ["r", "between -1 and 1", "1.5"]),
        (lambda: cv.sd_change(-2.0, 2.0, 0.5), ["sd_baseline", ">= 0", "-2"]),
        (lambda: cv.smd_from_f(4.0, 10, 10, sign=2), ["sign", "+1 or -1", "2"]),
        (lambda: cv.smd_from_f(-4.0, 10, 10), ["f", ">= 0", "-4"]),
        (lambda: cv.smd_from_or(0.5, -0.1), ["vi", ">= 0", "-0.1"]),
        (
            lambda: cv.combine_groups(10, 1.0, -1.0, 10, 1.0, 1.0),
            ["sd1", ">= 0", "-1"],
        ),
        (lambda: cv.crossover(1, 1, 1, 1, 10), ["r=", "sd_diff="]),
        (lambda: cv.split_control(10, 0), ["k", "positive integer", "0"]),
        (
            lambda: cv.split_control(10, 2, events=11),
            ["events", "<= n", "11"],
        ),
        (lambda: cv.design_effect(-0.1, 10), ["icc", "between 0 and 1", "-0.1"]),
        (lambda: cv.design_effect(0.1, 0.5), ["m", ">= 1", "0.5"]),
        (lambda: cv.effective_n(-5, 0.1, 10), ["n", ">= 1", "-5"]),
    ],
)
def test_bad_input_names_argument_and_value(call: Any, pieces: list[str]) -> None:
    with pytest.raises(MetareviewError) as err:
        call()
    for piece in pieces:
        assert piece in str(err.value), (piece, str(err.value))


def test_errors_are_value_errors() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        cv.se_from_p(1.0, 2.0)
    assert issubclass(InputError, MetareviewError)


def test_missing_values_give_missing_results() -> None:
    res = cv.sd_from_se([0.5, np.nan], [16, 16])
    assert_allclose(res.sd, [2.0, np.nan])
    est = cv.mean_sd_from_median(min=[1, np.nan], median=[5, 5], max=[9, 9], n=20)
    assert np.isnan(est.mean[1])
    assert est.scenario[1] == ""


# --- median, range, quartiles ----------------------------------------------------


def test_luo_means_by_hand() -> None:
    """Luo et al. (2018) weights at n = 16, where n^0.75 = 8 and n^0.55 = 2^2.2.

    C1: w = 4/(4 + 8) = 1/3; mean = (1/3)(2 + 14)/2 + (2/3)6 = 8/3 + 4 = 6.666667.
    C2: w = 2.2/10.2 = 0.2156863, v = 0.7 - 0.72/4.594793 = 0.5433009;
        mean = 0.2156863*8 + 0.5433009*(4 + 9)/2 + 0.2410128*6 = 6.703023.
    C3: w = 0.7 + 0.39/16 = 0.724375; mean = 0.724375*6.5 + 0.275625*6 = 6.362188.
    """
    a, q1, m, q3, b = 2.0, 4.0, 6.0, 9.0, 14.0
    c1 = cv.mean_sd_from_median(min=a, median=m, max=b, n=16)
    c2 = cv.mean_sd_from_median(min=a, q1=q1, median=m, q3=q3, max=b, n=16)
    c3 = cv.mean_sd_from_median(q1=q1, median=m, q3=q3, n=16)
    assert_allclose(c1.mean, 6.666667, rtol=HAND)
    assert_allclose(c2.mean, 6.703023, rtol=HAND)
    assert_allclose(c3.mean, 6.362188, rtol=HAND)
    # SDs from Wan et al. with Table 1 xi(16) = 3.532; eta(16) (16 is not 4Q + 1)
    # is Blom's: 2 * qnorm(11.875 / 16.25) = 2 * qnorm(0.7307692) = 2 * 0.6151411
    assert_allclose(c1.sd, 12 / 3.532, rtol=5e-4 / 3.532)
    assert_allclose(c3.sd, 5 / 1.2302822, rtol=HAND)
    assert str(c3.scenario) == "C3"
    assert "Luo et al. (2018) C3" in str(c3.method)


def test_shi_sd_matches_equation_11_written_as_theta() -> None:
    """Shi et al. (2020) eq. 11: S = (b - a)/theta1 + (q3 - q1)/theta2 with
    theta1 = (2 + 0.14 n^0.6) qnorm((n - 0.375)/(n + 0.25)) and
    theta2 = (2 + 2/(0.07 n^0.6)) qnorm((0.75n - 0.125)/(n + 0.25)).
    """
    n = np.array([10.0, 16.0, 57.0, 300.0])
    a, q1, m, q3, b = 2.0, 4.0, 6.0, 9.0, 14.0
    theta1 = (2 + 0.14 * n**0.6) * stats.norm.ppf((n - 0.375) / (n + 0.25))
    theta2 = (2 + 2 / (0.07 * n**0.6)) * stats.norm.ppf((0.75 * n - 0.125) / (n + 0.25))
    res = cv.mean_sd_from_median(
        min=a, q1=q1, median=m, q3=q3, max=b, n=n, method="shi", skew_check=False
    )
    assert_allclose(res.sd, (b - a) / theta1 + (q3 - q1) / theta2, rtol=RTOL)
    assert all("Shi et al. (2020) eq. 11" in s for s in res.method)


def test_hozo_by_hand() -> None:
    """Hozo et al. (2005) with a = 1, m = 4, b = 13.

    n = 10: mean = (1 + 8 + 13)/4 + (1 - 8 + 13)/40 = 5.65;
            SD = sqrt(((1 - 8 + 13)^2/4 + 12^2)/12) = sqrt(153/12) = 3.570714.
    n = 50: mean = median = 4, SD = 12/4 = 3.   n = 100: SD = 12/6 = 2.
    """
    res = cv.mean_sd_from_median(
        min=1, median=4, max=13, n=[10, 50, 100], method="hozo", skew_check=False
    )
    assert_allclose(res.mean, [5.65, 4.0, 4.0], rtol=RTOL)
    assert_allclose(res.sd, [3.570714, 3.0, 2.0], rtol=HAND)


def test_rows_pick_their_own_scenario() -> None:
    nan = np.nan
    res = cv.mean_sd_from_median(
        min=[1, 1, nan, nan],
        q1=[nan, 3, 3, nan],
        median=[5, 5, 5, 5],
        q3=[nan, 7, 7, nan],
        max=[9, 9, nan, nan],
        n=41,
    )
    assert res.scenario.tolist() == ["C1", "C2", "C3", ""]
    assert np.isnan(res.sd[3])
    assert np.all(np.isfinite(res.sd[:3]))
    frame = res.to_frame()
    assert list(frame.columns[:5]) == ["mean", "sd", "n", "scenario", "method"]
    assert (
        frame["method"].iloc[1]
        == "mean: Luo et al. (2018) C2; SD: Wan et al. (2014) C2"
    )
    assert frame["skewed"].tolist() == [False] * 4


def test_skewness_test_by_hand() -> None:
    """Shi et al. (2023) statistics and 5% critical values written out.

    a, m, b = 1, 3, 20, n = 30: T1 = (21 - 6)/19 = 0.789474,
        c = 1/ln(39) + 2.5/31 = 0.272958 + 0.080645 = 0.353603 -> skewed.
    q1, m, q3 = 2, 3, 5, n = 50: T2 = (7 - 6)/3 = 0.333333,
        c = 2.65/sqrt(50) - 6/2500 = 0.374767 - 0.0024 = 0.372367 -> not skewed.
    five numbers 0, 2, 3, 5, 12, n = 50: T1 = (12 - 6)/12 = 0.5,
        T3 = max(2.65 * 3.401197/7.071068 * 0.5, 0.333333) = 0.637328,
        c = 3/sqrt(50) - 40/50^3 = 0.424264 - 0.00032 = 0.423944 -> skewed.
    """
    res = cv.skewness_test(
        min=[1, np.nan, 0],
        q1=[np.nan, 2, 2],
        median=[3, 3, 3],
        q3=[np.nan, 5, 5],
        max=[20, np.nan, 12],
        n=[30, 50, 50],
    )
    assert_allclose(res.statistic, [0.789474, 0.333333, 0.637328], rtol=HAND)
    assert_allclose(res.critical_value, [0.353603, 0.372367, 0.423944], rtol=HAND)
    assert res.skewed.tolist() == [True, False, True]
    assert res.summary.tolist() == ["a,m,b", "q1,m,q3", "a,q1,m,q3,b"]


def test_skewed_summary_warns_when_converted() -> None:
    with pytest.warns(ModelWarning, match=r"skewed \(Shi et al. 2023.*rows 1"):
        res = cv.mean_sd_from_median(min=1, median=3, max=20, n=30)
    assert bool(res.skewness is not None and res.skewness.skewed)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cv.mean_sd_from_median(min=1, median=3, max=20, n=30, skew_check=False)


@pytest.mark.parametrize("n", [41, 101])
def test_skewness_test_has_its_nominal_size(n: int) -> None:
    """Under normality each test rejects about 5% of samples (20 000 per n).

    Checks the critical values independently of the paper: the Monte Carlo
    standard error of a 5% rate is 0.0015, the band +-0.012.
    """
    rng = np.random.default_rng(n)
    x = np.sort(rng.normal(size=(20_000, n)), axis=1)
    q = (n - 1) // 4
    a, q1, m, q3, b = x[:, 0], x[:, q], x[:, 2 * q], x[:, 3 * q], x[:, -1]
    rates = [
        cv.skewness_test(min=a, median=m, max=b, n=n).skewed.mean(),
        cv.skewness_test(q1=q1, median=m, q3=q3, n=n).skewed.mean(),
        cv.skewness_test(min=a, q1=q1, median=m, q3=q3, max=b, n=n).skewed.mean(),
    ]
    assert_allclose(rates, 0.05, atol=0.012)


# --- SDs and SEs -----------------------------------------------------------------


def test_sd_from_se_and_ci_by_hand() -> None:
    assert_allclose(cv.sd_from_se(0.5, 16).sd, 2.0, rtol=RTOL)
    # a difference in means: SE 1 with groups of 10 and 15 -> 1/sqrt(1/10 + 1/15)
    assert_allclose(cv.sd_from_se(1.0, 10, n2=15).sd, 1 / math.sqrt(1 / 6), rtol=RTOL)
    # 95% CI of width 3.919928 (2 * 1.959964) with z: SD = sqrt(n)
    z = 1.959963984540054
    assert_allclose(cv.sd_from_ci(0, 2 * z, 49, dist="z").sd, 7.0, rtol=RTOL)
    # 90% z interval: 2 * 1.644854
    assert_allclose(
        cv.sd_from_ci(0, 2 * 1.6448536269514722, 4, level=0.9, dist="z").sd,
        2.0,
        rtol=RTOL,
    )
    # difference in means with t on 10 + 12 - 2 = 20 df: qt(0.975, 20) = 2.085963
    res = cv.sd_from_ci(0.0, 2 * 2.085963, 10, n2=12)
    assert_allclose(res.sd, 1 / math.sqrt(1 / 10 + 1 / 12), rtol=HAND)
    assert "6.5.2.3" in res.method


def test_se_from_ci_and_t_by_hand() -> None:
    """OR 1.67 (1.05 to 2.94), the pooled OR of the model review (DESIGN.md).

    ln 1.05 = 0.0487902, ln 2.94 = 1.0784096; midpoint 0.5635999 (OR 1.757, not
    1.67: the interval is not symmetric about the reported OR on the log scale);
    SE = 1.0296194 / 3.9199280 = 0.2626628.
    """
    res = cv.se_from_ci(1.05, 2.94, log=True)
    assert_allclose(res.estimate, 0.5635999, rtol=HAND)
    assert_allclose(res.se, 0.2626628, rtol=HAND)
    # with a t quantile on 10 df: qt(0.975, 10) = 2.228139
    assert_allclose(cv.se_from_ci(-1, 1, df=10).se, 1 / 2.228139, rtol=HAND)
    assert_allclose(cv.se_from_t([3.0, -3.0], [2.0, 1.5]).se, [1.5, 2.0], rtol=RTOL)


def test_se_from_p_z_by_hand() -> None:
    """P = 0.05 from a z test: SE = 0.8 / 1.959964 = 0.4081708; the sign kept."""
    res = cv.se_from_p([0.8, -0.8], 0.05)
    assert_allclose(res.se, 0.4081708, rtol=HAND)
    assert_allclose(res.statistic, [1.959964, -1.959964], rtol=HAND)


# --- SMDs ------------------------------------------------------------------------


GROUPS = {"m1i": 5.2, "sd1i": 1.9, "n1i": 14, "m2i": 4.1, "sd2i": 2.3, "n2i": 17}


def _t_of_groups() -> float:
    g = GROUPS
    sp = math.sqrt(((14 - 1) * 1.9**2 + (17 - 1) * 2.3**2) / (14 + 17 - 2))
    return (g["m1i"] - g["m2i"]) / (sp * math.sqrt(1 / 14 + 1 / 17))


@pytest.mark.parametrize("convention", ["metafor", "revman5", "stata"])
def test_smd_from_t_equals_escalc_from_means(convention: str) -> None:
    """The t statistic of two groups gives escalc's SMD and variance for them."""
    t = _t_of_groups()
    want = escalc("SMD", **GROUPS, convention=convention)
    got = cv.smd_from_t(t, 14, 17, convention=convention)
    assert_allclose(got.yi, want["yi"].iloc[0], rtol=RTOL)
    assert_allclose(got.vi, want["vi"].iloc[0], rtol=RTOL)
    # the same study through F = t^2 and through its two-sided P value
    by_f = cv.smd_from_f(t**2, 14, 17, sign=1, convention=convention)
    p = 2 * stats.t.sf(t, 14 + 17 - 2)
    by_p = cv.smd_from_p(p, 14, 17, sign=1, convention=convention)
    assert_allclose([by_f.yi, by_p.yi], want["yi"].iloc[0], rtol=1e-9)
    assert got.to_frame().columns.tolist() == ["yi", "vi", "measure", "method"]


def test_cohens_d_from_t_by_hand() -> None:
    """t = 2, n = 20 + 20: d = 2 sqrt(0.1) = 0.6324555; v = 40/400 + 0.4/80 = 0.105."""
    res = cv.smd_from_t([2.0, -2.0], 20, 20, hedges=False)
    assert_allclose(res.yi, [0.6324555, -0.6324555], rtol=HAND)
    assert_allclose(res.vi, 0.105, rtol=RTOL)


def test_chinn_by_hand() -> None:
    """ln OR = 1, v = 0.1: d = sqrt(3)/pi = 0.5513289, v_d = 0.3/pi^2 = 0.0303964."""
    res = cv.smd_from_or(1.0, 0.1)
    assert_allclose(res.yi, 0.5513289, rtol=HAND)
    assert_allclose(res.vi, 0.0303964, rtol=HAND)
    assert res.measure == "SMD"
    assert "Chinn 2000" in res.method
    back = cv.or_from_smd(0.5513289, 0.0303964)
    assert_allclose([back.yi, back.vi], [1.0, 0.1], rtol=2e-6)  # 7-digit input
    assert back.measure == "OR"


finite = st.floats(-5, 5, allow_nan=False, allow_infinity=False)
variance = st.floats(0, 5, allow_nan=False, allow_infinity=False)


@SETTINGS
@given(st.lists(st.tuples(finite, variance), min_size=1, max_size=8))
def test_or_smd_round_trip(pairs: list[tuple[float, float]]) -> None:
    yi, vi = (np.array(v) for v in zip(*pairs, strict=True))
    there = cv.or_from_smd(yi, vi)
    back = cv.smd_from_or(there.yi, there.vi)
    assert_allclose(back.yi, yi, rtol=1e-12, atol=1e-15)
    assert_allclose(back.vi, vi, rtol=1e-12, atol=1e-15)


# --- arm-level data --------------------------------------------------------------


def test_change_sd_and_correlation_by_hand() -> None:
    """SDb 10, SDf 12, r 0.6: sqrt(100 + 144 - 2*0.6*120) = sqrt(100) = 10."""
    assert_allclose(cv.sd_change(10.0, 12.0, 0.6).sd, 10.0, rtol=RTOL)
    assert_allclose(cv.correlation_from_change(10.0, 12.0, 10.0).r, 0.6, rtol=RTOL)


@SETTINGS
@given(
    st.floats(0.1, 50),
    st.floats(0.1, 50),
    st.floats(-1, 1, allow_nan=False),
)
def test_change_correlation_round_trip(sb: float, sf: float, r: float) -> None:
    sd = cv.sd_change(sb, sf, r).sd
    assert_allclose(cv.correlation_from_change(sb, sf, sd).r, r, atol=1e-9)


def test_combine_groups_equals_the_pooled_sample() -> None:
    """Table 6.5.a gives the mean and SD of the concatenated raw data."""
    rng = np.random.default_rng(65)
    x, y = rng.normal(3, 2, 17), rng.normal(5, 1, 9)
    both = np.concatenate([x, y])
    res = cv.combine_groups(17, x.mean(), x.std(ddof=1), 9, y.mean(), y.std(ddof=1))
    assert_allclose([res.n, res.mean, res.sd], [26, both.mean(), both.std(ddof=1)])
    assert "Table 6.5.a" in res.method


def test_combine_arms_equals_the_pooled_sample_in_any_order() -> None:
    rng = np.random.default_rng(7)
    arms = [rng.normal(mu, 1 + mu, size) for mu, size in ((0, 5), (1, 12), (2, 8))]
    n = [len(a) for a in arms]
    mean = [a.mean() for a in arms]
    sd = [a.std(ddof=1) for a in arms]
    pooled = np.concatenate(arms)
    want = [pooled.size, pooled.mean(), pooled.std(ddof=1)]
    res = cv.combine_arms(n, mean, sd)
    assert_allclose([res.n, res.mean, res.sd], want, rtol=RTOL)
    flipped = cv.combine_arms(n[::-1], mean[::-1], sd[::-1])
    assert_allclose([flipped.n, flipped.mean, flipped.sd], want, rtol=RTOL)
    # two studies at once, arms along axis 0; the second has no third arm
    two = cv.combine_arms(
        np.array([n, [n[0], n[1], np.nan]]).T,
        np.array([mean, [mean[0], mean[1], np.nan]]).T,
        np.array([sd, [sd[0], sd[1], np.nan]]).T,
    )
    first_two = np.concatenate(arms[:2])
    assert_allclose(two.sd, [want[2], first_two.std(ddof=1)], rtol=RTOL)
    assert "3 arms in turn" in two.method


@SETTINGS
@given(
    st.integers(2, 500),
    st.floats(-100, 100, allow_nan=False),
    st.floats(0.01, 50, allow_nan=False),
)
def test_combining_identical_groups(n: int, mean: float, sd: float) -> None:
    """Two copies of a group: the same mean; SD^2 = 2(n - 1)sd^2/(2n - 1)."""
    res = cv.combine_groups(n, mean, sd, n, mean, sd)
    assert_allclose(res.mean, mean, rtol=1e-12, atol=1e-12)
    assert_allclose(res.sd, sd * math.sqrt((2 * n - 2) / (2 * n - 1)), rtol=1e-12)
    assert abs(res.sd / sd - 1) <= 1 / (2 * n - 1)


def test_split_control_by_hand() -> None:
    whole = cv.split_control(25, 2, events=7, integer=True)
    assert whole.n.tolist() == [13, 12]
    assert whole.events is not None
    assert whole.events.tolist() == [4, 3]
    even = cv.split_control([25, 30], 3)
    assert_allclose(even.n, [[25 / 3] * 3, [10, 10, 10]], rtol=RTOL)
    frame = even.to_frame()
    assert frame["part"].tolist() == [1, 2, 3, 1, 2, 3]
    assert frame["method"].str.contains("23.3.4").all()


def test_cluster_adjustment_by_hand() -> None:
    """ICC 0.02, mean cluster size 11: DE = 1 + 10 * 0.02 = 1.2;
    295 / 1.2 = 245.8333 participants, 63 / 1.2 = 52.5 events.
    """
    assert_allclose(cv.design_effect([0.02, 0.0], [11, 30]), [1.2, 1.0], rtol=RTOL)
    res = cv.effective_n(295, 0.02, 11, events=63)
    assert_allclose([res.n, res.events, res.design_effect], [245.8333333, 52.5, 1.2])
    assert "23.1.4" in res.method
    assert res.to_frame().columns.tolist() == ["n", "events", "design_effect", "method"]


def test_crossover_needs_r_for_smd_from_sd_diff() -> None:
    """SMD from an SD of differences: r is derived, r = (2.38^2 + 2.21^2 - 4)/(2 *
    2.38 * 2.21) = 6.548500/10.519600 = 0.6225047, SE = sqrt(1/10 + 0.2177157^2/20)
    * sqrt(2 * 0.3774953) = 0.3199531 * 0.8689020 = 0.2780079.
    """
    res = cv.crossover(7.0, 2.38, 6.5, 2.21, 10, sd_diff=2.0, measure="SMD")
    assert_allclose(np.sqrt(res.vi), 0.2780079, rtol=HAND)


def test_results_are_frozen_and_read_only() -> None:
    res = cv.sd_from_se([1.0, 2.0], 4)
    with pytest.raises(AttributeError):
        res.sd = np.zeros(2)  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        res.sd[0] = 3.0
