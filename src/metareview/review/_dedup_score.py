"""Candidate generation (blocking) and pair scoring for duplicate detection."""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

import pandas as pd
from rapidfuzz import fuzz

from metareview.review._dedup_normalise import (
    STOPWORDS,
    is_group_author,
    journal_agrees,
)

#: Blocks larger than this are skipped: a key shared by that many records (a
#: common surname in one year, a generic title opening) does not identify.
MAX_BLOCK = 60


def candidate_pairs(norm: pd.DataFrame) -> set[tuple[int, int]]:
    """Return the row-position pairs ``(i, j)``, ``i < j``, that share a block key.

    Keys: the DOI; the PMID; the first four significant title words; the last
    four significant title words; first-author surname with year; volume with
    first page. Any one shared key makes a candidate.
    """
    blocks: dict[str, list[int]] = defaultdict(list)
    cols = zip(
        norm["doi"],
        norm["pmid"],
        norm["title"],
        norm["first_author"],
        norm["year"],
        norm["volume"],
        norm["first_page"],
        strict=True,
    )
    for pos, (doi, pmid, title, author, year, vol, page) in enumerate(cols):
        keys = []
        if doi:
            keys.append("d" + doi)
        if pmid:
            keys.append("p" + pmid)
        words = [w for w in title.split() if w not in STOPWORDS]
        if len(words) >= 2:
            keys.append("t" + " ".join(words[:4]))
            keys.append("e" + " ".join(words[-4:]))
        if author and year:
            keys.append(f"a{author}{year}")
        if vol and page:
            keys.append(f"v{vol}:{page}")
        for key in keys:
            blocks[key].append(pos)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        if 1 < len(members) <= MAX_BLOCK:
            pairs.update(combinations(members, 2))
    return pairs


#: Reason of a pair with one citation under two DOIs (a DOI registered twice,
#: e.g. for the online and the print version); the clustering lets such a pair
#: join records with different DOIs.
SAME_CITATION = "same citation, different DOIs"


