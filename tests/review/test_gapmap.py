"""The evidence gap map: counts per cell, empty cells, statements, results, errors.

The example (in gapmap_example.py) is hand-made on the model of Ni et al.
(2025, BMC Psychiatry 25:528): the seven intervention categories and six
theory-of-planned-behaviour constructs of the template protocol, 13 studies; no
study measured subjective norms or perceived behavioural control, stigma was
measured by two. Every expected count is worked out by hand in the comments.
"""

from __future__ import annotations

from importlib.resources import files

import numpy as np
import pandas as pd
import pytest

from metareview._validate import InputError, InputTypeError
from metareview.review.gapmap import ALL, GapMap, gap_map
from metareview.review.protocol import Protocol, load_protocol
from review.gapmap_example import (
    CATEGORIES,
    COLUMNS,
    CONSTRUCTS,
    END,
    POST,
    RESULTS,
    ROWS,
    WEEKS,
)

# (intervention, construct, timepoint) -> (studies, participants), by hand
EXPECTED = {
    ("positive_emotion", "intention", POST): (2, 220),  # 100 + 120
    ("positive_emotion", "attitude", POST): (1, 120),
    ("information", "intention", POST): (1, 80),
    ("information", "attitude", POST): (1, 80),
    ("information", "stigma", POST): (1, 80),
    ("information", "behaviour", END): (1, 150),
    ("mcii", "intention", POST): (3, 180),  # 60 + 70 + max(50, 48)
    ("mcii", "intention", WEEKS): (2, 126),  # 60 + 66
    ("self_perspective", "intention", POST): (1, 90),
    ("self_perspective", "attitude", POST): (1, 90),
    ("telephone_care", "behaviour", END): (2, 380),  # 200 + 180
    ("feedback", "behaviour", END): (1, 300),
    ("feedback", "stigma", POST): (1, 300),
    ("monitoring", "behaviour", END): (2, 470),  # 250 + 220
    (ALL, "intention", POST): (7, 570),  # 220 + 80 + 180 + 90
    (ALL, "intention", WEEKS): (2, 126),
    (ALL, "attitude", POST): (3, 290),  # 120 + 80 + 90
    (ALL, "stigma", POST): (2, 380),  # 80 + 300
    (ALL, "behaviour", END): (6, 1300),  # 150 + 380 + 300 + 470
}


@pytest.fixture(scope="module")
def protocol() -> Protocol:
    return load_protocol(files("metareview.review") / "templates" / "review.toml")


@pytest.fixture
def studies() -> pd.DataFrame:
    return pd.DataFrame(ROWS, columns=COLUMNS)


