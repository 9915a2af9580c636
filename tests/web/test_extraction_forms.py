"""Extraction forms: generated from the protocol, saved per reviewer, blinded, checked.

Reference values of the conversions are computed by hand in the tests (Luo et
al. 2018, Wan et al. 2014, Cochrane Handbook 6.5.2.2).
"""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from scipy import stats

from metareview.review import extraction as ex
from web.webtools import OWNER, REVIEWER, SECOND, csrf_of, include_studies

BEHAVIOUR = {"outcome": "behaviour", "timepoint": "end of follow-up"}


@pytest.fixture
def studies(app: Any, records: Any) -> Any:
    """Records 1 and 2 included at full text; both stages unblinded."""
    include_studies(app, (1, 2))
    return app


def _form(token: str, **rows: dict[str, str]) -> dict[str, str]:
    """A posted form: characteristics, then rows r0, r1... (as the page names them)."""
    data = {"csrf_token": token, "c_intervention_category": "mcii"}
    for i, (_, cells) in enumerate(sorted(rows.items())):
        for key, value in cells.items():
            data[f"r{i}_{key}"] = value
    return data


def _values(app: Any, reviewer: str) -> dict[tuple[Any, ...], Any]:
    with app.state.review.store() as store:
        rows = store.conn.execute(
            "SELECT record_id, outcome_id, arm, field, value FROM extraction_values"
            " WHERE reviewer = ? ORDER BY id",
            (reviewer,),
        ).fetchall()
    return {tuple(r[:4]): r[4] for r in rows}


def test_the_form_is_generated_from_the_protocol(studies: Any, client_for: Any) -> None:
    b = client_for(REVIEWER)
    html = b.get("/extract/1").text
    protocol = studies.state.review.protocol()
    for c in protocol.extraction.characteristics:
        assert f'name="c_{c.id}"' in html
        assert c.label.replace("(", "").split()[0] in html
    # a choice characteristic is a select of its choices
    design = re.search(r'<select id="c_design".*?</select>', html, re.S)
    assert design is not None
    assert re.findall(r"<option>(\w+)</option>", design.group(0)) == [
        "parallel",
        "cluster",
        "crossover",
    ]
    # no outcome rows until the intervention category is chosen
    assert "r0_outcome" not in html
    b.post("/extract/1", data=_form(csrf_of(b)))
    html = b.get("/extract/1").text
    rows = re.findall(
        r'name="r(\d+)_outcome" value="([^"]+)">\s*<input type="hidden" '
        r'name="r\d+_timepoint" value="([^"]+)">\s*<input type="hidden" '
        r'name="r\d+_arm" value="([^"]+)"',
        html,
    )
    # every outcome x timepoint of the protocol, arms control and mcii
    expected = [
        (o.id, tp, arm)
        for o in protocol.outcomes
        for tp in o.timepoints
        for arm in ("control", "mcii")
    ]
    assert [r[1:] for r in rows] == expected
    # the selector of what the paper reports, and the fields it shows
    assert 'class="reported"' in html
    assert "Median and quartiles" in html
    assert 'data-forms="median_iqr median_range"' in html


def test_values_are_saved_per_reviewer_and_blinded(
    studies: Any, client_for: Any
) -> None:
    b, d = client_for(REVIEWER), client_for(SECOND)
    data = _form(
        csrf_of(b),
        a={**BEHAVIOUR, "arm": "control", "events": "6", "n": "40"},
        b={**BEHAVIOUR, "arm": "mcii", "events": "12", "n": "40"},
    )
    response = b.post("/extract/1", data=data)
    assert response.status_code == 303
    got = _values(studies, REVIEWER)
    assert got[(1, "behaviour", "control", "events")] == "6"
    assert got[(1, "behaviour", "mcii", "n")] == "40"
    assert got[(1, "", "", "intervention_category")] == "mcii"
    assert _values(studies, SECOND) == {}
    # B sees their values again; D sees an empty form, not B's values
    assert 'name="r1_events" value="12"' in b.get("/extract/1").text
    d_page = d.get("/extract/1").text
    assert 'value="12"' not in d_page
    assert "r0_outcome" not in d_page  # D has not chosen a category
    # nor can D reach B's values through the compare page or its consensus
    assert d.get("/extract/compare").status_code == 403
    assert (
        d.post(
            "/extract/consensus",
            data={"csrf_token": csrf_of(d), "record_id": "1", "field": "design"},
        ).status_code
        == 403
    )
    # saving the same values again writes nothing; clearing a row clears it
    before = len(_values(studies, REVIEWER))
    b.post("/extract/1", data=data)
    with studies.state.review.store() as store:
        n = store.conn.execute(
            "SELECT count(*) FROM extraction_values WHERE reviewer = ?", (REVIEWER,)
        ).fetchone()[0]
    assert n == before
    cleared = _form(
        csrf_of(b),
        a={**BEHAVIOUR, "arm": "control", "events": "", "n": ""},
        b={**BEHAVIOUR, "arm": "mcii", "events": "12", "n": "40"},
    )
    b.post("/extract/1", data=cleared)
    with studies.state.review.store() as store:
        mine = ex.consensus_values(store)
    fields = set(mine.loc[mine["arm"] == "control", "field"])
    assert fields == set()


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (
            {"arm": "mcii", "n": "40", "sd": "-1", "mean": "3"},
            "must be &gt;= 0; got -1",
        ),
        (
            {"arm": "control", "n": "20", "events": "25"},
            "must not exceed n (20); got 25",
        ),
        ({"arm": "control", "n": "twenty"}, "must be a number; got &#39;twenty&#39;"),
    ],
)
def test_impossible_values_are_shown_on_the_page_and_nothing_is_saved(
    studies: Any, client_for: Any, cells: dict[str, str], message: str
) -> None:
    b = client_for(REVIEWER)
    data = _form(csrf_of(b), a={**BEHAVIOUR, **cells})
    data["c_age_mean"] = "34.5"
    response = b.post("/extract/1", data=data)
    assert response.status_code == 400
    assert message in response.text
    assert "The form was not saved" in response.text
    assert 'aria-invalid="true"' in response.text
    # what was typed is shown again, to correct
    assert 'value="34.5"' in response.text
    assert _values(studies, REVIEWER) == {}


