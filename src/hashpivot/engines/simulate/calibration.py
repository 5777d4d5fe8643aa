"""Calibration of the market models on the bundled data (BTC history, power prices)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from hashpivot.exceptions import DataError, InputError, Problem
from hashpivot.models.portfolio import Portfolio, PowerContract, Site, find_site
from hashpivot.models.risk import ScenarioSpec
from hashpivot.scenarios import MarketCalibration, PowerFit, calibrate_market, fit_power
from hashpivot.scenarios.power_parameters import IndexMarket


def _index_contract(portfolio: Portfolio, site_name: str | None) -> PowerContract | None:
    """The first index-priced power contract of the run's sites (all sites, or the one
    :func:`~hashpivot.models.find_site` finds by ``site_name``), else ``None``."""
    return next((s.power_contract for s in _index_sites(portfolio, site_name)), None)


def _index_sites(portfolio: Portfolio, site_name: str | None) -> list[Site]:
    """The run's index-priced sites (all sites, or the one ``site_name`` names), in
    file order."""
    sites = portfolio.sites if site_name is None else [find_site(portfolio.sites, site_name)[1]]
    return [s for s in sites if s.power_contract.kind == "index"]


def index_site_prices(portfolio: Portfolio, site_name: str | None = None
                      ) -> list[list[dict[str, Any]]]:
    """What each index site pays on the paths of each power process of
    :func:`index_nodes` (those of :func:`_sites_by_process`, in file order), as
    :func:`~hashpivot.engines.pivot.fleet.site_power_price_usd_per_mwh` prices it.

    Returns
    -------
    list of list of dict
        Per process, per site: ``site`` (its name), ``price_usd_per_mwh`` (its contract's
        expected index price) [USD/MWh], ``index_usd_per_mwh`` (the mean index it pays,
        before its adder: ``[scenario] power_mean_usd_per_mwh`` where given; else its own
        expected price, the paths scaled to it, where the process's centre (its first
        site's price) is above 0; else the centre, as drawn) [USD/MWh] and
        ``adder_usd_per_mwh`` [USD/MWh].
    """
    spec = portfolio.scenario or ScenarioSpec()
    out: list[list[dict[str, Any]]] = []
    for centre, on_it in _sites_by_process(portfolio, site_name):
        ref = float(centre.contract.price_usd_per_mwh)
        rows = []
        for s in on_it:
            price = float(s.power_contract.price_usd_per_mwh)
            index = (float(spec.power_mean_usd_per_mwh)
                     if spec.power_mean_usd_per_mwh is not None
                     else price if ref > 0.0 else ref)
            rows.append({"site": str(s.name), "price_usd_per_mwh": price,
                         "index_usd_per_mwh": index,
                         "adder_usd_per_mwh": float(s.power_contract.adder_usd_per_mwh)})
        out.append(rows)
    return out


def _sites_by_process(portfolio: Portfolio, site_name: str | None
                      ) -> list[tuple[IndexNode, list[Site]]]:
    """Each power process of :func:`index_nodes` and the index sites that pay its paths
    (a site whose node has none of its own pays the first's), in file order."""
    nodes = index_nodes(portfolio, site_name)
    own = {n.node: n for n in nodes}
    index = _index_sites(portfolio, site_name)
    return [(n, [s for s in index if own.get(_node(s.power_contract), nodes[0]) is n])
            for n in nodes]


def _node(contract: PowerContract) -> str | None:
    """The node ``iso:point`` of an index contract's ``market`` (``ercot:LZ_WEST``, its
    year and kind aside), None without one."""
    from hashpivot.io.bundled_markets import market_node

    return market_node(contract.market)


@dataclass(frozen=True)
class IndexNode:
    """A market node of the run's index sites with a power process of its own.

    Attributes
    ----------
    node : str or None
        ``iso:point``; None: the first index site's, no market given.
    contract : PowerContract
        The first index contract on it: the process's centre and calibration market.
    """

    node: str | None
    contract: PowerContract


def index_nodes(portfolio: Portfolio, site_name: str | None = None) -> list[IndexNode]:
    """The market nodes of the run's index sites, each with a process of its own
    (:class:`~hashpivot.scenarios.power_parameters.PowerMarketParams`), in the order of their
    first site: the first index site's, then each other node; only the first where
    ``[scenario] power_calibrate_on`` is given (one market's shape for every index site,
    the user's choice) or no other site names a node. An index site without a market
    takes the first one's process. Empty without an index site."""
    index = _index_sites(portfolio, site_name)
    if not index:
        return []
    out = [IndexNode(_node(index[0].power_contract), index[0].power_contract)]
    spec = portfolio.scenario or ScenarioSpec()
    if "power_calibrate_on" in spec.model_fields_set:
        return out
    for s in index[1:]:
        node = _node(s.power_contract)
        if node is not None and all(node != n.node for n in out):
            out.append(IndexNode(node, s.power_contract))
    return out


#: The source of a correlation neither fitted nor given. [-]
NOT_FITTED = "not fitted: no overlapping bundled months; 1, as one shape"


def market_correlation(spec: ScenarioSpec, first: PowerContract, other: PowerContract
                       ) -> tuple[float, str]:
    """The correlation of the power innovations of ``other``'s market with ``first``'s
    and its source: ``[scenario] power_market_correlation`` where the file gives it (as
    every ``[scenario]`` value replaces its calibration); else fitted on their bundled
    prices (each market's calibration market, :func:`power_calibration_market`) where
    they have :data:`~hashpivot.scenarios.power_calibration.MIN_CORRELATION_MONTHS`
    complete months in common; else 1 (:data:`NOT_FITTED`). [-]"""
    if spec.power_market_correlation is not None:
        return float(spec.power_market_correlation), "file"
    a, b = power_calibration_market(spec, first), power_calibration_market(spec, other)
    if a is not None and b is not None:
        if a == b:
            return 1.0, f"the same bundled prices ({a})"
        fitted = _bundled_correlation(a, b)
        if fitted is not None:
            return fitted[0], (f"fitted on {fitted[1]} overlapping bundled months of {a} "
                               f"and {b}")
    return 1.0, NOT_FITTED


@functools.lru_cache(maxsize=16)
def _bundled_correlation(first: str, other: str) -> tuple[float, int] | None:
    """:func:`~hashpivot.scenarios.power_calibration.fit_power_correlation` of two
    bundled markets (computed once: a run asks for it in its rows and its paths)."""
    from hashpivot.io import load_market_prices
    from hashpivot.scenarios.power_calibration import fit_power_correlation

    try:
        return fit_power_correlation(load_market_prices(first), load_market_prices(other))
    except (InputError, DataError):  # (their own fits say what is wrong)
        return None


def other_index_markets(spec: ScenarioSpec, nodes: list[IndexNode]
                        ) -> list[tuple[IndexMarket, str]]:
    """Each market node after the first (:func:`index_nodes`) as the path generator takes
    it, fitted on its own bundled prices (:func:`load_power_fit`) and centred on its
    first index contract's expected price, with its correlation's source
    (:func:`market_correlation`)."""
    out: list[tuple[IndexMarket, str]] = []
    for n in nodes[1:]:
        rho, source = market_correlation(spec, nodes[0].contract, n.contract)
        out.append((IndexMarket(node=str(n.node), fit=load_power_fit(spec, n.contract),
                                mean_usd_per_mwh=float(n.contract.price_usd_per_mwh),
                                correlation=rho), source))
    return out


def index_paths_notes(portfolio: Portfolio, site_name: str | None = None
                      ) -> dict[str, str]:
    """What the simulated index power paths are to each index-priced site, by site name,
    where it is not simply its contract's expected price on its own market: with
    ``[scenario] power_mean_usd_per_mwh`` every index site's mean; with several index
    sites on one market node at different expected prices the paths centred on the
    first one's there, the others' scaled to their own
    (:attr:`hashpivot.market.MarketPaths.power_reference_usd_per_mwh`); with index sites
    on different markets each market's own paths (:func:`index_nodes`) and their
    correlation with the first's (:func:`market_correlation`), or, with ``[scenario]
    power_calibrate_on``, one shape for all (correlation 1); a site without a market
    takes the first one's. Empty otherwise (one index site, or all at one price on one
    market: the paths as drawn)."""
    index = _index_sites(portfolio, site_name)
    if not index:
        return {}
    spec = portfolio.scenario or ScenarioSpec()
    first = index[0]
    notes: dict[str, list[str]] = {str(s.name): [] for s in index}
    nodes = index_nodes(portfolio, site_name)
    own = {n.node: n for n in nodes}
    node = _node(first.power_contract)
    fitted = power_calibration_market(spec, first.power_contract)
    shape = (f"fitted on {fitted}{default_instead(spec, first.power_contract)}"
             if fitted is not None else "the default, not calibrated")
    shared = [s for s in index[1:] if _node(s.power_contract) not in own]
    if shared:  # (power_calibrate_on, or no market given: the first one's paths)
        notes[str(first.name)].append(
            f"simulate and optimize: the index paths' shape ({shape}) is every index "
            "site's" + (", on every market" if len(
                {_node(s.power_contract) for s in index}) > 1 else "")
            + ": their prices move together (correlation 1)")
    for s in shared:
        notes[str(s.name)].append(
            f"simulate and optimize: this market ({s.power_contract.market or 'none given'})"
            f" moves with {first.name}'s ({first.power_contract.market or 'none given'}): "
            f"the index paths' shape ({shape}), correlation 1")
    for n in nodes[1:]:
        rho, source = market_correlation(spec, first.power_contract, n.contract)
        on = power_calibration_market(spec, n.contract)
        for s in index[1:]:
            if _node(s.power_contract) == n.node:
                notes[str(s.name)].append(
                    f"simulate and optimize: this market ({n.node}) has index paths of its "
                    f"own ({f'fitted on {on}' if on is not None else 'the default'}"
                    f"{default_instead(spec, n.contract)}), "
                    f"correlated with {first.name}'s ({node or 'none given'}) at "
                    f"{rho:.2f} ({source})")
    if spec.power_mean_usd_per_mwh is not None:
        mean = float(spec.power_mean_usd_per_mwh)
        for s in index:
            notes[str(s.name)].insert(0, (
                f"simulate and optimize: not this expected price but [scenario] "
                f"power_mean_usd_per_mwh = {mean:g} USD/MWh, the index paths' mean at every "
                "index site (its adder on top)"))
        return _joined(notes)
    for centre, on_it in _sites_by_process(portfolio, site_name):
        ref = float(centre.contract.price_usd_per_mwh)
        lead = on_it[0]
        if len({float(s.power_contract.price_usd_per_mwh) for s in on_it}) > 1:
            notes[str(lead.name)].insert(0, (
                "simulate and optimize: the index paths are centred on this expected price "
                f"(the first index site's{' on this market' if len(nodes) > 1 else ''}); "
                "each other index site's scaled to its own"))
        for s in on_it[1:]:
            price = float(s.power_contract.price_usd_per_mwh)
            if price == ref:
                continue
            notes[str(s.name)].insert(0, (
                f"simulate and optimize: the index paths (centred on {lead.name}'s {ref:g} "
                f"USD/MWh) scaled by {price:g} / {ref:g}: the same shape at this expected "
                "price" if ref > 0.0 else  # (ScenarioParams.power_reference_usd_per_mwh)
                f"simulate and optimize: the index paths centred on {lead.name}'s {ref:g} "
                "USD/MWh as drawn, not this expected price (a centre of 0 or below scales "
                "nothing)"))
    return _joined(notes)


def _joined(notes: dict[str, list[str]]) -> dict[str, str]:
    """Each site's notes in one sentence list (sites without any left out)."""
    return {name: "; ".join(n) for name, n in notes.items() if n}


def load_calibration(spec: ScenarioSpec) -> MarketCalibration:
    """Calibrate on the bundled BTC history over the spec's window."""
    from hashpivot.io import btc_daily_range, load_btc_daily

    first, last = btc_daily_range()
    start = max(spec.calibration_start, first)
    end = last if spec.calibration_end is None else min(spec.calibration_end, last)
    try:
        daily = load_btc_daily(start, end)
        return calibrate_market(daily, spec.hashrate_lag_months)
    except DataError as exc:
        raise InputError(
            Problem("scenario.calibration_start", f"cannot calibrate: {exc}")
        ) from exc


def calibration_facts(cal: MarketCalibration) -> dict[str, Any]:
    """The calibration as a run's inputs record it: its estimates
    (:meth:`MarketCalibration.summary`) and ``history_sources``, the sources of its
    window's days, span by span (:func:`hashpivot.io.btc_daily_sources`), read when it
    ran, so that its charts name them as they were."""
    from hashpivot.io import btc_daily_sources

    return {**cal.summary(),
            "history_sources": btc_daily_sources(cal.window_start, cal.window_end)}


def power_calibration_market(spec: ScenarioSpec, contract: PowerContract | None
                             ) -> str | None:
    """The bundled market the power model is fitted on: ``[scenario]
    power_calibrate_on`` where the file sets it (None: not calibrated); else the index
    contract's own market (:func:`_index_contract`'s), its latest bundled year, where
    prices for it are bundled (an LZ_WEST or NYISO site's volatility and spikes are its
    market's, not ERCOT HB_WEST's); else the default, ``ercot:HB_WEST:2024``."""
    own = _own_market(spec, contract)
    return own[0] if own is not None and own[0] is not None else spec.power_calibrate_on


def _own_market(spec: ScenarioSpec, contract: PowerContract | None,
                remedy: str = "") -> tuple[str | None, str] | None:
    """The bundled market an index contract's own ``market`` is fitted on (its latest
    bundled year) and, where no bundled prices answer it (none given: the default's
    fitted instead), the problem as the bundled data words it (``remedy`` as
    :func:`~hashpivot.io.bundled_markets.bundled_market_key` takes it): ``(market, "")``
    or ``(None, problem)``; None where the contract's market is not what is fitted
    (``[scenario] power_calibrate_on`` in the file, no contract)."""
    if "power_calibrate_on" in spec.model_fields_set or contract is None:
        return None
    from hashpivot.io.bundled_markets import bundled_market_key, parse_market

    if not contract.market:
        return None, f"none given; {remedy}" if remedy else "none given"
    try:
        key = parse_market(contract.market)
    except InputError as exc:  # no reference: the default market's
        problem = "; ".join(p.message for p in exc.problems)
        return None, f"{problem}; {remedy}" if remedy else problem
    try:
        return bundled_market_key(key, remedy=remedy), ""
    except InputError as exc:  # not bundled: the default market's
        return None, "; ".join(p.message for p in exc.problems)


def default_instead(spec: ScenarioSpec, contract: PowerContract | None) -> str:
    """What the rows of the power process of ``contract``'s market add to "fitted on
    <the default market>" where no bundled prices answer that market (until 2026-12-07 they
    read as for a site on the default market); "" otherwise."""
    own = _own_market(spec, contract)
    if own is None or own[0] is not None or contract is None:
        return ""
    why = (f"no bundled prices answer the index site's market, {contract.market!r}"
           if contract.market else "the index site gives no market")
    return f" (the default: {why}; [scenario] power_calibrate_on not given)"


def default_market_notes(portfolio: Portfolio, site_name: str | None = None) -> list[str]:
    """A warning per index site whose ``market`` no bundled prices answer (a node not
    bundled, a typo, a year not bundled, no market reference, none given), naming the site
    at its field, the problem (a bundled market close to it, the bundled ones), the
    process its paths are drawn with and how to choose the market fitted: a power process
    of :func:`index_nodes` fitted on the default market (until 2026-12-07 it was used
    without a word), or, for a later site whose market names no node, the first index
    site's (until 2026-12-07 only its row said so). None where ``[scenario]
    power_calibrate_on`` in the file chooses the market. The notes of simulate and
    optimize."""
    spec = portfolio.scenario or ScenarioSpec()
    out: list[str] = []
    choose = ("give a bundled market, or choose the one to fit with [scenario] "
              "power_calibrate_on (one market's process for every index site)")
    for node, on_it in _sites_by_process(portfolio, site_name):
        centre = on_it[0]  # (the process's first index site: node.contract's)
        also = f" (and {', '.join(str(s.name) for s in on_it[1:])}'s)" if on_it[1:] else ""
        fitted = power_calibration_market(spec, node.contract)
        shared = (f"with {centre.name}'s process ("
                  + (f"fitted on {fitted}" if fitted is not None else "not calibrated")
                  + f"{default_instead(spec, node.contract)}): {choose}")
        for site, remedy in [
                (centre, f"simulate and optimize draw its index power paths{also} with the "
                         f"process fitted on the default market, {spec.power_calibrate_on}: "
                         f"{choose}"),
                *((s, f"simulate and optimize draw its index power paths {shared}")
                  for s in on_it[1:] if _node(s.power_contract) != node.node)]:
            own = _own_market(spec, site.power_contract, remedy)
            if own is None or own[0] is not None:
                continue
            i, _ = find_site(portfolio.sites, str(site.name))
            out.append(f"sites[{i}] {str(site.name)!r}: power_contract.market: {own[1]}")
    return out


def load_power_fit(spec: ScenarioSpec, contract: PowerContract | None = None
                   ) -> PowerFit | None:
    """Calibrate the power model on the bundled market of
    :func:`power_calibration_market` (or None)."""
    market = power_calibration_market(spec, contract)
    if market is None:
        return None
    from hashpivot.io import load_market_prices

    try:
        return fit_power(load_market_prices(market))
    except (InputError, DataError) as exc:
        if isinstance(exc, InputError):
            msg = "; ".join(p.message for p in exc.problems)
        else:
            msg = str(exc)
        raise InputError(Problem("scenario.power_calibrate_on", msg)) from exc
