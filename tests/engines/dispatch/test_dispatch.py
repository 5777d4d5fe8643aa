"""Dispatch engine (site + spec + prices -> problem -> result); the ``dispatch`` CLI is
tested in tests/cli/test_dispatch.py."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hashpivot.engines.dispatch import (
    build_dispatch_problem,
    load_prices,
    resolve_hashprice,
    resolve_tranches,
    run_dispatch,
    run_dispatch_file,
)
from hashpivot.exceptions import DataError, InputError
from hashpivot.io import load_market_prices
from hashpivot.models import parse_portfolio
from hashpivot.models.dispatch import DispatchSpec
from hashpivot.power import energy_balance_residual_mw
from hashpivot.reports.tables.dispatch import note_lines
from tests.engines.dispatch_inputs import EXAMPLE, PRICES, SUMMARY_KEYS
from tests.portfolio_toml import contract, machines, portfolio_toml, site, table

#: a TOML local date-time (no time zone) from its ISO text
_at = dt.datetime.fromisoformat


def _site_toml(region: str) -> str:
    """Site Alpha in ``region``: 4,000 + 2,000 machines on an index contract, a 10 MW AI
    load, a demand-response commitment and 4CP peaks."""
    dispatch = table(
        ai_load_mw=10.0, ai_flexible_fraction=0.2, ai_flexible_window_hours=24.0,
        availability_fraction=0.9, hashprice_usd_per_ph_day=50.0,
        demand_response=table(committed_mw=5.0, readiness_usd_per_mw_hour=4.0,
                              events=[[_at("2024-08-20T17:00"), _at("2024-08-20T18:00")]]),
        four_cp=table(charge_usd_per_kw_year=60.0,
                      peak_intervals=[_at("2024-08-20T17:05"), _at("2025-07-01T17:00")]),
    )
    alpha = site("Alpha", contract(30.0, "index", adder_usd_per_mwh=4.0, market="ercot:HB_WEST"),
                 machines("A", 200.0, 3500.0, 4000), machines("B", 100.0, 3000.0, 2000),
                 dispatch=dispatch, region=region, capacity_mw=40.0, power_overhead_factor=1.1,
                 pool_fee_fraction=0.02)
    return portfolio_toml("test", alpha)


def _site(region: str = "ERCOT") -> object:
    return parse_portfolio(_site_toml(region), "<test>").sites[0]


@pytest.fixture(scope="module")
def prices() -> pd.Series:
    return load_prices(_site(), PRICES)


def test_tranches_from_site_units() -> None:
    tr, _ = resolve_tranches(_site(), _site().dispatch)
    # 4000 x 3500 W x 1.1 overhead x 0.9 available = 13.86 MW; 4000 x 200 TH/s x 0.9 = 720 PH/s
    assert tr[0].name == "A"
    assert tr[0].power_mw == pytest.approx(13.86)
    assert tr[0].hashrate_ph_s == pytest.approx(720.0)
    assert tr[1].power_mw == pytest.approx(2000 * 3000 * 1.1 * 0.9 / 1e6)


def test_problem_resolution(prices: pd.Series) -> None:
    p = build_dispatch_problem(_site(), prices)
    assert p.n_intervals == 288 and np.allclose(p.interval_hours_series, 0.25)
    assert p.ai_firm_mw == pytest.approx(8.0) and p.ai_flexible_mw == pytest.approx(2.0)
    assert p.ai_flexible_max_mw == pytest.approx(4.0)
    assert set(p.windows()) == {0, 1, 2}
    assert p.grid_adder_usd_per_mwh == 4.0  # from the power contract
    assert p.import_limit_mw == 40.0 and p.meta["import_limit_source"] == "site capacity_mw"
    assert p.pool_fee_fraction == 0.02
    # DR event 17:00-18:00 local: four quarter hours
    ev = p.index[p.event()]
    assert len(ev) == 4 and ev[0] == pd.Timestamp("2024-08-20 17:00", tz="America/Chicago")
    # 4CP: 17:05 falls in the 17:00 quarter hour; the 2025 peak is outside the horizon
    assert list(p.index[p.peak()]) == [pd.Timestamp("2024-08-20 17:00", tz="America/Chicago")]
    assert p.meta["fourcp_peaks_outside_horizon"] == 1
    assert p.emissions_factor()[0] == pytest.approx(0.33287)
    assert p.meta["hashprice_source"] == "constant (dispatch spec)"
    assert p.links_intervals  # flexible AI -> LP


def test_engine_result_lp_and_summary(prices: pd.Series) -> None:
    r = run_dispatch(_site(), prices)
    s = r.summary()
    assert s["solver"] == "lp" and s["status"] == "optimal"
    assert np.abs(energy_balance_residual_mw(r.problem, r.schedule)).max() < 1e-6
    assert (r.accounts.ai_mw >= r.problem.ai_firm_mw - 1e-9).all()
    for key in SUMMARY_KEYS:
        assert key in s
    assert s["hours"] == pytest.approx(72.0)
    frame = r.schedule_frame()
    assert len(frame) == 288 and {"mining_a_mw", "mining_b_mw", "grid_mw"} <= set(frame.columns)
    monthly = r.monthly_frame()
    assert list(monthly.index.astype(str)) == ["2024-08"]
    assert monthly["emissions_tco2"].iloc[0] == pytest.approx(s["emissions_tco2"])
    d = r.to_dict()
    assert d["inputs"]["tranches"][0]["name"] == "A"


def test_dst_day_dispatch_has_25_hours() -> None:
    hb = load_market_prices("ercot:HB_WEST:2024")
    day = hb[hb.index.strftime("%Y-%m-%d") == "2024-11-03"]
    site = _site()
    spec = DispatchSpec(ai_load_mw=5.0, hashprice_usd_per_ph_day=45.0)
    r = run_dispatch(site, day, spec=spec)
    assert r.problem.n_intervals == 100
    assert r.summary()["hours"] == pytest.approx(25.0)
    assert r.summary()["energy_ai_mwh"] == pytest.approx(5.0 * 25)


def test_hashprice_precedence_and_network_series(prices: pd.Series) -> None:
    idx = prices.index
    hp, src = resolve_hashprice(idx, DispatchSpec(hashprice_usd_per_ph_day=40.0), 55.0)
    assert hp[0] == 55.0 and "command line" in src
    daily, src = resolve_hashprice(idx, DispatchSpec())
    assert "Coin Metrics" in src and len(np.unique(daily)) in (3, 4)  # one value per UTC day
    assert 20 < daily.mean() < 150
    net, src = resolve_hashprice(idx, DispatchSpec(btc_price_usd=100_000.0,
                                                   network_difficulty=100e12,
                                                   fees_btc_per_block=0.0))
    # hand check: D = 100e12, $100,000, subsidy 3.125, no fees -> 62.86 USD/PH/day
    assert net[0] == pytest.approx(62.86, abs=0.01)
    future = pd.date_range("2031-01-01", periods=4, freq="1h", tz="America/Chicago")
    with pytest.raises(DataError, match="hashprice"):
        resolve_hashprice(future, DispatchSpec())


def test_unknown_region_gives_nan_emissions(prices: pd.Series) -> None:
    p = build_dispatch_problem(_site(region="ATLANTIS"), prices)
    assert np.isnan(p.emissions_factor()).all()
    assert "no bundled factor" in p.meta["emissions_source"]


@pytest.mark.parametrize(("window", "note"), [
    ({"start": "2024-07", "end": "2024-08"},
     "PPA start 2024-07 and end 2024-08: the dispatch values the block over the whole price "
     "file regardless (from 2024-06-01 to 2024-09-30); pivot, simulate and optimize settle "
     "it from 2024-07 through 2024-08 only"),
    ({"start": "2024-06", "end": "2024-08"},
     "PPA end 2024-08: the dispatch values the block over the whole price file regardless "
     "(to 2024-09-30); pivot, simulate and optimize settle it from 2024-06 through 2024-08 "
     "only"),
    ({"start": "2024-07", "end": "2024-09"},
     "PPA start 2024-07: the dispatch values the block over the whole price file regardless "
     "(from 2024-06-01); pivot, simulate and optimize settle it from 2024-07 through 2024-09 "
     "only"),
    ({"start": "2024-06", "end": "2024-09"}, None)])
def test_a_ppa_window_within_the_prices_is_a_note(window: dict[str, str], note: str | None
                                                  ) -> None:
    """Prices from 2024-06-01 to 2024-09-30: a PPA block settling from 2024-07 through
    2024-08 is valued over all four months (the dispatch values its price year with the
    block), a note says so and names the bounds that leave months out; a window covering
    the file has none."""
    index = pd.date_range("2024-06-01", "2024-09-30 23:00", freq="1h", tz="America/Chicago")
    spec = DispatchSpec.model_validate({
        "hashprice_usd_per_ph_day": 50.0,
        "ppa": {"volume_mw": 5.0, "price_usd_per_mwh": 20.0, **window}})
    p = build_dispatch_problem(_site(), pd.Series(30.0, index=index), spec=spec)
    assert p.meta.get("ppa_term_note") == note


def test_renewable_profiles(tmp_path: Path, prices: pd.Series) -> None:
    profile = pd.DataFrame(
        {"time": pd.date_range("2024-08-19", periods=72, freq="1h").strftime("%Y-%m-%d %H:%M"),
         "capacity_factor": np.tile(np.r_[np.zeros(6), np.full(12, 0.5), np.zeros(6)], 3)}
    )
    profile.to_csv(tmp_path / "pv.csv", index=False)
    spec = DispatchSpec.model_validate({
        "ai_load_mw": 5.0, "hashprice_usd_per_ph_day": 50.0,
        "renewable": {"kind": "solar", "capacity_mw": 10.0, "price_usd_per_mwh": 20.0,
                      "profile_file": "pv.csv"},
    })
    p = build_dispatch_problem(_site(), prices, spec=spec, base_dir=tmp_path)
    assert p.renewable().max() == pytest.approx(5.0)
    assert p.renewable()[:24].sum() == 0.0  # 00:00-06:00 hourly zeros -> 24 quarter hours
    solar = build_dispatch_problem(_site(), prices, spec=spec.model_copy(update={
        "renewable": spec.renewable.model_copy(update={"profile_file": None})}))  # type: ignore[union-attr]
    assert "clear-sky" in solar.meta["renewable_profile"]
    noon = solar.renewable()[solar.index.hour == 13]
    night = solar.renewable()[solar.index.hour == 2]
    assert noon.min() > 5.0 and night.max() == 0.0
    wind = build_dispatch_problem(_site(), prices, spec=spec.model_copy(update={
        "renewable": spec.renewable.model_copy(update={"profile_file": None, "kind": "wind"})}))  # type: ignore[union-attr]
    assert "synthetic wind" in wind.meta["renewable_profile"]
    with pytest.raises(InputError, match="file not found"):
        build_dispatch_problem(_site(), prices, spec=spec, base_dir=tmp_path / "nowhere")


def test_run_dispatch_file_example_with_price_file() -> None:
    r = run_dispatch_file(EXAMPLE, prices_file=PRICES,
                          hashprice=45.0)
    s = r.summary()
    assert s["site"] == "West Texas" and s["solver"] == "fast"
    assert s["dr_event_intervals"] == 12  # 16:00-19:00 on 2024-08-20
    assert math.isfinite(s["emissions_tco2"])
    lp = run_dispatch_file(EXAMPLE, prices_file=PRICES,
                           hashprice=45.0, solver="lp")
    # same problem, two solvers: same objective (HiGHS tolerance 1e-7 relative)
    assert lp.objective_usd == pytest.approx(r.objective_usd, rel=1e-6)


def test_four_cp_probability_threshold(prices: pd.Series) -> None:
    prob = pd.Series(0.0, index=prices.index)
    hot = (prices.index.strftime("%Y-%m-%d") == "2024-08-20") & (prices.index.hour == 16)
    prob[hot] = 0.8
    spec = DispatchSpec.model_validate({
        "hashprice_usd_per_ph_day": 50.0,
        "four_cp": {"charge_usd_per_kw_year": 60.0, "probability_threshold": 0.5},
    })
    p = build_dispatch_problem(_site(), prices, spec=spec, peak_probability=prob)
    assert int(p.peak().sum()) == 4  # the four quarter hours of 16:00-17:00
    # 60 USD/kW-yr x 1000 / 4 peaks = 15,000 USD per MW withdrawn in each peak interval
    assert p.fourcp_usd_per_mw()[p.peak()] == pytest.approx(15_000.0)
    r = run_dispatch(_site(), prices, spec=spec, peak_probability=prob)
    s = r.summary()
    # always on, the fleet withdraws 4000 x 3.5 kW x 1.1 + 2000 x 3.0 kW x 1.1 = 22 MW in
    # each peak: 15,000 USD/MW x 22 MW x 4 peaks = 1.32 M USD; a quarter hour of mining
    # earns far less than 15,000 USD/MW, so the dispatch is off in all four and avoids it
    assert s["fourcp_charge_always_on_usd"] == pytest.approx(15_000.0 * 22.0 * 4, rel=1e-9)
    assert s["fourcp_charge_usd"] == 0.0
    assert s["fourcp_avoided_usd"] == pytest.approx(s["fourcp_charge_always_on_usd"], rel=1e-12)


def test_dispatch_spec_validation() -> None:
    assert DispatchSpec().ai_load_mw == 0.0
    with pytest.raises(ValueError, match="extra"):
        DispatchSpec.model_validate({"ai_load_megawatts": 5})
    with pytest.raises(ValueError, match="underclock_hashrate_fraction"):
        DispatchSpec(underclock_min_power_fraction=0.7, underclock_hashrate_fraction=0.6)
    with pytest.raises(ValueError, match="not after start"):
        DispatchSpec.model_validate({"demand_response": {
            "events": [["2024-08-20T18:00:00", "2024-08-20T17:00:00"]]}})
    with pytest.raises(ValueError):
        DispatchSpec(ai_flexible_fraction=1.5)


def test_emissions_file_gives_a_marginal_series(prices: pd.Series, tmp_path: Path) -> None:
    # A marginal-emissions file (hourly, t CO2/MWh) relative to the TOML directory: 0.2 at
    # night, 0.6 from 17:00; each quarter hour takes its hour's value.
    hours = pd.date_range("2024-08-19", "2024-08-22", freq="h", tz="America/Chicago",
                          inclusive="left")
    factor = np.where(hours.hour >= 17, 0.6, 0.2)
    pd.DataFrame({"timestamp": hours.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ"),
                  "tco2_per_mwh": factor}).to_csv(tmp_path / "mef.csv", index=False)
    spec = DispatchSpec.model_validate(
        {**_site().dispatch.model_dump(), "emissions_file": "mef.csv"}  # type: ignore[attr-defined]
    )
    p = build_dispatch_problem(_site(), prices, spec=spec, base_dir=tmp_path)
    ef = p.emissions_factor()
    local_hour = p.index.hour
    assert np.allclose(ef[local_hour >= 17], 0.6) and np.allclose(ef[local_hour < 17], 0.2)
    assert p.meta["emissions_source"].startswith("dispatch.emissions_file")
    res = run_dispatch(_site(), prices, spec=spec, base_dir=tmp_path)
    sched = res.schedule_frame()
    # no PPA or renewables here: every MWh is grid energy, charged at its interval's factor
    expected = (sched["grid_mw"] * ef * sched["interval_hours"]).sum()
    assert res.summary()["emissions_tco2"] == pytest.approx(expected)
    assert sched["emissions_tco2"].to_numpy() == pytest.approx(
        (sched["grid_mw"] * ef * sched["interval_hours"]).to_numpy()
    )


def test_a_dispatch_of_the_file_s_prices_runs_the_fleet_installed_then(tmp_path: Path
                                                                        ) -> None:
    """A review's case: S9s retired on 2021-12-31 and the example's S21s installed from
    2022-01-01 replace one another on the same power (a swap), and the dispatch of 2024's
    prices ran the S9s (the fleet at the start) and left the S21s out. It runs the fleet
    installed on the prices' first day, and a note names what it left out; the result
    is the example's own."""
    text = EXAMPLE.read_text()
    s21 = '  [[sites.fleet]]\n  name = "S21"\n'
    assert s21 in text
    dated = text.replace(s21, '  [[sites.fleet]]\n  name = "S9 (retired)"\n'
                         '  hashrate_th_s = 13.5\n  power_w = 1323.0\n  count = 100000\n'
                         '  end = "2021-12-31"\n\n' + s21 + '  start = "2022-01-01"\n')
    path = tmp_path / "retired.toml"
    path.write_text(dated)
    got = run_dispatch_file(path, prices_file=PRICES, hashprice=45.0)
    want = run_dispatch_file(EXAMPLE, prices_file=PRICES, hashprice=45.0)
    assert [t.name for t in got.problem.tranches] == ["S21", "S19j Pro"]
    assert got.objective_usd == pytest.approx(want.objective_usd, rel=1e-12)
    assert ("left out (installed on none of the prices' days, 2024-08-19 to 2024-08-21): "
            "fleet[0] (S9 (retired))") in got.summary()["fleet_note"]


