"""Check that the figures README.md (and docs/methodology.md) quote are what the commands
they name print today.

Each claim is a piece of README text with ``{}`` where its figures stand, the run that
gives them (a ``hashpivot ... --json`` command on a bundled example, or a variant of one),
and how to read each figure from that run's JSON. A claim passes when the README, its
whitespace collapsed, contains the text with today's figures formatted in. Otherwise the
script prints what the README says and what the command gives, and exits 1, so a model
change cannot leave the README behind. A claim whose text the README no longer has at
all is reported too (the README was reworded: update the claim).

Runs use the bundled data only (a temporary ``HASHPIVOT_DATA_DIR``), one process each;
about 70 s here (the optimizer on 100 and on 400 scenarios takes most of it).

Run: ``.venv/bin/python scripts/check_readme_figures.py`` (``make docs-check``; CI runs it
after the tests).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
PIVOT = "examples/pivot-200mw.toml"
M = 1e-6  # USD -> M USD

Json = dict[str, Any]


def _variant(name: str, edit: Callable[[str], str]) -> str:
    """A copy of the 200 MW example edited by ``edit``, in the work folder."""
    text = edit((EXAMPLES / "pivot-200mw.toml").read_text(encoding="utf-8"))
    path = _work() / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _tax(text: str) -> str:
    """The 200 MW example with a 21 % income tax (the README's tax figures)."""
    return text + "\n[pivot.tax]\nincome_tax_rate = 0.21\n"


def _one_year(text: str) -> str:
    """The 200 MW example over one year (the README's loan-like IRR)."""
    line = "horizon_years = 15"
    if line not in text:
        raise SystemExit(f"examples/pivot-200mw.toml no longer has the line {line!r}")
    return text.replace(line, "horizon_years = 1")


def _margin(text: str) -> str:
    """The 200 MW example with the network hashrate's margin response on."""
    line = '# hashrate_response = "margin"'
    if line not in text:
        raise SystemExit(f"examples/pivot-200mw.toml no longer has the line {line!r}")
    return text.replace(line, 'hashrate_response = "margin"  ')


def _swap(text: str) -> str:
    """The 200 MW example's S21 line ended 2026-06 and 52,000 S21 XP from 2026-07-01 at
    15 USD/TH (methodology's swap)."""
    line = "  uptime_fraction = 0.95\n\n  [[sites.cost_items]]"
    if line not in text:
        raise SystemExit(f"examples/pivot-200mw.toml no longer has the lines {line!r}")
    return text.replace(line, (
        '  uptime_fraction = 0.95\n  end = "2026-06"\n\n  [[sites.fleet]]\n'
        '  asic = "Antminer S21 XP"\n  count = 52000\n  uptime_fraction = 0.95\n'
        '  start = "2026-07-01"\n  capex_usd_per_th = 15.0\n  depreciation_years = 4.0\n'
        "\n  [[sites.cost_items]]"))


#: run name -> the arguments after ``hashpivot`` (``--json`` is added)
RUNS: dict[str, Callable[[], list[str]]] = {
    "hashprice": lambda: ["hashprice", "--btc-price-usd", "95000", "--difficulty", "117e12",
                          "--fees-btc-per-block", "0.03"],
    "hashprice-100k": lambda: ["hashprice", "--btc-price-usd", "100000", "--difficulty",
                               "100e12"],
    "cost": lambda: ["cost", "examples/reverse-margin.toml", "--btc-price-usd", "95000",
                     "--difficulty", "117e12", "--fees-btc-per-block", "0.03"],
    "pivot": lambda: ["pivot", PIVOT],
    "pivot-out": lambda: ["pivot", PIVOT, "--out", str(_work() / "pivot")],
    "pivot-tax": lambda: ["pivot", _variant("tax.toml", _tax)],
    "pivot-swap": lambda: ["pivot", _variant("swap.toml", _swap)],
    "pivot-one-year": lambda: ["pivot", _variant("one-year.toml", _one_year)],
    "simulate": lambda: ["simulate", PIVOT, "--paths", "20000", "--seed", "7"],
    "simulate-margin": lambda: ["simulate", _variant("margin.toml", _margin), "--paths",
                                "20000", "--seed", "7"],
    "simulate-tax": lambda: ["simulate", _variant("tax.toml", _tax), "--paths", "5000",
                             "--seed", "7"],
    "optimize": lambda: ["optimize", "examples/portfolio.toml", "--scenarios", "100",
                         "--risk-aversion", "0.3", "--seed", "7", "--gap", "1e-5", "--out",
                         str(_work() / "optimize")],
    "optimize-400": lambda: ["optimize", "examples/portfolio.toml", "--scenarios", "400",
                             "--risk-aversion", "0.3", "--seed", "7"],
    "pivot-plan": lambda: ["pivot", _plan_file()],
    "simulate-plan": lambda: ["simulate", _plan_file(), "--paths", "10000", "--seed", "7"],
    "deals": lambda: ["deals"],
    "backtest": lambda: ["backtest", "examples/reverse-margin.toml", "--start", "2020-01-01",
                         "--end", "2025-09-26"],
    "pivot-portfolio": lambda: ["pivot", "examples/portfolio.toml"],
    "simulate-4000": lambda: ["simulate", PIVOT, "--paths", "4000", "--seed", "7"],
    "dispatch": lambda: ["dispatch", "examples/dispatch-west-texas.toml", "--market",
                         "ercot:HB_WEST:2024"],
}


def _plan_file() -> str:
    """The plan portfolio the optimize run writes (run first)."""
    _run("optimize")
    return str(_work() / "optimize" / "plan_portfolio.toml")


@cache
def _work() -> Path:
    return Path(tempfile.mkdtemp(prefix="hashpivot-readme-"))


@cache
def _run(name: str) -> Json:
    """The JSON a run prints (run once)."""
    env = dict(os.environ, HASHPIVOT_DATA_DIR=str(_work() / "data"), COLUMNS="120")
    args = [*RUNS[name](), "--json"]
    done = subprocess.run([sys.executable, "-m", "hashpivot", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{name}: hashpivot {' '.join(args)} failed:\n{done.stderr}")
    result: Json = json.loads(done.stdout)
    return result


@dataclass(frozen=True)
class Claim:
    """Text of ``doc`` with ``{}`` for its figures, the run, and each figure's reading."""

    text: str
    run: str
    figures: tuple[Callable[[Json], str], ...]
    doc: str = "README.md"


def num(path: str, scale: float = 1.0, spec: str = ",.1f") -> Callable[[Json], str]:
    """A figure at a dotted ``path`` of the JSON (``a.b.c``), times ``scale``, formatted
    with ``spec``."""
    def read(j: Json) -> str:
        value: Any = j
        for key in path.split("."):
            value = value[key]
        return format(float(value) * scale, spec)
    return read


def _note(pattern: str) -> Callable[[Json], str]:
    """The figure a note of the run's ``notes`` gives in ``pattern``'s group (the claim
    fails when no note has it)."""
    def read(j: Json) -> str:
        for note in j["notes"]:
            if m := re.search(pattern, note):
                return m[1]
        return f"(no note with {pattern!r})"
    return read


def _other(run: str, path: str, scale: float = M, spec: str = ",.1f"
           ) -> Callable[[Json], str]:
    """A figure of another run than the claim's (a claim that compares two runs)."""
    read = num(path, scale, spec)
    return lambda _j: read(_run(run))


def calc(fn: Callable[[Json], float], spec: str = ",.1f") -> Callable[[Json], str]:
    """A figure computed from the JSON."""
    return lambda j: format(fn(j), spec)


def _strategy(strategy: str, key: str, scale: float = M,
              spec: str = ",.1f") -> Callable[[Json], str]:
    """A figure of one strategy (``strategies.<strategy>.<key>``)."""
    def read(j: Json) -> str:
        return format(float(j["strategies"][strategy][key]) * scale, spec)
    return read


def _oos_cvar(run: str, difference: bool = False) -> tuple[Callable[[Json], str], ...]:
    """optimize's out-of-sample CVaR95 of the plan and keep-mining with their intervals,
    then the difference with its interval (``difference``) or the tail and path counts
    [M USD]."""
    keys = ["plan", "plan_ci95_half", "baseline", "baseline_ci95_half"]
    cells = [num(f"out_of_sample_cvar_usd.{k}", M) for k in keys]
    if difference:
        return (*cells, num("out_of_sample_cvar_usd.difference", M),
                num("out_of_sample_cvar_usd.difference_ci95_half", M))
    return (*cells, num("out_of_sample_cvar_usd.tail_paths", 1, ",.0f"),
            num("out_of_sample_cvar_usd.n_scenarios", 1, ",.0f"))


def _pivot_row(key: str, scale: float = M, spec: str = ",.1f") -> tuple[Callable[[Json], str], ...]:
    """A row of the pivot table: the four strategies' ``key``."""
    return tuple(_strategy(s, key, scale, spec)
                 for s in ("keep_mining", "convert_all", "convert_100mw_2026-01", "phased"))


def assumption(prefix: str, pattern: str | None = None,
               spec: str = ",.0f") -> Callable[[Json], str]:
    """A figure of the resolved assumption whose name starts with ``prefix``: its value,
    or the first group of ``pattern`` in its source text (as printed)."""
    def read(j: Json) -> str:
        row = next(r for r in j["resolved_assumptions"] if r["name"].startswith(prefix))
        if pattern is None:
            return format(float(row["value"]), spec)
        found = re.search(pattern, row["source"])
        return found.group(1) if found else f"<no {pattern!r} in {row['source']!r}>"
    return read


def _opt_to_horizon(j: Json) -> float:
    """The plan's expected value over keep-mining without the terminal values. [M USD]"""
    return ((j["expected_npv_usd"] - j["expected_terminal_value_usd"])
            - (j["expected_npv_baseline_usd"] - j["expected_terminal_value_baseline_usd"])) * M


def _debt_used_busd(j: Json) -> float:
    """The project debt convert_all_now needs, from its reason (``debt capacity at
    horizon: 1,898 M USD, above ...``). [B USD]"""
    reason = j["strategies"]["convert_all_now"]["infeasible_reason"]
    head = "debt capacity at horizon: "
    assert reason.startswith(head), reason
    return float(reason[len(head):].split(" M USD")[0].replace(",", "")) / 1e3


def _plan_mw(j: Json) -> float:
    """Gross MW the plan converts. [MW]"""
    return float(sum(h["gross_mw"] for h in j["plan"]))


def _colocation(j: Json) -> list[float]:
    """The rates of the reference deals that are colocation. [USD/kW/month]"""
    return [d["rate_usd_per_kw_month"] for d in j["deals"] if d["kind"] == "colocation"]


def _halls_mw(site: str, tenant: str) -> Callable[[Json], str]:
    """Gross MW the plan converts at ``site`` for ``tenant``."""
    return lambda j: format(sum(h["gross_mw"] for h in j["plan"]
                                if h["site"] == site and h["tenant"] == tenant), ".0f")


def _quarters(tenant: str, last: bool) -> Callable[[Json], str]:
    """The first (or last) quarter of the plan's halls for ``tenant``."""
    return lambda j: sorted(h["quarter"] for h in j["plan"] if h["tenant"] == tenant)[
        -1 if last else 0]


def _quarter_span(tenant: str) -> Callable[[Json], str]:
    """The quarters of the plan's halls for ``tenant``: ``first-last``, or the one."""
    def span(j: Json) -> str:
        first, last = _quarters(tenant, False)(j), _quarters(tenant, True)(j)
        return first if first == last else f"{first}-{last}"
    return span


#: The tornado variables the text says switch the plan (to the horizon; with the terminal
#: value): every other range keeps the sign.
_PLAN_SWITCHING = (["capex_usd_per_it_mw", "lease_usd_per_kw_month"],
                   ["capex_usd_per_it_mw", "lease_term_years", "lease_usd_per_kw_month"])


def _switching(variable: str, with_tv: bool, ahead_below: bool, scale: float, spec: str,
               shift: float = 0.0) -> Callable[[Json], str]:
    """A tornado variable's switching value (to the horizon, or with the terminal value),
    times ``scale``, plus ``shift``; the claim fails unless the plan is ahead on the side
    the text says (below the value when ``ahead_below``) and only the variables of
    :data:`_PLAN_SWITCHING` switch (the text says the other ranges keep the sign)."""
    tv = "_with_tv" if with_tv else ""

    def read(j: Json) -> str:
        row = next(r for r in j["tornado"] if r["variable"] == variable)
        others = [r["variable"] for r in j["tornado"] if r[f"switching{tv}_input"] is not None]
        if sorted(others) != _PLAN_SWITCHING[with_tv]:
            return f"(switching values of {', '.join(others) or 'none'})"
        if (row[f"npv{tv}_vs_baseline_low_usd"] > 0) != ahead_below:
            return "(the plan ahead on the other side)"
        return format(float(row[f"switching{tv}_input"]) * scale + shift, spec)
    return read


def _tornado_row(variable: str, scale: float, spec: str) -> tuple[Callable[[Json], str], ...]:
    """A tornado row's swing, then its difference at the low input (signed) and that input
    (times ``scale``, formatted with ``spec``), then the same at the high input."""
    def row(j: Json) -> Json:
        return next(r for r in j["tornado"] if r["variable"] == variable)

    def side(s: str) -> tuple[Callable[[Json], str], ...]:
        return (lambda j: format(row(j)[f"npv_vs_baseline_{s}_usd"] * M, "+,.1f"),
                lambda j: format(row(j)[f"{s}_input"] * scale, spec))
    return (lambda j: format(row(j)["swing_usd"] * M, ",.1f"), *side("low"), *side("high"))


def _last_mining_month(j: Json) -> str:
    """keep-mining's last month with BTC mined on the example (``pivot-out``'s monthly CSV),
    YYYY-MM; the claim fails unless mining then stays at zero to the horizon and the month
    lies between the 2028 halving and the next (what the text says)."""
    import csv

    path = _work() / "pivot" / "cash_flows_keep_mining.csv"
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    mined = [i for i, r in enumerate(rows) if float(r["btc_mined"]) > 0]
    if not mined or mined[-1] == len(rows) - 1:
        return "(mining to the horizon)"
    month = rows[mined[-1]]["month"]
    return month if "2028-04" <= month < "2032-04" else f"(not after the 2028 halving: {month})"


def _note_figure(pattern: str) -> Callable[[Json], str]:
    """The first group of ``pattern`` in the run's first warning that matches it."""
    def read(j: Json) -> str:
        for w in j["warnings"]:
            found = re.search(pattern, w)
            if found:
                return found.group(1)
        return f"<no warning matches {pattern!r}>"
    return read


def _verdict(j: Json) -> str:
    """The optimizer's sampling verdict on the plan's value over keep-mining."""
    return str(j["sampling_check"]["verdict"])


#: A number as printed (thousands separated by commas), as a regex group.
NUMBER = r"(-?[0-9](?:[0-9,]*[0-9])?(?:\.[0-9]+)?)"
#: The resolved assumption of the example's dispatching site's flexibility.
ODESSA = "Odessa Grid: [sites.dispatch] flexibility"

CLAIMS: list[Claim] = [
    Claim("the demo's {} years its machines are charged {} times what they cost", "backtest",
          (num("summary.days", 1 / 365.25), _note(r"without a start .*\((\d+\.\d+)x\)"))),
    Claim("the demo's fleet would have been {} % of the network in 2020, and with it there "
          "its BTC mined {} % fewer over the window", "backtest",
          (_note(r"would have been up to ([\d.]+) % of the network's hashrate \(on 2020-"),
           _note(r"and ([\d.]+) % over the window"))),
    # demo
    Claim("fees per block): about ${} per PH/s per day", "hashprice",
          (num("hashprice_usd_per_ph_day", spec=".1f"),)),
    Claim("a **direct (cash) cost of ~${}/BTC** and a **total cost of ~${}/BTC**", "cost",
          (calc(lambda j: round(j["cost_per_btc_direct_usd"], -2), ",.0f"),
           calc(lambda j: round(j["cost_per_btc_total_usd"], -3), ",.0f"))),
    Claim("--difficulty 100e12 --json # {} USD/PH/day", "hashprice-100k",
          (num("hashprice_usd_per_ph_day", spec=".2f"),)),
    # pivot
    Claim("| NPV | M USD | {} | {} | {} | {} |", "pivot", _pivot_row("npv_usd")),
    Claim("| NPV vs keep | M USD | {} | {} | {} | {} |", "pivot",
          _pivot_row("npv_vs_baseline_usd")),
    Claim("| TV, present value | M USD | {} | {} | {} | {} |", "pivot",
          _pivot_row("terminal_value_usd")),
    Claim("| NPV with TV | M USD | {} | {} | {} | {} |", "pivot",
          _pivot_row("npv_with_terminal_value_usd")),
    Claim("| IRR (incremental) | %/yr | - | {} | {} | {} |", "pivot",
          _pivot_row("irr_fraction", 100.0)[1:]),
    Claim("| payback (incr.) | months | - | {} | {} | {} |", "pivot",
          _pivot_row("payback_months", 1.0)[1:]),
    Claim("| backlog, contracted | M USD | {} | {} | {} | {} |", "pivot",
          _pivot_row("contracted_backlog_usd")),
    Claim("the example keep-mining emits {} kt CO2 over the 15 years and converting everything "
          "{} kt", "pivot",
          (_strategy("keep_mining", "emissions_tco2", 1e-3, ",.0f"),
           _strategy("convert_all", "emissions_tco2", 1e-3, ",.0f"))),
    Claim("mining stops after the 2028 halving (keep-mining mines its last BTC in {},",
          "pivot-out", (_last_mining_month,)),
    Claim("the fleet stops mining after the 2028 halving ({}) and the idle site still pays",
          "pivot-out", (_last_mining_month,)),
    Claim("a note gives what those idle months cost: {} M USD of keep-mining's NPV", "pivot",
          (_note_figure(r"mines no BTC .* worth up to " + NUMBER + " M USD more"),)),
    Claim("On the example the lease term swings the difference by {} M USD ({} at {} years, "
          "{} at {}), the discount rate by {} ({} at {} %, {} at {} %), BTC price growth by "
          "{} ({} at {} %, {} at {} %)", "pivot",
          _tornado_row("lease_term_years", 1.0, ".0f")
          + _tornado_row("discount_rate", 100.0, ".0f")
          + _tornado_row("btc_price_growth_per_year", 100.0, ".0f")),
    Claim("lease: {} USD/kW/month first year", "pivot",
          (num("breakeven_lease_usd_per_kw_month"),)),
    Claim("to the horizon, {} with the terminal value (the renewal's rent", "pivot",
          (num("breakeven_lease_with_terminal_value_usd_per_kw_month"),)),
    Claim("Reference deals imply {}-{} for colocation (Core Scientific-CoreWeave: 3.5 B USD / "
          "12 years / 200 MW = {} USD/kW/month)", "deals",
          (calc(lambda j: min(_colocation(j)), ".0f"), calc(lambda j: max(_colocation(j)), ".0f"),
           calc(lambda j: next(d["rate_usd_per_kw_month"] for d in j["deals"]
                               if d["deal"] == "core_scientific_coreweave_initial")))),
    Claim("(on the example over one year, convert-all's levered IRR is {} %/yr)",
          "pivot-one-year", (_strategy("convert_all", "irr_levered_fraction", 100.0),)),
    Claim("At 21 % the example gives keep-mining {} M USD after tax ({} pre-tax) and "
          "convert-all {} M ({}).", "pivot-tax",
          (_strategy("keep_mining", "npv_after_tax_usd"),
           _strategy("keep_mining", "npv_usd"),
           _strategy("convert_all", "npv_after_tax_usd"),
           _strategy("convert_all", "npv_usd"))),
    # simulate
    Claim("(at 21 %, 5,000 paths, seed 7: keep-mining {} M USD mean after tax, convert-all "
          "{}, which beats it on {} % of paths, against {} % pre-tax)", "simulate-tax",
          (_strategy("keep_mining", "npv_after_tax_mean_usd"),
           _strategy("convert_all", "npv_after_tax_mean_usd"),
           _strategy("convert_all", "prob_beats_baseline_after_tax", 100.0),
           _strategy("convert_all", "prob_beats_baseline", 100.0))),
    Claim("the deterministic column equals the `pivot` table (keep-mining {} M USD, "
          "convert-all {} M).", "simulate",
          (_strategy("keep_mining", "npv_deterministic_usd"),
           _strategy("convert_all", "npv_deterministic_usd"))),
    Claim("Keep-mining has a mean NPV of {} M USD but a wide spread (median {} M, P5 {} M, "
          "CVaR95 {} M)", "simulate",
          tuple(_strategy("keep_mining", k, M, ",.0f") for k in
                ("npv_mean_usd", "npv_p50_usd", "npv_p5_usd", "cvar95_usd"))),
    Claim("convert-all from 2026-04 adds {} M USD over keep-mining ({} as filed)", "pivot",
          (num("strategies.convert_all.as_the_rules_allow.npv_vs_baseline_usd", M),
           num("strategies.convert_all.npv_vs_baseline_usd", M))),
    Claim("a liquidity breach on {} % of paths and {} BTC sold under duress on average (± {} "
          "BTC)", "simulate",
          (_strategy("keep_mining", "prob_liquidity_breach", 100.0),
           _strategy("keep_mining", "expected_forced_sale_btc", 1.0, ",.0f"),
           _strategy("keep_mining", "expected_forced_sale_btc_ci95_half", 1.0, ",.0f"))),
    Claim("Converting all 200 MW fixes the NPV at {} M on every path and beats keep-mining "
          "on {} % of them (± {} points: the Monte Carlo error of 20,000 paths; the mean gain "
          "of {} M is ± {} M", "simulate",
          (_strategy("convert_all", "npv_mean_usd", M, ",.0f"),
           _strategy("convert_all", "prob_beats_baseline", 100.0, ".0f"),
           _strategy("convert_all", "prob_beats_baseline_ci95_half", 100.0, ".1f"),
           _strategy("convert_all", "npv_vs_baseline_mean_usd", M, ",.0f"),
           _strategy("convert_all", "npv_vs_baseline_mean_ci95_half_usd", M, ",.0f"))),
    Claim("while keep-mining's fall from {} to {} BTC and from {} % to {} % of paths",
          "simulate",
          (_strategy("keep_mining", "expected_forced_sale_btc", 1.0, ",.0f"),
           _strategy("keep_mining", "expected_forced_sale_without_capex_btc", 1.0, ",.0f"),
           _strategy("keep_mining", "prob_forced_sale", 100.0),
           _strategy("keep_mining", "prob_forced_sale_without_capex", 100.0))),
    Claim("high-price paths catches up: mean {} M USD, median {} M, P5 {} M, P95 {} M; "
          "convert-all beats it on {} % of paths", "simulate-margin",
          (*(_strategy("keep_mining", k, M, ",.0f") for k in
             ("npv_mean_usd", "npv_p50_usd", "npv_p5_usd", "npv_p95_usd")),
           _strategy("convert_all", "prob_beats_baseline", 100.0))),
    # optimize
    Claim("seed 7) the plan converts {} MW: {} MW at the West Texas PPA site, {} MW at the "
          "Texas grid site and {} MW at the hydro site for Hyperscaler A (134.3 USD/kW/month "
          "in the first year, +3 %/yr: the 154 its deal implies on average over 10 years) in "
          "{}-{}, and another {} MW at the PPA site for Neocloud B (108.3, +2 %/yr: 121 on "
          "average over 12 years) in {};",
          "optimize",
          (calc(_plan_mw, ".0f"), _halls_mw("Pecos PPA", "Hyperscaler A"),
           _halls_mw("Odessa Grid", "Hyperscaler A"), _halls_mw("Columbia Hydro", "Hyperscaler A"),
           _quarters("Hyperscaler A", False), _quarters("Hyperscaler A", True),
           _halls_mw("Pecos PPA", "Neocloud B"), _quarter_span("Neocloud B"))),
    Claim('"all now" ({} MW from 2025Q4 to 2026Q4) breaks the debt capacity ({} B USD '
          "against 1.5); the best simple strategy, the West Texas PPA site alone ({} MW), "
          "adds {} M",
          "optimize",
          (num("strategies.convert_all_now.converted_mw", 1.0, ".0f"),
           calc(_debt_used_busd), num("strategies.only_Pecos PPA.converted_mw", 1.0, ".0f"),
           calc(lambda j: (j["strategies"]["only_Pecos PPA"]["expected_npv_usd"]
                           - j["expected_npv_baseline_usd"]) * M))),
    Claim("sample the plan adds {} M USD of expected NPV over keep-mining (to the horizon, "
          "without the terminal value: {}) with a better CVaR95 ({} against {} M USD)",
          "optimize",
          (num("value_over_baseline_usd", M), calc(_opt_to_horizon), num("cvar95_usd", M),
           num("strategies.keep_mining.cvar95_usd", M))),
    Claim("with keep-mining on the same paths) its value over keep-mining is {} M USD with "
          "a 95 % interval of {} to +{} M", "optimize",
          (num("out_of_sample_value_over_baseline_usd.mean", M),
           num("out_of_sample_value_over_baseline_usd.ci95_low", M),
           num("out_of_sample_value_over_baseline_usd.ci95_high", M))),
    Claim("M: on 100 scenarios the gain is {} and the summary warns of it", "optimize",
          (_verdict,)),
    Claim("With `--scenarios 400` the plan still converts {} MW (the same sites and tenants, "
          "some halls a few quarters later) and adds {} M USD out of sample ({} to {}): a {}, "
          "as the summary says (in sample {})", "optimize-400",
          (calc(lambda j: sum(h["gross_mw"] for h in j["plan"]), ".0f"),
           num("out_of_sample_value_over_baseline_usd.mean", M),
           num("out_of_sample_value_over_baseline_usd.ci95_low", M),
           num("out_of_sample_value_over_baseline_usd.ci95_high", M), _verdict,
           num("value_over_baseline_usd", M))),
    Claim("On the central path the optimizer values the plan at +{} M USD over keep-mining "
          "and `pivot` on its `plan_portfolio.toml` (each hall at its tenant's lease) at +{} "
          "M USD with the terminal value", "optimize",
          (num("center_path_check.optimizer_value_over_keep_usd", M),
           num("center_path_check.npv_with_tv_vs_keep_usd", M))),
    Claim("{} to the horizon, and a break-even first-year rent of {} USD/kW/month for every "
          "hall ({} with the terminal value)", "pivot-plan",
          (lambda j: format(j["strategies"]["phased"]["npv_vs_baseline_usd"] * M, ",.1f"),
           num("breakeven_lease_usd_per_kw_month"),
           num("breakeven_lease_with_terminal_value_usd_per_kw_month"))),
    Claim("to the horizon it is behind keep-mining unless the capex falls below {} M USD per "
          "IT MW (the file's 9.00) or every rent rises above {} times the file's (the "
          "tornado's switching values); with the terminal value it is ahead unless the capex "
          "exceeds {} or the rents fall below {} times the file's or every hall's lease is cut "
          "by {} months or more (ahead at {} years each, the first whole month); every other "
          "range keeps the sign", "pivot-plan",
          (_switching("capex_usd_per_it_mw", False, True, M, ".2f"),
           _switching("lease_usd_per_kw_month", False, False, 1.0, ".3g"),
           _switching("capex_usd_per_it_mw", True, True, M, ".2f"),
           _switching("lease_usd_per_kw_month", True, False, 1.0, ".3g"),
           # the step in months at which it is behind again: one month more cut
           _switching("lease_term_years", True, False, -12.0, ".0f", 1.0),
           _switching("lease_term_years", True, False, 1.0, "+.3g"))),
    Claim("both are above the optimizer's in-sample +{}, which averages 100 market scenarios "
          "as well as the signings", "optimize", (num("value_over_baseline_usd", M),)),
    Claim("100 scenarios leave the gain {} (-{} to +{} M USD)", "optimize",
          (_verdict, calc(lambda j: -j["out_of_sample_value_over_baseline_usd"]["ci95_low"] * M,
                          ",.0f"),
           num("out_of_sample_value_over_baseline_usd.ci95_high", M, ",.0f")),
          "docs/methodology.md"),
    Claim("400 give a {} of {} M USD ({} to {})", "optimize-400",
          (_verdict, num("out_of_sample_value_over_baseline_usd.mean", M, ",.0f"),
           num("out_of_sample_value_over_baseline_usd.ci95_low", M, ",.0f"),
           num("out_of_sample_value_over_baseline_usd.ci95_high", M, ",.0f")),
          "docs/methodology.md"),
    Claim("mean gain of converting everything is {} M USD ± {} M", "simulate",
          (_strategy("convert_all", "npv_vs_baseline_mean_usd", M, ",.0f"),
           _strategy("convert_all", "npv_vs_baseline_mean_ci95_half_usd", M, ",.0f")),
          "docs/methodology.md"),
    Claim("100 scenarios give the plan {} ± {} M USD out of sample against {} in sample; "
          "400 give {} ± {}, better than keep-mining's by {} ± {}", "optimize",
          (num("out_of_sample_cvar_usd.plan", M),
           num("out_of_sample_cvar_usd.plan_ci95_half", M),
           num("cvar95_usd", M), _other("optimize-400", "out_of_sample_cvar_usd.plan"),
           _other("optimize-400", "out_of_sample_cvar_usd.plan_ci95_half"),
           _other("optimize-400", "out_of_sample_cvar_usd.difference"),
           _other("optimize-400", "out_of_sample_cvar_usd.difference_ci95_half")),
          "docs/methodology.md"),
    Claim("Its CVaR95 out of sample is {} ± {} M USD against keep-mining's {} ± {} (the mean "
          "of the worst {} of {} paths", "optimize", _oos_cvar("optimize")),
    Claim("sample is {} ± {} against {} ± {}, better by {} ± {} on the same paths",
          "optimize-400", _oos_cvar("optimize-400", difference=True)),
    Claim("keep-mining's P5 is {} M USD ± {} M and its CVaR95 {} M ± {} M", "simulate",
          (_strategy("keep_mining", "npv_p5_usd", M, ",.1f"),
           _strategy("keep_mining", "npv_p5_ci95_half_usd", M, ",.1f"),
           _strategy("keep_mining", "cvar95_usd", M, ",.1f"),
           _strategy("keep_mining", "cvar95_ci95_half_usd", M, ",.1f")),
          "docs/methodology.md"),
    Claim("with the terminal value ({} to the horizon) and the optimizer, on the same path",
          "pivot-plan",
          (lambda j: format(j["strategies"]["phased"]["signing"]
                            ["expected_npv_usd_vs_baseline"] * M, ",.1f"),)),
    Claim("the line under pivot's table expects +{} M USD with the terminal value", "optimize",
          (num("center_path_check.expected_npv_with_tv_vs_keep_usd", M),)),
    Claim("the optimizer, on the same path with the signings in expectation, +{} (its "
          "summary prints both)", "optimize",
          (num("center_path_check.optimizer_expected_over_signings_usd", M),)),
    Claim("drawn per path) gives +{} M USD with the terminal value on average ({} to the "
          "horizon), beating keep-mining with it on {} % of the paths", "simulate-plan",
          (lambda j: format((j["strategies"]["phased"]["npv_with_tv_mean_usd"]
                             - j["strategies"]["keep_mining"]["npv_with_tv_mean_usd"]) * M,
                            ",.1f"),
           lambda j: format((j["strategies"]["phased"]["npv_mean_usd"]
                             - j["strategies"]["keep_mining"]["npv_mean_usd"]) * M, ",.1f"),
           _strategy("phased", "prob_beats_baseline_with_tv", 100.0))),
    # docs/methodology.md
    Claim("gains `G(1)` = {} USD/MW-month at the price year's hashprice ({} USD/PH/day) and {} "
          "at half of it", "pivot-portfolio",
          (assumption(ODESSA, rf"; 1: {NUMBER};"), assumption(ODESSA, rf"\({NUMBER} USD/PH/day"),
           assumption(ODESSA, rf"0\.5: {NUMBER};")), "docs/methodology.md"),
    Claim("the site gains {} USD/MW-month over the first year, {} on average over the "
          "horizon and {} in the final year; the S19 XPs {} and the S21 XPs {} on average",
          "pivot-portfolio",
          (assumption(ODESSA, rf"first year {NUMBER}"), assumption(ODESSA),
           assumption(ODESSA, rf"final year {NUMBER}"),
           assumption(ODESSA, rf"Antminer S19 XP {NUMBER}"),
           assumption(ODESSA, rf"Antminer S21 XP {NUMBER}")),
          "docs/methodology.md"),
    Claim("(199.0 MW; 15 USD/TH, so {} M USD paid then) was worth 302.9 M USD to keep "
          "mining, the S21 XPs mined from the first month and never paid for; it is now "
          "worth {} M USD, and converting everything at once {} M USD instead of 544.2",
          "pivot-swap",
          (lambda j: re.findall(r"bought then for ([\d,.]+) M USD", " ".join(
              j["warnings"]))[0],
           _strategy("keep_mining", "npv_usd"), _strategy("convert_all", "npv_usd")),
          "docs/methodology.md"),
    Claim("Keep-mining's NPV in `pivot` is {} M USD", "pivot-portfolio",
          (_strategy("keep_mining", "npv_usd"),), "docs/methodology.md"),
    Claim("converting everything beats it by {} M USD with terminal value", "pivot-portfolio",
          (_strategy("convert_all", "npv_with_terminal_value_vs_baseline_usd"),),
          "docs/methodology.md"),
    Claim("the phased strategy by {} (", "pivot-portfolio",
          (_strategy("phased", "npv_with_terminal_value_vs_baseline_usd"),),
          "docs/methodology.md"),
    Claim("{} % of keep-mining paths have a forced sale and {} % ex capex ({} BTC and {} BTC "
          "expected); every forced sale of the convert strategies funds the equity part of "
          "the hall ({} % and {} % of paths, none ex capex)", "simulate-4000",
          (_strategy("keep_mining", "prob_forced_sale", 100.0),
           _strategy("keep_mining", "prob_forced_sale_without_capex", 100.0),
           _strategy("keep_mining", "expected_forced_sale_btc", 1.0, ",.0f"),
           _strategy("keep_mining", "expected_forced_sale_without_capex_btc", 1.0, ",.0f"),
           _strategy("convert_all", "prob_forced_sale", 100.0, ".0f"),
           _strategy("convert_100mw_2026-01", "prob_forced_sale", 100.0)),
          "docs/methodology.md"),
    # dispatch
    Claim("daily hashprice) dispatch nets {} M USD against {} M always-on, with {} % mining "
          "uptime, {} M USD of 4CP charges avoided", "dispatch",
          (num("net_margin_usd", M), num("net_margin_always_on_usd", M),
           num("uptime_fraction", 100.0), num("fourcp_avoided_usd", M))),
    Claim("mean hashprice ({} USD/PH/day: the S21s stop above {} USD/MWh, the S19j Pros above "
          "{})", "dispatch",
          (num("hashprice_mean_usd_per_ph_day", spec=",.2f"),
           num("breakeven_price_usd_per_mwh.S21"),
           num("breakeven_price_usd_per_mwh.S19j Pro"))),
    Claim("charges avoided and {} t CO2 (eGRID2023 ERCOT", "dispatch",
          (calc(lambda j: round(j["emissions_tco2"], -3), ",.0f"),)),
    Claim("gain vs always on counts the charge avoided, {} of its {} M USD on the West Texas "
          "example", "dispatch",
          (num("fourcp_avoided_usd", M), num("net_margin_gain_vs_always_on_usd", M))),
    Claim("dispatch's gain vs always on is {} M USD over 2024, {} M of it the 4CP charge "
          "avoided", "dispatch",
          (num("net_margin_gain_vs_always_on_usd", M, ",.2f"),
           num("fourcp_avoided_usd", M, ",.2f")), "docs/methodology.md"),
]


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _template_regex(template: str) -> re.Pattern[str]:
    """The claim's text with any figure (a number, or words such as a verdict) where
    ``{}`` stands."""
    parts = [re.escape(_collapse(p)) for p in template.split("{}")]
    return re.compile(r"(\S(?:.*?\S)?)".join(parts))


def main() -> int:
    try:
        return _check()
    finally:
        shutil.rmtree(_work(), ignore_errors=True)


def _check() -> int:
    """Every claim against today's runs; 0 when all hold."""
    docs = {name: _collapse((REPO / name).read_text(encoding="utf-8"))
            for name in sorted({c.doc for c in CLAIMS})}
    failures = 0
    for claim in CLAIMS:
        data = _run(claim.run)
        now = _collapse(claim.text.format(*(f(data) for f in claim.figures)))
        if now in docs[claim.doc]:
            print(f"ok      {claim.doc}: {now}")
            continue
        failures += 1
        found = _template_regex(claim.text).search(docs[claim.doc])
        if found is None:
            print(f"MISSING {claim.doc} no longer has: {_collapse(claim.text)}")
        else:
            print(f"DIFFERS {claim.doc}: {found.group(0)}\n        now: {now}")
    print(f"{len(CLAIMS)} claims in {', '.join(docs)}, {failures} not as written")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
