"""PubMed MEDLINE format (``.nbib``, PubMed "Save as PubMed format" ``.txt``)."""

from __future__ import annotations

import re

from ._common import Record, clean_doi, fail, keywords, split_authors, tagged_record

__all__ = ["read_medline"]

_LINE = re.compile(r"^([A-Z][A-Z0-9]{1,3}) *- ?(.*)$")

#: Tags whose repeated values are kept as a list; the others are joined.
LIST_TAGS = frozenset({"AU", "FAU", "MH", "OT", "AID", "LID", "PT", "IS", "AD"})

#: MEDLINE tags per normalised field, best first.
FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("TI", "BTI"),
    "journal": ("JT", "TA"),
    "year": ("DP", "DEP"),
    "volume": ("VI",),
    "issue": ("IP",),
    "pages": ("PG",),
    "pmid": ("PMID",),
    "original_id": ("PMID",),
}


def parse_medline(text: str, path: str) -> list[tuple[int, dict[str, list[str]]]]:
    """Return ``(line, {tag: values})`` per record; blank lines separate records."""
    records: list[tuple[int, dict[str, list[str]]]] = []
    current: dict[str, list[str]] | None = None
    last: str | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            current, last = None, None
            continue
        if line.startswith(" "):
            if current is None or last is None:
                raise fail(path, number, "continuation line before any tag")
            current[last][-1] += " " + line.strip()
            continue
        match = _LINE.match(line)
        if not match or line[4:6] != "- ":
            raise fail(
                path, number, f"line {line[:20]!r} is not a MEDLINE 'TAG - value' line"
            )
        tag, value = match.group(1), match.group(2).strip()
        if current is None:
            if tag != "PMID":
                raise fail(
                    path, number, f"record does not start with PMID (found {tag})"
                )
            current = {}
            records.append((number, current))
        current.setdefault(tag, []).append(value)
        last = tag
    if not records:
        raise fail(path, 1, "no MEDLINE record (no 'PMID- ' line)")
    return records


def _doi(fields: dict[str, list[str]]) -> str | None:
    for value in [*fields.get("AID", []), *fields.get("LID", [])]:
        if value.endswith("[doi]"):
            return clean_doi(value.removesuffix("[doi]"))
    return None


def read_medline(text: str, path: str) -> list[Record]:
    """Return the records of a PubMed MEDLINE-format export.

    Parameters
    ----------
    text : str
        Decoded text with LF line ends.
    path : str
        The file name, for error messages.

    Returns
    -------
    list of dict
        One normalised record per PMID block.

    """
    out = []
    for _, fields in parse_medline(text, path):
        authors = split_authors(fields.get("FAU")) or split_authors(fields.get("AU"))
        out.append(
            tagged_record(
                fields,
                FIELDS,
                abstract=" ".join(fields.get("AB", [])) or None,
                authors=authors,
                doi=_doi(fields),
                keywords=keywords(fields.get("OT")) + keywords(fields.get("MH")),
                source_database="PubMed",
            )
        )
    return out
