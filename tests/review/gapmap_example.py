"""The hand-made evidence gap map example, shared by the review and plot tests.

Made on the model of Ni et al. (2025, BMC Psychiatry 25:528): the seven
intervention categories and six theory-of-planned-behaviour constructs of the
template protocol, 13 studies; no study measured subjective norms or perceived
behavioural control, stigma was measured by two. The expected counts are worked
out by hand in ``test_gapmap.py``.
"""

from __future__ import annotations

import pandas as pd

POST, WEEKS, END = "post-intervention", "2 weeks", "end of follow-up"
CATEGORIES = (
    "positive_emotion",
    "information",
    "mcii",
    "self_perspective",
    "telephone_care",
    "feedback",
    "monitoring",
)
CONSTRUCTS = (
    "behaviour",
    "intention",
    "attitude",
    "subjective_norm",
    "perceived_behavioural_control",
    "stigma",
)

# study, intervention (id or name), construct, timepoint, participants
ROWS = [
    ("P1", "positive_emotion", "intention", POST, 100),
    ("P2", "Positive emotion infusion", "intention", POST, 120),  # by name
    ("P2", "positive_emotion", "attitude", POST, 120),
    ("I1", "information", "intention", POST, 80),
    ("I1", "information", "attitude", POST, 80),
    ("I1", "information", "stigma", POST, 80),
    ("I2", "information", "behaviour", END, 150),
    ("M1", "mcii", "intention", POST, 60),
    ("M1", "mcii", "intention", WEEKS, 60),
    ("M2", "mcii", "intention", POST, 70),
    ("M2", "mcii", "intention", WEEKS, 66),
    ("M3", "mcii", "intention", POST, 50),  # two scales of one construct:
    ("M3", "mcii", "intention", POST, 48),  # one study, its larger n
    ("SP1", "self_perspective", "intention", POST, 90),
    ("SP1", "self_perspective", "attitude", POST, 90),
    ("T1", "telephone_care", "behaviour", END, 200),
    ("T2", "telephone_care", "behaviour", END, 180),
    ("F1", "feedback", "behaviour", END, 300),
    ("F1", "feedback", "stigma", POST, 300),
    ("D1", "monitoring", "behaviour", END, 250),
    ("D2", "monitoring", "behaviour", END, 220),
]
COLUMNS = ["study", "intervention", "construct", "timepoint", "participants"]

RESULTS = pd.DataFrame(
    [  # Ni et al.'s pooled estimates, on the reporting scale
        ("all", "behaviour", END, 1.67, 1.05, 2.94, "OR", "low"),
        ("all", "intention", POST, 0.64, 0.20, 1.08, "SMD", "Low"),
        (
            "mcii",
            "intention",
            POST,
            0.62,
            0.37,
            0.88,
            "SMD",
            "\u2295\u2295\u25ef\u25ef",
        ),
        ("mcii", "intention", WEEKS, 4.44, 2.60, 6.28, "MD", "very low"),
        ("positive_emotion", "intention", POST, 0.20, 0.06, 0.34, "SMD", None),
    ],
    columns=[
        "intervention",
        "construct",
        "timepoint",
        "estimate",
        "ci_lb",
        "ci_ub",
        "measure",
        "certainty",
    ],
)
