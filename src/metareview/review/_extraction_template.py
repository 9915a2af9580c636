"""Write the extraction template: CSV (two files) or XLSX (sheets, lists, help).

The characteristics sheet has one row per study; the outcomes sheet one row per
study, outcome, time point and arm: a ``control`` row and an intervention row
(named with the study's intervention category when it was extracted already);
reviewers add a row for each further arm.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from .._validate import InputError
from ._extraction_fields import (
    CONTROL,
    KEY_COLUMNS,
    OUTCOME_FIELDS,
    FieldSpec,
    characteristic_specs,
)
from .protocol import Protocol

CHARACTERISTICS_SHEET = "characteristics"
OUTCOMES_SHEET = "outcomes"
INSTRUCTIONS_SHEET = "instructions"
LISTS_SHEET = "lists"
SPARE_ROWS = 500  # rows below the data that keep the drop-down lists


def template_frames(
    protocol: Protocol, studies: pd.DataFrame, categories: dict[int, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the two sheets as frames: characteristics and outcome rows."""
    chars = [s.name for s in characteristic_specs(protocol)]
    first = pd.DataFrame({"record_id": studies["record_id"], "study": studies["study"]})
    for name in chars:
        first[name] = ""
    columns = [s.name for s in KEY_COLUMNS] + [s.name for s in OUTCOME_FIELDS]
    blank = [""] * len(OUTCOME_FIELDS)
    rows: list[list[object]] = []
    for rid, label in zip(studies["record_id"], studies["study"], strict=True):
        for o in protocol.outcomes:
            for tp in o.timepoints:
                for arm in (CONTROL, categories.get(int(rid), "")):
                    rows.append([int(rid), label, o.id, tp, arm, *blank])
    second = pd.DataFrame(rows, columns=columns)
    return first, second


def template_paths(path: Path) -> tuple[Path, Path]:
    """Return the two CSV files of a template written to ``path``."""
    return (
        path.with_name(f"{path.stem}_{CHARACTERISTICS_SHEET}.csv"),
        path.with_name(f"{path.stem}_{OUTCOMES_SHEET}.csv"),
    )


def write_csv(path: Path, first: pd.DataFrame, second: pd.DataFrame) -> list[Path]:
    """Write ``<stem>_characteristics.csv`` and ``<stem>_outcomes.csv``."""
    paths = list(template_paths(path))
    for target, frame in zip(paths, (first, second), strict=True):
        with target.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(frame.columns)
            writer.writerows(frame.itertuples(index=False))
    return paths


def instructions(protocol: Protocol) -> list[tuple[str, str, str, str, str]]:
    """(sheet, column, unit, allowed values, description) of every column."""
    out = []
    outcome_ids = ", ".join(o.id for o in protocol.outcomes)
    arms = ", ".join([CONTROL, *(c.id for c in protocol.interventions)])
    allowed = {
        "outcome": outcome_ids,
        "arm": arms + " (optionally ':label')",
        "timepoint": "the outcome's time points: "
        + "; ".join(f"{o.id}: {', '.join(o.timepoints)}" for o in protocol.outcomes),
    }
    keys = KEY_COLUMNS[:2]
    for spec in (*keys, *characteristic_specs(protocol)):
        out.append((CHARACTERISTICS_SHEET, *_describe(spec, allowed)))
    for spec in (*KEY_COLUMNS, *OUTCOME_FIELDS):
        out.append((OUTCOMES_SHEET, *_describe(spec, allowed)))
    return out


def _describe(spec: FieldSpec, allowed: dict[str, str]) -> tuple[str, str, str, str]:
    if spec.name in allowed:
        values = allowed[spec.name]
    elif spec.choices:
        values = ", ".join(spec.choices)
    else:
        values = {"integer": "whole number", "number": "number"}.get(spec.kind, "text")
    return spec.name, spec.unit, values, spec.description


def write_xlsx(
    path: Path, protocol: Protocol, first: pd.DataFrame, second: pd.DataFrame
) -> list[Path]:
    """Write one workbook: the two sheets, instructions and drop-down lists."""
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.styles import Font  # type: ignore[import-untyped]
    from openpyxl.worksheet.datavalidation import (  # type: ignore[import-untyped]
        DataValidation,
    )

    wb = Workbook()
    lists = _lists(protocol)
    sheets = []
    for title, frame in ((CHARACTERISTICS_SHEET, first), (OUTCOMES_SHEET, second)):
        ws = wb.create_sheet(title)
        ws.append(list(frame.columns))
        for cells in frame.itertuples(index=False, name=None):
            ws.append([None if v == "" else v for v in cells])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "C2" if title == CHARACTERISTICS_SHEET else "F2"
        sheets.append(ws)
    del wb[wb.sheetnames[0]]
    help_ws = wb.create_sheet(INSTRUCTIONS_SHEET)
    help_ws.append(["sheet", "column", "unit", "allowed values", "description"])
    for cell in help_ws[1]:
        cell.font = Font(bold=True)
    for row in instructions(protocol):
        help_ws.append(list(row))
    list_ws = wb.create_sheet(LISTS_SHEET)
    list_ws.sheet_state = "hidden"
    ranges = {}
    for j, (name, values) in enumerate(lists.items(), start=1):
        letter = list_ws.cell(row=1, column=j).column_letter
        list_ws.cell(row=1, column=j, value=name)
        for i, v in enumerate(values, start=2):
            list_ws.cell(row=i, column=j, value=v)
        ranges[name] = f"{LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}"
    for ws, frame in zip(sheets, (first, second), strict=True):
        last = len(frame) + 1 + SPARE_ROWS
        for j, column in enumerate(frame.columns, start=1):
            key = f"{ws.title}.{column}"
            if key not in ranges:
                continue
            dv = DataValidation(type="list", formula1=ranges[key], allow_blank=True)
            if column == "arm":  # 'category:label' is allowed too: warn only
                dv.errorStyle = "warning"
            dv.error = f"Choose a value from the list ({INSTRUCTIONS_SHEET} sheet)"
            letter = ws.cell(row=1, column=j).column_letter
            dv.add(f"{letter}2:{letter}{last}")
            ws.add_data_validation(dv)
    try:
        wb.save(path)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc}") from None
    return [path]


def _lists(protocol: Protocol) -> dict[str, list[str]]:
    out = {
        f"{CHARACTERISTICS_SHEET}.{s.name}": list(s.choices)
        for s in characteristic_specs(protocol)
        if s.choices
    }
    out[f"{OUTCOMES_SHEET}.outcome"] = [o.id for o in protocol.outcomes]
    out[f"{OUTCOMES_SHEET}.timepoint"] = list(
        dict.fromkeys(t for o in protocol.outcomes for t in o.timepoints)
    )
    out[f"{OUTCOMES_SHEET}.arm"] = [CONTROL, *(c.id for c in protocol.interventions)]
    for spec in OUTCOME_FIELDS:
        if spec.choices:
            out[f"{OUTCOMES_SHEET}.{spec.name}"] = list(spec.choices)
    return out
