"""The portfolio as it stands on the first month valued (engines/standing.py).

A file kept for ``backtest`` lists machines retired and contracts expired, with their
``end``. ``pivot``, ``simulate`` and ``optimize`` value the future: such an entry is left out
of them, so the example with a retired S9 fleet added (30,000 machines, ended 2022-12) is
valued exactly as the example, where before it counted the S9s over the 15 years (keep-mining
NPV 137.5 M USD instead of 126.3). Dated entries that do apply are counted over the whole
horizon, as before, and a note names them.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hashpivot.cli.app import app
from hashpivot.engines import pivot as pv
from hashpivot.engines.simulate import SimulationConfig, simulate
from hashpivot.engines.standing import standing_portfolio
from hashpivot.exceptions import InputError
from hashpivot.models import Portfolio, parse_portfolio
from hashpivot.optimize import resolve_problem
from tests.optimize.optimize_inputs import portfolio as small_portfolio
from tests.optimize.optimize_inputs import site_toml

EXAMPLE = Path(__file__).parents[2] / "examples" / "pivot-200mw.toml"
S21 = '  asic = "Antminer S21"            # 200 TH/s, 3,500 W, 17.5 J/TH (bundled ASIC catalog)\n'
COSTS = "  [[sites.cost_items]]\n"


def _example(s21_start: str | None = None, fleet_after: str = "", costs_after: str = "",
             ) -> str:
    """The 200 MW example's text; the S21 line given a ``start``, more fleet lines after
    it and more cost items after the site's first."""
    text = EXAMPLE.read_text()
    assert S21 in text and text.count(COSTS) == 1
    if s21_start is not None:
        text = text.replace(S21, f'{S21}  start = "{s21_start}"\n')
    return text.replace(COSTS, fleet_after + COSTS).replace(
        "\n  [sites.hosting]\n", costs_after + "\n  [sites.hosting]\n")


RETIRED_S9 = '  [[sites.fleet]]\n  asic = "Antminer S9"\n  count = 30000\n  end = "2022-12"\n\n'
EXPIRED_FEE = ('\n  [[sites.cost_items]]\n  name = "old hosting fee"\n  category = "site_opex"\n'
               '  usd_per_year = 5e6\n  end = "2024-06"\n')


def _parse(text: str) -> Portfolio:
    return parse_portfolio(text, "site.toml")


def _npvs(result: pv.PivotResult) -> dict[str, float]:
    return {r.strategy.name: r.npv_usd for r in result.strategies}


def test_retired_machines_and_an_expired_cost_are_not_valued_by_pivot() -> None:
    plain = pv.run_pivot(_parse(EXAMPLE.read_text()))
    dated = pv.run_pivot(_parse(_example("2023-01", RETIRED_S9, EXPIRED_FEE)))
    assert _npvs(dated) == _npvs(plain)  # exactly: the same sites reach the model
    start = plain.inputs["start"]
    [note] = [w for w in dated.warnings if w.startswith("West Texas 200: left out")]
    assert note == (
        f"West Texas 200: left out, as they end before {start} (the first month valued): "
        "sites[0].fleet[1] (Antminer S9, 30,000 machines; end 2022-12); "
        "sites[0].cost_items[1] (old hosting fee; end 2024-06)")
    assert not [w for w in plain.warnings if "left out" in w]


