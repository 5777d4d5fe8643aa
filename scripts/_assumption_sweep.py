"""The input fields of a portfolio document, each perturbed, and whether the resolved
assumptions an engine prints name it (``scripts/sweep_assumptions.py``'s machinery).

:func:`leaf_fields` walks a TOML document against :class:`hashpivot.models.Portfolio`: every
field of every table the document has (a value, a list or a mapping; the fields it leaves
out at their defaults too), and of the tables the models fill in whole when left out
(``[pivot.sensitivity]``, ``[pivot.terminal_value]``). :func:`perturbations` gives each a
few valid alternatives: a number x0.5 and x2 (kept inside its bounds; a zero moved to a
value inside them), each other choice, a flag flipped, a date shifted, an unset field a
typical value (:data:`UNSET_VALUES`). A field holding a list or a mapping by year
(:func:`is_list`: ``[scenario] power_seasonal_factors``, ``[optimize]
equity_budget_usd_per_year``, ``[[optimize.tenants]] sites``, ``btc_drift_by_year``) is
tried as a whole (:func:`list_perturbations`): its last element left out, one appended, its
numbers x0.5 and x2, its order reversed; a mapping's values x0.5 and x2, its years one
later. :func:`sweep` runs the engine on each perturbed document and records, per field,
whether a headline figure moved and whether a resolved-assumption row names the field
(:func:`names_field`).
"""

from __future__ import annotations

import copy
import datetime as dt
import enum
import math
import re
import time
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from hashpivot.exceptions import InputError
from hashpivot.models import Portfolio
from hashpivot.models.loader import validate_data

Path_ = tuple[str | int, ...]
#: What an engine gives back for one document: its headline figures by name [USD] and its
#: resolved-assumption rows (``name``, ``value``, ``unit``, ``source``).
Outcome = tuple[dict[str, float], list[dict[str, Any]]]
#: A run of an engine: the validated portfolio and the document's file name.
Runner = Callable[[Portfolio, str], Outcome]

#: A typical value for a field the document leaves unset (None) where no bound suggests
#: one, by ``table.field`` or by field name (the first found): numbers in the field's unit,
#: dates as the file writes them (a month field takes a day's month); None: not tried (a
#: side file: there is none to name).
UNSET_VALUES: dict[str, Any] = {
    "pivot.start": "2025-12",  # (before the example's convert_start, 2026-01)
    "hashrate_th_s": 150.0,
    "efficiency_j_per_th": 20.0,
    "power_w": 3000.0,
    "capacity_mw": 400.0,
    "convertible_gross_mw": 100.0,
    "hosting_power_price_usd_per_mwh": 20.0,
    "emissions_factor_tco2_per_mwh": 0.5,
    "connection_date": "2026-06-01",
    "state": "NY",
    "iso": "PJM",
    "market": "ercot:HB_WEST",
    "start": "2026-06-01",
    "end": "2030-06-30",
    "name": "renamed",
    "description": "described",
    "capex_usd_per_th": 15.0,
    "depreciation_years": 3.0,
    "usd_per_month": 1e6,
    "mining_discount_rate": 0.15,
    "hosting_discount_rate": 0.08,
    "btc_price_usd": 60_000.0,
    "network_hashrate_th_s": 5e8,
    "fees_btc_per_block": 0.1,
    "start_height": 950_000,
    "block_height": 950_000,
    "fleet_replacement_years": 4.0,
    "convert_mw": 50.0,
    "convert_start": "2027-01",
    "earliest_start": "2027Q1",  # ([optimize.tenants]: a quarter)
    "target_cash_usd": 50e6,
    "maturity": "2029-12",
    "calibration_end": "2024-12-31",
    "grid_adder_usd_per_mwh": 5.0,
    "ai_flexible_max_mw": 5.0,
    "emissions_file": None,
    "profile_file": None,
    "peak_probability_file": None,
    "rules_file": None,
    "interest_limit_ebitda_fraction": 0.3,
    # lists and mappings by year, where the document has none or an empty one
    "power_seasonal_factors": [0.9, 0.9, 0.85, 0.85, 0.95, 1.1, 1.3, 1.35, 1.1, 0.9, 0.9, 0.9],
    "btc_drift_by_year": {2027: -0.3},
    "btc_volatility_by_year": {2027: 1.0},
    "equity_budget_usd_per_year": [100e6, 200e6],
}
#: Another value for a text field that is set, by field name (a name tells entries apart;
#: the region picks the grid factor and the rules; the ASIC its specs).
OTHER_TEXT: dict[str, str] = {
    "power_calibrate_on": "ercot:HB_HOUSTON:2024",
    "region": "PJM",
    "asic": "Antminer S19j Pro",
    "market": "ercot:HB_HOUSTON",
    "state": "NY",
    "iso": "PJM",
}
#: The values tried for a number whose valid values are a set, not a range, by
#: ``table.field`` (the MACRS recovery periods of ``depreciation_method = "macrs"``:
#: x0.5 and x2 of 15 years are none). [year]
SET_VALUES: dict[str, list[Any]] = {
    "pivot.tax.asic_recovery_years": [3, 7],
    "pivot.tax.fit_out_recovery_years": [7, 20],
}
#: How far a date is shifted. [month]
SHIFT_MONTHS = 6
#: How far a date-time appended to a list of them follows the last. [day]
APPEND_DAYS = 1


