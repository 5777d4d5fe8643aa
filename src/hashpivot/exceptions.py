"""Error hierarchy of hashpivot.

Interfaces translate these: the CLI prints one line per problem and exits 2 for
:class:`InputError`, 1 for other :class:`HashpivotError`; the web API answers 4xx.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: The source of a problem in an environment variable (``HASHPIVOT_WORKERS``), as
#: :class:`Problem` names it.
ENVIRONMENT = "<environment>"


class HashpivotError(Exception):
    """Base class of every error hashpivot raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input.

    Parameters
    ----------
    path : str
        Field path inside the input, e.g. ``sites[0].fleet[1].count``.
    message : str
        What is wrong, in words a user understands.
    source : str
        File or origin of the input (``"<command line>"`` when none).
    """

    path: str
    message: str
    source: str = ""

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        field = self.path or "(root)"
        return f"{where}{field}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        """``path``, ``message`` and ``source``: as the API answers it and a run stores
        it."""
        return {"path": self.path, "message": self.message, "source": self.source}


def reword(message: str, words: Mapping[str, str]) -> str:
    """``message`` with each input an engine names in backquotes (```prices_file```) in
    the words of the interface that shows it.

    Engines state a remedy by the names of their arguments in backquotes; each interface
    says it in its own terms: the CLI its options (``--prices FILE``), the service its run
    parameters, or what its user can do instead where it takes no such input.

    Parameters
    ----------
    message : str
    words : mapping of str to str
        Argument name -> the interface's words for it.

    Returns
    -------
    str
    """
    for argument, spoken in words.items():
        message = message.replace(f"`{argument}`", spoken)
    return message


class InputError(HashpivotError, ValueError):
    """Bad input: carries every problem found, each with its field path and source."""

    def __init__(self, problems: list[Problem] | Problem | str, source: str = "") -> None:
        if isinstance(problems, str):
            problems = [Problem(path="", message=problems, source=source)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        lines = "\n".join(str(p) for p in self.problems)
        n = len(self.problems)
        super().__init__(f"{n} problem{'s' if n != 1 else ''} in input:\n{lines}")

    def with_source(self, source: str) -> InputError:
        """The same problems, each naming ``source`` where it names no file yet (engines
        report field paths; the interface that read the file adds its name)."""
        return InputError([Problem(p.path, p.message, p.source or source) for p in self.problems])

    def reworded(self, words: Mapping[str, str]) -> InputError:
        """The same problems, each message in an interface's words (:func:`reword`)."""
        return InputError([Problem(p.path, reword(p.message, words), p.source)
                           for p in self.problems])

    def at_path(self, path: str) -> InputError:
        """The same problems, each at field ``path`` where it names no field yet (a reader
        names the file and the column; the engine that asked for the file knows its field)."""
        return InputError([Problem(p.path or path, p.message, p.source) for p in self.problems])


class RevisionConflictError(HashpivotError):
    """A stored portfolio is not at the revision an edit was based on: another edit was
    stored in between (or the portfolio was deleted, ``stored_revision`` None).

    Parameters
    ----------
    portfolio_id : int
    expected_revision : int or None
        The revision the edit was based on (None: any).
    stored_revision : int or None
        The revision stored now; None when the portfolio is gone.
    """

    def __init__(self, portfolio_id: int, expected_revision: int | None,
                 stored_revision: int | None) -> None:
        self.portfolio_id = portfolio_id
        self.expected_revision = expected_revision
        self.stored_revision = stored_revision
        if stored_revision is None:
            message = f"portfolio {portfolio_id} was deleted"
        else:
            message = (f"portfolio {portfolio_id} is at revision {stored_revision}, not "
                       f"revision {expected_revision}: it changed since it was read")
        super().__init__(message)


class DataError(HashpivotError):
    """Bundled or fetched data is missing, malformed or does not cover a request."""


class SolverError(HashpivotError):
    """An optimization did not reach an optimal or acceptably feasible solution."""


class FetchError(HashpivotError):
    """A network fetch failed (connection, status code or unexpected payload)."""


class ClusterError(HashpivotError):
    """A Dask cluster to run chunks on could not be reached (an environment failure, not
    bad input: the address is well-formed, nothing answers at it)."""


class UnknownAsicError(HashpivotError, LookupError):
    """No catalog model matches a name; ``suggestions`` lists close catalog names."""

    def __init__(self, name: str, suggestions: Sequence[str] = ()) -> None:
        self.name = name
        self.suggestions: list[str] = list(suggestions)
        hint = (
            f"; did you mean: {', '.join(self.suggestions)}?"
            if self.suggestions
            else "; run `hashpivot asics` to list the catalog"
        )
        super().__init__(f"unknown ASIC model {name!r}{hint}")
