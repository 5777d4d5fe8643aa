"""The CO2 of a strategy's energy in ``pivot`` (:mod:`hashpivot.engines.pivot.emissions`):
by hand on one site, site by site on two regions, the same factor as the dispatch engine
on the same file, and no figure where a site has no factor."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from hashpivot.engines import pivot as pv
from hashpivot.engines.dispatch import run_dispatch_file
from hashpivot.exceptions import InputError
from hashpivot.io import load_emission_factors
from hashpivot.models import load_portfolio, parse_portfolio

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
ERCOT = float(load_emission_factors().set_index("region").loc["ERCOT", "tco2_per_mwh"])
NYISO = float(load_emission_factors().set_index("region").loc["NYISO", "tco2_per_mwh"])


def _co2(result: pv.PivotResult) -> dict[str, float]:
    return {s.name: s.emissions_tco2 for s in result.strategies}


def _energy(result: pv.PivotResult) -> dict[str, float]:
    return {s.name: float(s.annual["energy_mwh"].sum()) for s in result.strategies}


def test_one_site_is_its_energy_at_its_regions_factor() -> None:
    r = pv.run_pivot(load_portfolio(EXAMPLES / "pivot-200mw.toml"))
    energy = _energy(r)
    # eGRID2023 ERCT: 733.862 lb CO2/MWh, 0.45359237 kg per lb (the table keeps 5 digits)
    assert pytest.approx(733.862 * 0.45359237e-3, rel=1e-4) == ERCOT
    for name, co2 in _co2(r).items():
        assert co2 == pytest.approx(ERCOT * energy[name], rel=1e-12)
    js = r.to_json_dict()["strategies"]["convert_all"]
    assert js["emissions_tco2"] == pytest.approx(ERCOT * energy["convert_all"])
    rows = {a["name"]: a for a in r.resolved_assumptions()}
    assert rows["emissions factor"]["value"] == ERCOT
    assert rows["emissions factor"]["source"].startswith("grid average, eGRID2023 ERCT")


def test_two_regions_are_summed_site_by_site() -> None:
    text = (EXAMPLES / "pivot-200mw.toml").read_text()
    site = text[text.index("[[sites]]"):text.index("[financing]")]
    upstate = site.replace('name = "West Texas 200"', 'name = "Upstate"').replace(
        'region = "ERCOT"', 'region = "NYISO"')
    both = text.replace("[financing]", upstate + "[financing]", 1)
    r = pv.run_pivot(parse_portfolio(both, "two.toml"))
    alone = {
        region: _energy(pv.run_pivot(parse_portfolio(t, f"{region}.toml")))
        for region, t in (("ERCOT", text), ("NYISO", text.replace(site, upstate, 1)))
    }
    for name, co2 in _co2(r).items():
        if name.startswith("convert_") and name != "convert_all":
            continue  # a 'convert' of X MW picks a site: not the sum of two single runs
        assert co2 == pytest.approx(ERCOT * alone["ERCOT"][name] + NYISO * alone["NYISO"][name],
                                    rel=1e-9)


def test_pivot_and_dispatch_use_the_same_factor_on_the_same_file() -> None:
    path = EXAMPLES / "dispatch-west-texas.toml"
    s = run_dispatch_file(path, market="ercot:HB_WEST:2024").summary()
    # dispatch counts its on-site solar at zero; every other MWh at the site's factor
    grid_like = s["energy_mwh"] - s["energy_renewable_used_mwh"]
    factor = s["emissions_tco2"] / grid_like
    r = pv.run_pivot(load_portfolio(path))
    rows = {a["name"]: a for a in r.resolved_assumptions()}
    assert rows["emissions factor"]["value"] == pytest.approx(factor, rel=1e-9)
    assert rows["emissions factor"]["source"].endswith(s["emissions_source"])


def test_no_factor_no_figure_and_a_behind_the_meter_site_is_said() -> None:
    r = pv.run_pivot(load_portfolio(EXAMPLES / "portfolio.toml"))
    assert all(math.isnan(v) for v in _co2(r).values())  # 'Columbia Hydro': region BPA
    assert any("'Columbia Hydro' has no bundled grid factor for region 'BPA'" in w
               for w in r.warnings)
    assert any("'Finger Lakes Gas' is behind the meter (natural_gas)" in w for w in r.warnings)
    assert r.to_json_dict()["strategies"]["keep_mining"]["emissions_tco2"] is None


def test_a_sites_own_factor_serves_pivot_and_dispatch(tmp_path: Path) -> None:
    # the portfolio example with a factor on the two sites the bundled table cannot serve
    text = (EXAMPLES / "portfolio.toml").read_text()
    text = text.replace('behind_the_meter = true\n',
                        'behind_the_meter = true\nemissions_factor_tco2_per_mwh = 0.48\n', 1)
    text = text.replace('region = "BPA"\n', 'region = "BPA"\nemissions_factor_tco2_per_mwh = '
                        '0.02\n', 1)
    r = pv.run_pivot(parse_portfolio(text, "own.toml"), source=str(EXAMPLES / "own.toml"))
    assert all(math.isfinite(v) and v > 0 for v in _co2(r).values())
    assert not any(w.startswith("CO2:") for w in r.warnings)
    rows = {a["name"]: a for a in r.resolved_assumptions()}
    assert rows["Columbia Hydro: emissions factor"]["value"] == 0.02
    assert rows["Columbia Hydro: emissions factor"]["source"] == (
        "sites[3].emissions_factor_tco2_per_mwh")
    # the dispatch engine takes the same field when [sites.dispatch] sets no factor of its own
    west = (EXAMPLES / "dispatch-west-texas.toml").read_text().replace(
        'region = "ERCOT"\n', 'region = "ERCOT"\nemissions_factor_tco2_per_mwh = 0.2\n', 1)
    path = tmp_path / "own-factor.toml"
    path.write_text(west)
    s = run_dispatch_file(path, market="ercot:HB_WEST:2024").summary()
    assert s["emissions_source"] == "sites.emissions_factor_tco2_per_mwh"
    assert s["emissions_tco2"] == pytest.approx(
        0.2 * (s["energy_mwh"] - s["energy_renewable_used_mwh"]), rel=1e-9)


def test_one_site_of_several_is_named_by_its_place_in_the_file() -> None:
    r = pv.run_pivot(load_portfolio(EXAMPLES / "portfolio.toml"), site_name="Columbia Hydro")
    assert any("set sites[3].emissions_factor_tco2_per_mwh" in w for w in r.warnings)
    assert math.isnan(r.strategies[0].emissions_tco2)


def test_an_emissions_file_serves_pivot_as_its_time_weighted_mean(tmp_path: Path) -> None:
    """``[sites.dispatch] emissions_file`` wins in dispatch: pivot, with no hours, takes the
    mean of its factors over its time (pivot used the grid average, 6.7x the file's on a
    constant 0.05 t/MWh file). Checked by hand on a file of two levels: 0.1 for the
    first 2,000 hours, 0.4 for the rest of 2024 (8,784 hours)."""
    import numpy as np
    import pandas as pd

    idx = pd.date_range("2024-01-01", periods=8784, freq="h", tz="America/Chicago")
    values = np.where(np.arange(8784) < 2000, 0.1, 0.4)
    pd.DataFrame({"interval_start": idx.strftime("%Y-%m-%dT%H:%M:%S%z"),
                  "tco2_per_mwh": values}).to_csv(tmp_path / "mef.csv", index=False)
    text = (EXAMPLES / "dispatch-west-texas.toml").read_text().replace(
        "  [sites.dispatch]\n", '  [sites.dispatch]\n  emissions_file = "mef.csv"\n', 1)
    path = tmp_path / "site.toml"
    path.write_text(text)
    r = pv.run_pivot(load_portfolio(path), source=str(path))
    want = (0.1 * 2000 + 0.4 * 6784) / 8784
    rows = {a["name"]: a for a in r.resolved_assumptions()}
    assert rows["emissions factor"]["value"] == pytest.approx(want, rel=1e-12)
    assert rows["emissions factor"]["source"] == (
        "time-weighted mean of dispatch.emissions_file (mef.csv, 8,784 intervals)")
    energy = _energy(r)
    for name, co2 in _co2(r).items():
        assert co2 == pytest.approx(want * energy[name], rel=1e-12)
    # a file that cannot be read: the run stops at its field, as dispatch
    (tmp_path / "mef.csv").write_text("interval_start,tco2_per_mwh\n")
    with pytest.raises(InputError) as err:
        pv.run_pivot(load_portfolio(path), source=str(path))
    assert [p.path for p in err.value.problems] == ["sites[0].dispatch.emissions_file"]
