"""The metareview command line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from metareview.cli import app

runner = CliRunner()


def test_demo_prints_the_analyses_and_writes_the_report(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    # REML on the BCG trials, as metafor prints it
    assert "Random-Effects Model (k = 13; tau^2 estimator: REML)" in result.output
    assert "-0.7145" in result.output
    assert "0.3132 (SE = 0.1664)" in result.output
    report = (tmp_path / "demo" / "report.md").read_text(encoding="utf-8")
    assert "Mantel-Haenszel" in report
    assert "Q-profile" in report
    assert not list((tmp_path / "demo").glob("*.tmp"))
    for name in ("forest", "forest_subgroups", "funnel", "bubble", "radial"):
        assert (tmp_path / "demo" / "figures" / f"{name}.png").stat().st_size > 10_000
        assert f"figures/{name}.png" in report


def test_no_arguments_shows_help() -> None:
    result = runner.invoke(app, [])
    assert "demo" in result.output
