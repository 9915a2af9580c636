"""A small synthetic review project (no searches) for the pipeline and report tests.

Five trials of two intervention categories: a binary outcome (help-seeking,
OR) and a continuous one (intention, SMD; one trial reports a median and IQR,
converted), extracted by two reviewers with identical values, and a RoB 2
consensus with one trial at high risk of bias.
"""

from __future__ import annotations

import csv
from pathlib import Path

PROTOCOL = """\
title = "Synthetic review of help-seeking interventions"
illustrative = true

[question]
population = "Adults with depressive symptoms"
intervention = "Interventions to increase help-seeking"
comparator = "Usual care or no intervention"
outcomes = "Help-seeking behaviour and intention"

[[databases]]
name = "MEDLINE"
platform = "PubMed"
searched = 2024-01-15

[eligibility]
inclusion = ["Randomised controlled trials"]

[[reviewers]]
name = "Ana"
role = "owner"

[[reviewers]]
name = "Ben"

[[outcomes]]
id = "behaviour"
name = "Help-seeking behaviour"
construct = "behaviour"
type = "binary"
direction = "higher"
timepoints = ["post-intervention"]

[[outcomes]]
id = "intention"
name = "Help-seeking intention"
construct = "intention"
type = "continuous"
direction = "higher"
timepoints = ["post-intervention", "2 weeks"]

[[interventions]]
id = "info"
name = "Information support"

[[interventions]]
id = "mcii"
name = "Mental contrasting"

[analysis]
measure_binary = "OR"
measure_continuous = "SMD"
method = "REML"
test = "knha"
subgroups = ["intervention"]
sensitivity = [
  "leave-one-out", "exclude high risk of bias", "fixed-effect model",
  "exclude converted data",
]

[extraction]
characteristics = [
  { id = "country", label = "Country" },
  { id = "intervention_category", label = "Intervention category", type = "choice" },
]
"""

# study, category, country, (events, n) intervention, (events, n) control
BINARY = [
    ("Alder 2015", "info", "UK", (30, 60), (20, 60)),
    ("Birch 2017", "info", "Canada", (25, 50), (18, 52)),
    ("Cedar 2018", "mcii", "Australia", (40, 70), (30, 72)),
    ("Dogwood 2020", "mcii", "USA", (22, 45), (12, 44)),
    ("Elm 2021", "info", "Germany", (15, 40), (14, 41)),
]
# study: (mean, sd, n) intervention, control at post-intervention
CONTINUOUS = [
    ("Alder 2015", (4.1, 1.2, 60), (3.6, 1.3, 60)),
    ("Cedar 2018", (4.4, 1.0, 70), (3.7, 1.1, 72)),
    ("Dogwood 2020", (4.0, 1.4, 45), (3.5, 1.2, 44)),
]
# Birch 2017 reports medians and IQRs (converted with Wan et al. 2014)
MEDIAN = ("Birch 2017", (4.2, 3.5, 5.0, 50), (3.8, 3.1, 4.5, 52))
OUTCOME_HEADER = [
    "study",
    "outcome",
    "timepoint",
    "arm",
    "n",
    "events",
    "mean",
    "sd",
    "median",
    "q1",
    "q3",
]


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def make_project(root: Path) -> Path:
    """Write the synthetic project into ``root``; return it."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "review.toml").write_text(PROTOCOL, encoding="utf-8")
    ext = root / "extraction"
    ext.mkdir()
    chars = [[s, c, cat] for s, cat, c, _, _ in BINARY]
    rows: list[list[object]] = []
    for s, cat, _, (e1, n1), (e2, n2) in BINARY:
        rows.append(
            [s, "behaviour", "post-intervention", cat, n1, e1, "", "", "", "", ""]
        )
        rows.append(
            [s, "behaviour", "post-intervention", "control", n2, e2, "", "", "", "", ""]
        )
    cats = {s: cat for s, cat, *_ in BINARY}
    for s, (m1, sd1, n1), (m2, sd2, n2) in CONTINUOUS:
        rows.append(
            [s, "intention", "post-intervention", cats[s], n1, "", m1, sd1, "", "", ""]
        )
        rows.append(
            [
                s,
                "intention",
                "post-intervention",
                "control",
                n2,
                "",
                m2,
                sd2,
                "",
                "",
                "",
            ]
        )
    s, (md1, a1, b1, n1), (md2, a2, b2, n2) = MEDIAN
    rows.append(
        [s, "intention", "post-intervention", cats[s], n1, "", "", "", md1, a1, b1]
    )
    rows.append(
        [s, "intention", "post-intervention", "control", n2, "", "", "", md2, a2, b2]
    )
    for who in ("reviewer_a", "reviewer_b"):
        _write(
            ext / f"{who}_characteristics.csv",
            ["study", "country", "intervention_category"],
            chars,
        )
        _write(ext / f"{who}_outcomes.csv", OUTCOME_HEADER, rows)
    (root / "rob").mkdir()
    judged = []
    for s, *_ in BINARY:
        worst = "High" if s == "Elm 2021" else "Low"
        for d in ("D1", "D2", "D3", "D4"):
            judged.append([s, d, "Low"])
        judged += [[s, "D5", worst], [s, "overall", worst]]
    _write(root / "rob" / "consensus.csv", ["study", "item", "answer"], judged)
    return root
