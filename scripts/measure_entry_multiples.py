"""How far pivot's layered flexibility curves are from the dispatch engine when the fleet
entries' hashprice multiples differ (decay from different ages, replacements).

Each fleet entry takes its layer (:func:`hashpivot.engines.pivot.uplift.layered.layered`):
the curve of the fleet left with it less that of the fleet left without it, per MW of it,
both measured on the fleet as the file lists it. A month takes each layer at the entry's
own ``k``, its revenue per MW that month over its revenue per MW at the price year's
hashprice (:meth:`~hashpivot.engines.pivot.uplift.curve.DispatchUplift.for_fleet`), which
moves with its own decay and replacements, not the fleets left's. Where every entry's
TH/s per MW moves alike (one decay rate, the same age, no replacement) the entries' ``k``
are one and the layers sum to the fleet's curve; where they differ they do not.

The site is ``tests/engines/pivot/uplift_inputs.py``'s three-entry West Texas example
(15,000 S21 XPs at 13.5 J/TH, 25,000 S21s at 17.5, 30,000 S19j Pros at 29.5; a constant
hashprice of 60 USD/PH/day, the contract at the price year's mean index), a month's
hashprice 0.6, 1 and 1.5 times that. Each case is the fleet of a month of pivot's default
``[pivot]`` fleet terms (3 %/year decay; a replacement every 4 years by machines of 16
J/TH improving 8 %/year: 11.46 J/TH in year 4), each entry's TH/s per MW times its factor
``f`` (its machines' power unchanged). The whole fleet mines, or in (e) the fleet a
conversion leaves (the S19j Pros displaced, the least efficient as listed). Per MW
mining, a month of the price year's hours at ``lambda = 1`` (margins are positive in
every case: the uplift is the gain):

* engine: the dispatch engine on the month's fleet at the month's hashprice (``G(1) +
  P_on - P_idle`` of that fleet's own measurement, which ``test_dispatch_agreement``
  holds to 1e-9 against the engine's summary);
* pivot: each entry's MW times its layer at its own ``k = m f``;
* fleets' ``k``: each fleet left in a layer at its own ``k``, its hashrate-weighted ``f``
  times ``m`` (the layers then sum to the whole fleet's curve, measured on the fleet as
  listed, at the fleet's ``k``): what remains is the fleet's shape (the efficiencies of
  its entries) having moved.

The last two columns are pivot's and the fleets' ``k``'s errors over the month's mining
value, the monthly model's margin always on (the machines available, the 1.5 % pool fee,
the contract's price and adder) plus the engine's uplift.

Run: ``.venv/bin/python scripts/measure_entry_multiples.py`` (about a minute: the fast
path).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

if TYPE_CHECKING:
    from hashpivot.models import Site

#: The months' hashprice multiples of the price year's. [-]
MULTIPLIERS = (0.6, 1.0, 1.5)
#: Pivot's default fleet terms: yearly decay, replacement efficiency in year 4. [-, J/TH]
DECAY, REPLACED_J_PER_TH = 0.97, 16.0 * 0.92**4


def main() -> None:
    from tests.engines.pivot.uplift_inputs import (
        ENTRY_SPECS,
        HASHPRICE_USD_PER_PH_DAY,
        THREE_ENTRIES,
        curve_at_hashprice,
        gain_with_supply,
        layers_document,
    )

    from hashpivot.engines.pivot.uplift.curve import DispatchUplift
    from hashpivot.engines.pivot.uplift.layered import layered
    from hashpivot.models.loader import validate_data
    from hashpivot.models.portfolio import Portfolio
    from hashpivot.units import HOURS_PER_MONTH

    def site_of(factors: dict[str, float], names: list[str]) -> Site:
        """The site of the entries ``names``, each one's TH/s per machine times its
        factor."""
        doc = layers_document({n: THREE_ENTRIES[n] for n in names})
        for entry in doc["sites"][0]["fleet"]:
            entry["hashrate_th_s"] *= factors.get(entry["name"], 1.0)
        return validate_data(Portfolio, doc, "three-entries.toml").sites[0]

    base = site_of({}, list(THREE_ENTRIES))
    overhead = float(base.power_overhead_factor)
    assert base.dispatch is not None and base.power_contract is not None
    available, fee = float(base.dispatch.availability_fraction), float(base.pool_fee_fraction)
    price = float(base.power_contract.price_usd_per_mwh) + float(
        base.power_contract.adder_usd_per_mwh or 0.0)
    hp = HASHPRICE_USD_PER_PH_DAY
    # least efficient first: the order a conversion displaces them
    order = sorted(ENTRY_SPECS, key=lambda n: -ENTRY_SPECS[n][1] / ENTRY_SPECS[n][0])

    def mw(names: list[str]) -> float:
        return sum(THREE_ENTRIES[n] * ENTRY_SPECS[n][1] for n in names) / 1e6 * overhead

    def th_s(names: list[str], f: dict[str, float]) -> float:
        return sum(THREE_ENTRIES[n] * ENTRY_SPECS[n][0] * f.get(n, 1.0) for n in names)

    listed: dict[tuple[str, ...], DispatchUplift] = {}

    def listed_curve(names: list[str]) -> DispatchUplift:
        """The curve of the fleet left ``names``, as the file lists its entries."""
        key = tuple(names)
        if key not in listed:
            doc = layers_document({n: THREE_ENTRIES[n] for n in names})
            listed[key] = curve_at_hashprice(
                validate_data(Portfolio, doc, "left.toml").sites[0], hp)
        return listed[key]

    gain = gain_with_supply

    def pivot_usd(f: dict[str, float], mult: float, mining: list[str]) -> float:
        """Each entry mining: its MW times its layer at its own ``k``. [USD/month]"""
        total = 0.0
        for i, n in enumerate(order):
            if n not in mining:
                continue
            left, rest = order[i:], order[i + 1:]
            layer = layered(listed_curve(left), listed_curve(rest) if rest else None,
                            mw(left), mw(rest))
            total += mw([n]) * gain(layer, mult * f.get(n, 1.0))
        return total

    def fleets_k_usd(f: dict[str, float], mult: float, mining: list[str]) -> float:
        """Each fleet left at its own ``k``: the layers of the whole entries mining
        telescope to the fleet left's curve at its ``k``. [USD/month]"""
        return mw(mining) * gain(listed_curve(mining), mult * th_s(mining, f)
                                 / th_s(mining, {}))

    def margin(f: dict[str, float], mult: float, mining: list[str]) -> float:
        """The monthly model's margin always on. [USD/month]"""
        per_day = (th_s(mining, f) * hp * mult / 1000.0 * available * (1.0 - fee)
                   - 24.0 * available * price * mw(mining))
        return per_day * HOURS_PER_MONTH / 24.0

    xp, s21, s19 = "S21 XP", "S21", "S19j Pro"
    replaced = {n: ENTRY_SPECS[n][1] / ENTRY_SPECS[n][0] / REPLACED_J_PER_TH for n in order}
    cases = [
        ("(a) one age, year 5 (f 0.86)", dict.fromkeys(order, DECAY**5)),
        ("(b) S21 XPs 3 years younger, year 6", {xp: DECAY**3, s21: DECAY**6, s19: DECAY**6}),
        ("(c) S19j Pros replaced in year 4", {xp: DECAY**4, s21: DECAY**4, s19: replaced[s19]}),
        ("(d) S21s and S19j Pros replaced", {xp: DECAY**4, s21: replaced[s21],
                                              s19: replaced[s19]}),
        ("(e) S21s replaced, S19j Pros displaced", {xp: DECAY**4, s21: replaced[s21]}),
    ]
    print(f"{'case':38s} {'m':>4s} {'k of each entry':>17s} {'engine':>7s}  "
          f"{'pivot':>16s}  {'fleets k':>16s}  {'pivot/value':>11s} {'fleets/value':>12s}"
          "   [USD/MW-month]")
    worst = {"pivot": 0.0, "fleets": 0.0, "pivot_value": 0.0, "fleets_value": 0.0}
    for name, f in cases:
        mining = [n for n in order if n in f]  # (a conversion displaced the others)
        for mult in MULTIPLIERS:
            truth = gain(curve_at_hashprice(site_of(f, mining), hp * mult), 1.0)
            usd_truth = truth * mw(mining)
            cells, value = [], margin(f, mult, mining) + usd_truth
            for key, usd in (("pivot", pivot_usd(f, mult, mining)),
                             ("fleets", fleets_k_usd(f, mult, mining))):
                error = usd / usd_truth - 1.0
                worst[key] = max(worst[key], abs(error))
                worst[key + "_value"] = max(worst[key + "_value"],
                                            abs(usd - usd_truth) / value)
                cells.append((usd / mw(mining), error, (usd - usd_truth) / value))
            ks = "/".join(f"{mult * f[n]:.2f}" if n in f else "-" for n in (xp, s21, s19))
            print(f"{name:38s} {mult:4.1f} {ks:>17s} {truth:7,.0f}  "
                  + "  ".join(f"{u:7,.0f} {100 * e:+6.1f} %" for u, e, _ in cells)
                  + "".join(f"  {100 * v:+9.2f} %" for _, _, v in cells))
    print(f"largest error over the uplift: pivot {100 * worst['pivot']:.1f} %, fleets' k "
          f"{100 * worst['fleets']:.1f} %; over the mining value: pivot "
          f"{100 * worst['pivot_value']:.2f} %, fleets' k {100 * worst['fleets_value']:.2f} %")


if __name__ == "__main__":
    main()
