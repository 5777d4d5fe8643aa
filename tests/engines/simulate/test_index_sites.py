"""Several index-priced sites at different expected prices: the simulated power paths are
centred on the first index contract's price, and each index site scales them to its own
(:attr:`hashpivot.market.MarketPaths.power_reference_usd_per_mwh`), so ``simulate`` and
``optimize`` value each site at its own expected price on the central path, as ``pivot``
does. Before, every index site paid the first one's paths: two ERCOT LZ_WEST sites at 35
and 60 USD/MWh were worth 64.8 M USD to keep mining in ``simulate`` and ``optimize`` (both
at 35) against pivot's 46.1, and 27.4 with the sites in the other order."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from hashpivot.models.risk import ScenarioSpec
from tests.optimize.optimize_inputs import (
    engines_center_npvs_usd,
    pivot_plan_npv_usd,
    portfolio,
    site_toml,
)

_YEARS = 3


def _two_index_sites(first: float, second: float) -> Any:
    """Sites A and B (44.1 MW of miners each), index contracts on ERCOT LZ_WEST at
    ``first`` and ``second`` [USD/MWh] (B with a 4 USD/MWh adder), 3 years from
    2026-01."""
    return portfolio(
        site_toml("A", region="ERCOT", state="TX", price=first, kind="index",
                  market="ercot:LZ_WEST"),
        site_toml("B", region="ERCOT", state="TX", price=second, kind="index",
                  market="ercot:LZ_WEST", adder=4.0),
        years=_YEARS)


@pytest.mark.parametrize(("first", "second"), [(35.0, 60.0), (60.0, 35.0)])
def test_each_index_site_is_valued_at_its_own_price_in_every_engine(first: float,
                                                                     second: float) -> None:
    """Keep-mining's and a 25 MW conversion's NPV with the terminal value on the central
    path: simulate's and the optimizer's equal pivot's (1e-9, the engines' agreement
    elsewhere), whichever site comes first; the second site's price moves pivot's NPV
    (teeth: not the first one's price for both)."""
    pf = _two_index_sites(first, second)
    begin = pd.Period("2026-01", "M")
    keep = pivot_plan_npv_usd(pf, (), begin, 12 * _YEARS)
    assert abs(keep - pivot_plan_npv_usd(_two_index_sites(first, first), (), begin,
                                         12 * _YEARS)) > 1e6
    for engine, npvs in engines_center_npvs_usd(pf, 25.0, "2026-04").items():
        assert npvs["keep"] == pytest.approx(keep, rel=1e-9), engine


def _site_prices_on_paths(pf: Any) -> tuple[Any, Any, Any]:
    """Sites A's and B's power prices on 50 Monte Carlo paths, and the paths' index, as
    the engine draws them. [USD/MWh]"""
    from hashpivot.engines.pivot.fleet import site_power_price_usd_per_mwh
    from hashpivot.engines.pivot.inputs import resolve_sites
    from hashpivot.engines.simulate import SimulationConfig, prepare
    from hashpivot.scenarios import generate_chunk

    run = prepare(pf, SimulationConfig(n_paths=50, horizon_months=36, seed=4,
                                       chunk_paths=50))
    _, n, ss = run.chunks[0]
    paths = generate_chunk(run.task.params, ss, n)
    a, b = resolve_sites(pf)
    assert paths.power_price_usd_per_mwh is not None
    return (site_power_price_usd_per_mwh(a, paths), site_power_price_usd_per_mwh(b, paths),
            paths.power_price_usd_per_mwh)


def test_on_every_path_each_site_scales_the_index_to_its_own_price() -> None:
    """On 50 paths, site A (35 USD/MWh, the first index contract: the paths' centre) pays
    the index as drawn (bitwise) and site B (60 USD/MWh + 4) ``index x 60 / 35 + 4``
    (1e-12): the same shape, each at its own level."""
    a, b, index = _site_prices_on_paths(_two_index_sites(35.0, 60.0))
    np.testing.assert_array_equal(a, index)
    np.testing.assert_allclose(b, index * (60.0 / 35.0) + 4.0, rtol=1e-12)
    assert index.std() > 0.0  # (teeth: the paths move)


def test_a_scenario_power_mean_is_every_index_site_s() -> None:
    """With ``[scenario] power_mean_usd_per_mwh = 50`` the paths are centred there for
    every index site (as documented: the long-run mean index price): A pays the index, B
    the index + 4, neither scaled by its contract's price (bitwise)."""
    pf = _two_index_sites(35.0, 60.0)
    pf = pf.model_copy(update={"scenario": pf.scenario.model_copy(
        update={"power_mean_usd_per_mwh": 50.0})})
    a, b, index = _site_prices_on_paths(pf)
    assert 45.0 < float(np.mean(index)) < 55.0  # (its mean 50, not A's 35)
    np.testing.assert_array_equal(a, index)
    np.testing.assert_array_equal(b, index + 4.0)


def _contract_sources(pf: Any) -> dict[str, dict[str, str]]:
    """The ``[sites.power_contract]`` rows' sources of simulate's and optimize's resolved
    assumptions, by engine and row name."""
    from hashpivot.engines.pivot.inputs import resolve_sites
    from hashpivot.engines.pivot.site_rows import site_assumption_rows
    from hashpivot.engines.simulate import SimulationConfig, prepare
    from hashpivot.models.pivot import PivotSpec
    from hashpivot.optimize.assumptions import plan_assumption_facts

    run = prepare(pf, SimulationConfig(n_paths=4, horizon_months=36, chunk_paths=4))
    facts = plan_assumption_facts(pf, pf.pivot or PivotSpec(), resolve_sites(pf), None, False)
    out: dict[str, dict[str, str]] = {}
    for engine, site_facts in (("simulate", run.inputs["site_assumptions"]),
                               ("optimize", facts["site_assumptions"])):
        out[engine] = {r["name"]: r["source"] for r in site_assumption_rows(site_facts)
                       if r["name"].endswith("[sites.power_contract]")}
    return out


def test_the_contract_rows_say_what_the_paths_are_to_each_site() -> None:
    """simulate's and optimize's ``[sites.power_contract]`` rows: A's says the paths are
    centred on its price, B's that they are scaled by 60 / 35; with ``[scenario]
    power_mean_usd_per_mwh = 50`` both say that mean replaces their price; with both
    sites at one price neither row says more than ``file`` (nothing to tell)."""
    for sources in _contract_sources(_two_index_sites(35.0, 60.0)).values():
        assert "index paths are centred on this expected price" in (
            sources["A: [sites.power_contract]"])
        assert "scaled by 60 / 35" in sources["B: [sites.power_contract]"]
    pf = _two_index_sites(35.0, 60.0)
    pf = pf.model_copy(update={"scenario": pf.scenario.model_copy(
        update={"power_mean_usd_per_mwh": 50.0})})
    for sources in _contract_sources(pf).values():
        assert sorted(sources) == ["A: [sites.power_contract]", "B: [sites.power_contract]"]
        for source in sources.values():
            assert "not this expected price but [scenario] power_mean_usd_per_mwh = 50" in (
                source)
    for sources in _contract_sources(_two_index_sites(35.0, 35.0)).values():
        assert set(sources.values()) == {"file"}


def test_a_first_index_price_of_zero_leaves_the_paths_unscaled() -> None:
    """A first index site at 0 USD/MWh centres the paths on 0, which no other price can
    scale (``c / 0``: a ZeroDivisionError): every index site then takes the paths as
    drawn, as before the scaling (bitwise), and the run goes on."""
    a, b, index = _site_prices_on_paths(_two_index_sites(0.0, 60.0))
    np.testing.assert_array_equal(a, index)
    np.testing.assert_array_equal(b, index + 4.0)
    for sources in _contract_sources(_two_index_sites(0.0, 60.0)).values():
        assert "centred on A's 0 USD/MWh as drawn, not this expected price" in (
            sources["B: [sites.power_contract]"])


def test_index_sites_on_different_markets_are_told_of_their_own_paths() -> None:
    """Site A on ERCOT LZ_WEST and site B on NYISO WEST, both index-priced: B's market
    has paths of its own, fitted on its own prices, and the row says how they move with
    A's (1, not fitted: the bundled ERCOT and NYISO years do not overlap; or the file's
    ``power_market_correlation``); B, the first on its market, is centred on its own
    price (no scaling at 35 and 60). With ``[scenario] power_calibrate_on`` the file
    chose one market: one shape for both, correlation 1, as the rows said before each
    market had its own process (until 2026-12-07 for every run)."""
    def two_markets(second: float, **scenario: Any) -> Any:
        pf = portfolio(
            site_toml("A", region="ERCOT", state="TX", price=35.0, kind="index",
                      market="ercot:LZ_WEST"),
            site_toml("B", region="NYISO", state="NY", price=second, kind="index",
                      market="nyiso:WEST"),
            years=_YEARS)
        return pf.model_copy(update={"scenario": ScenarioSpec.model_validate(
            {**pf.scenario.model_dump(exclude_unset=True), **scenario})})

    for second in (35.0, 60.0):
        for sources in _contract_sources(two_markets(second)).values():
            assert sources["A: [sites.power_contract]"] == "file"
            b = sources["B: [sites.power_contract]"]
            assert ("this market (nyiso:WEST) has index paths of its own (fitted on "
                    "nyiso:WEST:2019), correlated with A's (ercot:LZ_WEST) at 1.00 (not "
                    "fitted: no overlapping bundled months; 1, as one shape)") in b
            assert "scaled by" not in b
    for sources in _contract_sources(two_markets(60.0, power_market_correlation=0.3)
                                     ).values():
        assert "at 0.30 (file)" in (
            sources["B: [sites.power_contract]"])
    for sources in _contract_sources(two_markets(
            60.0, power_calibrate_on="ercot:LZ_WEST:2023")).values():
        assert "shape (fitted on ercot:LZ_WEST:2023) is every index site's, on every " \
            "market: their prices move together (correlation 1)" in (
                sources["A: [sites.power_contract]"])
        b = sources["B: [sites.power_contract]"]
        assert "this market (nyiso:WEST) moves with A's (ercot:LZ_WEST)" in b
        assert "scaled by 60 / 35" in b and "correlation 1" in b


def _mean_rows(pf: Any) -> dict[str, dict[str, Any]]:
    """The ``[scenario] power_mean_usd_per_mwh`` rows of simulate and of optimize (both
    from :func:`~hashpivot.engines.simulate.power_rows.power_rows`, on the facts each
    engine records), by engine."""
    from hashpivot.engines.simulate import SimulationConfig, prepare
    from hashpivot.engines.simulate.power_rows import power_rows
    from hashpivot.optimize.resolve import resolve_problem
    from hashpivot.optimize.run import scenario_params

    run = prepare(pf, SimulationConfig(n_paths=4, horizon_months=36, chunk_paths=4))
    _, info = scenario_params(resolve_problem(pf), 0)
    return {engine: next(r for r in power_rows(power)
                         if r["name"].startswith("[scenario] power_mean_usd_per_mwh"))
            for engine, power in (("simulate", run.inputs["power_model"]),
                                  ("optimize", info["power_model"]))}


def test_the_power_mean_row_says_what_each_site_pays() -> None:
    """The mean row's 35 is the index the paths are centred on, A's price before any
    adder; B pays its own 60 plus a 4 USD/MWh adder, 64 on average. The row said only
    "the first index site's contract price_usd_per_mwh": read as the power price, it is
    29 USD/MWh under B's. With ``[scenario] power_mean_usd_per_mwh = 50`` every site pays
    50 plus its adder (B 54, not 50 nor 64). simulate and optimize print the same row."""
    rows = _mean_rows(_two_index_sites(35.0, 60.0))
    for row in rows.values():
        assert row["value"] == 35.0
        assert row["source"] == (
            "A's contract price_usd_per_mwh (each other index site's paths scaled to its "
            "own): the index before any adder; on average A pays 35, B 60 + 4 adder = 64 "
            "USD/MWh")
    assert rows["simulate"] == rows["optimize"]
    pf = _two_index_sites(35.0, 60.0)
    pf = pf.model_copy(update={"scenario": pf.scenario.model_copy(
        update={"power_mean_usd_per_mwh": 50.0})})
    rows = _mean_rows(pf)
    for row in rows.values():
        assert row["value"] == 50.0
        assert row["source"] == ("file: the index before any adder, every index site's; "
                                 "on average A pays 50, B 50 + 4 adder = 54 USD/MWh")
    # a first price of 0 scales nothing: B pays the paths as drawn, 0, plus its adder
    rows = _mean_rows(_two_index_sites(0.0, 60.0))
    assert rows["simulate"]["source"] == (
        "A's contract price_usd_per_mwh (every other index site's paths as drawn: a "
        "centre of 0 or below scales nothing): the index before any adder; on average A "
        "pays 0, B 0 + 4 adder = 4 USD/MWh")
