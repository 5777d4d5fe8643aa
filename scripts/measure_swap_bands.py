"""How far pivot's flexibility of a fleet swap is from the dispatch engine once the new
machines run.

A swap (entries that occupy the same MW in turn, ``hashpivot.mining.slots``) is measured on
the fleet at the start (each slot's first entry), and its bands keep that site's curve,
each at its own ``k`` (its TH/s per MW over the site's at the start): their fleets left
are not a sequence of displacements, so they take no layers
(:func:`hashpivot.engines.pivot.uplift.cache.entry_dispatch_uplifts`). Before the swap
the fleet that mines is the one measured; after it, pivot's figure is each band's MW
times the site's curve at its ``k``, the engine's its gain on the fleet that then mines.

* The swap example (``tests/engines/pivot/swap_inputs.py``: the 200 MW example on ERCOT
  HB_WEST, 40 + 3 USD/MWh, its 52,000 S21s, 191.1 MW, swapped for 52,000 S21 XPs, 199.0
  MW): one efficiency before and one after, no amounts at set rates.
* The West Texas example as ``tests/engines/pivot/uplift_inputs.py`` makes it comparable
  (its PPA, solar, 50 MW of demand response and 4CP), its 30,000 S19j Pros (96.6 MW)
  swapped for 26,500 S21 XPs (101.4 MW) beside its 40,000 S21s: the S21s' band and the
  XPs' take the site's curve, measured on the S21s and S19j Pros, at their own ``k``;
  before the swap (each entry at its own ``k`` on the curve of the fleet: the rule of
  every site of several entries until 2026-12-07, ``scripts/measure_entry_mapping.py``
  (i)), after it, and with the slot of the S19j Pros and the S21 XPs displaced by a
  conversion (a swap's slots are displaced in the order of their first entries' J/TH,
  whatever holds them then: the S21s alone mine, before the swap and after it).

Each at a constant hashprice of 60 USD/PH/day in the price year (the fleet at the start's
curve) and a month's hashprice 0.6, 1 and 1.5 times that, a month of the price year's
hours at ``lambda = 1``. Per MW mining; the last column is the error over the month's
mining value, the monthly model's margin always on (the machines available, the pool fee,
the price year's mean index plus the contract's adder) plus the engine's uplift.

Run: ``.venv/bin/python scripts/measure_swap_bands.py`` (about half a minute: the fast
path).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

if TYPE_CHECKING:
    from hashpivot.engines.pivot.uplift.curve import DispatchUplift
    from hashpivot.models import Site
    from hashpivot.models.portfolio import FleetEntry

#: The months' hashprice multiples of the price year's. [-]
MULTIPLIERS = (0.6, 1.0, 1.5)
#: The constant hashprice of the price year. [USD/PH/day]
HASHPRICE_USD_PER_PH_DAY = 60.0


def _gain(curve: DispatchUplift, k: float) -> float:
    """``G(k) + P_on - P_idle`` at ``lambda = 1`` (``G(k)`` without a contracted supply).
    [USD/MW/month]"""
    from hashpivot.units import HOURS_PER_MONTH

    supply = 0.0
    if curve.supply is not None:
        on, idle = curve.supply.usd_per_mw_month(np.array(1.0), HOURS_PER_MONTH)
        supply = float(on - idle)
    return float(curve.gain(np.array(k))) + supply


def _mw(site: Site) -> float:
    return float(site.fleet_power_mw)


def _th_s(site: Site) -> float:
    return sum(float(e.count) * float(e.hashrate_th_s or 0.0) for e in site.fleet)


def _with_fleet(site: Site, fleet: list[FleetEntry]) -> Site:
    """``site`` with the fleet entries ``fleet``, undated."""
    from hashpivot.models import Site as SiteModel

    entries = [e.model_dump(exclude={"start", "end"}) for e in fleet]
    return SiteModel.model_validate(site.model_dump() | {"fleet": entries})


def _measure(name: str, start: Site, after: Site, bands: list[tuple[str, Site]]) -> float:
    """Print pivot's and the engine's figure for the fleet ``after`` (the swap's bands:
    the sites of the machines each holds) at each multiplier; return the largest error
    over the mining value."""
    from tests.engines.pivot.uplift_inputs import curve_at_hashprice

    from hashpivot.units import HOURS_PER_MONTH

    hp = HASHPRICE_USD_PER_PH_DAY
    site_curve = curve_at_hashprice(start, hp)
    per_mw_start = _th_s(start) / _mw(start)
    assert after.dispatch is not None
    available, fee = float(after.dispatch.availability_fraction), float(after.pool_fee_fraction)
    price = (site_curve.index_level_reference_usd_per_mwh
             + site_curve.contract_adder_usd_per_mwh)
    worst = 0.0
    for mult in MULTIPLIERS:
        truth = _gain(curve_at_hashprice(after, hp * mult), 1.0) * _mw(after)
        pivot = 0.0
        ks = []
        for _, band in bands:
            k = mult * _th_s(band) / _mw(band) / per_mw_start
            ks.append(f"{k:.2f}")
            pivot += _mw(band) * _gain(site_curve, k)
        margin = (_th_s(after) * hp * mult / 1000.0 * available * (1.0 - fee)
                  - 24.0 * available * price * _mw(after)) * HOURS_PER_MONTH / 24.0
        off = (pivot - truth) / (margin + truth)
        worst = max(worst, abs(off))
        print(f"{name:44s} {mult:4.1f} {'/'.join(ks):>10s} {_mw(after):6.1f} "
              f"{truth / _mw(after):7,.0f} {pivot / _mw(after):7,.0f} "
              f"{100 * (pivot / truth - 1.0):+6.1f} % {100 * off:+9.2f} %")
    return worst


def main() -> None:
    from tests.engines.pivot.swap_inputs import swap_site_portfolio
    from tests.engines.pivot.uplift_inputs import layers_document, same_year_portfolio

    from hashpivot.models.loader import validate_data
    from hashpivot.models.portfolio import Portfolio

    print(f"{'fleet mining':44s} {'m':>4s} {'k of bands':>10s} {'MW':>6s} "
          f"{'engine':>7s} {'pivot':>7s} {'error':>8s} {'/ value':>10s}   [USD/MW-month]")
    swap = swap_site_portfolio(True).sites[0]
    s21, xp = swap.fleet
    worst = _measure("(1) 200 MW example: S21s -> S21 XPs", _with_fleet(swap, [s21]),
                     _with_fleet(swap, [xp]), [("S21 XP", _with_fleet(swap, [xp]))])
    texas = same_year_portfolio("whole").sites[0]
    worst = max(worst, _measure(
        "(2a) West Texas before: S21s, S19j Pros", texas, texas,
        [(str(e.name), _with_fleet(texas, [e])) for e in texas.fleet]))
    doc = layers_document({"S21 XP": 26_500, "S21": 40_000})
    after = validate_data(Portfolio, doc, "after.toml").sites[0]
    worst = max(worst, _measure(
        "(2b) West Texas after: S21s, S21 XPs", texas, after,
        [(str(e.name), _with_fleet(after, [e])) for e in after.fleet]))
    s21s = _with_fleet(after, [after.fleet[1]])
    worst = max(worst, _measure("(2c) the S19j Pro/XP slot displaced: S21s", texas, s21s,
                                [("S21", s21s)]))
    print(f"largest error over the mining value: {100 * worst:.2f} %")


if __name__ == "__main__":
    main()
