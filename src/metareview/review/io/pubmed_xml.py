"""PubMed XML (``PubmedArticleSet``), parsed with the standard library."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ._common import Record, clean_doi, clean_year, fail, text

__all__ = ["parse_xml", "read_pubmed_xml"]


def parse_xml(data: str, path: str) -> ET.Element:
    """Return the root element, or raise naming the line where the XML is broken."""
    try:
        # External entities and DTDs are not fetched by ElementTree.
        return ET.fromstring(data)
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise fail(path, line, f"XML is not well-formed ({exc})") from None


def _all_text(element: ET.Element | None) -> str | None:
    return None if element is None else text("".join(element.itertext()))


def read_pubmed_xml(data: str, path: str) -> list[Record]:
    """Return the records of a PubMed XML export.

    Parameters
    ----------
    data : str
        Decoded XML text.
    path : str
        The file name, for error messages.

    Returns
    -------
    list of dict
        One normalised record per ``PubmedArticle``.

    """
    root = parse_xml(data, path)
    out = []
    for article in root.iter("PubmedArticle"):
        citation = article.find("MedlineCitation")
        art = citation.find("Article") if citation is not None else None
        if citation is None or art is None:
            raise fail(path, None, "PubmedArticle without MedlineCitation/Article")
        authors = []
        for author in art.findall("AuthorList/Author"):
            last = author.findtext("LastName")
            initials = author.findtext("Initials") or ""
            if last:
                authors.append(f"{last}, {initials}" if initials else last)
            elif author.findtext("CollectiveName"):
                authors.append(author.findtext("CollectiveName") or "")
        abstract = " ".join(
            t for t in (_all_text(a) for a in art.findall("Abstract/AbstractText")) if t
        )
        issue = art.find("Journal/JournalIssue")
        date = issue.find("PubDate") if issue is not None else None
        year = clean_year(
            date.findtext("Year") if date is not None else None,
            date.findtext("MedlineDate") if date is not None else None,
            art.findtext("ArticleDate/Year"),
        )
        ids = {
            e.get("IdType"): e.text
            for e in article.findall("PubmedData/ArticleIdList/ArticleId")
        }
        elocation = [
            e.text for e in art.findall("ELocationID") if e.get("EIdType") == "doi"
        ]
        keywords = [k for k in (_all_text(e) for e in citation.iter("Keyword")) if k]
        keywords += [
            k
            for k in (
                _all_text(e)
                for e in citation.findall("MeshHeadingList/MeshHeading/DescriptorName")
            )
            if k
        ]
        pmid = text(citation.findtext("PMID"))
        out.append(
            {
                "title": _all_text(art.find("ArticleTitle")),
                "abstract": abstract or None,
                "authors": authors,
                "year": year,
                "journal": text(art.findtext("Journal/Title")),
                "volume": text(issue.findtext("Volume")) if issue is not None else None,
                "issue": text(issue.findtext("Issue")) if issue is not None else None,
                "pages": text(art.findtext("Pagination/MedlinePgn")),
                "doi": clean_doi(ids.get("doi"), *elocation),
                "pmid": pmid,
                "keywords": keywords,
                "source_database": "PubMed",
                "original_id": pmid,
            }
        )
    if not out:
        raise fail(path, 1, "no PubmedArticle element")
    return out
