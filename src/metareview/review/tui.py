"""The terminal screener: one record at a time, one key per decision.

``metareview screen DIR --reviewer NAME [--stage ta|ft]`` shows the records a
reviewer still has to screen, one at a time, with the terms of the protocol's
criteria highlighted, and saves each decision the moment its key is pressed.

Three parts, each testable without a terminal:

- :class:`ScreenSession`, a state machine: it takes one key (or, when it asks
  for a note, one line) and calls
  :func:`~metareview.review.screening.record_decision` or
  :func:`~metareview.review.screening.retract_decision` at once, each in its
  own transaction, so a session killed at any moment loses no decision it
  acknowledged;
- :func:`render`, which builds rich renderables; record and protocol text go
  into :class:`rich.text.Text` objects, so a title holding ``[bold]`` or
  ``<script>`` is shown literally, never read as markup;
- :class:`TerminalKeys`, one key without Enter from a terminal (POSIX raw
  mode, Windows ``msvcrt``) or one line per key when standard input is not a
  terminal; :class:`KeyList` feeds keys from a list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .._validate import MetareviewError
from ._tui_keys import EOF, ESCAPE, KeyList, KeySource, TerminalKeys
from .protocol import Protocol as ReviewProtocol
from .screening import (
    Progress,
    next_record,
    open_review,
    progress,
    record_decision,
    retract_decision,
    stage_name,
)
from .store import Store
from .terms import criteria_terms, highlight_terms, term_pattern

__all__ = [
    "KeyList",
    "KeySource",
    "ScreenSession",
    "ScreenSummary",
    "TerminalKeys",
    "criteria_terms",
    "highlight",
    "highlight_terms",
    "render",
    "run_session",
    "screen",
]

Mode = Literal["decide", "note", "reason", "help", "done"]

QUIT = frozenset({"q", "Q", "\x03", EOF})  # q, Ctrl-C, end of input
DECISIONS = {"i": "include", "e": "exclude", "m": "maybe"}
LEGEND = (
    ("i", "include"),
    ("e", "exclude"),
    ("m", "maybe"),
    ("n", "note"),
    ("s", "skip"),
    ("u", "undo"),
    ("?", "help"),
    ("q", "quit"),
)
HELP = (
    ("i / e / m", "include, exclude or maybe: saved at once"),
    ("e at full text", "asks for the exclusion reason; a digit picks it"),
    ("n", "type a note, then decide: the note goes with the decision"),
    ("s", "skip: the record comes back after the others"),
    ("u", "undo your last decision of this session and show the record again"),
    ("q", "quit: every decision is already saved; run again to go on"),
)
STAGE_LABELS = {"title_abstract": "Title/abstract", "full_text": "Full text"}
INCLUDE_STYLE = "bold green"
EXCLUDE_STYLE = "bold red"


def highlight(
    text: str, include: Iterable[str] = (), exclude: Iterable[str] = ()
) -> Text:
    """Return ``text`` as literal rich Text with the terms highlighted.

    Include terms are bold green, exclude terms bold red (red wins where they
    overlap). The text is never parsed as markup.

    Examples
    --------
    >>> t = highlight("A [bold] randomised trial", include=["trial"])
    >>> t.plain, [(s.start, s.end, str(s.style)) for s in t.spans]
    ('A [bold] randomised trial', [(20, 25, 'bold green')])

    """
    out = Text(text)
    for terms, style in ((include, INCLUDE_STYLE), (exclude, EXCLUDE_STYLE)):
        pattern = term_pattern(terms)
        if pattern is not None:
            out.highlight_regex(pattern, style)
    return out


# ------------------------------------------------------------------- session
@dataclass(frozen=True, slots=True)
class ScreenSummary:
    """What a screening session did, and where the reviewer stands after it."""

    decisions: int
    retractions: int
    done: int
    total: int

    @property
    def remaining(self) -> int:
        """Records still to screen."""
        return self.total - self.done


class ScreenSession:
    """The screener's state: the queue, this session's decisions, the mode.

    Parameters
    ----------
    store : Store
        The open ``review.db``.
    protocol : Protocol
        The review protocol (criteria, full-text exclusion reasons).
    reviewer : str
        Who screens.
    stage : str
        ``"ta"``/``"title_abstract"`` or ``"ft"``/``"full_text"``.

    Notes
    -----
    :meth:`press` takes a key in modes ``decide``, ``reason`` and ``help``,
    and a line in mode ``note`` (and in ``reason`` when there are more than
    nine reasons): :attr:`wants_line` says which. Mode ``done`` ends the
    session. Each decision and each undo is written before :meth:`press`
    returns. After each decision the next record is asked for again
    (:func:`~metareview.review.screening.next_record`): the ranking learns
    from the decision just made, and the record shown is held for the
    reviewer, as in the web app. Skipped records come after the others.

    """

    def __init__(
        self, store: Store, protocol: ReviewProtocol, reviewer: str, stage: str
    ) -> None:
        self.store = store
        self.protocol = protocol
        self.reviewer = reviewer
        self.stage = stage_name(stage)
        self.skipped: list[int] = []  # this session's skips, in order
        self.current: dict[str, Any] | None = None  # the record on screen
        self._advance()
        self.history: list[dict[str, Any]] = []
        self.mode: Mode = "decide" if self.current else "done"
        self.note: str | None = None
        self.message = "" if self.current else "Nothing left to screen."
        self.decisions = 0
        self.retractions = 0
        self.terms = highlight_terms(protocol)
        self.reasons: tuple[str, ...] = ()
        if self.stage == "full_text":
            self.reasons = tuple(protocol.eligibility.fulltext_reasons)

    @property
    def wants_line(self) -> bool:
        """Whether :meth:`press` expects a whole line rather than one key."""
        return self.mode == "note" or (self.mode == "reason" and len(self.reasons) > 9)

    def progress(self) -> Progress:
        """Return the reviewer's progress at this stage (done, total, remaining)."""
        return progress(self.store, self.protocol, self.reviewer, self.stage)

    def press(self, key: str) -> Mode:
        """Act on one key (or line) and return the mode that follows."""
        self.message = ""
        if self.mode == "note":
            self._on_note(key)
        elif key in QUIT:
            self.mode = "done"
        elif self.mode == "help":
            self.mode = "decide"
        elif self.mode == "reason":
            self._on_reason(key)
        else:
            self._on_decide(key)
        return self.mode

    def _on_decide(self, key: str) -> None:
        if key == "?":
            self.mode = "help"
        elif key == "u":
            self._undo()
        elif self.current is None and key in (*DECISIONS, "n", "s"):
            self.message = "Nothing left to screen: u undoes your last decision."
        elif key == "e" and self.reasons:
            self.mode = "reason"
        elif key in DECISIONS:
            self._decide(DECISIONS[key])
        elif key == "n":
            self.mode = "note"
        elif key == "s":
            self._skip()
        elif key in ("", ESCAPE):  # Enter alone, Esc, an arrow key
            self.message = "Press a key: ? for help."
        else:
            self.message = f"Unknown key {key!r}: press ? for help."

    def _on_note(self, line: str) -> None:
        self.mode = "decide"
        if line == EOF:
            self.mode = "done"
        elif line.strip() in ("", ESCAPE):
            self.message = "No note."
        else:
            self.note = line.strip()
            self.message = "Note kept: it is saved with your next decision."

    def _on_reason(self, key: str) -> None:
        if key in (ESCAPE, "c"):
            self.mode = "decide"
            self.message = "Not excluded."
        elif key.strip().isdecimal() and 1 <= int(key) <= len(self.reasons):
            self._decide("exclude", self.reasons[int(key) - 1])
        else:
            self.message = (
                f"Pick a reason with 1-{len(self.reasons)}, or Esc / c to go back."
            )

    def _advance(self) -> None:
        """Show the next record of the queue (None when none is left)."""
        frame = next_record(
            self.store, self.protocol, self.reviewer, self.stage, last=self.skipped
        )
        rows = frame.to_dict("records")
        self.current = {str(k): v for k, v in rows[0].items()} if rows else None
        if self.current is not None and int(self.current["id"]) in self.skipped:
            self.skipped.remove(int(self.current["id"]))  # its turn came again

    def _decide(self, decision: str, reason: str | None = None) -> None:
        record = self.current
        assert record is not None  # _on_decide checks it
        try:
            record_decision(
                self.store,
                self.protocol,
                int(record["id"]),
                self.reviewer,
                self.stage,
                decision,
                reason=reason,
                note=self.note,
            )
        except MetareviewError as exc:
            self.mode = "decide"
            self.message = f"Not saved: {exc}"
            return
        self.history.append(record)
        self.decisions += 1
        self.note = None
        self.mode = "decide"
        why = f" ({reason})" if reason else ""
        self.message = f"Saved: record {record['id']} {decision}{why}."
        self._advance()
        if self.current is None:
            self.message += " All screened: u undoes the last decision, q quits."

    def _undo(self) -> None:
        if not self.history:
            self.message = "Nothing to undo in this session."
            return
        record = self.history[-1]
        try:
            retract_decision(
                self.store, self.protocol, int(record["id"]), self.reviewer, self.stage
            )
        except MetareviewError as exc:
            self.message = f"Not undone: {exc}"
            return
        self.history.pop()
        self.current = record  # shown again now; the queue has it back
        self.retractions += 1
        self.message = f"Undone: record {record['id']} is to decide again."

    def _skip(self) -> None:
        if self.progress().remaining <= 1:
            self.message = "This is the last record left."
            return
        assert self.current is not None  # _on_decide checks it
        self.skipped.append(int(self.current["id"]))
        self._advance()
        self.message = "Skipped: the record comes back after the others."


