"""Risk of bias: the tools as data, the RoB 2 algorithm, and dual appraisal.

The tools (RoB 2, RoB 1, ROBINS-I) are data files (:mod:`metareview.review.rob_tools`)
read by :func:`load_tool`; :func:`domain_judgement` and :func:`overall_judgement`
apply RoB 2's published algorithm (:mod:`metareview.review._rob_judge`).

Appraisals are rows of ``rob_judgements`` in ``review.db``, one per record,
reviewer, tool, outcome and item, the latest per key winning. An item is a domain
(``"D1"``, …), ``"overall"``, or a signalling question (``"1.1"``, …) whose
``judgement`` is the answer code (``"PY"``; ``"NA"`` where it does not apply).
Two reviewers appraise independently (:func:`record_appraisal`), their
disagreements are listed (:func:`compare_appraisals`) and settled
(:func:`record_consensus`, stored as reviewer ``"consensus"``), and their
agreement is measured per domain (:func:`rob_agreement`). Appraisals made
elsewhere are imported from CSV files (:func:`import_appraisals`,
:func:`import_rob_consensus`).
:func:`high_risk_studies` names the studies a sensitivity analysis leaves out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from itertools import combinations
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._validate import InputError, InputTypeError
from ._extraction_values import study_labels
from ._rob_csv import import_appraisals, import_rob_consensus
from ._rob_judge import (
    domain_judgement,
    domain_map,
    judgement_key,
    overall_judgement,
)
from ._rob_store import (
    CONSENSUS,
    answers_by_domain,
    check_record,
    current_rows,
    item_order,
    outcome_key,
    overall_aliases,
    reviewer_name,
    support_texts,
    write_rows,
)
from ._rob_tool import (
    OVERALL,
    Judgement,
    RobDomain,
    RobQuestion,
    RobTool,
    RobToolError,
    as_tool,
    load_tool,
)

if TYPE_CHECKING:
    from .store import Store

__all__ = [
    "CONSENSUS",
    "Judgement",
    "RobDomain",
    "RobQuestion",
    "RobTool",
    "RobToolError",
    "appraisals",
    "compare_appraisals",
    "domain_judgement",
    "high_risk_studies",
    "import_appraisals",
    "import_rob_consensus",
    "load_tool",
    "overall_judgement",
    "record_appraisal",
    "record_consensus",
    "rob_agreement",
]

KEY = ("record_id", "reviewer", "outcome_id")


def record_appraisal(
    store: Store,
    record_id: int,
    reviewer: str,
    tool: RobTool | str,
    answers: Mapping[str, str] | None = None,
    judgements: Mapping[str, str] | None = None,
    outcome_id: str = "",
    support: str | Mapping[str, str] | None = None,
) -> dict[str, Judgement]:
    """Store one reviewer's appraisal of a study (for one outcome), all or nothing.

    Parameters
    ----------
    store : Store
        The open ``review.db`` (:func:`~metareview.review.store.open_store`).
    record_id : int
        The record appraised.
    reviewer : str
        Who appraised it (not ``"consensus"``: see :func:`record_consensus`).
    tool : RobTool or str
        ``"rob2"``, ``"rob2-adherence"``, ``"rob1"`` or ``"robins-i"``.
    answers : mapping of str to str, optional
        Signalling question -> answer (``Y``, ``PY``, ``PN``, ``N``, ``NI``,
        ``NA``). Every domain with answers must be answered completely; its
        judgement is then computed (:func:`domain_judgement`).
    judgements : mapping of str to str, optional
        Domain (``"D1"`` or name) or ``"overall"`` -> judgement, for domains
        judged directly (any domain of RoB 1 and ROBINS-I), or to override a
        computed judgement, which needs a ``support`` text for that domain.
    outcome_id : str, default ""
        The outcome (result) appraised; RoB 2 appraises a result, not a study.
    support : str or mapping of str to str, optional
        Why: one text for every judgement given, or item (domain, ``"overall"``
        or question id) -> text. Stored with the item.

    Returns
    -------
    dict of str to Judgement
        What was stored per domain and ``"overall"``. The overall judgement is
        computed when every domain is judged (now or before, by this reviewer);
        when RoB 2 flags several domains with some concerns (``consider`` is
        ``"high"``) the reviewer may confirm ``"high"`` in ``judgements``.

    Raises
    ------
    InputError
        For an unknown record, question or domain; an answer missing, not
        allowed or to a question that does not apply; an override without
        support. Nothing is written then.

    """
    tool = as_tool(tool)
    reviewer = reviewer_name(reviewer)
    check_record(store, record_id)
    outcome_id = outcome_key(outcome_id)
    by_domain = answers_by_domain(tool, answers or {})
    given = domain_map(tool, judgements or {}, "judgements", overall=True)
    notes = support_texts(tool, support, given)
    out: dict[str, Judgement] = {}
    for did, ans in by_domain.items():
        algo = domain_judgement(tool, did, ans)
        if did in given and given[did] != algo.judgement and not notes.get(did):
            raise InputError(
                f"judgements[{did!r}] = {given[did]!r} overrides the algorithm's "
                f"{algo.judgement!r} ({algo.explanation}); give a support "
                f"text for {did} (support={{{did!r}: '...'}}) to override it"
            )
        out[did] = algo
    for did, value in given.items():
        if did == OVERALL or (did in out and value == out[did].judgement):
            continue
        computed = out.get(did)
        out[did] = Judgement(
            judgement=value,
            path=computed.path if computed else (),
            explanation=f"{did}: judged {value}"
            + (f" (the algorithm gave {computed.explanation})" if computed else ""),
            answers=computed.answers if computed else MappingProxyType({}),
        )
    overall = _overall(store, tool, record_id, reviewer, outcome_id, out, given, notes)
    if overall is not None:
        out[OVERALL] = overall
    rows = [
        (q, a, notes.get(q)) for ans in out.values() for q, a in ans.answers.items()
    ]
    rows += [(did, j.judgement, notes.get(did)) for did, j in out.items()]
    write_rows(store, record_id, reviewer, tool, outcome_id, rows)
    return out


def _overall(
    store: Store,
    tool: RobTool,
    record_id: int,
    reviewer: str,
    outcome_id: str,
    out: dict[str, Judgement],
    given: dict[str, str],
    notes: dict[str, str],
) -> Judgement | None:
    """Return the overall judgement to store, or None while domains are missing."""
    known = current_rows(store, tool, reviewer=reviewer, record_id=record_id)
    known = known[known["outcome_id"] == outcome_id]
    domains = dict(zip(known["domain"], known["judgement"], strict=True))
    domains.update({did: j.judgement for did, j in out.items()})
    complete = all(d.id in domains for d in tool.domains)
    computed = (
        overall_judgement(tool, {d.id: domains[d.id] for d in tool.domains})
        if complete
        else None
    )
    wanted = given.get(OVERALL)
    if wanted is None:
        return computed
    if computed is None or wanted == computed.judgement:
        return Judgement(
            judgement=wanted,
            path=computed.path if computed else (),
            explanation=computed.explanation if computed else f"judged {wanted}",
        )
    if wanted != computed.consider and not notes.get(OVERALL):
        raise InputError(
            f"judgements['overall'] = {wanted!r} overrides the computed "
            f"{computed.judgement!r} ({computed.explanation}); give a support text "
            "for it (support={'overall': '...'}) to override it"
        )
    if not notes.get(OVERALL):
        notes[OVERALL] = f"confirmed: {computed.explanation}"
    return Judgement(
        judgement=wanted,
        path=computed.path,
        explanation=f"{computed.explanation}; judged {wanted} by the reviewer",
    )


def record_consensus(
    store: Store,
    record_id: int,
    tool: RobTool | str,
    judgements: Mapping[str, str],
    *,
    by: str,
    outcome_id: str = "",
) -> None:
    """Store the judgements agreed after two appraisals, as reviewer ``"consensus"``.

    Parameters
    ----------
    store, record_id, tool, outcome_id
        As for :func:`record_appraisal`.
    judgements : mapping of str to str
        Domain or ``"overall"`` -> agreed judgement. When every domain is given
        and ``"overall"`` is not, the overall judgement is computed.
    by : str
        Who decided (the two reviewers, or a third); stored as the support text.

    """
    tool = as_tool(tool)
    check_record(store, record_id)
    outcome_id = outcome_key(outcome_id)
    if not isinstance(by, str) or not by.strip():
        raise InputError(f"by must name who reached the consensus; got {by!r}")
    given = domain_map(tool, judgements, "judgements", overall=True)
    if not given:
        raise InputError("judgements is empty: there is no consensus to store")
    if OVERALL not in given and all(d.id in given for d in tool.domains):
        given[OVERALL] = overall_judgement(tool, given).judgement
    note = f"consensus by {by.strip()}"
    rows: list[tuple[str, str, str | None]] = [
        (did, value, note) for did, value in given.items()
    ]
    write_rows(store, record_id, CONSENSUS, tool, outcome_id, rows)


def appraisals(
    store: Store, tool: RobTool | str, reviewer: str | None = None
) -> pd.DataFrame:
    """Return the current judgements: a row per record, reviewer and outcome.

    Parameters
    ----------
    store : Store
        The open ``review.db``.
    tool : RobTool or str
        The tool (or its name).
    reviewer : str, optional
        Only this reviewer's (``"consensus"`` for the agreed ones); default all.

    Returns
    -------
    pandas.DataFrame
        Columns ``study`` (first author and year), ``record_id``, ``reviewer``,
        ``outcome_id``, ``D1`` … ``Dn`` and ``overall`` (None where not judged):
        the table :func:`metareview.plots.rob_traffic_light` draws.

    """
    tool = as_tool(tool)
    rows = current_rows(store, tool, reviewer=reviewer)
    codes = [d.id for d in tool.domains] + [OVERALL]
    rows = rows[rows["domain"].isin(codes)]
    columns = ["study", *KEY, *codes]
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    wide = rows.pivot(index=list(KEY), columns="domain", values="judgement")
    wide = wide.reindex(columns=codes).astype(object)
    wide = wide.where(wide.notna(), None).reset_index()
    wide.columns.name = None
    labels = study_labels(store, wide["record_id"])
    wide.insert(0, "study", [labels[int(r)] for r in wide["record_id"]])
    return wide.sort_values(["record_id", "outcome_id", "reviewer"], ignore_index=True)


def compare_appraisals(store: Store, tool: RobTool | str) -> pd.DataFrame:
    """Every item on which two reviewers' current appraisals differ.

    For each record and outcome appraised by two or more reviewers (other than
    ``"consensus"``), each pair of them is compared on every answer, domain and
    overall judgement; an item only one of them has counts as a difference.

    Returns
    -------
    pandas.DataFrame
        One row per difference: ``study``, ``record_id``, ``outcome_id``,
        ``item`` (question id, domain id or ``"overall"``), ``kind``
        (``"answer"``, ``"domain"``, ``"overall"``), ``reviewer_1``, ``value_1``,
        ``reviewer_2``, ``value_2`` and ``consensus`` (the agreed judgement of a
        domain or overall item, if stored), in the tool's order of items.

    """
    tool = as_tool(tool)
    rows = current_rows(store, tool)
    order = item_order(tool)
    mine = rows[rows["reviewer"] == CONSENSUS]
    agreed: dict[tuple[int, str, str], str] = {
        (int(r), str(o), str(d)): str(j)
        for r, o, d, j in zip(
            mine["record_id"],
            mine["outcome_id"],
            mine["domain"],
            mine["judgement"],
            strict=True,
        )
    }
    rows = rows[rows["reviewer"] != CONSENSUS]
    out: list[dict[str, Any]] = []
    for (rec, outc), group in rows.groupby(["record_id", "outcome_id"]):
        record, outcome = int(rec), str(outc)  # type: ignore[call-overload]
        values: dict[str, dict[str, str]] = {
            str(who): dict(zip(g["domain"], g["judgement"], strict=True))
            for who, g in group.groupby("reviewer")
        }
        for a, b in combinations(sorted(values), 2):
            items = sorted(set(values[a]) | set(values[b]), key=order.__getitem__)
            for item in items:
                va, vb = values[a].get(item), values[b].get(item)
                if va == vb:
                    continue
                kind = (
                    OVERALL
                    if item == OVERALL
                    else "domain"
                    if item.startswith("D")
                    else "answer"
                )
                out.append(
                    {
                        "record_id": record,
                        "outcome_id": outcome,
                        "item": item,
                        "kind": kind,
                        "reviewer_1": a,
                        "value_1": va,
                        "reviewer_2": b,
                        "value_2": vb,
                        "consensus": agreed.get((record, outcome, item)),
                    }
                )
    columns = [
        "study",
        "record_id",
        "outcome_id",
        "item",
        "kind",
        "reviewer_1",
        "value_1",
        "reviewer_2",
        "value_2",
        "consensus",
    ]
    table = pd.DataFrame(out, columns=columns[1:])
    labels = study_labels(store, table["record_id"])
    table.insert(0, "study", [labels[int(r)] for r in table["record_id"]])
    return table.astype(object).where(table.notna(), None)


def rob_agreement(
    store: Store,
    tool: RobTool | str,
    reviewers: tuple[str, str] | None = None,
    *,
    level: float = 0.95,
) -> pd.DataFrame:
    """Agreement between two reviewers' judgements, per domain and overall.

    Parameters
    ----------
    store : Store
        The open ``review.db``.
    tool : RobTool or str
        The tool (or its name).
    reviewers : (str, str), optional
        The two reviewers; by default the only two who appraised with ``tool``
        (``"consensus"`` aside).
    level : float, default 0.95
        Confidence level of the kappa interval.

    Returns
    -------
    pandas.DataFrame
        One row per domain and ``overall``: ``domain``, ``name``, ``n`` (results
        judged by both), ``percent`` (proportion agreeing), Cohen's ``kappa``
        with ``kappa_ci_lb``, ``kappa_ci_ub``, ``pabak``, ``ac1`` and ``alpha``,
        from :func:`metareview.review.agreement.agreement` on the tool's
        judgement categories; NaN where fewer than two results were judged by
        both.

    """
    from .agreement import agreement

    tool = as_tool(tool)
    rows = current_rows(store, tool)
    rows = rows[rows["reviewer"] != CONSENSUS]
    who = sorted(set(rows["reviewer"]))
    if reviewers is None:
        if len(who) != 2:
            raise InputError(
                f"rob_agreement needs two reviewers; {tool.name!r} appraisals are by "
                f"{', '.join(map(repr, who)) or 'nobody'}: pass reviewers=(a, b)"
            )
        reviewers = (who[0], who[1])
    a, b = (reviewer_name(r, allow_consensus=True) for r in reviewers)
    stats = ("n", "percent", "kappa", "kappa_ci_lb", "kappa_ci_ub", "pabak", "ac1")
    out = []
    for code, name in [(d.id, d.name) for d in tool.domains] + [(OVERALL, "Overall")]:
        sub = rows[rows["domain"] == code]
        wide = sub.pivot(
            index=["record_id", "outcome_id"], columns="reviewer", values="judgement"
        ).reindex(columns=[a, b])
        both = wide.dropna()
        row: dict[str, Any] = {"domain": code, "name": name, "n": len(both)}
        if len(both) >= 2:
            res = agreement(
                list(both[a]), list(both[b]), categories=tool.judgements, level=level
            )
            row.update({s: getattr(res, s) for s in stats})
            row["alpha"] = res.alpha
        else:
            row.update({s: math.nan for s in stats[1:]}, alpha=math.nan)
        out.append(row)
    return pd.DataFrame(out)


def high_risk_studies(table: pd.DataFrame, tool: RobTool | str = "rob2") -> list[str]:
    """Return the studies at high risk of bias overall (for sensitivity analyses).

    Parameters
    ----------
    table : pandas.DataFrame
        A ``study`` column (or an index of study labels) and an ``overall``
        column, e.g. ``appraisals(store, "rob2", reviewer="consensus")``.
    tool : RobTool or str, default "rob2"
        High is ``"high"`` for RoB 2 and RoB 1, ``"serious"`` or ``"critical"``
        for ROBINS-I.

    Returns
    -------
    list of str
        The study labels, in table order, each once.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"study": ["A 2019", "B 2020", "C 2021"],
    ...                   "overall": ["Low", "High", "Some concerns"]})
    >>> high_risk_studies(t)
    ['B 2020']
    >>> high_risk_studies(t.assign(overall=["serious", "low", "critical"]),
    ...                   tool="robins-i")
    ['A 2019', 'C 2021']

    """
    tool = as_tool(tool)
    if not isinstance(table, pd.DataFrame):
        raise InputTypeError(
            f"table must be a pandas DataFrame; got {type(table).__name__}"
        )
    names = {str(c).strip().lower(): c for c in table.columns}
    if "study" in names:
        studies = [str(s) for s in table[names["study"]]]
    elif not isinstance(table.index, pd.RangeIndex):
        studies = [str(s) for s in table.index]
    else:
        raise InputError(
            "table needs a 'study' column (or an index of study labels); columns "
            f"are: {', '.join(map(str, table.columns))}"
        )
    overall = next((names[a] for a in overall_aliases() if a in names), None)
    if overall is None:
        raise InputError(
            "table needs an 'overall' column of overall judgements; columns are: "
            + ", ".join(map(str, table.columns))
        )
    seen: dict[str, str] = {}
    for study, value in zip(studies, table[overall], strict=True):
        j = judgement_key(value, tool, f"overall judgement of study {study!r}")
        if seen.setdefault(study, j) != j:
            raise InputError(
                f"table judges study {study!r} both {seen[study]!r} and {j!r}; keep "
                "one row per study (one reviewer, e.g. 'consensus', and one outcome)"
            )
    return [s for s, j in seen.items() if j in tool.high]
