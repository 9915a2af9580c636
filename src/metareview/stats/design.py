"""Model matrices for meta-regression: ``rma(mods=...)`` and ``predict(newmods=...)``.

Moderators are given as a column name, a list of column names, a DataFrame, a 1-D
or 2-D array, or a formula string (``"~ ablat + C(alloc)"``), which is parsed by
formulaic (imported only then). Numeric columns enter as they are; categorical
columns (object, string, category or bool dtype) become treatment dummies against
their first level, as R's ``factor()``: levels sorted for text, in category order
for a pandas Categorical (unused categories dropped), ``False < True`` for bools.

Coefficient names follow formulaic (and patsy, statsmodels): ``intrcpt`` (as
metafor) for the intercept, the column name for a numeric moderator,
``alloc[T.random]`` for the dummy of level ``random`` of ``alloc`` against the
reference level, ``alloc[random]`` for full dummy coding (the first categorical
column of a model without intercept), ``year:ablat`` for an interaction.
metafor writes the same dummy ``allocrandom`` (``factor(alloc)random``). A 1-D
array is named ``mods`` (as metafor) and the columns of a 2-D array without
names ``X1, X2, ...``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .._validate import InputError, InputTypeError
from ._formula import formula_matrix, formula_names, formula_rows, parse

if TYPE_CHECKING:
    import pandas as pd

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

INTERCEPT = "intrcpt"
# a column is redundant when its part not explained by the earlier columns is
# below this fraction of its norm (R's qr() tolerance in lm and metafor)
RANK_TOL = 1e-7


@dataclass(frozen=True, slots=True)
class Term:
    """One moderator column: numeric (``levels`` None) or categorical."""

    column: str
    levels: tuple[Any, ...] | None = None
    full: bool = False  # one dummy per level (no reference level)

    @property
    def names(self) -> tuple[str, ...]:
        """Names of the design columns of this term."""
        if self.levels is None:
            return (self.column,)
        if self.full:
            return tuple(f"{self.column}[{lev}]" for lev in self.levels)
        return tuple(f"{self.column}[T.{lev}]" for lev in self.levels[1:])


@dataclass(frozen=True, slots=True, eq=False)
class DesignSpec:
    """How moderators became the columns of X, to build X for new moderators.

    ``kind`` is ``"formula"`` (``model_spec`` is formulaic's ModelSpec),
    ``"columns"`` (named columns of a frame, described by ``terms``) or
    ``"matrix"`` (numeric columns given as an array).
    """

    names: tuple[str, ...]
    intercept: bool
    kind: str
    terms: tuple[Term, ...] = ()
    model_spec: Any = None

    @property
    def mods_names(self) -> tuple[str, ...]:
        """Names of the columns a user gives values for (all but the intercept)."""
        return self.names[1:] if self.intercept else self.names

    def transform(self, newmods: Any) -> FloatArray:
        """Return the rows of X, intercept included, for new moderator values.

        An array holds values of the design columns without the intercept (as
        metafor's ``newmods``); a dict or DataFrame holds values of the original
        moderator variables, which go through the same coding (and formula).
        """
        if _is_table(newmods):
            if self.kind == "matrix":
                raise InputTypeError(
                    "newmods: this model's moderators were given as an array; give "
                    "newmods as an array of values of "
                    f"{', '.join(self.mods_names)}"
                )
            frame = _as_frame("newmods", newmods)
            X = (
                formula_rows(self, frame)
                if self.kind == "formula"
                else _term_rows(self, frame)
            )
        else:
            X = _array_rows(self, newmods)
        if not np.isfinite(X).all():
            row = int(np.flatnonzero(~np.isfinite(X).all(axis=1))[0])
            raise InputError(f"newmods has missing or infinite values in row {row + 1}")
        return X


@dataclass(frozen=True, slots=True, eq=False)
class Moderators:
    """Moderators resolved against the data, before rows with missing values go."""

    kind: str
    raw: Any  # DataFrame of variables (formula, columns) or 2-D float array
    formula: str = ""
    names: tuple[str, ...] = ()  # for "matrix"

    @property
    def missing(self) -> BoolArray:
        """Rows with a missing moderator value."""
        if self.kind == "matrix":
            return np.asarray(~np.isfinite(self.raw).all(axis=1))
        miss = np.array(self.raw.isna().any(axis=1).to_numpy(), dtype=bool)
        if self.kind == "formula":
            # values a formula makes missing (e.g. log of a negative number)
            with np.errstate(all="ignore"):
                X, _ = formula_matrix(self.formula, self.raw, intercept=True)
            miss |= ~np.isfinite(X).all(axis=1)
        return miss


def resolve(mods: Any, data: Any, n: int) -> Moderators:
    """Resolve ``mods`` against ``data`` for ``n`` studies (see module docstring)."""
    import pandas as pd

    if isinstance(mods, str) and "~" in mods:
        frame = _need_data(mods, data)
        spec = parse(mods)
        names = sorted(spec.required_variables)
        unknown = [v for v in names if v not in frame.columns]
        if unknown:
            shown = ", ".join(map(str, list(frame.columns)[:20]))
            raise InputError(
                f"mods={mods!r} uses {', '.join(unknown)}, which "
                f"{'is not a column' if len(unknown) == 1 else 'are not columns'} "
                f"of data; columns are: {shown}"
            )
        return Moderators("formula", frame[names].reset_index(drop=True), mods)
    if isinstance(mods, str) or (
        isinstance(mods, list | tuple)
        and mods
        and all(isinstance(c, str) for c in mods)
    ):
        cols: list[str] = [mods] if isinstance(mods, str) else [str(c) for c in mods]
        frame = _need_data(mods, data)
        for col in cols:
            if col not in frame.columns:
                shown = ", ".join(map(str, list(frame.columns)[:20]))
                raise InputError(
                    f"mods: {col!r} is not a column of data; columns are: {shown}"
                )
        return Moderators("columns", _check_length(pd.DataFrame(frame[cols]), n))
    if isinstance(mods, pd.Series):
        name = str(mods.name) if mods.name is not None else "mods"
        return Moderators("columns", _check_length(pd.DataFrame({name: mods}), n))
    if isinstance(mods, pd.DataFrame):
        return Moderators("columns", _check_length(mods, n))
    return _matrix(mods, n)


def build(
    mods: Moderators, keep: BoolArray, intercept: bool
) -> tuple[FloatArray, DesignSpec]:
    """Return X (intercept first, if any) for the rows ``keep`` and its spec."""
    if mods.kind == "matrix":
        X = np.asarray(mods.raw[keep], dtype=np.float64)
        names = mods.names
        if intercept:
            X = np.column_stack([np.ones(X.shape[0]), X])
            names = (INTERCEPT, *names)
        has_one = X.shape[0] > 0 and bool(np.all(X[:, 0] == 1.0))
        if has_one and not intercept:  # a column of ones is an intercept (metafor)
            names = (INTERCEPT, *names[1:])
        spec = DesignSpec(names=names, intercept=intercept or has_one, kind="matrix")
    else:
        frame = _drop_unused_categories(mods.raw.loc[keep].reset_index(drop=True))
        if mods.kind == "formula":
            X, model_spec = formula_matrix(mods.formula, frame, intercept)
            names = formula_names(model_spec)
            spec = DesignSpec(
                names=names,
                intercept=bool(names) and names[0] == INTERCEPT,
                kind="formula",
                model_spec=model_spec,
            )
        else:
            terms = _terms(frame, intercept)
            spec = DesignSpec(
                names=((INTERCEPT,) if intercept else ())
                + tuple(n for t in terms for n in t.names),
                intercept=intercept,
                kind="columns",
                terms=terms,
            )
            X = _term_rows(spec, frame)
    if X.shape[1] == 0:
        raise InputError("mods with intercept=False leave no coefficient to estimate")
    if not np.isfinite(X).all():
        raise InputError("mods hold infinite values")
    return X, spec


def check_rank(X: FloatArray, names: tuple[str, ...]) -> None:
    """Raise an error naming the columns of X that depend on earlier ones.

    A column is redundant when the norm of its residual after least squares on
    the columns kept before it is at most ``RANK_TOL`` times its own norm (or it
    is all zero), the criterion of R's ``qr()`` that lm and metafor use.
    """
    k, p = X.shape
    kept: list[int] = []
    redundant: list[int] = []
    for j in range(p):
        col = X[:, j]
        norm = float(np.linalg.norm(col))
        if kept:
            coef = np.linalg.lstsq(X[:, kept], col, rcond=None)[0]
            resid = float(np.linalg.norm(col - X[:, kept] @ coef))
        else:
            resid = norm
        if norm == 0.0 or resid <= RANK_TOL * norm:
            redundant.append(j)
        else:
            kept.append(j)
    if redundant:
        which = ", ".join(names[j] for j in redundant)
        verb = "is a linear combination" if len(redundant) == 1 else "are combinations"
        raise InputError(
            f"the model matrix is rank deficient: {which} {verb}"
            " of the other columns (or constant zero) in the studies analysed; "
            "remove it from mods"
            + (f" (k = {k} studies for p = {p} coefficients)" if k < p else "")
        )


# --- frames and arrays -----------------------------------------------------------


def _need_data(mods: Any, data: Any) -> pd.DataFrame:
    import pandas as pd

    if data is None:
        raise InputTypeError(
            f"mods={mods!r} names columns, but no data= frame was given"
        )
    if not isinstance(data, pd.DataFrame):
        raise InputTypeError(f"data must be a DataFrame; got {type(data).__name__}")
    return data


def _check_length(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    if frame.shape[0] != n:
        raise InputError(f"mods has {frame.shape[0]} rows for {n} studies")
    return frame.reset_index(drop=True)


def _matrix(mods: Any, n: int) -> Moderators:
    try:
        arr = np.asarray(mods, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputTypeError(
            "mods must be a column name, a list of column names, a DataFrame, a "
            f"numeric array or a formula string ('~ x + z'); got {type(mods).__name__}"
        ) from None
    names: tuple[str, ...]
    if arr.ndim == 1:
        arr, names = arr[:, None], ("mods",)
    elif arr.ndim == 2:
        names = tuple(f"X{j + 1}" for j in range(arr.shape[1]))
    else:
        raise InputError(f"mods must be 1- or 2-dimensional; got shape {arr.shape}")
    if arr.shape[0] != n:
        raise InputError(f"mods has {arr.shape[0]} rows for {n} studies")
    return Moderators("matrix", arr, names=names)


def _is_table(x: Any) -> bool:
    import pandas as pd

    return isinstance(x, dict | pd.DataFrame)


def _as_frame(name: str, x: Any) -> pd.DataFrame:
    import pandas as pd

    if isinstance(x, pd.DataFrame):
        return x.reset_index(drop=True)
    values = {k: np.atleast_1d(np.asarray(v)) for k, v in x.items()}
    lengths = {v.shape[0] for v in values.values()}
    if len(lengths) > 1:
        raise InputError(f"{name}: the values of the dict have different lengths")
    return pd.DataFrame(values)


def _categorical(series: pd.Series) -> bool:
    import pandas as pd

    dtype = series.dtype
    return (
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_bool_dtype(dtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
    )


def _drop_unused_categories(frame: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].cat.remove_unused_categories()
    return out


def _levels(series: pd.Series) -> tuple[Any, ...]:
    import pandas as pd

    if isinstance(series.dtype, pd.CategoricalDtype):
        return tuple(series.cat.categories)
    present = series.dropna().unique().tolist()
    try:
        return tuple(sorted(present))
    except TypeError:  # mixed types: order by their text
        return tuple(sorted(present, key=str))


def _terms(frame: pd.DataFrame, intercept: bool) -> tuple[Term, ...]:
    import pandas as pd

    terms = []
    full = not intercept  # the first factor of a model without intercept
    for col in frame.columns:
        series = frame[col]
        if _categorical(series):
            terms.append(Term(str(col), _levels(series), full=full))
            full = False
        elif pd.api.types.is_numeric_dtype(series.dtype):
            terms.append(Term(str(col)))
        else:
            raise InputTypeError(
                f"mods: column {col!r} has dtype {series.dtype}, which is neither "
                "numeric nor categorical"
            )
    return tuple(terms)


def _term_rows(spec: DesignSpec, frame: pd.DataFrame) -> FloatArray:
    n = frame.shape[0]
    cols: list[FloatArray] = [np.ones(n)] if spec.intercept else []
    for term in spec.terms:
        if term.column not in frame.columns:
            raise InputError(
                f"newmods has no column {term.column!r}; the model's moderators are "
                f"{', '.join(t.column for t in spec.terms)}"
            )
        series = frame[term.column]
        if term.levels is None:
            cols.append(_numeric(term.column, series))
            continue
        values = series.to_numpy(dtype=object)
        known = set(term.levels)
        unknown = [v for v in values if v not in known]
        if unknown:
            raise InputError(
                f"newmods: {term.column}={unknown[0]!r} is not a level of the model; "
                f"levels are: {', '.join(map(str, term.levels))}"
            )
        used = term.levels if term.full else term.levels[1:]
        cols += [np.array([v == lev for v in values], dtype=np.float64) for lev in used]
    return np.column_stack(cols) if cols else np.empty((n, 0))


def _numeric(column: str, series: pd.Series) -> FloatArray:
    try:
        return np.asarray(series.to_numpy(), dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"newmods: {column!r} must be numeric") from None


def _array_rows(spec: DesignSpec, newmods: Any) -> FloatArray:
    try:
        arr = np.asarray(newmods, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputTypeError(
            "newmods must be numeric (values of "
            f"{', '.join(spec.mods_names)}), a dict or a DataFrame"
        ) from None
    q = len(spec.mods_names)
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    elif arr.ndim == 1:
        # one moderator: each value is a prediction; else one row of values
        arr = arr[:, None] if q == 1 else arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != q:
        raise InputError(
            f"newmods must give {q} value{'s' if q != 1 else ''} per prediction "
            f"({', '.join(spec.mods_names)}); got shape {np.shape(newmods)}"
        )
    if spec.intercept:
        arr = np.column_stack([np.ones(arr.shape[0]), arr])
    return arr
