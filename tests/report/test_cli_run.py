"""``metareview run`` and ``metareview demo``."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from metareview.cli import app
from metareview.demo import examples_folder
from report.synthetic_project import make_project

runner = CliRunner()


def _example(name: str) -> Path | None:
    root = examples_folder()
    path = root / name if root is not None else None
    return path if path is not None and (path / "review.toml").exists() else None


def test_run_prints_stages_and_report(tmp_path: Path) -> None:
    root = make_project(tmp_path / "review")
    result = runner.invoke(app, ["run", str(root)])
    assert result.exit_code == 0, result.output
    for stage in ("import", "extraction", "analyses", "GRADE", "figures", "report"):
        assert stage in result.output
    assert f"Report written to {root / 'output' / 'report.html'}" in result.output
    assert (root / "output" / "report.docx").exists()


def test_run_failure_names_stage_file_and_row(tmp_path: Path) -> None:
    root = make_project(tmp_path / "review")
    path = root / "extraction" / "reviewer_a_outcomes.csv"
    lines = path.read_text().splitlines()
    lines[2] = lines[2].replace(",60,", ",-60,", 1)  # row 3: Alder 2015, control n
    path.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["run", str(root)])
    assert result.exit_code == 1
    assert "stage 'extraction'" in result.output
    assert "reviewer_a" in result.output
    assert "row 3" in result.output


def test_run_on_a_folder_without_protocol(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", str(tmp_path)])
    assert result.exit_code == 1
    assert "stage 'protocol'" in result.output
    assert "review.toml" in result.output


def test_demo_unknown_example(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--out", str(tmp_path), "--example", "nope"])
    assert result.exit_code == 1
    assert "example must be one of 'help-seeking', 'bcg'; got 'nope'" in result.output


@pytest.mark.skipif(
    _example("help-seeking") is None, reason="examples/help-seeking is not there yet"
)
def test_demo_help_seeking(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Report written to {out / 'output' / 'report.html'}" in result.output
    html = (out / "output" / "report.html").read_text(encoding="utf-8")
    assert "simulated" in html
    assert "PRISMA 2020" in html
    assert (out / "searches").is_dir()
    assert not (out / "output" / "review.db").exists()


@pytest.mark.skipif(_example("bcg") is None, reason="examples/bcg is not there yet")
def test_demo_bcg(tmp_path: Path) -> None:
    out = tmp_path / "bcg"
    result = runner.invoke(app, ["demo", "--out", str(out), "--example", "bcg"])
    assert result.exit_code == 0, result.output
    # REML on the BCG trials, as metafor prints it (metafor 3.8: -0.7145, tau^2 0.3132)
    assert "-0.7145" in result.output
    assert (out / "output" / "bcg_analyses.md").exists()
    assert (out / "output" / "report.html").exists()
