"""Helpers of the web tests: test data, login and CSRF tokens."""

from __future__ import annotations

import re
import warnings
from typing import Any

with warnings.catch_warnings():
    # starlette's TestClient warns that it will move to httpx2; not our concern
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"
OWNER, REVIEWER, RESOLVER, SECOND = (
    "Reviewer A",
    "Reviewer B",
    "Reviewer C",
    "Reviewer D",
)

XSS_TITLE = "<script>alert(1)</script> Randomised trial of help-seeking"
XSS_ABSTRACT = '"><img src=x onerror=alert(1)> Adults with depressive symptoms.'

RIS = """TY  - JOUR
TI  - {title}
AB  - {abstract}
AU  - Smith, Jane
PY  - 2020
JO  - Journal of Tests
ER  -

TY  - JOUR
TI  - Telephone care management for depression: a randomised trial
AB  - We randomised 200 adults with depressive symptoms to telephone care.
AU  - Doe, John
PY  - 2019
JO  - Psychiatric Services
ER  -

TY  - JOUR
TI  - Stigma and intention to seek help among students
AB  - A cross-sectional survey; not a trial.
AU  - Roe, Richard
PY  - 2021
JO  - Journal of Surveys
ER  -
"""


def ris_text(title: str = XSS_TITLE, abstract: str = XSS_ABSTRACT) -> str:
    """Three records in RIS; the first carries the given title and abstract."""
    return RIS.format(title=title, abstract=abstract)


def anon_csrf(client: TestClient, path: str = "/login") -> str:
    """Load a page shown before login and return its form's CSRF token."""
    response = client.get(path)
    return form_token(response.text)


def form_token(html: str) -> str:
    """The first ``csrf_token`` hidden field of a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match is not None, "no CSRF token on the page"
    return match.group(1)


def log_in(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    """Log in through the login form; returns the response (not followed)."""
    token = anon_csrf(client)
    return client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def csrf_of(client: TestClient) -> str:
    """The session's CSRF token, from the dashboard's meta tag."""
    html = client.get("/").text
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def include_studies(app: Any, records: tuple[int, ...] = (1, 2)) -> None:
    """Reviewers B and D include ``records`` at both stages; both are unblinded.

    The other records are excluded by both (at title and abstract), so that the
    studies included at full text are exactly ``records``.
    """
    from metareview.review import screening as sc

    review = app.state.review
    protocol = review.protocol()
    with review.store() as store:
        every = [r for (r,) in store.conn.execute("SELECT id FROM records")]
        for rid in every:
            decision = "include" if rid in records else "exclude"
            for who in (REVIEWER, SECOND):
                sc.record_decision(store, protocol, rid, who, "ta", decision)
        sc.unblind(store, protocol, "ta", OWNER)
        for rid in records:
            for who in (REVIEWER, SECOND):
                sc.record_decision(store, protocol, rid, who, "ft", "include")
        sc.unblind(store, protocol, "ft", OWNER)


CHROMIUM = "/usr/bin/chromium"


def need_chromium() -> None:
    """Skip without Debian's chromium, except in CI where it must be there."""
    import os
    from pathlib import Path

    import pytest

    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"chromium missing in CI: {CHROMIUM}")
        pytest.skip(f"chromium not available: {CHROMIUM}")


def free_port() -> int:
    """A free TCP port of 127.0.0.1."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """An app under uvicorn in a thread on 127.0.0.1 (a context manager)."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning"
        )
        self.server = uvicorn.Server(config)

    def __enter__(self) -> str:
        import threading
        import time

        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start within 10 s")
            time.sleep(0.05)
        return self.url

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
