"""Render the report as self-contained HTML and as Markdown (Jinja2 templates)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup

from .._files import relative_path
from ._model import Document, FigureBlock, Note, Paragraph, TableBlock
from ._text import cell


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("metareview.report", "templates"),
        autoescape=lambda name: bool(name) and str(name).endswith(".html.j2"),
        keep_trailing_newline=True,
    )


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _blocks(doc: Document, out: Path, *, html: bool) -> list[dict[str, Any]]:
    sections = []
    for s in doc.sections:
        blocks: list[dict[str, Any]] = []
        for b in s.blocks:
            if isinstance(b, Paragraph):
                blocks.append({"kind": "paragraph", "text": b.text, "lead": b.lead})
            elif isinstance(b, Note):
                blocks.append({"kind": "note", "text": b.text, "note_kind": b.kind})
            elif isinstance(b, FigureBlock):
                src = (
                    _data_uri(b.png.read_bytes(), "image/png")
                    if html
                    else relative_path(b.png, out)
                )
                svg = relative_path(b.png.with_suffix(".svg"), out)
                blocks.append(
                    {"kind": "figure", "caption": b.caption, "src": src, "svg": svg}
                )
            elif isinstance(b, TableBlock):
                blocks.append(_table(b, html=html))
        sections.append(
            {"id": s.id, "title": s.title, "level": s.level, "blocks": blocks}
        )
    return sections


def _table(b: TableBlock, *, html: bool) -> dict[str, Any]:
    file = f"{b.key}.csv"
    frame = b.frame.map(cell) if len(b.frame) else b.frame
    out: dict[str, Any] = {
        "kind": "table",
        "caption": b.caption,
        "file": file,
        "link": f"tables/{file}",
    }
    if html:
        csv = (b.csv if b.csv is not None else b.frame).to_csv(index=False)
        out["data_uri"] = _data_uri(csv.encode("utf-8"), "text/csv")
        out["html"] = Markup(
            frame.to_html(index=False, escape=True, border=0, na_rep="")
        )
    else:
        out["markdown"] = markdown_table(frame)
    return out


def markdown_table(frame: pd.DataFrame) -> str:
    """Return a GitHub-flavoured pipe table (``|`` in cells escaped)."""

    def esc(x: Any) -> str:
        return str(x).replace("|", "\\|").replace("\n", " ")

    head = "| " + " | ".join(esc(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = [
        "| " + " | ".join(esc(v) for v in row) + " |"
        for row in frame.itertuples(index=False)
    ]
    return "\n".join([head, rule, *rows])


def _view(doc: Document, out: Path, *, html: bool) -> dict[str, Any]:
    from .. import __version__

    return {
        "doc": {
            "title": doc.title,
            "subtitle": doc.subtitle,
            "notes": [{"text": n.text, "kind": n.kind} for n in doc.notes],
            "sections": _blocks(doc, out, html=html),
        },
        "version": __version__,
    }


def render_html(doc: Document, out: Path) -> str:
    """Return the report as one HTML file, figures and CSV tables as data: URIs."""
    return _env().get_template("report.html.j2").render(**_view(doc, out, html=True))


def render_markdown(doc: Document, out: Path) -> str:
    """Return the report as Markdown, figures and tables linked (from ``out``)."""
    return _env().get_template("report.md.j2").render(**_view(doc, out, html=False))
