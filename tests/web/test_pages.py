"""Dashboard pages: overview charts, site form with errors next to fields, run launch."""

from __future__ import annotations

import copy
import datetime as dt
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import add_key, launch_from_form, login, make_client, wait_run

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_site_form_shows_errors_next_to_fields(sqlite_db: tuple[str, None]) -> None:
    with make_client(*sqlite_db, run_jobs=False) as c:
        csrf = login(c)
        page = c.get("/portfolios/1/sites/0/edit").text
        assert "capacity_mw" in page and "[MW]" in page and "[USD/MWh]" in page
        form = {"csrf_token": csrf, "capacity_mw": "abc", "pool_fee_fraction": "0.5",
                "name": "Texas"}
        r = c.post("/portfolios/1/sites/0/edit", data=form)
        assert r.status_code == 422
        html = r.text
        # each error sits inside its field's block
        cap = html.split('for="f-capacity_mw"')[1].split('class="field')[0]
        assert 'class="error"' in cap and "number" in cap
        fee = html.split('for="f-pool_fee_fraction"')[1].split('class="field')[0]
        assert 'class="error"' in fee and "0.2" in fee
        form = {"csrf_token": csrf, "capacity_mw": "500", "name": "Texas"}
        r = c.post("/portfolios/1/sites/0/edit", data=form, follow_redirects=False)
        assert r.status_code == 303
        doc: dict[str, Any] = c.get("/api/portfolios/1").json()["document"]
        assert doc["sites"][0]["capacity_mw"] == 500


def test_parallel_site_forms_are_all_saved(sqlite_db: tuple[str, None]) -> None:
    """Eight sites' forms saved at once: each keeps its edit (none overwrites another)."""
    from concurrent.futures import ThreadPoolExecutor

    with make_client(*sqlite_db, run_jobs=False) as c:
        csrf = login(c)
        add_key(c)
        georgia = c.get("/api/portfolios/1/sites/1").json()
        for k in range(6):
            r = c.post("/api/portfolios/1/sites", json=dict(georgia, name=f"Site {k}"))
            assert r.status_code == 201, r.text
        sites = c.get("/api/portfolios/1/sites").json()

        def save(index: int) -> int:
            form = {"csrf_token": csrf, "name": sites[index]["name"],
                    "capacity_mw": str(1000 + index)}
            r = c.post(f"/portfolios/1/sites/{index}/edit", data=form, follow_redirects=False)
            return int(r.status_code)

        with ThreadPoolExecutor(max_workers=len(sites)) as pool:
            assert list(pool.map(save, range(len(sites)))) == [303] * len(sites)
        stored = c.get("/api/portfolios/1/sites").json()
        assert [s["capacity_mw"] for s in stored] == [1000 + k for k in range(len(sites))]


def _stored_by_other_code(url: str, run_id: int, code: dict[str, str],
                        libraries: dict[str, str]) -> None:
    """Make a stored run look as if another version of the code had made it."""
    from sqlalchemy import update

    from hashpivot.store.db import open_database
    from hashpivot.store.tables import RunRow

    engine, factory = open_database(url)
    with factory() as s, s.begin():
        row = s.get(RunRow, run_id)
        assert row is not None and row.provenance is not None
        prov = dict(row.provenance)
        prov["code"] = {**prov["code"], **code}
        prov["libraries"] = {**prov["libraries"], **libraries}
        s.execute(update(RunRow).where(RunRow.id == run_id).values(provenance=prov))
    engine.dispose()


def test_launch_runs_and_see_charts(sqlite_db: tuple[str, None]) -> None:
    with make_client(*sqlite_db) as c:
        csrf = login(c)
        r = c.post("/portfolios/1/runs", data={"csrf_token": csrf, "kind": "cost",
                                               "btc_price_usd": "-3"})
        assert r.status_code == 422
        field = r.text.split('for="f-cost-btc_price_usd"')[1].split('class="field')[0]
        assert 'class="error"' in field
        run_id = launch_from_form(c, csrf, 1, "cost")
        assert wait_run(c, run_id)["status"] == "succeeded"
        page = c.get(f"/runs/{run_id}").text
        assert "figure-data" in page and "reverse margin" in page
        # what it ran with, against this server's code, libraries and data
        line = page.split('id="run-provenance">')[1].split("</p>")[0]
        assert "the code, libraries and data of this server" in line
        assert f"hashpivot runs reproduce {run_id}" in line
        detail = c.get(f"/api/runs/{run_id}").json()
        assert detail["changed_since_run"] == {"recorded": True, "unchanged": True,
                                               "code": [], "libraries": [], "data": []}
        _stored_by_other_code(sqlite_db[0], run_id, {"engines/pivot": "0" * 16},
                            {"numpy": "1.26.0"})
        line = c.get(f"/runs/{run_id}").text.split('id="run-provenance">')[1]
        assert "changed since: the code of engines/pivot; libraries (numpy 1.26.0 -&gt; " in line
        detail = c.get(f"/api/runs/{run_id}").json()["changed_since_run"]
        assert detail["code"] == ["engines/pivot"] and not detail["unchanged"]
        overview = c.get("/portfolios/1").text
        assert "Cost per BTC against the BTC price" in overview
        assert "MW split" in overview
        market = c.get("/market").text
        assert "AI/HPC hosting deals" in market
        assert c.get("/static-vendor/plotly.min.js").status_code == 200
        assert "cdn" not in overview.lower()


def _overview_cost(client: Any, portfolio_id: int) -> str:
    """The overview's unit-economics line, without its tags, one space between words."""
    import re

    page = client.get(f"/portfolios/{portfolio_id}").text
    line = page.split('id="overview-cost"')[1].split("</p>")[0]
    return " ".join(re.sub(r"<[^>]+>", "", line.split(">", 1)[1]).split())


