"""A site's machines mine from its grid connection (``[[sites]] connection_date``), in
every engine: ``pivot`` and ``simulate`` (the same cash flows), ``optimize`` (pivot's value
of its plan to 1e-9: ``tests/optimize/test_pivot_equivalence.py``, where the example's
Odessa Grid connects four months after the first month), ``backtest`` and ``cost --date``.
Before, every forward engine mined a site from the first month whatever its connection
date: the example's Odessa Grid, connected 2026-02-01, earned four months of mining before
it had power."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hashpivot.engines import pivot as pv
from hashpivot.engines.backtest import run_backtest
from hashpivot.engines.pivot.connection import connected_share
from hashpivot.engines.simulate import SimulationConfig, simulate
from hashpivot.engines.unit_economics import (
    NetworkConditions,
    compute_unit_economics,
    portfolio_arrays,
)
from hashpivot.exceptions import InputError
from hashpivot.models import Portfolio, load_portfolio
from hashpivot.models.risk import ScenarioSpec

EXAMPLE = Path(__file__).parents[2] / "examples" / "pivot-200mw.toml"


def _connected(pf: Portfolio, day: str) -> Portfolio:
    site = pf.sites[0].model_copy(update={"connection_date": day})
    return pf.model_copy(update={"sites": [site]})


def test_the_share_of_each_month_connected_by_hand() -> None:
    months = pd.period_range("2025-12", periods=4, freq="M")
    # 2026-02 has 28 days: connected from the 15th, 14 of them
    np.testing.assert_array_equal(connected_share("2026-02-15", months), [0, 0, 0.5, 1])
    np.testing.assert_array_equal(connected_share("2026-01-01", months), [0, 1, 1, 1])
    np.testing.assert_array_equal(connected_share("2019-09-01", months), [1, 1, 1, 1])
    np.testing.assert_array_equal(connected_share(None, months), [1, 1, 1, 1])
    np.testing.assert_array_equal(connected_share("2027-01-01", months), [0, 0, 0, 0])


def test_pivot_mines_from_the_connection_and_says_so() -> None:
    pf = load_portfolio(EXAMPLE)
    first = pv.market_start(pf.pivot).start
    day = str((first + 4).start_time.date())  # four months in, on the 1st
    late = _connected(pf, day)
    res, base = pv.run_pivot(late), pv.run_pivot(pf)
    cf = res.strategy("keep_mining").cash_flows
    cf0 = base.strategy("keep_mining").cash_flows
    for name in ("mining_revenue_usd", "power_cost_usd", "btc_mined"):
        a, b = getattr(cf, name)[0], getattr(cf0, name)[0]
        assert np.all(a[:4] == 0.0) and b[:4].min() > 0, name
        np.testing.assert_allclose(a[4:], b[4:], rtol=1e-12, err_msg=name)
    # nothing runs at the site before it connects: no mining, no site costs
    assert np.all(np.asarray(cf.unlevered_fcf_usd)[0][:4] == 0.0)
    assert np.asarray(cf0.unlevered_fcf_usd)[0][:4].min() > 0
    mw, mw0 = np.ravel(cf.mining_mw), np.ravel(cf0.mining_mw)
    assert np.all(mw[:4] == 0.0) and mw[4] == mw0[4] > 0
    assert res.strategy("keep_mining").npv_usd < base.strategy("keep_mining").npv_usd
    (note,) = [w for w in res.warnings if "connection_date" in w]
    assert note.startswith(f"West Texas 200: connected to the grid on {day} "
                           "(sites[0].connection_date), after the first month valued")
    assert not [w for w in base.warnings if "connection_date" in w]


def test_simulate_at_zero_volatility_is_pivot_with_a_late_connection() -> None:
    pf = load_portfolio(EXAMPLE)
    first = pv.market_start(pf.pivot).start
    pf = _connected(pf, str((first + 5).start_time.date() + dt.timedelta(days=9)))
    zero = {"btc_volatility_per_year": 0.0, "hashrate_elasticity": 0.0,
            "hashrate_volatility_per_year": 0.0, "price_hashrate_correlation": 0.0,
            "fees_lognormal_sigma": 0.0, "anchor": "deterministic", "price_model": "gbm"}
    spec = pf.scenario or ScenarioSpec()
    pf = pf.model_copy(update={"scenario": spec.model_copy(update=zero)})
    want = pv.run_pivot(pf)
    res = simulate(pf, SimulationConfig(n_paths=2, seed=1, chunk_paths=2))
    for s in want.strategies:
        np.testing.assert_allclose(res.npv_usd[s.name], s.npv_usd, rtol=1e-9)
    assert any("connection_date" in w for w in res.warnings)


def test_backtest_and_cost_leave_the_machines_out_before_the_connection() -> None:
    pf = _connected(load_portfolio(EXAMPLE), "2025-03-10")
    daily = run_backtest(pf, "2025-03-01", "2025-03-31").daily
    mined = daily["btc_mined"].to_numpy()
    assert np.all(mined[:9] == 0.0) and np.all(mined[9:] > 0.0)
    # the site is not operating before it: no power, depreciation or site cost items
    cost_cols = [c for c in daily.columns if c.startswith("cost_") and c.endswith("_usd")
                 and not c.startswith("cost_per_btc")] + ["power_cost_usd"]
    assert cost_cols
    for c in cost_cols:
        assert np.all(daily[c].to_numpy()[:9] == 0.0), c
    with pytest.raises(InputError, match="connection_date"):  # nothing mines that day
        portfolio_arrays(pf, on=dt.date(2025, 3, 9))
    assert len(portfolio_arrays(pf, on=dt.date(2025, 3, 10)).site) > 0

    # cost on a day a second site is not yet connected: that site is left out, and said
    two = load_portfolio(Path(__file__).parents[2] / "examples" / "portfolio.toml")
    net = NetworkConditions(100_000, 100e12, 0.0, 3.125, date=dt.date(2025, 9, 26))
    ue = compute_unit_economics(two, net)
    (note,) = [n for n in ue.notes if "not connected" in n]
    assert note == ("Odessa Grid: not connected on 2025-09-26 (sites[1].connection_date "
                    "2026-02-01): its machines and cost items are left out")
    assert "Odessa Grid" not in set(ue.ledger["scope"]) | set(ue.fleet["site"])
    assert "Pecos PPA" in set(ue.ledger["scope"])


@pytest.mark.parametrize("day", ["2019-09-01", None])
def test_a_site_connected_before_the_first_month_is_valued_as_before(day: str | None) -> None:
    pf = load_portfolio(EXAMPLE)
    a = pv.run_pivot(_connected(pf, day) if day else pf)
    b = pv.run_pivot(pf)
    assert [s.npv_usd for s in a.strategies] == [s.npv_usd for s in b.strategies]
