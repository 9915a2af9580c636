"""rma_mh() and rma_peto(): bad input, zero cells, printing, RevMan 5 parity.

The agreement with metafor is in test_mh_golden.py; here are the behaviours around
it and the reproduction of RevMan 5's own output for Fleiss (1993).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import metareview as mr
from helpers import shared_data
from metareview import InputError, InputTypeError, MissingDataWarning, ModelWarning

# RevMan 5 exports its results with 8 decimals and computes the chi-square p-value
# with its own approximation (P(Q) differs from the exact tail by ~5e-7 relative),
# so its numbers are reproduced to 1e-6 relative, not to rounding error; small
# numbers (P(Z) = 0.00101033) only to the export's last decimal (half a unit of 1e-8).
RTOL_REVMAN = 1e-6
ATOL_REVMAN = 5e-9
# Hand computations below redo the same closed-form arithmetic in another order.
RTOL_HAND = 1e-12

# Four small trials: a double zero (row 1), single zeros (rows 3 and 5)
SMALL = pd.DataFrame(
    {
        "study": ["A", "B", "C", "D", "E"],
        "ai": [0, 3, 0, 5, 2],
        "n1i": [20, 30, 15, 40, 25],
        "ci": [0, 6, 2, 9, 0],
        "n2i": [22, 28, 15, 41, 24],
    }
)


def small(**kwargs: object) -> mr.MHResult:
    return mr.rma_mh(
        ai="ai", n1i="n1i", ci="ci", n2i="n2i", data=SMALL, slab="study", **kwargs
    )


@pytest.fixture(scope="module")
def bcg() -> pd.DataFrame:
    return mr.datasets.load("bcg")


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"ai": [5, 12], "n1i": [10, 10], "ci": [1, 2], "n2i": [10, 10]},
            "ai must be <= n1i; row 2 holds ai = 12 with n1i = 10",
        ),
        (
            {"ai": [5, 1], "n1i": [10, 10], "ci": [1, 11], "n2i": [10, 10]},
            "ci must be <= n2i; row 2 holds ci = 11 with n2i = 10",
        ),
        (
            {"ai": [5, 1], "n1i": [10, 10], "ci": [-1, 2], "n2i": [10, 10]},
            "ci must be >= 0; row 1 holds -1",
        ),
        (
            {"ai": [5, 1], "bi": [5, -9], "ci": [1, 2], "di": [9, 8]},
            "bi must be >= 0; row 2 holds -9",
        ),
        (
            {"ai": [5, 1, 2], "n1i": [10, 10], "ci": [1, 2], "n2i": [10, 10]},
            "same length: ai has 3, n1i has 2, ci has 2",
        ),
        (
            {"ai": [5, 1], "bi": [5, 8], "n1i": [10, 10], "ci": [1, 2], "n2i": [9, 9]},
            "bi must be n1i - ai; row 2 holds bi = 8 with n1i = 10",
        ),
        ({"ai": [5, 1], "n1i": [10, 10], "ci": [1, 2]}, "needs di= or n2i="),
        (
            {"ai": [5, 1], "bi": [5, 9], "ci": [0, 2], "di": [0, 8]},
            r"ci \+ di must be > 0 \(the group size\); row 1 holds 0",
        ),
        (
            {"x1i": [1, 2], "t1i": [10, 10], "x2i": [1, 2], "t2i": [10, 10]},
            "measure='OR' does not use x1i=, x2i=, t1i=, t2i=; it takes ai=",
        ),
        (
            {
                "measure": "IRR",
                "x1i": [1, 2],
                "t1i": [10, 0],
                "x2i": [1, 2],
                "t2i": [10, 10],
            },
            "t1i must be > 0; row 2 holds 0",
        ),
        (
            {"measure": "IRR", "ai": [1], "n1i": [4], "ci": [1], "n2i": [5]},
            "measure='IRR' does not use ai=, ci=, n1i=, n2i=; it takes x1i=",
        ),
        (
            {"measure": "HR", "ai": [1], "n1i": [4], "ci": [1], "n2i": [5]},
            "measure must be one of 'OR', 'RR', 'RD', 'IRR', 'IRD'; got 'HR'",
        ),
        (
            {"method": "REML", "ai": [1], "n1i": [4], "ci": [1], "n2i": [5]},
            "method must be one of 'FE', 'DL'; got 'REML'",
        ),
        (
            {"level": 95, "ai": [1], "n1i": [4], "ci": [1], "n2i": [5]},
            r"write 0\.95 for 95%",
        ),
        (
            {"add": -0.5, "ai": [1], "n1i": [4], "ci": [1], "n2i": [5]},
            "add must be a finite number >= 0; got -0.5",
        ),
        (
            {"add": (0.5, 0.5, 1), "ai": [1], "n1i": [4], "ci": [1], "n2i": [5]},
            "add must be one value or a pair",
        ),
        (
            {"to": "some", "ai": [1], "n1i": [4], "ci": [1], "n2i": [5]},
            "to must be one of 'only0', 'all', 'if0all', 'none'; got 'some'",
        ),
    ],
)
def test_bad_input_is_named(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        mr.rma_mh(**kwargs)  # type: ignore[arg-type]


def test_bad_flags_are_type_errors() -> None:
    with pytest.raises(InputTypeError, match="drop00 must be True or False"):
        small(drop00="yes")
    with pytest.raises(InputTypeError, match="correct must be True or False"):
        small(correct=1)


def test_column_names_need_data() -> None:
    with pytest.raises(InputTypeError, match="names a column"):
        mr.rma_mh(ai="ai", n1i="n1i", ci="ci", n2i="n2i")
    with pytest.raises(InputError, match="'events' is not a column of data"):
        mr.rma_mh(ai="events", n1i="n1i", ci="ci", n2i="n2i", data=SMALL)


def test_missing_counts_drop_the_study_with_a_warning() -> None:
    data = SMALL.assign(ai=[0, 3, np.nan, 5, 2], n2i=[22, 28, 15, None, 24])
    with pytest.warns(MissingDataWarning, match=r"2 studies .*ai/n2i.*: C, D"):
        res = mr.rma_mh(ai="ai", n1i="n1i", ci="ci", n2i="n2i", data=data, slab="study")
    assert res.slab == ("A", "B", "E")
    assert res.k == 3
    # the same as leaving C and D out by hand
    sub = SMALL.drop(index=[2, 3])
    by_hand = mr.rma_mh(ai="ai", n1i="n1i", ci="ci", n2i="n2i", data=sub)
    assert_allclose(res.beta, by_hand.beta, rtol=RTOL_HAND)
    assert_allclose(res.QE, by_hand.QE, rtol=RTOL_HAND)


def test_missing_counts_stay_in_escalc_but_not_in_rma_mh() -> None:
    """escalc keeps one row per input row (NaN where counts are missing), as
    metafor's escalc does; rma_mh leaves those studies out, as rma.mh does."""
    data = SMALL.assign(ai=[0, 3, np.nan, 5, 2])
    es = mr.escalc("OR", ai="ai", n1i="n1i", ci="ci", n2i="n2i", data=data)
    assert len(es) == 5
    assert np.isnan(es["yi"][2])
    with pytest.warns(MissingDataWarning, match="1 study"):
        res = mr.rma_mh(ai="ai", n1i="n1i", ci="ci", n2i="n2i", data=data)
    assert res.k_all == 4


