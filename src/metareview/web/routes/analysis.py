"""Analysis and report: the owner runs the review, everyone reads the results.

The run is :func:`~metareview.review.pipeline.run_project` in a background
thread (:class:`~metareview.web.runner.AnalysisRun`), one at a time; the page
polls ``/api/analysis``. Figures and downloads are served by
``/analysis/file?name=...`` only when the name is one the last run listed: the
name is looked up, never joined to a path.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response

from ..deps import OwnerActor, Viewer, review_of
from ..render import flash, page
from ..runner import AnalysisRun

router = APIRouter()

#: Media types of the files a run writes; anything else is not served.
MEDIA = {
    ".png": "image/png",
    ".html": "text/html; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".csv": "text/csv; charset=utf-8",
}


def analysis_run(request: Request) -> AnalysisRun:
    """Return the app's analysis run (made with the app)."""
    run: AnalysisRun = request.app.state.analysis
    return run


@router.get("/analysis")
def analysis(request: Request, user: Viewer) -> Response:
    """Show the last run's figures and downloads; the owner's Run button."""
    run = analysis_run(request)
    return page(
        request,
        "analysis.html",
        user=user,
        run=run.snapshot(),
        figures=run.figures,
        downloads=run.downloads,
    )


@router.post("/analysis/run")
def analysis_start(request: Request, user: OwnerActor) -> Response:
    """Start the analysis (owner); a run already under way is not started twice."""
    run = analysis_run(request)
    if run.start(review_of(request).folder, user.name):
        flash(user, "The analysis is running; this page follows its progress.")
    else:
        flash(user, "An analysis is running already; wait for it to end.", "error")
    return RedirectResponse("/analysis", status_code=303)


@router.get("/api/analysis")
def api_analysis(request: Request, user: Viewer) -> Response:
    """Return the run's state and progress, for the page to poll."""
    return JSONResponse(analysis_run(request).snapshot())


@router.get("/analysis/file")
def analysis_file(request: Request, user: Viewer, name: str = "") -> Response:
    """Serve a file of the last run, if ``name`` is one it listed."""
    run = analysis_run(request)
    path = run.files.get(name)
    output = (review_of(request).folder / "output").resolve()
    if path is None or path.suffix not in MEDIA:
        raise HTTPException(status_code=404, detail="no such file")
    real = path.resolve()
    if not real.is_relative_to(output) or not real.is_file():
        raise HTTPException(status_code=404, detail="no such file")
    inline = real.suffix == ".png"
    return FileResponse(
        real,
        media_type=MEDIA[real.suffix],
        filename=real.name,
        content_disposition_type="inline" if inline else "attachment",
    )
