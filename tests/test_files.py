"""write_atomic: the old file or the new one, never half, no temporary left."""

from __future__ import annotations

from pathlib import Path

import pytest

from metareview._files import write_atomic


def test_write_atomic_replaces_the_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    write_atomic(path, "first é")
    write_atomic(path, b"second")
    assert path.read_bytes() == b"second"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.txt"
    write_atomic(path, "old")

    def fail(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("metareview._files.os.replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(path, "new")
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]
