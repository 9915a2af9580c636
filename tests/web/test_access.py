"""Every route: without login, with the wrong role, with a missing or forged CSRF token.

The routes are enumerated from ``app.routes``, so a route added later is covered
without editing this file.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute

from metareview.web import deps
from web.webtools import OWNER, REVIEWER, TestClient, csrf_of

#: Routes anyone may use: the login and invitation pages (they check their own
#: double-submit CSRF token, see test_auth).
PUBLIC = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/invite/{token}"),
    ("POST", "/invite/{token}"),
}
#: Path parameters filled in for the requests.
PARAMS = {"slug": "ta", "token": "x" * 43, "record_id": "1"}


def _flat(routes: list[Any]) -> list[Any]:
    """The routes of an app, with included routers opened (no prefixes used)."""
    out = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        out += _flat(inner.routes) if inner is not None else [route]
    return out


def _routes(app: Any) -> list[tuple[str, str, APIRoute]]:
    out = []
    for route in _flat(app.routes):
        if isinstance(route, APIRoute):
            for method in sorted(route.methods - {"HEAD"}):
                out.append((method, route.path, route))
    return out


def _url(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PARAMS[m.group(1)], path)


def _calls(route: APIRoute) -> set[Any]:
    """Every dependency function of a route, recursively."""
    seen: set[Any] = set()
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        seen.add(dep.call)
        stack.extend(dep.dependencies)
    return seen


def test_the_app_has_the_routes_of_the_brief(app: Any) -> None:
    paths = {p for _, p, _ in _routes(app)}
    for expected in [
        "/",
        "/imports",
        "/dedup",
        "/people",
        "/screen/{slug}",
        "/conflicts/{slug}",
        "/status",
        "/api/status",
    ]:
        assert expected in paths


def test_every_route_checks_login_role_and_csrf_through_a_dependency(
    app: Any,
) -> None:
    checks = {deps.viewer, deps.actor, deps.owner_viewer, deps.owner_actor}
    for method, path, route in _routes(app):
        if (method, path) in PUBLIC:
            continue
        calls = _calls(route)
        assert calls & checks, f"{method} {path} has no access check"
        if method == "POST":
            assert deps.actor in calls, f"POST {path} does not check CSRF"


def test_every_route_without_login_redirects_pages_and_refuses_json(
    app: Any,
) -> None:
    client = TestClient(app, follow_redirects=False)
    checked = 0
    for method, path, _ in _routes(app):
        if (method, path) in PUBLIC:
            continue
        response = client.request(method, _url(path))
        if path.startswith("/api/"):
            assert response.status_code == 401, f"{method} {path}"
            assert response.json() == {"error": "log in first"}
        else:
            assert response.status_code == 303, f"{method} {path}"
            assert response.headers["location"].startswith("/login")
        checked += 1
    assert checked >= 20


def test_pages_redirect_to_login_and_back(app: Any) -> None:
    client = TestClient(app, follow_redirects=False)
    response = client.get("/status")
    assert response.headers["location"] == "/login?next=/status"
    json = client.get("/status", headers={"accept": "application/json"})
    assert json.status_code == 401


def test_owner_only_routes_are_forbidden_to_a_reviewer(
    app: Any, records: Any, client_for: Any
) -> None:
    reviewer = client_for(REVIEWER)
    token = csrf_of(reviewer)
    owner_only = [
        (m, p)
        for m, p, r in _routes(app)
        if _calls(r) & {deps.owner_viewer, deps.owner_actor}
    ]
    expected = {
        ("GET", "/imports"),
        ("POST", "/imports"),
        ("GET", "/dedup"),
        ("POST", "/dedup/run"),
        ("POST", "/dedup/decide"),
        ("GET", "/people"),
        ("POST", "/people/invite"),
        ("POST", "/people/assign"),
        ("POST", "/conflicts/{slug}/unblind"),
    }
    assert expected <= set(owner_only)
    for method, path in owner_only:
        data = {"csrf_token": token} if method == "POST" else None
        response = reviewer.request(method, _url(path), data=data)
        assert response.status_code == 403, f"{method} {path}"
        assert "Only the review&#39;s owner may do this" in response.text
    # and nothing happened: the stage is still blinded
    with app.state.review.store() as store:
        assert store.conn.execute(
            "SELECT count(*) FROM screening_stage_events"
        ).fetchone() == (0,)


def test_a_reviewer_who_is_not_a_resolver_cannot_resolve(
    app: Any, records: Any, client_for: Any
) -> None:
    owner = client_for(OWNER)
    owner.post("/conflicts/ta/unblind", data={"csrf_token": csrf_of(owner)})
    reviewer = client_for(REVIEWER)
    response = reviewer.post(
        "/conflicts/ta/resolve",
        data={"record_id": "1", "decision": "include", "csrf_token": csrf_of(reviewer)},
    )
    assert response.status_code == 403


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_every_post_with_a_missing_or_forged_csrf_token_is_refused(
    app: Any, records: Any, client_for: Any, token: str | None
) -> None:
    owner = client_for(OWNER)
    real = csrf_of(owner)
    for method, path, _ in _routes(app):
        if method != "POST" or (method, path) in PUBLIC:
            continue
        data = {"record_id": "1", "decision": "include", "name": REVIEWER}
        if token is not None:
            data["csrf_token"] = token
        response = owner.post(_url(path), data=data)
        assert response.status_code == 403, f"POST {path}"
        forged_header = owner.post(
            _url(path),
            json={"record_id": 1, "decision": "include"},
            headers={"x-csrf-token": token or "x"},
        )
        assert forged_header.status_code == 403, f"POST {path} (header)"
    assert real != token
    with app.state.review.store() as store:
        conn = store.conn
        assert conn.execute("SELECT count(*) FROM screening_events").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM invitations").fetchone() == (4,)
        assert conn.execute("SELECT count(*) FROM stage_assignments").fetchone() == (0,)
    assert owner.get("/").status_code == 200  # still logged in: logout refused too


def test_security_headers_on_every_page(app: Any, client_for: Any) -> None:
    owner = client_for(OWNER)
    for path in ["/", "/login", "/status", "/screen/ta", "/static/app.js"]:
        headers = owner.get(path).headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        assert headers["x-frame-options"] == "DENY"


def test_pages_have_no_inline_script(app: Any, records: Any, client_for: Any) -> None:
    owner = client_for(OWNER)
    for path in [
        "/",
        "/screen/ta",
        "/imports",
        "/dedup",
        "/people",
        "/status",
        "/conflicts/ta",
        "/screen/ta/mine",
    ]:
        html = owner.get(path).text
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert scripts == ['<script src="/static/app.js" defer>'], path
        assert not re.search(r"<[a-z][^>]*\son\w+=", html), path  # no handlers
        assert "style=" not in html, path


def test_no_file_of_the_project_is_served(
    app: Any, records: Any, client_for: Any
) -> None:
    owner = client_for(OWNER)
    for path in [
        "/static/../review.toml",
        "/static/../../review.db",
        "/static/%2e%2e/review.toml",
        "/searches/pubmed.ris",
        "/review.db",
        "/docs",
        "/openapi.json",
    ]:
        response = owner.get(path)
        assert response.status_code == 404, path
