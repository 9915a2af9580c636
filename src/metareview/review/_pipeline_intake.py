"""The pipeline's first stages: import, dedup, screening, extraction, risk of bias.

Each stage reads the project's files in a fixed order and imports them
idempotently, so that a second run adds nothing: exports already in
``review.db`` (same SHA-256) are skipped, screening decisions and extracted
values equal to the stored ones are not added again, consensus values are
recorded again with the same values (the latest wins).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .._validate import InputError
from .project import DATABASE
from .protocol import Protocol
from .store import Store, file_sha256, open_store

SEARCHES, SCREENING, EXTRACTION, ROB = "searches", "screening", "extraction", "rob"


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Intake:
    """The review's state after the first stages, as the analyses need it.

    Attributes
    ----------
    folder : pathlib.Path
        The review project.
    batches : pandas.DataFrame
        Every imported export: ``path``, ``database``, ``format``, ``records``.
    dedup : object or None
        :class:`~metareview.review.intake.DedupSummary` (None without records).
    status : dict or None
        :func:`~metareview.review.prisma.screening_status` (None without
        screening decisions): PRISMA counts and agreement per stage.
    studies : pandas.DataFrame
        One row per included study: ``record_id``, ``study`` and the protocol's
        characteristics (their labels as columns).
    extraction_files : list of (str, str, int)
        ``(file, reviewer or "consensus", values written this run)``.
    disagreements : pandas.DataFrame
        :func:`~metareview.review.extraction.compare_extraction`.
    arm_data : dict
        ``(outcome id, timepoint)`` → :func:`~metareview.review.extraction.arm_data`.
    rob : pandas.DataFrame or None
        The overall and domain judgements used (consensus, else one reviewer).
    rob_agreement : pandas.DataFrame or None
        :func:`~metareview.review.rob.rob_agreement` (None with fewer than two
        appraisers).

    """

    folder: Path
    batches: pd.DataFrame
    dedup: Any
    status: dict[str, Any] | None
    studies: pd.DataFrame
    extraction_files: list[tuple[str, str, int]]
    disagreements: pd.DataFrame
    arm_data: dict[tuple[str, str], pd.DataFrame]
    rob: pd.DataFrame | None
    rob_agreement: pd.DataFrame | None
    rob_files: list[tuple[str, str]] = field(default_factory=list)

    @property
    def store_path(self) -> Path:
        """The project's ``review.db``."""
        return self.folder / DATABASE


Run = Callable[..., Any]


def run_intake_stage(root: Path, protocol: Protocol, run: Run) -> Intake:
    """Run the stages import → dedup → screening → extraction → risk of bias."""
    from .intake import dedup_project

    (root / SEARCHES).mkdir(exist_ok=True)
    run("import", lambda: import_searches(root), _import_note)
    with open_store(root / DATABASE) as store:
        has_records = store.conn.execute("SELECT count(*) FROM batches").fetchone()[0]
    dedup = None
    if has_records and any(_files(root / SEARCHES)):
        dedup = run("dedup", lambda: dedup_project(root), _dedup_note)
    from ._pipeline_extraction import extraction_state, rob_state

    with open_store(root / DATABASE) as store:
        status = run(
            "screening", lambda: screening_state(root, store, protocol), _status_note
        )
        studies, files, diff, arms = run(
            "extraction",
            lambda: extraction_state(root, store, protocol, status),
            lambda r: f"{len(r[0])} studies, {_n(len(r[3]), 'outcome × timepoint')}",
        )
        rob, agree, rob_files = run(
            "risk of bias",
            lambda: rob_state(root, store, protocol),
            lambda r: "no appraisals" if r[0] is None else f"{len(r[0])} studies",
        )
        batches = pd.read_sql_query(
            "SELECT b.path, b.database, b.format, count(r.id) AS records"
            " FROM batches AS b LEFT JOIN records AS r ON r.batch_id = b.id"
            " GROUP BY b.id ORDER BY b.id",
            store.conn,
        )
    return Intake(
        folder=root,
        batches=batches,
        dedup=dedup,
        status=status,
        studies=studies,
        extraction_files=files,
        disagreements=diff,
        arm_data=arms,
        rob=rob,
        rob_agreement=agree,
        rob_files=rob_files,
    )


def _n(n: int, what: str) -> str:
    return f"{n} {what}{'s' * (n != 1)}"


def _files(folder: Path, suffix: str | None = None) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and not p.name.startswith(".")
        and p.name.lower() not in ("readme.md", "readme.txt")
        and (suffix is None or p.suffix.lower() == suffix)
    )


def import_searches(root: Path) -> list[Any]:
    """Import each export in ``searches/`` not imported before; return summaries."""
    from .intake import import_files

    out = []
    with open_store(root / DATABASE) as store:
        new = [f for f in _files(root / SEARCHES) if not store.has_file(file_sha256(f))]
    for f in new:
        try:
            out += import_files(root, [f])
        except InputError as exc:
            from .pipeline import _wrap

            raise _wrap("import", exc, str(f)) from exc
    return out


def _import_note(summaries: list[Any]) -> str:
    if not summaries:
        return "nothing new to import"
    n = sum(s.records for s in summaries)
    return f"{len(summaries)} files, {n:,} records"


def _dedup_note(d: Any) -> str:
    return f"{d.records:,} records, {d.clusters:,} unique, {d.linked} new links"


def screening_state(root: Path, store: Store, protocol: Protocol) -> Any:
    """Import ``screening/*.csv`` decisions; return the screening status.

    Decisions made in ``review.db`` (``metareview screen``, the web app) count
    as much as imported ones; None when there are none at all (the studies
    then come from the extraction files).
    """
    from ._screening_csv import import_decisions
    from .prisma import screening_status

    files = _files(root / SCREENING, ".csv")
    for f in files:
        _guard("screening", f, import_decisions, store, protocol, f)
    screened = store.conn.execute("SELECT 1 FROM screening_events LIMIT 1")
    if screened.fetchone() is None:
        return None
    return screening_status(store, protocol, stopping=False)  # the report has none


def _status_note(status: Any) -> str:
    if status is None:
        return "no screening decisions (studies from the extraction files)"
    p = status["prisma"]
    return f"{p['screened']:,} screened, {p['included']} included"


def _guard(
    stage: str, file: Path, fn: Callable[..., Any], *args: Any, **kw: Any
) -> Any:
    """Call ``fn(*args, **kw)``; a failure becomes a PipelineError naming ``file``."""
    from .pipeline import _wrap

    try:
        return fn(*args, **kw)
    except Exception as exc:  # the stage and the file are named, traceback chained
        raise _wrap(stage, exc, str(file)) from exc
