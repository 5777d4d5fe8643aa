"""``pivot``'s dispatch uplift against ``hashpivot dispatch``'s gain on a site of three
fleet entries and on a site whose entries are dated.

The West Texas example made comparable as ``test_dispatch_agreement`` makes it (a
constant hashprice, the price year's mean index: every month of pivot's two years maps
to ``k = 1`` and ``lambda = 1``), with three fleet entries (15,000 S21 XPs, 25,000 S21s,
30,000 S19j Pros: ``uplift_inputs.layers_document``). Each entry takes a curve of its own,
the fleet left with it less the fleet left without it
(``hashpivot.engines.pivot.uplift.layered.layered``). pivot's uplift per MW of an entry
does not depend on the MW it mines, so the fleet that mines is worth each entry's uplift
per MW times its MW mining; the engine's figure is its gain on that fleet as pivot counts
it (``uplift_inputs.engine_gain_usd``, held to 1e-9 on one entry by
``test_dispatch_agreement``), the price year's 8,784 hours scaled to the months'.

Where whole entries mine the layers sum to the engine's figure on the fleet: 1e-9, as
with one entry. Inside an entry a layer is linear in its MW and the engine is not: half
the S19j Pros displaced is 0.011 % below, half the S21s (the S21 XPs and half the S21s
mining, 103 MW) 5.7 % below the engine (measured 2026-12-07,
``scripts/measure_entry_layers.py``: the demand response and the supply the miners use
are site amounts, not linear in the MW within 50 MW of the 50 MW committed).

With dated entries (``start``, ``end``) the fleet that mines in a month is the entries
installed then, and each entry takes its layer of those
(``hashpivot.engines.pivot.uplift.installed_layers``): 1e-9 in each period. Layers of
every entry the file lists, whatever its dates (until 2026-12-07), were 52.3 % below the
engine in the year the S19j Pros mined before the S21s were installed, and 30.1 % and
13.3 % below in the periods of the three-entry site without its S21 XPs (not yet
installed) and without its S21s (retired). A change after the last month valued makes no
period: its fleets left, measured until 2026-12-07 and used in no month, are not measured
by pivot, simulate or optimize, and no figure moves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest

from hashpivot.engines.pivot.inputs import resolve_sites
from hashpivot.engines.pivot.uplift.curve import MonthMargin
from tests.engines.pivot.uplift_inputs import (
    THREE_ENTRIES,
    engine_gain_usd,
    entry_mw,
    layers_portfolio,
    pivot_uplift_usd,
)

if TYPE_CHECKING:
    from hashpivot.models import Site
    from hashpivot.models.portfolio import Portfolio

XP, S21, S19 = "S21 XP", "S21", "S19j Pro"


def _agree(valued_usd: tuple[float, float], engine: tuple[float, float]) -> tuple[float,
                                                                                   float]:
    """pivot's figure scaled from its months' hours to the price year's, and the
    engine's. [USD]"""
    (pivot_usd, pivot_hours), (engine_usd, engine_hours) = valued_usd, engine
    return pivot_usd * engine_hours / pivot_hours, engine_usd


