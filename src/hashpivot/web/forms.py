"""HTML form fields built from the pydantic models: label, unit, value, error."""

from __future__ import annotations

import re
import types
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from hashpivot.exceptions import InputError, Problem, reword
from hashpivot.models import Site
from hashpivot.models.dispatch import PPASpec
from hashpivot.models.fleet import FleetEntry
from hashpivot.models.grid_programs import DemandResponseSpec
from hashpivot.models.portfolio import PowerContract

_UNIT = re.compile(r"\[([^\]]+)\]\s*$")


@dataclass
class FormField:
    """One input: ``name`` is its path inside the edited object (``power_contract.kind``)."""

    name: str
    label: str
    unit: str
    kind: str  # "number", "text", "select", "hidden" (carried, not shown: a fleet entry's asic)
    value: Any = None
    required: bool = False
    choices: tuple[str, ...] = ()
    help: str = ""
    error: str = ""
    default: str = ""  # the model's default, shown in an empty field ("" when none)


def _field(model: type[BaseModel], attr: str, prefix: str, value: Any) -> FormField:
    info = model.model_fields[attr]
    desc = info.description or ""
    m = _UNIT.search(desc)
    unit = m.group(1) if m else ""
    ann = info.annotation
    args = [a for a in get_args(ann) if a is not type(None)]
    base = args[0] if (get_origin(ann) in (Union, types.UnionType) and args) else ann
    if get_origin(base) is Annotated:  # an optional field of a shared type (models.fields)
        base = get_args(base)[0]
    kind, choices = "text", tuple[str, ...]()
    if get_origin(base) is Literal:
        kind, choices = "select", tuple(str(a) for a in get_args(base))
    elif base is bool:  # the value pydantic parses, not a free-text box
        kind, choices = "select", ("true", "false")
    elif base in (int, float):
        kind = "number"
    return FormField(
        name=f"{prefix}{attr}",
        label=attr,
        unit=unit,
        kind=kind,
        value=_bool_text(value) if isinstance(value, bool) else value,
        required=info.is_required(),
        choices=choices,
        help=_UNIT.sub("", desc).strip(),
        default=_default_text(info.get_default(call_default_factory=False)),
    )


def _bool_text(value: bool) -> str:
    """A yes/no value as its choice in the form (``str(True)`` is no choice of it)."""
    return "true" if value else "false"


def _default_text(default: Any) -> str:
    """How an empty field's default reads in the form ("" for none)."""
    if default is None or default is PydanticUndefined:
        return ""
    if isinstance(default, bool):
        return _bool_text(default)
    return str(default) if isinstance(default, (int, float, str)) else ""


SITE_FIELDS = ("name", "region", "capacity_mw", "power_overhead_factor", "pool_fee_fraction")
CONTRACT_FIELDS = ("kind", "price_usd_per_mwh", "adder_usd_per_mwh", "market")
FLEET_FIELDS = ("count", "uptime_fraction")
#: The tables of ``[sites.dispatch]`` the form edits, with their fields (a site's events,
#: 4CP peaks, renewables and limits are kept as they are).
DISPATCH_TABLES: tuple[tuple[str, type[BaseModel], tuple[str, ...]], ...] = (
    ("ppa", PPASpec, ("volume_mw", "price_usd_per_mwh", "settlement", "resale_allowed",
                      "curtail_at_negative_price", "start", "end")),
    ("demand_response", DemandResponseSpec,
     ("committed_mw", "readiness_usd_per_mw_hour", "penalty_usd_per_mwh",
      "keep_committed_load_online", "withdrawable", "unavailable_usd_per_mw_hour")),
)


def site_form(site: dict[str, Any]) -> list[FormField]:
    """The editable fields of a site document (top level, power contract, fleet counts;
    a dispatching site's PPA and demand response, labelled by their table, whether the
    site has them or not: an empty field adds nothing)."""
    out = [_field(Site, a, "", site.get(a)) for a in SITE_FIELDS]
    contract = site.get("power_contract") or {}
    out += [
        _field(PowerContract, a, "power_contract.", contract.get(a)) for a in CONTRACT_FIELDS
    ]
    dispatch = site.get("dispatch")
    if isinstance(dispatch, dict):
        out += _dispatch_fields(dispatch)
    for i, entry in enumerate(site.get("fleet") or []):
        out += _fleet_fields(i, entry)
    return out


