"""Refits of a fitted model on subsets of its studies, as one batch.

Leave-one-out, cumulative and influence analyses refit a model many times, each
time on a different subset of the same studies. Here every subset is a row of a
``(m, k)`` mask over the model's studies, and all rows go through
:func:`._core.fit_models` together, the same code that fits :func:`rma`. The
effect sizes, variances and design are broadcast views (no copies); only the mask
is materialised, in chunks of rows small enough that the batch stays within
:data:`MEMORY_BUDGET` bytes.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validate import ConvergenceWarning, InputError, InputTypeError
from . import _wls, inference
from ._core import fit_models
from .results import RMAResult
from .tau2 import Options, Problem

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

MEMORY_BUDGET = 512 * 2**20
"""Bytes a chunk of refits may use: rows x studies x ``_CELL_BYTES`` stays below."""

# Peak bytes per cell of an (m, k) chunk in fit_models with the iterative
# estimators, measured with tracemalloc (70), with room to spare, plus 8 per
# coefficient for the design's copies.
_CELL_BYTES = 128
# Cells per chunk: arrays of 2**17 float64 (1 MiB) stay in the processor's cache,
# which makes small chunks faster than large ones (measured on k = 200 to 10,000:
# 64k to 160k cells per chunk were fastest, 2.5M cells 1.7x slower).
_CHUNK_CELLS = 2**17
# A design whose Gram matrix has a smaller reciprocal condition number than this
# is taken as rank deficient (a moderator left constant by the deletion).
_RCOND = 1e-12


@dataclass(frozen=True, slots=True, eq=False)
class Model:
    """What a refit needs to know about a fitted model (metafor's ``x``)."""

    y: FloatArray  # (k,)
    v: FloatArray  # (k,)
    X: FloatArray | None  # (k, p), None for an intercept only
    user_weights: FloatArray | None  # (k,)
    method: str
    test: str
    level: float
    opts: Options
    tau2_fixed: float | None
    p: int

    @property
    def k(self) -> int:
        """Number of studies of the fitted model."""
        return int(self.y.shape[0])

    def take(self, order: NDArray[np.intp]) -> Model:
        """Return the model with its studies reordered (or subset) by ``order``."""
        return Model(
            y=self.y[order],
            v=self.v[order],
            X=None if self.X is None else self.X[order],
            user_weights=None
            if self.user_weights is None
            else self.user_weights[order],
            method=self.method,
            test=self.test,
            level=self.level,
            opts=self.opts,
            tau2_fixed=self.tau2_fixed,
            p=self.p,
        )


def model_of(res: object, caller: str) -> Model:
    """Check that ``res`` is an :class:`RMAResult` and return its settings."""
    if not isinstance(res, RMAResult):
        raise InputTypeError(
            f"{caller}() needs a model fitted with rma(); got {type(res).__name__}"
        )
    # None: the intercept-only fast path of the engine
    X = None if res.int_only else np.asarray(res.X, dtype=np.float64)
    return Model(
        y=res.yi,
        v=res.vi,
        X=X,
        user_weights=res.user_weights,
        method=res.method,
        test=res.test,
        level=res.level,
        opts=res.control,
        tau2_fixed=res.tau2 if res.tau2_fix else None,
        p=res.p,
    )


def require_k(res: RMAResult, minimum: int, caller: str) -> None:
    """Raise unless the model has at least ``minimum`` studies."""
    if res.k < minimum:
        raise InputError(
            f"{caller}() needs a model of at least {minimum} studies; "
            f"this one has k = {res.k}"
        )


def require_no_moderators(res: RMAResult, caller: str) -> None:
    """Raise for meta-regressions, as metafor does for leave1out() and cumul()."""
    if not res.int_only:
        raise InputError(
            f"{caller}() applies to models without moderators (as metafor's); "
            f"this model has {res.p} coefficients: {', '.join(res.coef_names)}. "
            "Use influence() for the leave-one-out diagnostics of a meta-regression"
        )


@dataclass(frozen=True, slots=True, eq=False)
class Refits:
    """Every refit, one row each; rows that could not be fitted are NaN."""

    beta: FloatArray  # (m, p)
    vb: FloatArray  # (m, p, p)
    zval: FloatArray  # (m, p)
    pval: FloatArray
    ci_lb: FloatArray
    ci_ub: FloatArray
    tau2: FloatArray  # (m,)
    QE: FloatArray
    QEp: FloatArray
    I2: FloatArray
    H2: FloatArray
    s2w: FloatArray  # Knapp-Hartung scale factor of each refit (1 without knha)
    fitted: BoolArray  # False where the refit failed (NaN row)

    @property
    def se(self) -> FloatArray:
        """Standard errors of the coefficients, ``(m, p)``."""
        return np.sqrt(np.diagonal(self.vb, axis1=1, axis2=2))


_SCALARS = ("tau2", "QE", "QEp", "I2", "H2", "s2w")

MaskRows = Callable[[int, int], tuple[FloatArray, int]]
"""``(start, stop) -> (mask, n)``: the masks of rows ``start:stop`` over the first
``n`` studies (the rest are left out of those rows)."""


def chunk_rows(k: int, p: int = 1) -> int:
    """Rows of ``k`` studies per chunk: about ``_CHUNK_CELLS`` cells, in the budget."""
    k = max(k, 1)
    budget = MEMORY_BUDGET // ((_CELL_BYTES + 8 * p) * k)
    return max(1, min(_CHUNK_CELLS // k, budget))


def chunks(m: int, k: int, p: int = 1) -> Iterator[slice]:
    """Slices of ``range(m)`` of :func:`chunk_rows` rows each."""
    step = chunk_rows(k, p)
    for start in range(0, m, step):
        yield slice(start, min(start + step, m))


def refit(model: Model, m: int, mask_rows: MaskRows, what: str) -> Refits:
    """Fit ``m`` refits of ``model``, row ``i`` on the studies of its mask.

    Chunks of rows go through :func:`fit_models` in turn; within a chunk the rows
    are one batch. Rows whose design is rank deficient, and rows whose iterative
    estimator of τ² did not converge (metafor stops with an error there and
    reports NA), are NaN; the latter are named in one ``ConvergenceWarning``.
    """
    p = model.p
    out = {name: np.full((m, p), np.nan) for name in ("beta", "zval", "pval")}
    out |= {name: np.full((m, p), np.nan) for name in ("ci_lb", "ci_ub")}
    vb = np.full((m, p, p), np.nan)
    scalars = {name: np.full(m, np.nan) for name in _SCALARS}
    fitted = np.zeros(m, bool)
    unconverged: list[int] = []
    for rows in chunks(m, model.k, p):
        mask, n = mask_rows(rows.start, rows.stop)
        fit, ok, conv = _fit_chunk(model, mask, n)
        for name in out:
            out[name][rows] = getattr(fit, name)
        vb[rows] = fit.vb
        for name in scalars:
            scalars[name][rows] = getattr(fit, name)
        fitted[rows] = ok & conv
        unconverged += (np.flatnonzero(ok & ~conv) + rows.start).tolist()
    for arr in (*out.values(), vb, *scalars.values()):
        arr[~fitted] = np.nan
    if unconverged:
        rows_text = ", ".join(str(i + 1) for i in unconverged[:10])
        more = "" if len(unconverged) <= 10 else f" and {len(unconverged) - 10} more"
        warnings.warn(
            f"the {model.method} estimator of tau2 did not converge in "
            f"{model.opts.maxiter} iterations for {len(unconverged)} of the {m} "
            f"{what} (rows {rows_text}{more}); they are NaN. Raise "
            "control['maxiter'] in rma() or loosen control['tol']",
            ConvergenceWarning,
            stacklevel=3,
        )
    return Refits(vb=vb, fitted=fitted, **out, **scalars)


def _fit_chunk(
    model: Model, mask: FloatArray, n: int
) -> tuple[Any, BoolArray, BoolArray]:
    """Fit one chunk; return the fit, which rows were fittable and converged."""
    rows = mask.shape[0]
    shape = (rows, n)
    X = None
    ok = np.ones(rows, bool)
    if model.X is not None:
        X = np.broadcast_to(model.X[:n], (rows, n, model.p))
        ok = _full_rank(X, mask)
        if not ok.all():
            # fit a harmless stand-in (all studies) where X is rank deficient
            mask = np.where(ok[:, None], mask, 1.0)
    weights = None
    if model.user_weights is not None:
        weights = mask * model.user_weights[:n]
    prob = Problem(
        y=np.broadcast_to(model.y[:n], shape),
        v=np.broadcast_to(model.v[:n], shape),
        X=X,
        mask=mask,
        weights=weights,
    )
    tau2 = None if model.tau2_fixed is None else np.full(rows, model.tau2_fixed)
    with warnings.catch_warnings():
        # non-convergence is reported per row by the caller
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = fit_models(
            prob,
            method=model.method,
            test=model.test,
            level=model.level,
            opts=model.opts,
            tau2=tau2,
            weights=weights,
        )
    if fit.dfs is not None:
        _z_where_saturated(fit, prob.k - model.p, model.level)
    return fit, ok, np.asarray(fit.converged, bool)


def _full_rank(X: FloatArray, mask: FloatArray) -> BoolArray:
    """Whether the studies of each row leave ``X`` of full column rank."""
    gram = _wls.gram(X, mask)
    s = np.linalg.svd(gram, compute_uv=False)
    return s[:, -1] > _RCOND * s[:, 0]


def _z_where_saturated(fit: Any, dfq: FloatArray, level: float) -> None:
    """Use z tests in rows with no residual df, as rma() does for k = 1.

    With ``k = p`` (one study, no moderators) t and Knapp-Hartung tests have no
    degrees of freedom; metafor then falls back to the z test, and so do we.
    """
    rows = dfq <= 0
    if not rows.any():
        return
    se = fit.se[rows]
    c = inference.crit(level, None)
    fit.pval[rows] = inference.pvalue(fit.zval[rows], None)
    fit.ci_lb[rows] = fit.beta[rows] - c * se
    fit.ci_ub[rows] = fit.beta[rows] + c * se


def leave_one_out_masks(k: int) -> MaskRows:
    """Masks of the ``k`` leave-one-out fits: row ``i`` leaves study ``i`` out."""

    def rows(start: int, stop: int) -> tuple[FloatArray, int]:
        mask = np.ones((stop - start, k))
        idx = np.arange(stop - start)
        mask[idx, start + idx] = 0.0
        return mask, k

    return rows


def cumulative_masks(k: int) -> MaskRows:
    """Masks of the ``k`` cumulative fits: row ``j`` has the first ``j + 1`` studies.

    A chunk of rows ``start:stop`` needs only the first ``stop`` studies, so the
    later studies are not even passed to the engine.
    """

    def rows(start: int, stop: int) -> tuple[FloatArray, int]:
        upto = np.arange(start, stop)[:, None]
        mask = (np.arange(stop)[None, :] <= upto).astype(np.float64)
        return mask, stop

    return rows
