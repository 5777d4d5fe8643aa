"""One power process per market node of the index sites (``simulate`` and ``optimize``).

Before, every index site paid one path shape, fitted on the first index site's market: a
site on ERCOT HB_WEST (a spike in 42 % of months, stationary log sd 0.21) or NYISO WEST
(17 %, 0.14) beside a first one on ERCOT LZ_WEST (75 %, 0.27) moved with LZ_WEST's
volatility and spikes, perfectly correlated. Each node now has its own process, fitted on
its own bundled prices and centred on its first index site's price; its innovations are
correlated with the first market's at ``rho`` (fitted on overlapping bundled months, else
``[scenario] power_market_correlation``, else 1), and markets of one ISO share the spike
uniforms. The paths of a run with one market are bitwise those of before.
"""

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
_SITES = {  # name -> (region, state, market)
    "lz_west": ("ERCOT", "TX", "ercot:LZ_WEST"),
    "lz_north": ("ERCOT", "TX", "ercot:LZ_NORTH"),
    "hb_west": ("ERCOT", "TX", "ercot:HB_WEST"),
    "ny_west": ("NYISO", "NY", "nyiso:WEST"),
}


def _sites(*sites: tuple[str, str, float], **scenario: Any) -> Any:
    """A portfolio of index sites ``(name, _SITES key, price [USD/MWh])`` over 3 years,
    ``scenario`` more ``[scenario]`` fields (as given in a file)."""
    pf = portfolio(*(site_toml(name, region=_SITES[key][0], state=_SITES[key][1],
                               price=price, kind="index", market=_SITES[key][2])
                     for name, key, price in sites), years=_YEARS)
    if scenario:
        assert pf.scenario is not None
        pf = pf.model_copy(update={"scenario": ScenarioSpec.model_validate(
            {**pf.scenario.model_dump(exclude_unset=True), **scenario})})
    return pf


def _prices(pf: Any, n_paths: int, seed: int = 11) -> tuple[dict[str, Any], Any]:
    """Each site's power price on the first chunk of ``n_paths`` paths as the engine
    draws them, by site name [USD/MWh], and the run's scenario parameters."""
    from hashpivot.engines.pivot.fleet import site_power_price_usd_per_mwh
    from hashpivot.engines.pivot.inputs import resolve_sites
    from hashpivot.engines.simulate import SimulationConfig, prepare
    from hashpivot.scenarios import generate_chunk

    run = prepare(pf, SimulationConfig(n_paths=n_paths, horizon_months=12 * _YEARS,
                                       seed=seed, chunk_paths=n_paths))
    _, n, ss = run.chunks[0]
    paths = generate_chunk(run.task.params, ss, n)
    return ({s.name: site_power_price_usd_per_mwh(s, paths) for s in resolve_sites(pf)},
            run.task.params)


@pytest.mark.parametrize(("pf", "expected"), [
    (_sites(("A", "lz_west", 35.0), ("B", "lz_west", 60.0)),
     {"A": (17.30435102275649, 26.298651980680656, 9620.519328187544),
      "B": (29.664601753296836, 45.08340339545255, 16492.318848321505)}),
    (_sites(("A", "lz_west", 35.0), ("B", "ny_west", 60.0),
            power_calibrate_on="ercot:HB_WEST:2024"),
     {"A": (19.837428020066948, 32.67207748578145, 9944.473240757348),
      "B": (34.00701946297191, 56.00927568991106, 17047.66841272688)}),
], ids=["one market", "power_calibrate_on"])
def test_one_market_draws_as_before(pf: Any, expected: dict[str, Any]) -> None:
    """Two sites on one market, and two on two markets with ``[scenario]
    power_calibrate_on`` (the user's one market: one shape, as before): the prices of
    paths 0 and 7 in months 5 and 30 and the sum over 8 paths x 36 months (seed 11) are
    those recorded from main at d6f9360, before the markets had processes of their own,
    to 1e-12 relative: the same draws in the same order (another draw or another order
    moves them by far more), not the same last bit, which numpy's SIMD ``exp`` and
    ``log`` do not promise across CPUs (one machine gave ...649, another ...6492)."""
    prices, params = _prices(pf, 8)
    assert params.power_markets == ()
    for name, (first, last, total) in expected.items():
        p = prices[name]
        assert [float(p[0, 5]), float(p[7, 30]), float(p.sum())] == pytest.approx(
            [first, last, total], rel=1e-12, abs=0.0)


