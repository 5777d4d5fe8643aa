"""A dispatching site whose S21s are swapped for S21 XPs (hashpivot.mining.slots): its
flexibility is measured on the machines that run, and reported once per entry.

The 200 MW example on an index contract (ERCOT HB_WEST, 40 + 3 USD/MWh) with
``[sites.dispatch]``: its 52,000 S21s (191.1 MW) to 2027-06 and 52,000 S21 XPs (199.0 MW)
from 2027-07-01, 390.1 MW together, never at the same time.
"""

from __future__ import annotations

import pytest

from hashpivot.engines import pivot as pv
from hashpivot.engines.pivot.inputs import resolve_sites
from hashpivot.engines.pivot.uplift.cache import site_dispatch_uplift
from hashpivot.models import Portfolio, parse_portfolio
from tests.engines.pivot.swap_inputs import (
    CONTRACT,
    EXAMPLE,
    FLEET_END,
    XP,
    swap_site_portfolio,
)


def test_the_flexibility_of_a_swap_is_measured_on_the_machines_running_at_the_start() -> None:
    """A review's case: the dispatch engine ran the S21s and the S21 XPs at once under the
    200 MW import limit and spread the gain over 390 MW (1,135 USD/MW-month against 2,431
    for the S21s alone). Now the S21s are measured, as if alone, and the site's fleet at
    the start is theirs."""
    swap, alone = swap_site_portfolio(True), swap_site_portfolio(False)
    assert swap.sites[0].fleet_slots == [[0, 1]]  # teeth: a swap
    measured, plain = site_dispatch_uplift(swap.sites[0])[0], site_dispatch_uplift(
        alone.sites[0])[0]
    assert measured is not None and plain is not None
    assert measured.at_reference_usd_per_mw_month == plain.at_reference_usd_per_mw_month
    [s] = resolve_sites(swap)
    [a] = resolve_sites(alone)
    assert s.fleet_hashrate_th_s == pytest.approx(a.fleet_hashrate_th_s, rel=1e-12)
    assert s.dispatch_uplift is not None and a.dispatch_uplift is not None
    assert s.dispatch_uplift.at_reference_usd_per_mw_month == pytest.approx(
        a.dispatch_uplift.at_reference_usd_per_mw_month, rel=1e-12)


def test_a_swap_s_uplift_rows_name_each_entry_once() -> None:
    """The S21 XPs hold two bands of the slot (7.9 MW below the S21s' 191.1, then with
    them): the uplift table had each of their months twice; each entry's months are
    listed once, and the site's mean weighs each by the MW it holds installed."""
    result = pv.run_pivot(swap_site_portfolio(True))
    [facts] = result.inputs["site_assumptions"]
    central = facts["dispatch_uplift_central_usd_per_mw_month"]
    rows = central["by_month"]
    n = len(set(rows["month"]))
    assert sorted(rows["fleet_entry"]) == sorted(["Antminer S21"] * n
                                                 + ["Antminer S21 XP"] * n)
    assert set(central["by_entry"]) == {"Antminer S21", "Antminer S21 XP"}
    # the first year: the S21s' own months (the XPs not installed before 2027-07)
    s21 = [u for u, e in zip(rows["uplift_usd_per_mw_month"], rows["fleet_entry"],
                             strict=True) if e == "Antminer S21"]
    months = rows["month"][:n]
    before = [k for k, m in enumerate(months) if m < "2027-07"]
    assert len(before) >= 12  # teeth: the swap comes after the first year
    assert central["first_year"] == pytest.approx(sum(s21[:12]) / 12, rel=1e-12)


def test_dispatch_runs_a_swap_s_fleet_at_the_start_and_says_so() -> None:
    """``dispatch`` took every fleet entry: the S21s and the S21 XPs together, 390 MW of
    machines under a 200 MW import limit. It runs the S21s, as the flexibility is
    measured, and a note names the S21 XPs left out."""
    from hashpivot.engines.dispatch import load_prices, run_dispatch

    site = swap_site_portfolio(True).sites[0]
    result = run_dispatch(site, load_prices(site))
    assert [t.name for t in result.problem.tranches] == ["Antminer S21"]
    note = result.summary()["fleet_note"]
    assert note.endswith("the dispatch runs the fleet at the start, not fleet[1] "
                         "(Antminer S21 XP)")
    alone = swap_site_portfolio(False).sites[0]
    assert "fleet_note" not in run_dispatch(alone, load_prices(alone)).summary()


