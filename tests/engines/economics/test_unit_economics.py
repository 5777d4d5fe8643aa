"""Portfolio unit economics and the daily backtest, against hand checks and raw data."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from hashpivot.engines.economics.backtest import run_backtest
from hashpivot.engines.economics.network_conditions import NetworkConditions
from hashpivot.engines.economics.unit_economics import compute_unit_economics
from hashpivot.exceptions import InputError
from hashpivot.models import load_portfolio, parse_portfolio
from tests.portfolio_toml import Table, contract, portfolio_toml, site, site_opex, table

ROOT = Path(__file__).resolve().parents[3]
DATA = Path(__file__).parents[2] / "data"
MID_2025 = NetworkConditions(btc_price_usd=95_000, difficulty=117e12, fees_btc_per_block=0.03)

#: 1,000 machines of 100 TH/s at 20 J/TH, always up: 100 PH/s, 2 MW
MACHINES = table(count=1000, hashrate_th_s=100, efficiency_j_per_th=20, uptime_fraction=1.0)


def one_site(*cost_items: Table, fleet: Sequence[Table] = (MACHINES,)) -> str:
    """Site A (power 50 USD/MWh, no overhead, no pool fee) with ``fleet``; SG&A and
    depreciation of 1,000 USD/day each, then ``cost_items``."""
    overhead = [table(name="sga", category="sga_cash", usd_per_year=365250),
                table(name="dep", category="depreciation", usd_per_month=30437.5)]
    a = site("A", contract(50), *fleet, power_overhead_factor=1.0, pool_fee_fraction=0.0)
    return portfolio_toml("hand", a, cost_items=[*overhead, *cost_items])


ONE_SITE = one_site()


def test_hand_checked_portfolio() -> None:
    # 100 PH/s at 20 J/TH = 2 MW -> 48 MWh/day x $50 = $2,400/day of power.
    # D=100e12, 3.125 BTC: 100 PH/s x 6.28643e-4 = 0.0628643 BTC/day, revenue $6,286.43/day
    # at $100k. SG&A 365,250/365.25 = $1,000/day; depreciation 30,437.5*12/365.25 = $1,000/day.
    pf = parse_portfolio(ONE_SITE)
    f = compute_unit_economics(pf, NetworkConditions(100_000, 100e12, 0.0, 3.125)).figures
    btc = 100 * 6.28642737865448e-4
    assert f["power_mw"] == pytest.approx(2.0)
    assert f["btc_per_day"] == pytest.approx(btc)
    assert f["cost_per_btc_direct_usd"] == pytest.approx(3_400 / btc)
    assert f["cost_per_btc_total_usd"] == pytest.approx(4_400 / btc)
    assert f["breakeven_power_price_usd_per_mwh"] == pytest.approx((btc * 1e5 - 1_000) / 48)
    assert f["breakeven_hashprice_direct_usd_per_ph_day"] == pytest.approx(34.0)
    assert f["breakeven_efficiency_total_j_per_th"] == pytest.approx(
        20 * (btc * 1e5 - 2_000) / 2_400
    )
    assert not f["reverse_margin_direct"] and not f["reverse_margin_total"]


def test_breakevens_zero_the_margin_when_applied() -> None:
    pf = load_portfolio(ROOT / "examples" / "reverse-margin.toml")
    f = compute_unit_economics(pf, MID_2025).figures
    for view in ("direct", "total"):
        be = f[f"breakeven_btc_price_{view}_usd"]
        g = compute_unit_economics(pf, NetworkConditions(be, 117e12, 0.03)).figures
        assert g[f"margin_{view}_fraction"] == pytest.approx(0.0, abs=1e-12)
    # The breakeven power price applied at every site zeroes the direct margin.
    be_p = f["breakeven_power_price_usd_per_mwh"]
    text = (ROOT / "examples" / "reverse-margin.toml").read_text()
    text = text.replace("price_usd_per_mwh = 37.0", f"price_usd_per_mwh = {be_p!r}")
    text = text.replace("price_usd_per_mwh = 45.0", f"price_usd_per_mwh = {be_p!r}")
    g = compute_unit_economics(parse_portfolio(text), MID_2025).figures
    assert g["margin_direct_fraction"] == pytest.approx(0.0, abs=1e-12)


def test_reverse_margin_example_matches_coinshares() -> None:
    # CoinShares Q2-2025 listed-miner averages: cash $74,600 (2%), total ~$130,000 (5%).
    pf = load_portfolio(ROOT / "examples" / "reverse-margin.toml")
    f = compute_unit_economics(pf, MID_2025).figures
    assert f["cost_per_btc_direct_usd"] == pytest.approx(74_600, rel=0.02)
    assert f["cost_per_btc_total_usd"] == pytest.approx(130_000, rel=0.05)
    assert f["reverse_margin_total"] and not f["reverse_margin_direct"]
    # power cost per BTC near MARA's Q3-2025 $39,235 (a primary figure; within 15%)
    assert f["power_cost_per_btc_usd"] == pytest.approx(39_235, rel=0.15)


def test_reverse_margin_example_by_hand() -> None:
    # Independent arithmetic from the TOML and the catalog specs (no hashpivot code), at
    # BTC 95,000 USD, D 117e12, fees 0.03 BTC/block, subsidy 3.125 (DOMAIN.md formulas):
    # BTC per PH/s/day = 3.155 x 86,400 x 1e15 / (117e12 x 2^32) -> hashprice 51.53.
    btc_per_ph_day = 3.155 * 86_400 * 1e15 / (117e12 * 2**32)
    # (site price USD/MWh, count, TH/s, W, capex USD/TH); uptime 0.95, overhead 1.05,
    # pool fee 0.015, 3-year straight-line ASIC depreciation, a year of 365.25 days
    lines = ((37.0, 70_000, 200, 3500, 17), (37.0, 60_000, 140, 3010, 22),
             (45.0, 40_000, 186, 3344, 16), (45.0, 30_000, 154, 3332, 20))
    btc = sum(n * th / 1e3 * 0.95 * btc_per_ph_day * 0.985 for _, n, th, _, _ in lines)
    mwh = [n * w / 1e6 * 1.05 * 0.95 * 24 for _, n, _, w, _ in lines]
    power = sum(p * e for (p, *_), e in zip(lines, mwh, strict=True))
    asic_dep = sum(n * th * c / 3 for _, n, th, _, c in lines) / 365.25
    cash_items = (70e6 + 12 * 3.5e6 + 135e6) / 365.25  # site opex + cash SG&A
    direct = power + cash_items
    total = direct + asic_dep + (82.5e6 + 60e6) / 365.25  # + SBC, infrastructure dep.
    revenue = btc * 95_000
    ph = sum(n * th / 1e3 * 0.95 for _, n, th, _, _ in lines)
    f = compute_unit_economics(load_portfolio(ROOT / "examples" / "reverse-margin.toml"),
                               MID_2025).figures
    # hand: 17.492 BTC/day, direct 74,606 and total 130,001 USD/BTC; breakeven hashprice
    # 40.47 (direct) and 70.52 (total) USD/PH/day; breakeven power price 62.44 USD/MWh
    # (direct) and 1.05 (total); rel 1e-9: the same arithmetic, float rounding only
    assert f["btc_per_day"] == pytest.approx(btc, rel=1e-9)
    for view, cost in (("direct", direct), ("total", total)):
        assert f[f"cost_per_btc_{view}_usd"] == pytest.approx(cost / btc, rel=1e-9)
        assert f[f"breakeven_btc_price_{view}_usd"] == pytest.approx(cost / btc, rel=1e-9)
        assert f[f"breakeven_hashprice_{view}_usd_per_ph_day"] == pytest.approx(
            cost / (ph * 0.985), rel=1e-9
        )
        assert f[f"breakeven_power_price_{view}_usd_per_mwh"] == pytest.approx(
            (revenue - (cost - power)) / sum(mwh), rel=1e-9
        )
    assert f["cost_per_btc_direct_usd"] == pytest.approx(74_606.37, abs=0.01)
    assert f["cost_per_btc_total_usd"] == pytest.approx(130_000.56, abs=0.01)


def _raw_rows() -> dict[str, dict[str, float]]:
    with (DATA / "coinmetrics_sample.csv").open(encoding="utf-8-sig") as fh:
        return {
            r["date"][:10]: {k: float(v) for k, v in r.items() if k not in ("asset", "date")}
            for r in csv.DictReader(fh)
        }


def test_backtest_against_raw_source_on_sampled_days() -> None:
    # Independent arithmetic from the raw Coin Metrics columns (no hashpivot code):
    # reward/block = (IssTotUSD + FeeTotUSD) / PriceUSD / BlkCnt;
    # BTC/day = H_eff * 86400 * 1e12 * reward / (DiffMean * 2^32).
    pf = parse_portfolio(ONE_SITE)
    raw = _raw_rows()
    result = run_backtest(pf, "2020-05-09", "2025-07-03")
    for day, r in raw.items():
        reward = (r["IssTotUSD"] + r["FeeTotUSD"]) / r["PriceUSD"] / r["BlkCnt"]
        btc = 100_000 * 86_400 * 1e12 * reward / (r["DiffMean"] * 2**32)
        row = result.daily.loc[day]
        # the bundle keeps 10 significant digits: agree to 1e-8
        assert row["btc_mined"] == pytest.approx(btc, rel=1e-8), day
        assert row["revenue_usd"] == pytest.approx(btc * r["PriceUSD"], rel=1e-8), day
        assert row["cost_per_btc_direct_usd"] == pytest.approx(3_400 / btc, rel=1e-8), day


def test_backtest_summary_and_dated_items() -> None:
    text = one_site(table(name="bonus", category="other", usd_per_year=365250,
                          start="2024-01", end="2024-02"))
    res = run_backtest(parse_portfolio(text), "2023-12-30", "2024-03-02")
    d = res.daily
    assert d.loc["2023-12-31", "cost_direct_usd"] == pytest.approx(3_400)
    assert d.loc["2024-01-01", "cost_direct_usd"] == pytest.approx(4_400)
    assert d.loc["2024-02-29", "cost_direct_usd"] == pytest.approx(4_400)  # end of month
    assert d.loc["2024-03-01", "cost_direct_usd"] == pytest.approx(3_400)
    assert res.summary["btc_mined"] == pytest.approx(d["btc_mined"].sum())
    assert res.summary["days"] == len(d) == 64
    assert np.all(d["hashprice_usd_per_ph_day"] > 0)


def test_backtest_dated_items_with_the_same_name() -> None:
    # A cost that steps up, written as two dated items with one name: each applies on its
    # own days (January 1,000 USD/day, February 2,000), not the other's.
    text = one_site(table(name="lease", category="other", usd_per_year=365250, end="2024-01"),
                    table(name="lease", category="other", usd_per_year=730500, start="2024-02"))
    d = run_backtest(parse_portfolio(text), "2024-01-31", "2024-02-01").daily
    assert d.loc["2024-01-31", "cost_direct_usd"] == pytest.approx(3_400 + 1_000)
    assert d.loc["2024-02-01", "cost_direct_usd"] == pytest.approx(3_400 + 2_000)


def test_cost_on_a_date_applies_item_dates_and_nonphysical_breakevens_are_null() -> None:
    text = one_site(site_opex("old lease", 365250, end="2023-12"))
    pf = parse_portfolio(text)
    on = compute_unit_economics(pf, NetworkConditions(100_000, 100e12, 0.0, 3.125,
                                                     date=dt.date(2023, 12, 31)))
    off = compute_unit_economics(pf, NetworkConditions(100_000, 100e12, 0.0, 3.125,
                                                      date=dt.date(2024, 1, 1)))
    assert on.figures["cost_usd_per_day_direct"] == pytest.approx(4_400)  # 3,400 + 1,000
    assert off.figures["cost_usd_per_day_direct"] == pytest.approx(3_400)
    assert any("dated outside" in n for n in off.notes)
    # At $10,000 the revenue (628.6 USD/day) is below SG&A + depreciation (2,000 USD/day):
    # no efficiency breaks even on total cost, so it is NaN (null in JSON), not negative.
    low = compute_unit_economics(pf, NetworkConditions(10_000, 100e12, 0.0, 3.125))
    assert np.isnan(low.figures["breakeven_efficiency_total_j_per_th"])
    assert low.figures["breakeven_power_price_total_usd_per_mwh"] < 0  # meaningful: kept
    assert any("no fleet efficiency" in n for n in low.notes)


def test_power_tagged_items_count_as_power_but_are_fixed_in_breakevens() -> None:
    # A 500 USD/day transmission charge tagged "power": in the power cost per BTC, and a
    # fixed cost (not scaled by the per-MWh price) in the breakeven power price.
    text = one_site(table(name="transmission", category="power", usd_per_year=182625))
    f = compute_unit_economics(parse_portfolio(text), NetworkConditions(100_000, 100e12)).figures
    btc = 100 * 6.28642737865448e-4
    assert f["power_cost_usd_per_day"] == pytest.approx(2_900)
    assert f["power_cost_per_btc_usd"] == pytest.approx(2_900 / btc)
    assert f["cost_per_btc_direct_usd"] == pytest.approx(3_900 / btc)
    assert f["breakeven_power_price_usd_per_mwh"] == pytest.approx((btc * 1e5 - 1_500) / 48)


def test_fleet_entries_count_only_between_their_dates() -> None:
    # 1,000 machines all window long, plus 1,000 more installed from 2024-01-02: BTC, power
    # and depreciation double from that day; a day with nothing installed is a clear error.
    later = table(**MACHINES, start="2024-01-02", capex_usd_per_th=36.525,
                  depreciation_years=1)
    text = one_site(fleet=(MACHINES, later))
    pf = parse_portfolio(text)
    d = run_backtest(pf, "2023-12-31", "2024-01-03").daily
    # BTC = running PH/s x hash value (hashprice / price): 100 PH/s, then 200 PH/s
    ph_s = d["btc_mined"] / (d["hashprice_usd_per_ph_day"] / d["btc_price_usd"])
    assert ph_s.tolist() == pytest.approx([100, 100, 200, 200])
    # power 2,400/day per 1,000 machines; depreciation 36.525 USD/TH x 100,000 TH / 365.25
    assert d["power_cost_usd"].tolist() == pytest.approx([2_400, 2_400, 4_800, 4_800])
    assert (d["cost_total_usd"] - d["cost_direct_usd"]).tolist() == pytest.approx(
        [1_000, 1_000, 11_000, 11_000]
    )
    # the same dates apply to `cost` on a day
    before = compute_unit_economics(
        pf, NetworkConditions(100_000, 100e12, 0.0, 3.125, date=dt.date(2024, 1, 1))
    )
    after = compute_unit_economics(
        pf, NetworkConditions(100_000, 100e12, 0.0, 3.125, date=dt.date(2024, 1, 2))
    )
    assert after.figures["btc_per_day"] == pytest.approx(2 * before.figures["btc_per_day"])
    only_later = parse_portfolio(one_site(fleet=(table(**MACHINES, start="2024-01-02"),)))
    with pytest.raises(InputError, match="no fleet entry is installed on 2024-01-01"):
        compute_unit_economics(
            only_later, NetworkConditions(100_000, 100e12, date=dt.date(2024, 1, 1))
        )


def _example_with(fleet_extra: str = "", site_item: str = "") -> str:
    """The 200 MW example's text, its fleet entry and site cost items extended."""
    text = (ROOT / "examples" / "pivot-200mw.toml").read_text()
    text = text.replace("  uptime_fraction = 0.95\n", f"  uptime_fraction = 0.95\n{fleet_extra}",
                        1)
    return text.replace("  usd_per_year = 10e6\n", f"  usd_per_year = 10e6\n{site_item}", 1)


