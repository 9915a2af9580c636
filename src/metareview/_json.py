"""Values ready for JSON: what pandas and NumPy hold, as plain Python values."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

__all__ = ["json_rows", "plain"]


def plain(value: Any) -> Any:
    """Return ``value`` as a plain Python value for JSON.

    NumPy scalars become Python numbers, tuples and lists become lists (of plain
    values), and missing values (None, ``pd.NA``, NaN) become None; anything else
    is returned as it is.

    Examples
    --------
    >>> import numpy as np
    >>> plain(np.int64(3)), plain(np.float64("nan")), plain((np.float32(0.5), None))
    (3, None, [0.5, None])

    """
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()  # a NumPy scalar
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def json_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return a frame's rows as dicts of plain values (see :func:`plain`)."""
    return [
        {str(k): plain(v) for k, v in row.items()} for row in frame.to_dict("records")
    ]
