"""Every command's table output fits an 80-column terminal: no line over 80 characters, no
number, header or name cut with "…", no deal or model name wrapped (issue 11, item 5).

The commands run in-process with ``COLUMNS=80`` (every command builds its console when it
runs, so the width is read then). Names that must appear whole are checked by their full
text on one line.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hashpivot.cli.app import app
from tests.engines.dispatch_inputs import PRICES
from tests.engines.dispatch_inputs import TINY_SITE as DISPATCH_SITE
from tests.portfolio_toml import contract, portfolio_toml, site, table

EX = Path(__file__).resolve().parents[2] / "examples"

ONE_S21 = portfolio_toml(
    "one S21",
    site("home", contract(50.0, "fixed"), table(asic="Antminer S21", count=1), capacity_mw=0.01),
)


#: command name -> (arguments, texts that must appear whole on one line)
CASES: dict[str, tuple[list[str], list[str]]] = {
    "hashprice": (["hashprice", "--btc-price-usd", "95000", "--difficulty", "117e12"], []),
    "profit": (
        ["profit", "S21 XP", "S21", "M56S++", "--power-price-usd-per-mwh", "50",
         "--machine-price-usd-per-th", "15"],
        ["Antminer S21 XP", "Whatsminer M56S++"],
    ),
    "cost": (
        ["cost", str(EX / "reverse-margin.toml"), "--btc-price-usd", "95000", "--difficulty",
         "117e12", "--fees-btc-per-block", "0.03"],
        ["Whatsminer M50S++", "1,661.8"],
    ),
    # four sites, two fleet lines at Pecos (Odessa Grid, connected 2026-02-01, is left out on
    # the data's last day): the site names wrap, no number is cut
    "cost portfolio": (["cost", str(EX / "portfolio.toml")],
                       ["Antminer S19j Pro", "509.0", "310.6"]),
    "cost one machine": (["cost", "{one}"], ["200.0 TH/s", "sats", "Per fleet line, per day"]),
    "backtest": (
        ["backtest", str(EX / "reverse-margin.toml"), "--start", "2024-01-01", "--end",
         "2024-03-31"],
        [],
    ),
    "asics": (["asics"], ["Antminer S19 Pro+ Hyd"]),
    "network": (["network", "--date", "2024-04-19"], []),
    "data status": (["data", "status"], []),
    # the assumptions' sources whole: rich crops a table wider than the terminal
    "pivot": (["pivot", str(EX / "pivot-200mw.toml")],
              ["convert_100mw_2026-01", "= discount_rate", "BY-NC 4.0),"]),
    "deals": (["deals"], ["core_scientific_coreweave_expanded", "hut8_fluidstack_anthropic"]),
    "simulate": (
        ["simulate", str(EX / "pivot-200mw.toml"), "--paths", "200", "--years", "2"],
        ["convert_100mw_2026-01"],
    ),
    "dispatch": (["dispatch", "{dispatch}", "--prices", str(PRICES)], ["mining revenue"]),
    "optimize": (
        ["optimize", str(EX / "portfolio.toml"), "--scenarios", "4", "--evpi-scenarios", "2",
         "--seed", "7"],
        ["ny_pow_moratorium_extension_hypothetical", "Finger Lakes Gas", "calibrated on",
         "BY-NC 4.0),"],
    ),
}


def _run(args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    one = tmp_path / "one.toml"
    one.write_text(ONE_S21)
    site = tmp_path / "dispatch.toml"
    site.write_text(DISPATCH_SITE)
    argv = [a.replace("{one}", str(one)).replace("{dispatch}", str(site)) for a in args]
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    res = CliRunner().invoke(app, argv)
    assert res.exit_code == 0, res.output
    return res.stdout


@pytest.mark.parametrize("name", list(CASES))
def test_output_fits_80_columns(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args, whole = CASES[name]
    out = _run(args, tmp_path, monkeypatch)
    lines = out.splitlines()
    assert lines, "no output"
    too_long = [line for line in lines if len(line.rstrip()) > 80]
    assert not too_long, too_long
    assert "…" not in out
    for text in whole:
        assert any(text in line for line in lines), f"{text!r} not whole on one line"


def test_cost_of_one_machine_is_in_machine_units(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One S21 (200 TH/s, 3.5 kW) is not "0.00 EH/s, 0.000 BTC/day": TH/s, kW and sats,
    and its revenue, power cost and profit per day in USD with cents."""
    out = _run(["cost", "{one}", "--date", "2024-06-01"], tmp_path, monkeypatch)
    assert "0.00 EH/s" not in out and "0.000" not in out
    assert re.search(r"fleet hashrate\s+200\.00\s+TH/s", out)
    # 3,500 W x 1.05 overhead (the default), every machine running
    assert re.search(r"power at the meter, all running\s+3\.67\s+kW", out)
    line = next(x for x in out.splitlines() if x.startswith("home"))
    cells = line.split()
    # home, Antminer, S21, 200.0, TH/s, <sats>, sats, revenue, power, profit
    revenue, power, profit = (float(c.replace(",", "")) for c in cells[-3:])
    # 3.675 kW running 95 % of the time (the default uptime), 24 h at 50 USD/MWh
    assert power == pytest.approx(3.675 * 0.95 * 24 / 1000 * 50, abs=0.006)  # 4.19
    assert profit == pytest.approx(revenue - power, abs=0.011)
    assert cells[-4] == "sats"


