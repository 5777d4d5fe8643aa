"""Options shared by several commands, and checks of command-line values that typer cannot
express: ISO dates and months, finite numbers, option combinations. Each failure is an
:class:`InputError` naming the option."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from hashpivot.exceptions import InputError, Problem
from hashpivot.reports.out_files import out_help
from hashpivot.run_defaults import (
    MAX_DISCOUNT_RATE,
    MAX_HORIZON_YEARS,
    MAX_SEED,
    MIN_DISCOUNT_RATE,
    MIN_HORIZON_YEARS,
)

if TYPE_CHECKING:
    from hashpivot.models.portfolio import Portfolio

T = TypeVar("T")

#: Root of the mempool.space REST API: the default ``--base-url`` of the commands that fetch.
MEMPOOL_API = "https://mempool.space/api"

#: The portfolio TOML file a command reads (its first argument).
PortfolioFile = Annotated[Path, typer.Argument(help="Portfolio TOML file.")]
#: ``--site``: one site of the portfolio instead of every site.
OnlySite = Annotated[
    str | None, typer.Option("--site", help="Only this site (default: every site).")
]
#: ``--start``: the construction start month of the "convert" strategy.
ConvertStart = Annotated[
    str | None,
    typer.Option("--start", help="Construction start of the convert strategy YYYY-MM."),
]
#: ``--json``: the one-object output of a command that prints text lines.
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
#: ``--json``: the one-object output of a command that prints a table.
JsonTableFlag = Annotated[
    bool, typer.Option("--json", help="Print one JSON object instead of a table.")
]


def folder_path(value: str) -> Path:
    """The folder a folder option names (``--out``, ``--keep``); an empty or blank name
    is bad input, at the option (typer made ``.`` of ``--out ""``: a run wrote its files
    into the working folder)."""
    if not value.strip():
        raise typer.BadParameter(
            f"an empty name names no folder: leave the option out for none (got {value!r})")
    return Path(value)


def _out_dir(command: str) -> Any:
    """``--out``: the folder of ``command``'s charts and tables, its help naming each file
    the command's writer names (:mod:`hashpivot.reports.out_files`)."""
    return typer.Option("--out", help=out_help(command), parser=folder_path,
                        metavar="<path>")


BacktestOutDir = Annotated[Path | None, _out_dir("backtest")]
PivotOutDir = Annotated[Path | None, _out_dir("pivot")]
SimulateOutDir = Annotated[Path | None, _out_dir("simulate")]
DispatchOutDir = Annotated[Path | None, _out_dir("dispatch")]
OptimizeOutDir = Annotated[Path | None, _out_dir("optimize")]
#: ``--seed``: the root of a Monte Carlo run's chunk seeds.
Seed = Annotated[int, typer.Option("--seed", help="Root random seed (0 to 2**128 - 1).")]
#: ``--workers``: a local Dask cluster for a chunked run.
DaskWorkers = Annotated[
    int | None,
    typer.Option("--workers", help="Start a local Dask cluster with N worker processes "
                 "(1 to 1024)."),
]
#: ``--scheduler``: an existing Dask cluster for a chunked run.
DaskScheduler = Annotated[
    str | None,
    typer.Option("--scheduler", help="Use an existing Dask scheduler (tcp://HOST:PORT); "
                 "exit 1 when none answers there within 10 s."),
]


def base_url_option(note: str = "") -> Any:
    """``--base-url``, a mempool.space-compatible API root (``note`` ends its help)."""
    return typer.Option("--base-url", help=f"mempool.space-compatible API root{note}.")


def timeout_option(what: str = "request") -> Any:
    """``--timeout-s``, the timeout of each ``what`` sent to the API. [s]"""
    return typer.Option("--timeout-s", help=f"Timeout of each {what}. [s]", min=0.1)


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MONTH = re.compile(r"^\d{4}-\d{2}$")


def iso_day(value: str, option: str) -> str:
    """``value`` when it is an ISO day ``YYYY-MM-DD`` that exists, else an
    :class:`~hashpivot.exceptions.InputError` naming ``option`` (``01/02/2025`` is
    ambiguous: 1 February or 2 January; it is refused, not guessed)."""
    from hashpivot.cli.errors import fail_input

    text = value.strip()
    try:
        if not _ISO_DAY.match(text):
            raise ValueError
        dt.date.fromisoformat(text)
    except ValueError:
        fail_input(f"expected an ISO date YYYY-MM-DD, e.g. 2025-01-31 (got {value!r})", option)
    return text


