"""Judgements: RoB 2's algorithm from answers to domains, and the overall rule.

The rules are data (the tools' files, read by :func:`~._rob_tool.load_tool`);
this module checks answers against the questions' options and conditions and
finds the rule that matches. The public names are in :mod:`metareview.review.rob`.

References
----------
.. [1] Sterne JAC, Savović J, Page MJ, et al. RoB 2: a revised tool for assessing
   risk of bias in randomised trials. BMJ 2019;366:l4898. doi:10.1136/bmj.l4898
.. [2] Higgins JPT, Savović J, Page MJ, Sterne JAC (eds). Revised Cochrane
   risk-of-bias tool for randomized trials (RoB 2): full guidance document and
   template, 22 August 2019. riskofbias.info
.. [3] Sterne JAC, Hernán MA, Reeves BC, et al. ROBINS-I: a tool for assessing
   risk of bias in non-randomised studies of interventions. BMJ 2016;355:i4919.
   doi:10.1136/bmj.i4919

"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .._validate import InputError, InputTypeError
from ._rob_tool import (
    ANSWER_WORDS,
    COMMON,
    NA,
    OVERALL,
    Judgement,
    RobDomain,
    RobTool,
    RobToolError,
    Rule,
    as_tool,
    norm,
)

__all__ = [
    "answer_code",
    "domain_judgement",
    "domain_map",
    "judgement_key",
    "overall_judgement",
]


def answer_code(value: object, question: str) -> str:
    """Return the code of an answer (``"probably yes"`` -> ``"PY"``)."""
    if not isinstance(value, str):
        raise InputTypeError(
            f"answer to question {question} must be a string such as 'Y' or "
            f"'Probably yes'; got {value!r}"
        )
    code = ANSWER_WORDS.get(norm(value))
    if code is None:
        raise InputError(
            f"answer to question {question} must be one of Y, PY, PN, N, NI, NA "
            f"(or the words: Yes, Probably yes, ...); got {value!r}"
        )
    return code


def judgement_key(value: object, tool: RobTool, where: str) -> str:
    """Return a judgement's key (``"Low risk"`` -> ``"low"``), checked."""
    if not isinstance(value, str):
        raise InputTypeError(f"{where} must be a string; got {value!r}")
    text = " ".join(value.strip().rstrip(".").lower().split())
    key = COMMON["judgement_aliases"].get(text, text)
    if key not in tool.judgements:
        raise InputError(
            f"{where} must be one of {', '.join(map(repr, tool.judgements))} for "
            f"tool {tool.name!r} (any case); got {value!r}"
        )
    return key


def _resolve(domain: RobDomain, answers: Mapping[str, object]) -> dict[str, str]:
    """Check the answers to a domain's questions; NA where a question does not apply."""
    if not isinstance(answers, Mapping):
        raise InputTypeError(
            f"answers must be a mapping question -> answer, e.g. {{'1.1': 'Y'}}; "
            f"got {type(answers).__name__}"
        )
    ids = [q.id for q in domain.questions]
    unknown = [str(k) for k in answers if str(k) not in ids]
    if unknown:
        raise InputError(
            f"answers name question(s) {', '.join(unknown)}, not signalling "
            f"questions of {domain.id} ({domain.name}); its questions are "
            + ", ".join(ids)
        )
    given = {str(k): answer_code(v, str(k)) for k, v in answers.items()}
    out: dict[str, str] = {}
    problems: list[str] = []
    for q in domain.questions:
        answer = given.get(q.id)
        allowed = (*q.options, NA) if q.optional else q.options
        if not q.applies(out):
            if answer not in (None, NA):
                problems.append(
                    f"question {q.id} does not apply ({q.condition_text}; here "
                    + ", ".join(
                        f"{p} = {out[p]}"
                        for c in q.condition
                        for t in c
                        for p in t.questions
                    )
                    + f"): leave it out or answer NA, not {answer!r}"
                )
            out[q.id] = NA
        elif answer is None:
            why = "" if not q.condition else f" ({q.condition_text})"
            problems.append(
                f"question {q.id} ({q.text}) has no answer; it applies{why}: "
                f"answer one of {', '.join(allowed)}"
            )
            out[q.id] = NA
        elif answer not in allowed:
            problems.append(
                f"answer {answer!r} to question {q.id} is not allowed; allowed: "
                + ", ".join(allowed)
            )
            out[q.id] = NA
        else:
            out[q.id] = answer
    if problems:
        raise InputError(f"{domain.id} ({domain.name}): " + "; ".join(problems))
    return out


def _worst(tool: RobTool, judgements: list[str]) -> str:
    return next(j for j in tool.precedence if j in judgements)


