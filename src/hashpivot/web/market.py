"""Market data served by the API: BTC history, bundled power prices, deals, ASICs.

Every answer is cached; the BTC history's by the state of the files ``hashpivot data
update`` writes (:func:`hashpivot.io.user_data.state_key`, the key the engines' loader
uses), so the API and the market page show a new day as soon as a run would use it.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import pandas as pd

from hashpivot.exceptions import DataError, InputError, Problem

if TYPE_CHECKING:
    from hashpivot.hosting.deals import DealRange
    from hashpivot.io.user_data import DataState
    from hashpivot.reports.tables.runs import RunTable


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame rows as JSON-safe dicts (NaN -> None, timestamps -> ISO strings)."""
    out = []
    for rec in df.to_dict("records"):
        row: dict[str, Any] = {}
        for k, v in rec.items():
            if isinstance(v, pd.Timestamp | dt.date | dt.datetime):
                v = v.isoformat()
            elif (isinstance(v, float) and not math.isfinite(v)) or (
                not isinstance(v, str | list | dict) and pd.isna(v)
            ):
                v = None
            elif hasattr(v, "item"):
                v = v.item()
            row[str(k)] = v
        out.append(row)
    return out


def btc_history(start: dt.date | None, end: dt.date | None) -> dict[str, Any]:
    """Daily BTC price [USD], difficulty, fees [BTC/block], hashprice between two days:
    the bundled history and the days of ``hashpivot data update`` as they are now."""
    from hashpivot.io.user_data import state_key

    return _btc_history(start, end, state_key())


@lru_cache(maxsize=64)
def _btc_history(
    start: dt.date | None, end: dt.date | None, data_state: DataState
) -> dict[str, Any]:
    """:func:`btc_history` once per window and state of the user data files."""
    from hashpivot.io import btc_daily_range, btc_daily_sources, load_btc_daily

    del data_state  # the cache key: load_btc_daily reads the files of that state

    if start is not None and end is not None and start > end:
        raise InputError([Problem("end", f"must not be before start ({start})", "<query>")])
    try:
        df = load_btc_daily(start, end)
    except DataError as exc:
        raise InputError([Problem("start", str(exc), "<query>")]) from None
    from hashpivot.bitcoin import hashrate_from_difficulty

    first, last = btc_daily_range()
    sources = btc_daily_sources(start, end)
    frame = df.reset_index()
    frame = frame.rename(columns={frame.columns[0]: "date"})
    frame["hashrate_from_difficulty_th_s"] = hashrate_from_difficulty(frame["difficulty"])
    return {
        "available": {"first": first.isoformat(), "last": last.isoformat()},
        # the days' own sources: Coin Metrics for the bundled days, mempool.space for the
        # days of ``data update`` (the bundled attribution was given to both)
        "attribution": "; ".join(span["attribution"] for span in sources),
        "sources": sources,
        "columns": BTC_COLUMNS,
        "rows": records(frame),
    }


#: What each column of ``/api/market/btc`` is, with its unit.
BTC_COLUMNS = {
    "date": "UTC day",
    "price_usd": "BTC price [USD/BTC]",
    "difficulty": "mean difficulty of the day's blocks [-]",
    "blocks": "blocks found that day [-]",
    "fees_btc_per_block": "mean transaction fees per block [BTC/block]",
    "subsidy_btc_per_block": "mean block subsidy [BTC/block]",
    "hashrate_th_s": "Coin Metrics' hashrate estimate from the blocks found that day (noisy) "
                     "[TH/s]",
    "height_end": "height of the day's last block [-]",
    "hashrate_from_difficulty_th_s": "hashrate the difficulty implies (difficulty x 2^32 / "
                                     "600 s): the one every engine uses [TH/s]",
}


@lru_cache(maxsize=1)
def power_markets() -> list[str]:
    """Keys of the bundled power price series (``iso:point:year[:da]``)."""
    from hashpivot.io import bundled_market_keys

    return list(bundled_market_keys())


