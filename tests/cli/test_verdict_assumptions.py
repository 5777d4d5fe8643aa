"""Every assumption that can flip a verdict is printed with the result (text tables, not
only ``--json``): the hosting terms the resolved-assumptions block of ``pivot`` (and of
``simulate``, ``optimize``, the same rows) had left out, and ``simulate``'s scenario and
treasury settings that move P(beats keep) and the forced sales.

Figures measured on examples/pivot-200mw.toml (one input changed at a time; pivot: NPV vs
keep of convert_100mw_2026-01 [M USD], simulate: 5,000 paths, seed 7):

* rent_start_lag_months 0 -> 30: pivot +202.9 -> -39.2 (convert to keep); simulate
  0 -> 12: NPV vs keep, mean +76.6 -> -21.9;
* fit_out_funded_by operator -> tenant: +202.9 -> +631.0 (with a first-year lease of 100
  USD/kW/month, convert_all -16.9 -> +860.0: keep to convert);
* prepayment_fraction 0 -> 0.1 at a 100 USD/kW/month lease: convert_all -16.9 -> +110.4;
* asic_disposition sell -> redeploy at a 100 USD/kW/month lease: convert_all -16.9 ->
  +57.8;
* hosting_power_price_usd_per_mwh under modified gross (convert_100 -44.9 at the site's
  38 USD/MWh): 20 -> +35.3;
* [scenario] hashrate_response = "margin": simulate P(forced sale) of
  convert_100mw_2026-01 20.1 -> 2.4 %, keep_mining 70.3 -> 51.1 %;
* [treasury] cash_interest_rate 0 -> 0.04: keep_mining P(forced sale) 70.3 -> 22.6 %;
* [[treasury.debt]] amortization bullet -> linear: keep_mining P(forced sale) 70.3 ->
  23.0 %, phased 0.0 -> 10.1 %.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from hashpivot.cli.app import app
from hashpivot.engines.pivot.model_assumptions import simulate_after_tax
from hashpivot.models.tax import PIVOT_AFTER_TAX
from tests.cli.cli_inputs import optimize_portfolio_file

EXAMPLE = Path(__file__).parents[2] / "examples" / "pivot-200mw.toml"
runner = CliRunner()


def _with(tmp_path: Path, header: str, lines: list[str]) -> Path:
    """The example with ``lines`` added under the table ``header``."""
    text = EXAMPLE.read_text(encoding="utf-8")
    assert f"\n{header}\n" in text, header
    text = text.replace(f"\n{header}\n", f"\n{header}\n" + "\n".join(lines) + "\n", 1)
    out = tmp_path / "site.toml"
    out.write_text(text, encoding="utf-8")
    return out


def _table(args: list[str]) -> str:
    """The resolved assumptions as printed, one row a line: ``name  value  unit  source``
    (a name wrapped onto the next line, a value or source wrapped, joined back)."""
    res = runner.invoke(app, args, env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    lines = res.stdout.split("Resolved assumptions (default = not in the file)")[1]
    rows: list[list[str]] = []
    for line in lines.splitlines()[3:]:
        cells = re.split(r" {2,}", line.strip())
        if not line.strip():
            continue
        if line.startswith(" ") and rows:  # a value or a source wrapped
            rows[-1][-1] += " " + " ".join(cells)
        elif len(cells) == 1 and rows:  # the rest of a name wrapped (at a space)
            rows[-1][0] += " " + cells[0]
        else:
            rows.append(cells)
    return "\n".join("  ".join(r) for r in rows)


HOSTING_LINES = ['  rent_start_lag_months = 6', '  prepayment_fraction = 0.1',
                 '  hosting_power_price_usd_per_mwh = 45.0']


def _hosting_site(tmp_path: Path) -> Path:
    """The example with the hosting terms of ``HOSTING_LINES``, its ASICs redeployed."""
    site = _with(tmp_path, "  [sites.hosting]", HOSTING_LINES)
    text = site.read_text(encoding="utf-8")
    assert 'asic_disposition = "sell"' in text
    site.write_text(text.replace('asic_disposition = "sell"', 'asic_disposition = "redeploy"'),
                    encoding="utf-8")
    return site


def _hosting_rows_printed(out: str) -> None:
    for row in ("[sites.hosting] rent_start_lag_months  6  month  file",
                "[sites.hosting] prepayment_fraction  0.1  -  file",
                "[sites.hosting] asic_disposition  redeploy  -  file",
                "[sites.hosting] shell_funded_by  operator  -  file",
                "[sites.hosting] fit_out_funded_by  operator  -  file",
                "[sites.hosting] hosting_power_price_usd_per_mwh  45  USD/MWh  file"):
        assert row in out, row


def test_pivot_prints_the_hosting_terms_that_flip_its_verdict(tmp_path: Path) -> None:
    site = _hosting_site(tmp_path)
    _hosting_rows_printed(_table(["pivot", str(site)]))
    # not in the file: the default, and the site's power price for the hall
    out = _table(["pivot", str(EXAMPLE)])
    assert "[sites.hosting] rent_start_lag_months  0  month  default" in out
    assert "[sites.hosting] prepayment_fraction  0  -  default" in out
    # triple net: the tenant pays the hall's power, the price is not used nor printed
    assert "hosting_power_price_usd_per_mwh" not in out
    gross = tmp_path / "gross.toml"
    text = EXAMPLE.read_text(encoding="utf-8")
    assert 'lease_structure = "triple_net"' in text
    gross.write_text(text.replace('lease_structure = "triple_net"',
                                  'lease_structure = "modified_gross"'), encoding="utf-8")
    assert ("[sites.hosting] hosting_power_price_usd_per_mwh  the site's power price  -  "
            "default") in _table(["pivot", str(gross)])


def test_simulate_prints_the_hosting_terms_too(tmp_path: Path) -> None:
    site = _hosting_site(tmp_path)
    _hosting_rows_printed(_table(["simulate", str(site), "--paths", "200", "--seed", "1"]))


def test_simulate_prints_the_hashrate_response(tmp_path: Path) -> None:
    out = _table(["simulate", str(EXAMPLE), "--paths", "200", "--seed", "1"])
    assert "[scenario] hashrate_response  exogenous  -  default" in out
    site = _with(tmp_path, "[scenario]", ['hashrate_response = "margin"'])
    out = _table(["simulate", str(site), "--paths", "200", "--seed", "1"])
    assert "[scenario] hashrate_response  margin  -  hashrate responds" in out


def test_simulate_prints_the_cash_interest_and_the_debt_amortization(tmp_path: Path) -> None:
    out = _table(["simulate", str(EXAMPLE), "--paths", "200", "--seed", "1"])
    assert "[treasury] cash_interest_rate  0  1/year  default" in out
    assert "[treasury] target_cash_usd  50,000,000  USD  default: 2 x min_cash_usd" in out
    assert "convertible notes: 150 M USD at 3.0 % to 2030-12, bullet" in out
    site = _with(tmp_path, "[treasury]", ["cash_interest_rate = 0.04"])
    site.write_text(site.read_text(encoding="utf-8").replace(
        'maturity = "2030-12"', 'maturity = "2030-12"\n  amortization = "linear"'),
        encoding="utf-8")
    out = _table(["simulate", str(site), "--paths", "200", "--seed", "1"])
    assert "[treasury] cash_interest_rate  0.04  1/year  file" in out
    assert "convertible notes: 150 M USD at 3.0 % to 2030-12, linear" in out


def test_optimize_prints_the_hashrate_response(tmp_path: Path) -> None:
    """examples/portfolio.toml (40 scenarios, seed 7, risk aversion 0.3): with "margin"
    Odessa Grid converts 75 MW in 2027Q2 instead of 25 then 50 in 2027Q3, and the plan's
    value over keep-mining goes from 141.0 to 175.2 M USD; the plan did not say which."""
    pf = Path(optimize_portfolio_file(tmp_path))
    args = ["optimize", str(pf), "--scenarios", "4", "--seed", "7", "--evpi-scenarios", "1"]
    assert "[scenario] hashrate_response  exogenous  -  default" in _table(args)
    text = pf.read_text(encoding="utf-8")
    assert text.count("\n[scenario]\n") == 1
    pf.write_text(text.replace("\n[scenario]\n", '\n[scenario]\nhashrate_response = "margin"\n'),
                  encoding="utf-8")
    assert "[scenario] hashrate_response  margin  -  hashrate responds" in _table(args)


def _rows_named(table: str, names: tuple[str, ...]) -> dict[str, str]:
    """The printed rows whose name starts with one of ``names``, by name."""
    return {name: line for line in table.splitlines() for name in names
            if line.startswith(name + "  ")}


#: The rows of the center path's market: its start, growth, fees and halvings.
MARKET_ROWS = ("[pivot] btc_price_usd", "[pivot] btc_price_growth_per_year",
               "[pivot] network_hashrate_th_s", "[pivot] network_hashrate_growth_per_year",
               "[pivot] fees_btc_per_block", "[pivot] start_height", "halvings in the horizon",
               "[scenario] btc_price_usd", "BTC growth of the center path")


def test_optimize_prints_the_center_path_market_as_simulate_does(tmp_path: Path) -> None:
    """optimize draws its scenarios (and its deterministic path) from simulate's center
    path. examples/pivot-200mw.toml, optimize --deterministic --gap 1e-5 (the plan 25 MW
    in 2026Q3 and 175 MW in 2028Q2): the network hashrate at start x 0.8 makes it 200 MW
    in 2028Q2, x 1.2 25 MW in 2026Q2 and 175 MW in 2026Q4, and optimize printed no row
    of it; ``[scenario] btc_price_usd`` = 0.7 x the bundled price makes it 200 MW in
    2026Q2, and optimize printed ``[pivot] btc_price_usd`` at the bundled 109,669 USD as
    if it were used, with no row of the price the scenarios start from."""
    site = _with(tmp_path, "[scenario]", ["btc_price_usd = 76768.0"])
    sim = _rows_named(_table(["simulate", str(site), "--paths", "20", "--seed", "1"]),
                      MARKET_ROWS)
    opt = _rows_named(_table(["optimize", str(site), "--deterministic"]), MARKET_ROWS)
    assert set(sim) == set(MARKET_ROWS)
    assert opt == sim
    assert sim["[pivot] btc_price_usd"].endswith("not used: [scenario] btc_price_usd")
    assert sim["[scenario] btc_price_usd"].startswith("[scenario] btc_price_usd  76,768  USD")



#: The assumptions that ``pivot``, ``simulate`` and ``optimize`` all take from the file,
#: each a row that must read the same in every engine (name, value, unit, source).
SHARED_ROWS = ("[pivot] horizon_years", "[pivot.terminal_value]", "[pivot.tax]",
               "[scenario] price_center", "[scenario] hashrate_response")
_SIM = ["--paths", "20", "--seed", "1"]
_OPT = ["--scenarios", "4", "--seed", "7", "--evpi-scenarios", "1"]


def _json_rows(args: list[str]) -> dict[str, tuple[Any, str, str]]:
    """The ``resolved_assumptions`` of ``--json`` (the rows the table prints), by name."""
    res = runner.invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    return {r["name"]: (r["value"], r["unit"], r["source"])
            for r in json.loads(res.stdout)["resolved_assumptions"]}


def _shared(site: Path) -> dict[str, dict[str, tuple[Any, str, str]]]:
    """The rows of :data:`SHARED_ROWS` each engine gives on ``site``, by engine."""
    out = {}
    for engine, extra in (("pivot", []), ("simulate", _SIM), ("optimize", _OPT)):
        rows = _json_rows([engine, str(site), *extra])
        out[engine] = {name: rows[name] for name in SHARED_ROWS if name in rows}
    return out


def test_every_engine_prints_the_same_rows_of_the_same_assumptions() -> None:
    """examples/pivot-200mw.toml: the horizon (15 years, file), the terminal value
    (default), no tax (default), the price center (median, file) and the exogenous
    hashrate (default). ``pivot`` gave the tax as ``[pivot.tax]``, default, the others as
    ``taxes``, model; ``optimize`` gave no ``[pivot] horizon_years``, only its own horizon
    "= [pivot] horizon_years" (file or default unsaid); ``pivot`` gave no hashrate
    response while exogenous (its central path follows the margin response when on) and
    the price center's source as what it means, not "file"; ``optimize`` added to the
    terminal value how it is floored, which ``pivot`` and ``simulate`` floor alike."""
    rows = _shared(EXAMPLE)
    assert set(rows["pivot"]) == set(SHARED_ROWS), rows["pivot"]
    assert rows["simulate"] == rows["pivot"]
    assert rows["optimize"] == rows["pivot"]
    assert rows["pivot"]["[pivot] horizon_years"] == (15, "year", "file")
    assert rows["pivot"]["[pivot.tax]"] == ("pre-tax: income tax not modelled", "-", "default")
    assert rows["pivot"]["[scenario] price_center"] == ("median", "-", "file")
    assert rows["pivot"]["[scenario] hashrate_response"] == ("exogenous", "-", "default")
    # and in the printed table
    assert "[scenario] hashrate_response  exogenous  -  default" in _table(
        ["pivot", str(EXAMPLE)])


def test_the_engines_print_a_margin_response_and_a_tax_alike(tmp_path: Path) -> None:
    """With ``hashrate_response = "margin"`` and a 21 % income tax: the same response row
    in all three, the same tax terms in ``pivot`` and ``simulate``, each then saying how
    its own after-tax figures are made (``simulate`` adds in the source that its
    treasury pays it); ``optimize`` plans pre-tax and says the file's tax
    is not used. ``optimize``'s own ``[optimize] horizon_years`` replaces ``[pivot]``'s,
    which then says it is not used."""
    site = _with(tmp_path, "[scenario]", ['hashrate_response = "margin"'])
    site.write_text(site.read_text(encoding="utf-8")
                    + "\n[pivot.tax]\nincome_tax_rate = 0.21\n", encoding="utf-8")
    rows = _shared(site)
    response = rows["pivot"]["[scenario] hashrate_response"]
    assert response[0] == "margin" and response[2].startswith("hashrate responds")
    assert rows["simulate"]["[scenario] hashrate_response"] == response
    assert rows["optimize"]["[scenario] hashrate_response"] == response
    value, unit, source = rows["pivot"]["[pivot.tax]"]
    assert value.startswith("after-tax: income tax 21.0 %") and source == "file"
    # the same terms; then how each engine's own after-tax figures are made of the tax
    # (simulate prints no 'after tax with TV' and, unlevered, no levered tax)
    terms = value.removesuffix(PIVOT_AFTER_TAX)
    assert terms != value
    assert rows["simulate"]["[pivot.tax]"][:2] == (terms + simulate_after_tax(False), unit)
    assert rows["simulate"]["[pivot.tax]"][2].startswith("file; ")
    assert rows["optimize"]["[pivot.tax]"][:2] == (value, unit)
    assert rows["optimize"]["[pivot.tax]"][2].startswith("file; not used: ")
    text = site.read_text(encoding="utf-8")
    site.write_text(text + "\n[optimize]\nhorizon_years = 12\n", encoding="utf-8")
    opt = _json_rows(["optimize", str(site), *_OPT])
    assert opt["[optimize] horizon_years"] == (12, "year", "file")
    assert opt["[pivot] horizon_years"] == (
        15, "year", "file; not used: [optimize] horizon_years")


#: The rows of the scenarios' spread, drawn alike by ``simulate`` and ``optimize``.
SPREAD_ROWS = ("[scenario] price_model", "[scenario] btc_volatility_per_year",
               "[scenario] hashrate_elasticity", "[scenario] hashrate_volatility_per_year",
               "[scenario] price_hashrate_correlation", "BTC growth of the center path")


def test_optimize_prints_the_spread_of_its_scenarios_as_simulate_does() -> None:
    """examples/pivot-200mw.toml: ``simulate`` gave the calibrated BTC volatility's source
    as "calibrated on the bundled history 2022-01-01 to 2025-09-26, s.e. 0.010",
    ``optimize`` (the same calibration, the same 0.5212) as "calibrated on the bundled
    history", its window and standard error unsaid."""
    sim = _json_rows(["simulate", str(EXAMPLE), *_SIM])
    opt = _json_rows(["optimize", str(EXAMPLE), *_OPT])
    assert {n: opt.get(n) for n in SPREAD_ROWS} == {n: sim[n] for n in SPREAD_ROWS}
    assert sim["[scenario] btc_volatility_per_year"][2].startswith(
        "calibrated on the bundled history 2022-01-01 to ")


