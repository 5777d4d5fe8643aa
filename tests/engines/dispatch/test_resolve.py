"""The dispatch engine's resolve steps, each checkable by hand, and the field paths its
errors carry (``sites[1].dispatch.emissions_file`` with the file's name)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hashpivot.engines.dispatch.resolve import (
    resolve_ai_load,
    resolve_demand_response,
    resolve_emissions,
    resolve_four_cp,
    resolve_grid_price,
    resolve_hashprice,
    resolve_import_limit,
    resolve_renewable,
    resolve_tranches,
)
from hashpivot.exceptions import InputError
from hashpivot.models import find_site, parse_portfolio
from hashpivot.models.dispatch import DispatchSpec
from tests.engines.dispatch_inputs import TWO_SITES_TOML

INDEX = pd.date_range("2024-08-19", periods=8, freq="15min", tz="America/Chicago")


def _sites() -> list:
    return list(parse_portfolio(TWO_SITES_TOML, "<test>").sites)


def test_tranches_by_hand() -> None:
    alpha = _sites()[0]
    (tr,), meta = resolve_tranches(alpha, DispatchSpec(availability_fraction=0.9))
    # 1,000 x 3,500 W x 1.1 overhead x 0.9 available = 3.465 MW; 1,000 x 200 TH/s x 0.9
    assert tr.power_mw == pytest.approx(3.465)
    assert tr.hashrate_ph_s == pytest.approx(180.0)
    # the fleet's default uptime (0.95) is not the availability given: only that is noted
    # (beside the entries that run, every one, undated: the fleet's row)
    assert meta.pop("fleet_running") == [0] and meta.pop("fleet_dated") is False
    assert list(meta) == ["uptime_note"]
    assert "availability_fraction 0.9 (given)" in meta["uptime_note"]


def test_grid_price_fixed_contract_and_index_contract() -> None:
    alpha, beta = _sites()
    grid, meta = resolve_grid_price(4, alpha, DispatchSpec())
    assert grid.adder_usd_per_mwh == 2.0
    assert grid.price_usd_per_mwh_series is not None
    assert list(grid.price_usd_per_mwh_series) == [40.0] * 4
    assert meta["power_contract"].startswith("fixed price 40 USD/MWh (+ adder 2)")
    grid, meta = resolve_grid_price(4, beta, DispatchSpec(grid_adder_usd_per_mwh=3.0))
    assert grid.price_usd_per_mwh_series is None and grid.adder_usd_per_mwh == 3.0
    assert meta == {"power_contract": "index price + adder 3 USD/MWh"}


def test_ai_load_split_and_windows() -> None:
    spec = DispatchSpec(ai_load_mw=10.0, ai_flexible_fraction=0.3, ai_flexible_window_hours=1.0)
    ai, _ = resolve_ai_load(np.full(8, 0.25), spec)
    assert (ai.firm_mw, ai.flexible_mw, ai.flexible_max_mw) == pytest.approx((7.0, 3.0, 6.0))
    assert list(ai.window) == [0, 0, 0, 0, 1, 1, 1, 1]  # four quarter hours per window


def test_demand_response_event_counts_intervals() -> None:
    spec = DispatchSpec.model_validate(
        {"demand_response": {"committed_mw": 1.0,
                             "events": [["2024-08-19T00:30:00", "2024-08-19T01:15:00"]]}}
    )
    event, meta = resolve_demand_response(INDEX, spec)
    assert list(event) == [False, False, True, True, True, False, False, False]
    assert meta == {"dr_event_intervals": 3}


def test_import_limit_falls_back_to_capacity() -> None:
    alpha = _sites()[0]
    assert resolve_import_limit(alpha, DispatchSpec()) == (
        30.0, {"import_limit_source": "site capacity_mw"}
    )
    spec = DispatchSpec.model_validate({"limits": {"import_mw": 12.0}})
    assert resolve_import_limit(alpha, spec) == (12.0, {})


def test_import_limit_keeps_the_halls_in_service() -> None:
    """A 12 MW hall in service of the 30 MW site: the miners and the AI load may import
    18 MW (the hall draws the rest, in every engine)."""
    from hashpivot.models.hosting import HostingInService, HostingProjectSpec

    alpha = _sites()[0]
    alpha = alpha.model_copy(update={"hosting": HostingProjectSpec(in_service=[
        HostingInService(gross_mw=12.0, lease_start="2024-06", lease_end="2036-05",
                         lease_usd_per_kw_month=120.0)])})
    assert resolve_import_limit(alpha, DispatchSpec()) == (
        18.0, {"import_limit_source": "site capacity_mw less 12 MW of halls in service"})


def test_emissions_provenance_in_order_of_precedence() -> None:
    series = pd.Series(0.3, index=INDEX)
    ef, meta = resolve_emissions(INDEX, DispatchSpec(), "ERCOT", series)
    assert list(ef) == [0.3] * 8
    assert meta == {"emissions_source": "emissions factor series (argument)"}
    ef, meta = resolve_emissions(INDEX, DispatchSpec(emissions_factor_tco2_per_mwh=0.5), "ERCOT")
    assert list(ef) == [0.5] * 8
    assert meta == {"emissions_source": "dispatch.emissions_factor_tco2_per_mwh"}
    ef, meta = resolve_emissions(INDEX, DispatchSpec(), "ERCOT")
    assert 0.3 < ef[0] < 0.5 and "eGRID" in meta["emissions_source"]  # ERCOT ~0.37 t/MWh
    ef, meta = resolve_emissions(INDEX, DispatchSpec(), "ATLANTIS")
    assert np.isnan(ef).all() and "no bundled factor" in meta["emissions_source"]


def test_one_rule_finds_a_site() -> None:
    sites = _sites()
    assert find_site(sites, None)[0] == 0
    assert find_site(sites, "Beta")[0] == 1
    assert find_site(sites, "beta")[0] == 1  # case ignored when unambiguous
    with pytest.raises(InputError) as info:
        find_site(sites, "Gamma")
    assert info.value.problems[0].path == "site"
    assert "no site named 'Gamma'; sites: Alpha, Beta" in info.value.problems[0].message


def test_hashprice_provenance_in_order_of_precedence() -> None:
    hp, source = resolve_hashprice(INDEX, DispatchSpec(hashprice_usd_per_ph_day=45.0), 50.0)
    assert list(hp) == [50.0] * 8 and source == "constant (command line)"
    series = pd.Series(np.arange(8.0), index=INDEX)
    hp, source = resolve_hashprice(INDEX, DispatchSpec(hashprice_usd_per_ph_day=45.0), series)
    assert list(hp) == list(range(8)) and source == "hashprice series (argument)"
    hp, source = resolve_hashprice(INDEX, DispatchSpec(hashprice_usd_per_ph_day=45.0))
    assert list(hp) == [45.0] * 8 and source == "constant (dispatch spec)"


def test_hashprice_from_network_conditions_by_hand() -> None:
    # 2024-08-19 is after the April 2024 halving: subsidy 3.125 BTC. One PH/s finds
    # 1e15 * 86,400 / (difficulty * 2**32) blocks a day.
    spec = DispatchSpec(btc_price_usd=60_000.0, network_difficulty=80e12, fees_btc_per_block=0.1)
    hp, source = resolve_hashprice(INDEX, spec)
    blocks_per_ph_day = 1e15 * 86_400 / (80e12 * 2**32)
    assert hp == pytest.approx(np.full(8, blocks_per_ph_day * (3.125 + 0.1) * 60_000.0))
    assert source == (
        "network conditions: BTC 60,000 USD, difficulty 8e+13, fees 0.100 BTC/block, "
        "subsidy 3.125 BTC"
    )


def _renewable(**kw: object) -> DispatchSpec:
    return DispatchSpec.model_validate({"renewable": {"capacity_mw": 10.0, **kw}})


def test_renewable_profile_series_and_file() -> None:
    hours = np.full(8, 0.25)
    half = pd.Series(0.5, index=INDEX)
    mw, meta = resolve_renewable(INDEX, hours, _renewable(), half, None)
    assert list(mw) == [5.0] * 8  # 10 MW x capacity factor 0.5
    assert meta == {"renewable_profile": "profile series (argument)"}
    mw, meta = resolve_renewable(INDEX, hours, _renewable(profile_file="cf.csv"), half, None,
                                 from_file=True)
    assert list(mw) == [5.0] * 8 and meta == {"renewable_profile": "file cf.csv"}
    with pytest.raises(InputError) as info:
        resolve_renewable(INDEX, hours, _renewable(), half + 1.0, None)
    assert info.value.problems[0].path == "renewable_profile"


def test_renewable_synthetic_solar_is_dark_at_midnight_and_none_without_a_plant() -> None:
    hours = np.full(8, 0.25)  # 00:00-02:00 in Chicago: the sun is down
    mw, meta = resolve_renewable(INDEX, hours, _renewable(latitude_deg=31.9), None, None)
    assert list(mw) == [0.0] * 8
    assert meta["renewable_profile"].startswith("synthetic clear-sky solar")
    mw, meta = resolve_renewable(INDEX, hours, DispatchSpec(), None, None)
    assert list(mw) == [0.0] * 8 and meta == {}


def test_four_cp_peaks_by_hand() -> None:
    hours = np.full(8, 0.25)
    spec = DispatchSpec.model_validate(
        {"four_cp": {"charge_usd_per_kw_year": 50.0,
                     "peak_intervals": ["2024-08-19T00:40:00", "2024-08-20T17:00:00"]}}
    )
    peak, meta = resolve_four_cp(INDEX, hours, spec, None)
    # 00:40 falls in the interval that starts at 00:30 (the third); the second is outside
    assert list(np.flatnonzero(peak)) == [2]
    # the rate and what one MW drawn in a peak costs: 50 USD/kW/year x 1000 / 1 peak
    assert meta == {"fourcp_peaks_outside_horizon": 1, "fourcp_note": (
        "1 of the 2 listed 4CP peak intervals (dispatch.four_cp.peak_intervals; "
        "2024-08-20 17:00:00-05:00) fall outside the prices (2024-08-19 00:00:00-05:00 to "
        "2024-08-19 01:45:00-05:00): not charged; 4CP charge 50 USD/kW/year "
        "(dispatch.four_cp.charge_usd_per_kw_year) on the mean grid withdrawal (grid import "
        "and PPA energy used) over the 1 peak interval in the horizon (1 listed): 50,000 USD "
        "a year for each MW withdrawn in it")}
    probability = pd.Series([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.0], index=INDEX)
    peak, meta = resolve_four_cp(INDEX, hours, spec, probability)
    assert list(np.flatnonzero(peak)) == [2, 5, 6]  # threshold 0.5 is inclusive
    # 3 peaks: 50,000 / 3 per MW in each
    assert meta["fourcp_note"].endswith(
        "4CP charge 50 USD/kW/year (dispatch.four_cp.charge_usd_per_kw_year) on the mean "
        "grid withdrawal (grid import and PPA energy used) over the 3 peak intervals in the "
        "horizon (1 listed, 2 more at a peak probability of 0.5 or more): 16,667 USD a year "
        "for each MW withdrawn in one")


def test_four_cp_without_a_peak_in_the_horizon_says_so() -> None:
    spec = DispatchSpec.model_validate({"four_cp": {"charge_usd_per_kw_year": 50.0}})
    peak, meta = resolve_four_cp(INDEX, np.full(8, 0.25), spec, None)
    assert not peak.any()
    assert meta == {"fourcp_note": "no 4CP peak interval falls in the horizon: no charge"}
    peak, meta = resolve_four_cp(INDEX, np.full(8, 0.25), DispatchSpec(), None)
    assert not peak.any() and meta == {}  # no charge: no peaks resolved


def test_a_market_given_without_its_year_is_its_latest_bundled_year() -> None:
    """``--market ercot:HB_WEST`` (or a run's ``market``) reads as the contract's market
    without a year does: the latest bundled year (it was refused as "no bundled prices");
    a point with no bundled year is refused at ``market``, naming those that are."""
    from pathlib import Path

    from hashpivot.engines.dispatch import load_prices
    from hashpivot.models import load_portfolio

    site = load_portfolio(Path(__file__).parents[3] / "examples"
                          / "dispatch-west-texas.toml").sites[0]
    bare = load_prices(site, None, "ercot:HB_WEST")
    full = load_prices(site, None, "ercot:HB_WEST:2024")
    assert bare.attrs["key"] == "ercot:HB_WEST:2024"
    pd.testing.assert_series_equal(bare, full)
    with pytest.raises(InputError) as err:
        load_prices(site, None, "ercot:HB_NOPE")
    (problem,) = err.value.problems
    assert problem.path == "market" and "ercot:HB_WEST:2024" in problem.message


def test_peak_probabilities_outside_zero_to_one_are_refused() -> None:
    """A probability of 5 made every interval a 4CP peak (2.5 M USD charged on the
    example), -1 none, percentages (0-100) nearly every one: refused, as a renewable
    profile outside 0..1 is."""
    spec = DispatchSpec.model_validate({"four_cp": {"charge_usd_per_kw_year": 50.0}})
    hours = np.full(8, 0.25)
    for bad in (5.0, -1.0):  # (a missing value is one the file does not cover)
        probability = pd.Series([0.1] * 7 + [bad], index=INDEX)
        with pytest.raises(InputError) as info:
            resolve_four_cp(INDEX, hours, spec, probability, from_file=True)
        (problem,) = info.value.problems
        assert problem.path == "dispatch.four_cp.peak_probability_file"
        assert problem.message == "peak probabilities must be in 0..1"
    with pytest.raises(InputError) as info:  # a series given by the caller: its argument
        resolve_four_cp(INDEX, hours, spec, pd.Series(50.0, index=INDEX))
    assert info.value.problems[0].path == "peak_probability"


def test_demand_response_events_outside_the_prices_are_said() -> None:
    """An event the prices do not reach was left out without a word (a listed 4CP peak
    outside them had a note)."""
    spec = DispatchSpec.model_validate(
        {"demand_response": {"committed_mw": 1.0,
                             "events": [["2024-08-19T00:30:00", "2024-08-19T01:15:00"],
                                        ["2023-08-20T16:00:00", "2023-08-20T19:00:00"]]}}
    )
    event, meta = resolve_demand_response(INDEX, spec)
    assert int(event.sum()) == 3
    assert meta == {"dr_event_intervals": 3, "dr_events_outside_horizon": 1,
                    "dr_events_note": (
                        "1 of the 2 demand-response events (dispatch.demand_response.events; "
                        "2023-08-20 16:00:00-05:00) fall outside the prices "
                        "(2024-08-19 00:00:00-05:00 to 2024-08-19 01:45:00-05:00): no "
                        "curtailment called then")}


def test_prices_of_another_operator_s_market_are_said() -> None:
    """The West Texas example (an ERCOT site) on NYISO WEST 2019 prices ran without a
    word, with ERCOT's emissions factors and the naive 4CP and event times read on New
    York's clock: now a note says so (its first), and on its own ERCOT prices none; a
    price series whose market is not known (no ``market`` attribute) has none either."""
    from hashpivot.engines.dispatch import build_dispatch_problem, load_prices
    from hashpivot.models import load_portfolio
    from hashpivot.reports.tables.dispatch import note_lines
    from tests.engines.dispatch_inputs import EXAMPLE

    site = load_portfolio(EXAMPLE).sites[0]
    week = slice("2019-07-01", "2019-07-07")
    nyiso = load_prices(site, None, "nyiso:WEST:2019")[week]
    meta = build_dispatch_problem(site, nyiso).meta
    assert meta["market_note"] == (
        "the prices are NYISO's (nyiso:WEST:2019) but the site is in ERCOT: the dispatch "
        "runs on them, with its region's (ERCOT) emissions factors (unless the file gives "
        "its own), and naive times of demand-response events and 4CP peaks read on the "
        "prices' clock (America/New_York)")
    assert note_lines(meta)[0] == meta["market_note"]
    own = load_prices(site, None, "ercot:HB_WEST:2024")["2024-07-01":"2024-07-07"]
    assert "market_note" not in build_dispatch_problem(site, own).meta
    unknown = nyiso.copy()
    unknown.attrs = {}
    assert "market_note" not in build_dispatch_problem(site, unknown).meta