# ----------------------------------------------------------------- rendering
def _field(record: dict[str, Any], name: str) -> str:
    value = record.get(name)
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a year read as float because of missing years
    return str(value).strip()


def _record_panel(session: ScreenSession, record: dict[str, Any]) -> Panel:
    include, exclude = session.terms
    body = Text()
    body.append_text(
        highlight(_field(record, "title") or "(no title)", include, exclude)
    )
    body.stylize("bold", 0, len(body))
    meta = [_field(record, k) for k in ("authors", "year", "journal")]
    if line := " · ".join(m for m in meta if m):
        body.append("\n" + line, style="dim")
    if doi := _field(record, "doi"):
        body.append(f"\nDOI: {doi}", style="dim")
    abstract = _field(record, "abstract")
    body.append("\n\n")
    if abstract:
        body.append_text(highlight(abstract, include, exclude))
    else:
        body.append("(no abstract)", style="italic")
    if keywords := _field(record, "keywords"):
        body.append("\n\nKeywords: ", style="italic")
        body.append_text(highlight(keywords, include, exclude))
    return Panel(body, title=Text(f"Record {record['id']}"), title_align="left")


def _criteria_panel(session: ScreenSession) -> Panel:
    elig = session.protocol.eligibility
    text = Text()
    for head, items, style in (
        ("Include if", elig.inclusion, "green"),
        ("Exclude if", elig.exclusion, "red"),
    ):
        if items:
            text.append(f"{head}\n", style=f"bold {style}")
            for item in items:
                text.append("• ")
                text.append(f"{item}\n")
    if session.reasons:
        text.append("Full-text exclusion reasons\n", style="bold red")
        for n, reason in enumerate(session.reasons, start=1):
            text.append(f"{n}. {reason}\n")
    text.rstrip()
    return Panel(text, title="Criteria", title_align="left")


