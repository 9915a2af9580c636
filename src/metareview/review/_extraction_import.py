"""Read a filled extraction template (CSV or XLSX) and check every row.

Nothing is written until every row of every sheet passes; a problem names the
file, the sheet, the row (as the spreadsheet numbers it, the header being row 1)
and the column. Blank rows, and outcome rows with no values, are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from zipfile import BadZipFile

from .._files import read_csv
from .._validate import ImportFormatError, InputError
from ._extraction_fields import (
    CONTROL,
    KEY_COLUMNS,
    OUTCOME_FIELDS,
    FieldSpec,
    characteristic_specs,
    check_outcome_values,
    clean_value,
    parse_number,
)
from ._extraction_template import (
    CHARACTERISTICS_SHEET,
    OUTCOMES_SHEET,
    template_paths,
)
from .protocol import Protocol

MAX_LISTED = 25  # problems listed in one error
Cells = dict[str, object]
#: (record_id, outcome_id, arm, timepoint) -> {field: stored text}
#: (None: the cell is blank, which clears an earlier value)
Values = dict[tuple[int, str, str, str], dict[str, str | None]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Sheet:
    """The rows of one sheet: ``(spreadsheet row number, {column: cell})``."""

    file: Path
    name: str
    header: list[str]
    rows: list[tuple[int, Cells]] = field(default_factory=list)


def read_sheets(path: Path) -> list[Sheet]:
    """Read the sheets of a template: an XLSX file, one CSV, or a CSV pair's stem."""
    if not path.suffix:
        path = path.with_suffix(".csv")
    if path.suffix.lower() == ".xlsx":
        return _read_xlsx(path)
    if path.suffix.lower() != ".csv":
        raise InputError(f"{path}: an extraction file is .xlsx or .csv")
    if path.exists():
        return [_read_csv(path)]
    pair = [p for p in template_paths(path) if p.exists()]
    if not pair:
        pair_names = " or ".join(map(str, template_paths(path)))
        raise InputError(f"{path} does not exist, nor do {pair_names}")
    return [_read_csv(p) for p in pair]


def _read_csv(path: Path) -> Sheet:
    table = read_csv(path)
    if not table:
        raise ImportFormatError(f"{path}: the file is empty")
    header = [h.strip() for h in table[0]]
    outcome_sheet = "arm" in header or "outcome" in header
    name = OUTCOMES_SHEET if outcome_sheet else CHARACTERISTICS_SHEET
    rows: list[tuple[int, Cells]] = [
        (i, dict(zip(header, r, strict=False))) for i, r in enumerate(table[1:], 2)
    ]
    return Sheet(file=path, name=name, header=header, rows=rows)


def _read_xlsx(path: Path) -> list[Sheet]:
    from openpyxl import load_workbook  # type: ignore[import-untyped]
    from openpyxl.utils.exceptions import (  # type: ignore[import-untyped]
        InvalidFileException,
    )

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError, BadZipFile, InvalidFileException) as exc:
        raise ImportFormatError(f"{path}: cannot be read as XLSX ({exc})") from None
    try:
        found = [
            n for n in (CHARACTERISTICS_SHEET, OUTCOMES_SHEET) if n in wb.sheetnames
        ]
        if not found:
            raise ImportFormatError(
                f"{path}: has no sheet {CHARACTERISTICS_SHEET!r} or {OUTCOMES_SHEET!r}"
                f" (sheets: {', '.join(wb.sheetnames)})"
            )
        sheets = []
        for name in found:
            table = list(wb[name].iter_rows(values_only=True)) or [()]
            header = [str(h).strip() if h is not None else "" for h in table[0]]
            rows = [
                (i, dict(zip(header, r, strict=False)))
                for i, r in enumerate(table[1:], 2)
            ]
            sheets.append(Sheet(file=path, name=name, header=header, rows=rows))
        return sheets
    finally:
        wb.close()


@dataclass
class Checker:
    """Collects the problems of all rows, then raises them together."""

    protocol: Protocol
    studies: dict[int, str]  # record_id -> label
    problems: list[str] = field(default_factory=list)
    records: dict[str, int] = field(init=False)  # label -> record_id

    def __post_init__(self) -> None:
        self.records = {label: rid for rid, label in self.studies.items()}

    def add(self, sheet: Sheet, row: int | None, column: str, message: str) -> None:
        where = f"{sheet.file}, sheet {sheet.name}"
        where += f", row {row}" if row is not None else ""
        self.problems.append(f"{where}, column {column}: {message}")

    def raise_any(self) -> None:
        raise_problems("extraction", self.problems)


def raise_problems(what: str, problems: list[str]) -> None:
    """Raise one :class:`InputError` listing the problems, if there are any.

    The message opens with ``"{what} not imported (n problems; nothing was
    written):"`` and lists the first :data:`MAX_LISTED`, one a line.
    """
    if not problems:
        return
    n = len(problems)
    listed = problems[:MAX_LISTED]
    more = [f"... and {n - MAX_LISTED} more"] if n > MAX_LISTED else []
    raise InputError(
        "\n".join(
            [
                f"{what} not imported ({n} problem{'s' * (n != 1)}; nothing "
                "was written):",
                *listed,
                *more,
            ]
        )
    )


