"""A site's mining terms with their sources, for the resolved assumptions of every engine:
the uptime of its fleet entries (weighted by hashrate, each entry's where they differ), its
pool fee and power overhead factor (each from the file or the model's default) and its
power contract in words; its fleet (:func:`fleet_facts`: machines per entry, total
hashrate, efficiency weighted by hashrate, power at the meter, and what is installed when);
its capacity and grid connection (:func:`capacity_row`, :func:`connection_row`).

:func:`mining_term_facts` records them from a site (what only the portfolio knows: which
fields its file sets); :func:`mining_term_rows` and :func:`power_contract_row` turn them
into rows of the resolved-assumptions block (``name``, ``value``, ``unit``, ``source``) of
``pivot``, ``simulate`` and ``optimize`` (and :func:`fleet_row`: also ``backtest``'s;
``cost`` prints its fleet in tables of its own)
(:mod:`~hashpivot.engines.pivot.site_assumptions`), ``cost`` and ``backtest``
(:mod:`~hashpivot.engines.economics.economics_assumptions`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from hashpivot.models import FleetEntry, PowerContract, Site

#: The mining terms of a site shown: field, unit, its table in the file (the uptime is
#: each fleet entry's, weighted by hashrate).
MINING_TERMS: tuple[tuple[str, str, str], ...] = (
    ("uptime_fraction", "-", "[sites.fleet]"),
    ("pool_fee_fraction", "-", "[sites]"),
    ("power_overhead_factor", "-", "[sites]"),
)


def power_contract_text(contract: PowerContract) -> str:
    """A power contract in words: ``"fixed 37 USD/MWh"``, ``"index ercot:HB_WEST: expected
    45 + 3 adder USD/MWh"``."""
    adder = float(contract.adder_usd_per_mwh or 0.0)
    plus = f" + {adder:g} adder" if adder else ""
    if contract.kind == "index":
        market = f" {contract.market}" if contract.market else ""
        return f"index{market}: expected {contract.price_usd_per_mwh:g}{plus} USD/MWh"
    return f"fixed {contract.price_usd_per_mwh:g}{plus} USD/MWh"


def mining_term_facts(site: Site, entries: Sequence[FleetEntry] | None = None
                      ) -> dict[str, Any]:
    """The site's mining terms (``MINING_TERMS``) and where each comes from.

    Parameters
    ----------
    site : Site
        The site (its ``pool_fee_fraction`` and ``power_overhead_factor``, and which of
        them its file sets).
    entries : sequence of FleetEntry, optional
        The fleet entries counted (``cost``: those running on its day); default every
        entry of the site.

    Returns
    -------
    dict
        ``uptime_fraction`` (the entries' weighted by their hashrate; the model's default
        without entries) [-], ``pool_fee_fraction`` [-], ``power_overhead_factor`` [-],
        ``sources`` (each field's: ``"file"``, ``"default"`` or, for an uptime some
        entries set and others not, ``"file and default"``) and, where the entries'
        uptimes or their sources differ, ``uptime_by_entry``: each entry's ``label``,
        ``value`` and ``source``.
    """
    from hashpivot.models import FleetEntry

    counted = list(site.fleet if entries is None else entries)
    hashrate = [e.total_hashrate_th_s for e in counted]
    total = sum(hashrate)
    uptime = (sum(h * float(e.uptime_fraction) for h, e in zip(hashrate, counted, strict=True))
              / total if total > 0 else float(FleetEntry.model_fields["uptime_fraction"].default))
    given = ["uptime_fraction" in e.model_fields_set for e in counted]
    each = [{"label": e.label, "value": float(e.uptime_fraction),
             "source": "file" if g else "default"} for e, g in zip(counted, given, strict=True)]
    differ = len({(x["value"], x["source"]) for x in each}) > 1
    return {
        "uptime_fraction": uptime,
        "pool_fee_fraction": float(site.pool_fee_fraction),
        "power_overhead_factor": float(site.power_overhead_factor),
        "sources": {
            "uptime_fraction": ("file" if counted and all(given) else
                                "file and default" if any(given) else "default"),
            **{f: "file" if f in site.model_fields_set else "default"
               for f in ("pool_fee_fraction", "power_overhead_factor")},
        },
        **({"uptime_by_entry": each} if differ else {}),
    }


def _uptime_source(mining: Mapping[str, Any]) -> str:
    """The uptime's source, with each entry's uptime where they differ (``"file and
    default: S21 0.95 (default), S19j Pro 0.9 (file)"``)."""
    source = str(mining["sources"]["uptime_fraction"])
    each = mining.get("uptime_by_entry")
    if not each:
        return source
    return source + ": " + ", ".join(f"{x['label']} {x['value']:g} ({x['source']})"
                                     for x in each)


