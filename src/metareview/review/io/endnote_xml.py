"""EndNote XML (``<xml><records><record>``) from EndNote, Zotero and Mendeley."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ._common import Record, clean_doi, clean_year, fail, split_authors, text
from .pubmed_xml import parse_xml

__all__ = ["read_endnote_xml"]

#: Candidate element paths per normalised field, best first.
FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("titles/title",),
    "abstract": ("abstract",),
    "journal": (
        "periodical/full-title",
        "titles/secondary-title",
        "journal/full-title",
        "periodical/abbr-1",
    ),
    "year": ("dates/year", "dates/pub-dates/date"),
    "volume": ("volume",),
    "issue": ("number", "issue"),
    "pages": ("pages",),
    "doi": ("electronic-resource-num", "urls/related-urls/url", "notes"),
    "original_id": ("accession-num", "rec-number"),
    "source_database": ("remote-database-name", "remote-database-provider", "database"),
}


def _get(record: ET.Element, paths: tuple[str, ...]) -> str | None:
    for path in paths:
        element = record.find(path)
        if element is not None:
            value = text("".join(element.itertext()))
            if value:
                return value
    return None


def read_endnote_xml(data: str, path: str) -> list[Record]:
    """Return the records of an EndNote XML export.

    Parameters
    ----------
    data : str
        Decoded XML text.
    path : str
        The file name, for error messages.

    Returns
    -------
    list of dict
        One normalised record per ``record`` element.

    """
    root = parse_xml(data, path)
    out = []
    for record in root.iter("record"):
        authors = [
            text("".join(a.itertext())) or ""
            for a in record.findall("contributors/authors/author")
        ]
        accession = _get(record, ("accession-num",))
        urls = [text("".join(u.itertext())) for u in record.iter("url")]
        pmid = accession if accession and accession.isdigit() else None
        for url in urls:
            match = re.search(r"pubmed[^/]*/(\d+)", url or "")
            if pmid is None and match:
                pmid = match.group(1)
        out.append(
            {
                "title": _get(record, FIELDS["title"]),
                "abstract": _get(record, FIELDS["abstract"]),
                "authors": split_authors([a for a in authors if a]),
                "year": clean_year(*(_get(record, (p,)) for p in FIELDS["year"])),
                "journal": _get(record, FIELDS["journal"]),
                "volume": _get(record, FIELDS["volume"]),
                "issue": _get(record, FIELDS["issue"]),
                "pages": _get(record, FIELDS["pages"]),
                "doi": clean_doi(_get(record, ("electronic-resource-num",)), *urls),
                "pmid": pmid,
                "keywords": [
                    k
                    for k in (
                        text("".join(e.itertext())) for e in record.iter("keyword")
                    )
                    if k
                ],
                "source_database": _get(record, FIELDS["source_database"]),
                "original_id": _get(record, FIELDS["original_id"]),
            }
        )
    if not out:
        raise fail(path, 1, "no EndNote <record> element")
    return out
