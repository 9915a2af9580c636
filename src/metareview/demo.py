"""The example reviews run by ``metareview demo`` and ``make demo``.

``metareview demo`` copies an example review project into a working folder and
runs it from its files to its report (:func:`metareview.review.pipeline.run_project`):

- ``help-seeking`` (the default): a whole review modelled on Ni et al. (2025),
  from six database exports through dual screening, extraction and RoB 2 to
  GRADE; its study-level data are simulated, and the report says so.
- ``bcg``: the BCG vaccine trials (Colditz et al. 1994), real public data,
  starting at extraction. Besides the project's report, :func:`bcg_analyses`
  writes the analyses the pipeline does not run (Mantel-Haenszel and Peto,
  meta-regression on latitude with a permutation test, influence diagnostics)
  in metafor's layout to ``output/bcg_analyses.md``.

The examples ship inside the package (``metareview/examples``); in a source
checkout they are the repository's ``examples/`` folder.
"""

from __future__ import annotations

import shutil
import warnings
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._validate import InputError, ModelWarning

if TYPE_CHECKING:
    from .review.pipeline import Progress, RunResult

EXAMPLES = ("help-seeking", "bcg")
#: Not copied into the working folder: the generated state of an earlier run.
_IGNORE = shutil.ignore_patterns("review.db*", "output", "__pycache__", "*.pyc")


def examples_folder() -> Path | None:
    """Return the folder holding the example projects (None when it is missing).

    The installed package's ``metareview/examples`` (shipped in the wheel), else
    the ``examples/`` folder of the source tree (an editable install).
    """
    shipped = Path(str(files("metareview") / "examples"))
    if shipped.is_dir():
        return shipped
    source = Path(__file__).resolve().parents[2] / "examples"
    return source if source.is_dir() else None


def example_path(name: str) -> Path:
    """Return the folder of example ``name`` (InputError naming what is missing)."""
    if name not in EXAMPLES:
        allowed = ", ".join(map(repr, EXAMPLES))
        raise InputError(f"example must be one of {allowed}; got {name!r}")
    root = examples_folder()
    path = root / name if root is not None else None
    if path is None or not (path / "review.toml").exists():
        raise InputError(
            f"the example {name!r} is not installed (looked for "
            f"{path or 'metareview/examples'}/review.toml)"
        )
    return path


def copy_example(name: str, out: Path) -> Path:
    """Copy example ``name`` into ``out`` (its inputs only); return ``out``."""
    src = example_path(name)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(src, out, ignore=_IGNORE, dirs_exist_ok=True)
    return out


def run_demo(
    out: Path, *, example: str = "help-seeking", progress: Progress | None = None
) -> RunResult:
    """Copy an example into ``out`` and run it; return the run's result.

    Parameters
    ----------
    out : pathlib.Path
        The working folder (created; an earlier run's inputs are overwritten,
        its ``review.db`` kept, so a second demo imports nothing new).
    example : {"help-seeking", "bcg"}
        Which example.
    progress : callable, optional
        Passed to :func:`~metareview.review.pipeline.run_project`.

    """
    from .review.pipeline import run_project

    copy_example(example, out)
    result = run_project(out, progress=progress)
    if example == "bcg":
        bcg_analyses(out / "output")
    return result


def _section(title: str, body: str) -> str:
    return f"## {title}\n\n```\n{body.strip()}\n```\n"


def analyses() -> list[tuple[str, str]]:
    """Return the BCG analyses beyond the pipeline's: (title, metafor-style text)."""
    from . import datasets
    from .effects.escalc import escalc
    from .stats.mh import rma_mh, rma_peto
    from .stats.permutest import permutest
    from .stats.rma import rma
    from .stats.sensitivity import influence

    bcg = datasets.load("bcg")
    es = escalc(
        "RR", ai="tpos", bi="tneg", ci="cpos", di="cneg", data=bcg, slab="study"
    )
    arms: dict[str, Any] = {"ai": "tpos", "bi": "tneg", "ci": "cpos", "di": "cneg"}
    reml = rma(es, method="REML")
    metareg = rma(es, mods="ablat")
    return [
        ("Random-effects model, REML", reml.summary()),
        (
            "Mantel-Haenszel (risk ratio)",
            str(rma_mh(**arms, data=bcg, slab="study", measure="RR")),
        ),
        ("Peto (odds ratio)", str(rma_peto(**arms, data=bcg, slab="study"))),
        ("Meta-regression on absolute latitude", str(metareg)),
        (
            "Permutation test of the meta-regression (1,000 permutations)",
            str(permutest(metareg, iter=1000, rng=2026)),
        ),
        ("Influence diagnostics", str(influence(reml))),
    ]


def bcg_analyses(out: Path) -> Path:
    """Print the BCG analyses and write them to ``out/bcg_analyses.md``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelWarning)
        results = analyses()
    parts = ["# BCG vaccine trials: further analyses (metafor layout)\n"]
    for title, text in results:
        print(f"\n=== {title} ===\n{text.rstrip()}")
        parts.append(_section(title, text))
    out.mkdir(parents=True, exist_ok=True)
    path = out / "bcg_analyses.md"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
