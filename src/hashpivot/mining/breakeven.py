"""Breakevens: the BTC price, hashprice, power price and fleet efficiency at which a
margin is zero, holding everything else fixed.

All follow from revenue = cost with revenue linear in price and hashprice, and the power
cost linear in the power price and in the fleet efficiency (J/TH). Source: the identities
of :mod:`hashpivot.mining.hashprice` and :mod:`hashpivot.mining.fleet`.
"""

from __future__ import annotations

from typing import Any


def _safe_div(num: Any, den: Any) -> Any:
    import numpy as np  # here, not at import: `hashpivot hashprice` starts without numpy

    with np.errstate(divide="ignore", invalid="ignore"):
        if isinstance(den, int | float):
            return num / den if den != 0 else float("nan")
        return num / den.where(den != 0) if hasattr(den, "where") else num / den


def breakeven_btc_price_usd(cost_usd_per_day: Any, btc_per_day: Any) -> Any:
    """BTC price at which revenue covers cost: the cost per BTC. [USD]

    Parameters
    ----------
    cost_usd_per_day : numeric
        Cost of the view (direct or total). [USD/day]
    btc_per_day : numeric
        BTC produced per day. [BTC/day]
    """
    return _safe_div(cost_usd_per_day, btc_per_day)


def breakeven_hashprice_usd_per_ph_day(
    cost_usd_per_day: Any, effective_hashrate_ph_s: Any, pool_fee_fraction: Any = 0.0
) -> Any:
    """Hashprice at which revenue covers cost. [USD/(PH/s)/day]

    Parameters
    ----------
    cost_usd_per_day : numeric
        Cost of the view. [USD/day]
    effective_hashrate_ph_s : numeric
        Hashrate running after uptime. [PH/s]
    pool_fee_fraction : numeric
        Pool fee, 0-1 (revenue is hashprice x hashrate x (1 - fee)). [-]
    """
    return _safe_div(cost_usd_per_day, effective_hashrate_ph_s * (1.0 - pool_fee_fraction))


def breakeven_power_price_usd_per_mwh(
    revenue_usd_per_day: Any, non_power_cost_usd_per_day: Any, energy_mwh_per_day: Any
) -> Any:
    """Uniform power price at which the margin is zero. [USD/MWh]

    Parameters
    ----------
    revenue_usd_per_day : numeric
        Mining revenue. [USD/day]
    non_power_cost_usd_per_day : numeric
        Costs of the view other than power. [USD/day]
    energy_mwh_per_day : numeric
        Energy used. [MWh/day]

    Returns
    -------
    numeric
        ``(revenue - other costs) / energy``; negative when other costs alone exceed revenue.
    """
    return _safe_div(revenue_usd_per_day - non_power_cost_usd_per_day, energy_mwh_per_day)


def breakeven_efficiency_j_per_th(
    efficiency_j_per_th: Any,
    revenue_usd_per_day: Any,
    non_power_cost_usd_per_day: Any,
    power_cost_usd_per_day: Any,
) -> Any:
    """Fleet efficiency at which the margin is zero, same hashrate and prices. [J/TH]

    Scaling every machine's J/TH by ``k`` scales the power cost by ``k``, so
    ``k = (revenue - other costs) / power cost`` and the breakeven is ``k * efficiency``.

    Parameters
    ----------
    efficiency_j_per_th : numeric
        Current hashrate-weighted fleet efficiency. [J/TH]
    revenue_usd_per_day : numeric
        Mining revenue. [USD/day]
    non_power_cost_usd_per_day : numeric
        Costs of the view other than power. [USD/day]
    power_cost_usd_per_day : numeric
        Power cost. [USD/day]
    """
    k = _safe_div(revenue_usd_per_day - non_power_cost_usd_per_day, power_cost_usd_per_day)
    return efficiency_j_per_th * k
