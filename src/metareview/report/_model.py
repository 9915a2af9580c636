"""The report as data: sections of paragraphs, figures, tables and notes.

The builders (:mod:`._build`) write the content once; the HTML, Markdown and
DOCX writers render the same blocks, so the three files say the same things.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


@dataclass(frozen=True, slots=True)
class Paragraph:
    """Prose; ``audit`` says whether it goes to the audit of reported numbers.

    ``lead`` is a run-in heading printed in bold before the text ("Searches.").
    """

    text: str
    audit: bool = True
    lead: str = ""


@dataclass(frozen=True, slots=True)
class Note:
    """A boxed note for the reader (``kind``: ``"warning"`` or ``"info"``)."""

    text: str
    kind: str = "info"


@dataclass(frozen=True, slots=True)
class FigureBlock:
    """A figure: PNG (embedded or linked) with its SVG beside it."""

    key: str
    caption: str
    png: Path


@dataclass(frozen=True, slots=True, eq=False)
class TableBlock:
    """A table, also written to ``output/tables/<key>.csv``."""

    key: str
    caption: str
    frame: pd.DataFrame
    csv: pd.DataFrame | None = None  # the CSV's content, when fuller than the view


@dataclass(slots=True)
class Section:
    """A heading (``level`` 2 or 3) and its blocks."""

    id: str
    title: str
    level: int = 2
    blocks: list[Paragraph | Note | FigureBlock | TableBlock] = field(
        default_factory=list
    )

    def add(self, *blocks: Paragraph | Note | FigureBlock | TableBlock) -> Section:
        """Append blocks; return the section."""
        self.blocks.extend(blocks)
        return self


@dataclass(slots=True)
class Document:
    """The whole report: title, first-page notes and sections."""

    title: str
    subtitle: str
    notes: list[Note]
    sections: list[Section]

    def tables(self) -> list[TableBlock]:
        """Every table, in order."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, TableBlock)]

    def prose(self) -> str:
        """Return the paragraphs that state results, joined, for the audit."""
        return "\n\n".join(
            b.text
            for s in self.sections
            for b in s.blocks
            if isinstance(b, Paragraph) and b.audit
        )
