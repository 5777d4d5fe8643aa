"""``hashpivot profit``: per-machine USD/day against a hand computation from the raw row."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from hashpivot.cli.app import app
from tests.cli.cli_inputs import raw_history_row

runner = CliRunner()


def test_s21_at_50_usd_per_mwh_by_hand() -> None:
    day = "2024-06-01"
    res = runner.invoke(
        app,
        [
            "profit",
            "Antminer S21",
            "--power-price-usd-per-mwh",
            "50",
            "--date",
            day,
            "--machine-price-usd",
            "3000",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    m = json.loads(res.stdout)["machines"][0]
    row = raw_history_row(day)
    # 200 TH/s = 2e14 H/s finds 2e14 * 86,400 / (difficulty * 2^32) blocks a day
    blocks_per_day = 2e14 * 86_400 / (float(row["difficulty"]) * 2**32)
    btc = blocks_per_day * (float(row["subsidy_btc_per_block"]) + float(row["fees_btc_per_block"]))
    revenue = btc * float(row["price_usd"])
    power = 3.5 * 24 / 1000 * 50  # 3.5 kW for 24 h = 0.084 MWh at 50 USD/MWh = 4.20 USD
    assert m["hashrate_th_s"] == 200 and m["power_w"] == 3500
    assert m["btc_per_day"] == pytest.approx(btc, rel=1e-9)
    assert m["revenue_usd_per_day"] == pytest.approx(revenue, rel=1e-9)
    assert m["power_cost_usd_per_day"] == pytest.approx(4.20, rel=1e-12) == power
    assert m["profit_usd_per_day"] == pytest.approx(revenue - power, rel=1e-9)
    assert m["breakeven_power_price_usd_per_mwh"] == pytest.approx(revenue / 0.084, rel=1e-9)
    assert m["payback_days"] == pytest.approx(3000 / (revenue - power), rel=1e-9)


def test_breakeven_price_zeroes_the_profit_and_pool_fee_scales_revenue() -> None:
    base = ["profit", "S21 XP", "--date", "2025-01-15", "--json"]
    first = json.loads(
        runner.invoke(app, [*base, "--power-price-usd-per-mwh", "40"]).stdout
    )["machines"][0]
    at_be = json.loads(
        runner.invoke(
            app,
            [*base, "--power-price-usd-per-mwh", repr(first["breakeven_power_price_usd_per_mwh"])],
        ).stdout
    )["machines"][0]
    assert at_be["profit_usd_per_day"] == pytest.approx(0, abs=1e-9)
    assert at_be["payback_days"] is None
    fee = json.loads(
        runner.invoke(
            app, [*base, "--power-price-usd-per-mwh", "40", "--pool-fee-fraction", "0.02"]
        ).stdout
    )["machines"][0]
    assert fee["revenue_usd_per_day"] == pytest.approx(0.98 * first["revenue_usd_per_day"])


def test_price_per_th_and_several_models_and_table() -> None:
    res = runner.invoke(
        app,
        [
            "profit",
            "S21",
            "S21 XP",
            "--power-price-usd-per-mwh",
            "50",
            "--machine-price-usd-per-th",
            "15",
            "--date",
            "2025-09-26",
            "--json",
        ],
    )
    rows = json.loads(res.stdout)["machines"]
    assert [r["machine_price_usd"] for r in rows] == [3000.0, 4050.0]
    table = runner.invoke(app, ["profit", "S21", "--power-price-usd-per-mwh", "50"])
    assert table.exit_code == 0 and "breakeven" in table.stdout and "Antminer" in table.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["S99", "--power-price-usd-per-mwh", "50"], "MODEL: unknown ASIC model 'S99'"),
        (["S21", "--power-price-usd-per-mwh", "-1"], "--power-price-usd-per-mwh: must be"),
        (
            ["S21", "--power-price-usd-per-mwh", "5", "--date", "2024-01-01", "--live"],
            "--live: use either --date or --live",
        ),
        (
            [
                "S21",
                "--power-price-usd-per-mwh",
                "5",
                "--machine-price-usd",
                "1",
                "--machine-price-usd-per-th",
                "1",
            ],
            "not both",
        ),
        (["S21", "--power-price-usd-per-mwh", "5", "--date", "1999-01-01"], "--date:"),
    ],
)
def test_bad_input_is_one_error_line_exit_2(args: list[str], expected: str) -> None:
    res = runner.invoke(app, ["profit", *args])
    assert res.exit_code == 2, res.output
    assert expected in res.stderr and "Traceback" not in res.output


def test_the_result_prints_the_pool_fee_uptime_and_overhead_it_assumes() -> None:
    base = ["profit", "S21", "--date", "2025-01-15", "--power-price-usd-per-mwh", "50"]
    rows = json.loads(runner.invoke(app, [*base, "--json"]).stdout)["resolved_assumptions"]
    cells = {r["name"]: (r["value"], r["unit"], r["source"]) for r in rows}
    # a site file would default to a pool fee of 0.015, an uptime of 0.95, an overhead
    # of 1.05: profit's own defaults are printed beside them
    assert cells == {
        "pool fee": (0.0, "-", "default (a site file's [[sites]] pool_fee_fraction "
                                "defaults to 0.015)"),
        "uptime": (1.0, "-", "model: the nameplate hashrate every hour (a site file's "
                             "[[sites.fleet]] uptime_fraction defaults to 0.95)"),
        "power overhead factor": (1.0, "-", "model: the machine's power at the wall only, "
                                            "no site overhead (a site file's [[sites]] "
                                            "power_overhead_factor defaults to 1.05)"),
        "hashprice for the payback": (
            pytest.approx(json.loads(runner.invoke(app, [*base, "--json"]).stdout)
                          ["network"]["hashprice_usd_per_ph_day"]),
            "USD/PH/day", "the day's, held for the whole payback: no difficulty growth (a "
                          "halving inside the payback is noted)"),
    }
    given = json.loads(runner.invoke(app, [*base, "--pool-fee-fraction", "0.02", "--json"]
                                     ).stdout)["resolved_assumptions"][0]
    assert (given["value"], given["source"]) == (0.02, "run setting")
    # with the network's figures given, the payback's hashprice is no longer the day's
    overridden = json.loads(runner.invoke(
        app, [*base, "--btc-price-usd", "80000", "--difficulty", "1.1e14", "--json"]
    ).stdout)["resolved_assumptions"][-1]
    assert overridden["source"].startswith(
        "the day's with --btc-price-usd, --difficulty given, held for the whole payback")
    table = runner.invoke(app, base, env={"COLUMNS": "100"}).stdout
    assert "Resolved assumptions" in table
    assert {"pool", "uptime", "overhead", "0.015)", "0.95)", "1.05)"} <= set(table.split())
    helped = " ".join(runner.invoke(app, ["profit", "--help"], env={"COLUMNS": "200"}
                                    ).stdout.split())
    assert "uptime 1" in helped and "an overhead of 1.05" in helped


def test_a_payback_past_the_halving_is_noted_with_the_subsidy_halved() -> None:
    """On 2023-06-01 an S19 XP at 20 USD/TH and 60 USD/MWh pays back in ~496 days at the
    day's hashprice, but block 840,000 comes ~330 days later and halves the subsidy:
    the note gives the payback with it, computed here from the raw row."""
    day = "2023-06-01"
    base = ["profit", "S19 XP", "--date", day, "--power-price-usd-per-mwh", "60",
            "--machine-price-usd-per-th", "20"]
    out = json.loads(runner.invoke(app, [*base, "--json"]).stdout)
    row = raw_history_row(day)
    price, difficulty = float(row["price_usd"]), float(row["difficulty"])
    subsidy, fees = float(row["subsidy_btc_per_block"]), float(row["fees_btc_per_block"])
    blocks = 140e12 * 86_400 / (difficulty * 2**32)  # blocks a day of 140 TH/s
    power = 3.010 * 24 / 1000 * 60  # 3,010 W for 24 h at 60 USD/MWh [USD/day]
    before = blocks * (subsidy + fees) * price - power
    after = blocks * (3.125 + fees) * price - power
    days = (840_000 - int(row["height_end"])) / 144
    machine = 20 * 140
    assert machine / before > days  # the day's payback runs past the halving
    payback = days + (machine - days * before) / after
    (note,) = out["notes"]
    assert f"the payback of {machine / before:,.0f} days runs past the next halving" in note
    assert f"profit then falls to {after:,.2f} USD/day" in note
    assert note.endswith(f"the payback is {payback:,.0f} days")
    table = runner.invoke(app, base, env={"COLUMNS": "200"}).stdout
    assert "note: Antminer S19 XP: the payback of" in table
    # a payback inside the era, or no machine price: no note
    short = ["profit", "S21 XP", "--date", "2025-09-26", "--power-price-usd-per-mwh", "50"]
    assert json.loads(runner.invoke(app, [*short, "--json"]).stdout)["notes"] == []
    priced = [*short, "--machine-price-usd-per-th", "15", "--json"]
    assert json.loads(runner.invoke(app, priced).stdout)["notes"] == []


@pytest.mark.parametrize(("price", "hint"), [
    ("4.5", "is it in c/kWh? (4.5 c/kWh = 45 USD/MWh)"),
    ("0.045", "is it in USD/kWh? (0.045 USD/kWh = 45 USD/MWh)"),
])
def test_a_power_price_in_a_doubtful_unit_is_noted(price: str, hint: str) -> None:
    """``profit M60S --power-price-usd-per-mwh 4.5`` (4.5 c/kWh meant) printed a profit at
    4.5 USD/MWh without a word, where a site file's contract price that low is noted."""
    res = runner.invoke(app, ["profit", "M60S", "--power-price-usd-per-mwh", price])
    assert res.exit_code == 0, res.output
    assert (f"note: --power-price-usd-per-mwh {price}: {price} USD/MWh is below 10: {hint}"
            in " ".join(res.output.split())), res.output
    as_json = runner.invoke(app, ["profit", "M60S", "--power-price-usd-per-mwh", price,
                                  "--json"])
    assert any(hint in n for n in json.loads(as_json.stdout)["notes"])
    plain = runner.invoke(app, ["profit", "M60S", "--power-price-usd-per-mwh", "45"])
    assert "kWh" not in plain.output