def _stationary_sd(params: Any, node: str) -> float:
    """The stationary sd of the log deviation of the process of ``node``: ``sigma /
    sqrt(2 kappa)`` from its monthly ``phi`` and innovation sd (January's). [-]"""
    market = next((m for m in params.power_markets if m.node == node), None)
    phi, sd = ((params.power_phi, params.power_innovation_sd) if market is None
               else (market.phi, market.innovation_sd))
    return float(sd[0] / np.sqrt(1.0 - phi[0] ** 2))


@pytest.mark.parametrize("second", ["hb_west", "ny_west"])
def test_each_site_has_its_own_market_s_volatility(second: str) -> None:
    """Sites A (ERCOT LZ_WEST, stationary log sd 0.266) and B (HB_WEST 0.213, or NYISO
    WEST 0.142), spikes off (``[scenario] power_spike_probability_per_month = 0``, which
    applies to every market): across 4,000 paths, the sd of ``log(P / c)`` of each site
    (``U - v / 2``) pooled over months 12-35 is its own market's stationary sd within
    4 %. (The sd of 4,000 draws has a relative standard error of 1/sqrt(2 x 4,000) =
    1.1 % per month; monthly ``phi`` is 0.13-0.14, so 24 months average it down; the
    markets differ by 25 % and more.) Before, B had A's 0.266."""
    pf = _sites(("A", "lz_west", 35.0), ("B", second, 60.0),
                power_spike_probability_per_month=0.0)
    prices, params = _prices(pf, 4000)
    nodes = {"A": _SITES["lz_west"][2], "B": _SITES[second][2]}
    sds = {}
    for name, price in (("A", 35.0), ("B", 60.0)):
        dev = np.log(prices[name][:, 12:] / price)
        sds[name] = float(np.sqrt(np.mean(dev.var(axis=0))))
        assert sds[name] == pytest.approx(_stationary_sd(params, nodes[name]), rel=0.04)
    assert sds["B"] < 0.85 * sds["A"]


@pytest.mark.parametrize(("second", "p_second", "same_iso"), [
    ("hb_west", 5 / 12, True), ("ny_west", 2 / 12, False)])
def test_each_site_has_its_own_market_s_spikes(second: str, p_second: float,
                                               same_iso: bool) -> None:
    """Volatility off (``[scenario] power_volatility_per_year = 0``): a site's price is
    ``c / E[exp J]`` in a month without a spike (the least of the month over the paths)
    and above it in a spike month. Over 4,000 paths x 36 months (144,000
    draws, a binomial standard error of 0.0013 at most) A spikes in its LZ_WEST share of
    months, 9 / 12, and B in its own (HB_WEST 5 / 12, NYISO WEST 2 / 12), each within
    0.01. HB_WEST shares LZ_WEST's spike uniforms (one ISO: scarcity is system-wide), so
    every B spike month is an A spike month; NYISO draws its own: B spikes in A's spike
    months at B's rate (independence, within 0.01)."""
    pf = _sites(("A", "lz_west", 35.0), ("B", second, 60.0), power_volatility_per_year=0.0)
    prices, _ = _prices(pf, 4000)
    a, b = (prices[name] > prices[name].min(axis=0) * (1 + 1e-9) for name in ("A", "B"))
    assert a.mean() == pytest.approx(9 / 12, abs=0.01)
    assert b.mean() == pytest.approx(p_second, abs=0.01)
    if same_iso:
        assert not (b & ~a).any()
    else:
        assert b[a].mean() == pytest.approx(p_second, abs=0.01)
        assert (b & ~a).any()


