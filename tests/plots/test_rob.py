from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Rectangle

import metareview as mr
from metareview._validate import InputError, InputTypeError
from metareview.plots._rob_figures import LABEL_MAX, SYMBOL_TEXT
from metareview.plots._rob_tools import JUDGEMENT_LABELS, ROB_TOOLS
from metareview.plots._style import ROB, text_width
from plots.plot_helpers import overlapping_texts, texts

TOOLS = ("rob2", "rob1", "robins-i")


def make_table(n: int, tool: str = "rob2", *, long: bool = False) -> pd.DataFrame:
    """Every judgement of the tool in every domain, cycling over the studies."""
    spec = ROB_TOOLS[tool]
    judgements = spec["judgements"]
    if long:
        studies = [
            f"Whitfield-Anderson and colleagues {i} ({2000 + i % 24}): pilot "
            f"randomized trial of mental contrasting with implementation intentions"
            if i % 3 == 0
            else f"Study {i} {2000 + i % 24}"
            for i in range(n)
        ]
    else:
        studies = [f"Study {i + 1} {2000 + i}" for i in range(n)]
    data: dict[str, list[str]] = {"study": studies}
    columns = [f"D{d + 1}" for d in range(len(spec["domains"]))] + ["overall"]
    for d, col in enumerate(columns):
        data[col] = [
            JUDGEMENT_LABELS[judgements[(i + d) % len(judgements)]] for i in range(n)
        ]
    return pd.DataFrame(data)


def cells(fig: Figure, gid: str = "rob-cell") -> list[Circle]:
    return [p for p in fig.findobj(Circle) if p.get_gid() == gid]


def bars(fig: Figure) -> dict[str, dict[str, float]]:
    """Percent per judgement per domain code, read from the drawn bars."""
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for patch in fig.findobj(Rectangle):
        gid = patch.get_gid() or ""
        if gid.startswith("rob-bar:"):
            _, code, judgement = gid.split(":")
            out[code][judgement] = patch.get_width()
    return dict(out)


def shown(symbol: str) -> str:
    return SYMBOL_TEXT.get(symbol, symbol)


# --- traffic light -------------------------------------------------------------


@pytest.mark.parametrize("tool", TOOLS)
def test_traffic_light_draws_every_judgement_with_legends(tool: str) -> None:
    table = make_table(13, tool)
    fig = mr.rob_traffic_light(table, tool)
    spec = ROB_TOOLS[tool]
    ndom = len(spec["domains"])
    assert len(cells(fig)) == 13 * (ndom + 1)
    assert len(cells(fig, "rob-legend")) == len(spec["judgements"])
    drawn = texts(fig)
    for code in [f"D{d + 1}" for d in range(ndom)] + ["Overall", "Study"]:
        assert code in drawn
    assert "Risk of bias domains" in drawn
    for study in table["study"]:
        assert study in drawn
    for d, domain in enumerate(spec["domains"]):
        assert f"D{d + 1}: {domain['name']}" in drawn
    for judgement in spec["judgements"]:
        assert JUDGEMENT_LABELS[judgement] in drawn
        assert shown(ROB[judgement][1]) in drawn
    assert overlapping_texts(fig) == []


def test_traffic_light_colours_follow_the_judgements() -> None:
    table = make_table(4)
    fig = mr.rob_traffic_light(table)
    colours = [tuple(c.get_facecolor()) for c in cells(fig)]
    want = [
        matplotlib.colors.to_rgba(ROB[j.lower()][0])
        for _, row in table.drop(columns="study").iterrows()
        for j in row
    ]
    assert colours == want


def test_traffic_light_with_60_long_labels_is_legible() -> None:
    table = make_table(60, long=True)
    fig = mr.rob_traffic_light(table)
    assert len(cells(fig)) == 60 * 6
    drawn = texts(fig)
    long = [t for t in drawn if "Whitfield" in t]
    assert len(long) == 20
    for label in long:
        assert label.count("\n") == 1  # wrapped on two lines
        assert label.endswith("\u2026")  # and cut
        for line in label.split("\n"):
            assert text_width(line) <= LABEL_MAX
    assert overlapping_texts(fig) == []
    width, height = fig.get_size_inches()
    assert width < 6.85  # fits a page
    assert height > 60 * 0.24  # every row has room


