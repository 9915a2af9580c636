"""Shared helpers of the readers: the normalised columns and the field cleaners."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..._validate import ImportFormatError

__all__ = [
    "COLUMNS",
    "Record",
    "clean_author",
    "clean_doi",
    "clean_year",
    "fail",
    "first",
    "split_authors",
    "tagged_record",
]

#: The normalised columns of :func:`metareview.review.io.read_records`, in order.
COLUMNS = (
    "title",
    "abstract",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "keywords",
    "source_database",
    "original_id",
    "position",
)

Record = dict[str, Any]

_DOI = re.compile(r"10\.\d{4,9}/[^\s&\"'<>]+", re.IGNORECASE)
#: DOIs of database records, not of the article (the Cochrane Library's CENTRAL
#: links, ``https://www.cochranelibrary.com/central/doi/10.1002/central/CN-.../full``).
_NOT_ARTICLE_DOIS = ("10.1002/central/",)
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
_INITIALS = re.compile(r"^(?:[A-Z]\.?-?){1,4}$")
_SPACES = re.compile(r"\s+")


def fail(path: str, line: int | None, reason: str) -> ImportFormatError:
    """Return the error for a malformed file, naming the file, the line and why."""
    where = f"{path}, line {line}" if line is not None else path
    return ImportFormatError(f"{where}: {reason}; nothing was imported")


def tagged_record(
    fields: Mapping[str, Any], tags: Mapping[str, Iterable[str]], **values: Any
) -> Record:
    """Return one normalised record from a reader's parsed ``fields``.

    Parameters
    ----------
    fields : mapping
        The record's fields as the reader parsed them (tag or key to value(s)).
    tags : mapping
        Candidate tags per normalised column, best first (a reader's ``FIELDS``).
    **values
        Columns the reader computes itself; they win over ``tags``.

    Returns
    -------
    dict
        Every column of :data:`COLUMNS` but ``position``: a column in ``values``
        as given; else, if ``tags`` names it, ``year`` the first plausible year and
        ``doi`` the first DOI among those tags, any other column the first
        non-empty value (:func:`first`); else None.

    """
    unknown = sorted(set(values).difference(COLUMNS[:-1]))
    if unknown:
        raise TypeError(f"tagged_record() got unknown columns {unknown}")
    record: Record = {}
    for column in COLUMNS[:-1]:
        if column in values:
            record[column] = values[column]
        elif column not in tags:
            record[column] = None
        elif column == "year":
            record[column] = clean_year(*(first(fields, (t,)) for t in tags[column]))
        elif column == "doi":
            record[column] = clean_doi(*(fields.get(t) for t in tags[column]))
        else:
            record[column] = first(fields, tags[column])
    return record


def text(value: object) -> str | None:
    """Return ``value`` as one stripped string with collapsed spaces, or None."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        value = " ".join(str(v) for v in value if v is not None)
    out = _SPACES.sub(" ", str(value)).strip()
    return out or None


def first(fields: Mapping[str, Any], keys: Iterable[str]) -> str | None:
    """Return the first non-empty value among ``keys`` of ``fields``."""
    for key in keys:
        value = fields.get(key)
        if isinstance(value, (list, tuple)):
            value = value[0] if value else None
        out = text(value)
        if out:
            return out
    return None


def clean_doi(*candidates: object) -> str | None:
    """Return the first DOI found in ``candidates``, lower-case and without prefix.

    Candidates may be bare DOIs, ``doi:`` strings, doi.org URLs (percent-encoded
    or not) or lists of these. DOIs of database records rather than articles
    (CENTRAL's ``10.1002/central/CN-...``) are skipped.
    """
    for candidate in candidates:
        values = candidate if isinstance(candidate, (list, tuple)) else [candidate]
        for value in values:
            if value is None:
                continue
            raw = str(value).replace("%2F", "/").replace("%2f", "/")
            for match in _DOI.finditer(raw):
                doi = match.group(0).rstrip(".,;)]").lower()
                if not doi.startswith(_NOT_ARTICLE_DOIS):
                    return doi
    return None


def clean_year(*candidates: object) -> int | None:
    """Return the first plausible four-digit year in ``candidates`` (``2019///``)."""
    for value in candidates:
        if value is None:
            continue
        match = _YEAR.search(str(value))
        if match:
            return int(match.group(1))
    return None


def clean_author(name: str) -> str | None:
    """Return ``name`` as ``"Surname, Initials"`` (``"Smith, JA"``).

    Accepts ``"Smith, John A."``, ``"Smith, J.A."``, ``"Smith JA"`` (MEDLINE),
    ``"Smith J.A."`` (Scopus, Embase) and ``"John A. Smith"``.
    """
    name = _SPACES.sub(" ", re.sub(r"\(.*?\)", "", name)).strip(" ,;")
    if not name:
        return None
    if "," in name:
        surname, _, given = name.partition(",")
    else:
        parts = name.split(" ")
        if len(parts) == 1:
            return name
        if _INITIALS.match(parts[-1]):
            surname, given = " ".join(parts[:-1]), parts[-1]
        else:
            surname, given = parts[-1], " ".join(parts[:-1])
    surname, given = surname.strip(), given.strip()
    if not given:
        return surname
    if _INITIALS.match(given.replace(" ", "")) and not re.search(r"[a-z]", given):
        initials = re.sub(r"[^A-Z]", "", given)
    else:
        words = [w for w in re.split(r"[\s.\-]+", given) if w]
        initials = "".join(w[0].upper() for w in words if w[0].isalpha())
    return f"{surname}, {initials}" if initials else surname


def split_authors(values: object, separator: str | None = None) -> list[str]:
    """Return a list of cleaned authors from a list or a ``separator``-joined string."""
    return [a for a in map(clean_author, _items(values, separator)) if a]


def keywords(values: object, separator: str | None = None) -> list[str]:
    """Return a list of stripped, non-empty keywords."""
    return [k for k in map(text, _items(values, separator)) if k]


def _items(values: object, separator: str | None) -> list[str]:
    """Return ``values`` (a list, or a ``separator``-joined string) as strings."""
    if values is None:
        return []
    if isinstance(values, str):
        return values.split(separator) if separator else [values]
    return [str(v) for v in values]  # type: ignore[attr-defined]


def pages(start: object, end: object = None) -> str | None:
    """Return ``start-end`` (or ``start``) as a pages string."""
    s, e = text(start), text(end)
    if s and e and e != s and "-" not in s:
        return f"{s}-{e}"
    return s or e