def test_a_planned_entry_mines_from_its_start_and_is_bought_then() -> None:
    """The 200 MW example's S21 line starting five months after the first month: pivot
    mines it from then (until 2026-12-05 from the first month, as installed: keep-mining's
    NPV 126.3 M USD, now 89.9). With ``capex_usd_per_th`` its purchase is paid in that
    month by keep-mining, on the MW no conversion displaced; convert_all converts the
    capacity before the machines come, so it buys none and sells none."""
    plain = pv.run_pivot(_parse(EXAMPLE.read_text()))
    start = pd.Period(plain.inputs["start"], "M")
    later = (start + 5).start_time.date().isoformat()
    dated = pv.run_pivot(_parse(_example(later)))
    keep = dated.strategies[0].cash_flows
    assert (keep.mining_mw[0, :5] == 0).all() and (keep.btc_mined[0, :5] == 0).all()
    np.testing.assert_allclose(keep.mining_mw[0, 5:], plain.strategies[0].cash_flows
                               .mining_mw[0, 5:], rtol=1e-12)
    assert _npvs(dated)["keep_mining"] == pytest.approx(89.9e6, abs=0.05e6)
    [note] = [w for w in dated.warnings if w.startswith("West Texas 200:")]
    assert note.endswith(f"sites[0].fleet[0] (Antminer S21, 52,000 machines; mines from its "
                         f"start {later}, no capex_usd_per_th: taken as paid for, its "
                         "purchase not counted)")
    priced = _parse(_example(later).replace(S21, f"{S21}  capex_usd_per_th = 15.0\n"
                                            "  depreciation_years = 4.0\n"))
    bought = pv.run_pivot(priced)
    cost = 52_000 * 200.0 * 15.0  # 156 M USD
    flows = {r.strategy.name: r.cash_flows for r in bought.strategies}
    capex = flows["keep_mining"].replacement_capex_usd[0]
    assert capex[5] == pytest.approx(cost, rel=1e-12) and not capex[:5].any()
    assert _npvs(bought)["keep_mining"] < _npvs(dated)["keep_mining"] - 0.8 * cost
    assert not flows["convert_all"].replacement_capex_usd.any()  # nothing bought
    assert not flows["convert_all"].asic_resale_usd.any()  # nor sold
    assert _npvs(bought)["convert_all"] == _npvs(dated)["convert_all"]
    [note] = [w for w in bought.warnings if w.startswith("West Texas 200:")]
    assert f"bought then for {cost / 1e6:,.1f} M USD at 15 USD/TH" in note


def test_entries_one_after_the_other_over_capacity_are_a_swap() -> None:
    """The S21 line retired after three months and 52,000 S21 XP from the month after:
    each fits the site on its own, together they draw about twice its capacity. They
    replace one another on the same power (a swap, hashpivot.mining.slots): keep-mining
    mines the S21s to their end and the S21 XPs from their start, and the note names
    the swap. Until 2026-12-06 both were mined throughout, the least efficient cut to the
    capacity, as if the S21 XPs were already there."""
    plain = pv.run_pivot(_parse(EXAMPLE.read_text()))
    start = pd.Period(plain.inputs["start"], "M")
    successor = S21.replace("Antminer S21", "Antminer S21 XP") + "  count = 52000\n"
    text = _example(fleet_after=f'  end = "{start + 3}"\n\n  [[sites.fleet]]\n{successor}'
                    f'  start = "{(start + 4).start_time.date()}"\n\n')
    pf = _parse(text)
    assert pf.sites[0].fleet_power_mw > pf.sites[0].capacity_mw  # teeth
    result = pv.run_pivot(pf)
    [note] = [w for w in result.warnings if w.startswith("West Texas 200:")]
    assert note.endswith("replace one another on the same power (together they draw "
                         f"{pf.sites[0].fleet_power_mw:,.1f} MW, more than capacity_mw = 200; "
                         "a slot of the capacity each, as large as its largest entry; a "
                         "conversion displaces the slots in the order of the machines they "
                         "hold at the start, least efficient first, each slot keeping its "
                         "place after its swap, and a later entry is bought only on the MW "
                         "a conversion left): "
                         "sites[0].fleet[0] (Antminer S21, 191.1 MW) then sites[0].fleet[1] "
                         "(Antminer S21 XP, 199.0 MW)")
    months = pd.period_range(start, periods=12, freq="M")
    cf = pv.strategy_cash_flows(pf, pv.Strategy("keep_mining"),
                                pv.deterministic_market(pf, start, len(months)))
    np.testing.assert_allclose(cf.mining_mw[0, :4], 52_000 * 3500 * 1.05 / 1e6, rtol=1e-12)
    xp = 52_000 * pf.sites[0].fleet[1].power_w * 1.05 / 1e6
    np.testing.assert_allclose(cf.mining_mw[0, 4:], xp, rtol=1e-12)
    [note] = [w for w in pv.run_pivot(_parse(_example(str(start + 5)))).warnings
              if w.startswith("West Texas 200:")]
    assert "together they draw" not in note


