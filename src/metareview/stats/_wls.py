"""Weighted least squares over a batch of meta-analyses, linear in k.

Every array carries a leading batch axis ``m``: effect sizes ``y`` and weights
``w`` are ``(m, k)``, the design ``X`` is ``(m, k, p)``, or ``None`` for the
intercept-only model (the common case, which then costs a few sums). Padding
studies have weight 0. Nothing here forms a k x k matrix: traces of the projection
``P = W - W X (X'WX)^{-1} X'W`` are written through p x p matrices only, e.g.
``tr(P) = sum(w) - tr(M^{-1} X'W^2X)`` with ``M = X'WX``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
Design = FloatArray | None  # (m, k, p) or None for an intercept only


def gram(X: Design, c: FloatArray) -> FloatArray:
    """Return ``X' diag(c) X`` for each analysis, shape ``(m, p, p)``."""
    if X is None:
        return np.add.reduce(c, axis=1)[:, None, None]
    if X.shape[2] == 1:
        return np.einsum("mk,mk->m", c, X[:, :, 0] * X[:, :, 0])[:, None, None]
    p = X.shape[2]
    if p > 4:  # batched matrix products: (X' diag(c)) X
        return np.matmul(np.swapaxes(X * c[:, :, None], 1, 2), X)
    # a few coefficients (meta-regression): one dot product per pair is fastest
    out = np.empty((X.shape[0], p, p))
    for i in range(p):
        ci = c * X[:, :, i]
        for j in range(i, p):
            out[:, i, j] = out[:, j, i] = np.einsum("mk,mk->m", ci, X[:, :, j])
    return out


def cross(X: Design, c: FloatArray) -> FloatArray:
    """Return ``X' c`` for each analysis, shape ``(m, p)``."""
    if X is None:
        return np.add.reduce(c, axis=1)[:, None]
    return np.matmul(c[:, None, :], X)[:, 0, :]


def solve(M: FloatArray, b: FloatArray) -> Any:
    """Solve ``M x = b`` for each analysis; ``b`` is ``(m, p)`` or ``(m, p, q)``."""
    out: NDArray[np.floating[Any]]
    if M.shape[1] == 1:
        return b / (M[:, :, 0] if b.ndim == 2 else M)
    if b.ndim == 2:
        out = np.linalg.solve(M, b[:, :, None])[:, :, 0]
    else:
        out = np.linalg.solve(M, b)
    return out


def logdet(M: FloatArray) -> FloatArray:
    """Return ``log det M`` for each analysis (``M`` positive definite)."""
    if M.shape[1] == 1:
        return np.log(M[:, 0, 0])
    return np.linalg.slogdet(M)[1]


def trace_solve(M: FloatArray, S: FloatArray) -> FloatArray:
    """Return ``tr(M^{-1} S)`` for each analysis."""
    if M.shape[1] == 1:
        return S[:, 0, 0] / M[:, 0, 0]
    return np.trace(np.linalg.solve(M, S), axis1=1, axis2=2)


def trace_solve_sq(M: FloatArray, S: FloatArray) -> FloatArray:
    """Return ``tr((M^{-1} S)^2)`` for each analysis."""
    if M.shape[1] == 1:
        return (S[:, 0, 0] / M[:, 0, 0]) ** 2
    T = np.linalg.solve(M, S)
    return np.einsum("mij,mji->m", T, T)


@dataclass(frozen=True, slots=True, eq=False)
class Fit:
    """A weighted least-squares fit of ``y`` on ``X`` with weights ``w``."""

    w: FloatArray  # (m, k), 0 for padding
    M: FloatArray  # (m, p, p) = X'WX
    beta: FloatArray  # (m, p)
    resid: FloatArray  # (m, k)

    @property
    def rss(self) -> FloatArray:
        """Weighted residual sum of squares ``sum w r^2`` (Cochran's Q for w=1/v)."""
        return np.einsum("mk,mk->m", self.w, self.resid * self.resid)


def wls(y: FloatArray, X: Design, w: FloatArray) -> Fit:
    """Fit ``y = X beta`` by weighted least squares for each analysis."""
    M = gram(X, w)
    beta = solve(M, cross(X, w * y))
    if X is None:
        resid = y - beta
    elif X.shape[2] == 1:
        resid = y - X[:, :, 0] * beta
    else:
        resid = y - np.matmul(X, beta[:, :, None])[:, :, 0]
    return Fit(w=w, M=M, beta=beta, resid=resid)


def trace_p(fit: Fit, X: Design) -> FloatArray:
    """Return ``tr(P)`` for ``P = W - W X M^{-1} X'W``."""
    return fit.w.sum(axis=1) - trace_solve(fit.M, gram(X, fit.w * fit.w))


def trace_pd(fit: Fit, X: Design, d: FloatArray) -> FloatArray:
    """Return ``tr(P D)`` for a diagonal ``D = diag(d)``."""
    w = fit.w
    return np.einsum("mk,mk->m", w, d) - trace_solve(fit.M, gram(X, w * w * d))


def trace_pdpd(fit: Fit, X: Design, d: FloatArray) -> FloatArray:
    """Return ``tr(P D P D)`` for a diagonal ``D = diag(d)``.

    With ``a = w``: ``sum (a d)^2 - 2 tr(M^{-1} X' diag(a^3 d^2) X)
    + tr((M^{-1} X' diag(a^2 d) X)^2)``.
    """
    w = fit.w
    wd = w * d
    return (
        np.einsum("mk,mk->m", wd, wd)
        - 2.0 * trace_solve(fit.M, gram(X, w * wd * wd))
        + trace_solve_sq(fit.M, gram(X, w * wd))
    )


def traces_p_pp(fit: Fit, X: Design) -> tuple[FloatArray, FloatArray]:
    """Return ``tr(P)`` and ``tr(PP)`` together (they share ``X'W²X``).

    ``tr(PP) = sum w² - 2 tr(M^{-1} X'W³X) + tr((M^{-1} X'W²X)²)``; for an
    intercept only these are sums of ``w``, ``w²`` and ``w³``.
    """
    w = fit.w
    w2 = w * w
    if X is None:
        sw = fit.M[:, 0, 0]
        sw2 = np.add.reduce(w2, axis=1)
        ratio = sw2 / sw
        return sw - ratio, sw2 - 2.0 * np.einsum("mk,mk->m", w2, w) / sw + ratio**2
    S2 = gram(X, w2)
    trp = np.add.reduce(w, axis=1) - trace_solve(fit.M, S2)
    trpp = (
        np.add.reduce(w2, axis=1)
        - 2.0 * trace_solve(fit.M, gram(X, w2 * w))
        + trace_solve_sq(fit.M, S2)
    )
    return trp, trpp


def quad(fit: Fit, X: Design, c: FloatArray) -> FloatArray:
    """Return ``c'X M^{-1} X'c`` for each analysis."""
    xc = cross(X, c)
    if X is None:
        return xc[:, 0] * xc[:, 0] / fit.M[:, 0, 0]
    return np.einsum("mi,mi->m", xc, solve(fit.M, xc))