def check_sheets(sheets: list[Sheet], checker: Checker) -> Values:
    """Check every row; return the values to store (raises listing all problems)."""
    values: Values = {}
    for sheet in sheets:
        specs = _specs(sheet, checker)
        if sheet.name == OUTCOMES_SHEET:
            _outcome_rows(sheet, specs, checker, values)
        else:
            _characteristic_rows(sheet, specs, checker, values)
    checker.raise_any()
    return values


def _specs(sheet: Sheet, checker: Checker) -> dict[str, FieldSpec]:
    value_specs = (
        OUTCOME_FIELDS
        if sheet.name == OUTCOMES_SHEET
        else characteristic_specs(checker.protocol)
    )
    keys = KEY_COLUMNS if sheet.name == OUTCOMES_SHEET else KEY_COLUMNS[:2]
    known = {s.name for s in keys}
    specs = {s.name: s for s in value_specs}
    for col in sheet.header:
        if col and col not in known and col not in specs:
            checker.add(
                sheet,
                None,
                col,
                f"unknown column; allowed: {', '.join([*known, *specs])}",
            )
    needed = ["outcome", "timepoint", "arm"] if sheet.name == OUTCOMES_SHEET else []
    if "record_id" not in sheet.header and "study" not in sheet.header:
        needed.append("record_id")
    for col in needed:
        if col not in sheet.header:
            checker.add(sheet, None, col, "is missing from the header")
    return specs


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _study(sheet: Sheet, row: int, cells: Cells, checker: Checker) -> int | None:
    rid, label = cells.get("record_id"), cells.get("study")
    if _blank(rid):
        if not _blank(label) and str(label).strip() in checker.records:
            return checker.records[str(label).strip()]
        checker.add(
            sheet,
            row,
            "study" if not _blank(label) else "record_id",
            f"unknown study {label!r}: give the record_id of an included study"
            if not _blank(label)
            else "is required",
        )
        return None
    try:
        number = parse_number(rid)
    except ValueError as exc:
        checker.add(sheet, row, "record_id", str(exc))
        return None
    if number is None or not number.is_integer() or int(number) not in checker.studies:
        checker.add(
            sheet, row, "record_id", f"{rid!r} is not an included study of this review"
        )
        return None
    return int(number)


def _clean(
    sheet: Sheet, row: int, cells: Cells, specs: dict[str, FieldSpec], checker: Checker
) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name, spec in specs.items():
        if name not in cells:
            continue
        try:
            out[name] = clean_value(spec, cells[name])
        except ValueError as exc:
            checker.add(sheet, row, name, str(exc))
    return out


def _characteristic_rows(
    sheet: Sheet, specs: dict[str, FieldSpec], checker: Checker, values: Values
) -> None:
    seen: dict[int, int] = {}
    for row, cells in sheet.rows:
        if all(_blank(v) for k, v in cells.items() if k in specs):
            continue  # a pre-filled row left empty
        rid = _study(sheet, row, cells, checker)
        clean = _clean(sheet, row, cells, specs, checker)
        if rid is None:
            continue
        if rid in seen:
            checker.add(
                sheet, row, "record_id", f"study {rid} is on row {seen[rid]} already"
            )
            continue
        seen[rid] = row
        values[(rid, "", "", "")] = clean


def _outcome_rows(
    sheet: Sheet, specs: dict[str, FieldSpec], checker: Checker, values: Values
) -> None:
    seen: dict[tuple[int, str, str, str], int] = {}
    outcomes = {o.id: o for o in checker.protocol.outcomes}
    arms = {CONTROL, *(c.id for c in checker.protocol.interventions)}
    for row, cells in sheet.rows:
        data = {k: v for k, v in cells.items() if k in specs and not _blank(v)}
        if not data:
            continue  # a pre-filled row left empty
        rid = _study(sheet, row, cells, checker)
        clean = _clean(sheet, row, cells, specs, checker)
        outcome = str(cells.get("outcome") or "").strip()
        timepoint = " ".join(str(cells.get("timepoint") or "").split())
        arm = str(cells.get("arm") or "").strip()
        if outcome not in outcomes:
            checker.add(
                sheet,
                row,
                "outcome",
                f"must be one of {', '.join(map(repr, outcomes))}; got {outcome!r}",
            )
        elif timepoint not in outcomes[outcome].timepoints:
            allowed = ", ".join(map(repr, outcomes[outcome].timepoints))
            checker.add(
                sheet,
                row,
                "timepoint",
                f"must be a time point of {outcome} ({allowed}); got {timepoint!r}",
            )
        if arm.split(":", 1)[0].strip() not in arms:
            checker.add(
                sheet,
                row,
                "arm",
                f"must be {CONTROL!r} or an intervention "
                f"category ({', '.join(sorted(arms - {CONTROL}))}), "
                f"optionally with ':label'; got {arm!r}",
            )
        arm = ":".join(part.strip() for part in arm.split(":", 1))
        parsed: dict[str, float | str] = {
            k: (float(v) if specs[k].kind in ("number", "integer") else v)
            for k, v in clean.items()
            if v is not None
        }
        is_control = arm.split(":", 1)[0] == CONTROL
        for column, message in check_outcome_values(parsed, is_control):
            checker.add(sheet, row, column, message)
        if rid is None:
            continue
        key = (rid, outcome, arm, timepoint)
        if key in seen:
            checker.add(
                sheet,
                row,
                "arm",
                f"{outcome}, {timepoint}, arm {arm} of "
                f"study {rid} is on row {seen[key]} already",
            )
            continue
        seen[key] = row
        values[key] = clean
