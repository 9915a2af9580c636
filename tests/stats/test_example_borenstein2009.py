"""Borenstein, Hedges, Higgins & Rothstein (2009), Introduction to Meta-Analysis.

The worked examples of chapters 14, 18, 19, 20, 23, 24 and 38, at the precision the
book prints them. The data and the printed results are read from
``../shared/data/worked-examples-ma-books`` (the tables as CSV, and the results as
metafor reproduces them in Viechtbauer's companion document); nothing is copied
into the repository. Effect sizes are computed here from the book's own formulas,
so these tests check the pooling, not ``escalc``.

Borenstein M, Hedges LV, Higgins JPT, Rothstein HR (2009). Introduction to
Meta-Analysis. Chichester: Wiley. doi:10.1002/9780470743386
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from helpers import shared_data
from metareview import rma
from metareview.stats._core import fit_models
from metareview.stats.results import RMAResult
from metareview.stats.tau2 import Options, Problem

pytestmark = pytest.mark.realdata

FOLDER = "worked-examples-ma-books"


def _table(number: int) -> pd.DataFrame:
    path = shared_data(FOLDER, f"borenstein2009_table{number:02d}.csv")
    return pd.read_csv(path, comment="#", quotechar="'")


def _printed(got: Any, printed: str, what: str) -> None:
    """Assert ``got`` rounds to ``printed`` (e.g. "0.3582", "58.34%", "<.0001")."""
    value = float(np.asarray(got, dtype=np.float64).reshape(-1)[0])
    text = printed.rstrip("%")
    if text.startswith("<"):
        assert value < float(text[1:]), f"{what}: {value} is not {printed}"
        return
    decimals = len(text.split(".")[1]) if "." in text else 0
    half_unit = 0.5 * 10.0**-decimals
    assert abs(value - float(text)) <= half_unit * (1 + 1e-9), (
        f"{what}: {value} does not print as {printed}"
    )


def _expect(res: Any, **printed: str) -> None:
    for field, text in printed.items():
        _printed(getattr(res, field), text, field)


def _smd(d: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Hedges' g and its variance (Borenstein et al. 2009, eqs. 4.18-4.24)."""
    n1, n2 = d["n1"].to_numpy(float), d["n2"].to_numpy(float)
    s_within = np.sqrt(
        ((n1 - 1) * d["sd1"] ** 2 + (n2 - 1) * d["sd2"] ** 2) / (n1 + n2 - 2)
    ).to_numpy()
    cohen = (d["mean1"] - d["mean2"]).to_numpy() / s_within
    v_cohen = (n1 + n2) / (n1 * n2) + cohen**2 / (2 * (n1 + n2))
    j = 1 - 3 / (4 * (n1 + n2 - 2) - 1)
    return j * cohen, j**2 * v_cohen