def cell(gm: GapMap, i: str, c: str, t: str) -> pd.Series:
    t_ = gm.table
    hit = t_[(t_.intervention == i) & (t_.construct == c) & (t_.timepoint == t)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_axes_come_from_the_protocol_including_what_nobody_measured(
    protocol: Protocol, studies: pd.DataFrame
) -> None:
    gm = gap_map(studies, protocol=protocol)
    assert gm.interventions == CATEGORIES
    assert gm.intervention_labels[2] == (
        "Mental contrasting with implementation intentions"
    )
    assert gm.constructs == CONSTRUCTS
    # the protocol's timepoints, grouped by timepoint in order of appearance
    assert gm.columns == (
        ("behaviour", END),
        ("intention", POST),
        ("attitude", POST),
        ("subjective_norm", POST),
        ("perceived_behavioural_control", POST),
        ("stigma", POST),
        ("intention", WEEKS),
    )
    assert len(gm.table) == (7 + 1) * 7  # categories and "all" x 7 columns
    assert gm.construct_labels[3] == "subjective norms"


def test_studies_and_participants_per_cell(
    protocol: Protocol, studies: pd.DataFrame
) -> None:
    gm = gap_map(studies, protocol=protocol)
    for row in gm.table.itertuples(index=False):
        want = EXPECTED.get((row.intervention, row.construct, row.timepoint), (0, None))
        assert row.studies == want[0], row
        if want[1] is None:
            assert pd.isna(row.participants)
        else:
            assert row.participants == want[1], row
    assert cell(gm, "mcii", "intention", POST).text == "3 studies, 180 participants"
    assert cell(gm, ALL, "behaviour", END).text == "6 studies, 1,300 participants"
    assert cell(gm, "feedback", "stigma", POST).text == "1 study, 300 participants"
    assert cell(gm, "mcii", "stigma", POST).text == "No study"


def test_empty_cells_are_named(protocol: Protocol, studies: pd.DataFrame) -> None:
    gm = gap_map(studies, protocol=protocol)
    # 8 rows x 7 columns = 56 cells; 14 category cells and 5 "all" cells filled
    assert len(gm.empty) == 56 - len(EXPECTED)
    sentences = dict(
        zip(
            gm.empty[["intervention", "construct", "timepoint"]].itertuples(
                index=False, name=None
            ),
            gm.empty.sentence,
            strict=True,
        )
    )
    assert sentences[(ALL, "subjective_norm", POST)] == (
        "No study measured subjective norms."
    )
    assert sentences[("telephone_care", "attitude", POST)] == (
        "No study of telephone care management measured attitudes."
    )
    assert sentences[("information", "intention", WEEKS)] == (
        "No study of information support measured intentions at 2 weeks."
    )


def test_statements_name_the_gaps(protocol: Protocol, studies: pd.DataFrame) -> None:
    gm = gap_map(studies, protocol=protocol, min_studies=3)
    assert gm.statements == (
        "No study measured subjective norms.",
        "No study measured perceived behavioural control.",
        "Intentions (2 weeks): 2 studies, too few to pool.",
        "Stigma: 2 studies, too few to pool.",
        "No study of positive emotion infusion measured behaviour or stigma.",
        "No study of mental contrasting with implementation intentions measured "
        "behaviour, attitudes or stigma.",
        "No study of self-perspective measured behaviour or stigma.",
        "No study of telephone care management measured intentions, attitudes or "
        "stigma.",
        "No study of health information feedback measured intentions or attitudes.",
        "No study of depression follow-up monitoring measured intentions, attitudes "
        "or stigma.",
        "Behaviour, by intervention: too few to pool for information support "
        "(1 study), telephone care management (2 studies), health information "
        "feedback (1 study) and depression follow-up monitoring (2 studies).",
        "Intentions (post-intervention), by intervention: too few to pool for "
        "positive emotion infusion (2 studies), information support (1 study) and "
        "self-perspective (1 study).",
        "Attitudes, by intervention: too few to pool for positive emotion "
        "infusion (1 study), information support (1 study) and self-perspective "
        "(1 study).",
    )


def test_statements_with_the_default_minimum_and_results(
    protocol: Protocol, studies: pd.DataFrame
) -> None:
    gm = gap_map(studies, protocol=protocol, results=RESULTS)
    assert gm.min_studies == 2
    few = [s for s in gm.statements if "too few" in s]
    # 2 studies are enough to pool; cells with a result are pooled
    assert few == [
        "Behaviour, by intervention: too few to pool for information support "
        "(1 study) and health information feedback (1 study).",
        "Intentions (post-intervention), by intervention: too few to pool for "
        "information support (1 study) and self-perspective (1 study).",
        "Attitudes, by intervention: too few to pool for positive emotion "
        "infusion (1 study), information support (1 study) and self-perspective "
        "(1 study).",
        "Stigma, by intervention: too few to pool for information support "
        "(1 study) and health information feedback (1 study).",
    ]


def test_a_construct_pooled_within_its_only_category_is_not_too_few(
    protocol: Protocol, studies: pd.DataFrame
) -> None:
    # intentions at 2 weeks: 2 studies, both of mcii, pooled there (MD 4.44)
    gm = gap_map(studies, protocol=protocol, results=RESULTS, min_studies=3)
    assert "Intentions (2 weeks): 2 studies, too few to pool." not in gm.statements
    assert "Stigma: 2 studies, too few to pool." in gm.statements


def test_results_are_merged(protocol: Protocol, studies: pd.DataFrame) -> None:
    gm = gap_map(studies, protocol=protocol, results=RESULTS)
    mcii = cell(gm, "mcii", "intention", POST)
    assert (mcii.estimate, mcii.ci_lb, mcii.ci_ub) == (0.62, 0.37, 0.88)
    assert (mcii.measure, mcii.certainty) == ("SMD", "low")  # from the symbols
    assert mcii.text == (
        "3 studies, 180 participants; SMD 0.62 (0.37 to 0.88); \u2295\u2295\u25ef\u25ef"
    )
    assert cell(gm, ALL, "behaviour", END).text == (
        "6 studies, 1,300 participants; OR 1.67 (1.05 to 2.94); "
        "\u2295\u2295\u25ef\u25ef"
    )
    assert cell(gm, "mcii", "intention", WEEKS).text == (
        "2 studies, 126 participants; MD 4.44 (2.60 to 6.28); \u2295\u25ef\u25ef\u25ef"
    )
    # no certainty given: the estimate alone
    assert cell(gm, "positive_emotion", "intention", POST).text == (
        "2 studies, 220 participants; SMD 0.20 (0.06 to 0.34)"
    )
    assert cell(gm, "information", "intention", POST).estimate != 0.0  # NaN
    assert np.isnan(cell(gm, "information", "intention", POST).estimate)


def test_to_frame_is_the_wide_table(protocol: Protocol, studies: pd.DataFrame) -> None:
    wide = gap_map(studies, protocol=protocol, results=RESULTS).to_frame()
    assert wide.shape == (8, 7)
    assert list(wide.index) == [
        "Positive emotion infusion",
        "Information support",
        "Mental contrasting with implementation intentions",
        "Self-perspective",
        "Telephone care management",
        "Health information feedback",
        "Depression follow-up monitoring",
        "All interventions",
    ]
    assert list(wide.columns) == [  # by construct, then time
        ("Behaviour", END),
        ("Intentions", POST),
        ("Intentions", WEEKS),
        ("Attitudes", POST),
        ("Subjective norms", POST),
        ("Perceived behavioural control", POST),
        ("Stigma", POST),
    ]
    mcii = "Mental contrasting with implementation intentions"
    assert wide.loc[mcii, ("Intentions", POST)] == (
        "3 studies, 180 participants; SMD 0.62 (0.37 to 0.88); \u2295\u2295\u25ef\u25ef"
    )
    assert wide.loc["Telephone care management", ("Attitudes", POST)] == "No study"
    assert wide.loc["All interventions", ("Stigma", POST)] == (
        "2 studies, 380 participants"
    )


def test_explicit_lists_make_a_7_by_6_by_2_map(studies: pd.DataFrame) -> None:
    studies = studies.assign(
        timepoint=studies.timepoint.replace(END, POST),
        intervention=studies.intervention.replace(
            "Positive emotion infusion", "positive_emotion"
        ),
    )
    gm = gap_map(
        studies,
        interventions=CATEGORIES,
        constructs=CONSTRUCTS,
        timepoints=[POST, WEEKS],
    )
    assert gm.interventions == gm.intervention_labels == CATEGORIES
    assert len(gm.table) == 8 * 6 * 2
    assert gm.columns == tuple((c, t) for t in (POST, WEEKS) for c in CONSTRUCTS)
    assert cell(gm, "positive_emotion", "intention", POST).studies == 2
    assert cell(gm, ALL, "behaviour", POST).participants == 1300
    # at 2 weeks only intentions were measured
    assert "No study measured behaviour at 2 weeks." in gm.statements
    assert "No study measured subjective norms." in gm.statements


def test_outcome_ids_are_mapped_to_constructs(protocol: Protocol) -> None:
    # the template's outcome ids: norm -> subjective_norm, pbc -> ...
    studies = pd.DataFrame(
        {
            "study": ["A", "B", "B"],
            "intervention": ["mcii", "mcii", "information"],
            "outcome": ["norm", "pbc", "norm"],
            "timepoint": [POST] * 3,
        }
    )
    gm = gap_map(studies, protocol=protocol)
    assert cell(gm, ALL, "subjective_norm", POST).studies == 2
    assert cell(gm, "mcii", "perceived_behavioural_control", POST).studies == 1
    # no participants column: the text says studies only
    assert cell(gm, ALL, "subjective_norm", POST).text == "2 studies"
    assert "No study measured subjective norms." not in gm.statements


def test_a_category_without_studies_is_named(protocol: Protocol) -> None:
    studies = pd.DataFrame(ROWS, columns=COLUMNS)
    studies = studies[studies.intervention != "monitoring"]
    gm = gap_map(studies, protocol=protocol)
    assert "No included study evaluated depression follow-up monitoring." in (
        gm.statements
    )
    assert not any("study of depression" in s for s in gm.statements)


def test_missing_participants_make_the_total_unknown(protocol: Protocol) -> None:
    studies = pd.DataFrame(ROWS, columns=COLUMNS)
    studies.loc[0, "participants"] = np.nan  # P1
    gm = gap_map(studies, protocol=protocol)
    assert pd.isna(cell(gm, "positive_emotion", "intention", POST).participants)
    assert cell(gm, "positive_emotion", "intention", POST).text == "2 studies"
    assert cell(gm, "positive_emotion", "attitude", POST).participants == 120


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"intervention": "yoga"},
            "studies row 1: intervention: 'yoga' is not an intervention category",
        ),
        (
            {"construct": "self_efficacy"},
            "studies row 1: construct 'self_efficacy' is not on the map",
        ),
        (
            {"timepoint": "6 months"},
            "studies row 1: timepoint '6 months' is not a timepoint of construct "
            "'intention'; its timepoints are: 'post-intervention', '2 weeks'",
        ),
        ({"participants": -3}, "participants must be a whole number >= 0"),
        ({"participants": "many"}, "row 1 hold 'many'"),
        ({"study": None}, "studies: study is missing in row 1"),
    ],
)
def test_values_outside_the_protocol_are_named(
    protocol: Protocol, studies: pd.DataFrame, change: dict[str, object], message: str
) -> None:
    studies = studies.astype(object)
    for column, value in change.items():
        studies.loc[0, column] = value
    with pytest.raises(
        InputError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        gap_map(studies, protocol=protocol)


def test_argument_errors(protocol: Protocol, studies: pd.DataFrame) -> None:
    with pytest.raises(
        InputError, match="constructs: 'self_efficacy' is not a construct"
    ):
        gap_map(studies, protocol=protocol, constructs=["intention", "self_efficacy"])
    with pytest.raises(InputError, match="interventions: 'yoga' is not an interv"):
        gap_map(studies, protocol=protocol, interventions=["mcii", "yoga"])
    with pytest.raises(InputError, match="needs a column 'timepoint'"):
        gap_map(studies.drop(columns="timepoint"), protocol=protocol)
    with pytest.raises(InputError, match=r"needs a column 'construct' \(or 'outcome'"):
        gap_map(studies.drop(columns="construct"))
    with pytest.raises(InputError, match="outcome 'mood' is not an outcome"):
        gap_map(
            studies.drop(columns="construct").assign(outcome="mood"), protocol=protocol
        )
    with pytest.raises(InputTypeError, match="studies must be a pandas DataFrame"):
        gap_map(ROWS)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="min_studies must be at least 1"):
        gap_map(studies, protocol=protocol, min_studies=0)


def test_result_errors(protocol: Protocol, studies: pd.DataFrame) -> None:
    def bad(**change: object) -> pd.DataFrame:
        out = RESULTS.copy().astype(object)
        for column, value in change.items():
            out.loc[1, column] = value
        return out

    cases = [
        (
            bad(construct="attitude", intervention="mcii"),
            "results row 2: intervention 'mcii', construct 'attitude', timepoint "
            "'post-intervention' has a result, but no row of studies is in that cell",
        ),
        (
            bad(intervention="all", construct="behaviour", timepoint=END),
            "results rows 1 and 2 are both for intervention 'all'",
        ),
        (bad(ci_lb=0.7), "does not hold the estimate in row 2"),
        (bad(certainty="medium"), "results row 2: certainty must be one of 'high'"),
        (
            bad(intervention="yoga"),
            r"results row 2: intervention: 'yoga' .*\(or 'all'\)",
        ),
        (bad(estimate="n/a"), "results: estimate must be a number in row 2"),
    ]
    for results, message in cases:
        with pytest.raises(InputError, match=message):
            gap_map(studies, protocol=protocol, results=results)
