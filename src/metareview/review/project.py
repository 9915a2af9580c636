"""The review folder: ``review.toml``, ``searches/``, ``review.db``, ``output/``."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from .._validate import InputError
from .store import open_store

__all__ = ["ProjectExistsError", "init_project", "protocol_template"]

PROTOCOL = "review.toml"
DATABASE = "review.db"
FOLDERS = ("searches", "output")


class ProjectExistsError(InputError):
    """The folder already holds a review project."""


def project_database(folder: str | Path) -> Path:
    """Return the path of a review project's ``review.db``; it must exist.

    Raises :class:`InputError` naming the folder when it is not a review project.
    """
    db = Path(folder) / DATABASE
    if not db.exists():
        raise InputError(
            f"{folder} is not a review project ({DATABASE} is missing); "
            f"run 'metareview init {folder}' first"
        )
    return db


def protocol_template() -> str:
    """Return the commented ``review.toml`` template (Ni et al. 2025 example)."""
    return (files("metareview.review") / "templates" / PROTOCOL).read_text(
        encoding="utf-8"
    )


def init_project(folder: str | Path, *, force: bool = False) -> Path:
    """Create a review project in ``folder``.

    Writes the commented ``review.toml`` template, makes ``searches/`` and
    ``output/``, and creates ``review.db`` with the current schema.

    Parameters
    ----------
    folder : str or pathlib.Path
        The review folder; created if needed.
    force : bool, default False
        Overwrite an existing ``review.toml`` with the template. An existing
        ``review.db`` is kept (and migrated), never deleted: it holds the work.

    Returns
    -------
    pathlib.Path
        The path of ``review.toml``.

    Raises
    ------
    ProjectExistsError
        If ``review.toml`` or ``review.db`` exists and ``force`` is False.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     init_project(d).name
    'review.toml'

    """
    folder = Path(folder)
    existing = [n for n in (PROTOCOL, DATABASE) if (folder / n).exists()]
    if existing and not force:
        raise ProjectExistsError(
            f"{folder} already holds a review project ({', '.join(existing)}); "
            "use force=True (--force) to rewrite review.toml from the template "
            "(review.db is kept)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    for name in FOLDERS:
        (folder / name).mkdir(exist_ok=True)
    protocol = folder / PROTOCOL
    protocol.write_text(protocol_template(), encoding="utf-8")
    with open_store(folder / DATABASE):
        pass
    return protocol
