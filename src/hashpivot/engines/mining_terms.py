"""A site's mining terms with their sources, for the resolved assumptions of every engine:
the uptime of its fleet entries (weighted by hashrate, each entry's where they differ), its
pool fee and power overhead factor (each from the file or the model's default) and its
power contract in words.

:func:`mining_term_facts` records them from a site (what only the portfolio knows: which
fields its file sets); :func:`mining_term_rows` and :func:`power_contract_row` turn them
into rows of the resolved-assumptions block (``name``, ``value``, ``unit``, ``source``) of
``pivot``, ``simulate`` and ``optimize``
(:mod:`~hashpivot.engines.pivot.site_assumptions`), ``cost`` and ``backtest``
(:mod:`~hashpivot.engines.economics.economics_assumptions`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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


def power_contract_row(prefix: str, text: str, source: str = "file") -> dict[str, Any]:
    """The row of a site's power contract (:func:`power_contract_text`)."""
    return {"name": f"{prefix}[sites.power_contract]", "value": text, "unit": "-",
            "source": source}


__all__ = [
    "MINING_TERMS",
    "mining_term_facts",
    "mining_term_rows",
    "power_contract_row",
    "power_contract_text",
]
