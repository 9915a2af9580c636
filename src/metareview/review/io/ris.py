"""RIS in all common dialects, parsed by rispy after a strict line check.

Dialects covered: Embase, Scopus, Web of Science, Ovid, EBSCO (CINAHL, APA
PsycInfo), ProQuest, Zotero, EndNote, Lens and the Cochrane Library (CENTRAL).
"""

from __future__ import annotations

import re
from typing import Any

import rispy  # type: ignore[import-untyped]

from ._common import Record, fail, first, keywords, pages, tagged_record
from ._common import split_authors as _authors

__all__ = ["read_ris"]

#: rispy's tag mapping, extended with tags that real exports use.
MAPPING = {
    **rispy.TAG_KEY_MAPPING,
    "U1": "user1",
    "U2": "user2",
    "U3": "user3",
    "LK": "website_link",
    "DI": "doi_alternate",
    "M2": "start_page_alternate",
    "L3": "file_attachments3",  # EBSCO writes the DOI here
}
LIST_TAGS = [*rispy.LIST_TYPE_TAGS, "L2", "L3", "DO", "DB", "DP", "SN", "PB"]

#: EBSCOhost database codes (``DB  - psyh``) and the databases they stand for; the
#: last three as in CiteSource's test exports, whose file names give the database.
EBSCO_DATABASES = {
    "psyh": "APA PsycInfo",
    "pdh": "APA PsycArticles",
    "cin20": "CINAHL",
    "rzh": "CINAHL Plus with Full Text",
    "ccm": "CINAHL Complete",
    "cmedm": "MEDLINE",
    "mdc": "MEDLINE Complete",
    "aph": "Academic Search Premier",
    "eric": "ERIC",
    "ecn": "EconLit",
    "egh": "Environment Index",
    "i3h": "Criminal Justice Abstracts",
}

#: Candidate rispy keys per normalised field, best first (the dialects differ).
FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title", "primary_title", "short_title", "translated_title"),
    "abstract": ("abstract", "notes_abstract"),
    "journal": (
        "alternate_title3",  # JF (Ovid, Embase, ProQuest)
        "journal_name",  # JO
        "secondary_title",  # T2 (Zotero, Scopus, WoS, EndNote)
        "alternate_title2",  # JA
        "alternate_title1",  # J2
    ),
    "year": ("year", "publication_year", "date"),  # PY, Y1, DA; "2019///" allowed
    "volume": ("volume",),
    "issue": ("number",),
    "authors": ("authors", "first_authors"),  # AU, A1
    "doi": (
        "doi",
        "doi_alternate",
        "type_of_work",  # M3 (some EBSCO exports)
        "urls",
        "file_attachments3",  # L3 (EBSCO)
        "file_attachments2",  # L2
        "website_link",
        "notes",
    ),
    "original_id": ("accession_number", "user2", "id"),  # AN, U2 (Embase), ID
    "source_database": ("name_of_database", "database_provider"),
}

_TAG = re.compile(r"^[A-Z][A-Z0-9]  - ")
_TAG_EMPTY = re.compile(r"^[A-Z][A-Z0-9]  -\s*$")
_LOOKS_LIKE_TAG = re.compile(r"^[A-Z][A-Z0-9] {1,3}-")
_PMID_URL = re.compile(
    r"(?:pubmed(?:\.ncbi\.nlm\.nih\.gov)?|ncbi\.nlm\.nih\.gov/pubmed)/(\d{1,9})"
)
#: ``C3  - PUBMED 30612345,EMBASE 625123456`` (Cochrane Library).
_PUBMED_XREF = re.compile(r"\bPUBMED\s+(\d{1,9})\b")
#: ``...login.aspx?direct=true&db=rzh&AN=148812345&site=ehost-live`` (EBSCOhost).
_EBSCO_AN = re.compile(r"ebscohost\.com/.*[?&]AN=([^&\s]+)", re.IGNORECASE)
#: ``N1  - Accession Number: 148812345; ...`` (EBSCO).
_NOTE_AN = re.compile(r"Accession Number:\s*([^;\s]+?)\.?(?:;|\s|$)")
#: Dashes other than the hyphen-minus that exports write in page ranges.
_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2212]")
#: The publisher's copyright paragraph EBSCO appends as a second ``AB``.
_EBSCO_COPYRIGHT = re.compile(r"\(Copyright applies to all Abstracts\.\)")
#: ``CN-01912345``, the accession number of a CENTRAL record.
_CENTRAL_ID = re.compile(r"^CN-\d+$")


