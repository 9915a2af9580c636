"""The whole review in headless Chromium, as its team would do it.

The owner invites two reviewers and assigns them; they screen the same records
in two browser contexts with the keyboard; the owner unblinds, a conflict
appears and is resolved; a full-text exclusion with a reason; a reviewer fills
an extraction form (an impossible value is refused first) and a RoB 2 form;
the owner runs the analysis from its page: the forest plot shows and the
downloaded report names the study. Screenshots of each main page go to
/tmp/web-shots/ (e2e-*.png).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from metareview.review import rob
from metareview.review.intake import import_files
from metareview.web import create_app
from metareview.web.auth import accept_invitation, create_invitation
from web.webtools import (
    CHROMIUM,
    OWNER,
    PASSWORD,
    REVIEWER,
    SECOND,
    Served,
    need_chromium,
)

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/web-shots")

#: Record 2 as a second database exports it: a duplicate for the analysis's
#: deduplication to link.
DUPLICATE = """TY  - JOUR
TI  - Telephone care management for depression: a randomised trial
AB  - We randomised 200 adults with depressive symptoms to telephone care.
AU  - Doe, John
PY  - 2019
JO  - Psychiatric Services
ER  -
"""


@pytest.fixture
def site(records: Path, tmp_path: Path) -> Iterator[tuple[Any, str]]:
    """The app on the project (only the owner has an account), served."""
    path = tmp_path / "embase.ris"
    path.write_text(DUPLICATE, encoding="utf-8")
    import_files(records, [path], database="Embase")
    app = create_app(records)
    review = app.state.review
    with review.store() as store:
        token = create_invitation(store, review.protocol(), OWNER, OWNER)
    accept_invitation(review, token, PASSWORD, PASSWORD)
    with Served(app) as url:
        yield app, url


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"e2e-{name}.png"), full_page=True)


def _log_in(page: Any, url: str, name: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{url}/")


def _invite(owner: Any, browser: Any, url: str, name: str) -> Any:
    """The owner invites ``name``; they open the link and choose a password."""
    owner.goto(f"{url}/people")
    row = owner.locator("tr", has_text=name)
    row.get_by_role("button", name="Invite").click()
    link = owner.get_by_label("Invitation link").input_value()
    assert link.startswith(f"{url}/invite/")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(link)
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url(f"{url}/")
    return page


def _assign(owner: Any, url: str, name: str, stage: str) -> None:
    owner.goto(f"{url}/people")
    form = (
        owner.locator("form[action='/people/assign']")
        .filter(has=owner.locator(f"input[name=reviewer][value='{name}']"))
        .filter(has=owner.locator(f"input[name=stage][value='{stage}']"))
    )
    with owner.expect_navigation():
        form.get_by_role("button", name="Assign").click()


def _field(arm: Any, name: str) -> Any:
    """The input of ``name`` in an arm's fieldset (``r<row>_<name>``)."""
    return arm.locator(f"#r{arm.get_attribute('data-row')}_{name}")


def _screen(page: Any, url: str, slug: str, keys: dict[int, str]) -> None:
    """Screen every record in the queue with the keyboard, by record id."""
    page.goto(f"{url}/screen/{slug}")
    for _ in range(len(keys)):
        meta = page.locator(".record .meta").inner_text()
        record = int(meta.split()[1])
        for key in keys[record]:
            if key in "ime":
                with page.expect_navigation():
                    page.keyboard.press(key)
            else:
                page.keyboard.press(key)
    assert page.get_by_text("Nothing left to screen").count() == 1


