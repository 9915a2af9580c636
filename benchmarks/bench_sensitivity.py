"""Speed of leave1out() and influence() against R metafor, same data, one run.

Run: ``.venv/bin/python benchmarks/bench_sensitivity.py [--full]``. Metafor is
timed through ``Rscript`` when it is installed; otherwise its column says n/a.

Metafor refits the model k times with k x k matrices, so its leave-one-out
analyses grow as k^4 and take hours at k = 2,000. It is timed at k = 200 (median
of 3 runs) and k = 500 (one run; three with ``--full``); at k = 2,000 its time is
extrapolated as k times one metafor fit of k - 1 studies (median of 3), which is
what each of its refits costs, and the table says so. Ours are medians of 5 runs.
Both sides fit REML with the same convergence tolerance (1e-10), and the table
reports the largest relative difference between the two sets of results. The
machine is shared, so read the ratios, not the absolute times.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

import metareview as mr

REPEATS = 5

R_SENSITIVITY = """
suppressPackageStartupMessages(library(metafor))
d <- read.csv("{csv}")
res <- rma(d$yi, d$vi, method="REML", control=list(threshold=1e-10))
tm <- function(f) median(sapply(1:{repeats}, function(i) system.time(f())[["elapsed"]]))
l1o <- NULL; inf <- NULL
t1 <- tm(function() l1o <<- leave1out(res))
t2 <- tm(function() inf <<- influence(res))
write.csv(data.frame(estimate=l1o$estimate, tau2=l1o$tau2, rstudent=inf$inf$rstudent,
                     cook_d=inf$inf$cook.d, dfbs=inf$dfbs$intrcpt),
          "{out}", row.names=FALSE)
cat(t1, t2, "\\n")
"""

R_ONE_FIT = """
suppressPackageStartupMessages(library(metafor))
d <- read.csv("{csv}")
d <- d[-1, ]
one <- function(i) system.time(rma(d$yi, d$vi, method="REML",
                                   control=list(threshold=1e-10)))[["elapsed"]]
cat(median(sapply(1:{repeats}, one)), "\\n")
"""


def median_time(fn: Callable[[], object], repeats: int = REPEATS) -> float:
    """Median over ``repeats`` of the time of one call, in seconds."""
    fn()  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def r_run(script: str) -> list[float] | None:
    """Run an R script that prints numbers on its last line; None without R."""
    if shutil.which("Rscript") is None:
        return None
    done = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"Rscript failed:\n{done.stderr}")
    return [float(x) for x in done.stdout.strip().splitlines()[-1].split()]


def simulate(k: int, rng: np.random.Generator) -> pd.DataFrame:
    """One meta-analysis of ``k`` studies with heterogeneity."""
    vi = rng.uniform(0.01, 0.2, k)
    yi = rng.normal(0.3, np.sqrt(vi + 0.05))
    return pd.DataFrame({"yi": yi, "vi": vi})


def differences(res: mr.RMAResult, metafor: pd.DataFrame) -> tuple[float, float]:
    """Largest differences between our results and metafor's.

    Relative for the refits' estimates and tau2; absolute for the diagnostics,
    many of which are near 0 (Cook's distances of 1e-8), where both sides carry
    the 1e-11 or so that separates two tau2 iterations stopped at 1e-10.
    """
    l1o = mr.leave1out(res)
    inf = mr.influence(res)
    rel = max(
        float(np.max(np.abs(got - want) / np.abs(want)))
        for got, want in (
            (l1o["estimate"].to_numpy(), metafor["estimate"].to_numpy()),
            (l1o["tau2"].to_numpy(), metafor["tau2"].to_numpy()),
        )
    )
    diagnostics = {"rstudent": inf.rstudent, "cook_d": inf.cook_d}
    diagnostics["dfbs"] = inf.dfbs[:, 0]
    absolute = max(
        float(np.max(np.abs(got - metafor[name].to_numpy())))
        for name, got in diagnostics.items()
    )
    return rel, absolute


def row(label: str, ours: float, ref: float | None, note: str = "") -> str:
    ratio = "n/a" if ref is None else f"{ref / ours:,.0f}x"
    ref_s = "n/a" if ref is None else f"{ref:,.3g} s{note}"
    return f"| {label} | {ours:.3g} s | {ref_s} | {ratio} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--full", action="store_true", help="median of 3 metafor runs at k = 500 too"
    )
    full = parser.parse_args().full
    rng = np.random.default_rng(20261130)
    tmp = Path(tempfile.mkdtemp())
    data = simulate(20_000, rng)
    lines = [
        "| benchmark (REML) | metareview | metafor 3.8.1 | metafor / metareview |",
        "|---|---|---|---|",
    ]
    agreement = []
    for k, r_repeats in ((200, 3), (500, 3 if full else 1)):
        d = data.iloc[:k]
        d.to_csv(tmp / f"k{k}.csv", index=False)
        res = mr.rma(d["yi"].to_numpy(), d["vi"].to_numpy(), method="REML")
        ours = [
            median_time(lambda r=res, f=fn: f(r)) for fn in (mr.leave1out, mr.influence)
        ]
        out = tmp / f"metafor{k}.csv"
        ref = r_run(
            R_SENSITIVITY.format(csv=tmp / f"k{k}.csv", out=out, repeats=r_repeats)
        )
        runs = f" (median of {r_repeats})" if r_repeats > 1 else " (1 run)"
        for name, t, r in zip(
            ("leave1out", "influence"), ours, ref or (None, None), strict=True
        ):
            lines.append(row(f"`{name}`, k = {k}", t, r, runs))
        if ref is not None:
            agreement.append((k, *differences(res, pd.read_csv(out))))

    k = 2_000
    d = data.iloc[:k]
    d.to_csv(tmp / f"k{k}.csv", index=False)
    res = mr.rma(d["yi"].to_numpy(), d["vi"].to_numpy(), method="REML")
    ours = [
        median_time(lambda r=res, f=fn: f(r)) for fn in (mr.leave1out, mr.influence)
    ]
    one = r_run(R_ONE_FIT.format(csv=tmp / f"k{k}.csv", repeats=3))
    per_refit = None if one is None else one[0]
    for name, t in zip(("leave1out", "influence"), ours, strict=True):
        ref = None if per_refit is None else k * per_refit
        note = (
            ""
            if per_refit is None
            else f" (extrapolated: {k:,} refits x {per_refit:.3g} s, one fit of "
            f"k = {k - 1:,})"
        )
        lines.append(row(f"`{name}`, k = {k:,}", t, ref, note))

    # k = 20,000 in chunks: one run, with the peak memory of the refits
    big = 20_000
    res = mr.rma(data["yi"].to_numpy(), data["vi"].to_numpy(), method="REML")
    tracemalloc.start()
    start = time.perf_counter()
    mr.leave1out(res)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    lines.append(
        f"| `leave1out`, k = {big:,} (1 run, peak memory {peak:.0f} MiB) | "
        f"{elapsed:.3g} s | not run | |"
    )
    for k, rel, absolute in agreement:
        lines.append(
            f"| same numbers, k = {k}: largest relative difference of estimate and "
            f"tau2; largest absolute difference of rstudent, cook_d, dfbs | "
            f"{rel:.1e}; {absolute:.1e} | | |"
        )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
