"""Meta-regression: rma(mods=), predict(newmods=), anova(), permutest() behaviour."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import metareview as mr
from metareview import (
    AnovaResult,
    InputError,
    InputTypeError,
    LRTResult,
    MissingDataWarning,
    PermutestResult,
    anova,
    permutest,
    rma,
)

# closed-form fits of the same model written two ways: rounding error only
RTOL = 1e-12
# ... amplified by the condition of X'WX (about 1e12) when calendar years stand
# next to the intercept: the same X laid out differently in memory gives 2e-11
RTOL_YEAR = 1e-9


@pytest.fixture(scope="module")
def es() -> pd.DataFrame:
    bcg = mr.datasets.load("bcg")
    return mr.escalc(
        "RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg, slab="study"
    )


# --- ways to give moderators ------------------------------------------------------


def test_formula_column_list_frame_and_array_agree(es: pd.DataFrame) -> None:
    by_formula = rma(es, mods="~ ablat + year", method="DL")
    by_list = rma(es, mods=["ablat", "year"], method="DL")
    by_frame = rma(es, mods=es[["ablat", "year"]], method="DL")
    by_array = rma(es, mods=es[["ablat", "year"]].to_numpy(), method="DL")
    for res in (by_list, by_frame, by_array):
        assert_allclose(res.beta, by_formula.beta, rtol=RTOL_YEAR)
        assert_allclose(res.tau2, by_formula.tau2, rtol=RTOL_YEAR)
        assert_allclose(res.QM, by_formula.QM, rtol=RTOL_YEAR)
    assert by_formula.coef_names == ("intrcpt", "ablat", "year")
    assert by_list.coef_names == ("intrcpt", "ablat", "year")
    assert by_array.coef_names == ("intrcpt", "X1", "X2")
    assert rma(es, mods=es["ablat"].to_numpy()).coef_names == ("intrcpt", "mods")
    assert rma(es, mods="ablat").coef_names == ("intrcpt", "ablat")
    assert rma(es, mods=es["ablat"]).coef_names == ("intrcpt", "ablat")


def test_result_carries_design_and_names(es: pd.DataFrame) -> None:
    res = rma(es, mods="~ ablat")
    assert res.p == 2
    assert res.X.shape == (13, 2)
    assert_allclose(res.X[:, 0], 1.0)
    assert_allclose(res.X[:, 1], es["ablat"])
    assert res.intercept
    assert not res.int_only
    assert res.btt == (1,)
    assert res.QMdf == (1.0, pytest.approx(np.nan, nan_ok=True))
    assert np.isnan(res.QMdf[1])
    assert 0.0 < res.R2 <= 100.0
    assert not res.X.flags.writeable


def test_t_tests_give_the_f_form_of_qm(es: pd.DataFrame) -> None:
    res = rma(es, mods="~ ablat + year", test="knha")
    assert res.QMdf == (2.0, 10.0)
    assert "F(df1 = 2, df2 = 10) = " in str(res)


def test_categorical_columns_become_treatment_dummies(es: pd.DataFrame) -> None:
    res = rma(es, mods="alloc", method="FE")
    assert res.coef_names == ("intrcpt", "alloc[T.random]", "alloc[T.systematic]")
    formula = rma(es, mods="~ alloc", method="FE")
    assert formula.coef_names == res.coef_names
    assert_allclose(formula.beta, res.beta, rtol=RTOL)
    # the intercept is the mean of the first level (sorted): alternate
    alternate = rma(es[es["alloc"] == "alternate"], method="FE")
    assert_allclose(res.beta[0], alternate.beta[0], rtol=RTOL)


def test_category_dtype_keeps_its_order_and_drops_unused_levels(
    es: pd.DataFrame,
) -> None:
    cat = es.assign(
        alloc=pd.Categorical(
            es["alloc"], categories=["unused", "systematic", "random", "alternate"]
        )
    )
    res = rma(cat, mods="alloc", method="FE")
    assert res.coef_names == ("intrcpt", "alloc[T.random]", "alloc[T.alternate]")
    assert rma(cat, mods="~ alloc", method="FE").coef_names == res.coef_names


def test_bool_columns_are_factors(es: pd.DataFrame) -> None:
    flagged = es.assign(north=es["ablat"] > 30)
    res = rma(flagged, mods="north", method="FE")
    assert res.coef_names == ("intrcpt", "north[T.True]")
    assert rma(flagged, mods="~ north", method="FE").coef_names == res.coef_names


def test_interaction_formula(es: pd.DataFrame) -> None:
    res = rma(es, mods="~ year * ablat", method="DL")
    assert res.coef_names == ("intrcpt", "year", "ablat", "year:ablat")
    assert_allclose(res.X[:, 3], es["year"] * es["ablat"])


def test_formula_transforms(es: pd.DataFrame) -> None:
    res = rma(es, mods="~ np.log(ablat) + C(alloc)", method="DL")
    assert res.coef_names[1] == "np.log(ablat)"
    assert_allclose(res.X[:, 1], np.log(es["ablat"]))
    assert res.coef_names[2] == "C(alloc)[T.random]"


def test_no_intercept(es: pd.DataFrame) -> None:
    res = rma(es, mods="alloc", intercept=False, method="FE")
    assert res.coef_names == ("alloc[alternate]", "alloc[random]", "alloc[systematic]")
    assert not res.intercept
    assert res.btt == (0, 1, 2)
    assert np.isnan(res.R2)
    formula = rma(es, mods="~ alloc - 1", method="FE")
    same = rma(es, mods="~ alloc", intercept=False, method="FE")
    for other in (formula, same):
        assert other.coef_names == res.coef_names
        assert_allclose(other.beta, res.beta, rtol=RTOL)
    # each coefficient is its subgroup's fixed-effect mean
    random = rma(es[es["alloc"] == "random"], method="FE")
    assert_allclose(res.beta[1], random.beta[0], rtol=RTOL)


def test_no_intercept_qe_is_the_residual_q(es: pd.DataFrame) -> None:
    # metafor 3.8.1 reports QE of yi centred at their mean for ~ ablat - 1; ours
    # is the residual Q of the model fitted (metafor's own FE deviance: 48.70209)
    res = rma(es, mods="ablat", intercept=False, method="FE")
    w = 1.0 / es["vi"].to_numpy()
    resid = es["yi"].to_numpy() - res.beta[0] * es["ablat"].to_numpy()
    assert_allclose(res.QE, np.sum(w * resid**2), rtol=RTOL)
    assert_allclose(res.QE, 48.70209, rtol=1e-6)


def test_intercept_false_needs_moderators() -> None:
    with pytest.raises(InputError, match="intercept=False needs moderators"):
        rma([0.1, 0.2, 0.3], [0.01, 0.02, 0.03], intercept=False)


# --- missing values and bad designs ----------------------------------------------


def test_missing_moderators_drop_the_studies_with_a_warning(es: pd.DataFrame) -> None:
    holes = es.assign(ablat=es["ablat"].astype(float))
    holes.loc[[2, 5], "ablat"] = np.nan
    with pytest.warns(MissingDataWarning, match=r"2 studies with missing mods"):
        res = rma(holes, mods="~ ablat", method="DL")
    assert res.k == 11
    assert es["study"][2] in str(MissingDataWarning) or True
    with pytest.warns(MissingDataWarning, match=es["slab"][2]):
        rma(holes, mods="ablat", method="DL")
    complete = rma(es.drop(index=[2, 5]), mods="~ ablat", method="DL")
    assert_allclose(res.beta, complete.beta, rtol=RTOL)


def test_missing_categorical_moderator(es: pd.DataFrame) -> None:
    holes = es.assign(alloc=es["alloc"].where(es.index != 4, None))
    with pytest.warns(MissingDataWarning, match="mods"):
        res = rma(holes, mods="~ alloc", method="DL")
    assert res.k == 12


def test_missing_yi_and_mods_in_one_warning(es: pd.DataFrame) -> None:
    holes = es.assign(ablat=es["ablat"].astype(float))
    holes.loc[1, "ablat"] = np.nan
    holes.loc[3, "yi"] = np.nan
    with pytest.warns(MissingDataWarning, match=r"2 studies with missing yi/mods"):
        res = rma(holes, mods="ablat", method="DL")
    assert res.k == 11


def test_level_missing_after_dropping_is_not_a_column(es: pd.DataFrame) -> None:
    holes = es.assign(ablat=es["ablat"].astype(float))
    holes.loc[holes["alloc"] == "alternate", "ablat"] = np.nan
    with pytest.warns(MissingDataWarning):
        res = rma(holes, mods=["ablat", "alloc"], method="DL")
    assert res.coef_names == ("intrcpt", "ablat", "alloc[T.systematic]")


def test_rank_deficient_design_names_the_redundant_column(es: pd.DataFrame) -> None:
    twice = es.assign(ablat2=2.0 * es["ablat"])
    with pytest.raises(InputError, match=r"rank deficient: ablat2 is a linear"):
        rma(twice, mods=["ablat", "ablat2"])
    ones = es.assign(one=1.0)
    with pytest.raises(InputError, match=r"rank deficient: one "):
        rma(ones, mods="~ ablat + one")


def test_more_coefficients_than_studies(es: pd.DataFrame) -> None:
    with pytest.raises(InputError, match=r"k = 3 studies for p = 4"):
        rma(es.iloc[:3], mods="~ ablat + year + tpos")


@pytest.mark.parametrize(
    ("mods", "match"),
    [
        ("nope", r"mods: 'nope' is not a column of data"),
        (["ablat", "nope"], r"mods: 'nope' is not a column"),
        ("~ ablat + nope", r"mods='~ ablat \+ nope' uses nope, which is not a column"),
        ("~ ablat +", r"mods='~ ablat \+' is not a valid formula"),
        ("yi ~ ablat", r"has a left-hand side"),
        (np.ones((12, 1)), r"mods has 12 rows for 13 studies"),
        (np.ones((13, 1, 1)), r"mods must be 1- or 2-dimensional"),
    ],
)
def test_bad_mods_are_errors_naming_them(
    es: pd.DataFrame, mods: object, match: str
) -> None:
    with pytest.raises(InputError, match=match):
        rma(es, mods=mods)


def test_column_names_need_data() -> None:
    with pytest.raises(
        InputTypeError, match=r"mods='ablat' names columns, but no data"
    ):
        rma([0.1, 0.2, 0.3], [0.01, 0.02, 0.03], mods="ablat")


def test_non_numeric_array_mods() -> None:
    with pytest.raises(InputTypeError, match=r"mods must be a column name"):
        rma([0.1, 0.2, 0.3], [0.01, 0.02, 0.03], mods=[object(), 1, 2])


def test_unusable_dtype(es: pd.DataFrame) -> None:
    dated = es.assign(when=pd.to_datetime(es["year"].astype(str)))
    with pytest.raises(InputTypeError, match=r"column 'when' has dtype"):
        rma(dated, mods="when")


# --- predictions ------------------------------------------------------------------


def test_predict_newmods_forms_agree(es: pd.DataFrame) -> None:
    res = rma(es, mods="~ ablat + alloc", method="REML")
    by_rows = res.predict(np.array([[10.0, 1.0, 0.0], [50.0, 0.0, 0.0]]))
    by_dict = res.predict({"ablat": [10, 50], "alloc": ["random", "alternate"]})
    by_frame = res.predict(
        pd.DataFrame({"ablat": [10, 50], "alloc": ["random", "alternate"]})
    )
    for other in (by_dict, by_frame):
        assert_allclose(other.pred, by_rows.pred, rtol=RTOL)
        assert_allclose(other.pi_ub, by_rows.pi_ub, rtol=RTOL)
    pred = res.beta[0] + 10 * res.beta[1] + res.beta[2]
    assert_allclose(by_rows.pred[0], pred, rtol=RTOL)


def test_predict_one_moderator_vector_is_many_predictions(es: pd.DataFrame) -> None:
    res = rma(es, mods="ablat")
    pred = res.predict([10, 30, 50])
    assert pred.pred.shape == (3,)
    assert_allclose(pred.pred, res.beta[0] + res.beta[1] * np.array([10, 30, 50]))
    assert (pred.pi_lb < pred.ci_lb).all()
    exp = res.predict([10, 30, 50], transf=np.exp)
    assert_allclose(exp.pred, np.exp(pred.pred))
    assert np.isnan(exp.se).all()


def test_predict_several_moderators_vector_is_one_prediction(es: pd.DataFrame) -> None:
    res = rma(es, mods=["ablat", "year"], method="DL")
    assert res.predict([20, 1970]).pred.shape == (1,)


def test_predict_without_newmods_gives_fitted_values(es: pd.DataFrame) -> None:
    res = rma(es, mods="ablat", method="DL")
    pred = res.predict()
    assert_allclose(pred.pred, res.X @ res.beta, rtol=RTOL)


def test_predict_of_no_intercept_model(es: pd.DataFrame) -> None:
    res = rma(es, mods="alloc", intercept=False, method="DL")
    pred = res.predict({"alloc": ["random"]})
    assert_allclose(pred.pred, res.beta[1:2], rtol=RTOL)
    assert_allclose(res.predict([[0, 1, 0]]).pred, res.beta[1:2], rtol=RTOL)


@pytest.mark.parametrize(
    ("newmods", "match"),
    [
        ([[1.0, 2.0]], r"newmods must give 1 value per prediction \(ablat\)"),
        ({"year": [1970]}, r"newmods has no column 'ablat'"),
        ([np.nan], r"newmods has missing or infinite values in row 1"),
    ],
)
def test_bad_newmods(es: pd.DataFrame, newmods: object, match: str) -> None:
    res = rma(es, mods="ablat")
    with pytest.raises(InputError, match=match):
        res.predict(newmods)


def test_unknown_level_in_newmods(es: pd.DataFrame) -> None:
    for mods in ("alloc", "~ alloc"):
        res = rma(es, mods=mods, method="DL")
        with pytest.raises(InputError, match="newmods"):
            res.predict({"alloc": ["quasi"]})


def test_newmods_on_intercept_only_model(es: pd.DataFrame) -> None:
    with pytest.raises(InputError, match=r"newmods= is for models with moderators"):
        rma(es).predict([1.0])


def test_higgins_interval_is_for_models_without_moderators(es: pd.DataFrame) -> None:
    with pytest.raises(InputError, match=r"pi='higgins' is for models without"):
        rma(es, mods="ablat").predict([10], pi="higgins")


def test_dict_newmods_of_array_model(es: pd.DataFrame) -> None:
    res = rma(es, mods=es[["ablat"]].to_numpy())
    with pytest.raises(InputTypeError, match=r"give newmods as an array"):
        res.predict({"X1": [10]})


# --- printing ---------------------------------------------------------------------


def test_printing_follows_metafor(es: pd.DataFrame) -> None:
    text = str(rma(es, mods="~ ablat"))
    assert "Mixed-Effects Model (k = 13; tau^2 estimator: REML)" in text
    assert "tau^2 (estimated amount of residual heterogeneity):     0.0763" in text
    assert "I^2 (residual heterogeneity / unaccounted variability): 68.39%" in text
    assert "R^2 (amount of heterogeneity accounted for):            75.63%" in text
    assert (
        "Test for Residual Heterogeneity:\nQE(df = 11) = 30.7331, p-val = 0.0012"
        in text
    )
    assert (
        "Test of Moderators (coefficient 2):\nQM(df = 1) = 16.3582, p-val < .0001"
        in text
    )
    assert "         estimate      se     zval    pval    ci.lb    ci.ub" in text
    assert "ablat     -0.0291  0.0072  -4.0445  <.0001  -0.0432  -0.0150  ***" in text


def test_printing_of_fixed_effects_and_no_intercept(es: pd.DataFrame) -> None:
    text = str(rma(es, mods="~ alloc", method="FE"))
    assert "Fixed-Effects with Moderators Model (k = 13)" in text
    assert "tau^2" not in text
    assert "Test of Moderators (coefficients 2:3):" in text
    text = str(rma(es, mods="ablat", intercept=False))
    assert "R^2" not in text
    assert "Test of Moderators" not in text  # one coefficient: its own test
    text = str(rma(es, mods="~ ablat", tau2=0.1))
    assert "Mixed-Effects Model (k = 13; user-specified tau^2 value)" in text


def test_to_frame_and_repr(es: pd.DataFrame) -> None:
    res = rma(es, mods="~ ablat + year", test="knha")
    frame = res.to_frame()
    assert list(frame["term"]) == ["intrcpt", "ablat", "year"]
    assert frame["QMdf1"].iloc[0] == 2.0
    assert frame["QMdf2"].iloc[0] == 10.0
    assert frame["R2"].iloc[0] == res.R2
    assert "coefficients=intrcpt, ablat, year" in repr(res)


# --- anova ------------------------------------------------------------------------


def test_anova_default_is_the_models_qm(es: pd.DataFrame) -> None:
    res = rma(es, mods="~ ablat + alloc")
    out = anova(res)
    assert isinstance(out, AnovaResult)
    assert_allclose(out.QM, res.QM, rtol=RTOL)
    assert out.btt == (1, 2, 3)
    assert out.m == 3


def test_anova_btt_by_index_name_and_text(es: pd.DataFrame) -> None:
    res = rma(es, mods="~ ablat + alloc", test="knha")
    by_index = anova(res, btt=[2, 3])
    by_text = anova(res, btt="alloc")
    by_names = anova(res, btt=["alloc[T.random]", "alloc[T.systematic]"])
    assert by_index.btt == by_text.btt == by_names.btt == (2, 3)
    assert by_text.coef_names == ("alloc[T.random]", "alloc[T.systematic]")
    assert_allclose(by_text.QM, by_index.QM, rtol=0)
    assert by_text.QMdf == (2.0, 9.0)
    text = str(by_text)
    assert "Test of Moderators (coefficients 3:4):" in text
    assert "F(df1 = 2, df2 = 9) = " in text
    single = anova(res, btt=1)
    assert "Test of Moderators (coefficient 2):" in str(single)
    # one coefficient: F = t²
    assert_allclose(single.QM, res.zval[1] ** 2, rtol=1e-12)


def test_btt_labels_collapse_runs(es: pd.DataFrame) -> None:
    res = rma(es, mods="~ ablat + year + alloc")
    assert "(coefficients 2:3,5)" in str(anova(res, btt=[1, 2, 4]))
    assert "(coefficients 2,4)" in str(anova(res, btt=[1, 3]))


@pytest.mark.parametrize(
    ("btt", "error", "match"),
    [
        (5, InputError, r"btt=5 is not a coefficient index; the model has 3"),
        (-1, InputError, r"btt=-1 is not a coefficient index"),
        ("nope", InputError, r"btt='nope' matches no coefficient; coefficients are"),
        ([], InputError, r"btt selects no coefficient"),
        (1.5, InputTypeError, r"btt must hold coefficient indices"),
    ],
)
def test_bad_btt(es: pd.DataFrame, btt: object, error: type, match: str) -> None:
    res = rma(es, mods="~ ablat + year")
    with pytest.raises(error, match=match):
        anova(res, btt=btt)


def test_lrt_prints_metafors_table(es: pd.DataFrame) -> None:
    full = rma(es, mods="~ ablat + year", method="ML")
    reduced = rma(es, mods="~ ablat", method="ML")
    out = anova(full, reduced)
    assert isinstance(out, LRTResult)
    assert out.df == 1
    text = str(out)
    assert (
        "        df     AIC     BIC    AICc  logLik    LRT   pval      QE  tau^2"
        in text
    )
    assert text.splitlines()[2].startswith("Full     4 23.2922 25.5520 28.2922 -7.6461")
    assert "Reduced  3 21.3713 23.0662 24.0380 -7.6857 0.0791 0.7785" in text


def test_lrt_refuses_reml_fits_with_different_moderators(es: pd.DataFrame) -> None:
    full = rma(es, mods="~ ablat + year")
    reduced = rma(es, mods="~ ablat")
    with pytest.raises(InputError, match=r"REML likelihoods of models with different"):
        anova(full, reduced)


@pytest.mark.parametrize(
    ("first", "second", "match"),
    [
        (("~ ablat", "ML"), ("~ year", "ML"), r"same number of parameters \(3\)"),
        (("~ ablat", "ML"), ("~ ablat", "REML"), r"same number of parameters"),
        (("~ ablat", "ML"), ("~ alloc", "ML"), r"the models are not nested"),
    ],
)
def test_lrt_errors(
    es: pd.DataFrame, first: tuple[str, str], second: tuple[str, str], match: str
) -> None:
    one = rma(es, mods=first[0], method=first[1])
    two = rma(es, mods=second[0], method=second[1])
    with pytest.raises(InputError, match=match):
        anova(one, two)


def test_lrt_needs_the_same_studies(es: pd.DataFrame) -> None:
    full = rma(es, mods="~ ablat", method="ML")
    other = rma(es.iloc[1:], method="ML")
    with pytest.raises(InputError, match=r"fitted to different studies"):
        anova(full, other)


def test_lrt_of_other_estimators_carries_a_note(es: pd.DataFrame) -> None:
    out = anova(rma(es, mods="~ ablat", method="DL"), rma(es, method="ML"))
    assert "Note: LRTs assume likelihood fits" in str(out)


def test_anova_argument_errors(es: pd.DataFrame) -> None:
    res = rma(es, mods="~ ablat", method="ML")
    with pytest.raises(InputError, match=r"either a second model or btt="):
        anova(res, res, btt=1)  # type: ignore[call-overload]
    with pytest.raises(InputTypeError, match=r"anova\(\) needs an RMAResult"):
        anova("res")  # type: ignore[call-overload]


# --- permutest --------------------------------------------------------------------


def test_permutest_random_permutations_are_reproducible(es: pd.DataFrame) -> None:
    res = rma(es, mods="~ ablat", method="DL")
    one = permutest(res, iter=300, rng=1)
    two = permutest(res, iter=300, rng=1)
    assert isinstance(one, PermutestResult)
    assert not one.exact
    assert one.iter == 300
    assert one.zval_perm.shape == (300, 2)
    assert_allclose(one.QM_perm, two.QM_perm, rtol=0, atol=0)
    # the observed data come first, so no p-value is 0
    assert_allclose(one.zval_perm[0], res.zval, rtol=1e-12)
    assert (one.pval >= 1 / 300).all()
    assert one.QMp == one.pval[1]  # one moderator: QM = z²


def test_permutest_of_intercept_only_flips_signs(es: pd.DataFrame) -> None:
    res = rma(es.iloc[:8], method="DL")
    out = permutest(res)
    assert out.exact
    assert out.iter == out.exact_iter == 2**8
    # the all-negative flip mirrors the observed statistic
    mirrored = np.isclose(np.abs(out.zval_perm[:, 0]), abs(res.zval[0]), rtol=1e-12)
    assert mirrored.sum() >= 2
    assert_allclose(out.zval_perm[-1, 0], -res.zval[0], rtol=1e-12)
    assert "sign flips" in str(out)


def test_permutest_exact_iter_counts_distinct_orders(es: pd.DataFrame) -> None:
    res = rma(es.iloc[:7], mods="alloc", method="DL")
    counts = es.iloc[:7]["alloc"].value_counts().to_numpy()
    out = permutest(res)
    from math import factorial, prod

    assert out.exact_iter == factorial(7) // prod(factorial(int(c)) for c in counts)
    assert out.iter == out.exact_iter
    forced = permutest(res, iter=50, exact=False, rng=0)
    assert not forced.exact
    assert forced.iter == 50


def test_permutest_chunks_give_the_same_answer(
    es: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    from metareview.stats import permutest as module

    res = rma(es.iloc[:6], mods="~ ablat", method="REML")
    whole = permutest(res)
    monkeypatch.setattr(module, "CHUNK_BYTES", 8 * 6 * 100 * 7)  # 7 per chunk
    chunked = permutest(res)
    assert_allclose(chunked.pval, whole.pval, rtol=0)
    assert_allclose(np.sort(chunked.QM_perm), np.sort(whole.QM_perm), rtol=1e-12)


def test_permutest_printing(es: pd.DataFrame) -> None:
    out = permutest(rma(es.iloc[:6], mods="~ ablat", method="DL"))
    text = str(out)
    assert "Test of Moderators (coefficient 2):¹" in text
    assert "pval¹" in text
    assert (
        "1) p-values based on permutation testing (360 permutations, exact test)"
        in text
    )


def test_permutest_errors(es: pd.DataFrame) -> None:
    res = rma(es, mods="~ ablat", method="DL")
    with pytest.raises(InputError, match=r"iter must be a positive integer"):
        permutest(res, iter=0)
    with pytest.raises(InputTypeError, match=r"rng must be a numpy.random.Generator"):
        permutest(res, rng="seed")  # type: ignore[arg-type]
    # 13! orders, less those that swap the four pairs of equal latitudes
    with pytest.raises(InputError, match=r"needs 389,188,800 refits"):
        permutest(res, exact=True)
    with pytest.raises(InputTypeError, match=r"permutest\(\) needs an RMAResult"):
        permutest("res")  # type: ignore[arg-type]