@dataclass(frozen=True)
class Leaf:
    """A field of a table of the document (a value, a list or a mapping).

    Attributes
    ----------
    path : tuple
        Its place in the document (``("sites", 0, "hosting", "pue")``).
    table : str
        Its table as the rows name it (``"sites.hosting"``; ``""`` for the document's own).
    site : str or None
        The site it belongs to (its ``name``), None for a portfolio-wide field.
    info : FieldInfo
        The model's field (annotation, bounds, default).
    value : object
        Its value in the document, or the model's default where it is left out.
    in_file : bool
        Whether the document sets it.
    """

    path: Path_
    table: str
    site: str | None
    info: FieldInfo
    value: Any
    in_file: bool

    @property
    def name(self) -> str:
        """The field's name."""
        return str(self.path[-1])

    @property
    def dotted(self) -> str:
        """Its path as an error message writes it (``sites[0].hosting.pue``)."""
        out = ""
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
        return out


def _union_args(annotation: Any) -> list[Any]:
    """The members of an ``X | None`` or ``Optional[X]`` (the annotation alone otherwise)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [a for a in typing.get_args(annotation) if a is not type(None)]
    return [annotation]


def _strip(annotation: Any) -> Any:
    """``Annotated[X, ...]`` as ``X``."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _model_of(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The model a field holds and whether as a list (``list[FleetEntry]``)."""
    for member in _union_args(_strip(annotation)):
        member = _strip(member)
        if typing.get_origin(member) is list:
            inner = _strip(typing.get_args(member)[0])
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner, True
        if isinstance(member, type) and issubclass(member, BaseModel):
            return member, False
    return None, False


def _default(info: FieldInfo) -> Any:
    if info.default_factory is not None:
        return info.default_factory()  # type: ignore[call-arg]
    return None if info.is_required() else info.default


def leaf_fields(document: Mapping[str, Any], model: type[BaseModel] = Portfolio,
                path: Path_ = (), site: str | None = None) -> list[Leaf]:
    """Every field of the tables ``document`` has (a value, a list or a mapping), and of
    the tables the models fill in whole where it leaves them out (a default factory); a
    table left out that defaults to none (``[sites.hosting]``, ``[pivot.tax]``) is not
    walked."""
    out: list[Leaf] = []
    table = ".".join(p for p in path if isinstance(p, str))
    for name, info in model.model_fields.items():
        inner, is_list = _model_of(info.annotation)
        given = name in document
        if inner is not None:
            if is_list:
                for i, element in enumerate(document.get(name) or []):
                    here = element.get("name") if name == "sites" else site
                    out += leaf_fields(element, inner, (*path, name, i), here)
            elif given and isinstance(document[name], Mapping):
                out += leaf_fields(document[name], inner, (*path, name), site)
            elif not given and info.default_factory is not None:
                out += leaf_fields({}, inner, (*path, name), site)
            continue
        out.append(Leaf((*path, name), table, site, info,
                        document[name] if given else _default(info), given))
    return out


