from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers import shared_data
from metareview.review._dedup_normalise import (
    journal_agrees,
    normalise_doi,
    normalise_pages,
    normalise_title,
    record_kind,
)
from metareview.review.dedup import evaluate_clusters, find_duplicates

# Sensitivity reached on the labelled sets (FP = 0 on all); a drop is a regression.
# The misses left are labels that contradict the duplicate definition (errata,
# conference abstracts, separate letters, different trials) or a record whose
# title changed (benchmarks/bench_dedup.py lists them).
SENSITIVITY = {
    "respiratory": 0.995,
    "cytology_screening": 1.0,
    "haematology": 0.91,
    "digital_work": 0.99,
    "special_cases": 1.0,
    "diabetes": 0.999,
    "cardiac_subset": 0.997,
}


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
        ("ARTN 106\r\n10.1186/s12933-018-0749-1", "10.1186/s12933-018-0749-1"),
        ("https://onlinelibrary.wiley.com/doi/10.1002/x.12/abstract", "10.1002/x.12"),
        # Versions of a Cochrane review are one record.
        ("10.1002/14651858.CD006828.pub2", "10.1002/14651858.cd006828"),
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
        ("BR32-9", "32-39"),
        ("BR32-BR39", "32-39"),
        ("233-8, 230-5, 246-51", "233-238"),
        ("233-238+230-235+246-251", "233-238"),
        ("2243-5; author reply 2243-5", "2243-2245"),
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
    ("raw", "want"),
    [
        # The English translation first, then the original title.
        (
            "[Effect of tea on sleep] TO: Efecto del te en el sueno",
            "effect of tea on sleep",
        ),
        ("Effect of tea on sleep. [Portuguese]Efeito do cha", "effect of tea on sleep"),
        ("Tea among 10 000 women", "tea among 10000 women"),
        ("Tea (NEJM (2009) 360 (542-544))", "tea erratum"),  # a correction notice
        ("Tea (vol 360, pg 542, 2009)", "tea erratum"),
        ("Tea (vol 2)", "tea vol 2"),
        ("Tea in 2009 360 542 women", "tea in 2009 360 542 women"),
    ],
)
def test_normalise_title_translations_and_numbers(raw: str, want: str) -> None:
    assert normalise_title(raw) == want


@pytest.mark.parametrize(
    ("a", "b", "agree"),
    [
        ("medical science monitor", "med sci monit", True),  # same number of words
        ("med sci monit", "medical science monitor", True),
        ("medical science monitor", "med sci sports", False),
        ("bmj", "british medical journal", True),
        ("icis 2017", "international conference on information systems", True),
        ("bjs", "british medical journal", False),
        ("lancet", "journal of hepatology", False),
    ],
)
def test_journal_agrees(a: str, b: str, agree: bool) -> None:
    assert journal_agrees(a, b) is agree


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Erratum: effect of tea", "erratum"),
        ("Correction to: effect of tea", "erratum"),
        ("Effect of tea - reply", "reply"),
        ("A response to Walsham", "reply"),
        ("Response to Clarke: tea is useful", "reply"),
        ("Scale in an organization in response to humanitarian events", ""),
        ("Treatment for tea dependence (Protocol)", "protocol"),
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
    recs = frame(
        {**BASE, "doi": "10.1/a"}, {**BASE, "doi": "10.1/b", "pages": "1300-9"}, BASE
    )
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


def clusters_of(*records: dict[str, object]) -> list[int]:
    return find_duplicates(frame(*records)).clusters.tolist()


def test_same_citation_under_two_dois_is_one_record() -> None:
    # Online and print DOIs of one article (Pflugers Arch 2000;439:808-13).
    one = {**BASE, "doi": "10.1007/s004249900200", "journal": "Pflugers Arch"}
    other = {
        **BASE,
        "doi": "10.1007/s004240051008",
        "journal": "Pflugers Archiv European Journal of Physiology",
        "pages": "1200-9",
    }
    third = {**BASE, "doi": "10.1/c", "pages": "1300-1309"}
    assert clusters_of(one, other, third) == [0, 0, 2]
    # Same citation but another title: two items, never merged.
    assert clusters_of(one, {**other, "title": "Aspirin and stroke: reply"}) == [0, 1]


def test_cochrane_review_versions_are_one_record() -> None:
    review = {
        "title": "Treatment for POEMS syndrome",
        "authors": "Kuwabara, S and Dispenzieri, A",
        "journal": "Cochrane Database of Systematic Reviews",
    }
    recs = [
        {**review, "year": 2012, "volume": "6", "pages": "CD006828"},
        {**review, "year": 2008, "pages": "CD006828"},
        {**review, "year": 2015, "doi": "10.1002/14651858.CD006828.pub3"},
        {**review, "year": 2008, "pages": "CD006829"},  # another review
        {**review, "year": 2006, "title": review["title"] + " (Protocol)"},
    ]
    assert clusters_of(*recs) == [0, 0, 0, 3, 4]


def test_two_records_of_one_correction_notice() -> None:
    article = {
        **BASE,
        "title": "Eculizumab for atypical HUS",
        "authors": "Nurnberger, J and Philipp, T",
        "volume": "360",
        "pages": "542-544",
    }
    wos = {
        **article,
        "title": article["title"] + " (vol 360, pg 542, 2009)",
        "authors": "Philipp, T.",
        "pages": "2487",
    }
    embase = {**wos, "title": article["title"] + " (N Engl J Med (2009) 360 (542-4))"}
    assert clusters_of(article, wos, embase) == [0, 1, 1]