def test_a_dispatch_of_prices_before_every_entry_runs_no_retired_machines(tmp_path: Path
                                                                         ) -> None:
    """A second review's case: where no entry is installed on the prices' first day, the
    dispatch fell back to the whole file's fleet, a swap's retired S9s first. Each entry
    runs on the days it is installed, none before (the AI load alone), and none at all
    where none is installed within the prices' days (here the 50 MW demand-response
    commitment then has nothing to curtail, a field error)."""
    text = EXAMPLE.read_text()
    s21, s19 = '  [[sites.fleet]]\n  name = "S21"\n', '  [[sites.fleet]]\n  name = "S19j Pro"\n'
    assert s21 in text and s19 in text
    retired = ('  [[sites.fleet]]\n  name = "S9 (retired)"\n  hashrate_th_s = 13.5\n'
               '  power_w = 1323.0\n  count = 100000\n  end = "2021-12-31"\n\n')
    paths = {}
    for start in ("2024-08-20", "2024-09-01"):
        paths[start] = tmp_path / f"{start}.toml"
        paths[start].write_text(text.replace(s21, retired + s21 + f'  start = "{start}"\n')
                                .replace(s19, s19 + f'  start = "{start}"\n'))
    got = run_dispatch_file(paths["2024-08-20"], prices_file=PRICES, hashprice=45.0)
    assert [t.name for t in got.problem.tranches] == ["S21", "S19j Pro"]
    note = got.summary()["fleet_note"]
    assert "fleet[1] (S21) from 2024-08-20, fleet[2] (S19j Pro) from 2024-08-20" in note
    sched = got.schedule_frame()
    day = sched.index.tz_localize(None).normalize()
    before = day < pd.Timestamp("2024-08-20")
    assert before.any() and (~before).any()
    assert (sched["mining_mw"][before] == 0).all() and sched["mining_mw"][~before].max() > 0
    # the uptime counts the machines installed: none are on the 19th
    capacity = sum(t.power_mw for t in got.problem.tranches)
    mined = (sched["mining_mw"] * sched["interval_hours"]).sum()
    hours = sched["interval_hours"][~before].sum()
    assert got.summary()["uptime_fraction"] == pytest.approx(mined / (capacity * hours))
    with pytest.raises(InputError, match="committed_mw: 50 MW exceeds the load the site "
                       "can curtail"):
        run_dispatch_file(paths["2024-09-01"], prices_file=PRICES, hashprice=45.0)


