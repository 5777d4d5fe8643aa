"""``data update`` / ``data status`` and ``--live`` through the CLI, with recorded responses
served by ``httpx.MockTransport`` (the HTTP boundary is the only thing replaced)."""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from hashpivot.cli.app import app
from tests.mempool_recordings import recorded_handler, transport

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = str(ROOT / "examples" / "reverse-margin.toml")
runner = CliRunner()


def _serve(monkeypatch: pytest.MonkeyPatch, mock: httpx.MockTransport) -> None:
    """Every httpx.Client the code makes talks to ``mock`` instead of the network."""
    monkeypatch.setattr(httpx, "Client", functools.partial(httpx.Client, transport=mock))


def test_update_then_status_then_cost_uses_the_new_days(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _serve(monkeypatch, transport("update"))
    # the fixture's days end on 2025-10-01; days up to "today" without data stop the series
    res = runner.invoke(app, ["data", "update", "--base-url", "https://x/api", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["days_added"] == 5 and out["latest_day"] == "2025-10-01"
    status = json.loads(runner.invoke(app, ["data", "status", "--json"]).stdout)
    assert status["updates"]["first_day"] == "2025-09-27"
    assert status["updates"]["source"] == "https://x/api"
    assert status["latest_day"] == "2025-10-01" and status["bundled"]["used"] is True
    expected_age = (dt.datetime.now(dt.UTC).date() - dt.date(2025, 10, 1)).days
    assert status["age_days"] == expected_age
    cost = json.loads(runner.invoke(app, ["cost", EXAMPLE, "--json"]).stdout)
    assert cost["network"]["date"] == "2025-10-01"
    assert cost["btc_price_usd"] == 118_000.0
    text = runner.invoke(app, ["data", "status"])
    assert "updates: 2025-09-27 to 2025-10-01" in text.stdout


def test_update_failure_is_one_error_line(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _serve(monkeypatch, httpx.MockTransport(lambda r: httpx.Response(429, text="slow down")))
    res = runner.invoke(app, ["data", "update"])
    assert res.exit_code != 0 and "Traceback" not in res.output
    assert "429" in res.stderr and res.stderr.startswith("error:")


@pytest.mark.parametrize("command", [["data", "update"], ["network", "--live"]])
@pytest.mark.parametrize("url", ["junk", "mempool.space/api", "ftp://x/api", "https://"])
def test_a_base_url_that_is_no_http_url_is_an_input_error_at_the_flag(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, command: list[str], url: str
) -> None:
    """``--base-url junk`` was a request failure (exit 1: "Request URL is missing an
    'http://' or 'https://' protocol"): it is a typo in an option, refused before any
    request is made."""
    requests: list[httpx.Request] = []
    _serve(monkeypatch, httpx.MockTransport(lambda r: requests.append(r) or httpx.Response(500)))
    res = runner.invoke(app, [*command, "--base-url", url])
    assert res.exit_code == 2, res.output
    assert res.stderr == (f"error: <command line>: --base-url: expected an http:// or "
                          f"https:// URL with a host, e.g. https://mempool.space/api (got "
                          f"{url!r})\n")
    assert requests == []


def test_stale_data_warns_on_stderr_only(data_dir: Path) -> None:
    res = runner.invoke(app, ["cost", EXAMPLE, "--json"])
    assert res.exit_code == 0
    json.loads(res.stdout)
    assert "warning: the latest data day is 2025-09-26" in res.stderr
    dated = runner.invoke(app, ["cost", EXAMPLE, "--date", "2024-01-02", "--json"])
    assert "warning" not in dated.stderr


def test_cost_and_hashprice_live(monkeypatch: pytest.MonkeyPatch) -> None:
    _serve(monkeypatch, httpx.MockTransport(recorded_handler()))
    cost = runner.invoke(app, ["cost", EXAMPLE, "--live", "--json"])
    assert cost.exit_code == 0, cost.output
    network = json.loads(cost.stdout)["network"]
    assert network["btc_price_usd"] == 109_669.0 and "mempool.space" in network["source"]
    hp = runner.invoke(app, ["hashprice", "--live", "--json"])
    assert hp.exit_code == 0, hp.output
    out = json.loads(hp.stdout)
    # the recorded state: tip 916,532 (subsidy 3.125), difficulty 142.34e12
    assert out["difficulty"] == 142342602928674.9 and out["subsidy_btc"] == 3.125
    assert out["btc_price_usd"] == 109_669.0
    given = runner.invoke(app, ["hashprice", "--live", "--btc-price-usd", "1e5", "--json"])
    assert json.loads(given.stdout)["btc_price_usd"] == 1e5


def test_pivot_and_simulate_start_after_the_updated_data(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pivot_example = str(ROOT / "examples" / "pivot-200mw.toml")
    before = json.loads(runner.invoke(app, ["pivot", pivot_example, "--json"]).stdout)
    assert before["inputs"]["start"] == "2025-10"  # month after the bundled 2025-09-26
    _serve(monkeypatch, transport("update"))
    assert runner.invoke(app, ["data", "update"]).exit_code == 0
    after = json.loads(runner.invoke(app, ["pivot", pivot_example, "--json"]).stdout)
    assert after["inputs"]["start"] == "2025-11"  # month after the updated 2025-10-01
    assert "data update" in after["inputs"]["market_source"]
    # the market state at start is the updated day's
    sim = runner.invoke(
        app, ["simulate", pivot_example, "--paths", "50", "--years", "1", "--json"]
    )
    assert sim.exit_code == 0, sim.output
    assert json.loads(sim.stdout)["inputs"]["start"] == "2025-11"


#: User data files the engines cannot read: text that is not a table, bytes that are not
#: UTF-8, a folder in the place of a file.
_CORRUPT = {"garbage": b"garbage\n", "utf16": b"\xff\xfe\x00", "header_only_bad": b"x\n1\n"}


@pytest.mark.parametrize("name", sorted(_CORRUPT))
def test_a_corrupt_user_data_file_is_an_error_naming_it(data_dir: Path, name: str) -> None:
    """``data status`` printed "internal error: ValueError" (or UnicodeDecodeError), exit
    1; the engines exited 1. Each now names the file, exit 2."""
    path = data_dir / "btc_daily_updates.csv"
    path.write_bytes(_CORRUPT[name])
    for argv in (["data", "status"], ["cost", "examples/reverse-margin.toml"],
                 ["network"]):
        out = runner.invoke(app, argv)
        assert out.exit_code == 2, (argv, out.output)
        assert str(path) in out.output and "internal error" not in out.output, out.output


def test_a_corrupt_user_data_file_is_a_warning_of_the_health_check(data_dir: Path) -> None:
    """Every page and /api/health were a 500: the staleness check read the file."""
    from hashpivot.io.user_data import staleness_warning

    path = data_dir / "btc_daily_chain.csv"
    path.write_bytes(b"\xff\xfe\x00")
    warning = staleness_warning()
    assert warning is not None and str(path) in warning


def test_status_and_a_runs_provenance_say_who_wrote_each_file(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A file of the user's in the data folder was labelled mempool.space by ``data
    status``, the run's source line and run.json: each says the user's file (path and the
    SHA-256 the provenance records), and the days ``data update`` wrote stay mempool.space's."""
    from hashpivot.io.user_data import MEMPOOL_ATTRIBUTION

    _serve(monkeypatch, transport("update"))
    assert runner.invoke(app, ["data", "update", "--base-url", "https://x/api"]).exit_code == 0
    status = json.loads(runner.invoke(app, ["data", "status", "--json"]).stdout)
    assert status["updates"]["attribution"] == MEMPOOL_ATTRIBUTION
    assert "fetched" in runner.invoke(app, ["data", "status"]).stdout
    path = data_dir / "btc_daily_updates.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n")  # the user drops the last day
    status = json.loads(runner.invoke(app, ["data", "status", "--json"]).stdout)
    part = status["updates"]
    assert part["attribution"].startswith(f"your file {path} (sha256 {part['sha256']})")
    assert "edited since hashpivot data update wrote it" in part["attribution"]
    assert "fetched_at" not in part  # what data update fetched is no longer this file
    out = tmp_path_factory.mktemp("run") / "bt"
    res = runner.invoke(app, ["backtest", EXAMPLE, "--start", "2025-09-25", "--end",
                              "2025-09-30", "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    rows = {r["name"]: r for r in json.loads(res.stdout)["resolved_assumptions"]}
    source = rows["network conditions"]["source"]
    assert f"{part['attribution']} (2025-09-27 to 2025-09-30)" in source, source
    assert "mempool" not in source
    data = json.loads((out / "run.json").read_text())["provenance"]["data"]
    assert data["updated"] == {"btc_daily_updates.csv": part["sha256"]}
    assert data["updated_sources"] == {"btc_daily_updates.csv": part["attribution"]}
