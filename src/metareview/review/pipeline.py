"""Run a whole review project, from its files to the report: ``metareview run``.

:func:`run_project` takes a review folder (DESIGN.md §5) and runs every stage in
order: import of the database exports in ``searches/`` → deduplication →
screening state (``screening/decisions.csv``) → extraction (each reviewer's
files in ``extraction/``, the consensus, the conversions) → risk of bias
(``rob/``) → the protocol's analyses (every outcome × timepoint with data,
overall and by intervention category) → sensitivity analyses → small-study
effects → GRADE → figures → the report in ``output/``.

Every input is imported idempotently: a file imported before (the store knows
its SHA-256) is left alone, decisions and values equal to the stored ones add
nothing, so running the project twice gives the same review. A failure stops
the run with a :class:`PipelineError` naming the stage, the file and the row.
"""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from .._validate import MetareviewError
from ._pipeline_analyses import OutcomeAnalysis, Sensitivity, analyse_all
from ._pipeline_intake import Intake, run_intake_stage
from .protocol import Protocol, load_protocol

__all__ = [
    "OutcomeAnalysis",
    "PipelineError",
    "RunResult",
    "Sensitivity",
    "StageTiming",
    "run_project",
]

#: Where the report, figures and tables go, inside the review folder.
OUTPUT = "output"


class PipelineError(MetareviewError):
    """A stage of :func:`run_project` failed.

    Parameters
    ----------
    stage : str
        The stage that failed (``"import"``, ``"extraction"``, ...).
    file : str or None
        The file being read, when the failure came from one.
    row : int or None
        The line or row of that file, when known.
    message : str
        What went wrong (the message of the underlying error).

    """

    def __init__(
        self, stage: str, file: str | None, row: int | None, message: str
    ) -> None:
        self.stage, self.file, self.row, self.message = stage, file, row, message
        where = f"stage {stage!r}"
        if file:
            where += f", file {file}"
        if row is not None:
            where += f", row {row}"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True, slots=True, kw_only=True)
class StageTiming:
    """How long a stage took, and what it did in a few words."""

    stage: str
    seconds: float
    note: str


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class RunResult:
    """Everything a run produced: the review's state, the analyses, the files.

    Attributes
    ----------
    folder : pathlib.Path
        The review project.
    protocol : Protocol
        Its validated ``review.toml``.
    intake : Intake
        Imports, dedup, screening state, studies, extraction and risk of bias.
    analyses : tuple of OutcomeAnalysis
        One per outcome × timepoint with data, each with the rows it used.
    skipped : tuple of (str, str, str)
        ``(outcome id, timepoint, why)`` for the protocol's outcomes and
        timepoints that were not analysed.
    certainty : dict of str to Certainty
        GRADE certainty of each analysis, by :attr:`OutcomeAnalysis.key`.
    sof : pandas.DataFrame
        The Summary of Findings table
        (:func:`~metareview.review.grade.summary_of_findings`).
    gapmap : object or None
        The evidence gap map (:class:`~metareview.review.gapmap.GapMap`).
    figures : dict of str to pathlib.Path
        Figure key → PNG file (an SVG beside it).
    timings : tuple of StageTiming
        Each stage, in order.
    report : dict of str to pathlib.Path
        ``"html"``, ``"md"``, ``"docx"`` → the report files.
    audit : pandas.DataFrame
        :func:`~metareview.review.audit.audit_text` of the report's prose.

    """

    folder: Path
    protocol: Protocol
    intake: Intake
    analyses: tuple[OutcomeAnalysis, ...]
    skipped: tuple[tuple[str, str, str], ...]
    sof: pd.DataFrame
    certainty: dict[str, Any]
    gapmap: Any
    figures: dict[str, Path]
    timings: tuple[StageTiming, ...]
    report: dict[str, Path]
    audit: pd.DataFrame

    @property
    def output(self) -> Path:
        """The output folder."""
        return self.folder / OUTPUT

    @property
    def seconds(self) -> float:
        """Total time of the run."""
        return sum(t.seconds for t in self.timings)


