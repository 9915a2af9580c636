from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import Collection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

import metareview as mr
from metareview._validate import InputError, InputTypeError
from metareview.plots.funnel import funnel
from plots.plot_helpers import overlapping_texts, texts


@pytest.fixture(scope="module")
def es():
    bcg = mr.datasets.load("bcg")
    return mr.escalc(
        "RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg, slab="study"
    )


@pytest.fixture(scope="module")
def res(es):
    return mr.rma(es)


@pytest.fixture(scope="module")
def asymmetric():
    """Small studies with null or negative effects missing: trim and fill adds
    several on the left."""
    rng = np.random.default_rng(3)
    vi = rng.uniform(0.01, 0.25, 25)
    yi = 0.3 + rng.normal(0.0, np.sqrt(vi))
    keep = (yi / np.sqrt(vi) > 1.2) | (vi < 0.05)
    return mr.rma(yi[keep], vi[keep])


def panel(fig: Figure) -> Axes:
    return fig.axes[0]


def collection(ax: Axes, gid: str) -> Collection:
    found = [c for c in ax.collections if c.get_gid() == gid]
    assert len(found) == 1, gid
    return found[0]


def line(ax: Axes, gid: str) -> Line2D:
    found = [ln for ln in ax.lines if ln.get_gid() == gid]
    assert len(found) == 1, gid
    return found[0]


def contour_fills(ax: Axes) -> list[Collection]:
    return [c for c in ax.collections if str(c.get_gid()).startswith("contour")]


def test_one_point_per_study_against_its_standard_error(res) -> None:
    fig = funnel(res)
    ax = panel(fig)
    pts = collection(ax, "studies").get_offsets()
    assert pts.shape == (res.k, 2)
    np.testing.assert_allclose(np.log(pts[:, 0]), res.yi)
    np.testing.assert_allclose(pts[:, 1], np.sqrt(res.vi))


def test_standard_error_axis_is_inverted_with_zero_on_top(res) -> None:
    ax = panel(funnel(res))
    assert ax.yaxis_inverted()
    assert ax.get_ylim()[1] == 0.0
    assert ax.get_ylabel() == "Standard error"


def test_ratio_measure_on_log_axis_labelled_in_ratios(res) -> None:
    fig = funnel(res)
    ax = panel(fig)
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "Risk ratio"
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert "1" in labels
    assert "0.5" in labels


def test_estimate_line_and_pseudo_confidence_region(res) -> None:
    ax = panel(funnel(res))
    est = line(ax, "estimate")
    np.testing.assert_allclose(est.get_xdata(), np.exp(res.beta[0]))
    funnel_lines = [ln for ln in ax.lines if ln.get_gid() == "pseudo-ci"]
    assert len(funnel_lines) == 2
    z = 1.959963984540054
    for ln in funnel_lines:
        se = np.asarray(ln.get_ydata())
        x = np.log(np.asarray(ln.get_xdata()))
        slope = np.polyfit(se, x - res.beta[0], 1)[0]
        assert abs(slope) == pytest.approx(z, rel=1e-9)


def test_contour_regions_and_their_legend(res) -> None:
    fig = funnel(res)
    ax = panel(fig)
    fills = contour_fills(ax)
    assert len(fills) == 2 * 3  # each level, left and right of 0
    assert {c.get_gid() for c in fills} == {
        "contour 0.9",
        "contour 0.95",
        "contour 0.99",
    }
    shades = [tuple(contour_fills(ax)[j].get_facecolor()[0]) for j in (0, 2, 4)]
    assert shades[0] > shades[1] > shades[2]  # darker as p falls
    legend = ax.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == [
        "p > 0.10",
        "0.05 < p < 0.10",
        "0.01 < p < 0.05",
        "p < 0.01",
    ]


def test_contour_boundaries_are_significance_limits(res) -> None:
    ax = panel(funnel(res, contours=(0.95,)))
    (right,) = [
        c for c in contour_fills(ax) if c.get_paths()[0].vertices[:, 0].max() > 1
    ]
    verts = right.get_paths()[0].vertices
    se, x = verts[:, 1], np.log(verts[:, 0])
    lo, hi = np.log(ax.get_xlim())
    inside = (x > lo + 1e-9) & (x < hi - 1e-9) & (se > 0)
    ratio = x[inside] / se[inside]
    assert np.isclose(ratio, 1.959963984540054).any()


def test_without_contours_and_legend(res) -> None:
    fig = funnel(res, contours=None, legend=False)
    ax = panel(fig)
    assert contour_fills(ax) == []
    assert ax.get_legend() is None
    assert not any("p <" in t for t in texts(fig))


def test_trimfill_result_draws_filled_studies_hollow(res) -> None:
    tf = mr.trimfill(res)
    assert tf.k0 == 1
    ax = panel(funnel(tf))
    assert collection(ax, "studies").get_offsets().shape[0] == res.k
    filled = collection(ax, "filled")
    assert filled.get_offsets().shape[0] == tf.k0
    assert tuple(filled.get_facecolor()[0]) == (1.0, 1.0, 1.0, 1.0)
    np.testing.assert_allclose(line(ax, "estimate").get_xdata(), np.exp(tf.beta[0]))


