"""Extracted values in ``review.db``: current values, labels, comparison, consensus.

Every value is a row of ``extraction_values`` (record, reviewer, outcome, arm,
time point, field, value); the latest row per (record, reviewer, outcome, arm,
time point, field) is the current one, and a NULL value clears it. Study
characteristics have an empty outcome, arm and time point.

A consensus value is stored under the reviewer name ``"consensus"``, with a
companion row in the same key whose field is ``"_decided_by:<field>"`` and
whose value names who decided it. It overrides the reviewers' values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from .._files import read_csv
from .._validate import InputError
from ._extraction_fields import (
    CONSENSUS,
    DECIDED_BY,
    FIELDS,
    FREE_TEXT,
    cell_text,
    clean_value,
    field_kind,
    same_value,
)
from ._extraction_import import raise_problems
from ._screening_events import unique_ids
from .store import Store

_INITIALS = re.compile(r"(?:[A-Z]\.?-?){1,4}")

KEY = ["record_id", "outcome_id", "arm", "timepoint", "field"]


def first_author(authors: object) -> str:
    """Family name of the first author (``"Smith, J; Doe, A"`` gives ``Smith``).

    Without a comma, a name ending in initials is MEDLINE's "Family Initials"
    (``"van Dam JA"``); otherwise the last word is the family name.

    Examples
    --------
    >>> first_author("Smith, John; Doe, A"), first_author("Jane van Dam")
    ('Smith', 'Dam')
    >>> first_author("Jones A; Li Y"), first_author("van Dam JA and Li Y")
    ('Jones', 'van Dam')

    """
    if not isinstance(authors, str) or not authors.strip():
        return "Anon"
    first = re.split(r";|\band\b", authors)[0].strip()
    if "," in first:
        return first.split(",")[0].strip() or "Anon"
    words = first.split()
    if len(words) > 1 and _INITIALS.fullmatch(words[-1]):
        return " ".join(words[:-1])
    return words[-1] if words else "Anon"


def study_labels(store: Store, ids: Iterable[int]) -> dict[int, str]:
    """Label each record "FirstAuthor Year", with a, b... when labels repeat.

    Labels are made unique over every record of the review that is not a
    duplicate (and ``ids``), as RevMan's study IDs are unique over included,
    excluded and awaiting studies alike; so a study keeps its label in the
    templates, comparisons and analyses whatever the screening decides.
    """
    wanted = {int(i) for i in ids}
    wanted |= set(unique_ids(store.conn))
    if not wanted:
        return {}
    marks = ",".join("?" * len(wanted))
    rows = store.conn.execute(
        f"SELECT id, authors, year FROM records WHERE id IN ({marks}) ORDER BY id",
        sorted(wanted),
    ).fetchall()
    base = {
        int(i): f"{first_author(a)} {y if y is not None else 'n.d.'}"
        for i, a, y in rows
    }
    counts: dict[str, int] = {}
    for label in base.values():
        counts[label] = counts.get(label, 0) + 1
    seen: dict[str, int] = {}
    out = {}
    for rid, label in base.items():
        if counts[label] > 1:
            seen[label] = seen.get(label, 0) + 1
            label = f"{label}{_letters(seen[label])}"
        out[rid] = label
    return out


def _letters(k: int) -> str:
    """1 -> a, 26 -> z, 27 -> aa."""
    out = ""
    while k:
        k, r = divmod(k - 1, 26)
        out = chr(ord("a") + r) + out
    return out


Key = tuple[int, str, str, str, str]  # record_id, outcome_id, arm, timepoint, field
Row = tuple[int, str, str, str, str, str, str | None]  # with reviewer, value
Walked = tuple[Key, str, str | None, list[str], dict[str, str | None], str]


def current_rows(store: Store) -> list[Row]:
    """Return the current values as ``Row`` tuples (value None: cleared)."""
    rows = store.conn.execute(
        "SELECT e.record_id, e.reviewer, e.outcome_id, e.arm, e.timepoint, e.field,"
        " e.value FROM extraction_values AS e"
        " JOIN (SELECT max(id) AS id FROM extraction_values GROUP BY record_id,"
        " reviewer, outcome_id, arm, timepoint, field) AS m ON m.id = e.id"
    ).fetchall()
    return [(int(r[0]), *map(str, r[1:6]), r[6]) for r in rows]


def _judge(
    key: Key, values: dict[str, str | None], team: list[str]
) -> tuple[str, str | None]:
    """Status of a reviewers' key: agreed, single, merged or disagreement."""
    given = {r: values.get(r) for r in team}
    present = [v for v in given.values() if v is not None]
    if len(team) == 1:
        return "single", present[0] if present else None
    field = key[4]
    if field in FREE_TEXT:
        distinct = list(dict.fromkeys(present))
        status = (
            "agreed" if len(distinct) == 1 and len(present) == len(team) else "merged"
        )
        return status, " | ".join(distinct) or None
    kind = field_kind(key[1], field)
    first = next(iter(given.values()))
    if all(same_value(kind, first, v) for v in given.values()):
        return "agreed", first
    return "disagreement", None


