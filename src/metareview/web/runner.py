"""The analysis run of the web app: one at a time, in a background thread.

:func:`~metareview.review.pipeline.run_project` runs the whole review and writes
the report; its progress is kept here for the page to poll. The files a run
produced are listed by name (:attr:`AnalysisRun.files`): the app serves a file
only by looking its name up in that list, never by a path taken from a URL.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._validate import MetareviewError

__all__ = ["AnalysisRun", "Figure"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Figure:
    """A figure of the last run: its file name (the allowlist key) and caption."""

    name: str
    caption: str


@dataclass
class AnalysisRun:
    """The analysis: idle, running, done or failed; the files of the last run."""

    state: str = "idle"
    by: str = ""
    started: float = 0.0
    finished: float = 0.0
    stages: list[tuple[str, float, str]] = field(default_factory=list)
    error: str = ""
    files: dict[str, Path] = field(default_factory=dict)
    figures: list[Figure] = field(default_factory=list)
    downloads: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None

    def start(self, folder: Path, by: str) -> bool:
        """Start a run in the background; False when one is running already."""
        with self._lock:
            if self.state == "running":
                return False
            self.state, self.by, self.error = "running", by, ""
            self.started, self.finished = time.time(), 0.0
            self.stages = []
            self._thread = threading.Thread(
                target=self._run, args=(folder,), name="metareview-analysis"
            )
            self._thread.daemon = True
            self._thread.start()
        return True

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the running analysis to end (for tests and scripts)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self, folder: Path) -> None:
        from ..review.pipeline import run_project

        def progress(t: Any) -> None:
            with self._lock:
                self.stages.append((t.stage, t.seconds, t.note))

        try:
            result = run_project(folder, progress=progress)
        except MetareviewError as exc:
            self._end("failed", error=str(exc))
            return
        except Exception as exc:  # a bug: shown, not left running forever
            self._end("failed", error=f"{type(exc).__name__}: {exc}")
            return
        self._end("done", result=result)

    def _end(self, state: str, *, error: str = "", result: Any = None) -> None:
        with self._lock:
            self.state, self.error, self.finished = state, error, time.time()
            if result is not None:
                self.files, self.figures, self.downloads = allowlist(result)

    def snapshot(self) -> dict[str, Any]:
        """Return the state as JSON for the page's polling."""
        with self._lock:
            return {
                "state": self.state,
                "by": self.by,
                "stages": [
                    {"stage": s, "seconds": round(t, 2), "note": n}
                    for s, t, n in self.stages
                ],
                "error": self.error,
                "seconds": round((self.finished or time.time()) - self.started, 1)
                if self.started
                else None,
            }


def allowlist(result: Any) -> tuple[dict[str, Path], list[Figure], list[str]]:
    """Return the files of a run by name: report files, figures and tables.

    Returns the name → path map (what may be served), the figures to show
    (forest plots per outcome and time point, then the gap map) and the names
    of the downloads (report files, then tables).
    """
    files: dict[str, Path] = {}
    downloads: list[str] = []
    for kind in ("html", "md", "docx"):
        path = result.report.get(kind)
        if path is not None:
            files[path.name] = Path(path)
            downloads.append(path.name)
    tables = Path(result.output) / "tables"
    if tables.is_dir():
        for path in sorted(tables.glob("*.csv")):
            name = f"tables/{path.name}"
            files[name] = path
            downloads.append(name)
    figures: list[Figure] = []
    captions = {
        f"forest_{a.key}": f"Forest plot: {a.outcome.name}, {a.timepoint}"
        for a in result.analyses
    }
    captions["gapmap"] = "Evidence gap map"
    captions["rob_summary"] = "Risk of bias (RoB 2), summary"
    for key, path in result.figures.items():
        name = f"{key}.png"
        files[name] = Path(path)
        if key in captions:
            figures.append(Figure(name=name, caption=captions[key]))
    return files, figures, downloads
