"""Tests of ``hashpivot asics`` and ``hashpivot network`` (hashpivot.cli.data_cmds)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from typer.testing import CliRunner

from hashpivot.cli import data_cmds

DATA = Path(__file__).parents[1] / "data" / "mempool"


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    a = typer.Typer()
    data_cmds.register(a)
    return a


runner = CliRunner()


def test_asics_json(app: typer.Typer) -> None:
    res = runner.invoke(app, ["asics", "--json", "--manufacturer", "microbt"])
    assert res.exit_code == 0, res.output
    obj = json.loads(res.stdout)
    assert obj["count"] == len(obj["asics"]) > 10
    assert {a["manufacturer"] for a in obj["asics"]} == {"MicroBT"}
    row = next(a for a in obj["asics"] if a["model"] == "Whatsminer M60S")
    assert row["hashrate_th_s"] == 186.0 and row["efficiency_j_per_th"] == 17.98
    # Missing release years are JSON null, not NaN.
    everything = json.loads(runner.invoke(app, ["asics", "--json"]).stdout)
    s21plus = next(a for a in everything["asics"] if a["model"] == "Antminer S21+")
    assert s21plus["release_year"] is None


def test_asics_table_and_series_filter(app: typer.Typer) -> None:
    res = runner.invoke(app, ["asics", "-m", "Antminer"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    assert "Antminer S21 XP" in res.output and "Whatsminer" not in res.output
    assert "marceloceccon, year: kodyparsons" in res.output  # S19 Pro's short source


def test_short_source() -> None:
    assert data_cmds._short_source("f2pool_mattk8/mining-devices.csv") == "f2pool"
    assert (
        data_cmds._short_source(
            "marceloceccon_bitcoinmining/miners.json; release_year: cbeci/cbeci_miners.csv"
        )
        == "marceloceccon, year: cbeci"
    )
    assert data_cmds._short_source("Bitmain spec sheet (manual entry, see PROVENANCE)") == "manual"


def test_asics_unknown_manufacturer(app: typer.Typer) -> None:
    res = runner.invoke(app, ["asics", "-m", "Nobody"])
    assert res.exit_code == 2
    assert "--manufacturer" in res.output and "Bitmain" in res.output
    assert "Traceback" not in res.output


def test_network_bundled(app: typer.Typer) -> None:
    res = runner.invoke(app, ["network", "--date", "2024-04-20", "--json"])
    assert res.exit_code == 0, res.output
    net = json.loads(res.stdout)["network"]
    assert net["date"] == "2024-04-20"
    assert net["height"] == 840_133
    assert net["subsidy_btc_per_block"] == 3.125
    assert net["reward_btc_per_block"] == pytest.approx(3.125 + net["fees_btc_per_block"])
    assert "Coin Metrics" in net["source"]
    # two hashrates, each named: the one the difficulty implies (D x 2^32 / 600 s, what the
    # engines use) and the source's noisy estimate from the blocks found that day
    assert net["hashrate_from_difficulty_th_s"] == pytest.approx(
        net["difficulty"] * 2**32 / 600 / 1e12, rel=1e-12)
    table = runner.invoke(app, ["network"])
    assert table.exit_code == 0 and "2025-09-26" in table.output
    assert "Source: Coin Metrics Community Network Data" in table.output
    rows = {line.split("│")[1].strip(): (line.split("│")[2].strip(), line.split("│")[3].strip())
            for line in table.output.splitlines() if line.count("│") == 4}
    # 2025-09-26: difficulty 1.4234e14 -> 1,018.9 EH/s; Coin Metrics estimates 934.0
    assert rows["hashrate from difficulty"] == ("1,018.9", "EH/s")
    assert rows["hashrate, source's estimate"] == ("934.0", "EH/s")
    # 2012: a few TH/s, in its own unit (it printed 0.0 EH/s)
    old = runner.invoke(app, ["network", "--date", "2012-01-01"])
    assert "0.0 " not in old.output and "TH/s" in old.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["network", "--date", "2009-02-01"], "available: 2010-07-18 to 2025-09-26"),
        (["network", "--date", "26/09/2025"], "YYYY-MM-DD"),
        (["network", "--date", "2024-01-01", "--live"], "not both"),
    ],
)
def test_network_bad_input(app: typer.Typer, args: list[str], needle: str) -> None:
    res = runner.invoke(app, args)
    assert res.exit_code == 2
    assert needle in res.output and "Traceback" not in res.output


def _recorded(request: httpx.Request) -> httpx.Response:
    files = {
        "/api/blocks/tip/height": "tip_height.json",
        "/api/v1/mining/hashrate/3d": "hashrate_3d.json",
        "/api/v1/blocks": "blocks.json",
        "/api/v1/prices": "prices.json",
    }
    name = files.get(request.url.path)
    if name is None:
        return httpx.Response(404)
    return httpx.Response(200, content=(DATA / name).read_bytes())


def test_network_live_recorded(app: typer.Typer, monkeypatch: pytest.MonkeyPatch) -> None:
    from hashpivot.io import mempool

    real_client = httpx.Client

    def factory(**kwargs: Any) -> httpx.Client:
        return real_client(transport=httpx.MockTransport(_recorded), **kwargs)

    monkeypatch.setattr(mempool.httpx, "Client", factory)
    res = runner.invoke(app, ["network", "--live", "--json", "--base-url", "https://x.invalid/api"])
    assert res.exit_code == 0, res.output
    net = json.loads(res.stdout)["network"]
    assert net["height"] == 916_532 and net["btc_price_usd"] == 109_669.0

    def down(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, text="Service Unavailable")

    monkeypatch.setattr(
        mempool.httpx, "Client", lambda **kw: real_client(transport=httpx.MockTransport(down), **kw)
    )
    res = runner.invoke(app, ["network", "--live"])
    assert res.exit_code == 1
    assert "HTTP 503" in res.output and "Traceback" not in res.output
