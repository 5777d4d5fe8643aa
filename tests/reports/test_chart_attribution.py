"""Every chart of every ``--out`` folder names the data its numbers come from with the
attribution and licence its source asks for: Coin Metrics Community Network Data is CC
BY-NC 4.0 and its attribution must go wherever the data is used
(``hashpivot/data/PROVENANCE.md``). Pivot's charts (cumulative cash flow, tornado,
dispatch uplift), simulate's NPV histogram, cash fan, forced sales and reverse margin and
optimize's two charts named "bundled Coin Metrics data" at most, without the licence, or
nothing.

Each command runs in-process with ``--out``; the PNG charts are read at the figure level
(their suptitle and axes titles, set in code, not read back from the pixels) and the HTML
charts as the files written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
import pytest
from typer.testing import CliRunner

from hashpivot.cli.app import app
from hashpivot.io import COINMETRICS_ATTRIBUTION
from hashpivot.reports import backtest, charts, dispatch, optimize, pivot, simulate

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[2]
EX = ROOT / "examples"
PRICES = ROOT / "tests" / "data" / "power" / "prices_hb_west_2024-08-19_21.csv"
#: What every chart on the bundled BTC history must say: the source and its licence.
COIN_METRICS = COINMETRICS_ATTRIBUTION.removeprefix("Source: ")
#: The bundled prices the four-site example's Texas grid site dispatches on (its uplift)
#: and the index power paths are fitted on, as their loader names them.
HB_WEST = "ERCOT HB_WEST 2024, 15-min time-weighted SCED LMP"


@pytest.fixture
def pngs(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The matplotlib figure of every PNG written, by file name (a closed figure keeps
    its texts)."""
    kept: dict[str, Any] = {}
    real = charts.save_png

    def png(fig: Any, path: Path, dpi: int = 110) -> Path:
        kept[path.name] = fig
        return real(fig, path, dpi)

    monkeypatch.setattr(charts, "save_png", png)
    for module in (backtest, dispatch, optimize, pivot, simulate):
        monkeypatch.setattr(module, "save_png", png)
    return kept


def _titles(fig: Any) -> str:
    """A figure's suptitle and its axes' titles, as set in code, on one line."""
    texts = [fig.get_suptitle()] + [ax.get_title(loc) for ax in fig.axes
                                    for loc in ("left", "center", "right")]
    return " ".join(" ".join(texts).split())


def _html_text(path: Path) -> str:
    """An HTML chart's text on one line (a plotly title wraps nowhere, but be safe)."""
    return " ".join(path.read_text(encoding="utf-8").split())


def _check(out: Path, pngs: dict[str, Any], needed: tuple[str, ...] = (COIN_METRICS,)
           ) -> list[str]:
    """The charts of ``out`` that do not name every one of ``needed`` (an HTML page of
    several figures: in each), and ``run.json`` if its ``sources`` do not; asserts that
    the folder has charts of both kinds."""
    import json

    # the run's record names them as well (run.json: read by people, not only reproduce)
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    missing = [f"run.json: {n}" for n in needed if n not in record.get("sources", "")]
    htmls = sorted(out.glob("*.html"))
    written = sorted(p.name for p in out.glob("*.png"))
    assert htmls and written and sorted(pngs) == written, (written, sorted(pngs))
    # a page of several figures (simulate.html, optimize.html) names them in each one
    missing += [f"{p.name}: {n}" for p in htmls for n in needed
                if _html_text(p).count(n) < _html_text(p).count("Plotly.newPlot(")]
    missing += [f"{name}: {n}" for name, fig in pngs.items() for n in needed
                if n not in _titles(fig)]
    return missing


def _run(args: list[str]) -> None:
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output


def test_pivot_charts_name_coin_metrics_with_its_licence(pngs: dict[str, Any],
                                                          tmp_path: Path) -> None:
    """Cumulative cash flow, the tornadoes and a dispatching site's uplift (the
    four-site example has one): the uplift, in every cash flow, was measured on the
    bundled ERCOT prices, which they name too."""
    _run(["pivot", str(EX / "portfolio.toml"), "--out", str(tmp_path)])
    assert {"tornado.png", "dispatch_uplift.png", "cumulative_cash_flow.png"} <= set(pngs)
    assert _check(tmp_path, pngs, (COIN_METRICS, HB_WEST)) == []


def test_simulate_charts_name_coin_metrics_with_its_licence(pngs: dict[str, Any],
                                                             tmp_path: Path) -> None:
    _run(["simulate", str(EX / "pivot-200mw.toml"), "--paths", "200", "--years", "3",
          "--seed", "7", "--out", str(tmp_path)])
    assert {"npv_histogram.png", "forced_sales_by_policy.png", "reverse_margin.png",
            "fan_cash_usd.png"} <= set(pngs)
    assert _check(tmp_path, pngs) == []


def test_optimize_charts_name_coin_metrics_with_its_licence(pngs: dict[str, Any],
                                                             tmp_path: Path) -> None:
    """Its scenarios' power paths are fitted on the bundled ERCOT prices: named too."""
    _run(["optimize", str(EX / "portfolio.toml"), "--scenarios", "10", "--evpi-scenarios",
          "2", "--seed", "7", "--out", str(tmp_path)])
    assert _check(tmp_path, pngs, (COIN_METRICS, HB_WEST)) == []


def test_backtest_charts_name_coin_metrics_with_its_licence(pngs: dict[str, Any],
                                                             tmp_path: Path) -> None:
    _run(["backtest", str(EX / "reverse-margin.toml"), "--start", "2025-01-01", "--end",
          "2025-09-26", "--out", str(tmp_path)])
    assert _check(tmp_path, pngs) == []


def test_dispatch_charts_name_every_source(pngs: dict[str, Any], tmp_path: Path) -> None:
    """The hashprice (the daily history) on every chart; the monthly chart draws the
    emissions: it names the eGRID factor's source too (it named none)."""
    _run(["dispatch", str(EX / "dispatch-west-texas.toml"), "--prices", str(PRICES),
          "--out", str(tmp_path)])
    assert _check(tmp_path, pngs) == []
    assert "eGRID2023" in _titles(pngs["dispatch_monthly.png"])
    assert "eGRID2023" in _html_text(tmp_path / "dispatch.html")
