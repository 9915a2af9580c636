"""Data extraction: templates, dual extraction and consensus, analysis-ready arm data.

Numbers are checked against hand computations written out here: Wan et al. (2014)
and Luo et al. (2018) for a median with IQR, the Cochrane Handbook for SE/CI to
SD (6.5.2.2), combined groups (Table 6.5.a), a split control (23.3.4) and the
design effect (23.1.4, its worked example: 295 participants, 63 events, M = 11,
ICC = 0.02), and the odds ratio and inverse-variance pooling by hand.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose
from openpyxl import load_workbook
from scipy import special, stats
from typer.testing import CliRunner

import metareview as mr
from metareview._validate import InputError
from metareview.cli import app
from metareview.review import extraction as ex
from metareview.review import screening as sc
from metareview.review.project import init_project, protocol_template
from metareview.review.protocol import Extraction, Protocol, load_protocol
from metareview.review.store import Store, open_store

A, B, C = "Reviewer A", "Reviewer B", "Reviewer C"
EXACT = 1e-12  # closed-form arithmetic on both sides
Z975 = 1.959963984540054  # qnorm(0.975)
OUTCOME_HEADER = [
    "record_id",
    "study",
    "outcome",
    "timepoint",
    "arm",
    "n",
    "events",
    "mean",
    "sd",
    "se",
    "ci_lb",
    "ci_ub",
    "ci_level",
    "median",
    "q1",
    "q3",
    "min",
    "max",
    "change_mean",
    "change_sd",
    "t",
    "F",
    "p",
    "effect",
    "effect_ci_lb",
    "effect_ci_ub",
    "effect_measure",
    "clusters",
    "mean_cluster_size",
    "icc",
    "source",
    "note",
]
PEOPLE = [
    ("Smith, John; Doe, A", 2020),
    ("Smith, Jane", 2020),
    ("Lee, K", 2019),
    ("Ng, P", 2021),
]
BEHAVIOUR = ("behaviour", "end of follow-up")
INTENTION = ("intention", "post-intervention")


@pytest.fixture
def review(tmp_path: Path) -> Iterator[tuple[Store, Protocol]]:
    (tmp_path / "review.toml").write_text(protocol_template(), encoding="utf-8")
    with open_store(tmp_path) as store:
        add_records(store)
        yield store, load_protocol(tmp_path)


def add_records(store: Store) -> None:
    records = [
        {"title": f"Trial {i}", "authors": a, "year": y}
        for i, (a, y) in enumerate(PEOPLE)
    ]
    store.add_batch(
        path="x.ris",
        sha256="0" * 64,
        database="PubMed",
        format="ris",
        encoding="utf-8",
        records=records,
    )


def with_extraction(p: Protocol, **kw: Any) -> Protocol:
    return p.model_copy(update={"extraction": Extraction(**kw)})


IDS = [1, 2, 3, 4]


def row(rid: int, outcome: tuple[str, str], arm: str, **values: Any) -> dict[str, Any]:
    return {
        "record_id": rid,
        "outcome": outcome[0],
        "timepoint": outcome[1],
        "arm": arm,
        **values,
    }


def write_outcomes(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, OUTCOME_HEADER, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def enter(
    review: tuple[Store, Protocol],
    tmp_path: Path,
    rows: list[dict[str, Any]],
    who: str = A,
    protocol: Protocol | None = None,
) -> ex.ExtractionImport:
    store, p = review
    path = write_outcomes(tmp_path / f"{who}-{len(rows)}.csv", rows)
    return ex.import_extraction(store, protocol or p, path, who, records=IDS)


def count_values(store: Store) -> int:
    return int(
        store.conn.execute("SELECT count(*) FROM extraction_values").fetchone()[0]
    )


# --- templates ---------------------------------------------------------------


def test_studies_are_labelled_first_author_year_with_letters(review):
    store, p = review
    table = ex.studies(store, p, IDS)
    assert table["study"].tolist() == [
        "Smith 2020a",
        "Smith 2020b",
        "Lee 2019",
        "Ng 2021",
    ]


def test_studies_default_to_the_records_included_at_full_text(review):
    store, p = review
    for who in (A, B):
        for rid in (1, 2):
            sc.record_decision(store, p, rid, who, "ta", "include")
    for who in (A, B):
        sc.record_decision(store, p, 1, who, "ft", "include")
        sc.record_decision(store, p, 2, who, "ft", "exclude", reason="Wrong population")
    assert ex.studies(store, p)["record_id"].tolist() == [1]


def test_xlsx_template_round_trip(review, tmp_path):
    store, p = review
    path = tmp_path / "extraction.xlsx"
    assert ex.write_template(store, p, path, records=[3, 4]) == [path]
    wb = load_workbook(path)
    assert wb.sheetnames == ["characteristics", "outcomes", "instructions", "lists"]
    assert wb["lists"].sheet_state == "hidden"
    chars, outs = wb["characteristics"], wb["outcomes"]
    head = [c.value for c in chars[1]]
    assert head[:2] == ["record_id", "study"]
    assert head[2:] == [c.id for c in p.extraction.characteristics]
    assert [c.value for c in outs[1]] == OUTCOME_HEADER
    # every column is explained, with its unit and allowed values
    explained = {
        (r[0], r[1]) for r in wb["instructions"].iter_rows(min_row=2, values_only=True)
    }
    assert {("outcomes", c) for c in OUTCOME_HEADER} <= explained
    assert {("characteristics", c) for c in head} <= explained
    # drop-down lists on the choice columns
    design = head.index("design") + 1
    letter = chars.cell(row=1, column=design).column_letter
    lists = [dv for dv in chars.data_validations.dataValidation if dv.type == "list"]
    assert any(str(dv.sqref).startswith(f"{letter}2") for dv in lists)
    # one row per study x outcome x time point x arm (control + intervention)
    n_rows = sum(2 * len(o.timepoints) for o in p.outcomes)
    assert outs.max_row - 1 == 2 * n_rows
    first = [c.value for c in outs[2]]
    assert first[:5] == [3, "Lee 2019", "behaviour", "end of follow-up", "control"]
    # fill: a characteristic and the behaviour outcome of Lee 2019
    chars.cell(row=2, column=design, value="parallel")
    chars.cell(row=2, column=head.index("n_randomised") + 1, value=98)
    col = {name: j for j, name in enumerate(OUTCOME_HEADER, start=1)}
    outs.cell(row=2, column=col["n"], value=50)
    outs.cell(row=2, column=col["events"], value=10)
    outs.cell(row=2, column=col["source"], value="Table 2")
    outs.cell(row=3, column=col["arm"], value="information")
    outs.cell(row=3, column=col["n"], value=48)
    outs.cell(row=3, column=col["events"], value=20.0)
    wb.save(path)
    done = ex.import_extraction(store, p, path, A, records=[3, 4])
    assert (done.studies, done.rows, done.values) == (1, 3, 7)
    got = ex.consensus_values(store)
    assert set(got["status"]) == {"single"}
    values = {(r.arm, r.field): r.value for r in got.itertuples()}
    assert values == {
        ("", "design"): "parallel",
        ("", "n_randomised"): "98",
        ("control", "n"): "50",
        ("control", "events"): "10",
        ("control", "source"): "Table 2",
        ("information", "n"): "48",
        ("information", "events"): "20",
    }
    # importing the same file again writes nothing new
    assert ex.import_extraction(store, p, path, A, records=[3, 4]).values == 0


def test_csv_template_is_two_files_and_imports_from_its_stem(review, tmp_path):
    store, p = review
    stem = tmp_path / "extract.csv"
    paths = ex.write_template(store, p, stem, records=[1])
    assert [q.name for q in paths] == [
        "extract_characteristics.csv",
        "extract_outcomes.csv",
    ]
    with paths[1].open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == OUTCOME_HEADER
    assert {r["arm"] for r in rows} == {"control", ""}
    rows[0].update(n="30", events="3")
    with paths[1].open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, OUTCOME_HEADER)
        writer.writeheader()
        writer.writerows(rows)
    done = ex.import_extraction(store, p, stem, B, records=[1])
    assert done.values == 2
    assert sorted(ex.consensus_values(store)["value"]) == ["3", "30"]


# --- all-or-nothing import ------------------------------------------------------

GOOD = [
    row(1, INTENTION, "control", n=20, mean=5, sd=2),
    row(1, INTENTION, "mcii", n=20, mean=6, sd=2),
]


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ({"sd": -1}, "sd", "must be >= 0"),
        ({"events": 25}, "events", "must not exceed n"),
        ({"median": 10, "q1": 12, "q3": 14}, "q1", "must not exceed median"),
        ({"p": 1.5}, "p", "between 0 and 1"),
        ({"p": "<0.001"}, "p", "an inequality"),
        ({"n": "twenty"}, "n", "must be a number"),
        ({"n": 20.5}, "n", "whole number"),
        ({"ci_level": 95}, "ci_level", "write 0.95"),
        ({"outcome": "mood"}, "outcome", "must be one of"),
        ({"timepoint": "1 year"}, "timepoint", "must be a time point of intention"),
        ({"arm": "placebo"}, "arm", "must be 'control' or an intervention"),
        ({"record_id": 99}, "record_id", "not an included study"),
        ({"t": 2.1}, "t", "enter it on the intervention arm's row"),
        ({"effect": 1.5}, "effect_measure", "is needed with effect"),
    ],
)
def test_a_bad_row_names_file_sheet_row_and_column_and_nothing_is_written(
    review, tmp_path, cells, column, message
):
    store, _ = review
    bad = row(2, INTENTION, "control", n=20, mean=5, sd=2) | cells
    with pytest.raises(InputError) as err:
        enter(review, tmp_path, [*GOOD, bad])
    text = str(err.value)
    assert f"sheet outcomes, row 4, column {column}: " in text
    assert message in text
    assert "nothing was written" in text
    assert count_values(store) == 0


def test_every_problem_is_listed_and_unknown_columns_are_refused(review, tmp_path):
    store, p = review
    path = tmp_path / "x_outcomes.csv"
    path.write_text(
        "record_id,outcome,timepoint,arm,n,sdd\n"
        "1,intention,post-intervention,control,-3,2\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"2 problems") as err:
        ex.import_extraction(store, p, path, A, records=IDS)
    assert "column sdd: unknown column" in str(err.value)
    assert "row 2, column n: must be >= 1" in str(err.value)
    with pytest.raises(InputError, match="reviewer must be one of"):
        ex.import_extraction(store, p, path, "consensus", records=IDS)


# --- dual extraction and consensus ------------------------------------------------


def test_dual_extraction_disagreements_and_consensus(review, tmp_path):
    store, p = review
    enter(
        review,
        tmp_path,
        [
            row(
                1,
                INTENTION,
                "control",
                n=20,
                mean="1.5",
                sd=2,
                note="baseline imbalance",
            ),
            row(1, INTENTION, "mcii", n=20, mean=3, sd=2),
        ],
        A,
    )
    enter(
        review,
        tmp_path,
        [
            row(1, INTENTION, "control", n=20, mean="1.50", sd=2.5, note="see table 3"),
            row(1, INTENTION, "mcii", n=20, mean="3.0", sd="2.00"),
        ],
        B,
    )
    diff = ex.compare_extraction(store)
    assert len(diff) == 1  # 1.50 == 1.5, 3.0 == 3, notes are not compared
    d = diff.iloc[0]
    assert (d["study"], d["arm"], d["field"], d[A], d[B]) == (
        "Smith 2020a",
        "control",
        "sd",
        "2",
        "2.5",
    )
    assert not d["resolved"]
    with pytest.raises(InputError, match=r"disagreement\(s\) without consensus.*sd"):
        ex.arm_data(store, p, *INTENTION)
    ex.record_consensus(
        store, 1, "intention", "control", "post-intervention", "sd", "2.5", C
    )
    diff = ex.compare_extraction(store)
    assert diff["resolved"].tolist() == [True]
    assert (diff.iloc[0]["consensus"], diff.iloc[0]["decided_by"]) == ("2.5", C)
    got = ex.consensus_values(store).set_index(["arm", "field"])
    assert got.loc[("control", "sd"), ["value", "status", "decided_by"]].tolist() == [
        "2.5",
        "consensus",
        C,
    ]
    assert got.loc[("control", "mean"), "status"] == "agreed"
    assert got.loc[("control", "note"), ["value", "status"]].tolist() == [
        "baseline imbalance | see table 3",
        "merged",
    ]
    data = ex.arm_data(store, p, *INTENTION)
    assert data[["sd1i", "sd2i"]].iloc[0].tolist() == [2.0, 2.5]
    assert not data["converted"].iloc[0]


def test_a_value_one_reviewer_left_blank_is_a_disagreement(review, tmp_path):
    store, _ = review
    enter(review, tmp_path, [row(1, BEHAVIOUR, "control", n=20, events=4)], A)
    enter(review, tmp_path, [row(1, BEHAVIOUR, "control", n=20)], B)
    diff = ex.compare_extraction(store)
    assert diff[["field", A, B]].values.tolist() == [["events", "4", None]]


def test_consensus_is_checked(review):
    store, _ = review
    with pytest.raises(InputError, match="by must name"):
        ex.record_consensus(
            store, 1, "intention", "control", "post-intervention", "sd", 2, " "
        )
    with pytest.raises(InputError, match="value of sd: must be a number"):
        ex.record_consensus(
            store, 1, "intention", "control", "post-intervention", "sd", "two", C
        )
    with pytest.raises(InputError, match="record_id 77"):
        ex.record_consensus(store, 77, "", "", "", "country", "Chile", C)


# --- conversions -------------------------------------------------------------------


def test_median_and_iqr_are_converted_with_wan_2014(review, tmp_path):
    store, p = review
    enter(
        review,
        tmp_path,
        [
            row(1, INTENTION, "mcii", n=40, median=10, q1=6, q3=13, source="Table 2"),
            row(1, INTENTION, "control", n=40, mean=8, sd=3),
        ],
    )
    data = ex.arm_data(store, p, *INTENTION)
    # Wan et al. (2014) scenario C3, eq. 16: SD = (q3 - q1) / eta(n) with
    # eta(n) = 2 Phi^-1((0.75 n - 0.125) / (n + 0.25)); n = 40 is not 4Q + 1, so
    # the approximation is used (their Table 2 is for n = 4Q + 1).
    n, q1, m, q3 = 40, 6.0, 10.0, 13.0
    eta = 2 * stats.norm.ppf((0.75 * n - 0.125) / (n + 0.25))
    sd = (q3 - q1) / eta
    # Luo et al. (2018) C3 mean: w (q1 + q3)/2 + (1 - w) m, w = 0.7 + 0.39/n
    w = 0.7 + 0.39 / n
    mean = w * (q1 + q3) / 2 + (1 - w) * m
    assert_allclose(data[["m1i", "sd1i", "n1i"]].iloc[0], [mean, sd, n], rtol=EXACT)
    assert_allclose(mean, 9.645125, rtol=EXACT)
    assert data["converted"].iloc[0]
    text = data["conversion"].iloc[0]
    assert "mcii: mean and SD from the median (C3)" in text
    assert "Wan et al. (2014)" in text
    assert "Luo et al. (2018)" in text


def test_se_and_ci_give_the_sd(review, tmp_path):
    store, p = review
    t24 = 2.0638985616280205  # qt(0.975, 24)
    enter(
        review,
        tmp_path,
        [
            row(1, INTENTION, "mcii", n=25, mean=12, se=0.8),
            row(1, INTENTION, "control", n=25, mean=10, ci_lb=10 - t24, ci_ub=10 + t24),
        ],
    )
    data = ex.arm_data(store, p, *INTENTION).iloc[0]
    # Handbook 6.5.2.2: SD = SE sqrt(n) = 0.8 * 5; SD = sqrt(n) (U - L) / (2 t)
    assert_allclose([data["sd1i"], data["sd2i"]], [4.0, 5.0], rtol=1e-9)
    assert "SD from SE" in data["conversion"]
    assert "SD from CI" in data["conversion"]


def test_means_with_a_t_statistic_give_the_common_sd(review, tmp_path):
    store, p = review
    # Handbook 6.5.2.3: SE(MD) = MD / t; SD = SE / sqrt(1/n1 + 1/n2)
    enter(
        review,
        tmp_path,
        [
            row(1, INTENTION, "mcii", n=25, mean=13.8, t=2.78),
            row(1, INTENTION, "control", n=22, mean=10),
        ],
    )
    data = ex.arm_data(store, p, *INTENTION).iloc[0]
    sd = 3.8 / 2.78 / math.sqrt(1 / 25 + 1 / 22)
    assert_allclose([data["sd1i"], data["sd2i"]], [sd, sd], rtol=EXACT)


def test_three_arm_trial_is_combined_by_handbook_table_6_5_a(review, tmp_path):
    store, p = review
    enter(
        review,
        tmp_path,
        [
            row(2, INTENTION, "mcii", n=10, mean=5, sd=2),
            row(2, INTENTION, "mcii:booster", n=12, mean=6, sd=2.5),
            row(2, INTENTION, "control", n=20, mean=4, sd=2.2),
        ],
    )
    data = ex.arm_data(store, p, *INTENTION)
    assert len(data) == 1
    n1, m1, s1, n2, m2, s2 = 10, 5.0, 2.0, 12, 6.0, 2.5
    n = n1 + n2
    mean = (n1 * m1 + n2 * m2) / n  # 122 / 22
    sd = math.sqrt(
        ((n1 - 1) * s1**2 + (n2 - 1) * s2**2 + n1 * n2 / n * (m1 - m2) ** 2) / (n - 1)
    )
    got = data.iloc[0]
    assert_allclose([got["n1i"], got["m1i"], got["sd1i"]], [22, mean, sd], rtol=EXACT)
    assert_allclose(sd, 2.290814, rtol=1e-6)
    assert [got["n2i"], got["m2i"], got["sd2i"]] == [20, 4, 2.2]
    assert (got["intervention"], got["multi_arm"]) == ("mcii", "combined (2 arms)")
    assert "Table 6.5.a" in got["conversion"]


def test_three_arm_trial_split_shares_the_control_group(review, tmp_path):
    store, p = review
    split = with_extraction(p, multi_arm="split")
    enter(
        review,
        tmp_path,
        [
            row(2, BEHAVIOUR, "information", n=30, events=12),
            row(2, BEHAVIOUR, "mcii", n=31, events=15),
            row(2, BEHAVIOUR, "control", n=30, events=9),
        ],
        protocol=split,
    )
    data = ex.arm_data(store, split, *BEHAVIOUR)
    assert data["study"].tolist() == ["Smith 2020b (information)", "Smith 2020b (mcii)"]
    assert data["intervention"].tolist() == ["information", "mcii"]
    assert data[["ai", "n1i", "ci", "n2i"]].values.tolist() == [
        [12, 30, 4.5, 15],
        [15, 31, 4.5, 15],
    ]
    assert set(data["multi_arm"]) == {"split (control / 2)"}
    assert all("23.3.4" in c for c in data["conversion"])
    combined = ex.arm_data(store, p, *BEHAVIOUR).iloc[0]
    assert [combined["ai"], combined["n1i"]] == [27, 61]
    assert combined["intervention"] == "information+mcii"


def test_cluster_trial_is_reduced_by_the_design_effect(review, tmp_path):
    store, p = review
    rows = [
        row(3, BEHAVIOUR, "feedback", n=295, events=63, mean_cluster_size=11, icc=0.02),
        row(3, BEHAVIOUR, "control", n=300, events=40, clusters=25),
    ]
    enter(review, tmp_path, rows)
    got = ex.arm_data(store, p, *BEHAVIOUR).iloc[0]
    # Handbook 23.1.4: DE = 1 + (M - 1) ICC = 1.2; 295 / 1.2, 63 / 1.2
    assert_allclose([got["n1i"], got["ai"]], [295 / 1.2, 52.5], rtol=EXACT)
    # control: M = 300 / 25 = 12, the trial's ICC 0.02: DE = 1.22
    de_c = 1 + (300 / 25 - 1) * 0.02
    assert_allclose([got["n2i"], got["ci"]], [300 / de_c, 40 / de_c], rtol=EXACT)
    assert got["design"] == "cluster"
    assert "feedback: n and events / design effect 1.2 " in got["conversion"]
    assert "control: n and events / design effect 1.22 " in got["conversion"]
    assert "(ICC reported for the trial)" in got["conversion"]


def test_cluster_design_without_an_icc_takes_the_protocol_s(review, tmp_path):
    store, p = review
    chars = tmp_path / "chars.csv"
    chars.write_text("record_id,study,design\n4,Ng 2021,Cluster\n", encoding="utf-8")
    ex.import_extraction(store, p, chars, A, records=IDS)
    rows = [
        row(4, INTENTION, "mcii", n=40, mean=6, sd=2, mean_cluster_size=8),
        row(4, INTENTION, "control", n=40, mean=5, sd=2, mean_cluster_size=8),
    ]
    enter(review, tmp_path, rows)
    assert ex.consensus_values(store)["value"].iloc[0] == "cluster"  # the choice
    with pytest.raises(InputError, match=r"'Ng 2021'.*icc \(or \[extraction\]\.icc\)"):
        ex.arm_data(store, p, *INTENTION)
    icc = with_extraction(p, icc=0.05)
    got = ex.arm_data(store, icc, *INTENTION).iloc[0]
    de = 1 + (8 - 1) * 0.05
    assert_allclose([got["n1i"], got["n2i"]], [40 / de, 40 / de], rtol=EXACT)
    assert [got["m1i"], got["sd1i"]] == [6, 2]
    assert "(ICC from the protocol)" in got["conversion"]


def test_reported_odds_ratio_with_ci_gives_yi_and_vi(review, tmp_path):
    store, p = review
    enter(
        review,
        tmp_path,
        [
            row(
                4,
                BEHAVIOUR,
                "telephone_care",
                n=60,
                effect=2.0,
                effect_ci_lb=1.2,
                effect_ci_ub=3.3333,
                effect_measure="OR",
            ),
            row(4, BEHAVIOUR, "control", n=58),
        ],
    )
    got = ex.arm_data(store, p, *BEHAVIOUR).iloc[0]
    se = (math.log(3.3333) - math.log(1.2)) / (2 * Z975)
    assert_allclose([got["yi"], got["vi"]], [math.log(2.0), se**2], rtol=1e-12)
    assert np.isnan(got["ai"])
    assert got["converted"]
    assert "yi, vi from the reported OR" in got["conversion"]


def test_t_statistic_gives_hedges_g(review, tmp_path):
    store, p = review
    enter(
        review,
        tmp_path,
        [row(4, INTENTION, "mcii", n=20, t=2.0), row(4, INTENTION, "control", n=20)],
    )
    got = ex.arm_data(store, p, *INTENTION).iloc[0]
    # d = t sqrt(1/n1 + 1/n2); g = J d with the exact J of Hedges (1981),
    # J = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2)), m = n1 + n2 - 2; escalc's
    # large-sample variance 1/n1 + 1/n2 + g^2 / (2 (n1 + n2)).
    d = 2.0 * math.sqrt(1 / 20 + 1 / 20)
    m = 38
    j = math.exp(special.gammaln(m / 2) - special.gammaln((m - 1) / 2)) / math.sqrt(
        m / 2
    )
    g = j * d
    assert_allclose([got["yi"], got["vi"]], [g, 0.1 + g**2 / 80], rtol=1e-10)


def test_an_outcome_that_cannot_be_derived_names_study_and_arm(review, tmp_path):
    store, p = review
    enter(
        review,
        tmp_path,
        [
            row(3, INTENTION, "mcii", n=20, mean=4),
            row(3, INTENTION, "control", n=20, mean=3, sd=1),
        ],
    )
    with pytest.raises(
        InputError, match=r"study 'Lee 2019', outcome 'intention'.*'mcii'"
    ):
        ex.arm_data(store, p, *INTENTION)
    enter(review, tmp_path, [row(4, BEHAVIOUR, "mcii", n=20, events=4)], B)
    with pytest.raises(InputError, match=r"'Ng 2021'.*needs a 'control' arm"):
        ex.arm_data(store, p, *BEHAVIOUR)


# --- into escalc and rma --------------------------------------------------------------

TABLES = [(1, 12, 50, 6, 48), (2, 20, 100, 15, 102), (3, 8, 40, 4, 41)]


def test_arm_data_feeds_escalc_and_rma(review, tmp_path):
    store, p = review
    rows = []
    for rid, a, n1, c, n2 in TABLES:
        rows += [
            row(rid, BEHAVIOUR, "information", n=n1, events=a),
            row(rid, BEHAVIOUR, "control", n=n2, events=c),
        ]
    rows.append(
        row(
            4,
            BEHAVIOUR,
            "mcii",
            effect=2.0,
            effect_ci_lb=1.2,
            effect_ci_ub=3.3333,
            effect_measure="OR",
        )
    )
    rows.append(row(4, BEHAVIOUR, "control", n=40))
    enter(review, tmp_path, rows)
    data = ex.arm_data(store, p, *BEHAVIOUR)
    assert data["measure"].tolist() == ["OR"] * 4
    arm = data[data["yi"].isna()]
    es = mr.escalc("OR", ai="ai", n1i="n1i", ci="ci", n2i="n2i", data=arm, slab="study")
    # by hand: log OR = log(a d / (b c)), v = 1/a + 1/b + 1/c + 1/d
    yi = [math.log(a * (n2 - c) / ((n1 - a) * c)) for _, a, n1, c, n2 in TABLES]
    vi = [1 / a + 1 / (n1 - a) + 1 / c + 1 / (n2 - c) for _, a, n1, c, n2 in TABLES]
    assert_allclose(es["yi"], yi, rtol=EXACT)
    assert_allclose(es["vi"], vi, rtol=EXACT)
    both = ex.effect_sizes(data)
    se4 = (math.log(3.3333) - math.log(1.2)) / (2 * Z975)
    yi_all, vi_all = np.array([*yi, math.log(2)]), np.array([*vi, se4**2])
    assert_allclose(both["yi"], yi_all, rtol=EXACT)
    res = mr.rma(both, method="FE")
    w = 1 / vi_all
    assert_allclose(res.beta[0], np.sum(w * yi_all) / np.sum(w), rtol=1e-10)
    assert_allclose(res.se[0], 1 / math.sqrt(np.sum(w)), rtol=1e-10)


# --- command line ---------------------------------------------------------------------


def test_cli_template_import_compare_consensus_show(tmp_path):
    folder = tmp_path / "rev"
    init_project(folder)
    runner = CliRunner()
    with sc.open_review(folder) as (store, p):
        add_records(store)
        for stage in ("ta", "ft"):
            for who in (A, B):
                sc.record_decision(store, p, 3, who, stage, "include")
    out = runner.invoke(
        app, ["extract", str(folder), "--template", str(tmp_path / "t.csv")]
    )
    assert out.exit_code == 0, out.output
    assert "t_outcomes.csv" in out.output
    rows = [
        row(3, BEHAVIOUR, "information", n=50, events=12),
        row(3, BEHAVIOUR, "control", n=48, events=6),
    ]
    for who, ev in ((A, 6), (B, 7)):
        rows[1]["events"] = ev
        path = write_outcomes(tmp_path / f"{who}.csv", rows)
        out = runner.invoke(
            app, ["extract", str(folder), "--import", str(path), "--reviewer", who]
        )
        assert out.exit_code == 0, out.output
        assert "4 values of 2 rows (1 studies)" in out.output
    out = runner.invoke(app, ["extract", str(folder), "--compare"])
    assert "1 disagreement(s), 1 without consensus." in out.output
    out = runner.invoke(app, ["extract", str(folder), "--show", *BEHAVIOUR])
    assert out.exit_code == 1
    assert "disagreement(s) without consensus" in out.output
    out = runner.invoke(
        app,
        [
            "extract",
            str(folder),
            "--consensus",
            "3",
            "behaviour",
            "control",
            "end of follow-up",
            "events",
            "6",
            "--by",
            C,
        ],
    )
    assert out.exit_code == 0, out.output
    out = runner.invoke(app, ["extract", str(folder), "--show", *BEHAVIOUR])
    assert out.exit_code == 0, out.output
    assert "Lee 2019" in out.output
    bad = tmp_path / "consensus.csv"
    bad.write_text(
        "record_id,outcome_id,arm,timepoint,field,value,by\n3,,,,country,Chile,\n",
        encoding="utf-8",
    )
    out = runner.invoke(app, ["extract", str(folder), "--consensus-file", str(bad)])
    assert out.exit_code == 1
    assert "line 2: by must name" in out.output
    out = runner.invoke(
        app, ["extract", str(folder), "--consensus-file", str(bad), "--by", C]
    )
    assert out.exit_code == 0, out.output
    with open_store(folder) as store:
        got = ex.consensus_values(store)
    assert got.loc[got["field"] == "country", "value"].tolist() == ["Chile"]


# --- the protocol's [extraction] table -------------------------------------------


def test_protocol_extraction_defaults_and_template():
    p = load_protocol_text(protocol_template())
    assert p.extraction.multi_arm == "combine"
    assert p.extraction.icc is None
    ids = [c.id for c in p.extraction.characteristics]
    assert ids == ["country", "setting", "design", "n_randomised", "population",
                   "age_mean", "female_percent", "intervention_category",
                   "comparator", "duration", "funding"]  # fmt: skip


def load_protocol_text(text: str) -> Protocol:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "review.toml").write_text(text, encoding="utf-8")
        return load_protocol(d)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('multi_arm = "pool"', "extraction.multi_arm"),
        ("icc = 1.5", "extraction.icc"),
        ('[[extraction.characteristics]]\nid = "a"\nlabel = "A"\n'
         '[[extraction.characteristics]]\nid = "a"\nlabel = "B"',
         "extraction.characteristics[1].id: must be unique"),
        ('[[extraction.characteristics]]\nid = "a"\nlabel = "A"\nchoices = ["x"]',
         "extraction.characteristics[0].choices: is only used with type = 'choice'"),
    ],
)  # fmt: skip
def test_protocol_extraction_errors_name_the_key(table, message):
    text = protocol_template().replace('[extraction]\nmulti_arm = "combine"\n', "")
    with pytest.raises(InputError, match=re.escape(message)):
        load_protocol_text(f"{text}\n[extraction]\n{table}\n")


def test_characteristics_of_the_protocol_make_the_columns(review, tmp_path):
    store, p = review
    custom = with_extraction(
        p,
        characteristics=[
            {"id": "dose", "label": "Sessions", "type": "integer"},
            {
                "id": "arm_type",
                "label": "Type",
                "type": "choice",
                "choices": ["a", "b"],
            },
        ],
    )
    paths = ex.write_template(store, custom, tmp_path / "c.csv", records=[1])
    assert paths[0].read_text(encoding="utf-8").splitlines() == [
        "record_id,study,dose,arm_type",
        "1,Smith 2020a,,",
    ]
    paths[0].write_text("record_id,study,dose,arm_type\n1,Smith 2020a,2.5,c\n")
    with pytest.raises(InputError) as err:
        ex.import_extraction(store, custom, paths[0], A, records=[1])
    assert "row 2, column dose: must be a whole number; got '2.5'" in str(err.value)
    assert "row 2, column arm_type: must be one of 'a', 'b'; got 'c'" in str(err.value)


def test_means_with_a_p_value_give_the_common_sd(review, tmp_path):
    store, p = review
    # Handbook 5.1, 7.7.3.3: MD 3.8, P = 0.008, groups of 25 and 22:
    # t = qt(1 - P/2, 45), SE = MD / t, SD = SE / sqrt(1/25 + 1/22)
    rows = [
        row(1, INTENTION, "mcii", n=25, mean=13.8, p=0.008),
        row(1, INTENTION, "control", n=22, mean=10, sd=4.0),
    ]
    enter(review, tmp_path, rows)
    got = ex.arm_data(store, p, *INTENTION).iloc[0]
    t = stats.t.isf(0.004, 45)
    sd = 3.8 / t / math.sqrt(1 / 25 + 1 / 22)
    assert_allclose(t, 2.78, atol=0.005)  # as the Handbook prints it
    assert_allclose([got["sd1i"], got["sd2i"]], [sd, 4.0], rtol=1e-10)
    assert "control: SD" not in got["conversion"]  # the reported SD is kept


def test_change_scores_and_an_effect_with_a_p_value(review, tmp_path):
    store, p = review
    rows = [
        row(1, INTENTION, "mcii", n=30, change_mean=2.5, change_sd=1.5),
        row(1, INTENTION, "control", n=30, change_mean=1.0, change_sd=1.4),
        row(2, BEHAVIOUR, "mcii", effect=1.8, p=0.03, effect_measure="OR"),
        row(2, BEHAVIOUR, "control", n=30),
    ]
    enter(review, tmp_path, rows)
    got = ex.arm_data(store, p, *INTENTION).iloc[0]
    assert [got["m1i"], got["sd1i"], got["m2i"], got["sd2i"]] == [2.5, 1.5, 1.0, 1.4]
    assert "change from baseline" in got["conversion"]
    got = ex.arm_data(store, p, *BEHAVIOUR).iloc[0]
    # Handbook 6.5.2.3 (ratios 6.3.2): SE = |log OR| / z(1 - P/2)
    se = math.log(1.8) / stats.norm.isf(0.015)
    assert_allclose([got["yi"], got["vi"]], [math.log(1.8), se**2], rtol=1e-10)


def test_f_and_p_without_means_give_no_direction(review, tmp_path):
    store, p = review
    enter(
        review,
        tmp_path,
        [row(1, INTENTION, "mcii", n=20, F=4.2), row(1, INTENTION, "control", n=20)],
    )
    with pytest.raises(InputError, match="F and P give no direction"):
        ex.arm_data(store, p, *INTENTION)


def test_a_blank_cell_clears_the_reviewer_s_earlier_value(review, tmp_path):
    store, _ = review
    enter(review, tmp_path, [row(1, BEHAVIOUR, "control", n=20, events=4)])
    cleared = [row(1, BEHAVIOUR, "control", n=20, events="", note="unclear")]
    again = enter(review, tmp_path, cleared)
    assert again.values == 2  # events cleared, note added
    got = ex.consensus_values(store)
    assert got["field"].tolist() == ["n", "note"]


def test_template_names_the_intervention_arm_once_its_category_is_known(
    review, tmp_path
):
    store, p = review
    chars = tmp_path / "c.csv"
    chars.write_text("record_id,intervention_category\n2,MCII\n", encoding="utf-8")
    ex.import_extraction(store, p, chars, A, records=IDS)
    paths = ex.write_template(store, p, tmp_path / "t.csv", records=[1, 2])
    with paths[1].open(encoding="utf-8") as f:
        arms = {(r["record_id"], r["arm"]) for r in csv.DictReader(f)}
    assert arms == {("1", "control"), ("1", ""), ("2", "control"), ("2", "mcii")}