def _expansion(start: str, **dispatch: object) -> object:
    """A site mining 4,000 S19-class machines and 3,000 S21-class ones from ``start``, with
    a 5 MW AI load (no 4CP, no demand response: nothing ties a day to another)."""
    alpha = site("Alpha", contract(30.0, "index", adder_usd_per_mwh=4.0, market="ercot:HB_WEST"),
                 machines("old", 100.0, 3100.0, 4000),
                 machines("new", 200.0, 3500.0, 3000, start=start),
                 dispatch=table(ai_load_mw=5.0, **dispatch), capacity_mw=40.0,
                 power_overhead_factor=1.1, pool_fee_fraction=0.02)
    return parse_portfolio(portfolio_toml("test", alpha), "<test>").sites[0]


@pytest.mark.parametrize("limits", [{}, {"ramp_mw_per_interval": 4.0},
                                    # a tranche on/off as a whole jumps by its power
                                    # (11.55 MW here): a ramp below it keeps it off
                                    {"ramp_mw_per_interval": 12.0, "min_up_intervals": 4}])
def test_machines_installed_within_the_prices_join_on_their_day(
        prices: pd.Series, limits: dict[str, float]) -> None:
    """Left at stop 40: the dispatch ran one fleet over the whole price file, so machines
    installed on its second day did not run in it. They join on their day: where nothing
    ties one day to another, the dispatch of the three days is that of the day before
    without them plus that of the two days with them (fast path); with a ramp limit (the
    LP, and the MILP with min up times), the new machines draw nothing before their day
    and the load ramps onto them."""
    site_ = _expansion("2024-08-20", limits=table(**limits))
    whole = run_dispatch(site_, prices, hashprice=45.0, fleet_by_date=True)
    local_day = prices.index.tz_localize(None).normalize()
    cut = int(np.argmax(local_day >= pd.Timestamp("2024-08-20")))
    assert 0 < cut < len(prices)
    by_tranche = whole.schedule.mining_by_tranche_mw(whole.problem)
    assert (by_tranche[:cut, 1] == 0).all() and by_tranche[cut:, 1].max() > 0
    if not limits:
        head = run_dispatch(site_, prices.iloc[:cut], hashprice=45.0, fleet_by_date=True)
        tail = run_dispatch(site_, prices.iloc[cut:], hashprice=45.0, fleet_by_date=True)
        assert [t.name for t in head.problem.tranches] == ["old"]
        assert head.problem.tranche_installed_series is None  # installed all its days
        for key in ("net_margin_usd", "net_margin_always_on_usd", "mining_revenue_usd",
                    "energy_mwh"):
            parts = head.summary()[key] + tail.summary()[key]
            assert whole.summary()[key] == pytest.approx(parts, rel=1e-12), key
        assert whole.summary()["fleet_note"] == (
            "Alpha: each fleet entry runs on the days it is installed: fleet[1] (new) from "
            "2024-08-20")
    else:
        load = whole.schedule.segment_mw.sum(axis=1)
        step = np.abs(np.diff(load))
        ramp = limits["ramp_mw_per_interval"]
        assert np.delete(step, cut - 1).max() <= ramp + 1e-6
        # with on/off binaries the installation itself may step by the new machines' power
        joins = whole.problem.tranches[1].power_mw if "min_up_intervals" in limits else 0.0
        assert step[cut - 1] <= ramp + joins + 1e-6
        assert whole.report.solver != "fast"


