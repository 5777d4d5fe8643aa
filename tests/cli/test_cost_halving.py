"""``cost --date`` on halving days uses the day's blended subsidy, as ``backtest`` does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from hashpivot.cli import economics
from hashpivot.engines.economics.backtest import run_backtest
from hashpivot.models import load_portfolio
from tests.cli.cli_inputs import raw_history_row

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "reverse-margin.toml"

app = typer.Typer()
economics.register(app)
runner = CliRunner()


def _hand_hashprice(row: dict[str, str]) -> float:
    """USD per PH/s per day = price * reward per block * blocks a PH/s finds in a day.

    A PH/s finds 1e15 * 86,400 / (difficulty * 2^32) blocks a day.
    """
    reward_btc = float(row["subsidy_btc_per_block"]) + float(row["fees_btc_per_block"])
    blocks_per_ph_day = 1e15 * 86_400 / (float(row["difficulty"]) * 2**32)
    return float(row["price_usd"]) * reward_btc * blocks_per_ph_day


@pytest.mark.parametrize("day", ["2016-07-09", "2020-05-11", "2024-04-19"])
def test_cost_on_halving_day_blends_the_subsidy(day: str) -> None:
    res = runner.invoke(app, ["cost", str(EXAMPLE), "--date", day, "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    row = raw_history_row(day)
    subsidy = float(row["subsidy_btc_per_block"])
    # a blend: strictly between the two eras' subsidies
    assert out["network"]["subsidy_btc"] == pytest.approx(subsidy, rel=1e-9)
    assert out["hashprice_usd_per_ph_day"] == pytest.approx(_hand_hashprice(row), rel=1e-9)
    # the same day in the backtest gives the same hashprice
    bt = run_backtest(load_portfolio(EXAMPLE), day, day)
    assert out["hashprice_usd_per_ph_day"] == pytest.approx(
        float(bt.daily["hashprice_usd_per_ph_day"].iloc[0]), rel=1e-9
    )


@pytest.mark.parametrize(
    ("day", "low", "high"),
    [("2016-07-09", 12.5, 25.0), ("2020-05-11", 6.25, 12.5), ("2024-04-19", 3.125, 6.25)],
)
def test_halving_day_subsidy_is_between_the_eras(day: str, low: float, high: float) -> None:
    res = runner.invoke(app, ["cost", str(EXAMPLE), "--date", day, "--json"])
    subsidy = json.loads(res.stdout)["network"]["subsidy_btc"]
    assert low < subsidy < high


def test_2024_halving_hashprice_is_109_not_64() -> None:
    res = runner.invoke(app, ["cost", str(EXAMPLE), "--date", "2024-04-19", "--json"])
    hp = json.loads(res.stdout)["hashprice_usd_per_ph_day"]
    assert hp == pytest.approx(109.26, abs=0.01)