def score_pair(a: tuple, b: tuple) -> tuple[bool, float, str]:  # type: ignore[type-arg]
    """Judge two normalised records; return ``(duplicate, confidence, reason)``.

    ``a`` and ``b`` are rows of the normalised frame as tuples in the order of
    :data:`ROW_FIELDS`. Hard vetoes come first (different PMIDs, different DOIs
    unless the rest of the citation is the same, different kinds of record,
    different numbers in the title, years more than one apart); then the
    evidence of title, authors, year, venue, volume and pages is weighed.
    """
    (
        ti,
        doi_a,
        pmid_a,
        page_a,
        year_a,
        vol_a,
        iss_a,
        jour_a,
        auth_a,
        fa_a,
        kind_a,
        na,
    ) = a
    (
        tj,
        doi_b,
        pmid_b,
        page_b,
        year_b,
        vol_b,
        iss_b,
        jour_b,
        auth_b,
        fa_b,
        kind_b,
        nb,
    ) = b
    if pmid_a and pmid_b and pmid_a != pmid_b:
        return False, 0.0, "different PMIDs"
    vol_a, iss_a, page_a = _unshift(vol_a, iss_a, page_a, vol_b, iss_b)
    vol_b, iss_b, page_b = _unshift(vol_b, iss_b, page_b, vol_a, iss_a)
    yd = abs(year_a - year_b) if year_a and year_b else 0
    vol_match = bool(vol_a and vol_a == vol_b)
    page_match = bool(page_a and page_a == page_b)
    same_range = page_match and "-" in page_a
    other_doi = bool(doi_a and doi_b and doi_a != doi_b)
    if other_doi and not (vol_match and same_range and yd == 0):
        return False, 0.0, "different DOIs"
    same_item = vol_match and page_match
    # A letter and its reply often share pages; other markers (abstract, erratum,
    # protocol) missing from one of two records of the same item are overridden
    # by identical volume and pages.
    dialogue = "reply" in kind_a + kind_b or "comment" in kind_a + kind_b
    if kind_a != kind_b and (dialogue or not same_item):
        kinds = f"{kind_a or 'article'}/{kind_b or 'article'}"
        return False, 0.0, f"different kinds ({kinds})"
    tsim = (
        max(fuzz.ratio(ti, tj), fuzz.token_sort_ratio(ti, tj)) / 100
        if ti and tj
        else -1.0
    )
    same_id = bool((doi_a and doi_a == doi_b) or (pmid_a and pmid_a == pmid_b))
    if same_id and (tsim < 0 or tsim >= 0.9):
        return True, 1.0, "same DOI/PMID"
    if yd > 1:
        return False, 0.0, "years differ by more than one"
    numbers_differ = tsim >= 0 and bool(na - nb) and bool(nb - na)
    if numbers_differ and not (vol_match and same_range and yd == 0):
        return False, 0.0, "different numbers in titles"
    asim = fuzz.token_set_ratio(auth_a, auth_b) / 100 if auth_a and auth_b else -1.0
    journal_ok = journal_agrees(jour_a, jour_b)
    # The same title, authors, journal, volume and page range overrule two DOIs
    # (one registered for the online and one for the print version) and a typo
    # in a number of the title ("p6" for "p16").
    if other_doi:
        if tsim >= 0.98 and asim >= 0.95 and journal_ok and not _differ(iss_a, iss_b):
            return True, 0.95, SAME_CITATION
        return False, 0.0, "different DOIs"
    if numbers_differ and not (tsim >= 0.9 and asim >= 0.9 and journal_ok):
        return False, 0.0, "different numbers in titles"
    if 0 <= asim < 0.5 and same_item and is_group_author(auth_a + " " + auth_b):
        asim = -1.0  # a corporate author in one record, its members in the other
    # A volume that repeats the year is no volume; an issue that differs while
    # volume and first page agree is a slip.
    vol_conflict = (
        _differ(vol_a, vol_b) and vol_a != str(year_a) and vol_b != str(year_b)
    ) or (
        _differ(iss_a, iss_b)
        and not (vol_match and page_a and page_a.split("-")[0] == page_b.split("-")[0])
    )
    page_conflict = bool(
        page_a
        and page_b
        and page_a.split("-")[0] != page_b.split("-")[0]
        and page_a.split("-")[-1] != page_b.split("-")[-1]
    )
    bib = vol_match + page_match - vol_conflict - page_conflict
    if tsim < 0:
        ok = (
            yd == 0
            and fa_a
            and fa_a == fa_b
            and vol_match
            and page_match
            and bool(jour_a and jour_b)
            and journal_ok
        )
        if ok:
            return False, 0.7, "no title; same author, venue, volume, pages"
        return False, 0.0, "no title to compare"
    if asim >= 0 and asim < 0.5:
        return False, tsim * 0.5, "different authors"
    conf = 0.6 * tsim + 0.15 * (asim if asim >= 0 else 0.7) + 0.05 * (yd == 0)
    conf += 0.1 * (bib / 2) + 0.1 * journal_ok
    reason = f"title {tsim:.2f}, authors {asim:.2f}, years {yd}, volume/pages {bib:+d}"
    if yd == 1 and not (journal_ok and jour_a and jour_b) and bib <= 0:
        return False, min(conf, 0.5), "adjacent years in different venues"
    same_text = tsim >= 0.98 and asim >= 0.95
    same_issue = vol_match and bool(iss_a) and iss_a == iss_b
    if (
        jour_a
        and jour_b
        and not journal_ok
        and not page_match
        and (vol_a or page_a)
        and (vol_b or page_b)
        and not (same_text and same_issue and yd == 0)
    ):
        return False, min(conf, 0.6), "different journals"
    if vol_conflict or (
        page_conflict
        and not (
            same_text
            and vol_match
            and journal_ok
            and (yd == 0 or _overlap(page_a, page_b))
        )
    ):
        return False, min(conf, 0.6), "volume/pages differ"
    if tsim >= 0.95 and (asim < 0 or asim >= 0.6):
        return True, min(conf, 1.0), reason
    if tsim >= 0.85 and asim >= 0.8 and bib >= 1 and journal_ok:
        return True, min(conf, 1.0), reason
    if (
        bib == 2
        and yd == 0
        and "-" in page_a
        and (journal_ok or tsim >= 0.7)
        and (
            (asim >= 0.8 and fa_a == fa_b and tsim >= 0.5) or (asim < 0 and tsim >= 0.7)
        )
    ):
        return True, 0.8, "same authors, venue, volume and page range; " + reason
    # One title contains the other (a subtitle or a heading left out): in the
    # same page range of one venue (proceedings often have no volume), or, for
    # long titles, in one journal with nothing that conflicts.
    shorter = min(len(ti), len(tj))
    venue = bool(jour_a and jour_b) and journal_ok
    same_place = same_range and (vol_match or (not (vol_a and vol_b) and venue))
    same_journal = venue and not page_conflict and shorter >= 40
    if (
        (same_place or same_journal)
        and not vol_conflict
        and yd == 0
        and (asim >= 0.9 or (asim >= 0.8 and fa_a == fa_b))
        and shorter >= 25
        and fuzz.partial_ratio(ti, tj) >= 95
    ):
        return True, 0.85, "one title contains the other; " + reason
    return False, min(conf, 0.7), reason


def _differ(x: str, y: str) -> bool:
    return bool(x and y and x != y)


def _unshift(
    vol: str, iss: str, page: str, vol_o: str, iss_o: str
) -> tuple[str, str, str]:
    """Undo a record's fields shifted by one (issue in volume, page in issue).

    A record without volume whose issue and first page equal the other
    record's volume and issue had its fields shifted on export.
    """
    if not vol and iss and iss == vol_o and page and page == iss_o:
        return iss, page, ""
    return vol, iss, page


def _overlap(p: str, q: str) -> bool:
    """Return whether two page ranges ``"first-last"`` share a page."""
    a = [int(x) for x in p.split("-")]
    b = [int(x) for x in q.split("-")]
    return max(a[0], b[0]) <= min(a[-1], b[-1])


ROW_FIELDS = (
    "title",
    "doi",
    "pmid",
    "pages",
    "year",
    "volume",
    "issue",
    "journal",
    "authors",
    "first_author",
    "kind",
    "numbers",
)
