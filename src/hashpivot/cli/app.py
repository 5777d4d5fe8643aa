"""The ``hashpivot`` command: one typer app, commands registered from sibling modules.

Each command module exposes ``register(app: typer.Typer) -> None``; add it to
``_COMMAND_MODULES`` to wire it in.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="hashpivot",
    help=(
        "What a Bitcoin miner's megawatts are worth: mining unit economics, AI/HPC hosting "
        "pivots, risk and dispatch. Every number carries its unit in its name."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_COMMAND_MODULES: tuple[str, ...] = (
    "hashpivot.cli.economics",
    "hashpivot.cli.data_cmds",
    "hashpivot.cli.dispatch",
    "hashpivot.cli.simulate",
    "hashpivot.cli.pivot",
    "hashpivot.cli.serve",
    "hashpivot.cli.keys",
    "hashpivot.cli.runs",
    "hashpivot.cli.optimize",
)


def _register_all() -> None:
    for name in _COMMAND_MODULES:
        module = importlib.import_module(name)
        module.register(app)


_register_all()


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``hashpivot`` console script.

    Usage errors (unknown option, a value that is not a number...) are printed as one
    ``error:`` line with the usage hint and exit with code 2, like every input problem.
    """
    import sys

    # typer >= 0.20 vendors click, so match its exceptions by shape, not by class.
    try:
        result = app(args=argv, standalone_mode=False)
    except Exception as exc:
        kind = type(exc).__name__
        ctx = getattr(exc, "ctx", None)
        if kind == "NoArgsIsHelpError":
            typer.echo(ctx.get_help() if ctx is not None else "")
            sys.exit(0)
        if hasattr(exc, "format_message") and getattr(exc, "exit_code", 1) == 2:
            hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
            typer.echo(f"error: <command line>: {exc.format_message()}{hint}", err=True)
            sys.exit(2)
        if kind == "Abort":
            typer.echo("aborted", err=True)
            sys.exit(1)
        if hasattr(exc, "exit_code"):
            sys.exit(int(exc.exit_code))
        raise
    sys.exit(result if isinstance(result, int) else 0)