def test_a_fleet_without_a_purchase_price_is_named_with_what_pivot_implies() -> None:
    bare = compute_unit_economics(parse_portfolio(_example_with(), "x.toml"), MID_2025)
    f = bare.figures
    assert f["cost_per_btc_total_usd"] == f["cost_per_btc_direct_usd"]  # nothing non-cash
    # 52,000 x 200 TH/s = 10.4 EH/s at 15 USD/TH over 4 years: 39.0 M USD/year
    per_btc = 15.0 * 10.4e6 / 4.0 / 365.25 / f["btc_per_day"]
    [note] = [n for n in bare.notes if "ASIC depreciation" in n]
    assert note.startswith("total view: no ASIC depreciation at West Texas 200 (its fleet "
                           "gives no sites[0].fleet[].capex_usd_per_th")
    # what the replacement price implies, not what pivot spends (it replaces where that
    # pays: on this example, never; the note said "pivot replaces this fleet every 4
    # years")
    assert ("[pivot]'s replacement price implies straight-line depreciation of 39.0 M "
            "USD/year on its 10.40 EH/s (15 USD/TH over fleet_replacement_years 4), "
            f"+{per_btc:,.0f} USD/BTC on the total view: give the fleet capex_usd_per_th "
            "and depreciation_years to count it (pivot replaces the machines only at a "
            "4-year point where replacing pays, never where a regulation rule forbids new "
            "mining capacity)") in note
    assert "pivot replaces this fleet" not in note
    # the same purchase price on the fleet entry: the total view counts what the note said
    priced = compute_unit_economics(parse_portfolio(_example_with(
        "  capex_usd_per_th = 15.0\n  depreciation_years = 4.0\n"), "x.toml"), MID_2025)
    g = priced.figures
    assert g["cost_per_btc_total_usd"] - g["cost_per_btc_direct_usd"] == pytest.approx(per_btc)
    assert not any("ASIC depreciation" in n for n in priced.notes)
    # a depreciation item of the site's own: nothing to say
    item = ('\n  [[sites.cost_items]]\n  name = "ASIC depreciation"\n'
            '  category = "depreciation"\n  usd_per_year = 39e6\n')
    listed = compute_unit_economics(parse_portfolio(_example_with(site_item=item), "x.toml"),
                                    MID_2025)
    assert not any("ASIC depreciation at" in n for n in listed.notes)
    # without [pivot] the note names the fields to set, with no figure
    text = _example_with()
    alone = text.split("\n[pivot]\n")[0] + "\n[scenario]\n" + text.split("\n[scenario]\n")[1]
    plain = compute_unit_economics(parse_portfolio(alone, "x.toml"), MID_2025)
    assert plain.figures["btc_per_day"] == pytest.approx(f["btc_per_day"])  # the same site
    [note] = [n for n in plain.notes if "ASIC depreciation" in n]
    assert note.endswith("and it lists no depreciation cost item)")


