"""Shared fixtures: the metafor reference values and the real-world data folder."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

GOLDEN = Path(__file__).parent / "golden" / "metafor"
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@cache
def golden(section: str) -> dict[str, Any]:
    """Return the parsed ``golden/metafor/<section>.json`` (see make_golden.R)."""
    return json.loads((GOLDEN / f"{section}.json").read_text())


def golden_cases(section: str) -> list[dict[str, Any]]:
    """Return the cases of one section of the metafor reference values."""
    return list(golden(section)["cases"])


def shared_data(*parts: str) -> Path:
    """Return a path in ../shared/data, skipping the test when it is absent.

    When the CI variable is set the data must be there, so absence fails instead.
    """
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"real-world data missing in CI: {path}")
        pytest.skip(f"real-world data not available: {path}")
    return path
