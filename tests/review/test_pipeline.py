"""End-to-end runs of ``run_project`` on a small synthetic project (no searches).

The project: five trials of two intervention categories with a binary outcome
(help-seeking, OR) and a continuous one (intention, SMD; one trial reports a
median and IQR, converted), extracted by two reviewers with identical values.
Reference values: ``rma`` on the same 2×2 tables and means (checked in turn
against metafor in tests/stats), and the odds ratios by hand.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest

import metareview as mr
from metareview.review.pipeline import PipelineError, run_project
from report.synthetic_project import BINARY, make_project


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    root = make_project(tmp_path_factory.mktemp("run") / "review")
    stages: list[str] = []
    result = run_project(root, progress=lambda t: stages.append(t.stage))
    return root, (result, stages)


def _reference_or() -> mr.RMAResult:
    ai = [e1 for *_, (e1, _n1), _ in BINARY]
    n1 = [n for *_, (_e, n), _ in BINARY]
    ci = [e2 for *_, (e2, _n2) in BINARY]
    n2 = [n for *_, (_e, n) in BINARY]
    es = mr.escalc("OR", ai=ai, n1i=n1, ci=ci, n2i=n2)
    return mr.rma(es, method="REML", test="knha")


def test_stages_run_in_order(project):
    _, (result, stages) = project
    assert stages == [
        "import",
        "screening",
        "extraction",
        "risk of bias",
        "analyses",
        "GRADE",
        "figures",
        "report",
    ]
    assert [t.stage for t in result.timings] == stages


def test_pooled_or_matches_rma_and_hand_computation(project):
    _, (result, _) = project
    a = next(x for x in result.analyses if x.outcome.id == "behaviour")
    ref = _reference_or()
    assert a.k == 5
    np.testing.assert_allclose(a.res.beta, ref.beta, rtol=1e-10)
    np.testing.assert_allclose(
        [a.res.ci_lb[0], a.res.ci_ub[0]], [ref.ci_lb[0], ref.ci_ub[0]], rtol=1e-10
    )
    # each study's log OR by hand: Alder 2015 30/30 vs 20/40 -> OR = 30*40/(30*20) = 2
    alder = a.data.loc[a.data["study"] == "Alder 2015", "yi"].iloc[0]
    assert alder == pytest.approx(math.log(2.0), rel=1e-12)
    # the rows used are listed with their arm data
    assert set(a.data["study"]) == {s for s, *_ in BINARY}
    assert list(
        a.data.loc[a.data["study"] == "Cedar 2018", ["ai", "n1i", "ci", "n2i"]].iloc[0]
    ) == [40, 70, 30, 72]


def test_subgroups_by_intervention(project):
    _, (result, _) = project
    a = next(x for x in result.analyses if x.outcome.id == "behaviour")
    by, sg = a.subgroups[0]
    assert by == "intervention"
    assert set(sg.levels) == {"Information support", "Mental contrasting"}
    # mental contrasting: Cedar 2018 and Dogwood 2020 pooled alone
    es = mr.escalc("OR", ai=[40, 22], n1i=[70, 45], ci=[30, 12], n2i=[72, 44])
    ref = mr.rma(es, method="REML", test="knha")
    i = sg.levels.index("Mental contrasting")
    assert sg.estimate[i] == pytest.approx(float(ref.beta[0]), rel=1e-8)


def test_converted_values_are_flagged_and_sensitivity_excludes_them(project):
    _, (result, _) = project
    a = next(x for x in result.analyses if x.outcome.id == "intention")
    assert a.timepoint == "post-intervention"
    birch = a.data[a.data["study"] == "Birch 2017"]
    assert "Wan" in str(birch["conversion"].iloc[0]) or birch["converted"].iloc[0]
    sens = {s.description: s for s in a.sensitivity}
    no_conv = sens["excluding studies with converted data"]
    assert no_conv.res is not None
    assert no_conv.res.k == 3
    fe = next(s for s in a.sensitivity if "fixed" in s.description)
    assert fe.res is not None
    assert fe.res.method == "FE"
    # intention at 2 weeks has no data: listed, not analysed
    assert ("intention", "2 weeks", "no study reported it") in result.skipped
    # Elm 2021 (high risk of bias) has no intention data: nothing to exclude
    rob = next(s for s in a.sensitivity if "risk of bias" in s.description)
    assert rob.res is None
    assert rob.note.startswith("not needed")
    # fewer than 10 studies: small-study effects explained, not tested
    assert a.regtest is None
    assert "fewer than the 10" in a.small_study_note


def test_high_risk_of_bias_excluded(project):
    _, (result, _) = project
    a = next(x for x in result.analyses if x.outcome.id == "behaviour")
    rob = next(s for s in a.sensitivity if "risk of bias" in s.description)
    assert rob.res is not None
    assert rob.res.k == 4
    ref = mr.exclude(_reference_or(), [4])  # Elm 2021 is the fifth study
    assert float(rob.res.beta[0]) == pytest.approx(float(ref.beta[0]), rel=1e-10)
    assert {"rob_traffic_light", "rob_summary"} <= set(result.figures)


def test_report_files_and_content(project):
    root, (result, _) = project
    html = (root / "output" / "report.html").read_text(encoding="utf-8")
    for path in result.report.values():
        assert path.exists()
        assert path.stat().st_size > 0
    # self-contained: no external resource in src= or href=
    assert 'src="http' not in html
    assert 'href="http' not in html
    assert "data:image/png;base64," in html
    assert "data:text/csv;base64," in html
    for heading in (
        "Methods",
        "Meta-analyses",
        "Risk of bias",
        "Characteristics of included studies",
        "Help-seeking behaviour",
        "Summary of findings",
        "Audit of the reported numbers",
    ):
        assert heading in html
    assert "simulated" in html  # illustrative = true
    # the pooled OR of rma, as printed
    ref = _reference_or()
    printed = (
        f"OR {math.exp(ref.beta[0]):.2f} (95% CI {math.exp(ref.ci_lb[0]):.2f} "
        f"to {math.exp(ref.ci_ub[0]):.2f})"
    )
    assert printed in html
    assert "restricted maximum likelihood (REML)" in html
    assert "Hartung–Knapp–Sidik–Jonkman" in html
    md = (root / "output" / "report.md").read_text(encoding="utf-8")
    assert printed in md
    assert "](figures/forest_behaviour_post_intervention.png)" in md


def test_report_numbers_pass_their_own_audit(project):
    _, (result, _) = project
    assert len(result.audit) >= 3
    assert result.audit["consistent"].all(), result.audit["problems"].tolist()


def test_tables_written_as_csv(project):
    root, _ = project
    tables = root / "output" / "tables"
    names = {p.name for p in tables.glob("*.csv")}
    assert {
        "study_characteristics.csv",
        "rows_behaviour_post_intervention.csv",
        "audit.csv",
        "summary_of_findings.csv",
    } <= names
    rows = (tables / "rows_behaviour_post_intervention.csv").read_text().splitlines()
    assert len(rows) == 1 + len(BINARY)


def test_docx_opens_with_its_tables(project):
    docx = pytest.importorskip("docx")
    root, _ = project
    d = docx.Document(str(root / "output" / "report.docx"))
    headings = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    assert "Methods" in headings
    assert "Summary of findings" in headings
    assert len(d.tables) >= 5
    first = d.tables[0]
    assert first.rows[0].cells[0].text == "Study"
    assert len(d.inline_shapes) >= 2  # forest plots


def test_figures_png_and_svg(project):
    _root, (result, _) = project
    for png in result.figures.values():
        assert png.exists()
        assert png.with_suffix(".svg").exists()
    assert "forest_behaviour_post_intervention" in result.figures


def test_rerun_is_idempotent(tmp_path):
    root = make_project(tmp_path / "review")
    first = run_project(root)
    second = run_project(root)
    a1 = next(x for x in first.analyses if x.outcome.id == "behaviour")
    a2 = next(x for x in second.analyses if x.outcome.id == "behaviour")
    assert a2.k == a1.k == 5
    assert float(a2.res.beta[0]) == float(a1.res.beta[0])
    assert len(second.intake.studies) == 5


def test_failure_names_stage_file_and_row(tmp_path):
    root = make_project(tmp_path / "review")
    path = root / "extraction" / "reviewer_b_outcomes.csv"
    lines = path.read_text().splitlines()
    lines[3] = lines[3].replace(",50,", ",fifty,", 1)  # row 4: Birch, n of the arm
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(PipelineError) as err:
        run_project(root)
    e = err.value
    assert e.stage == "extraction"
    assert e.file is not None
    assert "reviewer_b" in e.file
    assert e.row == 4
    assert "stage 'extraction'" in str(e)
    assert "row 4" in str(e)


def test_bad_protocol_names_stage(tmp_path):
    root = make_project(tmp_path / "review")
    text = (
        (root / "review.toml").read_text().replace('method = "REML"', 'method = "XX"')
    )
    (root / "review.toml").write_text(text)
    with pytest.raises(PipelineError, match=r"stage 'protocol'.*review\.toml"):
        run_project(root)


def test_copy_of_project_runs_without_review_db(tmp_path):
    src = make_project(tmp_path / "a")
    run_project(src)
    dst = tmp_path / "b"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("review.db*", "output"))
    assert run_project(dst).analyses


def test_malformed_export_names_import_stage_file_and_line(tmp_path):
    root = make_project(tmp_path / "review")
    (root / "searches").mkdir()
    bad = root / "searches" / "embase.ris"
    # the second record (line 5) never ends: no ER tag
    bad.write_text(
        "TY  - JOUR\nTI  - A trial\nER  - \n\nTY  - JOUR\nTI  - Broken\nPY  - 2020\n"
    )
    with pytest.raises(PipelineError) as err:
        run_project(root)
    assert err.value.stage == "import"
    assert err.value.file == str(bad)
    assert err.value.row == 5


def test_decisions_made_in_the_project_count_without_csv_files(tmp_path):
    from metareview.review import screening as sc
    from metareview.review._pipeline_intake import screening_state
    from metareview.review.intake import import_files
    from metareview.review.project import init_project

    folder = tmp_path / "review"
    init_project(folder)
    export = tmp_path / "export.ris"
    export.write_text(
        "TY  - JOUR\nTI  - A trial of help-seeking\nAU  - Smith, J\nPY  - 2020\n"
        "ER  - \n\nTY  - JOUR\nTI  - Rivers and sediment\nAU  - Doe, A\nPY  - 2019\n"
        "ER  - \n\n",
        encoding="utf-8",
    )
    import_files(folder, [export])
    with sc.open_review(folder) as (store, protocol):
        assert screening_state(folder, store, protocol) is None  # nothing screened
        for who in ("Reviewer A", "Reviewer B"):
            sc.record_decision(store, protocol, 1, who, "ta", "include")
            sc.record_decision(store, protocol, 2, who, "ta", "exclude")
        status = screening_state(folder, store, protocol)
    assert status is not None
    assert status["prisma"]["screened"] == 2
    assert status["prisma"]["excluded_screening"] == 1
