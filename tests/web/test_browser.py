"""Smoke test in headless Chromium: log in, screen two records by keyboard.

Screenshots of the login, dashboard and screening pages go to /tmp/web-shots/.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from web.webtools import PASSWORD, REVIEWER

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path("/tmp/web-shots")

pytestmark = pytest.mark.browser


def _need_chromium() -> None:
    """Skip without Debian's chromium, except in CI where it must be there."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"chromium missing in CI: {CHROMIUM}")
        pytest.skip(f"chromium not available: {CHROMIUM}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(app: Any, records: Any) -> Iterator[str]:
    """The app under uvicorn in a thread, on a free port of 127.0.0.1."""
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        if time.monotonic() > deadline:
            pytest.fail("uvicorn did not start within 10 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


def test_log_in_and_screen_two_records_with_the_keyboard(app: Any, server: str) -> None:
    _need_chromium()
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on(
            "console", lambda m: errors.append(m.text) if m.type == "error" else None
        )
        page.on("pageerror", lambda e: errors.append(str(e)))

        page.goto(f"{server}/screen/ta")  # not logged in: the login page
        assert page.url.startswith(f"{server}/login")
        page.screenshot(path=str(SHOTS / "login.png"), full_page=True)
        page.get_by_label("Your name").fill(REVIEWER)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{server}/screen/ta")  # back where the user was going

        page.goto(f"{server}/")
        assert page.get_by_text("0 of 3 done").count() == 1
        page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)

        page.get_by_role("link", name="Start screening").click()
        page.wait_for_url(f"{server}/screen/ta")
        assert "Randomised trial" in page.locator("#record-title").inner_text()
        page.screenshot(path=str(SHOTS / "screening.png"), full_page=True)

        page.keyboard.press("?")  # help opens
        assert page.locator("#help").get_attribute("open") is not None
        page.keyboard.press("?")
        with page.expect_navigation():
            page.keyboard.press("i")
        assert page.get_by_text("1 of 3 done").count() == 1
        assert "Telephone care" in page.locator("#record-title").inner_text()
        page.keyboard.press("n")  # the note field takes the keys now
        page.keyboard.type("in a hurry")
        page.keyboard.press("Escape")
        with page.expect_navigation():
            page.keyboard.press("e")
        assert page.get_by_text("2 of 3 done").count() == 1
        page.screenshot(path=str(SHOTS / "screening-after.png"), full_page=True)
        with page.expect_navigation():
            page.keyboard.press("u")  # undo the exclusion
        assert page.get_by_text("1 of 3 done").count() == 1
        browser.close()
    assert errors == []
    with app.state.review.store() as store:
        rows = store.conn.execute(
            "SELECT record_id, reviewer, kind, decision, note FROM screening_events"
            " ORDER BY id"
        ).fetchall()
    assert rows == [
        (1, REVIEWER, "decision", "include", None),
        (2, REVIEWER, "decision", "exclude", "in a hurry"),
        (2, REVIEWER, "retraction", None, None),
    ]
