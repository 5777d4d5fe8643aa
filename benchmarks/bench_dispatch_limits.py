"""Benchmark: the dispatch example with ramp and min up/down limits, at its time limit.

``examples/dispatch-west-texas.toml`` (300 MW, 50 MW of AI load, 40,000 S21 and 30,000 S19j
Pro, a PPA, solar, demand response, 4CP) with ``[sites.dispatch.limits]``
``ramp_mw_per_interval = 20``, ``min_up_intervals = 8`` and ``min_down_intervals = 4``, on
the bundled ERCOT HB_WEST 2024 prices (35,136 intervals), a hashprice of 45 USD/PH/day:
the MILP in 366 rolling windows of a day under the default 60 s limit, which stops it
before most windows close their gap, so what it keeps depends on its warm starts
(``power/lp/warm_start.py``).

In alternating rounds, each solve in this process: the reference, the same year as an LP
(the ramp kept, no on/off binaries: every machine curtailable by any share, a bound on the
MILP's net margin), then the MILP with each fleet entry switched as one block (the
default), then the MILP with each entry committed in blocks of at most ``--block-mw``
(``commitment_block_mw``, default 2.5 MW, a container: the 40,000 S21 are 58 blocks).
Reported per round and MILP: its net margin below the reference's (``(LP - MILP) / LP``),
its combined window gap, the windows kept at their warm start, its DR penalty and 4CP
charge, and its wall time over the limit; the load.

Run: ``.venv/bin/python benchmarks/bench_dispatch_limits.py [--pairs 2] [--time-limit 60]
[--block-mw 2.5]``
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from hashpivot.engines.dispatch import load_prices, run_dispatch, select_site
from hashpivot.models import load_portfolio
from hashpivot.models.dispatch import DispatchSpec

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "dispatch-west-texas.toml"
LIMITS = "    ramp_mw_per_interval = 20.0\n    min_up_intervals = 8\n    min_down_intervals = 4\n"
HASHPRICE = 45.0  #: [USD/PH/day]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=60.0, help="[s]")
    parser.add_argument("--block-mw", type=float, default=2.5,
                        help="commitment_block_mw of the blocked MILP [MW]")
    args = parser.parse_args()
    text = EXAMPLE.read_text()
    assert text.rstrip().endswith("import_mw = 300.0"), "the example's limits table moved"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "limits.toml"
        path.write_text(text.rstrip() + "\n" + LIMITS)
        _, site = select_site(load_portfolio(path), None)
    assert site.dispatch is not None
    spec: DispatchSpec = site.dispatch.model_copy(update={"time_limit_seconds": args.time_limit})
    relaxed = spec.model_copy(update={"limits": spec.limits.model_copy(
        update={"min_up_intervals": 1, "min_down_intervals": 1})})  # no binaries: an LP
    blocks = spec.model_copy(update={"limits": spec.limits.model_copy(
        update={"commitment_block_mw": args.block_mw})})
    milps = {"one block per entry": spec, f"blocks of {args.block_mw:g} MW": blocks}
    prices = load_prices(site, None, "ercot:HB_WEST:2024")
    load0 = os.getloadavg()
    losses: dict[str, list[float]] = {label: [] for label in milps}
    walls = []
    for k in range(args.pairs):
        lp = run_dispatch(site, prices, solver="lp", spec=relaxed, hashprice=HASHPRICE)
        ref = lp.objective_usd
        print(f"  round {k + 1}: LP {ref:,.0f} USD")
        for label, milp_spec in milps.items():
            t0 = time.perf_counter()
            milp = run_dispatch(site, prices, solver="lp", spec=milp_spec, hashprice=HASHPRICE)
            wall = time.perf_counter() - t0
            s = milp.summary()
            loss = (ref - milp.objective_usd) / abs(ref)
            losses[label].append(loss)
            walls.append(wall / args.time_limit)
            print(f"    MILP, {label}: {milp.objective_usd:,.0f} USD, {loss:.4f} below the LP, "
                  f"{s['status']}, gap {s['mip_gap']:.4f}, windows kept at their start "
                  f"{s.get('windows_unimproved', 'n/a')} of {s.get('windows', 'n/a')}, DR "
                  f"penalty {s['dr_penalty_usd']:,.0f} USD, 4CP {s['fourcp_charge_usd']:,.0f} "
                  f"USD, wall / limit {wall / args.time_limit:.2f}, load "
                  f"{os.getloadavg()[0]:.2f}")
            if k == 0:
                print(f"      {s['commitment_note']}")
    for label, values in losses.items():
        print(f"MILP, {label}, below the LP: median {statistics.median(values):.4f} "
              f"(min {min(values):.4f}, max {max(values):.4f})")
    print(f"wall / limit max {max(walls):.2f}; load before {load0[0]:.2f}; peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")

if __name__ == "__main__":
    main()
