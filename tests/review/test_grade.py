"""GRADE: the suggestion rules at their thresholds, absolute effects computed by
hand, the Summary of Findings rows, the stored decisions and the CLI."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import metareview as mr
from metareview._validate import InputError, ModelWarning
from metareview.cli import app
from metareview.review.grade import (
    Certainty,
    DomainRating,
    SofInput,
    absolute_effect,
    apply_judgements,
    assess_certainty,
    grade_judgements,
    optimal_information_size,
    record_grade,
    round_half_up,
    statement,
    summary_of_findings,
)
from metareview.review.project import init_project
from metareview.review.protocol import ProtocolError, load_protocol
from metareview.review.store import open_store

Z975 = 1.959963984540054  # qnorm(0.975)
Z80 = 0.8416212335729143  # qnorm(0.80)


def fit(yi, vi, measure="SMD", method="EE", slab=None):
    """A model of the given effects (analysis scale) with ``measure`` attached."""
    frame = pd.DataFrame({"yi": yi, "vi": vi})
    frame.attrs["measure"] = measure
    labels = slab if slab is not None else [f"S{i + 1}" for i in range(len(yi))]
    return mr.rma(frame, method=method, slab=labels)


def one(est, lb, ub, measure="SMD"):
    """Two equal studies whose pooled 95% CI is ``lb`` to ``ub`` (symmetric)."""
    se = (ub - lb) / (2 * Z975)
    return fit([est, est], [2 * se**2] * 2, measure)


def bcg():
    d = mr.datasets.load("bcg")
    return mr.escalc("RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=d,
                     slab="study")  # fmt: skip


def rating(cert, domain):
    return cert.domain(domain).rating


# ---------------------------------------------------------------- absolute effects


def test_absolute_effect_odds_ratio_by_hand():
    # Ni et al. (2025): help-seeking behaviour OR 1.67 (1.05 to 2.94); assumed
    # control risk 150 per 1,000. p1 = OR p0 / (1 - p0 + OR p0):
    #   1.67 * 0.15 = 0.2505; 0.2505 / (0.85 + 0.2505) = 0.2505 / 1.1005 = 0.227624
    #   1.05 * 0.15 = 0.1575; 0.1575 / 1.0075 = 0.156328
    #   2.94 * 0.15 = 0.441;  0.441 / 1.291 = 0.341596
    a = absolute_effect("OR", 1.67, 1.05, 2.94, 0.15)
    assert a.control == pytest.approx(150.0)
    assert a.intervention == pytest.approx(227.624, abs=1e-3)
    assert a.intervention_lb == pytest.approx(156.328, abs=1e-3)
    assert a.intervention_ub == pytest.approx(341.596, abs=1e-3)
    assert a.difference == pytest.approx(77.624, abs=1e-3)
    assert a.difference_lb == pytest.approx(6.328, abs=1e-3)
    assert a.difference_ub == pytest.approx(191.596, abs=1e-3)
    rounded = [round_half_up(x) for x in (a.intervention, a.intervention_ub)]
    assert rounded == [228, 342]  # 341.6 rounds to 342, and 191.6 to 192
    assert round_half_up(a.difference_ub) == 192


def test_absolute_effect_risk_ratio_and_difference_by_hand():
    # RR 0.5 (0.25 to 1.0), p0 = 0.2: p1 = RR p0 = 0.10 (0.05 to 0.20)
    a = absolute_effect("RR", 0.5, 0.25, 1.0, 0.2)
    got = (a.intervention, a.intervention_lb, a.intervention_ub, a.difference_lb)
    assert got == pytest.approx((100.0, 50.0, 200.0, -150.0))
    # RD 0.05 (-0.01 to 0.11), p0 = 0.3: p1 = p0 + RD = 0.35 (0.29 to 0.41)
    a = absolute_effect("RD", 0.05, -0.01, 0.11, 0.3)
    got = (a.intervention, a.intervention_lb, a.intervention_ub)
    assert got == pytest.approx((350.0, 290.0, 410.0))
    assert (a.difference, a.difference_lb) == pytest.approx((50.0, -10.0))
    # Peto's OR is an odds ratio: OR 1 leaves the risk unchanged
    assert absolute_effect("PETO", 1.0, 0.5, 2.0, 0.4).intervention == (
        pytest.approx(400.0)
    )


@pytest.mark.parametrize(
    ("x", "want"), [(0.5, 1), (1.5, 2), (2.5, 3), (-2.5, -3), (2.49, 2), (-0.4, 0)]
)
def test_round_half_up(x, want):
    assert round_half_up(x) == want


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("OR", -0.5, -0.7, 0.1, 0.15), "not its log"),
        (("OR", 1.67, 1.05, 2.94, 15), "control_risk"),
        (("OR", 1.67, 2.94, 1.05, 0.15), "ci_lb <= estimate <= ci_ub"),
        (("SMD", 0.5, 0.1, 0.9, 0.15), "measure must be one of"),
    ],
)
def test_absolute_effect_rejects_bad_input(args, message):
    with pytest.raises(InputError, match=message):
        absolute_effect(*args)


# ---------------------------------------------------------------- risk of bias


@pytest.mark.parametrize(
    ("judgements", "want"),
    [
        (["high", "low", "low", "low"], 0),  # 25% high
        (["high", "some concerns", "low", "low"], -1),  # 25% + 25% = 50%
        (["some concerns", "unclear", "low", "low"], -1),  # 50% some concerns
        (["high", "high", "low", "low"], -1),  # 50% high
        (["high", "high", "high", "low"], -2),  # 75% high
        (["serious", "critical", "High", "some concerns"], -2),  # ROBINS-I words
    ],
)
def test_risk_of_bias_by_share_of_weight(judgements, want):
    res = fit([0.1, 0.2, 0.3, 0.4], [0.1] * 4)  # equal weights: 25% each
    rob = dict(zip(res.slab, judgements, strict=True))
    assert rating(assess_certainty(res, rob=rob), "risk_of_bias") == want


@pytest.mark.parametrize(("vi_high", "want"), [(1.02, 0), (0.98, -1)])
def test_risk_of_bias_around_half_the_weight(vi_high, want):
    # weight of the high-risk study: (1/vi) / (1/vi + 1) = 0.495 or 0.505
    res = fit([0.1, 0.2], [vi_high, 1.0])
    cert = assess_certainty(res, rob={"S1": "high", "S2": "low"})
    assert rating(cert, "risk_of_bias") == want
    share = 100 / vi_high / (1 / vi_high + 1)
    assert f"{share:.0f}% of the weight" in cert.domain("risk_of_bias").reason


def test_risk_of_bias_not_assessed_and_bad_judgements():
    res = fit([0.1, 0.2], [0.1, 0.1])
    d = assess_certainty(res).domain("risk_of_bias")
    assert (d.rating, d.suggested) == (0, True)
    assert "Not assessed" in d.reason
    # a study without a judgement is named, and its weight counts as no concern
    d = assess_certainty(res, rob={"S1": "high"}).domain("risk_of_bias")
    assert d.rating == -1
    assert "1 study (50% of the weight) not appraised: S2" in d.reason
    d = assess_certainty(res, rob={"S1": "low"}).domain("risk_of_bias")
    assert d.rating == 0
    with pytest.raises(InputError, match=r"rob\['S2'\].*'dunno'"):
        assess_certainty(res, rob={"S1": "low", "S2": "dunno"})


# ---------------------------------------------------------------- inconsistency


@pytest.mark.parametrize(
    ("d", "want"),
    [
        (1.99, 0),  # Q = d²/2 = 1.98, I² = (Q - 1)/Q = 49.5%
        (2.0, -1),  # Q = 2, I² = 50%
        (2.8, -1),  # Q = 3.92, I² = 74.5%
        (3.0, -1),  # Q = 4.5, I² = 77.8%: considerable, but CI crosses 0 too
    ],
)
def test_inconsistency_i2_thresholds(d, want):
    # two studies with vi = 1: Q = (y1 - y2)² / 2 on 1 df (equal-effects model)
    res = fit([0.0, d], [1.0, 1.0])
    assert res.I2 == pytest.approx(100 * (d * d / 2 - 1) / (d * d / 2))
    assert rating(assess_certainty(res), "inconsistency") == want


def test_inconsistency_very_serious_when_the_prediction_interval_crosses_the_null():
    # BCG vaccine trials (Colditz et al. 1994), RR, REML: I² = 92.2%, CI of the RR
    # 0.34 to 0.70 and prediction interval 0.15 to 1.55 (metafor, golden rma.json:
    # pi_lb -1.8667, pi_ub 0.4376 on the log scale, exp: 0.1546 and 1.5490)
    es = bcg()
    dom = assess_certainty(mr.rma(es)).domain("inconsistency")
    assert dom.rating == -2
    assert "I² = 92%" in dom.reason
    assert "prediction interval 0.15 to 1.55" in dom.reason
    assert "do not overlap" in dom.reason


def test_inconsistency_bcg_with_tau2_fixed():
    # metafor (golden rma.json), BCG RR with tau2 = 0.1: I² = 79.1%, CI of the log
    # RR -0.90 to -0.44 and prediction interval -1.33 to -0.011 (RR 0.26 to 0.99):
    # considerable heterogeneity, but every predicted effect is a benefit
    dom = assess_certainty(mr.rma(bcg(), tau2=0.1)).domain("inconsistency")
    assert dom.rating == -1
    assert "I² = 79%" in dom.reason
    assert "prediction interval 0.26 to 0.99" in dom.reason


def test_inconsistency_considerable_without_a_crossing_prediction_interval():
    # DL: Q = 2000 (w = 1000), C = 2000, τ² = 0.999, I² = 99.9%; pred 4 with
    # se² = 1/3, PI 4 ± 1.96 sqrt(1/3 + 0.999) = 1.74 to 6.26: no crossing
    res = fit([3.0, 4.0, 5.0], [0.001] * 3, method="DL")
    dom = assess_certainty(res).domain("inconsistency")
    assert dom.rating == -1
    assert "considerable" in dom.reason


def test_inconsistency_explained_by_subgroups():
    yi = [0.0, 0.1, 0.05, 0.02, 0.08, 1.0, 1.1, 1.05, 1.02, 1.08]
    frame = pd.DataFrame({"yi": yi, "vi": [0.01] * 10, "kind": ["a"] * 5 + ["b"] * 5})
    frame.attrs["measure"] = "SMD"
    res = mr.rma(frame, method="DL")
    assert rating(assess_certainty(res), "inconsistency") == -2
    sub = mr.subgroup(frame, by="kind", method="DL")
    dom = assess_certainty(res, subgroup=sub).domain("inconsistency")
    assert dom.rating == 0
    assert "explained by the subgroups" in dom.reason
    # differences that leave residual heterogeneity explain only part of it
    partly = SimpleNamespace(by="kind", Qb_p=0.01, Qw_p=0.05)
    assert rating(assess_certainty(res, subgroup=partly), "inconsistency") == -1
    not_diff = SimpleNamespace(by="kind", Qb_p=0.05, Qw_p=0.5)
    assert rating(assess_certainty(res, subgroup=not_diff), "inconsistency") == -2


def test_inconsistency_of_one_study():
    with pytest.warns(ModelWarning, match="only one study"):
        res = fit([0.5], [0.04])
    dom = assess_certainty(res).domain("inconsistency")
    assert (dom.rating, dom.reason) == (0, "Not applicable: a single study.")


# ---------------------------------------------------------------- imprecision


def test_optimal_information_size_by_hand():
    # (z_0.975 + z_0.8)² = 2.801585² = 7.848879
    # binary, p0 = 0.2, RRR 0.25: p1 = 0.15; 7.848879 (0.16 + 0.1275) / 0.05²
    #   = 902.62 -> 903 per arm, 1,806 in all
    assert optimal_information_size("OR", control_risk=0.2)[0] == 1806
    # SMD 0.2: 2 · 7.848879 / 0.04 = 392.44 -> 393 per arm, 786 in all
    assert optimal_information_size("SMD")[0] == 786
    # MD, MID 5 and SD 10: 2 · 7.848879 · 100 / 25 = 62.79 -> 63 per arm, 126
    assert optimal_information_size("MD", mid=5, sd=10)[0] == 126
    assert optimal_information_size("MD", mid=5)[0] is None
    assert optimal_information_size("OR")[0] is None
    assert (Z975 + Z80) ** 2 == pytest.approx(7.848879, abs=1e-6)


@pytest.mark.parametrize(
    ("ci", "mid", "n", "want"),
    [
        ((-0.1, 0.7), None, None, -1),  # no MID: the CI includes no effect
        ((0.01, 0.7), None, 786, 0),  # excludes the null, OIS 786 met
        ((0.01, 0.7), None, 785, -1),  # one participant short of the OIS
        ((0.01, 0.7), None, None, 0),  # OIS not assessed without n
        ((0.2, 0.499), 0.5, 1000, 0),  # within the MIDs -0.5 and 0.5
        ((0.2, 0.501), 0.5, 1000, -1),  # crosses the MID 0.5
        ((-0.501, 0.2), 0.5, 1000, -1),  # crosses the MID -0.5
        ((-0.6, 0.6), 0.5, 1000, -2),  # crosses both MIDs
        ((0.6, 1.2), 0.5, 100, -1),  # beyond the MID; OIS (MID 0.5) is 126
        ((0.6, 1.2), 0.5, 126, 0),
    ],
)
def test_imprecision_smd(ci, mid, n, want):
    res = one((ci[0] + ci[1]) / 2, *ci)
    dom = assess_certainty(res, mid=mid, n=n).domain("imprecision")
    assert dom.rating == want, dom.reason


@pytest.mark.parametrize(
    ("ci", "want"),
    [
        ((0.5, 0.74), 0),  # below RR 0.75, OIS met
        ((0.7, 0.8), -1),  # crosses 0.75
        ((0.8, 1.3), -1),  # crosses 1.25 (and 1)
        ((0.7, 1.3), -2),  # crosses 0.75 and 1.25
    ],
)
def test_imprecision_ratio_with_a_relative_mid(ci, want):
    lb, ub = math.log(ci[0]), math.log(ci[1])
    res = one((lb + ub) / 2, lb, ub, "RR")
    cert = assess_certainty(res, mid=0.25, control_risk=0.2, n=2000)
    assert rating(cert, "imprecision") == want
    assert "MIDs 0.75 and 1.25" in cert.domain("imprecision").reason


def test_imprecision_ratio_rejects_a_mid_outside_0_1():
    res = one(0.0, -0.5, 0.5, "OR")
    with pytest.raises(InputError, match="relative change between 0 and 1"):
        assess_certainty(res, mid=1.5)


# ---------------------------------------------------------------- publication bias


def test_publication_bias_not_assessed_below_10_studies():
    res = fit(np.linspace(0.1, 0.9, 9), [0.05] * 9)
    dom = assess_certainty(res).domain("publication_bias")
    assert dom.rating == 0
    assert dom.reason.startswith("Not assessed (k < 10): 9 studies")


@pytest.mark.parametrize(("p", "want"), [(0.0999, -1), (0.10, 0), (0.5, 0)])
def test_publication_bias_egger_threshold(p, want):
    res = fit(np.linspace(0.1, 1.0, 10), [0.05] * 10)
    egger = SimpleNamespace(pval=p)
    assert rating(assess_certainty(res, regtest=egger), "publication_bias") == want


def test_publication_bias_runs_eggers_test():
    # metafor (golden bias.json): regtest of the REML model, z = -0.8033, p = 0.4218
    es = bcg()
    dom = assess_certainty(mr.rma(es)).domain("publication_bias")
    assert dom.rating == 0
    assert "p = 0.422" in dom.reason


# ---------------------------------------------------------------- levels, upgrades


@pytest.mark.parametrize(
    ("start", "ratings", "level", "symbol"),
    [
        ("high", [], "high", "⊕⊕⊕⊕"),
        ("high", [-1], "moderate", "⊕⊕⊕◯"),
        ("high", [-1, -1], "low", "⊕⊕◯◯"),
        ("high", [-2, -1], "very low", "⊕◯◯◯"),
        ("high", [-2, -2], "very low", "⊕◯◯◯"),  # never below very low
        ("low", [], "low", "⊕⊕◯◯"),
        ("low", [1], "moderate", "⊕⊕⊕◯"),
        ("low", [2, 1], "high", "⊕⊕⊕⊕"),  # never above high
    ],
)
def test_levels_and_symbols(start, ratings, level, symbol):
    domains = tuple(
        DomainRating(domain=f"d{i}", rating=r, suggested=True, reason="")
        for i, r in enumerate(ratings)
    )
    cert = Certainty(outcome_id="o", timepoint="", start=start, domains=domains)
    assert (cert.level, cert.symbol) == (level, symbol)


def test_indirectness_is_the_reviewers():
    res = fit([0.5, 0.6], [0.01, 0.01])
    cert = assess_certainty(res, indirectness=-1)
    assert rating(cert, "indirectness") == -1
    assert cert.level == "moderate"
    with pytest.raises(InputError, match="indirectness must be one of 0, -1, -2"):
        assess_certainty(res, indirectness=1)


@pytest.mark.parametrize(
    ("rr", "want"), [(0.6, 0), (0.45, 1), (0.19, 2), (2.5, 1), (5.5, 2)]
)
def test_large_effect_of_observational_studies(rr, want):
    est = math.log(rr)
    res = fit([est, est], [0.001, 0.001], "RR")
    cert = assess_certainty(res, randomised=False)
    assert cert.start == "low"
    assert rating(cert, "large_effect") == want
    assert cert.score == 2 + want
    randomised = assess_certainty(res)
    with pytest.raises(KeyError):
        randomised.domain("large_effect")


def test_large_effect_not_assessed_when_rated_down():
    res = fit([math.log(0.2)] * 2, [0.001] * 2, "RR")
    cert = assess_certainty(res, randomised=False, indirectness=-1)
    assert rating(cert, "large_effect") == 0
    assert cert.level == "very low"


# ---------------------------------------------------------------- statements


@pytest.mark.parametrize(
    ("level", "effect", "none", "verb"),
    [
        ("high", 0.5, False, "increases"),
        ("moderate", 0.5, False, "probably increases"),
        ("low", 0.5, False, "may increase"),
        ("low", -0.5, False, "may reduce"),
        ("high", -0.5, False, "reduces"),
        ("high", 0.1, True, "results in little to no difference in"),
        ("moderate", 0.1, True, "probably results in little to no difference in"),
        ("low", 0.1, True, "may result in little to no difference in"),
    ],
)
def test_statement_per_level(level, effect, none, verb):
    got = statement(level, "mental contrasting", "Help-seeking intention",
                    effect=effect, no_important=none)  # fmt: skip
    assert got == f"Mental contrasting {verb} help-seeking intention."


def test_statement_rejects_an_unknown_level():
    with pytest.raises(InputError, match="level must be one of"):
        statement("medium", "x", "y", effect=1.0, no_important=False)


def test_sof_ratio_of_means_shows_the_ratio():
    lb, ub = math.log(1.1), math.log(1.3)
    res = one((lb + ub) / 2, lb, ub, "ROM")
    cert = Certainty(outcome_id="o", timepoint="", start="high", domains=())
    got = summary_of_findings([SofInput(outcome="O", res=res, certainty=cert)])
    assert got.iloc[0]["relative_effect"] == "ROM 1.20 (1.10 to 1.30)"
    assert got.iloc[0]["mean_difference"] == ""


def test_statement_very_low():
    got = statement("very low", "mental contrasting", "Help-seeking intention",
                    effect=0.5, no_important=False)  # fmt: skip
    assert got == (
        "The evidence is very uncertain about the effect of mental contrasting on "
        "help-seeking intention."
    )


# ---------------------------------------------------------------- Summary of Findings


def _low_certainty(outcome_id):
    return Certainty(
        outcome_id=outcome_id,
        timepoint="end of follow-up",
        start="high",
        domains=(
            DomainRating(domain="risk_of_bias", rating=-1, suggested=True,
                         reason="60% of the weight at high risk."),
            DomainRating(domain="inconsistency", rating=0, suggested=True, reason=""),
            DomainRating(domain="imprecision", rating=-1, suggested=False,
                         reason="CI crosses the MID.", justification="Few events.",
                         decided_by="RB"),
        ),
    )  # fmt: skip


def test_sof_binary_row():
    # two equal studies of log OR log(1.67), se of the pooled log OR set so that
    # the 95% CI starts at 1.05: se = (log 1.67 - log 1.05) / 1.959964; the upper
    # limit is then 1.67² / 1.05 = 2.656095.
    se = (math.log(1.67) - math.log(1.05)) / Z975
    res = fit([math.log(1.67)] * 2, [2 * se * se] * 2, "OR")
    # control risk 0.15: 228 (156 to p1) per 1,000 as in the hand computation
    # above; upper: 2.656095 · 0.15 = 0.398414, / (0.85 + 0.398414) = 0.319136
    row = SofInput(
        outcome="Help-seeking behaviour", res=res,
        certainty=_low_certainty("behaviour"), participants=1234,
        control_risk=0.15, intervention="Mental contrasting",
    )  # fmt: skip
    got = summary_of_findings([row]).iloc[0]
    assert got["relative_effect"] == "OR 1.67 (1.05 to 2.66)"
    assert got["control_risk"] == "150 per 1,000"
    assert got["intervention_risk"] == "228 per 1,000 (156 to 319)"
    assert got["absolute"] == "78 more per 1,000 (6 more to 169 more)"
    assert got["mean_difference"] == ""
    assert got["participants"] == "1,234 (2 RCTs)"
    assert got["certainty"] == "⊕⊕◯◯ Low (a, b)"
    assert got["footnotes"] == (
        "a. Risk of bias: rated down 1. 60% of the weight at high risk. "
        "b. Imprecision: rated down 1. CI crosses the MID. Reviewer (RB): Few events."
    )
    assert got["statement"] == "Mental contrasting may increase help-seeking behaviour."
    assert got["timepoint"] == "end of follow-up"


def test_sof_fewer_per_1000():
    # RR sqrt(0.25 · 1.1) = 0.524404 (0.25 to 1.1) on 200 per 1,000: p1 = RR p0 =
    # 0.104881 (0.05 to 0.22): 105 (50 to 220) per 1,000, 95 fewer (150 fewer to
    # 20 more)
    lb, ub = math.log(0.25), math.log(1.1)
    res = one((lb + ub) / 2, lb, ub, "RR")
    cert = Certainty(outcome_id="o", timepoint="", start="high", domains=())
    row = SofInput(outcome="Death", res=res, certainty=cert, control_risk=0.2)
    got = summary_of_findings([row]).iloc[0]
    assert got["relative_effect"] == "RR 0.52 (0.25 to 1.10)"
    assert got["intervention_risk"] == "105 per 1,000 (50 to 220)"
    assert got["absolute"] == "95 fewer per 1,000 (150 fewer to 20 more)"
    assert got["participants"] == "(2 RCTs)"
    assert got["certainty"] == "⊕⊕⊕⊕ High"
    assert got["statement"] == "The intervention reduces death."


@pytest.mark.parametrize(
    ("measure", "ci", "want"),
    [
        ("MD", (2.60, 6.28), "MD 4.44 higher (2.60 to 6.28 higher)"),
        ("MD", (-0.20, 1.20), "MD 0.50 higher (0.20 lower to 1.20 higher)"),
        ("MD", (-2.50, -0.50), "MD 1.50 lower (2.50 to 0.50 lower)"),
        ("SMD", (0.20, 1.08), "SMD 0.64 higher (0.20 to 1.08 higher); a moderate "
         "effect (0.2 small, 0.5 moderate, 0.8 large)"),
        ("SMD", (-0.30, -0.10), "SMD 0.20 lower (0.30 to 0.10 lower); a small "
         "effect (0.2 small, 0.5 moderate, 0.8 large)"),
        ("SMD", (0.60, 1.10), "SMD 0.85 higher (0.60 to 1.10 higher); a large "
         "effect (0.2 small, 0.5 moderate, 0.8 large)"),
        ("SMD", (-0.20, 0.30), "SMD 0.05 higher (0.20 lower to 0.30 higher); less "
         "than a small effect (0.2 small, 0.5 moderate, 0.8 large)"),
    ],
)  # fmt: skip
def test_sof_continuous_rows(measure, ci, want):
    res = one((ci[0] + ci[1]) / 2, *ci, measure)
    cert = _low_certainty("intention")
    row = SofInput(outcome="Intention", res=res, certainty=cert, participants=310)
    got = summary_of_findings([row]).iloc[0]
    assert got["mean_difference"] == want
    assert got["relative_effect"] == got["absolute"] == got["control_risk"] == ""
    assert got["participants"] == "310 (2 RCTs)"


def test_sof_smd_reexpressed_in_scale_units():
    # SMD × SD (Cochrane Handbook 15.5.3): 0.64 · 10 = 6.4 (2.0 to 10.8)
    res = one(0.64, 0.20, 1.08, "SMD")
    cert = Certainty(outcome_id="intention", timepoint="", start="high", domains=())
    row = SofInput(
        outcome="Intention", res=res, certainty=cert, sd=10.0, scale="the GHSQ"
    )
    got = summary_of_findings([row]).iloc[0]["mean_difference"]
    assert got.endswith(
        "; about 6.40 higher (2.00 to 10.80 higher) on the GHSQ (SD 10)"
    )


def test_sof_no_important_difference_when_the_ci_lies_within_the_mid():
    res = one(0.1, -0.3, 0.5, "MD")
    base = Certainty(outcome_id="a", timepoint="", start="high", domains=(
        DomainRating(domain="inconsistency", rating=-1, suggested=True, reason="x"),
    ))  # fmt: skip
    rows = [
        SofInput(outcome="Attitudes", res=res, certainty=base, mid=1.0),
        SofInput(outcome="Attitudes", res=res, certainty=base, mid=0.4),
    ]
    got = summary_of_findings(rows)["statement"].tolist()
    assert got == [
        "The intervention probably results in little to no difference in attitudes.",
        "The intervention probably increases attitudes.",
    ]


def test_sof_of_observational_studies_and_bad_rows():
    res = fit([0.2, 0.3, 0.4], [0.01] * 3, "MD")
    cert = Certainty(outcome_id="o", timepoint="", start="low", domains=())
    row = SofInput(outcome="O", res=res, certainty=cert, participants=50)
    assert summary_of_findings([row]).iloc[0]["participants"] == (
        "50 (3 observational studies)"
    )
    with pytest.raises(TypeError, match=r"rows\[0\] must be a SofInput"):
        summary_of_findings([res])


# ---------------------------------------------------------------- store


@pytest.fixture
def store(tmp_path):
    init_project(tmp_path)
    with open_store(tmp_path) as s:
        yield s


def test_record_grade_confirm_and_override(store):
    res = fit([0.1, 0.9], [0.05, 0.05])  # I² > 50%: inconsistency -1 suggested
    cert = assess_certainty(res, outcome_id="intention", timepoint="2 weeks")
    assert rating(cert, "inconsistency") == -1
    # confirming the suggestion needs no justification
    record_grade(store, "intention", "2 weeks", "inconsistency", -1,
                 decided_by="AB", suggested=cert)  # fmt: skip
    # an override does
    with pytest.raises(InputError, match="overrides the suggested -1: give a"):
        record_grade(store, "intention", "2 weeks", "inconsistency", 0,
                     decided_by="AB", suggested=cert)  # fmt: skip
    with pytest.raises(InputError, match="no suggestion to confirm: give a"):
        record_grade(store, "intention", "2 weeks", "indirectness", -1,
                     decided_by="AB", justification="  ")  # fmt: skip
    record_grade(store, "intention", "2 weeks", "indirectness", -1, decided_by="AB",
                 justification="Students, not patients.")  # fmt: skip
    table = grade_judgements(store)
    cols = ["domain", "rating", "justification", "decided_by"]
    assert table[cols].values.tolist() == [
        ["inconsistency", -1, None, "AB"],
        ["indirectness", -1, "Students, not patients.", "AB"],
    ]
    back = apply_judgements(cert, store)
    assert back.level == "low"
    ind = back.domain("indirectness")
    assert (ind.rating, ind.suggested, ind.decided_by) == (-1, False, "AB")
    assert not back.domain("inconsistency").suggested
    assert back.domain("imprecision").suggested
    assert back.suggested


def test_latest_judgement_wins_and_history_is_kept(store):
    cert = assess_certainty(fit([0.5, 0.6], [0.01, 0.01]), outcome_id="behaviour",
                            timepoint="end of follow-up")  # fmt: skip
    assert cert.level == "high"
    record_grade(store, "behaviour", "end of follow-up", "risk_of_bias", -2,
                 justification="All unblinded.", decided_by="A")  # fmt: skip
    record_grade(store, "behaviour", "end of follow-up", "risk_of_bias", -1,
                 justification="Matters less.", decided_by="B")  # fmt: skip
    record_grade(store, "behaviour", "end of follow-up", "large_effect", 1,
                 justification="RR 0.3.", decided_by="B")  # fmt: skip
    record_grade(store, "behaviour", "end of follow-up", "risk_of_bias", -2,
                 justification="Other comparison.", decided_by="C",
                 comparison="vs usual care")  # fmt: skip
    assert len(grade_judgements(store, history=True)) == 4
    current = grade_judgements(store)
    assert len(current) == 3
    back = apply_judgements(cert, store)
    assert rating(back, "risk_of_bias") == -1
    assert back.domain("risk_of_bias").justification == "Matters less."
    assert rating(back, "large_effect") == 1  # decided, though not assessed
    assert back.level == "high"
    other = apply_judgements(cert, store, comparison="vs usual care")
    assert (other.level, other.comparison) == ("low", "vs usual care")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.conn.execute("DELETE FROM grade_judgements")


@pytest.mark.parametrize(
    ("domain", "value", "error", "message"),
    [
        ("imprecise", -1, InputError, "domain must be one of"),
        ("imprecision", -3, InputError, "must be one of 0, -1, -2"),
        ("imprecision", 1, InputError, "downgrades only"),
        ("large_effect", -1, InputError, "upgrades only"),
        ("imprecision", 1.0, TypeError, "rating must be an integer"),
        ("imprecision", True, TypeError, "rating must be an integer"),
    ],
)
def test_record_grade_rejects_bad_ratings(store, domain, value, error, message):
    with pytest.raises(error, match=message):
        record_grade(store, "o", "", domain, value, justification="x", decided_by="A")
    assert len(grade_judgements(store)) == 0


def test_record_grade_checks_the_suggestion_matches(store):
    cert = assess_certainty(one(0.5, 0.3, 0.7), outcome_id="a", timepoint="t1")
    with pytest.raises(InputError, match="not of 'b' at 't1'"):
        record_grade(store, "b", "t1", "imprecision", 0, decided_by="A",
                     suggested=cert)  # fmt: skip
    with pytest.raises(InputError, match="decided_by must not be empty"):
        record_grade(store, "a", "t1", "imprecision", 0, decided_by=" ")


# ---------------------------------------------------------------- protocol, CLI


def test_protocol_outcome_mid_and_control_risk(tmp_path):
    init_project(tmp_path)
    toml = tmp_path / "review.toml"
    text = toml.read_text(encoding="utf-8")
    first = 'measure = "OR"\n'
    toml.write_text(text.replace(first, first + "mid = 0.25\ncontrol_risk = 0.15\n", 1),
                    encoding="utf-8")  # fmt: skip
    behaviour = load_protocol(tmp_path).outcomes[0]
    assert (behaviour.mid, behaviour.control_risk) == (0.25, 0.15)
    assert load_protocol(tmp_path).outcomes[1].mid is None
    toml.write_text(text.replace(first, first + "control_risk = 15\n", 1),
                    encoding="utf-8")  # fmt: skip
    with pytest.raises(ProtocolError, match="control_risk"):
        load_protocol(tmp_path)


runner = CliRunner()


def test_cli_grade_records_and_shows(tmp_path: Path):
    init_project(tmp_path)
    folder = str(tmp_path)
    result = runner.invoke(app, ["grade", folder, "--show"])
    assert result.exit_code == 0, result.output
    assert "No GRADE judgements recorded." in result.output
    result = runner.invoke(app, [
        "grade", folder, "--outcome", "behaviour", "--domain", "risk_of_bias",
        "--rating", "-1", "--justification", "Unblinded outcome assessors.",
        "--by", "AB",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "risk_of_bias of behaviour (end of follow-up) recorded: -1" in result.output
    result = runner.invoke(app, [
        "grade", folder, "--outcome", "intention", "--timepoint", "2 weeks",
        "--domain", "imprecision", "--rating", "0", "--by", "AB", "--show",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Unblinded outcome assessors." in result.output
    assert "2 weeks" in result.output
    with open_store(tmp_path) as store:
        table = grade_judgements(store)
    assert table["outcome_id"].tolist() == ["behaviour", "intention"]
    assert table["timepoint"].tolist() == ["end of follow-up", "2 weeks"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--outcome", "behaviour", "--domain", "imprecision", "--rating", "-1",
          "--by", "A"], "give a justification"),
        (["--outcome", "nope", "--domain", "imprecision", "--rating", "0",
          "--by", "A"], "'nope' is not an outcome of review.toml"),
        (["--outcome", "intention", "--domain", "imprecision", "--rating", "0",
          "--by", "A"],
         "give --timepoint: 'intention' has timepoints post-intervention, 2 weeks"),
        (["--outcome", "behaviour", "--domain", "imprecision", "--rating", "0"],
         "recording needs --outcome, --domain, --rating and --by"),
        ([], "give --show, or --domain and --rating"),
        (["--outcome", "intention", "--timepoint", "3 weeks", "--domain",
          "imprecision", "--rating", "0", "--by", "A"],
         "--timepoint '3 weeks' is not a timepoint of 'intention'"),
    ],
)  # fmt: skip
def test_cli_grade_errors(tmp_path: Path, args, message):
    init_project(tmp_path)
    result = runner.invoke(app, ["grade", str(tmp_path), *args])
    assert result.exit_code == 1
    assert message in result.output
