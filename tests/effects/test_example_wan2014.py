"""Wan et al. (2014) Tables 1 and 2 reproduced, and their estimators checked.

Wan X, Wang W, Liu J, Tong T (2014). BMC Med Res Methodol 14:135. Table 1 lists
xi(n) = E(range)/sigma of n normal variables for n <= 50, Table 2 eta(n) =
E(IQR)/sigma for n = 4Q + 1, Q <= 50, both to 3 decimals; the shared data folder
holds them as CSV (see ../shared/data/SOURCES.md, section 5b). The code computes
them by numerical integration and must agree to the tables' precision.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from helpers import shared_data
from metareview.effects.convert import mean_sd_from_median, wan_eta, wan_xi

FOLDER = "worked-examples-conversions"
# Half a unit of the tables' third decimal, plus room for two entries that the
# tables round the other way: xi(12) = 3.25846 (printed 3.259; the ASTM control
# chart constant d2(12) is 3.258), eta(49) = 1.31047 (printed 1.311) and eta(97) =
# 1.32949 (printed 1.330). Two integrations (over x, and of the normal quantile
# against the Beta density of the order statistic) agree on these to 1e-12.
TABLE_ATOL = 0.0005
ROUNDED_UP = {("xi", 12), ("eta", 49), ("eta", 97)}
ROUNDING_SLACK = 0.00055


def _rows(path: Path) -> list[dict[str, str]]:
    lines = [ln for ln in path.read_text().splitlines() if not ln.startswith("#")]
    return list(csv.DictReader(lines))


@pytest.fixture(scope="module")
def table1() -> tuple[np.ndarray, np.ndarray]:
    rows = _rows(shared_data(FOLDER, "wan2014_table1_xi.csv"))
    return (
        np.array([float(r["n"]) for r in rows]),
        np.array([float(r["xi"]) for r in rows]),
    )


@pytest.fixture(scope="module")
def table2() -> tuple[np.ndarray, np.ndarray]:
    rows = _rows(shared_data(FOLDER, "wan2014_table2_eta.csv"))
    for r in rows:  # the file's own consistency: n = 4Q + 1
        assert int(r["n"]) == 4 * int(r["Q"]) + 1
    return (
        np.array([float(r["n"]) for r in rows]),
        np.array([float(r["eta"]) for r in rows]),
    )


@pytest.mark.realdata
def test_table1_xi_exact_every_row(table1: tuple[np.ndarray, np.ndarray]) -> None:
    n, published = table1
    assert n.tolist() == list(range(1, 51))
    got = wan_xi(n)
    for size, value, want in zip(n, got, published, strict=True):
        slack = ROUNDING_SLACK if ("xi", int(size)) in ROUNDED_UP else TABLE_ATOL
        assert abs(value - want) <= slack, (int(size), value, want)
    # xi(2) = E|Z1 - Z2| = 2/sqrt(pi) exactly
    assert_allclose(wan_xi(2), 2 / np.sqrt(np.pi), rtol=1e-10)


@pytest.mark.realdata
def test_table2_eta_exact_every_row(table2: tuple[np.ndarray, np.ndarray]) -> None:
    n, published = table2
    got = wan_eta(n)
    for size, value, want in zip(n, got, published, strict=True):
        slack = ROUNDING_SLACK if ("eta", int(size)) in ROUNDED_UP else TABLE_ATOL
        assert abs(value - want) <= slack, (int(size), value, want)


@pytest.mark.realdata
def test_blom_approximations_against_the_tables(
    table1: tuple[np.ndarray, np.ndarray], table2: tuple[np.ndarray, np.ndarray]
) -> None:
    """How far the closed forms are from the exact values the tables give.

    Measured against the exact values: xi's approximation is 0.051 off at n = 2,
    within 0.034 from n = 5 and 0.012 from n = 20 on; eta's within 0.0044 (largest
    at n = 5). This is why Wan et al. use the tables for small n.
    """
    n, xi = table1
    approx = wan_xi(n, tables=False)
    err = np.abs(approx[1:] - xi[1:])  # n = 1 has no range
    assert err.max() < 0.052
    assert err[n[1:] >= 5].max() < 0.034
    assert err[n[1:] >= 20].max() < 0.012
    n2, eta = table2
    assert np.abs(wan_eta(n2, tables=False) - eta).max() < 0.0045


def test_sd_estimators_unbiased_for_normal_data() -> None:
    """E[(b - a)/xi(n)] = E[(q3 - q1)/eta(n)] = sigma when xi, eta are exact.

    A Monte Carlo check of both the integration and the formulas, independent of
    the tables: 40 000 normal samples of n = 21 (Q = 5), sigma = 2; the standard
    error of each mean is about 0.004, the tolerance 0.02.
    """
    rng = np.random.default_rng(20140135)
    n, sigma = 21, 2.0
    x = np.sort(rng.normal(10.0, sigma, size=(40_000, n)), axis=1)
    a, q1, m, q3, b = x[:, 0], x[:, 5], x[:, 10], x[:, 15], x[:, 20]
    c1 = mean_sd_from_median(min=a, median=m, max=b, n=n, skew_check=False)
    c3 = mean_sd_from_median(q1=q1, median=m, q3=q3, n=n, skew_check=False)
    c2 = mean_sd_from_median(
        min=a, q1=q1, median=m, q3=q3, max=b, n=n, skew_check=False
    )
    for res in (c1, c2, c3):
        assert abs(res.sd.mean() - sigma) < 0.02
        assert abs(res.mean.mean() - 10.0) < 0.01


def test_wan_c1_c2_c3_by_hand() -> None:
    """Wan et al. (2014) formulas written out, n = 21 with Table 1 and 2 values.

    C1: mean (a + 2m + b)/4, SD (b - a)/xi(21), xi(21) = 3.778 (Table 1).
    C2: mean (a + 2q1 + 2m + 2q3 + b)/8, SD ((b - a)/xi + (q3 - q1)/eta)/2,
    eta(21) = 1.260 (Table 2). C3: mean (q1 + m + q3)/3, SD (q3 - q1)/eta.
    """
    a, q1, m, q3, b = 1.0, 4.0, 6.0, 9.0, 15.0
    # the tables' precision, 5e-4, relative to xi(21) and eta(21)
    rtol_xi, rtol_eta = 5e-4 / 3.778, 5e-4 / 1.260
    c1 = mean_sd_from_median(min=a, median=m, max=b, n=21, method="wan")
    assert_allclose(c1.mean, (1 + 12 + 15) / 4, rtol=1e-14)
    assert_allclose(c1.sd, 14 / 3.778, rtol=rtol_xi)
    c2 = mean_sd_from_median(
        min=a, q1=q1, median=m, q3=q3, max=b, n=21, method="wan", skew_check=False
    )
    assert_allclose(c2.mean, (1 + 8 + 12 + 18 + 15) / 8, rtol=1e-14)
    assert_allclose(c2.sd, (14 / 3.778 + 5 / 1.260) / 2, rtol=rtol_eta)
    c3 = mean_sd_from_median(q1=q1, median=m, q3=q3, n=21, method="wan")
    assert_allclose(c3.mean, 19 / 3, rtol=1e-14)
    assert_allclose(c3.sd, 5 / 1.260, rtol=rtol_eta)
    assert c2.method.item().startswith("mean: Wan et al. (2014) C2")


def test_blom_used_beyond_the_tables() -> None:
    """n = 100 is past Table 1 and not 4Q + 1: both use the closed forms.

    xi(100) = 2 * qnorm(99.625 / 100.25) = 2 * qnorm(0.993766) = 4.9972 (the
    exact expected range, d2(100) = 5.015 in the ASTM tables, is 0.018 away);
    eta(100) = 2 * qnorm(74.875 / 100.25) = 2 * qnorm(0.746883) = 1.3294.
    """
    assert_allclose(wan_xi(100), 4.9972, atol=5e-5)
    assert_allclose(wan_eta(100), 1.3294, atol=5e-5)
    assert_allclose(wan_xi(100), wan_xi(100, tables=False), rtol=0)