def test_part_of_a_fleet_without_a_purchase_price_is_named() -> None:
    """One entry priced, the other not: the total view counted only the first and said
    nothing (the site's depreciation summed to more than 0); now the note names the
    entry without a price and what ``[pivot]`` implies for its hashrate alone."""
    priced = table(asic="Antminer S21", count=1000, uptime_fraction=1.0,
                   capex_usd_per_th=15.0, depreciation_years=4.0)
    bare = table(asic="Antminer S19 XP", count=2000, uptime_fraction=1.0)
    text = portfolio_toml(
        "partly priced", site("A", contract(50.0), priced, bare),
        pivot=table(fleet_replacement_years=4.0, replacement_capex_usd_per_th=15.0),
    )
    result = compute_unit_economics(parse_portfolio(text, "x.toml"), MID_2025)
    f = result.figures
    # the priced S21s (200 TH/s each) are in the total view: 15 x 200,000 TH / 4 years
    counted = 15.0 * 200_000 / 4.0 / 365.25 / f["btc_per_day"]
    assert f["cost_per_btc_total_usd"] - f["cost_per_btc_direct_usd"] == pytest.approx(counted)
    [note] = [n for n in result.notes if "ASIC depreciation" in n]
    assert note.startswith("total view: no ASIC depreciation for part of the fleet at A "
                           "(Antminer S19 XP: those sites[0].fleet[] entries give no")
    # the 2,000 S19 XPs (140 TH/s each): 280,000 TH at 15 USD/TH over 4 years
    missing = 15.0 * 280_000 / 4.0
    assert (f"depreciation of {missing / 1e6:,.1f} M USD/year on those entries 0.28 EH/s "
            f"(15 USD/TH over fleet_replacement_years 4), "
            f"+{missing / 365.25 / f['btc_per_day']:,.0f} USD/BTC") in note
    backtest = run_backtest(parse_portfolio(text, "x.toml"), "2024-01-01", "2024-01-31")
    assert [n[:60] for n in backtest.notes] == [note[:60]]