def test_one_study_warns_and_pools_to_itself() -> None:
    with pytest.warns(ModelWarning, match="k = 1"):
        res = mr.rma_mh(ai=[3], n1i=[30], ci=[6], n2i=[28])
    assert_allclose(res.beta, np.log(3 * 22 / (27 * 6)), rtol=RTOL_HAND)
    assert (res.QE, res.QEp, res.I2, res.H2) == (0.0, 1.0, 0.0, 1.0)
    assert np.isnan(res.TAp)
    assert "k = 1" in str(res)


def test_every_study_double_zero_is_an_error() -> None:
    with pytest.raises(InputError, match=r"every study has no events .* in both"):
        mr.rma_mh(ai=[0, 0], n1i=[10, 12], ci=[0, 0], n2i=[10, 11])
    with pytest.raises(InputError, match="every study has no events in either"):
        mr.rma_mh(measure="IRR", x1i=[0, 0], t1i=[10, 12], x2i=[0, 0], t2i=[9, 9])
    with pytest.raises(InputError, match="every study has no events"):
        mr.rma_peto(ai=[5, 12], n1i=[5, 12], ci=[4, 11], n2i=[4, 11])


def test_no_events_in_one_group_anywhere_is_an_error() -> None:
    with pytest.raises(InputError, match=r"OR is not estimable .* numerator sum is 0"):
        mr.rma_mh(ai=[0, 0], n1i=[10, 10], ci=[1, 3], n2i=[10, 10])
    with pytest.raises(InputError, match=r"RR is not estimable .* denominator"):
        mr.rma_mh(measure="RR", ai=[2, 1], n1i=[10, 10], ci=[0, 0], n2i=[10, 10])