def test_machines_retired_within_the_prices_stop_on_their_day(prices: pd.Series) -> None:
    """The other end: machines whose ``end`` is the prices' second day mine through it and
    not after; the uptime counts them only while installed."""
    alpha = site("Alpha", contract(30.0, "index", adder_usd_per_mwh=4.0, market="ercot:HB_WEST"),
                 machines("old", 100.0, 3100.0, 4000, end="2024-08-20"),
                 machines("new", 200.0, 3500.0, 3000),
                 dispatch=table(ai_load_mw=5.0), capacity_mw=40.0, power_overhead_factor=1.1)
    site_ = parse_portfolio(portfolio_toml("test", alpha), "<test>").sites[0]
    got = run_dispatch(site_, prices, hashprice=45.0, fleet_by_date=True)
    day = prices.index.tz_localize(None).normalize()
    after = np.asarray(day > pd.Timestamp("2024-08-20"))
    by_tranche = got.schedule.mining_by_tranche_mw(got.problem)
    assert (by_tranche[after, 0] == 0).all() and by_tranche[~after, 0].max() > 0
    assert "fleet[0] (old) until 2024-08-20" in got.summary()["fleet_note"]
    power = np.array([t.power_mw for t in got.problem.tranches])
    capacity = np.where(after, power[1], power.sum())
    hours = got.problem.interval_hours_series
    assert got.summary()["uptime_fraction"] == pytest.approx(
        float((by_tranche.sum(axis=1) * hours).sum() / (capacity * hours).sum()))


