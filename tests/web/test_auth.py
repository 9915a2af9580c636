"""Accounts: login, logout, cookies, invitations, rate limiting, hashing."""

from __future__ import annotations

from typing import Any

from metareview.web.auth import SESSION_COOKIE, create_invitation, token_hash
from web.webtools import (
    OWNER,
    PASSWORD,
    REVIEWER,
    TestClient,
    anon_csrf,
    csrf_of,
    form_token,
    log_in,
)


def test_login_sets_a_strict_httponly_cookie_and_logout_ends_the_session(
    app: Any,
) -> None:
    client = TestClient(app, follow_redirects=False)
    response = log_in(client, REVIEWER)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    for flag in ("HttpOnly", "SameSite=strict", "Path=/", "Max-Age=43200"):
        assert flag.lower() in cookie.lower(), flag
    token = client.cookies[SESSION_COOKIE]
    with app.state.review.store() as store:
        stored = {
            h
            for (h,) in store.conn.execute(
                "SELECT token_hash FROM web_sessions"
                " JOIN accounts ON accounts.id = account_id WHERE name = ?",
                (REVIEWER,),
            )
        }
    assert token_hash(token) in stored  # only the hash is kept
    assert token not in stored
    assert client.get("/").status_code == 200

    response = client.post("/logout", data={"csrf_token": csrf_of(client)})
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    with app.state.review.store() as store:
        rows = store.conn.execute(
            "SELECT count(*) FROM web_sessions WHERE token_hash = ?",
            (token_hash(token),),
        ).fetchone()[0]
    assert rows == 0
    # the old cookie is worthless now, even if a client keeps sending it
    replay = TestClient(app, follow_redirects=False, cookies={SESSION_COOKIE: token})
    assert replay.get("/").status_code == 303


def test_wrong_password_or_unknown_name_is_refused_alike(app: Any) -> None:
    client = TestClient(app, follow_redirects=False)
    wrong = log_in(client, REVIEWER, "not the password")
    unknown = log_in(client, "Somebody Else", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert "Name or password is wrong." in wrong.text
    assert "Name or password is wrong." in unknown.text
    assert SESSION_COOKIE not in client.cookies


def test_passwords_are_stored_as_argon2id_hashes(app: Any) -> None:
    with app.state.review.store() as store:
        hashes = [
            h for (h,) in store.conn.execute("SELECT password_hash FROM accounts")
        ]
    assert len(hashes) == 4
    assert all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)


def test_login_is_rate_limited_per_name(app: Any) -> None:
    client = TestClient(app, follow_redirects=False)
    for _ in range(5):
        assert log_in(client, OWNER, "wrong password").status_code == 401
    # the sixth attempt within the minute is refused, even with the right password
    blocked = log_in(client, OWNER, PASSWORD)
    assert blocked.status_code == 429
    assert "Too many failed logins" in blocked.text
    # another name is not affected
    assert log_in(client, REVIEWER).status_code == 303


def test_login_form_needs_its_csrf_cookie(app: Any) -> None:
    client = TestClient(app, follow_redirects=False)
    token = anon_csrf(client)
    forged = client.post(
        "/login",
        data={"name": REVIEWER, "password": PASSWORD, "csrf_token": "x" + token},
    )
    assert forged.status_code == 403
    stranger = TestClient(app, follow_redirects=False)  # no cookie from the form
    missing = stranger.post(
        "/login", data={"name": REVIEWER, "password": PASSWORD, "csrf_token": token}
    )
    assert missing.status_code == 403


