"""Speed of permutest() against R metafor's permutest(), on the same data in one run.

Run: ``.venv/bin/python benchmarks/bench_permutest.py``. A meta-regression with
k = 50 studies and one moderator is written to a temporary CSV; both sides fit it
and run 1,000 random permutations (the observed data first). Metafor is timed
through ``Rscript`` when it is installed, otherwise its column says n/a. Each
timing is the median of several repeats; the machine is shared, so read the
ratios, not the absolute times.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

import metareview as mr

REPEATS = 5
R_REPEATS = 3  # metafor takes seconds per run
ITER = 1000
K = 50


def median_time(fn: Callable[[], object]) -> float:
    """Median over REPEATS of one call, in seconds (after a warm-up call)."""
    fn()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


R_SCRIPT = """
suppressPackageStartupMessages(library(metafor))
d <- read.csv('{csv}')
res <- rma(yi, vi, mods = ~ x, data = d, method = '{method}')
one <- function(i) system.time(
  permutest(res, iter = {iter}, progbar = FALSE))[["elapsed"]]
invisible(one(0))
cat(median(sapply(1:{repeats}, one)), "\\n")
"""


def r_median(csv: Path, method: str) -> float | None:
    """Median time of metafor's permutest(res, iter=ITER); None without R."""
    if shutil.which("Rscript") is None:
        return None
    script = R_SCRIPT.format(csv=csv, method=method, iter=ITER, repeats=R_REPEATS)
    done = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"Rscript failed:\n{done.stderr}")
    return float(done.stdout.strip().splitlines()[-1])


def simulate(k: int, rng: np.random.Generator) -> pd.DataFrame:
    """A meta-regression: effects depend weakly on a moderator, with heterogeneity."""
    x = rng.uniform(0.0, 10.0, k)
    vi = rng.uniform(0.01, 0.2, k)
    yi = rng.normal(0.2 + 0.03 * x, np.sqrt(vi + 0.05))
    return pd.DataFrame({"yi": yi, "vi": vi, "x": x})


def row(label: str, ours: float, ref: float | None) -> str:
    ratio = "n/a" if ref is None else f"{ref / ours:,.0f}x"
    ref_s = "n/a" if ref is None else f"{ref:.3g} s"
    return f"| {label} | {ours:.3g} s | {ref_s} | {ratio} |"


def main() -> None:
    rng = np.random.default_rng(20261130)
    tmp = Path(tempfile.mkdtemp())
    data = simulate(K, rng)
    csv = tmp / "metareg.csv"
    data.to_csv(csv, index=False, float_format="%.17g")
    lines = [
        "| benchmark | metareview | metafor | metafor / metareview |",
        "|---|---|---|---|",
    ]
    for method in ("REML", "DL"):
        res = mr.rma(data, mods="x", method=method)
        ours = median_time(lambda res=res: mr.permutest(res, iter=ITER, rng=1))
        ref = r_median(csv, method)
        lines.append(
            row(f"permutest, {ITER:,} permutations, k = {K}, ~ x, {method}", ours, ref)
        )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
