"""``rma_batch()``: many meta-analyses at once, through the same code as ``rma()``.

The studies of every analysis are laid into one padded ``(m, k_max)`` array with a
mask, and the estimators of ``tau2.py`` and the model of ``_core.py`` run over all
rows together: no Python loop over analyses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .._validate import (
    InputError,
    InputTypeError,
    check_nonnegative,
    choice,
    column,
    control_options,
    fraction,
    warn_dropped,
)
from ._core import fit_models
from .inference import TESTS, crit
from .rma import CONTROL_DEFAULTS, METHODS
from .tau2 import Options, Problem

if TYPE_CHECKING:
    import pandas as pd


def rma_batch(
    frame: pd.DataFrame,
    by: str | list[str] = "analysis_id",
    *,
    yi: str = "yi",
    vi: str | None = "vi",
    sei: str | None = None,
    method: str = "REML",
    test: str = "z",
    level: float = 0.95,
    control: Mapping[str, object] | None = None,
) -> pd.DataFrame:
    """Fit one model without moderators per group of rows of ``frame``.

    Parameters
    ----------
    frame : DataFrame
        One row per study, e.g. stacked :func:`escalc` frames.
    by : str or list of str
        Column(s) that identify the analysis a row belongs to.
    yi, vi, sei : str
        Columns with the effect sizes and their variances (or standard errors).
    method, test, level, control
        As for :func:`rma`; the same estimator code is used.

    Returns
    -------
    DataFrame
        One row per analysis, in order of first appearance, with the ``by``
        columns and the fields of :meth:`RMAResult.to_frame` (``estimate se zval
        pval ci_lb ci_ub k tau2 se_tau2 I2 H2 R2 QE QEp QM QMdf1 QMdf2 QMp method
        test level converged``; ``QMdf2`` is NaN for the chi-square test, ``R2``
        NaN without moderators) plus the prediction interval ``pi_lb pi_ub``.
        Analyses with one study have ``tau2`` NaN, as :func:`rma` reports them.

    Examples
    --------
    >>> import pandas as pd
    >>> import metareview as mr
    >>> frame = pd.DataFrame({"analysis": [1, 1, 1, 2, 2],
    ...                       "yi": [0.1, 0.3, 0.2, -0.5, -0.1],
    ...                       "vi": [0.01, 0.02, 0.015, 0.04, 0.03]})
    >>> mr.rma_batch(frame, by="analysis", method="DL")[["analysis", "k", "tau2"]]
       analysis  k  tau2
    0         1  3   0.0
    1         2  2   0.0

    """
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise InputTypeError(
            f"rma_batch() needs a DataFrame; got {type(frame).__name__}"
        )
    method = choice("method", method, METHODS)
    if method == "GENQ":
        raise InputError("method='GENQ' needs per-study weights; use rma() for it")
    test = choice("test", test, TESTS)
    level = fraction("level", level)
    opts = Options(**control_options(control, CONTROL_DEFAULTS))
    keys = [by] if isinstance(by, str) else list(by)
    for key in keys:
        if key not in frame.columns:
            raise InputError(f"by={key!r} is not a column of frame")
    y = column("yi", yi, frame)
    if sei is not None:
        se = column("sei", sei, frame)
        v = se * se
    elif vi is not None:
        v = column("vi", vi, frame)
    else:
        raise InputError("rma_batch() needs vi= or sei=")
    keep = np.isfinite(y) & np.isfinite(v)
    if not keep.all():
        warn_dropped("yi/vi", np.flatnonzero(~keep), None)
    check_nonnegative("vi", v[keep], strict=True)

    codes, groups = _group_codes(frame.loc[keep], keys)
    y, v = y[keep], v[keep]
    prob = _pad(codes, y, v, len(groups))
    fit = fit_models(prob, method=method, test=test, level=level, opts=opts)

    k = fit.k
    single = k < 2
    beta, se_b = fit.beta[:, 0], fit.se[:, 0]
    tau2 = np.where(single, np.nan, fit.tau2)
    c = crit(level, fit.dfs)
    spi = np.sqrt(se_b**2 + (0.0 if method in ("EE", "FE") else fit.tau2))
    out = groups.copy()
    columns: dict[str, Any] = {
        "estimate": beta,
        "se": se_b,
        "zval": fit.zval[:, 0],
        "pval": fit.pval[:, 0],
        "ci_lb": fit.ci_lb[:, 0],
        "ci_ub": fit.ci_ub[:, 0],
        "k": k.astype(np.int64),
        "tau2": tau2,
        "se_tau2": fit.se_tau2,
        "I2": np.where(single, np.nan, fit.I2),
        "H2": np.where(single, np.nan, fit.H2),
        "R2": np.nan,  # no moderators
        "QE": fit.QE,
        "QEp": fit.QEp,
        "QM": fit.QM,
        "QMdf1": fit.QMdf,
        "QMdf2": np.nan if fit.dfs is None else fit.dfs,
        "QMp": fit.QMp,
        "method": method,
        "test": test,
        "level": level,
        "converged": fit.converged,
        "pi_lb": beta - c * spi,
        "pi_ub": beta + c * spi,
    }
    for name, values in columns.items():
        out[name] = values
    return out


def _group_codes(frame: pd.DataFrame, keys: list[str]) -> tuple[Any, pd.DataFrame]:
    """Integer code of each row's analysis, and the analyses' key values."""
    import pandas as pd

    if len(keys) == 1:
        codes, uniques = pd.factorize(frame[keys[0]], sort=False)
        groups = pd.DataFrame({keys[0]: uniques})
    else:
        index = pd.MultiIndex.from_frame(frame[keys])
        codes, uniques = pd.factorize(index, sort=False)
        groups = pd.DataFrame(list(uniques), columns=keys)
    if (codes < 0).any():
        raise InputError(f"by columns {keys} have missing values")
    return codes, groups


def _pad(codes: Any, y: Any, v: Any, m: int) -> Problem:
    """Lay rows into ``(m, k_max)`` arrays by analysis, padding with mask 0."""
    order = np.argsort(codes, kind="stable")
    codes, y, v = codes[order], y[order], v[order]
    counts = np.bincount(codes, minlength=m)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    pos = np.arange(codes.size) - starts[codes]
    kmax = max(int(counts.max(initial=0)), 1)
    Y = np.zeros((m, kmax))
    V = np.ones((m, kmax))
    mask = np.zeros((m, kmax))
    Y[codes, pos] = y
    V[codes, pos] = v
    mask[codes, pos] = 1.0
    return Problem(y=Y, v=V, X=None, mask=mask)


def _unpad(codes: Any, values: Any) -> Any:
    """Inverse of :func:`_pad`: the ``(m, k_max)`` entry of each row, in row order."""
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes, minlength=values.shape[0])
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    pos = np.empty(codes.size, dtype=np.intp)
    pos[order] = np.arange(codes.size) - starts[codes[order]]
    return values[codes, pos]
