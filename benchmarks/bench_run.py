"""Time ``run_project`` on a fresh copy of each example review, stage by stage.

Run: ``.venv/bin/python benchmarks/bench_run.py [--repeats 3]``. Each repeat
copies the example's inputs (not its ``review.db`` or ``output/``) into a new
temporary folder and runs the whole pipeline (import → dedup → screening →
extraction → risk of bias → analyses → GRADE → figures → report), in a fresh
Python process so that the first run's imports are counted as a user sees them
(``metareview run`` once). The table gives the median total and the median of
each stage; the target is a whole run well under a minute. The machine is
shared (2 cores), so read the times as an upper bound.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, sys, time
from pathlib import Path
start = time.perf_counter()
from metareview.demo import copy_example
from metareview.review.pipeline import run_project
out = copy_example(sys.argv[1], Path(sys.argv[2]))
result = run_project(out)
total = time.perf_counter() - start
stages = {t.stage: t.seconds for t in result.timings}
print(json.dumps({"total": total, "stages": stages,
                  "studies": len(result.intake.studies),
                  "analyses": len(result.analyses)}))
"""


def run_once(example: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, example, str(Path(tmp) / example)],
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from metareview.demo import EXAMPLES, examples_folder

    root = examples_folder()
    found = [e for e in EXAMPLES if root and (root / e / "review.toml").exists()]
    if not found:
        sys.exit("no example projects found (examples/help-seeking, examples/bcg)")
    print("| example | studies | analyses | whole run (s) | slowest stages (s) |")
    print("|---|---|---|---|---|")
    per_stage: dict[str, dict[str, float]] = {}
    for example in found:
        runs = [run_once(example) for _ in range(args.repeats)]
        total = statistics.median(float(r["total"]) for r in runs)  # type: ignore[arg-type]
        stages = {
            s: statistics.median(float(r["stages"][s]) for r in runs)  # type: ignore[index]
            for s in runs[0]["stages"]  # type: ignore[union-attr]
        }
        per_stage[example] = stages
        top = sorted(stages.items(), key=lambda kv: -kv[1])
        listed = ", ".join(f"{s} {t:.2f}" for s, t in top[:4])
        print(
            f"| {example} | {runs[0]['studies']} | {runs[0]['analyses']} | "
            f"{total:.1f} | {listed} |"
        )
    names = list(dict.fromkeys(s for st in per_stage.values() for s in st))
    print("\n| stage | " + " | ".join(per_stage) + " |")
    print("|---|" + "---|" * len(per_stage))
    for name in names:
        cells = [f"{st[name]:.2f}" if name in st else "" for st in per_stage.values()]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print(f"\nmedians of {args.repeats} runs, each in a fresh process and folder;")
    print("the whole run includes starting Python and importing metareview.")


if __name__ == "__main__":
    main()
