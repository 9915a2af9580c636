"""escalc(): input checks, frame layout, missing values, and the RevMan 5 and Stata
conventions against numbers computed by hand from the published formulas."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import metareview as mr
from helpers import shared_data
from metareview import InputError, InputTypeError, MetareviewError, escalc

# Hand computations follow the same formulas in scalar arithmetic.
RTOL = 1e-12
Z975 = 1.959963984540054  # qnorm(0.975)

TABLE = {"ai": [4, 6, 0, 0], "bi": [119, 300, 20, 30], "ci": [11, 29, 3, 0]}
TABLE["di"] = [128, 274, 17, 25]
CONT = {
    "m1i": [5.0, 22.5],
    "sd1i": [2.0, 3.44],
    "n1i": [10, 35],
    "m2i": [3.0, 24.9],
    "sd2i": [2.5, 10.65],
    "n2i": [12, 35],
}


# --- bad input -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measure", "args", "pieces"),
    [
        ("OR", {"ai": [1, 12], "n1i": [10, 10], "ci": [1, 2], "n2i": [9, 9]},
         ["ai", "<= n1i", "row 2", "ai = 12", "n1i = 10"]),
        ("OR", {"ai": [1, 2], "bi": [3, -1], "ci": [1, 2], "di": [3, 4]},
         ["bi", ">= 0", "row 2", "-1"]),
        ("RR", {"ai": [-2, 2], "n1i": [10, 10], "ci": [1, 2], "n2i": [9, 9]},
         ["ai", ">= 0", "row 1", "-2"]),
        ("RD", {"ai": [0, 0], "n1i": [10, 0], "ci": [1, 2], "n2i": [9, 9]},
         ["n1i", "> 0", "row 2", "0"]),
        ("OR", {"ai": [1, 0], "bi": [3, 0], "ci": [1, 2], "di": [3, 4]},
         ["ai + bi", "> 0", "row 2"]),
        ("OR", {"ai": [1, 2], "bi": [3, 4], "n1i": [4, 7], "ci": [1, 2], "di": [3, 4]},
         ["bi", "n1i - ai", "row 2", "bi = 4", "n1i = 7"]),
        ("SMD", {**CONT, "sd2i": [2.5, 0.0]}, ["sd2i", "> 0", "row 2", "0"]),
        ("MD", {**CONT, "sd1i": [-1.0, 3.0]}, ["sd1i", "> 0", "row 1", "-1"]),
        ("SMDH", {**CONT, "n2i": [12, -3]}, ["n2i", "> 0", "row 2", "-3"]),
        ("ROM", {**CONT, "m2i": [3.0, -24.9]}, ["m2i", "> 0", "row 2", "-24.9"]),
        ("COR", {"ri": [0.2, 1.5], "ni": [20, 30]}, ["ri", "-1 and 1", "row 2", "1.5"]),
        ("ZCOR", {"ri": [0.2, -0.5], "ni": [20, 3]}, ["ni", "> 3", "row 2", "3"]),
        ("COR", {"ri": [0.2, -0.5], "ni": [1, 30]}, ["ni", "> 1", "row 1", "1"]),
        ("PR", {"xi": [3, 11], "ni": [10, 10]}, ["xi", "<= ni", "row 2", "xi = 11"]),
        ("PLO", {"xi": [3, -1], "ni": [10, 10]}, ["xi", ">= 0", "row 2", "-1"]),
        ("PFT", {"xi": [3, 1], "ni": [0, 10]}, ["ni", "> 0", "row 1", "0"]),
        ("IRR", {"x1i": [3, 1], "t1i": [10, 0], "x2i": [1, 1], "t2i": [5, 5]},
         ["t1i", "> 0", "row 2", "0"]),
        ("IRD", {"x1i": [3, 1], "t1i": [10, 1], "x2i": [1, -4], "t2i": [5, 5]},
         ["x2i", ">= 0", "row 2", "-4"]),
        ("GEN", {"yi": [0.1, 0.2], "vi": [0.1, -0.2]}, ["vi", ">= 0", "row 2", "-0.2"]),
    ],
)  # fmt: skip
def test_bad_values_name_argument_row_and_value(
    measure: str, args: dict[str, Any], pieces: list[str]
) -> None:
    with pytest.raises(InputError) as err:
        escalc(measure, **args)
    for piece in pieces:
        assert piece in str(err.value)


def test_only_the_first_bad_row_is_shown_with_a_count() -> None:
    with pytest.raises(InputError, match=r"row 2 holds -1 \(2 rows in all\)"):
        escalc("PR", xi=[1, -1, -2], ni=[5, 5, 5])


def test_non_numeric_entry_names_its_row() -> None:
    with pytest.raises(InputError, match=r"ai must be numeric; row 3 holds 'x'"):
        escalc("OR", ai=[1, 2, "x"], bi=[3, 4, 5], ci=[1, 1, 1], di=[2, 2, 2])


def test_non_numeric_column_names_its_row() -> None:
    data = pd.DataFrame({"a": ["1", "two"], "n": [5, 5]})
    with pytest.raises(InputError, match=r"xi must be numeric; row 2 holds 'two'"):
        escalc("PR", xi="a", ni="n", data=data)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"measure": "LOR"}, r"measure must be one of .*'OR'.*got 'LOR'"),
        ({"measure": "OR", "convention": "revman"}, r"convention must be one of"),
        ({"measure": "OR", "to": "zeros"}, r"to must be one of .*got 'zeros'"),
        ({"measure": "SMD", "vtype": "HO"}, r"vtype must be one of 'LS', 'UB', 'AV'"),
        ({"measure": "OR", "vtype": "UB"}, r"vtype must be one of 'LS' .*'OR'.*'UB'"),
        ({"measure": "OR", "add": -0.5}, r"add must be a finite number >= 0"),
        ({"measure": "ROM", "convention": "revman5"}, r"'ROM' has no revman5"),
        ({"measure": "PLO", "convention": "stata"}, r"'PLO' has no stata"),
        ({"measure": "OR", "convention": "revman5", "add": 0.5}, r"revman5"),
        ({"measure": "OR", "convention": "revman5", "to": "all"}, r"revman5"),
        ({"measure": "OR", "convention": "stata", "drop00": True}, r"no drop00"),
        ({"measure": "OR", "convention": "stata", "to": "all"}, r"zerocells"),
        ({"measure": "RD", "convention": "stata", "add": 0.5}, r"adds nothing"),
        ({"measure": "SMD", "convention": "revman5", "vtype": "UB"}, r"vtype"),
    ],
)
def test_bad_options(kwargs: dict[str, Any], match: str) -> None:
    data: dict[str, dict[str, Any]] = {"SMD": CONT, "ROM": CONT}
    args = data.get(kwargs["measure"], TABLE)
    if kwargs["measure"] == "PLO":
        args = {"xi": [1], "ni": [5]}
    with pytest.raises(InputError, match=match):
        escalc(**args, **kwargs)


def test_bi_with_n1i_must_agree_except_where_missing() -> None:
    out = escalc("OR", ai=[1, np.nan], bi=[3, 4], n1i=[4, 7], ci=[1, 2], di=[3, 4])
    assert_allclose(out["yi"][0], math.log(1 * 3 / (3 * 1)))
    assert np.isnan(out["yi"][1])


def test_drop00_must_be_a_bool() -> None:
    with pytest.raises(InputTypeError, match=r"drop00 must be True or False"):
        escalc("OR", **TABLE, drop00="yes")


def test_missing_and_superfluous_arguments() -> None:
    with pytest.raises(InputError, match=r"'OR' needs bi= or n1i="):
        escalc("OR", ai=[1], ci=[1], di=[2])
    with pytest.raises(InputError, match=r"'MD' needs sd2i="):
        escalc("MD", **{k: v for k, v in CONT.items() if k != "sd2i"})
    with pytest.raises(InputError, match=r"'PR' does not use ri="):
        escalc("PR", xi=[1], ni=[5], ri=[0.3])
    with pytest.raises(InputError, match=r"either vi= or sei="):
        escalc("GEN", yi=[0.1], vi=[0.1], sei=[0.3])


def test_mismatched_lengths() -> None:
    with pytest.raises(InputError, match=r"same length: ai has 2, bi has 3"):
        escalc("OR", ai=[1, 2], bi=[3, 4, 5], ci=[1, 1], di=[2, 2])
    data = pd.DataFrame({"a": [1, 2, 3], "b": [4, 5, 6]})
    with pytest.raises(InputError, match=r"has 2 values but data has 3 rows"):
        escalc("OR", ai=[1, 2], bi=[3, 4], ci=[1, 1], di=[2, 2], data=data)


def test_data_slab_and_column_errors() -> None:
    data = pd.DataFrame({"x": [1, 2], "n": [5, 6]})
    with pytest.raises(InputError, match=r"xi='events' is not a column of data"):
        escalc("PR", xi="events", ni="n", data=data)
    with pytest.raises(InputTypeError, match=r"names a column, but no data="):
        escalc("PR", xi="x", ni=[5, 6])
    with pytest.raises(InputTypeError, match=r"data must be a DataFrame"):
        escalc("PR", xi=[1, 2], ni=[5, 6], data={"x": [1, 2]})
    with pytest.raises(InputError, match=r"slab='study' is not a column"):
        escalc("PR", xi="x", ni="n", data=data, slab="study")
    with pytest.raises(InputError, match=r"slab has 3 labels for 2 studies"):
        escalc("PR", xi=[1, 2], ni=[5, 6], slab=["a", "b", "c"])


def test_every_error_is_a_metareview_error() -> None:
    assert issubclass(InputError, MetareviewError)
    assert issubclass(InputError, ValueError)
    assert issubclass(InputTypeError, TypeError)


# --- missing values ----------------------------------------------------------------


def test_missing_inputs_give_nan_without_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = escalc(
            "OR", ai=[4, np.nan, 3], bi=[119, 300, None], ci=[11, 29, 5], di=[1, 2, 3]
        )
        md = escalc("MD", **{**CONT, "sd1i": [np.nan, 3.44]})
    assert np.isnan(out["yi"][[1, 2]]).all()
    assert np.isnan(out["vi"][[1, 2]]).all()
    assert np.isfinite(out["yi"][0])
    # the mean difference is known without the SD; only its variance is missing
    assert md["yi"][0] == 2.0
    assert np.isnan(md["vi"][0])


def test_rma_drops_missing_rows_with_a_warning() -> None:
    out = escalc(
        "RR", ai=[4, 6, np.nan], bi=[119, 300, 5], ci=[11, 29, 2], di=[128, 274, 8]
    )
    with pytest.warns(mr.MissingDataWarning, match="1 study"):
        res = mr.rma(out, method="FE")
    assert res.k == 2


def test_uncomputable_rows_are_nan() -> None:
    # a zero cell without add, a double zero with drop00, r = 1 for ZCOR
    out = escalc("OR", **TABLE, to="none")
    assert np.isnan(out["yi"][2:]).all()
    assert np.isnan(out["vi"][2:]).all()
    out = escalc("OR", **TABLE, drop00=True)
    assert np.isfinite(out["yi"][2])
    assert np.isnan(out["yi"][3])
    z = escalc("ZCOR", ri=[0.5, 1.0], ni=[10, 20])
    assert np.isnan(z["yi"][1])
    assert np.isnan(z["vi"][1])


# --- arrays, column names and the returned frame -------------------------------------


def _bcg() -> pd.DataFrame:
    return mr.datasets.load("bcg")


def test_column_names_and_arrays_agree() -> None:
    bcg = _bcg()
    by_name = escalc("OR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg)
    by_array = escalc("OR", ai=bcg.tpos, bi=bcg.tneg.to_numpy(), ci=list(bcg.cpos),
                      di=bcg.cneg)  # fmt: skip
    mixed = escalc("OR", ai="tpos", bi=bcg.tneg, ci="cpos", di="cneg", data=bcg)
    for other in (by_array, mixed):
        assert_allclose(other["yi"], by_name["yi"], rtol=0)
        assert_allclose(other["vi"], by_name["vi"], rtol=0)


def test_n1i_n2i_replace_bi_di() -> None:
    bcg = _bcg()
    cells = escalc("RD", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg)
    sizes = escalc("RD", ai=bcg.tpos, n1i=bcg.tpos + bcg.tneg, ci=bcg.cpos,
                   n2i=bcg.cpos + bcg.cneg)  # fmt: skip
    assert_allclose(sizes["yi"], cells["yi"], rtol=1e-15)
    assert_allclose(sizes["vi"], cells["vi"], rtol=1e-15)


def test_frame_with_data_is_a_copy_with_yi_vi_slab() -> None:
    bcg = _bcg().set_index("trial")
    before = bcg.copy()
    out = escalc("RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg,
                 slab="study")  # fmt: skip
    assert type(out) is pd.DataFrame
    assert list(out.columns) == [*bcg.columns, "yi", "vi", "slab"]
    assert out.index.equals(bcg.index)
    assert list(out["slab"]) == list(bcg["study"])
    assert out.attrs["measure"] == "RR"
    assert out.attrs["convention"] == "metafor"
    pd.testing.assert_frame_equal(bcg, before)  # data untouched


def test_frame_without_data_holds_the_given_inputs() -> None:
    out = escalc("PR", xi=[1, 2, 3], ni=[10, 10, 10], slab=["a", "b", "c"])
    assert list(out.columns) == ["xi", "ni", "yi", "vi", "slab"]
    assert list(out["slab"]) == ["a", "b", "c"]
    out = escalc("OR", ai=[1], n1i=[5], ci=[2], di=[3])
    assert list(out.columns) == ["ai", "n1i", "ci", "di", "yi", "vi"]
    assert out.attrs["measure"] == "OR"


def test_existing_yi_vi_columns_are_replaced() -> None:
    data = pd.DataFrame({"x": [1, 2], "n": [5, 6], "yi": [9.0, 9.0], "vi": [9, 9]})
    out = escalc("PR", xi="x", ni="n", data=data)
    assert list(out.columns) == ["x", "n", "yi", "vi"]
    assert_allclose(out["yi"], [0.2, 1 / 3])


def test_rma_reads_the_measure() -> None:
    es = escalc("RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=_bcg(),
                slab="study")  # fmt: skip
    res = mr.rma(es)
    assert res.measure == "RR"
    assert res.slab[0] == "Aronson, 1948"
    assert round(float(res.beta[0]), 4) == -0.7145


def test_permuting_rows_permutes_results() -> None:
    bcg = _bcg()
    order = np.random.default_rng(1).permutation(len(bcg))
    for measure, kw in (("OR", {"to": "if0all"}), ("SMD", {"vtype": "AV"})):
        if measure == "OR":
            args: dict[str, Any] = {"ai": "tpos", "bi": "tneg", "ci": "cpos",
                                    "di": "cneg"}  # fmt: skip
            data = bcg
        else:
            data = pd.DataFrame(CONT)
            order = np.array([1, 0])
            args = {k: k for k in CONT}
        a = escalc(measure, **args, data=data, **kw)
        b = escalc(measure, **args, data=data.iloc[order], **kw)
        assert_allclose(b["yi"], a["yi"].to_numpy()[order], rtol=1e-14)
        assert_allclose(b["vi"], a["vi"].to_numpy()[order], rtol=1e-14)


# --- RevMan 5 and Stata conventions, by hand -----------------------------------------


def _smd_parts(i: int) -> tuple[float, float, float, float]:
    n1, n2 = CONT["n1i"][i], CONT["n2i"][i]
    s1, s2 = CONT["sd1i"][i], CONT["sd2i"][i]
    sp = math.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (n1 + n2 - 2))
    d = (CONT["m1i"][i] - CONT["m2i"][i]) / sp
    return d, n1, n2, n1 + n2


def test_revman5_smd_is_hedges_adjusted_g() -> None:
    # Deeks & Higgins (2010): g = J d, J = 1 - 3/(4N - 9),
    # SE(g)^2 = N/(n1 n2) + g^2/(2(N - 3.94))
    out = escalc("SMD", **CONT, convention="revman5")
    for i in range(2):
        d, n1, n2, n = _smd_parts(i)
        g = (1 - 3 / (4 * n - 9)) * d
        assert_allclose(out["yi"][i], g, rtol=RTOL)
        assert_allclose(
            out["vi"][i], n / (n1 * n2) + g**2 / (2 * (n - 3.94)), rtol=RTOL
        )
    # the correction differs from metafor's exact one in the 4th digit for N = 22
    metafor = escalc("SMD", **CONT)
    assert abs(out["yi"][0] / metafor["yi"][0] - 1) > 1e-5


def test_stata_smd_and_md() -> None:
    # [META] meta esize, Methods and formulas: g = J d with J = 1 - 3/(4m - 1),
    # se(g)^2 = J^2 {1/n1 + 1/n2 + d^2/(2N)}; mdiff assumes equal variances
    out = escalc("SMD", **CONT, convention="stata")
    md = escalc("MD", **CONT, convention="stata")
    md_unequal = escalc("MD", **CONT, convention="stata", vtype="LS")
    for i in range(2):
        d, n1, n2, n = _smd_parts(i)
        j = 1 - 3 / (4 * (n - 2) - 1)
        assert_allclose(out["yi"][i], j * d, rtol=RTOL)
        assert_allclose(
            out["vi"][i], j**2 * (1 / n1 + 1 / n2 + d**2 / (2 * n)), rtol=RTOL
        )
        s1, s2 = CONT["sd1i"][i], CONT["sd2i"][i]
        pooled = ((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (n - 2)
        assert_allclose(md["vi"][i], pooled * (1 / n1 + 1 / n2), rtol=RTOL)
        assert_allclose(md_unequal["vi"][i], s1**2 / n1 + s2**2 / n2, rtol=RTOL)
    assert_allclose(md_unequal["vi"], escalc("MD", **CONT)["vi"], rtol=0)


def _or(a: float, b: float, c: float, d: float) -> tuple[float, float]:
    return math.log(a * d / (b * c)), 1 / a + 1 / b + 1 / c + 1 / d


def _rd(a: float, b: float, c: float, d: float) -> tuple[float, float]:
    n1, n2 = a + b, c + d
    return a / n1 - c / n2, a * b / n1**3 + c * d / n2**3


def _peto(a: float, b: float, c: float, d: float) -> tuple[float, float]:
    n1, n2 = a + b, c + d
    n = n1 + n2
    v = n1 * n2 * (a + c) * (b + d) / (n**2 * (n - 1))
    return (a - n1 * (a + c) / n) / v, 1 / v


def test_revman5_zero_cells() -> None:
    # rows: no zero, no zero, one zero cell, double zero (no events in either group)
    odds = escalc("OR", **TABLE, convention="revman5")
    assert_allclose(odds["yi"][0], _or(4, 119, 11, 128)[0], rtol=RTOL)
    assert_allclose(odds["yi"][1], _or(6, 300, 29, 274)[0], rtol=RTOL)
    assert_allclose(odds["yi"][2], _or(0.5, 20.5, 3.5, 17.5)[0], rtol=RTOL)
    assert_allclose(odds["vi"][2], _or(0.5, 20.5, 3.5, 17.5)[1], rtol=RTOL)
    assert np.isnan(odds["yi"][3])  # left out
    assert np.isnan(odds["vi"][3])
    risk = escalc("RR", **TABLE, convention="revman5")
    assert_allclose(risk["yi"][2], math.log((0.5 / 21) / (3.5 / 21)), rtol=RTOL)
    assert np.isnan(risk["yi"][3])
    # RD: no correction for a single zero cell, but the double zero stays in with
    # 1/2 added, since its variance would otherwise be 0
    rd = escalc("RD", **TABLE, convention="revman5")
    assert_allclose(rd.loc[2, ["yi", "vi"]], _rd(0, 20, 3, 17), rtol=RTOL)
    assert_allclose(rd.loc[3, ["yi", "vi"]], _rd(0.5, 30.5, 0.5, 25.5), rtol=RTOL)
    # Peto's method is never corrected; the double zero is not estimable
    peto = escalc("PETO", **TABLE, convention="revman5")
    assert_allclose(peto.loc[2, ["yi", "vi"]], _peto(0, 20, 3, 17), rtol=RTOL)
    assert np.isnan(peto["yi"][3])
    # metafor's default corrects PETO too, and keeps the double zeros
    metafor = escalc("PETO", **TABLE)
    assert_allclose(
        metafor.loc[2, ["yi", "vi"]], _peto(0.5, 20.5, 3.5, 17.5), rtol=RTOL
    )
    assert np.isfinite(escalc("OR", **TABLE)["yi"][3])


def test_stata_zero_cells() -> None:
    # zerocells(0.5, only0) for lnoratio/lnrratio; rdiff and lnorpeto never adjusted
    odds = escalc("OR", **TABLE, convention="stata")
    assert_allclose(odds["yi"][2], _or(0.5, 20.5, 3.5, 17.5)[0], rtol=RTOL)
    assert_allclose(odds["yi"][3], _or(0.5, 30.5, 0.5, 25.5)[0], rtol=RTOL)
    allif0 = escalc("OR", **TABLE, convention="stata", to="if0all", add=0.25)
    assert_allclose(allif0["yi"][0], _or(4.25, 119.25, 11.25, 128.25)[0], rtol=RTOL)
    none = escalc("OR", **TABLE, convention="stata", to="none")
    assert np.isnan(none["yi"][2:]).all()
    rd = escalc("RD", **TABLE, convention="stata")
    assert_allclose(rd.loc[2, ["yi", "vi"]], _rd(0, 20, 3, 17), rtol=RTOL)
    assert_allclose(rd.loc[3, ["yi", "vi"]], [0.0, 0.0])
    peto = escalc("PETO", **TABLE, convention="stata")
    assert_allclose(peto.loc[2, ["yi", "vi"]], _peto(0, 20, 3, 17), rtol=RTOL)
    assert np.isnan(peto["yi"][3])


def test_conventions_agree_with_metafor_where_the_formulas_agree() -> None:
    bcg = _bcg()
    cells = {"ai": "tpos", "bi": "tneg", "ci": "cpos", "di": "cneg", "data": bcg}
    for measure in ("OR", "RR", "RD", "PETO"):
        ref = escalc(measure, **cells)
        for convention in ("revman5", "stata"):
            out = escalc(measure, **cells, convention=convention)
            assert_allclose(out["yi"], ref["yi"], rtol=0)
            assert out.attrs["convention"] == convention
    assert_allclose(
        escalc("MD", **CONT, convention="revman5")["vi"], escalc("MD", **CONT)["vi"]
    )


# --- RevMan's own output: Fleiss (1993), mental health treatment, IV MD ---------------


@pytest.fixture(scope="module")
def fleiss_md() -> pd.DataFrame:
    path = shared_data("revman-meta-pkg", "Fleiss1993_CR.csv")
    frame = pd.read_csv(path)
    return frame[frame["Outcome Number"] == 2].reset_index(drop=True)


# RevMan exports 8-9 significant digits
RTOL_REVMAN = 5e-8
# its p-values come from a less precise chi-square/normal routine: P(Q) = 0.22600895
# where the exact value is 0.2260090075 (RevMan shows p to 2 decimals anyway)
RTOL_REVMAN_P = 1e-6


@pytest.mark.realdata
def test_revman_fleiss1993_per_study_md(fleiss_md: pd.DataFrame) -> None:
    studies = fleiss_md.iloc[1:]
    out = escalc(
        "MD", m1i="Mean 1", sd1i="SD 1", n1i="Total 1", m2i="Mean 2", sd2i="SD 2",
        n2i="Total 2", data=studies, slab="Name", convention="revman5",
    )  # fmt: skip
    se = np.sqrt(out["vi"])
    assert_allclose(out["yi"], studies["Effect Estimate"], rtol=RTOL_REVMAN)
    assert_allclose(se, studies["SE"], rtol=RTOL_REVMAN)
    assert_allclose(out["yi"] - Z975 * se, studies["CI Start"], rtol=RTOL_REVMAN)
    assert_allclose(out["yi"] + Z975 * se, studies["CI End"], rtol=RTOL_REVMAN)


@pytest.mark.realdata
def test_revman_fleiss1993_pooled_md(fleiss_md: pd.DataFrame) -> None:
    pooled, studies = fleiss_md.iloc[0], fleiss_md.iloc[1:]
    es = escalc(
        "MD", m1i="Mean 1", sd1i="SD 1", n1i="Total 1", m2i="Mean 2", sd2i="SD 2",
        n2i="Total 2", data=studies, slab="Name",
    )  # fmt: skip
    res = mr.rma(es, method="FE")
    assert_allclose(res.beta[0], pooled["Effect Estimate"], rtol=RTOL_REVMAN)
    assert_allclose(res.ci_lb[0], pooled["CI Start"], rtol=RTOL_REVMAN)
    assert_allclose(res.ci_ub[0], pooled["CI End"], rtol=RTOL_REVMAN)
    assert_allclose(abs(res.zval[0]), pooled["Z"], rtol=RTOL_REVMAN)
    assert_allclose(res.pval[0], pooled["P(Z)"], rtol=RTOL_REVMAN_P)
    w = 1 / es["vi"].to_numpy()
    assert_allclose(100 * w / w.sum(), studies["Weight"], rtol=RTOL_REVMAN)
    assert_allclose(res.weights, studies["Weight"], rtol=RTOL_REVMAN)
    assert_allclose(res.QE, pooled["Q"], rtol=RTOL_REVMAN)
    assert_allclose(res.QEp, pooled["P(Q)"], rtol=RTOL_REVMAN_P)
    assert res.k - 1 == pooled["df"]
    assert_allclose(res.I2, pooled["I²(Q)"], rtol=RTOL_REVMAN)
