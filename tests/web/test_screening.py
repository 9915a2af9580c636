"""Screening in the browser: decisions, undo, blinding, conflicts and resolution.

Record ids are 1, 2, 3 in the order of the RIS file (see webtools.RIS).
"""

from __future__ import annotations

import re
from typing import Any

from web.webtools import OWNER, RESOLVER, REVIEWER, SECOND, TestClient, csrf_of


def decide(
    client: TestClient, record_id: int, decision: str, stage: str = "ta", **extra: str
) -> Any:
    data = {
        "record_id": str(record_id),
        "decision": decision,
        "csrf_token": csrf_of(client),
        **extra,
    }
    return client.post(f"/screen/{stage}/decide", data=data)


def shown_record(client: TestClient, stage: str = "ta") -> int | None:
    html = client.get(f"/screen/{stage}").text
    form = re.search(r'<form id="decide"[\s\S]*?name="record_id" value="(\d+)"', html)
    return int(form.group(1)) if form else None


def events(app: Any) -> list[tuple[Any, ...]]:
    with app.state.review.store() as store:
        return store.conn.execute(
            "SELECT record_id, reviewer, stage, kind, decision FROM screening_events"
            " ORDER BY id"
        ).fetchall()


def test_a_reviewer_screens_one_record_at_a_time_with_progress(
    app: Any, records: Any, client_for: Any
) -> None:
    b = client_for(REVIEWER)
    html = b.get("/screen/ta").text
    assert "<strong>0</strong> of 3 done" in html
    assert "<strong>3</strong> remaining" in html
    assert shown_record(b) == 1
    response = decide(b, 1, "include")
    assert response.status_code == 303
    assert response.headers["location"] == "/screen/ta"
    # the acknowledged decision is in the database before the response
    assert events(app) == [(1, REVIEWER, "title_abstract", "decision", "include")]
    html = b.get("/screen/ta").text
    assert "<strong>1</strong> of 3 done" in html
    assert shown_record(b) == 2
    assert "Last: <strong>include</strong>" in html


def test_undo_takes_back_the_last_decision(
    app: Any, records: Any, client_for: Any
) -> None:
    b = client_for(REVIEWER)
    decide(b, 1, "exclude")
    decide(b, 2, "include")
    response = b.post(
        "/screen/ta/undo", data={"record_id": "2", "csrf_token": csrf_of(b)}
    )
    assert response.status_code == 303
    assert shown_record(b) == 2  # back in the queue
    kinds = [e[3] for e in events(app)]
    assert kinds == ["decision", "decision", "retraction"]  # history kept
    mine = b.get("/screen/ta/mine").text
    assert mine.count('class="badge exclude"') == 1
    assert 'class="badge include"' not in mine


def test_criteria_terms_are_highlighted(
    app: Any, records: Any, client_for: Any
) -> None:
    b = client_for(REVIEWER)
    decide(b, 1, "include")
    html = b.get("/screen/ta").text  # record 2: "... a randomised trial"
    # "randomised" and "trial" are words of the inclusion criteria (template)
    assert '<mark class="inc">randomised</mark>' in html
    assert '<mark class="inc">trial</mark>' in html
    assert "Randomised controlled trial" in re.sub(r"</?mark[^>]*>", "", html)


def test_two_reviewers_screen_the_same_records_and_all_decisions_are_kept(
    app: Any, records: Any, client_for: Any
) -> None:
    a, b = client_for(OWNER), client_for(REVIEWER)
    d = client_for(SECOND)
    for rid, (da, db) in enumerate(
        [("include", "include"), ("include", "exclude"), ("exclude", "exclude")],
        start=1,
    ):
        assert decide(a, rid, da).status_code == 303
        assert decide(b, rid, db).status_code == 303
    # two reviewers per record (template): a third reviewer has nothing left
    assert shown_record(d) is None
    assert "Nothing left to screen" in d.get("/screen/ta").text
    got = sorted(e for e in events(app))
    assert got == sorted(
        [
            (1, OWNER, "title_abstract", "decision", "include"),
            (1, REVIEWER, "title_abstract", "decision", "include"),
            (2, OWNER, "title_abstract", "decision", "include"),
            (2, REVIEWER, "title_abstract", "decision", "exclude"),
            (3, OWNER, "title_abstract", "decision", "exclude"),
            (3, REVIEWER, "title_abstract", "decision", "exclude"),
        ]
    )