def _progress_line(session: ScreenSession, width: int = 30) -> Text:
    """Draw the bar with characters (seen without colour too), then the counts."""
    p = session.progress()
    filled = round(width * p.done / p.total) if p.total else width
    line = Text("━" * filled, style="green")
    line.append("─" * (width - filled), style="dim")
    return line.append(f" {p.done}/{p.total}, {p.remaining} remaining")


def _prompt(session: ScreenSession) -> Text:
    if session.mode == "note":
        return Text("Type the note and press Enter (empty: no note): ", style="bold")
    if session.mode == "reason":
        text = Text("Why exclude? ", style="bold")
        for n, reason in enumerate(session.reasons, start=1):
            text.append(f" [{n}] {reason}")
        return text.append("  [Esc/c] back")
    if session.mode == "help":
        text = Text("Keys\n", style="bold")
        for key, what in HELP:
            text.append(f"  {key:<16}{what}\n")
        return text.append("Press any key to go back.")
    text = Text()
    for key, what in LEGEND:
        text.append(f"[{key}]", style="bold cyan").append(f" {what}  ")
    text.rstrip()
    return text


def render(session: ScreenSession, *, width: int = 100) -> RenderableType:
    """Build the screen for the session's state.

    A heading (stage, reviewer), the progress bar with "done/total, N
    remaining", the record (title in bold, authors, year, journal, DOI,
    abstract and keywords with include terms in green and exclude terms in
    red), the criteria (beside the record when ``width >= 120``, else under
    it), the last message and the key legend or the current prompt.
    """
    head = Text(f"{STAGE_LABELS[session.stage]} screening", style="bold")
    head.append(" — ").append(session.reviewer)
    parts: list[RenderableType] = [head, _progress_line(session)]
    record = session.current
    criteria = _criteria_panel(session)
    if record is None:
        parts += [Text("Nothing left to screen at this stage."), criteria]
    elif width >= 120:
        grid = Table.grid(expand=True, padding=(0, 1))
        grid.add_column(ratio=3)
        grid.add_column(ratio=2)
        grid.add_row(_record_panel(session, record), criteria)
        parts.append(grid)
    else:
        parts += [_record_panel(session, record), criteria]
    if session.note:
        note = Text("Note for the next decision: ", style="italic")
        parts.append(note.append(session.note))
    if session.message:
        parts.append(Text(session.message, style="yellow"))
    parts.append(_prompt(session))
    return Group(*parts)


