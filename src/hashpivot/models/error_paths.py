"""A pydantic error read back as the user wrote it: the path of its field in the document
(``sites[0].fleet[1].count``, without the union members pydantic names nor its mark of an
error in a dictionary's key) and its message.

The errors of a validation are kept as pydantic's records with two keys more, the one
record format the loader's passes share (:func:`located_errors`, :func:`error_at`):
``"tags"``, the positions of the location that are no field, key or position of the data,
and ``"data_loc"``, the location in the data without them (:func:`error_loc`)."""

from __future__ import annotations

import collections.abc
import datetime as dt
import functools
import types
from collections.abc import Iterable
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from hashpivot.models.field_annotations import fields_by_key

#: How pydantic names the member of a union it tried, in an error's location
#: (``float``, ``list[float]``, ``constrained-float``, ``function-after[...]``): read
#: so only where the location leaves the models (:func:`_tag_positions`).
_UNION_TAGS = frozenset({"float", "int", "str", "bool", "none", "date", "datetime"})
#: Error types whose location ends with the field itself (present or not): a key the
#: user wrote (``int``, ``lease-term-years``) or a field of the model, never a tag.
_FIELD_LAST = frozenset({"extra_forbidden", "missing"})
#: pydantic's mark, after a dictionary's key, of an error in the key itself.
_KEY = "[key]"

#: A location: field names, dictionary keys and list positions, outermost first.
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
    fields = fields_by_key(model)
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


def path_text(loc: tuple[int | str, ...]) -> str:
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
    return path_text(tuple(p for k, p in enumerate(loc) if k not in tags))


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


def error_loc(err: Any) -> tuple[int | str, ...]:
    """An error's location in the data (:func:`located_errors`, or :func:`error_at`):
    every field, key and position, without the union members pydantic names nor its mark
    of an error in a key."""
    return err["data_loc"]


def error_at(loc: Loc, kind: str, msg: str) -> dict[str, Any]:
    """An error of ours (pydantic's record, as :func:`located_errors` gives) at ``loc``,
    a location in the data that names no union's member."""
    return {"loc": loc, "type": kind, "tags": frozenset(), "data_loc": loc, "msg": msg}


def is_key_error(err: Any) -> bool:
    """Whether ``err`` is in a dictionary's key, not in its value (pydantic's mark ends
    its location)."""
    return tuple(err["loc"])[-1:] == (_KEY,)



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


def located_errors(root: Any, errors: Iterable[Any]) -> list[Any]:
    """pydantic's ``errors`` of a value of ``root`` (a model) to report, each with its
    ``"tags"`` and ``"data_loc"`` (:func:`_located`): without those of the union members
    the value is plainly not, those of a value no member takes merged into one
    (:func:`_one_branch`)."""
    return _one_branch(_located(root, errors))


#: The message of a field the model does not have (a surface may say more: the service's
#: run parameters list the ones a run kind takes, :func:`hashpivot.store.runs.parse_params`).
UNKNOWN_FIELD = "unknown field (check its spelling and unit suffix)"


def error_message(err: Any) -> str:
    """The message of an error (pydantic's record) to tell the user, with the value it
    got where the message does not quote it."""
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


__all__ = ["UNKNOWN_FIELD", "Loc", "error_at", "error_loc", "error_message", "is_key_error",
           "loc_to_path", "located_errors", "path_text"]
