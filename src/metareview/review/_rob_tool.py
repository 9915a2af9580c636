"""Risk-of-bias tools read from their data files into frozen dataclasses.

The tools (RoB 2, RoB 1, ROBINS-I) are the data files of
:mod:`metareview.review.rob_tools`; :func:`load_tool` reads one into a
:class:`RobTool`: domains, signalling questions with their options and
conditions, and the rules of the algorithm (applied in :mod:`._rob_judge`).
The public names are in :mod:`metareview.review.rob`.

References
----------
.. [1] Sterne JAC, Savović J, Page MJ, et al. RoB 2: a revised tool for assessing
   risk of bias in randomised trials. BMJ 2019;366:l4898. doi:10.1136/bmj.l4898
.. [2] Higgins JPT, Savović J, Page MJ, Sterne JAC (eds). Revised Cochrane
   risk-of-bias tool for randomized trials (RoB 2): full guidance document and
   template, 22 August 2019. riskofbias.info
.. [3] Higgins JPT, Altman DG, Gøtzsche PC, et al. The Cochrane Collaboration's
   tool for assessing risk of bias in randomised trials. BMJ 2011;343:d5928.
   doi:10.1136/bmj.d5928
.. [4] Sterne JAC, Hernán MA, Reeves BC, et al. ROBINS-I: a tool for assessing
   risk of bias in non-randomised studies of interventions. BMJ 2016;355:i4919.
   doi:10.1136/bmj.i4919

"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import Any

from .._validate import InputError, InputTypeError, MetareviewError
from .rob_tools import TOOL_NAMES, read_common, read_tool

__all__ = [
    "ANSWER_WORDS",
    "COMMON",
    "NA",
    "OVERALL",
    "Check",
    "Judgement",
    "RobDomain",
    "RobQuestion",
    "RobTool",
    "RobToolError",
    "Rule",
    "as_tool",
    "load_tool",
    "norm",
]

NA = "NA"
OVERALL = "overall"


class RobToolError(MetareviewError):
    """A risk-of-bias data file is malformed (a fault of the file, not the input)."""


@dataclass(frozen=True, slots=True)
class Check:
    """One test of a condition or rule: ``"2.1 | 2.2" = "Y/PY/NI"``."""

    questions: tuple[str, ...]
    any: bool  # "a | b": any of the questions; "a & b" (or one question): all
    answers: frozenset[str]
    text: str  # the answers as written, "Y/PY/NI"

    def holds(self, answers: Mapping[str, str]) -> bool:
        """Whether the answers given pass this test."""
        hits = (answers.get(q, NA) in self.answers for q in self.questions)
        return any(hits) if self.any else all(hits)

    def describe(self, answers: Mapping[str, str]) -> str:
        """``"2.1 = Y, 2.2 = N (either Y/PY/NI)"``: the answers and what was needed."""
        given = ", ".join(f"{q} = {answers.get(q, NA)}" for q in self.questions)
        if len(self.questions) == 1:
            return f"{given} ({self.text})"
        return f"{given} ({'either' if self.any else 'both'} {self.text})"


@dataclass(frozen=True, slots=True)
class RobQuestion:
    """A signalling question, its response options and when it is asked.

    ``condition`` is a tuple of clauses, any of which makes the question apply
    (each clause: all its tests hold); empty means always asked. ``optional``
    questions ("[If applicable:]") also take NA.
    """

    id: str
    text: str
    options: tuple[str, ...]
    condition: tuple[tuple[Check, ...], ...] = ()
    optional: bool = False

    def applies(self, answers: Mapping[str, str]) -> bool:
        """Whether the question is asked, given the answers to earlier ones."""
        if not self.condition:
            return True
        return any(all(t.holds(answers) for t in c) for c in self.condition)

    @property
    def condition_text(self) -> str:
        """The condition as the tool prints it: ``"If Y/PY/NI to 2.1 or 2.2"``."""
        clauses = [
            " and ".join(
                f"{t.text} to " + (" or " if t.any else " and ").join(t.questions)
                for t in clause
            )
            for clause in self.condition
        ]
        return "If " + ", or ".join(clauses) if clauses else "always asked"


@dataclass(frozen=True, slots=True)
class Rule:
    """One path of a domain's algorithm: all ``when`` tests hold -> ``judgement``."""

    part: str
    when: tuple[Check, ...]
    judgement: str


@dataclass(frozen=True, slots=True)
class RobDomain:
    """A domain: its id (``"D1"``), wording, other names, questions and rules."""

    id: str
    name: str
    aliases: tuple[str, ...]
    questions: tuple[RobQuestion, ...] = ()
    rules: tuple[Rule, ...] = ()
    algorithm: str = ""  # where the algorithm is published


@dataclass(frozen=True, slots=True, kw_only=True)
class RobTool:
    """A risk-of-bias tool read from its data file (see :func:`load_tool`)."""

    name: str  # the key: "rob2", "rob2-adherence", "rob1", "robins-i"
    label: str  # "RoB 2"
    title: str
    domains: tuple[RobDomain, ...]
    judgements: tuple[str, ...]  # least to most concern, then "no information"
    precedence: tuple[str, ...]  # overall: the first found among the domains
    high: tuple[str, ...]  # overall judgements excluded in sensitivity analyses
    consider: tuple[str, int, str] | None = None  # (judgement, count, suggest)

    @property
    def has_algorithm(self) -> bool:
        """Whether answers to signalling questions give the domain judgements."""
        return any(d.rules for d in self.domains)

    def domain(self, key: object) -> RobDomain:
        """Return a domain by id (``"D2"``), name or alias (case ignored)."""
        wanted = norm(key)
        for d in self.domains:
            if wanted in {norm(d.id), norm(d.name), *map(norm, d.aliases)}:
                return d
        raise InputError(
            f"tool {self.name!r} has no domain {key!r}; its domains are "
            + ", ".join(f"{d.id} ({d.name})" for d in self.domains)
        )


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Judgement:
    """A judgement and how it was reached.

    ``path`` lists the answers (or domain judgements) that led to it, each with
    the answers the algorithm needed there; ``consider`` is a more severe
    judgement the tool asks the reviewer to consider (RoB 2: "high" when several
    domains raise some concerns), else None. ``answers`` holds every signalling
    question of the domain, NA where it does not apply.
    """

    judgement: str
    path: tuple[str, ...]
    explanation: str
    consider: str | None = None
    answers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


