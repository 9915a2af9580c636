from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers import shared_data
from metareview.review._dedup_normalise import (
    normalise_doi,
    normalise_pages,
    normalise_title,
    record_kind,
)
from metareview.review.dedup import evaluate_clusters, find_duplicates

# Sensitivity reached on the labelled sets (FP = 0 on both); a drop is a regression.
SENSITIVITY_HAEMATOLOGY = 0.88
SENSITIVITY_SPECIAL_CASES = 1.0


def frame(*records: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(records))


BASE = {
    "title": "Effect of aspirin on recurrent stroke: a randomised controlled trial",
    "authors": "Smith, John and Doe, Anna and Roe, Ben",
    "year": 2010,
    "journal": "Lancet",
    "volume": "375",
    "pages": "1200-1209",
}


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("https://doi.org/10.1000/ABC.1", "10.1000/abc.1"),
        ("doi:10.1000/abc.1.", "10.1000/abc.1"),
        ("DOI 10.1000/abc.1", "10.1000/abc.1"),
        ("not a doi", ""),
        (None, ""),
    ],
)
def test_normalise_doi(raw: object, want: str) -> None:
    assert normalise_doi(raw) == want


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("123-9", "123-129"),
        ("47--65", "47-65"),
        ("1200-1209", "1200-1209"),
        ("e123", "123"),
        ("Suppl-29", ""),
        ("5", "5"),
    ],
)
def test_normalise_pages(raw: str, want: str) -> None:
    assert normalise_pages(raw) == want


def test_normalise_title_folds_markup_accents_and_annotations() -> None:
    a = normalise_title("<i>Étude</i> of caf&eacute; &amp; tea. [Review] [33 refs]")
    assert a == "etude of cafe tea"
    assert normalise_title("[Effect of tea on sleep].") == "effect of tea on sleep"


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Erratum: effect of tea", "erratum"),
        ("Correction to: effect of tea", "erratum"),
        ("Effect of tea - reply", "reply"),
        ("Comment on: effect of tea", "comment"),
        ("Effect of tea [abstract]", "abstract"),
        ("Effect of tea: study protocol for a randomised trial", "protocol"),
        ("Effect of tea", ""),
    ],
)
def test_record_kind(title: str, kind: str) -> None:
    assert record_kind(normalise_title(title)) == kind


def test_same_doi_different_case_and_prefix() -> None:
    recs = frame(
        {**BASE, "doi": "10.1016/S0140-6736(10)60001-X"},
        {
            **BASE,
            "title": BASE["title"].upper(),
            "doi": "https://doi.org/10.1016/s0140-6736(10)60001-x",
        },
    )
    res = find_duplicates(recs)
    assert res.clusters.tolist() == [0, 0]
    assert res.pairs.loc[0, "confidence"] == 1.0


def test_title_punctuation_case_accents_and_author_format() -> None:
    recs = frame(
        BASE,
        {
            **BASE,
            "title": "EFFECT OF ASPIRIN ON RECURRENT STROKE - A RANDOMISED "
            "CONTROLLED TRIAL.",
            "authors": ["Smith J", "Doe A", "Roe B"],
            "journal": "The Lancet",
            "pages": "1200-9",
        },
        {
            **BASE,
            "title": "Effect of aspirin on recurrent stroke: "
            "a randomized controlled trial",
            "authors": "Smíth, J.; Dóe, A.; Roe, B.",
            "year": 2011,
        },
    )
    assert find_duplicates(recs).clusters.tolist() == [0, 0, 0]


def test_erratum_and_reply_are_not_duplicates() -> None:
    recs = frame(
        BASE,
        {**BASE, "title": "Erratum: " + BASE["title"], "pages": "1500"},
        {**BASE, "title": BASE["title"] + " - Authors' reply"},
    )
    assert find_duplicates(recs).clusters.tolist() == [0, 1, 2]


def test_conference_abstract_is_not_the_article() -> None:
    recs = frame(
        BASE,
        {
            **BASE,
            "title": BASE["title"] + " [abstract]",
            "journal": "Stroke",
            "volume": "40",
            "pages": "S12",
            "year": 2009,
        },
    )
    assert find_duplicates(recs).clusters.tolist() == [0, 1]


def test_two_trials_same_author_same_year_not_merged() -> None:
    recs = frame(
        {**BASE, "title": "Aspirin after stroke in older adults: the ASPIRE-1 trial"},
        {
            **BASE,
            "title": "Aspirin after stroke in older adults: the ASPIRE-2 trial",
            "pages": "1300-1309",
        },
        {
            **BASE,
            "title": "Aspirin after stroke in younger adults: a randomised trial",
            "pages": None,
            "volume": None,
        },
    )
    assert find_duplicates(recs).clusters.tolist() == [0, 1, 2]


def test_different_dois_never_merged() -> None:
    recs = frame({**BASE, "doi": "10.1/a"}, {**BASE, "doi": "10.1/b"}, BASE)
    clusters = find_duplicates(recs).clusters.tolist()
    assert clusters[0] != clusters[1]


def test_shared_doi_with_different_titles_is_not_a_duplicate() -> None:
    recs = frame(
        {
            **BASE,
            "doi": "10.1/proc.2010",
            "title": "Proceedings session A: aspirin in stroke",
        },
        {
            **BASE,
            "doi": "10.1/proc.2010",
            "title": "Proceedings session A: statins in heart failure",
            "authors": "Lee, K and Park, S",
            "pages": "1300-1301",
        },
    )
    assert find_duplicates(recs).clusters.tolist() == [0, 1]


def test_cluster_id_is_first_index_label_and_empty_input() -> None:
    recs = frame(BASE, {**BASE, "title": "Something else entirely about knees"}, BASE)
    recs.index = pd.Index(["r9", "r1", "r5"])
    res = find_duplicates(recs)
    assert res.clusters.to_dict() == {"r9": "r9", "r1": "r1", "r5": "r9"}
    assert set(res.pairs.columns) >= {"i", "j", "confidence", "reason", "duplicate"}
    assert len(find_duplicates(pd.DataFrame({"title": []})).clusters) == 0
    distinct = find_duplicates(frame({"title": "Knees"}, {"title": "Elbows"}))
    assert distinct.clusters.tolist() == [0, 1]
    assert distinct.pairs.empty


def test_evaluate_clusters_confusion_matrix() -> None:
    predicted = pd.Series(["a", "a", "c", "a", "e"], index=list("abcde"))
    ev = evaluate_clusters(predicted, [["a", "b", "c"]])
    # b is a true positive, d a false merge, c a missed duplicate; a and e kept.
    assert (ev.tp, ev.fp, ev.fn, ev.tn, ev.duplicates) == (1, 1, 1, 2, 2)
    assert ev.sensitivity == 0.5


def _bench() -> object:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_dedup.py"
    spec = importlib.util.spec_from_file_location("bench_dedup", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_dedup"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("name", "sensitivity"),
    [
        ("special_cases", SENSITIVITY_SPECIAL_CASES),
        ("haematology", SENSITIVITY_HAEMATOLOGY),
    ],
)
def test_labelled_sets_no_false_merges(name: str, sensitivity: float) -> None:
    shared_data("dedup-bib-dedupe", name, "records_pre_merged.csv")
    bench = _bench()
    records, clusters = bench.load_set(name)  # type: ignore[attr-defined]
    ev = evaluate_clusters(find_duplicates(records).clusters, clusters)
    assert ev.fp == 0
    assert ev.sensitivity >= sensitivity
