"""Web of Science exports: plain-text tagged (FN/VR/PT … ER/EF) and tab-delimited."""

from __future__ import annotations

import csv
import io
import re

from ._common import (
    Record,
    fail,
    first,
    keywords,
    pages,
    split_authors,
    tagged_record,
)

__all__ = ["read_wos", "read_wos_tab"]

_LINE = re.compile(r"^([A-Z][A-Z0-9]) (.*)$")
_HEADER_TAGS = frozenset({"FN", "VR", "EF"})

#: Candidate WoS field tags per normalised field, best first.
FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("TI",),
    "abstract": ("AB",),
    "journal": ("SO", "J9", "JI"),
    "year": ("PY", "PD", "EA"),
    "volume": ("VL",),
    "issue": ("IS",),
    "doi": ("DI", "D2"),
    "pmid": ("PM",),
    "original_id": ("UT", "AN"),
}


def _record(fields: dict[str, list[str]], separator: str | None = None) -> Record:
    def joined(tag: str) -> str | None:
        values = fields.get(tag)
        return (separator or ";").join(values) if values else None

    # Tagged exports hold one author per line; tab-delimited ones join them with ";".
    authors = split_authors(joined("AF"), ";") or split_authors(joined("AU"), ";")
    kw = keywords(joined("DE"), ";")
    pmid = first(fields, FIELDS["pmid"])
    uid = first(fields, FIELDS["original_id"])
    if pmid is None and uid and uid.startswith("MEDLINE:"):
        pmid = uid.removeprefix("MEDLINE:")
    return tagged_record(
        fields,
        FIELDS,
        authors=authors,
        pages=pages(first(fields, ("BP",)), first(fields, ("EP",)))
        or first(fields, ("PS", "AR")),
        pmid=pmid,
        keywords=kw,
        source_database="Web of Science",
        original_id=uid,
    )


def read_wos(text: str, path: str) -> list[Record]:
    """Return the records of a Web of Science plain-text (tagged) export.

    Parameters
    ----------
    text : str
        Decoded text with LF line ends.
    path : str
        The file name, for error messages.

    Returns
    -------
    list of dict
        One normalised record per ``PT``…``ER`` block.

    """
    records: list[dict[str, list[str]]] = []
    current: dict[str, list[str]] | None = None
    opened = 0
    last: str | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        if line.startswith("   ") and current is not None and last is not None:
            current[last].append(line.strip())
            continue
        match = _LINE.match(line) or (re.match(r"^(ER|EF)\s*$", line))
        if not match:
            raise fail(
                path,
                number,
                f"line {line[:20]!r} is not a Web of Science 'XX value' line",
            )
        tag = match.group(1)
        value = (
            match.group(2).strip() if match.lastindex and match.lastindex > 1 else ""
        )
        if tag == "ER":
            if current is None:
                raise fail(path, number, "ER without a preceding PT")
            records.append(current)
            current, last = None, None
        elif tag in _HEADER_TAGS:
            if current is not None:
                raise fail(path, opened, "record starting here has no ER")
        elif current is None:
            if tag != "PT":
                raise fail(path, number, f"record does not start with PT (found {tag})")
            current, opened = {"PT": [value]}, number
            last = "PT"
        else:
            current.setdefault(tag, []).append(value)
            last = tag
    if current is not None:
        raise fail(path, opened, "record starting here has no ER (file ends inside it)")
    if not records:
        raise fail(path, 1, "no Web of Science record (no 'PT' line)")
    joined = []
    for fields in records:
        out: dict[str, list[str]] = {}
        for tag, values in fields.items():
            out[tag] = values if tag in {"AU", "AF"} else [" ".join(values)]
        joined.append(out)
    return [_record(f) for f in joined]


def read_wos_tab(text: str, path: str) -> list[Record]:
    """Return the records of a Web of Science tab-delimited export.

    Parameters
    ----------
    text : str
        Decoded text with LF line ends.
    path : str
        The file name, for error messages.

    Returns
    -------
    list of dict
        One normalised record per data row.

    """
    reader = csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    rows = list(reader)
    header = [h.strip() for h in rows[0]]
    out = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header) + 1 or len(row) < len(header) // 2:
            raise fail(
                path,
                number,
                f"row has {len(row)} fields but the header has {len(header)}",
            )
        fields = {h: [v] for h, v in zip(header, row, strict=False) if v.strip()}
        out.append(_record(fields, ";"))
    return out
