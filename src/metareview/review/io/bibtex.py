"""BibTeX, parsed by bibtexparser (1.x) with LaTeX accents converted to Unicode."""

from __future__ import annotations

import re
import unicodedata
import warnings

import bibtexparser  # type: ignore[import-untyped]
from bibtexparser.bparser import BibTexParser  # type: ignore[import-untyped]
from bibtexparser.customization import convert_to_unicode  # type: ignore[import-untyped]

from ._common import Record, fail, keywords, pages, split_authors, tagged_record

__all__ = ["read_bibtex"]

_ENTRY = re.compile(
    r"^\s*@\s*(?!comment\b|string\b|preamble\b)([A-Za-z]+)\s*[{(]", re.I | re.M
)
_BRACES = re.compile(r"[{}]")
_KEY = re.compile(r"\s*([^,\s]+)\s*,")
_FIELD = re.compile(
    r"^\s*([A-Za-z][\w-]*)\s*=\s*(?:\{(.*)\}|\"(.*)\"|([\w.:-]+))\s*,?\s*$"
)
#: Sequences that convert_to_unicode leaves decomposed (``{\'\i}``), and their fix.
UNICODE_FIXES = {
    "\u0131\u0301": "í",
    "\u0131\u0300": "ì",
    "\u0131\u0302": "î",
    "\u0131\u0308": "ï",
}

#: Candidate BibTeX fields per normalised field, best first.
FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "abstract": ("abstract",),
    "journal": ("journal", "journaltitle", "booktitle"),
    "year": ("year", "date"),
    "volume": ("volume",),
    "issue": ("number", "issue"),
    "doi": ("doi", "url"),
    "pmid": ("pmid",),
    "source_database": ("source",),
}


def _strip(value: str | None) -> str | None:
    if not value:
        return value
    for wrong, right in UNICODE_FIXES.items():
        value = value.replace(wrong, right)
    return unicodedata.normalize("NFC", _BRACES.sub("", value))


def _lenient(chunk: str, path: str, line: int) -> dict[str, str]:
    """Read one ``field={value},`` per line; raise naming the first line that is not."""
    lines = chunk.rstrip().split("\n")
    key = re.match(r"\s*@\s*\w+\s*[{(]\s*([^,\s]+)\s*,", chunk)
    if key is None:
        raise fail(path, line, "BibTeX entry without a citation key")
    entry = {"ID": key.group(1)}
    for offset, raw in enumerate(lines[1:], start=1):
        stripped = raw.strip()
        if not stripped or stripped in {"}", ")"}:
            continue
        match = _FIELD.match(raw)
        if match is None:
            raise fail(
                path,
                line + offset,
                f"BibTeX field line {stripped[:30]!r} is not 'name={{value}},'",
            )
        value = next(g for g in match.groups()[1:] if g is not None)
        entry[match.group(1).lower()] = convert_to_unicode({"x": value})["x"]
    if len(entry) == 1:
        raise fail(path, line, "BibTeX entry without fields")
    return entry


def read_bibtex(text: str, path: str) -> list[Record]:
    """Return the records of a BibTeX file.

    Parameters
    ----------
    text : str
        Decoded text with LF line ends.
    path : str
        The file name, for error messages.

    Returns
    -------
    list of dict
        One normalised record per entry (``@comment``, ``@string`` and
        ``@preamble`` are not records).

    """
    headers = list(_ENTRY.finditer(text))
    if not headers:
        raise fail(path, 1, "no BibTeX entry (no '@type{' line)")
    parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False)
    parser.customization = convert_to_unicode
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = bibtexparser.loads(text, parser=parser).entries
    # bibtexparser silently drops an entry it cannot parse (e.g. an unbalanced brace
    # inside an abstract, as Scopus writes them); such entries are read line by line.
    entries: list[dict[str, str]] = []
    j = 0
    for i, header in enumerate(headers):
        end = headers[i + 1].start() if i + 1 < len(headers) else len(text)
        at = text.index("@", header.start())
        line = text.count("\n", 0, at) + 1
        key_match = _KEY.match(text, header.end())
        key = key_match.group(1).strip() if key_match else None
        if j < len(parsed) and key is not None and parsed[j].get("ID") == key:
            entries.append(parsed[j])
            j += 1
        else:
            entries.append(_lenient(text[at:end], path, line))
    out = []
    for entry in entries:
        fields = {k.lower(): _strip(v) for k, v in entry.items()}
        authors = split_authors(
            re.split(r"\s+and\s+", fields.get("author") or "")
            if fields.get("author")
            else None
        )
        out.append(
            tagged_record(
                fields,
                FIELDS,
                authors=authors,
                pages=pages((fields.get("pages") or "").replace("--", "-") or None),
                keywords=keywords(re.split(r"[;,]", fields.get("keywords") or "")),
                original_id=fields.get("ID") or entry.get("ID"),
            )
        )
    return out
