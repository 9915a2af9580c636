from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import Collection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

import metareview as mr
from metareview._validate import InputError, InputTypeError
from metareview.plots.diagnostics import baujat, bubble, labbe, radial
from plots.plot_helpers import overlapping_texts, texts

Z95 = 1.959963984540054
CELLS = {"ai": "tpos", "bi": "tneg", "ci": "cpos", "di": "cneg"}


@pytest.fixture(scope="module")
def bcg():
    return mr.datasets.load("bcg")


@pytest.fixture(scope="module")
def es(bcg):
    return mr.escalc("RR", data=bcg, slab="study", **CELLS)


@pytest.fixture(scope="module")
def res(es):
    return mr.rma(es)


@pytest.fixture(scope="module")
def reg(es):
    return mr.rma(es, mods="ablat")


@pytest.fixture(scope="module")
def trials40():
    """40 simulated two-arm trials with long labels (escalc from arrays of a frame
    whose columns are named ai, n1i, ci, n2i)."""
    rng = np.random.default_rng(7)
    k = 40
    n1, n2 = rng.integers(20, 400, k), rng.integers(20, 400, k)
    pc = rng.uniform(0.05, 0.6, k)
    lor = rng.normal(-0.4, 0.35, k)
    pt = 1 / (1 + np.exp(-(np.log(pc / (1 - pc)) + lor)))
    frame = pd.DataFrame(
        {
            "trial": [f"Trial {chr(65 + i % 26)}{i // 26 + 1} et al., {1990 + i % 30}"
                      for i in range(k)],
            "ai": rng.binomial(n1, pt),
            "n1i": n1,
            "ci": rng.binomial(n2, pc),
            "n2i": n2,
        }
    )  # fmt: skip
    es = mr.escalc(
        "OR", ai="ai", n1i="n1i", ci="ci", n2i="n2i", data=frame, slab="trial"
    )
    return es, mr.rma(es)


def panel(fig: Figure) -> Axes:
    return fig.axes[0]


def collection(ax: Axes, gid: str) -> Collection:
    found = [c for c in ax.collections if c.get_gid() == gid]
    assert len(found) == 1, gid
    return found[0]


def lines(ax: Axes, gid: str) -> list[Line2D]:
    return [ln for ln in ax.lines if ln.get_gid() == gid]


def saves(fig: Figure, tmp_path, name: str) -> None:
    for ext in ("png", "svg", "pdf"):
        path = tmp_path / f"{name}.{ext}"
        fig.savefig(path)
        assert path.stat().st_size > 1000


# bubble ---------------------------------------------------------------------


def test_bubble_points_sized_by_weight(reg) -> None:
    ax = panel(bubble(reg))
    pts = collection(ax, "studies")
    xy = pts.get_offsets()
    assert xy.shape == (reg.k, 2)
    # match each bubble to its study
    study = [
        int(np.argmin(np.abs(reg.X[:, 1] - x) + np.abs(reg.yi - np.log(y))))
        for x, y in xy
    ]
    assert sorted(study) == list(range(reg.k))
    sizes = pts.get_sizes()
    w = reg.weights[study]
    order = np.argsort(w)
    assert (np.diff(sizes[order]) >= 0).all()
    np.testing.assert_allclose(sizes / sizes.max(), w / w.max())


def test_bubble_line_slope_is_the_coefficient(reg) -> None:
    ax = panel(bubble(reg))
    (ln,) = lines(ax, "regression")
    x, y = np.asarray(ln.get_xdata()), np.log(np.asarray(ln.get_ydata()))
    slope, intercept = np.polyfit(x, y, 1)
    assert slope == pytest.approx(reg.beta[1], rel=1e-9)
    assert intercept == pytest.approx(reg.beta[0], rel=1e-9)
    assert ax.get_xlabel() == "ablat"
    assert ax.get_yscale() == "log"
    assert ax.get_ylabel() == "Risk ratio"


