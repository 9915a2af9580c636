"""Screening prioritisation against random order and ASReview, on labelled sets.

Run: ``.venv/bin/python benchmarks/bench_screening.py [--no-asreview]
[--datasets Nelson_2002,Oud_2018] [--model svm] [--seeds 42,43,44] [--per-seed]``.

Reads every labelled set with text in ``../shared/data/screening-*``
(SOURCES.md §2: the two makita sets and the six SYNERGY sets with metadata),
replays screening with :func:`metareview.review.priority.simulate_screening`
and prints, per set (means over the seeds): records, included, WSS@95 of ours,
of ASReview's default model and of random order (mean of 20 random orders),
our recall and number screened when the stopping guide says stop, our median
seconds per retrain, and ASReview's total seconds (``--per-seed`` adds one
line per seed with both tools' WSS@95, to show the spread). Both tools start from the
same prior records (one included, one excluded, drawn with the seed) and both
WSS values come from
:func:`metareview.review.priority.wss` on each tool's screening order, priors
left out.

ASReview is installed from PyPI into ``benchmarks/.asreview-venv`` on first use
and run as ``asreview simulate data.csv --prior-idx i j --seed S -o out.asreview``
(its default model, ELAS u4 in ASReview 2 and 3: TF-IDF 1-2-grams, linear SVM,
relevant class up-weighted, retrained after every decision). Its screening
order is read from the project's ``results.db``; records it left unscreened
after the last relevant one are irrelevant and count as screened last.

Finally times one retrain on 10,000 records made by concatenating the sets.
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from metareview.review.priority import Ranker, simulate_screening, wss

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "shared" / "data"
VENV = HERE / ".asreview-venv"
SETS = {
    "van_de_Schoot_2018": DATA / "screening-asreview-makita-pypi",
    "Smid_2020": DATA / "screening-asreview-makita-pypi",
    **{
        name: DATA / "screening-synergy" / "with_metadata"
        for name in (
            "Chou_2004",
            "Donners_2021",
            "Jeyaraman_2020",
            "Meijboom_2021",
            "Nelson_2002",
            "Oud_2018",
        )
    },
}


def load(name: str) -> pd.DataFrame:
    """Return title, abstract, label_included of one set, indexed by row number."""
    raw = pd.read_csv(SETS[name] / f"{name}.csv")
    out = raw[["title", "abstract", "label_included"]].copy()
    out.index = pd.RangeIndex(len(out), name="row")
    return out


def random_wss(y: np.ndarray, prior: np.ndarray, seed: int, reps: int = 20) -> float:
    """Mean WSS@95 of random screening orders of the non-prior records."""
    rng = np.random.default_rng(seed)
    rest = np.delete(y, prior)
    return float(np.mean([wss(rng.permutation(rest)) for _ in range(reps)]))


def asreview_bin() -> Path:
    """Return the asreview executable, creating its venv from PyPI if absent."""
    exe = VENV / "bin" / "asreview"
    if not exe.exists():
        print(f"installing asreview into {VENV} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(VENV / "bin" / "pip"), "install", "-q", "asreview"], check=True
        )
    return exe


def run_asreview(
    data: pd.DataFrame, prior: np.ndarray, seed: int
) -> tuple[float, float]:
    """WSS@95 and wall seconds of ``asreview simulate`` with its default model."""
    exe = asreview_bin()
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "data.csv"
        data.to_csv(csv, index=False)
        out = Path(tmp) / "sim.asreview"
        cmd = [str(exe), "simulate", str(csv), "--seed", str(seed), "-o", str(out)]
        cmd += ["--prior-idx", *map(str, prior)]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=tmp)
        seconds = time.perf_counter() - t0
        with zipfile.ZipFile(out) as z:
            z.extract("results.db", tmp)
        con = sqlite3.connect(Path(tmp) / "results.db")
        rows = con.execute(
            "SELECT record_id, label FROM results ORDER BY rowid"
        ).fetchall()
        con.close()
    screened = [rid for rid, _ in rows]
    # record_id is the 0-based row of the CSV; priors come first in results.
    if sorted(screened[: len(prior)]) != sorted(prior.tolist()):
        raise RuntimeError("ASReview's first records are not the priors given")
    y = data["label_included"].to_numpy()
    labels = [int(y[r]) for r in screened[len(prior) :]]
    rest = np.setdiff1d(np.arange(len(y)), screened)
    order = labels + sorted(int(v) for v in y[rest])  # all 0 after the last relevant
    return wss(order), seconds


def time_retrain_10k(seed: int) -> tuple[float, float]:
    """Median seconds of one retrain with 10,000 records (1,000 and 9,000 labelled)."""
    frames = [load(n) for n in SETS]
    big = pd.concat(frames, ignore_index=True).iloc[:10_000]
    t0 = time.perf_counter()
    ranker = Ranker(big[["title", "abstract"]])
    vec_s = time.perf_counter() - t0
    print(f"10,000 records: TF-IDF once {vec_s:.1f} s, {ranker.X.shape[1]} features")
    y = big["label_included"].to_numpy()
    rng = np.random.default_rng(seed)
    out = []
    for n_lab in (1_000, 9_000):
        pos = np.flatnonzero(y == 1)
        lab = np.union1d(rng.choice(10_000, n_lab - 10, replace=False), pos[:10])
        rest = np.setdiff1d(np.arange(10_000), lab)
        ts = []
        for _ in range(5):
            t = time.perf_counter()
            ranker.scores(lab, y[lab], rest)
            ts.append(time.perf_counter() - t)
        out.append(float(np.median(ts)))
    return out[0], out[1]


def bench_one(name: str, model: str, seed: int, asreview: bool) -> dict[str, float]:
    """One replay of one set with one seed: ours, random, and ASReview."""
    data = load(name)
    t0 = time.perf_counter()
    res = simulate_screening(
        data[["title", "abstract"]], data["label_included"], model=model, rng=seed
    )
    out = {
        "wss": res.wss95,
        "rec": res.recall_at_stop,
        "stop": res.n_at_stop,
        "fit": res.retrain_seconds,
        "our_s": time.perf_counter() - t0,
        "asr": np.nan,
        "asr_s": np.nan,
    }
    prior = np.asarray(res.order[: res.n_prior], dtype=np.int64)
    out["rand"] = random_wss(data["label_included"].to_numpy(), prior, seed)
    if asreview:
        out["asr"], out["asr_s"] = run_asreview(data, prior, seed)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-asreview", action="store_true", help="skip ASReview")
    ap.add_argument("--datasets", default=",".join(SETS), help="comma-separated")
    ap.add_argument("--model", default="svm")
    ap.add_argument("--seeds", default="42,43,44", help="comma-separated; mean shown")
    ap.add_argument(
        "--per-seed", action="store_true", help="also print WSS@95 of each seed"
    )
    args = ap.parse_args()
    names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    unknown = set(names) - set(SETS)
    if unknown:
        ap.error(f"unknown datasets {sorted(unknown)}; known: {', '.join(SETS)}")
    seeds = [int(v) for v in args.seeds.split(",")]
    head = (
        f"{'dataset':<19}{'records':>8}{'incl':>6}{'WSS95':>7}{'ASR95':>7}"
        f"{'rand95':>7}{'rec@stop':>9}{'n@stop':>8}{'ms/fit':>8}{'ASR s':>7}"
        f"{'our s':>7}"
    )
    print(
        f"model={args.model}, seeds {args.seeds} (means; ASR s and our s per run); "
        "WSS@95 per Cohen et al. (2006), priors left out"
    )
    print(head)
    print("-" * len(head))
    margins: dict[str, float] = {}
    for name in names:
        runs = [bench_one(name, args.model, s, not args.no_asreview) for s in seeds]
        m = {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}
        if not args.no_asreview:
            margins[name] = m["wss"] - m["asr"]
        y = load(name)["label_included"]
        asr = "" if args.no_asreview else f"{m['asr']:.3f}"
        asr_s = "" if args.no_asreview else f"{m['asr_s']:.0f}"
        print(
            f"{name:<19}{len(y):>8}{int(y.sum()):>6}{m['wss']:>7.3f}{asr:>7}"
            f"{m['rand']:>7.3f}{m['rec']:>9.3f}{m['stop']:>8.0f}"
            f"{m['fit'] * 1000:>8.1f}{asr_s:>7}{m['our_s']:>7.0f}",
            flush=True,
        )
        if args.per_seed:
            for seed, r in zip(seeds, runs, strict=True):
                asr = "" if args.no_asreview else f"{r['asr']:.3f}"
                print(f"{'  seed ' + str(seed):<33}{r['wss']:>7.3f}{asr:>7}")
    if margins:
        ahead = sum(d >= -1e-12 for d in margins.values())  # ties count as met
        print(
            "WSS@95 minus ASReview's: "
            + ", ".join(f"{k} {d:+.4f}" for k, d in margins.items())
            + f"; at least ASReview's on {ahead} of {len(margins)} sets"
        )
    t1k, t9k = time_retrain_10k(seeds[0])
    print(f"10,000 records: one retrain {t1k:.3f} s (1,000 labelled), ", end="")
    print(f"{t9k:.3f} s (9,000 labelled)")


if __name__ == "__main__":
    main()
