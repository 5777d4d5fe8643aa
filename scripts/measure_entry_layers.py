"""How far pivot's layered flexibility curves are from the dispatch engine on a site of
three fleet entries and on a site whose entries are dated.

The West Texas example as ``tests/engines/pivot/uplift_inputs.py`` makes it comparable (a
constant hashprice of 60 USD/PH/day, the contract at the price year's mean index), with
three fleet entries (15,000 S21 XPs at 13.5 J/TH, 25,000 S21s at 17.5, 30,000 S19j Pros at
29.5: :func:`~tests.engines.pivot.uplift_inputs.layers_document`), at hashprices 0.6, 1 and
1.5 times that. Each entry's curve is ``layered``
(:func:`hashpivot.engines.pivot.uplift.layered.layered`): the curve of the fleet left with
it less that of the fleet left without it, the least efficient displaced first. The
reference is the engine on the fleet that mines (``G(1) + P_on - P_idle`` of that fleet's
own measurement at that hashprice, which ``test_dispatch_agreement`` holds to 1e-9 against
the engine's summary); pivot's figure is each entry mining times its curve at its own
``k`` (every entry at the month's multiple here). Per MW mining, a month of the price
year's hours at ``lambda = 1`` (margins are positive in every case: the uplift is the
gain).

* Three entries, undated: the fleet left by a conversion, whole entries and half an entry.
* Dated entries: in the months an entry is not installed (a start after the first month
  valued, an end before the last), the fleet that mines is the entries installed. With
  layers built from every entry the file lists (pivot until 2026-12-07, "all"), an entry
  below a more efficient one not installed takes only what it adds to that entry's fleet;
  with layers built from the entries installed in each period ("installed"), the entries
  mining sum to the engine's again. An entry ending while the more efficient ones run (the
  least efficient retired) leaves fleets that are fleets left by a conversion: the same as
  the undated rows.

The last column is the error of "all" over the month's mining value, the monthly model's
margin always on (95 % uptime, the 1.5 % pool fee, the contract's price and adder) plus the
engine's uplift.

Run: ``.venv/bin/python scripts/measure_entry_layers.py`` (about a minute: the fast path).
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

#: The months' hashprice multiples of the price year's. [-]
MULTIPLIERS = (0.6, 1.0, 1.5)


def main() -> None:
    from tests.engines.pivot.uplift_inputs import (
        ENTRY_SPECS,
        HASHPRICE_USD_PER_PH_DAY,
        THREE_ENTRIES,
        curve_at_hashprice,
        gain_with_supply,
        layers_portfolio,
    )

    from hashpivot.engines.pivot.uplift.curve import DispatchUplift
    from hashpivot.units import HOURS_PER_MONTH

    site = layers_portfolio(THREE_ENTRIES).sites[0]
    overhead = float(site.power_overhead_factor)
    uptime, fee = 0.95, float(site.pool_fee_fraction)
    assert site.power_contract is not None
    price = float(site.power_contract.price_usd_per_mwh) + float(
        site.power_contract.adder_usd_per_mwh or 0.0)
    hp = HASHPRICE_USD_PER_PH_DAY
    # least efficient first: the order a conversion displaces them
    order = sorted(ENTRY_SPECS, key=lambda n: -ENTRY_SPECS[n][1] / ENTRY_SPECS[n][0])

    def mw(counts: dict[str, int]) -> float:
        return sum(c * ENTRY_SPECS[n][1] for n, c in counts.items()) / 1e6 * overhead

    curves: dict[tuple[object, ...], DispatchUplift] = {}

    def curve(counts: dict[str, int], hashprice: float) -> DispatchUplift:
        counts = {n: c for n, c in counts.items() if c > 0}
        key = (*sorted(counts.items()), hashprice)
        if key not in curves:
            curves[key] = curve_at_hashprice(layers_portfolio(counts).sites[0], hashprice)
        return curves[key]

    gain = gain_with_supply

    def layered_usd(valued: dict[str, int], mining: dict[str, int], mult: float) -> float:
        """Pivot's uplift of ``mining`` [USD/month]: each entry's MW mining times its
        layer of the entries ``valued`` (the fleet left with it less the fleet left
        without it, per MW of it), at ``k = mult``."""
        names = [n for n in order if valued.get(n, 0) > 0]
        total = 0.0
        for i, n in enumerate(names):
            if mining.get(n, 0) <= 0:
                continue
            left = {m: valued[m] for m in names[i:]}
            rest = {m: valued[m] for m in names[i + 1:]}
            with_usd = mw(left) * gain(curve(left, hp), mult)
            without_usd = mw(rest) * gain(curve(rest, hp), mult) if rest else 0.0
            total += mining[n] / valued[n] * (with_usd - without_usd)
        return total

    def margin(counts: dict[str, int], mult: float) -> float:
        """The monthly model's margin always on [USD/month]."""
        revenue = sum(c * ENTRY_SPECS[n][0] for n, c in counts.items()) * hp * mult / 1000.0
        per_day = revenue * uptime * (1.0 - fee) - 24.0 * uptime * price * mw(counts)
        return per_day * HOURS_PER_MONTH / 24.0

    xp, s21, s19 = "S21 XP", "S21", "S19j Pro"
    two = {s21: 40_000, s19: 30_000}
    full = THREE_ENTRIES
    # (name, entries the file lists, entries installed, fleet mining)
    cases = [
        ("(a) three entries, whole", full, full, full),
        ("(b) S19j Pros displaced", full, full, {xp: full[xp], s21: full[s21]}),
        ("(c) S19j Pros and S21s displaced", full, full, {xp: full[xp]}),
        ("(d) half the S19j Pros displaced", full, full, {**full, s19: full[s19] // 2}),
        ("(e) S19j Pros, half the S21s displaced", full, full,
         {xp: full[xp], s21: full[s21] // 2}),
        ("(f) S21 XPs not installed yet", full, {s21: full[s21], s19: full[s19]},
         {s21: full[s21], s19: full[s19]}),
        ("(g) S21s retired, XPs and S19js run", full, {xp: full[xp], s19: full[s19]},
         {xp: full[xp], s19: full[s19]}),
        ("(h) two entries, S21s not installed yet", two, {s19: two[s19]}, {s19: two[s19]}),
    ]
    print(f"{'case':42s} {'k':>4s} {'MW':>6s} {'engine':>7s}  {'layers of all':>17s}  "
          f"{'of installed':>17s}  {'all / value':>11s}   [USD/MW-month]")
    worst = {"all": 0.0, "installed": 0.0}
    for name, listed, installed, mining in cases:
        for mult in MULTIPLIERS:
            mining_mw = mw(mining)
            truth = gain(curve(mining, hp * mult), 1.0)
            cells = []
            for key, valued in (("all", listed), ("installed", installed)):
                per_mw = layered_usd(valued, mining, mult) / mining_mw
                error = per_mw / truth - 1.0
                worst[key] = max(worst[key], abs(error))
                cells.append(f"{per_mw:7,.0f} {100 * error:+7.1f} %")
            value = margin(mining, mult) + truth * mining_mw
            off = (layered_usd(listed, mining, mult) - truth * mining_mw) / value
            print(f"{name:42s} {mult:4.1f} {mining_mw:6.1f} {truth:7,.0f}  "
                  + "  ".join(cells) + f"  {100 * off:+9.1f} %")
    print("largest error over the uplift: "
          + ", ".join(f"layers of {k} {100 * w:.1f} %" for k, w in worst.items()))


if __name__ == "__main__":
    main()
