"""CSV exports: Scopus, Embase, Zotero, any CSV with a column mapping given as data."""

from __future__ import annotations

import csv as _csv
import io
import re
from collections.abc import Mapping, Sequence

from ..._validate import InputError
from ._common import (
    Record,
    clean_doi,
    clean_year,
    fail,
    keywords,
    pages,
    split_authors,
    text,
)

__all__ = ["COLUMN_NAMES", "check_columns", "parse_columns", "read_csv"]

#: Alternative column names per normalised field (compared case-insensitively).
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "title": ("title", "article title", "document title", "primary title", "ti"),
    "abstract": ("abstract", "abstract note", "ab"),
    "authors": ("authors", "author", "author names", "author full names", "au"),
    "year": ("year", "publication year", "py", "date", "pubyear"),
    "journal": (
        "source title",
        "journal",
        "publication title",
        "source",
        "so",
        "journal/book",
    ),
    "volume": ("volume", "vl"),
    "issue": ("issue", "number", "is"),
    "pages": ("pages", "page range", "pg"),
    "page_start": ("page start", "start page", "bp"),
    "page_end": ("page end", "end page", "ep"),
    "doi": ("doi", "di", "url", "link", "open url link"),
    "pmid": ("pmid", "pubmed id", "pubmed_id", "pm"),
    "keywords": ("author keywords", "keywords", "manual tags", "index keywords", "de"),
    "source_database": ("database", "source database"),
    "original_id": (
        "eid",
        "key",
        "id",
        "record_id",
        "accession number",
        "embase accession id",
    ),
}

#: Embase's "Source" column, e.g.
#: ``Journal (2014) 3:3 (152-160). Date of Publication: 2014``.
_EMBASE_SOURCE = re.compile(
    r"^(?P<journal>.+?)\s*\((?P<year>\d{4})\)\s*(?P<volume>[^:\s(]+)?(?::(?P<issue>[^\s(]+))?"
    r"\s*(?:\((?P<pages>[^)]*)\))?"
)


def parse_columns(spec: str) -> dict[str, str]:
    """Return the column mapping written as ``"title=Article Title,year=PY"``.

    Parameters
    ----------
    spec : str
        Comma-separated ``field=column`` pairs, as given to ``--columns``.

    Returns
    -------
    dict of str to str
        Field to column name.

    Raises
    ------
    InputError
        A pair is not ``field=column``, or a field is given twice.

    Examples
    --------
    >>> parse_columns("title=Article Title, year=Publication Year")
    {'title': 'Article Title', 'year': 'Publication Year'}

    """
    out: dict[str, str] = {}
    for item in spec.split(","):
        field, sep, column = item.partition("=")
        field, column = field.strip().lower(), column.strip()
        if not sep or not field or not column:
            raise InputError(
                f"--columns: {item.strip()!r} is not 'field=column' "
                '(e.g. --columns "title=Article Title,year=Publication Year")'
            )
        if field in out:
            raise InputError(f"--columns: field {field!r} is mapped twice")
        out[field] = column
    return out


def check_columns(
    columns: Mapping[str, str | Sequence[str]] | None,
) -> dict[str, tuple[str, ...]] | None:
    """Return ``columns`` as tuples of stripped names, or raise naming a wrong entry.

    Raises
    ------
    InputError
        A field is not a key of :data:`COLUMN_NAMES`, or a column name is empty.

    """
    if columns is None:
        return None
    out: dict[str, tuple[str, ...]] = {}
    for field, names in columns.items():
        if field not in COLUMN_NAMES:
            raise InputError(
                f"columns (--columns): unknown field {field!r}; fields are "
                f"{', '.join(COLUMN_NAMES)}"
            )
        alternatives = (names,) if isinstance(names, str) else tuple(names)
        cleaned = tuple(str(n).strip() for n in alternatives)
        if not cleaned or not all(cleaned):
            raise InputError(
                f"columns (--columns): field {field!r} needs a column name; "
                f"got {names!r}"
            )
        out[field] = cleaned
    return out


def _column(header: Sequence[str], names: Sequence[str]) -> int | None:
    lowered = [h.strip().lower() for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def _authors(value: str | None) -> list[str]:
    if not value:
        return []
    if ";" in value:
        return split_authors(value, ";")
    # "Liu R., Adler D.G." (Scopus, Embase): commas separate authors.
    return split_authors(value, ",")


def read_csv(
    text_: str,
    path: str,
    columns: Mapping[str, Sequence[str]] | None = None,
    *,
    strict: bool = False,
) -> list[Record]:
    """Return the records of a CSV export.

    Parameters
    ----------
    text_ : str
        Decoded text with LF line ends.
    path : str
        The file name, for error messages.
    columns : mapping of str to sequence of str, optional
        Extra alternative column names per normalised field, tried before
        :data:`COLUMN_NAMES`.
    strict : bool
        Raise :class:`~metareview.InputError` when none of the names ``columns``
        gives for a field is a column of the file.

    Returns
    -------
    list of dict
        One normalised record per data row.

    """
    sample = text_[:5000]
    delimiter = (
        "\t"
        if sample.split("\n", 1)[0].count("\t") > sample.split("\n", 1)[0].count(",")
        else (
            ","
            if sample.split("\n", 1)[0].count(",")
            >= sample.split("\n", 1)[0].count(";")
            else ";"
        )
    )
    try:
        rows = list(_csv.reader(io.StringIO(text_), delimiter=delimiter, strict=True))
    except _csv.Error as exc:
        raise fail(path, None, f"CSV could not be parsed ({exc})") from None
    if not rows:
        raise fail(path, 1, "empty CSV file")
    header = rows[0]
    given = {k: tuple(n.strip().lower() for n in v) for k, v in (columns or {}).items()}
    names = {k: (*given.get(k, ()), *v) for k, v in COLUMN_NAMES.items()}
    index = {
        field: _column(header, alternatives) for field, alternatives in names.items()
    }
    if strict:
        for field, alternatives in given.items():
            if _column(header, alternatives) is None:
                wanted = " or ".join(repr(n) for n in (columns or {})[field])
                raise InputError(
                    f"columns (--columns): {field}={wanted} "
                    f"is not a column of {path}; its columns are "
                    f"{', '.join(repr(h.strip()) for h in header)}"
                )
    if index["title"] is None:
        raise fail(path, 1, f"no title column among {header[:10]!r}")
    out = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise fail(
                path,
                number,
                f"row has {len(row)} fields but the header has {len(header)}",
            )

        def get(field: str, row: list[str] = row) -> str | None:
            i = index[field]
            return text(row[i]) if i is not None else None

        journal, year, volume, issue, page = (
            get("journal"),
            clean_year(get("year")),
            get("volume"),
            get("issue"),
            get("pages"),
        )
        source = (
            _EMBASE_SOURCE.match(journal or "") if journal and year is None else None
        )
        if source:
            journal = source["journal"]
            year = clean_year(source["year"])
            volume = volume or source["volume"]
            issue = issue or source["issue"]
            page = page or source["pages"]
        kw_raw = get("keywords")
        out.append(
            {
                "title": get("title"),
                "abstract": get("abstract"),
                "authors": _authors(get("authors")),
                "year": year,
                "journal": journal,
                "volume": volume,
                "issue": issue,
                "pages": page or pages(get("page_start"), get("page_end")),
                "doi": clean_doi(get("doi")),
                "pmid": get("pmid"),
                "keywords": keywords(kw_raw, ";" if kw_raw and ";" in kw_raw else ","),
                "source_database": get("source_database"),
                "original_id": get("original_id"),
            }
        )
    return out
