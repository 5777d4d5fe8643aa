"""HTML form fields built from the pydantic models: label, unit, value, error."""

from __future__ import annotations

import re
import types
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from hashpivot.models import Site
from hashpivot.models.portfolio import FleetEntry, PowerContract

_UNIT = re.compile(r"\[([^\]]+)\]\s*$")


@dataclass
class FormField:
    """One input: ``name`` is its path inside the edited object (``power_contract.kind``)."""

    name: str
    label: str
    unit: str
    kind: str  # "number", "text", "select"
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
        value=value,
        required=info.is_required(),
        choices=choices,
        help=_UNIT.sub("", desc).strip(),
        default=_default_text(info.get_default(call_default_factory=False)),
    )


def _default_text(default: Any) -> str:
    """How an empty field's default reads in the form ("" for none)."""
    if default is None or default is PydanticUndefined:
        return ""
    if isinstance(default, bool):
        return "true" if default else "false"
    return str(default) if isinstance(default, (int, float, str)) else ""


SITE_FIELDS = ("name", "region", "capacity_mw", "power_overhead_factor", "pool_fee_fraction")
CONTRACT_FIELDS = ("kind", "price_usd_per_mwh", "adder_usd_per_mwh", "market")
FLEET_FIELDS = ("count", "uptime_fraction")


def site_form(site: dict[str, Any]) -> list[FormField]:
    """The editable fields of a site document (top level, power contract, fleet counts)."""
    out = [_field(Site, a, "", site.get(a)) for a in SITE_FIELDS]
    contract = site.get("power_contract") or {}
    out += [
        _field(PowerContract, a, "power_contract.", contract.get(a)) for a in CONTRACT_FIELDS
    ]
    for i, entry in enumerate(site.get("fleet") or []):
        asic = f" {entry['asic']}" if entry.get("asic") else ""
        for a in FLEET_FIELDS:
            f = _field(FleetEntry, a, f"fleet[{i}].", entry.get(a))
            f.label = f"fleet[{i}]{asic}: {a}"
            out.append(f)
    return out


_FLEET_KEY = re.compile(r"fleet\[(\d+)\]\.")


def typed_site_form(form: dict[str, str]) -> list[FormField]:
    """The site form holding what was typed in it, with no stored site to read (the site
    it was filled for is gone): the site's and its contract's fields, and those of each
    fleet entry the form held."""
    entries = 1 + max((int(m.group(1)) for k in form if (m := _FLEET_KEY.match(k))),
                      default=-1)
    skeleton: dict[str, Any] = {"power_contract": {}, "fleet": [{} for _ in range(entries)]}
    fields = site_form(skeleton)
    apply_form(skeleton, fields, form)  # (sets each field's value to the typed text)
    return fields


def params_form(model: type[BaseModel], values: dict[str, Any]) -> list[FormField]:
    """The fields of a run-parameter model (the resolved ``network`` is not editable)."""
    return [
        _field(model, a, "", values.get(a))
        for a in model.model_fields
        if a != "network"
    ]


def _coerce(text: str, kind: str) -> Any:
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
        cur = cur[int(p[1:-1])] if p.startswith("[") else cur.setdefault(p, {})
    last = parts[-1]
    if value is None:
        cur.pop(last, None)
    else:
        cur[last] = value


def apply_form(target: dict[str, Any], fields: list[FormField], form: dict[str, str]) -> None:
    """Write submitted values into ``target`` (an empty optional field is removed)."""
    for f in fields:
        raw = form.get(f.name)
        if raw is None:
            continue
        raw = raw.strip()
        f.value = raw
        _set(target, f.name, _coerce(raw, f.kind) if raw != "" else None)


def attach_errors(
    fields: list[FormField], problems: list[dict[str, str]], prefix: str
) -> list[str]:
    """Put each problem next to its field; return the ones that match no field."""
    by_name = {f.name: f for f in fields}
    rest = []
    for p in problems:
        path = p["path"]
        name = path[len(prefix):].lstrip(".") if path.startswith(prefix) else None
        if name is not None and name in by_name:
            f = by_name[name]
            f.error = (f.error + "; " if f.error else "") + p["message"]
        else:
            rest.append(f"{path}: {p['message']}" if path else p["message"])
    return rest
