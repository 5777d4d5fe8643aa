"""The backtest charts name the sources of the days the run read (Coin Metrics with its
CC BY-NC 4.0 attribution only when some of its days are in the window), as the resolved
assumptions' history row does."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

from hashpivot.engines.economics.backtest import run_backtest
from hashpivot.io import COINMETRICS_ATTRIBUTION, btc_daily_sources
from hashpivot.io.user_data import CHAIN_FILE, COLUMNS, UPDATES_FILE
from hashpivot.models import load_portfolio
from hashpivot.reports import backtest

matplotlib.use("Agg")
EX = Path(__file__).resolve().parents[2] / "examples"
#: One day in the documented columns (README, ``Your own BTC daily history``).
ROW = "109500,1.5e14,144,0.02,3.125,1.1e12,916000"


def _days(path: Path, days: list[str]) -> None:
    path.write_text(",".join(COLUMNS) + "\n" + "".join(f"{d},{ROW}\n" for d in days))


def _subtitles(result: backtest.BacktestResult, tmp_path: Path,
               monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """The PNG's and the HTML's title of ``write_backtest``, without the white space and
    line breaks that wrap them (compared with :func:`_bare` text)."""
    kept = {}
    monkeypatch.setattr(backtest, "save_png", lambda fig, path: kept.setdefault("png", fig)
                        and path)
    monkeypatch.setattr(backtest, "save_html", lambda fig, path: kept.setdefault("html", fig)
                        and path)
    backtest.write_backtest(result, tmp_path / "out", "title")
    return (_bare(kept["png"].get_suptitle()),
            _bare(str(kept["html"].layout.title.text).replace("<br>", " ")))


def _bare(text: str) -> str:
    return "".join(text.split())


def test_the_chart_names_coin_metrics_and_the_users_updates(
        data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Days after the bundled ones from the user's btc_daily_updates.csv: the subtitle
    named Coin Metrics alone (every run, whatever it read)."""
    path = data_dir / UPDATES_FILE
    _days(path, ["2025-09-27", "2025-09-28"])
    result = run_backtest(load_portfolio(EX / "reverse-margin.toml"), "2025-09-20",
                          "2025-09-28")
    spans = btc_daily_sources("2025-09-20", "2025-09-28")
    assert len(spans) == 2 and spans[1]["attribution"].startswith(f"your file {path}")
    for text in _subtitles(result, tmp_path, monkeypatch):
        assert _bare(COINMETRICS_ATTRIBUTION) in text, text  # the licence's, kept
        assert _bare("(2025-09-20 to 2025-09-26)") in text, text
        assert _bare(spans[1]["attribution"] + " (2025-09-27 to 2025-09-28)") in text, text
    (row,) = [r for r in result.resolved_assumptions() if r["name"] == "network conditions"]
    assert row["source"].endswith(result.history_source)  # the same words


def test_a_history_of_the_users_own_is_not_attributed_to_coin_metrics(
        data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = data_dir / CHAIN_FILE
    _days(path, ["2025-09-25", "2025-09-26"])
    result = run_backtest(load_portfolio(EX / "reverse-margin.toml"), "2025-09-25",
                          "2025-09-26")
    for text in _subtitles(result, tmp_path, monkeypatch):
        assert "Coin Metrics" not in text, text
        assert _bare(f"your file {path}") in text, text