def _screen_with_a_conflict(a: TestClient, b: TestClient) -> None:
    """A and B agree on records 1 and 3 and disagree on record 2."""
    for rid, (da, db) in enumerate(
        [("include", "include"), ("include", "exclude"), ("exclude", "exclude")],
        start=1,
    ):
        decide(a, rid, da)
        decide(b, rid, db)


def test_a_reviewer_cannot_read_another_reviewers_decisions_before_unblinding(
    app: Any, records: Any, client_for: Any
) -> None:
    a, b = client_for(OWNER), client_for(REVIEWER)
    _screen_with_a_conflict(a, b)
    # by record id, through every JSON endpoint
    for rid in (1, 2, 3):
        one = b.get(f"/api/decisions/ta?record_id={rid}").json()
        assert one["blinded"] is True
        assert {d["reviewer"] for d in one["decisions"]} == {REVIEWER}
        both = b.get(f"/api/records/{rid}/decisions").json()["decisions"]
        assert {d["reviewer"] for d in both["ta"]} == {REVIEWER}
    everything = b.get("/api/decisions/ta").json()["decisions"]
    assert [(d["record_id"], d["decision"]) for d in everything] == [
        (1, "include"),
        (2, "exclude"),
        (3, "exclude"),
    ]
    # the owner is blinded too while they screen
    assert {d["reviewer"] for d in a.get("/api/decisions/ta").json()["decisions"]} == {
        OWNER
    }
    # pages: my decisions, conflicts and status reveal nothing of A's
    assert OWNER not in b.get("/screen/ta/mine").text.split("</header>")[1]
    conflicts = b.get("/conflicts/ta").text
    assert "is blinded" in conflicts
    assert "Record 2" not in conflicts
    status = b.get("/api/status").json()
    ta = status["stages"]["title_abstract"]
    assert ta == {"unblinded": False, "complete": 3, "pending": 0, "agreement": None}
    assert status["prisma"]["excluded_screening"] is None
    assert status["prisma"]["included"] is None
    assert "hidden until unblinded" in b.get("/status").text
    # a resolver sees nothing either
    c = client_for(RESOLVER)
    assert c.get("/api/decisions/ta?record_id=2").json()["decisions"] == []


def test_after_unblinding_everyone_sees_all_and_conflicts_are_resolved(
    app: Any, records: Any, client_for: Any
) -> None:
    a, b = client_for(OWNER), client_for(REVIEWER)
    _screen_with_a_conflict(a, b)
    assert (
        a.post("/conflicts/ta/unblind", data={"csrf_token": csrf_of(a)}).status_code
        == 303
    )
    seen = b.get("/api/records/2/decisions").json()["decisions"]["ta"]
    assert {(d["reviewer"], d["decision"]) for d in seen} == {
        (OWNER, "include"),
        (REVIEWER, "exclude"),
    }
    page = b.get("/conflicts/ta").text
    assert "1 record(s) where the reviewers disagree" in page
    assert "Record 2" in page
    status = b.get("/api/status").json()["stages"]["title_abstract"]
    assert (status["included"], status["excluded"], status["conflict"]) == (1, 1, 1)
    pair = status["agreement"][0]  # 2 of 3 agree
    assert (pair["reviewer_1"], pair["reviewer_2"], pair["n"]) == (OWNER, REVIEWER, 3)
    assert abs(pair["percent"] - 2 / 3) < 1e-12

    # the resolver (screening.resolved_by) resolves the conflict
    c = client_for(RESOLVER)
    response = c.post(
        "/conflicts/ta/resolve",
        data={"record_id": "2", "decision": "include", "csrf_token": csrf_of(c)},
    )
    assert response.status_code == 303
    assert "No unresolved conflicts" in c.get("/conflicts/ta").text
    with app.state.review.store() as store:
        row = store.conn.execute(
            "SELECT reviewer, kind, decision, consensus FROM screening_events"
            " WHERE kind = 'resolution'"
        ).fetchall()
    assert row == [(RESOLVER, "resolution", "include", 0)]
    status = b.get("/api/status").json()["stages"]["title_abstract"]
    assert (status["included"], status["excluded"], status["conflict"]) == (2, 1, 0)


