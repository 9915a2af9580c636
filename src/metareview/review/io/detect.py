"""Detect the encoding and the format of an export from its content."""

from __future__ import annotations

import codecs
import re

__all__ = ["decode", "detect_format"]

#: Byte-order marks and the codec each implies, checked in this order.
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

#: Extensions whose format is unambiguous; others are decided from the content.
EXTENSION_FORMATS = {
    ".ris": "ris",
    ".nbib": "medline",
    ".bib": "bibtex",
    ".bibtex": "bibtex",
    ".csv": "csv",
}

_RIS = re.compile(r"^TY  - ", re.MULTILINE)
_MEDLINE = re.compile(r"^PMID- ?\d", re.MULTILINE)
_WOS_TAGGED = re.compile(r"^(FN |PT [A-Z]\s*$)", re.MULTILINE)
_BIBTEX = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.MULTILINE)
_WOS_TAB_HEADER = re.compile(r"^PT\t.*\b(TI|AU)\t")
_COCHRANE = re.compile(r"^Record #\d+ of \d+[ \t]*$", re.M)


def decode(data: bytes) -> tuple[str, str]:
    """Return the text of ``data`` with LF line ends, and the encoding used.

    UTF-8 and UTF-16 with a byte-order mark are recognised by the mark; without one,
    UTF-8 is tried and cp1252 is the fallback. CR and CRLF line ends become LF.

    Parameters
    ----------
    data : bytes
        The raw content of the file.

    Returns
    -------
    tuple of (str, str)
        The decoded text (without byte-order mark) and the codec name.

    """
    encoding = None
    for bom, codec in BOMS:
        if data.startswith(bom):
            encoding = codec
            break
    if encoding is None:
        try:
            text = data.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = "cp1252"
            text = data.decode("cp1252", errors="replace")
    else:
        text = data.decode(encoding)
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return text, encoding


def detect_format(text: str, suffix: str = "") -> str | None:
    """Return the format name of ``text``, or None when it is not recognised.

    The content decides; the extension ``suffix`` only breaks ties.

    Parameters
    ----------
    text : str
        Decoded text with LF line ends (see :func:`decode`).
    suffix : str
        The file extension, e.g. ``".txt"``.

    Returns
    -------
    str or None
        One of ``ris``, ``cochrane``, ``medline``, ``pubmed_xml``, ``endnote_xml``,
        ``wos``, ``wos_tab``, ``bibtex``, ``csv``.

    """
    head = text.lstrip()[:20000]
    if head.startswith("<"):
        if "<PubmedArticle" in head or "<PubmedBookArticle" in head:
            return "pubmed_xml"
        if "<record" in head or "<records" in head:
            return "endnote_xml"
        return "pubmed_xml" if "Pubmed" in head else "endnote_xml"
    if _WOS_TAB_HEADER.match(head):
        return "wos_tab"
    if _RIS.search(head):
        return "ris"
    if _COCHRANE.search(head):
        return "cochrane"
    if _MEDLINE.search(head):
        return "medline"
    if _WOS_TAGGED.search(head):
        return "wos"
    if _BIBTEX.search(head):
        return "bibtex"
    by_extension = EXTENSION_FORMATS.get(suffix.lower())
    if by_extension:
        return by_extension
    first_line = head.split("\n", 1)[0]
    if first_line.count(",") >= 2 or first_line.count("\t") >= 2:
        return "csv"
    return None
