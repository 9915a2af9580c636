"""Which record a row of a decisions CSV names: by DOI, PMID or title.

Record ids depend on the order of import; bibliographic identifiers do not. A
row's identifiers are compared normalised (as deduplication compares them) with
every record's, and the records matched must belong to one duplicate cluster,
whose first record is the one screened. Used by :mod:`._screening_csv`.
"""

from __future__ import annotations

from ._dedup_normalise import normalise_doi, normalise_pmid, normalise_title
from .store import Store

__all__ = ["IDENTIFIERS", "identify"]

#: Columns that identify a record when record_id is blank, tried in this order.
IDENTIFIERS = ("doi", "pmid", "title")
Row = tuple[int, dict[str, object]]  # line, checked values


def identify(store: Store, rows: list[Row]) -> list[str]:
    """Replace each row's identifiers by the record they name; return problems."""
    if all(not isinstance(r["record_id"], dict) for _, r in rows):
        return []
    index = _record_index(store)
    problems = []
    for line, row in rows:
        given = row["record_id"]
        if not isinstance(given, dict):
            continue
        found, tried = None, []
        for key in IDENTIFIERS:
            if key not in given:
                continue
            norm = _NORMALISE[key](given[key])
            clusters = index[key].get(norm, set()) if norm else set()
            tried.append(f"{key} {given[key]!r}")
            if len(clusters) > 1:
                ids = ", ".join(map(str, sorted(clusters)))
                problems.append(
                    f"line {line}, column {key}: {given[key]!r} is ambiguous: it "
                    f"matches records {ids} of different duplicate clusters; give "
                    "record_id"
                )
                found = -1
                break
            if clusters:
                found = next(iter(clusters))
                break
        if found is None:
            problems.append(
                f"line {line}, column {next(iter(given))}: no record of this review "
                f"matches {' or '.join(tried)}"
            )
        elif found > 0:
            row["record_id"] = found
    return problems


_NORMALISE = {"doi": normalise_doi, "pmid": normalise_pmid, "title": normalise_title}


def _record_index(store: Store) -> dict[str, dict[str, set[int]]]:
    """Normalised doi, pmid and title -> the duplicate clusters holding them."""
    rows = store.conn.execute(
        "SELECT r.id, coalesce(d.duplicate_of, r.id), r.doi, r.pmid, r.title"
        " FROM records AS r LEFT JOIN current_duplicates AS d ON d.record_id = r.id"
    ).fetchall()
    index: dict[str, dict[str, set[int]]] = {k: {} for k in IDENTIFIERS}
    for _, cluster, *values in rows:
        for key, value in zip(IDENTIFIERS, values, strict=True):
            norm = _NORMALISE[key](value)
            if norm:
                index[key].setdefault(norm, set()).add(int(cluster))
    return index