def test_a_review_from_invitation_to_report(
    site: tuple[Any, str], tmp_path: Path
) -> None:
    need_chromium()
    from playwright.sync_api import sync_playwright

    app, url = site
    SHOTS.mkdir(exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        owner = browser.new_context(viewport={"width": 1280, "height": 900})
        o = owner.new_page()
        _log_in(o, url, OWNER)
        b = _invite(o, browser, url, REVIEWER)
        d = _invite(o, browser, url, SECOND)
        for page in (o, b, d):
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on(
                "console",
                lambda m: errors.append(m.text) if m.type == "error" else None,
            )
        for name in (REVIEWER, SECOND):
            for stage in ("title_abstract", "full_text"):
                _assign(o, url, name, stage)
        _shot(o, "people")

        # title and abstract: B and D disagree on record 3
        _screen(b, url, "ta", {1: "i", 2: "i", 3: "e", 4: "e"})
        _screen(d, url, "ta", {1: "i", 2: "i", 3: "i", 4: "e"})
        o.goto(f"{url}/conflicts/ta")
        with o.expect_navigation():
            o.get_by_role("button", name="Unblind title and abstract screening").click()
        conflict = o.locator("section.conflict")
        assert conflict.count() == 1
        assert "Record 3" in conflict.inner_text()
        _shot(o, "conflict")
        with o.expect_navigation():
            conflict.get_by_role("button", name="Include").click()
        assert o.get_by_text("No unresolved conflicts").count() == 1

        # full text: both exclude record 3, "Not a randomised trial" (key 5)
        _screen(b, url, "ft", {1: "i", 2: "i", 3: "5e"})
        _screen(d, url, "ft", {1: "i", 2: "i", 3: "5e"})
        o.goto(f"{url}/conflicts/ft")
        with o.expect_navigation():
            o.get_by_role("button", name="Unblind full text screening").click()

        # extraction by B: category first, then an impossible value, then right
        b.goto(f"{url}/extract")
        _shot(b, "extract-list")
        assert b.locator("tbody tr").count() == 2
        for record, (e1, n1, e2, n2) in {
            1: (12, 40, 6, 40),
            2: (20, 60, 11, 58),
        }.items():
            b.goto(f"{url}/extract/{record}")
            b.get_by_label("Intervention category").select_option("mcii")
            with b.expect_navigation():
                b.get_by_role("button", name="Save my values").click()
            arms = b.locator("fieldset.arm[data-outcome='behaviour']")
            control, mcii = arms.nth(0), arms.nth(1)
            assert "control" in control.locator("legend").inner_text()
            _field(control, "events").fill(str(e2))
            _field(control, "n").fill(str(n2 if record == 2 else 4))
            _field(mcii, "events").fill(str(e1))
            _field(mcii, "n").fill(str(n1))
            with b.expect_navigation():
                b.get_by_role("button", name="Save my values").click()
            if record == 1:  # 6 events among 4 participants: refused
                assert b.get_by_text("The form was not saved").count() == 1
                assert b.get_by_text("must not exceed n (4); got 6").count() >= 1
                _shot(b, "extract-error")
                control = b.locator("fieldset.arm[data-outcome='behaviour']").nth(0)
                _field(control, "n").fill(str(n2))
                # the conversion helper on a continuous outcome
                arm = b.locator("fieldset.arm[data-outcome='intention']").nth(0)
                arm.get_by_label("What the paper reports").select_option("median_range")
                assert _field(arm, "sd").is_hidden()
                _field(arm, "n").fill("25")
                _field(arm, "median").fill("5")
                _field(arm, "min").fill("2")
                _field(arm, "max").fill("10")
                arm.get_by_role("button", name="Preview mean and SD").click()
                output = arm.locator(".preview output")
                output.filter(has_text="mean 5.2635").wait_for()
                assert "Luo et al. (2018)" in output.inner_text()
                _shot(b, "extract-preview")
                with b.expect_navigation():
                    b.get_by_role("button", name="Save my values").click()
                # only the control arm of intention: saved, with a warning
                warning = b.locator(".msg.error")
                assert "needs an intervention and a control arm" in (
                    warning.inner_text()
                )
                arm = b.locator("fieldset.arm[data-outcome='intention']").nth(1)
                _field(arm, "n").fill("25")
                _field(arm, "mean").fill("6.5")
                _field(arm, "sd").fill("2")
                with b.expect_navigation():
                    b.get_by_role("button", name="Save my values").click()
            assert b.get_by_text("saved (").count() == 1, record

        # RoB 2 by B on record 1: conditional questions and live judgements
        b.goto(f"{url}/rob/1")
        d2 = b.locator("section.domain[data-domain='D2']")
        d2.locator("[data-question='2.3']").wait_for(state="hidden")  # til 2.1/2.2
        answers = {
            "1.1": "Y", "1.2": "Y", "1.3": "N", "2.1": "Y", "2.2": "N",
            "2.3": "N", "2.6": "Y", "3.1": "Y", "4.1": "N", "4.2": "N",
            "4.3": "N", "5.1": "Y", "5.2": "N", "5.3": "N",
        }  # fmt: skip
        for q, a in answers.items():
            select = b.locator(f"select[name='q_{q}']")
            select.wait_for(state="visible")
            select.select_option(a)
        # 2.1 Y: participants aware, 2.3 asked; N (no deviations): 2.4, 2.5 not
        d2.locator("[data-question='2.4']").wait_for(state="hidden")
        d1 = b.locator("section.domain[data-domain='D1'] .judgement-value")
        d1.filter(has_text="low").wait_for()
        b.locator("section.domain[data-domain='D2'] .judgement-value").filter(
            has_text="low"
        ).wait_for()
        _shot(b, "rob")
        with b.expect_navigation():
            b.get_by_role("button", name="Save my appraisal").click()
        assert b.get_by_text("risk of bias saved").count() == 1

        # D extracts study 2 too, and reads 61 where B read 60
        d.goto(f"{url}/extract/2")
        d.get_by_label("Intervention category").select_option("mcii")
        with d.expect_navigation():
            d.get_by_role("button", name="Save my values").click()
        arms = d.locator("fieldset.arm[data-outcome='behaviour']")
        for arm, (e, n) in zip(
            (arms.nth(0), arms.nth(1)), ((11, 58), (20, 61)), strict=True
        ):
            _field(arm, "events").fill(str(e))
            _field(arm, "n").fill(str(n))
        with d.expect_navigation():
            d.get_by_role("button", name="Save my values").click()
        # and appraises study 1: concealment unclear (1.2 NI)
        d.goto(f"{url}/rob/1")
        for q, a in {**answers, "1.2": "NI"}.items():
            select = d.locator(f"select[name='q_{q}']")
            select.wait_for(state="visible")
            select.select_option(a)
        d.locator("section.domain[data-domain='D1'] .judgement-value").filter(
            has_text="some concerns"
        ).wait_for()
        with d.expect_navigation():
            d.get_by_role("button", name="Save my appraisal").click()

        # the owner settles both
        o.goto(f"{url}/extract/compare")
        row = o.locator("tbody tr")
        assert row.count() == 1
        assert "60" in row.inner_text()
        assert "61" in row.inner_text()
        _shot(o, "extract-compare")
        row.locator("input[name=value]").fill("60")
        with o.expect_navigation():
            row.get_by_role("button", name="Agree").click()
        assert "agreed by Reviewer A" in o.locator("tbody tr").inner_text()
        o.goto(f"{url}/rob/compare")
        assert "record 1" in o.locator("main").inner_text()
        _shot(o, "rob-compare")
        o.get_by_label("D1", exact=True).select_option("low")
        with o.expect_navigation():
            o.get_by_role("button", name="Record the consensus").click()
        assert o.get_by_text("consensus recorded for record 1").count() == 1
        o.goto(f"{url}/analysis")
        with o.expect_navigation():
            o.get_by_role("button", name="Run the analysis").click()
        deadline = time.monotonic() + 120  # the page reloads when the run ends
        while o.locator("#run").get_attribute("data-state") == "running":
            assert time.monotonic() < deadline, "the analysis did not end in 120 s"
            time.sleep(0.5)
        _shot(o, "analysis")
        assert o.get_by_text("Finished.").count() == 1, o.locator("#run").inner_text()
        forest = o.get_by_alt_text(
            "Forest plot: Help-seeking behaviour, end of follow-up"
        )
        forest.wait_for()
        width = forest.evaluate("img => img.naturalWidth")
        assert width > 100
        _shot(o, "analysis")
        with o.expect_download() as info:
            o.get_by_role("link", name="report.html").click()
        report = Path(info.value.path()).read_text(encoding="utf-8")
        assert "Doe 2019" in report
        assert "Smith 2020" in report
        with o.expect_download() as info:
            o.get_by_role(
                "link", name="tables/rows_behaviour_end_of_follow_up.csv"
            ).click()
        rows = Path(info.value.path()).read_text(encoding="utf-8")
        assert ",20.0,60.0,11.0,58.0," in rows  # the consensus n (60), not 61
        # a reviewer reads the same results
        b.goto(f"{url}/analysis")
        assert b.get_by_alt_text("Evidence gap map").count() == 1
        assert b.get_by_role("button", name="Run the analysis").count() == 0
        _shot(b, "analysis-reviewer")
        browser.close()
    # the refused form is answered 400, which the console reports; nothing else
    bad_request = "the server responded with a status of 400"
    assert [e for e in errors if bad_request not in e] == []
    assert len(errors) == 1
    # what the browser entered is in review.db, and the run used it
    with app.state.review.store() as store:
        table = rob.appraisals(store, "rob2", reviewer=REVIEWER)
    assert list(table["overall"]) == ["low"]
    with app.state.review.store() as store:
        agreed = rob.appraisals(store, "rob2", reviewer=rob.CONSENSUS)
    assert list(agreed["D1"]) == ["low"]
    assert list(agreed["overall"]) == ["low"]
    assert set(app.state.analysis.files) >= {
        "report.html",
        "forest_behaviour_end_of_follow_up.png",
        "forest_intention_post_intervention.png",
    }