def test_traffic_light_with_one_study() -> None:
    fig = mr.rob_traffic_light(make_table(1))
    assert len(cells(fig)) == 6
    assert overlapping_texts(fig) == []


def test_traffic_light_reads_domain_names_any_case_and_an_index() -> None:
    spec = ROB_TOOLS["rob2"]
    table = make_table(3).set_index("study")
    table.columns = [d["name"].upper() for d in spec["domains"]] + ["Overall"]
    table = table.map(lambda v: f"  {v.lower()} ")
    fig = mr.rob_traffic_light(table)
    assert len(cells(fig)) == 18
    assert "Study 1 2000" in texts(fig)


def test_traffic_light_ignores_other_columns_and_accepts_other_spellings() -> None:
    table = make_table(3, "rob1")
    table["notes"] = "anything"
    table["D1"] = ["Low risk of bias", "Unclear risk", "HIGH RISK"]
    fig = mr.rob_traffic_light(table, "RoB1")
    assert len(cells(fig)) == 3 * 8


def test_traffic_light_shows_weights_as_shares() -> None:
    table = make_table(3)
    weights = {"Study 1 2000": 2.0, "Study 2 2001": 1.0, "Study 3 2002": 1.0}
    drawn = texts(mr.rob_traffic_light(table, weights=weights))
    assert "Weight" in drawn
    assert {"50.0%", "25.0%"} <= set(drawn)


# --- summary -------------------------------------------------------------------


@pytest.mark.parametrize("tool", TOOLS)
def test_summary_unweighted_percentages_of_studies(tool: str) -> None:
    table = make_table(13, tool)
    fig = mr.rob_summary(table, tool)
    got = bars(fig)
    spec = ROB_TOOLS[tool]
    assert len(got) == len(spec["domains"]) + 1
    for code, shares in got.items():
        assert sum(shares.values()) == pytest.approx(100.0)
        column = "overall" if code == "Overall" else code
        counts = table[column].str.lower().value_counts()
        for judgement, pct in shares.items():
            assert pct == pytest.approx(100 * counts[judgement] / 13)
    drawn = texts(fig)
    assert "Overall risk of bias" in drawn
    for domain in spec["domains"]:
        assert domain["name"] in [t.replace("\n", " ") for t in drawn]
    assert {"0%", "50%", "100%"} <= set(drawn)
    assert "Percentage of studies (n = 13)" in drawn
    assert overlapping_texts(fig) == []


def test_summary_weighted_percentages_of_weight() -> None:
    table = make_table(4)
    w = np.array([10.0, 20.0, 30.0, 40.0])
    fig = mr.rob_summary(table, weights=dict(zip(table["study"], w, strict=True)))
    got = bars(fig)
    for code, shares in got.items():
        assert sum(shares.values()) == pytest.approx(100.0)
        column = "overall" if code == "Overall" else code
        for judgement, pct in shares.items():
            rows = table[column].str.lower() == judgement
            assert pct == pytest.approx(w[rows.to_numpy()].sum())
    assert "Percentage of weight (4 studies)" in texts(fig)
    assert overlapping_texts(fig) == []


def test_summary_weights_from_a_fitted_result_and_a_weight_column() -> None:
    table = make_table(4)
    res = SimpleNamespace(slab=tuple(table["study"]), weights=np.array([1, 1, 1, 5]))
    from_result = bars(mr.rob_summary(table, weights=res))
    table["Weight"] = [1, 1, 1, 5]
    from_column = bars(mr.rob_summary(table))
    assert from_result == from_column
    assert from_result["D1"]["low"] == pytest.approx(75.0)  # study 4 is low in D1
    unweighted = bars(mr.rob_summary(table, weighted=False))
    assert unweighted["D1"]["low"] == pytest.approx(50.0)


def test_summary_without_overall() -> None:
    table = make_table(5).drop(columns="overall")
    fig = mr.rob_summary(table, overall=False)
    assert set(bars(fig)) == {"D1", "D2", "D3", "D4", "D5"}
    assert "Overall risk of bias" not in texts(fig)


