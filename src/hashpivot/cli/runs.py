"""``hashpivot runs list|show|reproduce``: runs stored by the web service."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from hashpivot.cli.errors import fail_input, handle_errors
from hashpivot.store.compare import diff_json
from hashpivot.store.provenance import ProvenanceChange

runs_app = typer.Typer(help="Runs stored by `hashpivot serve`.", no_args_is_help=True)

#: The largest id the store gives (a 32-bit signed integer, as the API's paths): a larger
#: one is refused as out of range, not looked up (SQLite cannot take it).
MAX_ID = 2**31 - 1

#: ``RUN_ID``: the id of a stored run (``runs list`` shows them).
RunId = Annotated[int, typer.Argument(help="Run id.", metavar="RUN_ID", min=1, max=MAX_ID)]


def provenance_notes(stored: dict[str, Any], now: dict[str, Any],
                     change: ProvenanceChange) -> list[str]:
    """The lines ``runs reproduce`` prints about what changed since a run (its
    :func:`~hashpivot.store.provenance.provenance` against today's)."""
    notes = []
    if stored.get("package_version") != now.get("package_version"):
        notes.append(f"package version {stored.get('package_version')} -> "
                     f"{now.get('package_version')}")
    if not change.recorded:
        notes.append("the run was stored before code and library versions were recorded")
    if change.code:
        notes.append("code changed since the run in: " + ", ".join(change.code))
    if change.libraries:
        notes.append("libraries changed since the run: " + ", ".join(change.libraries))
    if change.data:
        notes.append("data changed since the run: " + ", ".join(change.data))
    return notes


def exit_on_differences(label: str, differs: list[str], n_differ: int,
                        change: ProvenanceChange, what: str = "value(s)") -> None:
    """Print each difference (50 at most) and what they mean under ``change``, then exit
    with code 1; return when there is none."""
    if not differs:
        return
    for line in differs[:50]:
        typer.echo(f"differs: {line}", err=True)
    typer.echo(f"{label}: {change.verdict(n_differ, what)}", err=True)
    raise typer.Exit(1)


@runs_app.command("list")
@handle_errors
def list_runs(
    limit: Annotated[int, typer.Option("--limit", help="How many, newest first.", min=1,
                                       max=MAX_ID)] = 20,
) -> None:
    """List runs: id, portfolio (name and id), kind, status, created, message."""
    from rich.markup import escape
    from sqlalchemy import select

    from hashpivot.cli.tables import compact_table, make_console
    from hashpivot.store.db import settings_sessions
    from hashpivot.store.portfolios import run_portfolio_names
    from hashpivot.store.tables import RunRow

    table = compact_table()
    for heading in ("run", "portfolio", "kind", "status", "created (UTC)"):
        table.add_column(heading, overflow="fold", no_wrap=heading != "portfolio")
    table.add_column("message", overflow="fold")
    with settings_sessions()() as s:
        runs = list(s.scalars(select(RunRow).order_by(RunRow.id.desc()).limit(limit)))
        names = run_portfolio_names(s, runs)
    if not runs:
        typer.echo("no runs yet")  # (as the pages' runs lists say)
        return
    for r in runs:
        table.add_row(f"#{r.id}", escape(portfolio_label(names.get(r.id), r.portfolio_id)),
                      r.kind, r.status, f"{r.created_at:%Y-%m-%d %H:%M:%S}",
                      escape(r.message))
    make_console().print(table)


def portfolio_label(name: str | None, portfolio_id: int | None) -> str:
    """A run's portfolio as the runs lists of the pages show it: its name (at the run's
    revision, :func:`~hashpivot.store.portfolios.run_portfolio_names`) and ``#id``, or,
    deleted since, ``<name> (deleted)``
    (:func:`~hashpivot.store.portfolios.deleted_portfolio_label`)."""
    from hashpivot.store.portfolios import deleted_portfolio_label

    if portfolio_id is None:
        return deleted_portfolio_label(name)
    return f"{name} #{portfolio_id}" if name else f"#{portfolio_id}"


@runs_app.command("show")
@handle_errors
def show(
    run_id: RunId,
    tables: Annotated[
        bool,
        typer.Option("--tables", help="Print the finished run's tables (as its page shows "
                     "them) instead of the JSON object."),
    ] = False,
) -> None:
    """Print a run as one JSON object (inputs, provenance, results), or its tables."""
    from hashpivot.store.db import settings_sessions
    from hashpivot.store.tables import RunRow

    with settings_sessions()() as s:
        r = s.get(RunRow, run_id)
        if r is None:
            fail_input(f"no run {run_id}", "RUN_ID")
        assert r is not None
        if tables:
            if r.status != "succeeded" or r.results is None:
                fail_input(f"run {run_id} is {r.status}: no tables", "RUN_ID")
            assert r.results is not None
            _print_tables(r.kind, r.results, r.inputs or {})
            return
        typer.echo(
            json.dumps(
                {
                    "id": r.id,
                    "kind": r.kind,
                    "status": r.status,
                    "message": r.message,
                    "inputs": r.inputs,
                    "provenance": r.provenance,
                    "results": r.results,
                },
                default=str,
            )
        )


def _print_tables(kind: str, results: dict[str, Any], inputs: dict[str, Any]) -> None:
    """A stored run's tables (:func:`hashpivot.store.runs.stored_run_tables`) in the
    terminal: numbers right-aligned, notes under each table."""
    from rich.markup import escape

    from hashpivot.cli.tables import compact_table, make_console
    from hashpivot.store.runs import stored_run_tables

    console = make_console()
    for t in stored_run_tables(kind, results, inputs):
        table = compact_table(escape(t.title), escape("; ".join(t.notes)) if t.notes else None)
        for i, heading in enumerate(t.header):
            table.add_column(escape(heading), justify="right" if i in t.right else "left",
                             overflow="fold")
        for row in t.rows:
            table.add_row(*(escape(c) for c in row))
        console.print(table)


@runs_app.command("reproduce")
@handle_errors
def reproduce(
    run_id: RunId,
    as_json: Annotated[bool, typer.Option("--json", help="Print the reproduced results.")] = False,
) -> None:
    """Run a stored run again from its resolved inputs and compare with its results.

    Exit 0 when every stored number is reproduced identically, 1 when any differs or is
    no longer computed. The differences are listed, with what changed since the run: the
    folders of the package whose code changed, the numeric libraries' versions, the data
    files; with none of them changed, a difference is a failure to reproduce and is called
    so. Values a newer version adds to the results are listed as notes: they were not
    stored, so there is nothing to compare them with.
    """
    from hashpivot.store.db import settings_sessions
    from hashpivot.store.provenance import compare_provenance
    from hashpivot.store.runs import RunContext, execute_run, provenance
    from hashpivot.store.settings import get_settings
    from hashpivot.store.tables import RunRow

    with settings_sessions()() as s:
        r = s.get(RunRow, run_id)
    if r is None:
        fail_input(f"no run {run_id}", "RUN_ID")
    assert r is not None
    if r.status != "succeeded" or r.results is None or r.inputs is None:
        fail_input(f"run {run_id} is {r.status}: nothing to reproduce", "RUN_ID")
    assert r.inputs is not None
    stored_provenance = r.provenance or {}
    now = provenance()
    change = compare_provenance(stored_provenance, now)
    for line in provenance_notes(stored_provenance, now, change):
        typer.echo(f"note: {line}", err=True)
    out = execute_run(r.inputs, RunContext(max_memory_mib=get_settings().max_memory_mib))
    fresh = json.loads(json.dumps(out.results))
    if as_json:
        typer.echo(json.dumps(fresh))
    diff = diff_json(r.results, fresh)
    if diff.added:
        shown = ", ".join(diff.added[:20]) + (", ..." if len(diff.added) > 20 else "")
        typer.echo(
            f"note: {len(diff.added)} value(s) not in the stored run (added by a later "
            f"version; nothing to compare): {shown}",
            err=True,
        )
    exit_on_differences(f"run {run_id}", diff.differs, len(diff.differs), change)
    typer.echo(f"run {run_id} ({r.kind}): reproduced, every stored value identical", err=True)


def register(app: typer.Typer) -> None:
    """Add the ``runs`` group to the app."""
    app.add_typer(runs_app, name="runs")