def _fleet_fields(i: int, entry: dict[str, Any]) -> list[FormField]:
    """The fields of fleet entry ``i`` of a site form: its asic (hidden) and counts."""
    asic = f" {entry['asic']}" if entry.get("asic") else ""
    # (the entry's asic travels with the form: a save finds the entry it was typed for)
    out = [FormField(name=f"fleet[{i}].asic", label=f"fleet[{i}]: asic", unit="",
                     kind="hidden", value=entry.get("asic"))]
    for a in FLEET_FIELDS:
        f = _field(FleetEntry, a, f"fleet[{i}].", entry.get(a))
        f.label = f"fleet[{i}]{asic}: {a}"
        out.append(f)
    return out


def _dispatch_fields(dispatch: dict[str, Any]) -> list[FormField]:
    """The fields of :data:`DISPATCH_TABLES` of a site's ``[sites.dispatch]`` table."""
    out = []
    for table, model, attrs in DISPATCH_TABLES:
        values = dispatch.get(table)
        values = values if isinstance(values, dict) else {}
        for a in attrs:
            f = _field(model, a, f"dispatch.{table}.", values.get(a))
            f.label = f"[sites.dispatch.{table}] {a}"
            out.append(f)
    return out


_FLEET_KEY = re.compile(r"fleet\[(\d+)\]\.(.+)")

#: The keys a site form posts that are no field of the site.
SITE_FORM_KEYS = ("csrf_token", "site_read")


def typed_site_form(form: dict[str, str]) -> tuple[list[FormField], list[str]]:
    """The site form holding what was typed in it, with no stored site to read (the site
    it was filled for is gone, or is no longer as the form was filled).

    Returns
    -------
    fields : list of FormField
        The site's and its contract's fields, and those of each fleet entry the form
        held, labelled with the entry's asic as typed (its hidden field).
    other : list of str
        Each submitted key that is no field of the form, with what it held.
    """
    # the entries the form posted, by their index (not every index up to the largest
    # posted: a key fleet[1000000].count built a million entries)
    indices = sorted({int(m.group(1)) for k in form if (m := _FLEET_KEY.match(k))})
    fleet = {i: {"asic": form.get(f"fleet[{i}].asic") or None} for i in indices}
    skeleton: dict[str, Any] = {"power_contract": {}, "fleet": fleet}
    if any(k.startswith("dispatch.") for k in form):  # (a dispatching site's form)
        skeleton["dispatch"] = {}
    fields = site_form({**skeleton, "fleet": []})
    fields += [f for i, entry in fleet.items() for f in _fleet_fields(i, entry)]
    try:
        apply_form(skeleton, fields, form, SITE_FORM_KEYS)  # (sets each field's typed text)
    except InputError as exc:
        return fields, [f"{p.path}: {p.message}" for p in exc.problems]
    return fields, []


def fleet_mismatches(site: dict[str, Any], form: dict[str, str], prefix: str
                     ) -> tuple[list[Problem], dict[str, str]]:
    """The typed fleet fields of a site form that the stored ``site`` cannot take: its
    fleet has no entry of that index, or one of another asic than the form's (hidden
    ``fleet[i].asic``) for that index, as another edit left it.

    Parameters
    ----------
    site : dict
        The site document as stored now.
    form : dict
        The submitted form.
    prefix : str
        The site's path in the document (``sites[1]``), which each problem's path starts
        with.

    Returns
    -------
    problems : list of Problem
        One per fleet field typed (not empty) for an entry the site lacks or holds
        another machine in, at the field's path.
    form : dict
        ``form`` without the keys of those entries (what is left of them is empty: it
        is applied to no other machine).
    """
    fleet = site.get("fleet") or []
    name = site.get("name")
    problems: list[Problem] = []
    drop: set[str] = set()
    for key, raw in form.items():
        m = _FLEET_KEY.match(key)
        if not m:
            continue
        i, typed = int(m.group(1)), form.get(f"fleet[{m.group(1)}].asic") or None
        stored = fleet[i].get("asic") if i < len(fleet) else None
        if i < len(fleet) and (typed is None or typed == stored):
            continue
        drop.add(key)
        if m.group(2) == "asic" or not raw.strip():
            continue
        what = f"the {typed}" if typed else f"fleet[{i}]"
        why = (f"site {name!r} has no fleet[{i}] now ({len(fleet)} entries)"
               if i >= len(fleet) else f"fleet[{i}] of site {name!r} is now the {stored}")
        problems.append(Problem(
            f"{prefix}.{key}", f"{raw.strip()!r} was typed for {what}, but {why}, after "
            "another edit: not saved; clear it (or read the site again) to save the rest"))
    return problems, {k: v for k, v in form.items() if k not in drop}