def test_summary_legend_names_each_judgement_with_its_symbol() -> None:
    drawn = texts(mr.rob_summary(make_table(5, "robins-i"), "robins-i"))
    for label in ("Low risk of bias", "Critical risk of bias", "No information"):
        assert label in drawn
    for symbol in ("+", "\u2212", "X", "!", "?"):
        assert symbol in drawn


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_figures_save(tmp_path: Path, fmt: str) -> None:
    table = make_table(6)
    for name, fig in (
        ("tl", mr.rob_traffic_light(table)),
        ("summary", mr.rob_summary(table)),
    ):
        path = tmp_path / f"{name}.{fmt}"
        fig.savefig(path)
        assert path.stat().st_size > 1000


# --- bad input -----------------------------------------------------------------


def test_unknown_tool() -> None:
    with pytest.raises(InputError, match=r"tool must be one of 'rob2'.*'robins-i'"):
        mr.rob_traffic_light(make_table(2), "rob3")


def test_unknown_judgement_names_study_domain_and_value() -> None:
    table = make_table(3)
    table.loc[1, "D2"] = "Medium"
    table.loc[2, "overall"] = "Unclear"  # RoB 1's word, not RoB 2's
    with pytest.raises(InputError) as err:
        mr.rob_summary(table)
    msg = str(err.value)
    assert "study 'Study 2 2001', D2 (Bias due to deviations" in msg
    assert "'Medium'" in msg
    assert "study 'Study 3 2002', Overall" in msg
    assert "'Unclear'" in msg
    assert "'Low', 'Some concerns', 'High'" in msg


def test_missing_judgement_is_named() -> None:
    table = make_table(3)
    table.loc[0, "D4"] = None
    with pytest.raises(InputError, match=r"study 'Study 1 2000', D4 .*no judgement"):
        mr.rob_traffic_light(table)


def test_missing_domain_and_overall() -> None:
    with pytest.raises(InputError, match=r"no column for domain D3 \(Bias due to miss"):
        mr.rob_traffic_light(make_table(3).drop(columns="D3"))
    with pytest.raises(InputError, match=r"overall judgement \('overall'\)"):
        mr.rob_traffic_light(make_table(3).drop(columns="overall"))


def test_table_for_another_tool() -> None:
    with pytest.raises(InputError, match=r"column 'D6', but tool 'rob2' has 5"):
        mr.rob_traffic_light(make_table(3, "rob1"))


def test_two_columns_for_one_domain() -> None:
    table = make_table(2)
    table["Missing outcome data"] = table["D3"]
    with pytest.raises(InputError, match="two columns for domain D3"):
        mr.rob_traffic_light(table)


def test_table_needs_studies() -> None:
    with pytest.raises(InputError, match="needs a 'study' column"):
        mr.rob_traffic_light(make_table(2).drop(columns="study"))
    with pytest.raises(InputError, match="no rows"):
        mr.rob_traffic_light(make_table(2).iloc[:0])
    with pytest.raises(InputTypeError, match="DataFrame"):
        mr.rob_traffic_light([["Study", "Low"]])


def test_weighted_without_weights() -> None:
    with pytest.raises(InputError, match=r"weighted=True needs weights"):
        mr.rob_summary(make_table(3), weighted=True)


def test_weights_must_match_the_studies() -> None:
    table = make_table(3)
    weights = {"Study 1 2000": 1.0, "Study 2 2001": 1.0, "Smith 2020": 1.0}
    with pytest.raises(InputError) as err:
        mr.rob_summary(table, weights=weights)
    assert "no weight for 'Study 3 2002'" in str(err.value)
    assert "not in table: 'Smith 2020'" in str(err.value)
    with pytest.raises(InputError, match=r"study 'Study 2 2001' has -1"):
        mr.rob_summary(table, weights=[1.0, -1.0, 1.0])
    with pytest.raises(InputError, match="weights has 2 entries but table has 3"):
        mr.rob_summary(table, weights=[1.0, 1.0])
    with pytest.raises(InputTypeError, match="weights must be a mapping"):
        mr.rob_summary(table, weights=3.0)
