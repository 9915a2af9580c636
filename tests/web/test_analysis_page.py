"""The analysis page: who may run it, one run at a time, the allowlisted file route."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from metareview._validate import InputError
from metareview.review import pipeline
from metareview.review.intake import import_files
from web.webtools import OWNER, REVIEWER, csrf_of, include_studies

#: Record 2 again, as a second database would export it (a duplicate to link).
DUPLICATE = """TY  - JOUR
TI  - Telephone care management for depression: a randomised trial
AB  - We randomised 200 adults with depressive symptoms to telephone care.
AU  - Doe, John
PY  - 2019
JO  - Psychiatric Services
ER  -
"""


@pytest.fixture
def analysed(app: Any, records: Path, tmp_path: Path, client_for: Any) -> Any:
    """Two studies extracted in the forms (help-seeking behaviour), then run."""
    path = tmp_path / "embase.ris"
    path.write_text(DUPLICATE, encoding="utf-8")
    import_files(records, [path], database="Embase")
    include_studies(app, (1, 2))
    b = client_for(REVIEWER)
    for record, (e1, n1, e2, n2) in {1: (12, 40, 6, 40), 2: (20, 60, 11, 58)}.items():
        where = {"outcome": "behaviour", "timepoint": "end of follow-up"}
        data = {"csrf_token": csrf_of(b), "c_intervention_category": "mcii"}
        for i, (arm, e, n) in enumerate([("control", e2, n2), ("mcii", e1, n1)]):
            cells = {**where, "arm": arm, "events": str(e), "n": str(n)}
            data.update({f"r{i}_{k}": v for k, v in cells.items()})
        assert b.post(f"/extract/{record}", data=data).status_code == 303
    owner = client_for(OWNER)
    response = owner.post("/analysis/run", data={"csrf_token": csrf_of(owner)})
    assert response.status_code == 303
    app.state.analysis.wait(120)
    assert app.state.analysis.state == "done", app.state.analysis.error
    return owner


def test_a_reviewer_reads_but_cannot_run(
    app: Any, records: Any, client_for: Any
) -> None:
    b = client_for(REVIEWER)
    page = b.get("/analysis")
    assert page.status_code == 200
    assert "The review's owner runs the analysis" in page.text
    assert 'action="/analysis/run"' not in page.text
    response = b.post("/analysis/run", data={"csrf_token": csrf_of(b)})
    assert response.status_code == 403
    assert getattr(app.state, "analysis", None) is None or (
        app.state.analysis.state == "idle"
    )


def test_the_run_shows_forest_plots_and_downloads(
    app: Any, analysed: Any, client_for: Any
) -> None:
    b = client_for(REVIEWER)
    page = b.get("/analysis").text
    assert "Finished." in page
    assert "Forest plot: Help-seeking behaviour, end of follow-up" in page
    assert "Evidence gap map" in page
    src = "/analysis/file?name=forest_behaviour_end_of_follow_up.png"
    assert f'src="{src}"' in page
    image = b.get(src)
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    assert image.content[:8] == b"\x89PNG\r\n\x1a\n"
    for name in ("report.html", "report.md", "report.docx"):
        assert f'href="/analysis/file?name={name}"' in page
    assert "tables/summary_of_findings.csv" in page
    report = b.get("/analysis/file?name=report.html")
    assert report.status_code == 200
    assert report.headers["content-disposition"] == 'attachment; filename="report.html"'
    assert "Doe 2019" in report.text  # the study extracted in the form
    table = b.get("/analysis/file", params={"name": "tables/summary_of_findings.csv"})
    assert table.status_code == 200
    assert table.headers["content-type"].startswith("text/csv")
    state = b.get("/api/analysis").json()
    assert state["state"] == "done"
    stages = [s["stage"] for s in state["stages"]]
    assert stages[-1] == "report"
    assert "analyses" in stages


#: Names that must not be served: traversal, absolute paths, encoded
#: traversal, files of the run that were not listed, project files.
REFUSED = [
    "../review.toml",
    "../../review.db",
    "/etc/passwd",
    "%2e%2e%2freview.toml",
    "..%2F..%2Freview.db",
    "report.html/../../review.toml",
    "figures/forest_behaviour_end_of_follow_up.png",
    "output/report.html",
    "forest_behaviour_end_of_follow_up.svg",
    "review.toml",
    "",
]


def test_the_file_route_serves_only_what_the_run_listed(
    app: Any, analysed: Any
) -> None:
    absolute = str(app.state.review.folder / "review.db")
    for name in [*REFUSED, absolute]:
        response = analysed.get("/analysis/file", params={"name": name})
        assert response.status_code == 404, name
        raw = analysed.get(f"/analysis/file?name={name}")  # sent as written
        assert raw.status_code == 404, name
        assert b"SQLite" not in raw.content
    assert analysed.get("/analysis/file?name=report.md").status_code == 200


def test_nothing_is_served_before_a_run(app: Any, client_for: Any) -> None:
    owner = client_for(OWNER)
    assert owner.get("/analysis/file?name=report.html").status_code == 404


def test_one_run_at_a_time_and_a_failure_is_shown(
    app: Any, client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    calls: list[Path] = []

    def slow(folder: Path, *, progress: Any = None) -> Any:
        calls.append(folder)
        release.wait(30)
        raise InputError("stage 'extraction': study 'Doe 2019' lacks n")

    monkeypatch.setattr(pipeline, "run_project", slow)
    owner = client_for(OWNER)
    first = owner.post("/analysis/run", data={"csrf_token": csrf_of(owner)})
    assert first.status_code == 303
    assert owner.get("/api/analysis").json()["state"] == "running"
    running = owner.get("/analysis").text
    assert 'id="run-button" disabled' in running
    owner.post("/analysis/run", data={"csrf_token": csrf_of(owner)})
    assert "An analysis is running already" in owner.get("/analysis").text
    release.set()
    app.state.analysis.wait(30)
    assert len(calls) == 1
    page = owner.get("/analysis").text
    assert "The analysis failed." in page
    assert "study &#39;Doe 2019&#39; lacks n" in page
