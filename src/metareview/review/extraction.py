"""Data extraction: templates, dual extraction, consensus, analysis-ready arm data.

The protocol's outcomes and ``[extraction]`` characteristics generate a template
(:func:`write_template`, XLSX or two CSV files): one row per study for its
characteristics, and one per study, outcome, time point and arm for what the
report gives (events and totals; mean with SD, SE or CI; median with IQR or
range; change scores; t, F or P of a comparison; an adjusted effect with its CI;
cluster sizes and ICC; the page or table). Each reviewer's filled template is
imported (:func:`import_extraction`, every row checked first, all written or
none) and kept apart; :func:`compare_extraction` lists the disagreements,
:func:`record_consensus` settles one, and :func:`consensus_values` gives the
values an analysis uses. :func:`arm_data` turns them into one row per
comparison for :func:`~metareview.escalc`, every derived value flagged in
``converted`` with its method in ``conversion``.

A study is a record included at full text (see
:func:`metareview.review.screening.outcomes`), labelled "FirstAuthor Year"
(a, b... when two share a label). Arms are named ``control`` or by an
intervention category id of the protocol, with ``:label`` to tell apart two
arms of one category (``mcii:high dose``). Values are stored in
``extraction_values``, one row per value and reviewer; the latest wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._validate import InputError
from ..effects.escalc import escalc
from ._extraction_arms import Where
from ._extraction_build import BINARY_COLUMNS, CONTINUOUS_COLUMNS, Plan, study_rows
from ._extraction_fields import CONSENSUS
from ._extraction_import import Checker, Values, check_sheets, read_sheets
from ._extraction_register import register_studies
from ._extraction_template import template_frames, write_csv, write_xlsx
from ._extraction_values import (
    compare_extraction,
    consensus_frame,
    consensus_values,
    current_rows,
    diff_frame,
    import_consensus,
    record_consensus,
    study_labels,
    walk_values,
    write_values,
)
from .protocol import BINARY_MEASURES, Protocol
from .store import Store

__all__ = [
    "ExtractionImport",
    "arm_data",
    "compare_extraction",
    "consensus_values",
    "effect_sizes",
    "import_consensus",
    "import_extraction",
    "record_consensus",
    "register_studies",
    "studies",
    "write_template",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class ExtractionImport:
    """What :func:`import_extraction` read and wrote."""

    file: Path
    reviewer: str
    studies: int  # studies with at least one row in the file
    rows: int  # rows with values (characteristics and outcome rows)
    values: int  # values written (new, changed or cleared)


def studies(
    store: Store, protocol: Protocol, records: Sequence[int] | None = None
) -> pd.DataFrame:
    """Return the included studies: ``record_id`` and ``study`` label.

    Parameters
    ----------
    store : Store
        The review database.
    protocol : Protocol
        The protocol.
    records : sequence of int, optional
        The studies' record ids; by default the records included at full text.

    """
    if records is None:
        from .screening import outcomes

        ft = outcomes(store, protocol, "full_text")
        ids = sorted(int(r) for r in ft.loc[ft["status"] == "included", "record_id"])
    else:
        ids = sorted({int(r) for r in records})
    labels = study_labels(store, ids)
    missing = [i for i in ids if i not in labels]
    if missing:
        raise InputError(f"records: {missing[:5]} are not records of this review")
    return pd.DataFrame({"record_id": ids, "study": [labels[i] for i in ids]})


def write_template(
    store: Store,
    protocol: Protocol,
    path: str | Path,
    *,
    records: Sequence[int] | None = None,
) -> list[Path]:
    """Write the extraction template for the included studies.

    Parameters
    ----------
    store, protocol
        The review.
    path : str or pathlib.Path
        ``.xlsx``: one workbook with sheets ``characteristics``, ``outcomes``,
        ``instructions`` (every column, its unit and allowed values) and drop-down
        lists on the choice columns. ``.csv``: two files,
        ``<stem>_characteristics.csv`` and ``<stem>_outcomes.csv``.
    records : sequence of int, optional
        The studies; by default those included at full text.

    Returns
    -------
    list of pathlib.Path
        The files written.

    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise InputError(f"path must end in .xlsx or .csv; got {str(path)!r}")
    table = studies(store, protocol, records)
    done = consensus_values(store)
    cats = done[(done["outcome_id"] == "") & (done["field"] == "intervention_category")]
    categories = {
        int(r): str(v) for r, v in zip(cats["record_id"], cats["value"], strict=True)
    }
    first, second = template_frames(protocol, table, categories)
    if suffix == ".xlsx":
        return write_xlsx(path, protocol, first, second)
    return write_csv(path, first, second)


