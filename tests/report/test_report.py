"""The report writers: numbers, Markdown tables, self-contained HTML, DOCX."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from metareview.report._html import markdown_table
from metareview.report._text import effect, heterogeneity, num, pval, studies
from metareview.review.pipeline import run_project
from report.synthetic_project import make_project


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory):
    return run_project(make_project(tmp_path_factory.mktemp("report") / "review"))


@pytest.mark.parametrize(
    ("x", "digits", "want"),
    [
        (1.234, 2, "1.23"),
        (-0.305, 2, "−0.30"),
        (-0.001, 2, "0.00"),
        (float("nan"), 2, "NA"),
    ],
)
def test_num(x, digits, want):
    # -0.305 is stored as -0.30499999...: rounds to -0.30; -0.001 rounds to 0.00
    assert num(x, digits) == want


@pytest.mark.parametrize(
    ("p", "want"),
    [
        (0.0004, "P < 0.001"),
        (0.0271, "P = 0.027"),
        (0.2349, "P = 0.23"),
        (0.05, "P = 0.050"),
    ],
)
def test_pval(p, want):
    assert pval(p) == want


def test_effect_and_counts():
    assert effect("OR", 1.7, 1.1234, 2.581, 0.95) == "OR 1.70 (95% CI 1.12 to 2.58)"
    assert effect("SMD", -0.3, -0.52, -0.08, 0.9) == "SMD −0.30 (90% CI −0.52 to −0.08)"
    assert studies(1) == "1 study"
    assert studies(3) == "3 studies"
    assert studies(2, "comparison") == "2 comparisons"


def test_markdown_table_escapes_pipes():
    t = markdown_table(pd.DataFrame({"a": ["x|y"], "b": [1]}))
    assert t.splitlines() == ["| a | b |", "|---|---|", "| x\\|y | 1 |"]


def test_heterogeneity_sentence(result):
    a = next(x for x in result.analyses if x.outcome.id == "behaviour")
    text = heterogeneity(a.res)
    assert text.startswith("Heterogeneity: τ² = ")
    assert f"Q = {a.res.QE:.2f} on 4 df" in text


def test_html_is_self_contained(result):
    html = result.report["html"].read_text(encoding="utf-8")
    # no resource fetched from outside: every src/href is data:, #anchor or relative
    for attr in re.findall(r'(?:src|href)="([^"]*)"', html):
        assert not attr.startswith(("http:", "https:", "//")), attr
    assert "<link" not in html
    assert "<script" not in html
    assert html.count("data:image/png;base64,") == len(result.figures)
    tables = list((result.output / "tables").glob("*.csv"))
    assert html.count("data:text/csv;base64,") == len(tables)


def test_every_pooled_result_lists_its_rows(result):
    html = result.report["html"].read_text(encoding="utf-8")
    for a in result.analyses:
        assert f"rows_{a.key}.csv" in html
        for study in a.data["slab"]:
            assert study in html


def test_sections_in_order(result):
    md = result.report["md"].read_text(encoding="utf-8")
    heads = [line for line in md.splitlines() if line.startswith("## ")]
    assert heads[0] == "## Methods"
    assert heads[-2:] == [
        "## Audit of the reported numbers",
        "## How this report was made",
    ]
    assert "## Summary of findings" in heads
    assert "> **Note.** The study-level data of this review are simulated" in md


def test_docx_has_figures_and_tables(result):
    docx = pytest.importorskip("docx")
    d = docx.Document(str(result.report["docx"]))
    assert len(d.inline_shapes) == len(result.figures)
    captions = [p.text for p in d.paragraphs if p.style.name == "Caption"]
    assert any("summary_of_findings.csv" in c for c in captions)
    sof = next(t for t in d.tables if t.rows[0].cells[2].text == "Effect (95% CI)")
    assert sof.rows[1].cells[0].text == "Help-seeking behaviour"


def test_outputs_are_regenerated(result, tmp_path: Path):
    again = run_project(result.folder)
    assert again.report["html"].read_text(encoding="utf-8").count("<section") == (
        result.report["html"].read_text(encoding="utf-8").count("<section")
    )
    assert not list(result.output.glob("*.tmp"))


def test_stale_outputs_are_removed(result):
    stale = [
        result.output / "tables" / "old.csv",
        result.output / "figures" / "old.png",
    ]
    for path in stale:
        path.write_text("from an earlier run")
    run_project(result.folder)
    assert not any(path.exists() for path in stale)


def test_a_two_study_subgroup_under_knapp_hartung_is_said_to_be_wide() -> None:
    import math
    import warnings

    import metareview as mr
    from metareview.report._analysis import _subgroup_text

    bcg = mr.datasets.load("bcg")
    es = mr.escalc("RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg)
    es["decade"] = (bcg["year"] // 10 * 10).astype(str) + "s"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        knha = mr.subgroup(es, by="decade", method="REML", test="knha")
        z = mr.subgroup(es, by="decade", method="REML")
    text = _subgroup_text("decade", knha, "RR", 0.95, math.exp)
    # the 1940s have 2 trials: a t interval on 1 df; the 1950s one trial
    assert "1940s (2 studies; a t interval on 1 degree of freedom, so wide)" in text
    assert "1950s (1 study, not pooled)" in text
    assert "1960s (4 studies): RR 0.46 (95% CI 0.14 to 1.54)" in text
    assert "degree of freedom" not in _subgroup_text("decade", z, "RR", 0.95, math.exp)