def test_bubble_bands(reg) -> None:
    ax = panel(bubble(reg, pi=True))
    band = collection(ax, "ci")
    assert band is not None
    pi = lines(ax, "pi")
    assert len(pi) == 2
    grid = np.asarray(pi[0].get_xdata())
    want = reg.predict(newmods=grid)
    lo, hi = sorted((np.log(np.asarray(p.get_ydata())) for p in pi), key=lambda a: a[0])
    np.testing.assert_allclose(lo, want.pi_lb)
    np.testing.assert_allclose(hi, want.pi_ub)
    ax = panel(bubble(reg, ci=False))
    assert [c for c in ax.collections if c.get_gid() == "ci"] == []
    assert lines(ax, "pi") == []


def test_bubble_other_moderators_at_their_means(es) -> None:
    fit = mr.rma(es, mods=["ablat", "year"])
    ax = panel(bubble(fit, "year", transf=np.exp, ci=False))
    (ln,) = lines(ax, "regression")
    x, y = np.asarray(ln.get_xdata()), np.log(np.asarray(ln.get_ydata()))
    slope, intercept = np.polyfit(x, y, 1)
    assert slope == pytest.approx(fit.beta[2], rel=1e-9)
    assert intercept == pytest.approx(fit.beta[0] + fit.beta[1] * fit.X[:, 1].mean())
    assert ax.get_xlabel() == "year"


def test_bubble_labels_without_overlap(reg, tmp_path) -> None:
    fig = bubble(reg, pi=True, labels=True)
    drawn = texts(fig)
    assert sum(lab in drawn for lab in reg.slab) >= reg.k - 1
    assert overlapping_texts(fig) == []
    saves(fig, tmp_path, "bubble")
    few = bubble(reg, labels=["Aronson, 1948", "TPT Madras, 1980"])
    assert {"Aronson, 1948", "TPT Madras, 1980"} <= set(texts(few))
    assert "Comstock et al, 1974" not in texts(few)


def test_bubble_errors_name_the_argument(es, res, reg) -> None:
    with pytest.raises(InputError, match="needs a meta-regression"):
        bubble(res)
    with pytest.raises(InputError, match="name the one to plot with mod="):
        bubble(mr.rma(es, mods=["ablat", "year"]))
    with pytest.raises(InputError, match="mod='lat' is not a coefficient"):
        bubble(reg, "lat")
    with pytest.raises(InputError, match="intercept"):
        bubble(reg, 0)
    with pytest.raises(InputError, match="not a continuous moderator"):
        bubble(mr.rma(es, mods=["ablat", "alloc"]), "alloc[T.random]")
    with pytest.raises(InputTypeError, match="mod must be"):
        bubble(reg, 1.5)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="labels"):
        bubble(reg, labels=["Nobody, 2000"])
    with pytest.raises(InputTypeError, match="pass its model"):
        bubble(mr.trimfill(res))  # type: ignore[arg-type]
    with pytest.raises(InputTypeError, match=r"res= a model fitted by rma\(\)"):
        bubble(es)  # type: ignore[arg-type]


# baujat ---------------------------------------------------------------------


def test_baujat_points_are_the_data(res) -> None:
    fig = baujat(res)
    ax = panel(fig)
    data = mr.baujat(res)
    xy = collection(ax, "studies").get_offsets()
    np.testing.assert_allclose(xy[:, 0], data["x"])
    np.testing.assert_allclose(xy[:, 1], data["y"])
    assert ax.get_xlabel() == "Contribution to overall heterogeneity"
    assert ax.get_ylabel() == "Influence on overall result"
    assert mr.plots.baujat is baujat
    assert mr.baujat is not baujat  # the data function stays mr.baujat


def test_baujat_labels_most_outlying_first_without_overlap(
    res, trials40, tmp_path
) -> None:
    fig = baujat(res)
    data = mr.baujat(res)
    top = (data["x"] / data["x"].max() + data["y"] / data["y"].max()).idxmax()
    assert top in texts(fig)
    assert overlapping_texts(fig) == []
    _, r40 = trials40
    fig40 = baujat(r40)
    drawn = texts(fig40)
    labelled = [lab for lab in r40.slab if lab in drawn]
    assert len(labelled) >= 8
    note = [t for t in drawn if "not labelled" in t]
    assert note == [f"{r40.k - len(labelled)} studies in crowded areas not labelled"]
    assert overlapping_texts(fig40) == []
    saves(fig40, tmp_path, "baujat")


