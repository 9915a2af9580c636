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
