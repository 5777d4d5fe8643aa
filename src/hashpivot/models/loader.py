"""Load a portfolio TOML file, reporting every problem at once with its field path (and
write a portfolio document as TOML)."""

from __future__ import annotations

import collections.abc
import copy
import datetime as dt
import functools
import tomllib
import types
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

import tomli_w
from pydantic import BaseModel, ValidationError

from hashpivot.exceptions import InputError, Problem
from hashpivot.models.dispatch import DispatchSpec
from hashpivot.models.field_checks import check_depth
from hashpivot.models.hosting import HostingProjectSpec
from hashpivot.models.optimize import OptimizeSpec
from hashpivot.models.pivot import PivotSpec
from hashpivot.models.portfolio import Portfolio, Site

M = TypeVar("M", bound=BaseModel)


#: How pydantic names the member of a union it tried, in an error's location
#: (``float``, ``list[float]``, ``constrained-float``, ``function-after[...]``): read
#: so only where the location leaves the models (:func:`_tag_positions`).
_UNION_TAGS = frozenset({"float", "int", "str", "bool", "none", "date", "datetime"})
#: Error types whose location ends with the field itself (present or not): a key the
#: user wrote (``int``, ``lease-term-years``) or a field of the model, never a tag.
_FIELD_LAST = frozenset({"extra_forbidden", "missing"})
#: pydantic's mark, after a dictionary's key, of an error in the key itself.
_KEY = "[key]"

Loc = tuple[int | str, ...]


def _looks_like_tag(part: int | str) -> bool:
    """Whether ``part`` reads as one of pydantic's union members (the rule where the
    models no longer say what a location holds)."""
    return isinstance(part, str) and (
        part in _UNION_TAGS or "[" in part or part.startswith("constrained-"))


def _members(annotation: Any) -> list[Any]:
    """The types a field of ``annotation`` may be, ``Annotated`` and ``None`` taken off
    (one for a plain or optional field: pydantic names no member of it)."""
    out: list[Any] = []
    todo = [annotation]
    while todo:
        ann = todo.pop(0)
        origin = get_origin(ann)
        if origin is Annotated:
            todo.insert(0, get_args(ann)[0])
        elif origin in (Union, types.UnionType):
            todo[:0] = [a for a in get_args(ann) if a is not type(None)]
        else:
            out.append(ann)
    return out


#: The tag pydantic gives a member of each plain type.
_TYPE_TAGS: dict[Any, str] = {float: "float", int: "int", str: "str", bool: "bool",
                              dt.date: "date", dt.datetime: "datetime"}


def _tag_of(tag: str, member: Any) -> bool:
    """Whether pydantic's ``tag`` may name ``member`` (validators and constraints around
    it taken off: ``function-after[check(), list[float]]`` names ``list[float]``; a
    container by its kind alone)."""
    while tag.startswith("function-") and ", " in tag:
        tag = tag[tag.index(", ") + 2:-1]
    tag = tag.removeprefix("constrained-")
    origin = get_origin(member)
    if origin in (list, tuple, dict, set, frozenset):
        return tag.startswith(f"{origin.__name__}[")
    if origin is Literal:
        return tag.startswith("literal[")
    return tag in (_TYPE_TAGS.get(member), getattr(member, "__name__", None))


#: A location's place the models say holds no union (beyond an unknown field, inside a
#: number): nothing there is a union's member.
_OUTSIDE = object()

#: The collections whose elements :func:`_step` follows by position, and by key.
_SEQUENCES = (list, set, frozenset, collections.abc.Sequence, collections.abc.Set)
_MAPPINGS = (dict, collections.abc.Mapping)