def test_the_overview_shows_the_cost_of_the_file_as_it_is_now(
    sqlite_db: tuple[str, None],
) -> None:
    """The overview's unit economics are those of a cost run of the portfolio's current
    revision with the default parameters (what ``hashpivot cost FILE`` prints of the file
    as it is), never a what-if on another day nor a run of an earlier revision (until
    2026-12-06 it showed the newest cost run, a 2010 what-if as "cost per BTC 0 USD")."""
    with make_client(*sqlite_db) as c:
        csrf = login(c)
        assert "no cost run of revision 1 with the default parameters" in _overview_cost(c, 1)
        default = launch_from_form(c, csrf, 1, "cost")
        assert wait_run(c, default)["status"] == "succeeded"
        what_if = launch_from_form(c, csrf, 1, "cost", date="2010-07-18")
        assert wait_run(c, what_if)["status"] == "succeeded"
        line = _overview_cost(c, 1)
        assert f"run #{default} " in line and "revision 1" in line
        assert f"#{what_if}" not in line and "2010-07-18" not in line
        # a new revision: the runs of the earlier one are not its cost
        form = {"csrf_token": csrf, "capacity_mw": "500", "name": "Texas"}
        r = c.post("/portfolios/1/sites/0/edit", data=form, follow_redirects=False)
        assert r.status_code == 303
        line = _overview_cost(c, 1)
        assert "no cost run of revision 2 with the default parameters" in line
        assert f"#{default}" not in line
        current = launch_from_form(c, csrf, 1, "cost")
        assert wait_run(c, current)["status"] == "succeeded"
        assert f"run #{current} " in _overview_cost(c, 1)
        # the what-if's own page and tables show its small numbers, not "0"
        tables = c.get(f"/api/runs/{what_if}/tables").json()
        results = c.get(f"/api/runs/{what_if}/results").json()
        views = next(t for t in tables if t["title"].startswith("Cost views"))
        assert "BTC 0 USD" not in tables[0]["title"]  # (the unit table, headed by the market)
        direct = views["rows"][0]
        assert direct[0] == "direct" and results["cost_per_btc_direct_usd"] < 1
        assert float(direct[1]) == pytest.approx(results["cost_per_btc_direct_usd"], rel=5e-3)


