"""``hashpivot keys create|list|revoke``: API keys of the web service."""

from __future__ import annotations

from typing import Annotated

import typer

from hashpivot.cli.errors import fail_input, handle_errors
from hashpivot.cli.runs import MAX_ID

keys_app = typer.Typer(help="API keys of `hashpivot serve` (Authorization: Bearer <key>).",
                       no_args_is_help=True)


@keys_app.command("create")
@handle_errors
def create(name: Annotated[str, typer.Argument(help="A label for the key.")]) -> None:
    """Create a key and print it once (only its SHA-256 is stored)."""
    from hashpivot.store import keys
    from hashpivot.store.db import settings_sessions

    problem = keys.key_name_problem(name.strip())
    if problem is not None:
        fail_input(problem, "NAME")
    with settings_sessions()() as s, s.begin():
        row, token = keys.create_key(s, name.strip())
        key_id = row.id
    typer.echo(token)
    typer.echo(f"key {key_id} created; it is shown only now", err=True)


@keys_app.command("list")
@handle_errors
def list_keys() -> None:
    """List keys: id, prefix, name, created, revoked."""
    from hashpivot.store import keys
    from hashpivot.store.db import settings_sessions

    with settings_sessions()() as s:
        for row in keys.list_keys(s):
            revoked = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "active"
            typer.echo(
                f"{row.id}\t{row.prefix}...\t{row.name}\t{row.created_at:%Y-%m-%d %H:%M}\t{revoked}"
            )


@keys_app.command("revoke")
@handle_errors
def revoke(key_id: Annotated[int, typer.Argument(help="Key id (see `keys list`).",
                                                metavar="KEY_ID", min=1, max=MAX_ID)]
           ) -> None:
    """Revoke a key (requests with it get 401 from then on)."""
    from hashpivot.store import keys
    from hashpivot.store.db import settings_sessions

    with settings_sessions()() as s, s.begin():
        ok = keys.revoke_key(s, key_id)
    if not ok:
        fail_input(f"no active key {key_id}", "KEY_ID")
    typer.echo(f"key {key_id} revoked")


def register(app: typer.Typer) -> None:
    """Add the ``keys`` group to the app."""
    app.add_typer(keys_app, name="keys")