def test_a_company_wide_depreciation_item_may_hold_the_fleets() -> None:
    # the hand-made portfolio lists its depreciation company-wide and no fleet price
    result = compute_unit_economics(parse_portfolio(ONE_SITE, "x.toml"), MID_2025)
    assert not any("ASIC depreciation" in n for n in result.notes)


def test_the_backtest_says_the_same_of_a_fleet_without_a_purchase_price() -> None:
    bare = run_backtest(parse_portfolio(_example_with(), "x.toml"), "2024-01-01",
                        "2024-03-31")
    s = bare.summary
    per_btc = 15.0 * 10.4e6 / 4.0 / 365.25 / (s["btc_mined"] / s["days"])
    [note] = bare.notes
    assert f"+{per_btc:,.0f} USD/BTC on the total view: give the fleet" in note
    priced = run_backtest(parse_portfolio(_example_with(
        "  capex_usd_per_th = 15.0\n  depreciation_years = 4.0\n"), "x.toml"), "2024-01-01",
        "2024-03-31")
    t = priced.summary
    assert t["cost_per_btc_total_usd"] - t["cost_per_btc_direct_usd"] == pytest.approx(per_btc)
    assert priced.notes == []


def test_depreciation_stops_when_the_machines_are_written_off() -> None:
    """S19 XPs bought 2022-01 at 20 USD/TH with a 2-year life are depreciated through
    2023-12 and not after: the total view counted them on every day they were installed,
    and a fleet written off is not one without a purchase price (no note)."""
    s19 = table(asic="Antminer S19 XP", count=1000, uptime_fraction=1.0, start="2022-01",
                capex_usd_per_th=20.0, depreciation_years=2.0)
    pf = parse_portfolio(portfolio_toml("written off", site("A", contract(50.0), s19)), "x.toml")
    dep_usd_per_day = 20.0 * 140_000 / 2.0 / 365.25  # 140 TH/s x 1,000 machines
    for day, want in ((dt.date(2023, 12, 31), dep_usd_per_day), (dt.date(2024, 1, 1), 0.0)):
        result = compute_unit_economics(
            pf, NetworkConditions(100_000, 100e12, 0.0, 3.125, date=day))
        f = result.figures
        assert f["cost_usd_per_day_total"] - f["cost_usd_per_day_direct"] == pytest.approx(
            want, abs=1e-6)
        assert not [n for n in result.notes if "ASIC depreciation" in n]
    daily = run_backtest(pf, "2023-12-30", "2024-01-02").daily
    extra = (daily["cost_total_usd"] - daily["cost_direct_usd"]).to_numpy()
    np.testing.assert_allclose(extra, [dep_usd_per_day] * 2 + [0.0] * 2, atol=1e-6)


