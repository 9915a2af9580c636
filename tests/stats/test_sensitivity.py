"""leave1out, cumul, baujat, influence and exclude: behaviour, edge cases, printing."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import metareview as mr
from metareview import (
    ConvergenceWarning,
    InfluenceResult,
    InputError,
    InputTypeError,
    baujat,
    cumul,
    exclude,
    influence,
    leave1out,
    rma,
)
from metareview.stats import _refit
from metareview.stats.results import RMAResult
from metareview.stats.tau2 import Options

# a batch refit and a plain rma() call run the same code on the same numbers; only
# the order of the sums differs (iterative estimators: also the path to the root)
RTOL = 1e-10


@pytest.fixture(scope="module")
def es() -> pd.DataFrame:
    bcg = mr.datasets.load("bcg")
    out = mr.escalc(
        "RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg, slab="study"
    )
    out["year"] = bcg["year"].to_numpy()
    out["ablat"] = bcg["ablat"].to_numpy()
    out["alloc"] = bcg["alloc"].to_numpy()
    return out


SETTINGS = [
    {"method": "REML"},
    {"method": "DL", "test": "knha"},
    {"method": "FE"},
    {"method": "ML", "test": "t"},
    {"method": "PM", "level": 0.9},
    {"method": "REML", "tau2": 0.05, "test": "knha"},
    {"method": "SJ", "weights": "w"},
]


def _kwargs(es: pd.DataFrame, setting: dict[str, Any]) -> dict[str, Any]:
    kw = dict(setting)
    if kw.get("weights") == "w":
        kw["weights"] = 1.0 / np.sqrt(es["vi"].to_numpy())
    return kw


def _plain(es: pd.DataFrame, rows: Any, kw: dict[str, Any]) -> RMAResult:
    w = kw.get("weights")
    sub = {**kw, "weights": None if w is None else np.asarray(w)[rows]}
    return rma(es["yi"].to_numpy()[rows], es["vi"].to_numpy()[rows], **sub)


def _row_equals_rma(row: pd.Series, fit: RMAResult) -> None:
    assert_allclose(row["estimate"], fit.beta[0], rtol=RTOL)
    assert_allclose(row["se"], fit.se[0], rtol=RTOL)
    assert_allclose(row["pval"], fit.pval[0], rtol=RTOL)
    assert_allclose(
        row[["ci_lb", "ci_ub"]].to_numpy(np.float64),
        [fit.ci_lb[0], fit.ci_ub[0]],
        rtol=RTOL,
    )
    assert_allclose(row["QE"], fit.QE, rtol=RTOL)
    if "tau2" in row:
        assert_allclose(row["tau2"], fit.tau2, rtol=RTOL, atol=1e-14)
    assert_allclose(row["I2"], fit.I2, rtol=RTOL, atol=1e-12)


@pytest.mark.parametrize("setting", SETTINGS, ids=str)
def test_leave1out_rows_equal_plain_rma_refits(es: pd.DataFrame, setting: dict) -> None:
    kw = _kwargs(es, setting)
    frame = leave1out(rma(es, **kw))
    for i in range(len(es)):
        _row_equals_rma(frame.iloc[i], _plain(es, np.arange(len(es)) != i, kw))


@pytest.mark.parametrize("setting", SETTINGS, ids=str)
def test_cumul_rows_equal_plain_rma_refits(es: pd.DataFrame, setting: dict) -> None:
    kw = _kwargs(es, setting)
    frame = cumul(rma(es, **kw), order="year", data=es)
    order = np.argsort(es["year"].to_numpy(), kind="stable")
    assert list(frame.index) == list(es["slab"].to_numpy()[order])
    for j in range(1, len(es)):  # row 0 is one study, which rma() reports as k = 1
        _row_equals_rma(frame.iloc[j], _plain(es, order[: j + 1], kw))


def test_last_cumulative_fit_is_the_model(es: pd.DataFrame) -> None:
    res = rma(es, method="REML", test="knha")
    last = cumul(res).iloc[-1]
    assert_allclose(last["estimate"], res.beta[0], rtol=RTOL)
    assert_allclose(last["tau2"], res.tau2, rtol=RTOL)


def test_chunks_do_not_change_the_answer(
    es: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    res = rma(es, method="REML")
    whole = leave1out(res), cumul(res), influence(res).to_frame()
    monkeypatch.setattr(_refit, "_CHUNK_CELLS", 2 * len(es))  # chunks of 2 rows
    assert _refit.chunk_rows(len(es)) == 2
    parts = leave1out(res), cumul(res), influence(res).to_frame()
    for a, b in zip(whole, parts, strict=True):
        pd.testing.assert_frame_equal(a, b, rtol=1e-13)


def test_chunks_stay_within_the_memory_budget() -> None:
    for k in (2, 13, 2_000, 20_000, 1_000_000):
        rows = _refit.chunk_rows(k)
        assert rows >= 1
        assert rows == 1 or rows * k * 128 <= _refit.MEMORY_BUDGET
    assert _refit.chunk_rows(20_000) * 20_000 * 8 < 2**20  # a mask chunk < 1 MiB


def test_leave1out_columns_and_labels(es: pd.DataFrame) -> None:
    frame = leave1out(rma(es))
    assert list(frame.columns) == [
        "estimate",
        "se",
        "zval",
        "pval",
        "ci_lb",
        "ci_ub",
        "QE",
        "QEp",
        "tau2",
        "I2",
        "H2",
    ]
    assert frame.index.name == "slab"
    assert list(frame.index) == list(es["slab"])
    # no tau2 column for equal- and fixed-effects models, as in metafor
    assert "tau2" not in leave1out(rma(es, method="EE")).columns


def test_default_labels() -> None:
    res = rma([0.1, 0.5, 0.3], [0.01, 0.02, 0.03])
    assert list(leave1out(res).index) == ["Study 1", "Study 2", "Study 3"]
    assert influence(res).slab == ("Study 1", "Study 2", "Study 3")


def test_transf(es: pd.DataFrame) -> None:
    res = rma(es)
    raw, exp = leave1out(res), leave1out(res, transf=np.exp)
    assert_allclose(exp["estimate"], np.exp(raw["estimate"]))
    assert_allclose(exp["ci_ub"], np.exp(raw["ci_ub"]))
    assert exp["se"].isna().all()
    assert_allclose(exp["pval"], raw["pval"])
    assert cumul(res, transf=np.exp)["se"].isna().all()


@pytest.mark.parametrize("test", ["z", "t", "knha"])
def test_k2_leave1out_fits_one_study_with_a_z_test(es: pd.DataFrame, test: str) -> None:
    two = es.iloc[:2]
    frame = leave1out(rma(two, test=test))
    assert_allclose(frame["estimate"], two["yi"].to_numpy()[::-1])
    assert_allclose(frame["se"], np.sqrt(two["vi"].to_numpy()[::-1]))
    z = frame["estimate"] / frame["se"]
    assert_allclose(frame["pval"], 2 * __import__("scipy").stats.norm.sf(abs(z)))
    # Q of one study is 0 up to rounding (its residual from its own mean)
    assert_allclose(frame[["QE", "tau2", "I2"]].to_numpy(), 0.0, atol=1e-20)
    assert_array_equal(frame[["QEp", "H2"]].to_numpy(), 1.0)


def test_k2_influence_and_k3(es: pd.DataFrame) -> None:
    inf = influence(rma(es.iloc[:2]))
    assert_array_equal(inf.tau2_del, 0.0)
    assert inf.inf.all()  # with k = 2 each study is half the evidence
    inf3 = influence(rma(es.iloc[:3], method="DL"))
    assert inf3.k == 3
    assert inf3.p == 1
    assert_array_equal(inf3.inf, [False, True, False])


def test_first_cumulative_fit_is_one_study(es: pd.DataFrame) -> None:
    first = cumul(rma(es, test="knha")).iloc[0]
    assert_allclose(first["estimate"], es["yi"].iloc[0])
    assert first["tau2"] == 0.0
    assert first["QE"] == 0.0
    assert first["H2"] == 1.0


def test_cumul_order(es: pd.DataFrame) -> None:
    res = rma(es)
    by_year = cumul(res, order=es["year"])
    assert list(by_year.index) == list(cumul(res, "year", data=es).index)
    assert list(by_year.index[:3]) == [
        "Aronson, 1948",
        "Ferguson & Simes, 1949",
        "Stein & Aronson, 1953",
    ]
    # ties keep the input order; missing values go last; strings sort as strings
    year = es["year"].to_numpy(np.float64)
    year[0] = np.nan
    assert by_year.index[-1] != cumul(res, order=year).index[-1]
    assert cumul(res, order=year).index[-1] == "Aronson, 1948"
    names = cumul(res, order=es["slab"].to_numpy())
    assert list(names.index) == sorted(es["slab"])


def test_cumul_order_errors(es: pd.DataFrame) -> None:
    res = rma(es)
    with pytest.raises(InputError, match="one value per study"):
        cumul(res, order=[1, 2, 3])
    with pytest.raises(InputTypeError, match="no data= frame"):
        cumul(res, order="year")
    with pytest.raises(InputError, match="not a column"):
        cumul(res, order="decade", data=es)


def test_wrong_model_type_and_too_few_studies(es: pd.DataFrame) -> None:
    mh = mr.rma_mh(ai=[4, 6], n1i=[123, 306], ci=[11, 29], n2i=[139, 303], measure="RR")
    for fn in (leave1out, cumul, baujat, influence):
        with pytest.raises(InputTypeError, match="model fitted with rma"):
            fn(mh)
    with pytest.warns(mr.ModelWarning):
        one = rma([0.1], [0.01])
    for fn in (leave1out, baujat, influence):
        with pytest.raises(InputError, match="at least 2 studies"):
            fn(one)
    assert len(cumul(one)) == 1


def test_moderators_refused_by_leave1out_and_cumul(es: pd.DataFrame) -> None:
    res = rma(es, mods="ablat")
    for fn in (leave1out, cumul):
        with pytest.raises(InputError, match="without moderators"):
            fn(res)


def test_influence_with_moderators_hat_values(es: pd.DataFrame) -> None:
    res = rma(es, mods="ablat")
    X = res.X
    inf = influence(res)
    # h_i = w_i x_i'(X'WX)^{-1} x_i: the diagonal of the hat matrix, whose trace is p
    w = 1 / (res.vi + res.tau2)
    H = X @ np.linalg.solve(X.T @ (w[:, None] * X), X.T * w)
    assert_allclose(inf.hat, np.diag(H), rtol=1e-12)
    assert_allclose(inf.hat.sum(), 2.0, rtol=1e-12)
    assert inf.dfbs.shape == (len(es), 2)
    assert list(inf.dfbetas.columns) == ["intrcpt", "ablat"]
    assert baujat(res).shape == (len(es), 3)


def test_influence_rank_deficient_deletion_is_nan(es: pd.DataFrame) -> None:
    first = (np.arange(len(es)) == 0).astype(float)
    inf = influence(rma(es, mods=np.column_stack([es["ablat"], first])))
    assert np.isnan(inf.rstudent[0])
    assert np.isnan(inf.dfbs[0]).all()
    assert_allclose(inf.hat[0], 1.0)
    assert inf.inf[0]  # hat = 1 > 3p/k
    assert np.isfinite(inf.rstudent[1:]).all()


def test_unconverged_refits_are_nan_with_one_warning(es: pd.DataFrame) -> None:
    res = dataclasses.replace(rma(es, method="REML"), control=Options(maxiter=2))
    with pytest.warns(ConvergenceWarning, match="leave-one-out fits.*NaN"):
        frame = leave1out(res)
    assert frame["estimate"].isna().any()


def test_baujat_equal_effects_is_q_contribution(es: pd.DataFrame) -> None:
    res = rma(es, method="EE")
    b = baujat(res)
    assert_allclose(b["x"].sum(), res.QE, rtol=1e-12)  # the terms of Cochran's Q
    assert list(b["ids"]) == list(range(1, len(es) + 1))


def test_influence_result_is_frozen_and_read_only(es: pd.DataFrame) -> None:
    inf = influence(rma(es))
    assert isinstance(inf, InfluenceResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        inf.hat = inf.hat  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        inf.cook_d[0] = 0.0
    frame = inf.to_frame()
    assert list(frame.columns) == [
        "rstudent",
        "dffits",
        "cook_d",
        "cov_r",
        "tau2_del",
        "QE_del",
        "hat",
        "weight",
        "inf",
    ]
    assert frame["inf"].dtype == bool
    assert repr(inf).startswith("<InfluenceResult method='REML' k=13 p=1")


def test_print_influence(es: pd.DataFrame) -> None:
    text = str(influence(rma(es, method="FE")))
    lines = text.split("\n")
    assert lines[0] == ""
    head = lines[1].split()
    assert head == [
        "rstudent",
        "dffits",
        "cook.d",
        "cov.r",
        "tau2.del",
        "QE.del",
        "hat",
        "weight",
        "dfbs",
        "inf",
    ]
    row = lines[1 + 8]  # TPT Madras, the outlier
    assert row.startswith("TPT Madras, 1980 ")
    assert row.split()[3:] == [
        "9.1786",
        "7.7151",
        "59.5228",
        "1.7065",
        "0.0000",
        "67.9858",
        "0.4140",
        "41.4014",
        "7.7151",
        "*",
    ]
    # columns are right-aligned under their headers
    assert lines[1].index("inf") + 3 == len(row)
    only = influence(rma(es, method="FE")).to_string(infonly=True)
    assert len([s for s in only.split("\n") if s]) == 4


def test_print_influence_with_moderators(es: pd.DataFrame) -> None:
    text = str(influence(rma(es, mods="ablat")))
    assert "$inf" in text
    assert "$dfbs" in text
    dfbs = text[text.index("$dfbs") :].split("\n")
    assert dfbs[2].split() == ["intrcpt", "ablat"]
    assert "dfbs" not in text[: text.index("$dfbs")]


def test_print_nan_as_na(es: pd.DataFrame) -> None:
    first = (np.arange(len(es)) == 0).astype(float)
    text = str(influence(rma(es, mods=np.column_stack([es["ablat"], first]))))
    assert "Aronson, 1948                    NA      NA" in text


@pytest.mark.parametrize(
    "studies",
    [
        ["Aronson, 1948", "Hart & Sutherland, 1977"],
        [0, 3],
        np.array([0, 3]),
        np.isin(np.arange(13), [0, 3]),
        pd.Series(np.isin(np.arange(13), [0, 3])),
    ],
    ids=["labels", "positions", "array", "mask", "series"],
)
def test_exclude_by_label_position_or_mask(es: pd.DataFrame, studies: Any) -> None:
    res = rma(es, method="DL", test="knha")
    out = exclude(res, studies, reason="high risk of bias")
    plain = _plain(
        es, ~np.isin(np.arange(13), [0, 3]), {"method": "DL", "test": "knha"}
    )
    assert out.k == 11
    assert_allclose(out.beta, plain.beta, rtol=1e-13)
    assert_allclose(out.tau2, plain.tau2, rtol=1e-13)
    assert out.test == "knha"
    assert out.measure == "RR"
    assert "Aronson, 1948" not in out.slab
    assert out.notes[-1] == (
        "2 of 13 studies excluded (high risk of bias): Aronson, 1948, "
        "Hart & Sutherland, 1977"
    )
    assert "Note: 2 of 13 studies excluded" in str(out)


def test_exclude_keeps_settings(es: pd.DataFrame) -> None:
    w = 1 / np.sqrt(es["vi"].to_numpy())
    res = rma(es, tau2=0.1, weights=w, level=0.9, control={"maxiter": 500})
    out = exclude(res, "Aronson, 1948")
    assert out.tau2_fix
    assert out.tau2 == 0.1
    assert out.level == 0.9
    assert out.control.maxiter == 500
    assert_allclose(out.user_weights, w[1:])
    one = exclude(res, 5)
    assert one.k == 12
    assert "Stein & Aronson, 1953" not in one.slab


def test_exclude_nothing_and_errors(es: pd.DataFrame) -> None:
    res = rma(es)
    none = exclude(res, np.zeros(13, bool), reason="high risk of bias")
    assert none.k == 13
    assert none.notes[-1] == "no study excluded (high risk of bias)"
    with pytest.raises(InputError, match="not among the model's slab"):
        exclude(res, ["Nobody, 2020"])
    with pytest.raises(InputError, match=r"outside 0\.\.12"):
        exclude(res, [13])
    with pytest.raises(InputError, match="one entry per study"):
        exclude(res, [True, False])
    with pytest.raises(InputError, match="leave no study"):
        exclude(res, np.ones(13, bool))
    with pytest.raises(InputTypeError, match="labels"):
        exclude(res, [1.5])


@pytest.mark.parametrize("mods", ["ablat", "~ ablat + alloc", ["ablat", "year"]])
def test_exclude_meta_regression(es: pd.DataFrame, mods: Any) -> None:
    res = rma(es, mods=mods, method="DL", test="knha")
    out = exclude(res, [0, 3])
    plain = rma(es.drop(index=[0, 3]), mods=mods, method="DL", test="knha")
    assert out.coef_names == res.coef_names
    assert out.design is res.design
    for name in ("beta", "se", "tau2", "QM", "QMp", "R2"):
        assert_allclose(getattr(out, name), getattr(plain, name), rtol=1e-12)
    no_intercept = rma(es, mods="ablat", intercept=False)
    out = exclude(no_intercept, [0])
    assert not out.intercept
    assert out.coef_names == ("ablat",)


def test_exclude_rank_deficient_meta_regression(es: pd.DataFrame) -> None:
    res = rma(es, mods="~ alloc")
    systematic = np.flatnonzero(es["alloc"].to_numpy() == "systematic")
    with pytest.raises(InputError, match="alloc"):
        exclude(res, systematic)
