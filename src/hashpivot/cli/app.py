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
)


def _register_all() -> None:
    for name in _COMMAND_MODULES:
        module = importlib.import_module(name)
        module.register(app)


_register_all()


def main() -> None:
    """Entry point of the ``hashpivot`` console script."""
    app()