def _innovations(price: Any, centre: float, phi: Any, sd: Any) -> Any:
    """The standardized innovations ``(U_t - phi_t U_{t-1}) / sd_t`` of a site's paths
    without spikes, ``U = log(P / c) + v / 2``, months 1.. (``v_t`` the variance of
    ``U_t``, from ``phi`` and ``sd`` as the generator builds it). [-]"""
    var = np.empty(phi.size)
    prev = 0.0
    for t in range(phi.size):
        var[t] = phi[t] ** 2 * prev + sd[t] ** 2
        prev = var[t]
    u = np.log(price / centre) + 0.5 * var[None, :]
    return (u[:, 1:] - phi[None, 1:] * u[:, :-1]) / sd[None, 1:]


@pytest.mark.parametrize(("second", "scenario", "rho"), [
    ("lz_north", {}, 0.8126546049280382),
    ("ny_west", {"power_market_correlation": 0.3}, 0.3),
    ("ny_west", {}, 1.0),
], ids=["fitted", "file", "not fitted"])
def test_the_markets_innovations_have_the_correlation(second: str, scenario: dict[str, Any],
                                                      rho: float) -> None:
    """Spikes off, 2,000 paths x 35 months: the sample correlation of A's (LZ_WEST) and
    B's standardized innovations is ``rho`` within 0.02 (70,000 pairs: a standard error
    of (1 - rho^2) / sqrt(70,000) < 0.004): 0.813 fitted on the 12 overlapping bundled
    months of LZ_WEST and LZ_NORTH 2023, 0.3 from ``[scenario]
    power_market_correlation`` (ERCOT 2023 and NYISO 2019 do not overlap), else 1."""
    pf = _sites(("A", "lz_west", 35.0), ("B", second, 60.0),
                power_spike_probability_per_month=0.0, **scenario)
    prices, params = _prices(pf, 2000)
    (market,) = params.power_markets
    assert market.correlation == pytest.approx(rho, abs=1e-12)
    za = _innovations(prices["A"], 35.0, params.power_phi, params.power_innovation_sd)
    zb = _innovations(prices["B"], 60.0, market.phi, market.innovation_sd)
    assert za.std() == pytest.approx(1.0, abs=0.02)  # (teeth: the innovations recovered)
    assert float(np.corrcoef(za.ravel(), zb.ravel())[0, 1]) == pytest.approx(rho, abs=0.02)


def test_engines_agree_on_the_central_path_on_two_markets() -> None:
    """A on ERCOT LZ_WEST at 35, B and C on NYISO WEST at 60 and 45 USD/MWh (C's paths
    NYISO's, centred on B's 60, scaled by 45 / 60): keep-mining's NPV with the terminal
    value on the central path is pivot's in simulate and the optimizer (1e-9), each site
    at its own price."""
    pf = _sites(("A", "lz_west", 35.0), ("B", "ny_west", 60.0), ("C", "ny_west", 45.0))
    begin = pd.Period("2026-01", "M")
    keep = pivot_plan_npv_usd(pf, (), begin, 12 * _YEARS)
    for engine, npvs in engines_center_npvs_usd(pf, 25.0, "2026-04").items():
        assert npvs["keep"] == pytest.approx(keep, rel=1e-9), engine


def _power_rows(pf: Any) -> dict[str, dict[str, Any]]:
    """simulate's power-model rows by name."""
    from hashpivot.engines.simulate import SimulationConfig, prepare
    from hashpivot.engines.simulate.power_rows import power_rows

    run = prepare(pf, SimulationConfig(n_paths=4, horizon_months=36, chunk_paths=4))
    return {r["name"]: r for r in power_rows(run.inputs["power_model"])}


