"""The second pass of a validation: the checks of several fields together (a fleet over
its site's capacity, repeated site names) that pydantic does not run on a table with an
invalid field, run again with the invalid values set aside, and reported where they read
none of them (:data:`_CHECK_READS`, :func:`hidden_problems`)."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from hashpivot.exceptions import Problem
from hashpivot.models.dispatch import DispatchSpec, PPASpec
from hashpivot.models.error_paths import (
    Loc,
    error_loc,
    error_message,
    located_errors,
    path_text,
)
from hashpivot.models.field_annotations import fields_by_key, inner_annotations
from hashpivot.models.field_checks import check_depth
from hashpivot.models.hosting import HostingInService, HostingProjectSpec, HostingRiskSpec
from hashpivot.models.optimize import OptimizeSpec
from hashpivot.models.pivot import PivotSpec
from hashpivot.models.portfolio import Portfolio, Site

#: Error types of a model's own check of its fields together (on a whole table).
TABLE_CHECKS = frozenset({"value_error", "assertion_error"})


def check_loc(err: Any) -> tuple[int | str, ...]:
    """The location of the table whose check raised ``err``: its own location, but for
    a check that reports at a field inside its table
    (:func:`~hashpivot.models.field_checks.field_problems`), its table's."""
    loc = error_loc(err)
    return loc[: len(loc) - check_depth(err)]


def _is_table(value: Any) -> bool:
    return isinstance(value, dict) or (
        isinstance(value, list) and any(isinstance(v, dict) for v in value))


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
        loc = check_loc(err)  # (a table's check at one of its fields: the table's)
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
        if loc and kind in TABLE_CHECKS and isinstance(nodes[-1], dict):
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
    Site: (("capacity_mw",), ("power_overhead_factor",), ("fleet",),
           ("hosting", "in_service", "*", "gross_mw"), ("dispatch", "ai_load_mw")),
    HostingProjectSpec: (("phases", "*", "start"),),
    HostingInService: (("lease_start",), ("lease_end",)),
    HostingRiskSpec: (("construction_delay_fraction_mean",), ("construction_delay_fraction_sd",),
                      ("lease_up_delay_months_mean",), ("lease_up_delay_months_sd",)),
    DispatchSpec: (("underclock_hashrate_fraction",), ("underclock_min_power_fraction",)),
    PPASpec: (("start",), ("end",)),
    PivotSpec: (("discount_rate",), ("mining_discount_rate",), ("hosting_discount_rate",),
                ("terminal_value",)),
    OptimizeSpec: (("tenants", "*", "name"), ("committed", "*", "tenant")),
}


def _model_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model of the table at ``loc`` (None: no single model, or no table)."""
    ann: Any = model
    for part in loc:
        models, elements, values = inner_annotations(ann)
        if isinstance(part, int):
            if len(elements) != 1:
                return None
            ann = elements[0]
        elif len(models) == 1 and part in fields_by_key(models[0]):
            ann = fields_by_key(models[0])[part]
        elif not models and values:
            ann = values[0]
        else:
            return None
    models = inner_annotations(ann)[0]
    return models[0] if len(models) == 1 else None


def by_prefix(locs: Iterable[Loc]) -> dict[Loc, list[Loc]]:
    """Each location under every prefix of it (itself and the tables holding it), so
    that the values inside a table are one lookup."""
    out: dict[Loc, list[Loc]] = {}
    for loc in locs:
        for k in range(len(loc) + 1):
            out.setdefault(loc[:k], []).append(loc)
    return out


def may_read(model: type[BaseModel], check: Loc, inside: dict[Loc, list[Loc]]) -> bool:
    """Whether the checks of the table at ``check`` may read one of the values
    ``inside`` indexes (:func:`by_prefix`): any value inside it, but for the tables
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


def hidden_problems(model: type[BaseModel], data: Any, errors: list[Any],
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
        again = located_errors(model, exc.errors())
    seen = {(path_text(error_loc(e)), error_message(e)) for e in errors}
    read = by_prefix(g for g in gone if g not in unknown)
    gone_set = set(gone)
    found: list[Problem] = []
    for err in again:
        loc = aside.original(error_loc(err))
        path, message = path_text(loc), error_message(err)
        if (path, message) in seen or (err.get("type") == "missing" and loc in gone_set):
            continue
        table = loc[: len(loc) - check_depth(err)]  # (the table whose check it is)
        if _model_at(model, table) not in _CHECK_READS or may_read(model, table, read):
            continue
        found.append(Problem(path=path, message=message, source=source))
    return found



__all__ = ["TABLE_CHECKS", "by_prefix", "check_loc", "hidden_problems", "may_read"]
