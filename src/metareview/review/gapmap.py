"""The evidence gap map: what was studied, how much, and with what result.

One cell per intervention category × outcome construct × timepoint, holding the
number of studies and participants, the pooled effect and its GRADE certainty
where there is one; the cells nobody filled are named as such, and the gaps are
written out as plain sentences for the report ("No study measured subjective
norms."). The map's axes come from the protocol, so that the categories and
constructs no study reached are shown, not silently left out (Snilstveit et al.
2016; Miake-Lye et al. 2016). :func:`metareview.plots.gapmap.gapmap` draws it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._validate import InputError, InputTypeError
from ._gapmap_axes import (
    ALL,
    CERTAINTY_SYMBOLS,
    Axes,
    Pair,
    merge_results,
    read_studies,
)
from ._grade_sof import capital, lower_first
from .protocol import Protocol

__all__ = ["ALL", "CERTAINTY_SYMBOLS", "CONSTRUCT_LABELS", "GapMap", "gap_map"]

#: The name of the rows that count every category together.
ALL_LABEL = "All interventions"

#: How the theory-of-planned-behaviour constructs read in a sentence; any
#: other construct reads as written, with underscores as spaces.
CONSTRUCT_LABELS = {
    "behaviour": "behaviour",
    "intention": "intentions",
    "attitude": "attitudes",
    "subjective_norm": "subjective norms",
    "perceived_behavioural_control": "perceived behavioural control",
    "stigma": "stigma",
}

_RESULT_COLUMNS = ("estimate", "ci_lb", "ci_ub", "measure", "certainty")


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class GapMap:
    """An evidence gap map: studies, participants and results per cell.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per cell, categories first (in the axis order) and then the
        rows of every category together (``intervention == "all"``): columns
        ``intervention`` (the category's id), ``construct``, ``timepoint``
        (``""`` when none is known), ``studies``, ``participants`` (missing when
        a study of the cell did not report it), ``estimate``, ``ci_lb``,
        ``ci_ub``, ``measure``, ``certainty`` (``"high"`` … ``"very low"``) and
        ``text`` ("3 studies, 412 participants; SMD 0.62 (0.37 to 0.88); ⊕⊕◯◯").
    empty : pandas.DataFrame
        The cells without a study: ``intervention``, ``construct``,
        ``timepoint`` and ``sentence``.
    statements : tuple of str
        The gaps as sentences for the report.
    interventions, intervention_labels : tuple of str
        The categories' ids and names, in the order of the rows.
    constructs, construct_labels : tuple of str
        The constructs and how they read in a sentence ("subjective norms").
    columns : tuple of (str, str)
        The (construct, timepoint) columns, grouped by timepoint.
    min_studies : int
        The fewest studies a pooled estimate needs.

    """

    table: pd.DataFrame
    empty: pd.DataFrame
    statements: tuple[str, ...]
    interventions: tuple[str, ...]
    intervention_labels: tuple[str, ...]
    constructs: tuple[str, ...]
    construct_labels: tuple[str, ...]
    columns: tuple[Pair, ...]
    min_studies: int

    def to_frame(self) -> pd.DataFrame:
        """Return the map as a wide table of cell texts, for a report.

        Rows are the intervention categories (by name) and "All interventions";
        columns a MultiIndex (construct, timepoint), constructs capitalised
        ("Subjective norms"), in the order of the constructs.
        """
        labels = dict(zip(self.constructs, self.construct_labels, strict=True))
        order = {c: k for k, c in enumerate(self.constructs)}
        pairs = sorted(self.columns, key=lambda p: order[p[0]])  # stable: by time
        rows = [*self.interventions, ALL]
        names = [*self.intervention_labels, ALL_LABEL]
        text = self.table.set_index(["intervention", "construct", "timepoint"])["text"]
        data = [[text[(i, c, t)] for c, t in pairs] for i in rows]
        columns = pd.MultiIndex.from_tuples(
            [(capital(labels[c]), t) for c, t in pairs],
            names=["construct", "timepoint"],
        )
        return pd.DataFrame(
            data, index=pd.Index(names, name="intervention"), columns=columns
        )


def gap_map(
    studies: pd.DataFrame,
    *,
    protocol: Protocol | None = None,
    interventions: Sequence[str] | None = None,
    constructs: Sequence[str] | None = None,
    timepoints: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
    results: pd.DataFrame | None = None,
    min_studies: int = 2,
) -> GapMap:
    """Build the evidence gap map of a review.

    Counts the studies and participants in every cell of intervention category
    × outcome construct × timepoint, and in every construct × timepoint over
    all categories; merges the pooled results; and names the empty cells and
    the gaps, as an evidence gap map does (Snilstveit et al. 2016).

    Parameters
    ----------
    studies : pandas.DataFrame
        One row per study × intervention × outcome × timepoint: ``study``,
        ``intervention`` (a category's id or name), ``construct`` (or
        ``outcome``, an outcome id of the protocol, which gives its
        construct), ``timepoint`` and, optionally, ``participants`` (analysed
        in that comparison). A study with several rows in a cell (e.g. two
        scales of one construct) counts once, with its largest number of
        participants; the same holds over the categories, so that a control
        group shared by two comparisons is not counted twice.
    protocol : Protocol, optional
        Gives the axes: every intervention category and every outcome's
        construct, with its timepoints, including those no study reached.
    interventions, constructs : sequence of str, optional
        The categories (ids or names) and constructs to show, in this order;
        with a protocol they must be among its own. Without a protocol or
        these, the values seen in ``studies``.
    timepoints : sequence of str or mapping, optional
        The timepoints in the order shown. With a protocol each construct keeps
        only its own (from its outcomes); without, every construct is shown at
        every timepoint. A mapping construct → timepoints sets them per
        construct. By default the protocol's, else those in ``studies``.
    results : pandas.DataFrame, optional
        Pooled results, one row per cell: ``intervention`` (a category, or
        ``"all"`` for the pooled estimate over every category),
        ``construct`` (or ``outcome``), ``timepoint``, ``estimate``, ``ci_lb``,
        ``ci_ub`` (on the scale reported: an odds ratio, not its logarithm),
        ``measure`` (e.g. ``"SMD"``) and, optionally, ``certainty`` (GRADE:
        ``"high"``, ``"moderate"``, ``"low"``, ``"very low"`` or their symbols).
    min_studies : int
        The fewest studies worth pooling; a cell with fewer, and no result, is
        called too few to pool.

    Returns
    -------
    GapMap

    Raises
    ------
    InputError
        A value outside the axes (an intervention, outcome, construct or
        timepoint that the protocol or the lists do not have), a missing
        column or value, a result for a cell no study is in, or a result
        whose interval does not hold its estimate; the message names the
        table, the rows and the value.

    References
    ----------
    .. [1] Snilstveit B, Vojtkova M, Bhavsar A, Stevenson J, Gaarder M.
       Evidence & gap maps: a tool for promoting evidence informed policy and
       strategic research agendas. J Clin Epidemiol 2016;79:120-129.
       doi:10.1016/j.jclinepi.2016.05.015
    .. [2] Miake-Lye IM, Hempel S, Shanman R, Shekelle PG. What is an evidence
       map? A systematic review of published evidence maps and their
       definitions, methods, and products. Syst Rev 2016;5:28.
       doi:10.1186/s13643-016-0204-x
    .. [3] Balshem H, Helfand M, Schünemann HJ, et al. GRADE guidelines: 3.
       Rating the quality of evidence. J Clin Epidemiol 2011;64:401-406.
       doi:10.1016/j.jclinepi.2010.07.015

    Examples
    --------
    >>> import pandas as pd
    >>> studies = pd.DataFrame({
    ...     "study": ["Ahn 2019", "Berg 2021", "Costa 2022"],
    ...     "intervention": ["Information support"] * 2 + ["Self-perspective"],
    ...     "construct": ["intention", "intention", "stigma"],
    ...     "timepoint": ["post-intervention"] * 3,
    ...     "participants": [120, 80, 64],
    ... })
    >>> gm = gap_map(studies, constructs=["intention", "attitude", "stigma"])
    >>> for sentence in gm.statements:
    ...     print(sentence)
    No study measured attitudes.
    Stigma: 1 study, too few to pool.
    No study of information support measured stigma.
    No study of self-perspective measured intentions.
    >>> gm.to_frame().loc["All interventions", ("Intentions", "post-intervention")]
    '2 studies, 200 participants'

    """
    if not isinstance(studies, pd.DataFrame):
        raise InputTypeError(
            f"studies must be a pandas DataFrame; got {type(studies).__name__}"
        )
    if isinstance(min_studies, bool) or not isinstance(min_studies, int | np.integer):
        raise InputTypeError(f"min_studies must be an integer; got {min_studies!r}")
    if min_studies < 1:
        raise InputError(f"min_studies must be at least 1; got {min_studies}")
    axes = Axes.build(studies, protocol, interventions, constructs, timepoints)
    rows = read_studies(studies, axes)
    table = _count(rows, axes)
    if results is not None:
        table = merge_results(table, results, axes)
    table["text"] = [_cell_text(r) for r in table.to_dict("records")]  # type: ignore[arg-type]
    gm = GapMap(
        table=table,
        empty=_empty(table, axes),
        statements=tuple(_statements(table, axes, int(min_studies))),
        interventions=axes.interventions,
        intervention_labels=axes.intervention_labels,
        constructs=axes.constructs,
        construct_labels=tuple(_construct_label(c) for c in axes.constructs),
        columns=axes.pairs,
        min_studies=int(min_studies),
    )
    return gm


# --- counting ---------------------------------------------------------------


def _count(rows: pd.DataFrame, axes: Axes) -> pd.DataFrame:
    """Studies and participants in every cell, and over all categories."""
    keys = ["intervention", "construct", "timepoint"]
    both = pd.concat([rows, rows.assign(intervention=ALL)], ignore_index=True)
    per_study = both.groupby([*keys, "study"], sort=False)["participants"].max()
    grouped = per_study.groupby(level=keys, sort=False)
    counts = pd.DataFrame(
        {
            "studies": grouped.size(),
            "participants": grouped.sum(min_count=1).where(
                ~grouped.apply(lambda s: s.isna().any())
            ),
        }
    )
    index = pd.MultiIndex.from_tuples(
        [(i, c, t) for i in [*axes.interventions, ALL] for c, t in axes.pairs],
        names=keys,
    )
    table = counts.reindex(index).reset_index()
    table["studies"] = table["studies"].fillna(0).astype(int)
    table["participants"] = table["participants"].astype("Int64")
    for col in _RESULT_COLUMNS:
        table[col] = np.nan if col.startswith(("est", "ci")) else None
    return table


# --- texts -----------------------------------------------------------------------


def _cell_text(row: Mapping[str, Any]) -> str:
    """Write a cell: 3 studies, 412 participants; SMD 0.62 (0.37 to 0.88); ⊕⊕◯◯."""
    n = int(row["studies"])
    if n == 0:
        return "No study"
    text = _studies(n)
    p = row["participants"]
    if not pd.isna(p):
        text += f", {int(p):,} participant{'s' * (int(p) != 1)}"
    if not pd.isna(row["estimate"]):
        measure = f"{row['measure']} " if row["measure"] else ""
        text += f"; {measure}{row['estimate']:.2f} "
        text += f"({row['ci_lb']:.2f} to {row['ci_ub']:.2f})"
    if row["certainty"]:
        text += f"; {CERTAINTY_SYMBOLS[row['certainty']]}"
    return text


def _empty(table: pd.DataFrame, axes: Axes) -> pd.DataFrame:
    """Return the cells without a study, each with its sentence."""
    empty = table.loc[table["studies"] == 0, ["intervention", "construct", "timepoint"]]
    words = _Words(axes)
    sentences = [
        words.nobody(c, t, None if i == ALL else i)
        for i, c, t in empty.itertuples(index=False, name=None)
    ]
    return empty.assign(sentence=sentences).reset_index(drop=True)


@dataclass(frozen=True, slots=True)
class _Words:
    """How the categories, constructs and timepoints read in a sentence."""

    axes: Axes

    def category(self, i: str) -> str:
        k = self.axes.interventions.index(i)
        return lower_first(self.axes.intervention_labels[k])

    def times(self, c: str) -> list[str]:
        return [t for cc, t in self.axes.pairs if cc == c]

    def at(self, c: str, t: str) -> str:
        """Name a cell: intentions at 2 weeks (the time only if there are several)."""
        several = len(self.times(c)) > 1 and t
        return _construct_label(c) + (f" at {t}" if several else "")

    def where(self, c: str, t: str) -> str:
        """Name a cell: Intentions (2 weeks) (the time only if there are several)."""
        several = len(self.times(c)) > 1 and t
        return capital(_construct_label(c)) + (f" ({t})" if several else "")

    def nobody(self, c: str, t: str, i: str | None) -> str:
        of = f" of {self.category(i)}" if i is not None else ""
        return f"No study{of} measured {self.at(c, t)}."


def _statements(table: pd.DataFrame, axes: Axes, min_studies: int) -> list[str]:
    """Write the gaps as sentences, from the widest to the narrowest."""
    words = _Words(axes)
    cats = axes.interventions
    keys = list(
        table[["intervention", "construct", "timepoint"]].itertuples(
            index=False, name=None
        )
    )
    n: dict[tuple[str, str, str], int] = dict(zip(keys, table["studies"], strict=True))
    pooled = dict(zip(keys, table["estimate"].notna(), strict=True))

    def total(i: str, c: str) -> int:
        return sum(n[(i, c, t)] for cc, t in axes.pairs if cc == c)

    measured = [c for c in axes.constructs if total(ALL, c) > 0]
    out = [
        f"No study measured {_construct_label(c)}."
        for c in axes.constructs
        if c not in measured
    ]
    by_construct = sorted(axes.pairs, key=lambda p: axes.constructs.index(p[0]))
    for c, t in by_construct:  # a construct measured, but not at every time
        if c in measured and n[(ALL, c, t)] == 0 and len(words.times(c)) > 1:
            out.append(words.nobody(c, t, None))
    for c, t in by_construct:  # too few studies of a construct to pool
        k = n[(ALL, c, t)]
        # pooled over all categories, or within the one category that has them all
        done = any(pooled[(i, c, t)] and n[(i, c, t)] == k for i in [ALL, *cats])
        if 0 < k < min_studies and not done:
            out.append(f"{words.where(c, t)}: {_studies(k)}, too few to pool.")
    studied = [i for i in axes.interventions if any(total(i, c) for c in measured)]
    out += [
        f"No included study evaluated {words.category(i)}."
        for i in axes.interventions
        if i not in studied
    ]
    for i in studied:  # a category missing constructs that others measured
        missing = [c for c in measured if total(i, c) == 0]
        if missing:
            what = _join([_construct_label(c) for c in missing], "or")
            out.append(f"No study of {words.category(i)} measured {what}.")
    for c, t in by_construct:  # poolable overall, but not in some categories
        if n[(ALL, c, t)] < min_studies:
            continue
        few = [
            f"{words.category(i)} ({_studies(n[(i, c, t)])})"
            for i in axes.interventions
            if 0 < n[(i, c, t)] < min_studies and not pooled[(i, c, t)]
        ]
        if few:
            out.append(
                f"{words.where(c, t)}, by intervention: too few to pool for "
                f"{_join(few, 'and')}."
            )
    return out


def _studies(n: int) -> str:
    return f"{n} stud{'y' if n == 1 else 'ies'}"


def _construct_label(construct: str) -> str:
    return CONSTRUCT_LABELS.get(construct, construct.replace("_", " "))


def _join(items: Sequence[str], word: str) -> str:
    """Join names as a sentence does: a; a or b; a, b or c."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"
