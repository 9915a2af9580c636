"""Results of the tests for small-study effects and the bias adjustments.

Import them from :mod:`metareview.stats.bias`, which defines the functions that
return them; formatting lives in ``_format_bias.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    import pandas as pd

    from .results import Prediction, RMAResult, Transform

FloatArray = NDArray[np.float64]

__all__ = ["FsnResult", "RanktestResult", "RegtestResult", "TrimfillResult"]


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class RegtestResult:
    """A regression test for funnel plot asymmetry, as metafor's ``regtest``.

    ``zval`` is the test statistic of the predictor's coefficient (a t statistic
    on ``dfs`` degrees of freedom for ``model="lm"`` and for t or Knapp-Hartung
    tests, else z with ``dfs=None``) and ``pval`` its two-sided p-value. ``est``
    (with ``ci_lb``, ``ci_ub`` at ``level``) is the limit estimate, the model's
    intercept: the expected effect as the standard error or variance goes to 0
    or the sample size to infinity; it is ``None`` for the predictors ``"ni"``
    and ``"sqrtni"`` and for models with moderators. ``fit`` is the fitted
    regression; for ``model="lm"`` it is the equivalent fixed-effects
    meta-regression whose Knapp-Hartung factor is the residual variance of the
    weighted least-squares fit (the multiplicative dispersion). ``harbord`` marks
    Harbord's test, whose ``fit`` is the regression of the Peto log odds ratios
    ``Z/V`` on ``1/sqrt(V)``.
    """

    model: str
    predictor: str
    zval: float
    pval: float
    dfs: float | None
    est: float | None
    ci_lb: float | None
    ci_ub: float | None
    level: float
    k: int
    fit: RMAResult
    harbord: bool = False
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row with the test and the limit estimate."""
        import pandas as pd

        return pd.DataFrame(
            {
                "model": [self.model],
                "predictor": [self.predictor],
                "zval": [self.zval],
                "dfs": [np.nan if self.dfs is None else self.dfs],
                "pval": [self.pval],
                "est": [np.nan if self.est is None else self.est],
                "ci_lb": [np.nan if self.ci_lb is None else self.ci_lb],
                "ci_ub": [np.nan if self.ci_ub is None else self.ci_ub],
                "k": [self.k],
            }
        )

    def __str__(self) -> str:
        from ._format_bias import format_regtest

        return format_regtest(self)

    def _repr_html_(self) -> str:
        from ._format_bias import html_pre

        return html_pre(str(self))

    def __repr__(self) -> str:
        stat = "t" if self.dfs is not None else "z"
        name = "harbord" if self.harbord else f"{self.model}/{self.predictor}"
        return (
            f"<RegtestResult {name} k={self.k} {stat}={self.zval:.4g} "
            f"p={self.pval:.4g}>"
        )


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class RanktestResult:
    """Begg & Mazumdar's rank correlation test, as metafor's ``ranktest``.

    ``tau`` is Kendall's tau-b between the standardised effects and the sampling
    variances, ``pval`` its two-sided p-value: exact when ``exact`` is true,
    else from the normal approximation (with the variance corrected for
    ``ties``).
    """

    tau: float
    pval: float
    k: int
    exact: bool
    ties: bool
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row with Kendall's tau and its p-value."""
        import pandas as pd

        return pd.DataFrame(
            {
                "tau": [self.tau],
                "pval": [self.pval],
                "k": [self.k],
                "exact": [self.exact],
            }
        )

    def __str__(self) -> str:
        from ._format_bias import format_ranktest

        return format_ranktest(self)

    def _repr_html_(self) -> str:
        from ._format_bias import html_pre

        return html_pre(str(self))

    def __repr__(self) -> str:
        return f"<RanktestResult k={self.k} tau={self.tau:.4g} p={self.pval:.4g}>"


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class TrimfillResult:
    """A trim-and-fill analysis, as metafor's ``trimfill``.

    ``model`` is the model refitted to the observed and the filled studies (in
    that order; ``fill`` marks the filled ones, labelled ``"Filled 1"``, ...);
    ``k0`` is the estimated number of missing studies on ``side``, ``se_k0`` its
    standard error and ``p_k0`` (``estimator="R0"`` only, else NaN) the p-value of
    the test that none are missing. The model's estimate, interval and studies
    are also reachable here (``beta``, ``ci_lb``, ``yi``, ..., ``predict()``).
    """

    model: RMAResult
    k0: int
    side: str
    se_k0: float
    p_k0: float
    estimator: str
    fill: NDArray[np.bool_]
    converged: bool
    iterations: int
    notes: tuple[str, ...] = ()

    @property
    def k(self) -> int:
        """Number of studies of the filled model (observed plus filled)."""
        return self.model.k

    @property
    def beta(self) -> FloatArray:
        """Estimate of the filled model."""
        return self.model.beta

    @property
    def se(self) -> FloatArray:
        """Standard error of the filled model's estimate."""
        return self.model.se

    @property
    def zval(self) -> FloatArray:
        """Test statistic of the filled model's estimate."""
        return self.model.zval

    @property
    def pval(self) -> FloatArray:
        """P-value of the filled model's estimate."""
        return self.model.pval

    @property
    def ci_lb(self) -> FloatArray:
        """Lower confidence limit of the filled model's estimate."""
        return self.model.ci_lb

    @property
    def ci_ub(self) -> FloatArray:
        """Upper confidence limit of the filled model's estimate."""
        return self.model.ci_ub

    @property
    def tau2(self) -> float:
        """τ² of the filled model."""
        return self.model.tau2

    @property
    def yi(self) -> FloatArray:
        """Observed then filled effects."""
        return self.model.yi

    @property
    def vi(self) -> FloatArray:
        """Sampling variances of the observed then filled effects."""
        return self.model.vi

    @property
    def slab(self) -> tuple[str, ...]:
        """Study labels, ``"Filled 1"``, ... for the filled studies."""
        return self.model.slab

    def predict(self, *, transf: Transform | None = None) -> Prediction:
        """Estimate and intervals of the filled model (``RMAResult.predict``)."""
        return self.model.predict(transf=transf)

    def to_frame(self) -> pd.DataFrame:
        """One row per study: label, effect, variance and whether it was filled."""
        import pandas as pd

        return pd.DataFrame(
            {"slab": list(self.slab), "yi": self.yi, "vi": self.vi, "fill": self.fill}
        )

    def __str__(self) -> str:
        from ._format_bias import format_trimfill

        return format_trimfill(self)

    def _repr_html_(self) -> str:
        from ._format_bias import html_pre

        return html_pre(str(self))

    def __repr__(self) -> str:
        return (
            f"<TrimfillResult {self.estimator} k0={self.k0} side={self.side!r} "
            f"estimate={self.beta[0]:.4g}>"
        )


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class FsnResult:
    """A fail-safe N, as metafor's ``fsn``.

    ``fsnum`` is the number of studies averaging null results that would bring
    the combined p-value to ``alpha`` (Rosenthal, Rosenberg) or the average
    effect to ``target`` (Orwin). ``pval`` is the observed p-value (NaN for
    Orwin), ``meanes`` the average effect (NaN for Rosenthal), ``target`` Orwin's
    target (NaN otherwise).
    """

    type: str
    fsnum: int
    alpha: float
    pval: float
    meanes: float
    target: float
    k: int
    weighted: bool = False
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row with the fail-safe N and what it was computed from."""
        import pandas as pd

        return pd.DataFrame(
            {
                "type": [self.type],
                "fsnum": [self.fsnum],
                "alpha": [self.alpha],
                "pval": [self.pval],
                "meanes": [self.meanes],
                "target": [self.target],
                "k": [self.k],
            }
        )

    def __str__(self) -> str:
        from ._format_bias import format_fsn

        return format_fsn(self)

    def _repr_html_(self) -> str:
        from ._format_bias import html_pre

        return html_pre(str(self))

    def __repr__(self) -> str:
        return f"<FsnResult {self.type} fsnum={self.fsnum} k={self.k}>"
