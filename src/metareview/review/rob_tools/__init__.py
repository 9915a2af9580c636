"""Risk-of-bias tools as data: one TOML file per tool, read with :mod:`tomllib`.

- ``rob2.toml``: RoB 2 for individually randomized parallel-group trials, effect of
  assignment to intervention (Sterne et al. 2019; Higgins et al. 2019 guidance).
- ``rob2-adherence.toml``: the same tool with domain 2 for the effect of adhering
  to intervention; it ``extends`` ``rob2.toml`` and replaces that domain.
- ``rob1.toml``: the Cochrane tool of 2011 (Higgins et al. 2011).
- ``robins-i.toml``: ROBINS-I (Sterne et al. 2016).
- ``common.toml``: the wording of judgements and answers, and their other spellings.

The figures (:mod:`metareview.plots`) and the appraisal functions
(:mod:`metareview.review.rob`) both read these files: they are the one definition
of the tools.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files
from typing import Any

__all__ = ["TOOL_NAMES", "read_common", "read_tool"]

#: The tools shipped, by file name (without ``.toml``).
TOOL_NAMES = ("rob2", "rob2-adherence", "rob1", "robins-i")


@cache
def _read(name: str) -> dict[str, Any]:
    text = (files(__name__) / f"{name}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def read_common() -> dict[str, Any]:
    """Return ``common.toml``: judgement and answer labels and aliases."""
    return _read("common")


def read_tool(name: str) -> dict[str, Any]:
    """Return the parsed data file of tool ``name`` (one of :data:`TOOL_NAMES`).

    A file with ``extends = "other"`` takes the other tool's data and replaces
    the domains it lists (matched by ``id``) and any other top-level keys it sets.
    """
    data = dict(_read(name))
    base = data.pop("extends", None)
    if base is None:
        return data
    out = dict(read_tool(base))
    replaced = {d["id"]: d for d in data.pop("domains", [])}
    out["domains"] = [replaced.get(d["id"], d) for d in out["domains"]]
    out.update(data)
    return out
