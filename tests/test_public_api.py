"""The public API: every exported name exists and importing stays lazy."""

from __future__ import annotations

import subprocess
import sys

import pytest

import metareview as mr


@pytest.mark.parametrize("name", mr.__all__)
def test_every_public_name_exists(name: str) -> None:
    assert getattr(mr, name) is not None


def test_unknown_name_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = mr.nope  # type: ignore[attr-defined]


def test_meta_analysis_is_rma() -> None:
    assert mr.meta_analysis is mr.rma


def test_import_does_not_load_scipy_or_pandas() -> None:
    code = (
        "import sys, metareview; "
        "print(any(m in sys.modules for m in ('scipy', 'pandas', 'matplotlib')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