def test_the_rows_show_each_market_and_the_correlation_s_source() -> None:
    """The power rows name each market's parameters (LZ_WEST's volatility 1.86, NYISO
    WEST's 1.08, each calibrated on its own prices) and the correlation with its source:
    fitted on 12 months for LZ_NORTH, the file's 0.3, or 1, not fitted; with
    ``[scenario] power_calibrate_on`` the rows of one model, as before."""
    rows = _power_rows(_sites(("A", "lz_west", 35.0), ("B", "ny_west", 60.0)))
    vol = "[scenario] power_volatility_per_year"
    assert rows[f"{vol} (ercot:LZ_WEST)"]["value"] == pytest.approx(1.856, abs=1e-3)
    assert rows[f"{vol} (nyiso:WEST)"]["value"] == pytest.approx(1.077, abs=1e-3)
    assert "nyiso:WEST:2019" in rows[f"{vol} (nyiso:WEST)"]["source"]
    assert rows["[scenario] power_mean_usd_per_mwh (nyiso:WEST)"]["value"] == 60.0
    corr = "[scenario] power_market_correlation (nyiso:WEST with ercot:LZ_WEST)"
    assert rows[corr]["value"] == 1.0
    assert rows[corr]["source"] == "not fitted: no overlapping bundled months; 1, as one shape"
    rows = _power_rows(_sites(("A", "lz_west", 35.0), ("B", "ny_west", 60.0),
                              power_market_correlation=0.3))
    assert (rows[corr]["value"], rows[corr]["source"]) == (0.3, "file")
    rows = _power_rows(_sites(("A", "lz_west", 35.0), ("B", "lz_north", 60.0)))
    corr = "[scenario] power_market_correlation (ercot:LZ_NORTH with ercot:LZ_WEST)"
    assert rows[corr]["value"] == pytest.approx(0.8127, abs=1e-4)
    assert rows[corr]["source"] == ("fitted on 12 overlapping bundled months of "
                                    "ercot:LZ_WEST:2023 and ercot:LZ_NORTH:2023")
    # the file's value replaces a fitted one too, as every [scenario] value its calibration
    rows = _power_rows(_sites(("A", "lz_west", 35.0), ("B", "lz_north", 60.0),
                              power_market_correlation=0.3))
    assert (rows[corr]["value"], rows[corr]["source"]) == (0.3, "file")
    rows = _power_rows(_sites(("A", "lz_west", 35.0), ("B", "ny_west", 60.0),
                              power_calibrate_on="ercot:HB_WEST:2024"))
    assert vol in rows and not any("correlation" in name for name in rows)


def test_the_model_line_gives_each_market_in_brief() -> None:
    """The run's one-line model summary names each market's power model and each other
    market's correlation (before: the first market's alone, as if every site's)."""
    from hashpivot.engines.simulate import SimulationConfig, prepare
    from hashpivot.reports.tables.simulate import model_line

    pf = _sites(("A", "lz_west", 35.0), ("B", "lz_north", 50.0), ("C", "ny_west", 40.0))
    run = prepare(pf, SimulationConfig(n_paths=4, horizon_months=36, chunk_paths=4))
    line = model_line(run.inputs, {"chunks": 0.1}) or ""
    assert "(ercot:LZ_WEST: mean reversion 24.3/yr, vol 1.86/sqrt(yr)" in line
    assert "; ercot:LZ_NORTH: mean reversion 7.9/yr, vol 1.07/sqrt(yr)" in line
    assert "+0.57 log, corr 0.81; nyiso:WEST: " in line and "log, corr 1.00)" in line


def _fan_run(pf: Any) -> tuple[Any, list[Any]]:
    """A prepared run of ``pf`` in 4 chunks (the last short) of which the fans keep the
    first 30 paths each, and its chunk results."""
    from hashpivot.engines.simulate import SimulationConfig, prepare, run_chunk

    run = prepare(pf, SimulationConfig(n_paths=350, horizon_months=12 * _YEARS, seed=5,
                                       chunk_paths=100, fan_paths_per_chunk=30))
    return run, [run_chunk(run.task, *c) for c in run.chunks]


