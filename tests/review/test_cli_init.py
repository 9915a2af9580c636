"""metareview init: creates the project, refuses to overwrite, --force."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from metareview.cli import app
from metareview.review.protocol import load_protocol
from metareview.review.store import open_store

runner = CliRunner()


def test_init_creates_the_project(tmp_path: Path) -> None:
    folder = tmp_path / "my-review"
    result = runner.invoke(app, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    assert (folder / "searches").is_dir()
    assert (folder / "output").is_dir()
    text = (folder / "review.toml").read_text(encoding="utf-8")
    assert text.startswith("# review.toml")
    assert len(load_protocol(folder).outcomes) == 6
    with open_store(folder) as store:
        assert store.schema_version >= 1


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    assert runner.invoke(app, ["init", str(tmp_path)]).exit_code == 0
    (tmp_path / "review.toml").write_text("title = 'mine'\n", encoding="utf-8")
    result = runner.invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 1
    assert "already holds a review project" in result.output
    assert "--force" in result.output
    assert (tmp_path / "review.toml").read_text(encoding="utf-8") == "title = 'mine'\n"


def test_init_force_rewrites_protocol_and_keeps_the_database(tmp_path: Path) -> None:
    assert runner.invoke(app, ["init", str(tmp_path)]).exit_code == 0
    (tmp_path / "review.toml").write_text("title = 'mine'\n", encoding="utf-8")
    with open_store(tmp_path) as store:
        store.add_batch(
            path="searches/a.ris",
            sha256="b" * 64,
            database="Embase",
            format="ris",
            encoding="utf-8",
            records=[{"title": "kept"}],
        )
    result = runner.invoke(app, ["init", str(tmp_path), "--force"])
    assert result.exit_code == 0, result.output
    assert load_protocol(tmp_path).analysis.method == "REML"
    with open_store(tmp_path) as store:
        assert store.counts()["records"] == 1
