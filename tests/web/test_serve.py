"""``metareview serve``: project creation, setup link, bind warning; reliability."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from metareview.cli import app as cli
from metareview.web import db
from metareview.web.server import network_warning
from web.webtools import OWNER, REVIEWER, TestClient, csrf_of


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Replace uvicorn.run: record how it would have been called."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(
        uvicorn, "run", lambda app, **kw: calls.append({"app": app, **kw})
    )
    return calls


def test_serve_creates_the_project_and_prints_a_one_time_setup_link(
    tmp_path: Path, no_server: list[dict[str, Any]]
) -> None:
    folder = tmp_path / "new-review"
    result = CliRunner().invoke(cli, ["serve", str(folder)])
    assert result.exit_code == 0, result.output
    assert (folder / "review.toml").exists()
    assert (folder / "review.db").exists()
    assert "http://127.0.0.1:8000/invite/" in result.output
    assert "Warning" not in result.output
    assert no_server[0]["host"] == "127.0.0.1"
    assert no_server[0]["port"] == 8000
    # the link works for the protocol's first owner
    token = result.output.split("/invite/")[1].split()[0]
    client = TestClient(no_server[0]["app"])
    assert "Welcome, Reviewer A" in client.get(f"/invite/{token}").text
    # a second start while no account exists prints a new link
    again = CliRunner().invoke(cli, ["serve", str(folder), "--port", "8123"])
    assert "/invite/" in again.output
    assert no_server[1]["port"] == 8123


def test_serve_elsewhere_than_localhost_warns(
    tmp_path: Path, no_server: list[dict[str, Any]]
) -> None:
    result = CliRunner().invoke(
        cli, ["serve", str(tmp_path / "r"), "--host", "0.0.0.0"]
    )
    assert result.exit_code == 0, result.output
    assert "unpublished data" in result.output
    assert no_server[0]["host"] == "0.0.0.0"


@pytest.mark.parametrize(
    ("host", "warns"),
    [("127.0.0.1", False), ("localhost", False), ("::1", False), ("127.0.0.2", False),
     ("0.0.0.0", True), ("192.168.1.5", True), ("::", True), ("example.org", True)],
)  # fmt: skip
def test_network_warning(host: str, warns: bool) -> None:
    assert (network_warning(host) is not None) is warns


def test_serve_reports_a_bad_protocol(tmp_path: Path, no_server: Any) -> None:
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "review.toml").write_text("title = 1\n", encoding="utf-8")
    (folder / "review.db").touch()
    result = CliRunner().invoke(cli, ["serve", str(folder)])
    assert result.exit_code == 1
    assert "is not a valid protocol" in result.output
    assert no_server == []


def test_a_locked_database_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "RETRY_WAIT_S", 0.001)
    attempts = []

    def flaky() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise sqlite3.OperationalError("database is locked")
        return "done"

    assert db.retry(flaky) == "done"
    assert len(attempts) == 3

    def broken() -> None:
        attempts.append(1)
        raise sqlite3.OperationalError("no such table: x")

    attempts.clear()
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        db.retry(broken)
    assert len(attempts) == 1  # other errors are not retried


def test_an_expired_session_needs_a_new_login(app: Any, client_for: Any) -> None:
    b = client_for(REVIEWER)
    assert b.get("/").status_code == 200
    with app.state.review.store() as store, store.transaction() as conn:
        conn.execute("UPDATE web_sessions SET expires_at = '2000-01-01T00:00:00Z'")
    assert b.get("/").status_code == 303


def test_concurrent_reviewers_lose_no_decision(
    app: Any, records: Any, client_for: Any
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    clients = {name: client_for(name) for name in (OWNER, REVIEWER)}
    tokens = {name: csrf_of(c) for name, c in clients.items()}

    def work(job: tuple[str, int]) -> int:
        name, rid = job
        response = clients[name].post(
            "/api/screen/ta/decide",
            json={"record_id": rid, "decision": "include"},
            headers={"x-csrf-token": tokens[name]},
        )
        return response.status_code

    jobs = [(name, rid) for rid in (1, 2, 3) for name in clients]
    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = list(pool.map(work, jobs))
    assert codes == [200] * 6
    with app.state.review.store() as store:
        got = sorted(
            store.conn.execute(
                "SELECT record_id, reviewer FROM screening_events"
            ).fetchall()
        )
    assert got == sorted((rid, name) for name, rid in jobs)


def test_requests_share_pooled_connections_that_see_every_commit(
    app: Any, records: Any, client_for: Any
) -> None:
    review = app.state.review
    b = client_for(REVIEWER)
    before = b.get("/api/screen/ta/next").json()["progress"]["done"]
    assert 0 < len(review._idle) <= db.POOL_SIZE  # given back, not closed
    pooled = set(map(id, review._idle))
    with review.store() as store:  # a connection from the pool
        assert id(store) in pooled
        rid = store.conn.execute("SELECT min(id) FROM records").fetchone()[0]
    # a decision committed by another connection is seen by the pooled ones
    with sqlite3.connect(review.folder / "review.db") as other:
        other.execute(
            "INSERT INTO screening_events (record_id, reviewer, stage, decision,"
            " kind) VALUES (?, ?, 'title_abstract', 'exclude', 'decision')",
            (rid, REVIEWER),
        )
    after = b.get("/api/screen/ta/next").json()["progress"]["done"]
    assert after == before + 1


def test_a_connection_given_back_inside_a_transaction_is_rolled_back(
    app: Any,
) -> None:
    review = app.state.review
    with review.store() as store:
        store.conn.execute("BEGIN IMMEDIATE")
        store.conn.execute("DELETE FROM web_sessions")
        kept = store
    assert not kept.conn.in_transaction
    with review.store() as store:  # the write lock was released
        with store.transaction() as conn:
            conn.execute("DELETE FROM web_sessions")


def test_the_pool_keeps_a_few_connections_and_closes_them_at_shutdown(
    app: Any,
) -> None:
    review = app.state.review
    review.close()
    borrowed = [review.store() for _ in range(db.POOL_SIZE + 3)]
    stores = [cm.__enter__() for cm in borrowed]
    assert len({id(s) for s in stores}) == db.POOL_SIZE + 3
    for cm in borrowed:
        cm.__exit__(None, None, None)
    assert len(review._idle) == db.POOL_SIZE  # the others were closed
    with TestClient(app):  # start and stop the app: the pool is emptied
        pass
    assert review._idle == []
    with pytest.raises(sqlite3.ProgrammingError):
        stores[0].conn.execute("SELECT 1")