def test_profit_at_costs_breakeven_btc_price_is_zero(tmp_path) -> None:
    # One S21 at 50 USD/MWh, uptime 1, no overhead, a 2 % pool fee and no other cost:
    # `cost`'s breakeven BTC price is where the machine's profit is zero, and `profit`
    # takes it (and the day's difficulty and fees, as `cost` does) with --btc-price-usd;
    # until 2026-12-07 profit took the day's price only, so cost's breakeven could not be
    # checked against it.
    site = tmp_path / "one.toml"
    site.write_text(
        'name = "one"\n[[sites]]\nname = "A"\npower_overhead_factor = 1.0\n'
        'pool_fee_fraction = 0.02\n[sites.power_contract]\nprice_usd_per_mwh = 50.0\n'
        '[[sites.fleet]]\nasic = "Antminer S21"\ncount = 1\nuptime_fraction = 1.0\n')
    day = ["--date", "2025-01-15"]
    cost = json.loads(runner.invoke(app, ["cost", str(site), *day, "--json"]).stdout)
    price = cost["breakeven_btc_price_direct_usd"]
    res = runner.invoke(app, ["profit", "Antminer S21", "--power-price-usd-per-mwh", "50",
                              "--pool-fee-fraction", "0.02", *day, "--btc-price-usd",
                              repr(price), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    m = out["machines"][0]
    assert out["network"]["btc_price_usd"] == price
    assert out["network"]["difficulty"] == cost["network"]["difficulty"]
    assert "command line" in out["network"]["source"]
    assert m["btc_per_day"] == pytest.approx(cost["btc_per_day"], rel=1e-12)
    assert m["profit_usd_per_day"] == pytest.approx(0, abs=1e-12)
    # and at a given difficulty and fees, cost's hashprice
    given = ["--btc-price-usd", "95000", "--difficulty", "117e12", "--fees-btc-per-block",
             "0.03"]
    hp = json.loads(runner.invoke(app, ["hashprice", *given, "--json"]).stdout)
    out = json.loads(runner.invoke(app, ["profit", "S21", "--power-price-usd-per-mwh", "50",
                                         *given, "--json"]).stdout)
    assert out["network"]["hashprice_usd_per_ph_day"] == pytest.approx(
        hp["hashprice_usd_per_ph_day"], rel=1e-12)


def test_a_difficulty_typed_in_t_is_noted() -> None:
    res = runner.invoke(app, ["profit", "S21", "--power-price-usd-per-mwh", "50",
                              "--difficulty", "117", "--json"])
    assert res.exit_code == 0, res.output
    assert any(n.startswith("--difficulty 117 is") for n in json.loads(res.stdout)["notes"])
