"""Each fleet entry's own curve (``layered``): the fleet left with it less the fleet left
without it, per MW of the entry, so that the entries mining sum to the curve of the fleet
left; a site of one entry keeps its own curve."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from hashpivot.engines.pivot.inputs import resolve_sites
from hashpivot.engines.pivot.tranches import fleet_tranches
from hashpivot.engines.pivot.uplift.cache import entry_dispatch_uplifts, site_dispatch_uplift
from hashpivot.engines.pivot.uplift.curve import DispatchUplift
from hashpivot.engines.pivot.uplift.layered import layered
from hashpivot.engines.pivot.uplift.ppa_term import PpaTerm
from hashpivot.engines.pivot.uplift.supply_settlement import SupplySettlement
from tests.engines.pivot.uplift_inputs import chunk_in_a_fresh_worker, same_year_portfolio

K = (0.5, 1.0, 2.0)


def _curve(scale: float) -> DispatchUplift:
    """A curve built by hand, its figures moved by ``scale``."""
    return DispatchUplift(
        multipliers=K, gain_usd_per_mw_month=(3000.0 * scale, 2000.0, 1000.0 / scale),
        reference_hashprice_usd_per_th_day=0.06, reference_power_price_usd_per_mwh=40.0,
        revenue_share=(0.6 * scale, 0.9, 0.97), energy_share=(0.5, 0.85 / scale, 0.96),
        set_rate_gain_usd_per_mw_month=(700.0 * scale, 700.0, 650.0),
        mining_revenue_usd_per_mw_month=30_000.0 * scale, mining_adder_usd_per_mw_month=0.0,
        mining_energy_mwh_per_mw_month=700.0 / scale,
        supply=SupplySettlement(900.0 * scale, 100.0, 500.0 / scale, 50.0,
                                by_block_usd_per_mw_month=(1000.0 * scale,)),
    )


def test_the_most_efficient_entry_keeps_the_curve_of_its_own_fleet() -> None:
    curve = _curve(1.0)
    assert layered(curve, None, 100.0, 0.0) is curve


@pytest.mark.parametrize("k", [0.2, 0.5, 0.7, 1.0, 1.3, 2.0, 4.0])
def test_the_entries_sum_to_the_fleet_left_between_and_beyond_the_multipliers(k: float
                                                                             ) -> None:
    whole, rest, w1, w0 = _curve(1.0), _curve(1.3), 240.0, 150.0
    entry = layered(whole, rest, w1, w0)
    at = np.array(k)

    def total(u: DispatchUplift, mw: float, figure: str) -> float:
        value = {"G": u.gain(at), "D": u.set_rate_gain(at),
                 "revenue": u.mining_revenue_usd_per_mw_month * u.share(at, "revenue_share"),
                 "energy": u.mining_energy_mwh_per_mw_month * u.share(at, "energy_share"),
                 }[figure]
        return mw * float(value)

    for figure in ("G", "D", "revenue", "energy"):
        assert total(entry, w1 - w0, figure) + total(rest, w0, figure) == pytest.approx(
            total(whole, w1, figure), rel=1e-12)
    for lam in (0.5, 1.0, 2.0):
        on = [float(np.sum(u.supply.usd_per_mw_month(np.array(lam), 730.5))) * mw
              for u, mw in ((entry, w1 - w0), (rest, w0), (whole, w1)) if u.supply]
        assert on[0] + on[1] == pytest.approx(on[2], rel=1e-12)


def test_a_ppa_terms_curve_without_the_block_is_layered_too() -> None:
    whole = dataclasses.replace(_curve(1.0), ppa_term=PpaTerm("2027-01", None, _curve(0.8)))
    rest = dataclasses.replace(_curve(1.3), ppa_term=PpaTerm("2027-01", None, _curve(1.1)))
    entry = layered(whole, rest, 240.0, 150.0)
    assert entry.ppa_term is not None and entry.ppa_term.without is not None
    assert entry.ppa_term.without.gain_usd_per_mw_month == pytest.approx(
        layered(_curve(0.8), _curve(1.1), 240.0, 150.0).gain_usd_per_mw_month, rel=1e-15)


def test_a_site_of_one_entry_keeps_its_own_curve_bitwise() -> None:
    portfolio = same_year_portfolio("s21s")
    (site,) = resolve_sites(portfolio)
    measured = site_dispatch_uplift(portfolio.sites[0])[0]
    assert measured is not None
    assert entry_dispatch_uplifts(portfolio.sites[0]) == ()
    assert site.fleet_uplifts == () and fleet_tranches(site) == []
    assert site.dispatch_uplift == measured.for_fleet(
        site.fleet_hashrate_th_s / site.fleet_power_mw)


def test_each_entry_of_the_west_texas_site_mines_its_own_curve() -> None:
    portfolio = same_year_portfolio("whole")
    (site,) = resolve_sites(portfolio)
    s21, s19 = site.fleet_uplifts
    alone = site_dispatch_uplift(same_year_portfolio("s21s").sites[0])[0]
    assert s21 is not None and s19 is not None and alone is not None
    # the most efficient: the curve of the S21s alone, at their own TH/s per MW
    assert s21.gain_usd_per_mw_month == alone.gain_usd_per_mw_month
    by_label = {t.fleet_hashrate_th_s: t.dispatch_uplift for t in fleet_tranches(site)}
    assert by_label == {e[1]: u for e, u in zip(site.fleet_entries, (s21, s19), strict=True)}


def test_a_monte_carlo_chunk_takes_each_fleet_lefts_curve_from_its_task(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The curves of the fleets left travel with ``simulate``'s task as the site's does: a
    chunk in a process that has measured none (the cache cleared and measuring made to
    fail) gives bitwise the chunk of the process that measured them."""
    from hashpivot.engines.simulate import SimulationConfig, prepare, run_chunk

    pf = same_year_portfolio("whole")
    run = prepare(pf, SimulationConfig(n_paths=8, seed=3, chunk_paths=4))
    assert len({key for key, _ in run.task.dispatch_uplifts}) == 2  # whole, S21s alone
    here = run_chunk(run.task, *run.chunks[1])
    worker = chunk_in_a_fresh_worker(run, monkeypatch)
    np.testing.assert_array_equal(worker.npv_usd, here.npv_usd)