def domain_judgement(
    tool: RobTool | str, domain_id: str, answers: Mapping[str, object]
) -> Judgement:
    """Judge one domain from the answers to its signalling questions.

    Parameters
    ----------
    tool : RobTool or str
        A tool with an algorithm (``"rob2"``, ``"rob2-adherence"``).
    domain_id : str
        ``"D1"`` … ``"D5"``, or the domain's name.
    answers : mapping of str to str
        Question id -> answer: ``Y``, ``PY``, ``PN``, ``N``, ``NI`` (or the
        words, any case). A conditional question that does not apply may be left
        out or answered ``NA``.

    Returns
    -------
    Judgement
        The judgement, the path through the algorithm (each answer with the
        answers the flow chart needed there), and all answers (NA filled in).

    Raises
    ------
    InputError
        Naming the question: an answer missing to a question that applies, an
        answer not allowed (e.g. NI to 3.2), or an answer to a question that
        does not apply.

    Notes
    -----
    Each domain's rules are the paths of the published flow chart ([2]_, the
    template of 22 August 2019: domain 1 p. 6, domain 2 p. 10, domain 3 p. 16,
    domain 4 p. 19, domain 5 p. 23); exactly one rule of each part matches a
    complete set of answers. Domain 2 has two parts (questions 2.1–2.5 and
    2.6–2.7) and takes the less favourable.

    Examples
    --------
    >>> j = domain_judgement("rob2", "D1", {"1.1": "Y", "1.2": "NI", "1.3": "N"})
    >>> j.judgement
    'some concerns'
    >>> j.path
    ('1.2 = NI (NI)', '1.3 = N (N/PN/NI)')

    """
    tool = as_tool(tool)
    domain = tool.domain(domain_id)
    if not domain.rules:
        raise InputError(
            f"tool {tool.name!r} has no algorithm for {domain.id} ({domain.name}): "
            "give the domain judgement directly"
        )
    resolved = _resolve(domain, answers)
    parts: dict[str, Rule] = {}
    for part in dict.fromkeys(r.part for r in domain.rules):
        hits = [
            r
            for r in domain.rules
            if r.part == part and all(t.holds(resolved) for t in r.when)
        ]
        if len(hits) != 1:
            raise RobToolError(
                f"{tool.name}.toml, {domain.id}: {len(hits)} rules match {resolved}"
            )
        parts[part] = hits[0]
    judgement = _worst(tool, [r.judgement for r in parts.values()])
    path = tuple(t.describe(resolved) for r in parts.values() for t in r.when)
    steps = [
        (f"{part}: " if part else "")
        + "; ".join(t.describe(resolved) for t in r.when)
        + f" -> {r.judgement}"
        for part, r in parts.items()
    ]
    if len(parts) > 1:
        steps.append(f"the less favourable part: {judgement}")
    source = (
        f" [{tool.label} algorithm, {domain.algorithm}]" if domain.algorithm else ""
    )
    return Judgement(
        judgement=judgement,
        path=path,
        explanation=f"{domain.id}: " + "; ".join(steps) + source,
        answers=MappingProxyType(resolved),
    )


def overall_judgement(
    tool: RobTool | str, domain_judgements: Mapping[str, str]
) -> Judgement:
    """Judge the result overall from its domain judgements.

    Parameters
    ----------
    tool : RobTool or str
        The tool (or its name, as for :func:`load_tool`).
    domain_judgements : mapping of str to str
        Domain id (or name) -> judgement, for every domain of the tool.

    Returns
    -------
    Judgement
        The first judgement of the tool's precedence found among the domains:
        RoB 2 high if any domain is high, else some concerns if any domain raises
        some concerns, else low [1]_; RoB 1 likewise with unclear; ROBINS-I
        critical, serious, no information, moderate, low [3]_. For RoB 2, when two
        or more domains raise some concerns, ``consider`` is ``"high"``: the tool
        leaves to the reviewer whether this substantially lowers confidence in
        the result.

    Examples
    --------
    >>> j = overall_judgement("rob2", {"D1": "low", "D2": "some concerns",
    ...     "D3": "low", "D4": "Some concerns", "D5": "low"})
    >>> j.judgement, j.consider
    ('some concerns', 'high')

    """
    tool = as_tool(tool)
    given = domain_map(tool, domain_judgements, "domain_judgements")
    missing = [d.id for d in tool.domains if d.id not in given]
    if missing:
        raise InputError(
            f"domain_judgements has no judgement for {', '.join(missing)} of tool "
            f"{tool.name!r}; the overall judgement needs every domain"
        )
    values = [given[d.id] for d in tool.domains]
    judgement = _worst(tool, values)
    path = tuple(f"{d.id} = {given[d.id]}" for d in tool.domains)
    explanation = f"overall: {judgement} ({', '.join(path)})"
    consider = None
    if tool.consider is not None:
        level, count, suggest = tool.consider
        hits = [d.id for d in tool.domains if given[d.id] == level]
        if judgement == level and len(hits) >= count:
            consider = suggest
            explanation += (
                f"; {level} in {len(hits)} domains ({', '.join(hits)}): consider "
                f"{suggest!r} if together they substantially lower confidence "
                "in the result"
            )
    return Judgement(
        judgement=judgement, path=path, explanation=explanation, consider=consider
    )


def domain_map(
    tool: RobTool, judgements: Mapping[str, object], name: str, *, overall: bool = False
) -> dict[str, str]:
    """Domain id (or "overall") -> checked judgement key."""
    if not isinstance(judgements, Mapping):
        raise InputTypeError(
            f"{name} must be a mapping domain -> judgement, e.g. {{'D1': 'low'}}; "
            f"got {type(judgements).__name__}"
        )
    out: dict[str, str] = {}
    for key, value in judgements.items():
        if overall and norm(key) in map(norm, COMMON["overall_aliases"]):
            did = OVERALL
        else:
            did = tool.domain(key).id
        if did in out:
            raise InputError(f"{name} gives {did} twice (as {key!r} and another name)")
        out[did] = judgement_key(value, tool, f"{name}[{key!r}]")
    return out
