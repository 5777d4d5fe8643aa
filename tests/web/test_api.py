"""REST API on SQLite and PostgreSQL: portfolios, sites, TOML, runs, market data."""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from hashpivot.models import load_portfolio
from hashpivot.store.portfolios import validate_document
from tests.web.conftest import add_key, login, make_client, wait_run

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _cli_json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> Any:
    from hashpivot.cli.app import main

    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 0
    return json.loads(capsys.readouterr().out)


def _cli_text(argv: list[str]) -> str:
    """What ``hashpivot ARGV`` prints, at a width that keeps every table row on one line."""
    from typer.testing import CliRunner

    from hashpivot.cli.app import app

    out = CliRunner().invoke(app, argv, env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    return out.output


def test_seeded_examples_and_crud(client: Any) -> None:
    listed = client.get("/api/portfolios").json()
    from hashpivot.store.portfolios import SEED_EXAMPLES

    # (an example that names side files is seeded without them, named so)
    side = {"portfolio.toml": " (without regulation-extra.csv)"}
    assert [p["name"] for p in listed] == [load_portfolio(EXAMPLES / n).name + side.get(n, "")
                                           for n in SEED_EXAMPLES]
    doc = tomllib.loads((EXAMPLES / "reverse-margin.toml").read_text())
    doc["name"] = "copy"
    created = client.post("/api/portfolios", json=doc)
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    assert client.get(f"/api/portfolios/{pid}").json()["document"]["name"] == "copy"
    bad = json.loads(json.dumps(doc))
    bad["sites"][0]["capacity_mw"] = -5
    r = client.put(f"/api/portfolios/{pid}", json=bad)
    assert r.status_code == 422
    assert any(p["path"] == "sites[0].capacity_mw" for p in r.json()["problems"])
    doc["sites"][0]["capacity_mw"] = 500.0
    r = client.put(f"/api/portfolios/{pid}", json=doc)
    assert r.status_code == 200 and r.json()["revision"] == 2
    assert client.delete(f"/api/portfolios/{pid}").status_code == 204
    assert client.get(f"/api/portfolios/{pid}").status_code == 404


def test_sites_crud(client: Any) -> None:
    pid = client.get("/api/portfolios").json()[0]["id"]
    sites = client.get(f"/api/portfolios/{pid}/sites").json()
    assert len(sites) == 2
    new = dict(sites[1], name="Georgia 2")
    assert client.post(f"/api/portfolios/{pid}/sites", json=new).status_code == 201
    assert client.get(f"/api/portfolios/{pid}/sites/2").json()["name"] == "Georgia 2"
    dup = client.put(f"/api/portfolios/{pid}/sites/2", json=dict(new, name="Texas"))
    assert dup.status_code == 422 and "unique" in dup.text
    assert [p["path"] for p in dup.json()["problems"]] == ["sites[2].name"]
    r = client.delete(f"/api/portfolios/{pid}/sites/2")
    assert r.status_code == 200 and r.json()["site_names"] == ["Texas", "Georgia"]
    assert client.get(f"/api/portfolios/{pid}/sites/7").status_code == 404


def test_toml_round_trip(client: Any, tmp_path: Path) -> None:
    """Import -> export is the file itself; after an edit the export loads back to the
    same validated portfolio with the CLI's loader."""
    for name in ("reverse-margin.toml", "pivot-200mw.toml", "dispatch-west-texas.toml"):
        text = (EXAMPLES / name).read_text()
        r = client.post(
            "/api/portfolios/import", content=text.encode(),
            headers={"Content-Type": "application/toml"},
        )
        assert r.status_code == 201, r.text
        pid = r.json()["id"]
        assert client.get(f"/api/portfolios/{pid}/toml").text == text
        doc = r.json()["document"]
        doc["name"] = doc.get("name", "x") + " (edited)"
        assert client.put(f"/api/portfolios/{pid}", json=doc).status_code == 200
        exported = client.get(f"/api/portfolios/{pid}/toml").text
        path = tmp_path / name
        path.write_text(exported)
        assert load_portfolio(path) == validate_document(doc)
        original = load_portfolio(EXAMPLES / name)
        assert load_portfolio(path).model_copy(update={"name": original.name}) == original


def test_import_reports_toml_and_field_errors(client: Any) -> None:
    r = client.post("/api/portfolios/import", content=b"name = [",
                    headers={"Content-Type": "application/toml"})
    assert r.status_code == 422 and "invalid TOML" in r.text
    text = (EXAMPLES / "dispatch-west-texas.toml").read_text()
    text += '\n' if text.endswith("\n") else "\n\n"
    doc = tomllib.loads(text)
    doc["sites"][0].setdefault("dispatch", {})["emissions_file"] = "/etc/passwd"
    r = client.post("/api/portfolios", json=json.loads(json.dumps(doc, default=str)))
    assert r.status_code == 422
    assert r.json()["problems"][0]["path"] == "sites[0].dispatch.emissions_file"


def test_cost_run_matches_cli(client: Any, capsys: pytest.CaptureFixture[str]) -> None:
    pid = client.get("/api/portfolios").json()[0]["id"]
    r = client.post("/api/runs", json={"kind": "cost", "portfolio_id": pid,
                                       "params": {"date": "2025-06-30"}})
    assert r.status_code == 202, r.text
    run = wait_run(client, r.json()["id"])
    assert run["status"] == "succeeded", run
    assert run["inputs"]["params"]["network"]["date"] == "2025-06-30"
    assert run["provenance"]["package_version"]
    assert "btc_daily.csv.gz" in run["provenance"]["data"]["bundled"]
    cli = _cli_json(capsys, ["cost", str(EXAMPLES / "reverse-margin.toml"), "--date",
                             "2025-06-30", "--json"])
    results = client.get(f"/api/runs/{run['id']}/results").json()
    assert results == cli
    # the same numbers as the page's and the CLI's tables, for a spreadsheet
    tables = client.get(f"/api/runs/{run['id']}/tables").json()
    # every table the CLI prints, in its order (the page had the views and breakevens only)
    assert [t["title"].split(":")[0] for t in tables] == [
        "Unit economics", "Per fleet line, per day", "Cost views, per day",
        "Breakevens (margin of the view = 0)", "Cost items",
        "Resolved assumptions (default = not in the file)"]
    by_title = {t["title"].split(":")[0]: t for t in tables}
    direct = by_title["Cost views, per day"]["rows"][0]
    assert direct[0] == "direct" and direct[1] == f"{cli['cost_per_btc_direct_usd']:,.0f}"
    assert by_title["Breakevens (margin of the view = 0)"]["header"][2] == "power price USD/MWh"
    lines = _cli_text(["cost", str(EXAMPLES / "reverse-margin.toml"), "--date",
                       "2025-06-30"]).splitlines()
    for table in tables:  # each row's numbers on one line the CLI prints (names may wrap)
        for row in table["rows"]:
            numbers = [cell for cell in row if any(ch.isdigit() for ch in cell)]
            assert any(all(f" {n}" in f" {line} " for n in numbers) for line in lines), (
                table["title"], row)
    assert client.get("/api/runs/999999/tables").status_code == 404


def test_pivot_run_matches_cli(client: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """A pivot run through the API gives the very numbers of ``hashpivot pivot --json``."""
    pid = client.get("/api/portfolios").json()[1]["id"]
    r = client.post("/api/runs", json={"kind": "pivot", "portfolio_id": pid,
                                       "params": {"convert_mw": 80, "start": "2026-03"}})
    assert r.status_code == 202, r.text
    run = wait_run(client, r.json()["id"])
    assert run["status"] == "succeeded", run
    cli = _cli_json(capsys, ["pivot", str(EXAMPLES / "pivot-200mw.toml"), "--convert-mw", "80",
                             "--start", "2026-03", "--json"])
    # the same values, and the same sources: the run keeps the document as given beside
    # its resolved inputs, so a default still reads "default", not "file"
    api = run["results"]
    assert api["resolved_assumptions"] == cli["resolved_assumptions"]
    assert any(r["source"] == "default" for r in api["resolved_assumptions"])
    assert api == cli


def test_a_simulate_run_takes_the_clis_defaults(
    sqlite_db: tuple[str, None], capsys: pytest.CaptureFixture[str]
) -> None:
    """The same file and options give the same numbers through the API as on the command
    line: both take the number of paths and the chunk size (part of the reproducibility
    key) from one definition. Until 2026-12-06 the API ran 2,000 paths in chunks of 1,000
    against the CLI's 10,000 in chunks of 5,000, so even the same paths and seed gave other
    numbers. The table's title says the paths, seed and chunk size."""
    with make_client(*sqlite_db) as c:
        add_key(c)
        pid = c.get("/api/portfolios").json()[1]["id"]
        r = c.post("/api/runs", json={"kind": "simulate", "portfolio_id": pid,
                                      "params": {"years": 1}})
        assert r.status_code == 202, r.text
        run = wait_run(c, r.json()["id"])
        assert run["status"] == "succeeded", run
        tables = c.get(f"/api/runs/{run['id']}/tables").json()
    cli = _cli_json(capsys, ["simulate", str(EXAMPLES / "pivot-200mw.toml"), "--years", "1",
                             "--json"])
    api = run["results"]
    for key in ("n_paths", "seed", "chunk_paths"):
        assert api["inputs"][key] == cli["inputs"][key], key
    assert api["strategies"] == cli["strategies"]
    assert api["forced_sale_btc_by_policy"] == cli["forced_sale_btc_by_policy"]
    assert tables[0]["title"].startswith(
        f"Monte Carlo: {cli['n_paths']:,} paths, seed 0, "
        f"{cli['inputs']['chunk_paths']:,} paths per chunk")


def test_the_api_takes_every_seed_and_horizon_the_cli_takes(client: Any) -> None:
    """A command-line run can be run through the API: seeds up to 2**128 - 1 and horizons
    up to 100 years (the API stopped at 2**63 - 1 and 40 years until 2026-12-06), the seed
    stored exactly on either database; beyond the CLI's limits both refuse."""
    from hashpivot.store.runs import parse_params

    seed = 2**128 - 1
    pid = client.get("/api/portfolios").json()[1]["id"]
    r = client.post("/api/runs", json={"kind": "simulate", "portfolio_id": pid,
                                       "params": {"paths": 10, "years": 100, "seed": seed}})
    assert r.status_code == 202, r.text
    run = wait_run(client, r.json()["id"])
    assert run["status"] == "succeeded", run
    assert run["inputs"]["params"]["seed"] == seed and run["params"]["seed"] == seed
    assert run["results"]["inputs"]["seed"] == seed
    assert run["results"]["inputs"]["horizon_months"] == 1200
    for params, path in (({"seed": seed + 1}, "body.params.seed"),
                         ({"years": 100.5}, "body.params.years")):
        r = client.post("/api/runs", json={"kind": "simulate", "portfolio_id": pid,
                                           "params": {"paths": 10, **params}})
        assert r.status_code == 422 and r.json()["problems"][0]["path"] == path, r.text
    assert parse_params("optimize", {"seed": seed}).seed == seed  # type: ignore[attr-defined]


def test_an_optimize_run_takes_the_clis_defaults() -> None:
    """The service planned on 50 scenarios and 5 EVPI scenarios where ``hashpivot
    optimize`` (and ``OptimizeConfig``) take 200 and 20: the same file gave another plan.
    One definition now (``run_defaults``)."""
    import inspect

    from hashpivot.cli import optimize as cli_optimize
    from hashpivot.optimize import OptimizeConfig
    from hashpivot.store.runs import parse_params

    params = parse_params("optimize", {})
    config = OptimizeConfig()
    assert (params.scenarios, params.evpi_scenarios) == (  # type: ignore[attr-defined]
        config.n_scenarios, config.evpi_scenarios) == (200, 20)
    source = inspect.getsource(cli_optimize)
    assert "] = DEFAULT_N_SCENARIOS," in source and "] = DEFAULT_EVPI_SCENARIOS," in source


WALL_CLOCK = ("coefficient_seconds", "build_seconds", "solve_seconds", "timing_seconds",
              "compile_seconds")


def _figures_apart(a: Any, b: Any, rel: float = 1e-12, at: str = "") -> list[str]:
    """Where two JSON documents differ: a string, a key or a length anywhere, or a number
    by more than ``rel`` of its size. The optimizer's expected values are means of
    per-scenario NPVs (LP objectives, matrix products, sums) whose last bit differed
    between the service's worker and the command line in a full suite run, not alone
    (2026-12-07: 467941808.1584802 against 467941808.15848017 USD, 2e-16 apart; numpy's
    SIMD sums follow the arrays' alignment); anything else must be equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{at}: keys {sorted(a.keys() ^ b.keys())}"]
        return [d for k in a for d in _figures_apart(a[k], b[k], rel, f"{at}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{at}: {len(a)} != {len(b)} items"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True))
                for d in _figures_apart(x, y, rel, f"{at}[{i}]")]
    if (isinstance(a, float | int) and isinstance(b, float | int)
            and not isinstance(a, bool) and not isinstance(b, bool)):
        return [] if a == b or abs(a - b) <= rel * max(abs(a), abs(b)) else [f"{at}: {a} != {b}"]
    return [] if a == b else [f"{at}: {a!r} != {b!r}"]


def _optimize_api_and_cli(client: Any, capsys: pytest.CaptureFixture[str], pid: int,
                          path: Path, scenarios: int) -> tuple[dict[str, Any], Any]:
    """An optimize run of portfolio ``pid`` through the API and ``hashpivot optimize PATH
    --json`` with the same options (``scenarios`` in and out of sample, 2 for the EVPI),
    each without its wall-clock timings."""
    params = {"scenarios": scenarios, "evpi_scenarios": 2, "oos_scenarios": scenarios}
    r = client.post("/api/runs", json={"kind": "optimize", "portfolio_id": pid,
                                       "params": params})
    assert r.status_code == 202, r.text
    run = wait_run(client, r.json()["id"], 300)
    assert run["status"] == "succeeded", run
    cli = _cli_json(capsys, ["optimize", str(path), "--scenarios", str(scenarios),
                             "--evpi-scenarios", "2", "--oos-scenarios", str(scenarios),
                             "--json"])
    for key in WALL_CLOCK:
        cli.pop(key), run["results"].pop(key)
    return run, cli


def test_optimize_run_matches_cli(
    client: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The optimizer through the API gives the CLI's numbers (wall-clock times aside); the
    seeded example drops its extra rules file (the service reads no files)."""
    listed = client.get("/api/portfolios").json()
    pid = next(p["id"] for p in listed if p["name"].startswith("Four-site"))
    path = tmp_path / "portfolio.toml"
    path.write_text(client.get(f"/api/portfolios/{pid}/toml").text)
    run, cli = _optimize_api_and_cli(client, capsys, pid, path, 12)
    # as for pivot: the same values and the same sources
    assert run["results"]["resolved_assumptions"] == cli["resolved_assumptions"]
    assert _figures_apart(run["results"], cli) == []
    _plan_portfolio_runs_in_pivot(client, run)


def test_an_optimize_run_of_a_file_without_an_optimize_table_is_the_clis(
    client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """``hashpivot optimize`` values a file with no ``[optimize]`` table on the table's
    defaults (each site leasing on its own hosting terms, blocks of 25 MW, no budget):
    the API gives the same numbers. Until 2026-12-07 it refused the file (422, "the
    portfolio has no [optimize] table") where the command line printed a plan."""
    listed = client.get("/api/portfolios").json()
    pid = next(p["id"] for p in listed if p["name"] == "Example 200 MW miner")
    run, cli = _optimize_api_and_cli(client, capsys, pid, EXAMPLES / "pivot-200mw.toml", 4)
    assert run["results"]["plan"]  # teeth: the file converts MW
    assert _figures_apart(run["results"], cli) == []


def _plan_portfolio_runs_in_pivot(client: Any, run: dict[str, Any]) -> None:
    """The plan of an optimize run saved as a portfolio: its TOML says what pivot does
    not value as the optimizer did, and pivot values its 'phased' strategy."""
    saved = client.post(f"/api/runs/{run['id']}/plan-portfolio")
    assert saved.status_code == 201, saved.text
    new = saved.json()
    assert new["name"].endswith(f"(plan of run {run['id']})")
    toml = client.get(f"/api/portfolios/{new['id']}/toml").text
    assert toml.startswith(f"# The plan of optimize run {run['id']}")
    # an edit keeps the caveats (it dropped every comment, until 2026-12-06)
    doc = dict(new["document"], name=new["name"][:150] + " (edited)")
    assert client.put(f"/api/portfolios/{new['id']}", json=doc).status_code == 200
    edited = client.get(f"/api/portfolios/{new['id']}/toml").text
    assert edited.replace(" (edited)", "") == toml.replace(new["name"], new["name"][:150])
    plan = run["results"]["plan"]
    assert plan  # teeth: a plan with halls
    r = client.post("/api/runs", json={"kind": "pivot", "portfolio_id": new["id"]})
    assert r.status_code == 202, r.text
    valued = wait_run(client, r.json()["id"], 300)
    assert valued["status"] == "succeeded", valued
    phased = valued["results"]["strategies"]["phased"]
    assert list(valued["results"]["strategies"]) == ["keep_mining", "phased"]
    assert phased["converted_gross_mw"] == pytest.approx(sum(h["gross_mw"] for h in plan))
    assert sorted((h["site"], h["start"], h.get("tenant")) for h in phased["phases"]) == sorted(
        (h["site"], h["start_month"], h["tenant"]) for h in plan)
    # not a plan: the pivot run itself (422), a run still queued (409), no run (404)
    bad = client.post(f"/api/runs/{valued['id']}/plan-portfolio")
    assert bad.status_code == 422 and bad.json()["problems"][0]["path"] == "kind"
    assert client.post("/api/runs/999999/plan-portfolio").status_code == 404
    _a_long_name_is_cut_to_fit_its_plan(client, run["id"])


def _a_long_name_is_cut_to_fit_its_plan(client: Any, run_id: int) -> None:
    """A portfolio named as long as a name may be: the plan portfolio's name (its name
    and the run's) is cut to that length, not refused (422) nor a database error (500)."""
    from hashpivot.models.fields import NAME_MAX_CHARS
    from hashpivot.store.tables import RunRow

    with client.app.state.factory() as s, s.begin():
        row = s.get(RunRow, run_id)
        inputs = json.loads(json.dumps(row.inputs))
        for key in ("portfolio", "as_given"):
            if inputs.get(key) is not None:
                inputs[key]["name"] = "x" * NAME_MAX_CHARS
        row.inputs = inputs
    r = client.post(f"/api/runs/{run_id}/plan-portfolio")
    assert r.status_code == 201, r.text
    assert len(r.json()["name"]) == NAME_MAX_CHARS
    assert r.json()["name"].endswith(f"x (plan of run {run_id})")


def test_run_input_errors_have_paths(client: Any) -> None:
    pid = client.get("/api/portfolios").json()[0]["id"]
    r = client.post("/api/runs", json={"kind": "cost", "portfolio_id": pid,
                                       "params": {"btc_price_usd": -1, "bogus": 1}})
    assert r.status_code == 422
    paths = {p["path"] for p in r.json()["problems"]}
    assert {"body.params.btc_price_usd", "body.params.bogus"} <= paths
    r = client.post("/api/runs", json={"kind": "nope", "portfolio_id": pid})
    assert r.status_code == 422
    r = client.post("/api/runs", json={"kind": "cost", "portfolio_id": 999})
    assert r.status_code == 404


def test_cancel_a_running_simulation(client: Any) -> None:
    pid = client.get("/api/portfolios").json()[1]["id"]
    r = client.post("/api/runs", json={"kind": "simulate", "portfolio_id": pid,
                                       "params": {"paths": 200000, "chunk_paths": 500}})
    run_id = r.json()["id"]
    import time

    deadline = time.monotonic() + 60
    while client.get(f"/api/runs/{run_id}").json()["status"] == "queued":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert client.post(f"/api/runs/{run_id}/cancel").status_code == 200
    run = wait_run(client, run_id, 30)
    assert run["status"] == "cancelled"
    assert run["results"] is None


def test_market_endpoints(client: Any) -> None:
    btc = client.get("/api/market/btc", params={"start": "2024-01-01", "end": "2024-01-31"})
    assert btc.status_code == 200 and len(btc.json()["rows"]) == 31
    row, columns = btc.json()["rows"][0], btc.json()["columns"]
    assert set(row) == set(columns)  # every column said, with its unit
    assert row["hashrate_from_difficulty_th_s"] == pytest.approx(
        row["difficulty"] * 2**32 / 600 / 1e12, rel=1e-12)
    assert "Coin Metrics' hashrate estimate" in columns["hashrate_th_s"]
    assert client.get("/api/market/btc", params={"start": "2024-02-01",
                                                 "end": "2024-01-01"}).status_code == 422
    markets = client.get("/api/market/power/markets").json()
    assert "ercot:HB_WEST:2024" in markets
    power = client.get("/api/market/power", params={"market": "ercot:HB_WEST:2024"}).json()
    assert len(power["price_usd_per_mwh"]) in (8783, 8784, 8785)
    assert client.get("/api/market/power", params={"market": "/etc/passwd"}).status_code == 422
    assert client.get("/api/market/deals").json()["count"] > 5
    assert client.get("/api/market/asics").json()["count"] > 20
    rules = client.get("/api/market/regulation").json()
    assert rules["count"] > 0 and {"rule_id", "effect", "source"} <= set(rules["rules"][0])


def test_the_btc_history_follows_data_update(
    sqlite_db: tuple[str, None], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``/api/market/btc`` and the market page read the days ``hashpivot data update``
    writes as soon as it writes them, as every engine run does (they were cached for the
    life of the process until 2026-12-06: a cost run saw a new day, the API did not)."""
    from hashpivot.io.chain_history import DailyRow
    from hashpivot.io.user_data import UPDATES_FILE, write_rows

    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("HASHPIVOT_DATA_DIR", str(folder))
    updates = folder / UPDATES_FILE

    def write(price_usd: int) -> None:
        """The day as ``data update`` writes it (its writer: the file it recorded)."""
        updates.unlink(missing_ok=True)
        write_rows([DailyRow(dt.date.fromisoformat(day), price_usd, 1.5e14, 144, 0.02,
                             3.125, 1.1e9, 916_000)], full=False, base_url="https://x/api")

    with make_client(*sqlite_db, run_jobs=False) as c:
        add_key(c)
        last = c.get("/api/market/btc").json()["available"]["last"]
        day = str(dt.date.fromisoformat(last) + dt.timedelta(days=1))
        write(111_111)  # (each write a different size: a key of time and size sees it
        # even when the clock has not ticked between the two writes)
        btc = c.get("/api/market/btc", params={"start": day, "end": day}).json()
        assert btc["available"]["last"] == day
        assert [r["price_usd"] for r in btc["rows"]] == [111_111]
        write(2_222_222)
        btc = c.get("/api/market/btc", params={"start": day, "end": day}).json()
        assert [r["price_usd"] for r in btc["rows"]] == [2_222_222]
        assert c.get("/api/market/btc").json()["rows"][-1]["price_usd"] == 2_222_222
        assert "2222222" in c.get("/market").text
        # each day named by its own source: the update's day is mempool.space's, not
        # Coin Metrics' (the bundled attribution was given to every day)
        from hashpivot.io import COINMETRICS_ATTRIBUTION
        from hashpivot.io.user_data import MEMPOOL_ATTRIBUTION

        assert btc["sources"] == [{"first": day, "last": day,
                                   "attribution": MEMPOOL_ATTRIBUTION}]
        assert btc["attribution"] == MEMPOOL_ATTRIBUTION
        both = c.get("/api/market/btc", params={"start": last, "end": day}).json()
        assert [s["attribution"] for s in both["sources"]] == [COINMETRICS_ATTRIBUTION,
                                                                MEMPOOL_ATTRIBUTION]
        assert [(s["first"], s["last"]) for s in both["sources"]] == [(last, last), (day, day)]


def test_a_simulation_that_would_not_fit_in_memory_fails_before_it_starts(
    sqlite_db: tuple[str, None],
) -> None:
    # the service's memory limit (HASHPIVOT_MAX_MEMORY_MIB) is checked against the run's
    # estimate before any chunk runs, as the CLI does; the run fails with the problem at
    # `paths` of its parameters and says how many paths fit. 470 MiB sits just above the
    # estimate's fixed part for this example (457 MiB with chunks of 1,000 paths, one
    # thread; memory.py's constants), so some but not all of the 200,000 paths fit.
    with make_client(*sqlite_db, max_memory_mib=470) as c:
        add_key(c)
        pid = c.get("/api/portfolios").json()[1]["id"]
        r = c.post("/api/runs", json={"kind": "simulate", "portfolio_id": pid,
                                      "params": {"paths": 200_000, "chunk_paths": 1_000}})
        assert r.status_code == 202, r.text
        run = wait_run(c, r.json()["id"])
    assert run["status"] == "failed" and run["message"] == "invalid input"
    assert run["results"] is None
    [problem] = run["problems"]
    assert (problem["path"], problem["source"]) == ("paths", "<run parameters>")
    m = re.search(r"more than the 470 MiB available \(HASHPIVOT_MAX_MEMORY_MIB\); at most about "
                  r"([\d,]+) paths fit", problem["message"])
    assert m is not None, problem["message"]
    assert 0 < int(m.group(1).replace(",", "")) < 200_000


@pytest.mark.parametrize(
    ("example", "kind", "params", "path", "words"),
    [
        (1, "pivot", {"convert_mw": 50, "start": "2026-13"}, "start",
         "expected a month as 'YYYY-MM'"),
        (1, "pivot", {"convert_mw": 50, "start": "2019-01"}, "start", "before the model start"),
        (1, "pivot", {"convert_mw": 50, "start": "2060-01"}, "start", "after the model horizon"),
        (1, "pivot", {"convert_mw": 5000}, "convert_mw", "exceeds the 200 MW"),
        (1, "pivot", {"site": "Nowhere"}, "site", "no site named 'Nowhere'"),
        (0, "pivot", {"start": "2027-01"}, "start", "needs a MW figure"),
        (1, "simulate", {"convert_mw": 50, "start": "2029-01", "years": 2}, "start",
         "after the model horizon"),
        (1, "simulate", {"site": "Nowhere"}, "site", "no site named"),
        (2, "backtest", {"start": "2030-01-01", "end": "2030-06-30"}, "start", "after the data"),
        (2, "backtest", {"start": "2000-01-01"}, "start", "before the data"),
        (2, "dispatch", {"market": "ercot:HB_NOPE:2024"}, "market", "no bundled prices"),
        # no site of the four-site example is connected yet on that day: nothing mines
        (3, "cost", {"date": "2019-01-01"}, "date", "no fleet entry is installed"),
        # the network conditions a run was resolved with are checked as the other fields
        # (an unknown key was a 500, a negative price a run; until 2026-12-05)
        (3, "cost", {"network": {"btc_price_usd": 1e5, "difficulty": 1e14, "bogus": 2}},
         "network.bogus", "not a field of `network`"),
        (3, "cost", {"network": {"btc_price_usd": -1, "difficulty": 1e14}},
         "network.btc_price_usd", "greater than 0"),
        (3, "cost", {"network": {}}, "network.difficulty", "required"),
        # a field named as a type pydantic names a union's member by: its path was ""
        # (until 2026-12-06)
        (3, "cost", {"date": "2019-13-45"}, "date", "valid date"),
        # the CLI's limits of --difficulty: >= 1, a network that holds the portfolio's own
        # fleet (a run of 2e15 BTC a day, until 2026-12-06)
        (0, "cost", {"difficulty": 0.5}, "difficulty", "greater than or equal to 1"),
        (0, "cost", {"difficulty": 1}, "difficulty", "smaller than the fleet"),
        (0, "cost", {"network": {"btc_price_usd": 95000, "difficulty": 0.5}},
         "network.difficulty", "greater than or equal to 1"),
        (0, "cost", {"network": {"btc_price_usd": 95000, "difficulty": 1e6}},
         "network.difficulty", "smaller than the fleet"),
        # a difficulty typed in T is said to be one (the refusal alone, until 2026-12-06)
        (0, "cost", {"difficulty": 117}, "difficulty", "if it is in T (1e12), use 117e12"),
    ],
)
def test_run_parameters_the_engine_would_refuse_are_a_422_at_submission(
    client: Any, example: int, kind: str, params: dict[str, Any], path: str, words: str,
) -> None:
    """A run the engine would refuse is refused when it is submitted (422, the parameter's
    path, ``<run parameters>``), as the CLI refuses the same options (exit 2), not
    accepted (202) to fail in the worker with the file's field."""
    pid = client.get("/api/portfolios").json()[example]["id"]
    r = client.post("/api/runs", json={"kind": kind, "portfolio_id": pid, "params": params})
    assert r.status_code == 422, r.text
    problems = r.json()["problems"]
    assert {p["source"] for p in problems} == {"<run parameters>"}, problems
    (problem,) = [p for p in problems if p["path"] == f"body.params.{path}"]
    assert words in problem["message"], problem


def test_a_backtest_end_before_the_data_is_the_one_problem(client: Any) -> None:
    """The start the window's rule gives an end before the data is the end itself
    (``engines/economics/backtest_window.py``): only the end given is refused, not a start
    no one gave."""
    pid = client.get("/api/portfolios").json()[2]["id"]
    r = client.post("/api/runs", json={"kind": "backtest", "portfolio_id": pid,
                                       "params": {"end": "2009-01-03"}})
    assert r.status_code == 422, r.text
    assert [p["path"] for p in r.json()["problems"]] == ["body.params.end"]
    assert "2009-01-03 is before the data" in r.json()["problems"][0]["message"]


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("pivot", {"convert_mw": -5, "site": "nope"}),
        ("simulate", {"convert_mw": -5, "site": "nope", "paths": 10}),
        ("dispatch", {"site": "nope", "market": "ercot:NOPE"}),
    ],
)
def test_every_problem_of_the_run_parameters_is_listed(
    client: Any, kind: str, params: dict[str, Any],
) -> None:
    """A bad ``convert_mw`` (that the conversion checks depend on) and an unknown site
    (whose check depends on nothing else): both listed, as ``hashpivot pivot
    --convert-mw -5 --site nope`` lists both (until 2026-12-07 the API listed only the
    first: the checks of the other parameters were skipped)."""
    pid = client.get("/api/portfolios").json()[2]["id"]
    r = client.post("/api/runs", json={"kind": kind, "portfolio_id": pid, "params": params})
    assert r.status_code == 422, r.text
    paths = sorted(p["path"] for p in r.json()["problems"])
    assert paths == sorted(f"body.params.{name}" for name in params if name != "paths"), \
        r.json()["problems"]


def _market(market: str) -> Any:
    def edit(doc: dict[str, Any]) -> None:
        doc["sites"][0]["power_contract"]["market"] = market
    return edit


@pytest.mark.parametrize(
    ("edit", "params", "path"),
    [
        (None, {"market": "ercot:HB_NOPE"}, "body.params.market"),
        (None, {"market": "ercot:HB_WEST:2019"}, "body.params.market"),
        (_market("ercot:NOPE"), {}, "sites[0].power_contract.market"),
        (_market("ercot:HB_WEST:2019"), {}, "sites[0].power_contract.market"),
    ],
)
def test_a_market_with_no_bundled_prices_names_only_what_the_service_takes(
    client: Any, edit: Any, params: dict[str, Any], path: str,
) -> None:
    """A dispatch run on a market no bundled prices answer: the problem says what a user
    of the service can do (a bundled ``market``), and that a price file is taken only by
    the command line and the library; it told them to give ``prices_file`` or to "pass a
    price file", which the service does not take (until 2026-12-07)."""
    doc = _edited("dispatch-west-texas.toml", edit if edit is not None else (lambda d: None))
    pid = client.post("/api/portfolios", json=doc).json()["id"]
    r = client.post("/api/runs", json={"kind": "dispatch", "portfolio_id": pid,
                                       "params": params})
    assert r.status_code == 422, r.text
    (problem,) = r.json()["problems"]
    assert problem["path"] == path
    message = problem["message"]
    assert "no bundled prices" in message and "give `market` (bundled prices)" in message, message
    assert "prices_file" not in message and "pass a price file" not in message, message
    assert "only `hashpivot dispatch --prices` and the library take one" in message


def test_a_pivot_run_on_a_market_not_bundled_runs_and_a_dispatch_run_is_refused(
        client: Any) -> None:
    """A contract market no bundled prices answer (``ercot:NOPE``) on a dispatching site:
    a dispatch run, which needs those prices, is refused at the field; a pivot run values
    mining flat with a note, as the CLI does (the same file is valid for ``hashpivot
    dispatch --prices``); a reference that is no market at all is refused by both."""
    pid = client.post("/api/portfolios", json=_edited(
        "dispatch-west-texas.toml", _market("ercot:NOPE"))).json()["id"]
    r = client.post("/api/runs", json={"kind": "dispatch", "portfolio_id": pid, "params": {}})
    assert r.status_code == 422, r.text
    (problem,) = r.json()["problems"]
    assert problem["path"] == "sites[0].power_contract.market"
    r = client.post("/api/runs", json={"kind": "pivot", "portfolio_id": pid, "params": {}})
    assert r.status_code in (200, 201, 202), r.text
    bogus = client.post("/api/portfolios", json=_edited(
        "dispatch-west-texas.toml", _market("bogus"))).json()["id"]
    for kind in ("pivot", "dispatch"):
        r = client.post("/api/runs", json={"kind": kind, "portfolio_id": bogus, "params": {}})
        assert r.status_code == 422, r.text
        (problem,) = r.json()["problems"]
        assert problem["path"] == "sites[0].power_contract.market"
        assert problem["source"] == f"portfolio {bogus}"


def _edited(name: str, edit: Any) -> dict[str, Any]:
    """An example's document with ``edit(doc)`` applied."""
    doc = tomllib.loads((EXAMPLES / name).read_text())
    edit(doc)
    return dict(json.loads(json.dumps(doc, default=str)))  # (TOML dates as text)


def _retire(doc: dict[str, Any]) -> None:
    doc["sites"][0]["fleet"][0].update(start="2020-01-01", end="2021-06")


def _no_fleet(doc: dict[str, Any]) -> None:
    for s in doc["sites"]:
        s["fleet"] = []


def _ai_over_limit(doc: dict[str, Any]) -> None:
    doc["sites"][0]["dispatch"]["ai_load_mw"] = 400.0


def _unknown_tenant_site(doc: dict[str, Any]) -> None:
    doc["optimize"].pop("rules_file", None)
    doc["optimize"]["tenants"][0]["sites"] = ["Pecos PPA", "Nowhere"]


def _committed_after_the_horizon(doc: dict[str, Any]) -> None:
    doc["optimize"].pop("rules_file", None)
    doc["optimize"]["committed"] = [
        {"site": "pecos ppa", "quarter": "2090Q1", "gross_mw": 25.0, "tenant": "Neocloud B"}]


def _network_below_the_fleet(table: str) -> Any:
    def edit(doc: dict[str, Any]) -> None:
        doc.setdefault(table, {})["network_hashrate_th_s"] = 1e-3
    return edit


def test_a_simulate_run_from_the_scenario_start_is_checked_on_that_month(client: Any) -> None:
    """Machines retired in 2025-06 and ``[scenario] start = "2025-01"``: simulate values
    from 2025-01, when they run, so its run is accepted (202), while pivot, from its own
    later start, is refused (422) as the CLI refuses it (a review found the simulate run
    refused on pivot's first month)."""
    def edit(doc: dict[str, Any]) -> None:
        doc["sites"][0]["fleet"][0]["end"] = "2025-06"
        doc.setdefault("scenario", {})["start"] = "2025-01"

    pid = client.post("/api/portfolios", json=_edited("pivot-200mw.toml", edit)).json()["id"]
    r = client.post("/api/runs", json={"kind": "simulate", "portfolio_id": pid,
                                       "params": {"paths": 10, "years": 1}})
    assert r.status_code == 202, r.text
    r = client.post("/api/runs", json={"kind": "pivot", "portfolio_id": pid, "params": {}})
    assert r.status_code == 422 and r.json()["problems"][0]["path"] == "sites[0].fleet"


@pytest.mark.parametrize(
    ("example", "edit", "kind", "params", "path"),
    [
        ("pivot-200mw.toml", _retire, "pivot", {}, "sites[0].fleet"),
        ("pivot-200mw.toml", _retire, "simulate", {"paths": 10, "years": 1}, "sites[0].fleet"),
        ("reverse-margin.toml", _no_fleet, "backtest", {}, "sites"),
        ("reverse-margin.toml", _no_fleet, "cost", {}, "sites"),
        ("dispatch-west-texas.toml", _ai_over_limit, "dispatch",
         {"market": "ercot:HB_WEST:2024"}, "sites[0].dispatch.limits.import_mw"),
        ("portfolio.toml", _unknown_tenant_site, "optimize", {}, "optimize.tenants[0].sites"),
        ("portfolio.toml", _committed_after_the_horizon, "optimize", {},
         "optimize.committed[0].quarter"),
        # a network of 1 GH/s holding the site's 10.4 EH/s: accepted (202) until
        # 2026-12-07, to fail in the worker ([pivot]) or to value it ([scenario])
        ("pivot-200mw.toml", _network_below_the_fleet("pivot"), "pivot", {},
         "pivot.network_hashrate_th_s"),
        ("pivot-200mw.toml", _network_below_the_fleet("scenario"), "simulate",
         {"paths": 10, "years": 1}, "scenario.network_hashrate_th_s"),
        ("pivot-200mw.toml", _network_below_the_fleet("scenario"), "optimize",
         {"scenarios": 2}, "scenario.network_hashrate_th_s"),
    ],
)
def test_a_portfolio_the_engine_would_refuse_is_a_422_at_submission_naming_it(
    client: Any, example: str, edit: Any, kind: str, params: dict[str, Any], path: str,
) -> None:
    """A run on a portfolio the engine refuses (every machine retired, no fleet, an AI
    load above the import limit, a tenant offered a site that does not exist) is refused
    when it is submitted, at the portfolio's field and naming the portfolio, as the CLI
    refuses the file (exit 2). Until 2026-12-05 each was accepted (202) and failed in the
    worker, its problem with no source or with the run parameters' (and the cost run's
    empty fleet was put on its ``date``)."""
    created = client.post("/api/portfolios", json=_edited(example, edit))
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    r = client.post("/api/runs", json={"kind": kind, "portfolio_id": pid, "params": params})
    assert r.status_code == 422, r.text
    problems = r.json()["problems"]
    assert [(p["path"], p["source"]) for p in problems] == [(path, f"portfolio {pid}")], \
        problems


def test_a_swap_runs_through_the_api_as_on_the_command_line(
        client: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The 200 MW example with its S21s swapped for S21 XPs in 2026-07 (a fleet over its
    capacity counted together, hashpivot.mining.slots): imported as TOML, its pivot run
    gives the numbers and the swap note of ``hashpivot pivot --json``."""
    text = (EXAMPLES / "pivot-200mw.toml").read_text()
    line = "  uptime_fraction = 0.95\n\n  [[sites.cost_items]]"
    assert line in text
    text = text.replace(line, (
        '  uptime_fraction = 0.95\n  end = "2026-06"\n\n  [[sites.fleet]]\n'
        '  asic = "Antminer S21 XP"\n  count = 52000\n  uptime_fraction = 0.95\n'
        '  start = "2026-07-01"\n  capex_usd_per_th = 15.0\n  depreciation_years = 4.0\n'
        "\n  [[sites.cost_items]]"))
    path = tmp_path / "swap.toml"
    path.write_text(text)
    r = client.post("/api/portfolios/import", content=text.encode(),
                    headers={"Content-Type": "application/toml"})
    assert r.status_code == 201, r.text
    r = client.post("/api/runs", json={"kind": "pivot", "portfolio_id": r.json()["id"]})
    assert r.status_code == 202, r.text
    run = wait_run(client, r.json()["id"])
    assert run["status"] == "succeeded", run
    cli = _cli_json(capsys, ["pivot", str(path), "--json"])
    api = run["results"]
    assert api["strategies"] == cli["strategies"]
    assert any("replace one another on the same power" in w for w in api["warnings"])


def test_a_portfolio_id_is_a_number_not_a_boolean(client: Any) -> None:
    """JSON ``true`` was read as portfolio 1 (202, a run of it); ``"1"`` as 1 too."""
    for pid in (True, "1", 1.0):
        r = client.post("/api/runs", json={"kind": "cost", "portfolio_id": pid})
        assert r.status_code == 422, (pid, r.text)
        assert any(p["path"] == "body.portfolio_id" for p in r.json()["problems"]), r.text


def test_a_site_the_portfolio_lacks_is_listed_with_the_parameters_problems(client: Any
                                                                           ) -> None:
    """The command line lists ``--site`` with its other options' problems; the API listed
    only the parameters' own (policy, price_model) and the site on the next submission."""
    pid = client.get("/api/portfolios").json()[1]["id"]
    r = client.post("/api/runs", json={"kind": "simulate", "portfolio_id": pid, "params": {
        "policy": "foo", "site": "nope"}})
    assert r.status_code == 422, r.text
    paths = [p["path"] for p in r.json()["problems"]]
    assert "body.params.policy" in paths and "body.params.site" in paths, r.text
    # a kind without a site parameter: one problem, the unknown field
    r = client.post("/api/runs", json={"kind": "cost", "portfolio_id": pid, "params": {
        "site": "nope"}})
    assert [p["path"] for p in r.json()["problems"]] == ["body.params.site"], r.text


def test_a_run_s_checks_against_the_portfolio_are_listed_with_a_bad_parameter(
        client: Any) -> None:
    """MW over the convertible ones (the check against the portfolio) came on the
    submission after a bad start or paths; a bad MW figure skips that check (it depends
    on it)."""
    pid = client.get("/api/portfolios").json()[1]["id"]
    for kind, params in (("pivot", {"convert_mw": 9999, "start": "2026-00"}),
                         ("simulate", {"convert_mw": 9999, "paths": 0})):
        r = client.post("/api/runs", json={"kind": kind, "portfolio_id": pid,
                                           "params": params})
        problems = r.json()["problems"]
        assert _problem_paths(r) == [f"body.params.{name}" for name in (
            *(set(params) - {"convert_mw"}), "convert_mw")], r.text
        assert "exceeds the 200 MW" in problems[1]["message"], r.text
    r = client.post("/api/runs", json={"kind": "pivot", "portfolio_id": pid,
                                       "params": {"convert_mw": -1, "start": "2026-07"}})
    assert _problem_paths(r) == ["body.params.convert_mw"], r.text


@pytest.mark.parametrize("kind", ["pivot", "simulate"])
def test_a_start_month_13_is_a_problem_at_start_without_a_mw_figure_too(
        service: Any, kind: str) -> None:
    """``start = "2026-13"`` passed the parameter's pattern: with a MW figure it was
    refused by the run's checks, without one the only problem listed was that a start
    needs a MW figure (on a portfolio without [pivot] convert_mw), not that the month is
    not one; the command line refuses --start 2026-13 on its own."""
    pid = service.get("/api/portfolios").json()[0]["id"]  # no [pivot] convert_mw
    for params in ({"start": "2026-13"}, {"start": "2026-00", "convert_mw": 50}):
        r = service.post("/api/runs", json={"kind": kind, "portfolio_id": pid,
                                            "params": params})
        problems = r.json()["problems"]
        assert _problem_paths(r)[0] == "body.params.start", r.text
        assert problems[0]["message"] == (f"expected a month as 'YYYY-MM', got "
                                          f"'{params['start']}'"), r.text


def _problem_paths(r: Any) -> list[str]:
    assert r.status_code == 422, r.text
    return [p["path"] for p in r.json()["problems"]]


def test_a_name_longer_than_its_column_is_a_422(service: Any) -> None:
    """PostgreSQL refused the 201-character name with a 500 (a varchar(200) column);
    SQLite stored it."""
    from hashpivot.models.fields import NAME_MAX_CHARS

    doc = tomllib.loads((EXAMPLES / "reverse-margin.toml").read_text())
    long_name = "x" * (NAME_MAX_CHARS + 1)
    assert _problem_paths(service.post("/api/portfolios", json=dict(doc, name=long_name))
                          ) == ["name"]
    text = f'name = "{long_name}"\n' + (EXAMPLES / "pivot-200mw.toml").read_text().replace(
        'name = "Example 200 MW miner"', "", 1)
    r = service.post("/api/portfolios/import", content=text.encode(),
                     headers={"Content-Type": "application/toml"})
    assert _problem_paths(r) == ["name"] and "200" in r.json()["problems"][0]["message"]
    created = service.post("/api/portfolios", json=dict(doc, name="x" * NAME_MAX_CHARS))
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    assert _problem_paths(service.put(f"/api/portfolios/{pid}",
                                      json=dict(doc, name=long_name))) == ["name"]


def test_a_nul_character_anywhere_in_a_document_is_a_422_at_its_path(service: Any) -> None:
    """PostgreSQL refused a NUL in the name with a 500; a NUL elsewhere was stored (and
    could not be part of a message or a name column later)."""
    doc = tomllib.loads((EXAMPLES / "reverse-margin.toml").read_text())
    assert _problem_paths(service.post("/api/portfolios", json=dict(doc, name="a\x00b"))
                          ) == ["name"]
    bad = json.loads(json.dumps(doc))
    bad["sites"][1]["name"] = "Georgia\x00"
    bad["sites"][0]["fleet"][1]["asic"] = "\x00"
    bad["cost_items"][0]["name"] = "SG&A\x00"
    r = service.post("/api/portfolios", json=bad)
    assert {"sites[1].name", "sites[0].fleet[1].asic", "cost_items[0].name"} <= set(
        _problem_paths(r))
    assert "NUL" in r.json()["problems"][0]["message"]
    text = (EXAMPLES / "pivot-200mw.toml").read_text().replace(
        'name = "Example 200 MW miner"', 'name = "Example\\u0000"', 1)
    r = service.post("/api/portfolios/import", content=text.encode(),
                     headers={"Content-Type": "application/toml"})
    assert _problem_paths(r) == ["name"]
    pid = service.get("/api/portfolios").json()[0]["id"]
    site = service.get(f"/api/portfolios/{pid}/sites/1").json()
    r = service.post(f"/api/portfolios/{pid}/sites", json=dict(site, name="New\x00"))
    assert _problem_paths(r) == ["sites[2].name"]
    r = service.put(f"/api/portfolios/{pid}/sites/0", json=dict(site, name="New\x00"))
    assert _problem_paths(r) == ["sites[0].name"]
    r = service.post("/api/runs", json={"kind": "cost", "portfolio_id": pid, "params": {
        "network": {"btc_price_usd": 1e5, "difficulty": 1e14, "source": "me\x00"}}})
    assert _problem_paths(r) == ["body.params.network.source"]
    assert service.get("/api/runs").json() == []  # nothing stored


def test_an_unknown_kind_filter_is_a_422_listing_the_kinds(service: Any) -> None:
    """``kind=a%00b`` reached the query: a 500 on PostgreSQL."""
    for kind in ("a%00b", "nope"):
        r = service.get(f"/api/runs?kind={kind}")
        assert _problem_paths(r) == ["query.kind"]
        assert "'cost'" in r.text and "'optimize'" in r.text
    assert service.get("/api/runs?kind=cost").json() == []


def test_every_timestamp_is_utc_with_its_offset(service: Any) -> None:
    """SQLite gave back ``created_at`` without its offset (``Z`` only at creation)."""
    pid = service.get("/api/portfolios").json()[0]["id"]
    doc = service.get(f"/api/portfolios/{pid}").json()["document"]
    stamps: list[str] = []
    for p in (service.put(f"/api/portfolios/{pid}", json=doc).json(),
              service.get(f"/api/portfolios/{pid}").json(),
              service.get("/api/portfolios").json()[0]):
        stamps += [p["updated_at"], p.get("created_at", "Z")]
    submitted = service.post("/api/runs", json={"kind": "cost", "portfolio_id": pid})
    assert submitted.status_code == 202, submitted.text
    run_id = submitted.json()["id"]
    again = [service.get(f"/api/runs/{run_id}").json(), service.get("/api/runs").json()[0],
             service.post(f"/api/runs/{run_id}/cancel").json()]
    assert {r["created_at"] for r in again} == {submitted.json()["created_at"]}
    stamps += [submitted.json()["created_at"], again[2]["finished_at"]]
    assert all(s.endswith("Z") for s in stamps), stamps


def test_the_openapi_schema_says_what_each_route_answers_and_how_to_authenticate(
        client: Any) -> None:
    """Every route listed every error code (the health check 401 to 422) and none the 409
    of a run without results or the 400 of a TOML that is not UTF-8; no security scheme
    was declared, so the docs had no Authorize button and generated clients sent no key."""
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    assert set(paths["/api/health"]["get"]["responses"]) == {"200"}
    for path in ("/api/runs/{run_id}/results", "/api/runs/{run_id}/tables"):
        assert "409" in paths[path]["get"]["responses"], path
    for path in ("/api/runs/{run_id}/reproduce", "/api/runs/{run_id}/plan-portfolio"):
        assert "409" in paths[path]["post"]["responses"], path
    assert "400" in paths["/api/portfolios/import"]["post"]["responses"]
    assert "403" not in paths["/api/portfolios"]["get"]["responses"]  # (no CSRF on reads)
    schemes = spec["components"]["securitySchemes"]
    assert schemes["apiKey"] == {"type": "http", "scheme": "bearer",
                                 "description": schemes["apiKey"]["description"]}
    assert paths["/api/portfolios"]["post"]["security"] == [{"apiKey": []}]
    assert "security" not in paths["/api/health"]["get"]


def test_a_run_request_lists_its_body_and_parameter_problems_together(client: Any) -> None:
    """A request whose ``portfolio_id`` is not a number was answered with that problem
    alone; its parameters' problems came on the next submission. Both are listed now,
    each with its source: the request's fields (``body.``) and the parameters' own."""
    r = client.post("/api/runs", json={"kind": "simulate", "portfolio_id": "abc",
                                       "params": {"paths": -1, "bogus": 1}})
    assert r.status_code == 422, r.text
    got = [(p["source"], p["path"]) for p in r.json()["problems"]]
    assert got == [("<request>", "body.portfolio_id"), ("<run parameters>", "body.params.paths"),
                   ("<run parameters>", "body.params.bogus")], r.text
    # parameters that are not an object, or a kind that is none: the request's own
    # problem, once
    for body in ({"kind": "cost", "portfolio_id": True, "params": [1]},
                 {"kind": "nope", "portfolio_id": True, "params": {"paths": -1}}):
        r = client.post("/api/runs", json=body)
        assert r.status_code == 422, r.text
        assert {p["source"] for p in r.json()["problems"]} == {"<request>"}, r.text


@pytest.mark.parametrize("quarter", ["2090Q1", "1990Q1"])
def test_a_fixed_through_quarter_outside_the_plan_is_a_422_at_the_parameter(
        client: Any, quarter: str) -> None:
    """``fixed_through`` beyond the plan's quarters ran an empty plan of value 0 (status
    ok); before them it fixed nothing: refused at submission, as the CLI's option."""
    def edit(doc: dict[str, Any]) -> None:
        doc["optimize"].pop("rules_file", None)

    pid = client.post("/api/portfolios", json=_edited("portfolio.toml", edit)).json()["id"]
    r = client.post("/api/runs", json={"kind": "optimize", "portfolio_id": pid,
                                       "params": {"fixed_through": quarter, "scenarios": 2}})
    assert r.status_code == 422, r.text
    (problem,) = r.json()["problems"]
    assert (problem["path"], problem["source"]) == ("body.params.fixed_through", "<run parameters>")
    assert problem["message"].startswith(f"{quarter} is outside the plan's quarters")


#: TOML date literals in each kind of date field (the CLI reads every one): a date-time
#: in a day field, an offset date-time in a day-or-month field, a day in a month field,
#: a day in a quarter field, a day in a date-time list.
_DATE_LITERALS = {
    "pivot-200mw.toml": [
        ('region = "ERCOT"', 'region = "ERCOT"\nconnection_date = 2021-06-01T00:00:00'),
        ("  uptime_fraction = 0.95",
         "  uptime_fraction = 0.95\n  start = 2021-06-01T10:30:00Z"),
        ('convert_start = "2026-01"', "convert_start = 2026-01-15"),
    ],
    "portfolio.toml": [('earliest_start = "2026Q3"', "earliest_start = 2026-08-15"),
                       ('rules_file = "regulation-extra.csv"', "")],  # (no files: a service)
    "dispatch-west-texas.toml": [("  2024-06-27T16:45:00,", "  2024-06-27,")],
}


@pytest.mark.parametrize("name", sorted(_DATE_LITERALS))
def test_an_import_with_toml_date_literals_is_stored_as_the_cli_reads_it(
    client: Any, tmp_path: Path, name: str
) -> None:
    """The import stored the literals as ISO text, which the day and month fields refuse:
    a 422 at ``<request>`` quoting text the file did not hold, for a file the CLI reads."""
    text = (EXAMPLES / name).read_text()
    for old, new in _DATE_LITERALS[name]:
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_text(text)
    cli = load_portfolio(path)
    r = client.post("/api/portfolios/import", content=text.encode(),
                    headers={"Content-Type": "application/toml"})
    assert r.status_code == 201, r.text
    pid, doc = r.json()["id"], r.json()["document"]
    assert validate_document(doc) == cli
    assert client.put(f"/api/portfolios/{pid}", json=doc).status_code == 200
    exported = tmp_path / "exported.toml"
    exported.write_text(client.get(f"/api/portfolios/{pid}/toml").text)
    assert load_portfolio(exported) == cli


def test_a_body_that_cannot_be_read_is_a_400_with_its_problem(service: Any) -> None:
    """JSON nested 100,000 levels deep and bytes that are not UTF-8 got FastAPI's 400
    "There was an error parsing the body" with no problem list; the import's "the TOML
    must be UTF-8" had none either. Each is now listed at ``body``, as every other
    problem of a request."""
    deep = b"[" * 100_000 + b"]" * 100_000
    json_type = {"Content-Type": "application/json"}
    for method, url in (("POST", "/api/portfolios"), ("PUT", "/api/portfolios/1"),
                        ("POST", "/api/portfolios/1/sites"), ("POST", "/api/runs")):
        r = service.request(method, url, content=deep, headers=json_type)
        assert r.status_code == 400, (url, r.text)
        assert r.json()["problems"] == [{"path": "body", "source": "<request>", "message":
                                         "the JSON nests arrays or objects too deeply to "
                                         "be read"}], r.text
    r = service.post("/api/runs", content=b'{"kind": "cost\xff", "portfolio_id": 1}',
                     headers=json_type)
    assert r.status_code == 400, r.text
    [problem] = r.json()["problems"]
    assert problem["path"] == "body" and "UTF-8" in problem["message"], problem
    assert "byte 14 (0xff)" in problem["message"], problem
    r = service.post("/api/portfolios/import", content=b'name = "\xff"',
                     headers={"Content-Type": "application/toml"})
    assert r.status_code == 400 and r.json()["problems"][0]["path"] == "body", r.text
    # JSON that is not JSON: at the body, with the decoder's words (was "body[17]": "JSON
    # decode error", a position read as an item)
    r = service.post("/api/runs", content=b'{"kind": "cost", ', headers=json_type)
    assert r.status_code == 422, r.text
    [problem] = r.json()["problems"]
    assert problem["path"] == "body" and "at character 17" in problem["message"], problem
    # a number of 5,000 digits (past Python's limit for reading one) was "the body cannot
    # be read (ValueError)"
    r = service.post("/api/runs", content=b'{"kind": "cost", "portfolio_id": 1'
                     + b"0" * 5_000 + b"}", headers=json_type)
    assert r.status_code == 400, r.text
    assert r.json()["problems"] == [{"path": "body", "source": "<request>", "message":
                                     "a number in the JSON has more digits than can be "
                                     "read (at most 4,300)"}], r.text
    assert service.get("/api/portfolios").status_code == 200  # the service goes on


def test_a_run_request_s_parameters_are_at_params(service: Any) -> None:
    """The parameters' problems were at ``paths`` while the request's own were at
    ``body.portfolio_id``: in one answer, two roots. They are at ``body.params.paths`` now;
    the parameter ``time_limit_s`` says it is the CLI's ``--time-limit``. (A portfolio
    without an ``[optimize]`` table, refused at ``optimize`` until 2026-12-07, runs on the
    table's defaults as the CLI does: ``test_an_optimize_run_of_a_file_without_an_optimize_
    table_is_the_clis``.)"""
    listed = service.get("/api/portfolios").json()
    for params, path in (({"paths": 0, "site": "Nowhere"},
                          ["body.params.paths", "body.params.site"]),
                         ({"site": "a\x00"}, ["body.params.site"])):
        r = service.post("/api/runs", json={"kind": "simulate",
                                            "portfolio_id": listed[1]["id"], "params": params})
        assert [(p["path"], p["source"]) for p in r.json()["problems"]] == [
            (name, "<run parameters>") for name in path], r.text
    r = service.post("/api/runs", json={"kind": "cost", "portfolio_id": listed[0]["id"],
                                        "params": [1]})
    assert [p["path"] for p in r.json()["problems"]] == ["body.params"], r.text
    kinds = {k["name"]: k for k in service.get("/api/run-kinds").json()}
    described = kinds["optimize"]["params_schema"]["properties"]["time_limit_s"]["description"]
    assert "--time-limit" in described


def test_edits_keep_the_comments_of_an_imported_file(client: Any, tmp_path: Path) -> None:
    """An edit (PUT, a site's PUT or DELETE) stored the document alone: the exported TOML
    lost every comment of the imported file, a saved plan's caveats included. They are
    kept where they were; the export reads back as the stored portfolio; a deleted site's
    comments go with it, which the head says."""
    text = "# Caveats a user wrote.\n" + (EXAMPLES / "pivot-200mw.toml").read_text()
    comments = [line.split("#", 1)[1] for line in text.splitlines() if "#" in line]
    assert len(comments) > 5  # teeth: a file with comments
    r = client.post("/api/portfolios/import", content=text.encode(),
                    headers={"Content-Type": "application/toml"})
    assert r.status_code == 201, r.text
    pid, doc = r.json()["id"], r.json()["document"]
    path = tmp_path / "exported.toml"

    def exported() -> str:
        out: str = client.get(f"/api/portfolios/{pid}/toml").text
        path.write_text(out)
        stored = client.get(f"/api/portfolios/{pid}").json()["document"]
        assert load_portfolio(path) == validate_document(stored)
        return out

    doc["sites"][0]["capacity_mw"] = doc["sites"][0]["capacity_mw"] + 1
    assert client.put(f"/api/portfolios/{pid}", json=doc).status_code == 200
    out = exported()
    assert [c for c in comments if c not in out] == []
    site = dict(doc["sites"][0], name="Second site")
    site.pop("hosting", None)
    assert client.post(f"/api/portfolios/{pid}/sites", json=site).status_code == 201
    out = exported()
    assert [c for c in comments if c not in out] == []
    r = client.delete(f"/api/portfolios/{pid}/sites/0")
    assert r.status_code == 200, r.text
    out = exported()
    assert out.startswith("# Caveats a user wrote.\n")
    assert re.search(r'^# hashpivot: an edit on \d{4}-\d\d-\d\d deleted sites\[0\] "[^"]+" '
                     r"and the \d+ comment\(s\) written in it$", out, re.M), out


def test_an_unknown_run_parameter_says_what_the_run_kind_takes(client: Any) -> None:
    """An unknown parameter was refused "unknown field (check its spelling and unit
    suffix)" on every run kind, and a price file so too: the refusal names the run kind and
    the parameters it takes (one function, ``store.runs.unknown_parameter``), and for a
    price file or rules file how to run on one."""
    from hashpivot.store.runs import RUN_KINDS

    pid = client.get("/api/portfolios").json()[0]["id"]
    for kind, k in RUN_KINDS.items():
        r = client.post("/api/runs", json={"kind": kind, "portfolio_id": pid,
                                           "params": {"bogus_usd": 1}})
        assert r.status_code == 422, r.text
        (problem,) = [p for p in r.json()["problems"] if p["path"] == "body.params.bogus_usd"]
        assert problem["message"] == (
            f"not a parameter of a {kind} run (check its spelling and unit suffix); it takes "
            + ", ".join(f"`{name}`" for name in k.params.model_fields)
            + " (GET /api/run-kinds: their schemas)"), problem
    r = client.post("/api/runs", json={"kind": "dispatch", "portfolio_id": pid,
                                       "params": {"prices_file": "px.csv"}})
    (problem,) = [p for p in r.json()["problems"] if p["path"] == "body.params.prices_file"]
    assert problem["message"].startswith("not a parameter of a dispatch run; it takes "
                                         "`market`, "), problem
    assert problem["message"].endswith(
        "; the service takes no price file: give a bundled `market` (GET "
        "/api/market/power/markets lists them), or run `hashpivot dispatch FILE --prices "
        "PRICES` or the library on yours"), problem
    # a field of the network conditions a cost run was resolved with: its own fields
    r = client.post("/api/runs", json={"kind": "cost", "portfolio_id": pid, "params": {
        "network": {"btc_price_usd": 1e5, "difficulty": 1e14, "bogus": 2}}})
    (problem,) = [p for p in r.json()["problems"] if p["path"] == "body.params.network.bogus"]
    assert problem["message"].startswith("not a field of `network` (check its spelling and "
                                         "unit suffix); it takes `btc_price_usd`, "), problem


def test_the_api_page_names_every_run_kind(sqlite_db: tuple[str, None]) -> None:
    """The API page's description listed the engines one can run as "cost, backtest,
    pivot, simulate, dispatch": optimize, a run kind since the first web slice, was
    missing. It now lists the kinds ``POST /api/runs`` takes."""
    from typing import get_args

    from hashpivot.web.schemas import RunKindName

    with make_client(*sqlite_db) as c:
        description = c.get("/openapi.json").json()["info"]["description"]
    assert f"({', '.join(get_args(RunKindName))})" in description, description
    assert "optimize" in description


def test_the_exported_toml_downloads_under_the_portfolio_s_name(
        sqlite_db: tuple[str, None]) -> None:
    """The portfolio page's "export TOML" link saved a file named "toml" (no name, no
    extension: the answer had no Content-Disposition); it is the portfolio's name as a
    file name, "west-texas-hybrid-illustrative.toml"."""
    with make_client(*sqlite_db) as c:
        key = add_key(c)
        r = c.get("/api/portfolios/3/toml", headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 200 and r.text.startswith("#")
        assert r.headers["content-disposition"] == (
            'attachment; filename="west-texas-hybrid-illustrative.toml"')
        # a name without a letter or digit: the portfolio's number
        doc = c.get("/api/portfolios/3", headers={"Authorization": f"Bearer {key}"}
                    ).json()["document"]
        doc["name"] = "§§ ..."
        assert c.put("/api/portfolios/3", json=doc,
                     headers={"Authorization": f"Bearer {key}"}).status_code == 200
        r = c.get("/api/portfolios/3/toml", headers={"Authorization": f"Bearer {key}"})
        assert r.headers["content-disposition"] == 'attachment; filename="portfolio-3.toml"'


def test_the_openapi_schema_documents_each_run_kinds_parameters_with_units(
        sqlite_db: tuple[str, None]) -> None:
    """``/openapi.json`` (what ``/docs`` and generated clients read) gave a run's
    ``params`` as any object, "see /api/run-kinds": none of the numbers the CLI's help
    gives a unit (``--discount-rate`` [fraction], ``--hashprice-usd-per-ph-day`` [USD per
    PH/s per day], ``--time-limit`` [s]) was documented there. Each kind's parameters are
    a schema of its own now, every number with its unit in brackets and its default."""
    from hashpivot.store.runs import RUN_KINDS

    with make_client(*sqlite_db, run_jobs=False) as c:
        spec = c.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    params = schemas["RunRequest"]["properties"]["params"]
    refs = {s["$ref"].rsplit("/", 1)[1] for s in params["anyOf"]}
    assert refs == {k.params.__name__ for k in RUN_KINDS.values()}

    def numbers(name: str) -> dict[str, dict[str, Any]]:
        out = {}
        for field, s in schemas[name]["properties"].items():
            types = {s.get("type"), *(a.get("type") for a in s.get("anyOf", []))}
            if types & {"number", "integer"}:
                out[field] = s
            for inner in (a.get("$ref") for a in s.get("anyOf", []) if "$ref" in a):
                out |= {f"{field}.{k}": v for k, v in numbers(inner.rsplit("/", 1)[1]).items()}
        return out

    for name in refs:
        for field, s in numbers(name).items():
            assert re.search(r"\[[^\]]+\]$", s.get("description", "")), (name, field, s)
    simulate = numbers("SimulateParams")
    assert simulate["discount_rate"]["description"].endswith("[fraction]")
    assert simulate["paths"]["default"] == 10_000  # (the CLI's --paths default)
    assert numbers("DispatchParams")["hashprice_usd_per_ph_day"]["description"].endswith(
        "[USD per PH/s per day]")
    assert numbers("OptimizeParams")["time_limit_s"]["description"].endswith("[s]")
    assert numbers("CostParams")["network.height"]["description"].endswith("[blocks]")


def test_a_backtest_s_defaults_sent_by_a_client_are_refused_at_their_path(
        service: Any) -> None:
    """A backtest run's ``defaults`` (the days its rule filled in) sent by a client were
    replaced, without a word, by what the service worked out (``["start"]`` sent with no
    day given: stored ``["start", "end"]``). The service sets them: given, they are a 422
    at ``body.params.defaults``, listed with the other problems, nothing stored, and the
    OpenAPI schema and ``/api/run-kinds`` show them read-only."""
    pid = service.get("/api/portfolios").json()[0]["id"]
    for params in ({"defaults": ["start"]}, {"defaults": []},
                   {"start": "2024-01-01", "end": "2024-03-31", "defaults": ["end"]}):
        r = service.post("/api/runs", json={"kind": "backtest", "portfolio_id": pid,
                                            "params": params})
        assert r.status_code == 422, r.text
        assert r.json()["problems"] == [{"path": "body.params.defaults",
                                         "message": "set by the service; leave it out",
                                         "source": "<run parameters>"}], params
    # with another parameter's problem and the request's own: each listed once
    r = service.post("/api/runs", json={"kind": "backtest", "portfolio_id": pid,
                                        "params": {"start": "2024-13-01",
                                                   "defaults": ["end"]}})
    assert sorted(_problem_paths(r)) == ["body.params.defaults", "body.params.start"]
    r = service.post("/api/runs", json={"kind": "backtest", "portfolio_id": "x",
                                        "params": {"defaults": ["end"]}})
    assert "body.params.defaults" in _problem_paths(r)
    assert service.get("/api/runs").json() == []  # nothing stored
    # the rule's days are still the service's to fill in and to say
    r = service.post("/api/runs", json={"kind": "backtest", "portfolio_id": pid,
                                        "params": {"end": "2024-03-31"}})
    assert r.status_code == 202, r.text
    run = service.get(f"/api/runs/{r.json()['id']}").json()
    assert run["inputs"]["params"]["defaults"] == ["start"]
    schema = service.get("/openapi.json").json()["components"]["schemas"]["BacktestParams"]
    kinds = {k["name"]: k for k in service.get("/api/run-kinds").json()}
    for documented in (schema, kinds["backtest"]["params_schema"]):
        assert documented["properties"]["defaults"]["readOnly"] is True
        assert not any(p.get("readOnly") for name, p in documented["properties"].items()
                       if name != "defaults")


def test_a_run_names_its_portfolio_as_its_page_does(
        database: tuple[str, str | None]) -> None:
    """The API's runs gave ``portfolio_id`` but not the name the pages show beside
    ``#id``: ``portfolio_name`` is the portfolio's name at the run's revision (stored
    with its inputs), in the run, the list of runs and the OpenAPI schema, the one the
    run's page and the runs lists show, a rename since included."""
    with make_client(*database, run_jobs=False) as service:
        login(service)  # (the pages' session; the API's key)
        add_key(service)
        _names_its_portfolio(service)


def _names_its_portfolio(service: Any) -> None:
    import html

    pid = service.get("/api/portfolios").json()[0]["id"]
    submitted = service.post("/api/runs", json={"kind": "cost", "portfolio_id": pid})
    assert submitted.status_code == 202, submitted.text
    run_id = submitted.json()["id"]
    before = service.get(f"/api/portfolios/{pid}").json()
    doc = dict(before["document"], name="Renamed since the run")
    assert service.put(f"/api/portfolios/{pid}", json=doc).status_code == 200
    named = before["name"]
    assert submitted.json()["portfolio_name"] == named
    assert service.get(f"/api/runs/{run_id}").json()["portfolio_name"] == named
    (listed,) = [r for r in service.get("/api/runs").json() if r["id"] == run_id]
    assert listed["portfolio_name"] == named
    page = html.unescape(service.get(f"/runs/{run_id}").text)
    assert f'<a href="/portfolios/{pid}">{named}</a> <span class="pid">#{pid}</span>' in page
    for url in ("/", f"/portfolios/{pid}"):
        rows = html.unescape(service.get(url).text)
        row = rows.split(f'<a href="/runs/{run_id}">#{run_id}</a>')[1].split("</tr>")[0]
        assert f'<a href="/portfolios/{pid}">{named}</a> <span class="pid">#{pid}</span>' \
            in row, url
    # a run stored without the name (no inputs): the portfolio's name now, on both
    from hashpivot.store.tables import RunRow

    with service.app.state.factory() as s, s.begin():
        s.get(RunRow, run_id).inputs = None
    assert service.get(f"/api/runs/{run_id}").json()["portfolio_name"] == doc["name"]
    page = html.unescape(service.get(f"/runs/{run_id}").text)
    assert f'<a href="/portfolios/{pid}">{doc["name"]}</a>' in page
    spec = service.get("/openapi.json").json()["components"]["schemas"]
    for name in ("RunOut", "RunDetail"):
        assert "portfolio_name" in spec[name]["properties"], name


def test_a_run_of_a_deleted_portfolio_says_its_name_and_that_it_is_deleted(
        database: tuple[str, str | None]) -> None:
    """A run whose portfolio was deleted since: the API gave the name it ran under
    (``portfolio_name``, with ``portfolio_id`` null), the run page and the runs list
    "deleted" alone. Each now says both, "<name> (deleted)"; a run stored without inputs
    (no name kept) says "deleted"; the OpenAPI schema says what a null id means."""
    with make_client(*database, run_jobs=False) as service:
        login(service)  # (the pages' session; the API's key)
        add_key(service)
        _deleted_portfolio(service)


def _run_row(service: Any, url: str, run_id: int) -> str:
    """The row of run ``run_id`` in the runs list of page ``url``, unescaped."""
    import html

    page = html.unescape(service.get(url).text)
    return page.split(f'<a href="/runs/{run_id}">#{run_id}</a>')[1].split("</tr>")[0]


def _deleted_portfolio(service: Any) -> None:
    import html

    from hashpivot.store.tables import RunRow

    doc = service.get(f"/api/portfolios/{service.get('/api/portfolios').json()[0]['id']}")
    gone = service.post("/api/portfolios", json=dict(doc.json()["document"], name="Gone <b>"))
    pid = gone.json()["id"]
    run_id = service.post("/api/runs", json={"kind": "cost", "portfolio_id": pid}).json()["id"]
    assert service.delete(f"/api/portfolios/{pid}").status_code == 204

    one = service.get(f"/api/runs/{run_id}").json()
    (listed,) = [r for r in service.get("/api/runs").json() if r["id"] == run_id]
    for run in (one, listed):
        assert (run["portfolio_id"], run["portfolio_name"]) == (None, "Gone <b>"), run
    page = service.get(f"/runs/{run_id}").text
    assert "portfolio Gone &lt;b&gt; (deleted)" in page  # (escaped as any name)
    row = _run_row(service, "/", run_id)
    assert '<td class="run-revision">Gone <b> (deleted)</td>' in row, row

    # stored without inputs: no name is left to say
    with service.app.state.factory() as s, s.begin():
        s.get(RunRow, run_id).inputs = None
    assert service.get(f"/api/runs/{run_id}").json()["portfolio_name"] is None
    page = html.unescape(service.get(f"/runs/{run_id}").text)
    assert "portfolio deleted ·" in " ".join(page.split()) and "None" not in page
    row = _run_row(service, "/", run_id)
    assert '<td class="run-revision">deleted</td>' in row, row

    spec = service.get("/openapi.json").json()["components"]["schemas"]
    for name in ("RunOut", "RunDetail"):
        said = spec[name]["properties"]["portfolio_id"].get("description", "")
        assert "deleted" in said and "portfolio_name" in said, (name, said)


def test_a_site_state_no_rule_can_name_is_a_422_with_the_clis_message(client: Any) -> None:
    """A site's ``state`` is checked against the codes a regulation rule may name (the
    service reads no rules file; the bundled rules match on ``state``): ``Texas`` was
    refused as a pattern, ``ZZ`` stored, and no rule could match it."""
    doc = tomllib.loads((EXAMPLES / "reverse-margin.toml").read_text())
    doc["name"] = "states"
    for state, message in (
            ("ZZ", "'ZZ' is not a state or province code (two letters, upper case: the 50 "
                   "US states, DC, the US territories, the Canadian provinces and "
                   "territories)"),
            ("Texas", "'Texas' is not a state or province code; write its code: TX")):
        doc["sites"][0]["state"] = state
        r = client.post("/api/portfolios", json=doc)
        assert r.status_code == 422, r.text
        assert {"path": "sites[0].state", "message": message} in [
            {k: p[k] for k in ("path", "message")} for p in r.json()["problems"]], r.text


def test_a_mistyped_grid_operator_is_a_422_at_its_field(client: Any) -> None:
    """``iso = "ERCTO"`` escaped every ERCOT rule: a 422 at ``sites[i].iso`` with the
    CLI's message; the example's ``region = "SERC"`` (an operator hashpivot does not
    list) is stored."""
    doc = tomllib.loads((EXAMPLES / "reverse-margin.toml").read_text())
    doc["name"] = "operators"
    assert doc["sites"][1]["region"] == "SERC"
    doc["sites"][0]["iso"] = "ERCTO"
    r = client.post("/api/portfolios", json=doc)
    assert r.status_code == 422, r.text
    assert [{k: p[k] for k in ("path", "message")} for p in r.json()["problems"]] == [
        {"path": "sites[0].iso",
         "message": "'ERCTO' is not a grid operator hashpivot knows; did you mean ERCOT?"}]
    doc["sites"][0]["iso"] = "ercot"
    assert client.post("/api/portfolios", json=doc).status_code == 201
