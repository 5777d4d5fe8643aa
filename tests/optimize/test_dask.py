"""The same seed gives the same plan locally and on a 2-worker Dask LocalCluster."""

from __future__ import annotations

import numpy as np
import pytest

from hashpivot.optimize import OptimizeConfig, optimize_plan

from .optimize_inputs import portfolio, site_toml


@pytest.mark.slow
def test_same_seed_same_plan_locally_and_on_dask() -> None:
    pytest.importorskip("dask.distributed")
    pf = portfolio(site_toml("A", capacity=60.0), site_toml("B", lease=130.0), years=8)
    cfg = OptimizeConfig(n_scenarios=60, seed=11, chunk_scenarios=20, evpi_scenarios=1,
                         two_stage=False, oos_scenarios=20)
    local = optimize_plan(pf, cfg)
    dask = optimize_plan(pf, cfg, workers=2)
    assert dask.inputs["executor"] == "dask:LocalCluster(2)"
    np.testing.assert_array_equal(local.npv_usd, dask.npv_usd)
    assert local.plan.equals(dask.plan)
    other = optimize_plan(pf, OptimizeConfig(n_scenarios=60, seed=12, chunk_scenarios=20,
                                             evpi_scenarios=1, two_stage=False,
                                             oos_scenarios=20))
    assert not np.array_equal(local.npv_usd, other.npv_usd)
