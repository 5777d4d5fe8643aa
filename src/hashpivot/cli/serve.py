"""``hashpivot serve``: the web dashboard and REST API (uvicorn)."""

from __future__ import annotations

from typing import Annotated

import typer

from hashpivot.cli.errors import fail_input, handle_errors


@handle_errors
def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.", min=1, max=65535)] = 8000,
) -> None:
    """Serve the dashboard and the REST API (OpenAPI at /docs).

    Prints a URL with a one-time token that opens a browser session. The database is
    HASHPIVOT_DATABASE_URL (default: hashpivot.sqlite in the user data directory, e.g.
    ~/.local/share/hashpivot, which HASHPIVOT_DATA_DIR does not move); it is
    migrated on start and seeded with the bundled examples when empty. On an address other
    than loopback HASHPIVOT_SECRET_KEY must be set.
    """
    import uvicorn

    from hashpivot.store import keys
    from hashpivot.store.db import open_settings_database
    from hashpivot.store.settings import get_settings, is_loopback
    from hashpivot.web.app import create_app

    settings = get_settings()
    if not is_loopback(host) and settings.has_default_secret:
        fail_input(
            f"refusing to listen on {host} with the default secret: set HASHPIVOT_SECRET_KEY "
            "to a long random string (e.g. `python -c 'import secrets; "
            "print(secrets.token_hex(32))'`)",
            "--host",
        )
    url = settings.resolved_database_url()
    engine, factory = open_settings_database()
    with factory() as s, s.begin():
        token = keys.create_login_token(s)
    engine.dispose()
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    if ":" in shown:
        shown = f"[{shown}]"
    typer.echo(f"hashpivot: database {url.split('@')[-1]}", err=True)
    typer.echo(f"hashpivot: open http://{shown}:{port}/login?token={token}", err=True)
    typer.echo(f"hashpivot: API docs at http://{shown}:{port}/docs", err=True)
    # keep-alive well above a busy client's gaps: a connection closed by the server just as
    # the client reuses it shows up as a reset on the client side
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_keep_alive=30,
    )


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the app."""
    app.command("serve")(serve_command)
