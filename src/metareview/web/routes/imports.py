"""Imports: the owner uploads database exports; the importers check them.

Uploaded bytes go to a temporary folder under a safe name (never the name the
browser sent as a path) and into the project only through
:func:`metareview.review.intake.import_files`, which parses every file first,
keeps a copy in ``searches/`` and adds the records, all or nothing.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..._validate import MetareviewError
from ...review.intake import import_files
from ...review.io.detect import EXTENSION_FORMATS
from ..auth import User
from ..deps import OwnerActor, OwnerViewer, review_of
from ..render import flash, page
from ..security import secure_filename

router = APIRouter()

MAX_FILES = 20  # files in one upload


def _imports_page(
    request: Request, user: User, *, status_code: int = 200, error: str | None = None
) -> Response:
    review = review_of(request)
    with review.store() as store:
        batches = store.batches().reset_index().to_dict("records")
    return page(
        request,
        "imports.html",
        user=user,
        batches=batches,
        databases=[d.name for d in review.protocol().databases],
        extensions=sorted(EXTENSION_FORMATS),
        limit=f"{review.max_upload_bytes / 2**20:.3g} MiB",
        status_code=status_code,
        error=error,
    )


@router.get("/imports")
def imports(
    request: Request,
    user: OwnerViewer,
) -> Response:
    """Show the files imported so far, and the upload form."""
    return _imports_page(request, user)


def _unique_names(files: list[UploadFile]) -> list[str]:
    out: list[str] = []
    for n, f in enumerate(files, start=1):
        name = secure_filename(f.filename or "", fallback=f"upload-{n}")
        if name in out:
            stem, dot, ext = name.rpartition(".")
            name = f"{stem}-{n}.{ext}" if dot else f"{name}-{n}"
        out.append(name)
    return out


@router.post("/imports")
async def upload(
    request: Request,
    user: OwnerActor,
    files: Annotated[list[UploadFile], File()],
    database: Annotated[str, Form()] = "",
    force: Annotated[str, Form()] = "",
) -> Response:
    """Import the uploaded exports; the importer's errors are shown on the page."""
    review = review_of(request)
    files = [f for f in files if f.filename]
    if not files:
        return _imports_page(request, user, status_code=400, error="choose a file")
    if len(files) > MAX_FILES:
        return _imports_page(
            request,
            user,
            status_code=400,
            error=f"at most {MAX_FILES} files at once; got {len(files)}",
        )
    known = {d.name for d in review.protocol().databases}
    if database and database not in known:
        return _imports_page(
            request, user, status_code=400, error=f"unknown database {database!r}"
        )
    with tempfile.TemporaryDirectory(prefix="metareview-upload-") as tmp:
        paths = []
        for f, name in zip(files, _unique_names(files), strict=True):
            path = Path(tmp) / name
            path.write_bytes(await f.read())
            paths.append(path)
        try:
            summaries = await run_in_threadpool(
                import_files,
                review.folder,
                list(paths),
                database=database or None,
                force=force == "1",
            )
        except MetareviewError as exc:
            return _imports_page(request, user, status_code=400, error=str(exc))
    n = sum(s.records for s in summaries)
    flash(user, f"{n} records imported from {len(summaries)} file(s).")
    return RedirectResponse("/imports", status_code=303)
