"""Charts say what they show: labels, legends and subtitles read through matplotlib's
objects (and plotly's figure dicts), on the demo examples run in-process (issue 11, item 8).

Every PNG chart passes through ``save_png``; the fixture wraps it to keep each figure (a
closed matplotlib figure keeps its artists), keyed by file name.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hashpivot.cli.app import app
from hashpivot.reports import backtest, charts, dispatch, pivot, simulate
from hashpivot.reports.labels import REVERSE_MARGIN_SAME_NOTE

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[2]
EX = ROOT / "examples"
PRICES = ROOT / "tests" / "data" / "power" / "prices_hb_west_2024-08-19_21.csv"


@pytest.fixture
def figs(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    real_png, real_html = charts.save_png, charts.save_html

    def png(fig: Any, path: Path, dpi: int = 110) -> Path:
        kept[path.name] = fig
        return real_png(fig, path, dpi)

    def html(fig: Any, path: Path) -> Path:
        kept[path.name] = fig
        return real_html(fig, path)

    for module in (charts, simulate, dispatch, backtest, pivot):
        if hasattr(module, "save_png"):
            monkeypatch.setattr(module, "save_png", png)
        if hasattr(module, "save_html"):
            monkeypatch.setattr(module, "save_html", html)
    return kept


def _run(args: list[str]) -> None:
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output


def _suptitle(fig: Any) -> str:
    return fig.get_suptitle()


def _legend(ax: Any) -> list[str]:
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


# --------------------------------------------------------------------------------------
# pivot: cumulative cash flow and tornado
# --------------------------------------------------------------------------------------
def test_pivot_charts(figs: dict[str, Any], tmp_path: Path) -> None:
    _run(["pivot", str(EX / "pivot-200mw.toml"), "--out", str(tmp_path), "--json"])
    cum = figs["cumulative_cash_flow.png"]
    assert "Undiscounted" in _suptitle(cum) and "without terminal value" in _suptitle(cum)
    assert "undiscounted" in cum.axes[0].get_ylabel()
    assert "Undiscounted" in figs["cumulative_cash_flow.html"].layout.title.text

    tornado = figs["tornado.png"]
    (ax,) = tornado.axes
    base = re.search(r"base value ([-\d,.]+) M USD", _suptitle(tornado))
    assert base, _suptitle(tornado)
    legend = _legend(ax)
    assert f"base value: {base.group(1)} M USD" in legend
    assert {"low input", "high input"} <= set(legend)
    assert any(t.get_text().startswith("base ") for t in ax.texts)  # on the axes too
    # the base line is where the bars start
    base_value = float(base.group(1).replace(",", ""))
    bars = [p for p in ax.patches if p.get_width() != 0]
    assert bars  # (20 on the example: with none drawn the checks below read nothing)
    assert all(
        min(p.get_x(), p.get_x() + p.get_width()) == pytest.approx(base_value, abs=0.05)
        or max(p.get_x(), p.get_x() + p.get_width()) == pytest.approx(base_value, abs=0.05)
        for p in bars
    )
    # no bar hidden behind another: the low and high bars of a variable never share a row
    spans = [(p.get_y(), p.get_y() + p.get_height()) for p in ax.patches]
    for i, (a0, a1) in enumerate(spans):
        for b0, b1 in spans[i + 1:]:
            assert a1 <= b0 + 1e-9 or b1 <= a0 + 1e-9, "two bars overlap"
    plotly_tornado = figs["tornado.html"]
    assert plotly_tornado.layout.barmode == "group"
    assert "base value" in plotly_tornado.layout.title.text


# --------------------------------------------------------------------------------------
# simulate: fans, NPV histogram, reverse margin, forced sales
# --------------------------------------------------------------------------------------
def test_a_dispatching_site_gets_its_uplift_month_by_month(figs: dict[str, Any],
                                                           tmp_path: Path) -> None:
    """``pivot --out`` on the four-site example writes what the Texas grid site's
    flexibility came to each month of the central path, for each of its two fleet entries
    (each a tranche at its own margin): the uplift the valuation counts for that tranche,
    ``uplift = max(0, gain - whole-month saving)`` row by row; the assumptions row's value
    is their mean over the months the site is connected, weighted by each entry's MW; the
    chart says what it shows. A file without
    ``[sites.dispatch]`` writes none of it."""
    import json

    from hashpivot.engines import pivot as pv
    from hashpivot.engines.pivot.fleet import market_mining, tranche_key
    from hashpivot.engines.pivot.tranches import fleet_tranches, tranche_labels
    from hashpivot.models import parse_portfolio

    res = CliRunner().invoke(app, ["pivot", str(EX / "portfolio.toml"), "--out",
                                   str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(tmp_path / "dispatch_uplift.csv")
    assert set(frame["site"]) == {"Odessa Grid"} and len(frame) == 240
    assert frame["month"].iloc[0] == "2025-10"
    # each entry's rows are the uplift pivot counts for its tranche (least efficient first)
    pf = parse_portfolio((EX / "portfolio.toml").read_text(), str(EX / "portfolio.toml"))
    site = next(s for s in pv.resolve_sites(pf) if s.name == "Odessa Grid")
    labels = tranche_labels(site)
    assert labels == ["Antminer S19 XP", "Antminer S21 XP"]
    counted = market_mining(pf, pv.deterministic_market(pf, None, 120), "Odessa Grid")
    means, mws = [], []
    for j, (label, part) in enumerate(zip(labels, fleet_tranches(site), strict=True)):
        rows = frame[frame["fleet_entry"] == label]
        u = counted[tranche_key("Odessa Grid", j)].uplift_usd_per_mw_month
        assert u is not None
        np.testing.assert_allclose(rows["uplift_usd_per_mw_month"], np.asarray(u)[0],
                                   rtol=1e-12)
        # the mean over the months it runs: the site connects on 2026-02-01
        means.append(rows[rows["month"] >= "2026-02"]["uplift_usd_per_mw_month"].mean())
        mws.append(part.fleet_power_mw)
    assert abs(means[0] - means[1]) > 500  # the entries' uplifts differ: the test has teeth
    expected = np.maximum(frame["gain_usd_per_mw_month"]
                          - frame["whole_month_saving_usd_per_mw_month"], 0.0)
    assert np.allclose(frame["uplift_usd_per_mw_month"], expected, rtol=1e-12, atol=1e-9)
    assert (frame["whole_month_saving_usd_per_mw_month"] > 0).any()  # curtailed months
    # the share of the variable costs paid: the energy share where the month is mined
    mined = frame["running_share"] > 0
    assert mined.all() and np.array_equal(frame["running_share"], frame["energy_share"])
    rows = json.loads(res.stdout)["resolved_assumptions"]
    row = next(r for r in rows if "[sites.dispatch] flexibility" in r["name"])
    assert row["value"] == round(np.dot(means, mws) / sum(mws))
    assert f"the fleet entries' means, weighted by their MW in the value: {labels[0]}" in (
        row["source"])
    fig = figs["dispatch_uplift.png"]
    assert "whole-month saving" in _suptitle(fig) and "central path" in _suptitle(fig)
    assert _legend(fig.axes[0]) == [f"Odessa Grid {e}: {line}" for e in labels
                                    for line in ("uplift", "gain")]
    assert "[USD/MW/month]" in fig.axes[0].get_ylabel()
    assert (tmp_path / "dispatch_uplift.html").exists()
    flat = tmp_path / "flat"
    _run(["pivot", str(EX / "pivot-200mw.toml"), "--out", str(flat)])
    assert not list(flat.glob("dispatch_uplift*"))


@pytest.fixture
def simulated(figs: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    _run(["simulate", str(EX / "pivot-200mw.toml"), "--paths", "400", "--years", "6",
          "--seed", "7", "--out", str(tmp_path), "--json"])
    npv = pd.read_csv(tmp_path / "npv_samples.csv.gz", index_col="path")
    return {"figs": figs, "npv": npv}


def test_every_simulate_chart_has_a_subtitle(simulated: dict[str, Any]) -> None:
    figs = simulated["figs"]
    for name in ("fan_btc_price_usd.png", "fan_hashprice_usd_per_ph_day.png",
                 "fan_cash_usd.png", "npv_histogram.png", "forced_sales_by_policy.png",
                 "reverse_margin.png"):
        title = _suptitle(figs[name])
        assert "\n" in title and "400 paths" in title, (name, title)


def test_fan_legends_name_every_band(simulated: dict[str, Any]) -> None:
    figs = simulated["figs"]
    cash = figs["fan_cash_usd.png"]
    strategies = list(simulated["npv"].columns)
    assert len(cash.axes) == len(strategies)  # one panel per strategy
    for ax, col in zip(cash.axes, strategies, strict=True):
        name = col.removesuffix("_npv_usd")
        assert _legend(ax) == [f"{name} P50", f"{name} P25-P75", f"{name} P5-P95"]
    assert "not discounted" in _suptitle(cash)
    price = figs["fan_btc_price_usd.png"].axes[0]
    assert _legend(price) == ["BTC price P50", "BTC price P25-P75", "BTC price P5-P95"]


def test_npv_histogram_panels_count_every_path(simulated: dict[str, Any]) -> None:
    fig = simulated["figs"]["npv_histogram.png"]
    npv = simulated["npv"]
    assert len(fig.axes) == npv.shape[1]  # one panel per strategy: no spike squashes another
    for ax, col in zip(fig.axes, npv.columns, strict=True):
        v = npv[col].to_numpy() / 1e6
        heights = sum(p.get_height() for p in ax.patches)
        (note,) = [t.get_text() for t in ax.texts]
        m = re.match(r"shown ([\d,]+) of ([\d,]+) paths; outside the range: ([\d,]+) below "
                     r"([-\d,.]+), ([\d,]+) above ([-\d,.]+)", note)
        if m is None:  # one value on every path: a single bar of every path
            assert note == f"all {len(v):,} paths at {np.median(v):,.1f} M USD"
            assert heights == len(v)
            continue
        shown, total, below, above = (int(m.group(k).replace(",", "")) for k in (1, 2, 3, 5))
        lo, hi = (float(m.group(k).replace(",", "")) for k in (4, 6))
        assert total == len(v) and shown + below + above == total
        assert heights == shown  # no path piled into an edge bin
        # the counts are those of the stated (rounded) bounds
        assert int((v < lo - 0.05).sum()) <= below <= int((v < lo + 0.05).sum())
        assert int((v > hi + 0.05).sum()) <= above <= int((v > hi - 0.05).sum())
        assert ax.get_xlim()[0] <= lo and ax.get_xlim()[1] >= hi


def _fake_result(direct: np.ndarray, total: np.ndarray) -> Any:
    periods = pd.period_range("2026-01", periods=len(direct), freq="M")
    return SimpleNamespace(
        baseline="keep_mining", periods=periods, prob_reverse_margin_direct=direct,
        prob_reverse_margin_total=total, n_paths=100,
        inputs={"start": "2026-01", "horizon_months": len(direct), "seed": 1},
    )


def test_reverse_margin_one_line_when_identical(figs: dict[str, Any], tmp_path: Path) -> None:
    same = np.array([0.0, 0.1, 0.2])
    simulate.reverse_margin_chart(_fake_result(same, same.copy()), tmp_path)
    (ax,) = figs["reverse_margin.png"].axes
    assert len(ax.lines) == 1 and _legend(ax) == ["direct = total cost"]
    assert REVERSE_MARGIN_SAME_NOTE[:40] in _suptitle(figs["reverse_margin.png"]).replace(
        "\n", " ")

    simulate.reverse_margin_chart(_fake_result(same, same + 0.05), tmp_path)
    (ax,) = figs["reverse_margin.png"].axes
    assert len(ax.lines) == 2
    assert _legend(ax) == ["direct (cash) cost", "total cost (+ depreciation, SBC)"]


# --------------------------------------------------------------------------------------
# dispatch: monthly chart and price-duration curve
# --------------------------------------------------------------------------------------
def test_dispatch_monthly_legend_below_bars_and_thousands(
    figs: dict[str, Any], tmp_path: Path
) -> None:
    _run(["dispatch", str(EX / "dispatch-west-texas.toml"), "--prices", str(PRICES),
          "--hashprice-usd-per-ph-day", "45", "--out", str(tmp_path), "--json"])
    fig = figs["dispatch_monthly.png"]
    ax, ax2 = fig.axes[0], fig.axes[1]
    legend = ax.get_legend()
    assert {"grid", "PPA", "renewable", "mining use", "AI use", "emissions"} <= set(
        _legend(ax))
    assert ax2.get_legend() is None  # one legend for both axes
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)  # the saved figure is closed: draw it on a new canvas
    canvas.draw()
    renderer = canvas.get_renderer()
    assert legend.get_window_extent(renderer).y1 <= ax.get_window_extent(renderer).y0
    assert ax.yaxis.get_major_formatter()(123456.0, 0) == "123,456"
    assert ax2.yaxis.get_major_formatter()(12345.0, 0) == "12,345"
    assert "Energy [MWh]" in _suptitle(fig) and "prices:" in _suptitle(fig)
    assert "Mean mining load" in _suptitle(figs["dispatch_heatmap.png"])


def test_price_duration_linear_with_clipped_extremes_counted(
    figs: dict[str, Any], tmp_path: Path
) -> None:
    rng = np.random.default_rng(1)
    prices = np.r_[rng.uniform(10, 60, 995), np.full(3, 5_000.0), np.full(2, -250.0)]
    dispatch.price_duration_chart(prices, {"S21": 80.0}, tmp_path)
    fig = figs["dispatch_price_duration.png"]
    (ax,) = fig.axes
    assert ax.get_yscale() == "linear"
    lo, hi = ax.get_ylim()
    assert hi < 5_000 and lo > -250 and lo < 10 and hi > 80  # threshold kept in view
    notes = " ".join(t.get_text() for t in ax.texts)
    assert f"{int((prices > hi).sum())} intervals above, up to 5,000 USD/MWh" in notes
    assert f"{int((prices < lo).sum())} intervals below, down to -250 USD/MWh" in notes
    assert "linear axis clipped" in _suptitle(fig)
    assert "S21: 80 USD/MWh (0.3 % above)" in _legend(ax)


# --------------------------------------------------------------------------------------
# backtest: halvings and reverse-margin periods
# --------------------------------------------------------------------------------------
def test_backtest_marks_halvings_and_reverse_margin(figs: dict[str, Any], tmp_path: Path) -> None:
    _run(["backtest", str(EX / "reverse-margin.toml"), "--start", "2020-01-01", "--end",
          "2025-09-26", "--out", str(tmp_path), "--json"])
    fig = figs["backtest.png"]
    ax1, ax2 = fig.axes
    assert "halving" in _legend(ax2)
    assert "reverse margin, total cost" in _legend(ax2)
    vlines = sorted(
        pd.Timestamp(line.get_xdata()[0]).date().isoformat()
        for line in ax2.lines if line.get_linestyle() == ":"
    )
    assert vlines == ["2020-05-11", "2024-04-19"]
    assert [t.get_text() for t in ax1.texts] == ["halving 2020-05-11", "halving 2024-04-19"]
    assert "undiscounted" in _suptitle(fig) and "Coin Metrics" in _suptitle(fig)
    html = figs["backtest.html"]
    halving_x = {pd.Timestamp(s.x0).date().isoformat() for s in html.layout.shapes
                 if s.type == "line"}
    assert halving_x == {"2020-05-11", "2024-04-19"}  # on both panels
    assert len(html.layout.shapes) > 2  # shaded reverse-margin periods


def test_halving_days_ignore_wobbles_within_an_era() -> None:
    days = pd.date_range("2024-04-17", periods=5, freq="D")
    sub = [6.250111, 6.2499, 4.9, 3.125, 3.125]  # a wobble, the blended day, the new era
    assert backtest.halving_days(pd.DataFrame({"subsidy_btc_per_block": sub}, index=days)) == [
        pd.Timestamp("2024-04-19")
    ]
