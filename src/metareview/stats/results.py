"""Result objects of the pooled models. Formatting lives in ``_format.py``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .._validate import choice, fraction

if TYPE_CHECKING:
    import pandas as pd

    from .design import DesignSpec
    from .tau2 import Options

FloatArray = NDArray[np.float64]
Transform = Callable[[FloatArray], FloatArray]

PI_TYPES = ("default", "higgins")


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class FitStats:
    """Log-likelihood and information criteria, as metafor's ``fitstats``."""

    ll: float
    deviance: float
    AIC: float
    BIC: float
    AICc: float


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Prediction:
    """Predicted (pooled) effect with its confidence and prediction intervals.

    Fields follow metafor's ``predict.rma``; with ``transf`` every field is on
    the transformed scale and ``se`` (which has no meaning there) is NaN.
    """

    pred: FloatArray
    se: FloatArray
    ci_lb: FloatArray
    ci_ub: FloatArray
    pi_lb: FloatArray
    pi_ub: FloatArray
    level: float
    pi_type: str

    @classmethod
    def build(
        cls,
        pred: FloatArray,
        se: FloatArray,
        ci: tuple[FloatArray, FloatArray],
        pi: tuple[FloatArray, FloatArray],
        *,
        level: float,
        pi_type: str,
        transf: Transform | None,
    ) -> Prediction:
        """Assemble a prediction, applying ``transf`` to the estimate and limits."""
        fields = [pred, ci[0], ci[1], pi[0], pi[1]]
        if transf is not None:
            fields = [np.asarray(transf(a), dtype=np.float64) for a in fields]
            se = np.full_like(se, np.nan)
        return cls(
            pred=fields[0],
            se=se,
            ci_lb=fields[1],
            ci_ub=fields[2],
            pi_lb=fields[3],
            pi_ub=fields[4],
            level=level,
            pi_type=pi_type,
        )

    def to_frame(self) -> pd.DataFrame:
        """Return the prediction as a DataFrame, one row per prediction."""
        import pandas as pd

        return pd.DataFrame(
            {
                "pred": self.pred,
                "se": self.se,
                "ci_lb": self.ci_lb,
                "ci_ub": self.ci_ub,
                "pi_lb": self.pi_lb,
                "pi_ub": self.pi_ub,
            }
        )

    def __str__(self) -> str:
        frame = self.to_frame().dropna(axis=1, how="all")
        return frame.to_string(index=False, float_format=lambda x: f"{x:.4f}")


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class RMAResult:
    """A fitted fixed- or random-effects model. Fields follow metafor's ``rma.uni``.

    Coefficient fields (``beta`` ... ``ci_ub``) have one entry per coefficient
    (``p``, named in ``coef_names``); for a model without moderators that is the
    pooled effect. With ``test="t"`` or ``"knha"``, ``zval`` holds the t
    statistic and ``dfs`` its degrees of freedom. ``QM`` is the omnibus test of
    the coefficients but the intercept (all without one): chi-square on
    ``QMdf = (p - 1, nan)`` df with ``test="z"``, ``F`` on ``QMdf = (p - 1, k -
    p)`` df otherwise (metafor's ``QMdf``). ``R2`` is the pseudo-R² (percent) of a
    model with moderators and an intercept, NaN otherwise. ``X`` is the model
    matrix and ``design`` how it was built from the moderators (None without).
    """

    beta: FloatArray
    se: FloatArray
    zval: FloatArray
    pval: FloatArray
    ci_lb: FloatArray
    ci_ub: FloatArray
    vb: FloatArray
    tau2: float
    se_tau2: float
    k: int
    p: int
    QE: float
    QEp: float
    QM: float
    QMdf: tuple[float, float]
    QMp: float
    R2: float = float("nan")
    I2: float
    H2: float
    vt: float
    s2w: float
    dfs: float | None
    method: str
    test: str
    level: float
    converged: bool
    iterations: int
    tau2_fix: bool
    weights: FloatArray
    yi: FloatArray
    vi: FloatArray
    X: FloatArray
    slab: tuple[str, ...]
    coef_names: tuple[str, ...]
    intercept: bool = True
    design: DesignSpec | None = None
    measure: str
    ll_ml: float
    ll_reml: float
    user_weights: FloatArray | None
    control: Options
    notes: tuple[str, ...] = ()

    @property
    def tau(self) -> float:
        """Estimated between-study standard deviation ``sqrt(tau2)``."""
        return float(np.sqrt(self.tau2))

    @property
    def int_only(self) -> bool:
        """Whether the model has an intercept and nothing else (no moderators)."""
        return self.p == 1 and self.intercept

    @property
    def btt(self) -> tuple[int, ...]:
        """Coefficients that ``QM`` tests (0-based): all but the intercept."""
        first = 1 if self.intercept and self.p > 1 else 0
        return tuple(range(first, self.p))

    @property
    def fit_stats(self) -> FitStats:
        """Log-likelihood, deviance, AIC, BIC and AICc (ML or REML as fitted)."""
        from .inference import fit_stats

        return fit_stats(self)

    def predict(
        self,
        newmods: Any = None,
        *,
        level: float | None = None,
        pi: str = "default",
        transf: Transform | None = None,
    ) -> Prediction:
        """Pooled effect with confidence and prediction intervals.

        For a model with moderators: the predicted effect ``x'β̂`` at the
        moderator values ``newmods`` (or, without them, the fitted value of each
        study), with ``se = sqrt(x' V x)``, the confidence interval and the
        prediction interval ``x'β̂ ± c·sqrt(se² + τ²)`` with the residual τ².

        Parameters
        ----------
        newmods : array-like, dict or DataFrame, optional
            Moderator values to predict at (models with moderators only). An
            array gives values of the model's columns but the intercept, one row
            per prediction (with one moderator, each value is a prediction); a
            dict or DataFrame gives values of the original moderator variables,
            which go through the model's coding and formula
            (``{"ablat": [10, 50], "alloc": ["random", "random"]}``).
        level : float, optional
            Coverage of the intervals; the model's ``level`` by default.
        pi : {"default", "higgins"}
            ``"default"`` gives metafor's interval ``β̂ ± c·sqrt(se² + τ²)`` with
            ``c`` the normal quantile (test ``"z"``) or the t quantile with
            ``k - p`` df (``"t"``, ``"knha"``). ``"higgins"`` uses the t
            quantile with ``k - 2`` df (Higgins et al. 2009, eq. 12; Cochrane
            Handbook 10.10.4.3). An equal- or fixed-effects model has no τ², and
            its prediction interval is its confidence interval.
        transf : callable, optional
            Applied to the prediction and the limits, e.g. ``numpy.exp`` for
            ratio measures.

        """
        from .inference import predict, predict_mods

        lvl = self.level if level is None else fraction("level", level)
        pi = choice("pi", pi, PI_TYPES)
        if self.int_only and newmods is None:
            return predict(self, lvl, pi, transf)
        return predict_mods(self, newmods, lvl, pi, transf)

    def confint(self, *, level: float | None = None) -> pd.DataFrame:
        """Q-profile confidence intervals for τ², τ, I² and H² (Viechtbauer 2007).

        Returns a DataFrame indexed ``tau2 tau I2 H2`` with columns
        ``estimate ci_lb ci_ub``.
        """
        from .inference import confint

        lvl = self.level if level is None else fraction("level", level)
        return confint(self, lvl)

    def to_frame(self) -> pd.DataFrame:
        """One row per coefficient with the model-level fields alongside.

        ``QMdf`` is split into ``QMdf1`` and ``QMdf2`` (NaN for the chi-square
        test), as in :func:`rma_batch`.
        """
        import pandas as pd

        rows: dict[str, Any] = {
            "term": list(self.coef_names),
            "estimate": self.beta,
            "se": self.se,
            "zval": self.zval,
            "pval": self.pval,
            "ci_lb": self.ci_lb,
            "ci_ub": self.ci_ub,
        }
        for name in ("k", "tau2", "se_tau2", "I2", "H2", "R2", "QE", "QEp", "QM"):
            rows[name] = getattr(self, name)
        rows["QMdf1"], rows["QMdf2"] = self.QMdf
        rows["QMp"] = self.QMp
        rows.update(method=self.method, test=self.test, level=self.level)
        rows["converged"] = self.converged
        return pd.DataFrame(rows)

    def summary(self) -> str:
        """Return the metafor-style text block with fit statistics."""
        from ._format import format_rma

        return format_rma(self, fit_stats=True)

    def __str__(self) -> str:
        from ._format import format_rma

        return format_rma(self)

    def __repr__(self) -> str:
        if not self.int_only:
            return (
                f"<RMAResult method={self.method!r} k={self.k} "
                f"coefficients={', '.join(self.coef_names)} tau2={self.tau2:.4g}>"
            )
        return (
            f"<RMAResult method={self.method!r} k={self.k} "
            f"estimate={self.beta[0]:.4g} tau2={self.tau2:.4g}>"
        )

    def _repr_html_(self) -> str:
        from ._format import html_rma

        return html_rma(self)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class MHResult:
    """A Mantel-Haenszel or Peto meta-analysis. Fields follow metafor's ``rma.mh``.

    ``beta`` ... ``ci_ub`` hold the pooled effect (log scale for OR, RR, IRR and
    PETO). ``weights`` (percent), ``yi``, ``vi`` and ``slab`` have one entry per
    study with complete counts (``k_all``); ``k`` counts the tables in the pooled
    estimate (a second ``drop00`` leaves double-zero tables out of it: their
    weight is 0). ``yi``/``vi`` are NaN where a study's own effect is not
    estimable (e.g. a double-zero study with ``drop00``). ``QE`` is Cochran's Q of
    those effects around the pooled Mantel-Haenszel (or Peto) estimate with
    inverse-variance weights, on ``k_yi - 1`` degrees of freedom. ``MH`` is the
    Cochran-Mantel-Haenszel test (``measure="OR"``) or the Mantel-Haenszel test
    for person-time data (``"IRR"``), NaN otherwise; ``TA`` is Tarone's test for
    heterogeneity of odds ratios (``"OR"`` only). With ``method="DL"`` the pooled
    effect is the DerSimonian-Laird random-effects estimate with ``tau2``
    computed from ``QE`` (RevMan 5's "M-H, Random").
    """

    beta: FloatArray
    se: FloatArray
    zval: FloatArray
    pval: FloatArray
    ci_lb: FloatArray
    ci_ub: FloatArray
    vb: FloatArray
    tau2: float
    k: int
    k_pos: int | None
    QE: float
    QEp: float
    I2: float
    H2: float
    MH: float
    MHp: float
    TA: float
    TAp: float
    weights: FloatArray
    yi: FloatArray
    vi: FloatArray
    slab: tuple[str, ...]
    measure: str
    method: str
    level: float
    correct: bool
    add: tuple[float, float]
    to: tuple[str, str]
    drop00: tuple[bool, bool]
    notes: tuple[str, ...] = ()

    @property
    def k_yi(self) -> int:
        """Number of studies with an estimable effect ``yi`` (Q has ``k_yi - 1`` df)."""
        return int(np.isfinite(self.yi).sum())

    @property
    def k_all(self) -> int:
        """Number of studies with complete counts (the length of ``yi``, ``slab``)."""
        return len(self.slab)

    @property
    def tau(self) -> float:
        """Between-study standard deviation ``sqrt(tau2)`` (0 for ``method="FE"``)."""
        return float(np.sqrt(self.tau2))

    @property
    def p(self) -> int:
        """Number of coefficients (always 1: the pooled effect)."""
        return 1

    def predict(self, *, transf: Transform | None = None) -> Prediction:
        """Pooled effect with its confidence interval, as metafor's ``predict``.

        The prediction interval is ``β̂ ± z·sqrt(se² + τ²)``; for the fixed-effect
        Mantel-Haenszel and Peto models (τ² = 0) it equals the confidence interval.
        ``transf`` (e.g. ``numpy.exp``) is applied to the estimate and the limits;
        ``se`` is then NaN.
        """
        from .inference import crit

        pred = self.beta.copy()
        se = self.se.copy()
        c = crit(self.level, None)
        spi = np.sqrt(se**2 + self.tau2)
        return Prediction.build(
            pred,
            se,
            (self.ci_lb.copy(), self.ci_ub.copy()),
            (pred - c * spi, pred + c * spi),
            level=self.level,
            pi_type="default",
            transf=transf,
        )

    def to_frame(self) -> pd.DataFrame:
        """One row with the pooled effect and the model-level statistics."""
        import pandas as pd

        rows: dict[str, Any] = {
            "term": ["intrcpt"],
            "estimate": self.beta,
            "se": self.se,
            "zval": self.zval,
            "pval": self.pval,
            "ci_lb": self.ci_lb,
            "ci_ub": self.ci_ub,
        }
        for name in ("k", "tau2", "I2", "H2", "QE", "QEp", "MH", "MHp", "TA", "TAp"):
            rows[name] = getattr(self, name)
        rows.update(measure=self.measure, method=self.method, level=self.level)
        return pd.DataFrame(rows)

    def __str__(self) -> str:
        from ._format import format_mh

        return format_mh(self)

    def __repr__(self) -> str:
        return (
            f"<MHResult measure={self.measure!r} method={self.method!r} k={self.k} "
            f"estimate={self.beta[0]:.4g}>"
        )

    def _repr_html_(self) -> str:
        from ._format import html_mh

        return html_mh(self)
