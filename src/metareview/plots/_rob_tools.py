"""Risk-of-bias tools for the figures: domains and the judgements each one allows.

The tools are defined once, as data files in :mod:`metareview.review.rob_tools`
(``rob2.toml``, ``rob1.toml``, ``robins-i.toml``, ``common.toml``), which the
appraisal functions of :mod:`metareview.review.rob` read too; this module reads
them into the shapes the figures use.

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

from ..review.rob_tools import read_common, read_tool

FIGURE_TOOLS = ("rob2", "rob1", "robins-i")  # the tools the figures draw


class Domain(TypedDict):
    """One domain of a tool."""

    name: str
    aliases: tuple[str, ...]


class Tool(TypedDict):
    """A risk-of-bias tool: its name, domains and allowed judgements."""

    name: str
    domains: tuple[Domain, ...]
    judgements: tuple[str, ...]


def _tool(key: str) -> Tool:
    data = read_tool(key)
    return {
        "name": data["name"],
        "domains": tuple(
            {"name": d["name"], "aliases": tuple(d.get("aliases", ()))}
            for d in data["domains"]
        ),
        "judgements": tuple(data["judgements"]),
    }


ROB_TOOLS: dict[str, Tool] = {key: _tool(key) for key in FIGURE_TOOLS}

_COMMON = read_common()

# how a judgement is written in a legend
JUDGEMENT_LABELS: dict[str, str] = dict(_COMMON["judgement_labels"])

# other spellings of a judgement found in tables (after lower-casing)
JUDGEMENT_ALIASES: dict[str, str] = dict(_COMMON["judgement_aliases"])

OVERALL_ALIASES: tuple[str, ...] = tuple(_COMMON["overall_aliases"])
