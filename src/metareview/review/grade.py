"""GRADE certainty of the evidence and the Summary of Findings table.

:func:`assess_certainty` suggests a rating per GRADE domain from a fitted model
(:func:`metareview.rma`), with the reason and its numbers. A reviewer confirms
or overrides each suggestion with :func:`record_grade` (an override needs a
justification); the decisions are append-only rows of ``grade_judgements`` in
``review.db``, the latest per outcome, timepoint, comparison and domain winning
(:func:`grade_judgements`), and :func:`apply_judgements` puts them in place of
the suggestions. :func:`summary_of_findings` lays out the table, with absolute
effects per 1,000 (:func:`absolute_effect`) and plain-language statements.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._validate import InputError, InputTypeError, fraction, positive_float
from . import _grade_rules as rules
from ._grade_sof import (
    AbsoluteEffect,
    SofInput,
    absolute_effect,
    round_half_up,
    sof_row,
    statement,
)
from ._grade_store import apply_judgements, grade_judgements, record_grade
from ._grade_types import (
    DOMAIN_LABELS,
    DOMAINS,
    DOWNGRADES,
    LEVELS,
    SYMBOLS,
    UPGRADES,
    Certainty,
    DomainRating,
)

if TYPE_CHECKING:
    from ..stats.results import RMAResult

__all__ = [
    "DOMAINS",
    "DOMAIN_LABELS",
    "DOWNGRADES",
    "LEVELS",
    "SYMBOLS",
    "UPGRADES",
    "AbsoluteEffect",
    "Certainty",
    "DomainRating",
    "SofInput",
    "absolute_effect",
    "apply_judgements",
    "assess_certainty",
    "grade_judgements",
    "optimal_information_size",
    "record_grade",
    "round_half_up",
    "statement",
    "summary_of_findings",
]

optimal_information_size = rules.optimal_information_size


def _judgement(name: str, value: object, allowed: tuple[int, ...]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
        raise InputError(
            f"{name} must be one of {', '.join(map(str, allowed))}; got {value!r}"
        )
    return int(value)


def _optional(name: str, value: object, check: Any) -> Any:
    return None if value is None else check(name, value)


def assess_certainty(
    res: RMAResult,
    *,
    outcome_id: str = "",
    timepoint: str = "",
    comparison: str = "",
    randomised: bool = True,
    rob: Mapping[str, str] | None = None,
    subgroup: Any = None,
    mid: float | None = None,
    control_risk: float | None = None,
    n: int | None = None,
    sd: float | None = None,
    regtest: Any = None,
    indirectness: int = 0,
    dose_response: int = 0,
    plausible_confounding: int = 0,
) -> Certainty:
    r"""Suggest the GRADE certainty of a pooled effect, domain by domain.

    Parameters
    ----------
    res : RMAResult
        The model of the outcome, without moderators (:func:`metareview.rma`).
    outcome_id, timepoint, comparison : str
        What is rated (the protocol's outcome id and timepoint).
    randomised : bool, default True
        Randomised trials start high, observational studies low (and can be
        rated up).
    rob : mapping of str to str, optional
        Overall risk of bias per study label of ``res.slab``: ``"low"``,
        ``"some concerns"`` (or ``"unclear"``, ``"moderate"``) or ``"high"`` (or
        ``"serious"``, ``"critical"``), e.g. from
        :func:`~metareview.review.rob.appraisals`. Studies missing from it are
        named in the reason and their weight counts as no concern; without it
        the domain is not assessed.
    subgroup : SubgroupResult, optional
        A subgroup analysis that may explain the heterogeneity.
    mid : float, optional
        The minimal important difference: on the measure's scale (MD, SMD),
        or as a relative change for ratios (0.25: RR 0.75 and 1.25) and for RD
        (then times ``control_risk``).
    control_risk : float, optional
        The assumed control risk (a proportion) of a binary outcome.
    n : int, optional
        The total number of participants analysed, for the OIS.
    sd : float, optional
        A typical SD of the outcome, for the OIS of an MD.
    regtest : RegtestResult, optional
        Egger's test; computed from ``res`` when needed and not given.
    indirectness, dose_response, plausible_confounding : int
        The reviewer's judgements: 0, -1, -2 for indirectness; 0, 1, 2 for the
        others (observational studies only).

    Returns
    -------
    Certainty
        Every domain with ``suggested=True``.

    Notes
    -----
    The rules, each stated with its numbers in the domain's ``reason``:

    - **Risk of bias** (GRADE guidelines 4): the share of the analysis weight
      (``res.weights``) from studies at high risk (:math:`h`) and with some
      concerns (:math:`s`). :math:`h \ge 0.75` → −2; otherwise
      :math:`h + s \ge 0.5` → −1 (most of the information from studies with
      limitations); else 0.
    - **Inconsistency** (GRADE guidelines 7; I² bands of the Cochrane Handbook
      10.10.2): I² < 50% → 0; 50% ≤ I² < 75% → −1; I² ≥ 75% → −1, or −2 when
      the prediction interval crosses the null while the CI does not. The
      reason also gives Cochran's Q p and whether any two studies' CIs fail to
      overlap. If a subgroup test finds differences (:math:`p_{Q_b} < 0.05`),
      the heterogeneity is explained (→ 0) when the residual Q has
      :math:`p \ge 0.10`, and partly explained (one level less) otherwise.
      One study: not applicable.
    - **Indirectness** (GRADE guidelines 8): the reviewer's judgement.
    - **Imprecision** (GRADE guidelines 6; Core GRADE 2, Guyatt et al. 2025;
      GRADE guidance 34): with an MID, the CI crossing one of the MIDs for
      benefit and harm → −1, both → −2; without an MID the null is the
      threshold: the CI including no effect → −1. When no threshold is crossed
      the optimal information size (OIS) decides: ``n`` below it → −1. The OIS
      is the total size of one trial with two-sided α = 0.05 and power 0.8:
      for a binary outcome
      :math:`2 (z_{0.975} + z_{0.8})^2 [p_0(1-p_0) + p_1(1-p_1)] / (p_0-p_1)^2`
      with :math:`p_1 = p_0 (1 - \mathrm{RRR})`, RRR = ``mid`` or 0.25; for a
      continuous one :math:`2 \cdot 2 (z_{0.975} + z_{0.8})^2 \sigma^2 /
      \delta^2` with :math:`\delta` = ``mid`` and :math:`\sigma` = ``sd`` (MD),
      or :math:`\sigma = 1` and :math:`\delta` = ``mid`` or 0.2 (SMD); each
      arm's size rounded up.
    - **Publication bias** (GRADE guidelines 5): only with k ≥ 10 studies
      (Cochrane Handbook 13.3.5.4): Egger's test p < 0.10 → −1; with fewer
      studies "not assessed (k < 10)" and 0.
    - **Large effect** (GRADE guidelines 9; observational studies with no
      domain rated down): a ratio whose CI excludes 1 with the estimate beyond
      2 (or 0.5) → +1, beyond 5 (or 0.2) → +2. Dose-response and plausible
      confounding are the reviewer's.

    The level is high (4) or low (2) plus the ratings, kept between very low
    (1) and high (4).

    References
    ----------
    Schünemann H, Brożek J, Guyatt G, Oxman A (eds.). GRADE handbook, 2013.
    Guyatt GH, et al. GRADE guidelines: 4. Rating the quality of evidence—study
    limitations (risk of bias). J Clin Epidemiol 2011;64:407-415.
    doi:10.1016/j.jclinepi.2010.07.017.
    Guyatt GH, et al. GRADE guidelines: 5. Rating the quality of
    evidence—publication bias. J Clin Epidemiol 2011;64:1277-1282.
    doi:10.1016/j.jclinepi.2011.01.011.
    Guyatt GH, et al. GRADE guidelines 6. Rating the quality of
    evidence—imprecision. J Clin Epidemiol 2011;64:1283-1293.
    doi:10.1016/j.jclinepi.2011.01.012.
    Guyatt GH, et al. GRADE guidelines: 7. Rating the quality of
    evidence—inconsistency. J Clin Epidemiol 2011;64:1294-1302.
    doi:10.1016/j.jclinepi.2011.03.017.
    Guyatt GH, et al. GRADE guidelines: 8. Rating the quality of
    evidence—indirectness. J Clin Epidemiol 2011;64:1303-1310.
    doi:10.1016/j.jclinepi.2011.04.014.
    Guyatt GH, et al. GRADE guidelines: 9. Rating up the quality of evidence.
    J Clin Epidemiol 2011;64:1311-1316. doi:10.1016/j.jclinepi.2011.06.004.
    Zeng L, et al. GRADE Guidance 34: update on rating imprecision using a
    minimally contextualized approach. J Clin Epidemiol 2022;150:216-224.
    doi:10.1016/j.jclinepi.2022.07.014.
    Guyatt G, et al. Core GRADE 2: choosing the target of certainty rating and
    assessing imprecision. BMJ 2025;389:e081904. doi:10.1136/bmj-2024-081904.

    Examples
    --------
    >>> import metareview as mr
    >>> d = mr.datasets.load("bcg")
    >>> es = mr.escalc("RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=d,
    ...                slab="study")
    >>> c = assess_certainty(mr.rma(es), outcome_id="tb")
    >>> c.domain("inconsistency").rating, c.level
    (-2, 'low')

    """
    if not hasattr(res, "beta") or not hasattr(res, "weights"):
        raise InputTypeError(f"res must be an RMAResult; got {type(res).__name__}")
    if not res.int_only:
        raise InputError("res must be a model without moderators (one pooled effect)")
    control_risk = _optional("control_risk", control_risk, fraction)
    mid = _optional("mid", mid, positive_float)
    sd = _optional("sd", sd, positive_float)
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise InputError(f"n must be a positive integer; got {n!r}")
    ratings: dict[str, tuple[int, str]] = {
        "risk_of_bias": rules.risk_of_bias(res, rob),
        "inconsistency": rules.inconsistency(res, subgroup),
        "indirectness": (
            _judgement("indirectness", indirectness, (0, -1, -2)),
            "The reviewer's judgement (population, intervention, comparator, outcome).",
        ),
        "imprecision": rules.imprecision(
            res, mid=mid, control_risk=control_risk, n=n, sd=sd
        ),
        "publication_bias": rules.publication_bias(res, regtest),
    }
    if not randomised:
        if all(r == 0 for r, _ in ratings.values()):
            ratings["large_effect"] = rules.large_effect(res)
        else:
            ratings["large_effect"] = (0, "Not assessed: a domain is rated down.")
        for name, value in (
            ("dose_response", dose_response),
            ("plausible_confounding", plausible_confounding),
        ):
            ratings[name] = (
                _judgement(name, value, (0, 1, 2)),
                "The reviewer's judgement.",
            )
    return Certainty(
        outcome_id=outcome_id,
        timepoint=timepoint,
        comparison=comparison,
        start="high" if randomised else "low",
        domains=tuple(
            DomainRating(domain=k, rating=r, suggested=True, reason=why)
            for k, (r, why) in ratings.items()
        ),
    )


def summary_of_findings(rows: Sequence[SofInput]) -> pd.DataFrame:
    """Lay out the Summary of Findings table, one row per outcome (and timepoint).

    Parameters
    ----------
    rows : sequence of SofInput
        Each a model, its certainty and what the table needs besides.

    Returns
    -------
    pandas.DataFrame
        Columns ``outcome, timepoint, relative_effect`` ("OR 1.67 (1.05 to
        2.94)"), ``control_risk`` ("150 per 1,000"), ``intervention_risk``
        ("228 per 1,000 (156 to 342)"), ``absolute`` ("78 more per 1,000 (6
        more to 192 more)"), ``mean_difference`` ("MD 4.44 higher (2.60 to
        6.28 higher)"; an SMD with Cohen's rule of thumb and, given a typical
        SD, in the scale's units: Cochrane Handbook 15.5.3), ``participants``
        ("1,234 (5 RCTs)"), ``certainty`` ("⊕⊕◯◯ Low (a, b)"), ``footnotes``
        and ``statement``. Empty strings where a column does not apply.

    Notes
    -----
    Risks and differences per 1,000 are whole numbers, rounded half away from
    zero after computing (as GRADEpro). Statements follow Santesso et al.
    (2020), Table 2: high "X increases Y", moderate "X probably increases Y",
    low "X may increase Y", very low "The evidence is very uncertain about the
    effect of X on Y"; "little to no difference" when the CI lies within the
    MIDs.

    References
    ----------
    Santesso N, Glenton C, Dahm P, et al. GRADE guidelines 26: informative
    statements to communicate the findings of systematic reviews of
    interventions. J Clin Epidemiol 2020;119:126-135.
    doi:10.1016/j.jclinepi.2019.10.014.

    """
    if isinstance(rows, SofInput):
        rows = [rows]
    for i, row in enumerate(rows):
        if not isinstance(row, SofInput):
            raise InputTypeError(
                f"rows[{i}] must be a SofInput; got {type(row).__name__}"
            )
    columns = [
        "outcome", "timepoint", "relative_effect", "control_risk",
        "intervention_risk", "absolute", "mean_difference", "participants",
        "certainty", "footnotes", "statement",
    ]  # fmt: skip
    return pd.DataFrame([sof_row(r) for r in rows], columns=columns)
