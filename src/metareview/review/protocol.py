"""The review protocol: ``review.toml`` read, validated and typed.

The protocol holds the question (PICO), the databases searched, the eligibility
criteria, the reviewers and how they screen, the outcomes, the intervention
categories and the analysis plan. :func:`load_protocol` reads it with
:mod:`tomllib` and validates it with pydantic; an error names the file, the key
path (``outcomes[2].direction``), the line of ``review.toml`` where that key is,
what is allowed and the value given.
"""

from __future__ import annotations

import re
import tomllib
import typing
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .._validate import InputError

__all__ = [
    "BINARY_MEASURES",
    "CONTINUOUS_MEASURES",
    "DEFAULT_CHARACTERISTICS",
    "Analysis",
    "Characteristic",
    "Database",
    "Eligibility",
    "Extraction",
    "InterventionCategory",
    "Outcome",
    "Protocol",
    "ProtocolError",
    "Question",
    "Reviewer",
    "Screening",
    "TimepointPlan",
    "load_protocol",
    "parse_protocol",
]

#: metafor's measure codes for two-group comparisons of binary outcomes.
BINARY_MEASURES = ("OR", "RR", "RD", "PETO")
#: metafor's measure codes for two-group comparisons of continuous outcomes.
CONTINUOUS_MEASURES = ("MD", "SMD", "SMDH", "ROM")

Text = Annotated[str, Field(min_length=1)]
Ident = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_\-]*$")]


class ProtocolError(InputError):
    """``review.toml`` cannot be read or breaks the protocol's rules.

    Parameters
    ----------
    path : pathlib.Path
        The file that was read.
    problems : sequence of tuple
        ``(key_path, line, message)`` for each problem; ``line`` is 1-based,
        or ``None`` when the key is not in the file (e.g. a missing key).

    """

    def __init__(
        self, path: Path, problems: Sequence[tuple[str, int | None, str]]
    ) -> None:
        self.path = path
        self.problems = list(problems)
        lines = []
        for key, line, message in self.problems:
            where = f"{path}, line {line}" if line is not None else f"{path}"
            lines.append(f"{where}: {key}: {message}" if key else f"{where}: {message}")
        n = len(lines)
        head = f"{path} is not a valid protocol ({n} problem{'s' * (n != 1)}):"
        super().__init__("\n".join([head, *lines]))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Question(_Model):
    """The review question in PICO form (free text)."""

    population: Text
    intervention: Text
    comparator: Text
    outcomes: Text


class Database(_Model):
    """A bibliographic database searched, the platform used and the date(s)."""

    name: Text
    platform: str = ""
    searched: list[date] = Field(min_length=1)

    @field_validator("searched", mode="before")
    @classmethod
    def _one_date_is_a_list(cls, value: object) -> object:
        return [value] if isinstance(value, date | str) else value


class Eligibility(_Model):
    """Inclusion and exclusion criteria, and the reasons for full-text exclusion."""

    inclusion: list[Text] = Field(min_length=1)
    exclusion: list[Text] = Field(default_factory=list)
    fulltext_reasons: list[Text] = Field(default_factory=list)


class Reviewer(_Model):
    """A person who screens, extracts or appraises; the owner manages the review."""

    name: Text
    role: Literal["owner", "reviewer"] = "reviewer"


class Screening(_Model):
    """How many reviewers screen each record, and who resolves conflicts.

    ``reviewers_per_record = 1`` with ``dual_fraction`` set means one reviewer
    screens every record and a second screens a random sample of that fraction;
    ``seed`` makes the sample reproducible (when it is not set, a seed is drawn
    once and kept in ``review.db``). The reviewers named in ``resolved_by``
    resolve conflicts and do not screen. ``keywords_include`` and
    ``keywords_exclude`` are words the screeners highlight.
    """

    reviewers_per_record: Literal[1, 2] = 2
    dual_fraction: float | None = Field(default=None, gt=0.0, lt=1.0)
    seed: int | None = Field(default=None, ge=0)
    resolved_by: list[Text] = Field(default_factory=list)
    keywords_include: list[Text] = Field(default_factory=list)
    keywords_exclude: list[Text] = Field(default_factory=list)


class TimepointPlan(_Model):
    """What differs at one timepoint of an outcome (``[outcomes.at."2 weeks"]``).

    A timepoint can be pooled with another measure than the outcome's (a mean
    difference where every study used the same scale), with its own minimal
    important difference and control risk.
    """

    measure: str | None = None
    mid: float | None = Field(default=None, gt=0)
    control_risk: float | None = Field(default=None, gt=0, lt=1)


