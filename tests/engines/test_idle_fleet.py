"""A portfolio whose every machine is idle (``uptime_fraction = 0``): one story in every
engine (engines/idle_fleet.py).

``cost`` and ``backtest`` refuse it: what they report is per BTC mined, and none is.
``pivot``, ``simulate`` and ``optimize`` value it (keep-mining is the sites' costs without
revenue, a conversion is valued against that) and say so in a note at the same field
paths, with the same words. Until 2026-12-07 they said nothing, and ``simulate`` printed
numpy's ``RuntimeWarning: invalid value encountered in divide`` from the fleet's
replacement decisions (a hash price of 0 divided by itself).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from hashpivot.engines import pivot as pv
from hashpivot.engines.economics import NetworkConditions, compute_unit_economics
from hashpivot.engines.simulate import SimulationConfig, simulate
from hashpivot.exceptions import InputError
from hashpivot.models import Portfolio, parse_portfolio
from hashpivot.optimize import resolve_problem
from tests.optimize.optimize_inputs import portfolio as small_portfolio
from tests.optimize.optimize_inputs import site_toml

EXAMPLE = Path(__file__).parents[2] / "examples" / "pivot-200mw.toml"
UP = "uptime_fraction = 0.95"
#: What cost refuses the file with, and what the forward engines' note says first.
IDLE = ("every machine of the portfolio is idle (uptime_fraction 0): no BTC is mined, so "
        "cost per BTC and margins are undefined")


def _example(uptime: str = "0") -> Portfolio:
    text = EXAMPLE.read_text()
    assert text.count(UP) == 1
    return parse_portfolio(text.replace(UP, f"uptime_fraction = {uptime}"), "idle.toml")


def _idle_notes(notes: list[str]) -> list[str]:
    return [n for n in notes if "uptime_fraction 0" in n]


def test_cost_refuses_an_idle_fleet_with_the_words_the_other_engines_note() -> None:
    network = NetworkConditions(btc_price_usd=95_000.0, difficulty=117e12,
                                fees_btc_per_block=0.03, subsidy_btc=3.125)
    with pytest.raises(InputError) as info:
        compute_unit_economics(_example(), network)
    [problem] = info.value.problems
    assert (problem.path, problem.message) == ("sites[0].fleet[0].uptime_fraction", IDLE)


def test_pivot_values_an_idle_fleet_and_says_why_cost_refuses_it() -> None:
    res = pv.run_pivot(_example())
    [note] = _idle_notes(res.warnings)
    assert note.startswith(f"sites[0].fleet[0].uptime_fraction: {IDLE} (cost and backtest "
                           "refuse the file)")
    keep = res.strategies[0].cash_flows
    assert not keep.btc_mined.any() and not keep.energy_mwh.any()
    # keep-mining pays the site's 10 M USD/year and nothing else: its NPV is theirs
    assert res.strategies[0].npv_usd == pytest.approx(-79.5e6, abs=0.05e6)
    assert not _idle_notes(pv.run_pivot(_example("0.95")).warnings)


def test_simulate_notes_an_idle_fleet_without_a_numpy_warning() -> None:
    config = SimulationConfig(n_paths=16, chunk_paths=16, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        res = simulate(_example(), config)
    [note] = _idle_notes(res.warnings)
    assert note.startswith(f"sites[0].fleet[0].uptime_fraction: {IDLE}")


def test_optimize_notes_an_idle_fleet() -> None:
    idle = site_toml("Alpha").replace(UP, "uptime_fraction = 0")
    assert idle != site_toml("Alpha")
    notes = resolve_problem(small_portfolio(idle, years=4)).standing_notes
    [note] = _idle_notes(notes)
    assert note.startswith(f"sites[0].fleet[0].uptime_fraction: {IDLE}")
    # a second site that mines: the portfolio mines, nothing to say (cost accepts it too)
    two = small_portfolio(idle, site_toml("Beta"), years=4)
    assert not _idle_notes(resolve_problem(two).standing_notes)


def test_a_dispatching_site_mines_at_its_availability_so_no_note() -> None:
    text = EXAMPLE.read_text().replace(UP, "uptime_fraction = 0").replace(
        "\n  [sites.hosting]\n",
        "\n  [sites.dispatch]\n  availability_fraction = 0.97\n\n  [sites.hosting]\n")
    res = pv.run_pivot(parse_portfolio(text, "idle.toml"))
    assert res.strategies[0].cash_flows.btc_mined.any()
    assert not _idle_notes(res.warnings)
