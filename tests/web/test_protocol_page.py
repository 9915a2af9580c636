"""The protocol page: everyone reads review.toml, the owner edits it safely."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from metareview.review.project import save_protocol
from web.webtools import OWNER, REVIEWER, csrf_of


def _save(client: Any, text: str) -> Any:
    return client.post("/protocol", data={"csrf_token": csrf_of(client), "text": text})


def test_a_reviewer_reads_the_protocol_and_cannot_save_it(
    app: Any, folder: Path, client_for: Any
) -> None:
    b = client_for(REVIEWER)
    html = b.get("/protocol").text
    assert "<textarea" not in html
    assert "[[outcomes]]" in html
    before = (folder / "review.toml").read_text(encoding="utf-8")
    response = _save(b, before.replace("Help-seeking", "Changed"))
    assert response.status_code == 403
    assert (folder / "review.toml").read_text(encoding="utf-8") == before


def test_the_owner_saves_a_valid_protocol_and_keeps_the_old_one(
    app: Any, folder: Path, client_for: Any
) -> None:
    a = client_for(OWNER)
    before = (folder / "review.toml").read_text(encoding="utf-8")
    assert '<textarea id="text" name="text"' in a.get("/protocol").text
    edited = before.replace('title = "', 'title = "Amended: ', 1)
    response = _save(a, edited.replace("\n", "\r\n"))  # as a browser sends it
    assert response.status_code == 303
    assert (folder / "review.toml").read_text(encoding="utf-8") == edited
    kept = list((folder / "protocol-history").glob("review-*.toml"))
    assert len(kept) == 1
    assert kept[0].read_text(encoding="utf-8") == before
    page = a.get("/protocol").text
    assert "Protocol saved; the previous version is protocol-history/" in page
    assert kept[0].name in page
    # every page now follows the new protocol (read again when the file changes)
    assert "Amended: " in a.get("/").text
    assert _save(a, edited).status_code == 303  # the same text: nothing kept
    assert "Nothing changed." in a.get("/protocol").text
    assert len(list((folder / "protocol-history").glob("*.toml"))) == 1


def test_an_invalid_protocol_is_refused_with_its_line_and_nothing_is_written(
    app: Any, folder: Path, client_for: Any
) -> None:
    a = client_for(OWNER)
    before = (folder / "review.toml").read_text(encoding="utf-8")
    bad = before.replace('direction = "lower"', 'direction = "down"')
    line = 1 + bad.splitlines().index('direction = "down"')
    response = _save(a, bad)
    assert response.status_code == 400
    # the file is named as the owner knows it, not by the server's path
    assert f"\nreview.toml, line {line}: outcomes[5].direction" in response.text
    assert str(folder) not in response.text
    assert "direction = &#34;down&#34;" in response.text  # the text typed stays
    broken = _save(a, "title = [unclosed")
    assert broken.status_code == 400
    assert "is not valid TOML" in broken.text
    assert (folder / "review.toml").read_text(encoding="utf-8") == before
    assert not (folder / "protocol-history").exists()


def test_the_owner_cannot_save_a_protocol_without_themselves_as_owner(
    app: Any, folder: Path, client_for: Any
) -> None:
    a = client_for(OWNER)
    before = (folder / "review.toml").read_text(encoding="utf-8")

    # make B the owner and A a reviewer: valid, but A would be locked out
    def role(name: str, r: str) -> str:
        return f'name = "{name}"\nrole = "{r}"'

    swapped = before.replace(role(OWNER, "owner"), role(OWNER, "reviewer"))
    swapped = swapped.replace(role(REVIEWER, "reviewer"), role(REVIEWER, "owner"))
    assert swapped.count('role = "owner"') == before.count('role = "owner"')
    response = _save(a, swapped)
    assert response.status_code == 400
    assert "must stay an owner" in response.text
    assert (folder / "review.toml").read_text(encoding="utf-8") == before


def test_markup_in_the_protocol_is_shown_as_text(
    app: Any, folder: Path, client_for: Any
) -> None:
    text = (folder / "review.toml").read_text(encoding="utf-8")
    save_protocol(folder, text.replace('title = "', 'title = "<script>x()</script>', 1))
    for name in (OWNER, REVIEWER):
        html = client_for(name).get("/protocol").text
        assert "<script>x()" not in html
        assert "&lt;script&gt;x()" in html
