"""Record text is escaped on every page that shows it (titles, abstracts)."""

from __future__ import annotations

from typing import Any

from markupsafe import escape

from web.webtools import OWNER, REVIEWER, XSS_ABSTRACT, XSS_TITLE, TestClient, csrf_of

RAW = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]


def assert_escaped(page: str, text: str, where: str) -> None:
    for raw in RAW:
        assert raw not in page, where
    assert str(escape(text)) in page, where  # e.g. &lt;script&gt; and &#34;


def decide(client: TestClient, rid: int, decision: str) -> None:
    client.post(
        "/screen/ta/decide",
        data={
            "record_id": str(rid),
            "decision": decision,
            "csrf_token": csrf_of(client),
        },
    )


def test_xss_payloads_stay_text_on_every_page(
    app: Any, records: Any, client_for: Any
) -> None:
    a, b = client_for(OWNER), client_for(REVIEWER)
    screen = b.get("/screen/ta").text  # record 1 carries both payloads
    # the title is highlighted ("randomised", "trial"), so check piece by piece
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in screen
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in screen
    for raw in RAW:
        assert raw not in screen

    decide(a, 1, "include")
    decide(b, 1, "exclude")  # a conflict on the XSS record
    assert_escaped(b.get("/screen/ta").text, XSS_TITLE, "undo bar")
    assert_escaped(b.get("/screen/ta/mine").text, XSS_TITLE, "my decisions")
    a.post("/conflicts/ta/unblind", data={"csrf_token": csrf_of(a)})
    conflicts = a.get("/conflicts/ta").text
    assert_escaped(conflicts, XSS_TITLE, "conflicts")
    assert_escaped(conflicts, XSS_ABSTRACT, "conflicts (abstract)")


def test_xss_in_a_dedup_pair_and_a_note_stays_text(
    app: Any, records: Any, client_for: Any, tmp_path: Any
) -> None:
    from metareview.review.intake import import_files
    from web.webtools import ris_text

    # the same record again from another database, with a slip in the title
    other = tmp_path / "embase.ris"
    slip = XSS_TITLE.replace("help-seeking", "help seeking")
    other.write_text(
        ris_text(title=slip.replace("Randomised", "Randomized"), abstract="Other."),
        encoding="utf-8",
    )
    import_files(app.state.review.folder, [other], database="Embase")
    a = client_for(OWNER)
    a.post("/dedup/run", data={"csrf_token": csrf_of(a)})
    page = a.get("/dedup").text
    assert "Pairs to check (1)" in page  # records 1 and 4, side by side
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2
    for raw in RAW:
        assert raw not in page
    b = client_for(REVIEWER)
    b.post(
        "/screen/ta/decide",
        data={
            "record_id": "2",
            "decision": "maybe",
            "note": RAW[0],
            "csrf_token": csrf_of(b),
        },
    )
    mine = b.get("/screen/ta/mine").text
    assert RAW[0] not in mine
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in mine


def test_record_links_cannot_carry_script(app: Any, client_for: Any) -> None:
    # stored directly: the readers would already drop such a DOI
    with app.state.review.store() as store:
        store.add_batch(
            path="searches/x.ris",
            sha256="0" * 64,
            database="PubMed",
            format="ris",
            encoding="utf-8",
            records=[{"title": "A trial", "doi": 'javascript:alert(1)//"><b>x</b>',
                      "pmid": '1"><i>y</i>'}],
        )  # fmt: skip
    page = client_for(REVIEWER).get("/screen/ta").text
    assert '<a href="https://doi.org/javascript%3Aalert%281%29//' in page
    assert '<a href="https://pubmed.ncbi.nlm.nih.gov/1%22%3E%3Ci%3Ey%3C/i%3E/"' in page
    assert 'href="javascript' not in page
    assert "<b>x</b>" not in page
    assert "<i>y</i>" not in page
