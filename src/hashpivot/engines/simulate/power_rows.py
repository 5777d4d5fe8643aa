"""The rows of the simulated power model in the resolved assumptions of ``simulate`` and
``optimize`` (which draws the same power paths): each index market's mean, mean
reversion, volatility, spikes and seasons, with their sources, and the correlation of
each other market with the first (:func:`power_rows`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: The power model's rows: :func:`~hashpivot.scenarios.power_parameters.power_model`'s
#: parameter, its ``[scenario]`` field, unit.
_POWER_ROWS = (
    ("mean_usd_per_mwh", "power_mean_usd_per_mwh", "USD/MWh"),
    ("mean_reversion_per_year", "power_mean_reversion_per_year", "1/year"),
    ("volatility_per_year", "power_volatility_per_year", "1/sqrt(year)"),
    ("spike_probability_per_month", "power_spike_probability_per_month", "1/month"),
    ("spike_mean_log", "power_spike_mean_log", "-"),
)


def power_rows(power: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The monthly power model of an index-priced site (none when no power is
    simulated, or for a run stored before the rows): its mean before the seasonal factors,
    mean reversion, volatility, spike probability and size, each with its source (the rows
    of ``simulate`` and of ``optimize``, which draws the same power paths); with index
    sites on several market nodes, each market's (its node after each name) and the
    correlation of each other market with the first, with its source."""
    if not power:
        return []
    markets = power.get("markets") or []
    first = f" ({power.get('node') or 'first index market'})" if markets else ""
    rows = _market_power_rows(power, first)
    for m in markets:
        rows += _market_power_rows(m, f" ({m['node']})")
        rows.append({"name": f"[scenario] power_market_correlation ({m['node']} with "
                             f"{power.get('node') or 'the first index market'})",
                     "value": m["correlation"], "unit": "-",
                     "source": m["correlation_source"]})
    return rows


def _seasonal_text(power: Mapping[str, Any]) -> str:
    """The seasonal factors in words: flat, or each month's, January to December, as the
    paths use them (normalized to a mean of 1; "by month" for a run stored before the
    flag or the factors)."""
    if power.get("seasonal_flat"):
        return "flat (1 every month)"
    factors = power.get("seasonal_factors")
    if not factors:
        return "by month"
    return (f"January to December {', '.join(f'{f:.3g}' for f in factors)} (normalized "
            "to a mean of 1)")


def _market_power_rows(power: Mapping[str, Any], where: str) -> list[dict[str, Any]]:
    """One market's power model rows (:func:`power_rows`), ``where`` after each name
    (its node, where there are several markets)."""
    sources = {**power["sources"], "mean_usd_per_mwh": _mean_source(power)}
    return [
        *({"name": f"[scenario] {field}{where}", "value": power[key], "unit": unit,
           "source": sources[key]} for key, field, unit in _POWER_ROWS),
        {"name": f"[scenario] power_seasonal_factors{where}",
         "value": _seasonal_text(power),
         "unit": "-",
         "source": power["seasonal"] + (
             ": fewer than 24 months of prices, which cannot tell seasons from noise"
             if power.get("seasonal_flat") and power["seasonal"].startswith("calibrated")
             else "")},
    ]


def _mean_source(power: Mapping[str, Any]) -> str:
    """The mean row's source, then what the mean is (the index the paths are centred on,
    before any adder) and what each index site on these paths pays on average, its adder
    included (``"...; on average A pays 35, B 60 + 4 adder = 64 USD/MWh"``): read alone,
    the mean looked like the sites' power price (a run stored before the sites were
    recorded: the source alone)."""
    source = str(power["sources"]["mean_usd_per_mwh"])
    sites = power.get("sites")
    if not sites:
        return source
    pays = []
    for k, s in enumerate(sites):
        index, adder = float(s["index_usd_per_mwh"]), float(s["adder_usd_per_mwh"])
        pays.append(f"{s['site']}{' pays' if k == 0 else ''} {index:g}"
                    + (f" + {adder:g} adder = {index + adder:g}" if adder else ""))
    every = ", every index site's" if source == "file" else ""
    return (f"{source}: the index before any adder{every}; on average "
            f"{', '.join(pays)} USD/MWh")


__all__ = ["power_rows"]
