"""Normalisation of bibliographic fields for duplicate detection.

Every function maps one raw field value (any type, possibly missing) to a plain
string or number that can be compared directly. The frame-level entry point is
:func:`normalise_records`.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

import pandas as pd

_TAG = re.compile(r"<[^>]{0,200}>")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DOI = re.compile(r"\b10\.\d+(?:\.\d+)*/\S+")
# A publisher's landing-page suffix after the DOI in a URL.
_DOI_PAGE = re.compile(r"/(?:abstract|full|pdf|epdf)$")
_DIGITS = re.compile(r"\d+")
_PAGE_TOKEN = re.compile(r"^[a-zA-Z]{0,2}\d+[a-zA-Z]?[;,.]?$")
_COCHRANE_ID = re.compile(r"\bCD(\d{6})\b", re.I)
_COCHRANE_VERSION = re.compile(r"^(10\.1002/14651858\.cd\d{6})\.pub\d+$")
# MEDLINE appends notes about related records; from there on nothing is title.
_NOTE_TAIL = re.compile(
    r"[\[(]\s*(?:erratum|errata|comment|retraction|retracted|update|summary for"
    r" patients|republished|reprinted)s?\b(?:\s+(?:appears|in|on|of|see))\b.*$",
    re.I | re.S,
)
_ANNOTATION = re.compile(
    r"[\[(](?:[^\])]*\b(?:erratum|errata|comment|comments|retraction|retracted|"
    r"refs?|references|review|multiple letters|see|update)\b[^\])]*)[\])]",
    re.I,
)
# A whole title in brackets followed by more text: the English translation of
# the original title that follows it ("[Effect of ...] TO: Efecto de ...").
_LEADING_TRANSLATION = re.compile(r"^\s*\[([^\]]{10,})\]\s*\S.*$", re.S)
# A language tag followed by the title in that language.
_LANGUAGE_TAIL = re.compile(
    r"\[(?:chinese|croatian|czech|danish|dutch|finnish|french|german|greek|hebrew"
    r"|hungarian|italian|japanese|korean|norwegian|polish|portuguese|romanian"
    r"|russian|serbian|spanish|swedish|turkish)\]\s*\S.*$",
    re.I | re.S,
)
# Digits grouped by a space ("10 000") are one number; a run of numbers
# ("2009 360 542") is left alone.
_THOUSANDS = re.compile(r"(?<!\d )\b(\d{1,3}) (\d{3})\b(?! \d)")
# The citation of the corrected article after its title marks an erratum:
# "(vol 85, pg 553, 2010)" (Web of Science), "(Circulation (1992) 87
# (208-215))" (Embase).
_CORRECTION_OF = re.compile(
    r"\((?:\s*vol\.?\s+\d+\s*,\s*pg\.?\s+\w+\s*,\s*\d{4}\s*"
    r"|[^()]*\(\d{4}\)\s*\d+\s*(?:\([^()]*\)\s*)?\(\s*[\w-]+\s*\)\s*)\)\s*\.?\s*$",
    re.I,
)
# A corporate author ("ALTS Group", "The ... Investigators").
_GROUP_AUTHOR = re.compile(
    r"\b(?:group|investigators|collaborat\w*|consortium|committee|study|trialists)\b"
)
# A short bracketed note after the title text: a language or a footnote number.
_TRAILING_BRACKET = re.compile(
    r"(?<=\S)\s*\[(?!abstract|poster)[^\]\s]{1,20}(?:\s[^\]\s]{1,20})?\]"
)

#: Title words that carry no identity (skipped by the title blocking key).
STOPWORDS = frozenset(
    "a an the of in on for and or to with by at from as is are be its their"
    " into versus vs".split()
)

#: Markers of a record that concerns another report rather than repeating it.
#: Each pattern is searched in the normalised title (lower case, punctuation
#: removed, single spaces); the key names the kind of record.
KIND_PATTERNS: dict[str, re.Pattern[str]] = {
    "erratum": re.compile(r"\b(?:errat(?:um|a)|corrigend(?:um|a)|correction(?:s)?\b)"),
    "retraction": re.compile(
        r"\b(?:retract(?:ion|ed)|withdrawn|expression of concern)\b"
    ),
    "reply": re.compile(
        r"\b(?:reply|replies|author s response|authors response)\b"
        r"|(?:^|\ba )response to\b"
    ),
    "comment": re.compile(
        r"\b(?:comment(?:s|ary)? on|commentary|letter to the editor)\b"
    ),
    "abstract": re.compile(
        r"\b(?:abstract|abstracts|poster|meeting abstract)\b$|^abstract\b"
    ),
    "protocol": re.compile(
        r"\b(?:study protocol|protocol for|protocol of|a protocol)\b|\bprotocol$"
    ),
}


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:
        return True
    return isinstance(value, str) and not value.strip()


def fold(text: Any) -> str:
    """Return ``text`` lower-cased, accent-free, without markup and punctuation.

    HTML entities (``&amp;``) are decoded, tags (``<i>``) removed, the string is
    decomposed (Unicode NFKD) and combining marks dropped; every run of
    characters other than ``a-z0-9`` becomes one space.
    """
    if _missing(text):
        return ""
    s = html.unescape(str(text))
    s = _TAG.sub(" ", s).lower()
    if not s.isascii():
        s = unicodedata.normalize("NFKD", s)
        s = "".join(c for c in s if not unicodedata.combining(c))
        s = s.replace("ß", "ss").replace("æ", "ae").replace("ø", "o")
    return _NON_ALNUM.sub(" ", s).strip()


def normalise_title(title: Any) -> str:
    """Return the folded title, without database annotations.

    The brackets of a translated title (``"[Title in English]"``) and a trailing
    ``"."`` go with the rest of the punctuation (:func:`fold`); the words stay.
    A title in another language after the translation is dropped (``"[Title
    in English] TO: Título"``, ``"Title in English. [Spanish] Título"``), and
    digits grouped by a space are joined (``"10 000"`` gives ``"10000"``).
    The citation of a corrected article after the title (``"Title (vol 85, pg
    553, 2010)"``) becomes the word ``erratum``.
    Annotations that databases append after the title are removed: bracketed
    notes such as ``"[Review] [88 refs]"``, ``"[Romanian]"``, ``"[Erratum
    appears in ...]"``, ``"[Comment in ...]"``, ``"(multiple letters)"``.
    """
    if _missing(title):
        return ""
    s = html.unescape(str(title))
    s = _CORRECTION_OF.sub(" erratum", s)
    s = _NOTE_TAIL.sub(" ", s)
    s = _ANNOTATION.sub(" ", s)
    s = _LANGUAGE_TAIL.sub(" ", s)
    s = _LEADING_TRANSLATION.sub(r"\1", s)
    s = _TRAILING_BRACKET.sub(" ", s)
    return _THOUSANDS.sub(r"\1\2", fold(s))


def normalise_doi(doi: Any) -> str:
    """Return the DOI lower-cased, without resolver, prefix or trailing dots.

    The DOI is found anywhere in the field (``"DOI 10.1/x"``, ``"ARTN 106
    10.1/x"``, ``"https://doi.org/10.1/x"``); a landing-page suffix
    (``/abstract``, ``/full``, ``/pdf``) is dropped.

    The versions of a Cochrane review (``10.1002/14651858.CD001234.pub2``) are
    one record (the duplicate definition of the bib-dedupe benchmark), so
    the version suffix is dropped.
    """
    if _missing(doi):
        return ""
    m = _DOI.search(unquote(html.unescape(str(doi))))
    if not m:
        return ""
    s = _DOI_PAGE.sub("", m.group(0).lower().rstrip(".;,"))
    return _COCHRANE_VERSION.sub(r"\1", s)


def cochrane_doi(pages: Any) -> str:
    """Return the DOI of the Cochrane review whose number (``CD001234``) is given.

    Cochrane reviews are often exported with the review number as pages and no
    DOI; the number identifies the review across its versions.
    """
    m = None if _missing(pages) else _COCHRANE_ID.search(str(pages))
    return f"10.1002/14651858.cd{m.group(1)}" if m else ""


def normalise_pmid(pmid: Any) -> str:
    """Return the PubMed id as a string of digits (empty when absent)."""
    if _missing(pmid):
        return ""
    m = _DIGITS.search(str(pmid))
    return m.group(0).lstrip("0") if m else ""


def normalise_pages(pages: Any) -> str:
    """Return ``"first-last"`` with an abbreviated last page completed.

    ``"123-9"`` gives ``"123-129"``, ``"47--65"`` gives ``"47-65"``, ``"e123"``
    gives ``"123"``, ``"BR32-9"`` gives ``"32-39"``; of several ranges
    (``"233-8, 230-5"``, ``"233-238+230-235"``) the first is kept.
    """
    if _missing(pages):
        return ""
    first_range = re.split(r"[,;+]", str(pages).strip())[0]
    tokens = [t for t in re.split(r"[-\u2013\u2014\s]+", first_range) if t]
    if not tokens or not all(_PAGE_TOKEN.match(t) for t in tokens[:2]):
        return ""
    nums = _DIGITS.findall(" ".join(tokens[:2]))
    if not nums:
        return ""
    first = nums[0].lstrip("0") or "0"
    if len(nums) < 2:
        return first
    last = nums[1].lstrip("0") or "0"
    if len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    return first if last == first else f"{first}-{last}"


def normalise_year(year: Any) -> int:
    """Return the four-digit year, or 0 when absent."""
    if _missing(year):
        return 0
    m = re.search(r"(1[89]|20)\d\d", str(year))
    return int(m.group(0)) if m else 0


def normalise_number(value: Any) -> str:
    """Return the first run of digits of a volume or issue (empty when absent)."""
    if _missing(value) or re.fullmatch(r"\s*\d+\)\s*", str(value)):
        return ""  # "1)": a shifted supplement number, not a volume
    m = _DIGITS.search(str(value))
    return (m.group(0).lstrip("0") or "0") if m else ""


def normalise_authors(authors: Any) -> str:
    """Return the folded author names joined by spaces.

    Lists are joined; strings in any of the usual forms (``"A and B"``,
    ``"A; B"``, ``"A., B."``) are folded as a whole, since only the surnames'
    letters matter for the similarity used downstream.
    """
    if isinstance(authors, (list, tuple)):
        return fold(" ".join(str(a) for a in authors))
    return fold(authors)


def is_group_author(authors: str) -> bool:
    """Return whether folded author names include a corporate author."""
    return bool(_GROUP_AUTHOR.search(authors))


def _first_word(folded: str) -> str:
    for word in folded.split():
        if len(word) > 1:
            return word
    return ""


def record_kind(title: str) -> str:
    """Return the kinds of non-article record the normalised title marks.

    The result is a sorted, comma-separated string (empty for an ordinary
    report), e.g. ``"erratum"`` for ``"Erratum: Effect of ..."``.
    """
    return ",".join(k for k, pat in KIND_PATTERNS.items() if pat.search(title))


def normalise_records(records: pd.DataFrame) -> pd.DataFrame:
    """Return a frame of comparable fields, one row per input row (same order).

    Columns: ``title doi pmid pages first_page year volume issue journal authors
    first_author kind numbers``. Missing input columns are treated as empty.
    """
    n = len(records)

    def col(name: str) -> list[Any]:
        if name in records.columns:
            return records[name].tolist()
        return [None] * n

    titles = [normalise_title(t) for t in col("title")]
    raw_pages = col("pages")
    pages = [normalise_pages(p) for p in raw_pages]
    dois = [
        normalise_doi(d) or cochrane_doi(p)
        for d, p in zip(col("doi"), raw_pages, strict=True)
    ]
    authors = [normalise_authors(a) for a in col("authors")]
    out = pd.DataFrame(
        {
            "title": titles,
            "doi": dois,
            "pmid": [normalise_pmid(p) for p in col("pmid")],
            "pages": pages,
            "first_page": [p.split("-")[0] for p in pages],
            "year": [normalise_year(y) for y in col("year")],
            "volume": [normalise_number(v) for v in col("volume")],
            "issue": [normalise_number(v) for v in col("issue")],
            "journal": [fold(j) for j in col("journal")],
            "authors": authors,
            "first_author": [_first_word(a) for a in authors],
            "kind": [record_kind(t) for t in titles],
        }
    )
    out["numbers"] = pd.Series(
        [title_numbers(t) for t in titles], index=out.index, dtype=object
    )
    return out


def title_numbers(title: str) -> frozenset[str]:
    """Return the numbers written in a normalised title (e.g. part, phase)."""
    return frozenset(_DIGITS.findall(title))


@lru_cache(maxsize=1 << 16)
def journal_agrees(a: str, b: str) -> bool:
    """Return whether two folded journal names can denote the same journal.

    Equal names agree; so does an abbreviation whose words are, in order,
    prefixes of the full name's significant words (``"nat rev nephrol"`` and
    ``"nature reviews nephrology"``), and an initialism of at least three
    letters that is a word of the other name (``"bmj"`` and ``"british medical
    journal"``; ``"icis 2017"`` and ``"international conference on information
    systems"``).
    """
    if not a or not b or a == b:
        return True
    wa = [w for w in a.split() if w not in STOPWORDS]
    wb = [w for w in b.split() if w not in STOPWORDS]
    return (
        _abbreviates(wa, wb)
        or _abbreviates(wb, wa)
        or _initialism_in(wa, wb)
        or _initialism_in(wb, wa)
    )


def _abbreviates(short: list[str], full: list[str]) -> bool:
    if not short or len(short) > len(full):
        return False
    i = 0
    for w in full:
        if i < len(short) and w.startswith(short[i]):
            i += 1
    return i == len(short)


def _initialism_in(words: list[str], other: list[str]) -> bool:
    initials = "".join(w[0] for w in words)
    return len(initials) >= 3 and initials in other