@lru_cache(maxsize=32)
def power_prices(market: str, hourly: bool) -> dict[str, Any]:
    """A bundled price series [USD/MWh] (hourly means when ``hourly``)."""
    from hashpivot.io import load_market_prices

    if market not in power_markets():
        raise InputError(
            [
                Problem(
                    "market",
                    f"no bundled market {market!r}; bundled: {', '.join(power_markets())}",
                    "<query>",
                )
            ]
        )
    s = load_market_prices(market)
    if hourly:
        s = s.resample("1h").mean().dropna()
    return {
        "market": market,
        "unit": "USD/MWh",
        "hourly": hourly,
        "timestamps": [t.isoformat() for t in s.index],
        "price_usd_per_mwh": [float(v) for v in s.to_numpy()],
    }


@lru_cache(maxsize=1)
def _deals() -> tuple[pd.DataFrame, DealRange]:
    """The bundled deals' table and their colocation range."""
    from hashpivot.hosting.deals import deal_range, deals_table
    from hashpivot.io import load_hosting_deals

    table = deals_table(load_hosting_deals())
    return table, deal_range(table)


@lru_cache(maxsize=1)
def deals_tables() -> list[RunTable]:
    """The deals as ``hashpivot deals`` prints them (the market page's table)."""
    from hashpivot.reports.tables.deals import deals_table

    return [deals_table(*_deals())]


@lru_cache(maxsize=1)
def deals() -> dict[str, Any]:
    """Reference AI/HPC hosting deals with their implied rent (``hashpivot deals``)."""
    table, rng = _deals()
    return {
        "count": len(table),
        "deals": records(table),
        "colocation_range": {
            "rate_min_usd_per_kw_month": rng.rate_min_usd_per_kw_month,
            "rate_max_usd_per_kw_month": rng.rate_max_usd_per_kw_month,
            "rate_median_usd_per_kw_month": rng.rate_median_usd_per_kw_month,
            "n_deals": rng.n_deals,
        },
    }


@lru_cache(maxsize=1)
def asics() -> dict[str, Any]:
    """The bundled ASIC catalog."""
    from hashpivot.io import load_asic_catalog

    table = load_asic_catalog()
    return {"count": len(table), "asics": records(table)}


def as_json(name: str, *args: Any) -> bytes:
    """The JSON bytes of a market endpoint, built once per arguments and, for the BTC
    history, per state of the user data files (the rest is bundled)."""
    if name == "btc":
        from hashpivot.io.user_data import state_key

        return _btc_json(*args, state_key())
    return _bundled_json(name, *args)


@lru_cache(maxsize=64)
def _btc_json(start: dt.date | None, end: dt.date | None, data_state: DataState) -> bytes:
    from hashpivot.reports.serialize import dumps

    return dumps(_btc_history(start, end, data_state)).encode()


@lru_cache(maxsize=256)
def _bundled_json(name: str, *args: Any) -> bytes:
    from hashpivot.reports.serialize import dumps

    fn = {
        "markets": power_markets,
        "power": power_prices,
        "deals": deals,
        "asics": asics,
        "regulation": regulation,
    }[name]
    return dumps(fn(*args)).encode()


@lru_cache(maxsize=1)
def regulation() -> dict[str, Any]:
    """The bundled regulation rules (what ``hashpivot optimize`` applies)."""
    import dataclasses

    from hashpivot.io.regulation import load_regulation_rules

    rules = [dataclasses.asdict(r) for r in load_regulation_rules()]
    rows = [
        {k: (v.isoformat() if isinstance(v, dt.date) else list(v) if isinstance(v, tuple)
             else None if isinstance(v, float) and not math.isfinite(v) else v)
         for k, v in r.items()}
        for r in rules
    ]
    return {"count": len(rows), "rules": rows}