Progress = Callable[[StageTiming], None]
_T = TypeVar("_T")
_ROW = re.compile(r"\b(?:line|row) (\d+)")
_FILE = re.compile(r"([\w./\\ -]+\.(?:csv|xlsx|ris|nbib|txt|xml|bib|toml))\b")


def _wrap(stage: str, exc: Exception, file: str | None = None) -> PipelineError:
    """Make a :class:`PipelineError` of ``exc``, with the file and row it names."""
    if isinstance(exc, PipelineError):
        return exc
    msg = str(exc)
    if not isinstance(exc, MetareviewError | OSError):  # not an input problem
        msg = f"{type(exc).__name__}: {msg}"
    row = _ROW.search(msg)
    if file is None and (m := _FILE.search(msg)):
        file = m.group(1).strip()
    return PipelineError(stage, file, int(row.group(1)) if row else None, msg)


class _Runner:
    """Runs stages, timing each, reporting to ``progress``, wrapping failures."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.timings: list[StageTiming] = []

    def __call__(
        self, stage: str, fn: Callable[[], _T], note: Callable[[_T], str]
    ) -> _T:
        start = time.perf_counter()
        try:
            with warnings.catch_warnings():
                # results carry their own notes (few studies, k = 1, ...)
                warnings.simplefilter("ignore", UserWarning)
                warnings.simplefilter("ignore", RuntimeWarning)
                out = fn()
        except PipelineError:
            raise
        except Exception as exc:  # every failure names its stage (traceback chained)
            raise _wrap(stage, exc) from exc
        t = StageTiming(
            stage=stage, seconds=time.perf_counter() - start, note=note(out)
        )
        self.timings.append(t)
        if self.progress is not None:
            self.progress(t)
        return out


def run_project(folder: str | Path, *, progress: Progress | None = None) -> RunResult:
    """Run every stage of the review in ``folder`` and write its report.

    Parameters
    ----------
    folder : str or pathlib.Path
        A review project: ``review.toml`` and any of ``searches/``,
        ``screening/decisions.csv``, ``extraction/*.csv``, ``rob/*.csv``.
        ``review.db`` is created when missing.
    progress : callable, optional
        Called with a :class:`StageTiming` as each stage ends.

    Returns
    -------
    RunResult

    Raises
    ------
    PipelineError
        Naming the stage, the file and the row of the failure.

    """
    from ..report import write_report
    from ._pipeline_figures import draw_figures
    from ._pipeline_grade import grade_all

    root = Path(folder)
    run = _Runner(progress)
    try:
        protocol = load_protocol(root)
    except MetareviewError as exc:
        raise PipelineError(
            "protocol", str(root / "review.toml"), None, str(exc)
        ) from None
    intake = run_intake_stage(root, protocol, run)
    done = run(
        "analyses",
        lambda: analyse_all(protocol, intake),
        lambda r: (
            f"{len(r[0])} analys{'is' if len(r[0]) == 1 else 'es'} "
            f"({sum(a.k for a in r[0])} comparisons)"
        ),
    )
    analyses, skipped = done
    sof, gm, certainty = run(
        "GRADE",
        lambda: grade_all(protocol, intake, analyses),
        lambda r: f"{len(r[0])} Summary of Findings row{'s' * (len(r[0]) != 1)}",
    )
    out = root / OUTPUT
    figures = run(
        "figures",
        lambda: draw_figures(out / "figures", protocol, intake, analyses, gm),
        lambda r: f"{len(r)} figures (PNG and SVG)",
    )
    partial = RunResult(
        folder=root,
        protocol=protocol,
        intake=intake,
        analyses=tuple(analyses),
        skipped=tuple(skipped),
        sof=sof,
        certainty=certainty,
        gapmap=gm,
        figures=figures,
        timings=(),
        report={},
        audit=pd.DataFrame(),
    )
    files, audit = run(
        "report",
        lambda: write_report(partial, out, timings=tuple(run.timings)),
        lambda r: ", ".join(p.name for p in r[0].values()),
    )
    return replace(partial, timings=tuple(run.timings), report=files, audit=audit)
