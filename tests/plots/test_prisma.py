from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import pytest
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle
from matplotlib.text import Text

import metareview as mr
from metareview._validate import InputError, InputTypeError
from plots.plot_helpers import overlapping_texts, texts

# six databases as in Ni et al. (2025), BMC Psychiatry 25:528; 13 studies included
DATABASES = {
    "MEDLINE": 2113,
    "Embase": 3245,
    "PsycINFO": 1187,
    "CINAHL": 904,
    "Web of Science": 2568,
    "CENTRAL": 1031,
}
REASONS = {
    "Outcome not help-seeking behaviour, intention or attitude": 41,
    "Participants without depressive symptoms": 23,
    "Not a randomized controlled trial": 19,
    "No usable data (conference abstract or protocol)": 7,
}
FULL: dict[str, Any] = {
    "identified": DATABASES,
    "registers": {"ClinicalTrials.gov": 57},
    "duplicates_removed": 4327,
    "automation_removed": 0,
    "other_removed": 12,
    "screened": 6766,
    "excluded_screening": 6659,
    "sought": 107,
    "not_retrieved": 4,
    "assessed": 103,
    "excluded_fulltext": REASONS,
    "included": 13,
    "included_reports": 13,
}
WORDING = (
    "Identification of studies via databases and registers",
    "Identification",
    "Screening",
    "Included",
    "Records identified from:",
    "Records removed before screening:",
    "Duplicate records removed (n = 4,327)",
    "Records marked as ineligible by automation tools (n = 0)",
    "Records removed for other reasons (n = 12)",
    "Records screened\n(n = 6,766)",
    "Records excluded\n(n = 6,659)",
    "Reports sought for retrieval\n(n = 107)",
    "Reports not retrieved\n(n = 4)",
    "Reports assessed for eligibility\n(n = 103)",
    "Reports excluded:",
    "Studies included in review\n(n = 13)",
    "Reports of included studies\n(n = 13)",
)


def alltext(fig: Figure) -> str:
    """The figure's texts, one line each, lines joined as they read."""
    return "\n".join(texts(fig))


def boxes(fig: Figure) -> list[Rectangle]:
    return [p for p in fig.findobj(Rectangle) if p.get_gid() == "prisma-box"]


def arrows(fig: Figure) -> list[FancyArrowPatch]:
    return [p for p in fig.findobj(FancyArrowPatch) if p.get_gid() == "prisma-arrow"]


