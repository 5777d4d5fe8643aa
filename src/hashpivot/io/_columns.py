"""Columns of the daily BTC table, shared by its parser, loader and the user data files.

A leaf module without pandas, so :mod:`hashpivot.io.user_data` (which must load fast) and
:mod:`hashpivot.io.coinmetrics` name the same columns from one place.
"""

from __future__ import annotations

#: Columns of the daily BTC table, in order (the index is ``date``).
BTC_DAILY_COLUMNS: tuple[str, ...] = (
    "price_usd",
    "difficulty",
    "blocks",
    "fees_btc_per_block",
    "subsidy_btc_per_block",
    "hashrate_th_s",
    "height_end",
)
