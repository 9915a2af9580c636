"""Audit of reported results: statements constructed from known analyses.

Reference values are hand computations written out next to each case (Altman and
Bland 2011, BMJ 343:d2304: SE = (u - l) / (2 x 1.96), z = Est / SE, on the log
scale for ratios), published worked examples, and R metafor's own results
(tests/golden/metafor/rma.json) printed as a journal would print them.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats
from typer.testing import CliRunner

from helpers import golden_cases
from metareview._validate import InputError, InputTypeError
from metareview.cli import app
from metareview.review.audit import COLUMNS, audit_file, audit_text

# a P value recomputed from a hand calculation is compared to 3 significant digits
HAND = 1e-3
runner = CliRunner()


def one(text: str) -> dict[str, Any]:
    frame = audit_text(text)
    assert len(frame) == 1, frame
    row: dict[str, Any] = frame.iloc[0].to_dict()
    return row


# --- parsing the forms journals use -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "measure", "est", "lb", "ub", "level", "p"),
    [
        ("OR 1.67 (95% CI 1.05–2.94)", "OR", 1.67, 1.05, 2.94, 0.95, None),
        ("OR = 1.67, 95% CI [1.05, 2.94]", "OR", 1.67, 1.05, 2.94, 0.95, None),
        ("odds ratio of 1.67 (95% confidence interval 1.05 to 2.94; P = .05)",
         "OR", 1.67, 1.05, 2.94, 0.95, "P = .05"),
        ("(SMD = 0.64, 95% CI: 0.20, 1.08, p < 0.001)",
         "SMD", 0.64, 0.20, 1.08, 0.95, "p < 0.001"),
        ("MD −4.44 (−6.28 to −2.60)", "MD", -4.44, -6.28, -2.60, 0.95, None),
        ("g = 0.35, 95% CI 0.10-0.60", "g", 0.35, 0.10, 0.60, 0.95, None),
        ("HR 0.80 (0.70-0.91)", "HR", 0.80, 0.70, 0.91, 0.95, None),
        ("RR 0.49 [0.34; 0.70]", "RR", 0.49, 0.34, 0.70, 0.95, None),
        ("HR 0·80 (99% CI 0·66–0·97), P=0·003",
         "HR", 0.80, 0.66, 0.97, 0.99, "P=0·003"),
        ("Cohen’s d was 0.30 (90% CI 0.05 — 0.55), P = 4 × 10−5",
         "d", 0.30, 0.05, 0.55, 0.90, "P = 4 × 10−5"),
        ("Hedges' g = 0.35 (95% CI 0.10 to 0.60), p<0.001",
         "g", 0.35, 0.10, 0.60, 0.95, "p<0.001"),
        ("the standardised mean difference was 0.64 (0.20 to 1.08)",
         "SMD", 0.64, 0.20, 1.08, 0.95, None),
        ("a hazard ratio of 0.80 (95% CI, 0.70 to 0.91; P = 0.0001)",
         "HR", 0.80, 0.70, 0.91, 0.95, "P = 0.0001"),
        ("IRR 1.30 (1.10–1.54)", "IRR", 1.30, 1.10, 1.54, 0.95, None),
        ("risk difference −2.5% (95% CI −4.6% to −0.4%), P=.02",
         "RD", -2.5, -4.6, -0.4, 0.95, "P=.02"),
        ("mean difference 4.44, 2.60–6.28", "MD", 4.44, 2.60, 6.28, 0.95, None),
        ("OR 1.5¹² (1.1–2.0), P = 2 × 10⁻³",  # a citation, a superscript exponent
         "OR", 1.5, 1.1, 2.0, 0.95, "P = 2 × 10⁻³"),
        ("log odds ratio −0.75 (−1.11 to −0.38)",
         "log OR", -0.75, -1.11, -0.38, 0.95, None),
    ],
)  # fmt: skip
def test_parses_the_forms_journals_use(
    text: str, measure: str, est: float, lb: float, ub: float, level: float,
    p: str | None,
) -> None:  # fmt: skip
    row = one(text)
    assert (row["measure"], row["level"], row["p_reported"]) == (measure, level, p)
    assert_allclose([row["estimate"], row["ci_lb"], row["ci_ub"]], [est, lb, ub])
    assert text[row["start"] : row["end"]] == row["statement"]


@pytest.mark.parametrize(
    "text",
    [
        "Either 3 or 4 (2-5) sessions were offered.",  # "or" is not an OR
        "RR 0.49 (n = 13 trials)",  # no CI
        "ORs ranged from 0.5 to 2.0",
        "d 0.5 (0.2-0.8)",  # a single letter needs "d ="
        "MDs: MD 4.4, 2.1, 6.3 and 8.0",  # a bare comma pair needs a CI label
        "an odds ratio of 2.1 [14, 15] was found",  # citations, not a CI
    ],
)
def test_ignores_what_is_not_an_effect_statement(text: str) -> None:
    assert audit_text(text).empty


def test_text_without_statements_gives_an_empty_frame_with_the_columns() -> None:
    frame = audit_text("No quantitative synthesis was possible.")
    assert list(frame.columns) == list(COLUMNS)
    assert frame.empty


def test_text_must_be_a_string() -> None:
    with pytest.raises(InputTypeError, match="text must be a str; got bytes"):
        audit_text(b"OR 1.2 (1.0-1.4)")  # type: ignore[arg-type]


# --- the model review (Ni et al. 2025, DESIGN.md section 1) ----------------------


def test_ni_2025_odds_ratio_is_asymmetric_and_excludes_1_with_p_05() -> None:
    row = one("help-seeking behaviour (pooled OR 1.67, 95% CI 1.05–2.94, P = .05)")
    assert not row["consistent"]
    # log scale: ln(1.67) - ln(1.05) = 0.5128 - 0.0488 = 0.464 below,
    # ln(2.94) - ln(1.67) = 1.0784 - 0.5128 = 0.566 above
    assert (
        "not symmetric around the OR on the log scale (0.46 below, 0.57 above)"
        in (row["problems"])
    )
    # the lower half of the CI is the one towards the null: z = 1.96 x 0.5128 /
    # 0.4640 = 2.166, P = 2 (1 - Phi(2.166)) = 0.0303
    assert_allclose(row["p_implied"], 0.0303, rtol=HAND)
    assert "P = .05 is reported, but the 95% CI excludes 1" in row["problems"]
    assert "P ≈ 0.030" in row["problems"]
    # SE from the full width: (ln 2.94 - ln 1.05) / (2 x 1.96) = 1.0296 / 3.92
    assert_allclose(row["se_implied"], 0.26266, rtol=HAND)


def test_ni_2025_smd_implies_p_004_not_below_001() -> None:
    row = one("intentions (SMD 0.64, 0.20–1.08, P < .001)")
    # SE = (1.08 - 0.20) / 3.92 = 0.2245; z = 0.64 / 0.2245 = 2.851; P = 0.00436
    assert_allclose(row["se_implied"], 0.2245, rtol=HAND)
    assert_allclose(row["p_implied"], 0.00436, rtol=HAND)
    lo, hi = row["p_implied_range"]
    # the least P: est 0.645, SE (1.075 - 0.205) / 3.92 = 0.2219 -> z 2.906, 0.0037;
    # no rounding of the printed numbers reaches P < 0.001
    assert 0.001 < lo < 0.00436 < hi < 0.006
    assert row["problems"].startswith(
        "P < .001 is reported, but the SMD and its CI imply P ≈ 0.0044"
    )


def test_design_paragraph_several_statements_only_the_or_is_flagged() -> None:
    text = (
        "outcomes follow the theory of planned behaviour: help-seeking behaviour "
        "(pooled OR 1.67, 95% CI 1.05–2.94), intentions (SMD 0.64, 0.20–1.08 "
        "immediately after; MD 4.44, 2.60–6.28 at two weeks for mental "
        "contrasting), attitudes (MD 0.36, 0.16–0.57); subgroup analyses by "
        "intervention type (mental contrasting SMD 0.62, 0.37–0.88 vs positive "
        "emotion SMD 0.20, 0.06–0.34)"
    )
    frame = audit_text(text)
    assert list(frame.measure) == ["OR", "SMD", "MD", "MD", "SMD", "SMD"]
    assert list(frame.estimate) == [1.67, 0.64, 4.44, 0.36, 0.62, 0.20]
    assert list(frame.consistent) == [False, True, True, True, True, True]
    for row in frame.itertuples():
        assert text[row.start : row.end] == row.statement
    # attitudes: 0.20 below and 0.21 above, explained by rounding (0.365 - 0.155
    # = 0.21 = 0.565 - 0.355), so it must not be flagged
    assert frame.problems[3] == ""


# --- consistent statements from known analyses ----------------------------------


def _journal_p(p: float) -> str:
    return "P < 0.001" if p < 0.001 else f"P = {p:.3f}"


RATIO = dict.fromkeys(
    ["bcg_rr", "bcg_rr_k2", "bcg_rr_k3", "cannon_rr", "cannon_rr_k2"], "RR"
)
RATIO |= dict.fromkeys(["bcg_or", "hackshaw_or", "yusuf6_or"], "OR")
DIFFERENCE = {"normand_smd": "SMD", "normand_md": "MD", "raudenbush_smd": "SMD"}
METAFOR_Z = [
    case
    for case in golden_cases("rma")
    if 'test="z"' in case["call"]
    and (m := re.search(r"data=(\w+),", case["call"]))
    and m.group(1) in RATIO | DIFFERENCE
]


def test_metafor_z_results_printed_at_2_decimals_are_all_consistent() -> None:
    """Every R metafor z-test result (3 levels, 11 data sets) passes the audit."""
    texts, pvals = [], []
    for case in METAFOR_Z:
        data = re.search(r"data=(\w+),", case["call"]).group(1)  # type: ignore[union-attr]
        level = int(re.search(r"level=(\d+)", case["call"]).group(1))  # type: ignore[union-attr]
        e = case["expected"]
        values = [e["beta"], e["ci_lb"], e["ci_ub"]]
        if data in RATIO:
            values = [math.exp(v) for v in values]
        est, lb, ub = (f"{v:.2f}" for v in values)
        name = RATIO.get(data) or DIFFERENCE[data]
        texts.append(
            f"{name} {est} ({level}% CI {lb} to {ub}), {_journal_p(e['pval'])}"
        )
        pvals.append(e["pval"])
    assert len(texts) > 150
    frame = audit_text(". ".join(texts))
    assert len(frame) == len(texts)
    assert frame.consistent.all(), frame.loc[
        ~frame.consistent, ["statement", "problems"]
    ]
    for (lo, hi), p in zip(frame.p_implied_range, pvals, strict=True):
        # metafor's own P lies within what the rounded numbers allow
        assert lo <= p <= hi


@settings(max_examples=400, deadline=None)
@given(
    beta=st.floats(-3, 3),
    se=st.floats(0.005, 1.5),
    level=st.sampled_from([0.90, 0.95, 0.99]),
    ratio=st.booleans(),
    decimals=st.integers(1, 3),
    p_decimals=st.booleans(),
)
def test_any_correct_result_printed_with_rounding_passes(
    beta: float,
    se: float,
    level: float,
    ratio: bool,
    decimals: int,
    p_decimals: bool,
) -> None:
    """Soundness: a Wald result, correctly rounded, is never flagged."""
    z = stats.norm.isf((1 - level) / 2)
    p = 2 * stats.norm.sf(abs(beta) / se)
    values = [beta, beta - z * se, beta + z * se]
    if ratio:
        values = [math.exp(v) for v in values]
    est, lb, ub = (f"{v:.{decimals}f}" for v in values)
    assume(not ratio or float(est) > 0)  # a ratio printed as 0.0 is flagged
    if p < 0.001:
        p_text = "P < 0.001"
    else:
        p_text = f"P = {p:.3f}" if p_decimals else f"P = {p:.2g}"
    name = "OR" if ratio else "SMD"
    row = one(f"{name} {est} ({100 * level:g}% CI {lb} to {ub}), {p_text}")
    assert row["consistent"], row["problems"]
    lo, hi = row["p_implied_range"]
    assert lo * (1 - 1e-9) <= p <= hi * (1 + 1e-9)


def test_metafor_bcg_reml_as_published() -> None:
    # metafor: rma(yi, vi, data=dat) on the BCG risk ratios, REML: estimate
    # -0.7145 (RR 0.49), CI -1.0669 to -0.3622 (0.34 to 0.70), pval 7.05e-05
    row = one("RR 0.49 (95% CI 0.34 to 0.70), p < 0.001")
    assert row["consistent"]
    lo, hi = row["p_implied_range"]
    assert lo <= 7.05e-05 <= hi
    # SE on the log scale: (ln 0.70 - ln 0.34) / 3.92 = 0.7221 / 3.92 = 0.1842
    # (metafor's SE 0.1798 from unrounded limits)
    assert_allclose(row["se_implied"], 0.1842, rtol=HAND)


@pytest.mark.parametrize(
    ("p", "consistent"),
    [
        ("P = 7 × 10−5", True),  # metafor: 7.05e-05
        ("P = 0.0001", True),  # 7.05e-05 rounds to 0.0001
        ("P < .0001", True),
        ("P = 4 × 10−5", False),  # 4e-05 needs a CI at least 0.005 narrower
        ("P = 0.001", False),
        ("P > .05", False),
    ],
)
def test_bcg_reml_with_p_in_every_notation(p: str, consistent: bool) -> None:
    row = one(f"RR 0.49 (95% CI 0.34 to 0.70), {p}")
    assert row["p_reported"] == p
    assert row["consistent"] is consistent, row["problems"]


@pytest.mark.parametrize(
    "text",
    [
        # Altman & Bland (2011) BMJ 343:d2090, worked example (a): 49% v 32%
        # recovered, P = 0.032 -> difference 17 points, 95% CI 1.4 to 32.6
        "RD 17 (95% CI 1.4 to 32.6), P = 0.032",
        # their example (b): relative risk 0.30, P = 0.034 -> z = 2.117,
        # SE = |ln 0.30| / 2.117 = 0.569, CI exp(-1.204 -/+ 1.115) = 0.10 to 0.91
        "RR 0.30 (95% CI 0.10 to 0.91), P = 0.034",
        # HR 0.80 (0.70-0.91): SE = (ln 0.91 - ln 0.70) / 3.92 = 0.06693,
        # z = 0.2231 / 0.06693 = 3.334, P = 0.00086
        "HR 0.80 (95% CI 0.70 to 0.91), P < 0.001",
        # 99% CI: SE = (ln 0.97 - ln 0.66) / (2 x 2.5758) = 0.07474,
        # z = 0.2231 / 0.07474 = 2.985, P = 0.0028
        "HR 0.80 (99% CI 0.66 to 0.97), P = 0.003",
        # 90% CI: SE = 0.50 / (2 x 1.6449) = 0.1520, z = 1.974, P = 0.048
        "d = 0.30, 90% CI 0.05 to 0.55, p = .05",
        # MD: SE = 3.68 / 3.92 = 0.9388, z = 4.729, P = 2.3e-6
        "MD −4.44 (95% CI −6.28 to −2.60), P < 0.0001",
        # RD from metafor REML on the BCG risk differences: -0.0252
        # (-0.0464 to -0.0040), pval 0.0201
        "RD −0.025 (95% CI −0.046 to −0.004), P = .02",
    ],
)
def test_consistent_statements_pass(text: str) -> None:
    row = one(text)
    assert row["consistent"], row["problems"]
    assert row["problems"] == ""


# --- rounding edge cases that must not be flagged -------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # SE = 0.78 / 3.92 = 0.19898, z = 2.010, P = 0.0444, printed P = .04
        "SMD 0.40 (0.01 to 0.79), P = .04",
        # a limit at the null: ln 0.70 - ln 0.49 = 0.3567 = ln 1.00 - ln 0.70,
        # z = 1.96 exactly, P = 0.05; the upper limit could be 0.995 (P < .05)
        "RR 0.70 (0.49 to 1.00), P = .05",
        "RR 0.70 (0.49 to 1.00), P < .05",
        # 0.20 below, 0.21 above: 0.365 - 0.155 = 0.565 - 0.355
        "MD 0.36 (0.16 to 0.57)",
        # log scale 0.0102 below, 0.0000 above; could be 0.985 (0.98-0.995)
        "RR 0.99 (0.98 to 0.99)",
        # the null estimate, symmetric on the log scale: P = 1
        "OR 1.00 (0.50 to 2.00), P = 1.00",
        # one decimal: 1.2 could be 1.15 to 1.25
        "OR 1.2 (0.9 to 1.5), P = .20",
    ],
)
def test_rounding_edge_cases_are_not_flagged(text: str) -> None:
    row = one(text)
    assert row["consistent"], row["problems"]


# --- subtly inconsistent statements ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        # wrong P: SE = 0.50 / 3.92 = 0.1276, z = 2.352, P = 0.0187 (not .025-.035)
        ("SMD 0.30 (95% CI 0.05 to 0.55), P = 0.03",
         "P = 0.03 is reported, but the SMD and its CI imply P ≈ 0.019"),
        # HR as above: P = 0.00086, not 0.01
        ("HR 0.80 (95% CI 0.70 to 0.91), P = 0.01",
         "P = 0.01 is reported, but the HR and its CI imply P ≈ 0.00086"),
        # "< .001" for P = 0.0033: SE = 1.60 / 3.92 = 0.4082, z = 2.940
        ("MD 1.20 (0.40 to 2.00), P < .001", "imply P ≈ 0.0033"),
        # "> .05" for P = 0.0045: SE = ln(2.70 / 1.20) / 3.92 = 0.2069, z = 2.841
        ("OR 1.80 (1.20 to 2.70), P > .05",
         "the 95% CI excludes 1 (no difference), which means P < 0.05"),
        # CI excludes 1 but P = 0.08: SE = ln(0.94 / 0.60) / 3.92 = 0.1145,
        # z = 0.2877 / 0.1145 = 2.512, P = 0.012
        ("RR 0.75 (0.60 to 0.94), P = 0.08", "the 95% CI excludes 1"),
        # CI includes 0 but P = .01: SE = 0.1276, z = 0.20 / 0.1276 = 1.568, P = 0.117
        ("SMD 0.20 (−0.05 to 0.45), P = .01",
         "the 95% CI includes 0 (no difference), which means P > 0.05"),
        # the 90% CI: P = 0.048 (see above), not .025-.035
        ("d = 0.30, 90% CI 0.05 to 0.55, p = .03", "imply P ≈ 0.048"),
        # asymmetric: 1.50 below, 1.00 above
        ("MD 2.50 (95% CI 1.00 to 3.50)",
         "not symmetric around the MD (1.50 below, 1.00 above)"),
        # CI on the wrong scale: 0.50 either side of 1.50 on the ratio scale, but
        # ln 1.5 - ln 1.0 = 0.41 and ln 2.0 - ln 1.5 = 0.29 on the log scale
        ("OR 1.50 (95% CI 1.00 to 2.00)", "symmetric on the OR scale itself"),
        ("RR 0.60 (0.30 to 0.90)", "(0.69 below, 0.41 above)"),
        # swapped limits
        ("MD −4.44 (−2.60 to −6.28)",
         "lower limit of the CI (−2.60) is larger than the upper limit (−6.28)"),
        # estimate outside its CI
        ("HR 0.95 (0.70-0.91)", "The HR (0.95) lies outside its own CI"),
        ("SMD 0.10 (0.20 to 0.60)", "lies outside its own CI (0.20 to 0.60)"),
        # a ratio's limit below 0: the CI was computed on the ratio scale
        ("OR 1.20 (−0.30 to 2.70)", "cannot be zero or negative"),
        ("RR 0.00 (0.00 to 0.50)", "the estimate is 0.00"),
        # Lancet decimal point: P = 0.00086, printed 0·01
        ("HR 0·80 (0·70–0·91), p=0·01", "p=0·01 is reported"),
    ],
)  # fmt: skip
def test_subtly_inconsistent_statements_are_flagged(text: str, phrase: str) -> None:
    row = one(text)
    assert not row["consistent"]
    assert phrase in row["problems"], row["problems"]
    assert row["problems"].endswith(".")


def test_each_problem_is_one_sentence_joined_by_semicolons() -> None:
    row = one("OR 1.50 (95% CI 1.00 to 2.00), P = .01")
    parts = row["problems"].split("; ")
    assert len(parts) == 2
    assert parts[0].startswith("The CI is not symmetric")
    assert parts[1].startswith("P = .01 is reported")


# --- files and the command line -------------------------------------------------

REPORT = (
    "Help-seeking improved (pooled OR 1.67, 95% CI 1.05–2.94, P = .05). "
    "The BCG vaccine reduced tuberculosis (RR 0.49 [0.34; 0.70], p < 0.001)."
)


def test_audit_file_strips_html(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text(
        "<html><style>p {color: red}</style><body><p>pooled OR 1.67 "
        "(95%&nbsp;CI 1.05&ndash;2.94, <i>P</i> = .05)</p></body></html>",
        encoding="utf-8",
    )
    row = audit_file(path).iloc[0]
    assert row.statement == "OR 1.67 (95%\xa0CI 1.05–2.94, P = .05)"
    assert not row.consistent


def test_audit_file_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        audit_file(tmp_path / "missing.md")


def test_cli_audit_a_file(tmp_path: Path) -> None:
    path = tmp_path / "report.md"
    path.write_text(REPORT, encoding="utf-8")
    result = runner.invoke(app, ["audit", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 effect statement(s) found, 1 with problems." in result.output
    assert "consistent" in result.output


def test_cli_audit_stdin_as_json() -> None:
    result = runner.invoke(app, ["audit", "-", "--json"], input=REPORT)
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    assert [r["measure"] for r in records] == ["OR", "RR"]
    assert [r["consistent"] for r in records] == [False, True]
    assert records[0]["p_reported"] == "P = .05"
    lo, hi = records[0]["p_implied_range"]
    assert lo < records[0]["p_implied"] < hi


def test_cli_audit_stdin_html_and_no_statements() -> None:
    result = runner.invoke(app, ["audit", "-"], input="<p>No data.</p>")
    assert result.exit_code == 0, result.output
    assert "0 effect statement(s) found" in result.output


def test_cli_audit_missing_file_exits_1(tmp_path: Path) -> None:
    result = runner.invoke(app, ["audit", str(tmp_path / "nope.md")])
    assert result.exit_code == 1
    assert "no such file" in result.output


def test_frame_types() -> None:
    frame = audit_text(REPORT)
    assert isinstance(frame, pd.DataFrame)
    assert frame.dtypes["start"] == "int64"
    assert frame.dtypes["consistent"] == "bool"