def test_corporate_author_against_its_members() -> None:
    item = {**BASE, "title": "Results of a randomized trial on cytology"}
    group = {**item, "authors": "Group, ASCUS-LSIL Triage Study (ALTS)"}
    person = {**item, "authors": "Solomon, D"}
    assert clusters_of(group, person) == [0, 0]
    # Two letters by different people under one title on the same pages.
    letters = {**BASE, "title": "A trial of intrapleural streptokinase"}
    assert clusters_of(
        {**letters, "authors": "Rosa, Ute W."}, {**letters, "authors": "Bouros, D"}
    ) == [0, 1]


def test_typo_in_title_number_with_same_citation() -> None:
    typo = {**BASE, "title": "p6INK4a expression does not predict CIN grade 2"}
    right = {**typo, "title": "p16(INK4a) expression does not predict CIN grade 2"}
    assert clusters_of(typo, right) == [0, 0]
    # Without the same page range the numbers keep them apart.
    assert clusters_of(typo, {**right, "pages": None}) == [0, 1]


def test_issue_slip_with_same_volume_and_first_page() -> None:
    article = {**BASE, "issue": "1", "pages": "240-245"}
    assert clusters_of(article, {**article, "issue": "25", "pages": "240"}) == [0, 0]
    # Monthly editorials with one title: the issue is all that tells them apart.
    editorial = {**BASE, "title": "Editor's comments", "pages": None}
    assert clusters_of({**editorial, "issue": "1"}, {**editorial, "issue": "2"}) == [
        0,
        1,
    ]


def test_fields_shifted_by_one_on_export() -> None:
    good = {**BASE, "volume": "26", "issue": "9", "pages": "1746"}
    shifted = {**BASE, "volume": None, "issue": "26", "pages": "9"}
    assert clusters_of(good, shifted) == [0, 0]
    assert clusters_of({**good, "issue": "10"}, shifted) == [0, 1]


def test_overlapping_pages_in_adjacent_years() -> None:
    a = {**BASE, "year": 2003, "pages": "945-948"}
    assert clusters_of(a, {**BASE, "year": 2002, "pages": "948-961"}) == [0, 0]
    assert clusters_of(a, {**BASE, "year": 2002, "pages": "950-961"}) == [0, 1]


def test_journal_initialism_and_proceedings_year() -> None:
    # ICIS 2017 proceedings indexed with 2018 in another database.
    icis = {
        **BASE,
        "journal": "International Conference on Information Systems",
        "year": 2017,
        "volume": None,
        "pages": "1-12",
    }
    other = {
        **icis,
        "journal": "ICIS : Transforming Society with Digital Innovation",
        "year": 2018,
        "pages": None,
        "authors": "Smith, J. and Doe, A. and Roe, B.",
    }
    assert clusters_of(icis, other) == [0, 0]
    assert clusters_of(icis, {**other, "journal": "AMCIS 2018"}) == [0, 1]


def test_same_title_authors_volume_issue_in_translated_journal_name() -> None:
    a = {**BASE, "journal": "Jinko Chino Gakkai Ronbunshi", "issue": "2"}
    b = {
        **a,
        "journal": "Transactions of the Japanese Society for Artificial Intelligence",
        "pages": None,
    }
    assert clusters_of(a, b) == [0, 0]
    assert clusters_of(a, {**b, "issue": "3"}) == [0, 1]


def test_title_with_subtitle_left_out() -> None:
    # Proceedings without volume: same venue and page range.
    chi = {
        **BASE,
        "title": "Infrastructure in the wild",
        "journal": "Proceedings of the 2016 CHI Conference",
        "volume": None,
        "pages": "2796-2807",
    }
    full = {**chi, "title": "Infrastructure in the wild: what mapping in Nepal reveals"}
    assert clusters_of(chi, full) == [0, 0]
    assert clusters_of(chi, {**full, "pages": "2808-2819"}) == [0, 1]
    # A long title under a heading, in one journal; a volume equal to the year
    # is no volume.
    hbr = {
        **BASE,
        "title": "Upwork's CEO on how an introverted engineer learned to lead",
        "journal": "Harvard Business Review",
        "year": 2016,
        "volume": "2016",
        "pages": None,
    }
    headed = {**hbr, "title": "How did it ... " + hbr["title"], "volume": "94"}
    assert clusters_of(hbr, headed) == [0, 0]
    assert clusters_of(hbr, {**headed, "journal": "Sloan Management Review"}) == [
        0,
        1,
    ]


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
@pytest.mark.parametrize("name", list(SENSITIVITY))
def test_labelled_sets_no_false_merges(name: str) -> None:
    if name in ("diabetes", "cardiac_subset"):
        shared_data("dedup-asysd", "citations_df.csv")
    else:
        shared_data("dedup-bib-dedupe", name, "records_pre_merged.csv")
    bench = _bench()
    records, clusters = bench.load_set(name)  # type: ignore[attr-defined]
    ev = evaluate_clusters(find_duplicates(records).clusters, clusters)
    assert ev.fp == 0
    assert ev.sensitivity >= SENSITIVITY[name]
