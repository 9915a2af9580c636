"""Datasets shipped with metareview, for examples, doctests and the demo.

``bcg``
    Thirteen trials of the BCG vaccine against tuberculosis (Colditz et al. 1994):
    ``tpos``/``tneg`` tuberculosis cases and non-cases among vaccinated,
    ``cpos``/``cneg`` among unvaccinated participants, ``ablat`` the absolute
    latitude of the study site, ``alloc`` the method of allocation.

References
----------
Colditz GA, Brewer TF, Berkey CS, et al. (1994). Efficacy of BCG vaccine in the
prevention of tuberculosis: meta-analysis of the published literature. JAMA
271:698-702. doi:10.1001/jama.1994.03510330076038

"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

from .._validate import choice

if TYPE_CHECKING:
    import pandas as pd

NAMES = ("bcg",)


def load(name: str) -> pd.DataFrame:
    """Return the shipped dataset ``name`` as a new DataFrame.

    Examples
    --------
    >>> import metareview as mr
    >>> mr.datasets.load("bcg").shape
    (13, 10)

    """
    import pandas as pd

    choice("name", name, NAMES)
    with resources.files(__package__).joinpath(f"{name}.csv").open("rb") as fh:
        return pd.read_csv(fh)
