"""RoB 2 forms: questions from the tool, conditions, computed judgements, consensus.

The expected judgements follow the RoB 2 flow charts by hand (Higgins et al.,
RoB 2 template of 22 August 2019: domain 1 p. 6, domain 2 p. 10).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from metareview.review import rob
from web.webtools import OWNER, REVIEWER, SECOND, csrf_of, include_studies

#: Answers that give "low" in every domain (each flow chart's low path).
LOW = {
    "1.1": "Y",  # random sequence
    "1.2": "Y",  # concealed
    "1.3": "N",  # no baseline imbalance
    "2.1": "N",  # participants unaware: 2.3-2.5 are not asked
    "2.2": "N",
    "2.6": "Y",  # appropriate analysis: 2.7 is not asked
    "3.1": "Y",  # data for (nearly) all participants
    "4.1": "N",
    "4.2": "N",
    "4.3": "N",  # assessors unaware: 4.4 and 4.5 are not asked
    "5.1": "Y",
    "5.2": "N",
    "5.3": "N",
}


@pytest.fixture
def studies(app: Any, records: Any) -> Any:
    """Records 1 and 2 included at full text; both stages unblinded."""
    include_studies(app, (1, 2))
    return app


def _post(client: Any, record: int, answers: dict[str, str], **extra: str) -> Any:
    data = {"csrf_token": csrf_of(client), **extra}
    data.update({f"q_{k}": v for k, v in answers.items()})
    return client.post(f"/rob/{record}", data=data)


def _stored(app: Any, reviewer: str) -> dict[tuple[int, str], str]:
    with app.state.review.store() as store:
        table = rob.appraisals(store, "rob2", reviewer=reviewer)
    return {
        (int(r["record_id"]), d): r[d]
        for _, r in table.iterrows()
        for d in ("D1", "D2", "D3", "D4", "D5", "overall")
    }


def test_the_form_has_the_five_domains_and_their_questions(
    studies: Any, client_for: Any
) -> None:
    html = client_for(REVIEWER).get("/rob/1").text
    tool = rob.load_tool("rob2")
    assert [d.id for d in tool.domains] == ["D1", "D2", "D3", "D4", "D5"]
    for d in tool.domains:
        assert f'data-domain="{d.id}"' in html
        for q in d.questions:
            assert f'name="q_{q.id}"' in html
    assert "1.1 Was the allocation sequence random?" in html
    # 2.3 is conditional: marked for the page's script, with its condition
    block = re.search(r'<div class="question" data-question="2.3"[^>]*>', html)
    assert block is not None
    assert 'data-conditional="1"' in block.group(0)
    assert "If Y/PY/NI to 2.1 or 2.2" in html


def test_the_judge_endpoint_shows_conditions_and_the_judgement(
    studies: Any, client_for: Any
) -> None:
    b = client_for(REVIEWER)
    # D1: sequence random, concealment unclear (NI), no baseline problem:
    # the flow chart goes 1.2 NI -> 1.3 N/PN/NI -> some concerns
    got = b.get("/api/rob/judge?domain=D1&1.1=Y&1.2=NI&1.3=N").json()
    assert got["judgement"] == "some concerns"
    assert "1.2 = NI" in got["explanation"]
    # D2: participants aware (2.1 Y) -> 2.3 is asked; unaware -> it is not
    aware = b.get("/api/rob/judge?domain=D2&2.1=Y&2.2=N").json()
    assert aware["applies"]["2.3"] is True
    assert aware["judgement"] is None  # 2.3 and 2.6 still unanswered
    assert "question 2.3" in aware["explanation"]
    unaware = b.get("/api/rob/judge?domain=D2&2.1=N&2.2=N&2.3=Y&2.6=Y").json()
    assert unaware["applies"]["2.3"] is False
    assert unaware["applies"]["2.7"] is False
    assert unaware["judgement"] == "low"  # the stale answer to 2.3 is ignored
    # D2 high: aware, deviations (2.3 Y) likely to have affected the outcome
    # (2.4 Y), not balanced (2.5 N), analysis inappropriate (2.6 N), with a
    # substantial impact (2.7 Y)
    high = b.get(
        "/api/rob/judge?domain=D2&2.1=Y&2.2=Y&2.3=Y&2.4=Y&2.5=N&2.6=N&2.7=Y"
    ).json()
    assert high["judgement"] == "high"
    assert b.get("/api/rob/judge?domain=D9").status_code == 400


def test_an_appraisal_is_saved_with_computed_judgements(
    studies: Any, client_for: Any
) -> None:
    b = client_for(REVIEWER)
    response = _post(b, 1, LOW)
    assert response.status_code == 303
    stored = _stored(studies, REVIEWER)
    assert {k: v for k, v in stored.items() if k[0] == 1} == {
        (1, d): "low" for d in ("D1", "D2", "D3", "D4", "D5", "overall")
    }
    page = b.get("/rob/1").text
    assert 'value="Y" selected' in page
    assert "Computed judgement: <strong" in page
    # blinded: D sees none of B's answers
    other = client_for(SECOND).get("/rob/1").text
    assert '" selected>' not in other.split('id="rob-form"')[1]
    assert _stored(studies, SECOND) == {}


def test_an_override_needs_a_justification(studies: Any, client_for: Any) -> None:
    b = client_for(REVIEWER)
    response = _post(b, 1, LOW, j_D1="high")
    assert response.status_code == 400
    assert "overrides the algorithm" in response.text
    assert "give a support text for D1" in response.text
    assert _stored(studies, REVIEWER) == {}
    response = _post(
        b, 1, LOW, j_D1="high", s_D1="Allocation was by the recruiting nurse."
    )
    assert response.status_code == 303
    stored = _stored(studies, REVIEWER)
    assert stored[(1, "D1")] == "high"
    assert stored[(1, "overall")] == "high"


def test_an_incomplete_domain_is_refused_naming_the_question(
    studies: Any, client_for: Any
) -> None:
    b = client_for(REVIEWER)
    response = _post(b, 1, {"1.1": "Y", "1.3": "N"})
    assert response.status_code == 400
    assert "question 1.2" in response.text
    assert _stored(studies, REVIEWER) == {}


def test_the_owner_compares_sees_agreement_and_records_consensus(
    studies: Any, client_for: Any
) -> None:
    b, d, owner = client_for(REVIEWER), client_for(SECOND), client_for(OWNER)
    for record in (1, 2):
        _post(b, record, LOW)
    _post(d, 1, {**LOW, "1.2": "NI"})  # D1: some concerns (see above)
    _post(d, 2, LOW)
    assert d.get("/rob/compare").status_code == 403
    page = owner.get("/rob/compare").text
    # agreement per domain: D2 to D5 agree on both studies; D1 on one of two
    assert "Agreement per domain" in page
    rows = dict(
        re.findall(
            r"<tr><td>(D\d|overall) [^<]*</td><td>2</td>\s*<td>([^<]+)</td>", page
        )
    )
    assert rows["D1"] == "50%"
    assert rows["D2"] == "100%"
    assert "record 1" in page
    assert "record 2" not in page
    partial = owner.post(
        "/rob/consensus",
        data={"csrf_token": csrf_of(owner), "record_id": "1", "j_D2": "low"},
    )
    assert partial.status_code == 303
    message = owner.get("/rob/compare").text
    assert "D1, D3, D4, D5 of record 1 has none" in message
    assert _stored(studies, rob.CONSENSUS) == {}
    response = owner.post(
        "/rob/consensus",
        data={
            "csrf_token": csrf_of(owner),
            "record_id": "1",
            **{f"j_D{i}": "low" for i in range(1, 6)},
        },
    )
    assert response.status_code == 303
    agreed = _stored(studies, rob.CONSENSUS)
    assert agreed[(1, "D1")] == "low"
    assert agreed[(1, "overall")] == "low"  # computed from the five domains


def test_the_new_pages_have_no_inline_script_or_style(
    studies: Any, client_for: Any
) -> None:
    owner = client_for(OWNER)
    for path in [
        "/extract",
        "/extract/1",
        "/extract/compare",
        "/rob",
        "/rob/1",
        "/rob/compare",
        "/analysis",
    ]:
        response = owner.get(path)
        assert response.status_code == 200, path
        html = response.text
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert scripts == ['<script src="/static/app.js" defer>'], path
        assert not re.search(r"<[a-z][^>]*\son\w+=", html), path
        assert "style=" not in html, path
