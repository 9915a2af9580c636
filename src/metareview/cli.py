"""The ``metareview`` command: thin subcommands over the library functions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="metareview",
    help="Systematic reviews with meta-analysis, validated against R metafor.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """Systematic reviews with meta-analysis, validated against R metafor."""


@app.command()
def demo(
    out: Annotated[
        Path,
        typer.Option(help="Folder the demo writes its report to."),
    ] = Path("metareview-demo"),
) -> None:
    """Run the example analysis (BCG vaccine trials) and write its report."""
    from .demo import run_demo

    path = run_demo(out)
    typer.echo(f"\nReport written to {path}")


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="The review folder to create.")],
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Rewrite review.toml from the template (review.db is kept)."
        ),
    ] = False,
) -> None:
    """Start a review: review.toml template, searches/, output/ and review.db."""
    from ._validate import MetareviewError
    from .review.project import init_project

    try:
        path = init_project(folder, force=force)
    except MetareviewError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"Review project created in {folder}; edit {path} next.")


def main() -> None:
    """Entry point of the ``metareview`` console script."""
    app()