def _log_odds_ratio(d: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Log odds ratio and its variance (eqs. 5.8-5.10)."""
    a, b = d["events1"].to_numpy(float), d["nonevents1"].to_numpy(float)
    c, e = d["events2"].to_numpy(float), d["nonevents2"].to_numpy(float)
    return np.log(a * e / (b * c)), 1 / a + 1 / b + 1 / c + 1 / e


def _fisher_z(d: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Fisher's z and its variance 1 / (n - 3) (eqs. 6.2-6.3)."""
    r, n = d["correl"].to_numpy(float), d["n"].to_numpy(float)
    return np.arctanh(r), 1 / (n - 3)


def _meta_regression(
    y: np.ndarray, v: np.ndarray, X: np.ndarray, method: str, test: str = "z"
) -> Any:
    """A model with moderators, fitted by the engine (rma() takes no mods= yet)."""
    prob = Problem(
        y=y[None, :], v=v[None, :], X=X[None, :, :], mask=np.ones((1, y.size))
    )
    return fit_models(prob, method=method, test=test, level=0.95, opts=Options())


def _coef(fit: Any, j: int = 0) -> SimpleNamespace:
    """Coefficient ``j`` and the model statistics of a batch-of-one engine fit."""
    return SimpleNamespace(
        beta=fit.beta[0, j],
        se=fit.se[0, j],
        zval=fit.zval[0, j],
        pval=fit.pval[0, j],
        ci_lb=fit.ci_lb[0, j],
        ci_ub=fit.ci_ub[0, j],
        tau2=fit.tau2[0],
        se_tau2=fit.se_tau2[0],
        I2=fit.I2[0],
        H2=fit.H2[0],
        QE=fit.QE[0],
        QEp=fit.QEp[0],
        QM=fit.QM[0],
        QMp=fit.QMp[0],
    )


# --- chapters 14 and 18: the three worked examples ------------------------------------


def _printed_all(got: np.ndarray, printed: str, what: str) -> None:
    values = printed.split()
    assert len(values) == got.size
    for value, text in zip(got, values, strict=True):
        _printed(value, text, what)


def test_continuous_data_table_14_1() -> None:
    yi, vi = _smd(_table(1))
    _printed_all(yi, "0.0945 0.2774 0.3665 0.6644 0.4618 0.1852", "yi")
    _printed_all(vi, "0.0329 0.0307 0.0499 0.0105 0.0427 0.0234", "vi")

    fixed = rma(yi, vi, method="EE")
    _expect(fixed, I2="58.34%", H2="2.40", QE="12.00", QEp="0.03")
    _expect(fixed, beta="0.41", se="0.06", zval="6.47", pval="<.01")
    _expect(fixed, ci_lb="0.29", ci_ub="0.54")

    random = rma(yi, vi, method="DL")
    _expect(random, tau2="0.0373", se_tau2="0.0420", tau="0.1932", I2="58.34%")
    _expect(random, H2="2.40", QE="12.0033", QEp="0.0347")
    _expect(random, beta="0.3582", se="0.1052", zval="3.4038", pval="0.0007")
    _expect(random, ci_lb="0.1520", ci_ub="0.5645")


def test_binary_data_table_14_4() -> None:
    yi, vi = _log_odds_ratio(_table(2))
    _printed_all(yi, "-0.3662 -0.2877 -0.3842 -1.3218 -0.4169 -0.1595", "yi")
    _printed_all(vi, "0.1851 0.2896 0.1556 0.0583 0.2816 0.1597", "vi")

    fixed = rma(yi, vi, method="EE")
    _expect(fixed, I2="52.61%", H2="2.11", QE="10.55", QEp="0.06")
    _expect(fixed, beta="-0.72", se="0.15", zval="-4.71", pval="<.01")
    _expect(fixed, ci_lb="-1.03", ci_ub="-0.42")
    _expect(fixed.predict(transf=np.exp), pred="0.48", ci_lb="0.36", ci_ub="0.66")

    random = rma(yi, vi, method="DL")
    _expect(random, tau2="0.1729", se_tau2="0.2148", tau="0.4158", I2="52.61%")
    _expect(random, H2="2.11", QE="10.5512", QEp="0.0610")
    _expect(random, beta="-0.5663", se="0.2388", zval="-2.3711", pval="0.0177")
    _expect(random, ci_lb="-1.0344", ci_ub="-0.0982")
    _expect(
        random.predict(transf=np.exp), pred="0.5676", ci_lb="0.3554", ci_ub="0.9065"
    )


def test_correlational_data_table_14_7() -> None:
    yi, vi = _fisher_z(_table(3))
    _printed_all(yi, "0.5493 0.6931 0.4236 0.2027 0.8673 0.4847", "yi")
    _printed_all(vi, "0.0270 0.0115 0.0455 0.0025 0.0175 0.0213", "vi")

    fixed = rma(yi, vi, method="EE")
    _expect(fixed, I2="86.17%", H2="7.23", QE="36.14", QEp="<.01")
    _expect(fixed, beta="0.38", se="0.04", zval="9.54", ci_lb="0.30", ci_ub="0.45")
    _expect(fixed.predict(transf=np.tanh), pred="0.36", ci_lb="0.29", ci_ub="0.42")

    random = rma(yi, vi, method="DL")
    _expect(random, tau2="0.0819", se_tau2="0.0727", tau="0.2861", I2="86.17%")
    _expect(random, H2="7.23", QE="36.1437", QEp="<.0001")
    _expect(random, beta="0.5328", se="0.1298", zval="4.1045", pval="<.0001")
    _expect(random, ci_lb="0.2784", ci_ub="0.7872")
    # chapter 14 prints metafor's default prediction interval (2 decimals)
    pred = random.predict(transf=np.tanh)
    _expect(pred, pred="0.49", ci_lb="0.27", ci_ub="0.66", pi_lb="-0.08", pi_ub="0.82")
    _expect(pred, pred="0.4875", ci_lb="0.2714", ci_ub="0.6568")


# --- chapter 19: subgroup analyses ----------------------------------------------------


@pytest.fixture
def subgroups() -> pd.DataFrame:
    return _table(7)


def _fit_type(d: pd.DataFrame, kind: str | None, method: str, **kw: Any) -> RMAResult:
    part = d if kind is None else d[d["type"] == kind]
    return rma(part["g"], part["var"], slab=part["study"], method=method, **kw)


def test_fixed_effect_within_subgroups_table_19_2(subgroups: pd.DataFrame) -> None:
    a = _fit_type(subgroups, "A", "EE")
    _expect(a, I2="52.56%", H2="2.11", QE="8.4316", QEp="0.0770")
    _expect(
        a, beta="0.3241", se="0.0535", zval="6.0633", ci_lb="0.2193", ci_ub="0.4289"
    )
    _printed(a.vb[0, 0], "0.0029", "V")
    b = _fit_type(subgroups, "B", "EE")
    _expect(b, I2="11.95%", H2="1.14", QE="4.5429", QEp="0.3375")
    _expect(
        b, beta="0.6111", se="0.0571", zval="10.7013", ci_lb="0.4992", ci_ub="0.7230"
    )
    both = _fit_type(subgroups, None, "EE")
    _expect(both, I2="65.96%", H2="2.94", QE="26.4371", QEp="0.0017")
    _expect(both, beta="0.4581", se="0.0390", zval="11.7396")
    _expect(both, ci_lb="0.3816", ci_ub="0.5346")


def test_fixed_effect_comparison_of_subgroups_table_19_3(
    subgroups: pd.DataFrame,
) -> None:
    y, v = subgroups["g"].to_numpy(float), subgroups["var"].to_numpy(float)
    X = np.column_stack([np.ones(y.size), (subgroups["type"] == "B").to_numpy(float)])
    fit = _meta_regression(y, v, X, "FE")
    _expect(_coef(fit), QE="12.9745", QEp="0.1127", QM="13.4626", QMp="0.0002")
    _expect(_coef(fit), I2="38.34%", H2="1.62")
    _expect(_coef(fit, 1), beta="0.2870", se="0.0782", zval="3.6691")
    _expect(_coef(fit, 1), ci_lb="0.1337", ci_ub="0.4403")


def test_random_effects_with_separate_tau2(subgroups: pd.DataFrame) -> None:
    a = _fit_type(subgroups, "A", "DL")
    _expect(a, tau2="0.0164", se_tau2="0.0225", tau="0.1282", I2="52.56%", H2="2.11")
    _expect(
        a, beta="0.3245", se="0.0799", zval="4.0595", ci_lb="0.1678", ci_ub="0.4812"
    )
    b = _fit_type(subgroups, "B", "DL")
    _expect(b, tau2="0.0022", se_tau2="0.0133", tau="0.0474", I2="11.95%", H2="1.14")
    _expect(
        b, beta="0.6100", se="0.0611", zval="9.9833", ci_lb="0.4903", ci_ub="0.7298"
    )


def test_random_effects_with_pooled_tau2_table_19_11(subgroups: pd.DataFrame) -> None:
    y, v = subgroups["g"].to_numpy(float), subgroups["var"].to_numpy(float)
    is_b = (subgroups["type"] == "B").to_numpy(float)
    # one mean per subgroup, common tau2 (mods = ~ type - 1)
    means = _meta_regression(y, v, np.column_stack([1 - is_b, is_b]), "DL")
    first, second = _coef(means), _coef(means, 1)
    _expect(first, tau2="0.0097", se_tau2="0.0128", I2="38.34%", H2="1.62")
    _expect(first, QE="12.9745", QEp="0.1127", QM="91.2268", QMp="<.0001")
    _expect(first, beta="0.3247", se="0.0706", zval="4.6001")
    _expect(first, ci_lb="0.1864", ci_ub="0.4631")
    _expect(second, beta="0.6083", se="0.0727", zval="8.3705")
    _expect(second, ci_lb="0.4659", ci_ub="0.7507")
    # the difference (mods = ~ type)
    diff = _meta_regression(y, v, np.column_stack([np.ones_like(y), is_b]), "DL")
    _expect(_coef(diff), QM="7.8324", QMp="0.0051")
    _expect(_coef(diff, 1), beta="0.2835", se="0.1013", zval="2.7987")
    _expect(_coef(diff, 1), ci_lb="0.0850", ci_ub="0.4821")
    # all ten studies with tau2 fixed at the pooled estimate; metafor's default
    # method (REML) gives the standard error of tau2 at that value
    overall = rma(y, v, tau2=float(means.tau2[0]))
    _expect(overall, tau2="0.0097", se_tau2="0.0119", I2="38.67%", H2="1.63")
    _expect(overall, QE="26.4371", QEp="0.0017")
    _expect(overall, beta="0.4624", se="0.0506", zval="9.1321")
    _expect(overall, ci_lb="0.3632", ci_ub="0.5617")
    assert "user-specified tau^2 value" in str(overall)


# --- chapter 20: meta-regression on the BCG trials -----------------------------------


def test_bcg_trials_chapter_20() -> None:
    import metareview as mr

    bcg = mr.datasets.load("bcg")
    a, n1 = bcg["tpos"].to_numpy(float), (bcg["tpos"] + bcg["tneg"]).to_numpy(float)
    c, n2 = bcg["cpos"].to_numpy(float), (bcg["cpos"] + bcg["cneg"]).to_numpy(float)
    yi = np.log(a / n1) - np.log(c / n2)  # log risk ratio (eqs. 5.1-5.3)
    vi = 1 / a - 1 / n1 + 1 / c - 1 / n2

    fixed = rma(yi, vi, method="EE")
    _expect(fixed, I2="92.12%", H2="12.69", QE="152.2330", QEp="<.0001")
    _expect(fixed, beta="-0.4303", se="0.0405", zval="-10.6247")
    _expect(fixed, ci_lb="-0.5097", ci_ub="-0.3509")

    random = rma(yi, vi, method="DL")
    _expect(random, tau2="0.3088", se_tau2="0.2299", tau="0.5557")
    _expect(random, beta="-0.7141", se="0.1787", zval="-3.9952")
    _expect(random, ci_lb="-1.0644", ci_ub="-0.3638")
    pred = random.predict(transf=np.exp)
    _expect(pred, pred="0.49", ci_lb="0.34", ci_ub="0.70", pi_lb="0.16", pi_ub="1.54")

    knha = rma(yi, vi, method="DL", test="knha")
    _expect(knha, se="0.1807", zval="-3.9520", dfs="12", pval="0.0019")
    _expect(knha, ci_lb="-1.1078", ci_ub="-0.3204")

    X = np.column_stack([np.ones_like(yi), bcg["ablat"].to_numpy(float)])
    reg = _meta_regression(yi, vi, X, "DL", test="knha")
    _expect(_coef(reg), tau2="0.0633", se_tau2="0.0548", I2="64.21%", H2="2.79")
    _expect(_coef(reg), QE="30.7331", QEp="0.0012", QM="13.5589", QMp="0.0036")
    _expect(_coef(reg), beta="0.2595", se="0.2739", zval="0.9477", pval="0.3636")
    _expect(_coef(reg), ci_lb="-0.3433", ci_ub="0.8623")
    _expect(_coef(reg, 1), beta="-0.0292", se="0.0079", zval="-3.6822")
    _expect(_coef(reg, 1), ci_lb="-0.0467", ci_ub="-0.0118")


# --- chapters 23 and 24: subgroups and outcomes within studies -----------------------


def test_independent_subgroups_within_studies_table_23_1() -> None:
    d = _table(8)
    es, var = d["es"].to_numpy(float), d["var"].to_numpy(float)
    separate = rma(es, var, method="EE")
    _expect(separate, I2="0.00%", H2="0.38", QE="3.4462", QEp="0.9440")
    _expect(separate, beta="0.1855", se="0.0492", zval="3.7710", pval="0.0002")
    _expect(separate, ci_lb="0.0891", ci_ub="0.2819")
    # the study as the unit: the inverse-variance mean of its two subgroups
    w = 1 / var
    study = d["study"].to_numpy()
    ids = pd.unique(study)
    agg_es = np.array([np.sum((w * es)[study == s]) / w[study == s].sum() for s in ids])
    agg_var = np.array([1 / w[study == s].sum() for s in ids])
    combined = rma(agg_es, agg_var, method="EE")
    _expect(combined, H2="0.45", QE="1.8129", QEp="0.7701")
    _expect(combined, beta="0.1855", se="0.0492", zval="3.7710")


def test_multiple_outcomes_table_24_1() -> None:
    d = _table(9)
    first, second = d.iloc[0::2], d.iloc[1::2]
    v1, v2 = first["var"].to_numpy(float), second["var"].to_numpy(float)
    r = first["cor"].to_numpy(float)
    cov = r * np.sqrt(v1 * v2)
    # mean of the two outcomes (eq. 24.2) and its variance (eq. 24.3)
    mean_es = (first["es"].to_numpy(float) + second["es"].to_numpy(float)) / 2
    mean = rma(mean_es, (v1 + v2 + 2 * cov) / 4, method="EE")
    _expect(mean, H2="0.27", QE="1.0897", QEp="0.8959")
    _expect(mean, beta="0.1819", se="0.0602", zval="3.0193", pval="0.0025")
    _expect(mean, ci_lb="0.0638", ci_ub="0.3000")
    # difference between the outcomes (eqs. 24.6-24.7)
    diff_es = first["es"].to_numpy(float) - second["es"].to_numpy(float)
    diff = rma(diff_es, v1 + v2 - 2 * cov, method="EE")
    _expect(diff, H2="0.09", QE="0.3629", QEp="0.9854")
    _expect(diff, beta="0.1194", se="0.0656", zval="1.8199", pval="0.0688")
    _expect(diff, ci_lb="-0.0092", ci_ub="0.2479")


# --- chapter 38: psychometric meta-analysis (Hunter-Schmidt, weights n) -------------


def test_psychometric_meta_analysis_table_38_1() -> None:
    d = _table(11)
    n, r, rel = (d[c].to_numpy(float) for c in ("n", "r", "rel"))
    # sampling variance from the sample-size weighted mean correlation
    r_bar = np.sum(n * r) / n.sum()
    vi = (1 - r_bar**2) ** 2 / (n - 1)
    observed = rma(r, vi, weights=n, method="HS")
    _expect(observed, tau2="0.0069", se_tau2="0.0107", tau="0.0828")
    _expect(observed, I2="31.92%", H2="1.47", QE="9.0059", QEp="0.1088")
    _expect(observed, beta="0.2522", se="0.0615", zval="4.0994", pval="<.0001")
    _expect(observed, ci_lb="0.1316", ci_ub="0.3727")
    # corrected for unreliability
    yc, vc = r / np.sqrt(rel), vi / rel
    corrected = rma(yc, vc, weights=1 / vc, method="HS")
    _expect(corrected, tau2="0.0042", se_tau2="0.0115", tau="0.0649")
    _expect(corrected, I2="18.18%", H2="1.22", QE="7.4283", QEp="0.1907")
    _expect(corrected, beta="0.2949", se="0.0624", zval="4.7296")
    _expect(corrected, ci_lb="0.1727", ci_ub="0.4172")
    # proportion of the observed variance explained by the artefacts
    s2 = np.sum(n * (r - observed.beta[0]) ** 2) / n.sum()
    _printed((s2 - corrected.tau2) / s2, "0.7955", "explained")
