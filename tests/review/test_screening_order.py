"""The order of a reviewer's queue: relevance learnt from their own decisions."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from metareview.cli import app
from metareview.review import screening as sc
from metareview.review.intake import import_files
from metareview.review.project import init_project

A, B = "Reviewer A", "Reviewer B"
runner = CliRunner()

# Records 1-8: odd ids are about help-seeking trials, even ids about geology.
TITLES = [
    "Help-seeking intervention for depression: a randomised trial",
    "Sediment transport in alpine rivers",
    "Mental help-seeking intentions after a depression intervention",
    "Glacial erosion and river sediment budgets",
    "Randomised trial of a help-seeking intervention in depression",
    "River sediment chemistry in alpine catchments",
    "Depression help-seeking attitudes: randomised intervention",
    "Erosion rates of alpine glaciers",
]


def project(tmp_path: Path) -> Path:
    folder = tmp_path / "review"
    init_project(folder)
    export = tmp_path / "export.ris"
    export.write_text(
        "".join(
            f"TY  - JOUR\nTI  - {t}\nAU  - Author{i}, A\nPY  - 2020\n"
            f"DO  - 10.1000/r.{i}\nER  - \n\n"
            for i, t in enumerate(TITLES, start=1)
        ),
        encoding="utf-8",
    )
    import_files(folder, [export], database="PubMed")
    return folder


def test_id_order_until_one_include_and_one_exclude(tmp_path: Path) -> None:
    with sc.open_review(project(tmp_path)) as (store, p):
        assert sc.queue(store, p, A, "ta")["id"].tolist() == list(range(1, 9))
        sc.record_decision(store, p, 2, A, "ta", "exclude")
        assert sc.queue(store, p, A, "ta")["id"].tolist() == [1, 3, 4, 5, 6, 7, 8]


def test_relevant_records_first_once_both_classes_are_seen(tmp_path: Path) -> None:
    with sc.open_review(project(tmp_path)) as (store, p):
        sc.record_decision(store, p, 1, A, "ta", "include")
        sc.record_decision(store, p, 2, A, "ta", "exclude")
        order = sc.queue(store, p, A, "ta")["id"].tolist()
        assert sorted(order[:3]) == [3, 5, 7]
        assert sorted(order[3:]) == [4, 6, 8]


def test_maybe_counts_as_relevant_and_changes_retrain(tmp_path: Path) -> None:
    with sc.open_review(project(tmp_path)) as (store, p):
        sc.record_decision(store, p, 2, A, "ta", "maybe")  # geology, "relevant"
        sc.record_decision(store, p, 1, A, "ta", "exclude")
        order = sc.queue(store, p, A, "ta")["id"].tolist()
        assert sorted(order[:3]) == [4, 6, 8]
        # A changes both decisions (new events): the ranking is learnt again
        sc.record_decision(store, p, 2, A, "ta", "exclude")
        sc.record_decision(store, p, 1, A, "ta", "include")
        order = sc.queue(store, p, A, "ta")["id"].tolist()
        assert sorted(order[:3]) == [3, 5, 7]


def test_a_reviewers_order_does_not_learn_from_another(tmp_path: Path) -> None:
    with sc.open_review(project(tmp_path)) as (store, p):
        sc.record_decision(store, p, 1, A, "ta", "include")
        sc.record_decision(store, p, 2, A, "ta", "exclude")
        # B has decided nothing: B's queue is still in id order (blinding)
        assert sc.queue(store, p, B, "ta")["id"].tolist() == list(range(1, 9))


def test_status_gives_each_reviewer_a_stopping_guide(tmp_path: Path) -> None:
    from metareview.review.prisma import screening_status

    folder = project(tmp_path)
    with sc.open_review(folder) as (store, p):
        assert screening_status(store, p)["stopping"] == {}
        for rid in (1, 3):
            sc.record_decision(store, p, rid, A, "ta", "include")
        early = screening_status(store, p)["stopping"][A]
        assert (early["screened"], early["records"], early["relevant"]) == (2, 8, 2)
        assert early["stop"] is False
        assert early["n_more"] > 0
        for rid in (5, 7, 2, 4, 6, 8):
            decision = "include" if rid % 2 else "exclude"
            sc.record_decision(store, p, rid, A, "ta", decision)
        done = screening_status(store, p)["stopping"][A]
        assert (done["screened"], done["relevant"], done["n_more"]) == (8, 4, 0)
    out = runner.invoke(app, ["status", str(folder)])
    assert out.exit_code == 0, out.output
    assert "Stopping guide, title/abstract" in out.output
    assert "Reviewer A: 8 of 8 screened, 4 relevant" in out.output


def test_stopping_guide_ignores_records_linked_as_duplicates_later(
    tmp_path: Path,
) -> None:
    from metareview.review.intake import decide_pair
    from metareview.review.prisma import screening_status

    folder = project(tmp_path)
    with sc.open_review(folder) as (store, p):
        for rid in (1, 2, 3, 4):
            sc.record_decision(
                store, p, rid, A, "ta", "include" if rid % 2 else "exclude"
            )
    decide_pair(folder, 1, 3, same=True, reviewer=A)  # 3 is found to duplicate 1
    with sc.open_review(folder) as (store, p):
        guide = screening_status(store, p)["stopping"][A]
    assert (guide["screened"], guide["records"], guide["relevant"]) == (3, 7, 1)
