"""What a MWh earns and costs: the hashprice per interval and the grid purchase price under
the site's power contract."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hashpivot.engines.dispatch.alignment import align_to_index
from hashpivot.engines.dispatch.resolve.provenance import Provenance
from hashpivot.exceptions import DataError
from hashpivot.models import Site
from hashpivot.models.dispatch import DispatchSpec
from hashpivot.power.intervals import FloatArray, constant_series

__all__ = ["GridPrice", "resolve_grid_price", "resolve_hashprice"]

#: The inputs that set a hashprice, as an error names them: the argument (an interface
#: shows its own name for it, e.g. a command-line option) and the field of the file.
_HASHPRICE_INPUTS = "`hashprice` or dispatch.hashprice_usd_per_ph_day"


def resolve_hashprice(
    index: pd.DatetimeIndex,
    spec: DispatchSpec,
    override: float | pd.Series | None = None,
) -> tuple[FloatArray, str]:
    """Hashprice per interval and a description of where it comes from.

    The ``override`` argument, else ``dispatch.hashprice_usd_per_ph_day``, else from
    ``btc_price_usd`` / ``network_difficulty`` / ``fees_btc_per_block`` (missing ones from
    the bundled network state on the first day), else the **daily** hashprice of the
    bundled Coin Metrics data over the horizon.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Interval starts.
    spec : DispatchSpec
    override : float or pandas.Series, optional
        Constant [USD/(PH/s)/day] or series (aligned to the intervals).

    Returns
    -------
    hashprice_usd_per_ph_day : numpy.ndarray
        [USD/(PH/s)/day]
    source : str
    """
    from hashpivot.mining.hashprice import hashprice_usd_per_ph_day

    n = len(index)
    if isinstance(override, pd.Series):
        return align_to_index(override, index, "hashprice series"), "hashprice series (argument)"
    if override is not None:
        return constant_series(float(override), n), "constant (command line)"
    if spec.hashprice_usd_per_ph_day is not None:
        return constant_series(float(spec.hashprice_usd_per_ph_day), n), "constant (dispatch spec)"
    from hashpivot.io.bundled import load_btc_daily, network_state_on

    utc_days = index.tz_convert("UTC").normalize().tz_localize(None)
    given = (spec.btc_price_usd, spec.network_difficulty, spec.fees_btc_per_block)
    if any(v is not None for v in given):
        try:
            state = network_state_on(utc_days[0])
            base = (state.btc_price_usd, state.difficulty, state.fees_btc_per_block,
                    state.subsidy_btc_per_block)
        except DataError:
            if spec.btc_price_usd is None or spec.network_difficulty is None:
                raise
            base = (math.nan, math.nan, 0.0, 3.125)
        price = spec.btc_price_usd if spec.btc_price_usd is not None else base[0]
        diff = spec.network_difficulty if spec.network_difficulty is not None else base[1]
        fees = spec.fees_btc_per_block if spec.fees_btc_per_block is not None else base[2]
        value = float(hashprice_usd_per_ph_day(price, diff, base[3], fees))
        return constant_series(value, n), (
            f"network conditions: BTC {price:,.0f} USD, difficulty {diff:.4g}, "
            f"fees {fees:.3f} BTC/block, subsidy {base[3]} BTC"
        )
    try:
        daily = load_btc_daily(utc_days[0], utc_days[-1])
    except DataError as exc:
        raise DataError(
            f"{exc}; give a hashprice ({_HASHPRICE_INPUTS})"
        ) from exc
    hp = hashprice_usd_per_ph_day(
        daily["price_usd"], daily["difficulty"], daily["subsidy_btc_per_block"],
        daily["fees_btc_per_block"],
    )
    values = hp.reindex(utc_days).to_numpy(dtype=float)
    if np.isnan(values).any():
        raise DataError(
            f"the bundled network data has gaps in the horizon; give a hashprice "
            f"({_HASHPRICE_INPUTS})"
        )
    from hashpivot.io.bundled import btc_daily_sources

    sources = "; ".join(s["attribution"].removeprefix("Source: ")
                        for s in btc_daily_sources(utc_days[0], utc_days[-1]))
    return values, f"daily hashprice from the daily network history (UTC days): {sources}"


@dataclass(frozen=True)
class GridPrice:
    """What the site pays for grid energy.

    Parameters
    ----------
    adder_usd_per_mwh : float
        Added to the purchase price of every MWh. [USD/MWh]
    price_usd_per_mwh_series : numpy.ndarray or None
        The purchase price per interval under a fixed-price contract; ``None`` means the
        index price. [USD/MWh]
    """

    adder_usd_per_mwh: float
    price_usd_per_mwh_series: FloatArray | None


def resolve_grid_price(
    n: int, site: Site, spec: DispatchSpec
) -> tuple[GridPrice, Provenance]:
    """The grid purchase price: ``dispatch.grid_adder_usd_per_mwh``, else the site power
    contract's adder; under a fixed-price contract the fixed price on the energy used.

    Parameters
    ----------
    n : int
        Number of intervals.
    site : Site
    spec : DispatchSpec

    Returns
    -------
    grid : GridPrice
    provenance : dict
        ``power_contract``: how the contract is applied.
    """
    contract = site.power_contract
    if spec.grid_adder_usd_per_mwh is not None:
        adder = float(spec.grid_adder_usd_per_mwh)
    else:
        adder = float(contract.adder_usd_per_mwh or 0.0) if contract is not None else 0.0
    meta: Provenance = {}
    series: FloatArray | None = None
    if contract is not None and contract.kind == "fixed":
        # the miner pays the fixed price on the energy it uses and saves it by curtailing;
        # only a [sites.dispatch.ppa] block (or renewables) is resold, at the market price
        fixed = float(contract.price_usd_per_mwh)
        series = constant_series(fixed, n)
        meta["power_contract"] = (
            f"fixed price {fixed:g} USD/MWh (+ adder {adder:g}) on the energy used; curtailing "
            "saves it; the market price values only resale of a PPA block or renewables"
        )
    elif contract is not None:
        meta["power_contract"] = f"index price + adder {adder:g} USD/MWh"
    return GridPrice(adder, series), meta
