"""Risk-of-bias figures: the traffic-light plot and the summary bar plot.

Both take a table with one row per study and one column per domain of the tool,
plus the overall judgement, as exported by the Cochrane RoB 2 Excel tool or by
robvis (McGuinness & Higgins 2021), and draw them as robvis does, in its Cochrane
colours, with a symbol for every judgement so that none is told by colour alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from numpy.typing import NDArray

from .._validate import InputError, InputTypeError
from ._rob_data import RobTable, read_table, study_weights
from ._rob_figures import summary, traffic_light
from ._style import style

__all__ = ["rob_summary", "rob_traffic_light"]

# a mapping study -> weight, a fitted result (slab, weights), a sequence in the
# table's row order, or the name of a column
Weights = object


def rob_traffic_light(
    table: pd.DataFrame, tool: str = "rob2", *, weights: Weights | None = None
) -> Figure:
    """Draw the risk-of-bias traffic-light plot: a judgement per study and domain.

    One row per study and one column per domain (D1, D2, …) and for the overall
    judgement; each cell is a circle in the judgement's colour holding its symbol
    (+ low, − some concerns or moderate, ? unclear or no information, X high or
    serious, ! critical). The domains' names and the judgements are explained in
    legends below, as in robvis (McGuinness & Higgins 2021).

    Parameters
    ----------
    table : pandas.DataFrame
        One row per study: a ``study`` column (or an index of study labels), one
        column per domain, named ``D1`` … ``Dn`` or by the domain (e.g.
        "Bias due to missing outcome data"), and ``overall``. Judgements are
        matched ignoring case ("Low", "some concerns", "High risk of bias").
        Other columns are ignored.
    tool : {"rob2", "rob1", "robins-i"}
        RoB 2 (Sterne et al. 2019; 5 domains; low, some concerns, high), the
        Cochrane tool of 2011 (Higgins et al. 2011; 7 domains; low, unclear,
        high) or ROBINS-I (Sterne et al. 2016; 7 domains; low, moderate,
        serious, critical, no information).
    weights : mapping, fitted result, sequence or str, optional
        Each study's weight in a meta-analysis, shown in a last column as its
        share of the total: a mapping study → weight (e.g.
        ``dict(zip(res.slab, res.weights))``), a result with ``slab`` and
        ``weights``, a sequence in the table's row order, or a column name.

    Returns
    -------
    matplotlib.figure.Figure
        Sized from its content: rows × columns and the widest study label.

    Raises
    ------
    InputError
        For an unknown tool, a missing domain or overall column, or judgements
        the tool does not allow (the message names each study, domain and value).

    See Also
    --------
    rob_summary : the share of studies (or weight) at each judgement per domain.

    References
    ----------
    .. [1] McGuinness LA, Higgins JPT. Risk-of-bias VISualization (robvis): an R
       package and Shiny web app for visualizing risk-of-bias assessments. Res
       Synth Methods 2021;12:55-61. doi:10.1002/jrsm.1411
    .. [2] Sterne JAC, Savović J, Page MJ, et al. RoB 2: a revised tool for
       assessing risk of bias in randomised trials. BMJ 2019;366:l4898.
       doi:10.1136/bmj.l4898
    .. [3] Higgins JPT, Altman DG, Gøtzsche PC, et al. The Cochrane
       Collaboration's tool for assessing risk of bias in randomised trials. BMJ
       2011;343:d5928. doi:10.1136/bmj.d5928
    .. [4] Sterne JA, Hernán MA, Reeves BC, et al. ROBINS-I: a tool for assessing
       risk of bias in non-randomised studies of interventions. BMJ
       2016;355:i4919. doi:10.1136/bmj.i4919

    Examples
    --------
    >>> import pandas as pd
    >>> import metareview as mr
    >>> table = pd.DataFrame({
    ...     "study": ["Ahn 2019", "Berg 2021", "Costa 2022"],
    ...     "D1": ["Low", "Some concerns", "Low"],
    ...     "D2": ["Low", "Low", "High"],
    ...     "D3": ["Some concerns", "Low", "Low"],
    ...     "D4": ["Low", "Low", "Some concerns"],
    ...     "D5": ["Low", "Some concerns", "Low"],
    ...     "overall": ["Some concerns", "Some concerns", "High"],
    ... })
    >>> fig = mr.rob_traffic_light(table)
    >>> fig.savefig("rob_traffic_light.png")  # doctest: +SKIP

    """
    rob = read_table(table, tool, overall=True)
    share = None if weights is None else study_weights(weights, rob, table)
    with style():
        return traffic_light(rob, share)


def rob_summary(
    table: pd.DataFrame,
    tool: str = "rob2",
    *,
    weighted: bool | None = None,
    weights: Weights | None = None,
    overall: bool = True,
) -> Figure:
    """Draw the risk-of-bias summary plot: judgements per domain as stacked bars.

    One horizontal bar per domain (and one for the overall judgement), split
    into the percentage of studies at each judgement, or of the studies' total
    weight in a meta-analysis (McGuinness & Higgins 2021). The weighted plot
    answers how much of the pooled evidence is at each risk of bias, which the
    share of studies does not when studies differ in size.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per study, as for :func:`rob_traffic_light`; the ``overall``
        column is needed only when ``overall`` is true.
    tool : {"rob2", "rob1", "robins-i"}
        The risk-of-bias tool, as for :func:`rob_traffic_light`.
    weighted : bool, optional
        Percentages of weight (true) or of studies (false). By default weight
        is used when there is any: ``weights`` or a ``weight`` column of
        ``table``. True without any weights is an error.
    weights : mapping, fitted result, sequence or str, optional
        Each study's weight: a mapping study → weight (e.g.
        ``dict(zip(res.slab, res.weights))``), a result with ``slab`` and
        ``weights``, a sequence in the table's row order, or a column name.
        It must name exactly the studies of ``table``: for one meta-analysis,
        pass the rows of the studies it pooled.
    overall : bool
        Add a bar for the overall judgement, below the domains.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InputError
        As :func:`rob_traffic_light`; also when ``weighted`` is true without
        weights, or when the weights do not match the table's studies.

    See Also
    --------
    rob_traffic_light : every study's judgement in every domain.

    References
    ----------
    .. [1] McGuinness LA, Higgins JPT. Risk-of-bias VISualization (robvis): an R
       package and Shiny web app for visualizing risk-of-bias assessments. Res
       Synth Methods 2021;12:55-61. doi:10.1002/jrsm.1411
    .. [2] Sterne JAC, Savović J, Page MJ, et al. RoB 2: a revised tool for
       assessing risk of bias in randomised trials. BMJ 2019;366:l4898.
       doi:10.1136/bmj.l4898

    Examples
    --------
    >>> import pandas as pd
    >>> import metareview as mr
    >>> table = pd.DataFrame({
    ...     "study": ["Ahn 2019", "Berg 2021", "Costa 2022"],
    ...     "D1": ["Low", "Some concerns", "Low"],
    ...     "D2": ["Low", "Low", "High"],
    ...     "D3": ["Some concerns", "Low", "Low"],
    ...     "D4": ["Low", "Low", "Some concerns"],
    ...     "D5": ["Low", "Some concerns", "Low"],
    ...     "overall": ["Some concerns", "Some concerns", "High"],
    ... })
    >>> fig = mr.rob_summary(table, weights={"Ahn 2019": 50, "Berg 2021": 30,
    ...                                      "Costa 2022": 20})
    >>> fig.savefig("rob_summary.png")  # doctest: +SKIP

    """
    if weighted is not None and not isinstance(weighted, bool | np.bool_):
        raise InputTypeError(f"weighted must be True or False; got {weighted!r}")
    rob = read_table(table, tool, overall=bool(overall))
    if weights is None and weighted is not False and rob.weight_column is not None:
        weights = rob.weight_column
    if weighted and weights is None:
        raise InputError(
            "weighted=True needs weights: pass weights= (a mapping study -> weight, "
            "e.g. dict(zip(res.slab, res.weights))) or a 'weight' column in table, "
            "or weighted=False for percentages of studies"
        )
    if weighted is False or weights is None:
        share = np.full(len(rob.studies), 100.0 / len(rob.studies))
        xlabel = f"Percentage of studies (n = {len(rob.studies)})"
    else:
        share = study_weights(weights, rob, table)
        xlabel = f"Percentage of weight ({len(rob.studies)} studies)"
    percent = _percentages(rob, share)
    with style():
        return summary(rob, percent, xlabel)


def _percentages(rob: RobTable, share: NDArray[np.float64]) -> NDArray[np.float64]:
    """Percent at each judgement (columns) for each domain (rows)."""
    out = np.zeros((len(rob.codes), len(rob.judgements)))
    index = {j: k for k, j in enumerate(rob.judgements)}
    for row, s in zip(rob.cells, share, strict=True):
        for d, judgement in enumerate(row):
            out[d, index[judgement]] += s
    return out
