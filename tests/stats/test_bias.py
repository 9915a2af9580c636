"""regtest, harbord, ranktest, trimfill and fsn: warnings, errors, inputs, printing.

The numbers are checked against R in test_bias_golden.py; here is the behaviour
around them.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

import metareview as mr
from metareview import (
    ConvergenceWarning,
    InputError,
    InputTypeError,
    MissingDataWarning,
    ModelWarning,
)
from metareview.stats._kendall import kendall, lower_tail


@pytest.fixture(scope="module")
def bcg() -> pd.DataFrame:
    return mr.datasets.load("bcg")


@pytest.fixture(scope="module")
def es(bcg: pd.DataFrame) -> pd.DataFrame:
    return mr.escalc("RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg)


@pytest.fixture(scope="module")
def res(es: pd.DataFrame) -> mr.RMAResult:
    return mr.rma(es)


@pytest.fixture(scope="module")
def sizes(bcg: pd.DataFrame) -> np.ndarray:
    return (bcg.tpos + bcg.tneg + bcg.cpos + bcg.cneg).to_numpy(float)


@pytest.fixture(scope="module")
def small(es: pd.DataFrame) -> mr.RMAResult:
    """The first seven BCG trials: too few for a test of asymmetry."""
    return mr.rma(es.iloc[:7])


# --- fewer than 10 studies: a ModelWarning and a note (Cochrane Handbook 10.4.3.1) --


def test_regtest_warns_and_notes_below_ten_studies(small: mr.RMAResult) -> None:
    with pytest.warns(ModelWarning, match=r"k = 7 < 10.*Cochrane Handbook"):
        out = mr.regtest(small)
    assert len(out.notes) == 1
    assert "10.4.3.1" in out.notes[0]
    assert "Note: k = 7 < 10" in str(out)


def test_peters_warns_below_ten_studies(small: mr.RMAResult, sizes: np.ndarray) -> None:
    with pytest.warns(ModelWarning, match="k = 7 < 10"):
        out = mr.regtest(small, model="lm", predictor="ninv", ni=sizes[:7])
    assert out.notes
    assert "Note:" in str(out)


def test_ranktest_warns_and_notes_below_ten_studies(small: mr.RMAResult) -> None:
    with pytest.warns(ModelWarning, match="k = 7 < 10"):
        out = mr.ranktest(small)
    assert "rank correlation test" in out.notes[0]
    assert str(out).rstrip().splitlines()[-1].startswith("Note: k = 7 < 10")


def test_harbord_warns_and_notes_below_ten_studies(bcg: pd.DataFrame) -> None:
    with pytest.warns(ModelWarning, match="k = 7 < 10"):
        out = mr.harbord("tpos", "tneg", "cpos", "cneg", data=bcg.iloc[:7])
    assert "Harbord test" in out.notes[0]


def test_no_warning_from_ten_studies(es: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = mr.rma(es.iloc[:10])
        assert mr.regtest(fit).notes == ()
        assert mr.ranktest(fit).notes == ()


def test_trimfill_and_fsn_do_not_warn_below_ten_studies(small: mr.RMAResult) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mr.trimfill(small)
        mr.fsn(small)


# --- regtest ---------------------------------------------------------------------


def test_regtest_takes_a_frame_arrays_or_a_model(
    es: pd.DataFrame, res: mr.RMAResult
) -> None:
    from_model = mr.regtest(res)
    from_frame = mr.regtest(es)
    from_arrays = mr.regtest(es["yi"].to_numpy(), es["vi"].to_numpy())
    from_columns = mr.regtest("yi", sei=np.sqrt(es["vi"]), data=es)
    for other in (from_frame, from_arrays, from_columns):
        assert_allclose(other.zval, from_model.zval, rtol=1e-12)
        assert_allclose(other.est, from_model.est, rtol=1e-12)


def test_regtest_fit_and_limit_estimate(res: mr.RMAResult) -> None:
    out = mr.regtest(res, predictor="vi")
    assert out.fit.coef_names == ("intrcpt", "vi")
    assert out.est == out.fit.beta[0]
    assert out.zval == out.fit.zval[1]
    assert out.dfs is None
    lm = mr.regtest(res, model="lm")
    assert lm.dfs == res.k - 2
    assert lm.fit.method == "FE"


@pytest.mark.parametrize("predictor", ["ni", "sqrtni"])
def test_no_limit_estimate_for_the_sample_size(
    res: mr.RMAResult, sizes: np.ndarray, predictor: str
) -> None:
    out = mr.regtest(res, predictor=predictor, ni=sizes)
    assert out.est is None
    assert "Limit Estimate" not in str(out)
    assert out.to_frame()["est"].isna().all()


def test_regtest_adds_the_predictor_to_the_moderators(es: pd.DataFrame) -> None:
    reg = mr.rma(es, mods="ablat")
    out = mr.regtest(reg)
    assert out.fit.coef_names == ("intrcpt", "ablat", "sei")
    assert out.est is None


def test_sample_sizes_from_the_escalc_frame() -> None:
    ai, n1, ci, n2 = (
        [4, 9, 2, 12, 5, 7, 3, 10, 6, 8],
        [50, 120, 30, 200, 60, 90, 40, 150, 80, 100],
        [8, 15, 6, 14, 9, 11, 7, 13, 10, 12],
        [52, 118, 33, 198, 61, 88, 41, 149, 79, 101],
    )
    frame = mr.escalc("OR", ai=ai, n1i=n1, ci=ci, n2i=n2)
    got = mr.regtest(frame, model="lm", predictor="ninv")
    want = mr.regtest(mr.rma(frame), model="lm", predictor="ninv", ni=np.add(n1, n2))
    assert_allclose(got.zval, want.zval, rtol=1e-12)


def test_sample_sizes_follow_the_rows_left_out() -> None:
    frame = pd.DataFrame(
        {
            "yi": [0.1, 0.5, np.nan, 0.3, 0.9, 0.2, 0.4, 0.8, 0.6, 0.7, 0.35, 0.15],
            "vi": [
                0.02,
                0.1,
                0.05,
                0.04,
                0.2,
                0.03,
                0.06,
                0.15,
                0.08,
                0.12,
                0.05,
                0.02,
            ],
            "ni": [200, 40, 80, 100, 20, 150, 70, 30, 50, 35, 90, 220],
        }
    )
    with pytest.warns(MissingDataWarning, match="1 study with missing yi"):
        got = mr.regtest(frame, predictor="ni")
    kept = frame.dropna()
    want = mr.regtest(mr.rma(kept["yi"], kept["vi"]), predictor="ni", ni=kept["ni"])
    assert_allclose(got.zval, want.zval, rtol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"model": "glm"}, InputError, "model must be one of 'rma', 'lm'; got 'glm'"),
        ({"predictor": "n"}, InputError, "predictor must be one of 'sei'"),
        ({"predictor": "ni"}, InputError, "needs the sample sizes: give ni="),
        ({"predictor": "ninv", "ni": [10, 20]}, InputError, "ni has 2 values"),
    ],
)
def test_regtest_errors(
    res: mr.RMAResult, kwargs: dict[str, object], error: type, match: str
) -> None:
    with pytest.raises(error, match=match):
        mr.regtest(res, **kwargs)  # type: ignore[arg-type]


def test_regtest_rejects_nonpositive_sample_sizes(
    res: mr.RMAResult, sizes: np.ndarray
) -> None:
    bad = sizes.copy()
    bad[3] = 0
    with pytest.raises(InputError, match=r"study 4 has 0\.0"):
        mr.regtest(res, predictor="ninv", ni=bad)


def test_regtest_needs_different_precisions() -> None:
    y = np.linspace(-0.5, 0.5, 12)
    with pytest.raises(InputError, match="same value in every study"):
        mr.regtest(y, np.full(12, 0.04))


def test_regtest_needs_a_model_or_effects(bcg: pd.DataFrame) -> None:
    mh = mr.rma_mh(ai=bcg.tpos, bi=bcg.tneg, ci=bcg.cpos, di=bcg.cneg, measure="RR")
    with pytest.raises(InputTypeError, match="Mantel-Haenszel"):
        mr.regtest(mh)
    with pytest.raises(InputError, match="give vi= or sei="):
        mr.regtest([0.1, 0.2, 0.3])


def test_regtest_needs_more_studies_than_coefficients() -> None:
    with pytest.raises(InputError, match="got k = 2"):
        mr.regtest([0.1, 0.4], [0.01, 0.04])


def test_regtest_printout(res: mr.RMAResult, sizes: np.ndarray) -> None:
    lines = str(mr.regtest(res, model="lm", predictor="ninv", ni=sizes)).splitlines()
    assert lines[1] == "Regression Test for Funnel Plot Asymmetry"
    assert lines[3] == "Model:     weighted regression with multiplicative dispersion"
    assert lines[4] == "Predictor: inverse of the sample size"
    assert lines[6].startswith("Test for Funnel Plot Asymmetry: t = -1.4485, df = 11,")
    assert lines[7].startswith("Limit Estimate (as ni -> inf):  b = -0.3491")
    assert repr(mr.regtest(res)).startswith("<RegtestResult rma/sei k=13 z=")


# --- harbord ---------------------------------------------------------------------


def test_harbord_is_eggers_test_on_peto_odds_ratios(bcg: pd.DataFrame) -> None:
    peto = mr.escalc("PETO", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg)
    egger = mr.regtest(peto, model="lm")
    got = mr.harbord("tpos", "tneg", "cpos", "cneg", data=bcg)
    assert got.harbord
    assert_allclose([got.zval, got.pval, got.est], [egger.zval, egger.pval, egger.est])


def test_harbord_takes_group_sizes(bcg: pd.DataFrame) -> None:
    cells = mr.harbord(bcg.tpos, bcg.tneg, bcg.cpos, bcg.cneg)
    sizes = mr.harbord(
        bcg.tpos, ci=bcg.cpos, n1i=bcg.tpos + bcg.tneg, n2i=bcg.cpos + bcg.cneg
    )
    assert_allclose(sizes.zval, cells.zval, rtol=1e-14)


def test_harbord_leaves_out_tables_without_information() -> None:
    a = [3, 0, 5, 2, 7, 4, 6, 1, 8, 5, 3, 2]
    b = [47, 40, 95, 48, 93, 56, 74, 29, 112, 75, 57, 38]
    c = [6, 0, 9, 5, 10, 8, 9, 3, 13, 9, 6, 4]
    d = [44, 41, 91, 45, 90, 52, 71, 27, 107, 71, 54, 36]
    with pytest.warns(ModelWarning, match="1 table has no information.*Study 2"):
        out = mr.harbord(a, b, c, d)
    assert out.k == 11


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"ai": [1, 2, 3]}, "needs the events of both groups"),
        ({"ai": [1], "ci": [2], "di": [5]}, "give either bi= or n1i="),
        ({"ai": [1], "bi": [3], "n1i": [4], "ci": [2], "di": [5]}, "not both"),
        ({"ai": [5], "n1i": [4], "ci": [2], "di": [5]}, "n1i must be at least"),
        ({"ai": [-1], "bi": [3], "ci": [2], "di": [5]}, "ai must be >= 0"),
    ],
)
def test_harbord_errors(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InputError, match=match):
        mr.harbord(**kwargs)  # type: ignore[arg-type]


def test_harbord_printout(bcg: pd.DataFrame) -> None:
    text = str(mr.harbord("tpos", "tneg", "cpos", "cneg", data=bcg))
    assert "Harbord's Test for Funnel Plot Asymmetry" in text
    assert "Test for Funnel Plot Asymmetry: t = -1.2565, df = 11, p = 0.2350" in text
    assert "Limit Estimate (as sqrt(V) -> inf): b = -0.2308" in text


# --- ranktest --------------------------------------------------------------------


def test_ranktest_does_not_depend_on_the_model(es: pd.DataFrame) -> None:
    values = {mr.ranktest(mr.rma(es, method=m)).pval for m in ("EE", "DL", "REML")}
    assert len(values) == 1


def test_ranktest_with_ties_uses_the_normal_approximation() -> None:
    yi = [0.1, 0.3, 0.2, 0.5, 0.4, 0.9, 0.2, 0.7, 0.6, 0.8, 0.3]
    vi = [0.01, 0.02, 0.02, 0.03, 0.04, 0.05, 0.05, 0.06, 0.07, 0.08, 0.09]
    out = mr.ranktest(yi, vi)
    assert out.ties
    assert not out.exact
    assert "ties in the ranks" in str(out)
    assert not mr.ranktest(yi, vi, exact=False).notes


def test_ranktest_rejects_a_non_boolean_exact(res: mr.RMAResult) -> None:
    with pytest.raises(InputTypeError, match="exact must be True or False"):
        mr.ranktest(res, exact="yes")  # type: ignore[arg-type]


def test_ranktest_frame(res: mr.RMAResult) -> None:
    frame = mr.ranktest(res).to_frame()
    assert list(frame.columns) == ["tau", "pval", "k", "exact"]


@pytest.mark.parametrize("n", [2, 3, 5, 7])
def test_exact_distribution_counts_permutations(n: int) -> None:
    counts = np.zeros(n * (n - 1) // 2 + 1)
    for perm in itertools.permutations(range(n)):
        concordant = sum(perm[i] < perm[j] for i in range(n) for j in range(i + 1, n))
        counts[concordant] += 1
    cdf = np.cumsum(counts) / counts.sum()
    got = [lower_tail(q, n) for q in range(counts.size)]
    assert_allclose(got, cdf, rtol=1e-14)


def test_kendall_agrees_with_scipy_without_ties() -> None:
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=20), rng.normal(size=20)
    ours = kendall(x, y)
    theirs = stats.kendalltau(x, y, method="exact")
    assert_allclose([ours.tau, ours.pval], [theirs.statistic, theirs.pvalue])


def test_kendall_with_ties_agrees_with_scipy() -> None:
    x = np.array([1, 2, 2, 3, 4, 4, 4, 5, 6, 7, 8, 8], float)
    y = np.array([2, 1, 3, 3, 5, 4, 6, 6, 8, 7, 9, 9], float)
    ours = kendall(x, y)
    theirs = stats.kendalltau(x, y, method="asymptotic")
    assert_allclose([ours.tau, ours.pval], [theirs.statistic, theirs.pvalue])


# --- trimfill --------------------------------------------------------------------


def test_trimfill_result(es: pd.DataFrame) -> None:
    tf = mr.trimfill(mr.rma(es, method="EE"))
    assert (tf.k0, tf.side, tf.k) == (4, "right", 17)
    assert tf.fill.tolist() == [False] * 13 + [True] * 4
    assert tf.slab[-4:] == ("Filled 1", "Filled 2", "Filled 3", "Filled 4")
    assert np.isnan(tf.p_k0)
    frame = tf.to_frame()
    assert frame["fill"].sum() == 4
    assert_allclose(tf.predict().pred, tf.beta)
    with pytest.raises(ValueError, match="read-only"):
        tf.fill[0] = True


def test_trimfill_filled_studies_mirror_the_trimmed_ones(es: pd.DataFrame) -> None:
    fit = mr.rma(es, method="EE")
    tf = mr.trimfill(fit)
    # studies are missing on the right: the smallest effects are mirrored, the
    # least extreme first
    assert tf.side == "right"
    order = np.argsort(fit.yi, kind="stable")[: tf.k0][::-1]
    centre = (tf.yi[tf.fill] + fit.yi[order]) / 2
    assert_allclose(centre, centre[0], rtol=1e-12)
    assert_allclose(tf.vi[tf.fill], fit.vi[order])


def test_trimfill_is_equivariant_under_reflection(es: pd.DataFrame) -> None:
    fit = mr.rma(es, method="DL")
    mirror = mr.rma(-es["yi"], es["vi"], method="DL")
    a, b = mr.trimfill(fit), mr.trimfill(mirror)
    assert a.k0 == b.k0
    assert {a.side, b.side} == {"left", "right"}
    assert_allclose(a.beta, -b.beta, rtol=1e-12)


def test_trimfill_r0_gives_a_test(res: mr.RMAResult) -> None:
    tf = mr.trimfill(res, estimator="R0", side="left")
    assert tf.p_k0 == 0.5 ** (tf.k0 + 1)
    assert tf.se_k0 == np.sqrt(2 * tf.k0 + 2)
    assert "Test of H0: no missing studies on the left side:" in str(tf)


def test_trimfill_keeps_the_model_settings(es: pd.DataFrame) -> None:
    fit = mr.rma(es, method="DL", test="knha", level=0.9)
    tf = mr.trimfill(fit)
    assert (tf.model.method, tf.model.test, tf.model.level) == ("DL", "knha", 0.9)
    fixed = mr.trimfill(mr.rma(es, tau2=0.1))
    assert fixed.model.tau2_fix
    assert fixed.tau2 == 0.1


def test_trimfill_that_does_not_settle_warns(es: pd.DataFrame) -> None:
    with pytest.warns(ConvergenceWarning, match="did not settle on k0 in 1"):
        tf = mr.trimfill(mr.rma(es, method="EE"), maxiter=1)
    assert not tf.converged
    assert "Note: the trim-and-fill iteration" in str(tf)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"estimator": "Q0"}, "estimator must be one of 'L0', 'R0'; got 'Q0'"),
        ({"side": "up"}, "side must be one of 'left', 'right'; got 'up'"),
        ({"maxiter": 0}, "maxiter must be a positive integer"),
    ],
)
def test_trimfill_errors(
    res: mr.RMAResult, kwargs: dict[str, object], match: str
) -> None:
    with pytest.raises(InputError, match=match):
        mr.trimfill(res, **kwargs)  # type: ignore[arg-type]


def test_trimfill_needs_a_model_without_moderators(es: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="without moderators"):
        mr.trimfill(mr.rma(es, mods="ablat"))
    with pytest.raises(InputTypeError, match="needs a model fitted with rma"):
        mr.trimfill(es)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="at least 3 studies"):
        mr.trimfill(mr.rma([0.1, 0.5], [0.01, 0.02]))


def test_trimfill_printout(res: mr.RMAResult) -> None:
    lines = str(mr.trimfill(res)).splitlines()
    assert lines[1].startswith("Estimated number of missing studies on the right side:")
    assert lines[3].startswith("Random-Effects Model (k = 14; tau^2 estimator: REML)")


# --- fsn -------------------------------------------------------------------------


def test_fsn_takes_a_model_frame_or_arrays(es: pd.DataFrame, res: mr.RMAResult) -> None:
    want = mr.fsn(es["yi"], es["vi"]).fsnum
    assert mr.fsn(es).fsnum == want
    assert mr.fsn(res).fsnum == want
    assert mr.fsn("yi", sei=np.sqrt(es["vi"]), data=es).fsnum == want


def test_fsn_orwin_without_variances(es: pd.DataFrame) -> None:
    out = mr.fsn(es["yi"], type="Orwin")
    assert out.meanes == pytest.approx(es["yi"].mean())
    assert out.target == pytest.approx(out.meanes / 2)
    assert out.fsnum == 13  # k (m - m/2) / (m/2) = k, not pushed up by rounding


def test_fsn_orwin_flips_the_target_and_gives_0_beyond_it(es: pd.DataFrame) -> None:
    flipped = mr.fsn(es["yi"], type="Orwin", target=0.1)
    assert flipped.target == -0.1
    assert mr.fsn(es["yi"], type="Orwin", target=-2.0).fsnum == 0


def test_fsn_is_0_when_not_significant() -> None:
    out = mr.fsn([0.1, -0.1, 0.05], [0.04, 0.04, 0.04])
    assert out.pval > 0.05
    assert out.fsnum == 0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"type": "Fisher"}, InputError, "type must be one of 'Rosenthal'"),
        ({"alpha": 5}, InputError, "alpha must be a fraction"),
        ({"type": "Orwin", "target": 0}, InputError, "other than 0"),
        ({"type": "Orwin", "target": "x"}, InputTypeError, "target must be a number"),
        ({"weighted": "yes"}, InputTypeError, "weighted must be True or False"),
    ],
)
def test_fsn_errors(
    es: pd.DataFrame, kwargs: dict[str, object], error: type, match: str
) -> None:
    with pytest.raises(error, match=match):
        mr.fsn(es, **kwargs)  # type: ignore[arg-type]


def test_fsn_needs_variances_for_rosenthal() -> None:
    with pytest.raises(InputError, match="give vi= or sei="):
        mr.fsn([0.1, 0.2, 0.3])


def test_fsn_printouts(es: pd.DataFrame) -> None:
    rosenberg = str(mr.fsn(es, type="Rosenberg")).splitlines()
    assert rosenberg[1] == "Fail-safe N Calculation Using the Rosenberg Approach"
    assert rosenberg[3] == "Average Effect Size:         -0.4303"
    assert rosenberg[4] == "Observed Significance Level: <.0001"
    assert rosenberg[-1] == "Fail-safe N: 370"
    assert mr.fsn(es).to_frame()["fsnum"].item() == 598
    assert repr(mr.fsn(es)) == "<FsnResult Rosenthal fsnum=598 k=13>"


def test_trimfill_needs_a_side_when_variances_are_equal() -> None:
    fit = mr.rma(np.linspace(-0.3, 0.6, 12), np.full(12, 0.05), method="EE")
    with pytest.raises(InputError, match="give side='left' or side='right'"):
        mr.trimfill(fit)
    assert mr.trimfill(fit, side="left").side == "left"


def test_results_render_in_notebooks(res: mr.RMAResult) -> None:
    html = mr.ranktest(res)._repr_html_()
    assert html.startswith("<pre>Rank Correlation Test")
    assert "Kendall&#x27;s tau" in html
    assert mr.trimfill(res)._repr_html_().startswith("<pre>Estimated number")


def test_sample_sizes_from_an_escalc_frame_built_from_data() -> None:
    bcg = mr.datasets.load("bcg")
    es = mr.escalc(
        "RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg, slab="study"
    )
    ni = (bcg["tpos"] + bcg["tneg"] + bcg["cpos"] + bcg["cneg"]).to_numpy()
    got = mr.regtest(es, predictor="ninv")
    want = mr.regtest(es["yi"], es["vi"], ni=ni, predictor="ninv")
    assert got.zval == want.zval