def norm(text: object) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", str(text).lower()).split())


def _answers_set(text: object, where: str) -> tuple[frozenset[str], str]:
    codes = str(text).split("/")
    bad = [c for c in codes if c not in (*COMMON["answer_labels"],)]
    if bad or not isinstance(text, str):
        raise RobToolError(f"{where}: unknown answer code(s) {bad or text!r}")
    return frozenset(codes), text


def _test(key: str, value: object, where: str) -> Check:
    any_ = "|" in key
    questions = tuple(q.strip() for q in re.split(r"[|&]", key))
    answers, text = _answers_set(value, where)
    return Check(questions, any_, answers, text)


def _tests(table: Mapping[str, Any], where: str) -> tuple[Check, ...]:
    return tuple(_test(k, v, where) for k, v in table.items())


def _domain(data: Mapping[str, Any], default: tuple[str, ...], where: str) -> RobDomain:
    questions = tuple(
        RobQuestion(
            id=q["id"],
            text=q["text"],
            options=tuple(q.get("options", default)),
            condition=tuple(
                _tests(c, f"{where}, question {q['id']}") for c in q.get("asked_if", ())
            ),
            optional=bool(q.get("optional", False)),
        )
        for q in data.get("questions", ())
    )
    rules = tuple(
        Rule(
            part=r.get("part", ""),
            when=_tests(r["when"], f"{where}, rule {i + 1}"),
            judgement=r["judgement"],
        )
        for i, r in enumerate(data.get("rules", ()))
    )
    return RobDomain(
        id=data["id"],
        name=data["name"],
        aliases=tuple(data.get("aliases", ())),
        questions=questions,
        rules=rules,
        algorithm=data.get("algorithm", ""),
    )


def _check(tool: RobTool) -> None:
    """Every question a condition or rule names exists (and comes first)."""
    for d in tool.domains:
        ids = [q.id for q in d.questions]
        for i, q in enumerate(d.questions):
            for clause in q.condition:
                for t in clause:
                    if not set(t.questions) <= set(ids[:i]):
                        raise RobToolError(
                            f"{tool.name}.toml, question {q.id}: condition names "
                            f"{t.questions}, not all earlier questions of {d.id}"
                        )
        for r in d.rules:
            names = {q for t in r.when for q in t.questions}
            if not names <= set(ids) or r.judgement not in tool.judgements:
                raise RobToolError(
                    f"{tool.name}.toml, {d.id}: a rule names {sorted(names)} or "
                    f"judgement {r.judgement!r} unknown to the tool"
                )


COMMON = read_common()
ANSWER_WORDS = {
    **{norm(code): code for code in COMMON["answer_labels"]},
    **{norm(label): code for code, label in COMMON["answer_labels"].items()},
    "n a": NA,
}


@cache
def load_tool(name: str) -> RobTool:
    """Read a risk-of-bias tool from its data file.

    Parameters
    ----------
    name : {"rob2", "rob2-adherence", "rob1", "robins-i"}
        ``"rob2"`` is RoB 2 for the effect of assignment to intervention [1]_ [2]_;
        ``"rob2-adherence"`` the same with domain 2 for the effect of adhering to
        intervention; ``"rob1"`` the Cochrane tool of 2011 [3]_; ``"robins-i"``
        ROBINS-I [4]_ (case, spaces and underscores ignored).

    Returns
    -------
    RobTool
        Its domains (id, name, aliases, signalling questions with their options
        and conditions, algorithm rules) and allowed judgements.

    Examples
    --------
    >>> tool = load_tool("rob2")
    >>> [d.id for d in tool.domains], tool.judgements
    (['D1', 'D2', 'D3', 'D4', 'D5'], ('low', 'some concerns', 'high'))
    >>> q = tool.domain("D2").questions[2]
    >>> q.id, q.condition_text
    ('2.3', 'If Y/PY/NI to 2.1 or 2.2')

    """
    if not isinstance(name, str):
        raise InputTypeError(
            f"tool must be one of {', '.join(map(repr, TOOL_NAMES))}; got {name!r}"
        )
    key = name.strip().lower().replace("_", "-").replace(" ", "")
    if key not in TOOL_NAMES:
        raise InputError(
            f"tool must be one of {', '.join(map(repr, TOOL_NAMES))}; got {name!r}"
        )
    data = read_tool(key)
    default = tuple(data.get("answers", ()))
    overall = data.get("overall", {})
    consider = overall.get("consider_high_if")
    tool = RobTool(
        name=key,
        label=data["name"],
        title=data["title"],
        domains=tuple(
            _domain(d, default, f"{key}.toml, {d['id']}") for d in data["domains"]
        ),
        judgements=tuple(data["judgements"]),
        precedence=tuple(overall["precedence"]),
        high=tuple(overall["high"]),
        consider=(
            (consider["judgement"], int(consider["count"]), consider["suggest"])
            if consider
            else None
        ),
    )
    _check(tool)
    return tool


def as_tool(tool: RobTool | str) -> RobTool:
    return tool if isinstance(tool, RobTool) else load_tool(tool)
