"""Speed of rma() and rma_batch() against R metafor, on the same data in one run.

Run: ``.venv/bin/python benchmarks/bench_rma.py`` (``make bench``). Metafor is
timed through ``Rscript`` when it is installed; otherwise its column says n/a.
Each timing is the median of several repeats; the machine is shared, so read the
ratios, not the absolute times.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

import metareview as mr

REPEATS = 5


def median_time(fn: Callable[[], object], number: int = 1) -> float:
    """Median over REPEATS of the mean time of ``number`` calls, in seconds."""
    fn()  # warm up
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def r_time(script: str) -> float | None:
    """Run an R script that prints one number (seconds); None without R."""
    if shutil.which("Rscript") is None:
        return None
    done = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"Rscript failed:\n{done.stderr}")
    return float(done.stdout.strip().splitlines()[-1])


R_MEDIAN = """
suppressPackageStartupMessages(library(metafor))
{setup}
f <- function() {{ {call} }}
invisible(f())
one <- function(i) system.time(for (j in 1:{number}) f())[["elapsed"]] / {number}
reps <- sapply(1:{repeats}, one)
cat(median(reps), "\\n")
"""


def r_median(setup: str, call: str, number: int) -> float | None:
    """Median over REPEATS of metafor's mean time per call."""
    return r_time(
        R_MEDIAN.format(setup=setup, call=call, number=number, repeats=REPEATS)
    )


def simulate(m: int, k: int, rng: np.random.Generator) -> pd.DataFrame:
    """``m`` meta-analyses of ``k`` studies with heterogeneity."""
    theta = rng.normal(0.3, 0.2, m).repeat(k)
    vi = rng.uniform(0.01, 0.2, m * k)
    yi = rng.normal(theta, np.sqrt(vi + 0.05))
    return pd.DataFrame({"analysis_id": np.arange(m).repeat(k), "yi": yi, "vi": vi})


def row(label: str, ours: float, ref: float | None, unit: str = "s") -> str:
    ratio = "n/a" if ref is None else f"{ref / ours:,.0f}x"
    ref_s = "n/a" if ref is None else f"{ref:.3g} {unit}"
    return f"| {label} | {ours:.3g} {unit} | {ref_s} | {ratio} |"


def main() -> None:
    rng = np.random.default_rng(20261130)
    tmp = Path(tempfile.mkdtemp())
    lines = [
        "| benchmark | metareview | metafor | metafor / metareview |",
        "|---|---|---|---|",
    ]

    # 1. one REML analysis, k = 13 (BCG trials)
    bcg = mr.datasets.load("bcg")
    es = mr.escalc("RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg)
    yi, vi = es["yi"].to_numpy(), es["vi"].to_numpy()
    ours = median_time(lambda: mr.rma(yi, vi, method="REML"), number=200)
    ref = r_median(
        "dat <- escalc('RR', ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)",
        "rma(dat$yi, dat$vi, method='REML')",
        number=200,
    )
    lines.append(row("one REML fit, k = 13, per call", ours, ref))

    # 2. 10,000 analyses of k = 10: rma_batch vs a metafor loop over a subset
    m, k, subset = 10_000, 10, 200
    frame = simulate(m, k, rng)
    frame.to_csv(tmp / "batch.csv", index=False)
    ours = median_time(lambda: mr.rma_batch(frame, method="REML")) / m
    ref = r_median(
        f"d <- read.csv('{tmp / 'batch.csv'}'); d <- d[d$analysis_id < {subset}, ];"
        " s <- split(d, d$analysis_id)",
        # metafor stops with an error where Fisher scoring fails to converge
        "for (x in s) try(rma(x$yi, x$vi, method='REML'), silent=TRUE)",
        number=1,
    )
    lines.append(
        row(
            f"rma_batch, {m:,} analyses of k = {k}, per analysis "
            f"(metafor: loop over {subset})",
            ours,
            None if ref is None else ref / subset,
        )
    )

    # 3. one model with k = 2,000 and k = 1,000,000
    for big in (2_000, 1_000_000):
        one = simulate(1, big, rng)
        one.to_csv(tmp / f"k{big}.csv", index=False)
        y, v = one["yi"].to_numpy(), one["vi"].to_numpy()
        ours = median_time(lambda y=y, v=v: mr.rma(y, v, method="REML"))
        ref = None
        if big <= 2_000:
            ref = r_time(
                "suppressPackageStartupMessages(library(metafor));"
                f"d <- read.csv('{tmp / f'k{big}.csv'}');"
                "cat(system.time(rma(d$yi, d$vi, method='REML'))[['elapsed']])"
            )
        label = f"one REML fit, k = {big:,}"
        if ref is None and big > 2_000:
            label += " (metafor: not run, needs a k x k matrix)"
        lines.append(row(label, ours, ref))

    # 4. import time of metareview, in fresh interpreters
    code = (
        "import time; t = time.perf_counter(); import metareview; "
        "print(time.perf_counter() - t)"
    )
    imports = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(REPEATS)
    ]
    lines.append(f"| import metareview | {statistics.median(imports):.3g} s | | |")
    code = code.replace("import metareview;", "import metareview; metareview.rma;")
    first = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(REPEATS)
    ]
    lines.append(
        f"| import metareview and load rma (numpy, scipy) | "
        f"{statistics.median(first):.3g} s | | |"
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
