r"""Conversions of reported statistics into what a meta-analysis needs.

What studies report is often not what :func:`~metareview.escalc` takes. These
functions convert it, each citing its paper and equation, each vectorised over
studies (scalars, lists, arrays or pandas Series; broadcast together), and each
returning a small frozen result whose ``method`` names the formula and its source.
``result.to_frame()`` gives the converted columns with ``method`` beside them, so
converted values stay flagged as converted, with their method, in the data and in
the report.

Median and range or quartiles to mean and SD (``_convert_median``,
``_convert_skew``, ``_convert_wan``):
    :func:`mean_sd_from_median` (Luo et al. 2018 means, Wan et al. 2014 and Shi et
    al. 2020 SDs, Hozo et al. 2005 for comparison), :func:`skewness_test` (Shi et
    al. 2023), :func:`wan_xi` and :func:`wan_eta` (the expected range and IQR of
    normal samples).

Reported statistics to SD or SE (``_convert_se``) and to effect sizes
(``_convert_smd``):
    :func:`sd_from_se`, :func:`sd_from_ci` (with the t multiplier),
    :func:`se_from_p`, :func:`se_from_t`, :func:`se_from_ci`,
    :func:`smd_from_t`, :func:`smd_from_f`, :func:`smd_from_p`,
    :func:`smd_from_or` and :func:`or_from_smd` (Chinn 2000).

Arm-level data (``_convert_groups``, ``_convert_cluster``):
    :func:`sd_change` and :func:`correlation_from_change` (change from baseline),
    :func:`crossover` (paired cross-over analyses), :func:`combine_groups` and
    :func:`combine_arms` (multi-arm trials, Cochrane Handbook Table 6.5.a),
    :func:`split_control` (a shared control group), :func:`design_effect` and
    :func:`effective_n` (cluster-randomised trials).

Missing values give missing results; impossible values (negative SDs, SEs or
sizes, quartiles out of order, P values outside (0, 1), a level that is not a
fraction) raise :class:`~metareview.InputError` naming the argument and the value.

Examples
--------
A study reporting a median of 5 (range 2 to 10) in 25 patients, and one reporting
a mean of 6.1 with a 95% CI of 4.9 to 7.3 in 18:

>>> from metareview.effects import convert
>>> est = convert.mean_sd_from_median(min=2, median=5, max=10, n=25)
>>> round(float(est.mean), 2), round(float(est.sd), 2)
(5.26, 2.04)
>>> round(float(convert.sd_from_ci(4.9, 7.3, 18).sd), 2)
2.41
>>> est.to_frame().loc[0, "method"]
'mean: Luo et al. (2018) C1; SD: Wan et al. (2014) C1'

"""

from __future__ import annotations

from ._convert_base import Converted
from ._convert_cluster import EffectiveSize, design_effect, effective_n
from ._convert_groups import (
    CombinedGroups,
    Correlation,
    SplitGroup,
    combine_arms,
    combine_groups,
    correlation_from_change,
    crossover,
    sd_change,
    split_control,
)
from ._convert_median import MeanSD, mean_sd_from_median
from ._convert_se import (
    ConvertedSD,
    ConvertedSE,
    sd_from_ci,
    sd_from_se,
    se_from_ci,
    se_from_p,
    se_from_t,
)
from ._convert_skew import SkewnessTest, skewness_test
from ._convert_smd import (
    EffectSize,
    or_from_smd,
    smd_from_f,
    smd_from_or,
    smd_from_p,
    smd_from_t,
)
from ._convert_wan import wan_eta, wan_xi

__all__ = [
    "CombinedGroups",
    "Converted",
    "ConvertedSD",
    "ConvertedSE",
    "Correlation",
    "EffectSize",
    "EffectiveSize",
    "MeanSD",
    "SkewnessTest",
    "SplitGroup",
    "combine_arms",
    "combine_groups",
    "correlation_from_change",
    "crossover",
    "design_effect",
    "effective_n",
    "mean_sd_from_median",
    "or_from_smd",
    "sd_change",
    "sd_from_ci",
    "sd_from_se",
    "se_from_ci",
    "se_from_p",
    "se_from_t",
    "skewness_test",
    "smd_from_f",
    "smd_from_or",
    "smd_from_p",
    "smd_from_t",
    "split_control",
    "wan_eta",
    "wan_xi",
]