def text_outside_boxes(fig: Figure) -> list[str]:
    """Box texts that are not inside a box (phase and header labels excepted)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    frames = [b.get_window_extent(renderer) for b in boxes(fig)]
    free = {"Identification", "Screening", "Included", WORDING[0]}
    out = []
    for t in fig.findobj(Text):
        if not t.get_text().strip() or t.get_text() in free:
            continue
        bb = t.get_window_extent(renderer)
        if not any(
            f.x0 <= bb.x0 and bb.x1 <= f.x1 and f.y0 <= bb.y0 and bb.y1 <= f.y1
            for f in frames
        ):
            out.append(t.get_text())
    return out


def test_full_diagram_has_the_template_wording_and_every_count() -> None:
    fig = mr.prisma(FULL)
    text = alltext(fig)
    for wording in WORDING:
        assert wording in text
    assert "Databases (n = 11,048)" in text
    assert "Registers (n = 57)" in text
    assert "ClinicalTrials.gov (n = 57)" in text
    for name, n in DATABASES.items():
        assert f"{name} (n = {n:,})" in text
    flat = text.replace("\n", " ")
    for reason, n in REASONS.items():
        assert f"{reason} (n = {n})" in flat
    assert len(boxes(fig)) == 9
    assert len(arrows(fig)) == 4 + 4  # down the flow, and to each side box
    assert overlapping_texts(fig) == []
    assert text_outside_boxes(fig) == []


def test_numbers_get_thousands_separators() -> None:
    counts = {"identified": {"Embase": 1234567}, "included": 1}
    text = alltext(mr.prisma(counts, check=False))
    assert "Embase (n = 1,234,567)" in text
    assert "Databases (n = 1,234,567)" in text


def test_optional_keys_left_out() -> None:
    counts = {
        "identified": {"MEDLINE": 412, "Embase": 388},
        "duplicates_removed": 301,
        "screened": 499,
        "excluded_screening": 470,
        "assessed": 29,
        "excluded_fulltext": 21,
        "included": 8,
    }
    fig = mr.prisma(counts)
    text = alltext(fig)
    assert "Duplicate records removed (n = 301)" in text
    for absent in ("automation", "other reasons", "Registers", "sought", "retrieved"):
        assert absent not in text
    assert "Reports excluded\n(n = 21)" in text
    assert "Reports of included studies" not in text
    assert len(boxes(fig)) == 7
    assert len(arrows(fig)) == 3 + 3
    assert overlapping_texts(fig) == []
    assert text_outside_boxes(fig) == []


def test_unknown_counts_say_so_and_side_boxes_go() -> None:
    counts = {"identified": 800, "sought": 40, "included": 8}
    fig = mr.prisma(counts)
    text = alltext(fig)
    assert "Databases (n = 800)" in text
    assert "Records screened\n(n = not reported)" in text
    assert "Reports sought for retrieval\n(n = 40)" in text
    assert "Reports assessed for eligibility\n(n = not reported)" in text
    for absent in ("removed", "Records excluded", "not retrieved", "Reports excluded"):
        assert absent not in text
    assert len(boxes(fig)) == 5
    assert overlapping_texts(fig) == []


def test_registers_only() -> None:
    counts = {"registers": {"ClinicalTrials.gov": 30, "ICTRP": 12}, "included": 2}
    text = alltext(mr.prisma(counts))
    assert "Registers (n = 42)" in text
    assert "ICTRP (n = 12)" in text
    assert "Databases" not in text


def test_long_reasons_are_wrapped_inside_their_box() -> None:
    reasons = {
        "Intervention not aimed at help-seeking but at general mental health "
        "literacy in a school population": 5,
        "Other": 1,
    }
    counts = {**FULL, "excluded_fulltext": reasons, "assessed": 19, "sought": 23}
    fig = mr.prisma(counts, check=False)
    assert overlapping_texts(fig) == []
    assert text_outside_boxes(fig) == []
    flat = alltext(fig).replace("\n", " ")
    assert "school population (n = 5)" in flat


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_saves(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"prisma.{fmt}"
    mr.prisma(FULL).savefig(path)
    assert path.stat().st_size > 1000


# --- consistency ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"screened": 6000},
            "screened is 6,000 but identified 11,048 + registers 57 - "
            "duplicates_removed 4,327 - automation_removed 0 - other_removed 12 "
            "= 6,766",
        ),
        (
            {"excluded_screening": 6600},
            "excluded_screening is 6,600 but screened 6,766 - sought 107 = 6,659",
        ),
        ({"not_retrieved": 10}, "assessed is 103 but sought 107 - not_retrieved 10"),
        (
            {"included_reports": 14, "included": 14},
            "included_reports is 14 but assessed 103 - excluded_fulltext 90 = 13",
        ),
        ({"included": 20}, "included is 20, more than included_reports 13"),
    ],
)
def test_inconsistent_counts_are_named(change: dict[str, int], message: str) -> None:
    counts = {**FULL, **change}
    with pytest.raises(InputError, match="do not add up") as err:
        mr.prisma(counts)
    assert message in str(err.value)
    assert "check=False" in str(err.value)
    assert isinstance(mr.prisma(counts, check=False), Figure)


def test_included_is_checked_when_reports_are_not_given() -> None:
    counts = {k: v for k, v in FULL.items() if k != "included_reports"}
    mr.prisma(counts)  # 103 - 90 = 13
    with pytest.raises(InputError, match="included is 12 but assessed 103"):
        mr.prisma({**counts, "included": 12})


def test_studies_may_be_fewer_than_their_reports() -> None:
    mr.prisma({**FULL, "included": 11})  # 13 reports of 11 studies


def test_without_removals_screened_cannot_exceed_identified() -> None:
    counts = {"identified": {"MEDLINE": 100}, "screened": 120, "included": 1}
    with pytest.raises(InputError, match="screened is 120, more than identified 100"):
        mr.prisma(counts)


def test_excluded_at_screening_against_assessed_when_retrieval_is_unknown() -> None:
    counts = {
        "identified": 100,
        "screened": 100,
        "excluded_screening": 80,
        "assessed": 30,
        "included": 3,
    }
    with pytest.raises(InputError, match="screened 100 - assessed 30 = 70"):
        mr.prisma(counts)


# --- bad input -----------------------------------------------------------------


def test_unknown_key_suggests_the_right_one() -> None:
    with pytest.raises(InputError, match=r"'exluded_screening' \(did you mean 'excl"):
        mr.prisma({**FULL, "exluded_screening": 3})


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"screened": -1}, InputError, r"counts\[screened\] must be >= 0; got -1"),
        ({"screened": 2.5}, InputTypeError, r"counts\[screened\] must be a whole"),
        ({"screened": True}, InputTypeError, r"counts\[screened\] must be a whole"),
        (
            {"identified": {"MEDLINE": "many"}},
            InputTypeError,
            r"counts\[identified\['MEDLINE'\]\]",
        ),
    ],
)
def test_bad_values(change: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        mr.prisma({**FULL, **change})


def test_required_keys() -> None:
    with pytest.raises(InputError, match="needs 'included'"):
        mr.prisma({"identified": 10})
    with pytest.raises(InputError, match="needs the records identified"):
        mr.prisma({"included": 10})
    with pytest.raises(InputTypeError, match="counts must be a mapping"):
        mr.prisma([("included", 10)])


def test_whole_floats_are_counts() -> None:
    text = alltext(mr.prisma({"identified": 10.0, "included": 2.0}))
    assert "Databases (n = 10)" in text