def test_a_day_whose_running_machines_are_idle_names_only_those() -> None:
    # an idle entry runs from the start; a working one is installed only from 2024-06-01:
    # on 2024-03-01 nothing mines because the machines running that day are idle, not
    # because every machine of the portfolio is (the later entry is not, and is no problem)
    later = table(count=10, hashrate_th_s=100, efficiency_j_per_th=20, start="2024-06-01")
    idle = table(count=10, hashrate_th_s=100, efficiency_j_per_th=20, uptime_fraction=0.0)
    pf = parse_portfolio(one_site(fleet=(idle, later)))
    with pytest.raises(InputError) as err:
        compute_unit_economics(pf, NetworkConditions(100_000, 100e12, 0.0, 3.125,
                                                     date=dt.date(2024, 3, 1)))
    (problem,) = err.value.problems
    assert problem.path == "sites[0].fleet[0].uptime_fraction"
    assert "every machine of the portfolio is idle" not in problem.message
    assert problem.message.startswith("every machine running on 2024-03-01 is idle (the "
                                      "portfolio's other fleet entries are not installed")
    # once the later entry runs, the idle one is no obstacle
    on = compute_unit_economics(pf, NetworkConditions(100_000, 100e12, 0.0, 3.125,
                                                      date=dt.date(2024, 6, 1)))
    assert on.figures["btc_per_day"] > 0