class Outcome(_Model):
    """An outcome: the construct it measures, its scale and direction of benefit.

    ``construct`` is free text; the theory-of-planned-behaviour constructs are
    written ``intention``, ``attitude``, ``subjective_norm``,
    ``perceived_behavioural_control``, ``behaviour`` and ``stigma``. It is
    the attribute ``construct_name`` (pydantic reserves ``construct``).

    ``mid`` is the minimal important difference for GRADE: in the scale's units
    for a continuous outcome (SMD units when pooled as an SMD), and for a binary
    one a relative risk reduction (0.25: RR 0.75 and 1.25). ``control_risk`` is
    the assumed control risk (a proportion) for absolute effects per 1,000.
    ``at`` overrides these per timepoint (:class:`TimepointPlan`); a timepoint
    pooled with its own measure has no MID unless it gives one (the outcome's
    is in the units of the other measure).
    """

    model_config = ConfigDict(populate_by_name=True)

    id: Ident
    name: Text
    construct_name: Text = Field(alias="construct")
    type: Literal["binary", "continuous"]
    scale: str = ""
    direction: Literal["higher", "lower"]
    timepoints: list[Text] = Field(min_length=1)
    measure: str | None = None
    mid: float | None = Field(default=None, gt=0)
    control_risk: float | None = Field(default=None, gt=0, lt=1)
    at: dict[Text, TimepointPlan] = Field(default_factory=dict)

    def measure_at(self, timepoint: str, analysis: Analysis) -> str:
        """Return the measure pooled at ``timepoint`` (its own, else the outcome's)."""
        plan = self.at.get(timepoint)
        if plan is not None and plan.measure is not None:
            return plan.measure
        if self.measure is not None:
            return self.measure
        if self.type == "binary":
            return analysis.measure_binary
        return analysis.measure_continuous

    def mid_at(self, timepoint: str) -> float | None:
        """Return the minimal important difference at ``timepoint`` (see above)."""
        plan = self.at.get(timepoint)
        if plan is None:
            return self.mid
        if plan.mid is not None or plan.measure is not None:
            return plan.mid
        return self.mid

    def control_risk_at(self, timepoint: str) -> float | None:
        """Return the assumed control risk at ``timepoint``."""
        plan = self.at.get(timepoint)
        if plan is not None and plan.control_risk is not None:
            return plan.control_risk
        return self.control_risk


class InterventionCategory(_Model):
    """A category of intervention, used for subgroups."""

    id: Ident
    name: Text
    description: str = ""


class Analysis(_Model):
    """The analysis plan, in metafor's option codes."""

    measure_binary: Literal["OR", "RR", "RD", "PETO"] = "OR"
    measure_continuous: Literal["MD", "SMD", "SMDH", "ROM"] = "SMD"
    method: Literal["EE", "FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM"] = (
        "REML"
    )
    test: Literal["z", "t", "knha"] = "knha"
    level: float = 0.95
    subgroups: list[Text] = Field(default_factory=list)
    sensitivity: list[Text] = Field(default_factory=list)

    @field_validator("level")
    @classmethod
    def _level_is_a_fraction(cls, value: float) -> float:
        if not 0.0 < value < 1.0:
            hint = f" (write {value / 100:g} for {value:g}%)" if value > 1 else ""
            raise ValueError(f"must be a fraction between 0 and 1, e.g. 0.95{hint}")
        return value


class Characteristic(_Model):
    """A study characteristic extracted once per study (a column of the template).

    ``type`` is ``text``, ``number``, ``integer`` or ``choice``; a ``choice``
    without ``choices`` takes the ids of the protocol's ``[[interventions]]``.
    """

    id: Ident
    label: Text
    type: Literal["text", "number", "integer", "choice"] = "text"
    choices: list[Text] = Field(default_factory=list)


def _characteristic(
    id: str, label: str, type: str = "text", *choices: str
) -> Characteristic:
    data = {"id": id, "label": label, "type": type, "choices": list(choices)}
    return Characteristic.model_validate(data)


#: The study characteristics extracted when ``[extraction]`` lists none.
DEFAULT_CHARACTERISTICS: tuple[Characteristic, ...] = (
    _characteristic("country", "Country"),
    _characteristic("setting", "Setting (e.g. primary care, university, online)"),
    _characteristic("design", "Design", "choice", "parallel", "cluster", "crossover"),
    _characteristic("n_randomised", "Participants randomised", "integer"),
    _characteristic("population", "Population"),
    _characteristic("age_mean", "Mean age (years)", "number"),
    _characteristic("female_percent", "Female participants (%)", "number"),
    _characteristic("intervention_category", "Intervention category", "choice"),
    _characteristic("comparator", "Comparator"),
    _characteristic("duration", "Duration of the intervention"),
    _characteristic("funding", "Funding"),
)


