"""Write records to RIS, CSV or XLSX, so other tools can take them up.

``write_records`` takes the table :func:`~metareview.review.io.read_records` (or the
project store) gives and writes it whole or not at all: to a temporary file beside
the target, renamed over it only when complete.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from ..._validate import InputError, choice

# RIS tags of the normalised fields (RIS 1.0: TY first, ER last)
RIS_TAGS = (
    ("title", "TI"),
    ("authors", "AU"),
    ("year", "PY"),
    ("journal", "JO"),
    ("volume", "VL"),
    ("issue", "IS"),
    ("pages", "SP"),
    ("doi", "DO"),
    ("pmid", "AN"),
    ("keywords", "KW"),
    ("abstract", "AB"),
)
CSV_COLUMNS = (
    "title",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "keywords",
    "abstract",
    "database",
    "original_id",
)


def _values(value: Any) -> list[str]:
    """Return the items of a field as strings (a list, or one value)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if str(v).strip()]
    text = str(value).strip()
    if not text or text == "<NA>":
        return []
    return [text]


def _ris(frame: pd.DataFrame, path: Path) -> None:
    lines: list[str] = []
    for row in frame.to_dict("records"):
        lines.append("TY  - JOUR")
        for field, tag in RIS_TAGS:
            items = _values(row.get(field))
            if field in ("authors", "keywords") and len(items) == 1:
                items = [v for v in items[0].split("; ") if v]
            lines.extend(f"{tag}  - {v}" for v in items)
        lines.append("ER  - ")
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


def _table(frame: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in CSV_COLUMNS if c in frame.columns]
    out = frame[cols].copy()
    for c in ("authors", "keywords"):
        if c in out.columns:
            out[c] = ["; ".join(_values(v)) if isinstance(v, list | tuple) else v
                      for v in out[c]]  # fmt: skip
    return out


def _csv(frame: pd.DataFrame, path: Path) -> None:
    _table(frame).to_csv(path, index=False, encoding="utf-8")


def _xlsx(frame: pd.DataFrame, path: Path) -> None:
    _table(frame).to_excel(path, index=False, sheet_name="records", engine="openpyxl")


WRITERS: dict[str, Callable[[pd.DataFrame, Path], None]] = {
    "ris": _ris,
    "csv": _csv,
    "xlsx": _xlsx,
}


def write_records(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write records to ``path`` as RIS, CSV or XLSX (chosen by its extension).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per record with any of the normalised columns (``title authors
        year journal volume issue pages doi pmid keywords abstract``).
    path : str or path-like
        ``.ris``, ``.csv`` or ``.xlsx``. Written to a temporary file first and
        renamed over ``path`` only when complete.

    Returns
    -------
    pathlib.Path

    """
    target = Path(path)
    fmt = choice("format (the file extension)", target.suffix.lstrip(".").lower(),
                 WRITERS)  # fmt: skip
    if not target.parent.exists():
        raise InputError(f"{target.parent} does not exist")
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        WRITERS[fmt](frame, tmp)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
