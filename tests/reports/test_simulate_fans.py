"""The power fans of each index market in simulate's outputs (``fan_quantiles.csv``).

Index sites on ERCOT LZ_WEST and NYISO WEST each pay their own market's process; before,
the outputs held LZ_WEST's power fan alone, unlabelled, as if it were every site's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.optimize.optimize_inputs import portfolio, site_toml

_FIRST, _OTHER = "power_price_usd_per_mwh", "power_price_usd_per_mwh:nyiso:WEST"


def _result(*markets: tuple[str, str, str]) -> Any:
    """A 200-path run of index sites ``(region, state, market)``, 35, 60 ... USD/MWh."""
    from hashpivot.engines.simulate import SimulationConfig, simulate

    pf = portfolio(*(site_toml(f"S{k}", region=region, state=state, price=35.0 + 25 * k,
                               kind="index", market=market)
                     for k, (region, state, market) in enumerate(markets)), years=2)
    return simulate(pf, SimulationConfig(n_paths=200, horizon_months=24, seed=3,
                                         chunk_paths=100))


@pytest.fixture(scope="module")
def two_markets() -> Any:
    return _result(("ERCOT", "TX", "ercot:LZ_WEST"), ("NYISO", "NY", "nyiso:WEST"))


def test_the_csv_has_each_market_s_fan_with_its_node(two_markets: Any,
                                                     tmp_path: Path) -> None:
    """``fan_quantiles.csv`` has a series per market, each the result's quantiles, and a
    ``node`` column naming each power fan's node (the first's too); the other series
    name none."""
    from hashpivot.reports.simulate import QUANTILE_LABELS, write_simulate

    write_simulate(two_markets, tmp_path)
    csv = pd.read_csv(tmp_path / "fan_quantiles.csv", keep_default_na=False)
    assert list(csv.columns[:2]) == ["series", "node"]
    nodes = csv.groupby("series")["node"].unique().to_dict()
    assert {k: list(v) for k, v in nodes.items() if k.startswith("power")} == {
        _FIRST: ["ercot:LZ_WEST"], _OTHER: ["nyiso:WEST"]}
    assert list(nodes["btc_price_usd"]) == [""]
    for key in (_FIRST, _OTHER):
        rows = csv[csv["series"] == key]
        np.testing.assert_allclose(rows[list(QUANTILE_LABELS)].to_numpy().T,
                                   two_markets.fan[key], rtol=1e-12)


def test_one_market_s_csv_keeps_its_columns() -> None:
    """With one market: the columns of before, no ``node``, one power series."""
    from hashpivot.reports.simulate import fan_frame

    frame = fan_frame(_result(("ERCOT", "TX", "ercot:LZ_WEST"),
                              ("ERCOT", "TX", "ercot:LZ_WEST")))
    assert list(frame.columns) == ["series", "month", "p5", "p25", "p50", "p75", "p95",
                                   "paths"]
    assert [k for k in frame["series"].unique() if k.startswith("power")] == [_FIRST]



def _fan_titles(result: Any, tmp_path: Path) -> list[str]:
    """The subtitles of the BTC price and hashprice fans (their HTML's, on one line)."""
    from hashpivot.reports.simulate import market_fan_chart

    return [str(market_fan_chart(result, key, "x", "USD", tmp_path)[1].layout.title.text)
            .replace("<br>", " ") for key in ("btc_price_usd", "hashprice_usd_per_ph_day")]


def test_the_market_fans_name_the_history_the_model_was_calibrated_on(
        tmp_path: Path) -> None:
    """The BTC price and hashprice fans of a model calibrated on the daily history name
    its source with its licence and the window, as backtest's and dispatch's charts do:
    the subtitle said "calibrated on the bundled history", without Coin Metrics' CC BY-NC
    4.0 attribution that its licence asks of outputs that use the data."""
    from hashpivot.engines.simulate import SimulationConfig, simulate
    from hashpivot.io import COINMETRICS_ATTRIBUTION
    from hashpivot.models import load_portfolio

    example = Path(__file__).resolve().parents[2] / "examples" / "pivot-200mw.toml"
    result = simulate(load_portfolio(example),
                      SimulationConfig(n_paths=100, horizon_months=12, seed=3))
    cal = result.inputs["calibration"]
    window = f"({cal['window_start']} to {cal['window_end']})"
    for title in _fan_titles(result, tmp_path):
        assert COINMETRICS_ATTRIBUTION.removeprefix("Source: ") + " " + window in title, title


def test_the_market_fans_of_a_model_the_file_sets_claim_no_calibration(
        two_markets: Any, tmp_path: Path) -> None:
    """Every spread parameter in the file (no calibration, ``inputs.calibration`` null):
    the subtitle said "model calibrated on the bundled history" all the same."""
    assert two_markets.inputs["calibration"] is None
    for title in _fan_titles(two_markets, tmp_path):
        assert "calibrated" not in title and "[scenario]" in title, title