# --------------------------------------------------------------- zero cells


def test_double_zero_study_is_kept_with_no_weight_and_no_effect() -> None:
    res = small()
    assert res.k == 5
    assert res.k_yi == 4
    assert np.isnan(res.yi[0])
    assert np.isnan(res.vi[0])
    assert res.weights[0] == 0.0
    # E has c = 0: no Mantel-Haenszel weight for the odds ratio (b·c/n = 0)
    assert res.weights[4] == 0.0
    assert_allclose(res.weights.sum(), 100.0, rtol=RTOL_HAND)
    # its own log odds ratio has 1/2 added to every cell
    assert_allclose(res.yi[4], np.log(2.5 * 24.5 / (23.5 * 0.5)), rtol=RTOL_HAND)


def test_double_zero_study_does_not_change_the_mh_estimate() -> None:
    kept = small()
    dropped = small(drop00=(True, True))
    assert dropped.k == 4
    assert dropped.k_all == 5
    assert dropped.weights[0] == 0.0
    assert_allclose(kept.beta, dropped.beta, rtol=RTOL_HAND)
    assert_allclose(kept.se, dropped.se, rtol=RTOL_HAND)
    # ...unless it gets a continuity correction at the pooled stage too
    corrected = small(add=(0.5, 0.5), to=("only0", "only0"), drop00=(True, False))
    assert corrected.weights[0] > 0
    assert not np.isclose(corrected.beta[0], kept.beta[0])


@pytest.mark.parametrize("measure", ["OR", "RR", "RD", "PETO"])
@pytest.mark.parametrize(
    ("add", "to", "drop00"),
    [(0.5, "only0", True), (0.5, "if0all", True), (1.0, "all", False)],
)
def test_own_effects_are_escalc(
    measure: str, add: float, to: str, drop00: bool
) -> None:
    fit = mr.rma_peto if measure == "PETO" else mr.rma_mh
    kw = {} if measure == "PETO" else {"measure": measure}
    res = fit(
        ai="ai", n1i="n1i", ci="ci", n2i="n2i", data=SMALL, add=add, to=to,
        drop00=drop00, **kw,
    )  # fmt: skip
    es = mr.escalc(
        measure, ai="ai", n1i="n1i", ci="ci", n2i="n2i", data=SMALL, add=add,
        to=to, drop00=drop00,
    )  # fmt: skip
    assert_allclose(res.yi, es["yi"], rtol=0)
    assert_allclose(res.vi, es["vi"], rtol=0)


def test_zero_variance_study_has_no_own_effect() -> None:
    """With to="none", an RD study with no events in either group has vi = 0.

    escalc keeps it, as metafor's escalc does; rma_mh gives it no own effect, so
    that it stays out of Q (metafor's rma.mh keeps it and reports Q = Inf).
    """
    kw = {"ai": [0, 1, 3], "n1i": [10, 10, 12], "ci": [0, 2, 1], "n2i": [10, 10, 11]}
    es = mr.escalc("RD", add=0, to="none", **kw)
    assert es["vi"][0] == 0
    res = mr.rma_mh(measure="RD", add=0, to="none", drop00=False, **kw)
    assert np.isnan(res.yi[0])
    assert np.isnan(res.vi[0])
    assert (res.k, res.k_yi) == (3, 2)
    assert np.isfinite(res.QE)
    assert_allclose(res.yi[1:], es["yi"][1:], rtol=0)


def test_mh_estimate_uses_raw_counts_by_default() -> None:
    res = small()
    a, n1, c, n2 = (SMALL[col].to_numpy(float) for col in ("ai", "n1i", "ci", "n2i"))
    b, d, n = n1 - a, n2 - c, n1 + n2
    assert_allclose(
        res.beta, np.log(np.sum(a * d / n) / np.sum(b * c / n)), rtol=RTOL_HAND
    )