# ----------------------------------------------------------------- the loop
def run_session(session: ScreenSession, keys: KeySource, console: Console) -> None:
    """Show the session and feed it keys until it is done."""
    while session.mode != "done":
        if console.is_terminal:
            console.clear()
        console.print(render(session, width=console.width))
        try:
            item = keys.read_line() if session.wants_line else keys.read_key()
        except KeyboardInterrupt:
            item = EOF
        session.press(item)


def screen(
    folder: str | Path,
    reviewer: str,
    stage: str = "ta",
    *,
    keys: KeySource | None = None,
    console: Console | None = None,
) -> ScreenSummary:
    """Screen the records of a review project in the terminal.

    Parameters
    ----------
    folder : str or pathlib.Path
        The review project (``review.toml`` and ``review.db``).
    reviewer : str
        Who screens; each decision is saved as theirs.
    stage : str, default "ta"
        ``"ta"`` (title and abstract) or ``"ft"`` (full text).
    keys : KeySource, optional
        Where keys come from; by default standard input (:class:`TerminalKeys`).
    console : rich.console.Console, optional
        Where the screen is drawn; by default standard output.

    Returns
    -------
    ScreenSummary
        Decisions and undos of this session, and the progress after it.

    """
    console = console if console is not None else Console()
    with open_review(folder) as (store, protocol):
        session = ScreenSession(store, protocol, reviewer, stage)
        run_session(session, keys if keys is not None else TerminalKeys(), console)
        p = session.progress()
    summary = ScreenSummary(session.decisions, session.retractions, p.done, p.total)
    console.print(
        Text(
            f"{summary.decisions} decision(s) saved this session; "
            f"{p.done}/{p.total} screened, {p.remaining} remaining."
        )
    )
    return summary