def _bounds(info: FieldInfo) -> tuple[float, float, bool, bool]:
    """The field's bounds: low, high and whether each is open (``gt``, ``lt``)."""
    lo, hi, lo_open, hi_open = -math.inf, math.inf, False, False
    found: list[Any] = list(info.metadata)
    stack = [info.annotation]
    while stack:
        a = stack.pop()
        for arg in typing.get_args(a):
            if isinstance(arg, FieldInfo):
                found += arg.metadata
            else:
                stack.append(arg)
    for m in found:
        if isinstance(m, at.Ge):
            lo, lo_open = max(lo, float(m.ge)), False  # type: ignore[arg-type]
        elif isinstance(m, at.Gt):
            lo, lo_open = max(lo, float(m.gt)), True  # type: ignore[arg-type]
        elif isinstance(m, at.Le):
            hi, hi_open = min(hi, float(m.le)), False  # type: ignore[arg-type]
        elif isinstance(m, at.Lt):
            hi, hi_open = min(hi, float(m.lt)), True  # type: ignore[arg-type]
    return lo, hi, lo_open, hi_open


def _kind(info: FieldInfo) -> str:
    """What the field holds: ``bool``, ``choice``, ``choices`` (a list of them), ``int``,
    ``float``, ``date``, ``day``, ``month``, ``quarter``, ``text`` or ``other`` (a list or
    a mapping of numbers, a date-time)."""
    text = repr(info.annotation) + repr(info.metadata)  # (a bare ``MonthText``'s are here)
    for member in _union_args(_strip(info.annotation)):
        base = _strip(member)
        origin = typing.get_origin(base)
        if origin is typing.Literal or (isinstance(base, type) and issubclass(base, enum.Enum)):
            return "choice"
        if origin is list and typing.get_origin(_strip(typing.get_args(base)[0])) \
                is typing.Literal:
            return "choices"
        if base is bool:
            return "bool"
        if base is int:
            return "int"
        if base is float:
            return "float"
        if base is dt.date:
            return "date"
        if base is str:
            for tag, kind in (("_as_month_text", "month"), ("_as_quarter_text", "quarter"),
                              ("_as_day", "day")):
                if tag in text:
                    return kind
            return "text"
    return "other"


def _choices(info: FieldInfo) -> list[Any]:
    """The values a choice field (or the elements of a list of choices) may take."""
    for member in _union_args(_strip(info.annotation)):
        base = _strip(member)
        if typing.get_origin(base) is list:
            base = _strip(typing.get_args(base)[0])
        if typing.get_origin(base) is typing.Literal:
            return list(typing.get_args(base))
        if isinstance(base, type) and issubclass(base, enum.Enum):
            return [e.value for e in base]
    return []


def _inside(x: float, lo: float, hi: float, lo_open: bool, hi_open: bool) -> bool:
    return (x > lo if lo_open else x >= lo) and (x < hi if hi_open else x <= hi)


def _numbers(value: float, info: FieldInfo, whole: bool) -> list[float]:
    """``value`` x0.5 and x2, each pulled halfway to the bound it would cross; a zero
    moved to the middle of its bounds, or to 1."""
    lo, hi, lo_open, hi_open = _bounds(info)
    if value == 0:
        span = [x for x in (lo, hi) if math.isfinite(x) and x != 0]
        tries = [min(span, key=abs) / 2] if span else [1.0]
        tries += [-1.0] if lo < -1 else []
    else:
        tries = [value * 0.5, value * 2.0]
    out: list[float] = []
    for x in tries:
        if not _inside(x, lo, hi, lo_open, hi_open):
            edge = hi if x > value else lo
            x = (value + edge) / 2 if math.isfinite(edge) else x
        if whole:
            x = float(round(x)) if round(x) != value else value + (1 if x > value else -1)
        if x != value and _inside(x, lo, hi, lo_open, hi_open) and x not in out:
            out.append(x)
    return out


def _shift(text: str, kind: str, months: int) -> str | None:
    """A ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYYQn`` moved by ``months`` (a day past the
    month's end kept at its last day)."""
    m = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?|(\d{4})Q([1-4])", str(text))
    if m is None:
        return None
    if m.group(4):
        year, month, day = int(m.group(4)), 3 * int(m.group(5)) - 2, None
    else:
        year, month = int(m.group(1)), int(m.group(2))
        day = int(m.group(3)) if m.group(3) else None
    k = year * 12 + month - 1 + months
    year, month = divmod(k, 12)
    if kind == "quarter" or m.group(4):
        return f"{year:04d}Q{month // 3 + 1}"
    if day is None or kind == "month":
        return f"{year:04d}-{month + 1:02d}"
    last = (dt.date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1) - dt.timedelta(days=1)).day
    return f"{year:04d}-{month + 1:02d}-{min(day, last):02d}"


