"""The metareview command line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from metareview.cli import app

runner = CliRunner()


def test_demo_bcg_runs_the_real_data_example(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--example", "bcg", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Report written to" in result.output
    assert (out / "output" / "report.html").stat().st_size > 10_000
    # REML on the BCG trials, as metafor prints it
    extra = (out / "output" / "bcg_analyses.md").read_text(encoding="utf-8")
    assert "Random-Effects Model (k = 13; tau^2 estimator: REML)" in extra
    assert "-0.7145" in extra
    assert "0.3132 (SE = 0.1664)" in extra
    assert "Mantel-Haenszel" in extra
    assert not list(out.rglob("*.tmp"))


def test_no_arguments_shows_help() -> None:
    result = runner.invoke(app, [])
    assert "demo" in result.output
