"""Read the portfolio file a command is given, and print the warnings about its values.

:func:`load_site_file` validates the file (an :class:`~hashpivot.exceptions.InputError`
lists every problem) and prints one ``warning: <file>: <field path>: ...`` line on stderr
per value that looks like the wrong unit (:func:`hashpivot.models.sanity.unit_warnings`).
The same lines go into the ``warnings`` list of the command's ``--json`` document
(:func:`hashpivot.cli.output.print_json` adds them).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from hashpivot.exceptions import Problem
    from hashpivot.models.portfolio import Portfolio

#: Warnings about the input of the command running now (reset by ``handle_errors``).
PENDING_WARNINGS: list[str] = []


def with_input_warnings(obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` with the warnings about the command's input first in its ``warnings`` list
    (unchanged when there are none)."""
    if not PENDING_WARNINGS:
        return obj
    return {**obj, "warnings": [*PENDING_WARNINGS, *obj.get("warnings", [])]}


def warn(message: str) -> None:
    """Print ``warning: <message>`` on stderr and keep it for the ``--json`` document."""
    from hashpivot.cli.errors import err_console

    PENDING_WARNINGS.append(message)
    err_console().print(f"warning: {message}", markup=False)


def load_site_file(path: str | Path, option_problems: Sequence[Problem] = (),
                   checks: Sequence[Callable[[Portfolio], list[Problem]]] = (),
                   document_checks: Sequence[Callable[[dict[str, Any]], list[Problem]]] = (),
                   ) -> Portfolio:
    """Load and validate a portfolio TOML file; warn about values in a doubtful unit.

    Parameters
    ----------
    path : str or Path
        The TOML file.
    option_problems : sequence of Problem, optional
        The command's problems with its options, listed first with the file's.
    checks : sequence of callable, optional
        Checks of options against the file (``--site``), run once it is valid.
    document_checks : sequence of callable, optional
        Checks of the document as read, before it is validated (e.g. the side files of a
        table valid by itself): their problems are listed with the options' and the
        file's; alone, they are left to the engine, which finds them with its own.

    Returns
    -------
    Portfolio
        The validated portfolio.

    Raises
    ------
    InputError
        Every problem of the options and of the file, each with the file name and its
        field path.
    """
    from hashpivot.exceptions import InputError
    from hashpivot.models import validate_data
    from hashpivot.models.loader import read_toml
    from hashpivot.models.portfolio import Portfolio
    from hashpivot.models.sanity import unit_warnings

    try:
        document = read_toml(path)
    except InputError as exc:
        raise InputError([*option_problems, *exc.problems]) from None
    early = [p for check in document_checks for p in check(document)]
    try:
        portfolio = validate_data(Portfolio, document, str(path))
    except InputError as exc:
        raise InputError([*option_problems, *exc.problems, *early]) from None
    portfolio._source_file = str(Path(path).absolute())  # (as load_portfolio)
    found = [*option_problems, *(p for check in checks for p in check(portfolio))]
    found = list(dict.fromkeys(found))  # (an unknown --site, found by two checks: once)
    if found:
        raise InputError([*found, *early])
    for problem in unit_warnings(portfolio, source=str(path)):
        warn(str(problem))
    return portfolio