def walk_values(store: Store) -> list[Walked]:
    """Every key: (key, status, value, reviewers, their values, decided_by)."""
    keyed: dict[Key, dict[str, str | None]] = {}
    agreed: dict[Key, str | None] = {}
    decided: dict[Key, str] = {}
    teams: dict[int, set[str]] = {}
    for rid, who, outcome, arm, tp, field, value in current_rows(store):
        if who == CONSENSUS:
            if field.startswith(DECIDED_BY):
                decided[(rid, outcome, arm, tp, field.removeprefix(DECIDED_BY))] = (
                    value or ""
                )
            elif not field.startswith("_"):
                agreed[(rid, outcome, arm, tp, field)] = value
        elif not field.startswith("_"):
            keyed.setdefault((rid, outcome, arm, tp, field), {})[who] = value
            if value is not None:
                teams.setdefault(rid, set()).add(who)
    out: list[Walked] = []
    for key in sorted(set(keyed) | set(agreed)):
        values = keyed.get(key, {})
        team = sorted(teams.get(key[0], set()))
        if key in agreed:
            out.append(
                (key, "consensus", agreed[key], team, values, decided.get(key, ""))
            )
        elif team:
            status, value = _judge(key, values, team)
            out.append((key, status, value, team, values, ""))
    return out


def compare_extraction(store: Store) -> pd.DataFrame:
    """List every disagreement between the reviewers who extracted a study.

    Returns
    -------
    pandas.DataFrame
        One row per study, outcome, arm, time point and field on which the
        reviewers of that study differ (a value one of them left blank counts):
        ``record_id, study, outcome_id, arm, timepoint, field``, one column per
        reviewer with their value, ``consensus`` and ``decided_by`` when a
        consensus was recorded, and ``resolved``. Numbers are compared as
        numbers (1.50 equals 1.5), text ignoring case and spacing; ``source`` and
        ``note`` are not compared.

    """
    return diff_frame(store, walk_values(store))


def diff_frame(store: Store, walked: list[Walked]) -> pd.DataFrame:
    """:func:`compare_extraction` from :func:`walk_values`'s output."""
    rows = []
    names: set[str] = set()
    for key, status, value, team, values, by in walked:
        if status == "consensus":
            judged, _ = _judge(key, values, team) if team else ("single", None)
            if judged != "disagreement":
                continue
        elif status != "disagreement":
            continue
        names.update(team)
        resolved = status == "consensus"
        rows.append(
            {
                **dict(zip(KEY, key, strict=True)),
                **{r: values.get(r) for r in team},
                "consensus": value if resolved else None,
                "decided_by": by or None,
                "resolved": resolved,
            }
        )
    columns = [*KEY, *sorted(names), "consensus", "decided_by", "resolved"]
    out = pd.DataFrame(rows, columns=columns).astype({"resolved": bool})
    _add_labels(store, out)
    return out


def consensus_values(store: Store) -> pd.DataFrame:
    """Return the values an analysis uses, with where each came from.

    Returns
    -------
    pandas.DataFrame
        ``record_id, study, outcome_id, arm, timepoint, field, value, status,
        reviewers, decided_by``; ``status`` is ``"agreed"`` (every reviewer of
        the study entered the same value), ``"consensus"`` (recorded with
        :func:`record_consensus`; ``decided_by`` names who), ``"single"`` (one
        reviewer extracted the study) or ``"merged"`` (``source`` and ``note``
        of several reviewers, joined by " | "). Disagreements without a
        consensus are left out: :func:`compare_extraction` lists them.

    """
    return consensus_frame(store, walk_values(store))


def consensus_frame(store: Store, walked: list[Walked]) -> pd.DataFrame:
    """:func:`consensus_values` from :func:`walk_values`'s output."""
    rows = [
        {
            **dict(zip(KEY, key, strict=True)),
            "value": value,
            "status": status,
            "reviewers": ", ".join(team),
            "decided_by": by or None,
        }
        for key, status, value, team, _, by in walked
        if status != "disagreement" and value is not None
    ]
    cols = [*KEY, "value", "status", "reviewers", "decided_by"]
    out = pd.DataFrame(rows, columns=cols)
    _add_labels(store, out)
    return out


def _add_labels(store: Store, frame: pd.DataFrame) -> None:
    ids = [int(r) for r in frame["record_id"].tolist()]
    labels = study_labels(store, ids)
    frame.insert(1, "study", [labels.get(i, "") for i in ids])


