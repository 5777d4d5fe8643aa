"""How a dispatching site of several fleet entries should take its flexibility curve:
each mapping against the dispatch engine on the fleet that mines.

The West Texas example (``examples/dispatch-west-texas.toml``) as
``tests/engines/pivot/test_dispatch_agreement.py`` sets it up (a constant hashprice of
60 USD/PH/day, the contract at the price year's mean index), at hashprices 0.6, 1 and 1.5
times that (a rising or falling difficulty), with (a) the whole fleet mining, (b) the
S19j Pros displaced by a conversion (the S21s alone mine) and (c) half of them displaced.
The reference is the engine on the fleet that mines, with the AI load, PPA, solar, DR and
4CP as the file has them: its gain over always-on as pivot counts it (``G(1) + P_on -
P_idle`` of that fleet's own measurement at that hashprice, which the one-entry test
holds to 1e-9 against the engine's summary). Each mapping's figure is the uplift per MW
mining of a month of the price year's hours at ``lambda = 1`` (margins are positive in
every case, so the uplift is the gain):

* (i) each entry at its own ``k`` (its TH/s per MW over the whole fleet's) on the site's
  curve: pivot, simulate and optimize until 2026-12-07 (case (a) at 60 USD/PH/day was
  2.8 % high);
* (ii) every entry at the mining fleet's ``k`` on the site's curve;
* (iii) the curve measured again for the fleet that mines, at its own ``k``;
* (iv) each entry's own curve (the entry alone on the site);
* (v) layered: each tranche a curve of its own, the curve of the fleet left with it less
  the curve of the fleet left without it (MW-weighted, the least efficient displaced
  first), so that the tranches mining sum to the fleet left's curve at tranche
  boundaries; linear within a tranche: pivot, simulate and optimize since 2026-12-07
  (:func:`hashpivot.engines.pivot.uplift.layered.layered`; test_dispatch_agreement holds
  cases (a)-(c) at 60 USD/PH/day).

Run: ``.venv/bin/python scripts/measure_entry_mapping.py`` (about 15 s: the fast path).
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

#: The constant hashprice of the price year's curve, and the months' multiples of it. [-]
HASHPRICE_USD_PER_PH_DAY = 60.0
MULTIPLIERS = (0.6, 1.0, 1.5)
OPTIONS = ("i", "ii", "iii", "iv", "v")


def main() -> None:
    from tests.engines.pivot.uplift_inputs import (
        curve_at_hashprice,
        gain_with_supply,
        same_year_portfolio,
    )

    from hashpivot.engines.pivot.uplift.curve import DispatchUplift
    from hashpivot.models import Site

    site = same_year_portfolio("whole").sites[0]
    entry = {e.name: e for e in site.fleet}
    full = {e.name: int(e.count) for e in site.fleet}
    overhead = float(site.power_overhead_factor)
    low, high = sorted(full, key=lambda n: -float(entry[n].power_w)
                       / float(entry[n].hashrate_th_s))  # least efficient first

    def mw(counts: dict[str, int]) -> float:
        return sum(c * float(entry[n].power_w) for n, c in counts.items()) / 1e6 * overhead

    def th_s_per_mw(counts: dict[str, int]) -> float:
        return sum(c * float(entry[n].hashrate_th_s) for n, c in counts.items()) / mw(counts)

    curves: dict[tuple[tuple[str, int], ...], DispatchUplift] = {}

    def curve(counts: dict[str, int], hashprice: float) -> DispatchUplift:
        counts = {n: c for n, c in counts.items() if c > 0}
        key = (*sorted(counts.items()), ("hashprice", int(hashprice)))
        if key not in curves:
            fleet = [entry[n].model_copy(update={"count": c}) for n, c in counts.items()]
            curves[key] = curve_at_hashprice(Site.model_validate(
                site.model_dump() | {"fleet": [f.model_dump() for f in fleet]}), hashprice)
        return curves[key]

    gain = gain_with_supply

    hp = HASHPRICE_USD_PER_PH_DAY
    cases = {"(a) whole fleet": full, f"(b) {low} displaced": {high: full[high]},
             f"(c) half the {low} displaced": {high: full[high], low: full[low] // 2}}
    print(f"{'case':34s} {'k':>4s} {'MW':>6s} {'engine':>7s}  "
          + "  ".join(f"{'(' + o + ')':>16s}" for o in OPTIONS) + "   [USD/MW-month]")
    worst = dict.fromkeys(OPTIONS, 0.0)
    for mult in MULTIPLIERS:
        top = mw({high: full[high]}) * gain(curve({high: full[high]}, hp), mult)
        whole = mw(full) * gain(curve(full, hp), mult)
        for name, fleet in cases.items():
            mining_mw = mw(fleet)
            truth = gain(curve(fleet, hp * mult), 1.0)
            own_k = {n: mult * th_s_per_mw({n: 1}) / th_s_per_mw(full) for n in fleet}
            usd = {
                "i": sum(mw({n: c}) * gain(curve(full, hp), own_k[n]) for n, c in fleet.items()),
                "ii": mining_mw * gain(curve(full, hp), mult * th_s_per_mw(fleet)
                                       / th_s_per_mw(full)),
                "iii": mining_mw * gain(curve(fleet, hp), mult),
                "iv": sum(mw({n: c}) * gain(curve({n: full[n]}, hp), mult)
                          for n, c in fleet.items()),
                "v": top + fleet.get(low, 0) / full[low] * (whole - top),
            }
            cells = []
            for o in OPTIONS:
                per_mw = usd[o] / mining_mw
                error = per_mw / truth - 1.0
                worst[o] = max(worst[o], abs(error))
                cells.append(f"{per_mw:7,.0f} {100 * error:+6.1f} %")
            print(f"{name:34s} {mult:4.1f} {mining_mw:6.1f} {truth:7,.0f}  " + "  ".join(cells))
    print("largest error: " + ", ".join(f"({o}) {100 * w:.1f} %" for o, w in worst.items()))


if __name__ == "__main__":
    main()
