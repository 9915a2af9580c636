"""Extraction forms: the rows a study's form shows, and the form read back.

A form is the extraction template of one study (:mod:`metareview.review.
_extraction_fields`): the protocol's characteristics, then one row per
outcome, time point and arm. What a reviewer posts is turned into the same
in-memory sheets a CSV import reads and checked by the same
:func:`~metareview.review._extraction_import.check_sheets`, so a value the
CSV import refuses is refused here too, with the same message.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._validate import InputError, MetareviewError
from ..review._extraction_arms import Where, continuous_arm
from ..review._extraction_fields import (
    CONTROL,
    FIELDS,
    OUTCOME_FIELDS,
    characteristic_specs,
    check_outcome_values,
    clean_value,
    number_text,
)
from ..review._extraction_import import Checker, Sheet, check_sheets
from ..review._extraction_template import CHARACTERISTICS_SHEET, OUTCOMES_SHEET
from ..review._extraction_values import current_rows
from ..review.protocol import Protocol
from ..review.store import Store

__all__ = [
    "FORMS",
    "FormChecker",
    "FormRow",
    "form_rows",
    "preview",
    "read_form",
    "reviewer_values",
]

#: Where problems of a web form are said to be (in place of a file name).
FORM = Path("the form")

#: What a paper may report for an arm, and the fields each shows. ``n``,
#: ``source`` and ``note`` are always shown, cluster fields in their own part.
FORMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "events": ("Events out of n", ("events",)),
    "mean_sd": ("Mean and SD", ("mean", "sd")),
    "mean_se": ("Mean and SE", ("mean", "se")),
    "mean_ci": ("Mean and CI", ("mean", "ci_lb", "ci_ub", "ci_level")),
    "median_iqr": ("Median and quartiles", ("median", "q1", "q3")),
    "median_range": ("Median and range", ("median", "min", "max")),
    "change": ("Change from baseline", ("change_mean", "change_sd")),
    "test": ("Means and t, F or P against control", ("mean", "t", "F", "p")),
    "effect": (
        "Adjusted effect against control",
        ("effect", "effect_ci_lb", "effect_ci_ub", "effect_measure"),
    ),
}
#: Fields on every arm row, whatever the paper reports.
ALWAYS = ("n", "source", "note")


@dataclass(frozen=True, slots=True, kw_only=True)
class FormRow:
    """One outcome row of the form: which outcome, time point and arm."""

    index: int
    outcome: str
    outcome_name: str
    binary: bool
    timepoint: str
    arm: str
    values: Mapping[str, str]

    @property
    def form(self) -> str:
        """The reported form to show first: the one the values fit best."""
        if self.binary:
            return "events"
        given = {k for k, v in self.values.items() if v}
        best, hits = "mean_sd", 0
        for key, (_, names) in FORMS.items():
            n = len(given & set(names) - {"mean"})
            if key != "events" and n > hits:
                best, hits = key, n
        return best

    @property
    def forms(self) -> list[tuple[str, str]]:
        """The reported forms offered for the row (key, label)."""
        if self.binary:
            keys = ["events", "effect"]
        else:
            keys = [k for k in FORMS if k != "events"]
        if self.arm.split(":", 1)[0] == CONTROL:
            keys = [k for k in keys if k not in ("test", "effect")]
        return [(k, FORMS[k][0]) for k in keys]


def reviewer_values(
    store: Store, reviewer: str, record_id: int
) -> dict[tuple[str, str, str], dict[str, str]]:
    """Return the reviewer's own current values of a study (nobody else's).

    Keyed by ``(outcome, timepoint, arm)``; ``("", "", "")`` holds the
    characteristics.
    """
    out: dict[tuple[str, str, str], dict[str, str]] = {}
    for rid, who, outcome, arm, tp, name, value in current_rows(store):
        if rid == record_id and who == reviewer and value is not None:
            out.setdefault((outcome, tp, arm), {})[name] = value
    return out


def form_rows(
    protocol: Protocol,
    mine: dict[tuple[str, str, str], dict[str, str]],
    more: tuple[str, ...] = (),
) -> list[FormRow]:
    """Return the outcome rows of a study's form.

    Arms are ``control`` and the study's intervention category (the
    reviewer's ``intervention_category``), any arm the reviewer entered values
    for, and the arms in ``more`` (a multi-arm trial). Without a category
    there are no rows: the reviewer chooses it first.
    """
    chars = mine.get(("", "", ""), {})
    categories = [c.id for c in protocol.interventions]
    chosen = chars.get("intervention_category")
    arms = [CONTROL, chosen] if chosen in categories else []
    arms += [a for a in more if a.split(":", 1)[0] in categories]
    rows: list[FormRow] = []
    for o in protocol.outcomes:
        for tp in o.timepoints:
            extra = [a for (oid, t, a) in mine if oid == o.id and t == tp]
            for arm in dict.fromkeys([*arms, *extra]):
                rows.append(
                    FormRow(
                        index=len(rows),
                        outcome=o.id,
                        outcome_name=o.name,
                        binary=o.type == "binary",
                        timepoint=tp,
                        arm=arm,
                        values=mine.get((o.id, tp, arm), {}),
                    )
                )
    return rows


#: The row number of the form's first outcome row, as in a template sheet
#: (row 1 is the header).
FIRST_ROW = 2


@dataclass
class FormChecker(Checker):
    """A :class:`Checker` that also keeps each problem's row and column."""

    at: dict[tuple[int | None, str], str] = field(default_factory=dict)
    loose: list[str] = field(default_factory=list)  # problems of no row

    def add(self, sheet: Sheet, row: int | None, column: str, message: str) -> None:
        """Keep the problem for the field it is about, and in the list."""
        key = (row if sheet.name == OUTCOMES_SHEET else 0, column)
        self.at.setdefault(key, message)
        super().add(sheet, row, column, message)
        if row is None:
            self.loose.append(self.problems[-1])


