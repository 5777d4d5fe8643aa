"""A site with ``[sites.dispatch]`` as the monthly models (pivot, simulate, optimize) take
it: its machines run whenever available, the dispatch curtails; its firm AI load keeps
its MW in every strategy.

An audit found the fleet's ``uptime_fraction`` (0.95 by default, a share of time hashing
that counts curtailment) applied under the dispatch's own curtailment shares, and the
dispatch's ``availability_fraction`` (0.97) dropped: the same fleet was 0.95/0.97 of what
the dispatch engine runs. And the 50 MW of AI load the site serves within its 300 MW were
counted as capacity free to convert: ``convert_all`` built halls on 300 MW.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from hashpivot.engines.pivot import run_pivot
from hashpivot.engines.pivot.inputs import resolve_sites
from hashpivot.exceptions import InputError
from hashpivot.models.loader import validate_data
from hashpivot.models.portfolio import Portfolio

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "dispatch-west-texas.toml"


def _portfolio(**site: Any) -> Portfolio:
    doc = tomllib.loads(EXAMPLE.read_text())
    fleet_uptime = site.pop("fleet_uptime", None)
    dispatch = site.pop("dispatch", {})
    s = doc["sites"][0]
    s.update(site)
    s["dispatch"].update(dispatch)
    if fleet_uptime is not None:
        for entry in s["fleet"]:
            entry["uptime_fraction"] = fleet_uptime
    doc.setdefault("pivot", {})["horizon_years"] = 3
    return validate_data(Portfolio, doc, str(EXAMPLE))


@cache
def _keep_mining_npv_usd(fleet_uptime: float, availability: float) -> float:
    result = run_pivot(_portfolio(fleet_uptime=fleet_uptime,
                                  dispatch={"availability_fraction": availability}))
    return next(s.npv_usd for s in result.strategies if s.name == "keep_mining")


def test_a_dispatching_site_runs_its_available_machines() -> None:
    """The monthly model's full month is the machines available, as the dispatch
    engine's always-on: the fleet's uptime does not move the value, the availability
    does."""
    (site,) = resolve_sites(_portfolio(fleet_uptime=0.5))
    assert site.uptime_fraction == pytest.approx(0.97)
    assert all(up == pytest.approx(0.97) for *_, up in site.fleet_entries)
    assert _keep_mining_npv_usd(0.5, 0.97) == pytest.approx(_keep_mining_npv_usd(0.95, 0.97),
                                                            rel=1e-12)
    assert _keep_mining_npv_usd(0.95, 0.9) < _keep_mining_npv_usd(0.95, 0.97)


def test_the_ai_load_keeps_its_mw_from_a_conversion() -> None:
    """300 MW energized, 50 MW of AI load: 250 MW for the miners (243.6) and a
    conversion; ``convert_all`` converts 250 MW."""
    (site,) = resolve_sites(_portfolio())
    assert site.capacity_mw == pytest.approx(250.0)
    assert site.convertible_gross_mw == pytest.approx(250.0)
    assert "its 50 MW of AI load" in site.dispatch_uplift_note
    result = run_pivot(_portfolio())
    converted = {s.name: s.strategy.converted_gross_mw for s in result.strategies}
    assert converted["convert_all"] == pytest.approx(250.0)
    # the inputs say the file's capacity and the load kept from it (they said 250 MW)
    (inputs,) = result.to_json_dict()["inputs"]["sites"]
    assert (inputs["capacity_mw"], inputs["ai_load_mw"], inputs["convertible_gross_mw"]) == (
        300.0, 50.0, 250.0)
    # its energy is in no strategy's energy used, and the note says so (the README said
    # "mining and AI halls alike" of the energy row: the existing AI load is not in it)
    (site,) = resolve_sites(_portfolio())
    assert "nor counted in energy used and CO2" in site.dispatch_uplift_note


def test_a_conversion_over_what_the_ai_load_leaves_is_an_error() -> None:
    with pytest.raises(InputError) as err:
        resolve_sites(_portfolio(hosting={"convertible_gross_mw": 280.0}))
    (p,) = err.value.problems
    assert p.path == "sites[0].hosting.convertible_gross_mw"
    assert p.message == ("280 MW exceeds the site's capacity_mw 300 less its AI load of "
                         "50 MW ([sites.dispatch] ai_load_mw)")
    with pytest.raises(InputError) as err:
        resolve_sites(_portfolio(capacity_mw=260.0, dispatch={"ai_load_mw": 260.0}))
    assert [p.path for p in err.value.problems] == ["sites[0].dispatch.ai_load_mw"]


def test_the_ai_loads_4cp_charge_is_not_the_miners() -> None:
    """The always-on 4CP charge taken off the dispatch's gain held the firm AI load's
    share too, though the AI load is served alike in every strategy (a review: 1,856
    USD/MW-month with 50 MW of AI load, 3,150 with no 4CP tariff). The miners now bear
    what they add to the charge: the gain rises by the AI load's own charge, its 50 MW
    less the solar then at each of the four peaks, at 66 USD/kW/year over the 4 peaks,
    worked here from the file's tariff; without a tariff nothing changes."""
    import numpy as np

    from hashpivot.engines.dispatch import load_prices, run_dispatch
    from hashpivot.engines.pivot.uplift.measurement import (
        MULTIPLIERS,
        measure_dispatch_uplift,
    )
    from hashpivot.units import HOURS_PER_MONTH

    k1 = list(MULTIPLIERS).index(1.0)

    def g1(**dispatch: Any) -> float:
        uplift, note = measure_dispatch_uplift(_portfolio(dispatch=dispatch).sites[0])
        assert uplift is not None, note
        return float(uplift.gain_usd_per_mw_month[k1])

    site = _portfolio().sites[0]
    result = run_dispatch(site, load_prices(site))
    problem = result.problem
    peaks = np.asarray(problem.fourcp_usd_per_mw()) > 0
    assert int(peaks.sum()) == 4
    solar = np.asarray(problem.renewable())[peaks]
    ai_charge_usd = 66.0 * 1000.0 / 4 * float(np.maximum(50.0 - solar, 0.0).sum())
    base = result.baseline_totals or {}
    per = HOURS_PER_MONTH / float(site.fleet_power_mw) / float(
        np.sum(problem.interval_hours_series))  # [USD over the prices' year -> /MW/month]
    # the gain as it was: the dispatch's over always-on less the whole always-on charge
    from hashpivot.engines.pivot.uplift.measurement import _gain_curve

    hp = problem.hashprice_usd_per_ph_day_series
    import pandas as pd

    curve, _how = _gain_curve(site, load_prices(site), result,
                              pd.Series(np.asarray(hp), index=problem.index))
    before = (curve[k1].gain_usd - float(base["fourcp_charge_usd"])) * per
    assert g1() == pytest.approx(before + ai_charge_usd * per, rel=1e-9)
    assert ai_charge_usd * per > 300.0  # (USD/MW-month: the bias was not small)
    # no tariff: no charge to share, the AI load's or the miners'
    assert g1(four_cp=None) > g1()


def test_machines_the_ai_load_leaves_no_room_for_are_said() -> None:
    """120 MW of AI load leaves 180 MW of the 300: the 243.6 MW of machines mine at most
    180 MW in every strategy (the cap was silent)."""
    (site,) = resolve_sites(_portfolio(dispatch={"ai_load_mw": 120.0}))
    assert site.capacity_mw == pytest.approx(180.0)
    assert site.dispatch_uplift_note.endswith(
        "share the 180 MW it leaves of the capacity, so at most 180 MW of its 243.6 MW of "
        "machines mine in a month")