def test_a_hosting_risk_the_engine_does_not_draw_is_printed_as_not_used(
        tmp_path: Path) -> None:
    """With ``[sites.hosting.risk]`` in the file, ``simulate`` draws a construction delay,
    a capex overrun and a lease-up per path (34 % late and 10 % over budget on average by
    default), while ``pivot`` and ``optimize`` value hosting in expectation; neither said
    so, so their NPVs read as the same hosting as ``simulate``'s. Each now prints a row
    ``[sites.hosting.risk]`` "not used" (without the table, none), beside ``simulate``'s
    row of the same name, "drawn per path at" the site."""
    site = _with(tmp_path, "  [sites.hosting]", [])
    text = site.read_text(encoding="utf-8")
    site.write_text(text.replace("  # [sites.hosting.risk]\n", "  [sites.hosting.risk]\n", 1),
                    encoding="utf-8")
    for engine, extra in (("pivot", []), ("optimize", _OPT)):
        value, unit, source = _json_rows([engine, str(site), *extra])["[sites.hosting.risk]"]
        assert (value, unit) == ("not used", "-")
        assert source.startswith(f"file; {engine} values hosting in expectation")
        assert "[sites.hosting.risk]" not in _json_rows([engine, str(EXAMPLE), *extra])
    value, _, source = _json_rows(["simulate", str(site), *_SIM])["[sites.hosting.risk]"]
    assert value.startswith("drawn per path at ") and source == "file", value