class Extraction(_Model):
    """Data extraction: study characteristics, multi-arm and cluster trials.

    ``multi_arm`` says how a trial with several intervention arms enters an
    analysis: ``"combine"`` merges the arms into one (Cochrane Handbook Table
    6.5.a), ``"split"`` compares each with its share of the control group
    (Handbook 23.3.4). ``icc`` is the intracluster correlation assumed for
    cluster-randomised trials that do not report one (design effect, Handbook
    23.1.4).
    """

    characteristics: list[Characteristic] = Field(
        default_factory=lambda: list(DEFAULT_CHARACTERISTICS)
    )
    multi_arm: Literal["combine", "split"] = "combine"
    icc: float | None = Field(default=None, ge=0.0, le=1.0)


class Protocol(_Model):
    """The whole protocol of a review, as written in ``review.toml``.

    ``illustrative = true`` (a top-level key) marks a review whose study data are
    simulated or otherwise not to be cited; the report says so on its first page.
    """

    title: Text
    illustrative: bool = False
    question: Question
    databases: list[Database] = Field(min_length=1)
    eligibility: Eligibility
    reviewers: list[Reviewer] = Field(min_length=1)
    screening: Screening = Screening()
    outcomes: list[Outcome] = Field(min_length=1)
    interventions: list[InterventionCategory] = Field(default_factory=list)
    analysis: Analysis = Analysis()
    extraction: Extraction = Extraction()

    def outcome(self, outcome_id: str) -> Outcome | None:
        """Return the outcome with id ``outcome_id``, or None."""
        return next((o for o in self.outcomes if o.id == outcome_id), None)

    @property
    def owner(self) -> str:
        """The first owner among the reviewers (the validation requires one)."""
        return next(r.name for r in self.reviewers if r.role == "owner")

    @property
    def screeners(self) -> list[str]:
        """The reviewers who screen: all but those who only resolve conflicts."""
        resolvers = set(self.screening.resolved_by)
        return [r.name for r in self.reviewers if r.name not in resolvers]


Loc = tuple[str | int, ...]


def load_protocol(path: str | Path) -> Protocol:
    """Read ``review.toml`` and validate it.

    Parameters
    ----------
    path : str or pathlib.Path
        The protocol file, or the review folder that holds ``review.toml``.

    Returns
    -------
    Protocol
        The validated, frozen protocol.

    Raises
    ------
    ProtocolError
        When the file is not valid TOML or breaks a rule; the message names
        the file, each key path, its line, what is allowed and the value given.

    Examples
    --------
    >>> from importlib.resources import files
    >>> p = load_protocol(files("metareview.review") / "templates" / "review.toml")
    >>> [o.construct_name for o in p.outcomes][:3]
    ['behaviour', 'intention', 'attitude']

    """
    path = Path(str(path))
    if path.is_dir():
        path = path / "review.toml"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProtocolError(path, [("", None, f"cannot be read ({exc})")]) from None
    return parse_protocol(text, path)


def parse_protocol(text: str, path: str | Path = "review.toml") -> Protocol:
    """Validate the text of a protocol; errors name ``path`` and the lines.

    :func:`load_protocol` reads the file and calls it; the web app's protocol
    editor checks an edited text with it before anything is written.
    """
    path = Path(str(path))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(path, [("", None, f"is not valid TOML: {exc}")]) from None
    lines = key_lines(text)
    try:
        protocol = Protocol.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(err, lines) for err in exc.errors()]
        raise ProtocolError(path, problems) from None
    problems = [
        (format_loc(loc), find_line(lines, loc), msg)
        for loc, msg in _cross_checks(protocol)
    ]
    if problems:
        raise ProtocolError(path, problems)
    return protocol


def _cross_checks(p: Protocol) -> list[tuple[Loc, str]]:
    """Rules that span several keys; each names the key path it points at."""
    out: list[tuple[Loc, str]] = []
    out += _unique("outcomes", [o.id for o in p.outcomes], "id")
    out += _unique("interventions", [c.id for c in p.interventions], "id")
    names = [r.name for r in p.reviewers]
    out += _unique("reviewers", names, "name")
    if not any(r.role == "owner" for r in p.reviewers):
        out.append((("reviewers",), "needs one reviewer with role = 'owner'"))
    for i, who in enumerate(p.screening.resolved_by):
        if who not in names:
            msg = f"must be one of the reviewers ({', '.join(map(repr, names))})"
            out.append((("screening", "resolved_by", i), f"{msg}; got {who!r}"))
    s = p.screening
    if s.reviewers_per_record == 2 and s.dual_fraction is not None:
        out.append(
            (
                ("screening", "dual_fraction"),
                "is only used with reviewers_per_record = 1 (every record is "
                f"already screened twice); got {s.dual_fraction!r}",
            )
        )
    out += _extraction_checks(p)
    for i, o in enumerate(p.outcomes):
        allowed = BINARY_MEASURES if o.type == "binary" else CONTINUOUS_MEASURES
        measures: list[tuple[Loc, str | None]] = [
            (("outcomes", i, "measure"), o.measure)
        ]
        for tp, plan in o.at.items():
            if tp not in o.timepoints:
                out.append(
                    (
                        ("outcomes", i, "at", tp),
                        f"names no timepoint of outcome {o.id!r} "
                        f"({', '.join(map(repr, o.timepoints))})",
                    )
                )
            measures.append((("outcomes", i, "at", tp, "measure"), plan.measure))
        for loc, measure in measures:
            if measure is not None and measure not in allowed:
                out.append(
                    (
                        loc,
                        f"for a {o.type} outcome must be one of "
                        f"{', '.join(map(repr, allowed))}; got {measure!r}",
                    )
                )
    return out


