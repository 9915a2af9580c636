"""Accuracy and speed of find_duplicates() on the labelled deduplication sets.

Run: ``.venv/bin/python benchmarks/bench_dedup.py [--no-scaling] [--misses]``.
Reads the
sets in ``../shared/data/dedup-bib-dedupe`` and ``../shared/data/dedup-asysd``
(SOURCES.md §1) and prints, per set: records, true duplicates, TP, FP (false
merges), FN, sensitivity, specificity and seconds, with the confusion-matrix
rule of the bib-dedupe evaluation (``evaluate_clusters``). With ``--misses``
it lists, per set, the labelled duplicates left apart (one record of each
predicted part of a true cluster). Then times a synthetic run of 100,000
records made from the sets with perturbed fields.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from metareview.review.dedup import evaluate_clusters, find_duplicates

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
BIB = DATA / "dedup-bib-dedupe"
ASYSD = DATA / "dedup-asysd"
BIB_SETS = (
    "respiratory",
    "cytology_screening",
    "haematology",
    "digital_work",
    "special_cases",
)


def read_clusters(name: str) -> list[list[str]]:
    """Return the labelled clusters of one bib-dedupe set."""
    merged = pd.read_csv(BIB / name / "merged_record_ids.csv", dtype=str)
    return [s.split(";") for s in merged["merged_ids"].dropna()]


def _frame(raw: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    def get(name: str) -> pd.Series:
        return raw[name] if name in raw.columns else pd.Series([None] * len(raw))

    journal = get("journal")
    if "booktitle" in raw.columns:
        journal = journal.fillna(raw["booktitle"])
    out = pd.DataFrame(
        {
            "title": get("title"),
            "authors": get("author"),
            "year": get("year"),
            "journal": journal,
            "volume": get("volume"),
            "issue": get("number"),
            "pages": get("pages"),
            "doi": get("doi"),
            "abstract": get("abstract"),
        }
    )
    out.index = pd.Index(ids.astype(str).tolist(), name="id")
    return out


def load_set(name: str) -> tuple[pd.DataFrame, list[list[str]]]:
    """Return the records (normalised columns, indexed by id) and clusters of a set."""
    if name == "diabetes":
        raw = pd.read_csv(ASYSD / "labelled_test_set_diabetes.csv", encoding="cp1252")
        ids = raw["record_id"].map(lambda r: f"id_{int(r):07d}")
        return _frame(raw, ids), read_clusters("diabetes")
    if name == "cardiac_subset":
        raw = pd.read_csv(ASYSD / "citations_df.csv")
        ids = raw["record_id"].map(lambda r: f"id_{int(r):07d}")
        present = set(ids)
        clusters = [
            kept
            for c in read_clusters("cardiac")
            if len(kept := [m for m in c if m in present]) > 1
        ]
        return _frame(raw, ids), clusters
    raw = pd.read_csv(BIB / name / "records_pre_merged.csv", dtype=str)
    if name == "respiratory":  # its `number` is EndNote's record number, not the issue
        raw = raw.drop(columns="number")
    return _frame(raw, raw["ID"]), read_clusters(name)


def run_set(name: str, misses: bool = False) -> dict[str, object]:
    """Deduplicate one labelled set and return its table row."""
    records, clusters = load_set(name)
    t0 = time.perf_counter()
    result = find_duplicates(records)
    seconds = time.perf_counter() - t0
    ev = evaluate_clusters(result.clusters, clusters)
    if misses:
        print_misses(name, records, result.clusters, clusters)
    return {
        "set": name,
        "records": ev.records,
        "duplicates": ev.duplicates,
        "TP": ev.tp,
        "FP": ev.fp,
        "FN": ev.fn,
        "sensitivity": round(ev.sensitivity, 4),
        "specificity": round(ev.specificity, 4),
        "seconds": round(seconds, 2),
    }


def print_misses(
    name: str,
    records: pd.DataFrame,
    predicted: pd.Series,
    clusters: list[list[str]],
) -> None:
    """Print the true clusters that were split, one line per predicted part."""
    for members in clusters:
        parts: dict[object, list[str]] = {}
        for m in members:
            if m in predicted.index:
                parts.setdefault(predicted[m], []).append(m)
        if len(parts) < 2:
            continue
        print(f"{name}: true cluster split in {len(parts)}")
        for ids in parts.values():
            r = records.loc[ids[0]]
            print(
                f"  {','.join(ids)}: {str(r['title'])[:70]} | {r['year']} |"
                f" {str(r['journal'])[:30]} | {r['volume']} | {r['pages']}"
            )


def synthetic(n: int, seed: int = 1) -> pd.DataFrame:
    """Return ``n`` records made from the labelled sets with perturbed fields.

    Each copy of a real record gets a title of random words from the sets,
    another record's authors and a shifted year, so field distributions stay
    realistic while copies are different reports; the original sets are
    included unchanged.
    """
    rng = np.random.default_rng(seed)
    base = pd.concat(
        [load_set(s)[0] for s in (*BIB_SETS, "diabetes")], ignore_index=True
    )
    vocab = np.array(
        sorted({w for t in base["title"].dropna() for w in str(t).split()})
    )
    parts = [base]
    total = len(base)
    while total < n:
        copy = base.sample(frac=1.0, random_state=int(rng.integers(1 << 31))).copy()
        copy["title"] = [
            " ".join(rng.choice(vocab, len(str(t).split())))
            if isinstance(t, str)
            else t
            for t in copy["title"]
        ]
        copy["authors"] = rng.permutation(copy["authors"].to_numpy())
        years = pd.to_numeric(copy["year"], errors="coerce")
        copy["year"] = years + rng.integers(-5, 6, len(copy))
        copy["doi"] = None
        parts.append(copy)
        total += len(copy)
    return pd.concat(parts, ignore_index=True).iloc[:n]


def main() -> None:
    """Print the accuracy table and the scaling run."""
    sets = [*BIB_SETS, "diabetes", "cardiac_subset"]
    rows = [run_set(s, "--misses" in sys.argv) for s in sets]
    table = pd.DataFrame(rows)
    print(
        table.to_markdown(index=False)
        if _has_tabulate()
        else table.to_string(index=False)
    )
    if "--no-scaling" in sys.argv:
        return
    recs = synthetic(100_000)
    t0 = time.perf_counter()
    res = find_duplicates(recs)
    seconds = time.perf_counter() - t0
    print(
        f"\nscaling: {len(recs)} records, {res.n_duplicates} judged duplicates, "
        f"{seconds:.1f} s"
    )


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