def import_extraction(
    store: Store,
    protocol: Protocol,
    path: str | Path,
    reviewer: str,
    *,
    records: Sequence[int] | None = None,
    create_studies: bool = False,
) -> ExtractionImport:
    """Import one reviewer's filled template: every row checked, then all or none.

    Parameters
    ----------
    store, protocol
        The review.
    path : str or pathlib.Path
        An ``.xlsx`` template, one of its ``.csv`` files, or the ``.csv`` path the
        template was written to (both files are read).
    reviewer : str
        A reviewer of the protocol.
    records : sequence of int, optional
        The studies allowed; by default those included at full text.
    create_studies : bool, default False
        Also allow the studies named by label (``study`` column, ``record_id``
        blank) in the file, adding those that are no record yet
        (:func:`register_studies`): for a review that starts at extraction.

    Returns
    -------
    ExtractionImport
        Counts of the studies, rows and values; only new, changed and cleared
        values are written (a blank cell clears an earlier value of the same
        reviewer).

    Raises
    ------
    InputError
        Listing every problem, each naming the file, sheet, row and column: an
        unknown study, outcome, time point, arm or column; a value that is not
        a number; impossible numbers (negative SD, events above n, q1 above the
        median, P outside (0, 1), a CI that does not hold its estimate...).

    """
    names = [r.name for r in protocol.reviewers]
    if reviewer not in names or reviewer == CONSENSUS:
        raise InputError(
            f"reviewer must be one of {', '.join(map(repr, names))}; got {reviewer!r}"
        )
    path = Path(path)
    sheets = read_sheets(path)
    with store.transaction():  # registered studies go if the import fails
        if create_studies:
            named = [
                str(cells.get("study") or "").strip()
                for sheet in sheets
                for _, cells in sheet.rows
                if not str(cells.get("record_id") or "").strip()
            ]
            added = register_studies(store, [x for x in named if x]).values()
            if records is None:
                table = studies(store, protocol)
                records = [int(r) for r in table["record_id"]]
            records = [*records, *added]
        table = studies(store, protocol, records)
        labels = {
            int(r): str(s)
            for r, s in zip(table["record_id"], table["study"], strict=True)
        }
        checker = Checker(protocol, labels)
        values = check_sheets(sheets, checker)
        rows = _changes(store, reviewer, values)
        write_values(store, rows)
    return ExtractionImport(
        file=path,
        reviewer=reviewer,
        studies=len({k[0] for k in values}),
        rows=sum(any(v is not None for v in f.values()) for f in values.values()),
        values=len(rows),
    )


def _changes(
    store: Store, reviewer: str, values: Values
) -> list[tuple[int, str, str, str, str, str, str | None]]:
    old = {
        (rid, outcome, arm, tp, field): value
        for rid, who, outcome, arm, tp, field, value in current_rows(store)
        if who == reviewer
    }
    out = []
    for (rid, outcome, arm, tp), fields in values.items():
        for name, value in fields.items():
            if old.get((rid, outcome, arm, tp, name)) != value:
                out.append((rid, reviewer, outcome, arm, tp, name, value))
    return out


