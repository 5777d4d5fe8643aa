"""Block-by-block passes (fast path, baseline, accounts) give the bits of whole-array ones.

The fast path and the accounts work on blocks of intervals so a long horizon needs no
(T, S) temporaries (issue 11, item 10: a 10-million-row price file). Every value must be
the same as in one pass over all intervals, and the accounts the same as the per-interval
expressions they replaced.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hashpivot.power.intervals as intervals
from hashpivot.power import DispatchProblem, Schedule, Tranche, always_on_schedule, solve
from hashpivot.power.intervals import interval_blocks
from hashpivot.power.results import DispatchResult


def _problem(seed: int, n: int = 2003) -> DispatchProblem:
    rng = np.random.default_rng(seed)
    prices = rng.gamma(2.0, 20.0, n) - 15.0
    prices[rng.random(n) < 0.1] += rng.uniform(100, 3000)
    tranches = (
        Tranche("S21", 14.0, 14.0 * 1e3 / 17.5, 0.7, 0.8),
        Tranche("S19", 9.0, 9.0 * 1e3 / 29.5),
    )
    return DispatchProblem(
        index=pd.date_range("2024-01-25", periods=n, freq="15min", tz="America/Chicago"),
        interval_hours_series=np.full(n, 0.25),
        price_usd_per_mwh_series=prices,
        hashprice_usd_per_ph_day_series=rng.uniform(30, 70, n),
        tranches=tranches,
        pool_fee_fraction=0.015,
        ai_firm_mw=3.0,
        grid_adder_usd_per_mwh=3.0,
        ppa_volume_mw=8.0,
        ppa_price_usd_per_mwh=32.0,
        renewable_mw_series=rng.uniform(0, 6, n),
        renewable_price_usd_per_mwh=28.0,
        renewable_resale_allowed=bool(seed % 2),
        dr_committed_mw=5.0,
        dr_readiness_usd_per_mw_hour=5.0,
        dr_penalty_usd_per_mwh=900.0,
        dr_event_series=rng.random(n) < 0.05,
        dr_keep_online=bool(seed % 2),
        fourcp_usd_per_kw_year=66.0,
        fourcp_peak_series=rng.random(n) < 0.01,
        import_limit_mw=30.0,
        emissions_tco2_per_mwh_series=rng.uniform(0.2, 0.6, n),
    )


def _eager_accounts(p: DispatchProblem, s: Schedule, dr: bool) -> dict[str, np.ndarray]:
    """The accounts as one expression over all intervals each (the code before blocks)."""
    dt = p.interval_hours_series
    value = (p.hashprice_usd_per_ph_day_series[:, None] * p.segments.ph_s_per_mw[None, :]) * (
        1.0 - p.pool_fee_fraction
    ) / 24.0
    committed = p.dr_committed_mw if dr else 0.0
    grid = s.grid_mw * (p.grid_purchase_price_usd_per_mwh() + p.grid_adder_usd_per_mwh) * dt
    ppa = np.full_like(dt, p.ppa_volume_mw * p.ppa_price_usd_per_mwh) * dt
    ren = p.renewable() * p.renewable_price_usd_per_mwh * dt
    k4 = p.fourcp_usd_per_mw() * (s.grid_mw + s.ppa_used_mw)
    revenue = (s.segment_mw * value).sum(axis=1) * dt
    resale = (s.ppa_resold_mw + s.renewable_resold_mw) * p.price_usd_per_mwh_series * dt
    ready = np.full_like(dt, committed * p.dr_readiness_usd_per_mw_hour) * dt
    penalty = s.dr_shortfall_mw * p.dr_penalty_usd_per_mwh * dt if dr else np.zeros_like(dt)
    power = grid + ppa + ren + k4
    return {
        "mining_revenue_usd": revenue, "grid_cost_usd": grid, "ppa_cost_usd": ppa,
        "renewable_cost_usd": ren, "fourcp_charge_usd": k4, "resale_credits_usd": resale,
        "dr_readiness_usd": ready, "dr_penalty_usd": penalty, "power_cost_usd": power,
        "net_margin_usd": revenue - power + resale + (ready - penalty),
        "emissions_tco2": (s.grid_mw + s.ppa_used_mw) * p.emissions_factor() * dt,
    }


def _frozen(result: DispatchResult) -> dict[str, object]:
    summary = {k: v for k, v in result.summary().items() if not k.endswith("_seconds")}
    return {
        "summary": summary,
        "schedule": {k: np.asarray(v).copy() for k, v in vars(result.schedule).items()
                     if v is not None},
        "frame": result.schedule_frame(),
        "monthly": result.monthly_frame(),
    }


@pytest.mark.parametrize("n", [0, 1, 2, 3, 7, 8, 9, 100])
def test_blocks_cover_every_interval_and_none_holds_one(n: int) -> None:
    blocks = list(interval_blocks(n, 4))
    assert [i for b in blocks for i in range(n)[b]] == list(range(n))
    assert all(len(range(n)[b]) >= 2 for b in blocks) or n == 1


@pytest.mark.parametrize("seed", [0, 1])
def test_blockwise_dispatch_has_the_bits_of_one_pass(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    problem = _problem(seed)
    whole = _frozen(solve(problem, "fast"))
    monkeypatch.setattr(intervals, "BLOCK_INTERVALS", 7)
    blocks = _frozen(solve(problem, "fast"))
    assert whole["summary"] == blocks["summary"]
    for name, values in whole["schedule"].items():  # type: ignore[union-attr]
        assert np.array_equal(values, blocks["schedule"][name]), name  # type: ignore[index]
    pd.testing.assert_frame_equal(whole["frame"], blocks["frame"], check_exact=True)
    pd.testing.assert_frame_equal(whole["monthly"], blocks["monthly"], check_exact=True)


def test_accounts_equal_the_whole_array_expressions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intervals, "BLOCK_INTERVALS", 5)
    problem = _problem(2)
    result = solve(problem, "fast")
    for accounts, schedule, dr in (
        (result.accounts, result.schedule, True),
        (result.baseline_accounts, always_on_schedule(problem), False),
    ):
        for name, expected in _eager_accounts(problem, schedule, dr).items():
            assert np.array_equal(getattr(accounts, name), expected), name
    base = result.summary()
    assert base["net_margin_always_on_usd"] == float(
        _eager_accounts(problem, always_on_schedule(problem), False)["net_margin_usd"].sum()
    )


def test_solar_profile_in_blocks_has_the_bits_of_one_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hashpivot.engines.dispatch.resolve import resolve_renewable
    from hashpivot.models.dispatch import DispatchSpec
    from hashpivot.power.profiles import clear_sky_solar_profile

    index = pd.date_range("2024-03-09", periods=2003, freq="15min", tz="America/Chicago")
    hours = np.full(len(index), 0.25)
    spec = DispatchSpec.model_validate({"renewable": {"kind": "solar", "capacity_mw": 50.0}})
    monkeypatch.setattr(intervals, "BLOCK_INTERVALS", 7)
    blocks, _ = resolve_renewable(index, hours, spec, None, None)
    whole = np.clip(clear_sky_solar_profile(index, hours, 31.9, -102.1), 0.0, 1.0) * 50.0
    assert np.array_equal(blocks, whole)
