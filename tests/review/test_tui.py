"""The terminal screener: keys in, decisions saved at each key, text shown literally.

The project is the template protocol (Reviewer A and B screen, Reviewer C
resolves) with three records imported from a small RIS file. Each test drives
the screener with a list of keys and checks the database through a second
connection, as another process would see it.
"""

from __future__ import annotations

import io
from importlib.resources import files
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from metareview.cli import app
from metareview.review.intake import decide_pair, import_files
from metareview.review.project import init_project
from metareview.review.protocol import load_protocol
from metareview.review.screening import my_decisions, record_decision
from metareview.review.store import open_store
from metareview.review.tui import (
    EOF,
    KeyList,
    ScreenSession,
    TerminalKeys,
    criteria_terms,
    highlight,
    highlight_terms,
    screen,
)

runner = CliRunner()

A, B = "Reviewer A", "Reviewer B"
TITLES = (
    "Mental contrasting and help-seeking intentions in depression",
    "Telephone care management for older adults",
    "A review of stigma interventions",
)
RIS = """TY  - JOUR
TI  - Mental contrasting and help-seeking intentions in depression
AU  - Smith, John
PY  - 2019
JO  - Journal of Affective Disorders
DO  - 10.1016/j.jad.2019.01.001
AB  - A randomised controlled trial in students with depressive symptoms.
KW  - help-seeking
KW  - depression
ER  -

TY  - JOUR
TI  - Telephone care management for older adults
AU  - Jones, Anna
PY  - 2020
JO  - BMC Psychiatry
AB  - A conference abstract on telephone care.
ER  -

TY  - JOUR
TI  - A review of stigma interventions
AU  - Lee, Kim
PY  - 2021
JO  - Psychological Medicine
ER  -
"""


def _project(tmp_path: Path, ris: str = RIS) -> Path:
    folder = tmp_path / "review"
    init_project(folder)
    source = tmp_path / "medline.ris"
    source.write_text(ris, encoding="utf-8")
    import_files(folder, [source])
    return folder


def _console() -> Console:
    return Console(record=True, width=100, file=io.StringIO())


def _decisions(folder: Path, reviewer: str, stage: str) -> dict[int, tuple]:
    """Current decisions, read through a second connection."""
    with open_store(folder / "review.db") as other:
        frame = my_decisions(other, reviewer, stage)
    return {
        int(r.record_id): (r.decision, None if pd.isna(r.reason) else r.reason)
        for r in frame.itertuples()
    }


def _ids(folder: Path) -> dict[str, int]:
    with open_store(folder / "review.db") as store:
        records = store.records()
    return {str(title): int(i) for i, title in records["title"].items()}


# ----------------------------------------------------------------- terms
def test_criteria_terms_of_the_template_protocol() -> None:
    # Read by hand from templates/review.toml: the words of >= 4 letters of
    # each criterion, in order, once, less the stop words "with", "reports"
    # and "without"; "norm" has four letters.
    protocol = load_protocol(files("metareview.review") / "templates" / "review.toml")
    include, exclude = highlight_terms(protocol)
    assert include == (
        "randomised", "controlled", "trial",
        "participants", "depressive", "symptoms", "validated", "scale",
        "intervention", "aimed", "mental", "help-seeking",
        "behaviour", "intention", "attitude", "subjective", "norm", "perceived",
        "behavioural", "control", "stigma",
    )  # fmt: skip
    assert exclude == (
        "protocol", "conference", "abstract", "data", "review", "commentary",
        "english", "chinese",
    )  # fmt: skip


def test_terms_in_both_lists_count_as_inclusion_terms() -> None:
    assert criteria_terms(["Trials in adults", "Not a trial"]) == (
        "trials",
        "adults",
        "trial",
    )


