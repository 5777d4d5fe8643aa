"""Hashprice and hash value: what one PH/s earns per day.

Source: Luxor Hashrate Index methodology (hashprice = expected USD per PH/s per day from
subsidy plus average fees); difficulty definition from Bitcoin Core ``pow.cpp``.
"""

from __future__ import annotations

from typing import Any

from hashpivot.bitcoin import btc_per_th_day
from hashpivot.units import TH_PER_PH


def hashvalue_btc_per_ph_day(
    difficulty: Any, subsidy_btc: Any, fees_btc_per_block: Any = 0.0
) -> Any:
    """Hash value: expected BTC earned per PH/s per day.

    Parameters
    ----------
    difficulty : numeric
        Network difficulty. [-]
    subsidy_btc : numeric
        Block subsidy. [BTC]
    fees_btc_per_block : numeric
        Average transaction fees per block. [BTC]

    Returns
    -------
    numeric
        ``(subsidy + fees) * 86400 * 1e15 / (D * 2^32)``. [BTC/(PH/s)/day]
        Non-positive difficulty gives NaN. A Series in gives a Series out.
    """
    return btc_per_th_day(difficulty, subsidy_btc + fees_btc_per_block) * TH_PER_PH


def hashprice_usd_per_ph_day(
    btc_price_usd: Any, difficulty: Any, subsidy_btc: Any, fees_btc_per_block: Any = 0.0
) -> Any:
    """Hashprice: expected USD earned per PH/s per day.

    Parameters
    ----------
    btc_price_usd : numeric
        BTC price. [USD]
    difficulty : numeric
        Network difficulty. [-]
    subsidy_btc : numeric
        Block subsidy. [BTC]
    fees_btc_per_block : numeric
        Average transaction fees per block. [BTC]

    Returns
    -------
    numeric
        Hash value times price. [USD/(PH/s)/day]

    Examples
    --------
    >>> round(hashprice_usd_per_ph_day(100_000, 100e12, 3.125), 2)
    62.86
    """
    return hashvalue_btc_per_ph_day(difficulty, subsidy_btc, fees_btc_per_block) * btc_price_usd