def test_peto_handles_zero_cells_without_correction() -> None:
    res = mr.rma_peto(ai="ai", n1i="n1i", ci="ci", n2i="n2i", data=SMALL)
    a, n1, c, n2 = (SMALL[col].to_numpy(float) for col in ("ai", "n1i", "ci", "n2i"))
    n, m1 = n1 + n2, a + c
    o_e = a - n1 * m1 / n
    v = n1 * n2 * m1 * (n - m1) / (n**2 * (n - 1))
    assert_allclose(res.beta, o_e.sum() / v.sum(), rtol=RTOL_HAND)
    assert_allclose(res.se, 1 / np.sqrt(v.sum()), rtol=RTOL_HAND)
    q = np.sum(o_e[v > 0] ** 2 / v[v > 0]) - o_e.sum() ** 2 / v.sum()
    assert_allclose(res.QE, q, rtol=RTOL_HAND)
    assert_allclose(res.weights, 100 * v / v.sum(), rtol=RTOL_HAND)
    assert res.measure == "PETO"
    assert res.k_pos == 4


# ---------------------------------------------------------- RevMan 5 parity


def _fleiss() -> tuple[pd.Series, pd.DataFrame]:
    table = pd.read_csv(shared_data("revman-meta-pkg", "Fleiss1993_CR.csv"))
    rows = table[table["Outcome Number"] == 1]
    total = rows[rows["Data Type"] == "DIC"].iloc[0]
    studies = rows[rows["Data Type"].isna()]
    assert total["Statistical Method"] == "MH"
    assert total["Effect Measure"] == "OR"
    assert total["Analysis Model"] == "Fixed"
    return total, studies


def _fleiss_fit(studies: pd.DataFrame, **kwargs: object) -> mr.MHResult:
    return mr.rma_mh(
        ai="Events 1",
        n1i="Total 1",
        ci="Events 2",
        n2i="Total 2",
        data=studies,
        slab="Name",
        **kwargs,
    )


@pytest.mark.realdata
def test_revman5_fleiss1993_mh_fixed_odds_ratio() -> None:
    """Aspirin after myocardial infarction: RevMan 5's own M-H fixed OR output."""
    total, studies = _fleiss()
    res = _fleiss_fit(studies)
    assert res.k == len(studies) == 7
    assert res.slab[0] == "MRC-1"
    ex = np.exp([res.beta[0], res.ci_lb[0], res.ci_ub[0]])
    # pooled OR 0.89687 [0.84051, 0.95699]
    assert_allclose(ex[0], total["Effect Estimate"], rtol=RTOL_REVMAN, atol=ATOL_REVMAN)
    assert_allclose(ex[1], total["CI Start"], rtol=RTOL_REVMAN, atol=ATOL_REVMAN)
    assert_allclose(ex[2], total["CI End"], rtol=RTOL_REVMAN, atol=ATOL_REVMAN)
    assert_allclose(abs(res.zval[0]), total["Z"], rtol=RTOL_REVMAN, atol=ATOL_REVMAN)
    assert_allclose(res.pval[0], total["P(Z)"], rtol=RTOL_REVMAN, atol=ATOL_REVMAN)
    assert_allclose(res.QE, total["Q"], rtol=RTOL_REVMAN, atol=ATOL_REVMAN)
    assert_allclose(res.QEp, total["P(Q)"], rtol=RTOL_REVMAN, atol=ATOL_REVMAN)
    assert res.k_yi - 1 == total["df"]
    assert_allclose(res.I2, total["I²(Q)"], rtol=RTOL_REVMAN, atol=ATOL_REVMAN)
    assert res.tau2 == total["Tau²"] == 0
    assert_allclose(res.weights, studies["Weight"], rtol=RTOL_REVMAN, atol=ATOL_REVMAN)
    assert_allclose(
        np.exp(res.yi), studies["Effect Estimate"], rtol=RTOL_REVMAN, atol=ATOL_REVMAN
    )
    assert_allclose(np.sqrt(res.vi), studies["SE"], rtol=RTOL_REVMAN, atol=ATOL_REVMAN)


