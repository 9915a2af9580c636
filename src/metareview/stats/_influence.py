"""Outlier and influence diagnostics (metafor's ``influence.rma.uni``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray
from scipy import special

from .._validate import readonly
from . import _refit, _wls
from .results import RMAResult

if TYPE_CHECKING:
    import pandas as pd

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

_FIXED = ("EE", "FE")


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class InfluenceResult:
    """Leave-one-out diagnostics of each study, as metafor's ``influence.rma.uni``.

    Every array has one entry per study (``k``), in the order of the model;
    ``dfbs`` has one column per coefficient (``p``). Diagnostics of a study whose
    deletion leaves a model that cannot be fitted (a moderator left constant, a
    refit that did not converge) are NaN. ``inf`` flags the influential studies
    (see :func:`influence`).
    """

    rstudent: FloatArray
    dffits: FloatArray
    cook_d: FloatArray
    cov_r: FloatArray
    tau2_del: FloatArray
    QE_del: FloatArray
    hat: FloatArray
    weight: FloatArray
    inf: BoolArray
    dfbs: FloatArray
    slab: tuple[str, ...]
    coef_names: tuple[str, ...]
    method: str

    @property
    def k(self) -> int:
        """Number of studies."""
        return len(self.slab)

    @property
    def p(self) -> int:
        """Number of model coefficients."""
        return len(self.coef_names)

    def to_frame(self) -> pd.DataFrame:
        """Return the diagnostics indexed by study label (``slab``).

        Columns ``rstudent dffits cook_d cov_r tau2_del QE_del hat weight inf``;
        the DFBETAS are in :attr:`dfbetas`.
        """
        import pandas as pd

        names = ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "QE_del")
        cols = {name: getattr(self, name) for name in (*names, "hat", "weight", "inf")}
        return pd.DataFrame(cols, index=pd.Index(list(self.slab), name="slab"))

    @property
    def dfbetas(self) -> pd.DataFrame:
        """DFBETAS indexed by study label, one column per coefficient."""
        import pandas as pd

        return pd.DataFrame(
            self.dfbs,
            index=pd.Index(list(self.slab), name="slab"),
            columns=list(self.coef_names),
        )

    def to_string(self, *, infonly: bool = False) -> str:
        """Return the metafor-style table; ``infonly`` keeps influential studies."""
        from ._format_sensitivity import format_influence

        return format_influence(self, infonly=infonly)

    def __str__(self) -> str:
        from ._format_sensitivity import format_influence

        return format_influence(self)

    def __repr__(self) -> str:
        return (
            f"<InfluenceResult method={self.method!r} k={self.k} p={self.p} "
            f"influential={int(self.inf.sum())}>"
        )


def influence(res: RMAResult) -> InfluenceResult:
    r"""Outlier and influence diagnostics of each study of a fitted model.

    Parameters
    ----------
    res : RMAResult
        A model fitted by :func:`rma` (k >= 2), with or without moderators.

    Returns
    -------
    InfluenceResult
        Externally standardized residuals, DFFITS, Cook's distances, covariance
        ratios, τ² and Q without each study, hat values, weights (%), DFBETAS and
        the flag of influential studies, as metafor's ``influence.rma.uni``.

    Notes
    -----
    With :math:`\hat\beta_{(-i)}`, :math:`\hat\tau^2_{(-i)}`,
    :math:`V_{(-i)} = \widehat{\mathrm{Var}}(\hat\beta_{(-i)})` and the
    Knapp-Hartung factor :math:`s^2_{(-i)}` (1 without ``test="knha"``) of the
    model fitted without study i, and :math:`\hat\beta`, :math:`V` of the full
    model (Viechtbauer & Cheung 2010, eq. 5-11):

    - ``rstudent``: :math:`(y_i - x_i'\hat\beta_{(-i)}) /
      \sqrt{s^2_{(-i)}(v_i + \hat\tau^2_{(-i)}) + x_i'V_{(-i)}x_i}`;
    - ``dffits``: :math:`x_i'(\hat\beta - \hat\beta_{(-i)}) /
      \sqrt{s^2_{(-i)} h_i (v_i + \hat\tau^2_{(-i)})}`; with user weights the
      denominator is :math:`\sqrt{x_i'S_{(-i)}x_i}` (below);
    - ``cook_d``: :math:`(\hat\beta - \hat\beta_{(-i)})'V^{-1}
      (\hat\beta - \hat\beta_{(-i)})`;
    - ``cov_r``: :math:`\det V_{(-i)} / \det V`;
    - ``hat``: :math:`h_i = a_i x_i'(X'AX)^{-1}x_i` with the model's weights
      :math:`a_i` (:math:`1/(v_i + \hat\tau^2)` or the user's), computed through
      p x p matrices only;
    - ``dfbs``: :math:`(\hat\beta - \hat\beta_{(-i)}) / \sqrt{\mathrm{diag}\,
      S_{(-i)}}` with :math:`S_{(-i)} = s^2_{(-i)} M^{-1}X'A\Sigma_{(-i)}AXM^{-1}`,
      :math:`M = X'AX`, over all k studies with
      :math:`\Sigma_{(-i)} = \mathrm{diag}(v + \hat\tau^2_{(-i)})` and
      :math:`A = \Sigma_{(-i)}^{-1}` unless the model has user weights (then
      :math:`S_{(-i)} = s^2_{(-i)}(X'\Sigma_{(-i)}^{-1}X)^{-1}`).

    A study is flagged in ``inf`` when any of these holds (metafor's cut-offs):
    :math:`|\mathrm{DFFITS}| > 3\sqrt{p/(k-p)}`; the :math:`\chi^2_p` lower tail
    at Cook's distance exceeds 0.5; :math:`h_i > 3p/k`; some
    :math:`|\mathrm{DFBETAS}| > 1`.

    The k refits without one study are one batch of the engine behind
    :func:`rma`; nothing forms a k x k matrix.

    References
    ----------
    Viechtbauer W, Cheung MWL (2010). Outlier and influence diagnostics for
    meta-analysis. Res Synth Methods 1:112-125. doi:10.1002/jrsm.11
    Belsley DA, Kuh E, Welsch RE (1980). Regression Diagnostics. Wiley.

    Examples
    --------
    >>> import metareview as mr
    >>> bcg = mr.datasets.load("bcg")
    >>> es = mr.escalc("RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg,
    ...                slab="study")
    >>> inf = mr.influence(mr.rma(es, method="FE"))
    >>> inf.to_frame().loc[inf.inf, ["rstudent", "cook_d", "hat"]].round(4)
                             rstudent   cook_d     hat
    slab
    Hart & Sutherland, 1977   -7.4613   4.9705  0.0820
    Stein & Aronson, 1953     -4.9037   7.4902  0.2375
    TPT Madras, 1980           9.1786  59.5228  0.4140

    """
    model = _refit.model_of(res, "influence")
    _refit.require_k(res, 2, "influence")
    k, p = res.k, res.p
    fits = _refit.refit(model, k, _refit.leave_one_out_masks(k), "leave-one-out fits")
    X = np.asarray(res.X, dtype=np.float64)
    y, v = res.yi, res.vi
    tau2 = 0.0 if res.method in _FIXED else res.tau2
    a = res.user_weights if res.user_weights is not None else 1.0 / (v + tau2)
    M = X.T @ (a[:, None] * X)
    hat = a * np.einsum("ki,ki->k", X, np.linalg.solve(M, X.T).T)

    b_del, vb_del = fits.beta, fits.vb
    d = res.beta[None, :] - b_del  # (k, p)
    t2_del, s2w = fits.tau2, fits.s2w
    resid_del = y - np.einsum("ki,ki->k", X, b_del)
    x_v_x = np.einsum("ki,kij,kj->k", X, vb_del, X)
    rstudent = resid_del / np.sqrt(s2w * (v + t2_del) + x_v_x)
    cook = np.einsum("ki,ki->k", d, np.linalg.solve(res.vb, d.T).T)
    ok = fits.fitted
    cov_r = np.full(k, np.nan)
    cov_r[ok] = np.linalg.det(vb_del[ok]) / np.linalg.det(res.vb)

    S = _dfbetas_variance(X, v, res.user_weights, M, t2_del, s2w, ok)
    dfbs = d / np.sqrt(np.diagonal(S, axis1=1, axis2=2))
    change = np.einsum("ki,ki->k", X, d)
    if res.user_weights is None:
        dffits = change / np.sqrt(s2w * hat * (v + t2_del))
    else:
        dffits = change / np.sqrt(np.einsum("ki,kij,kj->k", X, S, X))
    inf = _flags(dffits, cook, hat, dfbs, k, p)
    return InfluenceResult(
        rstudent=readonly(rstudent),
        dffits=readonly(dffits),
        cook_d=readonly(cook),
        cov_r=readonly(cov_r),
        tau2_del=readonly(t2_del),
        QE_del=readonly(fits.QE),
        hat=readonly(hat),
        weight=readonly(res.weights.copy()),
        inf=readonly(inf),
        dfbs=readonly(dfbs),
        slab=res.slab,
        coef_names=res.coef_names,
        method=res.method,
    )


def _dfbetas_variance(
    X: FloatArray,
    v: FloatArray,
    user_weights: FloatArray | None,
    M: FloatArray,
    tau2_del: FloatArray,
    s2w: FloatArray,
    ok: BoolArray,
) -> FloatArray:
    """``S_(-i)`` of :func:`influence` for every i, over all k studies, in chunks."""
    k, p = X.shape
    S = np.full((k, p, p), np.nan)
    t2 = np.where(ok, tau2_del, 0.0)  # stand-in for failed refits, set NaN below
    for rows in _refit.chunks(k, k, p):
        n = rows.stop - rows.start
        Xb = np.broadcast_to(X, (n, k, p))
        sigma = v[None, :] + t2[rows, None]
        if user_weights is None:
            S[rows] = np.linalg.inv(_wls.gram(Xb, 1.0 / sigma))
        else:
            bread = _wls.gram(Xb, user_weights * user_weights * sigma)
            half = np.linalg.solve(M, bread)  # M⁻¹ B, then (M⁻¹ (M⁻¹ B)')'
            S[rows] = np.swapaxes(np.linalg.solve(M, np.swapaxes(half, 1, 2)), 1, 2)
    S *= s2w[:, None, None]
    S[~ok] = np.nan
    return S


def _flags(
    dffits: FloatArray,
    cook: FloatArray,
    hat: FloatArray,
    dfbs: FloatArray,
    k: int,
    p: int,
) -> BoolArray:
    """Metafor's cut-offs for influential studies (see :func:`influence`)."""
    with np.errstate(divide="ignore"):
        cut = 3.0 * np.sqrt(p / (k - p)) if k > p else np.inf
    with np.errstate(invalid="ignore"):
        flags = np.abs(dffits) > cut
        flags |= special.chdtr(p, cook) > 0.5
        flags |= hat > 3.0 * p / k
        flags |= np.any(np.abs(dfbs) > 1.0, axis=1)
    return np.asarray(flags, bool)
