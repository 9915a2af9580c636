"""PRISMA 2020 counts from a screened project, checked by hand and by prisma()."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from metareview.plots import prisma
from metareview.review import screening as sc
from metareview.review.intake import decide_pair, import_files
from metareview.review.prisma import (
    pending_counts,
    prisma_counts,
    screening_status,
)
from metareview.review.project import init_project

A, B, C = "Reviewer A", "Reviewer B", "Reviewer C"
WP, WC = "Wrong population", "Wrong comparator"


def ris(titles: list[str]) -> str:
    return "".join(f"TY  - JOUR\nTI  - {t}\nPY  - 2021\nER  - \n\n" for t in titles)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """PubMed gives records 1-4, Embase 5-6; record 5 is record 1 again."""
    folder = tmp_path / "review"
    init_project(folder)
    pubmed, embase = tmp_path / "pubmed.ris", tmp_path / "embase.ris"
    pubmed.write_text(ris(["One", "Two", "Three", "Four"]), encoding="utf-8")
    embase.write_text(ris(["One again", "Six"]), encoding="utf-8")
    import_files(folder, [pubmed], database="PubMed")
    import_files(folder, [embase], database="Embase")
    decide_pair(folder, 1, 5, same=True, reviewer=A)
    return folder


def test_counts_of_a_hand_worked_review(folder: Path) -> None:
    with sc.open_review(folder) as (store, p):
        assert pending_counts(store, p)["title_abstract"] == {
            "pending": 5,
            "conflict": 0,
        }
        # title/abstract, A then B, on the unique records 1, 2, 3, 4, 6
        ta = {1: ("include", "include"), 2: ("exclude", "exclude"),
              3: ("include", "exclude"), 4: ("maybe", "include"),
              6: ("exclude", "exclude")}  # fmt: skip
        for rid, (a, b) in ta.items():
            sc.record_decision(store, p, rid, A, "ta", a)
            sc.record_decision(store, p, rid, B, "ta", b)
        # 1 and 4 go on; 3 is in conflict; 2 and 6 are excluded
        assert pending_counts(store, p) == {
            "title_abstract": {"pending": 0, "conflict": 1},
            "full_text": {"pending": 2, "conflict": 0},
        }
        sc.unblind(store, p, "ta", by=A)
        sc.resolve(store, p, 3, "ta", "include", by=C)
        ft = {1: (("include", None), ("include", None)),
              3: (("exclude", WP), ("exclude", WP)),
              4: (("exclude", WC), ("include", None))}  # fmt: skip
        for rid, ((a, ra), (b, rb)) in ft.items():
            sc.record_decision(store, p, rid, A, "ft", a, reason=ra)
            sc.record_decision(store, p, rid, B, "ft", b, reason=rb)
        assert pending_counts(store, p)["full_text"] == {"pending": 0, "conflict": 1}
        sc.unblind(store, p, "ft", by=A)
        sc.resolve(store, p, 4, "ft", "exclude", by=C, reason=WC)
        counts = prisma_counts(store, p)
        assert pending_counts(store, p) == {
            "title_abstract": {"pending": 0, "conflict": 0},
            "full_text": {"pending": 0, "conflict": 0},
        }
        status = screening_status(store, p)
    # by hand: identified 4 + 2 = 6; one duplicate removed -> 5 screened;
    # excluded 2 and 6 -> 3 full texts (1, 3, 4); 3 excluded (wrong population)
    # and 4 excluded (wrong comparator, on resolution) -> 1 study included
    assert counts == {
        "identified": {"Embase": 2, "PubMed": 4},
        "duplicates_removed": 1,
        "screened": 5,
        "excluded_screening": 2,
        "sought": 3,
        "assessed": 3,
        "excluded_fulltext": {WC: 1, WP: 1},
        "included": 1,
    }
    fig = prisma(counts, check=True)
    texts = " ".join(t.get_text() for t in fig.findobj(matplotlib.text.Text))
    assert "Wrong comparator" in texts
    plt.close(fig)
    assert status["prisma"] == counts
    assert status["stages"]["full_text"]["excluded"] == 2
    assert status["stages"]["full_text"]["unblinded"] is True


def test_counts_while_screening_is_under_way(folder: Path) -> None:
    with sc.open_review(folder) as (store, p):
        sc.record_decision(store, p, 2, A, "ta", "exclude")
        counts = prisma_counts(store, p)
        status = screening_status(store, p)
    assert counts["screened"] == 5
    assert counts["excluded_screening"] == 0  # one of two reviewers so far
    assert counts["included"] == 0
    assert status["stages"]["title_abstract"]["pending"] == 5
    assert status["stages"]["title_abstract"]["agreement"] is None  # blinded
