"""``pivot``'s dispatch uplift against ``hashpivot dispatch``'s gain on a site whose fleet
entries swap (``hashpivot.mining.slots``).

The West Texas example made comparable as ``test_dispatch_agreement`` makes it (a
constant hashprice, the price year's mean index: every month of pivot's two years maps
to ``k = 1`` and ``lambda = 1``), its 30,000 S19j Pros (96.6 MW, to 2025-12) swapped for
26,500 S21 XPs (101.4 MW, from 2026-01) beside its 40,000 S21s
(``uplift_inputs.SWAP_COUNTS``, ``SWAP_DATES``). The S19j Pros and the S21 XPs share a
slot of 101.4 MW: a band of 4.8 MW the XPs alone hold, one of 96.6 MW both hold in turn;
the slot is displaced first, before and after the swap (its first entry's J/TH), though
the S21 XPs are more efficient than the S21s. The MW each entry mines when the site
mines a fleet's MW are those the monthly cash flows give its units
(``tranches.tranche_mw``, in the slots' order), pivot's uplift each entry's per MW times
them; the engine's figure its gain on the fleet that mines
(``uplift_inputs.engine_gain_usd``), the price year's 8,784 hours scaled to the months'.

Each entry of a swap takes its layer of the entries installed in each period, in the
order its slots are displaced, each unit of a band on its entry's layer per MW
(``hashpivot.engines.pivot.uplift.cache.entry_dispatch_uplifts``): 1e-9 where whole
entries mine. Until 2026-12-07 each band took the site's curve (measured on the S21s
and S19j Pros) at its own ``k``: 2.8 % above the engine with the whole fleet before the
swap, 2.9 % above after it and 19.1 % below where a conversion had displaced the slot and
the S21s mined alone (``scripts/measure_swap_bands.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from hashpivot.engines.pivot.inputs import resolve_sites
from hashpivot.engines.pivot.tranches import fleet_tranches, tranche_labels, tranche_mw
from tests.engines.pivot.uplift_inputs import (
    SWAP_COUNTS,
    SWAP_DATES,
    THREE_ENTRIES,
    chunk_in_a_fresh_worker,
    engine_gain_usd,
    entry_mw,
    layers_portfolio,
    pivot_uplift_usd,
)

XP, S21, S19 = "S21 XP", "S21", "S19j Pro"
#: The months of each generation: pivot values 2025-01 to 2026-12.
BEFORE = [f"2025-{m:02d}" for m in range(1, 13)]
AFTER = [f"2026-{m:02d}" for m in range(1, 13)]


def _mining_by_entry(mining_mw: float, installed: tuple[str, ...]) -> dict[str, float]:
    """The MW each entry installed mines when the swap site mines ``mining_mw``: its
    units' MW as the monthly cash flows displace them (the slots' bands in order). [MW]"""
    [site] = resolve_sites(layers_portfolio(SWAP_COUNTS, SWAP_DATES))
    tranches = fleet_tranches(site)
    out: dict[str, float] = {}
    for label, mw in zip(tranche_labels(site), tranche_mw(tranches, np.array([mining_mw])),
                         strict=True):
        if label in installed:
            out[label] = out.get(label, 0.0) + float(mw[0])
    return {label: mw for label, mw in out.items() if mw > 0}


@pytest.mark.parametrize(("months", "fleet", "mining", "rel"), [
    (BEFORE, {S21: 40_000, S19: 30_000}, {S21: 40_000, S19: 30_000}, 1e-9),
    (BEFORE, {S21: 40_000}, {S21: 40_000}, 1e-9),
    (AFTER, {XP: 26_500, S21: 40_000}, {XP: 26_500, S21: 40_000}, 1e-9),
    (AFTER, {XP: 26_500, S21: 40_000}, {S21: 40_000}, 1e-9),
    (BEFORE, {S21: 40_000, S19: 30_000}, {S21: 40_000, S19: 15_000}, 2e-4),
    (AFTER, {XP: 26_500, S21: 40_000}, {XP: 13_250, S21: 40_000}, 1e-3),
], ids=["before-whole", "before-slot-displaced", "after-whole", "after-slot-displaced",
        "before-half-the-S19j-Pros", "after-half-the-XPs"])
def test_a_swaps_layers_are_the_engines_gain_on_the_fleet_left(
        months: list[str], fleet: dict[str, int], mining: dict[str, int], rel: float
) -> None:
    """``fleet`` installed in ``months``, a conversion leaving ``mining`` (the slot of the
    S19j Pros and S21 XPs displaced first): the entries' layers of the fleet installed,
    each unit on its entry's per MW, sum to the engine's gain on the fleet left (until
    2026-12-07: +2.8, -19.1, +2.9 and -19.1 %). Inside an entry's layer the layer is
    linear in its MW and the engine is not: half the S19j Pros displaced, 0.009 % below
    (held at 0.02 %, as on the site without the swap), half the S21 XPs 0.033 % below
    (held at 0.1 %; measured 2026-12-07; until then 6.2 and 6.7 % below)."""
    left = layers_portfolio(mining)
    installed = tuple(fleet)
    mw = _mining_by_entry(sum(entry_mw(left).values()), installed)
    assert mw == pytest.approx(entry_mw(left), rel=1e-12)  # teeth: the slot goes first
    pivot_usd, pivot_hours = pivot_uplift_usd(layers_portfolio(SWAP_COUNTS, SWAP_DATES),
                                              mw, months)
    engine_usd, engine_hours = engine_gain_usd(left)
    assert pivot_usd * engine_hours / pivot_hours == pytest.approx(engine_usd, rel=rel)


def test_a_swaps_entries_take_their_layers_of_each_period_and_say_so() -> None:
    """After the swap the S21s take the curve of the S21s alone (the slot displaced
    first), the S21 XPs that of the XPs and S21s less it; before it the S19j Pros the
    whole fleet's less the S21s'; each band's unit its entry's, bitwise; the row says
    so."""
    from hashpivot.engines.pivot.uplift.cache import site_dispatch_uplift
    from hashpivot.engines.pivot.uplift.layered import layered

    def curve(counts: dict[str, int]) -> Any:
        measured = site_dispatch_uplift(layers_portfolio(counts).sites[0])[0]
        assert measured is not None
        return measured

    swap = layers_portfolio(SWAP_COUNTS, SWAP_DATES)
    [site] = resolve_sites(swap)
    assert site.fleet_bands  # teeth: a swap, its units in bands
    mw = {**entry_mw(layers_portfolio({XP: 26_500, S21: 40_000})),
          **entry_mw(layers_portfolio({S19: 30_000}))}
    alone, before, after = (curve({S21: 40_000}), curve({S21: 40_000, S19: 30_000}),
                            curve({XP: 26_500, S21: 40_000}))
    expected = {S21: (alone.gain_usd_per_mw_month,) * 2,
                S19: (layered(before, alone, mw[S21] + mw[S19], mw[S21])
                      .gain_usd_per_mw_month, None),
                XP: (None, layered(after, alone, mw[XP] + mw[S21], mw[S21])
                     .gain_usd_per_mw_month)}
    for u, (label, *_) in zip(site.fleet_uplifts, site.fleet_entries, strict=True):
        assert u is not None and u.installed_layers is not None
        assert tuple(None if c is None else c.gain_usd_per_mw_month
                     for c in u.installed_layers.curves) == expected[label]
    assert "a swap's entries each on its layer" in site.dispatch_uplift_note


def test_a_swap_whose_fleet_left_cannot_be_measured_keeps_the_sites_curve() -> None:
    """10,000 S21s (36.8 MW, 35.7 available) beside 60,000 S19j Pros swapped for 50,000
    S21 XPs cannot answer the 50 MW of demand response alone: that fleet left is not
    measured, and every band takes the site's curve at its own ``k``, as until
    2026-12-07, and the row says why."""
    counts = {XP: 50_000, S21: 10_000, S19: 60_000}
    [site] = resolve_sites(layers_portfolio(counts, SWAP_DATES))
    assert site.dispatch_uplift is not None and site.fleet_bands
    assert site.fleet_uplifts == ()
    assert "a fleet left of its entries installed could not be measured" in (
        site.dispatch_uplift_note)


def test_a_site_without_a_swap_keeps_its_layers_bitwise() -> None:
    """The three-entry site whose entries fit together: each entry's curve is
    ``layered`` of the fleets left, the least efficient displaced first, bitwise (the
    order a swap's slots take is no order of theirs); a site of one entry has none."""
    from hashpivot.engines.pivot.uplift.cache import site_dispatch_uplift
    from hashpivot.engines.pivot.uplift.layered import layered

    portfolio = layers_portfolio(THREE_ENTRIES)
    whole = portfolio.sites[0]
    order = [S19, S21, XP]  # most J/TH first
    fleets = [whole.model_copy(update={"fleet": [e for e in whole.fleet if e.name in order[n:]]})
              for n in range(3)]
    curves = [site_dispatch_uplift(f)[0] for f in fleets]
    [site] = resolve_sites(portfolio)
    for n, name in enumerate(order):
        with_curve = curves[n]
        assert with_curve is not None
        layer = layered(with_curve, curves[n + 1] if n < 2 else None,
                        fleets[n].fleet_power_mw, fleets[n + 1].fleet_power_mw if n < 2 else 0.0)
        [(_, h, w, _)] = [e for e in site.fleet_entries if e[0] == name]
        [u] = [u for u, e in zip(site.fleet_uplifts, site.fleet_entries, strict=True)
               if e[0] == name]
        assert u == layer.for_fleet(h / (w * site.power_overhead_factor / 1e6))
    [one] = resolve_sites(layers_portfolio({S21: 40_000}))
    assert one.fleet_uplifts == () and one.dispatch_uplift is not None


def test_a_monte_carlo_chunk_takes_a_swaps_fleets_left_from_its_task(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The curves of each period's fleets left travel with ``simulate``'s task: a chunk
    in a process that has measured none gives bitwise the chunk of the process that
    measured them."""
    from hashpivot.engines.simulate import SimulationConfig, prepare, run_chunk

    run = prepare(layers_portfolio(SWAP_COUNTS, SWAP_DATES),
                  SimulationConfig(n_paths=8, seed=3, chunk_paths=4))
    # the fleet at the start (S21s, S19j Pros), the S21s alone, the S21 XPs and S21s
    assert len({key for key, _ in run.task.dispatch_uplifts}) == 3
    here = run_chunk(run.task, *run.chunks[1])
    worker = chunk_in_a_fresh_worker(run, monkeypatch)
    np.testing.assert_array_equal(worker.npv_usd, here.npv_usd)
