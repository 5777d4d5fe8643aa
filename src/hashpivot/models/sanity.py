"""Warnings for values that are valid but look like the wrong unit.

A power price of 4.2 USD/MWh is almost surely 4.2 c/kWh (42 USD/MWh); an efficiency of
0.0175 J/TH is W/GH or kJ/TH; a lease of 130,000 USD/kW/month is per MW. The models accept
them (they are inside the physical bounds), so :func:`unit_warnings` lists them for the
interfaces to print next to the result, each with its field path.
"""

from __future__ import annotations

from hashpivot.exceptions import Problem
from hashpivot.models.portfolio import Portfolio

#: A contract power price below this is probably in c/kWh (1 c/kWh = 10 USD/MWh). [USD/MWh]
LOW_POWER_PRICE_USD_PER_MWH = 10.0
#: Plausible ASIC efficiencies, from the best machines of 2025 (~9.5) to the S9 era
#: (~100) with a margin. [J/TH]
EFFICIENCY_RANGE_J_PER_TH = (5.0, 150.0)
#: A colocation lease above this is probably per MW or per year (deals: ~100-200). [USD/kW/month]
HIGH_LEASE_USD_PER_KW_MONTH = 1_000.0


#: A power price below this is probably in USD/kWh (1 USD/kWh = 1000 USD/MWh). [USD/MWh]
USD_PER_KWH_BELOW_USD_PER_MWH = 1.0


def low_power_price_hint(value: float) -> str | None:
    """What a power price below :data:`LOW_POWER_PRICE_USD_PER_MWH` probably is, or None.

    Parameters
    ----------
    value : float
        A power price as given. [USD/MWh]

    Returns
    -------
    str or None
        ``"4.5 USD/MWh is below 10: is it in c/kWh? (4.5 c/kWh = 45 USD/MWh)"``; below
        :data:`USD_PER_KWH_BELOW_USD_PER_MWH` the same in USD/kWh (0.045 USD/kWh = 45
        USD/MWh: read as c/kWh it was still 100 times too low). None at or below zero and
        from 10 on.
    """
    if not 0 < value < LOW_POWER_PRICE_USD_PER_MWH:
        return None
    unit, factor = (("USD/kWh", 1000.0) if value < USD_PER_KWH_BELOW_USD_PER_MWH else
                    ("c/kWh", 10.0))
    return (f"{value:g} USD/MWh is below {LOW_POWER_PRICE_USD_PER_MWH:g}: is it in {unit}? "
            f"({value:g} {unit} = {factor * value:g} USD/MWh)")


def _low_price(path: str, value: float) -> Problem | None:
    hint = low_power_price_hint(value)
    return Problem(path, hint) if hint else None


def _efficiency(path: str, value: float | None) -> Problem | None:
    lo, hi = EFFICIENCY_RANGE_J_PER_TH
    if value is not None and not lo <= value <= hi:
        return Problem(
            path,
            f"{value:.4g} J/TH is outside the plausible {lo:g}-{hi:g} J/TH of real ASICs: "
            "check the unit (J/TH = W per TH/s)",
        )
    return None


def _lease(path: str, value: float) -> Problem | None:
    if value > HIGH_LEASE_USD_PER_KW_MONTH:
        return Problem(
            path,
            f"{value:,.0f} USD/kW/month is above {HIGH_LEASE_USD_PER_KW_MONTH:,.0f} (colocation "
            "deals imply ~100-200): is it per MW, or per year?",
        )
    return None


def unit_warnings(portfolio: Portfolio, source: str = "") -> list[Problem]:
    """Values of a valid portfolio that look like the wrong unit.

    Parameters
    ----------
    portfolio : Portfolio
        A validated portfolio.
    source : str
        File name to put in each warning.

    Returns
    -------
    list of Problem
        One per suspicious value, with its field path; empty when nothing looks odd.
        Checked: contract, PPA and renewable power prices below 10 USD/MWh (c/kWh?), ASIC
        efficiencies outside 5-150 J/TH, hosting leases above 1,000 USD/kW/month.
    """
    found: list[Problem | None] = []
    for i, site in enumerate(portfolio.sites):
        at = f"sites[{i}]"
        found.append(
            _low_price(
                f"{at}.power_contract.price_usd_per_mwh", site.power_contract.price_usd_per_mwh
            )
        )
        for j, entry in enumerate(site.fleet):
            found.append(
                _efficiency(f"{at}.fleet[{j}].efficiency_j_per_th", entry.efficiency_j_per_th)
            )
        if site.hosting is not None:
            found.append(
                _lease(f"{at}.hosting.lease_usd_per_kw_month", site.hosting.lease_usd_per_kw_month)
            )
        d = site.dispatch
        if d is not None:
            if d.ppa is not None and d.ppa.volume_mw > 0:
                found.append(
                    _low_price(f"{at}.dispatch.ppa.price_usd_per_mwh", d.ppa.price_usd_per_mwh)
                )
            if d.renewable is not None and d.renewable.capacity_mw > 0:
                found.append(
                    _low_price(
                        f"{at}.dispatch.renewable.price_usd_per_mwh", d.renewable.price_usd_per_mwh
                    )
                )
    if portfolio.pivot is not None:
        found.append(
            _efficiency(
                "pivot.replacement_efficiency_j_per_th",
                portfolio.pivot.replacement_efficiency_j_per_th,
            )
        )
    if portfolio.optimize is not None:
        for k, tenant in enumerate(portfolio.optimize.tenants):
            found.append(
                _lease(
                    f"optimize.tenants[{k}].lease_usd_per_kw_month", tenant.lease_usd_per_kw_month
                )
            )
    return [Problem(p.path, p.message, source) for p in found if p is not None]


__all__ = [
    "EFFICIENCY_RANGE_J_PER_TH",
    "HIGH_LEASE_USD_PER_KW_MONTH",
    "LOW_POWER_PRICE_USD_PER_MWH",
    "USD_PER_KWH_BELOW_USD_PER_MWH",
    "low_power_price_hint",
    "unit_warnings",
]