def test_trimfill_argument_adds_the_adjusted_estimate(asymmetric) -> None:
    tf = mr.trimfill(asymmetric)
    assert tf.side == "left"
    assert tf.k0 >= 3
    fig = funnel(asymmetric, trimfill=tf)
    ax = panel(fig)
    assert collection(ax, "studies").get_offsets().shape[0] == asymmetric.k
    hollow = collection(ax, "filled").get_offsets()
    assert hollow.shape[0] == tf.k0
    assert (hollow[:, 0] < tf.beta[0]).all()  # filled on the left
    np.testing.assert_allclose(line(ax, "reference").get_xdata(), asymmetric.beta[0])
    np.testing.assert_allclose(line(ax, "estimate").get_xdata(), tf.beta[0])
    assert ax.get_xscale() == "linear"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Filled (trim and fill)" in legend
    assert "Adjusted estimate" in legend
    assert overlapping_texts(fig) == []


@pytest.mark.parametrize(
    ("yaxis", "inverted"),
    [("sei", True), ("vi", True), ("seinv", False), ("vinv", False)],
)
def test_y_axis_choices(asymmetric, yaxis: str, inverted: bool) -> None:
    fig = funnel(asymmetric, yaxis=yaxis)
    ax = panel(fig)
    assert bool(ax.yaxis_inverted()) is inverted
    y = collection(ax, "studies").get_offsets()[:, 1]
    want = {
        "sei": np.sqrt(asymmetric.vi),
        "vi": asymmetric.vi,
        "seinv": 1 / np.sqrt(asymmetric.vi),
        "vinv": 1 / asymmetric.vi,
    }[yaxis]
    np.testing.assert_allclose(y, want)
    assert overlapping_texts(fig) == []


def test_meta_regression_plots_residuals(es) -> None:
    reg = mr.rma(es, mods="ablat")
    ax = panel(funnel(reg))
    x = collection(ax, "studies").get_offsets()[:, 0]
    np.testing.assert_allclose(x, reg.yi - reg.X @ reg.beta)
    assert ax.get_xscale() == "linear"
    assert ax.get_xlabel() == "Residual (log risk ratio)"
    np.testing.assert_allclose(line(ax, "estimate").get_xdata(), 0.0)


def test_transf_labels_a_linear_axis_in_transformed_values() -> None:
    yi = np.array([0.1, 0.3, 0.5, 0.2, 0.4, 0.6])
    vi = np.array([0.01, 0.02, 0.04, 0.03, 0.05, 0.02])
    fig = funnel(mr.rma(yi, vi), transf=np.tanh)
    ax = panel(fig)
    assert ax.get_xscale() == "linear"
    for tick, label in zip(ax.get_xticks(), ax.get_xticklabels(), strict=True):
        text = label.get_text().replace("\N{MINUS SIGN}", "-")
        if text:
            assert np.tanh(tick) == pytest.approx(float(text), abs=1e-9)


def test_mantel_haenszel_model(es) -> None:
    bcg = mr.datasets.load("bcg")
    mh = mr.rma_mh(ai=bcg.tpos, bi=bcg.tneg, ci=bcg.cpos, di=bcg.cneg, measure="RR")
    ax = panel(funnel(mh))
    assert collection(ax, "studies").get_offsets().shape[0] == mh.k


def test_no_text_overlaps_and_fits_a_column(res) -> None:
    for fig in (funnel(res), funnel(res, trimfill=mr.trimfill(res))):
        assert overlapping_texts(fig) == []
        assert fig.get_figwidth() == pytest.approx(3.35, abs=0.01)
        assert "Risk ratio" in texts(fig)


def test_saves_as_png_svg_pdf(res, tmp_path) -> None:
    fig = funnel(res, trimfill=mr.trimfill(res))
    for ext in ("png", "svg", "pdf"):
        path = tmp_path / f"funnel.{ext}"
        fig.savefig(path)
        assert path.stat().st_size > 1000


def test_public_names(res) -> None:
    assert mr.funnel is funnel
    assert mr.plots.funnel is funnel
    assert "funnel" in mr.__all__


def test_errors_name_the_argument(es, res) -> None:
    with pytest.warns(mr.ModelWarning):
        one = mr.rma([0.2], [0.1])
    with pytest.raises(InputError, match="at least 2 studies; res has k = 1"):
        funnel(one)
    with pytest.raises(InputError, match="yaxis must be one of"):
        funnel(res, yaxis="ni")
    with pytest.raises(InputError, match="contours"):
        funnel(res, contours=(0.9, 95))
    with pytest.raises(InputTypeError, match="contours"):
        funnel(res, contours=0.95)  # type: ignore[arg-type]
    with pytest.raises(InputTypeError, match="trimfill must be the result of trimfill"):
        funnel(res, trimfill=res)  # type: ignore[arg-type]
    with pytest.raises(
        InputError, match="trimfill= is a trim-and-fill analysis of other"
    ):
        funnel(mr.rma(es.yi[:8], es.vi[:8]), trimfill=mr.trimfill(res))
    tf = mr.trimfill(res)
    with pytest.raises(InputError, match="leave trimfill= unset"):
        funnel(tf, trimfill=tf)
    with pytest.raises(InputError, match="transf"):
        funnel(mr.rma(es, mods="ablat"), transf=np.exp)
    with pytest.raises(InputTypeError, match="transf must be a function"):
        funnel(res, transf="exp")  # type: ignore[arg-type]
    with pytest.raises(InputTypeError, match="res= a model fitted by"):
        funnel(es)  # type: ignore[arg-type]
