"""review.toml: the template loads; errors name the key path, line and value."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from metareview._validate import MetareviewError
from metareview.review.project import protocol_template
from metareview.review.protocol import (
    ProtocolError,
    find_line,
    key_lines,
    load_protocol,
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "review.toml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, pattern: str, occurrence: int = 0) -> int:
    hits = [
        n for n, line in enumerate(text.splitlines(), 1) if re.search(pattern, line)
    ]
    return hits[occurrence]


def test_template_loads(tmp_path: Path) -> None:
    p = load_protocol(write(tmp_path, protocol_template()))
    assert len(p.databases) == 6
    assert [o.construct_name for o in p.outcomes] == [
        "behaviour",
        "intention",
        "attitude",
        "subjective_norm",
        "perceived_behavioural_control",
        "stigma",
    ]
    assert p.outcomes[5].direction == "lower"
    assert p.outcomes[1].timepoints == ["post-intervention", "2 weeks"]
    assert len(p.interventions) == 7
    assert p.analysis.method == "REML"
    assert p.analysis.level == 0.95
    assert p.screening.reviewers_per_record == 2
    assert all(len(d.searched) == 1 for d in p.databases)


def test_folder_is_accepted(tmp_path: Path) -> None:
    write(tmp_path, protocol_template())
    assert load_protocol(tmp_path).title.startswith("Interventions")


def test_bad_value_names_key_path_line_allowed_and_value(tmp_path: Path) -> None:
    text = protocol_template().replace('direction = "lower"', 'direction = "down"')
    with pytest.raises(ProtocolError) as err:
        load_protocol(write(tmp_path, text))
    msg = str(err.value)
    line = line_of(text, 'direction = "down"')
    assert f"line {line}: outcomes[5].direction" in msg
    assert "'higher'" in msg
    assert "'lower'" in msg
    assert "'down'" in msg
    assert str(tmp_path / "review.toml") in msg
    assert err.value.problems == [
        ("outcomes[5].direction", line, err.value.problems[0][2])
    ]
    assert isinstance(err.value, MetareviewError)
    assert isinstance(err.value, ValueError)


def test_unknown_key_is_rejected_with_allowed_keys(tmp_path: Path) -> None:
    text = protocol_template().replace(
        '\nrole = "owner"', '\nrole = "owner"\nemail = "a@b"'
    )
    with pytest.raises(ProtocolError) as err:
        load_protocol(write(tmp_path, text))
    msg = str(err.value)
    assert f"line {line_of(text, 'email =')}: reviewers[0].email: unknown key" in msg
    assert "name, role" in msg


def test_unknown_table_is_rejected(tmp_path: Path) -> None:
    text = protocol_template() + "\n[extras]\nx = 1\n"
    with pytest.raises(ProtocolError, match=r"line \d+: extras: unknown key"):
        load_protocol(write(tmp_path, text))


def test_missing_key_is_named(tmp_path: Path) -> None:
    text = protocol_template().replace('comparator = "Usual care', 'comp = "Usual care')
    with pytest.raises(ProtocolError) as err:
        load_protocol(write(tmp_path, text))
    msg = str(err.value)
    assert "question.comparator: is required but missing" in msg
    assert "question.comp: unknown key" in msg


def test_level_as_percent_is_rejected(tmp_path: Path) -> None:
    text = protocol_template().replace("level = 0.95", "level = 95")
    with pytest.raises(ProtocolError) as err:
        load_protocol(write(tmp_path, text))
    assert f"line {line_of(text, 'level = 95')}: analysis.level" in str(err.value)
    assert "got 95" in str(err.value)
    assert "write 0.95 for 95%" in str(err.value)


def test_list_items_are_located(tmp_path: Path) -> None:
    text = protocol_template().replace(
        "searched = [2024-01-16]", 'searched = ["soon"]', 1
    )
    with pytest.raises(ProtocolError) as err:
        load_protocol(write(tmp_path, text))
    line = line_of(text, 'searched = \\["soon"\\]')
    assert f"line {line}: databases[4].searched[0]" in str(err.value)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('id = "attitude"', 'id = "intention"', "outcomes[2].id: must be unique"),
        (
            'resolved_by = ["Reviewer C"]',
            'resolved_by = ["Nobody"]',
            "screening.resolved_by[0]: must be one of the reviewers",
        ),
        ('\nrole = "owner"', '\nrole = "reviewer"', "reviewers: needs one reviewer"),
        (
            'measure = "OR"',
            'measure = "SMD"',
            "outcomes[0].measure: for a binary outcome must be one of 'OR'",
        ),
        (
            "\nreviewers_per_record = 2",
            "\nreviewers_per_record = 2\ndual_fraction = 0.2",
            "screening.dual_fraction: is only used with reviewers_per_record = 1",
        ),
    ],
)
def test_cross_checks(tmp_path: Path, old: str, new: str, expected: str) -> None:
    text = protocol_template().replace(old, new, 1)
    with pytest.raises(ProtocolError, match=re.escape(expected)):
        load_protocol(write(tmp_path, text))


def test_single_screening_with_sample_is_valid(tmp_path: Path) -> None:
    text = protocol_template().replace(
        "\nreviewers_per_record = 2", "\nreviewers_per_record = 1\ndual_fraction = 0.2"
    )
    p = load_protocol(write(tmp_path, text))
    assert p.screening.dual_fraction == 0.2


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'title = "x"\n[question\n')
    with pytest.raises(ProtocolError, match=r"review\.toml: is not valid TOML.*line 2"):
        load_protocol(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProtocolError, match="cannot be read"):
        load_protocol(tmp_path / "nope.toml")


def test_key_lines_skip_multiline_arrays_and_strings() -> None:
    text = (
        'a = [\n  "x = 1",\n  "y",\n]\n'
        'b = """\nc = 2\n"""\n'
        "[[t]]\nk = 1\n[[t]]\nk = 2 # comment\n"
        "[s.u]\n'q' = 3\n"
    )
    lines = key_lines(text)
    assert lines[("a",)] == 1
    assert ("x",) not in lines
    assert ("c",) not in lines
    assert lines[("t", 1, "k")] == 11
    assert lines[("s", "u", "q")] == 13
    assert find_line(lines, ("t", 1, "k", 0)) == 11
    assert find_line(lines, ("zz",)) is None


AT = '\ntimepoints = ["post-intervention", "2 weeks"]\n'


def _with_at(plan: str) -> str:
    return protocol_template().replace(AT, AT + plan + "\n", 1)


def test_a_timepoint_can_have_its_own_measure_mid_and_control_risk(
    tmp_path: Path,
) -> None:
    p = load_protocol(
        write(
            tmp_path, _with_at('mid = 0.3\n\n[outcomes.at."2 weeks"]\nmeasure = "MD"')
        )
    )
    intention, behaviour = p.outcomes[1], p.outcomes[0]
    assert intention.measure_at("post-intervention", p.analysis) == "SMD"  # plan's
    assert intention.measure_at("2 weeks", p.analysis) == "MD"
    assert behaviour.measure_at(behaviour.timepoints[0], p.analysis) == "OR"
    # the outcome's MID is in SMD units: not carried to a timepoint pooled as MD
    assert intention.mid_at("post-intervention") == 0.3
    assert intention.mid_at("2 weeks") is None
    p = load_protocol(
        write(
            tmp_path,
            _with_at(
                'mid = 0.3\ncontrol_risk = 0.2\n\n[outcomes.at."2 weeks"]\n'
                "mid = 0.5\ncontrol_risk = 0.3"
            ),
        )
    )
    intention = p.outcomes[1]
    assert intention.mid_at("2 weeks") == 0.5
    assert intention.control_risk_at("2 weeks") == 0.3
    assert intention.control_risk_at("post-intervention") == 0.2
    assert intention.measure_at("2 weeks", p.analysis) == "SMD"


@pytest.mark.parametrize(
    ("plan", "expected"),
    [
        (
            '[outcomes.at."3 weeks"]\nmeasure = "MD"',
            "outcomes[1].at.3 weeks: names no timepoint of outcome 'intention' "
            "('post-intervention', '2 weeks')",
        ),
        (
            '[outcomes.at."2 weeks"]\nmeasure = "OR"',
            "outcomes[1].at.2 weeks.measure: for a continuous outcome must be one "
            "of 'MD'",
        ),
        ('[outcomes.at."2 weeks"]\nmid = -1', "greater than 0"),
    ],
)
def test_a_timepoint_plan_is_checked(tmp_path: Path, plan: str, expected: str) -> None:
    with pytest.raises(ProtocolError, match=re.escape(expected)):
        load_protocol(write(tmp_path, _with_at(plan)))