def test_the_portfolio_s_own_cash_costs_left_out_of_pivot_and_optimize_are_named() -> None:
    """A corporate G&A of 20 M USD/year and a stock-based compensation at the portfolio's
    level: pivot and optimize value the strategies without them (the same in each) and
    now say so with the cash amount (before, pivot's keep-mining NPV sat above what the
    company nets with no word, while ``cost`` counted the item per BTC)."""
    items = ('\n[[cost_items]]\nname = "corporate G&A"\ncategory = "sga_cash"\n'
             'usd_per_year = 20e6\n\n[[cost_items]]\nname = "SBC"\n'
             'category = "stock_based_compensation"\nusd_per_year = 5e6\n')
    pf = _parse(EXAMPLE.read_text() + items)
    words = ("portfolio: its own cost_items (1 cash, 20.0 M USD/year) are in no strategy's "
             "cash flows")
    assert _npvs(pv.run_pivot(pf)) == _npvs(pv.run_pivot(_parse(EXAMPLE.read_text())))
    assert [w for w in pv.run_pivot(pf).warnings if w.startswith(words)]
    periods = pd.period_range("2026-01", periods=12, freq="M")
    assert [n for n in standing_portfolio(pf, periods).notes if n.startswith(words)]
    assert not standing_portfolio(pf, periods, corporate=True).notes  # simulate pays them


def test_a_site_s_dated_non_cash_item_is_not_said_to_be_paid() -> None:
    """A review's case: a site's depreciation dated to 2026-06 drew the note "dated cost
    items are paid between their dates" in pivot and optimize, which pay no non-cash
    item; the note names only the cash items the engines pay."""
    dep = ('  [[sites.cost_items]]\n  name = "depreciation"\n  category = "depreciation"\n'
           '  usd_per_year = 30e6\n  end = "2026-06"\n\n')
    staff = ('  [[sites.cost_items]]\n  name = "guards"\n  category = "site_opex"\n'
             '  usd_per_year = 1e6\n  end = "2026-06"\n\n')
    periods = pd.period_range("2026-01", periods=12, freq="M")
    words = "West Texas 200: dated cost items are paid between their dates"
    for extra, named in ((dep, []), (dep + staff, ["sites[0].cost_items[2] (guards"])):
        notes = standing_portfolio(_parse(_example(costs_after=extra)), periods).notes
        found = [n for n in notes if n.startswith(words)]
        assert [n.split(": ", 2)[2][:len(named[0])] for n in found] == named, notes


def test_a_site_whose_every_machine_retired_is_an_input_error(tmp_path: Path) -> None:
    text = _example().replace(S21, f'{S21}  end = "2024-12"\n')
    with pytest.raises(InputError) as info:
        pv.run_pivot(_parse(text))
    [problem] = info.value.problems
    assert problem.path == "sites[0].fleet"
    assert problem.message.startswith("every entry ends before ")
    path = tmp_path / "retired.toml"
    path.write_text(text)
    out = CliRunner().invoke(app, ["pivot", str(path)])
    assert out.exit_code == 2
    assert "sites[0].fleet" in out.output and "Traceback" not in out.output


def test_simulate_values_the_standing_portfolio() -> None:
    config = SimulationConfig(n_paths=64, chunk_paths=64, seed=3, horizon_months=36)
    plain = simulate(_parse(EXAMPLE.read_text()), config)
    dated = simulate(_parse(_example("2023-01", RETIRED_S9, EXPIRED_FEE)), config)
    assert dated.deterministic_npv_usd == plain.deterministic_npv_usd
    for name, npvs in plain.npv_usd.items():
        np.testing.assert_array_equal(dated.npv_usd[name], npvs)
    assert [w for w in dated.warnings if w.startswith("West Texas 200: left out")]