def test_the_records_reviewers_may_resolve_by_consensus(
    app: Any, records: Any, client_for: Any
) -> None:
    a, b = client_for(OWNER), client_for(REVIEWER)
    _screen_with_a_conflict(a, b)
    a.post("/conflicts/ta/unblind", data={"csrf_token": csrf_of(a)})
    d = client_for(SECOND)  # did not screen record 2
    refused = d.post(
        "/conflicts/ta/resolve",
        data={
            "record_id": "2",
            "decision": "exclude",
            "consensus": "1",
            "csrf_token": csrf_of(d),
        },
    )
    assert refused.status_code == 403
    agreed = b.post(
        "/conflicts/ta/resolve",
        data={
            "record_id": "2",
            "decision": "exclude",
            "consensus": "1",
            "csrf_token": csrf_of(b),
        },
    )
    assert agreed.status_code == 303
    with app.state.review.store() as store:
        rows = store.conn.execute(
            "SELECT reviewer, decision, consensus FROM screening_events"
            " WHERE kind = 'resolution'"
        ).fetchall()
    assert rows == [(REVIEWER, "exclude", 1)]


def test_full_text_exclusion_needs_a_reason(
    app: Any, records: Any, client_for: Any
) -> None:
    a, b = client_for(OWNER), client_for(REVIEWER)
    decide(a, 1, "include")
    decide(b, 1, "include")  # record 1 goes on to full text
    a.post("/conflicts/ta/unblind", data={"csrf_token": csrf_of(a)})
    html = b.get("/screen/ft").text
    assert '<option value="Wrong population">1. Wrong population</option>' in html
    assert decide(b, 1, "exclude", stage="ft").status_code == 303
    page = b.get("/screen/ft").text
    assert "Reason for excluding a full text must be one of" in page
    assert [e for e in events(app) if e[2] == "full_text"] == []
    decide(b, 1, "exclude", stage="ft", reason="Wrong population")
    assert [e[1:] for e in events(app) if e[2] == "full_text"] == [
        (REVIEWER, "full_text", "decision", "exclude")
    ]


def test_json_decisions_with_the_csrf_header(
    app: Any, records: Any, client_for: Any
) -> None:
    b = client_for(REVIEWER)
    token = csrf_of(b)
    nxt = b.get("/api/screen/ta/next").json()
    assert nxt["record"]["id"] == 1
    assert nxt["progress"] == {"done": 0, "total": 3, "remaining": 3}
    response = b.post(
        "/api/screen/ta/decide",
        json={"record_id": 1, "decision": "maybe"},
        headers={"x-csrf-token": token},
    )
    assert response.status_code == 200
    assert response.json()["progress"] == {"done": 1, "total": 3, "remaining": 2}
    bad = b.post(
        "/api/screen/ta/decide",
        json={"record_id": 1, "decision": "perhaps"},
        headers={"x-csrf-token": token},
    )
    assert bad.status_code == 400
    assert "perhaps" in bad.json()["error"]


def test_a_resolver_does_not_screen(app: Any, records: Any, client_for: Any) -> None:
    c = client_for(RESOLVER)
    assert c.get("/screen/ta").status_code == 403
    assert decide(c, 1, "include").status_code == 403
    assert events(app) == []


