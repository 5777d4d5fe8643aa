"""Input sanity (issue 11, item 6): warnings for values in a doubtful unit, TOML date
literals, ISO-only dates on the command line, a folder given as a file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hashpivot.cli.app import app
from hashpivot.models import parse_portfolio
from hashpivot.models.sanity import unit_warnings
from tests.portfolio_toml import contract, site, table, toml_text

runner = CliRunner()

def _site_toml(price: float = 45.0, eff: float = 17.5, lease: float = 130.0,
               **fleet: Any) -> str:
    """Site west: power at ``price`` [USD/MWh], 100 machines of 200 TH/s at ``eff``
    [J/TH] (more ``fleet`` fields), hosting at ``lease`` [USD/kW/month]."""
    line = table(name="custom", count=100, hashrate_th_s=200, efficiency_j_per_th=eff, **fleet)
    west = site("west", contract(price), line, hosting=table(lease_usd_per_kw_month=lease))
    return toml_text(sites=[west])


def _write(tmp_path: Path, price: float = 45.0, eff: float = 17.5, lease: float = 130.0) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(_site_toml(price, eff, lease))
    return path


def test_plausible_values_give_no_warning(tmp_path: Path) -> None:
    pf = parse_portfolio(_site_toml(price=45.0, eff=17.5, lease=130.0))
    assert unit_warnings(pf, "f.toml") == []


@pytest.mark.parametrize(
    ("kwargs", "path", "words"),
    [
        ({"price": 4.2}, "sites[0].power_contract.price_usd_per_mwh", "c/kWh"),
        ({"price": 9.99}, "sites[0].power_contract.price_usd_per_mwh", "c/kWh"),
        # 0.037 USD/kWh (3.7 c/kWh) was asked "is it in c/kWh? (= 0.37 USD/MWh)"
        ({"price": 0.037}, "sites[0].power_contract.price_usd_per_mwh",
         "is it in USD/kWh? (0.037 USD/kWh = 37 USD/MWh)"),
        ({"eff": 0.0175}, "sites[0].fleet[0].efficiency_j_per_th", "5-150 J/TH"),
        ({"eff": 151.0}, "sites[0].fleet[0].efficiency_j_per_th", "5-150 J/TH"),
        ({"lease": 1500.0}, "sites[0].hosting.lease_usd_per_kw_month", "per MW"),
    ],
)
def test_doubtful_unit_warns_with_path(kwargs: dict[str, float], path: str, words: str) -> None:
    args = {"price": 45.0, "eff": 17.5, "lease": 130.0, **kwargs}
    (w,) = unit_warnings(parse_portfolio(_site_toml(**args)), "f.toml")
    assert (w.source, w.path) == ("f.toml", path)
    assert words in w.message


@pytest.mark.parametrize(("price", "eff", "lease"), [(10.0, 5.0, 1000.0), (0.0, 150.0, 999.0)])
def test_bounds_themselves_do_not_warn(price: float, eff: float, lease: float) -> None:
    # 10 USD/MWh, 5 and 150 J/TH, 1,000 USD/kW/month are plausible; a zero price is free
    # power (flared gas), not a unit slip
    assert unit_warnings(parse_portfolio(_site_toml(price, eff, lease))) == []


def test_cost_prints_warning_on_stderr_and_in_json(tmp_path: Path) -> None:
    path = _write(tmp_path, price=4.2)
    res = runner.invoke(app, ["cost", str(path), "--date", "2024-06-01"])
    assert res.exit_code == 0, res.output
    line = f"warning: {path}: sites[0].power_contract.price_usd_per_mwh: 4.2 USD/MWh"
    assert line in res.stderr
    assert "warning" not in res.stdout
    res = runner.invoke(app, ["cost", str(path), "--date", "2024-06-01", "--json"])
    assert res.exit_code == 0, res.output
    warnings = json.loads(res.stdout)["warnings"]
    assert len(warnings) == 1 and warnings[0].startswith(f"{path}: sites[0].power_contract")


def test_json_has_no_warnings_key_without_warnings(tmp_path: Path) -> None:
    res = runner.invoke(app, ["cost", str(_write(tmp_path)), "--date", "2024-06-01", "--json"])
    assert res.exit_code == 0, res.output
    assert "warnings" not in json.loads(res.stdout)


def test_toml_date_literals_in_every_date_field() -> None:
    text = """
[[sites]]
name = "a"
connection_date = 2024-06-15
power_contract = { price_usd_per_mwh = 40 }
[[sites.fleet]]
asic = "Antminer S21"
count = 10
start = 2024-06-15
end = 2025-01-31T00:00:00
[[sites.cost_items]]
name = "rent"
category = "site_opex"
usd_per_year = 1.0
start = 2024-01-01
[sites.hosting]
[[sites.hosting.phases]]
start = 2026-09-01
gross_mw = 1
[pivot]
start = 2026-07-01
convert_start = 2026-08-01
[scenario]
start = 2026-07-01
"""
    pf = parse_portfolio(text)
    s = pf.sites[0]
    assert s.connection_date == "2024-06-15"
    assert (s.fleet[0].start, s.fleet[0].end) == ("2024-06-15", "2025-01-31")
    assert s.cost_items[0].start == "2024-01-01"
    assert s.hosting is not None and s.hosting.phases[0].start == "2026-09"
    assert pf.pivot is not None and (pf.pivot.start, pf.pivot.convert_start) == (
        "2026-07",
        "2026-08",
    )
    assert pf.scenario is not None and pf.scenario.start == "2026-07"


def test_impossible_day_is_a_field_error() -> None:
    from hashpivot.exceptions import InputError

    text = _site_toml(price=45, eff=17.5, lease=130, end="2024-02-30")
    with pytest.raises(InputError) as info:
        parse_portfolio(text, "f.toml")
    (p,) = info.value.problems
    assert (p.source, p.path) == ("f.toml", "sites[0].fleet[0].end")
    assert "not a calendar date" in p.message


@pytest.mark.parametrize("bad", ["01/02/2025", "2025-1-2", "20250102", "", "2025-02-30"])
def test_cli_dates_are_iso_only(tmp_path: Path, bad: str) -> None:
    res = runner.invoke(app, ["cost", str(_write(tmp_path)), "--date", bad])
    assert res.exit_code == 2
    assert "error: <command line>: --date: expected an ISO date YYYY-MM-DD" in res.stderr
    res = runner.invoke(app, ["network", "--date", bad])
    assert res.exit_code == 2 and "--date: expected an ISO date" in res.stderr


def test_backtest_and_pivot_dates_are_iso_only(tmp_path: Path) -> None:
    site = str(_write(tmp_path))
    res = runner.invoke(app, ["backtest", site, "--start", "06/01/2024", "--end", "2024-07-01"])
    assert res.exit_code == 2 and "--start: expected an ISO date" in res.stderr
    res = runner.invoke(app, ["pivot", site, "--convert-mw", "1", "--start", "07/2026"])
    assert res.exit_code == 2 and "--start: expected an ISO month YYYY-MM" in res.stderr


def test_folder_given_as_file(tmp_path: Path) -> None:
    res = runner.invoke(app, ["cost", str(tmp_path)])
    assert res.exit_code == 2
    assert f"error: {tmp_path}: (root): is a folder, not a file" in res.stderr
    res = runner.invoke(app, ["cost", str(tmp_path / "missing.toml")])
    assert res.exit_code == 2 and "file not found" in res.stderr