def _step(member: Any, part: int | str) -> Any:
    """What the value at ``part`` inside a value of ``member`` may be: :data:`_OUTSIDE`
    where the models say it holds no union, None where they do not say (a kind of
    annotation not followed: the rest is read by its look)."""
    origin = get_origin(member)
    args = get_args(member)
    if isinstance(member, type) and issubclass(member, BaseModel):
        if not isinstance(part, str):
            return _OUTSIDE
        return _field_keys(member).get(part, _OUTSIDE)
    if origin in _SEQUENCES and len(args) == 1 and isinstance(part, int):
        return args[0]
    if origin is tuple and args and isinstance(part, int):
        if len(args) == 2 and args[1] is Ellipsis:
            return args[0]
        return args[part] if part < len(args) else _OUTSIDE
    if origin in _MAPPINGS and len(args) == 2:
        return args[1]
    if member in _TYPE_TAGS or origin is Literal or member is Any:
        return _OUTSIDE  # (no value inside a number, a text or a date; no union in Any)
    return None


@functools.cache
def _field_keys(model: type[BaseModel]) -> dict[str, Any]:
    """A model's field annotations by every key a document may use: alias, validation
    alias or name (read-only by convention: shared by every error)."""
    fields = _fields_by_key(model)
    for name, f in model.model_fields.items():
        fields.setdefault(name, f.annotation)
        if isinstance(f.validation_alias, str):
            fields.setdefault(f.validation_alias, f.annotation)
    return fields


def _tag_positions(root: Any, loc: Loc, last_is_field: bool = False) -> frozenset[int]:
    """Where pydantic's location ``loc`` of an error in a value of ``root`` (a model)
    names a union's member, or marks an error in a dictionary's key, rather than a
    field, a key or a position: found by following the models, so that a dictionary key
    or a field named ``int`` or ``date`` stays in the path. Where the models do not say
    (a member's tag that names none or several of the union's types, an annotation not
    followed), the rest of the location is read by its look (:func:`_looks_like_tag`).
    With ``last_is_field``, the last part is an unknown or missing field's name: never a
    member."""
    tags: set[int] = set()
    ann: Any = root
    end = len(loc) - 1 if last_is_field else len(loc)
    for k in range(end):
        part = loc[k]
        if ann is None:  # the models do not say: by the look of it
            if _looks_like_tag(part):
                tags.add(k)
            continue
        if ann is _OUTSIDE or k in tags:
            continue
        members = _members(ann)
        if len(members) > 1 and isinstance(part, str):
            tags.add(k)
            matches = [m for m in members if _tag_of(part, m)]
            ann = matches[0] if len(matches) == 1 else None
            continue
        if len(members) != 1:
            ann = None
            continue
        ann = _step(members[0], part)
        if (get_origin(members[0]) in _MAPPINGS and k + 1 < len(loc)
                and loc[k + 1] == _KEY):
            tags.add(k + 1)  # (pydantic's mark of an error in the key ``part``)
            ann = _OUTSIDE
    return frozenset(tags)


def _path_text(loc: tuple[int | str, ...]) -> str:
    """``("sites", 0, "fleet")`` as ``sites[0].fleet``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def loc_to_path(loc: tuple[int | str, ...], root: Any, skip: int = 0) -> str:
    """Turn a pydantic error location into a field path like ``sites[0].fleet[1].count``
    (without the union members pydantic names: ``budget[1]``, not
    ``budget.list[float][1]``, nor its mark of an error in a dictionary's key).

    ``root`` is the model the value from ``loc[skip]`` on was validated against: its
    annotations say which parts are members (a key or field named ``int`` stays)."""
    tags = frozenset(k + skip for k in _tag_positions(root, loc[skip:]))
    return _path_text(tuple(p for k, p in enumerate(loc) if k not in tags))


def _located(root: Any, errors: Iterable[Any]) -> list[Any]:
    """pydantic's errors of a value of ``root``, each with the positions of its location
    that name a union's member or mark a key's error (``"tags"``:
    :func:`_tag_positions`) and its location in the data without them
    (``"data_loc"``)."""
    out = []
    for e in errors:
        loc = tuple(e["loc"])
        tags = _tag_positions(root, loc, e.get("type") in _FIELD_LAST)
        out.append({**e, "tags": tags,
                    "data_loc": tuple(p for k, p in enumerate(loc) if k not in tags)})
    return out


def _error_loc(err: Any) -> tuple[int | str, ...]:
    """An error's location in the data (:func:`_located`, or a boolean's
    :func:`_boolean`): every field, key and position, without the union members
    pydantic names nor its mark of an error in a key."""
    return err["data_loc"]


def _check_loc(err: Any) -> tuple[int | str, ...]:
    """The location of the table whose check raised ``err``: its own location, but for
    a check that reports at a field inside its table
    (:func:`~hashpivot.models.field_checks.field_problems`), its table's."""
    loc = _error_loc(err)
    return loc[: len(loc) - check_depth(err)]


