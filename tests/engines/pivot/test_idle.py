"""keep-mining's idle months: the note that prints what they cost (engines/pivot/idle.py).

On the 200 MW example (network +20 %/yr against BTC +10 %/yr) the fleet mines its last BTC
in 2028-11 and the site's fixed costs (10 M USD/year) run on for 142 months; their present
value, computed here from the monthly cash flows by hand, is in the note.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hashpivot.engines import pivot as pv
from hashpivot.engines.pivot.idle import idle_months
from hashpivot.models import load_portfolio

EXAMPLE = Path(__file__).parents[3] / "examples" / "pivot-200mw.toml"


def test_the_example_baseline_idles_from_2028_12_and_the_note_values_it() -> None:
    res = pv.run_pivot(load_portfolio(EXAMPLE))
    keep = res.strategies[0].cash_flows
    btc = np.asarray(keep.btc_mined)[0]
    assert btc[:38].min() > 0 and btc[38:].max() == 0.0  # 2025-10 + 38 months = 2028-12
    fcf = np.asarray(keep.unlevered_fcf_usd)[0]
    # idle months pay the site's fixed costs only: 10 M USD/year
    assert fcf[38:] == pytest.approx(-10e6 / 12, rel=1e-12)
    r = 1.1 ** (1 / 12) - 1
    pv_idle = sum(fcf[t] / (1 + r) ** (t + 1) for t in range(38, 180))
    assert pv_idle / 1e6 == pytest.approx(-52.3, abs=0.05)
    [note] = [w for w in res.warnings if "mines no BTC" in w]
    assert note.startswith("keep_mining mines no BTC from 2028-12 to the horizon (142 months)")
    assert f"cash flow is {pv_idle / 1e6:,.1f} M USD of its NPV" in note
    assert f"worth up to {-pv_idle / 1e6:,.1f} M USD more" in note
    assert note.endswith('give its sites\' fleet entries and cost items `end = "2028-11"`, '
                         "the last month mined: machines mine and items are paid only to "
                         "their end; ending the items alone may let the machines mine again "
                         "where their own costs idled them)")


def test_a_baseline_that_mines_to_the_horizon_gets_no_note() -> None:
    pf = load_portfolio(EXAMPLE)
    short = pf.model_copy(update={"pivot": pf.pivot.model_copy(update={"horizon_years": 2})})
    res = pv.run_pivot(short)
    assert np.asarray(res.strategies[0].cash_flows.btc_mined)[0][-1] > 0
    assert not [w for w in res.warnings if "mines no BTC" in w]


@pytest.mark.parametrize(("btc", "want"), [
    ([1.0, 2.0, 0.0, 0.0], 2),   # mined, then idle to the end
    ([1.0, 0.0, 2.0, 0.0], 1),   # a pause is not the end
    ([1.0, 2.0, 3.0, 4.0], 0),   # mines to the horizon
    ([0.0, 0.0, 0.0, 0.0], 0),   # never mines: nothing to close
])
def test_idle_months_counts_the_trailing_run(btc: list[float], want: int) -> None:
    assert idle_months(np.array(btc)) == want


PORTFOLIO = Path(__file__).parents[3] / "examples" / "portfolio.toml"


def test_each_site_of_a_portfolio_that_idles_gets_its_own_note() -> None:
    """examples/portfolio.toml: Odessa Grid mines to the horizon, so the portfolio's
    keep-mining never stops and no note came; three sites stop for good before it and
    pay their costs on. Each note's figure is that site's keep-mining alone, valued here
    from its monthly cash flows by hand; the sites' flows add up to the portfolio's."""
    pf = load_portfolio(PORTFOLIO)
    res = pv.run_pivot(pf)
    keep = res.strategies[0]
    market = pv.deterministic_market(pf, res.inputs["start"], res.inputs["horizon_months"])
    total = np.zeros(res.inputs["horizon_months"])
    rate = (1 + res.inputs["mining_discount_rate"]) ** (1 / 12) - 1
    noted = []
    for s in pf.sites:
        cf = pv.strategy_cash_flows(pf, keep.strategy, market, s.name)
        fcf = np.asarray(cf.unlevered_fcf_usd)[0]
        total += fcf
        idle = idle_months(np.asarray(cf.btc_mined)[0])
        notes = [w for w in res.warnings if w.startswith(f"keep_mining at {s.name} mines")]
        if idle == 0:
            assert notes == []
            continue
        noted.append(s.name)
        first = len(fcf) - idle
        pv_idle = sum(fcf[t] / (1 + rate) ** (t + 1) for t in range(first, len(fcf)))
        [note] = notes
        assert note.startswith(f"keep_mining at {s.name} mines no BTC from "
                               f"{market.periods[first]} to the horizon ({idle} months)")
        assert f"cash flow is {pv_idle / 1e6:,.1f} M USD of its NPV" in note
    assert noted == ["Pecos PPA", "Finger Lakes Gas", "Columbia Hydro"]
    np.testing.assert_allclose(total, np.asarray(keep.cash_flows.unlevered_fcf_usd)[0],
                               rtol=1e-12, atol=1e-3)
    assert not [w for w in res.warnings if w.startswith("keep_mining mines")]


def test_ending_the_site_s_cost_items_at_the_idle_month_values_the_closing() -> None:
    """The note's figure is what a closing is worth: the same file with the site's cost
    item ending in 2028-11, the last month mined, gives keep-mining that much more (the
    items are paid only between their dates, engines/pivot/cost_dates.py), and no note."""
    text = EXAMPLE.read_text()
    assert text.count("  usd_per_year = 10e6\n") == 1
    from hashpivot.models import parse_portfolio

    closed = parse_portfolio(text.replace("  usd_per_year = 10e6\n",
                                          '  usd_per_year = 10e6\n  end = "2028-11"\n'))
    base, shut = pv.run_pivot(load_portfolio(EXAMPLE)), pv.run_pivot(closed)
    keep, kept = base.strategies[0], shut.strategies[0]
    fcf = np.asarray(keep.cash_flows.unlevered_fcf_usd)[0]
    r = 1.1 ** (1 / 12) - 1
    pv_idle = sum(fcf[t] / (1 + r) ** (t + 1) for t in range(38, 180))
    assert kept.npv_usd - keep.npv_usd == pytest.approx(-pv_idle, rel=1e-9)
    assert not [w for w in shut.warnings if "mines no BTC" in w]
    # the fleet ended too, as the note says: the same here (power idled the machines)
    both = closed.model_copy(update={"sites": [closed.sites[0].model_copy(update={
        "fleet": [closed.sites[0].fleet[0].model_copy(update={"end": "2028-11"})]})]})
    assert pv.run_pivot(both).strategies[0].npv_usd - keep.npv_usd == pytest.approx(
        -pv_idle, rel=1e-9)


def test_a_site_idled_by_its_variable_costs_closes_with_its_fleet_ended_too() -> None:
    """A review's case: 60 M USD/year of variable repairs beside the 10 M of fixed costs
    idle the example from 2028-04. Ending the cost items alone at 2028-03 lets the
    machines mine again without the repairs, worth more than the note's figure; ending
    the fleet entry too, as the note now says, gives exactly the note's figure."""
    import re

    from hashpivot.models import parse_portfolio

    fixed = "  usd_per_year = 10e6\n"
    text = EXAMPLE.read_text()
    assert text.count(fixed) == 1 and text.count("  uptime_fraction = 0.95\n") == 1
    text = text.replace(fixed, fixed + '\n  [[sites.cost_items]]\n  name = "repairs"\n'
                        '  category = "site_opex"\n  usd_per_year = 60e6\n'
                        '  behavior = "variable"\n')
    base = pv.run_pivot(parse_portfolio(text))
    [note] = [w for w in base.warnings if "mines no BTC" in w]
    assert note.startswith("keep_mining mines no BTC from 2028-04")
    worth = float(re.findall(r"worth up to ([\d.]+) M USD more", note)[0])
    end = '  end = "2028-03"\n'
    items = text.replace("  usd_per_year = 10e6\n", "  usd_per_year = 10e6\n" + end).replace(
        '  behavior = "variable"\n', '  behavior = "variable"\n' + end)
    both = items.replace("  uptime_fraction = 0.95\n", "  uptime_fraction = 0.95\n" + end)
    keep = base.strategies[0].npv_usd
    gain = {name: (pv.run_pivot(parse_portfolio(t)).strategies[0].npv_usd - keep) / 1e6
            for name, t in (("items", items), ("both", both))}
    assert gain["both"] == pytest.approx(worth, abs=0.05)
    assert gain["items"] > worth + 1.0  # the machines mine again without the repairs


def test_a_hall_in_service_does_not_hide_the_idle_months() -> None:
    """The example with a 50 MW hall in service (and 50 MW more capacity, so its miners
    are the same): closing the idle mining would not end the hall's lease, so the note
    values the same idle months as without the hall."""
    from hashpivot.models.hosting import HostingInService

    pf = load_portfolio(EXAMPLE)
    site = pf.sites[0]
    assert site.hosting is not None and site.capacity_mw is not None
    hosting = site.hosting.model_copy(update={"in_service": [HostingInService(
        gross_mw=50.0, lease_start="2024-06", lease_end="2040-05",
        lease_usd_per_kw_month=120.0)]})
    with_hall = pf.model_copy(update={"sites": [site.model_copy(update={
        "capacity_mw": site.capacity_mw + 50.0, "hosting": hosting})]})
    [before] = [w for w in pv.run_pivot(pf).warnings if "mines no BTC" in w]
    [after] = [w for w in pv.run_pivot(with_hall).warnings if "mines no BTC" in w]
    assert after == before