def mining_term_rows(prefix: str, mining: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rows of a site's mining terms (:func:`mining_term_facts`, a field renamed by
    its ``names``), each name after ``prefix`` (the site's name where there are several)."""
    names = mining.get("names", {})
    return [
        {"name": prefix + (names.get(field) or f"{table} {field}" + (
            ", weighted by hashrate" if field == "uptime_fraction" else "")),
         "value": mining[field], "unit": unit,
         "source": (_uptime_source(mining) if field == "uptime_fraction"
                    else mining["sources"][field])}
        for field, unit, table in MINING_TERMS
    ]


#: The uptime row's name at a site with ``[sites.dispatch]``: its machines run whenever
#: available (the dispatch curtails), so its uptime is the ``availability_fraction``.
AVAILABILITY_NAME = ("[sites.dispatch] availability_fraction, the site's uptime (the dispatch "
                     "curtails)")


def availability_facts(facts: Mapping[str, Any], availability_fraction: float,
                       in_file: bool) -> dict[str, Any]:
    """A dispatching site's mining terms (:func:`mining_term_facts`) with its uptime the
    ``availability_fraction`` its machines run at [-] (the fleet's ``uptime_fraction``
    is not used: the dispatch curtails), from the file (``in_file``) or the default,
    its row named :data:`AVAILABILITY_NAME`."""
    out = {key: value for key, value in facts.items() if key != "uptime_by_entry"}
    out["uptime_fraction"] = float(availability_fraction)
    out["sources"] = {**facts["sources"],
                      "uptime_fraction": "file" if in_file else "default"}
    out["names"] = {"uptime_fraction": AVAILABILITY_NAME}
    return out


def power_contract_row(prefix: str, text: str, source: str = "file") -> dict[str, Any]:
    """The row of a site's power contract (:func:`power_contract_text`)."""
    return {"name": f"{prefix}[sites.power_contract]", "value": text, "unit": "-",
            "source": source}


def capacity_row(prefix: str, capacity_mw: float, in_file: bool, use: str = ""
                 ) -> dict[str, Any]:
    """The row of a site's ``capacity_mw`` [MW]: the file's, or (not set) the fleet's
    power at the meter, none spare; ``use``, what the engine does with the file's
    capacity, follows the source ``file``."""
    source = ("file" + (f"; {use}" if use else "") if in_file
              else "default: the fleet's power at the meter, none spare")
    return {"name": f"{prefix}[sites] capacity_mw", "value": float(capacity_mw), "unit": "MW",
            "source": source}


#: The connection row's value for a site with no ``connection_date``.
CONNECTED_THROUGHOUT = "none: connected throughout"


def connection_row(prefix: str, connection_date: str | None, use: str = ""
                   ) -> dict[str, Any]:
    """The row of a site's ``connection_date`` (``YYYY-MM-DD``: its machines mine from
    that day), or :data:`CONNECTED_THROUGHOUT` by default; ``use``, what else waits for
    it in the engine, follows the source ``file``."""
    if connection_date is None:
        return {"name": f"{prefix}[sites] connection_date", "value": CONNECTED_THROUGHOUT,
                "unit": "-", "source": "default"}
    return {"name": f"{prefix}[sites] connection_date", "value": str(connection_date),
            "unit": "day", "source": "file" + (f"; {use}" if use else "")}


def fleet_facts(site: Site, entries: Sequence[FleetEntry] | None = None,
                first: pd.Timestamp | None = None, last: pd.Timestamp | None = None,
                dated: bool = True) -> dict[str, Any]:
    """A site's fleet as the engines count it: each entry's machines and label (its dates
    after it, :meth:`~hashpivot.models.fleet.Dated.with_dates`), and the totals of the
    entries installed from ``first`` and from each day in ``(first, last]`` that an entry
    starts or the day after one ends (by :meth:`~hashpivot.models.fleet.Dated.active_on`).

    Parameters
    ----------
    site : Site
        The site (its ``power_overhead_factor``).
    entries : sequence of FleetEntry, optional
        The entries counted (``backtest``: those running in its window); default every
        entry of the site.
    first, last : pandas.Timestamp, optional
        The first and last day valued; without them one total of every entry.
    dated : bool
        False where the engines take the entries as they stand, each over the whole
        horizon (their dates not used: more than ``capacity_mw`` together and no swap,
        :attr:`~hashpivot.models.Site.fleet_slots`): one total of every entry.

    Returns
    -------
    dict
        ``entries``: each one's ``label`` and ``count`` [-]; ``catalog``: whether an entry
        takes its specs from the bundled ASIC catalog; ``installed``: per change, ``from``
        (ISO day; None for the one total) and the ``hashrate_th_s`` [TH/s], ``j_per_th``
        (weighted by hashrate, each entry's :attr:`~hashpivot.models.FleetEntry.
        drawn_j_per_th`) [J/TH] and ``power_mw`` (at the meter, overhead included) [MW]
        installed; ``dates_not_used``: ``not dated``.
    """
    import numpy as np
    import pandas as pd

    from hashpivot.mining.fleet import fleet_production, weighted_efficiency_j_per_th
    from hashpivot.models.fleet import last_day

    counted = list(site.fleet if entries is None else entries)
    hashrate = np.array([float(e.hashrate_th_s or 0.0) for e in counted])
    count = np.array([e.count for e in counted], dtype=float)
    j_per_th = np.array([e.drawn_j_per_th for e in counted])
    made = fleet_production(count, hashrate, j_per_th,
                            power_overhead_factor=float(site.power_overhead_factor))

    def totals(on: Any, day: pd.Timestamp | None) -> dict[str, Any]:
        return {"from": None if day is None else day.date().isoformat(),
                "hashrate_th_s": float(made.hashrate_th_s[on].sum()),
                "j_per_th": weighted_efficiency_j_per_th(made.hashrate_th_s[on],
                                                         j_per_th[on]),
                "power_mw": float(made.power_mw[on].sum())}

    every = np.ones(len(counted), dtype=bool)
    installed = [totals(every, None)]
    if dated and first is not None and last is not None:
        changes = {pd.Timestamp(e.start) for e in counted if e.start}
        changes |= {end + pd.Timedelta(days=1) for e in counted
                    if (end := last_day(e.end)) is not None}
        days = pd.DatetimeIndex(sorted({first} | {d for d in changes if first < d <= last}))
        if len(days) > 1:
            on = np.array([e.active_on(days) for e in counted]).reshape(len(counted),
                                                                       len(days))
            installed = [totals(on[:, k], day) for k, day in enumerate(days)]
    return {
        "entries": [{"label": e.with_dates(e.label) if e.start or e.end else e.label,
                     "count": e.count} for e in counted],
        "catalog": any(e.asic is not None for e in counted),
        "installed": installed,
        "dates_not_used": not dated and any(e.start or e.end for e in counted),
    }


def fleet_row(prefix: str, fleet: Mapping[str, Any]) -> dict[str, Any]:
    """The row of a site's fleet (:func:`fleet_facts`): ``"1,200 x Antminer S21 XP + 800
    x Antminer S19 XP; 436.00 PH/s at 15.6 J/TH weighted, 7.1 MW"``, with the totals from
    each day the machines installed change where some entries are dated."""
    from hashpivot.reports.tables.formats import hashrate_with_unit  # (a leaf: no pandas)

    def total(t: Mapping[str, Any]) -> str:
        if t["hashrate_th_s"] <= 0.0:
            return "none installed"
        return (f"{' '.join(hashrate_with_unit(t['hashrate_th_s']))} at "
                f"{t['j_per_th']:.1f} J/TH weighted, {t['power_mw']:,.1f} MW")

    machines = " + ".join(f"{e['count']:,} x {e['label']}" for e in fleet["entries"])
    installed = fleet["installed"]
    if len(installed) > 1:
        totals = "installed " + "; ".join(f"from {t['from']}: {total(t)}" for t in installed)
    else:
        totals = total(installed[0]) + (
            " (their dates not used: more than capacity_mw together, taken as they stand "
            "over the whole horizon, the least efficient cut to it)"
            if fleet.get("dates_not_used") else "")
    source = ("file" + ("; catalog specs" if fleet["catalog"] else "")
              + "; J/TH weighted by hashrate, MW at the meter (overhead included)")
    return {"name": f"{prefix}[sites.fleet]", "value": f"{machines}; {totals}", "unit": "-",
            "source": source}


__all__ = [
    "AVAILABILITY_NAME",
    "CONNECTED_THROUGHOUT",
    "MINING_TERMS",
    "availability_facts",
    "capacity_row",
    "connection_row",
    "fleet_facts",
    "fleet_row",
    "mining_term_facts",
    "mining_term_rows",
    "power_contract_row",
    "power_contract_text",
]