def _union_branch(err: Any, last: bool = False
                  ) -> tuple[tuple[int | str, ...], int | str, bool]:
    """Where a union's member is named in the error's location (the first, or the
    ``last`` of unions within unions), the location before it, the member and whether
    the error is inside it (an element of a list); else ``(loc, "", False)``."""
    loc = tuple(err["loc"])
    tags = err["tags"]
    found: tuple[tuple[int | str, ...], int | str, bool] = (loc, "", False)
    for k, part in enumerate(loc):
        if k in tags and part != _KEY:
            found = (loc[:k], part, len(loc) > k + 1)
            if not last:
                break
    return found


def _one_branch(errors: list[Any]) -> list[Any]:
    """The errors without those of the union members a value is plainly not: where a list
    member has errors on its elements, the other members' (a list is no number) go; a
    value that is no member at all gets one error saying what each member wanted
    ("a valid list or a valid number"). Where several members have errors inside them
    (two kinds of table), those of the member with the fewest are kept (the first of
    them on a tie): the value's path no longer names the member, and the others would
    say the same field twice, or call a field of the value unknown."""
    inside: dict[Loc, dict[int | str, int]] = {}
    for e in errors:
        base, member, within = _union_branch(e)
        if member and within:
            counts = inside.setdefault(base, {})
            counts[member] = counts.get(member, 0) + 1
    best = {base: min(counts, key=counts.__getitem__) for base, counts in inside.items()}
    kept = [e for e in errors
            if not ((b := _union_branch(e))[1] and b[0] in inside
                    and (not b[2] or b[1] != best[b[0]]))]
    out: list[Any] = []
    merged: dict[tuple[int | str, ...], dict[str, Any]] = {}
    for e in kept:
        base, member, within = _union_branch(e, last=True)
        if not member or within:
            out.append(e)
            continue
        if base not in merged:
            merged[base] = {**e, "type": "union"}
            out.append(merged[base])
            continue
        first = merged[base]
        wanted = str(e.get("msg", "")).removeprefix("Input should be ")
        first["msg"] = f"{first['msg']} or {wanted}"
    return out


#: The message of a field the model does not have (a surface may say more: the service's
#: run parameters list the ones a run kind takes, :func:`hashpivot.store.runs.parse_params`).
UNKNOWN_FIELD = "unknown field (check its spelling and unit suffix)"


def _message(err: Any) -> str:
    kind = err.get("type", "")
    msg = str(err.get("msg", "invalid value"))
    if kind == "extra_forbidden":
        return UNKNOWN_FIELD
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


def _is_table(value: Any) -> bool:
    return isinstance(value, dict) or (
        isinstance(value, list) and any(isinstance(v, dict) for v in value))


#: Error types of a model's own check of its fields together (on a whole table).
_TABLE_CHECKS = frozenset({"value_error", "assertion_error"})


