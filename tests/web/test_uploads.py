"""Uploads: import through the page, size limit, malformed files, file names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from metareview.web import create_app
from web.webtools import OWNER, REVIEWER, TestClient, csrf_of, ris_text


def batches(app: Any) -> list[tuple[Any, ...]]:
    with app.state.review.store() as store:
        return store.conn.execute(
            "SELECT path, database, n_records FROM batches ORDER BY id"
        ).fetchall()


def upload(client: TestClient, name: str, data: bytes, **form: str) -> Any:
    return client.post(
        "/imports",
        data={"csrf_token": csrf_of(client), **form},
        files={"files": (name, data, "application/octet-stream")},
    )


def searches(app: Any) -> list[str]:
    return sorted(p.name for p in (app.state.review.folder / "searches").iterdir())


def test_owner_imports_an_export(app: Any, client_for: Any) -> None:
    a = client_for(OWNER)
    response = upload(a, "pubmed.ris", ris_text().encode(), database="PubMed")
    assert response.status_code == 303
    assert batches(app) == [("searches/pubmed.ris", "PubMed", 3)]
    page = a.get("/imports").text
    assert "3 records imported from 1 file(s)." in page
    assert "searches/pubmed.ris" in page
    again = upload(a, "pubmed.ris", ris_text().encode())
    assert again.status_code == 400
    assert "this file was imported before; nothing was imported" in again.text


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.ris", b"", "the file is empty; nothing was imported"),
        (
            "noise.txt",
            b"\x00\x01 this is not a bibliography \xff" * 20,
            "nothing was imported",
        ),
        ("broken.ris", b"TY  - JOUR\nTI  - A title without an end\n", "broken.ris"),
    ],
)
def test_malformed_uploads_are_refused_with_the_importers_message(
    app: Any, client_for: Any, name: str, data: bytes, message: str
) -> None:
    a = client_for(OWNER)
    response = upload(a, name, data)
    assert response.status_code == 400
    assert 'class="msg error"' in response.text
    assert message in response.text
    assert batches(app) == []
    assert searches(app) == []


def test_an_oversized_upload_is_refused_with_413_and_nothing_imported(
    folder: Path, client_for: Any
) -> None:
    small = create_app(folder, max_upload_bytes=2000)
    from metareview.web.auth import accept_invitation, create_invitation

    review = small.state.review
    with review.store() as store:
        token = create_invitation(store, review.protocol(), OWNER, OWNER)
    accept_invitation(review, token, "correct horse battery", "correct horse battery")
    client = TestClient(small, follow_redirects=False)
    from web.webtools import log_in

    assert log_in(client, OWNER).status_code == 303
    big = ris_text().encode() * 20  # about 14 kB
    response = upload(client, "big.ris", big)
    assert response.status_code == 413
    assert "File too large" in response.text
    assert "0.00191 MiB" in response.text  # 2000 bytes
    assert batches(small) == []
    assert searches(small) == []
    # a body without Content-Length is counted as it arrives
    token = csrf_of(client)
    chunks = iter([b"x" * 1500, b"y" * 1500])
    streamed = client.post(
        "/imports",
        content=chunks,
        headers={
            "content-type": "multipart/form-data; boundary=zzz",
            "x-csrf-token": token,
        },
    )
    assert streamed.status_code == 413
    assert batches(small) == []


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../../evil.ris", "evil.ris"),
        ("..\\..\\windows.ris", "windows.ris"),
        ("/etc/passwd.ris", "passwd.ris"),
        ("....//....//x.ris", "x.ris"),
        ("..", "upload-1"),
    ],
)
def test_path_traversal_in_upload_names_stays_in_searches(
    app: Any, client_for: Any, tmp_path: Path, sent: str, kept: str
) -> None:
    a = client_for(OWNER)
    response = upload(a, sent, ris_text().encode())
    assert response.status_code == 303, response.text
    assert searches(app) == [kept]
    assert batches(app)[0][0] == f"searches/{kept}"
    folder = app.state.review.folder
    names = {p.name for p in folder.iterdir()} - {"review.db-shm", "review.db-wal"}
    assert names == {"output", "review.db", "review.toml", "searches"}
    assert not (tmp_path / "evil.ris").exists()


def test_a_reviewer_cannot_upload(app: Any, client_for: Any) -> None:
    b = client_for(REVIEWER)
    response = upload(b, "pubmed.ris", ris_text().encode())
    assert response.status_code == 403
    assert batches(app) == []


def test_dedup_pairs_are_decided_side_by_side(app: Any, client_for: Any) -> None:
    a = client_for(OWNER)
    upload(a, "pubmed.ris", ris_text().encode(), database="PubMed")
    variant = ris_text(
        title="<script>alert(1)</script> Randomized trial of help seeking",
        abstract="Other.",
    )
    upload(a, "embase.ris", variant.encode(), database="Embase")
    a.post("/dedup/run", data={"csrf_token": csrf_of(a)})
    page = a.get("/dedup").text
    assert 'aria-label="Records 1 and 4"' in page
    response = a.post(
        "/dedup/decide",
        data={"i": "1", "j": "4", "choice": "same", "csrf_token": csrf_of(a)},
    )
    assert response.status_code == 303
    page = a.get("/dedup").text
    assert "Records 1 and 4: the same study." in page
    assert "Pairs to check (0)" in page
    with app.state.review.store() as store:
        links = store.conn.execute(
            "SELECT record_id, duplicate_of, method, decided_by FROM current_duplicates"
            " WHERE record_id = 4"
        ).fetchall()
    assert links == [(4, 1, "manual", OWNER)]