def check_ris(text: str, path: str) -> list[int]:
    """Check the RIS line structure and return the first line number of each record.

    Raises
    ------
    ImportFormatError
        A record without ER, a tag outside a record, or a line that looks like a tag
        but is not ``XX  - ``.

    """
    starts: list[int] = []
    open_at: int | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        is_tag = bool(_TAG.match(line) or _TAG_EMPTY.match(line))
        if not is_tag:
            if line.strip() and _LOOKS_LIKE_TAG.match(line) and line[2:6] != "  - ":
                if open_at is not None or line.startswith(("TY", "ER")):
                    raise fail(
                        path,
                        number,
                        f"tag line {line[:20]!r} is not of the form 'XX  - value'",
                    )
            continue
        tag = line[:2]
        if tag == "TY":
            if open_at is not None:
                raise fail(
                    path,
                    number,
                    f"record starting at line {open_at} has no ER before this TY",
                )
            open_at = number
            starts.append(number)
        elif tag == "ER":
            if open_at is None:
                raise fail(path, number, "ER without a preceding TY")
            open_at = None
        elif open_at is None and not starts:
            raise fail(path, number, f"tag {tag} outside a record (no TY before it)")
        # Ovid writes a few tags (NL) after ER; rispy ignores them, and so do we.
    if open_at is not None:
        raise fail(
            path, open_at, "record starting here has no ER (file ends inside it)"
        )
    if not starts:
        raise fail(path, 1, "no RIS record (no 'TY  - ' line)")
    return starts


def _pmid(fields: dict[str, Any], database: str | None) -> str | None:
    """PMID from a PubMed link, a Cochrane ``C3  - PUBMED n`` or a MEDLINE ``AN``."""
    links = [*(fields.get("urls") or []), *(fields.get("file_attachments2") or [])]
    for link in links:
        match = _PMID_URL.search(str(link))
        if match:
            return match.group(1)
    match = _PUBMED_XREF.search(first(fields, ("custom3",)) or "")
    if match:
        return match.group(1)
    accession = first(fields, ("accession_number",))
    if accession and accession.isdigit() and database:
        if re.search(r"NLM|PubMed|MEDLINE", database, re.IGNORECASE):
            return accession
    return None


def _database(fields: dict[str, Any]) -> str | None:
    """Return the source database, EBSCOhost codes spelled out, CENTRAL named."""
    code = first(fields, ("name_of_database",))
    provider = first(fields, ("database_provider",))
    if code and provider and "ebsco" in provider.lower():
        return EBSCO_DATABASES.get(code.lower(), code)
    if code or provider:
        return code or provider
    accession = first(fields, ("accession_number",)) or ""
    if _CENTRAL_ID.match(accession):
        return "Cochrane CENTRAL"
    return None


def _original_id(fields: dict[str, Any]) -> str | None:
    """Return the record's id in its database (EBSCO may give it in UR or N1)."""
    found = first(fields, FIELDS["original_id"])
    if found:
        return found
    for link in fields.get("urls") or []:
        match = _EBSCO_AN.search(str(link))
        if match:
            return match.group(1)
    for note in fields.get("notes") or []:
        match = _NOTE_AN.search(str(note))
        if match:
            return match.group(1)
    return None


def _abstract(fields: dict[str, Any]) -> str | None:
    """Return the first abstract, skipping EBSCO's copyright paragraph."""
    values = fields.get("abstract") or []
    if isinstance(values, str):
        values = [values]
    kept = [v for v in values if not _EBSCO_COPYRIGHT.search(str(v))]
    return first({**fields, "abstract": kept}, FIELDS["abstract"])


def _normalise(fields: dict[str, Any]) -> Record:
    start = first(fields, ("start_page",))
    end = first(fields, ("end_page",))
    page = pages(start, end)
    if page:
        page = _DASHES.sub("-", page)  # Cochrane writes 100\u2010108
    if page and not re.search(r"\d", page):
        page = None  # Ovid writes "SP  - No" / "EP  - Specified"
    database = _database(fields)
    authors: list[str] = []
    for key in FIELDS["authors"]:
        authors = _authors(fields.get(key))
        if authors:
            break
    return tagged_record(
        fields,
        FIELDS,
        abstract=_abstract(fields),
        authors=authors,
        pages=page,
        pmid=_pmid(fields, database),
        keywords=keywords(fields.get("keywords")),
        source_database=database,
        original_id=_original_id(fields),
    )


def read_ris(text: str, path: str) -> list[Record]:
    """Return the records of a RIS export.

    Parameters
    ----------
    text : str
        Decoded text with LF line ends.
    path : str
        The file name, for error messages.

    Returns
    -------
    list of dict
        One normalised record per ``TY``…``ER`` block.

    """
    starts = check_ris(text, path)
    try:
        entries = rispy.loads(text, mapping=MAPPING, list_tags=LIST_TAGS)
    except Exception as exc:  # rispy raises plain exceptions
        raise fail(path, None, f"RIS could not be parsed ({exc})") from None
    if len(entries) != len(starts):
        raise fail(path, None, f"{len(starts)} records found but {len(entries)} parsed")
    return [_normalise(entry) for entry in entries]
