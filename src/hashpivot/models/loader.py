"""Load a portfolio TOML file, reporting every problem at once with its field path (and
write a portfolio document as TOML)."""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from pathlib import Path
from typing import Any, TypeVar

import tomli_w
from pydantic import BaseModel, ValidationError

from hashpivot.exceptions import InputError, Problem
from hashpivot.models.portfolio import Portfolio

M = TypeVar("M", bound=BaseModel)


#: Tags pydantic puts in an error's location for the member of a union it tried
#: (``list[float]``, ``float``, ``function-after[...]``): no field of the models.
_UNION_TAGS = frozenset({"float", "int", "str", "bool", "none", "date", "datetime"})


def _is_union_tag(part: int | str) -> bool:
    return isinstance(part, str) and (part in _UNION_TAGS or "[" in part or "-" in part)


def loc_to_path(loc: tuple[int | str, ...]) -> str:
    """Turn a pydantic error location into a field path like ``sites[0].fleet[1].count``
    (without the union members pydantic names: ``budget[1]``, not
    ``budget.list[float][1]``)."""
    out = ""
    for part in loc:
        if _is_union_tag(part):
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _union_branch(loc: tuple[int | str, ...]) -> tuple[tuple[int | str, ...], int | str, bool]:
    """Where a union's member is named in ``loc``, the location before it, the member and
    whether the error is inside it (an element of a list); else ``(loc, "", False)``."""
    for k, part in enumerate(loc):
        if _is_union_tag(part):
            return loc[:k], part, len(loc) > k + 1
    return loc, "", False


def _one_branch(errors: list[Any]) -> list[Any]:
    """The errors without those of the union members a value is plainly not: where a list
    member has errors on its elements, the other members' (a list is no number) go."""
    inside = {_union_branch(tuple(e["loc"]))[0] for e in errors
              if _union_branch(tuple(e["loc"]))[2]}
    return [e for e in errors
            if not ((b := _union_branch(tuple(e["loc"])))[1] and b[0] in inside and not b[2])]


def _message(err: Any) -> str:
    kind = err.get("type", "")
    msg = str(err.get("msg", "invalid value"))
    if kind == "extra_forbidden":
        return "unknown field (check its spelling and unit suffix)"
    if kind == "missing":
        return "required field is missing"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if "input" in err and kind not in ("model_type", "dict_type") and not isinstance(
        err["input"], dict | list
    ) and repr(err["input"]) not in msg:
        got = err["input"]
        # a TOML date or time literal reads as a datetime object: show it as written
        shown = got.isoformat() if isinstance(got, dt.date | dt.time) else repr(got)
        msg += f" (got {shown})"
    return msg


def problems_from_validation(exc: ValidationError, source: str) -> list[Problem]:
    """Every pydantic error as a :class:`Problem` with its field path and source."""
    return [
        Problem(path=loc_to_path(tuple(e["loc"])), message=_message(e), source=source)
        for e in _one_branch(list(exc.errors()))
    ]


def _data_path(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """An error's location in the data (the union members pydantic names left out)."""
    return tuple(part for part in loc if not _is_union_tag(part))


def _set_aside(data: Any, errors: list[Any]) -> tuple[Any, list[tuple[int | str, ...]]]:
    """A copy of ``data`` without the values the ``errors`` name, and their locations.

    Only values that are no table (a number, a text, a list of them) and unknown fields
    are set aside: an error on a whole table is its own model's check, which has run."""
    out = copy.deepcopy(data)
    gone: list[tuple[int | str, ...]] = []
    for err in errors:
        loc = _data_path(tuple(err["loc"]))
        if not loc or err.get("type") == "missing":
            continue
        parent = out
        try:
            for part in loc[:-1]:
                parent = parent[part]
            value = parent[loc[-1]]
        except (KeyError, IndexError, TypeError):
            continue
        table = isinstance(value, dict) or (
            isinstance(value, list) and any(isinstance(v, dict) for v in value))
        if isinstance(parent, dict) and (not table or err.get("type") == "extra_forbidden"):
            del parent[loc[-1]]
            gone.append(loc)
    return out, gone


def _hidden_problems(model: type[BaseModel], data: Any, errors: list[Any],
                     source: str) -> list[Problem]:
    """The checks of several fields together (a fleet over its site's capacity, repeated
    site names) that pydantic does not run on a table with an invalid field: run again
    with the invalid values set aside (their defaults, where they have one). Each says
    which invalid values it was checked without, as it may depend on them; the checks of
    the very table that holds a value set aside are not run again (they read it), nor
    are those of a table missing a required field (pydantic runs none)."""
    pruned, gone = _set_aside(data, errors)
    if not gone:
        return []
    try:
        model.model_validate(pruned)
        return []
    except ValidationError as exc:
        again = _one_branch(list(exc.errors()))
    seen = {(loc_to_path(tuple(e["loc"])), _message(e)) for e in errors}
    found: list[Problem] = []
    for err in again:
        loc = _data_path(tuple(err["loc"]))
        path, message = loc_to_path(loc), _message(err)
        if (path, message) in seen or (err.get("type") == "missing" and loc in gone):
            continue
        if any(g[:-1] == loc for g in gone):  # the table's own check of the value set
            continue  # aside ("give one of..."): it would blame a value the file gives
        inside = [loc_to_path(g) for g in gone if g[: len(loc)] == loc]
        if inside:
            shown = ", ".join(inside[:3]) + (f" and {len(inside) - 3} more"
                                             if len(inside) > 3 else "")
            message += f" (checked without the invalid {shown})"
        found.append(Problem(path=path, message=message, source=source))
    return found


def validate_data(model: type[M], data: Any, source: str) -> M:
    """Validate ``data`` into ``model``, raising :class:`InputError` with all problems:
    every field's, and the checks of several fields together that an invalid field
    would hide (:func:`_hidden_problems`)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = _one_branch(list(exc.errors()))
        problems = problems_from_validation(exc, source)
        problems += _hidden_problems(model, data, errors, source)
        raise InputError(problems) from None


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file; a missing file or a syntax error becomes an :class:`InputError`."""
    p = Path(path)
    source = str(path)
    if p.is_dir():
        raise InputError([Problem("", "is a folder, not a file", source)])
    if not p.exists():
        raise InputError([Problem("", "file not found", source)])
    try:
        with p.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputError([Problem("", f"invalid TOML: {exc}", source)]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem("", f"cannot read file: {exc}", source)]) from None


def load_portfolio(path: str | Path) -> Portfolio:
    """Load and validate a portfolio TOML file.

    Parameters
    ----------
    path : str or Path
        The TOML file.

    Returns
    -------
    Portfolio
        The validated portfolio, every default filled in.

    Raises
    ------
    InputError
        Listing every problem, each with the file name and its field path.
    """
    return validate_data(Portfolio, read_toml(path), str(path))


def parse_portfolio(text: str, source: str = "<string>") -> Portfolio:
    """Validate a portfolio given as TOML text (API uploads, tests)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError([Problem("", f"invalid TOML: {exc}", source)]) from None
    return validate_data(Portfolio, data, source)


def document_to_toml(document: dict[str, Any]) -> str:
    """A document written as TOML (``None`` values dropped: TOML has no null)."""

    def drop_none(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {k: drop_none(v) for k, v in obj.items() if v is not None}
        if isinstance(obj, list):
            return [drop_none(v) for v in obj]
        return obj

    return tomli_w.dumps(drop_none(document))