def test_backtest_power_cost_counts_power_tagged_items_as_cost_does() -> None:
    # A 500 USD/day transmission charge tagged "power" from 2024-02-01: each day's power
    # cost is the energy (2,400 USD/day) plus the charge on its days, what `cost` on that
    # day calls power_cost_usd_per_day; the energy alone is energy_cost_usd (until
    # 2026-12-07 backtest's power_cost_usd left the charge out: 2,400 every day).
    charge = table(name="transmission", category="power", usd_per_year=182625,
                   start="2024-02-01")
    pf = parse_portfolio(one_site(charge))
    bt = run_backtest(pf, "2024-01-30", "2024-02-02")
    assert bt.daily["power_cost_usd"].tolist() == pytest.approx([2_400, 2_400, 2_900, 2_900])
    assert bt.daily["energy_cost_usd"].tolist() == pytest.approx([2_400] * 4)
    assert bt.summary["power_cost_usd"] == pytest.approx(2 * 2_400 + 2 * 2_900)
    assert bt.summary["energy_cost_usd"] == pytest.approx(4 * 2_400)
    for day in ("2024-01-31", "2024-02-01"):
        f = compute_unit_economics(pf, NetworkConditions(
            100_000, 100e12, date=dt.date.fromisoformat(day))).figures
        assert bt.daily.loc[day, "power_cost_usd"] == pytest.approx(f["power_cost_usd_per_day"])
        assert bt.daily.loc[day, "energy_cost_usd"] == pytest.approx(
            f["energy_cost_usd_per_day"])


