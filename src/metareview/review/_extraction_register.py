"""Studies named in extraction files, added as records when a review starts there.

Public through :mod:`metareview.review.extraction`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from .._validate import InputError
from ._extraction_values import study_labels
from .store import Store

__all__ = ["REGISTERED", "register_studies"]

REGISTERED = "(studies named in extraction files)"
_LABEL = re.compile(r"^(?P<name>.+?)\s+(?P<year>\d{4})[a-z]*$")


def register_studies(store: Store, labels: Sequence[str]) -> dict[str, int]:
    """Return the record of each study label, adding a record for a new one.

    For a review that starts at extraction (no searches, no screening: the
    studies of a published meta-analysis, say), the studies are named in the
    extraction files by their labels "FirstAuthor Year". A label that is
    already a study label of the review (:func:`studies`) maps to its record;
    the others are added, in one transaction, as records of one batch whose
    path says where they came from, with the first author (a name of several
    words, such as a trial group, is kept whole) and the year.

    Parameters
    ----------
    store : Store
        The review database.
    labels : sequence of str
        Study labels such as ``"Aronson 1948"`` or ``"TPT Madras 1980"``.

    Returns
    -------
    dict of str to int
        Each label's record id.

    Raises
    ------
    InputError
        For a label that does not end in a four-digit year.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from metareview.review.store import open_store
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with open_store(pathlib.Path(tmp) / "review.db") as store:
    ...         ids = register_studies(store, ["Aronson 1948", "TPT Madras 1980"])
    ...         again = register_studies(store, ["TPT Madras 1980"])
    >>> ids, again
    ({'Aronson 1948': 1, 'TPT Madras 1980': 2}, {'TPT Madras 1980': 2})

    """
    wanted = list(dict.fromkeys(str(x).strip() for x in labels))
    parsed = {x: m for x in wanted if (m := _LABEL.match(x)) is not None}
    bad = [x for x in wanted if x not in parsed]
    if bad:
        raise InputError(
            "study labels are 'FirstAuthor Year' (e.g. 'Aronson 1948'); got "
            + ", ".join(map(repr, bad[:5]))
        )
    known = {label: rid for rid, label in study_labels(store, []).items()}
    new = [x for x in wanted if x not in known]
    if new:
        rows = []
        for label in new:
            name, year = parsed[label]["name"], int(parsed[label]["year"])
            authors = f"{name}," if len(name.split()) > 1 else name
            rows.append({"title": label, "authors": authors, "year": year})
        digest = hashlib.sha256("\n".join(new).encode()).hexdigest()
        with store.transaction():
            store.add_batch(
                path=REGISTERED,
                sha256=digest,
                database="extraction",
                format="study labels",
                encoding="",
                records=rows,
            )
        known = {label: rid for rid, label in study_labels(store, []).items()}
    missing = [x for x in wanted if x not in known]
    if missing:
        raise InputError(
            f"studies {', '.join(map(repr, missing))} could not be registered: "
            "their labels collide with other records' labels (a, b... suffixes)"
        )
    return {x: known[x] for x in wanted}