@dataclass
class _SetAside:
    """What :func:`_set_aside` took out of a document: the locations of the values set
    aside, those of them that are unknown fields, and the positions taken out of each
    list (by the list's location; the others moved up)."""

    gone: list[Loc]
    unknown: set[Loc]
    removed: dict[Loc, list[int]]

    def original(self, loc: Loc) -> Loc:
        """A location in the document set aside, in the document as written."""
        out: list[int | str] = []
        for part in loc:
            taken = self.removed.get(tuple(out))
            if taken and isinstance(part, int):
                for i in taken:  # (ascending)
                    part += i <= part
            out.append(part)
        return tuple(out)


def _set_aside(data: Any, errors: list[Any]) -> tuple[Any, _SetAside]:
    """A copy of ``data`` without the values the ``errors`` name, and what it left out.

    A value in a list of numbers or texts sets the whole list aside (its table's field);
    a table's own check of its fields together (an error on the whole table) has run, and
    sets the table aside for the checks of the tables holding it (an element of a list of
    tables taken out of it); a table given for a number or a list, or under an unknown
    name, is set aside."""
    out = copy.deepcopy(data)
    gone: list[Loc] = []
    unknown: set[Loc] = set()
    elements: list[tuple[list[Any], int, Loc]] = []
    for err in errors:
        loc = _check_loc(err)  # (a table's check at one of its fields: the table's)
        kind = err.get("type")
        if kind == "missing":
            continue
        # the nearest field of a table (a list of numbers or texts as a whole)
        nodes: list[Any] = [out]
        try:
            for part in loc:
                nodes.append(nodes[-1][part])
        except (KeyError, IndexError, TypeError):
            continue
        if loc and kind in _TABLE_CHECKS and isinstance(nodes[-1], dict):
            # a table's own check: it has run; the checks above it run without it
            if isinstance(nodes[-2], list):
                elements.append((nodes[-2], int(loc[-1]), loc))
            else:
                del nodes[-2][loc[-1]]
                gone.append(loc)
            continue
        k = len(loc)
        while k > 0 and not (isinstance(nodes[k - 1], dict) and not (
                k < len(loc) and _is_table(nodes[k]))):
            k -= 1
        if k == 0:
            continue
        del nodes[k - 1][loc[k - 1]]
        gone.append(loc[:k])
        if kind == "extra_forbidden":
            unknown.add(loc[:k])
    removed: dict[Loc, list[int]] = {}
    for loc in sorted({e[2] for e in elements}, key=lambda e: -int(e[-1])):  # the last first
        items = next(items for items, _, at in elements if at == loc)
        del items[int(loc[-1])]
        removed.setdefault(loc[:-1], []).insert(0, int(loc[-1]))
        gone.append(loc)
    return out, _SetAside(gone, unknown, removed)


#: What the checks of several fields of a table read, relative to the table (``"*"``: any
#: position of a list), for the models whose checks the second pass reports; a check of
#: any other table may read anything inside it.
_CHECK_READS: dict[type[BaseModel], tuple[tuple[int | str, ...], ...]] = {
    Portfolio: (("sites", "*", "name"),),
    Site: (("capacity_mw",), ("power_overhead_factor",), ("fleet",)),
    HostingProjectSpec: (("phases", "*", "start"),),
    DispatchSpec: (("underclock_hashrate_fraction",), ("underclock_min_power_fraction",)),
    PivotSpec: (("discount_rate",), ("mining_discount_rate",), ("hosting_discount_rate",),
                ("terminal_value",)),
    OptimizeSpec: (("tenants", "*", "name"), ("committed", "*", "tenant")),
}


def _fields_by_key(model: type[BaseModel]) -> dict[str, Any]:
    """A model's field annotations by the key a document uses (alias or name)."""
    return {(f.alias or name): f.annotation for name, f in model.model_fields.items()}