def _two_for_two(dispatch: bool) -> Portfolio:
    """The example's S21s as 40,000 and 12,000 (to 2027-06) swapped for 12,000 and 40,000
    S21 XPs (from 2027-07-01, the small line first in the file)."""
    text = EXAMPLE.read_text()
    old = '  count = 52000                    # 10.4 EH/s, 191 MW with the overhead\n'
    assert old in text and FLEET_END in text
    s21 = '  [[sites.fleet]]\n  asic = "Antminer S21"\n  count = {n}\n  uptime_fraction = 0.95\n'
    xp = XP.replace("count = 52000", "count = {n}")
    text = text.replace(old, "  count = 40000\n").replace(
        FLEET_END, '  uptime_fraction = 0.95\n  end = "2027-06"\n\n'
        + s21.format(n=12000) + '  end = "2027-06"\n\n' + xp.format(n=12000)
        + xp.format(n=40000) + "  [[sites.cost_items]]")
    if dispatch:
        text = text.replace(CONTRACT, '  kind = "index"\n  price_usd_per_mwh = 40.0\n'
                            '  adder_usd_per_mwh = 3.0\n  market = "ercot:HB_WEST"\n')
        text = text.replace("  [sites.hosting]\n", "  [sites.dispatch]\n"
                            "  availability_fraction = 0.97\n\n  [sites.hosting]\n")
    return parse_portfolio(text, "two.toml")


def test_the_swap_note_names_the_pairs_the_engines_value() -> None:
    """A review's case: the note laid the slots without the entries' power, so it paired
    the 147 MW line with the 46 MW one while the engines paired them by power."""
    pf = _two_for_two(False)
    assert pf.sites[0].fleet_slots == [[0, 3], [1, 2]]
    [note] = [w for w in pv.run_pivot(pf).warnings if w.startswith("West Texas 200:")]
    assert note.endswith("sites[0].fleet[0] (Antminer S21, 147.0 MW) then sites[0].fleet[3] "
                         "(Antminer S21 XP, 153.1 MW); sites[0].fleet[1] (Antminer S21, "
                         "44.1 MW) then sites[0].fleet[2] (Antminer S21 XP, 45.9 MW)")


def test_two_entries_of_one_label_keep_their_own_uplift_rows() -> None:
    """A review's case: the uplift rows of a swap were listed once per label, so the
    second S21 line's were dropped; they are listed once per entry, the second of a
    name as the name (#2)."""
    result = pv.run_pivot(_two_for_two(True))
    [facts] = result.inputs["site_assumptions"]
    rows = facts["dispatch_uplift_central_usd_per_mw_month"]["by_month"]
    n = len(set(rows["month"]))
    assert sorted(rows["fleet_entry"]) == sorted(
        [name + tag for name in ("Antminer S21", "Antminer S21 XP")
         for tag in ("", " (#2)") for _ in range(n)])


def test_a_swap_is_judged_on_the_power_the_engines_count() -> None:
    """A review's case: two lines of 27,000 machines (200 TH/s at 17.5 J/TH given with
    ``power_w = 3565``, then 234 TH/s at 15 J/TH with 3575 W), one after the other on
    200 MW. By hashrate x efficiency they fit together (198.7 MW), so no swap was read,
    but the engines count ``power_w`` (202.4 MW) and cut 2.4 MW throughout; they are a
    swap now, within the capacity."""
    text = EXAMPLE.read_text()
    old = ('  asic = "Antminer S21"            # 200 TH/s, 3,500 W, 17.5 J/TH (bundled ASIC '
           'catalog)\n  count = 52000                    # 10.4 EH/s, 191 MW with the '
           'overhead\n')
    assert old in text and FLEET_END in text
    line = ('  name = "{name}"\n  hashrate_th_s = {th}\n  efficiency_j_per_th = {eff}\n'
            '  power_w = {w}\n  count = 27000\n')
    text = text.replace(old, line.format(name="old", th=200.0, eff=17.5, w=3565)).replace(
        FLEET_END, '  uptime_fraction = 0.95\n  end = "2027-06"\n\n  [[sites.fleet]]\n'
        + line.format(name="new", th=234.0, eff=15.0, w=3575)
        + '  uptime_fraction = 0.95\n  start = "2027-07-01"\n\n  [[sites.cost_items]]')
    site = parse_portfolio(text, "power.toml").sites[0]
    # teeth: by hashrate x efficiency they would fit (198.7 MW); every count reads
    # power_w now (FleetEntry.drawn_j_per_th)
    assert 27000 * (200.0 * 17.5 + 234.0 * 15.0) * 1.05 / 1e6 < 200.0
    assert site.fleet_power_mw == pytest.approx(sum(site.entry_power_mw), rel=1e-12)
    assert site.fleet_power_mw > 200.0
    assert not site.fleet_fits_capacity and site.fleet_slots == [[0, 1]]
    [s] = resolve_sites(parse_portfolio(text, "power.toml"))
    assert s.fleet_power_mw == pytest.approx(27000 * 3575 * 1.05 / 1e6, rel=1e-12)