def test_commitment_blocks_let_a_ramp_limited_fleet_follow_prices(prices: pd.Series) -> None:
    """Left at stop 41: the MILP switched a whole fleet entry on or off, so under a ramp
    below an entry's power (13.86 MW for A, here 2 MW) no entry could start or stop, and
    the note did not say so. ``commitment_block_mw`` commits each entry in blocks (a
    container each), and the summary says how the fleet is switched."""
    site_ = _site()
    assert site_.dispatch is not None
    limits = site_.dispatch.limits.model_copy(update={
        "ramp_mw_per_interval": 2.0, "min_up_intervals": 4, "min_down_intervals": 4})
    whole_spec = site_.dispatch.model_copy(update={"limits": limits})
    block_spec = site_.dispatch.model_copy(update={
        "limits": limits.model_copy(update={"commitment_block_mw": 1.0})})
    whole = run_dispatch(site_, prices, spec=whole_spec)
    blocks = run_dispatch(site_, prices, spec=block_spec)
    assert whole.report.solver == blocks.report.solver == "milp"
    assert blocks.problem.tranche_blocks().tolist() == [14, 6]  # 13.86 and 5.94 MW
    assert blocks.to_dict()["inputs"]["tranche_blocks"] == [14, 6]
    assert blocks.to_dict()["inputs"]["commitment_block_mw"] == 1.0
    on = blocks.schedule.tranche_on
    assert on is not None and len(np.unique(on[:, 0])) > 2  # A follows prices, block by block
    assert blocks.summary()["net_margin_usd"] > whole.summary()["net_margin_usd"]
    # the schedule (and its CSV) gives the blocks committed in each interval, each block
    # between its lowest running power (no underclocking here: its rated) and rated power
    frame = blocks.schedule_frame()
    assert frame["blocks_on_a"].tolist() == on[:, 0].tolist()
    assert frame["mining_a_mw"].to_numpy() == pytest.approx(on[:, 0] * 13.86 / 14, abs=1e-6)
    assert "blocks_on_a" not in run_dispatch(site_, prices).schedule_frame()
    assert whole.summary()["commitment_note"].startswith(
        "min up 4 / down 4 intervals: each fleet entry is switched as one block")
    assert blocks.summary()["commitment_note"] == (
        "min up 4 / down 4 intervals per block of at most 1 MW: A 14 x 0.99 MW, "
        "B 6 x 0.99 MW")


