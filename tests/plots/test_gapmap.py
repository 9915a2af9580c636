"""The evidence gap map figure: one cell per category and column, labels, keys."""

from __future__ import annotations

from importlib.resources import files

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from metareview._validate import InputError, InputTypeError
from metareview.plots.gapmap import gapmap
from metareview.review.gapmap import GapMap, gap_map
from metareview.review.protocol import load_protocol
from plots.plot_helpers import overlapping_texts, texts
from review.gapmap_example import COLUMNS, RESULTS, ROWS

LOW4 = "\u2295\u2295\u25ef\u25ef"  # GRADE low


@pytest.fixture(scope="module")
def gm() -> GapMap:
    protocol = load_protocol(files("metareview.review") / "templates" / "review.toml")
    studies = pd.DataFrame(ROWS, columns=COLUMNS)
    return gap_map(studies, protocol=protocol, results=RESULTS)


def cells(fig: Figure) -> dict[str, Rectangle]:
    return {
        p.get_gid()[len("gapmap-cell:") :]: p
        for p in fig.findobj(Rectangle)
        if (p.get_gid() or "").startswith("gapmap-cell:")
    }


def luminance(colour: object) -> float:
    r, g, b = to_rgb(colour)  # type: ignore[arg-type]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_one_cell_per_category_and_column(gm: GapMap) -> None:
    fig = gapmap(gm)
    drawn = cells(fig)
    assert len(drawn) == 8 * 7  # 7 categories and "all", 7 columns
    assert "mcii:intention:2 weeks" in drawn
    assert "all:stigma:post-intervention" in drawn
    # empty cells are white; more studies are darker (one hue, from white)
    assert to_rgb(drawn["mcii:stigma:post-intervention"].get_facecolor()) == (1, 1, 1)
    one = luminance(drawn["information:stigma:post-intervention"].get_facecolor())
    two = luminance(drawn["all:stigma:post-intervention"].get_facecolor())
    seven = luminance(drawn["all:intention:post-intervention"].get_facecolor())
    assert 1.0 > one > two > seven


def test_texts_labels_and_keys(gm: GapMap) -> None:
    fig = gapmap(gm)
    drawn = texts(fig)
    # every empty cell says so, plus the key's "none"
    assert drawn.count("none") == len(gm.empty) + 1
    for label in (
        "Intervention",
        "Timepoint",
        "Positive emotion infusion",
        "Mental contrasting with\nimplementation intentions",
        "All interventions",
        "post-intervention",
        "2 weeks",
        "end of\nfollow-up",
        "Subjective\nnorms",
        "Perceived\nbehavioural\ncontrol",
        "Studies per cell:",
        "1",
        "2",
        "3\u20134",
        "\u22655",
    ):
        assert label in drawn, label
    # studies (participants), and the certainty where an effect was pooled
    assert f"6 (1,300)\n{LOW4}" in drawn
    assert f"3 (180)\n{LOW4}" in drawn
    assert "2 (220)\npooled" in drawn  # pooled, certainty not rated
    assert "1 (80)" in drawn
    assert any(t.startswith("Certainty of the pooled effect (GRADE)") for t in drawn)
    assert "Pooled: pooled effect, certainty not rated." in drawn
    assert overlapping_texts(fig) == []


def test_sized_for_a_report_page(gm: GapMap) -> None:
    width, height = gapmap(gm).get_size_inches()
    assert 5.0 < width < 7.0  # fits a page's text width (170 mm = 6.7 in)
    assert 3.0 < height < 6.0


def test_shades_by_participants(gm: GapMap) -> None:
    fig = gapmap(gm, value="participants")
    drawn = texts(fig)
    # 1,300 participants at most: classes from 1 and the largest nice bounds
    for label in ("Participants per cell:", "1\u201349", "500\u2013999", "\u22651,000"):
        assert label in drawn, label
    shade = cells(fig)
    small = luminance(shade["information:intention:post-intervention"].get_facecolor())
    large = luminance(shade["all:behaviour:end of follow-up"].get_facecolor())
    assert small > large  # 80 vs 1,300 participants


def test_without_timepoints_or_results() -> None:
    studies = pd.DataFrame(
        {
            "study": ["A", "B"],
            "intervention": ["Coaching", "Leaflet"],
            "construct": ["intention", "stigma"],
            "timepoint": [None, None],
        }
    )
    fig = gapmap(gap_map(studies))
    drawn = texts(fig)
    assert len(cells(fig)) == 3 * 2
    assert "Timepoint" not in drawn
    assert "1" in drawn  # no participants: studies only
    assert not any(t.startswith("Certainty") for t in drawn)


def test_errors(gm: GapMap) -> None:
    with pytest.raises(InputError, match="value must be one of 'studies'"):
        gapmap(gm, value="weight")
    with pytest.raises(InputTypeError, match="gm must be a GapMap"):
        gapmap(gm.table)  # type: ignore[arg-type]