def test_stage_assignment_limits_who_screens(
    app: Any, records: Any, client_for: Any
) -> None:
    a = client_for(OWNER)
    response = a.post(
        "/people/assign",
        data={
            "reviewer": SECOND,
            "stage": "title_abstract",
            "active": "1",
            "csrf_token": csrf_of(a),
        },
    )
    assert response.status_code == 303
    b, d = client_for(REVIEWER), client_for(SECOND)
    assert b.get("/screen/ta").status_code == 403  # not assigned
    assert d.get("/screen/ta").status_code == 200
    a.post("/conflicts/ta/unblind", data={"csrf_token": csrf_of(a)})
    assert b.get("/screen/ft").status_code == 200  # nobody assigned: open to all
    a.post(
        "/people/assign",
        data={
            "reviewer": SECOND,
            "stage": "title_abstract",
            "active": "0",
            "csrf_token": csrf_of(a),
        },
    )
    assert b.get("/screen/ta").status_code == 200


def test_full_text_waits_until_title_and_abstract_is_unblinded(
    app: Any, records: Any, client_for: Any
) -> None:
    # records that reach full text are those both reviewers included: seeing
    # them before unblinding would reveal the other reviewer's decisions
    a, b = client_for(OWNER), client_for(REVIEWER)
    decide(a, 1, "include")
    decide(b, 1, "include")
    locked = b.get("/screen/ft")
    assert locked.status_code == 403
    assert "opens once the owner unblinds title and abstract" in locked.text
    assert b.get("/api/screen/ft/next").status_code == 403
    assert decide(b, 1, "include", stage="ft").status_code == 403
    ft = b.get("/api/status").json()["stages"]["full_text"]
    assert ft == {"unblinded": False, "complete": None, "pending": None,
                  "agreement": None}  # fmt: skip
    assert "Opens once the owner unblinds" in b.get("/").text
    a.post("/conflicts/ta/unblind", data={"csrf_token": csrf_of(a)})
    page = b.get("/screen/ft").text
    assert "<strong>0</strong> of 1 done" in page
    ft = b.get("/api/status").json()["stages"]["full_text"]
    assert (ft["complete"], ft["pending"]) == (0, 1)


def test_a_record_shown_to_a_reviewer_is_held_from_the_others(
    app: Any, records: Any, client_for: Any
) -> None:
    a, b, d = client_for(OWNER), client_for(REVIEWER), client_for(SECOND)
    assert decide(a, 1, "include").status_code == 303  # record 1 needs one more
    assert b.get("/api/screen/ta/next").json()["record"]["id"] == 1  # B reads it
    # D is shown another record: A decided 1 and B holds it, that makes two
    assert d.get("/api/screen/ta/next").json()["record"]["id"] == 2
    assert shown_record(b) == 1  # B's own hold does not move B's record
    assert decide(b, 1, "exclude").status_code == 303  # no refusal
    # holds tell nothing of decisions: D's progress counts every record
    progress = d.get("/api/screen/ta/next").json()["progress"]
    assert progress == {"done": 0, "total": 2, "remaining": 2}


def test_the_dashboard_shows_a_reviewer_their_own_stopping_guide_only(
    app: Any, records: Any, client_for: Any
) -> None:
    a, b = client_for(OWNER), client_for(REVIEWER)
    assert "Stopping guide" not in b.get("/").text  # no decision yet
    assert decide(a, 1, "include").status_code == 303
    assert decide(b, 1, "include").status_code == 303
    html = b.get("/").text
    assert "Stopping guide" in html
    assert "keep screening — P(recall &lt; 95%) = " in html
    assert html.count("Stopping guide") == 1  # B's own, nobody else's
    for rid in (2, 3):
        assert decide(b, rid, "exclude").status_code == 303
    html = b.get("/").text
    assert "<strong>you may stop</strong>" in html  # every record screened
    # the status page and its JSON compute no one's guide (they show none)
    assert b.get("/api/status").json().get("stopping") is None