def _model_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model of the table at ``loc`` (None: no single model, or no table)."""
    ann: Any = model
    for part in loc:
        models, elements, values = _inner(ann)
        if isinstance(part, int):
            if len(elements) != 1:
                return None
            ann = elements[0]
        elif len(models) == 1 and part in _fields_by_key(models[0]):
            ann = _fields_by_key(models[0])[part]
        elif not models and values:
            ann = values[0]
        else:
            return None
    models = _inner(ann)[0]
    return models[0] if len(models) == 1 else None


def _by_prefix(locs: Iterable[Loc]) -> dict[Loc, list[Loc]]:
    """Each location under every prefix of it (itself and the tables holding it), so
    that the values inside a table are one lookup."""
    out: dict[Loc, list[Loc]] = {}
    for loc in locs:
        for k in range(len(loc) + 1):
            out.setdefault(loc[:k], []).append(loc)
    return out


def _may_read(model: type[BaseModel], check: Loc, inside: dict[Loc, list[Loc]]) -> bool:
    """Whether the checks of the table at ``check`` may read one of the values
    ``inside`` indexes (:func:`_by_prefix`): any value inside it, but for the tables
    whose reads :data:`_CHECK_READS` lists, a value they read, inside one or holding one
    (a whole list set aside holds every element a check reads)."""
    values = inside.get(check, [])
    if not values:
        return False
    reads = _CHECK_READS.get(_model_at(model, check))  # type: ignore[arg-type]
    if reads is None:
        return True
    n = len(check)
    return any(all((p == "*" and isinstance(r, int)) or p == r
                   for r, p in zip(value[n:], pattern, strict=False))
               for value in values for pattern in reads)


def _hidden_problems(model: type[BaseModel], data: Any, errors: list[Any],
                     source: str) -> list[Problem]:
    """The checks of several fields together (a fleet over its site's capacity, repeated
    site names) that pydantic does not run on a table with an invalid field: run again
    with the invalid values set aside (their defaults, where they have one), and reported
    only for the tables whose checks say what they read (:data:`_CHECK_READS`) where
    they read none of the values set aside: a check reading one would judge a value the
    file does not give (an entry's invalid ``end`` set aside runs it throughout). An
    unknown field is read by no check. A table missing a required field has no check run
    (pydantic runs none)."""
    try:
        pruned, aside = _set_aside(data, errors)
    except RecursionError:  # (a document nested deeper than any model)
        return []
    gone, unknown = aside.gone, aside.unknown
    if not gone:
        return []
    try:
        model.model_validate(pruned)
        return []
    except ValidationError as exc:
        again = _one_branch(_located(model, exc.errors()))
    seen = {(_path_text(_error_loc(e)), _message(e)) for e in errors}
    read = _by_prefix(g for g in gone if g not in unknown)
    gone_set = set(gone)
    found: list[Problem] = []
    for err in again:
        loc = aside.original(_error_loc(err))
        path, message = _path_text(loc), _message(err)
        if (path, message) in seen or (err.get("type") == "missing" and loc in gone_set):
            continue
        table = loc[: len(loc) - check_depth(err)]  # (the table whose check it is)
        if _model_at(model, table) not in _CHECK_READS or _may_read(model, table, read):
            continue
        found.append(Problem(path=path, message=message, source=source))
    return found


def _numbers_only(annotation: Any) -> tuple[bool, bool]:
    """Whether a field of ``annotation`` takes a number, and whether it takes a boolean."""
    number = boolean = False
    todo = [annotation]
    while todo:
        ann = todo.pop()
        origin = get_origin(ann)
        if origin is Annotated:
            todo.append(get_args(ann)[0])
        elif origin in (Union, types.UnionType):
            todo.extend(get_args(ann))
        elif ann is bool:
            boolean = True
        elif ann in (int, float):
            number = True
    return number, boolean


def _inner(annotation: Any) -> tuple[list[type[BaseModel]], list[Any], list[Any]]:
    """What a field of ``annotation`` may hold inside it: the models of its tables (in
    the order of the annotation), the annotations of its lists' elements (one per
    position of a fixed tuple) and of its dictionaries' values."""
    models: list[type[BaseModel]] = []
    elements: list[Any] = []
    values: list[Any] = []
    todo = [annotation]
    while todo:
        ann = todo.pop(0)
        origin = get_origin(ann)
        args = get_args(ann)
        if origin is Annotated:
            todo.insert(0, args[0])
        elif origin in (Union, types.UnionType):
            todo[:0] = list(args)
        elif origin is list and args:
            elements.append(args[0])
        elif origin is tuple and args:
            elements.extend([args[0]] if len(args) == 2 and args[1] is Ellipsis else args)
        elif origin is dict and len(args) == 2:
            values.append(args[1])
        elif isinstance(ann, type) and issubclass(ann, BaseModel):
            models.append(ann)
    return models, elements, values