def test_the_overview_says_when_its_cost_run_read_other_data(
    sqlite_db: tuple[str, None], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A default cost run reads the latest data day. After ``hashpivot data update`` the
    overview still showed the run from before as the file's unit economics, with nothing
    said; it now says that run read other data and how to bring it up to date."""
    from hashpivot.io.user_data import COLUMNS, UPDATES_FILE

    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("HASHPIVOT_DATA_DIR", str(folder))
    with make_client(*sqlite_db) as c:
        csrf = login(c)
        run_id = launch_from_form(c, csrf, 1, "cost")
        assert wait_run(c, run_id)["status"] == "succeeded"
        assert "stale-run" not in c.get("/portfolios/1").text
        last = c.get("/api/market/btc").json()["available"]["last"]
        row = {"date": str(dt.date.fromisoformat(last) + dt.timedelta(days=1)),
               "price_usd": 111_111, "difficulty": 1.5e14, "blocks": 144,
               "fees_btc_per_block": 0.02, "subsidy_btc_per_block": 3.125,
               "hashrate_th_s": 1.1e9, "height_end": 916_000}
        (folder / UPDATES_FILE).write_text(",".join(COLUMNS) + "\n"
                                           + ",".join(str(row[k]) for k in COLUMNS) + "\n")
        page = c.get("/portfolios/1").text
        assert f"the cost run #{run_id} shown here ran on other data" in page
        assert UPDATES_FILE in page.split("stale-run")[1].split("</p>")[0]
        newer = launch_from_form(c, csrf, 1, "cost")
        assert wait_run(c, newer)["status"] == "succeeded"
        page = c.get("/portfolios/1").text
        assert "stale-run" not in page and f"run #{newer} " in _overview_cost(c, 1)


def test_the_overview_shows_small_costs_with_their_digits(sqlite_db: tuple[str, None]) -> None:
    """A cost per BTC under 1 USD reads with three significant digits, not "0"."""
    from sqlalchemy import update

    from hashpivot.store.tables import RunRow

    with make_client(*sqlite_db) as c:
        csrf = login(c)
        run_id = launch_from_form(c, csrf, 1, "cost")
        run = wait_run(c, run_id)
        small = {**run["results"], "btc_price_usd": 0.08584, "cost_per_btc_direct_usd": 0.01234,
                 "cost_per_btc_total_usd": 0.02345}
        with c.app.state.factory() as s, s.begin():
            s.execute(update(RunRow).where(RunRow.id == run_id).values(results=small))
        line = _overview_cost(c, 1)
        assert "BTC 0.0858 USD" in line
        assert "cost per BTC direct 0.0123 USD, total 0.0234 USD" in line


def test_run_forms_show_defaults_and_offer_true_false(sqlite_db: tuple[str, None]) -> None:
    """Empty fields show the default that applies; a yes/no parameter is a true/false
    choice, not a text box, and anything else is refused next to the field."""
    with make_client(*sqlite_db, run_jobs=False) as c:
        csrf = login(c)
        page = c.get("/portfolios/4").text
        form = page.split('id="run-form-optimize"')[1].split("</form>")[0]
        cont = form.split('for="f-optimize-continuous"')[1].split('class="field')[0]
        assert '<select id="f-optimize-continuous"' in cont
        assert '<option value="">default: false</option>' in cont
        assert '<option value="true">' in cont and '<option value="false">' in cont
        scen = form.split('for="f-optimize-scenarios"')[1].split('class="field')[0]
        assert 'placeholder="default: 200"' in scen  # the CLI's (it was 50)
        sim = page.split('id="run-form-simulate"')[1].split("</form>")[0]
        paths = sim.split('for="f-simulate-paths"')[1].split('class="field')[0]
        assert 'placeholder="default: 10000"' in paths  # the CLI's
        # no default (the file's or the data's applies): no placeholder
        assert "placeholder" not in sim.split('for="f-simulate-years"')[1].split('class="field')[0]
        r = c.post("/portfolios/4/runs", data={"csrf_token": csrf, "kind": "optimize",
                                               "continuous": "maybe", "scenarios": "3"})
        assert r.status_code == 422
        field = r.text.split('for="f-optimize-continuous"')[1].split('class="field')[0]
        assert 'class="error"' in field and "boolean" in field
        r = c.post("/portfolios/4/runs", data={"csrf_token": csrf, "kind": "optimize",
                                               "continuous": "true", "scenarios": "3"},
                   follow_redirects=False)
        assert r.status_code == 303
        run_id = int(r.headers["location"].rsplit("/", 1)[1])
        params = c.get(f"/api/runs/{run_id}").json()["inputs"]["params"]
        assert params["continuous"] is True and params["deterministic"] is False


def test_backtest_form_sends_empty_days_and_the_rule_fills_them(
        sqlite_db: tuple[str, None]) -> None:
    """The backtest form shows `start` and `end` with the rule the command line shares
    (``hashpivot backtest`` required ``--start`` where the form said a year before the
    end); empty, as a browser sends them, the service fills them in by that rule and keeps
    which it filled in (not a field of the form)."""
    with make_client(*sqlite_db, run_jobs=False) as c:
        csrf = login(c)
        form = c.get("/portfolios/1").text.split('id="run-form-backtest"')[1].split(
            "</form>")[0]
        assert re.findall(r'<input id="f-backtest-(\w+)"', form) == ["start", "end"]
        start = form.split('for="f-backtest-start"')[1].split('class="field')[0]
        assert "default: a year before the end (365 days, the end included" in start
        end = form.split('for="f-backtest-end"')[1].split('class="field')[0]
        assert "default: the latest day of the data" in end
        run_id = launch_from_form(c, csrf, 1, "backtest", start="", end="")
        params = c.get(f"/api/runs/{run_id}").json()["inputs"]["params"]
        assert params == {"start": "2024-09-27", "end": "2025-09-26",
                          "defaults": ["start", "end"]}
        run_id = launch_from_form(c, csrf, 1, "backtest", start="2024-01-01", end="")
        params = c.get(f"/api/runs/{run_id}").json()["inputs"]["params"]
        assert params == {"start": "2024-01-01", "end": "2025-09-26", "defaults": ["end"]}


def test_runs_name_their_portfolio_and_two_of_one_name_are_told_apart(
        database: tuple[str, str | None]) -> None:
    """Two imports of one example have the file's name (the export is the file itself,
    and the command line's titles read it); the runs list gave ``#id revision n`` without
    the name. The lists and pages name each portfolio with its id beside it, so the two
    are told apart (SQLite and PostgreSQL)."""
    text = (EXAMPLES / "reverse-margin.toml").read_text()
    with make_client(*database, run_jobs=False) as c:
        csrf = login(c)
        add_key(c)
        ids = []
        for _ in range(2):
            r = c.post("/api/portfolios/import", content=text.encode(),
                       headers={"Content-Type": "application/toml"})
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
        name = r.json()["name"]
        runs = [launch_from_form(c, csrf, pid, "cost") for pid in ids]
        index = c.get("/").text
        listed = index.split("<h1>Portfolios</h1>")[1].split("Recent runs")[0]
        for pid in ids:
            assert f'<a href="/portfolios/{pid}">{name}</a> <span class="pid">#{pid}</span>' \
                in listed
        recent = index.split("Recent runs")[1]
        for run_id, pid in zip(runs, ids, strict=True):
            row = recent.split(f'<a href="/runs/{run_id}">#{run_id}</a>')[1].split("</tr>")[0]
            cell = row.split('class="run-revision">')[1].split("</td>")[0]
            assert cell == (f'<a href="/portfolios/{pid}">{name}</a> '
                            f'<span class="pid">#{pid}</span>, revision 1')
        page = c.get(f"/portfolios/{ids[1]}").text
        assert f'<h1>{name} <span class="pid">#{ids[1]}</span></h1>' in page
        assert f'<a href="/portfolios/{ids[1]}">{name}</a> <span class="pid">#{ids[1]}' \
            in page.split("<h2>Runs</h2>")[1]
        run = c.get(f"/runs/{runs[0]}").text
        assert (f'portfolio <a href="/portfolios/{ids[0]}">{name}</a> '
                f'<span class="pid">#{ids[0]}</span> (revision 1') in run


def test_pivot_run_page_shows_the_table_and_assumptions(sqlite_db: tuple[str, None]) -> None:
    """The headline numbers and every assumption that can flip the verdict are on the
    page, not only in the JSON."""
    with make_client(*sqlite_db) as c:
        csrf = login(c)
        run_id = launch_from_form(c, csrf, 2, "pivot")
        assert wait_run(c, run_id)["status"] == "succeeded"
        page = c.get(f"/runs/{run_id}").text
        table = page.split("AI/HPC pivot vs keep mining")[1].split("</table>")[0]
        npv = table.split("<td>NPV</td>")[1].split("</tr>")[0]
        assert [cell.split("</td>")[0] for cell in npv.split('<td class="num">')[1:]] == [
            "126.3", "526.8", "329.2", "528.9"]
        assert "break-even lease (convert_100mw_2026-01): 100.0 USD/kW/month" in page
        assumptions = page.split("Resolved assumptions")[1].split("</table>")[0]
        assert "[pivot] discount_rate" in assumptions and "bundled Coin Metrics" in assumptions
        assert "Sensitivity (tornado)" in page


def test_tables_of_a_run_not_finished_are_a_409(sqlite_db: tuple[str, None]) -> None:
    with make_client(*sqlite_db, run_jobs=False) as c:
        csrf = login(c)
        run_id = launch_from_form(c, csrf, 1, "cost")
        assert c.get(f"/api/runs/{run_id}").json()["status"] == "queued"
        r = c.get(f"/api/runs/{run_id}/tables")
        assert r.status_code == 409 and "queued" in r.text


def test_policy_is_a_choice_of_the_treasury_policies(sqlite_db: tuple[str, None]) -> None:
    """The simulate form offers the policies the treasury knows (and 'all'), no more."""
    from typing import get_args

    from hashpivot.store.run_params import SimulateParams
    from hashpivot.treasury import POLICIES

    choice = get_args(SimulateParams.model_fields["policy"].annotation)[0]
    assert get_args(choice) == (*POLICIES, "all")
    with make_client(*sqlite_db, run_jobs=False) as c:
        csrf = login(c)
        form = c.get("/portfolios/2").text.split('id="run-form-simulate"')[1]
        field = form.split('for="f-simulate-policy"')[1].split('class="field')[0]
        assert '<select id="f-simulate-policy"' in field and '<option value="min_cash">' in field
        r = c.post("/portfolios/2/runs", data={"csrf_token": csrf, "kind": "simulate",
                                               "policy": "sell_some"})
        assert r.status_code == 422
        field = r.text.split('for="f-simulate-policy"')[1].split('class="field')[0]
        assert 'class="error"' in field


def test_cells_are_escaped_in_the_page() -> None:
    """Names come from users' files (sites, tenants, rules): the page escapes every cell."""
    from hashpivot.reports.tables.runs import RunTable
    from hashpivot.web.pages import templates

    evil = "<script>alert(1)</script>"
    table = RunTable(f"Plan {evil}", ("site", "MW"), [(evil, "100")], notes=(evil,),
                      right=frozenset({1}))
    html = templates.get_template("_tables.html").render(tables=[table])
    assert "<script>" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 3
    assert '<td class="num">100</td>' in html


def test_a_sub_row_is_indented_in_the_page_as_on_the_command_line() -> None:
    """The dispatch table's "  of which 4CP transmission charge" row is indented under its
    total on the command line; the page collapsed the spaces, so it read as a row of its
    own: a cell starting with spaces is a sub-row (indented by the stylesheet)."""
    from hashpivot.reports.tables.runs import RunTable
    from hashpivot.web.pages import templates

    table = RunTable("Dispatch", ("item", "value", "unit"), [
        ("power cost", "70,727,859", "USD"),
        ("  of which 4CP transmission charge", "1,306,024", "USD")], right=frozenset({1}))
    html = templates.get_template("_tables.html").render(tables=[table])
    assert '<td class="sub">  of which 4CP transmission charge</td>' in html
    assert "<td>power cost</td>" in html and '<td class="num">1,306,024</td>' in html
    css = (Path(templates.env.loader.searchpath[0]).parent  # type: ignore[attr-defined]
           / "static" / "style.css").read_text()
    assert "td.sub {" in css


def test_an_optimize_run_page_saves_its_plan_as_a_portfolio(
    sqlite_db: tuple[str, None]
) -> None:
    """The button on a finished optimize run's page stores the plan as a new portfolio
    and opens it; a run without a plan has no button."""
    with make_client(*sqlite_db) as c:
        csrf = login(c)
        r = c.post("/portfolios/4/runs", data={"csrf_token": csrf, "kind": "optimize",
                                               "scenarios": "8", "evpi_scenarios": "2"},
                   follow_redirects=False)
        run_id = int(r.headers["location"].rsplit("/", 1)[1])
        run = wait_run(c, run_id, 300)
        assert run["status"] == "succeeded" and run["results"]["plan"]
        page = c.get(f"/runs/{run_id}").text
        assert 'id="save-plan"' in page
        saved = c.post(f"/runs/{run_id}/plan-portfolio", data={"csrf_token": csrf},
                       follow_redirects=False)
        assert saved.status_code == 303
        new = c.get(saved.headers["location"]).text
        assert f"(plan of run {run_id})" in new
        # the file's head (what pivot does not value as the optimizer) and the halls
        head = new.split('id="file-head">')[1].split("</pre>")[0]
        assert head.startswith(f"The plan of optimize run {run_id}")
        assert "Not valued by pivot and simulate as by the optimizer:" in head
        halls = new.split('id="halls">')[1].split("</table>")[0]
        plan = run["results"]["plan"]
        assert halls.count("<tr>") == len(plan) + 1  # the heading row and one per hall
        assert plan[0]["tenant"] in halls
        no_csrf = c.post(f"/runs/{run_id}/plan-portfolio", data={}, follow_redirects=False)
        assert no_csrf.status_code in (400, 403)
        cost_id = launch_from_form(c, csrf, 1, "cost")
        assert wait_run(c, cost_id)["status"] == "succeeded"
        assert 'id="save-plan"' not in c.get(f"/runs/{cost_id}").text


def test_planned_halls_show_the_sites_terms_where_a_hall_has_none(
    sqlite_db: tuple[str, None]
) -> None:
    """A hall without a lease of its own (its fields absent, or null in a JSON document)
    shows "site's"; one with its own shows it."""
    import tomllib

    doc = tomllib.loads((Path(__file__).resolve().parents[2] / "examples"
                         / "pivot-200mw.toml").read_text())
    doc["sites"][0].setdefault("hosting", {})["phases"] = [
        {"start": "2026-04", "gross_mw": 20.0, "lease_usd_per_kw_month": None},
        {"start": "2026-10", "gross_mw": 30.0, "tenant": "T", "lease_usd_per_kw_month": 150.0,
         "probability_signing": 0.65},
    ]
    with make_client(*sqlite_db, run_jobs=False) as c:
        add_key(c)
        r = c.post("/api/portfolios", json=doc)
        assert r.status_code == 201, r.text
        page = c.get(f"/portfolios/{r.json()['id']}")
        assert page.status_code == 200
        halls = page.text.split('id="halls">')[1].split("</table>")[0]
        rows = halls.split("<tr>")[2:]
        assert "site&#39;s" in rows[0] or "site's" in rows[0]
        # (it was ``"T" in rows[1]``, true of the site's name "West Texas 200")
        assert "<td>T</td>" in rows[1] and '<td class="num">150.0</td>' in rows[1]
        assert "<td></td>" in rows[0]  # no tenant named
        # the probability of signing, in percent; a hall without one is built (100)
        assert '<td class="num">65</td></tr>' in rows[1]
        assert '<td class="num">100</td></tr>' in rows[0]


def test_an_id_no_row_can_have_is_a_404_not_a_server_error(
    sqlite_db: tuple[str, None],
) -> None:
    """Ids beyond a database integer (SQLite overflows at 2**63) are pages that do not
    exist, on every page route that takes an id, as on the API (422 there: a bounded
    path parameter)."""
    huge = 2**64
    with make_client(*sqlite_db, run_jobs=False) as c:
        csrf = login(c)
        for url in (f"/portfolios/{huge}", f"/runs/{huge}", f"/runs/{2**31}",
                    f"/portfolios/{huge}/sites/0/edit", "/portfolios/0", "/runs/-1"):
            r = c.get(url)
            assert r.status_code == 404, (url, r.status_code)
        for url, data in ((f"/portfolios/{huge}/runs", {"kind": "cost"}),
                          (f"/runs/{huge}/cancel", {}), (f"/runs/{huge}/reproduce", {}),
                          (f"/runs/{huge}/plan-portfolio", {}),
                          (f"/portfolios/{huge}/sites/0/edit", {"name": "x"})):
            r = c.post(url, data={"csrf_token": csrf, **data}, follow_redirects=False)
            assert r.status_code == 404, (url, r.status_code)
        assert c.get(f"/api/runs/{huge}").status_code == 422


def test_every_page_and_the_health_check_say_how_old_the_data_is(
        sqlite_db: tuple[str, None], data_dir: Path) -> None:
    """The CLI warns after a pivot, simulate or optimize that the latest data day is over
    30 days old (the engines start from it); no page nor API answer said so. Every page
    says it now, and ``/api/health`` gives the day and the warning."""
    import datetime as dt

    from hashpivot.io.user_data import latest_day, staleness_warning

    last = latest_day()  # (the bundled history: the test's data folder is empty)
    assert (dt.date.today() - last).days > 30  # (teeth)
    warning = staleness_warning()
    assert warning is not None
    with make_client(*sqlite_db, run_jobs=False) as c:
        login(c)
        for page in ("/", "/portfolios/1", "/market"):
            html = c.get(page).text
            assert f"the latest data day is {last}" in html, page
        health = c.get("/api/health").json()
        assert health["latest_data_day"] == last.isoformat()
        assert health["data_warning"] == warning


def test_a_site_form_read_before_another_edit_saves_no_other_site(
        sqlite_db: tuple[str, None]) -> None:
    """A review's case: the form of site 1 (Georgia) is shown; another user deletes
    Georgia; the form is saved to ``/sites/1/edit``: it renamed the third site to Georgia
    with the form's values (303). The form carries the name of the site it was filled
    for: it saves that site wherever it now stands, or is a 409 when it is gone."""
    import re

    with make_client(*sqlite_db, run_jobs=False) as c:
        csrf = login(c)
        doc = c.get("/api/portfolios/1").json()["document"]
        third = dict(copy.deepcopy(doc["sites"][1]), name="Third")
        assert c.post("/api/portfolios/1/sites", json=third,
                      headers={"X-CSRF-Token": csrf}).status_code == 201
        form = c.get("/portfolios/1/sites/1/edit").text
        read = re.search(r'name="site_read" value="([^"]*)"', form)
        assert read is not None and read.group(1) == "Georgia"
        assert c.delete("/api/portfolios/1/sites/1",
                        headers={"X-CSRF-Token": csrf}).status_code == 200
        def save(name: str, fee: str) -> Any:  # the form of site 1, as it was shown
            return c.post("/portfolios/1/sites/1/edit", follow_redirects=False, data={
                "csrf_token": csrf, "site_read": name, "name": name,
                "pool_fee_fraction": fee})

        r = save("Georgia", "0.011")
        assert r.status_code == 409, r.text
        sites = c.get("/api/portfolios/1").json()["document"]["sites"]
        assert [s["name"] for s in sites] == [doc["sites"][0]["name"], "Third"]
        assert sites[1].get("pool_fee_fraction") == third.get("pool_fee_fraction")
        # Third's form read, then the site before it deleted: saved to Third, now site 0
        form = c.get("/portfolios/1/sites/1/edit").text
        assert 'name="site_read" value="Third"' in form
        assert c.delete("/api/portfolios/1/sites/0",
                        headers={"X-CSRF-Token": csrf}).status_code == 200
        r = save("Third", "0.012")
        assert r.status_code == 303, r.text
        (only,) = c.get("/api/portfolios/1").json()["document"]["sites"]
        assert only["name"] == "Third" and only["pool_fee_fraction"] == 0.012


def test_a_page_error_is_a_page_and_an_api_error_stays_json(sqlite_db: tuple[str, None]
                                                           ) -> None:
    """A browser got the API's JSON for a missing portfolio, an id that is no number or a
    site form saved after another edit deleted its site. A page's error is now a page:
    its status, what went wrong and the way back; the API's errors are as they were."""
    with make_client(*sqlite_db, run_jobs=False) as c:
        csrf = login(c)
        for url, status, said in (
                ("/portfolios/999", 404, "no portfolio 999"),
                ("/portfolios/abc", 422, "portfolio_id: Input should be a valid integer"),
                ("/portfolios/1/sites/9/edit", 404, "portfolio 1 has no site 9"),
                ("/runs/999", 404, "no run 999"),
                ("/no-such-page", 404, "Not Found")):
            r = c.get(url)
            assert r.status_code == status, (url, r.text)
            assert r.headers["content-type"].startswith("text/html"), url
            assert f"<h1>{status} " in r.text and said in r.text, (url, r.text)
        # the site form of a site deleted meanwhile: the 409 as a page, back to the portfolio
        assert c.delete("/api/portfolios/1/sites/1",
                        headers={"X-CSRF-Token": csrf}).status_code == 200
        r = c.post("/portfolios/1/sites/1/edit", data={
            "csrf_token": csrf, "site_read": "Georgia", "name": "Georgia"})
        assert r.status_code == 409 and r.headers["content-type"].startswith("text/html")
        assert "was deleted or renamed by another edit" in r.text
        assert 'href="/portfolios/1"' in r.text
        # the API answers JSON, as before
        r = c.get("/api/portfolios/999")
        assert r.status_code == 404 and r.json() == {"detail": "no portfolio 999"}
        r = c.get("/api/portfolios/abc")
        assert r.status_code == 422 and r.json()["problems"][0]["path"] == "path.portfolio_id"
        # a page whose id is no number has no way back to it
        page = c.get("/portfolios/abc").text
        assert 'href="/portfolios/abc"' not in page and "Back to the portfolio" not in page
    with make_client(*sqlite_db, run_jobs=False) as c:  # no session: the sign-in page
        r = c.get("/portfolios/999")
        assert r.status_code == 401 and "Sign in" in r.text


def test_pages_are_served_with_a_warning_naming_a_corrupt_user_data_file(
        sqlite_db: tuple[str, None], data_dir: Path) -> None:
    """Every page and /api/health were a 500 (the staleness check read the file); a cost
    run names the file (422)."""
    path = data_dir / "btc_daily_updates.csv"
    path.write_bytes(b"garbage\n")
    with make_client(*sqlite_db, run_jobs=False) as c:
        login(c)
        for page in ("/", "/portfolios/1", "/market"):
            r = c.get(page)
            assert r.status_code == 200 and str(path) in r.text, page
        health = c.get("/api/health")
        assert health.status_code == 200 and str(path) in health.json()["data_warning"]
        add_key(c)
        r = c.post("/api/runs", json={"kind": "cost", "portfolio_id": 1})
        assert r.status_code == 422 and str(path) in r.text, r.text


def test_an_upload_with_a_byte_order_mark_keeps_its_head(sqlite_db: tuple[str, None]) -> None:
    """A TOML saved with a byte order mark imported: its comment lines were lost from the
    page (the head began with the mark, not ``#``); the mark is no part of the text."""
    text = "# My site, as of 2026-12\n" + (Path(__file__).resolve().parents[2] / "examples"
                                            / "reverse-margin.toml").read_text()
    with make_client(*sqlite_db, run_jobs=False) as c:
        add_key(c)
        r = c.post("/api/portfolios/import", content=("\ufeff" + text).encode(),
                   headers={"Content-Type": "application/toml"})
        assert r.status_code == 201, r.text
        page = c.get(f"/portfolios/{r.json()['id']}").text
        assert "My site, as of 2026-12" in page.split('id="file-head"')[1]


def test_a_site_form_edit_keeps_the_file_s_comments(sqlite_db: tuple[str, None]) -> None:
    """Saving a site's form dropped the stored file's text: the page's "file's head" (a
    saved plan's caveats) and every comment of the export were gone. They stay."""
    text = "# Caveats: what pivot does not value.\n" + (
        Path(__file__).resolve().parents[2] / "examples" / "pivot-200mw.toml").read_text()
    with make_client(*sqlite_db, run_jobs=False) as c:
        csrf = login(c)
        r = c.post("/api/portfolios/import", content=text.encode(),
                   headers={"Content-Type": "application/toml", "X-CSRF-Token": csrf})
        assert r.status_code == 201, r.text
        pid = r.json()["id"]
        form = {"csrf_token": csrf, "capacity_mw": "321", "name": r.json()["document"][
            "sites"][0]["name"]}
        r = c.post(f"/portfolios/{pid}/sites/0/edit", data=form, follow_redirects=False)
        assert r.status_code == 303, r.text
        page = c.get(f"/portfolios/{pid}").text
        assert "Caveats: what pivot does not value." in page.split('id="file-head"')[1]
        exported = c.get(f"/api/portfolios/{pid}/toml").text
        assert "capacity_mw = 321" in exported
        assert [line for line in text.splitlines()
                if line.lstrip().startswith("#") and line not in exported] == []


def test_the_seeded_optimizer_example_says_what_it_leaves_out(
        sqlite_db: tuple[str, None], tmp_path: Path) -> None:
    """The four-site example was seeded without its ``rules_file`` (the service reads no
    files), without its comments and under the file's own name: its plans differed from
    ``hashpivot optimize examples/portfolio.toml`` and nothing said so. Its name, its
    page's head and its export say it now; its comments are the file's."""
    from hashpivot.io.regulation import read_regulation_rules
    from hashpivot.models import load_portfolio
    from hashpivot.store.portfolios import validate_document

    examples = Path(__file__).resolve().parents[2] / "examples"
    extra = read_regulation_rules(examples / "regulation-extra.csv")
    assert extra  # teeth: the side file holds rules the seeded copy leaves out
    with make_client(*sqlite_db, run_jobs=False) as c:
        login(c)
        listed = c.get("/api/portfolios").json()
        [seeded] = [p for p in listed if p["name"].startswith("Four-site")]
        assert seeded["name"].endswith(" (without regulation-extra.csv)")
        exported = c.get(f"/api/portfolios/{seeded['id']}/toml").text
        head = c.get(f"/portfolios/{seeded['id']}").text.split('id="file-head">')[1]
        head = head.split("</pre>")[0]
        stored = c.get(f"/api/portfolios/{seeded['id']}").json()["document"]
    assert "rules_file" not in tomllib.loads(exported)["optimize"]
    assert "rules_file" not in stored["optimize"]
    for words in ("bundled regulation rules only",
                  "hashpivot optimize examples/portfolio.toml", *(r.rule_id for r in extra)):
        assert words in head and words in exported, words
    kept = [line.split("#", 1)[1] for line in (examples / "portfolio.toml").read_text(
        ).splitlines() if "#" in line and "rules_file" not in line]
    assert [c for c in kept if c not in exported] == []
    path = tmp_path / "seeded.toml"
    path.write_text(exported)
    assert load_portfolio(path) == validate_document(stored)


def _forms_of(html: str) -> tuple[list[str], list[tuple[list[str], list[str]]]]:
    """Every ``id`` of a page, and per form its labels' ``for`` and its controls' ids."""
    from html.parser import HTMLParser

    ids: list[str] = []
    forms: list[tuple[list[str], list[str]]] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = dict(attrs)
            if a.get("id"):
                ids.append(str(a["id"]))
            if tag == "form":
                forms.append(([], []))
            elif forms and tag == "label" and a.get("for"):
                forms[-1][0].append(str(a["for"]))
            elif forms and tag in ("input", "select", "textarea") and a.get("id"):
                forms[-1][1].append(str(a["id"]))

    Parser().feed(html)
    return ids, forms


def test_every_label_names_one_input_of_its_form_and_ids_are_unique(
        sqlite_db: tuple[str, None]) -> None:
    """The portfolio page gave its run forms the same ids (``f-start``, ``f-site`` three
    times, ``f-seed``, ``f-convert_mw`` twice): a label named another form's input."""
    from collections import Counter

    with make_client(*sqlite_db, run_jobs=False) as c:
        csrf = login(c)
        r = c.post("/portfolios/4/runs", data={"csrf_token": csrf, "kind": "optimize",
                                               "continuous": "maybe"})
        assert r.status_code == 422
        for url, html in (("/portfolios/4", c.get("/portfolios/4").text),
                          ("/portfolios/1/sites/0/edit",
                           c.get("/portfolios/1/sites/0/edit").text),
                          ("422 run form", r.text)):
            ids, forms = _forms_of(html)
            assert [i for i, n in Counter(ids).items() if n > 1] == [], url
            assert forms and any(labels for labels, _ in forms), url
            for labels, controls in forms:
                assert all(controls.count(target) == 1 for target in labels), (url, labels)


def test_run_lists_and_pages_say_which_revision_a_run_is_of(
        sqlite_db: tuple[str, None]) -> None:
    """An old run looked current: the run lists showed no revision, and a run page said
    "(revision 1)" but not that the portfolio is now at revision 2."""
    with make_client(*sqlite_db, run_jobs=False) as c:
        csrf = login(c)
        run_id = launch_from_form(c, csrf, 1, "cost")
        for url in ("/", "/portfolios/1"):
            rows = c.get(url).text.split('class="runs"')[1].split("</table>")[0]
            assert "<th>portfolio (revision)</th>" in rows, url
            row = rows.split(f'href="/runs/{run_id}"')[1].split("</tr>")[0]
            assert "#1</span>, revision 1" in row and "now at" not in row, url
        page = c.get(f"/runs/{run_id}").text
        assert "(revision 1)" in page and "has changed since" not in page
        r = c.post("/portfolios/1/sites/0/edit", follow_redirects=False, data={
            "csrf_token": csrf, "name": "Texas", "capacity_mw": "510"})
        assert r.status_code == 303, r.text
        for url in ("/", "/portfolios/1"):
            rows = c.get(url).text.split('class="runs"')[1].split("</table>")[0]
            row = rows.split(f'href="/runs/{run_id}"')[1].split("</tr>")[0]
            assert "revision 1 <span" in row and "(portfolio now at 2)" in row, url
        page = c.get(f"/runs/{run_id}").text
        said = page.split('id="run-revision-changed">')[1].split("</span>")[0]
        assert said == "the portfolio has changed since: it is now at revision 2"


def test_a_site_form_refused_for_another_edit_keeps_what_was_typed(
        sqlite_db: tuple[str, None]) -> None:
    """A site form saved after another edit renamed its site was a 409 page without the
    form: what the user typed was lost (a refused value, 422, is shown again). The 409
    says what changed and holds every typed value, to be saved to the site chosen."""
    import html
    import re

    with make_client(*sqlite_db, run_jobs=False) as c:
        csrf = login(c)
        georgia = c.get("/api/portfolios/1").json()["document"]["sites"][1]
        assert georgia["name"] == "Georgia" and len(georgia["fleet"]) == 2
        r = c.put("/api/portfolios/1/sites/1", json=dict(georgia, name="Georgia North"),
                  headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200, r.text
        typed = {"name": "Georgia", "capacity_mw": "321", "pool_fee_fraction": "0.011",
                 "power_contract.price_usd_per_mwh": "41.5", "fleet[0].count": "77",
                 "fleet[1].uptime_fraction": "0.93"}
        r = c.post("/portfolios/1/sites/1/edit", follow_redirects=False,
                   data={"csrf_token": csrf, "site_read": "Georgia", **typed})
        assert r.status_code == 409 and r.headers["content-type"].startswith("text/html")
        said = " ".join(html.unescape(
            r.text.split('id="edit-conflict">')[1].split("</section>")[0]).split())
        assert "was deleted or renamed by another edit" in said, said
        assert "now at revision 2; its sites: 0 'Texas', 1 'Georgia North'" in said, said
        for name, value in typed.items():
            field = r.text.split(f'name="{name}"')[1].split(">")[0]
            assert f'value="{value}"' in field, (name, field)
        options = re.findall(r'<option value="([^"]*)"',
                             r.text.split('name="site_read"')[1].split("</select>")[0])
        assert options == ["", "Texas", "Georgia North"]
        # saved to the site chosen: every typed value is stored
        r = c.post("/portfolios/1/sites/1/edit", follow_redirects=False,
                   data={"csrf_token": csrf, "site_read": "Georgia North", **typed})
        assert r.status_code == 303, r.text
        site = c.get("/api/portfolios/1").json()["document"]["sites"][1]
        assert (site["name"], site["capacity_mw"], site["pool_fee_fraction"]) == (
            "Georgia", 321, 0.011)
        assert site["power_contract"]["price_usd_per_mwh"] == 41.5
        assert site["fleet"][0]["count"] == 77 and site["fleet"][1]["uptime_fraction"] == 0.93


def test_a_site_form_saves_typed_fleet_values_to_their_own_machines_or_says_why_not(
        sqlite_db: tuple[str, None]) -> None:
    """A review's case: after a 409 the typed form saved to a chosen site applied fleet
    values by position: a count typed for Georgia's fleet[1], deleted meanwhile, was
    dropped (303), and saved to Texas the count typed for Georgia's first machine went
    onto Texas's, another model; the 409 form's labels had lost the ASICs. Each fleet
    entry's asic now travels with the form: a typed value for an entry the site lacks,
    or holds another machine in, is a 422 naming it, the form showing what was typed."""
    import html

    with make_client(*sqlite_db, run_jobs=False) as c:
        csrf = login(c)
        doc = c.get("/api/portfolios/1").json()["document"]
        texas, georgia = doc["sites"]
        asics = [e["asic"] for e in georgia["fleet"]]
        assert len(asics) == 2 and texas["fleet"][0]["asic"] != asics[0]  # (teeth)
        page = c.get("/portfolios/1/sites/1/edit").text
        assert f'name="fleet[1].asic" value="{asics[1]}"' in page
        # another edit renames Georgia and deletes its fleet[1]
        r = c.put("/api/portfolios/1/sites/1", headers={"X-CSRF-Token": csrf}, json=dict(
            georgia, name="Georgia North", fleet=georgia["fleet"][:1]))
        assert r.status_code == 200, r.text
        typed = {"name": "Georgia", "capacity_mw": "321", "fleet[0].asic": asics[0],
                 "fleet[0].count": "77", "fleet[1].asic": asics[1],
                 "fleet[1].count": "12345", "fleet[1].uptime_fraction": ""}
        r = c.post("/portfolios/1/sites/1/edit", follow_redirects=False,
                   data={"csrf_token": csrf, "site_read": "Georgia", **typed})
        assert r.status_code == 409, r.text
        labels = html.unescape(r.text)
        assert f"fleet[0] {asics[0]}: count" in labels
        assert f"fleet[1] {asics[1]}: count" in labels
        assert f'name="fleet[1].asic" value="{asics[1]}"' in r.text

        def refused(target: str, named: list[str]) -> None:
            r = c.post("/portfolios/1/sites/1/edit", follow_redirects=False,
                       data={"csrf_token": csrf, "site_read": target, **typed})
            assert r.status_code == 422, r.text
            for name, value in typed.items():
                field = r.text.split(f'name="{name}"')[1].split(">")[0]
                assert f'value="{value}"' in field, (name, field)
            errors = r.text.count('class="error"')
            assert errors == len(named), (target, errors)
            for name in named:
                block = r.text.split(f'for="f-{name}"')[1].split('class="field')[0]
                assert 'class="error"' in block and "not saved" in block, (target, name)
            assert c.get("/api/portfolios/1").json()["revision"] == 2

        refused("Georgia North", ["fleet[1].count"])  # (its fleet[1] is gone)
        refused("Texas", ["fleet[0].count", "fleet[1].count"])  # (other machines)
        # the count typed for the deleted machine cleared: the rest is saved
        typed["fleet[1].count"] = ""
        r = c.post("/portfolios/1/sites/1/edit", follow_redirects=False,
                   data={"csrf_token": csrf, "site_read": "Georgia North", **typed})
        assert r.status_code == 303, r.text
        site = c.get("/api/portfolios/1").json()["document"]["sites"][1]
        assert (site["name"], site["capacity_mw"]) == ("Georgia", 321)
        assert [(e["asic"], e["count"]) for e in site["fleet"]] == [(asics[0], 77)]
        # a submitted key that is no field of the form is said, not dropped
        r = c.post("/portfolios/1/sites/1/edit", follow_redirects=False, data={
            "csrf_token": csrf, "site_read": "Georgia", "name": "Georgia", "cap": "5"})
        assert r.status_code == 422 and "cap: no such field in this form: &#39;5&#39;" in r.text


def test_a_run_forms_errors_name_its_fields_as_labelled(sqlite_db: tuple[str, None]) -> None:
    """An engine names a run parameter in backquotes (```convert_mw```, ```market```); the
    form's error says it as the form's field, by its label, as the tables' notes do
    (:func:`hashpivot.web.forms.speak_fields`), never in the engine's backquotes."""
    from hashpivot.store.run_params import DispatchParams, PivotParams
    from hashpivot.web import forms

    labels = {f.name: f.label for f in forms.params_form(PivotParams, {})}
    labels |= {f.name: f.label for f in forms.params_form(DispatchParams, {})}
    with make_client(*sqlite_db, run_jobs=False) as c:
        csrf = login(c)
        for kind, data, field, words in (
                ("pivot", {"start": "2026-01"}, "start",
                 f"give the {labels['convert_mw']} field"),
                ("dispatch", {"market": "ercot:NOPE:2024"}, "market",
                 f"give the {labels['market']} field (bundled prices) or a price file")):
            r = c.post("/portfolios/3/runs", data={"csrf_token": csrf, "kind": kind, **data})
            assert r.status_code == 422
            shown = r.text.split(f'for="f-{kind}-{field}"')[1].split('class="field')[0]
            error = shown.split('class="error"')[1].split("</")[0]
            assert words in error, error
            assert not [n for n in labels if f"`{n}`" in error], error


def test_a_typed_site_form_holds_only_the_fleet_entries_posted() -> None:
    """The form shown again with what was typed made a field for every fleet index up to
    the largest one posted: a key ``fleet[1000000].count`` built a million entries (a
    huge index exhausted the server's memory). It holds the entries the form posted."""
    from hashpivot.web.forms import typed_site_form

    fields, _ = typed_site_form({"name": "A", "fleet[0].count": "3",
                                 "fleet[20000].asic": "Antminer S21",
                                 "fleet[20000].count": "5"})
    fleet = sorted(f.name for f in fields if f.name.startswith("fleet["))
    assert fleet == ["fleet[0].asic", "fleet[0].count", "fleet[0].uptime_fraction",
                     "fleet[20000].asic", "fleet[20000].count",
                     "fleet[20000].uptime_fraction"]
    typed = {f.name: f.value for f in fields}
    assert typed["fleet[20000].count"] == "5" and typed["fleet[0].count"] == "3"
    assert typed["fleet[20000].asic"] == "Antminer S21"


def test_a_site_form_with_a_huge_fleet_index_is_a_422_naming_it(
    sqlite_db: tuple[str, None],
) -> None:
    """A posted fleet index no site has (``fleet[10**20].count``) is refused at its field,
    as any entry the site lacks, without building the entries below it."""
    with make_client(*sqlite_db, run_jobs=False) as c:
        csrf = login(c)
        key = f"fleet[{10**20}].count"
        r = c.post("/portfolios/1/sites/0/edit", follow_redirects=False,
                   data={"csrf_token": csrf, "site_read": "Texas", "name": "Texas", key: "5"})
        assert r.status_code == 422, r.text
        block = r.text.split(f'for="f-{key}"')[1].split('class="field')[0]
        assert 'class="error"' in block and "has no fleet" in block
        assert c.get("/api/portfolios/1").json()["revision"] == 1


def test_a_fleet_field_cleared_in_the_site_form_is_cleared_not_kept(
    sqlite_db: tuple[str, None],
) -> None:
    """Clearing a fleet entry's field was ignored (303, the old value kept) where
    clearing the contract's was applied: an empty optional field goes back to its
    default, an empty required one is refused at its field, in a fleet entry too."""
    with make_client(*sqlite_db, run_jobs=False) as c:
        csrf = login(c)
        entry = c.get("/api/portfolios/1").json()["document"]["sites"][0]["fleet"][0]
        assert "uptime_fraction" in entry  # (teeth: a value to clear)
        form = {"csrf_token": csrf, "site_read": "Texas", "fleet[0].asic": entry["asic"],
                "fleet[0].uptime_fraction": ""}
        r = c.post("/portfolios/1/sites/0/edit", follow_redirects=False, data=form)
        assert r.status_code == 303, r.text
        saved = c.get("/api/portfolios/1").json()["document"]["sites"][0]["fleet"][0]
        assert "uptime_fraction" not in saved and saved["count"] == entry["count"]
        r = c.post("/portfolios/1/sites/0/edit", follow_redirects=False,
                   data={**form, "fleet[0].count": ""})
        assert r.status_code == 422, r.text
        block = r.text.split('for="f-fleet[0].count"')[1].split('class="field')[0]
        assert 'class="error"' in block, block
