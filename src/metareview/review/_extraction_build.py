"""One study's rows of :func:`~metareview.review.extraction.arm_data`.

Two-arm trials give one row. With several control arms, they are combined
(Cochrane Handbook 23.3.4). With several intervention arms, ``"combine"``
merges them into one (events and sizes added; means and SDs by Handbook Table
6.5.a), and ``"split"`` compares each with the control group divided into as
many parts (Handbook 23.3.4), so that no participant is counted twice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .._validate import MetareviewError
from ..effects import convert
from ._extraction_arms import (
    Arm,
    Fields,
    Where,
    binary_arm,
    cluster_adjust,
    common_sd_from_test,
    continuous_arm,
    effect_from_comparison,
    has,
    study_cluster,
)
from ._extraction_fields import CONTROL

BINARY_COLUMNS = ("ai", "n1i", "ci", "n2i")
CONTINUOUS_COLUMNS = ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")
CLUSTER_FIELDS = ("clusters", "mean_cluster_size", "icc")


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """What the protocol says about the analysis of one outcome."""

    binary: bool
    measure: str
    multi_arm: str
    icc: float | None


def study_rows(
    record_id: int,
    where: Where,
    arms_fields: dict[str, Fields],
    design: str,
    plan: Plan,
) -> list[dict[str, Any]]:
    """Return the analysis rows of one study (one, or one per arm when split)."""
    arms = {
        name: binary_arm(name, f) if plan.binary else continuous_arm(name, f, where)
        for name, f in sorted(arms_fields.items())
    }
    ctrls = [a for a in arms.values() if a.category == CONTROL]
    treats = [a for a in arms.values() if a.category != CONTROL]
    if not ctrls or not treats:
        lacking = "a 'control' arm" if not ctrls else "an intervention arm"
        raise where.error(f"needs {lacking} (arms given: {', '.join(arms)})")
    if len(treats) == 1 and len(ctrls) == 1 and not plan.binary:
        t, c = treats[0], ctrls[0]
        if not math.isnan(t.mean + c.mean + t.n + c.n) and math.isnan(t.sd + c.sd):
            common_sd_from_test(t, c, arms_fields[t.name], where)
    cluster = design == "cluster" or any(
        has(f, k) for f in arms_fields.values() for k in CLUSTER_FIELDS
    )
    base = {"record_id": record_id, "design": "cluster" if cluster else design}
    trial = study_cluster(arms_fields)

    def adjust(a: Arm) -> None:
        if cluster:
            cluster_adjust(a, arms_fields[a.name], trial, plan.icc, where)

    if all(_complete(a, plan.binary) for a in arms.values()):
        for a in arms.values():
            adjust(a)
        return _arm_rows(where, base, treats, _merge(ctrls, plan.binary, where), plan)
    incomplete = [a.name for a in arms.values() if not _complete(a, plan.binary)]
    if len(treats) > 1 or len(ctrls) > 1:
        raise where.error(
            f"a multi-arm trial needs arm-level data in every arm; arm(s) "
            f"{', '.join(incomplete)} lack {_lacks(plan.binary)}"
        )
    t, c = treats[0], ctrls[0]
    for a in (t, c):
        if not math.isnan(a.n):
            adjust(a)
    yi, vi, notes = effect_from_comparison(
        arms_fields[t.name], t, c, plan.measure, where
    )
    row = _row(where.study, base, t, c, plan, "")
    row.update(yi=yi, vi=vi)
    row["conversion"] = " | ".join([*_notes(t, c), *(f"{t.name}: {n}" for n in notes)])
    row["converted"] = bool(row["conversion"])
    return [row]


def _complete(arm: Arm, binary: bool) -> bool:
    values = (arm.n, arm.events) if binary else (arm.n, arm.mean, arm.sd)
    return not any(math.isnan(v) for v in values)


def _lacks(binary: bool) -> str:
    return "n and events" if binary else "n, a mean and an SD (or what gives them)"


def _merge(arms: list[Arm], binary: bool, where: Where) -> Arm:
    """Combine arms into one: events and sizes added, or Table 6.5.a."""
    if len(arms) == 1:
        return arms[0]
    name = "+".join(a.name for a in arms)
    notes = [n for a in arms for n in a.notes]
    if binary:
        out = Arm(
            name=name, n=sum(a.n for a in arms), events=sum(a.events for a in arms)
        )
        out.notes = [
            *notes,
            f"{name}: {len(arms)} arms combined: events and n "
            "added (Cochrane Handbook 23.3.4)",
        ]
        return out
    try:
        res = convert.combine_arms(
            [a.n for a in arms], [a.mean for a in arms], [a.sd for a in arms]
        )
    except MetareviewError as exc:
        raise where.error(f"combining arms {name}: {exc}") from None
    out = Arm(name=name, n=float(res.n), mean=float(res.mean), sd=float(res.sd))
    out.notes = [*notes, f"{name}: {len(arms)} arms combined: {res.method}"]
    return out


def _arm_rows(
    where: Where, base: dict[str, Any], treats: list[Arm], ctrl: Arm, plan: Plan
) -> list[dict[str, Any]]:
    if len(treats) == 1:
        return [_row(where.study, base, treats[0], ctrl, plan, "")]
    k = len(treats)
    if plan.multi_arm == "combine":
        merged = _merge(treats, plan.binary, where)
        return [_row(where.study, base, merged, ctrl, plan, f"combined ({k} arms)")]
    events = ctrl.events if plan.binary else None
    split = convert.split_control(ctrl.n, k, events=events)
    rows = []
    for i, t in enumerate(treats):
        part = Arm(
            name=ctrl.name,
            n=float(split.n[i]),
            mean=ctrl.mean,
            sd=ctrl.sd,
            events=float(split.events[i]) if split.events is not None else math.nan,
            notes=[*ctrl.notes, f"{ctrl.name}: {split.method}"],
            de=ctrl.de,
        )
        label = f"{where.study} ({t.name})"
        rows.append(_row(label, base, t, part, plan, f"split (control / {k})"))
    return rows


def _notes(t: Arm, c: Arm) -> list[str]:
    return [*t.notes, *c.notes]


def _row(
    study: str, base: dict[str, Any], t: Arm, c: Arm, plan: Plan, multi: str
) -> dict[str, Any]:
    cats = list(dict.fromkeys(part.split(":", 1)[0] for part in t.name.split("+")))
    row: dict[str, Any] = {
        "study": study,
        **base,
        "intervention": "+".join(cats),
        "arm": t.name,
        "comparator": c.name,
    }
    if plan.binary:
        row.update(zip(BINARY_COLUMNS, (t.events, t.n, c.events, c.n), strict=True))
    else:
        cells = (t.mean, t.sd, t.n, c.mean, c.sd, c.n)
        row.update(zip(CONTINUOUS_COLUMNS, cells, strict=True))
    row.update(yi=math.nan, vi=math.nan, multi_arm=multi)
    row["conversion"] = " | ".join(_notes(t, c))
    row["converted"] = bool(row["conversion"])
    return row