def test_commitment_blocks_without_min_times_are_said_unused(prices: pd.Series) -> None:
    site_ = _site()
    assert site_.dispatch is not None
    spec = site_.dispatch.model_copy(update={"limits": site_.dispatch.limits.model_copy(
        update={"commitment_block_mw": 2.0})})
    res = run_dispatch(site_, prices, spec=spec)
    assert res.report.solver == "lp"  # flexible AI links the intervals; no binaries
    assert res.summary()["commitment_note"].startswith("commitment_block_mw is not used")
    assert "commitment_note" not in run_dispatch(site_, prices).summary()


def test_a_ramp_below_a_block_s_lowest_power_is_said_to_keep_it_in_its_first_state(
        prices: pd.Series) -> None:
    # with flexible AI load none (it could move against a block's step), a 2 MW ramp
    # below A's 13.86 MW: as one block A never switches, and the note says so; in 1 MW
    # blocks every block can switch, and the note says nothing of it
    site_ = _site()
    assert site_.dispatch is not None
    limits = site_.dispatch.limits.model_copy(update={
        "ramp_mw_per_interval": 2.0, "min_up_intervals": 4, "min_down_intervals": 4})
    spec = site_.dispatch.model_copy(update={"limits": limits, "ai_flexible_fraction": 0.0})
    whole = run_dispatch(site_, prices, spec=spec)
    note = whole.summary()["commitment_note"]
    assert note.endswith(
        "; the ramp (2 MW per interval) is below the lowest running power of a block of A, "
        "B: such a block cannot start or stop and keeps its state from the first interval "
        "(a smaller commitment_block_mw lets it switch)")
    on = whole.schedule.tranche_on
    assert on is not None and (np.ptp(on, axis=0) == 0).all()  # as the note says
    blocks = run_dispatch(site_, prices, spec=spec.model_copy(update={
        "limits": limits.model_copy(update={"commitment_block_mw": 1.0})}))
    assert "cannot start or stop" not in blocks.summary()["commitment_note"]


