"""The web app: :func:`create_app` on a review project folder (DESIGN.md §5)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from .._validate import InputError, MetareviewError
from ..review.project import project_database
from .auth import session_user
from .db import Review
from .render import page
from .routes import (
    analysis,
    auth,
    conflicts,
    dashboard,
    dedup,
    extraction,
    imports,
    people,
    protocol,
    rob,
    screening,
    status,
)
from .runner import AnalysisRun
from .security import BodyLimit, Forbidden, NotLoggedIn, SecurityHeaders

__all__ = ["create_app"]

STATIC = Path(__file__).parent / "static"


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in (
        request.headers.get("accept", "")
    )


def _error_page(request: Request, status_code: int, text: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": text}, status_code=status_code)
    user = session_user(request.app.state.review, request)
    return page(
        request,
        "error.html",
        user=user,
        status_code=status_code,
        code=status_code,
        text=text,
    )


def create_app(folder: str | Path, *, max_upload_bytes: int = 50 * 2**20) -> FastAPI:
    """Build the web app serving the review project in ``folder``.

    Parameters
    ----------
    folder : str or pathlib.Path
        A review project (``metareview init``): ``review.toml`` and ``review.db``.
    max_upload_bytes : int, default 50 MiB
        The largest request body accepted (uploads of database exports);
        larger ones get 413.

    Returns
    -------
    fastapi.FastAPI
        Serve it with uvicorn (``metareview serve DIR``).

    Raises
    ------
    InputError
        When ``folder`` holds no ``review.db`` or ``max_upload_bytes`` is not
        positive; :class:`~metareview.review.protocol.ProtocolError` for a bad
        ``review.toml``.

    """
    folder = Path(folder)
    project_database(folder)
    if not isinstance(max_upload_bytes, int) or max_upload_bytes <= 0:
        raise InputError(
            "max_upload_bytes must be a positive whole number; "
            f"got {max_upload_bytes!r}"
        )
    review = Review(folder=folder, max_upload_bytes=max_upload_bytes)
    review.protocol()  # read (and kept): a bad protocol fails now, not on a page

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        review.close()

    app = FastAPI(
        title="metareview",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.review = review
    app.state.analysis = AnalysisRun()  # the background analysis, one at a time
    app.state.dedup = dedup.LastRun()  # the last deduplication's pairs to decide
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (
        auth,
        dashboard,
        imports,
        dedup,
        people,
        screening,
        conflicts,
        status,
        protocol,
        extraction,
        rob,
        analysis,
    ):
        app.include_router(module.router)
    _handlers(app)
    app.add_middleware(BodyLimit, limit=max_upload_bytes)
    app.add_middleware(SecurityHeaders)
    return app


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(NotLoggedIn)
    async def not_logged_in(request: Request, exc: NotLoggedIn) -> Response:
        if _wants_json(request):
            return JSONResponse({"error": "log in first"}, status_code=401)
        target = request.url.path
        if request.method != "GET":
            target = "/"
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return _error_page(request, 403, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        text = {404: "there is no such page"}.get(exc.status_code, str(exc.detail))
        return _error_page(request, exc.status_code, text)

    @app.exception_handler(MetareviewError)
    async def review_error(request: Request, exc: MetareviewError) -> Response:
        return _error_page(request, 400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        fields = sorted({str(e["loc"][-1]) for e in exc.errors() if e.get("loc")})
        text = f"the form was incomplete or malformed ({', '.join(fields)})"
        return _error_page(request, 400, text)

    del not_logged_in, forbidden, http_error, review_error, bad_request