def test_baujat_ids_and_no_labels(res) -> None:
    drawn = texts(baujat(res, labels="ids"))
    assert "4" in drawn
    assert "8" in drawn
    assert not any(lab in drawn for lab in res.slab)
    bare = texts(baujat(res, labels=False))
    assert not any(lab in bare for lab in res.slab)


def test_baujat_errors(res, bcg) -> None:
    with pytest.raises(InputError, match="labels must be one of"):
        baujat(res, labels="names")
    mh = mr.rma_mh(ai=bcg.tpos, bi=bcg.tneg, ci=bcg.cpos, di=bcg.cneg)
    with pytest.raises(InputTypeError, match=r"res= a model fitted by rma\(\)"):
        baujat(mh)  # type: ignore[arg-type]
    with pytest.warns(mr.ModelWarning):
        one = mr.rma([0.2], [0.1])
    with pytest.raises(InputError, match="k = 1"):
        baujat(one)


# labbe ----------------------------------------------------------------------


def test_labbe_points_are_the_event_rates(res, es, bcg) -> None:
    fig = labbe(res, es, **CELLS)
    ax = panel(fig)
    xy = collection(ax, "studies").get_offsets()
    p1 = bcg.tpos / (bcg.tpos + bcg.tneg)
    p2 = bcg.cpos / (bcg.cpos + bcg.cneg)
    assert xy.shape == (res.k, 2)
    assert sorted(map(tuple, np.round(xy, 12))) == sorted(
        zip(np.round(p2, 12), np.round(p1, 12), strict=True)
    )
    # rare events: log axes, the pooled risk ratio a line y = RR x
    assert ax.get_xscale() == ax.get_yscale() == "log"
    (est,) = lines(ax, "estimate")
    x, y = np.asarray(est.get_xdata()), np.asarray(est.get_ydata())
    ok = np.isfinite(y)
    np.testing.assert_allclose(y[ok] / x[ok], np.exp(res.beta[0]))
    assert len(lines(ax, "equality")) == 1
    assert f"Pooled risk ratio {np.exp(res.beta[0]):.2f}" in texts(fig)
    assert overlapping_texts(fig) == []


def test_labbe_sizes_follow_weights(trials40, tmp_path) -> None:
    es40, r40 = trials40
    fig = labbe(r40, es40)  # columns ai, n1i, ci, n2i found by name
    ax = panel(fig)
    assert ax.get_xscale() == "linear"
    pts = collection(ax, "studies")
    assert pts.get_offsets().shape == (40, 2)
    np.testing.assert_allclose(
        np.sort(pts.get_sizes()), np.sort(200 * r40.weights / r40.weights.max())
    )
    (est,) = lines(ax, "estimate")
    x, y = np.asarray(est.get_xdata()), np.asarray(est.get_ydata())
    ok = np.isfinite(y) & (x > 0) & (x < 1)
    odds_ratio = (y[ok] / (1 - y[ok])) / (x[ok] / (1 - x[ok]))
    np.testing.assert_allclose(odds_ratio, np.exp(r40.beta[0]))
    assert overlapping_texts(fig) == []
    saves(fig, tmp_path, "labbe")


def test_labbe_risk_difference_and_mantel_haenszel(bcg) -> None:
    mh = mr.rma_mh(ai=bcg.tpos, bi=bcg.tneg, ci=bcg.cpos, di=bcg.cneg, measure="RD")
    ax = panel(labbe(mh, bcg, scale="linear", **CELLS))
    (est,) = lines(ax, "estimate")
    x, y = np.asarray(est.get_xdata()), np.asarray(est.get_ydata())
    ok = np.isfinite(y)
    np.testing.assert_allclose(y[ok] - x[ok], mh.beta[0], atol=1e-12)
    assert ax.get_xscale() == "linear"


