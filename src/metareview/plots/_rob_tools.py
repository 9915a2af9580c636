"""Risk-of-bias tools as data: their domains and the judgements each one allows.

This is the one definition of the tools in metareview; the figures read it, and the
review module's appraisal forms are to extend it (signalling questions, algorithms)
rather than restate it.

- ``"rob2"``: the revised Cochrane tool for randomized trials (Sterne et al. 2019,
  BMJ 366:l4898, doi:10.1136/bmj.l4898).
- ``"rob1"``: the Cochrane tool of 2011 (Higgins et al. 2011, BMJ 343:d5928,
  doi:10.1136/bmj.d5928).
- ``"robins-i"``: the tool for non-randomized studies of interventions (Sterne et
  al. 2016, BMJ 355:i4919, doi:10.1136/bmj.i4919).

Each domain has a ``name`` (the wording of the tool, used in legends) and
``aliases`` (other column names a table may use for it, besides ``D1``, ``D2``, …).
Judgements are listed from the least to the most concern, then "no information".
"""

from __future__ import annotations

from typing import TypedDict


class Domain(TypedDict):
    """One domain of a tool."""

    name: str
    aliases: tuple[str, ...]


class Tool(TypedDict):
    """A risk-of-bias tool: its name, domains and allowed judgements."""

    name: str
    domains: tuple[Domain, ...]
    judgements: tuple[str, ...]


ROB_TOOLS: dict[str, Tool] = {
    "rob2": {
        "name": "RoB 2",
        "domains": (
            {
                "name": "Bias arising from the randomization process",
                "aliases": (
                    "randomization process",
                    "randomisation process",
                    "bias arising from the randomisation process",
                ),
            },
            {
                "name": "Bias due to deviations from intended interventions",
                "aliases": (
                    "deviations from intended interventions",
                    "bias due to deviations from intended intervention",
                ),
            },
            {
                "name": "Bias due to missing outcome data",
                "aliases": ("missing outcome data",),
            },
            {
                "name": "Bias in measurement of the outcome",
                "aliases": ("measurement of the outcome",),
            },
            {
                "name": "Bias in selection of the reported result",
                "aliases": ("selection of the reported result",),
            },
        ),
        "judgements": ("low", "some concerns", "high"),
    },
    "rob1": {
        "name": "RoB 1",
        "domains": (
            {
                "name": "Random sequence generation (selection bias)",
                "aliases": ("random sequence generation",),
            },
            {
                "name": "Allocation concealment (selection bias)",
                "aliases": ("allocation concealment",),
            },
            {
                "name": "Blinding of participants and personnel (performance bias)",
                "aliases": ("blinding of participants and personnel",),
            },
            {
                "name": "Blinding of outcome assessment (detection bias)",
                "aliases": ("blinding of outcome assessment",),
            },
            {
                "name": "Incomplete outcome data (attrition bias)",
                "aliases": ("incomplete outcome data",),
            },
            {
                "name": "Selective reporting (reporting bias)",
                "aliases": ("selective reporting", "selective outcome reporting"),
            },
            {"name": "Other bias", "aliases": ("other sources of bias",)},
        ),
        "judgements": ("low", "unclear", "high"),
    },
    "robins-i": {
        "name": "ROBINS-I",
        "domains": (
            {"name": "Bias due to confounding", "aliases": ("confounding",)},
            {
                "name": "Bias in selection of participants into the study",
                "aliases": (
                    "selection of participants",
                    "selection of participants into the study",
                    "bias due to selection of participants",  # robvis
                ),
            },
            {
                "name": "Bias in classification of interventions",
                "aliases": ("classification of interventions",),
            },
            {
                "name": "Bias due to deviations from intended interventions",
                "aliases": ("deviations from intended interventions",),
            },
            {"name": "Bias due to missing data", "aliases": ("missing data",)},
            {
                "name": "Bias in measurement of outcomes",
                "aliases": ("measurement of outcomes",),
            },
            {
                "name": "Bias in selection of the reported result",
                "aliases": ("selection of the reported result",),
            },
        ),
        "judgements": ("low", "moderate", "serious", "critical", "no information"),
    },
}

# how a judgement is written in a legend
JUDGEMENT_LABELS: dict[str, str] = {
    "low": "Low",
    "some concerns": "Some concerns",
    "moderate": "Moderate",
    "unclear": "Unclear",
    "high": "High",
    "serious": "Serious",
    "critical": "Critical",
    "no information": "No information",
}

# other spellings of a judgement found in tables (after lower-casing)
JUDGEMENT_ALIASES: dict[str, str] = {
    "low risk": "low",
    "low risk of bias": "low",
    "high risk": "high",
    "high risk of bias": "high",
    "unclear risk": "unclear",
    "unclear risk of bias": "unclear",
    "moderate risk": "moderate",
    "moderate risk of bias": "moderate",
    "serious risk": "serious",
    "serious risk of bias": "serious",
    "critical risk": "critical",
    "critical risk of bias": "critical",
    "some concern": "some concerns",
    "no info": "no information",
    "ni": "no information",
}

OVERALL_ALIASES = ("overall", "overall risk of bias", "overall bias", "overall risk")