def record_consensus(
    store: Store,
    record_id: int,
    outcome_id: str,
    arm: str,
    timepoint: str,
    field: str,
    value: object,
    by: str,
) -> None:
    """Record the consensus value of one field, and who decided it.

    Parameters
    ----------
    store : Store
        The review database.
    record_id : int
        The study.
    outcome_id, arm, timepoint : str
        Which outcome row; all three empty (``""``) for a study characteristic.
    field : str
        The column (``"sd"``, ``"events"``..., or a characteristic id).
    value : object
        The agreed value; ``None`` or ``""`` records that the value is missing.
    by : str
        Who decided (a reviewer, or "A and B" for a discussion).

    Notes
    -----
    Stored as two rows of reviewer ``"consensus"`` in one transaction: the
    value under ``field`` and ``by`` under ``"_decided_by:" + field``. The
    latest consensus for a key wins.

    """
    if not isinstance(by, str) or not by.strip():
        raise InputError(f"by must name who decided the consensus; got {by!r}")
    if by.strip() == CONSENSUS:
        raise InputError(f"by must name a person, not {CONSENSUS!r}")
    if not isinstance(field, str) or not field or field.startswith("_"):
        raise InputError(f"field must be a column name; got {field!r}")
    parts = (outcome_id, arm, timepoint)
    if any(parts) and not all(parts):
        raise InputError(
            "outcome_id, arm and timepoint are all given (an outcome row) or all "
            f"empty (a study characteristic); got {parts!r}"
        )
    if outcome_id and field not in FIELDS:
        raise InputError(
            f"field must be an outcome column ({', '.join(FIELDS)}); got {field!r}"
        )
    try:
        text = clean_value(FIELDS[field], value) if outcome_id else cell_text(value)
    except ValueError as exc:
        raise InputError(f"value of {field}: {exc}") from None
    store.require_record(int(record_id))
    key = (int(record_id), CONSENSUS, outcome_id, arm, timepoint)
    write_values(store, [(*key, field, text), (*key, DECIDED_BY + field, by.strip())])


def write_values(
    store: Store,
    rows: Sequence[tuple[int, str, str, str, str, str, str | None]],
) -> int:
    """Append values in one transaction; return how many.

    Each row is ``(record, reviewer, outcome, arm, timepoint, field, value)``.
    """
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO extraction_values (record_id, reviewer, outcome_id, arm,"
            " timepoint, field, value) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return len(rows)


CONSENSUS_COLUMNS = ("record_id", "outcome_id", "arm", "timepoint", "field", "value")


def import_consensus(
    store: Store,
    path: str | Path,
    *,
    by: str | None = None,
    create_studies: bool = False,
) -> int:
    """Record the consensus values of a CSV file, all or none.

    The columns are ``record_id, outcome_id, arm, timepoint, field, value`` and
    ``by`` (who decided; the ``by`` argument fills it where blank). Outcome,
    arm and time point are blank for a study characteristic. A ``study``
    column (the label "FirstAuthor Year" of the templates) may name the study
    where ``record_id`` is blank or absent; with ``create_studies=True`` a
    label that is no record yet is added as one (a review that starts at
    extraction, see :func:`~metareview.review.extraction.register_studies`).

    Returns
    -------
    int
        The number of consensus values recorded.

    """
    path = Path(path)
    header, *body = read_csv(path) or [[]]
    rows = [dict(zip(header, row, strict=False)) for row in body if row]
    problems = []
    with store.transaction():
        ids = _study_ids(store, rows, create_studies)
        for line, row in enumerate(rows, start=2):
            cells = {k: (row.get(k) or "").strip() for k in (*CONSENSUS_COLUMNS, "by")}
            who = cells["by"] or by or ""
            label = (row.get("study") or "").strip()
            rid = cells["record_id"] or str(ids.get(label, ""))
            if not rid.isdigit():
                what = (
                    f"study {label!r} is not a study of this review"
                    if label and not cells["record_id"]
                    else f"record_id must be a whole number; got {rid!r}"
                )
                problems.append(f"{path}, line {line}: {what}")
                continue
            try:
                record_consensus(
                    store, int(rid), cells["outcome_id"], cells["arm"],
                    cells["timepoint"], cells["field"], cells["value"], who,
                )  # fmt: skip
            except InputError as exc:
                problems.append(f"{path}, line {line}: {exc}")
        raise_problems("consensus", problems)
    return len(rows)


def _study_ids(
    store: Store, rows: list[dict[str, str]], create: bool
) -> dict[str, int]:
    """Study label -> record id for the labels of ``rows`` (created if asked)."""
    labels = [
        (r.get("study") or "").strip()
        for r in rows
        if not (r.get("record_id") or "").strip()
    ]
    labels = [x for x in dict.fromkeys(labels) if x]
    if create:
        from ._extraction_register import register_studies

        return register_studies(store, labels)
    known = {v: k for k, v in study_labels(store, []).items()}
    return {x: known[x] for x in labels if x in known}