def test_highlight_is_case_insensitive_whole_word_and_literal() -> None:
    text = "Trials: a TRIAL-based [red]triallist[/red] review"
    out = highlight(text, include=["trial"], exclude=["review"])
    assert out.plain == text  # never parsed as markup
    spans = sorted((s.start, s.end, str(s.style)) for s in out.spans)
    # "Trials" 0-6 (plural), "TRIAL" 10-15 (hyphen is a boundary); "triallist"
    # is another word; "review" 43-49.
    assert spans == [
        (0, 6, "bold green"),
        (10, 15, "bold green"),
        (43, 49, "bold red"),
    ]


def test_highlight_stems_and_phrases() -> None:
    out = highlight(
        "Randomized  controlled trials", include=["random*", "controlled trial"]
    )
    assert sorted((s.start, s.end) for s in out.spans) == [(0, 10), (12, 29)]


# --------------------------------------------------------------- session
def test_each_key_is_saved_before_the_next_is_read(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    ids = _ids(folder)
    first, second, third = (ids[t] for t in TITLES)
    protocol = load_protocol(folder)
    with open_store(folder / "review.db") as store:
        session = ScreenSession(store, protocol, A, "ta")
        shown = [int(session.current["id"])] if session.current else []
        session.press("i")
        assert _decisions(folder, A, "title_abstract") == {first: ("include", None)}
        shown.append(int(session.current["id"]))  # asked for after the decision
        session.press("e")
        assert _decisions(folder, A, "title_abstract")[second] == ("exclude", None)
        shown.append(int(session.current["id"]))
        assert shown == [first, second, third]
        session.press("m")
        assert _decisions(folder, A, "title_abstract")[third] == ("maybe", None)
        assert session.current is None
        assert session.progress().remaining == 0
    assert _decisions(folder, B, "title_abstract") == {}


def test_undo_retracts_and_shows_the_record_again(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    first, second = (_ids(folder)[t] for t in TITLES[:2])
    protocol = load_protocol(folder)
    with open_store(folder / "review.db") as store:
        session = ScreenSession(store, protocol, A, "title_abstract")
        session.press("i")
        session.press("e")
        session.press("u")
        assert _decisions(folder, A, "title_abstract") == {first: ("include", None)}
        assert int(session.current["id"]) == second
        session.press("u")
        assert _decisions(folder, A, "title_abstract") == {}
        assert int(session.current["id"]) == first
        session.press("u")
        assert session.message == "Nothing to undo in this session."
        session.press("m")
    assert _decisions(folder, A, "title_abstract") == {first: ("maybe", None)}


def test_quit_midway_and_restart_goes_on_where_it_stopped(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    ids = _ids(folder)
    done = screen(folder, A, keys=KeyList(["i", "q", "e"]), console=_console())
    assert (done.decisions, done.done, done.total, done.remaining) == (1, 1, 3, 2)
    assert _decisions(folder, A, "title_abstract") == {
        ids[TITLES[0]]: ("include", None)
    }

    console = _console()
    again = screen(folder, A, keys=KeyList(["e"]), console=console)  # then EOF
    shown = console.export_text()
    assert TITLES[1] in shown
    assert TITLES[0] not in shown
    assert "1/3, 2 remaining" in shown
    assert (again.decisions, again.done, again.remaining) == (1, 2, 1)
    assert _decisions(folder, A, "title_abstract")[ids[TITLES[1]]] == ("exclude", None)


def test_skip_moves_the_record_to_the_end_of_the_session(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    ids = _ids(folder)
    console = _console()
    screen(folder, A, keys=KeyList(["s", "i", "e", "m"]), console=console)
    assert "(no abstract)" in console.export_text()  # the third record has none
    assert _decisions(folder, A, "title_abstract") == {
        ids[TITLES[1]]: ("include", None),
        ids[TITLES[2]]: ("exclude", None),
        ids[TITLES[0]]: ("maybe", None),
    }


def test_a_refused_decision_keeps_the_record_on_screen(tmp_path: Path) -> None:
    # Someone links the record on screen as a duplicate while A screens it:
    # only cluster representatives are screened, so the decision is refused.
    folder = _project(tmp_path)
    first, second = (_ids(folder)[t] for t in TITLES[:2])
    protocol = load_protocol(folder)
    with open_store(folder / "review.db") as store:
        session = ScreenSession(store, protocol, A, "ta")
        decide_pair(folder, second, first, same=True, reviewer=B)
        session.press("i")
        assert session.message.startswith("Not saved: "), session.message
        assert int(session.current["id"]) == first
        assert session.decisions == 0
        session.press("s")
        session.press("e")
    assert _decisions(folder, A, "title_abstract") == {second: ("exclude", None)}


def test_a_note_goes_with_the_next_decision(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    first = _ids(folder)[TITLES[0]]
    keys = ["n", "students, not a clinical sample", "m", "n", "", "q"]
    screen(folder, A, keys=KeyList(keys), console=_console())
    with open_store(folder / "review.db") as other:
        frame = my_decisions(other, A, "title_abstract").set_index("record_id")
    assert frame.loc[first, "note"] == "students, not a clinical sample"
    assert len(frame) == 1


def test_full_text_exclusion_asks_for_a_reason(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    ids = _ids(folder)
    protocol = load_protocol(folder)
    with open_store(folder / "review.db") as store:  # both include at title/abstract
        for title in TITLES[:2]:
            for who in (A, B):
                record_decision(store, protocol, ids[title], who, "ta", "include")
    console = _console()
    keys = ["e", "9", "c", "e", "2", "i", "q"]
    summary = screen(folder, B, "ft", keys=KeyList(keys), console=console)
    assert summary.total == 2
    # Template reasons: 1 Wrong population, 2 Wrong intervention, ...
    assert _decisions(folder, B, "full_text") == {
        ids[TITLES[0]]: ("exclude", "Wrong intervention"),
        ids[TITLES[1]]: ("include", None),
    }
    shown = console.export_text()
    assert "Pick a reason with 1-6" in shown
    assert "[2] Wrong intervention" in shown
    assert "6. Data not reported" in shown  # the criteria panel lists them


def test_more_than_nine_reasons_are_typed_as_a_number(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    toml = folder / "review.toml"
    text = toml.read_text(encoding="utf-8")
    more = '"Data not reported", "R7", "R8", "R9", "Duplicate publication",'
    toml.write_text(text.replace('"Data not reported",', more), encoding="utf-8")
    first = _ids(folder)[TITLES[0]]
    protocol = load_protocol(folder)
    with open_store(folder / "review.db") as store:
        for who in (A, B):
            record_decision(store, protocol, first, who, "ta", "include")
        session = ScreenSession(store, protocol, A, "ft")
        session.press("e")
        assert session.wants_line
        session.press("10")
    assert _decisions(folder, A, "full_text") == {
        first: ("exclude", "Duplicate publication")
    }


def test_help_and_unknown_keys_change_nothing(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    console = _console()
    keys = KeyList(["?", "x", "z", "", "\x1b", "q"])
    summary = screen(folder, A, keys=keys, console=console)
    shown = console.export_text()
    assert "undo your last decision of this session" in shown
    assert "Unknown key 'z': press ? for help." in shown
    assert shown.count("Press a key: ? for help.") == 2
    assert summary.decisions == 0
    assert _decisions(folder, A, "title_abstract") == {}


# ------------------------------------------------------------- rendering
def test_screen_shows_the_record_criteria_progress_and_legend(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    console = _console()
    screen(folder, A, keys=KeyList(["q"]), console=console)
    shown = console.export_text()
    for text in (
        "Title/abstract screening — Reviewer A",
        "─ 0/3, 3 remaining",
        TITLES[0],
        "Smith, J · 2019 · Journal of Affective Disorders",
        "DOI: 10.1016/j.jad.2019.01.001",
        "Keywords: help-seeking; depression",
        "Include if",
        "• Randomised controlled trial",
        "Exclude if",
        "[i] include  [e] exclude  [m] maybe  [n] note  [s] skip  [u] undo",
        "0 decision(s) saved this session; 0/3 screened, 3 remaining.",
    ):
        assert text in shown, text


def test_terms_are_highlighted_in_the_rendered_screen(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    console = Console(
        record=True, width=100, file=io.StringIO(), color_system="standard"
    )
    screen(folder, A, keys=KeyList(["e", "q"]), console=console)
    shown = console.export_text(styles=True)
    green, red = "\x1b[1;32m", "\x1b[1;31m"  # bold green, bold red
    assert f"{green}randomised\x1b[0m" in shown  # abstract of record 1
    assert f"{green}help-seeking\x1b[0m" in shown  # keyword of record 1
    assert f"{red}conference\x1b[0m" in shown  # abstract of record 2
    assert f"{red}abstract\x1b[0m" in shown


def test_markup_in_record_text_is_shown_literally(tmp_path: Path) -> None:
    title = "[bold red]Alert[/bold red] <script>x()</script> :smile:"
    ris = f"TY  - JOUR\nTI  - {title}\nAB  - [link=http://x]click[/link]\nER  -\n"
    folder = _project(tmp_path, ris)
    console = _console()
    screen(folder, A, keys=KeyList(["q"]), console=console)
    shown = console.export_text()
    assert title in shown
    assert "[link=http://x]click[/link]" in shown


# ----------------------------------------------------------- input, CLI
def test_terminal_keys_read_one_line_per_key_from_a_pipe() -> None:
    keys = TerminalKeys(io.StringIO("i\n e \n\nmy note\n"))
    assert [keys.read_key(), keys.read_key(), keys.read_key()] == ["i", "e", ""]
    assert keys.read_line() == "my note"
    assert keys.read_key() == EOF


def test_cli_screen_reads_keys_from_stdin(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    ids = _ids(folder)
    result = runner.invoke(
        app, ["screen", str(folder), "--reviewer", A], input="i\ne\nq\n"
    )
    assert result.exit_code == 0, result.output
    assert "2 decision(s) saved this session; 2/3 screened, 1 remaining." in (
        result.output
    )
    assert _decisions(folder, A, "title_abstract") == {
        ids[TITLES[0]]: ("include", None),
        ids[TITLES[1]]: ("exclude", None),
    }


def test_cli_screen_names_a_bad_stage_or_reviewer(tmp_path: Path) -> None:
    folder = _project(tmp_path)
    result = runner.invoke(
        app, ["screen", str(folder), "--reviewer", A, "--stage", "x"]
    )
    assert result.exit_code == 1
    assert "stage" in result.output
    result = runner.invoke(app, ["screen", str(folder), "--reviewer", "Nobody"])
    assert result.exit_code == 1
    assert "Nobody" in result.output


@pytest.mark.parametrize("keys", [["q"], []])
def test_nothing_to_screen_ends_at_once(tmp_path: Path, keys: list[str]) -> None:
    folder = tmp_path / "empty"
    init_project(folder)
    console = _console()
    summary = screen(folder, A, keys=KeyList(keys), console=console)
    assert (summary.done, summary.total) == (0, 0)
    assert "0/0 screened, 0 remaining." in console.export_text()


def test_the_record_shown_is_held_and_the_queue_is_asked_again_each_time(
    tmp_path: Path,
) -> None:
    folder = _project(tmp_path)
    first, second, third = (_ids(folder)[t] for t in TITLES)
    text = (folder / "review.toml").read_text(encoding="utf-8")
    one = text.replace("reviewers_per_record = 2", "reviewers_per_record = 1")
    (folder / "review.toml").write_text(one, encoding="utf-8")
    protocol = load_protocol(folder)
    with open_store(folder / "review.db") as store:
        a = ScreenSession(store, protocol, A, "ta")
        assert a.current is not None
        assert int(a.current["id"]) == first
        # one reviewer per record: B is shown another record while A holds it
        b = ScreenSession(store, protocol, B, "ta")
        assert b.current is not None
        assert int(b.current["id"]) == second
        held = store.conn.execute(
            "SELECT reviewer, record_id FROM screening_holds ORDER BY reviewer"
        ).fetchall()
        assert held == [(A, first), (B, second)]
        # B decides 2: A's next record is 3, not the 2 a list read at start had
        b.press("e")
        a.press("i")
        assert a.current is not None
        assert int(a.current["id"]) == third
