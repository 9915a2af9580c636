"""The pipeline's extraction and risk-of-bias stages.

The files of ``extraction/`` are a CSV pair (``x_characteristics.csv`` and
``x_outcomes.csv``) or an XLSX per reviewer, named after the reviewer or
``reviewer_a``, ``reviewer_b``..., and ``consensus.csv`` (the agreed values: the
consensus layout ``study/record_id, outcome_id, arm, timepoint, field, value``,
or the template's layout). Without screening decisions the studies are those
the files name (a review that starts at extraction). ``rob/`` holds each
appraiser's RoB 2 answers and ``consensus.csv``.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pandas as pd

from .._files import relative_path
from .._validate import InputError
from ._pipeline_intake import EXTRACTION, ROB, _files, _guard
from ._screening_events import unique_ids
from .protocol import Protocol
from .store import Store

_PAIR = re.compile(r"_(characteristics|outcomes)$")


def _stems(folder: Path) -> dict[str, Path]:
    """Return the extraction files by stem (a CSV pair ``x_outcomes`` etc. is ``x``)."""
    out: dict[str, Path] = {}
    for f in _files(folder):
        if f.suffix.lower() not in (".csv", ".xlsx"):
            continue
        stem = _PAIR.sub("", f.stem)
        out.setdefault(stem, f.with_name(stem + f.suffix) if stem != f.stem else f)
    return out


def reviewer_of(stem: str, protocol: Protocol) -> str:
    """Return the reviewer whose file ``stem`` is: by name, or ``reviewer_a``...

    ``reviewer_a``, ``reviewer_b``... are the reviewers who screen (those not
    only resolving conflicts), in the protocol's order.
    """
    key = re.sub(r"[\s_\-]+", " ", stem).strip().lower()
    for r in protocol.reviewers:
        if re.sub(r"[\s_\-]+", " ", r.name).strip().lower() == key:
            return r.name
    m = re.fullmatch(r"(?:reviewer|extractor|appraiser) ?([a-z])", key)
    workers = protocol.screeners
    if m and ord(m.group(1)) - ord("a") < len(workers):
        return workers[ord(m.group(1)) - ord("a")]
    names = ", ".join(r.name for r in protocol.reviewers)
    raise InputError(
        f"cannot tell whose file {stem!r} is: name it after a reviewer ({names}) or "
        "reviewer_a, reviewer_b..."
    )


def _is_consensus_table(path: Path) -> bool:
    if path.suffix.lower() != ".csv" or not path.exists():
        return False
    with path.open(encoding="utf-8-sig", newline="") as f:
        header = next(csv.reader(f), [])
    return {"field", "value"} <= {h.strip() for h in header}


def extraction_state(
    root: Path, store: Store, protocol: Protocol, status: Any
) -> tuple[pd.DataFrame, list[tuple[str, str, int]], pd.DataFrame, dict[Any, Any]]:
    """Import the extraction files; return studies, files, disagreements, arm data."""
    from . import extraction as ex

    stems = _stems(root / EXTRACTION)
    create = status is None  # no screening: the studies come from these files
    files: list[tuple[str, str, int]] = []
    for stem, path in stems.items():
        if stem == "consensus":
            continue
        who = _guard("extraction", path, reviewer_of, stem, protocol)
        done = _guard(
            "extraction",
            path,
            ex.import_extraction,
            store,
            protocol,
            path,
            who,
            create_studies=create,
        )
        files.append((relative_path(path, root), who, done.values))
    if "consensus" in stems:
        path = stems["consensus"]
        if _is_consensus_table(path):
            n = _guard(
                "extraction",
                path,
                lambda: ex.import_consensus(
                    store, path, by=protocol.owner, create_studies=create
                ),
            )
        else:
            n = _guard(
                "extraction",
                path,
                lambda: _template_consensus(store, protocol, path, create),
            )
        files.append((relative_path(path, root), "consensus", n))
    records = unique_ids(store.conn) if create else None
    studies = _study_table(store, protocol, records)
    diff = ex.compare_extraction(store)
    arms: dict[tuple[str, str], pd.DataFrame] = {}
    for o in protocol.outcomes:
        for tp in o.timepoints:
            try:
                data = ex.arm_data(store, protocol, o.id, tp)
            except InputError as exc:
                from .pipeline import PipelineError

                raise PipelineError(
                    "extraction",
                    relative_path(root / EXTRACTION, root),
                    None,
                    f"{o.id} at {tp!r}: {exc}",
                ) from exc
            if len(data):
                arms[(o.id, tp)] = data
    return studies, files, diff, arms


def _template_consensus(
    store: Store, protocol: Protocol, path: Path, create: bool
) -> int:
    """Record a consensus file in the template's layout (every value agreed)."""
    from ._extraction_import import Checker, check_sheets, read_sheets
    from ._extraction_values import record_consensus
    from .extraction import register_studies, studies

    sheets = read_sheets(path)
    records = None
    if create:
        named = [str(c.get("study") or "").strip() for s in sheets for _, c in s.rows]
        register_studies(store, [x for x in named if x])
        records = unique_ids(store.conn)
    table = studies(store, protocol, records)
    labels = {
        int(r): str(s) for r, s in zip(table["record_id"], table["study"], strict=True)
    }
    values = check_sheets(sheets, Checker(protocol, labels))
    by = protocol.owner
    n = 0
    with store.transaction():
        for (rid, outcome, arm, tp), fields in values.items():
            for name, value in fields.items():
                if value is not None:
                    record_consensus(store, rid, outcome, arm, tp, name, value, by)
                    n += 1
    return n