def test_a_site_connected_within_the_prices_runs_from_that_day(tmp_path: Path) -> None:
    """``connection_date`` is when the site starts running in every engine (README). The
    dispatch of a site connected on 2024-08-20 ran its AI load, drew power and bought its
    PPA before (only the machines waited), and one connected in 2030 said its demand
    response had "0 MW" to curtail. The dispatch covers the days the site is connected,
    a note says so; one connected after the prices is an error at ``connection_date``."""
    text = EXAMPLE.read_text()
    assert 'region = "ERCOT"\n' in text
    path = tmp_path / "late.toml"
    path.write_text(text.replace('region = "ERCOT"\n',
                                 'region = "ERCOT"\nconnection_date = "2024-08-20"\n', 1))
    got = run_dispatch_file(path, prices_file=PRICES, hashprice=45.0)
    sched = got.schedule_frame()
    assert sched.index[0] == pd.Timestamp("2024-08-20", tz=sched.index.tz)
    assert sched["mining_mw"].max() > 0 and (sched["ai_mw"] > 0).all()
    note = got.summary()["connection_note"]
    assert "connected on 2024-08-20" in note and "from 2024-08-20" in note, note
    # the same dispatch as the prices from that day on, with no connection_date
    full = run_dispatch_file(EXAMPLE, prices_file=PRICES, hashprice=45.0)
    from_day = full.problem.index >= pd.Timestamp("2024-08-20", tz=full.problem.index.tz)
    assert got.problem.n_intervals == int(from_day.sum())
    np.testing.assert_allclose(got.problem.price_usd_per_mwh_series,
                               full.problem.price_usd_per_mwh_series[from_day])
    # connected after the prices: nothing to dispatch, said at the field
    path.write_text(text.replace('region = "ERCOT"\n',
                                 'region = "ERCOT"\nconnection_date = "2030-01-01"\n', 1))
    with pytest.raises(InputError) as err:
        run_dispatch_file(path, prices_file=PRICES, hashprice=45.0)
    assert [p.path for p in err.value.problems] == ["sites[0].connection_date"], (
        err.value.problems)
    assert "after the prices' last day" in err.value.problems[0].message


def test_a_financially_settled_ppa_in_the_example(tmp_path: Path) -> None:
    """``[sites.dispatch.ppa] settlement = "financial"``: the 150 MW settle at the index
    price in every interval (the West Texas prices go negative), nothing is delivered, and
    the dispatch of the machines is that of the site without the PPA (a hedge does not
    move the dispatch); its net margin is that dispatch's plus the settlement."""
    text = EXAMPLE.read_text()
    anchor = "    volume_mw = 150.0\n"
    assert anchor in text
    path = tmp_path / "cfd.toml"
    path.write_text(text.replace(anchor, anchor + '    settlement = "financial"\n', 1))
    got = run_dispatch_file(path, market="ercot:HB_WEST:2024", hashprice=45.0)
    s = got.schedule
    dt = got.problem.interval_hours_series
    assert not s.ppa_used_mw.any() and np.all(s.ppa_resold_mw == 150.0)
    prices = got.problem.price_usd_per_mwh_series
    assert (prices < 0).any()  # (teeth: negative prices settle at a cost)
    none = tmp_path / "none.toml"
    none.write_text(path.read_text().replace(anchor, "    volume_mw = 0.0\n", 1))
    bare = run_dispatch_file(none, market="ercot:HB_WEST:2024", hashprice=45.0)
    np.testing.assert_allclose(s.segment_mw, bare.schedule.segment_mw, atol=1e-6)
    settlement = float((150.0 * (prices - 32.0) * dt).sum())
    assert got.summary()["net_margin_usd"] == pytest.approx(
        bare.summary()["net_margin_usd"] + settlement, rel=1e-9)