@pytest.mark.realdata
def test_revman5_mh_random_by_hand_on_fleiss1993() -> None:
    """M-H, Random (Deeks & Higgins 2010): DL tau² from Q around the MH estimate."""
    _, studies = _fleiss()
    res = _fleiss_fit(studies, method="DL")
    a, n1 = studies["Events 1"].to_numpy(float), studies["Total 1"].to_numpy(float)
    c, n2 = studies["Events 2"].to_numpy(float), studies["Total 2"].to_numpy(float)
    b, d = n1 - a, n2 - c
    # Mantel-Haenszel OR (no zero cells here, so no correction)
    n = n1 + n2
    log_or_mh = np.log(np.sum(a * d / n) / np.sum(b * c / n))
    # the studies' own log odds ratios and inverse-variance weights
    y = np.log(a * d / (b * c))
    w = 1 / (1 / a + 1 / b + 1 / c + 1 / d)
    q = np.sum(w * (y - log_or_mh) ** 2)
    df = len(y) - 1
    tau2 = max(0.0, (q - df) / (w.sum() - np.sum(w**2) / w.sum()))
    w_star = 1 / (1 / w + tau2)
    pooled = np.sum(w_star * y) / w_star.sum()
    se = 1 / np.sqrt(w_star.sum())
    assert tau2 > 0  # Q = 9.95 on 6 df: heterogeneity is estimated
    assert_allclose(res.QE, q, rtol=RTOL_HAND)
    assert_allclose(res.tau2, tau2, rtol=RTOL_HAND)
    assert_allclose(res.beta, pooled, rtol=RTOL_HAND)
    assert_allclose(res.se, se, rtol=RTOL_HAND)
    assert_allclose(res.ci_lb, pooled - 1.959963984540054 * se, rtol=RTOL_HAND)
    assert_allclose(res.weights, 100 * w_star / w_star.sum(), rtol=RTOL_HAND)
    assert_allclose(res.I2, 100 * (q - df) / q, rtol=RTOL_HAND)


def test_revman5_mh_random_zero_cells_by_hand() -> None:
    """RevMan adds 1/2 to every cell of a table with a zero, for the MH estimate too,
    and leaves double-zero studies out of OR analyses."""
    res = small(method="DL")
    a, n1, c, n2 = (SMALL[col].to_numpy(float) for col in ("ai", "n1i", "ci", "n2i"))
    b, d = n1 - a, n2 - c
    keep = ~((a == 0) & (c == 0))
    a, b, c, d = (x[keep] for x in (a, b, c, d))
    zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    a, b, c, d = (x + 0.5 * zero for x in (a, b, c, d))
    n = a + b + c + d
    log_or_mh = np.log(np.sum(a * d / n) / np.sum(b * c / n))
    y = np.log(a * d / (b * c))
    v = 1 / a + 1 / b + 1 / c + 1 / d
    q = np.sum((y - log_or_mh) ** 2 / v)
    tau2 = max(0.0, (q - 3) / (np.sum(1 / v) - np.sum(1 / v**2) / np.sum(1 / v)))
    w = 1 / (v + tau2)
    assert res.k == 4
    assert res.k_yi == 4
    assert res.weights[0] == 0.0
    assert_allclose(res.QE, q, rtol=RTOL_HAND)
    assert_allclose(res.tau2, tau2, rtol=RTOL_HAND)
    assert_allclose(res.beta, np.sum(w * y) / w.sum(), rtol=RTOL_HAND)
    assert res.drop00 == (True, True)
    assert res.add == (0.5, 0.5)


# ----------------------------------------------------------------- printing


def test_print_matches_metafor_layout(bcg: pd.DataFrame) -> None:
    res = mr.rma_mh(ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg)
    want = """
Equal-Effects Model (k = 13)

I^2 (total heterogeneity / total variability):  92.68%
H^2 (total variability / sampling variability): 13.66

Test for Heterogeneity:
Q(df = 12) = 163.9426, p-val < .0001

Model Results (log scale):

estimate      se      zval    pval    ci.lb    ci.ub
 -0.4734  0.0410  -11.5444  <.0001  -0.5538  -0.3930

Model Results (OR scale):

estimate   ci.lb   ci.ub
  0.6229  0.5748  0.6750

Cochran-Mantel-Haenszel Test:    CMH = 135.6889, df = 1, p-val < 0.0001
Tarone's Test for Heterogeneity: X^2 = 171.7567, df = 12, p-val < 0.0001
"""
    assert str(res) == want


@pytest.mark.parametrize(
    ("kwargs", "present", "absent"),
    [
        ({"measure": "RD"}, ["Model Results:"], ["scale", "Cochran", "Tarone"]),
        ({"measure": "RR"}, ["Model Results (RR scale):"], ["Cochran", "Tarone"]),
        (
            {"method": "DL"},
            ["Random-Effects Model (k = 13; tau^2 estimator: DL", "tau^2 (estim"],
            [],
        ),
        ({"correct": False}, ["CMH = 136.1630"], []),
    ],
)
def test_print_variants(
    bcg: pd.DataFrame, kwargs: dict[str, object], present: list[str], absent: list[str]
) -> None:
    res = mr.rma_mh(ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg, **kwargs)  # type: ignore[arg-type]
    text = str(res)
    for s in present:
        assert s in text
    for s in absent:
        assert s not in text


