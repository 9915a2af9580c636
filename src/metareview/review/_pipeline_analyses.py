"""The pipeline's analyses: every outcome × timepoint of the protocol with data.

Each analysis pools the comparisons of :func:`~metareview.review.extraction.arm_data`
with the protocol's measure, τ² estimator, test and level (:func:`~metareview.rma`),
overall and by each of the protocol's subgroup variables (``intervention``, the
intervention category, or a study characteristic; :func:`~metareview.subgroup`);
runs the sensitivity analyses the protocol lists (leave-one-out, excluding
studies at high risk of bias, a fixed-effect model, excluding converted data);
and tests small-study effects only with at least ten studies (Cochrane Handbook
13.3.5.4; Sterne et al. 2011), saying why not otherwise.

References
----------
.. [1] Sterne JAC, Sutton AJ, Ioannidis JPA, et al. Recommendations for
   examining and interpreting funnel plot asymmetry in meta-analyses of
   randomised controlled trials. BMJ 2011;343:d4002. doi:10.1136/bmj.d4002

"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..stats._format import RATIO_MEASURES
from ..stats.bias import ranktest, regtest, trimfill
from ..stats.results import Prediction, RMAResult
from ..stats.rma import rma
from ..stats.sensitivity import exclude, leave1out
from ..stats.subgroup import SubgroupResult, subgroup
from .extraction import effect_sizes
from .protocol import Outcome, Protocol

if TYPE_CHECKING:
    from ._pipeline_intake import Intake

#: Fewest studies for tests of small-study effects (Cochrane Handbook 13.3.5.4).
MIN_SMALL_STUDY = 10


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Sensitivity:
    """One sensitivity analysis: what was changed, and the refitted model."""

    name: str
    description: str
    res: RMAResult | None
    note: str


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class OutcomeAnalysis:
    """The analyses of one outcome at one timepoint.

    Attributes
    ----------
    outcome : Outcome
        The protocol's outcome.
    timepoint : str
        One of its timepoints.
    measure : str
        The effect measure (metafor's code).
    data : pandas.DataFrame
        The rows pooled: arm data (or a reported effect), the conversions
        applied, ``yi``, ``vi`` and ``slab`` (the label in the model).
    res : RMAResult
        The model of every comparison.
    pred : Prediction
        Pooled effect, CI and prediction interval, on the reported scale.
    subgroups : tuple of (str, SubgroupResult)
        By each subgroup variable with at least two levels.
    sensitivity : tuple of Sensitivity
        In the protocol's order.
    loo : pandas.DataFrame or None
        Leave-one-out results (reported scale), when the protocol asks.
    regtest, ranktest, trimfill : result or None
        Small-study effects, with at least :data:`MIN_SMALL_STUDY` studies.
    small_study_note : str
        Why they were not run, or an empty string.

    """

    outcome: Outcome
    timepoint: str
    measure: str
    data: pd.DataFrame
    res: RMAResult
    pred: Prediction
    subgroups: tuple[tuple[str, SubgroupResult], ...]
    sensitivity: tuple[Sensitivity, ...]
    loo: pd.DataFrame | None
    regtest: Any
    ranktest: Any
    trimfill: Any
    small_study_note: str

    @property
    def key(self) -> str:
        """A file-name-safe key: ``outcome_timepoint``."""
        return slug(f"{self.outcome.id}_{self.timepoint}")

    @property
    def k(self) -> int:
        """Number of comparisons pooled."""
        return int(self.res.k)

    @property
    def studies(self) -> int:
        """Number of studies (a split multi-arm trial counts once)."""
        return int(self.data["record_id"].nunique())

    @property
    def participants(self) -> int | None:
        """Participants analysed (n1i + n2i), or None when a row lacks them."""
        cols = [c for c in ("n1i", "n2i") if c in self.data.columns]
        if len(cols) < 2:
            return None
        n = self.data[cols].apply(pd.to_numeric, errors="coerce")
        if n.isna().to_numpy().any():
            return None
        return int(n.to_numpy().sum())

    @property
    def ratio(self) -> bool:
        """Whether the measure is a ratio (pooled on the log scale)."""
        return self.measure in RATIO_MEASURES


def slug(text: str) -> str:
    """Lower-case letters, digits and ``_`` only."""
    out = "".join(c if c.isalnum() else "_" for c in text.lower())
    return "_".join(p for p in out.split("_") if p)


def _transf(measure: str) -> Any:
    return np.exp if measure in RATIO_MEASURES else None


def analyse_all(
    protocol: Protocol, intake: Intake
) -> tuple[list[OutcomeAnalysis], list[tuple[str, str, str]]]:
    """Analyse every outcome × timepoint with data; list those without."""
    out, skipped = [], []
    for o in protocol.outcomes:
        for tp in o.timepoints:
            data = intake.arm_data.get((o.id, tp))
            if data is None or data.empty:
                skipped.append((o.id, tp, "no study reported it"))
                continue
            out.append(analyse(protocol, intake, o, tp, data))
    return out, skipped


def _labelled(data: pd.DataFrame) -> pd.DataFrame:
    """Effect sizes with a unique ``slab`` (a split trial's arms get the arm)."""
    es = effect_sizes(data)
    repeated = es["study"].duplicated(keep=False)
    es.loc[repeated, "slab"] = [
        f"{s} ({a})"
        for s, a in zip(es.loc[repeated, "study"], es.loc[repeated, "arm"], strict=True)
    ]
    es = es.reset_index(drop=True)
    es.attrs["measure"] = str(es["measure"].iloc[0])  # for rma, subgroup and forest
    return es


def analyse(
    protocol: Protocol, intake: Intake, outcome: Outcome, tp: str, data: pd.DataFrame
) -> OutcomeAnalysis:
    """Run the protocol's analyses of one outcome at one timepoint."""
    a = protocol.analysis
    es = _labelled(data)
    measure = es.attrs["measure"]
    res = rma(es, method=a.method, test=a.test, level=a.level)
    pred = res.predict(transf=_transf(measure))
    groups = []
    for by in a.subgroups:
        labels = _subgroup_labels(protocol, intake, es, by)
        if labels is not None and len(set(labels)) >= 2 and res.k >= 2:
            sg = subgroup(
                es.assign(**{subgroup_name(by): labels}),
                subgroup_name(by),
                method=a.method,
                test=a.test,
                level=a.level,
            )
            groups.append((by, sg))
    sens = tuple(_sensitivity(name, res, es, intake) for name in a.sensitivity)
    loo = None
    if any(_kind(s) == "loo" for s in a.sensitivity) and res.k >= 3:
        loo = leave1out(res, transf=_transf(measure))
    reg = rank = tf = None
    note = ""
    k = int(res.k)
    if k >= MIN_SMALL_STUDY:
        reg, rank, tf = regtest(res), ranktest(res), trimfill(res)
    else:
        note = (
            f"Small-study effects were not tested: {k} "
            f"{'study' if k == 1 else 'studies'}, fewer than the "
            f"{MIN_SMALL_STUDY} needed for a funnel plot or a test of its "
            "asymmetry to be informative (Cochrane Handbook 13.3.5.4)."
        )
    return OutcomeAnalysis(
        outcome=outcome,
        timepoint=tp,
        measure=measure,
        data=es,
        res=res,
        pred=pred,
        subgroups=tuple(groups),
        sensitivity=sens,
        loo=loo,
        regtest=reg,
        ranktest=rank,
        trimfill=tf,
        small_study_note=note,
    )


def subgroup_name(by: str) -> str:
    """Name the subgroup variable as the reports and notes show it."""
    return "intervention category" if by in _INTERVENTION else by


def intervention_labels(protocol: Protocol, codes: Iterable[object]) -> list[str]:
    """Name each row's intervention: its category ids (``a+b``) → ``A + B``."""
    names = {c.id: c.name for c in protocol.interventions}
    return [" + ".join(names.get(p, p) for p in str(v).split("+")) for v in codes]


_INTERVENTION = ("intervention", "intervention_category")


def _subgroup_labels(
    protocol: Protocol, intake: Intake, es: pd.DataFrame, by: str
) -> list[str] | None:
    """Return the level of each row for subgroup variable ``by``, as named."""
    if by in _INTERVENTION:
        return intervention_labels(protocol, es["intervention"])
    chars = {c.id: c.label for c in protocol.extraction.characteristics}
    label = chars.get(by)
    if label is None or label not in intake.studies.columns:
        return None
    values = intake.studies.set_index("record_id")[label]
    return [str(values.get(int(r), "")) or "not reported" for r in es["record_id"]]


def _kind(name: str) -> str:
    low = name.lower()
    if "leave" in low or "one-out" in low or "1out" in low:
        return "loo"
    if "risk of bias" in low or "high risk" in low or "rob" in low.split():
        return "rob"
    if "fixed" in low or "common" in low or "equal" in low:
        return "fixed"
    if "convert" in low or "imput" in low:
        return "converted"
    return "unknown"


def _sensitivity(
    name: str, res: RMAResult, es: pd.DataFrame, intake: Intake
) -> Sensitivity:
    kind = _kind(name)
    if kind == "loo":
        return Sensitivity(
            name=name,
            description="each study left out in turn",
            res=None,
            note="" if res.k >= 3 else "not run: fewer than three studies",
        )
    if kind == "fixed":
        fe = rma(es, method="FE", test="z", level=res.level)
        return Sensitivity(
            name=name,
            description="fixed-effect (inverse-variance) model, not random effects",
            res=fe,
            note="",
        )
    if kind == "rob":
        return _without(
            name,
            res,
            es,
            _high_risk(intake, es),
            "high risk of bias",
            "no study at high risk of bias",
        )
    if kind == "converted":
        mask = es["converted"].fillna(False).astype(bool)
        return _without(
            name,
            res,
            es,
            mask.to_numpy(),
            "converted data",
            "no study needed a conversion",
        )
    return Sensitivity(
        name=name,
        description=name,
        res=None,
        note="not run: metareview does not know this analysis",
    )


def _high_risk(intake: Intake, es: pd.DataFrame) -> np.ndarray:
    if intake.rob is None:
        return np.zeros(len(es), dtype=bool)
    high = intake.rob[intake.rob["overall"].astype(str).str.lower() == "high"]
    ids = {int(r) for r in high["record_id"]}
    return np.array([int(r) in ids for r in es["record_id"]], dtype=bool)


def _without(
    name: str,
    res: RMAResult,
    es: pd.DataFrame,
    mask: np.ndarray,
    why: str,
    none: str,
) -> Sensitivity:
    desc = (
        f"excluding studies with {why}"
        if "data" in why
        else f"excluding studies at {why}"
    )
    if not mask.any():
        return Sensitivity(
            name=name, description=desc, res=None, note=f"not needed: {none}"
        )
    if mask.all():
        return Sensitivity(
            name=name,
            description=desc,
            res=None,
            note="not possible: every study would be excluded",
        )
    return Sensitivity(
        name=name, description=desc, res=exclude(res, mask, reason=why), note=""
    )
