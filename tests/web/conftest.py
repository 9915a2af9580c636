"""Fixtures of the web tests: a review project, accounts, logged-in clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

from metareview.review.intake import import_files
from metareview.review.project import init_project
from metareview.web import auth, create_app
from metareview.web.auth import accept_invitation, create_invitation
from web.webtools import (
    OWNER,
    PASSWORD,
    RESOLVER,
    REVIEWER,
    SECOND,
    TestClient,
    log_in,
    ris_text,
)


@pytest.fixture(autouse=True)
def fast_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with small costs, so that tests do not spend seconds hashing."""
    monkeypatch.setattr(
        auth, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    monkeypatch.setattr(auth, "ATTEMPTS", auth._Attempts())


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A review project from the template, with a fourth reviewer, D."""
    root = tmp_path / "review"
    init_project(root)
    toml = root / "review.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8")
        + '\n[[reviewers]]\nname = "Reviewer D"\nrole = "reviewer"\n',
        encoding="utf-8",
    )
    return root


@pytest.fixture
def records(folder: Path, tmp_path: Path) -> Path:
    """Import the three records (the first with XSS payloads) into the project."""
    path = tmp_path / "pubmed.ris"
    path.write_text(ris_text(), encoding="utf-8")
    import_files(folder, [path], database="PubMed")
    return folder


@pytest.fixture
def app(folder: Path) -> Any:
    """The web app on the project, with accounts for A, B, C and D."""
    application = create_app(folder)
    review = application.state.review
    for name in (OWNER, REVIEWER, RESOLVER, SECOND):
        with review.store() as store:
            token = create_invitation(store, review.protocol(), name, OWNER)
        accept_invitation(review, token, PASSWORD, PASSWORD)
    return application


@pytest.fixture
def client_for(app: Any) -> Iterator[Callable[[str], TestClient]]:
    """Make a logged-in client for a reviewer (each with its own cookies)."""
    clients: list[TestClient] = []

    def make(name: str) -> TestClient:
        client = TestClient(app, follow_redirects=False)
        clients.append(client)
        response = log_in(client, name)
        assert response.status_code == 303, response.text
        return client

    yield make
    for c in clients:
        c.close()
