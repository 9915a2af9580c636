"""The columns of the extraction templates, and the checks of one row of values.

Study characteristics come from the protocol (``[extraction].characteristics``);
outcome rows have the fixed columns of :data:`OUTCOME_FIELDS`, one row per study,
outcome, time point and arm. Values are kept as text in ``review.db``; numbers
are written in a canonical form (:func:`number_text`) and compared as numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .protocol import Characteristic, Protocol

CONTROL = "control"
#: The reviewer name under which consensus values are stored.
CONSENSUS = "consensus"
#: Prefix of the companion field that names who decided a consensus value.
DECIDED_BY = "_decided_by:"

#: Effect measures an adjusted effect may be reported in.
EFFECT_MEASURES = ("OR", "RR", "RD", "MD", "SMD")
#: Effect measures reported as ratios (entered as ratios, analysed as logs).
RATIO_MEASURES = ("OR", "RR")


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldSpec:
    """One column of a template: its type, unit and what it holds."""

    name: str
    kind: str  # "integer", "number", "text" or "choice"
    unit: str
    description: str
    choices: tuple[str, ...] = ()


def _f(
    name: str, kind: str, unit: str, description: str, choices: tuple[str, ...] = ()
) -> FieldSpec:
    return FieldSpec(
        name=name, kind=kind, unit=unit, description=description, choices=choices
    )


#: The columns that say which study, outcome, time point and arm a row is.
KEY_COLUMNS: tuple[FieldSpec, ...] = (
    _f("record_id", "integer", "", "the study's record id in review.db (do not edit)"),
    _f("study", "text", "", "the study's label, first author and year"),
    _f("outcome", "choice", "", "an outcome id of the protocol"),
    _f("timepoint", "choice", "", "one of the outcome's time points"),
    _f(
        "arm",
        "text",
        "",
        "'control', or the intervention category id of the arm; several arms of "
        "one category are told apart after a colon, e.g. 'mcii:high dose'",
    ),
)

#: The value columns of the outcome sheet, in order.
OUTCOME_FIELDS: tuple[FieldSpec, ...] = (
    _f("n", "integer", "participants", "participants analysed in the arm"),
    _f("events", "integer", "participants", "participants with the event (binary)"),
    _f("mean", "number", "scale units", "mean at the time point"),
    _f("sd", "number", "scale units", "standard deviation"),
    _f("se", "number", "scale units", "standard error of the mean"),
    _f("ci_lb", "number", "scale units", "lower limit of the CI of the mean"),
    _f("ci_ub", "number", "scale units", "upper limit of the CI of the mean"),
    _f(
        "ci_level",
        "number",
        "fraction",
        "confidence level of the CIs of this row, e.g. 0.95 (the default)",
    ),
    _f("median", "number", "scale units", "median"),
    _f("q1", "number", "scale units", "first quartile (25th percentile)"),
    _f("q3", "number", "scale units", "third quartile (75th percentile)"),
    _f("min", "number", "scale units", "minimum"),
    _f("max", "number", "scale units", "maximum"),
    _f("change_mean", "number", "scale units", "mean change from baseline"),
    _f("change_sd", "number", "scale units", "SD of the change from baseline"),
    _f(
        "t",
        "number",
        "",
        "t statistic of this arm against control (intervention rows; positive "
        "when the arm's mean is higher)",
    ),
    _f("F", "number", "", "F statistic (1 numerator df) of this arm against control"),
    _f(
        "p",
        "number",
        "probability",
        "two-sided P value of this arm against control, a number in (0, 1)",
    ),
    _f(
        "effect",
        "number",
        "as effect_measure",
        "adjusted effect of this arm against control (ratios as ratios, not logs)",
    ),
    _f("effect_ci_lb", "number", "as effect_measure", "lower limit of its CI"),
    _f("effect_ci_ub", "number", "as effect_measure", "upper limit of its CI"),
    _f("effect_measure", "choice", "", "the measure of effect", EFFECT_MEASURES),
    _f("clusters", "integer", "clusters", "clusters randomised to the arm"),
    _f("mean_cluster_size", "number", "participants", "mean participants per cluster"),
    _f("icc", "number", "fraction", "intracluster correlation coefficient, 0 to 1"),
    _f("source", "text", "", "where in the report: page, table or figure"),
    _f("note", "text", "", "anything the next reader should know"),
)
FIELDS = {s.name: s for s in OUTCOME_FIELDS}
#: Fields about a comparison with control, entered on an intervention arm's row.
COMPARISON_FIELDS = (
    "t",
    "F",
    "p",
    "effect",
    "effect_ci_lb",
    "effect_ci_ub",
    "effect_measure",
)
#: Free-text fields: reviewers may word them differently, so they are not compared.
FREE_TEXT = ("source", "note")


def characteristic_specs(protocol: Protocol) -> tuple[FieldSpec, ...]:
    """Return the protocol's characteristics as template columns."""
    ids = tuple(c.id for c in protocol.interventions)
    return tuple(
        _characteristic_spec(c, ids) for c in protocol.extraction.characteristics
    )


def _characteristic_spec(
    c: Characteristic, interventions: tuple[str, ...]
) -> FieldSpec:
    choices = tuple(c.choices) or (interventions if c.type == "choice" else ())
    return FieldSpec(
        name=c.id, kind=c.type, unit="", description=c.label, choices=choices
    )