def _boolean(loc: tuple[int | str, ...], value: bool) -> dict[str, Any]:
    """The error (pydantic's shape) of a boolean given for a number."""
    return {"loc": loc, "type": "bool_for_number", "tags": frozenset(), "data_loc": loc,
            "msg": f"expected a number, not a boolean (got {str(value).lower()})"}


def _booleans_for_numbers(annotation: Any, value: Any, loc: tuple[int | str, ...]
                          ) -> list[dict[str, Any]]:
    """Errors where ``value`` holds ``true`` or ``false`` for a number: pydantic reads
    them as 1 and 0 (``count = true`` was one machine). Where a table may be of several
    models, a field counts only where each of them takes a number alone there."""
    if isinstance(value, bool):
        number, boolean = _numbers_only(annotation)
        return [_boolean(loc, value)] if number and not boolean else []
    models, elements, values = _inner(annotation)
    out: list[dict[str, Any]] = []
    if isinstance(value, dict) and models:
        fields = [_fields_by_key(m) for m in models]
        for key, item in value.items():
            if not all(key in f for f in fields):
                continue
            if len(fields) == 1:
                out += _booleans_for_numbers(fields[0][key], item, (*loc, key))
            elif isinstance(item, bool) and all(
                    _numbers_only(f[key]) == (True, False) for f in fields):
                out.append(_boolean((*loc, key), item))
    elif isinstance(value, dict) and values:
        for key, item in value.items():
            out += _booleans_for_numbers(values[0], item, (*loc, key))
    elif isinstance(value, list) and elements:
        for k, item in enumerate(value):
            out += _booleans_for_numbers(elements[min(k, len(elements) - 1)], item, (*loc, k))
    return out


def validate_data(model: type[M], data: Any, source: str) -> M:
    """Validate ``data`` into ``model``, raising :class:`InputError` with all problems:
    every field's, ``true`` or ``false`` given for a number (which pydantic reads as 1
    and 0), and the checks of several fields together that an invalid field would hide
    (:func:`_hidden_problems`)."""
    try:
        return _validate(model, data, source)
    except RecursionError:
        raise InputError([Problem("", "nested too deeply (tables or lists within each "
                                      "other hundreds of levels deep)", source)]) from None


def _validate(model: type[M], data: Any, source: str) -> M:
    booleans = _booleans_for_numbers(model, data, ())
    try:
        out = model.model_validate(data)
        if not booleans:
            return out
        errors: list[Any] = []
    except ValidationError as exc:
        errors = _one_branch(_located(model, exc.errors()))
    # nothing judged on the 1 or 0 a boolean was read as: its own field's bounds, the
    # checks that may read it
    at = {b["loc"] for b in booleans}
    inside = _by_prefix(at)
    judged = {id(e) for e in errors for loc in [_check_loc(e)]
              if tuple(e["loc"])[-1:] != (_KEY,) and (
                  loc in at or (e.get("type") in _TABLE_CHECKS
                                and _may_read(model, loc, inside)))
              }  # (a dictionary's key is no value read as 1)
    errors = [e for e in errors if id(e) not in judged] + booleans
    problems = [Problem(path=_path_text(_error_loc(e)), message=_message(e), source=source)
                for e in errors]
    problems += _hidden_problems(model, data, errors, source)
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