def iso_month(value: str, option: str) -> str:
    """``value`` when it is an ISO month ``YYYY-MM`` (01-12), else an
    :class:`~hashpivot.exceptions.InputError` naming ``option``."""
    from hashpivot.cli.errors import fail_input

    text = value.strip()
    if not _ISO_MONTH.match(text) or not 1 <= int(text[5:]) <= 12 or int(text[:4]) < 1:
        fail_input(f"expected an ISO month YYYY-MM, e.g. 2026-07 (got {value!r})", option)
    return text


def seed_and_cluster_problems(
    seed: int, scheduler: str | None, workers: int | None
) -> list[Problem]:
    """Problems of the ``--seed``, ``--scheduler`` and ``--workers`` options of the
    chunked engines (``simulate``, ``optimize``): a seed below 0, both cluster options,
    a scheduler that is no Dask address."""
    from hashpivot.executors import scheduler_address_problem

    cli = "<command line>"
    problems: list[Problem] = []
    if not 0 <= seed <= MAX_SEED:  # (numpy's 128-bit entropy)
        problems.append(Problem("--seed", f"must be in [0, 2**128 - 1] (got {shown(seed)})",
                                cli))
    if workers is not None and not 1 <= workers <= 1024:
        problems.append(Problem("--workers", f"must be in [1, 1024] (got {shown(workers)})",
                                cli))
    if workers is not None and scheduler is not None:
        problems.append(Problem("--workers", "give --workers or --scheduler, not both", cli))
    if scheduler is not None and (problem := scheduler_address_problem(scheduler)):
        problems.append(Problem("--scheduler", problem, cli))
    return problems


def collect(problems: list[Problem], check: Callable[[], T]) -> T | None:
    """``check()``, or None with its :class:`InputError`'s problems added to
    ``problems`` (so a command lists every option's problem with the file's)."""
    try:
        return check()
    except InputError as exc:
        problems.extend(exc.problems)
        return None


def shown(value: object) -> str:
    """A value as the user typed it, shortened when very long (a 400-digit integer)."""
    text = repr(value)
    return text if len(text) <= 24 else f"{text[:12]}...{text[-4:]} ({len(text)} characters)"


def collected(check: Callable[[], object]) -> list[Problem]:
    """The problems of ``check()``'s :class:`InputError` (none when it passes)."""
    out: list[Problem] = []
    collect(out, check)
    return out


def at_least_problems(**options: tuple[float | None, float]
                      | tuple[float | None, float, float]) -> list[Problem]:
    """A problem per option ``--name`` (keyword ``name``, ``_`` for ``-``) whose value is
    below its least value, above its greatest when one is given, or NaN (``(value, least)``
    or ``(value, least, most)``; None: not given). Infinity passes where no greatest value
    is given (no limit: ``--time-limit inf``); integers are compared as integers (a
    400-digit one does not overflow)."""
    out = []
    for name, (value, least, *most) in options.items():
        if value is None:
            continue
        flag = "--" + name.replace("_", "-")
        if most and not least <= value <= most[0]:  # (NaN fails)
            out.append(Problem(flag, f"must be in [{least:,}, {most[0]:,}] (got "
                               f"{shown(value)})", "<command line>"))
        elif not most and not value >= least:
            out.append(Problem(flag, f"must be >= {least:g} (got {shown(value)})",
                               "<command line>"))
    return out


def site_check(site: str | None) -> Callable[[Portfolio], list[Problem]]:
    """The check of ``--site`` against the file's sites (none without ``--site``)."""
    def check(portfolio: Portfolio) -> list[Problem]:
        from hashpivot.models.portfolio import find_site

        if site is None:
            return []
        try:
            find_site(portfolio.sites, site)
        except InputError as exc:
            return [Problem("--site", p.message, "<command line>") for p in exc.problems]
        return []
    return check


