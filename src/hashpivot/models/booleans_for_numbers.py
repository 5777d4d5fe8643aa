"""``true`` or ``false`` given for a number: a problem at its path, as pydantic reads them
as 1 and 0 (``count = true`` was one machine); a field of booleans takes them. Nothing
is judged on the 1 or 0 read (:func:`without_judged`)."""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from hashpivot.models.error_paths import error_at, is_key_error
from hashpivot.models.field_annotations import fields_by_key, inner_annotations
from hashpivot.models.hidden_checks import TABLE_CHECKS, by_prefix, check_loc, may_read


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


def _boolean(loc: tuple[int | str, ...], value: bool) -> dict[str, Any]:
    """The error (pydantic's shape) of a boolean given for a number."""
    return error_at(loc, "bool_for_number",
                    f"expected a number, not a boolean (got {str(value).lower()})")


def booleans_for_numbers(annotation: Any, value: Any, loc: tuple[int | str, ...]
                         ) -> list[dict[str, Any]]:
    """Errors where ``value`` holds ``true`` or ``false`` for a number: pydantic reads
    them as 1 and 0 (``count = true`` was one machine). Where a table may be of several
    models, a field counts only where each of them takes a number alone there."""
    if isinstance(value, bool):
        number, boolean = _numbers_only(annotation)
        return [_boolean(loc, value)] if number and not boolean else []
    models, elements, values = inner_annotations(annotation)
    out: list[dict[str, Any]] = []
    if isinstance(value, dict) and models:
        fields = [fields_by_key(m) for m in models]
        for key, item in value.items():
            if not all(key in f for f in fields):
                continue
            if len(fields) == 1:
                out += booleans_for_numbers(fields[0][key], item, (*loc, key))
            elif isinstance(item, bool) and all(
                    _numbers_only(f[key]) == (True, False) for f in fields):
                out.append(_boolean((*loc, key), item))
    elif isinstance(value, dict) and values:
        for key, item in value.items():
            out += booleans_for_numbers(values[0], item, (*loc, key))
    elif isinstance(value, list) and elements:
        for k, item in enumerate(value):
            out += booleans_for_numbers(elements[min(k, len(elements) - 1)], item, (*loc, k))
    return out


def without_judged(model: type[BaseModel], errors: list[Any], booleans: list[dict[str, Any]]
                   ) -> list[Any]:
    """The ``errors`` of a value of ``model`` without those that judge the 1 or 0 one of
    the ``booleans`` (:func:`booleans_for_numbers`) was read as: its own field's bounds,
    the checks that may read it (:func:`~hashpivot.models.hidden_checks.may_read`)."""
    at = {b["loc"] for b in booleans}
    inside = by_prefix(at)
    judged = {id(e) for e in errors for loc in [check_loc(e)]
              if not is_key_error(e) and (
                  loc in at or (e.get("type") in TABLE_CHECKS
                                and may_read(model, loc, inside)))
              }  # (a dictionary's key is no value read as 1)
    return [e for e in errors if id(e) not in judged]


__all__ = ["booleans_for_numbers", "without_judged"]