def _containers(info: FieldInfo) -> list[Any]:
    """The origins of the field's members other than None (``list``, ``dict``, ``float``)."""
    return [typing.get_origin(_strip(m)) or _strip(m) for m in _union_args(_strip(info.annotation))]


def is_list(leaf: Leaf) -> bool:
    """Whether ``leaf`` holds a list or a mapping (its value one, or, unset, every member of
    its annotation one); a list of choices (``[pivot] strategies``) is a scalar field's kind
    (``choices``: each left out, each missing one added)."""
    if _kind(leaf.info) == "choices":
        return False
    if isinstance(leaf.value, list | tuple | dict):
        return True
    members = _containers(leaf.info)
    return leaf.value is None and bool(members) and all(m in (list, dict) for m in members)


def _scaled(value: Any, factor: float, info: FieldInfo) -> Any:
    """A number x ``factor``, pulled halfway to a bound it would cross (anything else as
    it is)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    lo, hi, lo_open, hi_open = _bounds(info)
    x = value * factor
    if not _inside(x, lo, hi, lo_open, hi_open):
        edge = hi if x > value else lo
        x = (value + edge) / 2 if math.isfinite(edge) else x
    return x


def _later(value: Any) -> Any:
    """A date-time (or a tuple of them) :data:`APPEND_DAYS` later; None for anything else."""
    if isinstance(value, dt.datetime | dt.date):
        return value + dt.timedelta(days=APPEND_DAYS)
    if isinstance(value, list | tuple) and value and all(
            isinstance(v, dt.datetime | dt.date) for v in value):
        return type(value)(v + dt.timedelta(days=APPEND_DAYS) for v in value)
    return None


def list_perturbations(leaf: Leaf, names: Sequence[str] = ()) -> list[Any]:
    """The values a list or a mapping field (:func:`is_list`) is tried at.

    A list, in this order (a quick sweep runs the first): of numbers, reversed and x0.5 and
    x2 (each kept inside the field's bounds); its last element left out; an element
    appended (a number or a date-time: the last, the date-times :data:`APPEND_DAYS` later; a
    name: the first of ``names`` it lacks); of names, reversed. A mapping (by year): its
    values x0.5 and x2, its keys one year later. Unset or empty: the typical value of
    :data:`UNSET_VALUES`, or, for a list of names, the first of ``names`` (the document's
    sites).

    Parameters
    ----------
    leaf : Leaf
        The field.
    names : sequence of str
        The names a list of names may hold (the document's sites).
    """
    value = leaf.value
    if not value:
        key = next((k for k in (f"{leaf.table}.{leaf.name}", leaf.name) if k in UNSET_VALUES),
                   None)
        if key is not None:
            return [] if UNSET_VALUES[key] is None else [copy.deepcopy(UNSET_VALUES[key])]
        return [[names[0]]] if names and list in _containers(leaf.info) else []
    out: list[Any] = []
    if isinstance(value, dict):
        numeric = all(isinstance(v, int | float) for v in value.values())
        if numeric:
            out += [{k: _scaled(v, f, leaf.info) for k, v in value.items()} for f in (0.5, 2.0)]
        if all(isinstance(k, int) or str(k).isdigit() for k in value):
            out.append({int(k) + 1: v for k, v in value.items()})
    else:
        items = list(value)
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in items)
        texts = all(isinstance(v, str) for v in items)
        if numbers:  # (reversed first: factors normalized to a mean of 1 ignore a scale)
            out += [items[::-1], *([_scaled(v, f, leaf.info) for v in items]
                                   for f in (0.5, 2.0))]
        out.append(items[:-1])
        if numbers:
            out.append([*items, items[-1]])
        elif texts:
            extra = next((n for n in names if n not in items), None)
            out += [] if extra is None else [[*items, extra]]
        elif _later(items[-1]) is not None:
            out.append([*items, _later(items[-1])])
        out += [items[::-1]] if texts else []
    unique: list[Any] = []
    for v in out:
        if v != value and v not in unique:
            unique.append(v)
    return unique


def perturbations(leaf: Leaf, names: Sequence[str] = ()) -> list[Any]:
    """The values ``leaf`` is tried at (none for a field of another kind: ``other``; a
    list or a mapping: :func:`list_perturbations`, ``names`` the names a list of names may
    hold)."""
    if is_list(leaf):
        return list_perturbations(leaf, names)
    kind, value = _kind(leaf.info), leaf.value
    if f"{leaf.table}.{leaf.name}" in SET_VALUES:
        return [v for v in SET_VALUES[f"{leaf.table}.{leaf.name}"] if v != value]
    if kind == "bool":
        return [not value]
    if kind == "choice":
        return [c for c in _choices(leaf.info) if c != value]
    if kind == "choices":  # a list of choices: each left out, each missing one added
        listed = list(value or [])
        out: list[Any] = [[c for c in listed if c != drop] for drop in listed]
        return out + [[*listed, c] for c in _choices(leaf.info) if c not in listed]
    if value is None:
        key = next((k for k in (f"{leaf.table}.{leaf.name}", leaf.name) if k in UNSET_VALUES),
                   None)
        if key is not None:
            unset = UNSET_VALUES[key]
            if isinstance(unset, str) and kind in ("month", "quarter"):
                unset = _shift(unset, kind, 0)  # (a day's month, or its quarter)
            return [] if unset is None else [unset]
        if kind in ("int", "float"):
            lo, hi, _, _ = _bounds(leaf.info)
            if math.isfinite(lo) and math.isfinite(hi):
                mid = (lo + hi) / 2
                return [round(mid) if kind == "int" else mid]
        return []
    if kind in ("int", "float") and isinstance(value, int | float):
        got = _numbers(float(value), leaf.info, kind == "int")
        return [int(x) for x in got] if kind == "int" else got
    if kind in ("day", "month", "quarter"):
        return [s for s in (_shift(value, kind, -SHIFT_MONTHS), _shift(value, kind, SHIFT_MONTHS))
                if s is not None]
    if kind == "date" and isinstance(value, dt.date):
        return [value.replace(year=value.year - 1), value.replace(year=value.year + 1)]
    if kind == "date" and isinstance(value, str):  # a day written as text
        return [s for s in (_shift(value, "day", -12), _shift(value, "day", 12)) if s]
    if kind == "text":
        return [OTHER_TEXT.get(leaf.name, f"{value} (renamed)")]
    return []


def with_value(document: Mapping[str, Any], path: Path_, value: Any) -> dict[str, Any]:
    """A deep copy of ``document`` with ``value`` at ``path`` (its tables made as needed)."""
    out = copy.deepcopy(dict(document))
    here: Any = out
    for part in path[:-1]:
        if isinstance(part, str) and part not in here:
            here[part] = {}
        here = here[part]
    here[path[-1]] = value
    return out


#: A row's name after its site's prefix (``"Texas: [sites.hosting] pue"``).
def _row_site(name: str, sites: Iterable[str]) -> tuple[str | None, str]:
    for s in sites:
        if name.startswith(f"{s}: "):
            return s, name[len(s) + 2:]
    return None, name


def _word(text: str, word: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(word)}(?!\w)", text) is not None


def names_field(leaf: Leaf, rows: Sequence[Mapping[str, Any]], sites: Iterable[str],
                changed: Iterable[str] = ()) -> str:
    """How a row names ``leaf`` (empty where none does): ``"row"`` a row named
    ``[table] field`` (``"[sites.hosting] pue"``, ``"[sites.fleet] uptime_fraction,
    weighted by hashrate"``), ``"mention"`` a row whose name or source names the table and
    the field (``strategy phased``: ``[sites.hosting] phases, phased_tranches``), or
    ``"table row"`` a row of its table whose value or source moved with it (``changed``:
    the names of the rows that differ; ``[sites.fleet]`` says each entry's count). A field
    whose name is a plain word (``start``, ``count``) is not found by a mention: the word
    says nothing of the field. A row of another site does not name a site's field. A
    table in a list of tables is also its parent's row (``[treasury] debt`` is the row of
    ``[[treasury.debt]]``: each instrument's terms)."""
    tag = f"[{leaf.table}]"
    parent, _, last = leaf.table.rpartition(".")
    tags = (tag, f"[{parent}] {last}") if parent else (tag,)
    moved = set(changed)
    how = ""
    for row in rows:
        owner, name = _row_site(str(row["name"]), sites)
        if owner is not None and owner != leaf.site:
            continue
        if _word(name, f"{tag} {leaf.name}"):
            return "row"
        text = f"{name} {row.get('source', '')}"
        if "_" in leaf.name and tag in text and _word(text, leaf.name):
            how = "mention"
        elif not how and name.startswith(tags) and row["name"] in moved:
            how = "table row"
    return how


def _moved(base: Mapping[str, float], other: Mapping[str, float], tol: float) -> float:
    """The largest relative change of a headline figure (inf where the figures named
    differ, or one is NaN and the other not)."""
    if set(base) != set(other):
        return math.inf
    worst = 0.0
    for key, a in base.items():
        b = other[key]
        if math.isnan(a) or math.isnan(b):
            worst = max(worst, 0.0 if math.isnan(a) and math.isnan(b) else math.inf)
            continue
        scale = max(abs(a), abs(b))
        if scale > 0 and abs(a - b) > tol * scale:
            worst = max(worst, abs(a - b) / scale)
    return worst


@dataclass
class FieldResult:
    """What perturbing one field did.

    Attributes
    ----------
    leaf : Leaf
        The field.
    tried : list
        The values run (the others refused: ``refused``).
    refused : list
        ``(value, first problem)`` of each perturbation the models or the engine refused.
    moved : float
        The largest relative change of a headline figure over the values run. [-]
    moved_by : object
        The value that moved it most.
    named : str
        How a row names it (:func:`names_field`; empty: none).
    errors : list
        ``(value, exception)`` of each run that failed otherwise (a bug to look at).
    """

    leaf: Leaf
    tried: list[Any] = field(default_factory=list)
    refused: list[tuple[Any, str]] = field(default_factory=list)
    moved: float = 0.0
    moved_by: Any = None
    named: str = ""
    errors: list[tuple[Any, str]] = field(default_factory=list)


def run_document(document: Mapping[str, Any], source: str, runner: Runner) -> Outcome:
    """Validate ``document`` (as the file ``source``) and run the engine on it; an
    :class:`InputError` of the models or the engine is raised."""
    portfolio = validate_data(Portfolio, dict(document), source)
    portfolio._source_file = source  # (its side files read beside the file)
    return runner(portfolio, source)


def sweep(document: Mapping[str, Any], source: str, runner: Runner,
          keep: Callable[[Leaf], bool] = lambda leaf: True, tol: float = 1e-9,
          first_only: bool = False, progress: Callable[[str], None] | None = None,
          ) -> list[FieldResult]:
    """Each field of ``document`` (those ``keep`` takes) perturbed and run.

    Parameters
    ----------
    document : mapping
        The portfolio document (the TOML as read).
    source : str
        Its file (absolute: the engines read its side files beside it).
    runner : callable
        The engine: (portfolio, source) -> (headline figures, resolved assumptions).
    keep : callable, optional
        Which fields to try.
    tol : float
        The relative change of a headline figure that counts as a move. [-]
    first_only : bool
        Run only the first perturbation each field accepts (a quick sweep).
    progress : callable, optional
        Told each field's path as it is tried.
    """
    base_figures, base_rows = run_document(document, source, runner)
    sites = [str(s.get("name", "")) for s in document.get("sites", [])]
    out = []
    for leaf in leaf_fields(document):
        if not keep(leaf):
            continue
        if progress is not None:
            progress(leaf.dotted)
        res = FieldResult(leaf)
        named = {names_field(leaf, base_rows, sites)}
        for value in perturbations(leaf, sites):
            try:
                figures, rows = run_document(with_value(document, leaf.path, value), source,
                                             runner)
            except InputError as exc:
                res.refused.append((value, str(exc.problems[0]) if exc.problems else ""))
                continue
            except Exception as exc:  # a failure other than bad input: reported, not hidden
                res.errors.append((value, f"{type(exc).__name__}: {exc}"))
                continue
            res.tried.append(value)
            move = _moved(base_figures, figures, tol)
            if move > res.moved:
                res.moved, res.moved_by = move, value
            before = {r["name"]: (str(r["value"]), str(r["source"])) for r in base_rows}
            changed = [r["name"] for r in rows
                       if before.get(r["name"]) != (str(r["value"]), str(r["source"]))]
            named.add(names_field(leaf, rows, sites, changed))
            if first_only:
                break
        res.named = next((h for h in ("row", "mention", "table row") if h in named), "")
        out.append(res)
    return out


def timed(runner: Runner) -> tuple[Runner, list[float]]:
    """``runner`` recording each run's wall time [s]."""
    times: list[float] = []

    def run(portfolio: Portfolio, source: str) -> Outcome:
        t0 = time.perf_counter()
        try:
            return runner(portfolio, source)
        finally:
            times.append(time.perf_counter() - t0)

    return run, times
