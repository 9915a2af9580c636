"""The counts of a PRISMA 2020 flow diagram: their types and the sums that hold."""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np

from .._validate import InputError, InputTypeError

# keys whose value is a count, or a mapping name -> count (listed in the box)
LISTS = ("identified", "registers", "excluded_fulltext")
NUMBERS = (
    "duplicates_removed",
    "automation_removed",
    "other_removed",
    "screened",
    "excluded_screening",
    "sought",
    "not_retrieved",
    "assessed",
    "included",
    "included_reports",
)
KEYS = (*LISTS, *NUMBERS)
REMOVED = ("duplicates_removed", "automation_removed", "other_removed")

Counts = dict[str, Any]  # key -> int, or -> dict[str, int] for LISTS


def read_counts(counts: object) -> Counts:
    """Check the keys and values of ``counts``; return a plain dict of ints."""
    if not isinstance(counts, Mapping):
        raise InputTypeError(
            f"counts must be a mapping of PRISMA counts, e.g. "
            f"{{'identified': {{'MEDLINE': 120}}, 'included': 13}}; "
            f"got {type(counts).__name__}"
        )
    out: Counts = {}
    for key, value in counts.items():
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise InputError(
                f"counts has an unknown key {key!r}{hint}; allowed keys are "
                f"{', '.join(KEYS)}"
            )
        if value is None:
            continue  # the same as leaving the key out
        if key in LISTS and isinstance(value, Mapping):
            out[key] = {str(k): _count(f"{key}[{k!r}]", v) for k, v in value.items()}
        else:
            out[key] = _count(key, value)
    if "identified" not in out and "registers" not in out:
        raise InputError(
            "counts needs the records identified: 'identified' (a mapping "
            "database -> n, or a number) or 'registers'"
        )
    if "included" not in out:
        raise InputError("counts needs 'included': the number of studies included")
    return out


def _count(name: str, value: object) -> int:
    if isinstance(value, bool | np.bool_):
        raise InputTypeError(f"counts[{name}] must be a whole number; got {value!r}")
    if isinstance(value, float | np.floating) and float(value).is_integer():
        value = int(value)
    if not isinstance(value, int | np.integer):
        raise InputTypeError(
            f"counts[{name}] must be a whole number (or a mapping name -> number); "
            f"got {value!r}"
        )
    if value < 0:
        raise InputError(f"counts[{name}] must be >= 0; got {value!r}")
    return int(value)


def total(counts: Counts, key: str) -> int | None:
    """Return the count of ``key`` (summed over a list's entries), or None."""
    value = counts.get(key)
    if isinstance(value, dict):
        return sum(value.values())
    return value


def _n(value: int) -> str:
    return f"{value:,}"


def inconsistencies(counts: Counts) -> list[str]:
    """List the sums implied by the PRISMA 2020 flow that the counts break.

    An equality is checked when all its terms are given; of the records removed
    before screening, a line left out counts as 0 (the template omits unused
    lines) as long as one of them is given. Counts further down the flow may
    never exceed the counts they come from.
    """
    t = {key: total(counts, key) for key in KEYS}
    problems: list[str] = []

    def equal(key: str, want: int, terms: str) -> None:
        got = t[key]
        if got is not None and got != want:
            problems.append(f"{key} is {_n(got)} but {terms} = {_n(want)}")

    found = [k for k in ("identified", "registers") if t[k] is not None]
    ident = sum(t[k] or 0 for k in found)
    ident_terms = " + ".join(f"{k} {_n(t[k] or 0)}" for k in found)
    removed = [k for k in REMOVED if t[k] is not None]
    if removed:
        terms = ident_terms + "".join(f" - {k} {_n(t[k] or 0)}" for k in removed)
        equal("screened", ident - sum(t[k] or 0 for k in removed), terms)
    else:
        _at_most(problems, t, "screened", ident, ident_terms)
    after = "sought" if t["sought"] is not None else "assessed"
    screened, next_ = t["screened"], t[after]
    if screened is not None and next_ is not None:
        equal(
            "excluded_screening",
            screened - next_,
            f"screened {_n(screened)} - {after} {_n(next_)}",
        )
    if t["sought"] is not None and t["not_retrieved"] is not None:
        equal(
            "assessed",
            t["sought"] - t["not_retrieved"],
            f"sought {_n(t['sought'])} - not_retrieved {_n(t['not_retrieved'])}",
        )
    last = "included_reports" if t["included_reports"] is not None else "included"
    if t["assessed"] is not None and t["excluded_fulltext"] is not None:
        equal(
            last,
            t["assessed"] - t["excluded_fulltext"],
            f"assessed {_n(t['assessed'])} - excluded_fulltext "
            f"{_n(t['excluded_fulltext'])}",
        )
    flow = ["screened", "sought", "assessed", "included_reports", "included"]
    given = [k for k in flow if t[k] is not None]
    for upper, lower in itertools.pairwise(given):
        _at_most(problems, t, lower, t[upper] or 0, f"{upper} {_n(t[upper] or 0)}")
    for part, whole in (
        ("excluded_screening", "screened"),
        ("not_retrieved", "sought"),
        ("excluded_fulltext", "assessed"),
    ):
        if t[whole] is not None:
            _at_most(problems, t, part, t[whole] or 0, f"{whole} {_n(t[whole] or 0)}")
    return problems


def _at_most(
    problems: list[str], t: dict[str, int | None], key: str, bound: int, terms: str
) -> None:
    got = t[key]
    if got is not None and got > bound:
        problems.append(f"{key} is {_n(got)}, more than {terms}")
