"""Write the BCG example project from the data set metareview ships (real data).

The 13 trials of the BCG vaccine against tuberculosis (Colditz et al. 1994, JAMA
271:698-702), as ``metareview.datasets.load("bcg")`` holds them (the data of
metafor's ``dat.bcg``). The project starts at extraction: the studies were not
searched or screened here, so there is no ``searches/`` or ``screening/``; the
arm-level counts are recorded as agreed values in ``extraction/consensus.csv``.

Run ``python make_example.py`` to rewrite the files next to this script (the same
bytes every time); ``--out DIR`` writes elsewhere.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BY = "Reviewer A (counts as published by Colditz et al. 1994)"

PROTOCOL = """\
# review.toml: the BCG example (real data; metareview's bcg data set).
#
# Colditz GA, Brewer TF, Berkey CS, et al. Efficacy of BCG vaccine in the
# prevention of tuberculosis: meta-analysis of the published literature. JAMA
# 1994;271(9):698-702. The 13 trials and their counts are those of that paper
# (as in R metafor's dat.bcg). Nothing was searched or screened here: the
# studies are registered from extraction/consensus.csv. Written by
# make_example.py.

title = "Efficacy of BCG vaccine in the prevention of tuberculosis (Colditz et al. 1994 data)"

[question]
population = "People without tuberculosis in the 13 trials of Colditz et al. (1994)"
intervention = "BCG vaccination"
comparator = "No vaccination"
outcomes = "Tuberculosis cases during follow-up"

# The search was Colditz et al.'s, not ours (see the Methods of their paper);
# the date is that of the publication, the latest the search can have been.
[[databases]]
name = "Colditz et al. (1994), not searched here"
platform = "as reported in JAMA 1994;271:698-702"
searched = 1994-03-02

[eligibility]
inclusion = [
    "Prospective trial of BCG vaccine with a concurrent unvaccinated control group",
    "Reports tuberculosis cases in each group",
]

[[reviewers]]
name = "Reviewer A"
role = "owner"

[[outcomes]]
id = "tb"
name = "Tuberculosis"
construct = "tuberculosis cases"
type = "binary"
scale = "Tuberculosis diagnosed during follow-up (yes/no)"
direction = "lower"
timepoints = ["end of follow-up"]
measure = "RR"

[[interventions]]
id = "bcg"
name = "BCG vaccine"

[[extraction.characteristics]]
id = "design"
label = "Design"
type = "choice"
choices = ["parallel", "cluster", "crossover"]

[[extraction.characteristics]]
id = "intervention_category"
label = "Intervention"
type = "choice"

[[extraction.characteristics]]
id = "allocation"
label = "Method of allocation"
type = "choice"
choices = ["random", "alternate", "systematic"]

[[extraction.characteristics]]
id = "ablat"
label = "Absolute latitude of the trial (degrees)"
type = "number"

[[extraction.characteristics]]
id = "n_randomised"
label = "Participants"
type = "integer"

# REML as metafor's default; Wald (z) intervals, so the results are those of the
# metafor documentation (RR 0.49, 95% CI 0.34 to 0.70).
[analysis]
measure_binary = "RR"
method = "REML"
test = "z"
level = 0.95
subgroups = ["allocation"]
sensitivity = ["leave-one-out", "fixed-effect model"]
"""


def label(author: str, year: int) -> str:
    """ "Ferguson & Simes", 1949 -> "Ferguson 1949"; "TPT Madras" stays whole."""
    first = author.replace(" et al", "").split(" & ")[0].strip()
    return f"{first} {year}"


def consensus_csv() -> str:
    import metareview as mr

    bcg = mr.datasets.load("bcg")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["study", "outcome_id", "arm", "timepoint", "field", "value", "by"])
    tp = "end of follow-up"
    for row in bcg.itertuples(index=False):
        study = label(str(row.author), int(row.year))
        n_bcg, n_ctl = int(row.tpos + row.tneg), int(row.cpos + row.cneg)
        chars = {"design": "parallel", "intervention_category": "bcg",
                 "allocation": str(row.alloc), "ablat": str(int(row.ablat)),
                 "n_randomised": str(n_bcg + n_ctl)}  # fmt: skip
        for name, value in chars.items():
            writer.writerow([study, "", "", "", name, value, BY])
        for arm, events, n in (("bcg", row.tpos, n_bcg), ("control", row.cpos, n_ctl)):
            writer.writerow([study, "tb", arm, tp, "events", int(events), BY])
            writer.writerow([study, "tb", arm, tp, "n", n, BY])
    return buf.getvalue()


def project_files() -> dict[str, str]:
    return {"review.toml": PROTOCOL, "extraction/consensus.csv": consensus_csv()}


def write_project(out: Path) -> list[Path]:
    written = []
    for rel, text in project_files().items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="where to write")
    args = parser.parse_args(argv)
    print(f"wrote {len(write_project(args.out))} files under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