def test_new_dr_and_ppa_fields_that_cannot_apply_are_rejected_at_their_field() -> None:
    """Found in review: ``unavailable_usd_per_mw_hour`` charges a kept-online commitment
    that may be withdrawn, ``withdrawable`` says whether a kept-online one may be, and
    ``curtail_at_negative_price`` lets a physical block's generator curtail what the site
    would resell; given where they cannot apply (``keep_committed_load_online = false``,
    ``withdrawable = false``, ``settlement = "financial"``, ``resale_allowed = false``)
    they were dropped without a word, the run valuing a contract other than the one
    written. Each is now a problem at its field path, all at once."""
    def spec_toml(dr: dict[str, object], ppa: dict[str, object]) -> str:
        dispatch = table(ai_load_mw=10.0, hashprice_usd_per_ph_day=50.0,
                         demand_response=table(committed_mw=5.0, **dr),
                         ppa=table(volume_mw=5.0, price_usd_per_mwh=30.0, **ppa))
        alpha = site("Alpha", contract(30.0, "index", market="ercot:HB_WEST"),
                     machines("A", 200.0, 3500.0, 4000), dispatch=dispatch)
        return portfolio_toml("test", alpha)

    cases = [
        ({"keep_committed_load_online": False, "unavailable_usd_per_mw_hour": 50.0}, {},
         "demand_response.unavailable_usd_per_mw_hour"),
        ({"withdrawable": False, "unavailable_usd_per_mw_hour": 50.0}, {},
         "demand_response.unavailable_usd_per_mw_hour"),
        ({"keep_committed_load_online": False, "withdrawable": False}, {},
         "demand_response.withdrawable"),
        ({}, {"settlement": "financial", "curtail_at_negative_price": True},
         "ppa.curtail_at_negative_price"),
        ({}, {"resale_allowed": False, "curtail_at_negative_price": True},
         "ppa.curtail_at_negative_price"),
    ]
    for dr, ppa, path in cases:
        with pytest.raises(InputError) as err:
            parse_portfolio(spec_toml(dr, ppa), "<test>")
        paths = [p.path for p in err.value.problems]
        assert any(p.endswith(path) for p in paths), (paths, path)
    # the combinations that apply still load
    for dr, ppa in (({"unavailable_usd_per_mw_hour": 50.0, "withdrawable": True}, {}),
                    ({"keep_committed_load_online": True, "withdrawable": False}, {}),
                    ({"keep_committed_load_online": False}, {"curtail_at_negative_price": True})):
        parse_portfolio(spec_toml(dr, ppa), "<test>")


@pytest.mark.parametrize(("uptime", "dispatch", "noted"), [
    (0.9, None, "the fleet's uptime_fraction (0.9, weighted by hashrate; file) is not "
     "applied: the dispatch curtails interval by interval itself and runs the machines in "
     "service, [sites.dispatch] availability_fraction 1 (default)"),
    (None, table(availability_fraction=0.97),
     "the fleet's uptime_fraction (0.95, weighted by hashrate; default) is not applied: "
     "the dispatch curtails interval by interval itself and runs the machines in service, "
     "[sites.dispatch] availability_fraction 0.97 (file)"),
    (0.9, table(availability_fraction=0.9), None),
])
def test_a_fleet_uptime_the_dispatch_does_not_apply_is_noted(
        prices: pd.Series, uptime: float | None, dispatch: dict[str, float] | None,
        noted: str | None) -> None:
    """A review's case: a site whose fleet runs 90 % of the time (uptime_fraction 0.9) and
    has no [sites.dispatch] table drew 51.45 MW in every interval of the dispatch, where
    cost, backtest and pivot count 0.9 of it (1,111 MWh a day against 1,235), and nothing
    the dispatch printed said that the file's uptime was not used. The energy stays the
    dispatch's rule (its availability, 1 by default); a note says which uptime it left."""
    alpha = site("Alpha", contract(30.0), machines("A", 200.0, 3500.0, 4000,
                                                   uptime_fraction=uptime),
                 dispatch=dispatch, capacity_mw=40.0, power_overhead_factor=1.1)
    site_ = parse_portfolio(portfolio_toml("test", alpha), "<test>").sites[0]
    got = run_dispatch(site_, prices, hashprice=45.0)
    availability = 1.0 if dispatch is None else dispatch["availability_fraction"]
    assert got.problem.tranches[0].power_mw == pytest.approx(15.4 * availability)
    if noted is None:
        assert "uptime_note" not in got.summary()
    else:
        note = got.summary()["uptime_note"]
        assert note.startswith(f"Alpha: {noted}")
        assert note in note_lines(got.summary())  # printed by the CLI and the run page


def test_the_4cp_note_names_what_the_charge_is_on() -> None:
    """The 4CP charge is on the site's withdrawal from the grid, its grid imports and the
    PPA energy delivered to it (``power.accounts``): on the West Texas example's peak of
    2024-08-20 the dispatch imports nothing, its AI load on the PPA and the solar, and pays
    the charge on the PPA energy it uses. The note said "on the mean grid import" and
    "for each MW imported", so the schedule's zero grid import did not explain the
    charge (1.31 M USD over 2024, the AI load's, which pivot leaves to the AI load)."""
    r = run_dispatch_file(EXAMPLE, prices_file=PRICES, hashprice=45.0)
    frame = r.schedule_frame()
    peak = frame["fourcp_peak"].to_numpy(dtype=bool)
    assert int(peak.sum()) == 1
    assert float(frame["grid_mw"][peak].sum()) == 0.0
    used_mw = float(frame["ppa_used_mw"][peak].sum())
    assert used_mw > 0
    # 66 USD/kW/year over the one peak in these three days
    assert float(r.summary()["fourcp_charge_usd"]) == pytest.approx(66_000.0 * used_mw)
    note = r.summary()["fourcp_note"]
    assert ("on the mean grid withdrawal (grid import and PPA energy used) over the 1 peak "
            "interval") in note
    assert note.endswith("66,000 USD a year for each MW withdrawn in it")