def test_fleet_lines_add_up_to_the_total(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = _run(CASES["cost"][0], tmp_path, monkeypatch)
    lines = out.splitlines()
    start = next(i for i, x in enumerate(lines) if x.startswith("Per fleet line"))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("total"))
    # (the fleet table's rows only: the assumptions below name the sites too)
    rows = [x.split() for x in lines[start + 4:end] if x.startswith(("Texas", "Georgia"))]
    total = lines[end].split()
    assert len(rows) == 4
    for k in (-3, -2, -1):  # revenue, power, profit [k USD/day]
        parts = sum(float(r[k].replace(",", "")) for r in rows)
        assert parts == pytest.approx(float(total[k].replace(",", "")), abs=0.25)


def test_a_long_site_name_wraps_and_cuts_no_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 50-character site name in the cost tables (a column of its own in the fleet lines
    and the cost items) wraps over lines; rich used to cut the numbers beside it instead
    ("20,…", "D T P…")."""
    long = "Odessa Grid West Texas Expansion Phase Two Hybrid"
    pf = tmp_path / "portfolio.toml"
    # (connected before the data's last day: its machines are in the cost tables)
    pf.write_text((EX / "portfolio.toml").read_text().replace('"Odessa Grid"', f'"{long}"')
                  .replace('connection_date = "2026-02-01"', 'connection_date = "2025-06-01"'))
    (tmp_path / "regulation-extra.csv").write_text((EX / "regulation-extra.csv").read_text())
    out = _run(["cost", str(pf)], tmp_path, monkeypatch)
    assert "…" not in out
    assert not [line for line in out.splitlines() if len(line.rstrip()) > 80]
    for text in ("1,039.9", "20,041", "D T P A", "Antminer S21 XP"):
        assert any(text in line for line in out.splitlines()), text


def test_dispatch_table_has_human_labels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = _run(CASES["dispatch"][0], tmp_path, monkeypatch)
    table = out.split("solver ")[0]
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", table), table  # no snake_case key
    assert re.search(r"mining uptime\s+[\d.]+\s+%", table)


def _commands() -> list[tuple[str, object]]:
    """(name, click command) of every command and subcommand."""
    from hashpivot.cli.app import _COMMANDS, _module_group

    out: list[tuple[str, object]] = []
    for name, (module, _) in _COMMANDS.items():
        command = _module_group(module).get_command(None, name)
        out.append((name, command))
        for sub, cmd in getattr(command, "commands", {}).items():
            out.append((f"{name} {sub}", cmd))
    return out


def test_every_help_paragraph_is_one_line_for_the_terminal_to_wrap() -> None:
    """typer keeps the line breaks of a help's later paragraphs: a docstring's 88-column
    lines broke twice at 80 columns ("The database\\n is ..."). Each paragraph is now one
    line (lists excepted), and ``serve --help`` reads in whole lines at 80 columns."""
    for name, command in _commands():
        for para in (getattr(command, "help", None) or "").split("\n\n"):
            lines = para.split("\n")
            if not any(ln.lstrip().startswith(("- ", "* ")) for ln in lines[1:]):
                assert len(lines) == 1, f"{name}: {para!r}"
    out = CliRunner().invoke(app, ["serve", "--help"], env={"COLUMNS": "80"}).output
    assert "The database is HASHPIVOT_DATABASE_URL" in " ".join(out.split())
    rows = [ln.rstrip() for ln in out.splitlines()]
    assert not any(r.strip() in ("is", "with") for r in rows), out
