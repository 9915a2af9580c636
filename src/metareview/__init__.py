"""metareview: systematic reviews with meta-analysis, validated against R metafor.

Public names are loaded on first use, so ``import metareview`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY: dict[str, str] = {
    "escalc": "metareview.effects.escalc",
    "rma": "metareview.stats.rma",
    "meta_analysis": "metareview.stats.rma",
    "rma_batch": "metareview.stats.batch",
    "rma_mh": "metareview.stats.mh",
    "rma_peto": "metareview.stats.mh",
    "subgroup": "metareview.stats.subgroup",
    "SubgroupResult": "metareview.stats.subgroup",
    "RMAResult": "metareview.stats.results",
    "Prediction": "metareview.stats.results",
    "FitStats": "metareview.stats.results",
    "MHResult": "metareview.stats.results",
    "TAU2": "metareview.stats.tau2",
    "regtest": "metareview.stats.bias",
    "harbord": "metareview.stats.bias",
    "ranktest": "metareview.stats.bias",
    "trimfill": "metareview.stats.bias",
    "fsn": "metareview.stats.bias",
    "RegtestResult": "metareview.stats.bias",
    "RanktestResult": "metareview.stats.bias",
    "TrimfillResult": "metareview.stats.bias",
    "FsnResult": "metareview.stats.bias",
    "anova": "metareview.stats.metareg",
    "AnovaResult": "metareview.stats.metareg",
    "LRTResult": "metareview.stats.metareg",
    "permutest": "metareview.stats.permutest",
    "PermutestResult": "metareview.stats.permutest",
    "leave1out": "metareview.stats.sensitivity",
    "influence": "metareview.stats.sensitivity",
    "cumul": "metareview.stats.sensitivity",
    "baujat": "metareview.stats.sensitivity",
    "exclude": "metareview.stats.sensitivity",
    "InfluenceResult": "metareview.stats.sensitivity",
    "rob_traffic_light": "metareview.plots.rob",
    "rob_summary": "metareview.plots.rob",
    "prisma": "metareview.plots.prisma",
    "read_records": "metareview.review.io",
    "find_duplicates": "metareview.review.dedup",
    "load_protocol": "metareview.review.protocol",
    "init_project": "metareview.review.project",
    "import_files": "metareview.review.intake",
    "dedup_project": "metareview.review.intake",
    "audit_text": "metareview.review.audit",
    "run_project": "metareview.review.pipeline",
    "PipelineError": "metareview.review.pipeline",
    "agreement": "metareview.review.agreement",
    "agreement_table": "metareview.review.agreement",
    "krippendorff_alpha": "metareview.review.agreement",
    "Agreement": "metareview.review.agreement",
    "prisma_counts": "metareview.review.prisma",
    "rank_records": "metareview.review.priority",
    "stopping_guide": "metareview.review.priority",
    "simulate_screening": "metareview.review.priority",
    "gap_map": "metareview.review.gapmap",
    "GapMap": "metareview.review.gapmap",
    "open_review": "metareview.review.screening",
    "MetareviewError": "metareview._validate",
    "InputError": "metareview._validate",
    "InputTypeError": "metareview._validate",
    "ConvergenceWarning": "metareview._validate",
    "MissingDataWarning": "metareview._validate",
    "ModelWarning": "metareview._validate",
    "forest": "metareview.plots.forest",
    "funnel": "metareview.plots.funnel",
    "bubble": "metareview.plots.diagnostics",
    "labbe": "metareview.plots.diagnostics",
    "radial": "metareview.plots.diagnostics",
}
# public submodule -> module: ``mr.convert.sd_from_ci(...)``
_SUBMODULES: dict[str, str] = {
    "datasets": "metareview.datasets",
    "plots": "metareview.plots",
    "convert": "metareview.effects.convert",
    "screening": "metareview.review.screening",
    "rob": "metareview.review.rob",
}

__all__ = [*sorted(_LAZY), *_SUBMODULES, "__version__"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(_SUBMODULES[name])
    raise AttributeError(f"module 'metareview' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
