"""The Cochrane Library's plain-text export (CENTRAL trials, "Record #1 of N").

Each record opens with a ``Record #k of N`` line and holds one ``TAG: value`` line
per field: ``ID`` (``CN-01234567``), ``AU`` (one author a line), ``TI``, ``SO``
(journal), ``YR``, ``VL``, ``NO`` (issue), ``PG``, ``XR`` and ``PM`` (cross
references such as ``PUBMED 30612345``), ``PT`` (publication type), ``KY``
(keywords separated by ``;``), ``DOI``, ``AB`` and ``US`` (the record's URL).
The Cochrane Library's RIS export is read by :func:`~.ris.read_ris`.
"""

from __future__ import annotations

import re

from ._common import Record, fail, first, keywords, split_authors, tagged_record

__all__ = ["RECORD", "read_cochrane"]

#: The line that opens a record: ``Record #1 of 25``.
RECORD = re.compile(r"^Record #(\d+) of (\d+)\s*$")
_FIELD = re.compile(r"^([A-Z][A-Z0-9]{1,3}):(?: (.*))?$")
_PUBMED = re.compile(r"\bPUBMED\s+(\d{1,9})\b")
_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2212]")
_CENTRAL_ID = re.compile(r"^CN-\d+$")

Fields = dict[str, list[str]]

#: Cochrane tags per normalised field, best first.
FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("TI",),
    "journal": ("SO",),
    "year": ("YR",),
    "volume": ("VL",),
    "issue": ("NO",),
    "doi": ("DOI", "US"),
}


def parse_cochrane(text: str, path: str) -> list[tuple[int, Fields]]:
    """Return ``(line, {tag: values})`` per record.

    Raises
    ------
    ImportFormatError
        A field outside a record, a continuation line before any field, a line
        that is not ``TAG: value``, or a record with neither ``ID`` nor ``TI``.

    """
    records: list[tuple[int, Fields]] = []
    current: Fields | None = None
    last: str | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        if RECORD.match(line):
            current, last = {}, None
            records.append((number, current))
            continue
        if line[0] in " \t":
            if current is None or last is None:
                raise fail(path, number, "continuation line before any field")
            current[last][-1] += " " + line.strip()
            continue
        match = _FIELD.match(line)
        if match is None:
            if current is None:
                continue  # a header before the first record
            raise fail(
                path, number, f"line {line[:20]!r} is not a Cochrane 'TAG: value' line"
            )
        if current is None:
            raise fail(
                path,
                number,
                f"field {match.group(1)} outside a record "
                "(no 'Record #' line before it)",
            )
        last = match.group(1)
        current.setdefault(last, []).append((match.group(2) or "").strip())
    if not records:
        raise fail(path, 1, "no Cochrane record (no 'Record #1 of N' line)")
    for number, fields in records:
        if not (first(fields, ("ID",)) or first(fields, ("TI",))):
            raise fail(path, number, "record has neither ID nor TI")
    return records


def _pmid(fields: Fields) -> str | None:
    for value in [*fields.get("PM", []), *fields.get("XR", [])]:
        match = _PUBMED.search(value)
        if match:
            return match.group(1)
    return None


def _authors(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for value in values or []:
        out += split_authors(value, ";")
    return out


def read_cochrane(text: str, path: str) -> list[Record]:
    """Return the records of a Cochrane Library plain-text export.

    Parameters
    ----------
    text : str
        Decoded text with LF line ends.
    path : str
        The file name, for error messages.

    Returns
    -------
    list of dict
        One normalised record per ``Record #k of N`` block.

    """
    out = []
    for _, fields in parse_cochrane(text, path):
        record_id = first(fields, ("ID",))
        page = first(fields, ("PG",))
        central = bool(record_id and _CENTRAL_ID.match(record_id))
        out.append(
            tagged_record(
                fields,
                FIELDS,
                abstract=" ".join(fields.get("AB", [])).strip() or None,
                authors=_authors(fields.get("AU")),
                pages=_DASHES.sub("-", page) if page else None,
                pmid=_pmid(fields),
                keywords=keywords(";".join(fields.get("KY", [])), ";"),
                source_database="Cochrane CENTRAL" if central else "Cochrane Library",
                original_id=record_id,
            )
        )
    return out