def test_labbe_errors_name_the_argument(es, res, reg, bcg) -> None:
    with pytest.raises(InputError, match="meta-regression"):
        labbe(reg, es, **CELLS)
    generic = mr.rma(np.array(es.yi), np.array(es.vi))
    with pytest.raises(InputError, match="measure='GEN'"):
        labbe(generic, es, **CELLS)
    labbe(res, es)  # escalc recorded which columns hold the cells
    with pytest.raises(InputError, match="needs ai="):
        labbe(res, es.drop(columns="tpos"))
    with pytest.raises(InputError, match="needs the 2x2 tables"):
        labbe(res)
    with pytest.raises(InputError, match="'tpos2' is not a column"):
        labbe(res, es, ai="tpos2", bi="tneg", ci="cpos", di="cneg")
    with pytest.raises(InputError, match="bi= or n1i="):
        labbe(res, es, ai="tpos", ci="cpos", di="cneg")
    with pytest.raises(InputError, match="arm data have 6 rows but res has 13"):
        labbe(res, bcg.head(6), **CELLS)
    swapped = es.assign(yi=-es.yi)
    with pytest.raises(InputError, match="yi of data are not those of res"):
        labbe(res, swapped, **CELLS)
    zero = bcg.assign(tpos=bcg.tpos.where(bcg.index != 0, 0))
    es0 = mr.escalc("RR", data=zero, **CELLS)
    with pytest.raises(InputError, match="scale='log'"):
        labbe(mr.rma(es0), es0, scale="log", **CELLS)
    with pytest.raises(InputError, match="scale must be one of"):
        labbe(res, es, scale="sqrt", **CELLS)


# radial ---------------------------------------------------------------------


def test_radial_points_and_slope(res) -> None:
    fig = radial(res)
    ax = panel(fig)
    xy = collection(ax, "studies").get_offsets()
    x = 1 / np.sqrt(res.vi + res.tau2)
    np.testing.assert_allclose(xy[:, 0], x)
    np.testing.assert_allclose(xy[:, 1], res.yi * x)
    (est,) = lines(ax, "estimate")
    ex, ey = np.asarray(est.get_xdata()), np.asarray(est.get_ydata())
    assert ex[0] == ey[0] == 0.0  # through the origin
    assert ey[1] / ex[1] == pytest.approx(res.beta[0], rel=1e-12)
    bands = lines(ax, "band")
    assert len(bands) == 2
    intercepts = sorted(float(b.get_ydata()[0]) for b in bands)
    np.testing.assert_allclose(intercepts, [-Z95, Z95])
    for b in bands:
        bx, by = np.asarray(b.get_xdata()), np.asarray(b.get_ydata())
        assert (by[1] - by[0]) / (bx[1] - bx[0]) == pytest.approx(res.beta[0])


def test_radial_arc_is_a_circle_labelled_in_ratios(res, tmp_path) -> None:
    fig = radial(res)
    ax = panel(fig)
    fig.canvas.draw()
    (arc,) = lines(ax, "arc")
    pts = ax.transData.transform(np.column_stack([arc.get_xdata(), arc.get_ydata()]))
    origin = ax.transData.transform((0.0, 0.0))
    r = np.hypot(*(pts - origin).T)
    np.testing.assert_allclose(r, r[0], rtol=1e-9)
    labels = [t.get_text() for t in ax.texts if t.get_gid() == "arc label"]
    assert "1" in labels
    assert "0.5" in labels
    assert "Risk ratio" in texts(fig)
    assert overlapping_texts(fig) == []
    saves(fig, tmp_path, "radial")


def test_radial_equal_effects_and_many_studies(trials40, es) -> None:
    ee = mr.rma(es, method="EE")
    ax = panel(radial(ee))
    np.testing.assert_allclose(
        collection(ax, "studies").get_offsets()[:, 0], 1 / np.sqrt(ee.vi)
    )
    assert ax.get_xlabel() == r"$x_i = 1/\sqrt{v_i}$"
    _, r40 = trials40
    assert overlapping_texts(radial(r40)) == []


def test_radial_errors(reg) -> None:
    with pytest.raises(InputError, match="meta-regression"):
        radial(reg)
    with pytest.warns(mr.ModelWarning):
        one = mr.rma([0.2], [0.1])
    with pytest.raises(InputError, match="at least 2 studies; res has k = 1"):
        radial(one)


# public names ---------------------------------------------------------------


def test_public_names() -> None:
    assert mr.bubble is bubble
    assert mr.labbe is labbe
    assert mr.radial is radial
    for name in ("bubble", "labbe", "radial", "funnel", "plots"):
        assert name in mr.__all__
    assert {"funnel", "bubble", "baujat", "labbe", "radial"} <= set(mr.plots.__all__)
