"""How far pivot's flexibility of a fleet swap is from the dispatch engine once the new
machines run.

A swap (entries that occupy the same MW in turn, ``hashpivot.mining.slots``) is measured on
the fleet at the start (each slot's first entry). Each of its entries takes its layer of
the entries installed in each period, in the order its slots are displaced (their first
entries' J/TH, whatever holds them then), each unit of a band on its entry's layer per MW
(:func:`hashpivot.engines.pivot.uplift.cache.entry_dispatch_uplifts`, "layers"; pivot,
simulate and optimize since 2026-12-07). Until then its bands kept the site's curve, each
at its own ``k`` (its TH/s per MW over the site's at the start), "site's curve": before
the swap the fleet that mines is the one measured, after it pivot's figure was each
band's MW times the site's curve at its ``k``. The engine's figure is its gain on the
fleet that then mines.

* The swap example (``tests/engines/pivot/swap_inputs.py``: the 200 MW example on ERCOT
  HB_WEST, 40 + 3 USD/MWh, its 52,000 S21s, 191.1 MW, swapped for 52,000 S21 XPs, 199.0
  MW from 2027-07): one efficiency before and one after, no amounts at set rates.
* The West Texas example as ``tests/engines/pivot/uplift_inputs.py`` makes it comparable
  (its PPA, solar, 50 MW of demand response and 4CP), its 30,000 S19j Pros (96.6 MW, to
  2025-12) swapped for 26,500 S21 XPs (101.4 MW, from 2026-01) beside its 40,000 S21s
  (``SWAP_COUNTS``, ``SWAP_DATES``): before the swap, after it, and with the slot of the
  S19j Pros and the S21 XPs displaced by a conversion (a swap's slots are displaced in
  the order of their first entries' J/TH, whatever holds them then: the S21s alone mine,
  before the swap and after it), and half that slot's machines displaced.

Each at a constant hashprice of 60 USD/PH/day in the price year (the curves') and a
month's hashprice 0.6, 1 and 1.5 times that, a month of the price year's hours at
``lambda = 1``. Per MW mining; the last columns are the errors over the month's mining
value, the monthly model's margin always on (the machines available, the pool fee, the
price year's mean index plus the contract's adder) plus the engine's uplift.

Run: ``.venv/bin/python scripts/measure_swap_bands.py`` (about a minute: the fast path).
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


def _layers(swap: Site, month: str) -> dict[str, DispatchUplift]:
    """Each entry of the swap site ``swap`` installed in ``month``: its layer then, per MW
    of it (pivot's since 2026-12-07), by name."""
    import pandas as pd

    from hashpivot.engines.pivot.uplift.cache import entry_dispatch_uplifts

    out = {}
    for entry, curve in zip(swap.fleet, entry_dispatch_uplifts(swap), strict=True):
        layers = curve.installed_layers if curve is not None else None
        now = layers.at(pd.Period(month, "M")) if layers is not None else curve
        if now is not None:
            out[str(entry.name)] = now
    return out


def _measure(name: str, swap: Site, month: str, after: Site,
             bands: list[tuple[str, Site]]) -> tuple[float, float]:
    """Print the engine's figure for the fleet ``after`` (the machines each entry mining
    holds: ``bands``, by name) and pivot's, with the site's curve at each band's ``k``
    and with the layers of the swap site ``swap`` in ``month``, at each multiplier;
    return the largest errors of both over the mining value."""
    from tests.engines.pivot.uplift_inputs import curve_at_hashprice

    from hashpivot.units import HOURS_PER_MONTH

    hp = HASHPRICE_USD_PER_PH_DAY
    start = swap.model_copy(update={"fleet": [
        swap.fleet[j] for j in sorted(s[0] for s in swap.fleet_slots or [])]})
    site_curve = curve_at_hashprice(start, hp)
    per_mw_start = _th_s(start) / _mw(start)
    layers = _layers(swap, month)
    assert after.dispatch is not None
    available, fee = float(after.dispatch.availability_fraction), float(after.pool_fee_fraction)
    price = (site_curve.index_level_reference_usd_per_mwh
             + site_curve.contract_adder_usd_per_mwh)
    worst = [0.0, 0.0]
    for mult in MULTIPLIERS:
        truth = _gain(curve_at_hashprice(after, hp * mult), 1.0) * _mw(after)
        old = sum(_mw(band) * _gain(site_curve, mult * _th_s(band) / _mw(band) / per_mw_start)
                  for _, band in bands)
        new = sum(_mw(band) * _gain(layers[n], mult) for n, band in bands)
        margin = (_th_s(after) * hp * mult / 1000.0 * available * (1.0 - fee)
                  - 24.0 * available * price * _mw(after)) * HOURS_PER_MONTH / 24.0
        offs = [(pivot - truth) / (margin + truth) for pivot in (old, new)]
        worst = [max(w, abs(o)) for w, o in zip(worst, offs, strict=True)]
        cells = "  ".join(f"{pivot / _mw(after):7,.0f} {100 * (pivot / truth - 1.0):+7.3f} %"
                          for pivot in (old, new))
        print(f"{name:44s} {mult:4.1f} {_mw(after):6.1f} {truth / _mw(after):7,.0f}  {cells}"
              f"  {100 * offs[0]:+7.2f} % {100 * offs[1]:+8.4f} %")
    return worst[0], worst[1]


def main() -> None:
    from tests.engines.pivot.swap_inputs import swap_site_portfolio
    from tests.engines.pivot.uplift_inputs import SWAP_COUNTS, SWAP_DATES, layers_portfolio

    from hashpivot.models import Site as SiteModel

    print(f"{'fleet mining':44s} {'m':>4s} {'MW':>6s} {'engine':>7s}  "
          f"{'site curve, own k':>17s}  {'layers':>17s}  {'/ value':>9s} {'(layers)':>10s}"
          "   [USD/MW-month]")
    example = swap_site_portfolio(True).sites[0]
    assert example.dispatch is not None
    example = SiteModel.model_validate(example.model_dump() | {"dispatch": example.dispatch
                                       .model_dump() | {"hashprice_usd_per_ph_day":
                                                        HASHPRICE_USD_PER_PH_DAY}})
    xp = _with_fleet(example, [example.fleet[1]])
    cases = [("(1) 200 MW example: S21s -> S21 XPs", example, "2027-07", xp,
              [(str(example.fleet[1].name), xp)])]
    swap = layers_portfolio(SWAP_COUNTS, SWAP_DATES).sites[0]
    fleets = {
        "(2a) West Texas before: S21s, S19j Pros": ("2025-06", {"S21": 40_000,
                                                               "S19j Pro": 30_000}),
        "(2b) West Texas after: S21s, S21 XPs": ("2026-06", {"S21 XP": 26_500, "S21": 40_000}),
        "(2c) the S19j Pro/XP slot displaced: S21s": ("2026-06", {"S21": 40_000}),
        "(2d) before, half the S19j Pros displaced": ("2025-06", {"S21": 40_000,
                                                                 "S19j Pro": 15_000}),
        "(2e) after, half the S21 XPs displaced": ("2026-06", {"S21 XP": 13_250,
                                                              "S21": 40_000}),
    }
    for name, (month, counts) in fleets.items():
        after = layers_portfolio(counts).sites[0]
        cases.append((name, swap, month, after,
                      [(str(e.name), _with_fleet(after, [e])) for e in after.fleet]))
    worst = (0.0, 0.0)
    for name, valued, month, after, bands in cases:
        worst = tuple(max(a, b) for a, b in zip(worst, _measure(name, valued, month, after,
                                                                 bands), strict=True))
    print(f"largest error over the mining value: {100 * worst[0]:.2f} % (site's curve), "
          f"{100 * worst[1]:.4f} % (layers)")


if __name__ == "__main__":
    main()
