"""``hashpivot data update`` and ``hashpivot data status``: the daily chain history."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer

from hashpivot.cli.errors import handle_errors, options_for
from hashpivot.cli.options import MEMPOOL_API, JsonFlag, base_url_option, timeout_option
from hashpivot.cli.output import print_json

data_app = typer.Typer(
    help="Update the daily chain history from mempool.space; show what is there.",
    no_args_is_help=True,
)

_UPDATE_HELP = (
    "Fetch the complete UTC days after the latest data day from mempool.space's public "
    "REST API (difficulty adjustments, block heights, fees per block, USD price) into the "
    "user data directory ($HASHPIVOT_DATA_DIR or the platform's), with provenance and "
    "licence. Every engine then sees the bundled data plus these days. --full rebuilds the "
    "whole history from public chain data, so the CC BY-NC bundled file is no longer read."
)


@data_app.command("update", help=_UPDATE_HELP)
@handle_errors
def update_command(
    full: Annotated[
        bool,
        typer.Option("--full", help="Rebuild the whole history from public chain data."),
    ] = False,
    base_url: Annotated[str, base_url_option()] = MEMPOOL_API,
    timeout_s: Annotated[float, timeout_option()] = 30.0,
    as_json: JsonFlag = False,
) -> None:
    """Fetch the daily chain history after the latest data day."""
    from hashpivot.io.update import update_history

    with options_for({"base_url": "--base-url"}):
        result = update_history(full=full, base_url=base_url, timeout_s=timeout_s)
    if as_json:
        print_json(result)
        return
    if result["days_added"] == 0:
        typer.echo(f"up to date: latest day {result['latest_day']} (nothing new to fetch)")
    else:
        typer.echo(
            f"added {result['days_added']} days ({result['first_new_day']} to "
            f"{result['latest_day']}) to {result['file']}"
        )


@data_app.command("status")
@handle_errors
def status_command(as_json: JsonFlag = False) -> None:
    """What daily history the engines use, where it is and how old it is."""
    from hashpivot.io.user_data import status

    s = status()
    if as_json:
        print_json(s)
        return
    _print_status(s)


def _print_status(s: dict[str, Any]) -> None:
    b = s["bundled"]
    lines = [f"data directory: {s['data_dir']}"]
    used = "used" if b["used"] else "not read (replaced by the chain table)"
    lines.append(f"bundled: {b['first_day']} to {b['last_day']}, {b['licence']}; {used}")
    for key, label in (("chain", "chain table (--full)"), ("updates", "updates")):
        part = s[key]
        if part is None:
            lines.append(f"{label}: none")
        else:
            when = f", fetched {part['fetched_at']}" if "fetched_at" in part else ""
            lines.append(f"{label}: {part['first_day']} to {part['last_day']}{when}; "
                         f"{part['attribution']}")
    age = s["age_days"]
    lines.append(f"latest day: {s['latest_day']} ({age} days ago, {dt.date.today()})")
    import textwrap

    for line in lines:  # wrapped at 80 columns, continuation lines indented
        typer.echo(textwrap.fill(line, 80, subsequent_indent="  ", break_on_hyphens=False))
    if s["stale"]:
        typer.echo("warning: older than 30 days: run `hashpivot data update`", err=True)


def register(app: typer.Typer) -> None:
    """Add the ``data`` group (``update``, ``status``) to the app."""
    app.add_typer(data_app, name="data")
