"""Read database exports into one normalised table of records.

:func:`read_records` detects the encoding and the format of a file from its content
and dispatches to a reader in :data:`READERS`. Readers are keyed by format name, not
by extension as STYLE.md suggests, because ``.txt`` and ``.xml`` each stand for
several formats (RIS, MEDLINE, Web of Science, Cochrane Library plain text; PubMed
and EndNote XML);
:data:`metareview.review.io.detect.EXTENSION_FORMATS` maps the unambiguous extensions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from os import PathLike
from pathlib import Path

import pandas as pd

from ..._validate import ImportFormatError, InputError
from ._common import COLUMNS, Record
from .bibtex import read_bibtex
from .cochrane import read_cochrane
from .csv import check_columns, read_csv
from .detect import EXTENSION_FORMATS, decode, detect_format
from .endnote_xml import read_endnote_xml
from .medline import read_medline
from .pubmed_xml import read_pubmed_xml
from .ris import read_ris
from .wos import read_wos, read_wos_tab

__all__ = ["COLUMNS", "READERS", "parse_records", "read_records"]

Reader = Callable[[str, str], list[Record]]

#: The reader of each format: ``reader(text, path) -> list of record dicts``.
READERS: dict[str, Reader] = {
    "ris": read_ris,
    "cochrane": read_cochrane,
    "medline": read_medline,
    "pubmed_xml": read_pubmed_xml,
    "endnote_xml": read_endnote_xml,
    "wos": read_wos,
    "wos_tab": read_wos_tab,
    "bibtex": read_bibtex,
    "csv": read_csv,
}

_LIST_COLUMNS = ("authors", "keywords")
_TEXT_COLUMNS = tuple(
    c for c in COLUMNS if c not in {*_LIST_COLUMNS, "year", "position"}
)


def read_records(
    path: str | PathLike[str],
    format: str | None = None,
    *,
    columns: Mapping[str, str | Sequence[str]] | None = None,
) -> pd.DataFrame:
    r"""Read one database export into a table with one row per record.

    Parameters
    ----------
    path : str or path-like
        The export: RIS (any dialect, including EBSCO, Lens and the Cochrane
        Library), the Cochrane Library's plain text, PubMed MEDLINE
        (``.nbib``/``.txt``), PubMed XML, EndNote XML, Web of Science plain text
        or tab-delimited, BibTeX, or CSV. UTF-8 (with or without BOM), UTF-16
        with BOM and cp1252 are read, with CR, LF or CRLF line ends.
    format : str, optional
        One of the keys of :data:`READERS`; detected from the content when None.
    columns : mapping of str to str or sequence of str, optional
        For CSV files only: the column holding each field, e.g.
        ``{"title": "Article Title", "year": "Publication Year"}`` (a sequence
        gives alternatives, the first present is used). Fields are the keys of
        :data:`metareview.review.io.csv.COLUMN_NAMES`; column names are compared
        case-insensitively. Unmapped fields use the usual column names.

    Returns
    -------
    pandas.DataFrame
        Columns ``title abstract authors year journal volume issue pages doi pmid
        keywords source_database original_id position``; ``authors`` and
        ``keywords`` hold lists, ``year`` is ``Int64``, ``doi`` is lower-case
        without ``https://doi.org/``, ``position`` is the 0-based place of the
        record in the file. ``frame.attrs`` holds ``format``, ``encoding`` and
        ``path``.

    Raises
    ------
    ImportFormatError
        The file is malformed or of no known format; the message names the file,
        the line and the reason, and nothing is returned.
    InputError
        ``format`` is not a known format; ``columns`` names an unknown field or a
        column the file lacks, or is given for a file that is not CSV.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> ris = "TY  - JOUR\nTI  - A trial\nAU  - Smith, John A.\nPY  - 2019///\nER  - \n"
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     file = pathlib.Path(folder, "a.ris")
    ...     _ = file.write_text(ris)
    ...     frame = read_records(file)
    >>> frame.loc[0, "authors"], int(frame.loc[0, "year"]), frame.attrs["format"]
    (['Smith, JA'], 2019, 'ris')

    """
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {file}: {exc.strerror}") from None
    return parse_records(data, file, format, columns=columns)


def parse_records(
    data: bytes,
    path: str | PathLike[str],
    format: str | None = None,
    *,
    columns: Mapping[str, str | Sequence[str]] | None = None,
) -> pd.DataFrame:
    """Parse the bytes ``data`` of the export ``path`` as :func:`read_records` does.

    ``path`` names the file in messages and its extension breaks ties in format
    detection; it is not read. Use this when the bytes are needed for something
    else too (a checksum), so that the file is read once.
    """
    file = Path(path)
    name = str(file)
    if format is not None and format not in READERS:
        raise InputError(
            f"format must be one of {', '.join(map(repr, READERS))}; got {format!r}"
        )
    mapping = check_columns(columns)
    text, encoding = decode(data)
    if not text.strip():
        raise ImportFormatError(
            f"{name}, line 1: the file is empty; nothing was imported"
        )
    kind = format or detect_format(text, file.suffix)
    if kind is None:
        raise ImportFormatError(
            f"{name}, line 1: format not recognised (known: {', '.join(READERS)}; "
            f"extensions {', '.join(EXTENSION_FORMATS)}); nothing was imported"
        )
    if mapping is not None:
        if kind != "csv":
            raise InputError(
                f"columns (--columns) applies to CSV files only; {name} is {kind}"
            )
        records = read_csv(text, name, mapping, strict=True)
    else:
        records = READERS[kind](text, name)
    frame = pd.DataFrame.from_records(records, columns=list(COLUMNS[:-1]))
    for column in _LIST_COLUMNS:
        frame[column] = [v if isinstance(v, list) else [] for v in frame[column]]
    for column in _TEXT_COLUMNS:
        # object dtype with None, the same under pandas 2 and 3 (whose default "str"
        # dtype would turn None into NaN).
        values = [v if isinstance(v, str) else None for v in frame[column]]
        frame[column] = pd.Series(values, index=frame.index, dtype=object)
    frame["year"] = pd.array(frame["year"].tolist(), dtype="Int64")
    frame["position"] = range(len(frame))
    frame.attrs.update(format=kind, encoding=encoding, path=name)
    return frame
