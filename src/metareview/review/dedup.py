"""Duplicate detection for bibliographic records (DESIGN.md §5).

Deduplication never deletes: :func:`find_duplicates` returns a cluster id per
record (the index label of the cluster's first record), from which the store
sets ``duplicate_of``. The scored pairs are kept so that a person can confirm
or split the uncertain ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from metareview.review._dedup_normalise import normalise_records
from metareview.review._dedup_score import (
    ROW_FIELDS,
    SAME_CITATION,
    candidate_pairs,
    score_pair,
)

__all__ = ["DedupEvaluation", "DuplicateResult", "evaluate_clusters", "find_duplicates"]

#: Accepted pairs below this confidence are listed for a person to confirm.
UNCERTAIN_BELOW = 0.9
#: Rejected pairs above this confidence are listed as possible missed duplicates.
NEAR_MISS_ABOVE = 0.6


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class DuplicateResult:
    """Result of :func:`find_duplicates`.

    Attributes
    ----------
    clusters : pandas.Series
        Cluster id per record, aligned with the input rows; the id is the index
        label of the cluster's first record, so a unique record is its own id.
    pairs : pandas.DataFrame
        Scored candidate pairs worth keeping: columns ``i``, ``j`` (index
        labels), ``confidence`` (0 to 1), ``reason`` and ``duplicate`` (whether
        the pair was accepted). Accepted pairs and near misses are kept.
    uncertain : pandas.DataFrame
        The rows of ``pairs`` a person should look at: accepted pairs with
        confidence below the threshold, and rejected pairs above
        ``NEAR_MISS_ABOVE``.

    """

    clusters: pd.Series
    pairs: pd.DataFrame
    uncertain: pd.DataFrame

    @property
    def n_duplicates(self) -> int:
        """Number of records that are not the first of their cluster."""
        return int((self.clusters != self.clusters.index).sum())


def find_duplicates(
    records: pd.DataFrame, *, uncertain_below: float = UNCERTAIN_BELOW
) -> DuplicateResult:
    """Find records that are the same study report.

    Parameters
    ----------
    records : pandas.DataFrame
        One row per record, with any of the columns ``title abstract authors
        year journal volume issue pages doi pmid`` (authors as a list or a
        string such as ``"Smith, J and Doe, A"``). The index labels the records.
    uncertain_below : float, default 0.9
        Accepted pairs with a lower confidence are listed in ``uncertain``.

    Returns
    -------
    DuplicateResult
        Cluster ids aligned with the rows, the scored pairs and the uncertain
        pairs.

    Notes
    -----
    A duplicate is another bibliographic record of the same report, whatever
    the differences in how it is cited; further reports of one study, a
    conference abstract and its journal article, and a correction notice and
    the article it corrects are different records (Rathbone et al. [1]_).

    Fields are normalised (Unicode NFKD without accents, lower case, markup and
    punctuation removed, DOIs without resolver prefix, page ranges completed,
    the original-language title after an English translation dropped).
    Candidate pairs share a blocking key (DOI, PMID, first or last four
    significant title words, first author and year, volume and first page), so
    the work grows with the number of records rather than its square. A pair is
    a duplicate when its DOIs/PMIDs agree and the titles are alike, or when the
    title (rapidfuzz ratio), authors, year (±1), venue (an abbreviation or
    initialism agrees with the full name), volume and pages agree well enough.
    Errata, retractions, replies, comments, conference abstracts and protocols
    are told apart by title markers and are never merged with the report they
    concern. Records with different PMIDs are never merged; nor are records
    with different DOIs or different numbers in the title, unless title,
    authors, year, journal, volume and page range are the same (a DOI
    registered twice, for the online and the print version; a typo in the
    title). The versions of a Cochrane review are one record (the review number
    ``CD000000`` in the pages or DOI identifies it). Clusters are built by
    union-find over the accepted pairs in decreasing confidence, refusing a
    union that would put two different DOIs (other than through such a pair)
    or PMIDs in one cluster.

    References
    ----------
    .. [1] Rathbone J, Carter M, Hoffmann T, Glasziou P. Better duplicate
       detection for systematic reviewers: evaluation of Systematic Review
       Assistant-Deduplication Module. Syst Rev. 2015;4:6.
       doi:10.1186/2046-4053-4-6

    Examples
    --------
    >>> import pandas as pd
    >>> recs = pd.DataFrame({
    ...     "title": ["Aspirin for pain: a trial.", "ASPIRIN FOR PAIN - A TRIAL",
    ...               "Erratum: Aspirin for pain: a trial"],
    ...     "authors": ["Smith, J and Doe, A", "Smith J; Doe A", "Smith, J"],
    ...     "year": [2001, 2001, 2002],
    ...     "doi": ["10.1000/X1", "https://doi.org/10.1000/x1", None],
    ... })
    >>> find_duplicates(recs).clusters.tolist()
    [0, 0, 2]

    """
    n = len(records)
    norm = normalise_records(records)
    rows = list(norm[list(ROW_FIELDS)].itertuples(index=False, name=None))
    kept: list[tuple[int, int, float, str, bool]] = []
    for i, j in candidate_pairs(norm):
        dup, conf, reason = score_pair(rows[i], rows[j])
        if dup or conf >= NEAR_MISS_ABOVE:
            kept.append((i, j, conf, reason, dup))
    roots = _cluster(n, kept, norm["doi"].tolist(), norm["pmid"].tolist())
    labels = records.index
    first: dict[int, int] = {}
    for pos, root in enumerate(roots):
        first.setdefault(root, pos)
    clusters = pd.Series(
        [labels[first[r]] for r in roots], index=labels, name="cluster"
    )
    pairs = (
        pd.DataFrame(kept, columns=["i", "j", "confidence", "reason", "duplicate"])
        .astype({"confidence": float, "reason": object, "duplicate": bool})
        .sort_values(["i", "j"], ignore_index=True)
    )
    if len(pairs):
        pairs["i"] = labels[pairs["i"].to_numpy(dtype=np.intp)]
        pairs["j"] = labels[pairs["j"].to_numpy(dtype=np.intp)]
    mask = (pairs["duplicate"] & (pairs["confidence"] < uncertain_below)) | ~pairs[
        "duplicate"
    ]
    return DuplicateResult(
        clusters=clusters, pairs=pairs, uncertain=pairs[mask].reset_index(drop=True)
    )


def _cluster(
    n: int,
    pairs: list[tuple[int, int, float, str, bool]],
    dois: list[str],
    pmids: list[str],
) -> list[int]:
    """Union-find over accepted pairs, refusing unions of different DOIs/PMIDs.

    A pair accepted as one citation under two DOIs may join two DOIs.
    """
    parent = list(range(n))
    doi = [{d} if d else set() for d in dois]
    pmid = [{p} if p else set() for p in pmids]

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j, _, reason, dup in sorted(pairs, key=lambda p: (-p[2], p[0], p[1])):
        if not dup:
            continue
        ri, rj = find(i), find(j)
        if ri == rj:
            continue
        d, p = doi[ri] | doi[rj], pmid[ri] | pmid[rj]
        if len(p) > 1 or (len(d) > 1 and reason != SAME_CITATION):
            continue
        ri, rj = min(ri, rj), max(ri, rj)
        parent[rj] = ri
        doi[ri], pmid[ri] = d, p
    return [find(x) for x in range(n)]


@dataclass(frozen=True, slots=True, kw_only=True)
class DedupEvaluation:
    """Confusion matrix of a deduplication against labelled clusters.

    One kept record per predicted cluster; each other record of the cluster is
    a true positive when it belongs to the same true cluster as the kept
    record, a false positive (a false merge) otherwise. True duplicates left in
    separate predicted clusters are false negatives; the rest are true
    negatives (the rule of the bib-dedupe evaluation).
    """

    records: int
    duplicates: int
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def sensitivity(self) -> float:
        """TP / (TP + FN), or 1 when there are no duplicates."""
        d = self.tp + self.fn
        return self.tp / d if d else 1.0

    @property
    def specificity(self) -> float:
        """TN / (TN + FP), or 1 when there are no negatives."""
        d = self.tn + self.fp
        return self.tn / d if d else 1.0


def evaluate_clusters(
    predicted: pd.Series, true_clusters: Iterable[Iterable[object]]
) -> DedupEvaluation:
    """Compare predicted cluster ids with labelled duplicate clusters.

    Parameters
    ----------
    predicted : pandas.Series
        Cluster id per record, indexed by record id (as from
        :func:`find_duplicates`).
    true_clusters : iterable of iterables
        The labelled clusters of record ids; records in none are unique.

    Returns
    -------
    DedupEvaluation
        TP, FP, FN, TN and the number of true duplicates (records minus true
        clusters).

    """
    truth: dict[object, int] = {}
    for k, members in enumerate(true_clusters):
        for m in members:
            truth[m] = k
    ids = list(predicted.index)
    true_id = [truth.get(r, ("u", r)) for r in ids]
    n_true = len(set(true_id))
    groups: dict[object, list[int]] = {}
    for pos, c in enumerate(predicted.tolist()):
        groups.setdefault(c, []).append(pos)
    tp = fp = 0
    kept_per_true: dict[object, int] = {}
    for members in groups.values():
        keep = true_id[members[0]]
        kept_per_true[keep] = kept_per_true.get(keep, 0) + 1
        for pos in members[1:]:
            if true_id[pos] == keep:
                tp += 1
            else:
                fp += 1
    fn = sum(k - 1 for k in kept_per_true.values())
    n = len(ids)
    return DedupEvaluation(
        records=n, duplicates=n - n_true, tp=tp, fp=fp, fn=fn, tn=n - tp - fp - fn
    )