def parse_number(value: object) -> float | None:
    """Return a cell as a float (``None`` when blank); raise ValueError if not one.

    Examples
    --------
    >>> parse_number(" 1.50 "), parse_number(""), parse_number(3)
    (1.5, None, 3.0)

    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"must be a number; got {value!r}")
    if isinstance(value, int | float):
        out = float(value)
    else:
        text = str(value).strip().replace("\u2212", "-")
        try:
            out = float(text)
        except ValueError:
            hint = (
                " (an inequality cannot be analysed: enter the exact value, or "
                "leave it blank and explain in note)"
                if text[:1] in "<>≤≥"
                else ""
            )
            raise ValueError(f"must be a number; got {text!r}{hint}") from None
    if not math.isfinite(out):
        raise ValueError(f"must be a finite number; got {value!r}")
    return out


def number_text(x: float) -> str:
    """Write a number canonically: whole numbers without ``.0``, else ``repr``.

    Examples
    --------
    >>> number_text(20.0), number_text(1.5), number_text(-0.25)
    ('20', '1.5', '-0.25')

    """
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def cell_text(value: object) -> str | None:
    """Return a cell as stripped text, ``None`` when blank; numbers canonically."""
    if value is None:
        return None
    if isinstance(value, float | int) and not isinstance(value, bool):
        return number_text(float(value))
    text = " ".join(str(value).split())
    return text or None


def clean_value(spec: FieldSpec, value: object) -> str | None:
    """Return the stored text of a cell for ``spec``; raise ValueError if invalid."""
    if spec.kind in ("number", "integer"):
        x = parse_number(value)
        if x is None:
            return None
        if spec.kind == "integer" and not x.is_integer():
            raise ValueError(f"must be a whole number; got {cell_text(value)!r}")
        return number_text(x)
    text = cell_text(value)
    if text is None or not spec.choices:
        return text
    for option in spec.choices:
        if text.casefold() == option.casefold():
            return option
    allowed = ", ".join(map(repr, spec.choices))
    raise ValueError(f"must be one of {allowed}; got {text!r}")


def same_value(kind: str, a: str | None, b: str | None) -> bool:
    """Whether two stored values agree: numbers as numbers, text ignoring case."""
    if a is None or b is None:
        return a is b
    if kind in ("number", "integer"):
        try:
            return parse_number(a) == parse_number(b)
        except ValueError:
            pass
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def field_kind(outcome_id: str, field: str) -> str:
    """Return the kind of a stored field, for :func:`same_value`.

    Characteristics are compared as numbers when both parse as numbers.
    """
    if outcome_id:
        return FIELDS[field].kind if field in FIELDS else "text"
    return "number"


Problem = tuple[str, str]  # (column, message)


def check_outcome_values(
    values: dict[str, float | str], is_control: bool
) -> list[Problem]:
    """Check one outcome row's values for impossible numbers and misplaced fields.

    ``values`` holds the parsed numbers (and text) of the row's non-blank cells.
    Returns ``(column, message)`` pairs; empty when the row is fine.
    """
    v = {k: x for k, x in values.items() if isinstance(x, float)}
    out: list[Problem] = []

    def need(col: str, ok: bool, rule: str) -> None:
        if col in v and not ok:
            out.append((col, f"must be {rule}; got {number_text(v[col])}"))

    need("n", v.get("n", 1) >= 1, ">= 1")
    for col in ("events", "sd", "se", "change_sd", "F", "clusters"):
        need(col, v.get(col, 0) >= 0, ">= 0")
    need("p", 0 < v.get("p", 0.5) < 1, "between 0 and 1 (exclusive)")
    need("icc", 0 <= v.get("icc", 0) <= 1, "between 0 and 1")
    need("mean_cluster_size", v.get("mean_cluster_size", 1) >= 1, ">= 1")
    level = v.get("ci_level", 0.95)
    if not 0 < level < 1:
        hint = f" (write {level / 100:g} for {level:g}%)" if 1 < level < 100 else ""
        out.append(("ci_level", f"must be a fraction, e.g. 0.95; got {level:g}{hint}"))
    if "events" in v and "n" in v and v["events"] > v["n"]:
        out.append(
            (
                "events",
                f"must not exceed n ({number_text(v['n'])}); "
                f"got {number_text(v['events'])}",
            )
        )
    order = (
        ("min", "q1"),
        ("q1", "median"),
        ("median", "q3"),
        ("q3", "max"),
        ("min", "median"),
        ("median", "max"),
        ("min", "max"),
        ("q1", "q3"),
        ("ci_lb", "mean"),
        ("mean", "ci_ub"),
        ("ci_lb", "ci_ub"),
        ("effect_ci_lb", "effect"),
        ("effect", "effect_ci_ub"),
        ("effect_ci_lb", "effect_ci_ub"),
    )
    for low, high in order:
        if low in v and high in v and v[low] > v[high]:
            out.append(
                (
                    low,
                    f"must not exceed {high} ({number_text(v[high])}); "
                    f"got {number_text(v[low])}",
                )
            )
    if values.get("effect_measure") in RATIO_MEASURES:
        for col in ("effect", "effect_ci_lb", "effect_ci_ub"):
            need(
                col, v.get(col, 1) > 0, "> 0 for a ratio (enter the ratio, not its log)"
            )
    if "effect" in v and "effect_measure" not in values:
        out.append(("effect_measure", "is needed with effect (OR, RR, RD, MD or SMD)"))
    if is_control:
        out += [
            (col, "is about a comparison: enter it on the intervention arm's row")
            for col in COMPARISON_FIELDS
            if col in values
        ]
    return out
