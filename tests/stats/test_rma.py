"""rma(): bad input, edge cases, and the result object."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from metareview import (
    ConvergenceWarning,
    InputError,
    InputTypeError,
    MetareviewError,
    MissingDataWarning,
    ModelWarning,
    RMAResult,
    rma,
)
from metareview.stats.rma import METHODS

YI = np.array([-0.89, -1.59, -1.35, -1.44, -0.22, -0.79, -1.62, 0.01, -0.47])
VI = np.array([0.33, 0.19, 0.42, 0.02, 0.05, 0.007, 0.22, 0.004, 0.056])
LABELS = [f"Trial {c}" for c in "ABCDEFGHI"]


def _frame() -> pd.DataFrame:
    """An escalc-like frame, built by hand: yi, vi and slab columns."""
    frame = pd.DataFrame({"yi": YI, "vi": VI, "slab": LABELS, "n": np.arange(9) + 20})
    frame.attrs["measure"] = "RR"
    return frame


# --- bad input -------------------------------------------------------------------


@pytest.mark.parametrize("bad", [-0.1, 0.0])
def test_nonpositive_variance_is_an_error_naming_vi_and_row(bad: float) -> None:
    vi = VI.copy()
    vi[3] = bad
    with pytest.raises(InputError, match=r"vi must be > 0; row 4 holds"):
        rma(YI, vi)


def test_nonpositive_sei_is_an_error() -> None:
    sei = np.sqrt(VI)
    sei[0] = -1.0
    with pytest.raises(InputError, match=r"sei must be > 0; row 1"):
        rma(YI, sei=sei)


def test_row_numbers_are_the_users_even_after_missing_rows() -> None:
    yi, vi = YI.copy(), VI.copy()
    yi[0] = np.nan
    vi[5] = -1.0
    with pytest.raises(InputError, match=r"row 6"):
        rma(yi, vi)


def test_mismatched_lengths() -> None:
    with pytest.raises(InputError, match=r"same length: yi has 9, vi has 8"):
        rma(YI, VI[:-1])


def test_mismatched_weights() -> None:
    with pytest.raises(InputError, match=r"weights has 3"):
        rma(YI, VI, weights=[1.0, 2.0, 3.0])


def test_non_numeric_effect_names_argument_and_value() -> None:
    yi = [*YI[:2].tolist(), "abc", *YI[3:].tolist()]
    with pytest.raises(InputError, match=r"yi must be numeric; row 3 holds 'abc'"):
        rma(yi, VI)


def test_non_numeric_column() -> None:
    frame = _frame().assign(vi=["x"] * 9)
    with pytest.raises(InputError, match=r"vi must be numeric"):
        rma("yi", "vi", data=frame)


@pytest.mark.parametrize(
    ("argument", "value", "allowed"),
    [
        ("method", "reml", "'REML'"),
        ("method", "DerSimonian", "'DL'"),
        ("test", "hk", "'knha'"),
    ],
)
def test_unknown_option_names_argument_allowed_values_and_value(
    argument: str, value: str, allowed: str
) -> None:
    with pytest.raises(InputError) as info:
        rma(YI, VI, **{argument: value})
    message = str(info.value)
    assert message.startswith(f"{argument} must be one of")
    assert allowed in message
    assert repr(value) in message


def test_level_given_as_percent_is_a_clear_error() -> None:
    with pytest.raises(InputError, match=r"level must be a fraction.*got 95.*0\.95"):
        rma(YI, VI, level=95)


@pytest.mark.parametrize("level", [0.0, 1.0, -0.5, 100.0])
def test_level_out_of_range(level: float) -> None:
    with pytest.raises(InputError, match="level"):
        rma(YI, VI, level=level)


def test_level_not_a_number() -> None:
    with pytest.raises(InputTypeError, match="level"):
        rma(YI, VI, level="high")  # type: ignore[arg-type]


def test_errors_are_metareview_errors_and_value_errors() -> None:
    with pytest.raises(MetareviewError):
        rma(YI, VI, method="nope")
    with pytest.raises(ValueError, match="method"):
        rma(YI, VI, method="nope")


def test_variances_needed_once() -> None:
    with pytest.raises(InputError, match="vi= or sei="):
        rma(YI)
    with pytest.raises(InputError, match="either vi= or sei="):
        rma(YI, VI, sei=np.sqrt(VI))


def test_negative_tau2() -> None:
    with pytest.raises(InputError, match=r"tau2 must be a finite number >= 0"):
        rma(YI, VI, tau2=-0.1)


def test_genq_needs_weights() -> None:
    with pytest.raises(InputError, match=r"method='GENQ' needs weights="):
        rma(YI, VI, method="GENQ")


def test_nonpositive_weights() -> None:
    with pytest.raises(InputError, match=r"weights must be > 0"):
        rma(YI, VI, weights=np.r_[0.0, np.ones(8)])


def test_unknown_control_option() -> None:
    with pytest.raises(InputError, match=r"control has no option 'threshold'"):
        rma(YI, VI, control={"threshold": 1e-8})


def test_column_names_without_data() -> None:
    with pytest.raises(InputTypeError, match=r"no data= frame"):
        rma("yi", "vi")


def test_unknown_column() -> None:
    with pytest.raises(InputError, match=r"yi='effect' is not a column of data"):
        rma("effect", "vi", data=_frame())


def test_slab_length() -> None:
    with pytest.raises(InputError, match=r"slab has 2 labels for 9 studies"):
        rma(YI, VI, slab=["a", "b"])


def test_no_studies_left() -> None:
    with (
        pytest.warns(MissingDataWarning),
        pytest.raises(InputError, match=r"k = 0"),
    ):
        rma([np.nan, np.nan], [0.1, 0.2])


# --- missing values and small k ------------------------------------------------------


def test_missing_values_are_dropped_with_a_warning_naming_the_studies() -> None:
    yi, vi = YI.copy(), VI.copy()
    yi[1] = np.nan
    vi[4] = np.nan
    with pytest.warns(MissingDataWarning, match=r"2 studies .*Trial B, Trial E"):
        res = rma(yi, vi, slab=LABELS)
    assert res.k == 7
    assert res.slab == tuple(lab for i, lab in enumerate(LABELS) if i not in (1, 4))
    keep = np.ones(9, bool)
    keep[[1, 4]] = False
    assert_allclose(res.beta, rma(YI[keep], VI[keep]).beta, rtol=1e-15)


def test_missing_weights_drop_the_study() -> None:
    weights = np.ones(9)
    weights[0] = np.nan
    with pytest.warns(MissingDataWarning, match=r"missing weights .*Study 1"):
        res = rma(YI, VI, weights=weights)
    assert res.k == 8


@pytest.mark.parametrize("method", METHODS)
def test_one_study(method: str) -> None:
    weights = [2.0] if method == "GENQ" else None
    with pytest.warns(ModelWarning, match=r"only one study"):
        res = rma([0.3], [0.04], method=method, weights=weights)
    assert res.k == 1
    assert np.isnan(res.tau2)
    assert np.isnan(res.I2)
    assert np.isnan(res.H2)
    assert_allclose(res.beta, [0.3])
    assert_allclose(res.se, [0.2])
    assert "not estimable" in str(res)


def test_one_study_uses_the_normal_test() -> None:
    with pytest.warns(ModelWarning):
        res = rma([0.3], [0.04], test="knha")
    assert res.test == "z"
    assert res.dfs is None
    assert any("test='z' was used" in note for note in res.notes)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("test", ["z", "t", "knha"])
def test_two_studies(method: str, test: str) -> None:
    weights = [1.0, 2.0] if method == "GENQ" else None
    res = rma([0.1, 0.9], [0.02, 0.05], method=method, test=test, weights=weights)
    assert res.k == 2
    assert res.tau2 >= 0.0
    assert np.isfinite(res.se[0])
    if test != "z":
        assert res.dfs == 1.0


def test_identical_effects_give_tau2_zero() -> None:
    for method in METHODS:
        weights = np.ones(4) if method == "GENQ" else None
        res = rma([0.5] * 4, [0.1, 0.2, 0.3, 0.4], method=method, weights=weights)
        assert res.tau2 == 0.0
        assert res.I2 == 0.0
        assert_allclose(res.beta, [0.5])


# --- iterations ------------------------------------------------------------------


@pytest.mark.parametrize("method", ["ML", "REML", "EB", "PM"])
def test_non_convergence_warns_and_is_reported(method: str) -> None:
    with pytest.warns(
        ConvergenceWarning, match=rf"{method} estimator .* 1 iterations"
    ) as record:
        res = rma(YI, VI, method=method, control={"maxiter": 1})
    assert record[0].filename == __file__  # points at the caller's line
    assert res.converged is False
    assert res.iterations == 1


def test_convergence_is_reported() -> None:
    res = rma(YI, VI, method="REML")
    assert res.converged is True
    assert res.iterations >= 1
    assert rma(YI, VI, method="DL").iterations == 0


def test_control_tolerance_and_start_value() -> None:
    loose = rma(YI, VI, control={"tol": 1e-4})
    tight = rma(YI, VI, control={"tol": 1e-12, "tau2_init": 2.0})
    assert_allclose(loose.tau2, tight.tau2, rtol=1e-3)


# --- other ways in ---------------------------------------------------------------


def test_sei_instead_of_vi() -> None:
    a = rma(YI, VI)
    b = rma(YI, sei=np.sqrt(VI))
    assert_allclose(b.beta, a.beta, rtol=1e-14)
    assert_allclose(b.tau2, a.tau2, rtol=1e-10)
    assert_allclose(b.vi, VI, rtol=1e-15)


def test_escalc_frame_input() -> None:
    frame = _frame()
    res = rma(frame, method="DL")
    ref = rma(YI, VI, method="DL")
    assert_allclose(res.beta, ref.beta, rtol=1e-15)
    assert res.slab == tuple(LABELS)
    assert res.measure == "RR"
    assert "RR (exponentiated):" in str(res)


def test_column_names_with_data() -> None:
    res = rma("yi", "vi", data=_frame(), slab="slab", weights="n", method="DL")
    ref = rma(YI, VI, weights=np.arange(9) + 20.0, method="DL")
    assert_allclose(res.beta, ref.beta, rtol=1e-15)
    assert res.slab == tuple(LABELS)


def test_lists_and_series_are_accepted() -> None:
    a = rma(YI.tolist(), VI.tolist())
    b = rma(pd.Series(YI), pd.Series(VI))
    assert_allclose(a.beta, b.beta, rtol=1e-15)


def test_input_arrays_are_copied() -> None:
    yi, vi = YI.copy(), VI.copy()
    res = rma(yi, vi)
    yi[:] = 0.0
    assert_allclose(res.yi, YI)


def test_fixed_effects_ignores_tau2_with_a_warning() -> None:
    with pytest.warns(ModelWarning, match=r"tau2=0.1 is ignored with method='FE'"):
        res = rma(YI, VI, method="FE", tau2=0.1)
    assert res.tau2 == 0.0
    assert res.tau2_fix is False


def test_knha_with_fixed_effects_is_noted() -> None:
    res = rma(YI, VI, method="EE", test="knha")
    assert "Note: the Knapp-Hartung adjustment" in str(res)
    assert any("method='EE'" in note for note in res.notes)


# --- the result ------------------------------------------------------------------


def test_printing_follows_metafor() -> None:
    res = rma(YI, VI, method="REML")
    text = str(res)
    assert "Random-Effects Model (k = 9; tau^2 estimator: REML)" in text
    assert "tau^2 (estimated amount of total heterogeneity):" in text
    assert "I^2 (total heterogeneity / total variability):" in text
    assert "Test for Heterogeneity:" in text
    assert "Q(df = 8) = " in text
    assert "estimate      se     zval    pval    ci.lb    ci.ub" in text
    assert "logLik" not in text


def test_printing_of_other_models() -> None:
    assert "Fixed-Effects Model (k = 9)" in str(rma(YI, VI, method="FE"))
    assert "Equal-Effects Model (k = 9)" in str(rma(YI, VI, method="EE"))
    assert "tau^2" not in str(rma(YI, VI, method="EE"))
    fixed = str(rma(YI, VI, tau2=0.1))
    assert "(k = 9; user-specified tau^2 value)" in fixed
    assert "tval  df    pval" in str(rma(YI, VI, test="knha"))


def test_summary_has_fit_statistics() -> None:
    res = rma(YI, VI)
    text = res.summary()
    assert "logLik  deviance" in text
    fs = res.fit_stats
    assert f"{fs.ll:.4f}" in text
    assert f"{fs.AIC:.4f}" in text


def test_to_frame() -> None:
    res = rma(YI, VI, method="DL", test="knha")
    frame = res.to_frame()
    assert list(frame.columns[:7]) == [
        "term",
        "estimate",
        "se",
        "zval",
        "pval",
        "ci_lb",
        "ci_ub",
    ]
    assert frame.shape[0] == 1
    row = frame.iloc[0]
    assert row["term"] == "intrcpt"
    assert row["estimate"] == res.beta[0]
    assert row["tau2"] == res.tau2
    assert row["method"] == "DL"
    assert row["test"] == "knha"


def test_repr_and_html() -> None:
    res = rma(YI, VI, slab=LABELS)
    assert repr(res).startswith("<RMAResult method='REML' k=9")
    html = res._repr_html_()
    assert html.startswith("<div>")
    assert "<table>" in html
    assert "Random-Effects Model" in html


def test_predict() -> None:
    res = rma(YI, VI, method="DL")
    pred = res.predict()
    half = 1.959963984540054 * np.sqrt(res.se**2 + res.tau2)
    assert_allclose(pred.pi_lb, res.beta - half, rtol=1e-12)
    exp = res.predict(transf=np.exp)
    assert_allclose(exp.pred, np.exp(res.beta), rtol=1e-15)
    assert_allclose(exp.pi_ub, np.exp(pred.pi_ub), rtol=1e-15)
    assert "pi_lb" in str(pred)
    assert list(pred.to_frame().columns) == [
        "pred",
        "se",
        "ci_lb",
        "ci_ub",
        "pi_lb",
        "pi_ub",
    ]
    narrow = res.predict(level=0.5)
    assert narrow.ci_ub[0] - narrow.ci_lb[0] < pred.ci_ub[0] - pred.ci_lb[0]


def test_predict_of_fixed_effects_model_is_the_confidence_interval() -> None:
    res = rma(YI, VI, method="FE")
    for pi in ("default", "higgins"):
        pred = res.predict(pi=pi)
        assert_allclose(pred.pi_lb, res.ci_lb)
        assert_allclose(pred.pi_ub, res.ci_ub)


def test_predict_bad_options() -> None:
    res = rma(YI, VI)
    with pytest.raises(InputError, match=r"pi must be one of 'default', 'higgins'"):
        res.predict(pi="riley")
    with pytest.raises(InputError, match="level"):
        res.predict(level=95)


def test_higgins_interval_needs_three_studies() -> None:
    pred = rma([0.1, 0.5], [0.01, 0.02], method="DL").predict(pi="higgins")
    assert np.isnan(pred.pi_lb[0])


def test_confint() -> None:
    table = rma(YI, VI).confint()
    assert list(table.index) == ["tau2", "tau", "I2", "H2"]
    assert list(table.columns) == ["estimate", "ci_lb", "ci_ub"]
    lo, hi = table.loc["tau2", ["ci_lb", "ci_ub"]]
    assert 0.0 <= lo <= hi
    wider = rma(YI, VI).confint(level=0.99)
    assert wider.loc["tau2", "ci_ub"] > hi


@pytest.mark.parametrize("method", ["EE", "FE"])
def test_confint_on_fixed_effects_model_is_a_clear_error(method: str) -> None:
    with pytest.raises(InputError, match=rf"method='{method}' model does not estimate"):
        rma(YI, VI, method=method).confint()


def test_confint_with_fixed_tau2_is_an_error() -> None:
    with pytest.raises(InputError, match=r"fixed at 0.1 by the user"):
        rma(YI, VI, tau2=0.1).confint()


def test_confint_of_genq_is_an_error() -> None:
    with pytest.raises(InputError, match=r"GENQ"):
        rma(YI, VI, method="GENQ", weights=np.ones(9)).confint()


def test_confint_needs_two_studies() -> None:
    with pytest.warns(ModelWarning), pytest.raises(InputError, match="k > 1"):
        rma([0.2], [0.1]).confint()


def test_result_arrays_are_read_only() -> None:
    res = rma(YI, VI, weights=np.ones(9))
    for name in ("beta", "se", "zval", "pval", "ci_lb", "ci_ub", "vb", "weights"):
        array = getattr(res, name)
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 1.0
    for name in ("yi", "vi", "X", "user_weights"):
        with pytest.raises(ValueError, match="read-only"):
            getattr(res, name)[0] = 1.0


def test_result_is_frozen() -> None:
    res = rma(YI, VI)
    assert isinstance(res, RMAResult)
    with pytest.raises(AttributeError):
        res.tau2 = 0.0  # type: ignore[misc]
    assert res.tau == np.sqrt(res.tau2)


def test_predict_with_transf_has_no_standard_error() -> None:
    res = rma([0.1, 0.3, -0.2, 0.4], [0.02, 0.03, 0.05, 0.04])
    pred = res.predict(transf=np.exp)
    assert np.isnan(pred.se).all()
    assert_allclose(pred.pred, np.exp(res.beta))
    assert "se" not in str(pred)
    assert "se" in str(res.predict())


@pytest.mark.parametrize("method", ["EB", "PM", "REML", "ML"])
def test_nearly_equal_effects_give_tau2_zero_without_overflow(method: str) -> None:
    # found by hypothesis: y'PPy underflows and the Newton step is -inf
    res = rma(
        np.array([0.0, 1.8757418e-163]), np.array([0.0625, 0.03125]), method=method
    )
    assert res.tau2 == 0.0
    assert res.converged