def _study_table(store: Store, protocol: Protocol, records: Any) -> pd.DataFrame:
    """One row per included study with its characteristics (labelled columns)."""
    from .extraction import consensus_values, studies

    table = studies(store, protocol, records)
    values = consensus_values(store)
    chars = values[values["outcome_id"] == ""]
    labels = {c.id: c.label for c in protocol.extraction.characteristics}
    cats = {c.id: c.name for c in protocol.interventions}
    for cid, label in labels.items():
        got = chars[chars["field"] == cid].set_index("record_id")["value"]
        col = [str(got.get(r, "")) for r in table["record_id"]]
        if cid == "intervention_category":
            col = [cats.get(v, v) for v in col]
        table[label] = col
    keep = [
        c
        for c in table.columns
        if c in ("record_id", "study") or (table[c] != "").any()
    ]
    return table[keep]


def rob_state(
    root: Path, store: Store, protocol: Protocol
) -> tuple[pd.DataFrame | None, pd.DataFrame | None, list[tuple[str, str]]]:
    """Import ``rob/*.csv``; return the judgements used, agreement, files read."""
    from . import rob

    files: list[tuple[str, str]] = []
    for f in _files(root / ROB, ".csv"):
        stem = f.stem
        if stem == "consensus":
            continue
        who = _guard("risk of bias", f, reviewer_of, stem, protocol)
        _guard(
            "risk of bias",
            f,
            rob.import_appraisals,
            store,
            f,
            who,
            tool="rob2",
        )
        files.append((relative_path(f, root), who))
    cons = root / ROB / "consensus.csv"
    if cons.exists():
        _guard(
            "risk of bias",
            cons,
            lambda: rob.import_rob_consensus(store, cons, "rob2", by=protocol.owner),
        )
        files.append((relative_path(cons, root), "consensus"))
    table = rob.appraisals(store, "rob2")
    if table.empty:
        return None, None, files
    used = table[table["reviewer"] == rob.CONSENSUS]
    if used.empty:
        first = sorted(set(table["reviewer"]))[0]
        used = table[table["reviewer"] == first]
    used = used.drop_duplicates("record_id", keep="first").reset_index(drop=True)
    agree = None
    appraisers = set(table["reviewer"]) - {rob.CONSENSUS}
    if len(appraisers) == 2:
        agree = rob.rob_agreement(store, "rob2")
    return used, agree, files