def arm_data(
    store: Store, protocol: Protocol, outcome_id: str, timepoint: str
) -> pd.DataFrame:
    """One row per comparison of an outcome at a time point, ready for escalc.

    Parameters
    ----------
    store, protocol
        The review; the values used are :func:`consensus_values`.
    outcome_id, timepoint : str
        An outcome of the protocol and one of its time points.

    Returns
    -------
    pandas.DataFrame
        ``study, record_id, design, intervention`` (category; ``a+b`` when arms
        of two categories were combined), ``arm``, ``comparator``; then
        ``ai, n1i, ci, n2i`` (binary) or ``m1i, sd1i, n1i, m2i, sd2i, n2i``
        (continuous), group 1 being the intervention; ``yi, vi`` (on escalc's
        scale) when only a comparison was reported; ``measure``; ``multi_arm``
        ("", "combined (k arms)" or "split (control / k)"); ``converted`` and
        ``conversion`` (each derived value's arm and method, joined by " | ").

    Raises
    ------
    InputError
        When the values disagree without a consensus, or a study's outcome
        cannot be derived (naming the study, arm and what is missing).

    Notes
    -----
    Conversions, multi-arm and cluster trials: see the module notes of
    ``metareview.review._extraction_arms`` and ``_extraction_build``.

    """
    outcome = protocol.outcome(outcome_id)
    if outcome is None:
        ids = ", ".join(repr(o.id) for o in protocol.outcomes)
        raise InputError(f"outcome_id must be one of {ids}; got {outcome_id!r}")
    if timepoint not in outcome.timepoints:
        allowed = ", ".join(map(repr, outcome.timepoints))
        raise InputError(
            f"timepoint of {outcome_id} must be one of {allowed}; got {timepoint!r}"
        )
    measure = outcome.measure_at(timepoint, protocol.analysis)
    plan = Plan(
        binary=outcome.type == "binary",
        measure=measure,
        multi_arm=protocol.extraction.multi_arm,
        icc=protocol.extraction.icc,
    )
    walked = walk_values(store)  # every stored value, read once for both uses
    _check_resolved(diff_frame(store, walked), outcome_id, timepoint)
    values = consensus_frame(store, walked)
    mine = values[
        (values["outcome_id"] == outcome_id) & (values["timepoint"] == timepoint)
    ]
    rows = []
    for _, group in mine.groupby("record_id", sort=True):
        rid = int(group["record_id"].iloc[0])
        arms: dict[str, dict[str, str]] = {}
        for arm, f, v in zip(group["arm"], group["field"], group["value"], strict=True):
            arms.setdefault(str(arm), {})[str(f)] = str(v)
        design = _characteristic(values, rid, "design")
        label = str(group["study"].iloc[0])
        where = Where(study=label, outcome=outcome_id, timepoint=timepoint)
        rows += study_rows(rid, where, arms, design, plan)
    columns = [
        "study",
        "record_id",
        "design",
        "intervention",
        "arm",
        "comparator",
        *(BINARY_COLUMNS if plan.binary else CONTINUOUS_COLUMNS),
        "yi",
        "vi",
        "measure",
        "multi_arm",
        "converted",
        "conversion",
    ]
    out = pd.DataFrame(rows, columns=[c for c in columns if c != "measure"])
    out.insert(columns.index("measure"), "measure", measure)
    return out


def _characteristic(values: pd.DataFrame, record_id: int, field: str) -> str:
    hit = values[
        (values["record_id"] == record_id)
        & (values["outcome_id"] == "")
        & (values["field"] == field)
    ]
    return str(hit["value"].iloc[0]) if len(hit) else ""


def _check_resolved(diff: pd.DataFrame, outcome_id: str, timepoint: str) -> None:
    diff = diff.loc[~diff["resolved"].to_numpy(dtype=bool)]
    ids = set(
        diff.loc[
            (diff["outcome_id"] == outcome_id) & (diff["timepoint"] == timepoint),
            "record_id",
        ]
    )
    here = diff[
        diff["record_id"].isin(ids)
        | ((diff["outcome_id"] == "") & (diff["field"] == "design"))
    ]
    here = here[(here["outcome_id"] == "") | (here["outcome_id"] == outcome_id)]
    if len(here):
        listed = "; ".join(
            " ".join(str(x) for x in row if x)
            for row in here[["study", "outcome_id", "arm", "field"]]
            .head(10)
            .itertuples(index=False, name=None)
        )
        raise InputError(
            f"{len(here)} disagreement(s) without consensus in the data of "
            f"{outcome_id} at {timepoint!r} ({listed}); see compare_extraction "
            "(metareview extract --compare) and record a consensus"
        )


def effect_sizes(data: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
    """Run :func:`~metareview.escalc` on :func:`arm_data`, rows with ``yi`` kept.

    Arm-level rows get ``yi`` and ``vi`` from escalc with the data's
    ``measure``; rows that already have them (a reported effect) keep theirs.
    ``kwargs`` go to escalc (``vtype``, ``convention``...). Returns the rows in
    their order with ``yi``, ``vi`` and ``slab`` (the study).
    """
    if data.empty:
        raise InputError("data has no rows")
    measure = str(data["measure"].iloc[0])
    arm_cols = BINARY_COLUMNS if measure in BINARY_MEASURES else CONTINUOUS_COLUMNS
    given = data["yi"].notna().to_numpy()
    out = data.copy()
    if (~given).any():
        arm = data.loc[~given].drop(columns=["yi", "vi"])
        columns: dict[str, Any] = {c: c for c in arm_cols}
        es = escalc(measure, data=arm, slab="study", **columns, **kwargs)
        out.loc[~given, "yi"] = es["yi"].to_numpy()
        out.loc[~given, "vi"] = es["vi"].to_numpy()
    out["slab"] = out["study"]
    return out.astype({"yi": np.float64, "vi": np.float64})
