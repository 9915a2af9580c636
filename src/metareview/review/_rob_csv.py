"""Risk-of-bias appraisals from CSV files, for teams that appraise elsewhere.

A file has one row per item appraised: which study (``record_id``, or ``doi``,
or ``study``, the label "FirstAuthor Year" of the extraction templates), the
``outcome`` (optional; RoB 2 appraises a result), the ``item`` (a signalling
question ``1.1``, a domain ``D1`` or its name, or ``overall``), the
``answer`` (the answer code of a question, or the judgement of a domain) and
an optional ``support`` text. ``question`` or ``domain`` may name the item
column and ``judgement`` the answer column. Every row is checked first; then
each study's rows go through :func:`~metareview.review.rob.record_appraisal`
(the algorithm computes the judgements) or
:func:`~metareview.review.rob.record_consensus`, in one transaction: all or
nothing, each problem naming the file and the line(s).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._files import read_csv
from .._validate import InputError
from ._dedup_normalise import normalise_doi
from ._extraction_import import raise_problems
from ._extraction_values import study_labels
from ._rob_tool import OVERALL, RobTool, as_tool

if TYPE_CHECKING:
    from .store import Store

__all__ = ["import_appraisals", "import_rob_consensus"]

STUDY_COLUMNS = ("record_id", "doi", "study")
ALIASES = {"question": "item", "domain": "item", "judgement": "answer"}
COLUMNS = (*STUDY_COLUMNS, "outcome", "item", "answer", "support", "by")

Group = dict[str, Any]  # lines, answers, judgements, support, by


def import_appraisals(
    store: Store, path: str | Path, reviewer: str, tool: RobTool | str = "rob2"
) -> int:
    """Import one reviewer's appraisals from a CSV file, all or nothing.

    Parameters
    ----------
    store : Store
        The open ``review.db``.
    path : str or pathlib.Path
        The CSV file (UTF-8), one row per signalling question answered (or
        domain judged), see the module notes.
    reviewer : str
        Who appraised (not ``"consensus"``: see :func:`import_rob_consensus`).
    tool : RobTool or str, default "rob2"
        The tool.

    Returns
    -------
    int
        The number of results (study and outcome) appraised.

    Raises
    ------
    InputError
        Listing every problem with the file and line: an unknown column,
        study or item; a domain answered incompletely, an answer not allowed;
        a judgement that overrides the algorithm without a support text.
        Nothing is written then.

    """
    from .rob import record_appraisal

    tool = as_tool(tool)

    def write(rid: int, outcome: str, group: Group) -> None:
        record_appraisal(
            store,
            rid,
            reviewer,
            tool,
            answers=group["answers"],
            judgements=group["judgements"],
            outcome_id=outcome,
            support=group["support"] or None,
        )

    return _import(store, Path(path), tool, write, consensus=False)


def import_rob_consensus(
    store: Store, path: str | Path, tool: RobTool | str, by: str
) -> int:
    """Import the agreed judgements of a CSV file, all or nothing.

    Parameters
    ----------
    store : Store
        The open ``review.db``.
    path : str or pathlib.Path
        The CSV file: one row per domain (and optionally ``overall``) of each
        study, the ``answer`` (or ``judgement``) column holding the agreed
        judgement; a ``by`` column, where filled, overrides ``by``.
    tool : RobTool or str
        The tool.
    by : str
        Who reached the consensus (stored with each judgement).

    Returns
    -------
    int
        The number of results (study and outcome) with a consensus stored.

    """
    from .rob import record_consensus

    tool = as_tool(tool)

    def write(rid: int, outcome: str, group: Group) -> None:
        if group["answers"]:
            raise InputError(
                "a consensus is of domain judgements, not of signalling questions "
                f"({', '.join(group['answers'])})"
            )
        record_consensus(
            store,
            rid,
            tool,
            group["judgements"],
            by=group["by"] or by,
            outcome_id=outcome,
        )

    return _import(store, Path(path), tool, write, consensus=True)


def _import(
    store: Store,
    path: Path,
    tool: RobTool,
    write: Callable[[int, str, Group], None],
    *,
    consensus: bool,
) -> int:
    header, rows = _read(path)
    problems: list[str] = []
    unknown = [h for h in header if h not in COLUMNS]
    missing = [c for c in ("item", "answer") if c not in header]
    if not any(c in header for c in STUDY_COLUMNS):
        missing.append(" or ".join(STUDY_COLUMNS))
    if unknown or missing:
        what = [f"unknown column(s) {', '.join(unknown)}"] if unknown else []
        what += [f"missing column(s) {', '.join(missing)}"] if missing else []
        raise InputError(
            f"{path}, line 1: {'; '.join(what)}; the columns are "
            f"{', '.join(COLUMNS)} (question or domain for item, judgement for "
            "answer); nothing was imported"
        )
    finder = _StudyFinder(store)
    questions = {q.id for d in tool.domains for q in d.questions}
    groups: dict[tuple[int, str], Group] = {}
    for line, cells in rows:
        rid, error = finder.find(cells)
        item, answer = cells.get("item", ""), cells.get("answer", "")
        if error:
            problems.append(f"{path}, line {line}: {error}")
        if not item or not answer:
            problems.append(
                f"{path}, line {line}: item and answer are both needed; got "
                f"{item!r} and {answer!r}"
            )
            continue
        if rid is None:
            continue
        group = groups.setdefault(
            (rid, cells.get("outcome", "")),
            {"lines": [], "answers": {}, "judgements": {}, "support": {}, "by": ""},
        )
        group["lines"].append(line)
        if item in questions:
            key, target = item, group["answers"]
        elif item.strip().lower() == OVERALL:
            key, target = OVERALL, group["judgements"]
        else:
            try:
                key, target = tool.domain(item).id, group["judgements"]
            except InputError as exc:
                problems.append(f"{path}, line {line}, column item: {exc}")
                continue
        if key in target:
            problems.append(f"{path}, line {line}: item {item} is given twice")
            continue
        target[key] = answer.upper() if target is group["answers"] else answer
        if cells.get("support"):
            group["support"][key] = cells["support"]
        if consensus and cells.get("by"):
            group["by"] = cells["by"]
    raise_problems(f"{path}: appraisals", problems)
    with store.transaction():
        for (rid, outcome), group in groups.items():
            try:
                write(rid, outcome, group)
            except InputError as exc:
                problems.append(f"{path}, {_where(finder, rid, outcome, group)}: {exc}")
        # inside: the transaction rolls back
        raise_problems(f"{path}: appraisals", problems)
    return len(groups)


def _where(finder: _StudyFinder, rid: int, outcome: str, group: Group) -> str:
    lines = group["lines"]
    where = f"line {lines[0]}" if len(lines) == 1 else f"lines {lines[0]}-{lines[-1]}"
    what = f"study {finder.labels.get(rid, f'record {rid}')!r}"
    return f"{where} ({what}{f', outcome {outcome!r}' if outcome else ''})"


def _read(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    table = read_csv(path)
    if not table:
        raise InputError(f"{path}: the file is empty")
    header = [ALIASES.get(h.strip(), h.strip()) for h in table[0]]
    rows = []
    for line, values in enumerate(table[1:], start=2):
        if not any(v.strip() for v in values):
            continue
        cells = dict(zip(header, (v.strip() for v in values), strict=False))
        rows.append((line, cells))
    return header, rows


class _StudyFinder:
    """Find a row's record: by record_id, else normalised DOI, else study label.

    A DOI names its duplicate cluster, whose first record is the one appraised;
    labels are those of the extraction templates (unique over the review).
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.labels = study_labels(store, [])
        self.by_label = {label: rid for rid, label in self.labels.items()}
        self.by_doi: dict[str, set[int]] = {}
        rows = store.conn.execute(
            "SELECT r.id, coalesce(d.duplicate_of, r.id), r.doi FROM records AS r"
            " LEFT JOIN current_duplicates AS d ON d.record_id = r.id"
        ).fetchall()
        self.ids = {int(r) for r, _, _ in rows}
        for _, cluster, doi in rows:
            if key := normalise_doi(doi):
                self.by_doi.setdefault(key, set()).add(int(cluster))

    def find(self, cells: dict[str, str]) -> tuple[int | None, str | None]:
        rid, doi, label = (cells.get(c, "") for c in STUDY_COLUMNS)
        if rid:
            if not rid.isdigit() or int(rid) not in self.ids:
                return None, f"record_id {rid!r} is not a record of this review"
            return int(rid), None
        if doi:
            found = self.by_doi.get(normalise_doi(doi), set())
            if len(found) == 1:
                return next(iter(found)), None
            if len(found) > 1:
                return None, f"doi {doi!r} matches records {sorted(found)}"
            if not label:
                return None, f"no record of this review has doi {doi!r}"
        if label:
            if label in self.by_label:
                return self.by_label[label], None
            return None, (
                f"study {label!r} is not a study of this review (labels are "
                "'FirstAuthor Year', as in the extraction templates)"
            )
        return None, "record_id, doi and study are blank: say which study"
