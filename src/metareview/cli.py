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


@app.command("import")
def import_(
    folder: Annotated[Path, typer.Argument(help="The review folder.")],
    files: Annotated[list[Path], typer.Argument(help="Database exports to import.")],
    database: Annotated[
        str | None, typer.Option(help="Source database of the files.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Import a file imported before again.")
    ] = False,
) -> None:
    """Import database exports (RIS, MEDLINE, PubMed XML, WoS, BibTeX, CSV, EndNote)."""
    from ._validate import MetareviewError
    from .review.intake import import_files

    try:
        done = import_files(folder, list(files), database=database, force=force)
    except MetareviewError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(code=1) from None
    for s in done:
        typer.echo(f"{s.file}: {s.records} records from {s.database} ({s.format})")
    typer.echo(f"{sum(s.records for s in done)} records imported.")


@app.command()
def dedup(
    folder: Annotated[Path, typer.Argument(help="The review folder.")],
    review: Annotated[
        bool, typer.Option("--review", help="Go through the uncertain pairs.")
    ] = False,
    reviewer: Annotated[
        str | None, typer.Option(help="Who decides the uncertain pairs.")
    ] = None,
) -> None:
    """Link duplicate records to their cluster (records are never deleted).

    With --review and --reviewer NAME, each uncertain pair is shown and the
    answer (same / different / skip / quit) is recorded as NAME's decision;
    with --review alone the pairs are only listed.
    """
    from ._validate import MetareviewError
    from .review.intake import decide_pair, dedup_project

    try:
        summary = dedup_project(folder)
    except MetareviewError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(
        f"{summary.records} records, {summary.clusters} unique; "
        f"{summary.linked} newly linked as duplicates; "
        f"{len(summary.uncertain)} uncertain pairs to check."
    )
    if not review:
        return
    for row in summary.uncertain.to_dict("records"):
        typer.echo(
            f"\n[{row['confidence']:.2f}] {row['i']}: {row['title_i']}\n"
            f"       {row['j']}: {row['title_j']}"
        )
        if reviewer is None:
            continue
        answer = (
            typer.prompt(
                "Same study report? [s]ame, [d]ifferent, [k] skip, [q]uit", default="k"
            )
            .strip()[:1]
            .lower()
        )
        if answer == "q":
            break
        if answer in ("s", "d"):
            decide_pair(folder, int(row["i"]), int(row["j"]), same=answer == "s",
                        reviewer=reviewer)  # fmt: skip


@app.command()
def export(
    folder: Annotated[Path, typer.Argument(help="The review folder.")],
    out: Annotated[Path, typer.Argument(help="The file to write: .ris, .csv or .xlsx")],
    all_records: Annotated[
        bool, typer.Option("--all", help="Every record, duplicates included.")
    ] = False,
) -> None:
    """Export the unique records (or all) to RIS, CSV or XLSX."""
    from ._validate import MetareviewError
    from .review.intake import export_records

    try:
        n = export_records(folder, out, all_records=all_records)
    except MetareviewError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"{n} records written to {out}")


def main() -> None:
    """Entry point of the ``metareview`` console script."""
    app()
