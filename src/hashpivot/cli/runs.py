"""``hashpivot runs list|show|reproduce``: runs stored by the web service."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from hashpivot.cli.errors import fail_input, handle_errors

runs_app = typer.Typer(help="Runs stored by `hashpivot serve`.", no_args_is_help=True)

#: ``RUN_ID``: the id of a stored run (``runs list`` shows them).
RunId = Annotated[int, typer.Argument(help="Run id.")]


#: Result keys that are wall-clock measurements, not numbers of the model.
WALL_CLOCK_SUFFIXES = ("_seconds", "timings_s")


def diff_json(a: Any, b: Any, path: str = "") -> list[str]:
    """Paths where two JSON values differ (exact comparison, floats included); wall-clock
    timings (keys ending ``_seconds``, ``timings_s``) are not compared."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if str(k).endswith(WALL_CLOCK_SUFFIXES):
                continue
            p = f"{path}.{k}" if path else str(k)
            if k not in a or k not in b:
                out.append(f"{p}: only in {'stored' if k in a else 'reproduced'}")
            else:
                out.extend(diff_json(a[k], b[k], p))
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items stored, {len(b)} reproduced"]
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out.extend(diff_json(x, y, f"{path}[{i}]"))
        return out
    return [] if a == b else [f"{path}: stored {a!r}, reproduced {b!r}"]


@runs_app.command("list")
@handle_errors
def list_runs(
    limit: Annotated[int, typer.Option("--limit", help="How many, newest first.", min=1)] = 20,
) -> None:
    """List runs: id, kind, status, portfolio, created."""
    from sqlalchemy import select

    from hashpivot.store.db import settings_sessions
    from hashpivot.store.tables import RunRow

    with settings_sessions()() as s:
        for r in s.scalars(select(RunRow).order_by(RunRow.id.desc()).limit(limit)):
            typer.echo(
                f"{r.id}\t{r.kind}\t{r.status}\tportfolio {r.portfolio_id}\t"
                f"{r.created_at:%Y-%m-%d %H:%M:%S}\t{r.message}"
            )


@runs_app.command("show")
@handle_errors
def show(run_id: RunId) -> None:
    """Print a run as one JSON object (inputs, provenance, results)."""
    from hashpivot.store.db import settings_sessions
    from hashpivot.store.tables import RunRow

    with settings_sessions()() as s:
        r = s.get(RunRow, run_id)
        if r is None:
            fail_input(f"no run {run_id}", "RUN_ID")
        assert r is not None
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


@runs_app.command("reproduce")
@handle_errors
def reproduce(
    run_id: RunId,
    as_json: Annotated[bool, typer.Option("--json", help="Print the reproduced results.")] = False,
) -> None:
    """Run a stored run again from its resolved inputs and compare with its results.

    Exit 0 when every number is identical, 1 when anything differs (the differences and
    any change of package or data version are listed).
    """
    from hashpivot.store.db import settings_sessions
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
    now = provenance()
    for line in diff_json(r.provenance or {}, now):
        typer.echo(f"note: provenance changed: {line}", err=True)
    out = execute_run(r.inputs, RunContext(max_memory_mib=get_settings().max_memory_mib))
    fresh = json.loads(json.dumps(out.results))
    if as_json:
        typer.echo(json.dumps(fresh))
    diffs = diff_json(r.results, fresh)
    if diffs:
        for line in diffs[:50]:
            typer.echo(f"differs: {line}", err=True)
        typer.echo(f"run {run_id}: {len(diffs)} value(s) differ", err=True)
        raise typer.Exit(1)
    typer.echo(f"run {run_id} ({r.kind}): reproduced, every value identical", err=True)


def register(app: typer.Typer) -> None:
    """Add the ``runs`` group to the app."""
    app.add_typer(runs_app, name="runs")