def test_each_market_has_its_own_fan() -> None:
    """A on ERCOT LZ_WEST at 35, B on NYISO WEST at 60 USD/MWh: the result has a fan of
    each market, ``power_price_usd_per_mwh`` (LZ_WEST, the first index site's, as before)
    and ``power_price_usd_per_mwh:nyiso:WEST``, each the quantiles of its own market's
    paths on the fan paths (the first 30 of each chunk, drawn again here), to the bit,
    and the same whatever order the chunks are combined in. Before, the result held
    LZ_WEST's fan alone, as if it were B's too."""
    from hashpivot.engines.simulate import ChunkCombiner, combine_chunks
    from hashpivot.engines.simulate.stats import _quantiles
    from hashpivot.scenarios import generate_chunk
    from tests.engines.simulate_inputs import assert_same_result

    run, results = _fan_run(_sites(("A", "lz_west", 35.0), ("B", "ny_west", 60.0)))
    task = run.task
    res = combine_chunks(results, task.strategy_names, task.policies, run.center.periods,
                         task.fan_paths)
    first, other = [], []
    for _, n, ss in run.chunks:
        paths = generate_chunk(task.params, ss, n)
        first.append(paths.power_price_usd_per_mwh[:30])
        other.append(paths.power_by_market["nyiso:WEST"][:30])
    np.testing.assert_array_equal(res.fan["power_price_usd_per_mwh"],
                                  _quantiles(np.concatenate(first)))
    np.testing.assert_array_equal(res.fan["power_price_usd_per_mwh:nyiso:WEST"],
                                  _quantiles(np.concatenate(other)))
    assert not np.array_equal(res.fan["power_price_usd_per_mwh"],
                              res.fan["power_price_usd_per_mwh:nyiso:WEST"])
    comb = ChunkCombiner(task.strategy_names, task.policies, run.center.periods,
                         [r.n for r in results], task.fan_paths, task.keeps_terminal_value)
    for k in (2, 0, 3, 1):
        comb.add(results[k])
    assert_same_result(res, comb.result())


def test_one_market_has_one_power_fan() -> None:
    """Two sites on LZ_WEST, or on two markets with ``[scenario] power_calibrate_on``
    (one process): one power fan, under its key of before, and no other."""
    from hashpivot.engines.simulate import combine_chunks

    for pf in (_sites(("A", "lz_west", 35.0), ("B", "lz_west", 60.0)),
               _sites(("A", "lz_west", 35.0), ("B", "ny_west", 60.0),
                      power_calibrate_on="ercot:HB_WEST:2024")):
        run, results = _fan_run(pf)
        task = run.task
        res = combine_chunks(results, task.strategy_names, task.policies,
                             run.center.periods, task.fan_paths)
        assert [k for k in res.fan if k.startswith("power")] == ["power_price_usd_per_mwh"]


def test_the_memory_estimate_counts_each_market_s_fan() -> None:
    """A on LZ_WEST, B on NYISO WEST, C on HB_WEST: 5 market fans (BTC price, hashprice
    and the three power fans) of 4 x 30 paths and 36 months, with the strategies' cash
    fans (before: 3 market fans, one power fan)."""
    from hashpivot.engines.simulate import SimulationConfig, prepare
    from hashpivot.engines.simulate.memory import estimate_for_run

    pf = _sites(("A", "lz_west", 35.0), ("B", "ny_west", 60.0), ("C", "hb_west", 50.0))
    run = prepare(pf, SimulationConfig(n_paths=350, horizon_months=12 * _YEARS, seed=5,
                                       chunk_paths=100, fan_paths_per_chunk=30))
    S = len(run.task.strategy_names)
    assert estimate_for_run(run).fan_bytes == 8 * 4 * 30 * 36 * (5 + S)


def test_the_inputs_name_each_market_s_fan() -> None:
    """A run's ``inputs.fan_power_nodes`` (in ``--json``) gives each power fan's node by
    its fan key where there are several markets, every one a key of the fan; with one
    market the inputs have no such key."""
    from hashpivot.engines.simulate import SimulationConfig, simulate

    cfg = SimulationConfig(n_paths=20, horizon_months=12, seed=1, chunk_paths=10)
    res = simulate(_sites(("A", "lz_west", 35.0), ("B", "ny_west", 60.0)), cfg)
    assert res.inputs["fan_power_nodes"] == {
        "power_price_usd_per_mwh": "ercot:LZ_WEST",
        "power_price_usd_per_mwh:nyiso:WEST": "nyiso:WEST"}
    assert set(res.inputs["fan_power_nodes"]) <= set(res.fan)
    assert "fan_power_nodes" not in simulate(_sites(("A", "lz_west", 35.0)), cfg).inputs