def test_a_characteristic_is_checked_like_the_import(
    studies: Any, client_for: Any
) -> None:
    b = client_for(REVIEWER)
    data = _form(csrf_of(b))
    data["c_n_randomised"] = "12.5"
    response = b.post("/extract/1", data=data)
    assert response.status_code == 400
    assert "must be a whole number; got &#39;12.5&#39;" in response.text
    assert _values(studies, REVIEWER) == {}


def test_extraction_waits_for_full_text_unblinding(
    app: Any, records: Any, client_for: Any
) -> None:
    b = client_for(REVIEWER)
    response = b.get("/extract")
    assert response.status_code == 403
    assert "Extraction opens once the owner unblinds full-text" in response.text
    assert b.get("/extract/1").status_code == 403


def test_a_study_not_included_has_no_form(studies: Any, client_for: Any) -> None:
    b = client_for(REVIEWER)
    assert b.get("/extract/3").status_code == 404
    response = b.post("/extract/3", data=_form(csrf_of(b)))
    assert response.status_code == 404


def test_the_owner_compares_and_records_the_consensus(
    studies: Any, client_for: Any
) -> None:
    b, d, owner = client_for(REVIEWER), client_for(SECOND), client_for(OWNER)
    row = {**BEHAVIOUR, "arm": "mcii", "events": "12"}
    b.post("/extract/1", data=_form(csrf_of(b), a={**row, "n": "40"}))
    d.post("/extract/1", data=_form(csrf_of(d), a={**row, "n": "41"}))
    page = owner.get("/extract/compare").text
    assert "Compare the reviewers" in page
    table = re.search(r"<tbody>.*</tbody>", page, re.S)
    assert table is not None
    assert table.group(0).count("<tr") == 1  # only n differs
    assert "<td>40</td>" in page
    assert "<td>41</td>" in page
    response = owner.post(
        "/extract/consensus",
        data={
            "csrf_token": csrf_of(owner),
            "record_id": "1",
            "outcome_id": "behaviour",
            "arm": "mcii",
            "timepoint": "end of follow-up",
            "field": "n",
            "value": "40",
        },
    )
    assert response.status_code == 303
    with studies.state.review.store() as store:
        values = ex.consensus_values(store)
        diff = ex.compare_extraction(store)
    n = values[(values["field"] == "n") & (values["record_id"] == 1)]
    assert list(n["value"]) == ["40"]
    assert list(n["status"]) == ["consensus"]
    assert list(n["decided_by"]) == [OWNER]
    assert bool(diff["resolved"].all())
    assert "agreed by Reviewer A" in owner.get("/extract/compare").text


def _preview(client: Any, fields: dict[str, str], arm: str = "control") -> Any:
    return client.post(
        "/api/extract/preview",
        json={"outcome": "intention", "arm": arm, "fields": fields},
        headers={"x-csrf-token": csrf_of(client)},
    ).json()


def test_preview_converts_a_median_and_range(studies: Any, client_for: Any) -> None:
    b = client_for(REVIEWER)
    got = _preview(b, {"n": "25", "median": "5", "min": "2", "max": "10"})
    # Luo et al. (2018) eq. C1: w = 4 / (4 + n^0.75), mean = w (a + b)/2 + (1 - w) m
    w = 4 / (4 + 25**0.75)
    mean = w * (2 + 10) / 2 + (1 - w) * 5
    # Wan et al. (2014) C1: SD = (b - a) / xi(n); xi(25) = 3.931, the expected
    # range of 25 standard normal values (Tippett 1925; Wan et al. Table 1)
    sd = (10 - 2) / 3.931
    assert got["problems"] == []
    assert math.isclose(got["mean"], mean, rel_tol=1e-9)
    assert math.isclose(got["sd"], sd, rel_tol=2e-4)
    assert "Luo et al. (2018)" in got["notes"][0]
    assert "Wan et al. (2014)" in got["notes"][0]


def test_preview_converts_a_ci_and_keeps_a_reported_sd(
    studies: Any, client_for: Any
) -> None:
    b = client_for(REVIEWER)
    got = _preview(b, {"n": "18", "mean": "6.1", "ci_lb": "4.9", "ci_ub": "7.3"})
    # Cochrane Handbook 6.5.2.2: SD = sqrt(n) (upper - lower) / (2 t_{0.975, n-1})
    sd = math.sqrt(18) * (7.3 - 4.9) / (2 * stats.t.ppf(0.975, 17))
    assert math.isclose(got["sd"], sd, rel_tol=1e-12)
    assert got["mean"] == 6.1
    plain = _preview(b, {"n": "18", "mean": "6.1", "sd": "2"})
    assert (plain["mean"], plain["sd"], plain["notes"]) == (6.1, 2.0, [])


def test_preview_reports_impossible_values(studies: Any, client_for: Any) -> None:
    b = client_for(REVIEWER)
    got = _preview(b, {"n": "18", "mean": "6.1", "sd": "-2"})
    assert got["problems"] == ["sd must be >= 0; got -2"]
    got = _preview(b, {"n": "18", "t": "2.1"})
    assert got["problems"] == [
        "t is about a comparison: enter it on the intervention arm's row"
    ]
