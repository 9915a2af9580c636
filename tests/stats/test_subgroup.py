"""subgroup(): safeguards, inputs, permutation tests, printing, published examples."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import metareview as mr
from helpers import shared_data
from metareview import InputError, InputTypeError, MissingDataWarning, ModelWarning
from metareview.stats import _subgroup_fit

# the same numbers through the same engine, summed in another order
SAME = 1e-10


@pytest.fixture(scope="module")
def es() -> pd.DataFrame:
    bcg = mr.datasets.load("bcg")
    out = mr.escalc("RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg)
    out["slab"] = bcg["study"]
    out["decade"] = (bcg["year"] // 10 * 10).astype(str) + "s"
    return out


def _quiet(*args: Any, **kwargs: Any) -> mr.SubgroupResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelWarning)
        return mr.subgroup(*args, **kwargs)


# --- safeguards: warnings and notes ---------------------------------------------


def test_no_warning_when_every_level_has_three_studies(es: pd.DataFrame) -> None:
    res = mr.subgroup(es, by="alloc", method="FE")  # FE: no tau^2 to be unreliable
    assert res.notes == ()
    assert res.pooled.all()


def test_single_study_levels_are_reported_as_they_are(es: pd.DataFrame) -> None:
    with pytest.warns(ModelWarning) as record:
        res = mr.subgroup(es, by="decade", method="REML", test="knha")
    messages = [str(w.message) for w in record]
    assert messages[0].startswith("levels '1950s', '1980s' have a single study each")
    assert messages[1].startswith("level '1940s' has 2 studies")
    single = np.flatnonzero(~res.pooled)
    assert [res.levels[g] for g in single] == ["1950s", "1980s"]
    rows = [int(np.flatnonzero(res.group == g)[0]) for g in single]
    yi, se = es["yi"].to_numpy()[rows], np.sqrt(es["vi"].to_numpy()[rows])
    assert_allclose(res.estimate[single], yi, rtol=SAME)
    assert_allclose(res.se[single], se, rtol=SAME)
    # the study's own normal-theory interval, as rma() gives for k = 1
    assert_allclose(res.ci_lb[single], yi - 1.959963984540054 * se, rtol=SAME)
    assert res.dfs is not None
    for field in ("tau2", "I2", "QE", "QEp", "pi_lb", "pi_ub", "dfs"):
        assert np.isnan(getattr(res, field)[single]).all(), field
    assert_allclose(res.weights[rows], 100.0)
    text = str(res)
    assert "1*" in text
    assert "* a single study: its own result, not pooled" in text
    assert "Note: levels '1950s', '1980s' have a single study each" in text
    assert "can inflate Qb" in text
    assert (
        "Note: a level with a single study is tested with z (normal distribution): "
        "test='knha' needs at least two studies" in text
    )


def test_two_study_levels_warn_that_tau2_is_unreliable(es: pd.DataFrame) -> None:
    with pytest.warns(ModelWarning, match="level 'alternate' has 2 studies: its tau"):
        res = mr.subgroup(es, by="alloc", method="DL")
    assert any("2 studies" in note for note in res.notes)
    assert "Note: level 'alternate' has 2 studies" in str(res)


@pytest.mark.parametrize("kwargs", [{"method": "FE"}, {"tau2_common": True}])
def test_no_tau2_warning_without_a_per_level_tau2(
    es: pd.DataFrame, kwargs: dict[str, Any]
) -> None:
    res = mr.subgroup(es, by="alloc", **kwargs)
    assert res.notes == ()


def test_fewer_than_ten_studies_warns(es: pd.DataFrame) -> None:
    with pytest.warns(ModelWarning) as record:
        res = mr.subgroup(es.iloc[:8], by="alloc", method="DL")
    messages = [str(w.message) for w in record]
    assert any("rest on k = 8 studies, fewer than 10" in m for m in messages)
    assert "Cochrane Handbook 10.11.5.1" in str(res)


def test_every_level_a_single_study() -> None:
    frame = pd.DataFrame({"yi": [0.1, 0.5, 0.3], "vi": [0.01, 0.02, 0.03]})
    with pytest.warns(ModelWarning) as record:
        res = mr.subgroup(frame, by=["a", "b", "c"], method="REML", permutations=9)
    assert "have a single study each" in str(record[0].message)
    assert not res.pooled.any()
    # the RevMan-style test is Cochran's Q of the studies themselves
    assert_allclose(res.Qb, mr.rma(frame, method="FE").QE, rtol=SAME)
    # metafor refuses the mixed-effects model: no residual df for tau^2
    assert np.isnan(res.QM)
    assert np.isnan(res.QMp)
    assert res.QM_perm_p is not None
    assert np.isnan(res.QM_perm_p)
    assert "QM: not computed (no residual degrees of freedom)" in str(res)
    with pytest.raises(InputError, match="tau2_common"):
        mr.subgroup(frame, by=["a", "b", "c"], tau2_common=True)


# --- inputs ------------------------------------------------------------------------


def test_levels_in_order_of_first_appearance(es: pd.DataFrame) -> None:
    res = mr.subgroup(es, by="alloc", method="FE")
    assert res.levels == ("random", "alternate", "systematic")
    assert list(res.k) == [7, 2, 4]
    assert res.study_level[:5] == ("random",) * 4 + ("alternate",)


def test_categorical_order_and_unused_categories(es: pd.DataFrame) -> None:
    order = ["systematic", "none", "alternate", "random"]
    by = pd.Categorical(es["alloc"], categories=order)
    res = mr.subgroup(es, by=by, method="FE")
    assert res.levels == ("systematic", "alternate", "random")
    assert list(res.k) == [4, 2, 7]
    assert "without studies are left out: 'none'" in str(res)
    plain = mr.subgroup(es, by="alloc", method="FE")
    assert_allclose(res.estimate, plain.estimate[[2, 1, 0]], rtol=SAME)
    assert_allclose(res.Qb, plain.Qb, rtol=SAME)
    assert_allclose(res.QM, plain.QM, rtol=SAME)


def test_categorical_column_of_the_frame(es: pd.DataFrame) -> None:
    frame = es.copy()
    frame["alloc"] = pd.Categorical(
        frame["alloc"], ["random", "systematic", "alternate"]
    )
    res = mr.subgroup(frame, by="alloc", method="FE")
    assert res.levels == ("random", "systematic", "alternate")
    assert res.by == "alloc"


def test_missing_labels_drop_those_studies_everywhere(es: pd.DataFrame) -> None:
    by = es["alloc"].astype(object).copy()
    by[[0, 9]] = [None, np.nan]
    with pytest.warns(MissingDataWarning, match=r"2 studies with missing by \(alloc\)"):
        res = mr.subgroup(es, by=by, method="FE")
    assert list(res.k) == [6, 2, 3]
    assert res.overall.k == 11
    assert "Aronson, 1948" not in res.slab
    kept = es.drop(index=[0, 9])
    assert_allclose(res.overall.beta, mr.rma(kept, method="FE").beta, rtol=SAME)


def test_missing_effects_are_dropped_with_a_warning(es: pd.DataFrame) -> None:
    frame = es.copy()
    frame.loc[3, "yi"] = np.nan
    with pytest.warns(MissingDataWarning, match="missing yi/vi.*Hart & Sutherland"):
        res = mr.subgroup(frame, by="alloc", method="FE")
    assert list(res.k) == [6, 2, 4]


def test_labels_as_array_and_rma_result(es: pd.DataFrame) -> None:
    fit = mr.rma(es, method="DL", test="knha")
    labels = es["alloc"].to_numpy()
    from_fit = _quiet(fit, by=labels)
    from_frame = _quiet(es, by="alloc", method="DL", test="knha")
    assert (from_fit.method, from_fit.test) == ("DL", "knha")
    assert from_fit.by == "group"
    assert from_fit.measure == "RR"
    assert_allclose(from_fit.estimate, from_frame.estimate, rtol=SAME)
    assert_allclose(from_fit.overall.beta, fit.beta, rtol=SAME)


def test_levels_match_separate_rma_fits(es: pd.DataFrame) -> None:
    res = _quiet(es, by="alloc", method="REML", test="knha")
    for g, name in enumerate(res.levels):
        one = mr.rma(es[es["alloc"] == name], method="REML", test="knha")
        assert_allclose(res.estimate[g], one.beta[0], rtol=1e-8)
        assert_allclose(res.ci_lb[g], one.ci_lb[0], rtol=1e-8)
        assert_allclose(res.tau2[g], one.tau2, rtol=1e-8, atol=1e-12)
        rows = res.group == g
        assert_allclose(res.weights[rows], one.weights, rtol=1e-8)
    for g in range(len(res.levels)):
        assert_allclose(res.weights[res.group == g].sum(), 100.0, rtol=SAME)
    assert_allclose(res.weights_overall.sum(), 100.0, rtol=SAME)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"by": "nope"}, "by='nope' is not a column of es; columns are"),
        ({"by": ["a", "b"]}, "by has 2 labels for 13 studies"),
        ({"by": ["a"] * 13}, "at least 2 levels with studies to compare; got 1: 'a'"),
        ({"by": "alloc", "method": "XX"}, "method must be one of .* got 'XX'"),
        ({"by": "alloc", "method": "GENQ"}, "method='GENQ' needs per-study weights"),
        ({"by": "alloc", "test": "f"}, "test must be one of 'z', 't', 'knha'; got 'f'"),
        ({"by": "alloc", "level": 95}, r"write 0.95 for 95%"),
        ({"by": "alloc", "permutations": 0}, "permutations must be a positive"),
        ({"by": "alloc", "control": {"tolerance": 1}}, "no option 'tolerance'"),
    ],
)
def test_errors_name_the_argument_and_value(
    es: pd.DataFrame, kwargs: dict[str, Any], match: str
) -> None:
    with pytest.raises(InputError, match=match):
        mr.subgroup(es, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"by": "alloc", "permutations": 1.5},
            "permutations must be a positive integer",
        ),
        ({"by": "alloc", "permutations": 5, "rng": "abc"}, "rng must be .* got 'abc'"),
        ({"by": "alloc", "tau2_common": "yes"}, "tau2_common must be True or False"),
    ],
)
def test_type_errors_name_the_argument(
    es: pd.DataFrame, kwargs: dict[str, Any], match: str
) -> None:
    with pytest.raises(InputTypeError, match=match):
        mr.subgroup(es, **kwargs)


def test_es_must_be_a_frame_or_a_result(es: pd.DataFrame) -> None:
    with pytest.raises(InputTypeError, match=r"es must be an escalc frame .* got list"):
        mr.subgroup([1, 2], by=["a", "b"])
    with pytest.raises(InputError, match="lacks vi"):
        mr.subgroup(es[["yi", "alloc"]], by="alloc")
    fit = mr.rma(es)
    with pytest.raises(InputTypeError, match="by='alloc' names a column, but es is"):
        mr.subgroup(fit, by="alloc")
    fixed = mr.rma(es, tau2=0.1)
    with pytest.raises(InputError, match="tau2 fixed"):
        mr.subgroup(fixed, by=es["alloc"])


# --- the two tests and their identities ---------------------------------------------


def test_fixed_effect_q_between_is_total_less_within(es: pd.DataFrame) -> None:
    # Borenstein et al. (2009), Table 19.3: Q_between = Q - sum Q_g = QM
    res = mr.subgroup(es, by="alloc", method="FE")
    assert_allclose(res.Qb, res.overall.QE - res.QE.sum(), rtol=SAME)
    assert_allclose(res.Qb, res.QM, rtol=SAME)
    assert_allclose(res.Qw, res.QE.sum(), rtol=SAME)
    assert res.Qw_df == 13 - 3


def test_common_tau2_q_between_equals_qm(es: pd.DataFrame) -> None:
    # with one tau^2 the level means are independent, so the Wald test of their
    # equality (QM) is Cochran's Q across them
    res = mr.subgroup(es, by="alloc", method="REML", tau2_common=True)
    assert_allclose(res.Qb, res.QM, rtol=1e-9)
    # the same model in two parametrisations, iterated separately
    assert_allclose(res.tau2, res.tau2_mixed, rtol=1e-9)


def test_batch_engine_is_called_once_per_model_family(
    es: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = _subgroup_fit.fit_models

    def counting(prob: Any, **kwargs: Any) -> Any:
        calls.append(prob.y.shape[0])
        return real(prob, **kwargs)

    monkeypatch.setattr(_subgroup_fit, "fit_models", counting)
    _quiet(es, by="alloc", method="REML", permutations=50, rng=1)
    # levels (3 rows), mixed models (2), then all 50 permutations: 150 and 100 rows
    assert calls == [3, 2, 100, 150]


# --- permutation tests -------------------------------------------------------------


def test_permutation_p_values_are_reproducible(es: pd.DataFrame) -> None:
    a = _quiet(es, by="alloc", method="DL", permutations=200, rng=42)
    b = _quiet(es, by="alloc", method="DL", permutations=200, rng=42)
    c = _quiet(es, by="alloc", method="DL", permutations=200, rng=7)
    g = _quiet(
        es, by="alloc", method="DL", permutations=200, rng=np.random.default_rng(42)
    )
    assert (a.Qb_perm_p, a.QM_perm_p) == (b.Qb_perm_p, b.QM_perm_p)
    assert (a.Qb_perm_p, a.QM_perm_p) == (g.Qb_perm_p, g.QM_perm_p)
    assert (a.Qb_perm_p, a.QM_perm_p) != (c.Qb_perm_p, c.QM_perm_p)
    for p in (a.Qb_perm_p, a.QM_perm_p):
        assert p is not None
        assert 1 / 201 <= p <= 1
    assert "Permutation test (200 permutations of the labels)" in str(a)
    plain = _quiet(es, by="alloc", method="DL")
    assert plain.Qb_perm_p is None
    assert plain.QM_perm_p is None


@pytest.mark.parametrize(
    ("method", "test", "common"),
    [("DL", "z", False), ("REML", "knha", False), ("REML", "z", True)],
)
def test_permutations_equal_refits_on_permuted_labels(
    es: pd.DataFrame, method: str, test: str, common: bool
) -> None:
    n_perm = 25
    res = _quiet(
        es,
        by="alloc",
        method=method,
        test=test,
        tau2_common=common,
        permutations=n_perm,
        rng=3,
    )
    codes = res.group
    shuffled = np.random.default_rng(3).permuted(np.tile(codes, (n_perm, 1)), axis=1)
    qb, qm = [], []
    for labels in shuffled:
        one = _quiet(es, by=labels, method=method, test=test, tau2_common=common)
        qb.append(one.Qb)
        qm.append(one.QM)
    tol = 1e-8 * max(res.Qb, res.QM)
    want_qb = (1 + np.sum(np.array(qb) >= res.Qb - tol)) / (n_perm + 1)
    want_qm = (1 + np.sum(np.array(qm) >= res.QM - tol)) / (n_perm + 1)
    assert res.Qb_perm_p == pytest.approx(want_qb)
    assert res.QM_perm_p == pytest.approx(want_qm)


# --- results and printing ------------------------------------------------------------


def test_to_frame_has_one_row_per_level_and_overall(es: pd.DataFrame) -> None:
    res = _quiet(es, by="alloc", method="DL")
    frame = res.to_frame()
    assert list(frame["level"]) == ["random", "alternate", "systematic", "Overall"]
    assert_allclose(frame["estimate"].iloc[-1], res.overall.beta[0], rtol=0)
    assert "dfs" not in frame.columns
    knha = _quiet(es, by="alloc", method="DL", test="knha").to_frame()
    assert list(knha["dfs"]) == [6, 1, 3, 12]
    studies = res.study_frame()
    assert len(studies) == 13
    assert list(studies.columns) == [
        "slab",
        "level",
        "yi",
        "vi",
        "ci_lb",
        "ci_ub",
        "weight",
        "weight_overall",
    ]


def test_printing(es: pd.DataFrame) -> None:
    res = _quiet(es, by="alloc", method="REML", permutations=20, rng=1)
    text = str(res)
    assert text.startswith("\nSubgroup analysis by alloc (k = 13; 3 subgroups)")
    assert "tau^2 estimator: REML; own tau^2" in text
    for name in (*res.levels, "Overall"):
        assert f"\n{name} " in text
    assert res.revman_line() in text
    assert "Test of moderators (mixed-effects model, alloc as a factor" in text
    assert "QM(df = 2) = " in text
    assert "RR (exponentiated):" in text
    knha = _quiet(es, by="alloc", method="REML", test="knha")
    assert "F(df1 = 2, df2 = 10) = " in str(knha)
    fixed = mr.subgroup(es, by="alloc", method="FE")
    assert "pi.lb" not in str(fixed)
    assert "Fixed-effect model within each subgroup" in str(fixed)
    assert repr(res).startswith("<SubgroupResult by='alloc' levels=3 k=13")
    page = res._repr_html_()
    assert page.startswith("<div>")
    assert "<table>" in page
    assert "Test for subgroup differences: Chi²" in page


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.4138, "P = 0.41"),
        (0.0472, "P = 0.05"),
        (0.00812, "P = 0.008"),
        (0.000412, "P = 0.0004"),
        (7.1e-5, "P < 0.0001"),
        (3e-6, "P < 0.00001"),
    ],
)
def test_revman_p_format(p: float, text: str) -> None:
    from metareview.stats._format import revman_p

    assert revman_p(p) == text


def test_result_is_frozen_and_read_only(es: pd.DataFrame) -> None:
    res = _quiet(es, by="alloc")
    with pytest.raises(AttributeError):
        res.Qb = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        res.estimate[0] = 0.0


# --- Borenstein et al. (2009), chapter 19, at the book's precision ------------------


@pytest.fixture(scope="module")
def chapter19() -> pd.DataFrame:
    path = shared_data("worked-examples-ma-books", "borenstein2009_table07.csv")
    data = pd.read_csv(path, comment="#")
    return data.rename(columns={"g": "yi", "var": "vi", "study": "slab"})


def _printed(got: float, printed: str) -> None:
    decimals = len(printed.split(".")[1])
    assert abs(got - float(printed)) <= 0.5 * 10.0**-decimals * (1 + 1e-9), printed


@pytest.mark.realdata
def test_borenstein_fixed_effect_table_19_3(chapter19: pd.DataFrame) -> None:
    res = mr.subgroup(chapter19, by="type", method="FE")
    for got, printed in zip(res.estimate, ("0.3241", "0.6111"), strict=True):
        _printed(got, printed)
    _printed(res.Qb, "13.4626")  # Q between = 26.4371 - 8.4316 - 4.5429
    _printed(res.Qw, "12.9745")
    _printed(res.overall.QE, "26.4371")
    assert res.Qb_p < 0.0005


@pytest.mark.realdata
def test_borenstein_random_effects_separate_tau2_table_19_6(
    chapter19: pd.DataFrame,
) -> None:
    res = mr.subgroup(chapter19, by="type", method="DL")
    for got, printed in zip(res.estimate, ("0.3245", "0.6100"), strict=True):
        _printed(got, printed)
    for got, printed in zip(res.se, ("0.0799", "0.0611"), strict=True):
        _printed(got, printed)
    _printed(res.tau2[0], "0.0164")
    # the Q between of Table 19.7 is the Wald test of the difference (z = 2.8381)
    _printed(res.Qb, "8.0547")


@pytest.mark.realdata
def test_borenstein_random_effects_pooled_tau2_table_19_11(
    chapter19: pd.DataFrame,
) -> None:
    res = mr.subgroup(chapter19, by="type", method="DL", tau2_common=True)
    for got, printed in zip(res.estimate, ("0.3247", "0.6083"), strict=True):
        _printed(got, printed)
    for got, printed in zip(res.se, ("0.0706", "0.0727"), strict=True):
        _printed(got, printed)
    _printed(res.tau2_mixed, "0.0097")
    _printed(res.ci_lb[1], "0.4659")
