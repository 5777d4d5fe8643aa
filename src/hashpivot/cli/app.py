"""The ``hashpivot`` command: one typer app whose commands are imported when they run.

Each command module exposes ``register(app: typer.Typer) -> None``. To wire a command in,
add one line to ``_COMMANDS``: its name, the module that registers it and a one-line help
for ``hashpivot --help``. The module is imported only when that command (or its own
``--help``) runs, so ``hashpivot --help`` and ``--version`` start without pandas, pydantic or
the engines.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import inspect
import re
from collections.abc import Iterator
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

#: command name -> (module whose ``register(app)`` adds it, one-line help in the listing)
_COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("hashpivot.cli.init_cmd", "Write a commented template of a site to start from."),
    "profit": ("hashpivot.cli.profit", "Revenue, power cost and profit per machine per day."),
    "hashprice": ("hashpivot.cli.economics", "Hashprice [USD/PH/day] from price and difficulty."),
    "cost": ("hashpivot.cli.economics", "Cost per BTC, margins and breakevens of a portfolio."),
    "backtest": ("hashpivot.cli.economics", "Daily unit economics over a historical window."),
    "asics": ("hashpivot.cli.data_cmds", "List the bundled ASIC catalog."),
    "network": ("hashpivot.cli.data_cmds", "Bitcoin network state on a day or now (--live)."),
    "data": ("hashpivot.cli.data_update", "Update the daily chain history; show its status."),
    "pivot": ("hashpivot.cli.pivot", "Value AI/HPC conversion strategies against mining."),
    "deals": ("hashpivot.cli.pivot", "Reference miner-AI hosting deals."),
    "simulate": ("hashpivot.cli.simulate", "Monte Carlo risk of the pivot strategies."),
    "dispatch": ("hashpivot.cli.dispatch", "Interval-by-interval dispatch against power prices."),
    "optimize": ("hashpivot.cli.optimize", "Choose conversions under uncertainty (SAA MILP)."),
    "serve": ("hashpivot.cli.serve", "Run the web API and dashboard."),
    "keys": ("hashpivot.cli.keys", "API keys of `hashpivot serve`."),
    "runs": ("hashpivot.cli.runs", "Runs stored by `hashpivot serve`."),
    "reproduce": ("hashpivot.cli.reproduce", "Run an --out folder's command again and compare."),
}


def _reflow(help_text: str | None) -> str | None:
    """A command's help with each paragraph on one line, so the terminal wraps it.

    typer joins the lines of a help's first paragraph but keeps the line breaks of the
    others, so a docstring's 88-column lines broke twice in an 80-column terminal. A
    paragraph that is a list (a line after its first starts with ``- `` or ``* ``) or
    verbatim (``\b``) is kept as written.
    """
    if not help_text:
        return help_text
    out = []
    for para in inspect.cleandoc(help_text).split("\n\n"):
        lines = para.split("\n")
        if para.startswith("\b") or any(ln.lstrip().startswith(("- ", "* ")) for ln in lines[1:]):
            out.append(para)
        else:
            out.append(" ".join(ln.strip() for ln in lines))
    return "\n\n".join(out)


def _literal(help_text: str | None) -> str | None:
    """``help_text`` with every ``[`` escaped, so rich prints it: rich reads ``[fraction]``,
    ``[s]`` or ``[[optimize.committed]]`` as markup tags and drops them from ``--help``
    (a ``[`` already escaped is left as it is)."""
    return re.sub(r"(?<!\\)\[", r"\\[", help_text) if help_text else help_text


def _reflow_commands(group: Any) -> None:
    """:func:`_reflow` the help of every command of ``group``, its subgroups' too, and
    make it and its parameters' help literal text (:func:`_literal`)."""
    for command in group.commands.values():
        command.help = _literal(_reflow(command.help))
        for param in command.params:
            if isinstance(getattr(param, "help", None), str):
                param.help = _literal(param.help)
        if hasattr(command, "commands"):
            _reflow_commands(command)


@functools.cache
def _module_group(module_name: str) -> TyperGroup:
    """The click group holding every command that ``module_name`` registers."""
    sub = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    importlib.import_module(module_name).register(sub)
    group = typer.main.get_group(sub)
    _reflow_commands(group)
    return group


#: The arguments of the command running now (after ``hashpivot``), for the run record
#: that ``--out`` folders carry (:mod:`hashpivot.cli.run_record`); set by :func:`main` (a
#: command invoked in-process through ``app`` records none). Not by overriding the
#: group's ``main``: that made ``python -m hashpivot hashprice --json`` start ~60 ms
#: slower (measured, not explained).
INVOCATION: list[str] = []


class _LazyGroup(TyperGroup):
    """A group that imports a command's module only when the command is looked up."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self.commands, *_COMMANDS]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands or cmd_name not in _COMMANDS:
            return self.commands.get(cmd_name)
        module_name, short_help = _COMMANDS[cmd_name]
        if self._listing:  # the listing of `hashpivot --help` needs only the one-liner
            literal = _literal(short_help)
            return TyperCommand(name=cmd_name, help=literal, short_help=literal)
        return _module_group(module_name).get_command(ctx, cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    name="hashpivot",
    cls=_LazyGroup,
    help=(
        "What a Bitcoin miner's megawatts are worth: mining unit economics, AI/HPC hosting "
        "pivots, risk and dispatch. Every number carries its unit in its name."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    """``hashpivot 0.1.0 (code <16 hex digits>)``: the package version and the hash of its
    code that a run's provenance records (:func:`hashpivot.store.provenance.code_versions`),
    which tells two builds of one version apart."""
    if value:
        from hashpivot import __version__
        from hashpivot.store.provenance import code_versions

        typer.echo(f"hashpivot {__version__} (code {code_versions()['all']})")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the version and exit.",
            callback=_print_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """What a Bitcoin miner's megawatts are worth: mining unit economics, AI/HPC hosting
    pivots, risk and dispatch. Every number carries its unit in its name."""


@contextlib.contextmanager
def _native_stdout_to_stderr() -> Iterator[None]:
    """Keep stdout for the JSON document: Python's ``sys.stdout`` keeps writing to the real
    stdout, while file descriptor 1 (where native libraries such as HiGHS print banners and
    logs) points at stderr; both are restored on exit. Nothing is done when ``sys.stdout``
    is not the process's own stdout (captured by a test, embedded)."""
    import io
    import os
    import sys

    original = sys.stdout
    is_process_stdout = original is sys.__stdout__
    try:
        real = is_process_stdout and original.fileno() == 1
    except (AttributeError, OSError, ValueError):
        real = False
    if not real:
        yield
        return
    original.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = io.TextIOWrapper(
        os.fdopen(os.dup(saved), "wb", buffering=0), encoding="utf-8", line_buffering=True
    )
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stdout.close()
        os.dup2(saved, 1)
        os.close(saved)
        sys.stdout = original


#: Commands whose result starts from the latest data day's market (price, hashrate, fees).
_STARTS_FROM_LATEST_DAY = frozenset({"pivot", "simulate", "optimize"})


def _warn_if_stale(args: list[str]) -> None:
    """After a successful pivot/simulate/optimize: warn on stderr when the latest data day
    is older than 30 days (``cost`` and ``profit`` warn themselves)."""
    command = next((a for a in args if not a.startswith("-")), None)
    if command not in _STARTS_FROM_LATEST_DAY or "--help" in args:
        return
    from hashpivot.io.user_data import staleness_warning

    warning = staleness_warning()
    if warning:
        typer.echo(f"warning: {warning}", err=True)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``hashpivot`` console script.

    Usage errors (unknown option, a value that is not a number...) are printed as one
    ``error:`` line with the usage hint and exit with code 2, like every input problem.
    With ``--json``, stdout carries only the JSON document: native solver output goes to
    stderr.
    """
    import sys

    args = sys.argv[1:] if argv is None else list(argv)
    INVOCATION[:] = [str(a) for a in args]
    guard = _native_stdout_to_stderr() if "--json" in args else contextlib.nullcontext()

    # typer >= 0.20 vendors click, so match its exceptions by shape, not by class.
    try:
        with guard:
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
    code = result if isinstance(result, int) else 0
    if code == 0:
        _warn_if_stale(args)
    sys.exit(code)
