"""Screening state derived fast: limits, kept state and when it is derived again.

Expected values are worked out by hand from the rules in
``metareview.review.screening`` on four or six records; the project is the
``metareview init`` template (Reviewer A owner, Reviewer B screens, two per
record unless the test changes it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from metareview._validate import InputError
from metareview.review import _priority_model
from metareview.review import screening as sc
from metareview.review._screening_events import current_reviewers, current_rows
from metareview.review._screening_holds import hold
from metareview.review.intake import import_files
from metareview.review.project import init_project
from metareview.review.protocol import Protocol, Screening
from metareview.review.store import Store, open_store

A, B = "Reviewer A", "Reviewer B"
TITLES = [
    "Help-seeking intervention for depression: a randomised trial",
    "Sediment transport in alpine rivers",
    "Mental help-seeking intentions after a depression intervention",
    "Glacial erosion and river sediment budgets",
]


def export(path: Path, titles: list[str], first: int) -> Path:
    path.write_text(
        "".join(
            f"TY  - JOUR\nTI  - {t}\nAU  - Author{i}, A\nPY  - 2020\n"
            f"DO  - 10.1000/speed.{i}\nER  - \n\n"
            for i, t in enumerate(titles, start=first)
        ),
        encoding="utf-8",
    )
    return path


def project(tmp_path: Path) -> Path:
    folder = tmp_path / "review"
    init_project(folder)
    import_files(folder, [export(tmp_path / "a.ris", TITLES, 1)], database="PubMed")
    return folder


def one_per_record(p: Protocol) -> Protocol:
    return p.model_copy(update={"screening": Screening(reviewers_per_record=1)})


def test_queue_limit_keeps_the_first_records(tmp_path: Path) -> None:
    with sc.open_review(project(tmp_path)) as (store, p):
        sc.record_decision(store, p, 1, A, "ta", "include")
        # A decided record 1: A's queue is 2, 3, 4 in id order (one class only)
        assert sc.queue(store, p, A, "ta", limit=2)["id"].tolist() == [2, 3]
        first = sc.queue(store, p, A, "ta", limit=1)
        assert first["title"].tolist() == [TITLES[1]]
        empty = sc.queue(store, p, A, "ta", limit=0)
        assert empty.empty
        assert list(empty.columns) == sc.QUEUE_COLUMNS
        assert sc.queue(store, p, A, "ta", limit=10)["id"].tolist() == [2, 3, 4]
        for bad in (-1, True, 1.5):
            with pytest.raises(InputError, match="limit must be"):
                sc.queue(store, p, A, "ta", limit=bad)  # type: ignore[arg-type]


def test_another_connections_decisions_are_seen_at_once(tmp_path: Path) -> None:
    folder = project(tmp_path)
    with sc.open_review(folder) as (store, p):
        p = one_per_record(p)
        assert sc.progress(store, p, A, "ta") == sc.Progress(done=0, total=4)
        with open_store(folder / "review.db") as other:
            sc.record_decision(other, p, 2, A, "ta", "include")
            sc.record_decision(other, p, 1, B, "ta", "exclude")
        # A did record 2; record 1 has the one reviewer it needs (B): A's
        # queue is 3, 4 and A's records are 2, 3, 4
        assert sc.queue(store, p, A, "ta")["id"].tolist() == [3, 4]
        assert sc.progress(store, p, A, "ta") == sc.Progress(done=1, total=3)
        with open_store(folder / "review.db") as other:
            sc.retract_decision(other, p, 2, A, "ta")
        assert sc.queue(store, p, A, "ta")["id"].tolist() == [2, 3, 4]
        assert sc.progress(store, p, A, "ta") == sc.Progress(done=0, total=3)
        # the same store under other rules: two per record, record 1 is open
        two = p.model_copy(update={"screening": Screening(reviewers_per_record=2)})
        assert sc.progress(store, two, A, "ta") == sc.Progress(done=0, total=4)


def test_records_imported_later_join_the_queue(tmp_path: Path) -> None:
    folder = project(tmp_path)
    with sc.open_review(folder) as (store, p):
        sc.record_decision(store, p, 1, A, "ta", "include")
        sc.record_decision(store, p, 2, A, "ta", "exclude")
        assert sorted(sc.queue(store, p, A, "ta")["id"]) == [3, 4]
    more = ["Depression help-seeking attitudes: a randomised trial", "Alpine erosion"]
    import_files(folder, [export(tmp_path / "b.ris", more, 5)], database="Embase")
    with sc.open_review(folder) as (store, p):
        q = sc.queue(store, p, A, "ta")
        assert sorted(q["id"]) == [3, 4, 5, 6]
        assert q.set_index("id").loc[5, "title"] == more[0]
        assert sc.progress(store, p, A, "ta") == sc.Progress(done=2, total=6)


def test_a_queue_asked_again_does_not_refit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"features": 0, "fits": 0}
    init, order = _priority_model.Ranker.__init__, _priority_model.Ranker.order

    def counted_init(self: _priority_model.Ranker, *a: object, **k: object) -> None:
        calls["features"] += 1
        init(self, *a, **k)  # type: ignore[arg-type]

    def counted_order(self: _priority_model.Ranker, *a: object, **k: object) -> object:
        calls["fits"] += 1
        return order(self, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(_priority_model.Ranker, "__init__", counted_init)
    monkeypatch.setattr(_priority_model.Ranker, "order", counted_order)
    with sc.open_review(project(tmp_path)) as (store, p):
        sc.record_decision(store, p, 1, A, "ta", "include")
        sc.queue(store, p, A, "ta")  # one class: id order, no model
        assert calls == {"features": 0, "fits": 0}
        sc.record_decision(store, p, 2, A, "ta", "exclude")
        first = sc.queue(store, p, A, "ta")["id"].tolist()
        assert first == sc.queue(store, p, A, "ta")["id"].tolist()
        sc.progress(store, p, A, "ta")
        assert calls == {"features": 1, "fits": 1}
        assert first == [3, 4]  # help-seeking (3) before geology (4)
        sc.retract_decision(store, p, 2, A, "ta")
        sc.record_decision(store, p, 4, A, "ta", "exclude")
        # decisions changed (1 include, 4 exclude): refit; 3 before 2
        assert sc.queue(store, p, A, "ta")["id"].tolist() == [3, 2]
        assert calls == {"features": 1, "fits": 2}


def _reviewers_by_sql(store: Store, stage: str) -> dict[int, set[str]]:
    rows = current_rows(store.conn, stage, columns="e.record_id, e.reviewer")
    out: dict[int, set[str]] = {}
    for rid, who in rows:
        out.setdefault(int(rid), set()).add(who)
    return out


def test_current_reviewers_follow_the_events_added_since_the_last_call(
    tmp_path: Path,
) -> None:
    folder = project(tmp_path)
    with sc.open_review(folder) as (store, p):
        with current_reviewers(store, "title_abstract") as who:
            assert dict(who) == {}
        sc.record_decision(store, p, 1, A, "ta", "include")
        sc.record_decision(store, p, 1, B, "ta", "exclude")
        sc.record_decision(store, p, 2, A, "ta", "exclude")
        with current_reviewers(store, "ta_is_not_a_stage_name") as who:
            assert dict(who) == {}
        with current_reviewers(store, "title_abstract") as who:
            assert dict(who) == {1: {A, B}, 2: {A}}
        sc.retract_decision(store, p, 1, B, "ta")  # undo: B no longer decided 1
        sc.record_decision(store, p, 2, A, "ta", "include")  # a change: still A
        with current_reviewers(store, "title_abstract") as who:
            assert (
                dict(who)
                == {1: {A}, 2: {A}}
                == _reviewers_by_sql(store, "title_abstract")
            )
    # a new review.db at the same path: the kept state is not reused
    (folder / "review.db").unlink()
    for extra in ("review.db-wal", "review.db-shm"):
        (folder / extra).unlink(missing_ok=True)
    open_store(folder / "review.db").close()  # a new, empty review.db
    import_files(folder, [export(tmp_path / "b.ris", TITLES, 1)], database="PubMed")
    with sc.open_review(folder) as (store, p):
        sc.record_decision(store, p, 3, B, "ta", "exclude")
        with current_reviewers(store, "title_abstract") as who:
            assert dict(who) == {3: {B}}


def _hold(store: Store, record_id: int, reviewer: str) -> None:
    with store.transaction() as conn:
        hold(conn, record_id, reviewer, "title_abstract")


def test_a_record_held_by_a_reviewer_comes_last_for_the_others(
    tmp_path: Path,
) -> None:
    with sc.open_review(project(tmp_path)) as (store, p):
        one = one_per_record(p)
        _hold(store, 1, A)  # A is shown record 1
        # one reviewer per record: A's hold is all record 1 needs
        assert sc.queue(store, one, B, "ta")["id"].tolist() == [2, 3, 4, 1]
        assert sc.queue(store, one, A, "ta")["id"].tolist() == [1, 2, 3, 4]
        assert sc.progress(store, one, B, "ta") == sc.Progress(done=0, total=4)
        # two per record: A's hold leaves a place for B
        assert sc.queue(store, p, B, "ta")["id"].tolist() == [1, 2, 3, 4]
        _hold(store, 2, A)  # the next record moves the hold
        assert sc.queue(store, one, B, "ta", limit=1)["id"].tolist() == [1]
        sc.record_decision(store, one, 2, A, "ta", "exclude")  # ends the hold
        assert store.conn.execute(
            "SELECT count(*) FROM screening_holds"
        ).fetchone() == (0,)
        assert sc.queue(store, one, B, "ta")["id"].tolist() == [1, 3, 4]
        # a hold lasts HOLD_MINUTES
        _hold(store, 3, A)
        assert sc.queue(store, one, B, "ta")["id"].tolist() == [1, 4, 3]
        with store.transaction() as conn:
            conn.execute("UPDATE screening_holds SET until = '2000-01-01T00:00:00Z'")
        assert sc.queue(store, one, B, "ta")["id"].tolist() == [1, 3, 4]


def test_next_record_holds_what_it_returns(tmp_path: Path) -> None:
    import threading

    with sc.open_review(project(tmp_path)) as (store, p):
        one = one_per_record(p)
        lock = threading.Lock()
        assert sc.next_record(store, one, A, "ta", lock=lock)["id"].tolist() == [1]
        assert not lock.locked()
        # B is given record 2: A holds 1, all it needs
        assert sc.next_record(store, one, B, "ta")["id"].tolist() == [2]
        holds = store.conn.execute(
            "SELECT reviewer, record_id FROM screening_holds ORDER BY reviewer"
        ).fetchall()
        assert holds == [(A, 1), (B, 2)]
        for rid in (1, 2, 3, 4):
            sc.record_decision(store, one, rid, A if rid != 2 else B, "ta", "exclude")
        assert sc.next_record(store, one, A, "ta").empty  # nothing left: no hold
        assert (
            store.conn.execute("SELECT count(*) FROM screening_holds").fetchone()[0]
            == 0
        )
