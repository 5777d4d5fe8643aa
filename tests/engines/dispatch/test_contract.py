"""Dispatch honours the site's power contract (issue 9): hand-checked small cases.

One tranche: 1,000 machines x 100 TH/s x 3,000 W (no overhead, no pool fee, always
available) = 3 MW and 100 PH/s. At a hashprice of 54 USD/PH/day it earns
100 x 54 / 24 = 225 USD per hour, i.e. 75 USD per MWh it draws: it mines whenever the
energy it pays for costs less than 75 USD/MWh. Four hourly index prices 10, 100, 200, 20.
"""

from __future__ import annotations

import pandas as pd
import pytest

from hashpivot.engines.dispatch import build_dispatch_problem, run_dispatch
from hashpivot.models import parse_portfolio
from hashpivot.models.dispatch import DispatchSpec
from tests.portfolio_toml import contract, machines, portfolio_toml, site

INDEX = pd.Series(
    [10.0, 100.0, 200.0, 20.0],
    index=pd.date_range("2024-03-05 00:00", periods=4, freq="h", tz="America/Chicago"),
)
SPEC = DispatchSpec(hashprice_usd_per_ph_day=54.0, availability_fraction=1.0)


def _site_toml(kind: str, price: float, adder: float = 0.0) -> str:
    """Site S: one tranche (see above) on a ``kind`` contract at ``price`` + ``adder``
    [USD/MWh], index prices from ERCOT HB_WEST."""
    market = "ercot:HB_WEST" if kind == "index" else None
    tranche = machines("M", 100.0, 3000.0, 1000, uptime_fraction=1.0)
    s = site("S", contract(price, kind, adder_usd_per_mwh=adder, market=market), tranche,
             region="ERCOT", power_overhead_factor=1.0, pool_fee_fraction=0.0)
    return portfolio_toml("contract test", s)


def _site(kind: str, price: float, adder: float = 0.0) -> object:
    return parse_portfolio(_site_toml(kind, price, adder), "<test>").sites[0]


@pytest.mark.parametrize("solver", ["fast", "lp"])
def test_fixed_price_contract_pays_the_fixed_price_on_what_it_uses(solver: str) -> None:
    # fixed 50 < 75: mine all four hours whatever the index; cost 4 h x 3 MW x 50
    r = run_dispatch(_site("fixed", 50.0), INDEX, solver=solver, spec=SPEC)
    s = r.summary()
    assert s["mining_revenue_usd"] == pytest.approx(900.0)
    assert s["power_cost_usd"] == pytest.approx(600.0)
    assert r.objective_usd == pytest.approx(300.0)
    assert "fixed price 50" in r.problem.meta["power_contract"]


@pytest.mark.parametrize("solver", ["fast", "lp"])
def test_fixed_price_above_breakeven_curtails_everything(solver: str) -> None:
    r = run_dispatch(_site("fixed", 80.0), INDEX, solver=solver, spec=SPEC)
    assert r.objective_usd == pytest.approx(0.0, abs=1e-6)
    assert r.summary()["mining_revenue_usd"] == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("solver", ["fast", "lp"])
def test_index_contract_adds_its_adder(solver: str) -> None:
    # index + 5: hours 1 and 4 cost 15 and 25 < 75: revenue 450, cost 3 x (15 + 25) = 120
    r = run_dispatch(_site("index", 30.0, adder=5.0), INDEX, solver=solver, spec=SPEC)
    s = r.summary()
    assert s["mining_revenue_usd"] == pytest.approx(450.0)
    assert s["power_cost_usd"] == pytest.approx(120.0)
    assert r.objective_usd == pytest.approx(330.0)


def test_problem_keeps_the_market_price_for_resale() -> None:
    p = build_dispatch_problem(_site("fixed", 50.0), INDEX, spec=SPEC)
    assert list(p.price_usd_per_mwh_series) == [10.0, 100.0, 200.0, 20.0]
    assert list(p.grid_purchase_price_usd_per_mwh()) == [50.0] * 4