def test_login_redirects_only_to_local_paths(app: Any) -> None:
    client = TestClient(app, follow_redirects=False)
    token = anon_csrf(client)
    for target, expected in [
        ("/status", "/status"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ]:
        response = client.post(
            "/login",
            data={
                "name": REVIEWER,
                "password": PASSWORD,
                "csrf_token": token,
                "next": target,
            },
        )
        assert response.headers["location"] == expected, target
        client.cookies.clear()
        token = anon_csrf(client)


def test_invitation_creates_the_account_once(folder: Any) -> None:
    from metareview.web import create_app

    app = create_app(folder)
    review = app.state.review
    with review.store() as store:
        token = create_invitation(store, review.protocol(), REVIEWER, OWNER)
    client = TestClient(app, follow_redirects=False)
    page = client.get(f"/invite/{token}")
    assert page.status_code == 200
    assert "Welcome, Reviewer B" in page.text
    csrf = form_token(page.text)

    short = client.post(
        f"/invite/{token}",
        data={"password": "short", "repeated": "short", "csrf_token": csrf},
    )
    assert short.status_code == 400
    assert "at least 10 characters" in short.text
    differ = client.post(
        f"/invite/{token}",
        data={"password": PASSWORD, "repeated": PASSWORD + "x", "csrf_token": csrf},
    )
    assert differ.status_code == 400

    done = client.post(
        f"/invite/{token}",
        data={"password": PASSWORD, "repeated": PASSWORD, "csrf_token": csrf},
    )
    assert done.status_code == 303
    assert client.get("/").status_code == 200  # logged in straight away
    with review.store() as store:
        role = store.conn.execute(
            "SELECT role FROM accounts WHERE name = ?", (REVIEWER,)
        ).fetchone()[0]
        stored = store.conn.execute("SELECT token_hash FROM invitations").fetchall()
    assert role == "reviewer"
    assert stored == [(token_hash(token),)]

    again = TestClient(app, follow_redirects=False)
    assert again.get(f"/invite/{token}").status_code == 404
    csrf = anon_csrf(again)
    reuse = again.post(
        f"/invite/{token}",
        data={
            "password": "another password",
            "repeated": "another password",
            "csrf_token": csrf,
        },
    )
    assert reuse.status_code == 404
    assert log_in(again, REVIEWER, "another password").status_code == 401


def test_owner_invites_from_the_people_page_and_the_link_works(
    app: Any, client_for: Any
) -> None:
    owner = client_for(OWNER)
    response = owner.post(
        "/people/invite", data={"name": REVIEWER, "csrf_token": csrf_of(owner)}
    )
    assert response.status_code == 200
    import re

    link = re.search(r'value="(http://testserver/invite/[^"]+)"', response.text)
    assert link is not None
    path = link.group(1).removeprefix("http://testserver")
    newcomer = TestClient(app, follow_redirects=False)
    page = newcomer.get(path)
    csrf = form_token(page.text)
    done = newcomer.post(
        path,
        data={
            "password": "a new password",
            "repeated": "a new password",
            "csrf_token": csrf,
        },
    )
    assert done.status_code == 303
    assert log_in(TestClient(app), REVIEWER, "a new password").status_code == 303
    # inviting a name that is not in review.toml is refused
    bad = owner.post(
        "/people/invite", data={"name": "Mallory", "csrf_token": csrf_of(owner)}
    )
    assert bad.status_code == 400
    assert "must be one of the reviewers" in bad.text


def test_setup_invitation_only_while_no_account_exists(folder: Any) -> None:
    from metareview.web import create_app
    from metareview.web.auth import accept_invitation, setup_invitation

    review = create_app(folder).state.review
    token = setup_invitation(review)
    assert token is not None
    with review.store() as store:
        name = store.conn.execute("SELECT name, role FROM invitations").fetchone()
    assert tuple(name) == (OWNER, "owner")  # the protocol's first owner
    accept_invitation(review, token, PASSWORD, PASSWORD)
    assert setup_invitation(review) is None


def test_owner_disables_and_enables_an_account(app: Any, client_for: Any) -> None:
    owner, b = client_for(OWNER), client_for(REVIEWER)
    assert b.get("/").status_code == 200
    off = owner.post(
        "/people/account",
        data={"name": REVIEWER, "active": "0", "csrf_token": csrf_of(owner)},
    )
    assert off.status_code == 303
    assert b.get("/").status_code == 303  # the open session ended
    assert log_in(TestClient(app), REVIEWER).status_code == 401
    on = owner.post(
        "/people/account",
        data={"name": REVIEWER, "active": "1", "csrf_token": csrf_of(owner)},
    )
    assert on.status_code == 303
    assert log_in(TestClient(app), REVIEWER).status_code == 303
    itself = owner.post(
        "/people/account",
        data={"name": OWNER, "active": "0", "csrf_token": csrf_of(owner)},
    )
    assert itself.status_code == 400