def test_cost_on_a_date_names_the_fleet_entries_and_items_it_leaves_out() -> None:
    # A second line of 1,000 machines retired in June and an SG&A item ended in June:
    # on 2025-09-26 neither counts (BTC mined halves, direct cost 2,400 + 1,000), and
    # each is named with its dates, as a site not yet connected is (before: the line was
    # dropped with no word, and the item counted as "1 cost item(s) dated outside").
    old = table(name="old line", count=1000, hashrate_th_s=100, efficiency_j_per_th=20,
                uptime_fraction=1.0, end="2025-06-30")
    text = one_site(table(name="bonus", category="sga_cash", usd_per_year=365250,
                          end="2025-06"), fleet=(MACHINES, old))
    pf = parse_portfolio(text)
    res = compute_unit_economics(pf, NetworkConditions(100_000, 100e12, 0.0, 3.125,
                                                      date=dt.date(2025, 9, 26)))
    assert res.figures["btc_per_day"] == pytest.approx(100 * 6.28642737865448e-4)
    assert res.figures["cost_usd_per_day_direct"] == pytest.approx(3_400)
    assert any("old line" in n and "2025-06-30" in n and "not installed" in n
               for n in res.notes), res.notes
    assert any("bonus" in n and "2025-06" in n for n in res.notes), res.notes
    # every entry installed on the day: no such note
    on = compute_unit_economics(pf, NetworkConditions(100_000, 100e12, 0.0, 3.125,
                                                     date=dt.date(2025, 6, 1)))
    assert not any("not installed" in n for n in on.notes)