#: The run parameters the service fills in when a run is submitted (a cost run's resolved
#: ``network``, the days of a backtest window its rule gave): not fields of the run forms.
RESOLVED_PARAMS = frozenset({"network", "defaults"})


def params_form(model: type[BaseModel], values: dict[str, Any]) -> list[FormField]:
    """The fields of a run-parameter model (those the service resolves,
    :data:`RESOLVED_PARAMS`, are not editable)."""
    return [
        _field(model, a, "", values.get(a))
        for a in model.model_fields
        if a not in RESOLVED_PARAMS
    ]


def field_words(fields: Iterable[FormField]) -> dict[str, str]:
    """How a form names each of its shown ``fields``: name -> "the <label> field"."""
    return {f.name: f"the {f.label} field" for f in fields if f.kind != "hidden"}


def speak_fields(text: str, fields: Iterable[FormField]) -> str:
    """``text`` with each run parameter an engine names in backquotes (```time_limit_s```)
    named as this form's field, by its label ("the time_limit_s field"): the engines name
    their arguments, the CLI its options, the dashboard its fields, in the tables' notes
    and in the form's errors alike (:func:`hashpivot.exceptions.reword`)."""
    return reword(text, field_words(fields))


def _coerce(text: str, kind: str, choices: tuple[str, ...] = ()) -> Any:
    if choices == ("true", "false") and text in choices:  # a yes/no value, not its text
        return text == "true"
    if kind == "number":
        try:
            v = float(text)
        except ValueError:
            return text  # pydantic reports it at its path
        return int(v) if v.is_integer() and "." not in text and "e" not in text.lower() else v
    return text


def _set(obj: dict[str, Any], path: str, value: Any) -> None:
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    cur: Any = obj
    for p in parts[:-1]:
        if p.startswith("["):
            cur = cur[int(p[1:-1])]
        elif value is None and not isinstance(cur.get(p), (dict, list)):
            return  # (an empty field of a table the object lacks adds no table; one of
            # a fleet entry, in the site's list, is cleared as any other)
        else:
            cur = cur.setdefault(p, {})
    last = parts[-1]
    if value is None:
        cur.pop(last, None)
    else:
        cur[last] = value


def apply_form(target: dict[str, Any], fields: list[FormField], form: dict[str, str],
               other_keys: tuple[str, ...] = ()) -> None:
    """Write submitted values into ``target`` (an empty optional field is removed).

    Parameters
    ----------
    target : dict
        The edited object, changed in place.
    fields : list of FormField
        The form's fields; each one submitted takes the typed text as its ``value``.
    form : dict
        The submitted form.
    other_keys : tuple of str
        The keys the form posts that are no field (``csrf_token``).

    Raises
    ------
    InputError
        A submitted key that is neither a field nor in ``other_keys``, each at its path
        (what it held is not dropped silently); the fields are applied first.
    """
    for f in fields:
        raw = form.get(f.name)
        if raw is None:
            continue
        raw = raw.strip()
        f.value = raw
        _set(target, f.name, _coerce(raw, f.kind, f.choices) if raw != "" else None)
    names = {f.name for f in fields} | set(other_keys)
    unknown = [k for k in form if k not in names]
    if unknown:
        raise InputError([Problem(k, f"no such field in this form: {form[k].strip()!r} "
                                     "was not saved") for k in unknown])


def attach_errors(
    fields: list[FormField], problems: list[dict[str, str]], prefix: str
) -> list[str]:
    """Put each problem next to its field; return the ones that match no field."""
    by_name = {f.name: f for f in fields}
    rest = []
    for p in problems:
        path = p["path"]
        name = path[len(prefix):].lstrip(".") if path.startswith(prefix) else None
        if name is not None and name in by_name and by_name[name].kind != "hidden":
            f = by_name[name]
            f.error = (f.error + "; " if f.error else "") + p["message"]
        else:
            rest.append(f"{path}: {p['message']}" if path else p["message"])
    return rest
