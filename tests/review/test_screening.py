"""Screening: append-only decisions, blinding, conflicts, resolution, CSV, CLI.

The project is the ``metareview init`` template: Reviewer A (owner) and
Reviewer B screen, two per record; Reviewer C resolves conflicts.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from metareview._validate import InputError
from metareview.cli import app
from metareview.review import screening as sc
from metareview.review.intake import decide_pair, import_files
from metareview.review.project import init_project
from metareview.review.protocol import Protocol, Screening
from metareview.review.store import MIGRATIONS, Store, open_store

A, B, C = "Reviewer A", "Reviewer B", "Reviewer C"
WRONG_POP = "Wrong population"
runner = CliRunner()


def ris(n: int) -> str:
    return "".join(
        f"TY  - JOUR\nTI  - Trial {i} of help-seeking\nAB  - Abstract {i}\n"
        f"AU  - Author{i}, A\nPY  - 2020\nDO  - 10.1000/trial.{i}\nER  - \n\n"
        for i in range(1, n + 1)
    )


def make_project(tmp_path: Path, n: int = 4, name: str = "review") -> Path:
    folder = tmp_path / name
    init_project(folder)
    export = tmp_path / f"{name}-pubmed.ris"
    export.write_text(ris(n), encoding="utf-8")
    import_files(folder, [export], database="PubMed")
    return folder


@pytest.fixture
def review(tmp_path: Path) -> Iterator[tuple[Store, Protocol]]:
    folder = make_project(tmp_path)
    with sc.open_review(folder) as opened:
        yield opened


def with_screening(protocol: Protocol, **kw: object) -> Protocol:
    return protocol.model_copy(update={"screening": Screening(**kw)})  # type: ignore[arg-type]


def screen_all(
    store: Store, p: Protocol, stage: str, votes: dict[str, list[str]]
) -> None:
    for who, decisions in votes.items():
        for rid, d in enumerate(decisions, start=1):
            reason = WRONG_POP if stage == "ft" and d == "exclude" else None
            sc.record_decision(store, p, rid, who, stage, d, reason=reason)


def status_of(store: Store, p: Protocol, stage: str) -> list[str]:
    return sc.outcomes(store, p, stage)["status"].tolist()


def test_stage_names() -> None:
    assert sc.stage_name("ta") == sc.stage_name("title_abstract") == sc.STAGES[0]
    assert sc.stage_name("FT") == "full_text"
    with pytest.raises(InputError, match="stage must be one of"):
        sc.stage_name("abstract")


def test_two_reviewers_screen_a_project_end_to_end(
    review: tuple[Store, Protocol],
) -> None:
    store, p = review
    assert sc.queue(store, p, A, "ta")["id"].tolist() == [1, 2, 3, 4]
    assert list(sc.queue(store, p, A, "ta").columns) == sc.QUEUE_COLUMNS
    assert sc.queue(store, p, A, "ta")["title"][0] == "Trial 1 of help-seeking"
    sc.record_decision(store, p, 1, A, "ta", "include")
    got = sc.progress(store, p, A, "ta")
    assert (got.done, got.total, got.remaining) == (1, 4, 3)
    assert sc.queue(store, p, A, "ta")["id"].tolist() == [2, 3, 4]
    assert status_of(store, p, "ta")[0] == "pending"  # one of two reviewers
    screen_all(store, p, "ta", {A: ["include", "include", "exclude", "maybe"]})
    screen_all(store, p, "ta", {B: ["include", "maybe", "exclude", "exclude"]})
    # 1: include/include; 2: include/maybe (both go on); 3: exclude/exclude;
    # 4: maybe/exclude is a conflict
    ta = sc.outcomes(store, p, "ta")
    assert ta["status"].tolist() == ["included", "included", "excluded", "conflict"]
    assert ta["how"].tolist()[:3] == ["agreement"] * 3
    assert sc.progress(store, p, B, "ta").remaining == 0
    sc.unblind(store, p, "ta", by=A)
    table = sc.conflicts(store, p, "ta", viewer=B)
    assert table["record_id"].tolist() == [4]
    assert table.loc[0, ["decision_1", "decision_2"]].tolist() == ["maybe", "exclude"]
    sc.resolve(store, p, 4, "ta", "include", by=C)
    assert sc.conflicts(store, p, "ta", viewer=B).empty
    assert sc.outcomes(store, p, "ta")["how"].tolist()[3] == "resolution"
    # full text: the three included records, none other
    assert sc.queue(store, p, A, "ft")["id"].tolist() == [1, 2, 4]
    with pytest.raises(InputError, match="not eligible for full-text"):
        sc.record_decision(store, p, 3, A, "ft", "include")
    sc.record_decision(store, p, 1, A, "ft", "include")
    sc.record_decision(store, p, 1, B, "ft", "include")
    sc.record_decision(store, p, 2, A, "ft", "exclude", reason=WRONG_POP)
    sc.record_decision(store, p, 2, B, "ft", "exclude", reason=WRONG_POP)
    ft = sc.outcomes(store, p, "ft")
    assert ft["status"].tolist() == ["included", "excluded", "pending"]
    assert ft["reason"].tolist()[1] == WRONG_POP


def test_blinding_hides_the_other_reviewers_decisions(
    review: tuple[Store, Protocol], tmp_path: Path
) -> None:
    store, p = review
    sc.record_decision(store, p, 1, A, "ta", "include", note="A's note")
    sc.record_decision(store, p, 1, B, "ta", "exclude")
    sc.record_decision(store, p, 2, B, "ta", "maybe")
    for viewer, own in ((B, [1, 2]), (A, [1]), (C, [])):
        seen = sc.visible_decisions(store, p, "ta", viewer)
        assert set(seen["reviewer"]) <= {viewer}
        assert seen["record_id"].tolist() == own
    assert "A's note" not in sc.my_decisions(store, B, "ta").to_string()
    assert sc.my_decisions(store, B, "ta")["decision"].tolist() == ["exclude", "maybe"]
    for viewer in (A, B, C):  # not even the owner or the resolver
        with pytest.raises(InputError, match="blinded"):
            sc.conflicts(store, p, "ta", viewer)
    with pytest.raises(InputError, match="blinded"):
        sc.resolve(store, p, 1, "ta", "include", by=C)
    out = tmp_path / "mine.csv"
    assert sc.export_decisions(store, out, viewer=B) == 2
    assert set(pd.read_csv(out)["reviewer"]) == {B}
    with pytest.raises(InputError, match="only the review's owner"):
        sc.unblind(store, p, "ta", by=B)
    assert not sc.is_unblinded(store, "ta")
    sc.unblind(store, p, "ta", by=A)
    sc.unblind(store, p, "ta", by=A)  # twice changes nothing
    assert sc.is_unblinded(store, "ta")
    assert not sc.is_unblinded(store, "ft")
    seen = sc.visible_decisions(store, p, "ta", B)
    assert sorted(seen["reviewer"]) == [A, B, B]
    assert sc.conflicts(store, p, "ta", B)["record_id"].tolist() == [1]
    n_events = store.conn.execute("SELECT count(*) FROM screening_stage_events")
    assert n_events.fetchone()[0] == 1


def test_changing_a_decision_keeps_history_and_undo_retracts(
    review: tuple[Store, Protocol],
) -> None:
    store, p = review
    sc.record_decision(store, p, 1, A, "ta", "include")
    sc.record_decision(store, p, 1, A, "ta", "exclude", reason="not an RCT")
    mine = sc.my_decisions(store, A, "ta")
    assert mine[["record_id", "decision", "reason"]].values.tolist() == [
        [1, "exclude", "not an RCT"]
    ]
    sc.retract_decision(store, p, 1, A, "ta")
    assert sc.my_decisions(store, A, "ta").empty
    assert sc.queue(store, p, A, "ta")["id"].tolist()[0] == 1
    with pytest.raises(InputError, match="no decision on record 1"):
        sc.retract_decision(store, p, 1, A, "ta")
    kinds = store.conn.execute(
        "SELECT kind, decision FROM screening_events ORDER BY id"
    ).fetchall()
    assert kinds == [
        ("decision", "include"),
        ("decision", "exclude"),
        ("retraction", None),
    ]
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.conn.execute("DELETE FROM screening_events")


def test_who_may_screen_and_how_many(review: tuple[Store, Protocol]) -> None:
    store, p = review
    with pytest.raises(InputError, match="resolves conflicts"):
        sc.record_decision(store, p, 1, C, "ta", "include")
    with pytest.raises(InputError, match="resolves conflicts"):
        sc.queue(store, p, C, "ta")
    with pytest.raises(InputError, match="one of the reviewers"):
        sc.record_decision(store, p, 1, "Someone", "ta", "include")
    with pytest.raises(InputError, match="decision must be one of"):
        sc.record_decision(store, p, 1, A, "ta", "yes")
    with pytest.raises(InputError, match="record_id 99 is not a record"):
        sc.record_decision(store, p, 99, A, "ta", "include")
    # one reviewer per record: once A has screened record 1, B may not
    one = with_screening(p, reviewers_per_record=1)
    sc.record_decision(store, one, 1, A, "ta", "exclude")
    assert 1 not in sc.queue(store, one, B, "ta")["id"].tolist()
    with pytest.raises(InputError, match="already has the 1 reviewer"):
        sc.record_decision(store, one, 1, B, "ta", "include")
    assert sc.outcomes(store, one, "ta")["how"].tolist()[0] == "single"


def test_duplicates_are_not_screened(tmp_path: Path) -> None:
    folder = make_project(tmp_path, n=3)
    decide_pair(folder, 1, 3, same=True, reviewer=A)  # record 3 duplicates 1
    with sc.open_review(folder) as (store, p):
        assert sc.queue(store, p, A, "ta")["id"].tolist() == [1, 2]
        with pytest.raises(InputError, match="record 3 is a duplicate of record 1"):
            sc.record_decision(store, p, 3, A, "ta", "include")
        assert sc.outcomes(store, p, "ta")["record_id"].tolist() == [1, 2]


def test_conflict_resolved_by_resolver_owner_or_consensus(
    review: tuple[Store, Protocol],
) -> None:
    store, p = review
    screen_all(store, p, "ta", {A: ["include"] * 3, B: ["exclude"] * 3})
    sc.unblind(store, p, "ta", by=A)
    assert sc.conflicts(store, p, "ta", A)["record_id"].tolist() == [1, 2, 3]
    with pytest.raises(InputError, match="resolved by Reviewer C, the owner"):
        sc.resolve(store, p, 1, "ta", "include", by=B)
    with pytest.raises(InputError, match="one of the record's reviewers"):
        sc.resolve(store, p, 1, "ta", "include", by=C, consensus=True)
    with pytest.raises(InputError, match="'include' or 'exclude'"):
        sc.resolve(store, p, 1, "ta", "maybe", by=C)
    sc.resolve(store, p, 1, "ta", "exclude", by=C, reason="not an RCT")
    sc.resolve(store, p, 2, "ta", "include", by=B, consensus=True)
    sc.resolve(store, p, 3, "ta", "include", by=A)  # the owner
    ta = sc.outcomes(store, p, "ta")
    assert ta["status"].tolist()[:3] == ["excluded", "included", "included"]
    assert ta["reason"].tolist()[0] == "not an RCT"
    assert set(ta["how"].tolist()[:3]) == {"resolution"}
    with pytest.raises(InputError, match="no conflict to resolve"):
        sc.resolve(store, p, 4, "ta", "include", by=C)  # pending, not in conflict
    row = store.conn.execute(
        "SELECT kind, reviewer, consensus FROM screening_events WHERE record_id = 2"
        " ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert row == ("resolution", B, 1)
    # a later resolution replaces the earlier one
    sc.resolve(store, p, 1, "ta", "include", by=C)
    assert status_of(store, p, "ta")[0] == "included"


def test_maybe_rules_differ_between_stages(review: tuple[Store, Protocol]) -> None:
    store, p = review
    # title/abstract: maybe goes on to full text; exclude vs maybe conflicts
    screen_all(store, p, "ta", {A: ["maybe"] * 4, B: ["maybe", "include"] * 2})
    assert status_of(store, p, "ta") == ["included"] * 4
    # full text: maybe is never final; different exclusion reasons conflict
    sc.record_decision(store, p, 1, A, "ft", "maybe")
    sc.record_decision(store, p, 1, B, "ft", "maybe")
    sc.record_decision(store, p, 2, A, "ft", "include")
    sc.record_decision(store, p, 2, B, "ft", "maybe")
    sc.record_decision(store, p, 3, A, "ft", "exclude", reason=WRONG_POP)
    sc.record_decision(store, p, 3, B, "ft", "exclude", reason="Wrong comparator")
    sc.record_decision(store, p, 4, A, "ft", "exclude", reason=WRONG_POP)
    assert status_of(store, p, "ft") == ["conflict", "conflict", "conflict", "pending"]
    single = with_screening(p, reviewers_per_record=1)
    assert status_of(store, single, "ft")[3] == "excluded"


def test_fulltext_exclusion_needs_a_reason_from_the_protocol(
    review: tuple[Store, Protocol],
) -> None:
    store, p = review
    screen_all(store, p, "ta", {A: ["include"], B: ["include"]})
    with pytest.raises(InputError, match="must be one of 'Wrong population'"):
        sc.record_decision(store, p, 1, A, "ft", "exclude")
    with pytest.raises(InputError, match="got 'too small'"):
        sc.record_decision(store, p, 1, A, "ft", "exclude", reason="too small")
    sc.record_decision(store, p, 1, A, "ft", "exclude", reason=f" {WRONG_POP} ")
    assert sc.my_decisions(store, A, "ft")["reason"].tolist() == [WRONG_POP]
    bare = p.model_copy(
        update={
            "eligibility": p.eligibility.model_copy(update={"fulltext_reasons": []})
        }
    )
    with pytest.raises(InputError, match=r"lists no eligibility\.fulltext_reasons"):
        sc.record_decision(store, bare, 1, B, "ft", "exclude", reason="x")
    sc.unblind(store, p, "ft", by=A)
    sc.record_decision(store, p, 1, B, "ft", "maybe")
    with pytest.raises(InputError, match="must be one of 'Wrong population'"):
        sc.resolve(store, p, 1, "ft", "exclude", by=C)


def test_dual_fraction_sample_is_reproducible(tmp_path: Path) -> None:
    folder = make_project(tmp_path, n=40)
    with sc.open_review(folder) as (store, p):
        seeded = with_screening(p, reviewers_per_record=1, dual_fraction=0.5, seed=7)
        first = sc.outcomes(store, seeded, "ta")["needed"].tolist()
        unseeded = with_screening(p, reviewers_per_record=1, dual_fraction=0.5)
        stored = sc.outcomes(store, unseeded, "ta")["needed"].tolist()
    assert set(first) == {1, 2}
    assert set(stored) == {1, 2}
    with sc.open_review(folder) as (store, p):  # a new connection, the same draws
        assert sc.outcomes(store, seeded, "ta")["needed"].tolist() == first
        assert sc.outcomes(store, unseeded, "ta")["needed"].tolist() == stored
        seeds = store.conn.execute("SELECT value FROM review_settings").fetchall()
        assert len(seeds) == 1  # drawn once, kept
        other = with_screening(p, reviewers_per_record=1, dual_fraction=0.5, seed=8)
        assert sc.outcomes(store, other, "ta")["needed"].tolist() != first
        # a record in the sample stays pending after one reviewer; others do not
        two, one = first.index(2) + 1, first.index(1) + 1
        sc.record_decision(store, seeded, two, A, "ta", "include")
        sc.record_decision(store, seeded, one, A, "ta", "include")
        st = sc.outcomes(store, seeded, "ta").set_index("record_id")["status"]
        assert (st[two], st[one]) == ("pending", "included")
        assert two in sc.queue(store, seeded, B, "ta")["id"].tolist()
        assert one not in sc.queue(store, seeded, B, "ta")["id"].tolist()


def test_sample_fraction_is_binomial() -> None:
    from metareview.review._screening_state import in_sample

    # 4,000 independent draws with p = 0.2: mean 800, sd sqrt(4000*.2*.8) = 25.3
    drawn = sum(in_sample(11, "title_abstract", i, 0.2) for i in range(4000))
    assert abs(drawn - 800) < 4 * 25.3


def test_csv_round_trip_and_bad_csv_rejected_whole(tmp_path: Path) -> None:
    first = make_project(tmp_path, name="here")
    second = make_project(tmp_path, name="there")
    out = tmp_path / "decisions.csv"
    with sc.open_review(first) as (store, p):
        screen_all(store, p, "ta", {A: ["include", "exclude"], B: ["include"] * 2})
        sc.record_decision(store, p, 1, A, "ft", "exclude", reason=WRONG_POP, note="n")
        assert sc.export_decisions(store, out) == 5
        assert sc.export_decisions(store, tmp_path / "ta.csv", stage="ta") == 4
        want = sc.my_decisions(store, A, "ft")
    frame = pd.read_csv(out)
    assert list(frame.columns) == [
        "record_id", "stage", "reviewer", "decision", "reason", "note",
        "decided_at", "title", "doi",
    ]  # fmt: skip
    with sc.open_review(second) as (store, p):
        assert sc.import_decisions(store, p, out) == 5
        assert sc.import_decisions(store, p, out) == 0  # nothing new
        got = sc.my_decisions(store, A, "ft")
        pd.testing.assert_frame_equal(got, want)
        assert len(sc.visible_decisions(store, p, "ta", A)) == 2
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "record_id,stage,reviewer,decision,reason\n"
        f"3,ta,{A},include,\n"
        f"4,ta,{A},perhaps,\n"
        f"x,ft,{B},exclude,Too small\n",
        encoding="utf-8",
    )
    with sc.open_review(second) as (store, p):
        before = store.conn.execute("SELECT count(*) FROM screening_events").fetchone()
        with pytest.raises(InputError) as err:
            sc.import_decisions(store, p, bad)
        text = str(err.value)
        assert "line 3, column decision" in text
        assert "'perhaps'" in text
        assert "line 4, column record_id" in text
        assert "nothing was imported" in text
        after = store.conn.execute("SELECT count(*) FROM screening_events").fetchone()
        assert before == after


def test_csv_rows_that_break_the_state_roll_back(
    review: tuple[Store, Protocol], tmp_path: Path
) -> None:
    store, p = review
    path = tmp_path / "late.csv"
    path.write_text(
        "record_id,stage,reviewer,decision,reason,decided_at\n"
        f"1,ta,{A},include,,2024-01-31T09:30:00+01:00\n"
        f"2,ft,{A},include,,\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"line 3: record 2 is not eligible"):
        sc.import_decisions(store, p, path)
    assert store.conn.execute("SELECT count(*) FROM screening_events").fetchone() == (
        0,
    )
    path.write_text(
        "record_id,stage,reviewer,decision,reason,decided_at\n"
        f"1,ta,{A},include,,2024-01-31T09:30:00+01:00\n",
        encoding="utf-8",
    )
    assert sc.import_decisions(store, p, path) == 1
    assert sc.my_decisions(store, A, "ta")["decided_at"][0] == "2024-01-31T08:30:00Z"
    path.write_text("record_id,stage,who\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 1: missing column\(s\) reviewer"):
        sc.import_decisions(store, p, path)


def test_version_1_database_migrates_and_keeps_its_rows(tmp_path: Path) -> None:
    db = tmp_path / "review.db"
    conn = sqlite3.connect(db)
    conn.executescript(MIGRATIONS[0] + "\nPRAGMA user_version = 1;")
    conn.execute(
        "INSERT INTO batches (path, sha256, database, format, encoding, n_records)"
        " VALUES ('a.ris', ?, 'PubMed', 'ris', 'utf-8', 1)",
        ("0" * 64,),
    )
    conn.execute(
        "INSERT INTO records (batch_id, position, database, title)"
        " VALUES (1, 0, 'PubMed', 't')"
    )
    conn.execute(
        "INSERT INTO screening_events (record_id, reviewer, stage, decision, reason,"
        " decided_at) VALUES (1, 'Reviewer A', 'title_abstract', 'exclude', 'old',"
        " '2023-05-01T10:00:00Z')"
    )
    conn.commit()
    conn.close()
    with open_store(db) as store:
        assert store.schema_version == len(MIGRATIONS) >= 2
        rows = store.conn.execute(
            "SELECT id, record_id, reviewer, stage, kind, decision, reason,"
            " consensus, decided_at FROM screening_events"
        ).fetchall()
        assert rows == [
            (1, 1, A, "title_abstract", "decision", "exclude", "old", 0,
             "2023-05-01T10:00:00Z"),
        ]  # fmt: skip
        for sql in (
            "UPDATE screening_events SET decision = 'include'",
            "DELETE FROM screening_events",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                store.conn.execute(sql)
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            store.conn.execute(
                "INSERT INTO screening_events (record_id, reviewer, stage, kind)"
                " VALUES (1, 'x', 'title_abstract', 'decision')"
            )


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_cli_commands(tmp_path: Path) -> None:
    folder = make_project(tmp_path)
    d = str(folder)
    with sc.open_review(folder) as (store, p):
        screen_all(store, p, "ta", {A: ["include", "exclude", "include", "exclude"]})
        screen_all(store, p, "ta", {B: ["include", "exclude", "exclude", "exclude"]})
    code, out = cli("conflicts", d, "--stage", "ta", "--viewer", B)
    assert code == 1
    assert "Error: stage title_abstract is blinded" in out
    code, out = cli("status", d)
    assert code == 0, out
    assert "Records identified: 4 (PubMed 4)" in out
    assert "title_abstract (blinded): 1 included, 2 excluded, 1 in conflict" in out
    assert "kappa" not in out  # agreement is shown only once unblinded
    code, out = cli("unblind", d, "--stage", "ta", "--by", B)
    assert code == 1
    assert "only the review's owner" in out
    assert cli("unblind", d, "--stage", "ta", "--by", A)[0] == 0
    code, out = cli("conflicts", d, "--stage", "ta", "--viewer", B)
    assert code == 0
    assert "3: Trial 3 of help-seeking" in out
    assert "1 conflict(s)" in out
    code, out = cli("resolve", d, "3", "--stage", "ta", "--decision", "include",
                    "--by", B)  # fmt: skip
    assert code == 1
    assert "Error:" in out
    code, out = cli("resolve", d, "3", "--stage", "ta", "--decision", "include",
                    "--by", B, "--consensus")  # fmt: skip
    assert code == 0, out
    code, out = cli("status", d, "--json")
    assert code == 0, out
    import json

    report = json.loads(out)
    assert report["prisma"]["excluded_screening"] == 2
    assert report["stages"]["title_abstract"]["conflict"] == 0
    pair = report["stages"]["title_abstract"]["agreement"][0]
    # 4 records: agree on 1, 2, 4 -> p_o = 3/4; kappa: p_e = (2/4)(1/4)+(2/4)(3/4)
    # = 0.5, kappa = (0.75 - 0.5) / (1 - 0.5) = 0.5
    assert (pair["reviewer_1"], pair["n"]) == (A, 4)
    assert pair["percent"] == pytest.approx(0.75)
    assert pair["kappa"] == pytest.approx(0.5)
    csv = tmp_path / "out.csv"
    code, out = cli("decisions", d, "--export", str(csv), "--stage", "ta")
    assert code == 0
    assert "8 decisions written" in out
    other = make_project(tmp_path, name="other")
    code, out = cli("decisions", str(other), "--import", str(csv))
    assert code == 0, out
    assert "8 decisions imported" in out
    code, out = cli("decisions", d)
    assert code == 1
    assert "--export FILE or --import FILE" in out
    code, out = cli("status", str(tmp_path / "nowhere"))
    assert code == 1
    assert "metareview init" in out


# --- decisions CSV naming records by doi, pmid or title; resolutions ---------------
MEDLINE_FOUR = "".join(
    f"PMID- 3000000{i}\nTI  - {title}\nFAU - {author}\nAU  - {author}\n"
    f"DP  - 2021\nLID - 10.5555/hs.{i} [doi]\n\n"
    for i, (title, author) in enumerate(
        [
            ("Positive emotion and help-seeking: a randomised trial.", "Ames, K"),
            ("Mental contrasting for students with depressive symptoms.", "Bell, R"),
            ("Stigma and treatment seeking.", "Cole, T"),
            ("Stigma and treatment seeking.", "Dunn, P"),
        ],
        start=1,
    )
)
# The Embase copy of record 1: no PMID, the title in title case with an accent.
EMBASE_ONE = (
    "TY  - JOUR\nT1  - Positive Émotion and Help-Seeking: A Randomised Trial\n"
    "A1  - Ames K.\nY1  - 2021\nDO  - 10.5555/HS.1\nDB  - Embase\nER  - \n"
)


@pytest.fixture
def identified(tmp_path: Path) -> Iterator[tuple[Store, Protocol]]:
    from metareview.review.intake import dedup_project

    folder = tmp_path / "ids"
    init_project(folder)
    (tmp_path / "pubmed.nbib").write_text(MEDLINE_FOUR, encoding="utf-8")
    (tmp_path / "embase.ris").write_text(EMBASE_ONE, encoding="utf-8")
    import_files(folder, [tmp_path / "pubmed.nbib", tmp_path / "embase.ris"])
    assert dedup_project(folder).linked == 1  # record 5 -> record 1
    with sc.open_review(folder) as opened:
        yield opened


def test_csv_rows_name_records_by_doi_pmid_or_title(
    identified: tuple[Store, Protocol], tmp_path: Path
) -> None:
    store, p = identified
    path = tmp_path / "by-id.csv"
    path.write_text(
        "stage,reviewer,decision,doi,pmid,title\n"
        # the DOI as the Embase copy writes it, with a resolver: the cluster's
        # first record (1), not the duplicate (5)
        f"ta,{A},include,https://doi.org/10.5555/HS.1,,\n"
        # an unknown DOI falls through to the PMID
        f"ta,{A},exclude,10.5555/none,30000002,\n"
        f"ta,{B},include,,,Positive emotion and help seeking - a RANDOMISED trial\n"
        f"ta,{B},exclude,,30000002,\n",
        encoding="utf-8",
    )
    assert sc.import_decisions(store, p, path) == 4
    got = sc.outcomes(store, p, "ta").set_index("record_id")
    assert got.loc[1, "status"] == "included"
    assert got.loc[2, "status"] == "excluded"
    assert 5 not in got.index  # a duplicate is not screened
    assert sc.import_decisions(store, p, path) == 0
    # records 3 and 4 share a title: ambiguous; a title nobody has: not found
    path.write_text(
        "stage,reviewer,decision,title\n"
        f"ta,{A},include,Stigma and treatment seeking\n"
        f"ta,{A},include,Nothing like it\n"
        f"ta,{A},include,\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        sc.import_decisions(store, p, path)
    text = str(err.value)
    assert "line 2, column title: 'Stigma and treatment seeking' is ambiguous" in text
    assert "records 3, 4" in text
    assert "line 3, column title: no record of this review matches" in text
    assert "line 4, column record_id: is blank, and so are doi, pmid and title" in text
    assert store.conn.execute("SELECT count(*) FROM screening_events").fetchone() == (
        4,
    )


def test_csv_resolutions_need_the_stage_unblinded(
    identified: tuple[Store, Protocol], tmp_path: Path
) -> None:
    store, p = identified
    path = tmp_path / "resolved.csv"
    path.write_text(
        "pmid,stage,reviewer,decision,reason,kind,consensus\n"
        # the resolution comes first in the file but is applied after the
        # decisions of its stage, and the full-text rows after both
        f"30000001,ta,{C},include,,resolution,\n"
        f"30000001,ta,{A},include,,,\n"
        f"30000001,ta,{B},exclude,,decision,\n"
        f"30000002,ta,{A},include,,,\n"
        f"30000002,ta,{B},maybe,,,\n"
        f"30000002,ft,{A},exclude,{WRONG_POP},,\n"
        f"30000002,ft,{B},include,,,\n"
        f"30000002,ft,{A},exclude,Wrong comparator,resolution,1\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"line 2: stage title_abstract is blinded"):
        sc.import_decisions(store, p, path)
    assert store.conn.execute("SELECT count(*) FROM screening_events").fetchone() == (
        0,
    )
    with pytest.raises(InputError, match="unblind_by must be one of the reviewers"):
        sc.import_decisions(store, p, path, unblind_by="Somebody")
    with pytest.raises(InputError, match="only the review's owner may unblind"):
        sc.import_decisions(store, p, path, unblind_by=B)
    assert sc.import_decisions(store, p, path, unblind_by=A) == 8
    assert sc.is_unblinded(store, "ta")
    assert sc.is_unblinded(store, "ft")
    ta = sc.outcomes(store, p, "ta").set_index("record_id")
    assert tuple(ta.loc[1, ["status", "how"]]) == ("included", "resolution")
    ft = sc.outcomes(store, p, "ft").set_index("record_id")
    assert tuple(ft.loc[2, ["status", "reason", "how"]]) == (
        "excluded",
        "Wrong comparator",
        "resolution",
    )
    assert sc.import_decisions(store, p, path, unblind_by=A) == 0  # nothing new
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "pmid,stage,reviewer,decision,kind,consensus\n"
        f"30000003,ta,{A},include,decision,1\n"
        f"30000003,ta,{C},maybe,resolution,\n"
        f"30000003,ta,{A},include,verdict,\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        sc.import_decisions(store, p, bad)
    text = str(err.value)
    assert "line 2, column consensus: is only used on rows of kind 'resolution'" in (
        text
    )
    assert "line 3, column decision: a resolution's decision must be" in text
    assert (
        "line 4, column kind: must be one of 'decision', 'unblind', 'resolution'"
        in (text)
    )


def test_csv_unblind_rows_make_a_file_self_contained(
    identified: tuple[Store, Protocol], tmp_path: Path
) -> None:
    store, p = identified
    path = tmp_path / "elsewhere.csv"
    path.write_text(
        "doi,stage,reviewer,decision,kind\n"
        f"10.5555/hs.3,ta,{C},exclude,resolution\n"
        f",ta,{A},,unblind\n"
        f"10.5555/hs.3,ta,{A},include,\n"
        f"10.5555/hs.3,ta,{B},exclude,\n",
        encoding="utf-8",
    )
    assert sc.import_decisions(store, p, path) == 4  # 2 decisions, unblind, resolution
    assert sc.is_unblinded(store, "ta")
    assert not sc.is_unblinded(store, "ft")
    ta = sc.outcomes(store, p, "ta").set_index("record_id")
    assert tuple(ta.loc[3, ["status", "how"]]) == ("excluded", "resolution")
    assert sc.import_decisions(store, p, path) == 0
    path.write_text(
        f"doi,stage,reviewer,decision,kind\n,ft,{B},,unblind\n,ft,{A},include,unblind\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        sc.import_decisions(store, p, path)
    assert "line 2, column reviewer: an unblind row is the owner's" in str(err.value)
    assert "line 3, column decision: is not used on a row of kind 'unblind'" in str(
        err.value
    )
