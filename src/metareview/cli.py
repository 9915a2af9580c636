"""The ``metareview`` command: thin subcommands over the library functions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from .review.protocol import Protocol
    from .review.store import Store

app = typer.Typer(
    name="metareview",
    help="Systematic reviews with meta-analysis, validated against R metafor.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """Systematic reviews with meta-analysis, validated against R metafor."""


@contextmanager
def _errors() -> Iterator[None]:
    """End the command on a MetareviewError: ``Error: ...`` on stderr, exit code 1."""
    from ._validate import MetareviewError

    try:
        yield
    except MetareviewError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(code=1) from None


def _stage_printer() -> Any:
    """Print each finished pipeline stage on a line, with its time (rich)."""
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=True)

    def show(t: Any) -> None:
        console.print(f"[green]✓[/] {t.stage:<13} {t.seconds:6.2f} s  {t.note}")

    return show


def _report_paths(result: Any) -> None:
    files = result.report
    typer.echo(f"\nReport written to {files['html']}")
    typer.echo(
        f"  also {files['md'].name} and {files['docx'].name}; tables in "
        f"{result.output / 'tables'}; {result.seconds:.1f} s in all"
    )


@app.command()
def demo(
    out: Annotated[
        Path,
        typer.Option(help="Folder the example is copied to and run in."),
    ] = Path("metareview-demo"),
    example: Annotated[
        str, typer.Option(help="Which example: help-seeking or bcg.")
    ] = "help-seeking",
) -> None:
    """Copy an example review into OUT, run it end to end and write its report."""
    from .demo import run_demo

    with _errors():
        result = run_demo(out, example=example, progress=_stage_printer())
    _report_paths(result)


@app.command()
def run(
    folder: Annotated[Path, typer.Argument(help="The review folder.")],
) -> None:
    """Run the whole review in FOLDER: import to report (output/report.html)."""
    from .review.pipeline import run_project

    with _errors():
        result = run_project(folder, progress=_stage_printer())
    _report_paths(result)


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
    from .review.project import init_project

    with _errors():
        path = init_project(folder, force=force)
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
    columns: Annotated[
        str | None,
        typer.Option(
            help="CSV only: which column holds which field, e.g. "
            '"title=Article Title,doi=DOI Link,year=Publication Year".'
        ),
    ] = None,
) -> None:
    """Import database exports (RIS, MEDLINE, PubMed XML, WoS, BibTeX, CSV, EndNote)."""
    from .review.intake import import_files
    from .review.io.csv import parse_columns

    with _errors():
        mapping = parse_columns(columns) if columns is not None else None
        done = import_files(
            folder, list(files), database=database, force=force, columns=mapping
        )
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
    from .review.intake import decide_pair, dedup_project

    with _errors():
        summary = dedup_project(folder)
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
    from .review.intake import export_records

    with _errors():
        n = export_records(folder, out, all_records=all_records)
    typer.echo(f"{n} records written to {out}")


@app.command()
def screen(
    folder: Annotated[Path, typer.Argument(help="The review folder.")],
    reviewer: Annotated[str, typer.Option(help="Who screens (a reviewer's name).")],
    stage: Annotated[
        str, typer.Option(help="ta (title and abstract) or ft (full text).")
    ] = "ta",
) -> None:
    """Screen records one at a time: single keys decide, each saved at once.

    i include, e exclude (at full text: then a digit for the reason), m maybe,
    n note, s skip, u undo, ? help, q quit. When standard input is not a
    terminal, each line is one key, so keys can be piped in.
    """
    from .review.tui import screen as run_screen

    with _errors():
        run_screen(folder, reviewer, stage)


@contextmanager
def _review(folder: Path) -> Iterator[tuple[Store, Protocol]]:
    """Open the review in ``folder``; a MetareviewError inside ends the command."""
    from .review.screening import open_review

    with _errors(), open_review(folder) as opened:
        yield opened


_STAGE_HELP = "ta (title and abstract) or ft (full text)."


@app.command()
def status(
    folder: Annotated[Path, typer.Argument(help="The review folder.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """PRISMA 2020 counts, records pending and in conflict, agreement per stage."""
    import json

    from .review.prisma import screening_status

    with _review(folder) as (store, protocol):
        report = screening_status(store, protocol)
    if as_json:
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    for line in _status_lines(report):
        typer.echo(line)


def _status_lines(report: dict[str, Any]) -> list[str]:
    c = report["prisma"]
    ident = c["identified"]
    reasons = c["excluded_fulltext"]
    lines = [
        f"Records identified: {sum(ident.values())} ("
        + ", ".join(f"{db} {n}" for db, n in ident.items())
        + ")",
        f"Duplicates removed: {c['duplicates_removed']}",
        f"Records screened: {c['screened']}; excluded: {c['excluded_screening']}",
        f"Full texts assessed: {c['assessed']}; excluded: {sum(reasons.values())}"
        + (" (" + ", ".join(f"{r} {n}" for r, n in reasons.items()) + ")")
        * bool(reasons),
        f"Studies included: {c['included']}",
    ]
    for stage, s in report["stages"].items():
        state = "unblinded" if s["unblinded"] else "blinded"
        lines.append(
            f"\n{stage} ({state}): {s['included']} included, {s['excluded']} "
            f"excluded, {s['conflict']} in conflict, {s['pending']} pending"
        )
        for row in s["agreement"] or []:
            if row["reviewer_1"] == "all":
                lines.append(
                    f"  Krippendorff's alpha, all reviewers: {_num(row['alpha'])}"
                )
                continue
            lines.append(
                f"  {row['reviewer_1']} / {row['reviewer_2']}: n = {row['n']}, "
                f"agreement {100 * row['percent']:.1f}%, kappa {_num(row['kappa'])} "
                f"({_num(row['kappa_ci_lb'])} to {_num(row['kappa_ci_ub'])}), "
                f"PABAK {_num(row['pabak'])}, AC1 {_num(row['ac1'])}"
            )
    if report["stopping"]:
        lines.append(
            "\nStopping guide, title/abstract (target recall 95%, alpha 0.05):"
        )
    for who, g in report["stopping"].items():
        verdict = (
            "safe to stop"
            if g["stop"]
            else f"keep screening (at least {g['n_more']} more)"
        )
        lines.append(
            f"  {who}: {g['screened']} of {g['records']} screened, "
            f"{g['relevant']} relevant; P(recall < 95%) = {_num(g['pval'])}: {verdict}"
        )
    return lines


def _num(x: float | None) -> str:
    return "NA" if x is None else f"{x:.2f}"


@app.command()
def unblind(
    folder: Annotated[Path, typer.Argument(help="The review folder.")],
    stage: Annotated[str, typer.Option(help=_STAGE_HELP)],
    by: Annotated[str, typer.Option(help="The owner who unblinds the stage.")],
) -> None:
    """Unblind a stage: every reviewer then sees all decisions and conflicts."""
    from .review.screening import unblind as unblind_stage

    with _review(folder) as (store, protocol):
        unblind_stage(store, protocol, stage, by)
    typer.echo(f"Stage {stage} unblinded by {by}.")


@app.command()
def conflicts(
    folder: Annotated[Path, typer.Argument(help="The review folder.")],
    stage: Annotated[str, typer.Option(help=_STAGE_HELP)],
    viewer: Annotated[str, typer.Option(help="Who looks (a reviewer's name).")],
) -> None:
    """List the unresolved conflicts of an unblinded stage."""
    from .review.screening import conflicts as list_conflicts

    with _review(folder) as (store, protocol):
        table = list_conflicts(store, protocol, stage, viewer)
    for row in table.to_dict("records"):
        typer.echo(f"{row['record_id']}: {row['title']}")
        for i in (1, 2):
            if row[f"reviewer_{i}"] is not None:
                why = f" ({row[f'reason_{i}']})" if row[f"reason_{i}"] else ""
                typer.echo(f"    {row[f'reviewer_{i}']}: {row[f'decision_{i}']}{why}")
    typer.echo(f"{len(table)} conflict(s) to resolve.")


@app.command()
def resolve(
    folder: Annotated[Path, typer.Argument(help="The review folder.")],
    record_id: Annotated[int, typer.Argument(help="The record in conflict.")],
    stage: Annotated[str, typer.Option(help=_STAGE_HELP)],
    decision: Annotated[str, typer.Option(help="include or exclude.")],
    by: Annotated[str, typer.Option(help="Who resolves (a resolver or the owner).")],
    reason: Annotated[
        str | None, typer.Option(help="Reason (needed to exclude a full text).")
    ] = None,
    note: Annotated[str | None, typer.Option(help="A note.")] = None,
    consensus: Annotated[
        bool,
        typer.Option("--consensus", help="The record's reviewers agreed together."),
    ] = False,
) -> None:
    """Resolve a conflict, by a resolver or by consensus (recorded as an event)."""
    from .review.screening import resolve as resolve_conflict

    with _review(folder) as (store, protocol):
        resolve_conflict(store, protocol, record_id, stage, decision, by=by,
                         reason=reason, note=note, consensus=consensus)  # fmt: skip
    typer.echo(f"Record {record_id} resolved at {stage}: {decision}.")


@app.command()
def decisions(
    folder: Annotated[Path, typer.Argument(help="The review folder.")],
    export_to: Annotated[
        Path | None, typer.Option("--export", help="Write decisions to this CSV.")
    ] = None,
    import_from: Annotated[
        Path | None, typer.Option("--import", help="Add the decisions of this CSV.")
    ] = None,
    stage: Annotated[
        str | None, typer.Option(help="Export only this stage: ta or ft.")
    ] = None,
) -> None:
    """Export screening decisions to CSV, or import them (all rows or none)."""
    from ._validate import InputError
    from .review.screening import export_decisions, import_decisions, open_review

    with _errors():
        if (export_to is None) == (import_from is None):
            raise InputError("give one of --export FILE or --import FILE")
        with open_review(folder) as (store, protocol):
            if export_to is not None:
                n = export_decisions(store, export_to, stage=stage)
                typer.echo(f"{n} decisions written to {export_to}")
            elif import_from is not None:
                n = import_decisions(store, protocol, import_from)
                typer.echo(f"{n} decisions imported from {import_from}")


@app.command()
def audit(
    file: Annotated[
        str, typer.Argument(help="A text, Markdown or HTML file; - reads stdin.")
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the statements as JSON records.")
    ] = False,
) -> None:
    """Check reported results: does each estimate agree with its CI and P value.

    Finds statements such as "OR 1.67 (95% CI 1.05-2.94), P = .05", recomputes
    the P value and the symmetry of the CI, and explains every inconsistency
    that the rounding of the printed numbers cannot explain. Exits 0.
    """
    import json
    import sys

    from rich.console import Console

    from .review.audit import as_text, audit_file, audit_table, audit_text, records

    with _errors():
        if file == "-":
            frame = audit_text(as_text(sys.stdin.read()))
        else:
            frame = audit_file(file)
    if as_json:
        typer.echo(json.dumps(records(frame), indent=2, ensure_ascii=False))
        return
    if len(frame):
        Console().print(audit_table(frame))
    bad = int((~frame["consistent"]).sum())
    typer.echo(f"{len(frame)} effect statement(s) found, {bad} with problems.")


@app.command()
def extract(
    folder: Annotated[Path, typer.Argument(help="The review folder.")],
    template: Annotated[
        Path | None,
        typer.Option(help="Write the extraction template: OUT.xlsx or OUT.csv."),
    ] = None,
    import_from: Annotated[
        Path | None,
        typer.Option("--import", help="Import a filled template (needs --reviewer)."),
    ] = None,
    reviewer: Annotated[
        str | None, typer.Option(help="Whose extraction is imported.")
    ] = None,
    compare: Annotated[
        bool, typer.Option("--compare", help="List every disagreement.")
    ] = False,
    consensus: Annotated[
        tuple[int, str, str, str, str, str] | None,
        typer.Option(
            help="Record a consensus value: RECORD_ID OUTCOME ARM TIMEPOINT FIELD "
            "VALUE (OUTCOME, ARM and TIMEPOINT '' for a characteristic); needs --by.",
        ),
    ] = None,
    consensus_file: Annotated[
        Path | None,
        typer.Option(
            help="Record the consensus values of a CSV (record_id, outcome_id, arm, "
            "timepoint, field, value, by)."
        ),
    ] = None,
    by: Annotated[str | None, typer.Option(help="Who decided the consensus.")] = None,
    show: Annotated[
        tuple[str, str] | None,
        typer.Option(help="Print the analysis data of OUTCOME TIMEPOINT."),
    ] = None,
) -> None:
    """Extract data: write the template, import, compare, settle, show data."""
    from ._validate import InputError
    from .review import extraction as ex

    with _review(folder) as (store, protocol):
        if template is not None:
            for path in ex.write_template(store, protocol, template):
                typer.echo(f"Template written to {path}")
        if import_from is not None:
            if reviewer is None:
                raise InputError("--import needs --reviewer NAME")
            s = ex.import_extraction(store, protocol, import_from, reviewer)
            typer.echo(
                f"{s.values} values of {s.rows} rows ({s.studies} studies) "
                f"imported for {reviewer} from {s.file}"
            )
        if consensus is not None:
            if by is None:
                raise InputError("--consensus needs --by NAME")
            ex.record_consensus(store, *consensus, by=by)
            typer.echo(f"Consensus recorded: {' '.join(map(str, consensus))}")
        if consensus_file is not None:
            n = ex.import_consensus(store, consensus_file, by=by)
            typer.echo(f"{n} consensus values recorded from {consensus_file}")
        if compare:
            table = ex.compare_extraction(store)
            typer.echo(table.to_string(index=False) if len(table) else "")
            open_ = int((~table["resolved"].astype(bool)).sum())
            typer.echo(f"{len(table)} disagreement(s), {open_} without consensus.")
        if show is not None:
            data = ex.arm_data(store, protocol, *show)
            typer.echo(data.to_string(index=False))


@app.command()
def appraise(
    folder: Annotated[Path, typer.Argument(help="The review folder.")],
    tool: Annotated[
        str, typer.Option(help="rob2, rob2-adherence, rob1 or robins-i.")
    ] = "rob2",
    import_from: Annotated[
        Path | None,
        typer.Option(
            "--import",
            help="Import a reviewer's appraisals (CSV: study, item, answer or "
            "judgement, support); needs --reviewer.",
        ),
    ] = None,
    reviewer: Annotated[
        str | None, typer.Option(help="Whose appraisals are imported.")
    ] = None,
    consensus_file: Annotated[
        Path | None,
        typer.Option(help="Record agreed domain judgements from a CSV; needs --by."),
    ] = None,
    by: Annotated[str | None, typer.Option(help="Who decided the consensus.")] = None,
    compare: Annotated[
        bool, typer.Option("--compare", help="List every disagreement.")
    ] = False,
    agreement: Annotated[
        bool, typer.Option("--agreement", help="Agreement per domain (kappa).")
    ] = False,
    show: Annotated[
        bool, typer.Option("--show", help="Print the current judgements.")
    ] = False,
) -> None:
    """Appraise risk of bias: import appraisals, compare, settle, agreement."""
    from ._validate import InputError
    from .review import rob

    with _review(folder) as (store, _):
        if import_from is not None:
            if reviewer is None:
                raise InputError("--import needs --reviewer NAME")
            n = rob.import_appraisals(store, import_from, reviewer, tool)
            typer.echo(f"{n} answers and judgements imported for {reviewer}")
        if consensus_file is not None:
            if by is None:
                raise InputError("--consensus-file needs --by NAME")
            n = rob.import_rob_consensus(store, consensus_file, tool, by)
            typer.echo(f"{n} consensus judgements recorded from {consensus_file}")
        if compare:
            table = rob.compare_appraisals(store, tool)
            typer.echo(table.to_string(index=False) if len(table) else "")
            typer.echo(f"{len(table)} disagreement(s).")
        if agreement:
            typer.echo(rob.rob_agreement(store, tool).to_string(index=False))
        if show:
            typer.echo(rob.appraisals(store, tool).to_string(index=False))


_GRADE_DOMAINS = (
    "risk_of_bias, inconsistency, indirectness, imprecision, publication_bias, "
    "large_effect, dose_response or plausible_confounding."
)


@app.command()
def grade(
    folder: Annotated[Path, typer.Argument(help="The review folder.")],
    outcome: Annotated[str | None, typer.Option(help="The outcome id.")] = None,
    timepoint: Annotated[
        str | None,
        typer.Option(help="The outcome's timepoint (default: its only one)."),
    ] = None,
    comparison: Annotated[str, typer.Option(help="The comparison, if several.")] = "",
    domain: Annotated[str | None, typer.Option(help=_GRADE_DOMAINS)] = None,
    rating: Annotated[
        int | None, typer.Option(help="0, -1, -2 (down) or 1, 2 (up).")
    ] = None,
    justification: Annotated[
        str | None, typer.Option(help="Why (needed for any rating but 0).")
    ] = None,
    by: Annotated[str | None, typer.Option(help="Who decided.")] = None,
    show: Annotated[
        bool, typer.Option("--show", help="Print the current GRADE judgements.")
    ] = False,
) -> None:
    """Record a GRADE judgement of an outcome's certainty, or show them all."""
    from ._validate import InputError
    from .review.grade import grade_judgements, record_grade

    with _review(folder) as (store, protocol):
        if domain is not None or rating is not None:
            if outcome is None or domain is None or rating is None or by is None:
                raise InputError(
                    "recording needs --outcome, --domain, --rating and --by"
                )
            chosen = protocol.outcome(outcome)
            if chosen is None:
                raise InputError(
                    f"--outcome {outcome!r} is not an outcome of review.toml; "
                    f"outcomes are: {', '.join(o.id for o in protocol.outcomes)}"
                )
            times = chosen.timepoints
            if timepoint is None and len(times) == 1:
                timepoint = times[0]
            if timepoint is None:
                raise InputError(
                    f"give --timepoint: {outcome!r} has timepoints " + ", ".join(times)
                )
            if timepoint not in times:
                raise InputError(
                    f"--timepoint {timepoint!r} is not a timepoint of "
                    f"{outcome!r}; timepoints are: {', '.join(times)}"
                )
            record_grade(store, outcome, timepoint, domain, rating,
                         justification=justification, decided_by=by,
                         comparison=comparison)  # fmt: skip
            typer.echo(
                f"GRADE {domain} of {outcome} ({timepoint}) recorded: {rating:+d}."
            )
        elif not show:
            raise InputError("give --show, or --domain and --rating to record")
        if show:
            table = grade_judgements(store)
            if len(table):
                typer.echo(table.to_string(index=False))
            else:
                typer.echo("No GRADE judgements recorded.")


@app.command()
def serve(
    folder: Annotated[Path, typer.Argument(help="The review folder.")],
    host: Annotated[
        str, typer.Option(help="Address to listen on (only this machine by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the review to its team in the browser (creates the project if missing)."""
    from .web.server import serve as run_server

    with _errors():
        run_server(folder, host=host, port=port, echo=typer.echo)


def main() -> None:
    """Entry point of the ``metareview`` console script."""
    app()
