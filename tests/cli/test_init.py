"""``hashpivot init``: the template loads, and cost and pivot run on it as written and
after an edit (the README's first-hour path)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hashpivot.cli.app import app
from hashpivot.models import load_portfolio

runner = CliRunner()


def test_init_edit_cost_pivot(tmp_path: Path) -> None:
    site = tmp_path / "my-site.toml"
    res = runner.invoke(app, ["init", str(site)])
    assert res.exit_code == 0, res.output
    portfolio = load_portfolio(site)
    assert portfolio.sites[0].fleet[0].asic == "Antminer S21 XP"
    cost = runner.invoke(app, ["cost", str(site), "--date", "2025-09-26", "--json"])
    assert cost.exit_code == 0, cost.output
    before = json.loads(cost.stdout)
    pivot = runner.invoke(app, ["pivot", str(site), "--json"])
    assert pivot.exit_code == 0, pivot.output
    assert json.loads(pivot.stdout)
    # edit a value as a user would: the power price from 42 to 60 USD/MWh
    text = site.read_text()
    assert "price_usd_per_mwh = 42.0" in text
    site.write_text(text.replace("price_usd_per_mwh = 42.0", "price_usd_per_mwh = 60.0"))
    after = json.loads(
        runner.invoke(app, ["cost", str(site), "--date", "2025-09-26", "--json"]).stdout
    )
    # power cost per BTC scales with the price (same BTC mined)
    assert after["btc_per_day"] == pytest.approx(before["btc_per_day"])
    assert after["power_cost_per_btc_usd"] == pytest.approx(
        before["power_cost_per_btc_usd"] * 60 / 42, rel=1e-9
    )
    again = runner.invoke(app, ["pivot", str(site), "--json"])
    assert again.exit_code == 0, again.output
    # uncommenting convert_start before the model start is a clear error
    site.write_text(
        site.read_text().replace('# convert_start = "2026-06"', 'convert_start = "2020-01"')
    )
    bad = runner.invoke(app, ["pivot", str(site)])
    assert bad.exit_code == 2
    assert "pivot.convert_start: 2020-01 is before the model start" in bad.stderr


def test_init_refuses_to_overwrite_and_folders(tmp_path: Path) -> None:
    site = tmp_path / "s.toml"
    site.write_text("keep me")
    res = runner.invoke(app, ["init", str(site)])
    assert res.exit_code == 2 and "use --force" in res.stderr
    assert site.read_text() == "keep me"
    assert runner.invoke(app, ["init", str(site), "--force"]).exit_code == 0
    folder = runner.invoke(app, ["init", str(tmp_path)])
    assert folder.exit_code == 2 and "is a folder" in folder.stderr