def test_backtest_names_what_runs_or_depreciates_on_part_of_its_window() -> None:
    # Over 2024-01-01..2024-03-31: rigs bought 2021-02-01 for 3 years are written off on
    # 2024-02-01 (depreciated in January only), a second line starts 2024-03-01 and an
    # SG&A bonus ends 2024-01. Before, the rows read as every day of the window ("10 USD/TH
    # over 3 years"; "4 items, ... M USD/year") and no note named the dates, though each
    # moves the window's cost per BTC by more than 5 %.
    old = table(name="old rigs", count=1000, hashrate_th_s=100, efficiency_j_per_th=20,
                uptime_fraction=1.0, capex_usd_per_th=10.0, depreciation_years=3.0,
                start="2021-02-01")
    late = table(name="late rigs", count=1000, hashrate_th_s=100, efficiency_j_per_th=20,
                 uptime_fraction=1.0, start="2024-03-01")
    text = one_site(table(name="bonus", category="sga_cash", usd_per_year=365250,
                          end="2024-01"), fleet=(old, late))
    res = run_backtest(parse_portfolio(text), "2024-01-01", "2024-03-31")
    rows = {r["name"]: r for r in res.assumptions}
    dep = rows["[sites.fleet] ASIC depreciation"]["source"]
    assert "old rigs (from 2021-02-01, 3 years): written off on 2024-02-01" in dep, dep
    assert any("late rigs (start 2024-03-01)" in n for n in res.notes), res.notes
    assert any("bonus (end 2024-01)" in n for n in res.notes), res.notes
    # a window before the late rigs are installed: they are named as left out
    early = run_backtest(parse_portfolio(text), "2024-01-01", "2024-01-31")
    assert any("installed on none of its days" in n and "late rigs (start 2024-03-01)" in n
               for n in early.notes), early.notes
    # a window the whole of which every entry and item runs: no such note or name
    whole = run_backtest(parse_portfolio(text), "2024-03-01", "2024-03-31")
    assert not any("late rigs" in n for n in whole.notes)
    assert "written off on" in {r["name"]: r for r in whole.assumptions}[
        "[sites.fleet] ASIC depreciation"]["source"]  # before the window: named too


def test_conditions_of_no_day_name_the_dates_they_do_not_apply() -> None:
    """A library caller's conditions without a ``date`` count every site, fleet entry and
    cost item whatever its dates, where ``hashpivot cost`` and the service take the
    latest data day (the four-site example: Odessa Grid, connected 2026-02-01, is left out
    on 2025-09-26: breakeven BTC price 41,696 USD there, 39,022 counting it). The numbers
    stay the caller's choice; a note now names the dates no day applied."""
    later = table(**MACHINES, start="2030-01-01")
    item = table(name="lease", category="site_opex", usd_per_year=365250, end="2024-12-31")
    pf = parse_portfolio(one_site(item, fleet=(MACHINES, later)))
    undated = compute_unit_economics(pf, NetworkConditions(100_000, 100e12, 0.0, 3.125))
    # both entries counted: 200 PH/s x 6.28642737865448e-4 BTC/PH/day
    assert undated.figures["btc_per_day"] == pytest.approx(200 * 6.28642737865448e-4)
    (note,) = [n for n in undated.notes if n.startswith("no day")]
    assert "sites[0].fleet[1] " in note and "(start 2030-01-01)" in note
    assert "lease (end 2024-12-31)" in note
    on_a_day = compute_unit_economics(
        pf, NetworkConditions(100_000, 100e12, 0.0, 3.125, date=dt.date(2025, 1, 1)))
    assert on_a_day.figures["btc_per_day"] == pytest.approx(100 * 6.28642737865448e-4)
    assert not [n for n in on_a_day.notes if n.startswith("no day")]
    plain = compute_unit_economics(parse_portfolio(ONE_SITE),
                                   NetworkConditions(100_000, 100e12, 0.0, 3.125))
    assert not [n for n in plain.notes if n.startswith("no day")]  # (nothing dated)
