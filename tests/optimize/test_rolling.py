"""A rolling plan: --fixed-through fixes the committed decisions and nothing else."""

from __future__ import annotations

import pandas as pd
import pytest

from hashpivot.exceptions import InputError
from hashpivot.optimize import OptimizeConfig, optimize_plan, resolve_problem

from .conftest import portfolio, site_toml

COMMITTED = """
[optimize]
block_mw = 25.0
  [[optimize.committed]]
  site = "A"
  quarter = "2026Q2"
  gross_mw = {mw}
"""


def test_committed_decisions_are_kept_and_later_ones_free() -> None:
    pf = portfolio(site_toml("A", capacity=75.0, lease=220.0), years=8,
                   tail=COMMITTED.format(mw=25.0))
    cfg = OptimizeConfig(deterministic=True, evpi_scenarios=1, two_stage=False,
                         fixed_through="2026Q3")
    r = optimize_plan(pf, cfg)
    early = r.plan[r.plan["quarter"].map(lambda q: pd.Period(q, "Q") <= pd.Period("2026Q3"))]
    assert early[["quarter", "gross_mw"]].values.tolist() == [["2026Q2", 25.0]]
    assert early["committed"].all()
    assert (r.plan["gross_mw"].sum()) > 25.0  # later quarters still convert
    free = optimize_plan(pf, OptimizeConfig(deterministic=True, evpi_scenarios=1,
                                            two_stage=False))
    assert free.expected_npv_usd >= r.expected_npv_usd - 1e-6 * abs(free.expected_npv_usd)


def test_committed_mw_must_be_whole_blocks() -> None:
    pf = portfolio(site_toml("A"), tail=COMMITTED.format(mw=30.0))
    with pytest.raises(InputError) as exc:
        resolve_problem(pf, fixed_through="2026Q4")
    assert exc.value.problems[0].path == "optimize.committed[0].gross_mw"


def test_dispatch_sites_carry_the_flexibility_uplift() -> None:
    # an index contract on the bundled ERCOT market: dispatch curtails on 15-minute prices
    site = {"region": "ERCOT", "price": 40.0, "hashrate": 120.0, "kind": "index",
            "market": "ercot:HB_WEST"}
    flat = resolve_problem(portfolio(site_toml("A", **site)))
    flexible = resolve_problem(portfolio(site_toml(
        "A", **site, dispatch={"availability_fraction": 0.95})))
    assert flat.uplift_usd_per_mw_month[0] == 0.0
    # curtailing a 29 J/TH fleet in price spikes earns something on ERCOT 2024 prices
    assert flexible.uplift_usd_per_mw_month[0] > 0.0
    assert "dispatch" in flexible.notes[0]