def test_print_rates_and_peto(bcg: pd.DataFrame) -> None:
    rates = mr.rma_mh(
        measure="IRR", x1i=[9, 8, 3], t1i=[413, 263, 487], x2i=[19, 19, 13],
        t2i=[398, 245, 435],
    )  # fmt: skip
    assert "Mantel-Haenszel Test: MH = " in str(rates)
    assert "Model Results (IRR scale):" in str(rates)
    peto = mr.rma_peto(ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg)
    assert "Model Results (OR scale):" in str(peto)
    assert "Cochran" not in str(peto)
    assert repr(peto) == "<MHResult measure='PETO' method='FE' k=13 estimate=-0.4744>"


def test_html_and_frame(bcg: pd.DataFrame) -> None:
    res = mr.rma_mh(ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg)
    html = res._repr_html_()
    assert html.startswith("<div><strong>Equal-Effects Model (k = 13)")
    assert "<td>-0.4734</td>" in html
    assert "OR: 0.6229 [0.5748, 0.6750]" in html
    frame = res.to_frame()
    assert frame.shape[0] == 1
    assert frame.loc[0, "term"] == "intrcpt"
    assert_allclose(frame.loc[0, "MH"], res.MH)
    assert {"estimate", "ci_lb", "QE", "TA", "measure", "method"} <= set(frame.columns)


# ------------------------------------------------------- result object


def test_result_is_frozen_and_readonly(bcg: pd.DataFrame) -> None:
    res = mr.rma_mh(ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.QE = 0.0  # type: ignore[misc]
    for name in ("beta", "se", "weights", "yi", "vi", "vb"):
        assert not getattr(res, name).flags.writeable, name
    assert res.p == 1
    assert res.tau == 0.0


def test_predict_back_transformed(bcg: pd.DataFrame) -> None:
    res = mr.rma_mh(ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg)
    pred = res.predict(transf=np.exp)
    assert_allclose(pred.pred, np.exp(res.beta), rtol=RTOL_HAND)
    assert_allclose(pred.ci_lb, np.exp(res.ci_lb), rtol=RTOL_HAND)
    assert_allclose(pred.pi_ub, np.exp(res.ci_ub), rtol=RTOL_HAND)
    assert np.isnan(pred.se).all()  # no standard error on the transformed scale
    dl = mr.rma_mh(ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg, method="DL")
    half = 1.959963984540054 * np.sqrt(dl.se**2 + dl.tau2)
    assert_allclose(dl.predict().pi_lb, dl.beta - half, rtol=RTOL_HAND)


def test_permuting_studies_changes_nothing(bcg: pd.DataFrame) -> None:
    order = np.random.default_rng(1).permutation(len(bcg))
    shuffled = bcg.iloc[order]
    for measure in ("OR", "RR", "RD"):
        for method in ("FE", "DL"):
            kw = {"measure": measure, "method": method, "ai": "tpos", "bi": "tneg",
                  "ci": "cpos", "di": "cneg"}  # fmt: skip
            a = mr.rma_mh(data=bcg, **kw)  # type: ignore[arg-type]
            b = mr.rma_mh(data=shuffled, **kw)  # type: ignore[arg-type]
            for name in ("beta", "se", "QE", "MH", "TA", "tau2"):
                assert_allclose(
                    getattr(a, name), getattr(b, name), rtol=1e-12, err_msg=name
                )
            assert_allclose(a.weights[order], b.weights, rtol=1e-12)


def test_swapping_groups_negates_the_effect(bcg: pd.DataFrame) -> None:
    for measure in ("OR", "RR", "RD"):
        a = mr.rma_mh(measure=measure, ai="tpos", bi="tneg", ci="cpos", di="cneg",
                      data=bcg)  # fmt: skip
        b = mr.rma_mh(measure=measure, ai="cpos", bi="cneg", ci="tpos", di="tneg",
                      data=bcg)  # fmt: skip
        assert_allclose(a.beta, -b.beta, rtol=1e-12)
        assert_allclose(a.se, b.se, rtol=1e-12)
