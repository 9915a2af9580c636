"""`metareview appraise`: RoB 2 appraisals of two reviewers from CSV, then settled."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from metareview.cli import app
from metareview.review.extraction import register_studies
from metareview.review.project import init_project
from metareview.review.store import open_store

ROB = Path(__file__).resolve().parents[2] / "examples" / "help-seeking" / "rob"
runner = CliRunner()


def test_two_appraisers_compared_agreement_and_consensus(tmp_path: Path) -> None:
    folder = tmp_path / "review"
    init_project(folder)
    for name in ("reviewer_a.csv", "reviewer_b.csv", "consensus.csv"):
        shutil.copy(ROB / name, tmp_path / name)
    studies = sorted(set(pd.read_csv(ROB / "reviewer_a.csv")["study"]))
    with open_store(folder / "review.db") as store:
        register_studies(store, studies)
    for who, name in (
        ("Reviewer A", "reviewer_a.csv"),
        ("Reviewer B", "reviewer_b.csv"),
    ):
        out = runner.invoke(
            app,
            [
                "appraise",
                str(folder),
                "--import",
                str(tmp_path / name),
                "--reviewer",
                who,
            ],
        )
        assert out.exit_code == 0, out.output
        assert f"imported for {who}" in out.output
    out = runner.invoke(app, ["appraise", str(folder), "--compare", "--agreement"])
    assert out.exit_code == 0, out.output
    assert "7 disagreement(s)." in out.output
    assert "Bias arising from the randomization process" in out.output
    out = runner.invoke(
        app,
        ["appraise", str(folder), "--consensus-file", str(tmp_path / "consensus.csv"),
         "--by", "Reviewer C", "--show"],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "consensus judgements recorded" in out.output
    assert "Harwood 2014" in out.output


def test_import_needs_a_reviewer(tmp_path: Path) -> None:
    folder = tmp_path / "review"
    init_project(folder)
    out = runner.invoke(app, ["appraise", str(folder), "--import", "x.csv"])
    assert out.exit_code == 1
    assert "--import needs --reviewer NAME" in out.output
