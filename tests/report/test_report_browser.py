"""The HTML report in headless Chromium: no request leaves the file, images load.

A full-page screenshot goes to /tmp/report-shots/ for a person to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from metareview.review.pipeline import run_project
from report.synthetic_project import make_project

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path("/tmp/report-shots")

pytestmark = pytest.mark.browser


def test_report_opens_offline_with_every_figure(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"chromium missing in CI: {CHROMIUM}")
        pytest.skip(f"chromium not available: {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    result = run_project(make_project(tmp_path / "review"))
    html = result.report["html"]
    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(html.as_uri())
        page.wait_for_load_state("load")
        widths = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")
        anchors = page.eval_on_selector_all(
            "nav.toc a", "els => els.map(e => e.getAttribute('href'))"
        )
        missing = [a for a in anchors if page.query_selector(a) is None]
        page.screenshot(path=str(SHOTS / "synthetic_report.png"), full_page=True)
        browser.close()
    outside = [u for u in requests if not u.startswith(("file:", "data:"))]
    assert outside == []
    assert len(widths) == len(result.figures)
    assert all(w > 100 for w in widths)
    assert missing == []
