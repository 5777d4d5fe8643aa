"""Load a portfolio TOML file, reporting every problem at once with its field path (and
write a portfolio document as TOML).

:func:`validate_data` gathers the problems of its passes: pydantic's errors read back as
the file's paths (:mod:`hashpivot.models.error_paths`), ``true``, ``false`` or text given
for a number (:mod:`hashpivot.models.lax_numbers`) and the checks of several fields
together an invalid field hides (:mod:`hashpivot.models.hidden_checks`)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeVar

import tomli_w
from pydantic import BaseModel, ValidationError

from hashpivot.exceptions import InputError, Problem
from hashpivot.models.error_paths import error_loc, error_message, located_errors, path_text
from hashpivot.models.hidden_checks import hidden_problems
from hashpivot.models.lax_numbers import lax_numbers, without_judged
from hashpivot.models.portfolio import Portfolio

M = TypeVar("M", bound=BaseModel)


def validate_data(model: type[M], data: Any, source: str) -> M:
    """Validate ``data`` into ``model``, raising :class:`InputError` with all problems:
    every field's, ``true``, ``false`` or text given for a number (which pydantic reads
    as 1, 0 and the number the text spells: ``"200"`` as 200), and the checks of several
    fields together that an invalid field would hide
    (:func:`~hashpivot.models.hidden_checks.hidden_problems`)."""
    try:
        return _validate(model, data, source)
    except RecursionError:
        raise InputError([Problem("", "nested too deeply (tables or lists within each "
                                      "other hundreds of levels deep)", source)]) from None


def _validate(model: type[M], data: Any, source: str) -> M:
    refused = lax_numbers(model, data, ())
    try:
        out = model.model_validate(data)
        if not refused:
            return out
        errors: list[Any] = []
    except ValidationError as exc:
        errors = located_errors(model, exc.errors())
    # nothing judged on the number a boolean or a text was read as: its own field's
    # bounds, the checks that may read it
    errors = without_judged(model, errors, refused) + refused
    problems = [Problem(path=path_text(error_loc(e)), message=error_message(e),
                        source=source) for e in errors]
    problems += hidden_problems(model, data, errors, source)
    raise InputError(list(dict.fromkeys(problems)))  # (each once)


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file; a missing file or a syntax error becomes an :class:`InputError`."""
    p = Path(path)
    source = str(path)
    try:
        folder, exists = p.is_dir(), p.exists()
    except OSError as exc:  # a name too long, a folder not searchable
        raise InputError([Problem("", f"cannot read file: {exc.strerror or exc}",
                                  source)]) from None
    if folder:
        raise InputError([Problem("", "is a folder, not a file", source)])
    if not exists:
        raise InputError([Problem("", "file not found", source)])
    try:
        with p.open("rb") as fh:
            text = fh.read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem("", f"cannot read file: {exc}", source)]) from None
    return loads_toml(text, source)


#: The byte order mark some editors (Windows) write at the start of a UTF-8 file.
BOM = "\ufeff"


def loads_toml(text: str, source: str) -> dict[str, Any]:
    """Parse TOML text (a leading byte order mark skipped); what the parser refuses
    becomes an :class:`InputError`: a syntax error, tables nested too deeply, an integer
    longer than Python converts (4,300 digits)."""
    try:
        return tomllib.loads(text.removeprefix(BOM))
    except tomllib.TOMLDecodeError as exc:
        raise InputError([Problem("", f"invalid TOML: {exc}", source)]) from None
    except RecursionError:
        raise InputError([Problem("", "invalid TOML: nested too deeply", source)]) from None
    except ValueError:  # int() of a number of more than 4,300 digits
        raise InputError([Problem("", "invalid TOML: a number of more than 4,300 digits",
                                  source)]) from None


def load_portfolio(path: str | Path) -> Portfolio:
    """Load and validate a portfolio TOML file.

    Parameters
    ----------
    path : str or Path
        The TOML file.

    Returns
    -------
    Portfolio
        The validated portfolio, every default filled in; its ``source_file`` is ``path``
        made absolute (the engines read its relative side files beside it).

    Raises
    ------
    InputError
        Listing every problem, each with the file name and its field path.
    """
    portfolio = validate_data(Portfolio, read_toml(path), str(path))
    portfolio._source_file = str(Path(path).absolute())  # (a later chdir changes nothing)
    return portfolio


def parse_portfolio(text: str, source: str = "<string>") -> Portfolio:
    """Validate a portfolio given as TOML text (API uploads, tests)."""
    return validate_data(Portfolio, loads_toml(text, source), source)


def document_to_toml(document: dict[str, Any]) -> str:
    """A document written as TOML (``None`` values dropped: TOML has no null)."""

    def drop_none(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {k: drop_none(v) for k, v in obj.items() if v is not None}
        if isinstance(obj, list):
            return [drop_none(v) for v in obj]
        return obj

    return tomli_w.dumps(drop_none(document))
