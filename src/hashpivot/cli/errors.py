"""Translate errors into what a CLI user sees: one line per problem, exit 2 or 1."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import typer

from hashpivot.exceptions import (
    ClusterError,
    HashpivotError,
    InputError,
    Problem,
    SolverError,
    reword,
)

if TYPE_CHECKING:
    from rich.console import Console

P = ParamSpec("P")
R = TypeVar("R")

EXIT_INPUT = 2
EXIT_FAILURE = 1


@functools.cache
def err_console() -> Console:
    """The stderr console of ``error:`` and ``warning:`` lines, made on first use (a
    command that prints neither, such as ``hashprice --json``, never imports rich)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


def report_input_error(exc: InputError) -> None:
    """Print every problem of an :class:`InputError` on its own line to stderr."""
    for problem in exc.problems:
        err_console().print(f"error: {problem}", markup=False)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a typer command so users never see a traceback.

    :class:`InputError` -> one line per problem, exit 2; other :class:`HashpivotError`
    -> one line, exit 1; any other exception -> a one-line internal error, exit 1 (set
    ``HASHPIVOT_DEBUG=1`` to re-raise with the traceback).
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from hashpivot.cli.inputs import PENDING_WARNINGS

        PENDING_WARNINGS.clear()
        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except InputError as exc:
            report_input_error(exc)
            raise typer.Exit(EXIT_INPUT) from None
        except HashpivotError as exc:
            err_console().print(f"error: {exc}", markup=False)
            raise typer.Exit(EXIT_FAILURE) from None
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:
            import os

            if os.environ.get("HASHPIVOT_DEBUG"):
                raise
            err_console().print(
                f"internal error: {type(exc).__name__}: {exc} "
                "(set HASHPIVOT_DEBUG=1 for the traceback)",
                markup=False,
            )
            raise typer.Exit(EXIT_FAILURE) from None

    return wrapper


def fail_input(message: str, path: str = "", source: str = "<command line>") -> None:
    """Raise an :class:`InputError` for a single command-line problem."""
    raise InputError([Problem(path=path, message=message, source=source)])


def flush() -> None:
    """Flush stdout (used before exiting from long commands)."""
    sys.stdout.flush()


def speak_options(message: str, words: Mapping[str, str]) -> str:
    """``message`` with each argument an engine names in backquotes (```prices_file```)
    replaced by what the user typed for it (``--prices FILE``): the command line's words
    (:func:`hashpivot.exceptions.reword`)."""
    return reword(message, words)


@contextmanager
def options_for(
    arguments: Mapping[str, str], spoken: Mapping[str, str] | None = None
) -> Iterator[None]:
    """Report problems about an engine's arguments at the option the user typed.

    Engines name their arguments (``site``, ``prices_file``); only the CLI speaks of flags.
    Inside this block, an :class:`InputError` whose problem is at one of ``arguments``
    (argument name -> option) is re-raised at the option, from ``<command line>``; in
    every message, an argument named in backquotes (```prices_file```) becomes its
    option, or its entry in ``spoken`` (argument name -> text, e.g. ``--prices FILE``,
    also for arguments no problem is at); a :class:`SolverError`'s or
    :class:`ClusterError`'s message too.
    """
    words = {**arguments, **(spoken or {})}
    try:
        yield
    except InputError as exc:
        raise InputError(
            [
                Problem(
                    arguments.get(p.path, p.path),
                    speak_options(p.message, words),
                    (p.source or "<command line>") if p.path in arguments else p.source,
                )
                for p in exc.problems
            ]
        ) from None
    except (SolverError, ClusterError) as exc:  # (a solve stopped: "raise `time_limit_s`";
        # no scheduler at `scheduler`)
        raise type(exc)(speak_options(str(exc), words)) from None
