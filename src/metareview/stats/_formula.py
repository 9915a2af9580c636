"""Formula moderators (``"~ ablat + C(alloc)"``) through formulaic, imported lazily.

Only ``metareview.stats.design`` calls these; formulaic is imported inside them,
so that models without a formula never load it.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .._validate import InputError

if TYPE_CHECKING:
    import pandas as pd

    from .design import DesignSpec

FloatArray = NDArray[np.float64]
INTERCEPT = "intrcpt"


def parse(formula: str) -> Any:
    """Parse a one-sided formula, or raise an error naming it."""
    from formulaic import Formula
    from formulaic.errors import FormulaicError

    try:
        spec = Formula(formula)
    except FormulaicError as err:
        raise InputError(f"mods={formula!r} is not a valid formula: {err}") from None
    if hasattr(spec, "lhs"):
        raise InputError(
            f"mods={formula!r} has a left-hand side; give the moderators only, "
            "e.g. '~ x + z' (the outcome is yi)"
        )
    return spec


def formula_matrix(
    formula: str, frame: pd.DataFrame, intercept: bool
) -> tuple[FloatArray, Any]:
    """Return the model matrix of ``formula`` in ``frame`` and formulaic's spec.

    ``intercept=False`` appends ``- 1``; bool columns become factors, as in the
    column path of ``design``. Missing values stay (as NaN) for the caller.
    """
    from formulaic import model_matrix
    from formulaic.errors import FormulaicError

    text = formula if intercept else f"{formula} - 1"
    frame = frame.copy()
    for col in frame.columns:  # bools are factors (as the columns path has them)
        if frame[col].dtype == bool:
            frame[col] = frame[col].astype("category")
    try:
        mm = model_matrix(text, frame, na_action="ignore")
    except FormulaicError as err:
        raise InputError(f"mods={formula!r} cannot be evaluated: {err}") from None
    return np.asarray(mm.to_numpy(dtype=np.float64)), mm.model_spec


def formula_names(model_spec: Any) -> tuple[str, ...]:
    """Column names of the spec, with formulaic's Intercept renamed ``intrcpt``."""
    names = [str(n) for n in model_spec.column_names]
    return tuple(INTERCEPT if n == "Intercept" else n for n in names)


def formula_rows(spec: DesignSpec, frame: pd.DataFrame) -> FloatArray:
    """Rows of X for new moderator values, through the model's formula and levels."""
    from formulaic.errors import FormulaicError
    from formulaic.transforms.contrasts import DataMismatchWarning

    frame = frame.copy()
    for col in frame.columns:
        if frame[col].dtype == bool:
            frame[col] = frame[col].astype("category")
    missing = sorted(set(spec.model_spec.required_variables) - set(frame.columns))
    if missing:
        raise InputError(
            f"newmods has no column {', '.join(map(repr, missing))}, which the "
            "model's formula uses"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", DataMismatchWarning)
            mm = spec.model_spec.get_model_matrix(frame, na_action="ignore")
    except DataMismatchWarning as err:
        raise InputError(f"newmods: {err}") from None
    except FormulaicError as err:
        raise InputError(f"newmods cannot be evaluated by the formula: {err}") from None
    return np.asarray(mm.to_numpy(dtype=np.float64))