@pytest.mark.parametrize(("mining", "rel"), [
    (THREE_ENTRIES, 1e-9),
    ({XP: THREE_ENTRIES[XP], S21: THREE_ENTRIES[S21]}, 1e-9),
    ({XP: THREE_ENTRIES[XP]}, 1e-9),
    ({**THREE_ENTRIES, S19: THREE_ENTRIES[S19] // 2}, 2e-4),
    ({XP: THREE_ENTRIES[XP], S21: THREE_ENTRIES[S21] // 2}, 0.065),
], ids=["whole", "S19j-Pros-displaced", "S21-XPs-alone", "half-S19j-Pros", "half-S21s"])
def test_three_fleet_entries_pivots_first_year_is_the_engines_on_the_fleet_left(
        mining: dict[str, int], rel: float) -> None:
    """The fleet a conversion leaves, least efficient displaced first. Whole entries:
    1e-9. Half the S19j Pros displaced: 0.011 % below (held at 0.02 %); half the S21s: 5.7 %
    below (held at 6.5 %), the layered curve linear within an entry."""
    pivot, engine = _agree(
        pivot_uplift_usd(layers_portfolio(THREE_ENTRIES), entry_mw(layers_portfolio(mining))),
        engine_gain_usd(layers_portfolio(mining)))
    assert pivot == pytest.approx(engine, rel=rel)


def _months(first: str, last: str) -> list[str]:
    return [f"{y}-{m:02d}" for y in (2025, 2026) for m in range(1, 13)
            if first <= f"{y}-{m:02d}" <= last]


def test_an_entry_installed_later_leaves_the_others_the_layers_of_those_installed() -> None:
    """The example's two entries, the S21s installed from 2026-01: in 2025 the S19j Pros
    mine alone, worth what the engine gains on them alone (52.3 % below it with the
    layers of both entries); in 2026 the whole fleet."""
    counts = {S21: 40_000, S19: 30_000}
    valued = layers_portfolio(counts, {S21: ("2026-01", None)})
    alone = layers_portfolio({S19: counts[S19]})
    pivot, engine = _agree(pivot_uplift_usd(valued, entry_mw(alone), _months("2025-01",
                                                                            "2025-12")),
                           engine_gain_usd(alone))
    assert pivot == pytest.approx(engine, rel=1e-9)
    whole = layers_portfolio(counts)
    pivot, engine = _agree(pivot_uplift_usd(valued, entry_mw(whole), _months("2026-01",
                                                                            "2026-12")),
                           engine_gain_usd(whole))
    assert pivot == pytest.approx(engine, rel=1e-9)


@pytest.mark.parametrize(("first", "last", "installed"), [
    ("2025-01", "2025-06", (S21, S19)),
    ("2025-07", "2026-06", (XP, S21, S19)),
    ("2026-07", "2026-12", (XP, S19)),
])
def test_three_dated_entries_agree_with_the_engine_in_each_period(
        first: str, last: str, installed: tuple[str, ...]) -> None:
    """The S21 XPs installed from 2025-07, the S21s retired at the end of 2026-06: each
    period's fleet is the entries installed (30.1 % and 13.3 % below the engine in the
    first and last with the layers of all three)."""
    valued = layers_portfolio(THREE_ENTRIES, {XP: ("2025-07", None), S21: (None, "2026-06")})
    fleet = layers_portfolio({n: THREE_ENTRIES[n] for n in installed})
    pivot, engine = _agree(pivot_uplift_usd(valued, entry_mw(fleet), _months(first, last)),
                           engine_gain_usd(fleet))
    assert pivot == pytest.approx(engine, rel=1e-9)


def test_undated_and_dated_before_the_first_month_take_the_layers_of_every_entry() -> None:
    """No period of other entries: the curves of an undated fleet, bitwise, for a fleet
    whose dates fall before the first month valued (2025-01), and no layers by period."""
    undated = resolve_sites(layers_portfolio(THREE_ENTRIES))[0].fleet_uplifts
    past = resolve_sites(layers_portfolio(THREE_ENTRIES, {XP: ("2024-03", None)}),
                         first_month=pd.Period("2025-01", "M"))[0].fleet_uplifts
    assert past == undated and all(u is not None and u.installed_layers is None
                                   for u in undated)



def _fleets_measured(engine: str, portfolio: Portfolio,
                     monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """The fleets (entry names) whose curves ``engine`` measures on ``portfolio`` in a
    process that has measured none."""
    from hashpivot.engines.pivot import run_pivot
    from hashpivot.engines.pivot.uplift import cache as uplift_cache
    from hashpivot.engines.simulate import SimulationConfig, prepare
    from hashpivot.optimize.resolve import resolve_problem

    measured: list[tuple[str, ...]] = []
    measure = uplift_cache.measure_dispatch_uplift

    def counted(site: Site) -> Any:
        measured.append(tuple(str(e.name) for e in site.fleet))
        return measure(site)

    monkeypatch.setattr(uplift_cache, "_CACHE", {})
    monkeypatch.setattr(uplift_cache, "measure_dispatch_uplift", counted)
    if engine == "pivot":
        run_pivot(portfolio)
    elif engine == "simulate":
        prepare(portfolio, SimulationConfig(n_paths=4, chunk_paths=4))
    else:
        resolve_problem(portfolio)
    return measured


@pytest.mark.parametrize("engine", ["pivot", "simulate", "optimize"])
def test_an_entry_retired_after_the_last_month_valued_measures_no_more_fleets(
        engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The S21s retired at the end of 2027-06, after the two years valued (2025-01 to
    2026-12): the fleets the undated site measures (the whole fleet, the S21 XPs and S21s,
    the S21 XPs alone), not the S21 XPs and S19j Pros that would mine after the months
    valued (measured until 2026-12-07, used in no month)."""
    dated = layers_portfolio(THREE_ENTRIES, {S21: (None, "2027-06")})
    assert _fleets_measured(engine, dated, monkeypatch) == [(XP, S21, S19), (XP, S21), (XP,)]


def test_an_entry_retired_after_the_last_month_valued_changes_no_figure() -> None:
    """The same site: each strategy's NPV, with and without terminal value, is the
    undated site's, bitwise; and each entry's figures in the months valued with the
    S21 XPs installed from 2025-07 are those of the periods their dates make, whatever
    the periods after the last month (2026-12)."""
    from hashpivot.engines.pivot import run_pivot

    def npvs(portfolio: Portfolio) -> list[tuple[float, float]]:
        return [(s.npv_usd, s.npv_with_terminal_value_usd)
                for s in run_pivot(portfolio).strategies]

    assert npvs(layers_portfolio(THREE_ENTRIES, {S21: (None, "2027-06")})) == npvs(
        layers_portfolio(THREE_ENTRIES))
    valued = layers_portfolio(THREE_ENTRIES, {XP: ("2025-07", None), S21: (None, "2027-06")})
    first, last = pd.Period("2025-01", "M"), pd.Period("2026-12", "M")
    bounded = resolve_sites(valued, first_month=first, last_month=last)[0].fleet_uplifts
    every = resolve_sites(valued, first_month=first)[0].fleet_uplifts
    assert [len(u.installed_layers.curves) for u in bounded
            if u is not None and u.installed_layers is not None] == [2, 2, 2]
    months = pd.period_range(first, last, freq="M")
    for a, b in zip(bounded, every, strict=True):
        assert a is not None and b is not None
        ref = a.reference_hashprice_usd_per_th_day * a.reference_th_s_per_mw
        month = MonthMargin(ref * np.linspace(0.3, 1.6, len(months))[None, :],
                            np.full((1, len(months)), 40.0),
                            np.full((1, len(months)), 2000.0), months=months)
        for key, value in a.breakdown(month).items():
            np.testing.assert_array_equal(value, b.breakdown(month)[key], err_msg=key)
