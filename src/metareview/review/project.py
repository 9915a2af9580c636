"""The review folder: ``review.toml``, ``searches/``, ``review.db``, ``output/``."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

from .._files import write_atomic
from .._validate import InputError
from .protocol import Protocol, parse_protocol
from .store import open_store

__all__ = ["ProjectExistsError", "init_project", "protocol_template", "save_protocol"]

PROTOCOL = "review.toml"
DATABASE = "review.db"
FOLDERS = ("searches", "output")
HISTORY = "protocol-history"  # earlier versions of review.toml, by when replaced


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


def save_protocol(folder: str | Path, text: str) -> tuple[Protocol, Path | None]:
    """Replace the project's ``review.toml`` with ``text``, once it is valid.

    The text is validated first (:func:`~.protocol.parse_protocol`; a
    :class:`~.protocol.ProtocolError` names the line and key and nothing is
    written). The version it replaces is kept in ``protocol-history/`` under
    the UTC time of the change, so that amendments to the protocol can be
    reported; the new file is written whole (a temporary file and a rename).

    Returns
    -------
    tuple
        The new protocol, and the path of the kept earlier version (None when
        the text is the same as the file's, which is then left alone).

    """
    folder = Path(folder)
    path = folder / PROTOCOL
    protocol = parse_protocol(text, path)
    old = path.read_text(encoding="utf-8") if path.exists() else None
    if old == text:
        return protocol, None
    kept = None
    if old is not None:
        history = folder / HISTORY
        history.mkdir(exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        kept = history / f"review-{stamp}.toml"
        write_atomic(kept, old)
    write_atomic(path, text)
    return protocol, kept
