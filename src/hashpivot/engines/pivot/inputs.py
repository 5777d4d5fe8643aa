"""Resolved inputs of the pivot model: each site reduced to what the model needs.

:func:`resolve_sites` turns a validated :class:`~hashpivot.models.Portfolio` into
:class:`~hashpivot.engines.pivot.site_inputs.SiteInputs` with every default filled in
(REopt style); the private accessors return the portfolio's ``[pivot]`` settings
(defaults when absent) and ``[financing]``.

Site cost items of category ``site_opex``, ``power`` and ``other`` scale with the share of
the fleet still mining; ``sga_cash`` items stay; other categories (depreciation,
stock-based compensation, interest) are not cash flows of this model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hashpivot.engines.pivot.site_inputs import SiteInputs
from hashpivot.engines.pivot.uplift.cache import entry_dispatch_uplifts, site_dispatch_uplift
from hashpivot.exceptions import InputError, Problem
from hashpivot.io.bundled_markets import market_node
from hashpivot.mining.slots import SwapUnit
from hashpivot.models.financing import FinancingSpec
from hashpivot.models.hosting import HostingProjectSpec
from hashpivot.models.pivot import PivotSpec
from hashpivot.models.portfolio import find_site
from hashpivot.units import MONTHS_PER_YEAR, W_PER_MW

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pandas as pd

    from hashpivot.models import Portfolio

_SCALED_CATEGORIES = frozenset({"site_opex", "power", "other"})
_FIXED_CATEGORIES = frozenset({"sga_cash"})
#: A site without fleet entries: what the forward engines need, and what values it as is.
_NO_FLEET = ("the site has no fleet entry: pivot, simulate and optimize value its machines "
             "mining against converting its MW (give the machines it runs, or leave the site "
             "out of the file; cost and backtest count its cost items as it is)")


def resolve_sites(portfolio: Portfolio, site_name: str | None = None,
                  first_month: pd.Period | None = None,
                  last_month: pd.Period | None = None) -> list[SiteInputs]:
    """Reduce the portfolio's sites (or the one named) to :class:`SiteInputs`.

    Parameters
    ----------
    portfolio : Portfolio
        Validated portfolio.
    site_name : str, optional
        Only this site; default every site.
    first_month : pandas.Period, optional
        The first month valued: a dispatching site's dated fleet entries take their
        layers of the entries installed in each period from it on
        (:mod:`~hashpivot.engines.pivot.uplift.installed_layers`); None: in every period
        their dates make (the same figures in the months valued, with the fleets of the
        periods before them measured too).
    last_month : pandas.Period, optional
        The last month valued: the periods of a dated fleet end with it (the fleets
        installed only after it are not measured); None: in every period their dates
        make (the same figures in the months valued).

    Returns
    -------
    list of SiteInputs

    Raises
    ------
    InputError
        Unknown site name, or a site without a running fleet.
    """
    sites = list(portfolio.sites)
    indexed = [find_site(sites, site_name)] if site_name is not None else list(enumerate(sites))
    problems: list[Problem] = []
    out: list[SiteInputs] = []
    for i, site in indexed:
        hr = 0.0
        hr_up = 0.0
        asic_w = 0.0
        entries: list[tuple[str, float, float, float]] = []
        windows: list[tuple[str | None, str | None]] = []
        prices: list[float] = []
        # a site that dispatches curtails interval by interval (its uplift's shares): its
        # machines run whenever available, not at the fleet's uptime, which counts the
        # curtailment of a month too (the dispatch engine does not use it either)
        dispatch = site.dispatch
        for j, entry in enumerate(site.fleet):
            unit_hr = float(entry.hashrate_th_s or 0.0)
            unit_w = getattr(entry, "power_w", None)
            if unit_w is None:
                unit_w = unit_hr * float(entry.efficiency_j_per_th or 0.0)
            up = float(entry.uptime_fraction if dispatch is None
                       else dispatch.availability_fraction)
            hr += entry.count * unit_hr
            hr_up += entry.count * unit_hr * up
            asic_w += entry.count * float(unit_w)
            entries.append((entry.label or f"fleet[{j}]", entry.count * unit_hr,
                            entry.count * float(unit_w), up))
            windows.append((entry.start, entry.end))
            prices.append(float(entry.capex_usd_per_th or 0.0))
        overhead = float(site.power_overhead_factor)
        fleet_mw = asic_w * overhead / W_PER_MW
        if hr <= 0 or fleet_mw <= 0:
            problems.append(Problem(f"sites[{i}].fleet", _NO_FLEET if not site.fleet
                                    else "the site has no running fleet"))
            continue
        # the firm AI load a dispatching site serves is there in every strategy alike: the
        # miners and a conversion share what it leaves of the capacity (it is not valued)
        ai_mw = float(dispatch.ai_load_mw) if dispatch is not None else 0.0
        # so are the halls already in service ([[sites.hosting.in_service]]; their rent
        # is valued: engines/pivot/in_service.py)
        halls_mw = site.hosting.in_service_gross_mw if site.hosting is not None else 0.0
        cap = (site.capacity_mw - ai_mw - halls_mw if site.capacity_mw is not None
               else fleet_mw)
        if cap <= 0:
            problems.append(_no_capacity_left(i, site.capacity_mw, ai_mw, halls_mw))
            continue
        bands: list[int] = []
        units: list[SwapUnit] | None = None
        start_mw = fleet_mw  # the fleet the dispatch uplift is measured on (a swap's first)
        if not site.fleet_fits_capacity:  # a swap: the entries share slots in turn
            units = site.fleet_swap_units  # (None: no swap)
            if units is None:  # no swap: taken as they stand (a note)
                windows = [(None, None)] * len(windows)
                prices = [0.0] * len(prices)
            else:
                entries, windows, prices, bands, fleet_mw, hr, hr_up, start_w = _as_units(
                    units, entries, windows, prices)
                start_mw = start_w * overhead / W_PER_MW
        spec = site.hosting
        is_default = spec is None
        spec = spec if spec is not None else HostingProjectSpec()
        convertible = (
            float(spec.convertible_gross_mw) if spec.convertible_gross_mw is not None else cap
        )
        if convertible > cap + 1e-9:
            problems.append(
                Problem(
                    f"sites[{i}].hosting.convertible_gross_mw",
                    f"{convertible:g} MW exceeds the site's capacity_mw "
                    f"{cap + ai_mw + halls_mw:g}"
                    + (f" less its AI load of {ai_mw:g} MW ([sites.dispatch] ai_load_mw)"
                       if ai_mw else "")
                    + (f" less its {halls_mw:g} MW of halls in service "
                       "([[sites.hosting.in_service]] gross_mw)" if halls_mw else ""),
                )
            )
        pc = site.power_contract
        adder = float(getattr(pc, "adder_usd_per_mwh", 0.0) or 0.0)
        scaled = 0.0
        fixed = 0.0
        try:
            uplift, uplift_note = site_dispatch_uplift(site)
            # each fleet entry's own curve (the fleet left with it less the fleet left
            # without it), at its own TH/s per MW; a swap's unit, its entry's per MW
            by_entry = (entry_dispatch_uplifts(site, first_month, last_month)
                        if uplift is not None else ())
            if by_entry and bands:
                by_entry = tuple(by_entry[u.entry] for u in units or ())
            entry_uplifts = tuple(
                u.for_fleet(h / (w * overhead / W_PER_MW)) if u is not None
                and w > 0 else None for u, (_, h, w, _) in zip(by_entry, entries, strict=True)
            ) if by_entry else ()
            if entry_uplifts and bands:
                uplift_note += (
                    "; a swap's entries each on its layer of the entries installed in each "
                    "period (their start and end), per MW of it: the fleet left with it "
                    "less the fleet left without it, a conversion displacing the slots in "
                    "their order (their first entries' J/TH, whatever holds them then), "
                    "each band on its entry's layer, so the entries mining sum to the "
                    "curve of the fleet left (the fleets left of each period measured)")
            elif entry_uplifts:
                more = sum(u is not None for u in entry_uplifts) - 1
                uplift_note += (
                    "; each fleet entry on its own curve, per MW of it: the fleet left with "
                    "it less the fleet left without it, a conversion displacing the least "
                    f"efficient first ({more} more fleet{'s' if more > 1 else ''} "
                    "measured), so the entries "
                    "mining sum to the curve of the fleet left")
                if any(u is not None and u.installed_layers is not None
                       for u in entry_uplifts):
                    uplift_note += (
                        "; its entries dated, each month the layers of the entries "
                        "installed then (their start and end: the fleets left of those "
                        "measured too)")
            elif uplift is not None and bands:
                uplift_note += ("; a swap's bands each on the site's curve at its own k "
                                "(its TH/s per MW over the site's): a fleet left of its "
                                "entries installed could not be measured")
            if ai_mw:
                uplift_note += (
                    f"; its {ai_mw:g} MW of AI load ([sites.dispatch] ai_load_mw) is served "
                    "in every strategy alike and not valued here (nor counted in energy "
                    "used and CO2, which differ between strategies as without it): the "
                    "miners and a "
                    f"conversion share the {cap:g} MW it leaves of the capacity")
                if fleet_mw > cap + 1e-9:  # (the dispatch engine may run them on solar)
                    uplift_note += (f", so at most {cap:g} MW of its {fleet_mw:.1f} MW of "
                                    "machines mine in a month")
        except InputError as exc:  # a side file that cannot be read: at its field
            problems += [Problem(f"sites[{i}].{p.path}", p.message, p.source)
                         for p in exc.problems]
            uplift, uplift_note, entry_uplifts = None, "", ()
        fixed_mining = 0.0
        dated: list[tuple[str, float, str | None, str | None]] = []
        for item in site.cost_items:
            annual = getattr(item, "annual_usd", None)
            if annual is None:
                annual = item.usd_per_year or 0.0
            per_month = float(annual) / MONTHS_PER_YEAR
            if item.category in _SCALED_CATEGORIES:
                is_fixed = getattr(item, "is_fixed", False)
                if is_fixed:
                    fixed_mining += per_month
                else:
                    scaled += per_month
                kind = "fixed_mining" if is_fixed else "variable"
            elif item.category in _FIXED_CATEGORIES:
                fixed += per_month
                kind = "sga"
            else:
                continue
            dated.append((kind, per_month, item.start, item.end))
        totals = {"variable": scaled, "fixed_mining": fixed_mining, "sga": fixed}
        cost_windows = tuple((kind, amount / totals[kind], start, end)
                             for kind, amount, start, end in dated if totals[kind] > 0)
        out.append(
            SiteInputs(
                name=site.name,
                fleet_hashrate_th_s=hr,
                fleet_power_mw=fleet_mw,
                uptime_fraction=hr_up / hr,
                pool_fee_fraction=float(site.pool_fee_fraction),
                power_overhead_factor=overhead,
                capacity_mw=float(cap),
                convertible_gross_mw=convertible,
                power_price_usd_per_mwh=float(pc.price_usd_per_mwh) + adder,
                power_adder_usd_per_mwh=adder,
                power_is_index=pc.kind == "index",
                power_index_price_usd_per_mwh=float(pc.price_usd_per_mwh),
                power_market_node=market_node(pc.market) if pc.kind == "index" else None,
                scaled_opex_usd_per_month=scaled,
                fixed_opex_usd_per_month=fixed,
                fixed_mining_opex_usd_per_month=fixed_mining,
                hosting=spec,
                hosting_is_default=is_default,
                index=i,
                ai_load_mw=ai_mw,
                in_service_mw=halls_mw if site.capacity_mw is not None else 0.0,
                dispatch_uplift=uplift.for_fleet(hr / start_mw) if uplift else None,
                dispatch_uplift_note=uplift_note,
                fleet_uplifts=entry_uplifts,
                fleet_replacement=site.fleet_replacement,
                fleet_entries=tuple(entries),
                connection_date=site.connection_date,
                fleet_windows=tuple(windows),
                fleet_purchase_usd_per_th=tuple(prices),
                fleet_bands=tuple(bands),
                fleet_unit_entries=tuple(u.entry for u in units or ()) if bands else (),
                installed=windows[0] if len(windows) == 1 else (None, None),
                purchase_usd_per_th=prices[0] if len(prices) == 1 else 0.0,
                cost_windows=cost_windows,
                fleet_blocks=tuple(
                    (w * overhead / W_PER_MW, start, end)
                    for (_, h, w, _), (start, end) in zip(entries, windows, strict=True)
                    if h > 0 and w > 0) if len(entries) > 1 else (),
                fleet_blocks_power_mw=fleet_mw,
            )
        )
    if problems:
        raise InputError(problems)
    return out


def _no_capacity_left(i: int, capacity_mw: float | None, ai_mw: float,
                      halls_mw: float) -> Problem:
    """The problem of a site whose AI load and halls in service take all its capacity, at
    the field that takes the last of it."""
    uses = [f"{ai_mw:g} MW of AI load"] if ai_mw else []
    uses += [f"{halls_mw:g} MW of halls in service"] if halls_mw else []
    path = (f"sites[{i}].hosting.in_service" if halls_mw
            else f"sites[{i}].dispatch.ai_load_mw")
    return Problem(path, f"{' and '.join(uses)} leave{'s' if len(uses) == 1 else ''} none "
                         f"of the site's capacity_mw {capacity_mw:g} to its miners or a "
                         "conversion")


def uplift_warnings(sites: Sequence[SiteInputs]) -> list[str]:
    """A warning per site whose flexibility was not measured (its note says why; the
    monthly model values its mining flat): what the table cell says, on its own line."""
    return [f"sites[{s.index}] {s.name!r}: {s.dispatch_uplift_note}" for s in sites
            if s.dispatch_uplift_note.startswith("dispatch uplift not measured")]


def _as_units(units: list[SwapUnit], entries: list[tuple[str, float, float, float]],
              windows: list[tuple[str | None, str | None]], prices: list[float],
              ) -> tuple[list[tuple[str, float, float, float]],
                         list[tuple[str | None, str | None]], list[float], list[int],
                         float, float, float, float]:
    """A swapping site's fleet as :func:`~hashpivot.mining.slots.swap_units`: its
    units' entries, dates, purchase prices and bands, the slots' power [MW], and the
    hashrate and uptime-weighted hashrate [TH/s] and ASIC power [W] of the fleet at the
    start (each slot's first entry)."""
    out = [(entries[u.entry][0], entries[u.entry][1] * u.share, entries[u.entry][2] * u.share,
            entries[u.entry][3]) for u in units]
    bands = {u.band: u.gross_mw for u in units}
    first = {u.entry for u in units if u.first}
    return (out, [windows[u.entry] for u in units], [prices[u.entry] for u in units],
            [u.band for u in units], sum(bands.values()),
            sum(entries[j][1] for j in first), sum(entries[j][1] * entries[j][3] for j in first),
            sum(entries[j][2] for j in first))


def _pivot_spec(portfolio: Portfolio) -> PivotSpec:
    """``[pivot]``, or its defaults when the portfolio has none."""
    return portfolio.pivot if portfolio.pivot is not None else PivotSpec()


def _financing_spec(portfolio: Portfolio) -> FinancingSpec | None:
    """``[financing]``, or None (all equity)."""
    return portfolio.financing