def test_optimize_resolves_the_standing_portfolio() -> None:
    retired = ('[[sites.fleet]]\nname = "old"\nhashrate_th_s = 14.0\npower_w = 1400.0\n'
               'count = 20000\nend = "2023-06"\n')
    plain = resolve_problem(small_portfolio(site_toml("Alpha"), years=4))
    text = site_toml("Alpha").replace(
        "uptime_fraction = 0.95\n", f'uptime_fraction = 0.95\nstart = "2023-07"\n\n{retired}')
    dated = resolve_problem(small_portfolio(text, years=4))
    np.testing.assert_array_equal(dated.tranche_mw, plain.tranche_mw)
    undated = {"fleet_windows": ((None, None),), "installed": (None, None)}
    assert [dataclasses.replace(s, **undated) for s in dated.sites] == plain.sites
    assert dated.standing_notes == [
        "Alpha: left out, as they end before 2026-01 (the first month valued): "
        "sites[0].fleet[1] (old, 20,000 machines; end 2023-06)"]


PAIR = """
name = "p"
[[sites]]
name = "A"
capacity_mw = 100
  [sites.power_contract]
  price_usd_per_mwh = 40
  [[sites.fleet]]
  name = "gone"
  hashrate_th_s = 100
  power_w = 3000
  count = 1000
  end = "2024-12"
  [[sites.fleet]]
  name = "now"
  hashrate_th_s = 200
  power_w = 3500
  count = 1000
  start = "2023-01"
  [[sites.fleet]]
  name = "leaving"
  hashrate_th_s = 200
  power_w = 3500
  count = 1000
  end = "2027-06-15"
[[cost_items]]
name = "old SG&A"
category = "sga_cash"
usd_per_year = 1e6
end = "2025-03"
[[cost_items]]
name = "SG&A"
category = "sga_cash"
usd_per_year = 2e6
start = "2026-01"
"""


def test_notes_keep_the_file_field_paths_and_name_corporate_items_on_request() -> None:
    pf = _parse(PAIR)
    months = pd.period_range("2025-10", periods=36, freq="M")
    st = standing_portfolio(pf, months)
    assert [e.label for e in st.portfolio.sites[0].fleet] == ["now", "leaving"]
    assert [c.name for c in st.portfolio.cost_items] == ["SG&A"]
    assert st.notes[2].startswith(  # the SG&A that stands, not the one ended
        "portfolio: its own cost_items (1 cash, 2.0 M USD/year) are in no strategy's")
    assert st.notes[:2] == [
        "A: left out, as they end before 2025-10 (the first month valued): "
        "sites[0].fleet[0] (gone, 1,000 machines; end 2024-12)",
        "A: dated fleet entries run between their dates in the forward engines (a "
        "conversion displaces machines by their power at the meter, installed or planned; "
        "the site's own cost items other than its cash SG&A are paid whole by the machines "
        "installed, and follow the MW converted; valued 2025-10 to 2028-09): "
        "sites[0].fleet[2] (leaving, "
        "1,000 machines; mines to its end 2027-06-15, its machines not resold)"]
    corporate = standing_portfolio(pf, months, corporate=True).notes
    assert corporate[2:] == [
        "portfolio: left out, as they end before 2025-10 (the first month valued): "
        "cost_items[0] (old SG&A; end 2025-03)",
        "portfolio: simulate's treasury pays the portfolio's own items between their "
        "dates, valued 2025-10 to 2028-09: cost_items[1] (SG&A; start 2026-01)"]
    assert pf.sites[0].fleet[0].label == "gone"  # the file's portfolio is not changed


def test_an_undated_portfolio_is_returned_as_it_is() -> None:
    pf = _parse(EXAMPLE.read_text())
    st = standing_portfolio(pf, pd.period_range("2025-10", periods=12, freq="M"))
    assert st.portfolio is pf and st.notes == []
