"""Inputs shared by the tests of pivot's dispatch uplift against the dispatch engine
(``test_dispatch_agreement``, ``uplift/test_layered``): the West Texas example made
comparable (a constant hashprice in both engines, pivot's first month at it, the price
year's mean index), its fleet whole, the S21s alone or half its S19j Pros; and a chunk run
in a process that has measured no curve."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any, Literal

import pytest

from hashpivot.engines.dispatch import load_prices
from hashpivot.models.loader import validate_data
from hashpivot.models.portfolio import Portfolio

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "dispatch-west-texas.toml"

#: The constant hashprice both engines use, gross of the pool fee. [USD/PH/day]
HASHPRICE_USD_PER_PH_DAY = 60.0
#: BTC per day to miners at the start height (3.125 BTC a block, no fees), at 144 blocks
#: a day, and the BTC price: the network hashrate that gives HASHPRICE. [BTC/day, USD]
_BTC_PER_DAY, _BTC_PRICE_USD = 144 * 3.125, 100_000.0


#: The fleets that mine: the example's whole fleet, the S21s alone (the S19j Pros
#: displaced by a conversion, or a site of one entry), half the S19j Pros displaced.
Fleet = Literal["whole", "s21s", "half"]


def same_year_document(fleet: Fleet) -> dict[str, Any]:
    """The West Texas example's TOML as a dict, made comparable: the contract at the
    price year's mean index, a constant hashprice in both engines and pivot's first month
    at it, with ``fleet`` mining."""
    doc = tomllib.loads(EXAMPLE.read_text())
    site = doc["sites"][0]
    prices = load_prices(validate_data(Portfolio, doc, str(EXAMPLE)).sites[0])
    assert (prices.index[1:] - prices.index[:-1]).nunique() == 1  # (15 min: a plain mean)
    site["power_contract"]["price_usd_per_mwh"] = float(prices.mean())  # lambda = 1
    site["dispatch"]["hashprice_usd_per_ph_day"] = HASHPRICE_USD_PER_PH_DAY
    assert [e["name"] for e in site["fleet"]] == ["S21", "S19j Pro"]
    if fleet == "s21s":
        site["fleet"] = site["fleet"][:1]  # the S21s alone
    elif fleet == "half":
        site["fleet"][1]["count"] //= 2
    doc["pivot"] = {
        "start": "2025-01", "horizon_years": 2, "start_height": 880_000,
        "btc_price_usd": _BTC_PRICE_USD, "btc_price_growth_per_year": 0.0,
        "network_hashrate_th_s": _BTC_PER_DAY * _BTC_PRICE_USD
        / (HASHPRICE_USD_PER_PH_DAY / 1000.0),
        "network_hashrate_growth_per_year": 0.0, "fees_btc_per_block": 0.0,
        "fleet_hashrate_decay_per_year": 0.0, "fleet_replacement_years": None,
    }
    return doc


@cache
def same_year_portfolio(fleet: Fleet) -> Portfolio:
    """:func:`same_year_document` validated (once per ``fleet``)."""
    return validate_data(Portfolio, same_year_document(fleet), str(EXAMPLE))


def chunk_in_a_fresh_worker(run: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``run``'s second chunk in a process that has measured no curve (a Dask worker: the
    cache cleared and measuring made to fail)."""
    from hashpivot.engines.pivot.uplift import cache as uplift_cache
    from hashpivot.engines.simulate import run_chunk

    def measure(site: Any) -> Any:
        raise AssertionError("measured again in the worker")

    uplift_cache.clear_dispatch_uplift_cache()
    monkeypatch.setattr(uplift_cache, "measure_dispatch_uplift", measure)
    return run_chunk(run.task, *run.chunks[1])
