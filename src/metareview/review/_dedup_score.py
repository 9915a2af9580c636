"""Candidate generation (blocking) and pair scoring for duplicate detection."""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

import pandas as pd
from rapidfuzz import fuzz

from metareview.review._dedup_normalise import STOPWORDS, journal_agrees

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


def score_pair(a: tuple, b: tuple) -> tuple[bool, float, str]:  # type: ignore[type-arg]
    """Judge two normalised records; return ``(duplicate, confidence, reason)``.

    ``a`` and ``b`` are rows of the normalised frame as tuples in the order of
    :data:`ROW_FIELDS`. Hard vetoes come first (different DOIs or PMIDs,
    different kinds of record, different numbers in the title, years more than
    one apart); then the evidence of title, authors, year, venue, volume and
    pages is weighed.
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
    if doi_a and doi_b and doi_a != doi_b:
        return False, 0.0, "different DOIs"
    if pmid_a and pmid_b and pmid_a != pmid_b:
        return False, 0.0, "different PMIDs"
    same_item = bool(vol_a and vol_a == vol_b and page_a and page_a == page_b)
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
    if same_id:
        if tsim < 0 or tsim >= 0.9:
            return True, 1.0, "same DOI/PMID"
    if tsim >= 0 and na != nb:
        if (na - nb) and (nb - na):
            return False, 0.0, "different numbers in titles"
    yd = abs(year_a - year_b) if year_a and year_b else 0
    if yd > 1:
        return False, 0.0, "years differ by more than one"
    asim = fuzz.token_set_ratio(auth_a, auth_b) / 100 if auth_a and auth_b else -1.0
    vol_match = bool(vol_a and vol_a == vol_b)
    page_match = bool(page_a and page_a == page_b)
    vol_conflict = bool(vol_a and vol_b and vol_a != vol_b) or bool(
        iss_a and iss_b and iss_a != iss_b
    )
    page_conflict = bool(
        page_a
        and page_b
        and page_a.split("-")[0] != page_b.split("-")[0]
        and page_a.split("-")[-1] != page_b.split("-")[-1]
    )
    journal_ok = journal_agrees(jour_a, jour_b)
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
    if (
        jour_a
        and jour_b
        and not journal_ok
        and not page_match
        and (vol_a or page_a)
        and (vol_b or page_b)
    ):
        return False, min(conf, 0.6), "different journals"
    if vol_conflict or (
        page_conflict
        and not (tsim >= 0.98 and asim >= 0.95 and yd == 0 and vol_match and journal_ok)
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
    if (
        bib == 2
        and yd == 0
        and asim >= 0.8
        and fa_a == fa_b
        and min(len(ti), len(tj)) >= 25
        and fuzz.partial_ratio(ti, tj) >= 95
    ):
        return True, 0.85, "one title contains the other; " + reason
    return False, min(conf, 0.7), reason


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
