"""forest(): structure of the drawn figure (texts, rows, axis), on the Agg backend."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Polygon

import metareview as mr
from metareview.plots._forest_text import revman_p
from metareview.plots._style import ROB
from metareview.plots.forest import forest
from plots.plot_helpers import overlapping_texts, text_boxes, texts

MINUS = "\N{MINUS SIGN}"
Z95 = 1.959963984540054


def fmt(x: float) -> str:
    return f"{x:.2f}".replace("-", MINUS)


@pytest.fixture(scope="module")
def es() -> pd.DataFrame:
    bcg = mr.datasets.load("bcg")
    out = mr.escalc(
        "RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg, slab="study"
    )
    return out  # escalc records that tpos... hold ai...; forest finds them


@pytest.fixture(scope="module")
def res(es: pd.DataFrame) -> mr.RMAResult:
    return mr.rma(es)


@pytest.fixture(scope="module")
def fig(res: mr.RMAResult, es: pd.DataFrame) -> Figure:
    return forest(res, data=es, labels=("BCG", "Control"))


@pytest.fixture(scope="module")
def sub(es: pd.DataFrame) -> mr.SubgroupResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mr.ModelWarning)
        return mr.subgroup(es, "alloc")


def smd_frame() -> pd.DataFrame:
    data = pd.DataFrame(
        {
            "study": [f"Trial {c} {2000 + i}" for i, c in enumerate("ABCDEF")],
            "m1i": [55, 60.2, 48, 52.5, 61, 58],
            "sd1i": [10, 12.5, 9, 11, 13, 10.5],
            "n1i": [40, 55, 30, 80, 25, 60],
            "m2i": [50, 57, 47, 49, 52, 57.5],
            "sd2i": [11, 12, 10, 10.5, 12, 11],
            "n2i": [42, 50, 33, 78, 27, 61],
        }
    )
    cols = {c: c for c in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")}
    return mr.escalc("SMD", **cols, data=data, slab="study")


def simulated(k: int, long_labels: bool = False, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.integers(5, 50, k)
    c = rng.integers(5, 60, k)
    long = "Very long author list et al., a multicentre randomised controlled trial"
    labels = [
        f"{long if long_labels and i % 5 == 0 else f'Author {i}'} {1980 + i % 40}"
        for i in range(k)
    ]
    data = pd.DataFrame(
        {
            "ai": a,
            "n1i": a + rng.integers(20, 200, k),
            "ci": c,
            "n2i": c + rng.integers(20, 200, k),
            "label": labels,
        }
    )
    return mr.escalc(
        "OR", ai="ai", n1i="n1i", ci="ci", n2i="n2i", data=data, slab="label"
    )


def study_order(fig: Figure, labels: tuple[str, ...]) -> list[str]:
    """Study labels as drawn, top to bottom."""
    fig.canvas.draw()
    over = fig.axes[0]
    found = [(t.get_position()[1], t.get_text()) for t in over.texts]
    return [s for _, s in sorted(found) if s in labels]


def squares(fig: Figure) -> list[PathCollection]:
    return [c for c in fig.axes[1].collections if isinstance(c, PathCollection)]


def diamonds(fig: Figure) -> list[Polygon]:
    return [p for p in fig.axes[1].patches if isinstance(p, Polygon)]


# ---------------------------------------------------------------- RevMan layout


def test_revman_headers_and_labels(fig: Figure, res: mr.RMAResult) -> None:
    drawn = texts(fig)
    for head in ("Study or Subgroup", "BCG", "Control", "Events", "Total", "Weight"):
        assert head in drawn
    assert drawn.count("Risk Ratio") == 2  # over the effect column and the plot
    assert drawn.count("IV, Random, 95% CI") == 2
    for label in res.slab:
        assert label in drawn


def test_revman_weights_sum_to_100(fig: Figure, res: mr.RMAResult) -> None:
    drawn = texts(fig)
    shown = [float(s[:-1]) for s in drawn if re.fullmatch(r"\d+\.\d%", s)]
    assert len(shown) == res.k + 1  # the studies and the total
    assert "100.0%" in drawn
    assert sum(shown[:-1]) == pytest.approx(100, abs=0.05 * res.k)
    for w in res.weights:
        assert f"{w:.1f}%" in drawn


def test_revman_effect_texts(fig: Figure, res: mr.RMAResult) -> None:
    drawn = texts(fig)
    se = np.sqrt(res.vi)
    for y, s in zip(res.yi, se, strict=True):
        lo, hi = np.exp(y - Z95 * s), np.exp(y + Z95 * s)
        assert f"{fmt(np.exp(y))} [{fmt(lo)}, {fmt(hi)}]" in drawn
    total = f"{fmt(np.exp(res.beta[0]))} [{fmt(np.exp(res.ci_lb[0]))}, "
    assert total + f"{fmt(np.exp(res.ci_ub[0]))}]" in drawn
    assert "Total (95% CI)" in drawn


def test_revman_totals_and_events(fig: Figure, es: pd.DataFrame) -> None:
    drawn = texts(fig)
    assert "Total events" in drawn
    assert str(es.tpos.sum()) in drawn
    assert str(es.cpos.sum()) in drawn
    assert str((es.tpos + es.tneg).sum()) in drawn
    assert str((es.cpos + es.cneg).sum()) in drawn
    assert "88391" in drawn  # TPT Madras, a study's total


def test_revman_test_lines(fig: Figure, res: mr.RMAResult) -> None:
    drawn = texts(fig)
    want = (
        f"Heterogeneity: Tau² = {res.tau2:.2f}; Chi² = {res.QE:.2f}, "
        f"df = {res.k - 1} (P < 0.00001); I² = {res.I2:.0f}%"
    )
    assert (
        want
        == "Heterogeneity: Tau² = 0.31; Chi² = 152.23, df = 12 (P < 0.00001); I² = 92%"
    )
    assert want in drawn
    assert "Test for overall effect: Z = 3.97 (P < 0.0001)" in drawn


def test_revman_rows_and_marks(fig: Figure, res: mr.RMAResult) -> None:
    assert len(squares(fig)) == res.k
    assert len(diamonds(fig)) == 1
    assert study_order(fig, res.slab) == list(res.slab)


def test_ratio_axis_is_log(fig: Figure) -> None:
    ax = fig.axes[1]
    assert ax.get_xscale() == "log"
    lo, hi = ax.get_xlim()
    assert lo * hi == pytest.approx(1)  # symmetric about 1
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert "1" in ticks


def test_fixed_effect_has_no_tau2(res: mr.RMAResult, es: pd.DataFrame) -> None:
    drawn = texts(forest(mr.rma(es, method="FE")))
    line = next(s for s in drawn if s.startswith("Heterogeneity"))
    assert "Tau²" not in line
    assert "IV, Fixed, 95% CI" in drawn


def test_knha_overall_test_is_t(es: pd.DataFrame) -> None:
    res = mr.rma(es, test="knha")
    drawn = texts(forest(res))
    assert (
        f"Test for overall effect: t = {abs(res.zval[0]):.2f}, df = 12 (P = 0.002)"
        in drawn
    )


def test_continuous_columns_and_linear_axis() -> None:
    esc = smd_frame()
    res = mr.rma(esc, method="DL")
    fig = forest(res, data=esc)
    drawn = texts(fig)
    assert drawn.count("Mean") == 2
    assert drawn.count("SD") == 2
    assert "Std. Mean Difference" in drawn
    assert "IV, Random, 95% CI" in drawn
    assert "60.2" in drawn
    assert "12.5" in drawn
    assert str(esc.n1i.sum()) in drawn
    assert "Total events" not in drawn
    ax = fig.axes[1]
    assert ax.get_xscale() == "linear"
    lo, hi = ax.get_xlim()
    assert lo == -hi


def test_subgroups(sub: mr.SubgroupResult, es: pd.DataFrame) -> None:
    fig = forest(sub, data=es)
    drawn = texts(fig)
    for level in sub.levels:
        assert level in drawn
    assert drawn.count("Subtotal (95% CI)") == len(sub.levels)
    assert drawn.count("Total events") == len(sub.levels) + 1
    assert drawn.count("Total (95% CI)") == 1
    het = [s for s in drawn if s.startswith("Heterogeneity")]
    assert len(het) == len(sub.levels) + 1
    assert f"Chi² = {sub.QE[0]:.2f}, df = {sub.k[0] - 1}" in het[0]
    assert sub.revman_line() in drawn  # the same words as the text output
    assert sub.revman_line().endswith("Chi² = 1.86, df = 2 (P = 0.39), I² = 0%")
    assert sum(s.startswith("Test for overall effect") for s in drawn) == 4
    assert len(squares(fig)) == len(sub.slab)
    assert len(diamonds(fig)) == len(sub.levels) + 1
    for g in range(len(sub.levels)):  # subtotals: shares of the overall weight
        assert f"{sub.weights_overall[sub.group == g].sum():.1f}%" in drawn
    order = study_order(fig, sub.slab)
    assert order[:7] == [s for s, g in zip(sub.slab, sub.group, strict=True) if g == 0]


def test_single_study_subgroup_is_not_applicable(es: pd.DataFrame) -> None:
    by = ["one"] + ["rest"] * (len(es) - 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mr.ModelWarning)
        sub = mr.subgroup(es, by)
    drawn = texts(forest(sub))
    assert "Heterogeneity: Not applicable" in drawn


def test_single_study_subgroup_under_knha_gets_a_z_test(es: pd.DataFrame) -> None:
    by = ["one"] + ["rest"] * (len(es) - 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mr.ModelWarning)
        sub = mr.subgroup(es, by, test="knha")
        single = mr.rma(es.iloc[[0]], method="REML")
    drawn = texts(forest(sub))
    assert f"Test for overall effect: Z = {abs(single.zval[0]):.2f}" in " ".join(drawn)
    assert not any("nan" in t for t in drawn)


def test_prediction_interval(res: mr.RMAResult) -> None:
    fig = forest(res, prediction=True)
    drawn = texts(fig)
    pred = res.predict(transf=np.exp)
    assert "Prediction interval" in drawn
    assert f"[{fmt(pred.pi_lb[0])}, {fmt(pred.pi_ub[0])}]" in drawn


def test_mantel_haenszel_and_peto(es: pd.DataFrame) -> None:
    mh = mr.rma_mh(ai="tpos", bi="tneg", ci="cpos", di="cneg", data=es, slab="slab")
    drawn = texts(forest(mh, data=es))
    assert "Odds Ratio" in drawn
    assert "M-H, Fixed, 95% CI" in drawn
    assert f"{mh.weights[0]:.1f}%" in drawn
    assert not any("Tau²" in s for s in drawn)
    dl = mr.rma_mh(ai="tpos", bi="tneg", ci="cpos", di="cneg", data=es, slab="slab",
                   measure="RR", method="DL")  # fmt: skip
    assert "M-H, Random, 95% CI" in texts(forest(dl))
    peto = mr.rma_peto(ai="tpos", bi="tneg", ci="cpos", di="cneg", data=es, slab="slab")
    drawn = texts(forest(peto))
    assert "Peto Odds Ratio" in drawn
    assert "Peto, Fixed, 95% CI" in drawn


def test_not_estimable_study_has_no_square() -> None:
    data = pd.DataFrame(
        {"ai": [0, 3, 5, 2], "n1i": [20, 40, 50, 30], "ci": [0, 6, 9, 5],
         "n2i": [21, 38, 52, 33], "slab": ["Zero 2001", "B 2002", "C 2003", "D 2004"]}
    )  # fmt: skip
    mh = mr.rma_mh(ai="ai", n1i="n1i", ci="ci", n2i="n2i", data=data, slab="slab",
                   measure="RR")  # fmt: skip
    fig = forest(mh, data=data)
    assert "Not estimable" in texts(fig)
    assert len(squares(fig)) == 3


# ---------------------------------------------------------------- options


def test_compact_layout(res: mr.RMAResult, es: pd.DataFrame) -> None:
    fig = forest(res, layout="metafor", prediction=True)
    drawn = texts(fig)
    assert "RE Model" in drawn
    assert "Risk Ratio [95% CI]" in drawn
    assert "Weight" not in drawn
    assert "Events" not in drawn
    pred = res.predict(transf=np.exp)
    assert f"{fmt(pred.pred[0])} [{fmt(pred.ci_lb[0])}, {fmt(pred.ci_ub[0])}]" in drawn
    assert any(s.startswith("Heterogeneity: τ² = 0.3132, I² = 92.2%") for s in drawn)
    assert "FE Model" in texts(forest(mr.rma(es, method="FE"), layout="metafor"))


def test_compact_subgroups(sub: mr.SubgroupResult) -> None:
    drawn = texts(forest(sub, layout="metafor"))
    assert drawn.count("RE Model for Subgroup") == len(sub.levels)
    assert any(
        s.startswith("Test for subgroup differences: Q(2) = 1.86") for s in drawn
    )


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("weight", lambda r, i: -r.weights[i]),
        ("effect", lambda r, i: r.yi[i]),
        ("year", lambda r, i: int(r.slab[i][-4:])),
    ],
)
def test_sort(res: mr.RMAResult, sort: str, key: object) -> None:
    fig = forest(res, sort=sort)
    want = [res.slab[i] for i in sorted(range(res.k), key=lambda i: key(res, i))]  # type: ignore[operator]
    assert study_order(fig, res.slab) == want


def test_sort_year_from_data_column(es: pd.DataFrame) -> None:
    res = mr.rma(es)
    fig = forest(res, data=es, sort="year")
    years = dict(zip(es.slab, es.year, strict=True))
    drawn = study_order(fig, res.slab)
    assert [years[s] for s in drawn] == sorted(es.year)


def test_xlim_at_and_arrows(res: mr.RMAResult) -> None:
    fig = forest(res, xlim=(0.1, 10), at=[0.1, 0.5, 1, 2, 10])
    ax = fig.axes[1]
    assert ax.get_xlim() == pytest.approx((0.1, 10))
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "0.1",
        "0.5",
        "1",
        "2",
        "10",
    ]
    # Vandiviere, Ferguson & Simes and Rosenthal 1960 run past 0.1: arrowheads
    arrows = [ln for ln in ax.lines if ln.get_marker() not in ("None", None, "")]
    assert len(arrows) == 3


def test_transf_is_linear_and_named() -> None:
    z = mr.escalc("ZCOR", ri=[0.2, 0.35, 0.1, 0.5], ni=[50, 80, 120, 40],
                  slab=["S1", "S2", "S3", "S4"])  # fmt: skip
    res = mr.rma(z)
    fig = forest(res, transf=np.tanh, favours=None)
    drawn = texts(fig)
    assert fig.axes[1].get_xscale() == "linear"
    assert "Correlation" in drawn
    assert f"{fmt(np.tanh(res.beta[0]))} [" in " ".join(drawn)
    assert not any(s.startswith("Favours") for s in drawn)


def test_favours_labels(fig: Figure) -> None:
    drawn = texts(fig)
    assert "Favours intervention" in drawn
    assert "Favours control" in drawn


def test_title_and_width(res: mr.RMAResult, es: pd.DataFrame) -> None:
    fig = forest(res, data=es, title="BCG vaccine", width=7.5)
    assert "BCG vaccine" in texts(fig)
    assert fig.get_size_inches()[0] == pytest.approx(7.5)
    assert overlapping_texts(fig) == []


# ---------------------------------------------------------------- legibility


def inside(fig: Figure) -> bool:
    box = fig.bbox
    return all(
        b.x0 >= box.x0 - 0.5 and b.x1 <= box.x1 + 0.5
        and b.y0 >= box.y0 - 0.5 and b.y1 <= box.y1 + 0.5
        for _, b in text_boxes(fig)
    )  # fmt: skip


@pytest.mark.parametrize(
    ("k", "long_labels"), [(2, False), (13, False), (13, True), (60, True)]
)
@pytest.mark.parametrize("layout", ["revman", "metafor"])
def test_no_overlap_and_nothing_clipped(k: int, long_labels: bool, layout: str) -> None:
    data = simulated(k, long_labels)
    res = mr.rma(data)
    fig = forest(res, data=data if layout == "revman" else None, layout=layout,
                 prediction=True)  # fmt: skip
    assert overlapping_texts(fig) == []
    assert inside(fig)
    assert len(squares(fig)) == k
    height = fig.get_size_inches()[1]
    assert 0.15 * k < height < 0.45 * k + 3  # about 0.2 inch per row


def test_long_labels_are_wrapped_or_cut() -> None:
    data = simulated(5, long_labels=True)
    fig = forest(mr.rma(data), data=data)
    drawn = texts(fig)
    assert not any(s.startswith("Very long") and "\n" not in s and "…" not in s
                   for s in drawn)  # fmt: skip
    assert any(s.startswith("Very long") for s in drawn)


def test_subgroups_no_overlap(sub: mr.SubgroupResult, es: pd.DataFrame) -> None:
    for layout in ("revman", "metafor"):
        fig = forest(sub, data=es if layout == "revman" else None, layout=layout,
                     prediction=True)  # fmt: skip
        assert overlapping_texts(fig) == []
        assert inside(fig)


# ---------------------------------------------------------------- risk of bias


def rob_table(slab: tuple[str, ...]) -> pd.DataFrame:
    cycle = ["low", "some concerns", "high"]
    return pd.DataFrame(
        {
            "D1": ["low"] * len(slab),
            "D2": [cycle[i % 3] for i in range(len(slab))],
            "D3": ["Low"] * len(slab),
            "D4": ["some concerns"] * len(slab),
            "D5": ["low"] * len(slab),
            "overall": [cycle[(i + 1) % 3] for i in range(len(slab))],
        },
        index=list(slab),
    )


def test_rob_dots(res: mr.RMAResult, es: pd.DataFrame) -> None:
    table = rob_table(res.slab)
    fig = forest(res, data=es, rob=table)
    circles = [p for p in fig.axes[0].patches if isinstance(p, Circle)]
    assert len(circles) == res.k * 6 + 3  # the dots and the legend's key
    drawn = texts(fig)
    for head in ("Risk of Bias", "D1", "D5", "Overall"):
        assert head in drawn
    assert "D1: Bias arising from the randomization process" in drawn
    symbols = {ROB[j][1].replace("-", MINUS) for j in ("low", "some concerns", "high")}
    assert symbols <= set(drawn)
    colours = {c.get_facecolor()[:3] for c in circles}
    assert len(colours) == 3
    assert drawn.count("X") == sum(table[c].eq("high").sum() for c in table) + 1
    assert overlapping_texts(fig) == []
    assert inside(fig)


def test_rob_with_study_column_and_named_domains(res: mr.RMAResult) -> None:
    table = pd.DataFrame(
        {
            "study": list(res.slab),
            "Random sequence generation": ["low"] * res.k,
            "Allocation concealment": ["unclear"] * res.k,
            "Blinding": [None] * res.k,
        }
    )
    drawn = texts(forest(res, rob=table, layout="metafor"))
    assert "D1: Random sequence generation" in drawn
    assert "?" in drawn
    assert "Unclear" in drawn


def test_rob_missing_study_is_an_error(res: mr.RMAResult) -> None:
    table = rob_table(res.slab).iloc[1:]
    with pytest.raises(mr.InputError, match=r"rob has no judgements.*Aronson, 1948"):
        forest(res, rob=table)


def test_rob_unknown_judgement_is_an_error(res: mr.RMAResult) -> None:
    table = rob_table(res.slab)
    table.iloc[2, 1] = "dubious"
    with pytest.raises(mr.InputError, match=r"rob\['D2'\].*'dubious'"):
        forest(res, rob=table)


# ---------------------------------------------------------------- bad input


def test_meta_regression_is_refused(es: pd.DataFrame) -> None:
    reg = mr.rma(es, mods=["ablat"])
    with pytest.raises(mr.InputError, match="res must be a model without moderators"):
        forest(reg)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"layout": "stata"}, mr.InputError, "layout must be one of"),
        ({"sort": "size"}, mr.InputError, "sort must be one of"),
        ({"xlim": (0, 10)}, mr.InputError, "xlim .* must be > 0"),
        ({"xlim": (5, 1)}, mr.InputError, "xlim must be two finite numbers"),
        ({"at": [1]}, mr.InputError, "at must hold at least two"),
        ({"labels": "BCG"}, mr.InputTypeError, "labels must be a pair"),
        ({"favours": ("a",)}, mr.InputTypeError, "favours must be a pair"),
        ({"transf": "exp"}, mr.InputTypeError, "transf must be a function"),
        ({"width": 3.0}, mr.InputError, "width=3.0 inches is too narrow"),
        ({"width": -1}, mr.InputError, "width must be"),
        ({"prediction": "yes"}, mr.InputTypeError, "prediction must be"),
        ({"data": [1, 2]}, mr.InputTypeError, "data must be"),
        ({"rob": [1, 2]}, mr.InputTypeError, "rob must be a DataFrame"),
    ],
)
def test_bad_arguments(
    res: mr.RMAResult, kwargs: dict[str, object], error: type, match: str
) -> None:
    with pytest.raises(error, match=match):
        forest(res, **kwargs)  # type: ignore[arg-type]


def test_not_a_result_is_a_type_error() -> None:
    with pytest.raises(mr.InputTypeError, match="res must be a result of rma"):
        forest("res")


def test_data_without_arm_columns(res: mr.RMAResult, es: pd.DataFrame) -> None:
    renamed = es.rename(columns={"tpos": "events"})
    with pytest.raises(mr.InputError, match=r"data has no arm-level columns"):
        forest(res, data=renamed)


def test_arm_columns_of_a_frame_renamed_to_escalc_names(res: mr.RMAResult) -> None:
    bcg = mr.datasets.load("bcg").rename(
        columns={"tpos": "ai", "tneg": "bi", "cpos": "ci", "cneg": "di"}
    )
    data = bcg.assign(slab=bcg["study"])
    fig = forest(res, data=data)
    assert "505" in texts(fig)


def test_data_of_another_model(res: mr.RMAResult, es: pd.DataFrame) -> None:
    with pytest.raises(mr.InputError, match="slab column lacks"):
        forest(res, data=es.iloc[:5])


def test_sort_year_without_years(res: mr.RMAResult) -> None:
    z = mr.escalc("ZCOR", ri=[0.2, 0.35], ni=[50, 80], slab=["S1", "S2"])
    with pytest.raises(mr.InputError, match="sort='year' needs a year"):
        forest(mr.rma(z), sort="year")


# ---------------------------------------------------------------- formats, files


@pytest.mark.parametrize(
    ("p", "want"),
    [
        (3e-6, "P < 0.00001"),
        (7.1e-5, "P < 0.0001"),
        (0.00063, "P = 0.0006"),
        (0.0023, "P = 0.002"),
        (0.0183, "P = 0.02"),
        (0.39, "P = 0.39"),
        (float("nan"), "P = NA"),
    ],
)
def test_revman_p(p: float, want: str) -> None:
    assert revman_p(p) == want


@pytest.mark.parametrize("suffix", ["png", "svg", "pdf"])
def test_saves(fig: Figure, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"forest.{suffix}"
    fig.savefig(path)
    assert path.stat().st_size > 1000