def _extraction_checks(p: Protocol) -> list[tuple[Loc, str]]:
    """Characteristic ids unique; choices only for (and usable by) choice types."""
    chars = p.extraction.characteristics
    out = [
        (("extraction", *loc), msg)
        for loc, msg in _unique("characteristics", [c.id for c in chars], "id")
    ]
    for i, c in enumerate(chars):
        loc: Loc = ("extraction", "characteristics", i, "choices")
        if c.type != "choice" and c.choices:
            out.append((loc, f"is only used with type = 'choice'; got {c.choices!r}"))
        elif c.type == "choice" and not c.choices and not p.interventions:
            out.append((loc, "is needed: without it the choices are the "
                             "[[interventions]] ids, and there are none"))  # fmt: skip
    return out


def _unique(table: str, values: list[str], key: str) -> list[tuple[Loc, str]]:
    seen: set[str] = set()
    out: list[tuple[Loc, str]] = []
    for i, v in enumerate(values):
        if v in seen:
            out.append(((table, i, key), f"must be unique; {v!r} is used twice"))
        seen.add(v)
    return out


def _problem(err: Any, lines: Mapping[Loc, int]) -> tuple[str, int | None, str]:
    loc: Loc = tuple(err["loc"])
    if err["type"] == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        msg = f"unknown key; allowed here: {', '.join(allowed)}"
    elif err["type"] == "missing":
        msg = "is required but missing"
        return format_loc(loc), find_line(lines, loc[:-1]) if loc[:-1] else None, msg
    else:
        text = str(err["msg"]).removeprefix("Value error, ")
        msg = f"{text}; got {err['input']!r}"
    return format_loc(loc), find_line(lines, loc), msg


def _allowed_keys(loc: Loc) -> list[str]:
    """Field names of the model found by following ``loc`` from Protocol."""
    model: Any = Protocol
    for part in loc:
        if isinstance(part, int):
            continue
        ann = model.model_fields[part].annotation
        while typing.get_origin(ann) is not None:
            ann = next(a for a in typing.get_args(ann) if a is not type(None))
        model = ann
    return list(model.model_fields)


def format_loc(loc: Loc) -> str:
    """Write a pydantic location as a key path: ``outcomes[2].direction``.

    Examples
    --------
    >>> format_loc(("outcomes", 2, "direction"))
    'outcomes[2].direction'

    """
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else part
    return out


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"'. ]+?)\s*=")
_STRINGS = re.compile(r"\"(?:\\.|[^\"\\])*\"|'[^']*'")


def key_lines(text: str) -> dict[Loc, int]:
    """Map each table header and key of a TOML text to its 1-based line.

    Best effort, for error messages: arrays of tables get their index
    (``("outcomes", 2, "direction")``); lines inside multi-line arrays and
    strings are skipped.
    """
    out: dict[Loc, int] = {}
    counts: dict[Loc, int] = {}
    current: Loc = ()
    depth = 0
    in_multiline_string = False
    for n, line in enumerate(text.splitlines(), start=1):
        if in_multiline_string:
            in_multiline_string = line.count('"""') % 2 == 0
            continue
        if depth > 0:
            depth += _bracket_balance(line)
            continue
        if m := _HEADER.match(line):
            name: Loc = tuple(_split_key(m.group(2)))
            if m.group(1) == "[[":
                counts[name] = counts.get(name, -1) + 1
                name = (*name, counts[name])
            current = name
            out.setdefault(current, n)
            continue
        if m := _KEY.match(line):
            out.setdefault((*current, *_split_key(m.group(1))), n)
            rest = line[m.end() :]
            if rest.count('"""') % 2 == 1:
                in_multiline_string = True
            else:
                depth = max(_bracket_balance(rest), 0)
    return out


def _split_key(key: str) -> list[str]:
    return [part.strip().strip("\"'") for part in key.split(".")]


def _bracket_balance(line: str) -> int:
    code = _STRINGS.sub("", line).split("#", 1)[0]
    return code.count("[") - code.count("]")


def find_line(lines: Mapping[Loc, int], loc: Loc) -> int | None:
    """Line of the longest prefix of ``loc`` found in ``lines``, else ``None``."""
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None
