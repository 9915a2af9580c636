"""Files: written whole (a reader sees the old file or the new one), CSV read."""

from __future__ import annotations

import csv
import os
from pathlib import Path

from ._validate import ImportFormatError

__all__ = ["read_csv", "relative_path", "write_atomic"]


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    The temporary file is flushed to disk before it replaces ``path``
    (:func:`os.replace` is atomic on one file system), so a crash leaves the
    old file or the new one; text is written as UTF-8.
    """
    tmp = path.with_name(path.name + ".tmp")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        with tmp.open("wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def relative_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` with ``/`` separators, else ``path`` whole."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def read_csv(path: Path) -> list[list[str]]:
    """Read a UTF-8 CSV file (a byte-order mark is allowed) into rows of cells.

    Raises :class:`~metareview._validate.ImportFormatError` naming the file when
    it cannot be read or is not UTF-8 CSV.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            return list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ImportFormatError(
            f"{path}: cannot be read as UTF-8 CSV ({exc})"
        ) from None
