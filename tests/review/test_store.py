"""review.db: migrations, pragmas, all-or-nothing imports, re-import detection."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from metareview.review.store import MIGRATIONS, StoreError, file_sha256, open_store

SHA = "a" * 64


def records(n: int) -> list[dict[str, Any]]:
    return [
        {
            "title": f"Trial {i}",
            "authors": ["Ni X", "Li Y"],
            "year": 2020 + i,
            "doi": f"10.1000/{i}",
            "raw": {"TI": f"Trial {i}"},
        }
        for i in range(n)
    ]


def add(store: Any, rows: Any, sha: str = SHA) -> int:
    return int(
        store.add_batch(
            path="searches/pubmed.ris",
            sha256=sha,
            database="PubMed",
            format="ris",
            encoding="utf-8",
            records=rows,
        )
    )


def tables(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {r[0] for r in rows}


def test_migrations_from_empty_set_user_version(tmp_path: Path) -> None:
    with open_store(tmp_path / "review.db") as store:
        assert store.schema_version == len(MIGRATIONS)
        assert {
            "batches",
            "records",
            "duplicate_links",
            "screening_events",
            "extraction_values",
            "rob_judgements",
        } <= tables(store.conn)


def test_migrations_are_idempotent(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        add(store, records(2))
    with open_store(tmp_path) as store:
        assert store.migrate() == len(MIGRATIONS)
        assert store.counts()["records"] == 2


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "review.db")
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(StoreError, match="schema version 99"):
        open_store(tmp_path)


def test_wal_foreign_keys_and_busy_timeout_are_on(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            store.add_records(12345, records(1), database="PubMed")


def test_batch_and_records_are_written(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        batch = add(store, pd.DataFrame(records(3)))
        df = store.records()
        assert list(df["title"]) == ["Trial 0", "Trial 1", "Trial 2"]
        assert list(df["position"]) == [0, 1, 2]
        assert set(df["database"]) == {"PubMed"}
        assert df["authors"].iloc[0] == "Ni X; Li Y"
        assert df["raw"].iloc[0] == '{"TI": "Trial 0"}'
        assert df["file"].iloc[0] == "searches/pubmed.ris"
        assert (df["batch_id"] == batch).all()
        assert store.batches().loc[batch, "n_records"] == 3
        assert store.counts() == {"batches": 1, "records": 3, "records[PubMed]": 3}


@pytest.mark.parametrize(
    "bad",
    [{"title": "x", "year": "not a year"}, {"title": "x", "colour": "red"}],
)
def test_import_is_all_or_nothing(tmp_path: Path, bad: dict[str, Any]) -> None:
    rows = records(5)
    rows[3] = bad
    with open_store(tmp_path) as store:
        with pytest.raises((StoreError, ValueError)):
            add(store, rows)
        assert store.counts() == {"batches": 0, "records": 0}
        assert not store.has_file(SHA)
        assert not store.conn.in_transaction


def test_failure_in_the_database_rolls_back(tmp_path: Path) -> None:
    rows = records(4)
    rows[2]["position"] = 0  # clashes with record 0: UNIQUE (batch_id, position)
    with open_store(tmp_path) as store:
        with pytest.raises(sqlite3.IntegrityError):
            add(store, rows)
        assert store.counts()["records"] == 0
        assert store.counts()["batches"] == 0


def test_reimport_is_detected(tmp_path: Path) -> None:
    export = tmp_path / "pubmed.ris"
    export.write_bytes(b"TY  - JOUR\r\nTI  - Trial\r\nER  - \r\n")
    sha = file_sha256(export)
    with open_store(tmp_path) as store:
        assert not store.has_file(sha)
        add(store, records(1), sha=sha)
        assert store.has_file(sha)
    with open_store(tmp_path) as store:
        assert store.has_file(sha)


def test_screening_events_are_append_only(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        add(store, records(1))
        store.conn.execute(
            "INSERT INTO screening_events (record_id, reviewer, stage, decision)"
            " VALUES (1, 'A', 'title_abstract', 'include')"
        )
        when = store.conn.execute("SELECT decided_at FROM screening_events").fetchone()
        assert when[0].endswith("Z")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            store.conn.execute("UPDATE screening_events SET decision = 'exclude'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            store.conn.execute("DELETE FROM screening_events")


def test_records_cannot_be_orphaned_by_duplicate_links(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        add(store, records(2))
        store.conn.execute(
            "INSERT INTO duplicate_links (record_id, duplicate_of, confidence, method,"
            " decided_by, decided_at) VALUES (2, 1, 0.99, 'doi', 'dedup', 'now')"
        )
        current = store.conn.execute(
            "SELECT record_id, duplicate_of FROM current_duplicates"
        ).fetchall()
        assert current == [(2, 1)]
        with pytest.raises(sqlite3.IntegrityError):
            store.conn.execute("DELETE FROM records WHERE id = 1")


def test_failed_migration_leaves_the_previous_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from metareview.review import store as store_module

    bad = "CREATE TABLE half_done (a); CREATE TABLE half_done (a);"
    monkeypatch.setattr(store_module, "MIGRATIONS", (*MIGRATIONS, bad))
    with pytest.raises(StoreError, match=f"migration {len(MIGRATIONS) + 1} failed"):
        open_store(tmp_path)
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS)
    with open_store(tmp_path) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert "half_done" not in tables(store.conn)


def test_missing_values_from_a_dataframe_are_null(tmp_path: Path) -> None:
    df = pd.DataFrame({"title": ["a", None], "year": [2020, None], "doi": ["x", None]})
    with open_store(tmp_path) as store:
        add(store, df)
        rows = store.conn.execute("SELECT title, year, doi FROM records").fetchall()
    assert rows == [("a", 2020, "x"), (None, None, None)]


def test_readers_see_committed_data_while_a_writer_waits(tmp_path: Path) -> None:
    with open_store(tmp_path) as writer, open_store(tmp_path) as reader:
        with writer.transaction():
            add(writer, records(2))
            assert reader.counts()["records"] == 0  # WAL: readers are not blocked
        assert reader.counts()["records"] == 2


def test_a_transaction_tries_again_while_another_writer_holds_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from metareview.review import store as store_module

    monkeypatch.setattr(store_module, "BEGIN_WAIT_S", 0.05)
    other = open_store(tmp_path, check_same_thread=False)  # used by the timer
    with open_store(tmp_path) as store, other:
        store.conn.execute("PRAGMA busy_timeout = 10")  # give up waiting at once
        other.conn.execute("BEGIN IMMEDIATE")  # another writer holds the lock
        release = threading.Timer(0.08, lambda: other.conn.execute("COMMIT"))
        release.start()
        with store.transaction() as conn:  # the first attempts fail, a later one not
            conn.execute(
                "INSERT INTO batches (path, sha256, database, format, encoding,"
                " n_records) VALUES ('a.ris', ?, 'PubMed', 'ris', 'utf-8', 0)",
                ("0" * 64,),
            )
        release.join()
        assert store.conn.execute("SELECT count(*) FROM batches").fetchone() == (1,)
        # a lock held for longer than all the attempts: the error comes through
        other.conn.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            with store.transaction():
                pass
        other.conn.execute("COMMIT")
