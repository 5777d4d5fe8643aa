"""A site's mining terms with their sources (hashpivot.engines.mining_terms), the rows
``pivot``, ``simulate``, ``optimize``, ``cost`` and ``backtest`` share."""

from __future__ import annotations

from hashpivot.engines.economics.network_conditions import NetworkConditions
from hashpivot.engines.mining_terms import mining_term_facts, mining_term_rows
from hashpivot.models import parse_portfolio
from tests.portfolio_toml import contract, machines, portfolio_toml, site


def _site(*fleet: dict[str, object], **fields: object) -> object:
    return parse_portfolio(portfolio_toml("p", site("S", contract(40.0), *fleet,
                                                    **fields))).sites[0]


def test_uptime_is_weighted_by_hashrate_and_each_entry_named_where_they_differ() -> None:
    s = _site(machines("a", 300.0, 4500.0, 10, uptime_fraction=0.8),
              machines("b", 100.0, 3000.0, 10), pool_fee_fraction=0.01)
    facts = mining_term_facts(s)  # type: ignore[arg-type]
    assert facts["uptime_fraction"] == (3000 * 0.8 + 1000 * 0.95) / 4000
    rows = {r["name"]: r for r in mining_term_rows("", facts)}
    assert rows["[sites.fleet] uptime_fraction, weighted by hashrate"]["source"] == (
        "file and default: a 0.8 (file), b 0.95 (default)")
    assert rows["[sites] pool_fee_fraction"]["source"] == "file"
    assert rows["[sites] power_overhead_factor"]["source"] == "default"
    # only the entries counted (cost's day): one entry, no breakdown
    only_b = mining_term_facts(s, [s.fleet[1]])  # type: ignore[arg-type,attr-defined]
    assert (only_b["uptime_fraction"], only_b["sources"]["uptime_fraction"]) == (0.95,
                                                                                 "default")
    assert "uptime_by_entry" not in only_b


def test_entries_alike_have_no_breakdown() -> None:
    s = _site(machines("a", 300.0, 4500.0, 10, uptime_fraction=0.9),
              machines("b", 100.0, 3000.0, 10, uptime_fraction=0.9))
    facts = mining_term_facts(s)  # type: ignore[arg-type]
    assert (facts["uptime_fraction"], facts["sources"]["uptime_fraction"]) == (0.9, "file")
    assert "uptime_by_entry" not in facts


def test_figures_given_over_a_day_are_told_from_the_day_s() -> None:
    day = NetworkConditions(btc_price_usd=60_000.0, difficulty=8e13, source="data")
    assert day.with_given("command line", btc_price_usd=None) is day
    given = day.with_given("command line", btc_price_usd=70_000.0, difficulty=None)
    assert (given.btc_price_usd, given.difficulty, given.given) == (70_000.0, 8e13,
                                                                    ("btc_price_usd",))
    assert given.source == "command line; other fields from data"
    assert given.data_source == "data"