def conversion_check(site: str | None, convert_mw: float | None, start: str | None,
                     source: str, horizon_months: int | None = None,
                     scenario_start: bool = False, start_bad: bool = False
                     ) -> Callable[[Portfolio], list[Problem]]:
    """The check of ``--site``, ``--convert-mw`` and ``--start`` against the file's sites
    as the engines take them (:func:`~hashpivot.engines.pivot.strategies.
    conversion_problems`: MW beyond the convertible ones, a start outside the horizon),
    each problem at its option or, for the file's own values, at its field in
    ``source``; from ``[scenario] start`` on when ``scenario_start`` (``simulate``).
    With ``start_bad`` (a ``--start`` given but invalid, ``start`` None) the file's start,
    which it overrides, is not checked."""
    def check(portfolio: Portfolio) -> list[Problem]:
        from hashpivot.cli.errors import options_for
        from hashpivot.engines.pivot.strategies import conversion_problems
        from hashpivot.models.pivot import FILE_START_FIELD

        first = portfolio.scenario.start if scenario_start and portfolio.scenario else None

        def run() -> None:
            with options_for({"site": "--site", "convert_mw": "--convert-mw",
                              "start": "--start"}):
                problems = conversion_problems(portfolio, site, convert_mw, start,
                                               horizon_months, first)
                if problems:
                    raise InputError(problems)
        return [Problem(p.path, p.message, p.source or source) for p in collected(run)
                if not (start_bad and p.path == FILE_START_FIELD)]
    return check


def simulate_option_problems(
    seed: int,
    years: float | None,
    scheduler: str | None,
    workers: int | None,
    discount_rate: float | None,
    convert_mw: float | None,
) -> list[Problem]:
    """Every problem of simulate's numeric and scheduler options (each naming its
    option)."""
    cli = "<command line>"
    problems = seed_and_cluster_problems(seed, scheduler, workers)
    if years is not None and not (
        math.isfinite(years) and MIN_HORIZON_YEARS <= years <= MAX_HORIZON_YEARS
    ):
        problems.append(
            Problem("--years", f"must be a number of years in [{MIN_HORIZON_YEARS:g}, "
                    f"{MAX_HORIZON_YEARS:g}] (got {years})", cli)
        )
    if discount_rate is not None and not (
        math.isfinite(discount_rate) and MIN_DISCOUNT_RATE <= discount_rate <= MAX_DISCOUNT_RATE
    ):
        problems.append(
            Problem(
                "--discount-rate", f"must be a fraction in [{MIN_DISCOUNT_RATE:g}, "
                f"{MAX_DISCOUNT_RATE:g}] (got {discount_rate})", cli
            )
        )
    if convert_mw is not None and not (math.isfinite(convert_mw) and 0 < convert_mw <= 10_000):
        problems.append(
            Problem("--convert-mw", f"must be > 0 and <= 10000 MW (got {convert_mw})", cli)
        )
    return problems


def check_out_dir(out: Path | None, option: str = "--out", command: str | None = None) -> None:
    """Make sure ``--out`` (or another folder ``option``) is a folder that exists or can be
    created, and is writable, before any work is done: an :class:`InputError` naming the
    option otherwise (a file in the way, a missing parent that cannot be created, no
    permission). Folders it creates to find out are removed again (the writers create
    them), so a run that fails on another problem leaves none behind. With ``command``, a
    folder the run could spoil is refused too (files of no run, another command's run, a
    previous output since changed: :func:`hashpivot.cli.out_folder.out_folder_problems`)."""
    if out is None:
        return
    cli = "<command line>"
    if command is not None:
        from hashpivot.cli.out_folder import out_folder_problems

        if problems := out_folder_problems(out, command, option):
            raise InputError(problems)
    try:
        is_file = out.exists() and not out.is_dir()
    except OSError as exc:  # a name too long, a folder not searchable
        raise InputError([Problem(option, f"cannot use folder {out}: "
                                  f"{exc.strerror or exc}", cli)]) from None
    if is_file:
        raise InputError([Problem(option, f"{out} is a file, not a folder", cli)])
    missing = [p for p in (out, *out.parents) if not p.exists()]  # deepest first
    try:
        out.mkdir(parents=True, exist_ok=True)
        if not os.access(out, os.W_OK | os.X_OK):
            raise InputError([Problem(option, f"folder {out} is not writable", cli)])
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError([Problem(option, f"cannot create folder {out}: {reason}", cli)]) from None
    finally:
        for folder in missing:  # only those it made, empty
            with contextlib.suppress(OSError):
                folder.rmdir()