Values = dict[tuple[int, str, str, str], dict[str, str | None]]


def read_form(
    protocol: Protocol,
    record_id: int,
    label: str,
    form: Mapping[str, Any],
) -> tuple[Values, FormChecker, dict[str, dict[str, str]]]:
    """Check a posted form as the CSV import checks a template.

    Returns the values to store (a row left blank clears its values), the
    checker (``problems`` empty when every value passed; ``at`` maps
    ``(row index + FIRST_ROW, column)`` to a message, row 0 being the
    characteristics)
    and what was posted, by row, to show again when there are problems.
    """
    specs = characteristic_specs(protocol)
    cells: dict[str, object] = {"record_id": record_id}
    posted: dict[str, dict[str, str]] = {"c": {}}
    for s in specs:
        text = str(form.get(f"c_{s.name}", ""))
        cells[s.name] = text
        posted["c"][s.name] = text
    chars = Sheet(
        file=FORM,
        name=CHARACTERISTICS_SHEET,
        header=["record_id", *(s.name for s in specs)],
        rows=[(1, cells)],
    )
    names = [s.name for s in OUTCOME_FIELDS]
    outcome_rows: list[tuple[int, dict[str, object]]] = []
    blank: list[tuple[str, str, str]] = []
    i = 0
    while f"r{i}_outcome" in form:
        row: dict[str, object] = {"record_id": record_id}
        for key in ("outcome", "timepoint", "arm"):
            row[key] = str(form.get(f"r{i}_{key}", ""))
        values = {n: str(form.get(f"r{i}_{n}", "")) for n in names}
        row.update(values)
        posted[str(i)] = values
        if not any(v.strip() for v in values.values()):
            blank.append((str(row["outcome"]), str(row["timepoint"]), str(row["arm"])))
        outcome_rows.append((i + FIRST_ROW, row))
        i += 1
    sheet = Sheet(
        file=FORM,
        name=OUTCOMES_SHEET,
        header=["record_id", "outcome", "timepoint", "arm", *names],
        rows=outcome_rows,
    )
    checker = FormChecker(protocol, {record_id: label})
    try:
        values_out = check_sheets([chars, sheet], checker)
    except InputError:
        return {}, checker, posted
    for outcome, tp, arm in blank:
        values_out[(record_id, outcome, arm, tp)] = dict.fromkeys(names)
    values_out.setdefault(
        (record_id, "", "", ""), dict.fromkeys(s.name for s in specs)
    )  # every characteristic left blank: clear them
    return values_out, checker, posted


def preview(binary: bool, arm: str, fields: Mapping[str, str]) -> dict[str, Any]:
    """Return what the analysis will take from one arm's reported values.

    Each value is checked as the import checks it; the mean and SD of a
    continuous arm are derived as :func:`metareview.review.extraction.arm_data`
    derives them (:mod:`metareview.effects.convert`: SD from SE or CI, mean and
    SD from the median, change scores), with the method of each conversion.
    """
    problems: list[str] = []
    clean: dict[str, str] = {}
    parsed: dict[str, float | str] = {}
    for name, raw in fields.items():
        spec = FIELDS.get(name)
        if spec is None:
            continue
        try:
            text = clean_value(spec, raw)
        except ValueError as exc:
            problems.append(f"{name} {exc}")
            continue
        if text is not None:
            clean[name] = text
            kind = spec.kind
            parsed[name] = float(text) if kind in ("number", "integer") else text
    is_control = arm.split(":", 1)[0] == CONTROL
    problems += [f"{c} {m}" for c, m in check_outcome_values(parsed, is_control)]
    out: dict[str, Any] = {"problems": problems, "notes": [], "warnings": []}
    if problems:
        return out
    if binary:
        out["n"] = parsed.get("n")
        out["events"] = parsed.get("events")
        return out
    where = Where(study="this study", outcome="", timepoint="")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            got = continuous_arm(arm, clean, where)
        except MetareviewError as exc:
            out["problems"] = [str(exc)]
            return out
    out["warnings"] = [str(w.message) for w in caught]
    out["n"] = None if math.isnan(got.n) else got.n
    out["mean"] = None if math.isnan(got.mean) else got.mean
    out["sd"] = None if math.isnan(got.sd) else got.sd
    out["notes"] = [n.split(": ", 1)[1] for n in got.notes]
    out["text"] = (
        f"mean {number_text(round(got.mean, 4))}, SD {number_text(round(got.sd, 4))}"
        if out["mean"] is not None and out["sd"] is not None
        else ""
    )
    return out
