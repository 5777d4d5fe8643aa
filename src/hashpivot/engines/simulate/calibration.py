"""Calibration of the market models on the bundled data (BTC history, power prices)."""

from __future__ import annotations

from hashpivot.exceptions import DataError, InputError, Problem
from hashpivot.models.portfolio import Portfolio, PowerContract, Site, find_site
from hashpivot.models.risk import ScenarioSpec
from hashpivot.scenarios import MarketCalibration, PowerFit, calibrate_market, fit_power


def _index_contract(portfolio: Portfolio, site_name: str | None) -> PowerContract | None:
    """The first index-priced power contract of the run's sites (all sites, or the one
    :func:`~hashpivot.models.find_site` finds by ``site_name``), else ``None``."""
    return next((s.power_contract for s in _index_sites(portfolio, site_name)), None)


def _index_sites(portfolio: Portfolio, site_name: str | None) -> list[Site]:
    """The run's index-priced sites (all sites, or the one ``site_name`` names), in
    file order."""
    sites = portfolio.sites if site_name is None else [find_site(portfolio.sites, site_name)[1]]
    return [s for s in sites if s.power_contract.kind == "index"]


def index_prices_differ(portfolio: Portfolio, site_name: str | None = None) -> bool:
    """Whether the run's index sites have different expected prices (the paths centred on
    the first one's, the others' scaled to their own)."""
    return len({float(s.power_contract.price_usd_per_mwh)
                for s in _index_sites(portfolio, site_name)}) > 1


def _node(contract: PowerContract) -> tuple[str, str] | None:
    """The (ISO, point) of an index contract's ``market`` (``ercot:LZ_WEST`` ->
    ``("ercot", "LZ_WEST")``, its year and kind aside), None without one."""
    if not contract.market:
        return None
    from hashpivot.io.bundled_markets import parse_market

    try:
        key = parse_market(contract.market, "power_contract.market")
    except InputError:  # (resolving the run says what is wrong with it)
        return None
    return key.iso, key.point


def index_paths_notes(portfolio: Portfolio, site_name: str | None = None
                      ) -> dict[str, str]:
    """What the simulated index power paths are to each index-priced site, by site name,
    where it is not simply its contract's expected price on its own market: with
    ``[scenario] power_mean_usd_per_mwh`` every index site's mean; with several index
    sites at different expected prices the paths centred on the first one's
    (:func:`_index_contract`), the others' scaled to their own
    (:attr:`hashpivot.market.MarketPaths.power_reference_usd_per_mwh`); with index sites
    on different markets one shape for all (fitted on one market: their prices move
    together, a correlation of 1). Empty otherwise (one index site, or all at one price
    on one market: the paths as drawn)."""
    index = _index_sites(portfolio, site_name)
    if not index:
        return {}
    spec = portfolio.scenario or ScenarioSpec()
    first = index[0]
    notes: dict[str, list[str]] = {str(s.name): [] for s in index}
    node = _node(first.power_contract)
    others = [s for s in index[1:] if _node(s.power_contract) != node]
    if others:
        fitted = power_calibration_market(spec, first.power_contract)
        shape = (f"fitted on {fitted}" if fitted is not None else "the default, not calibrated")
        notes[str(first.name)].append(
            f"simulate and optimize: the index paths' shape ({shape}) is every index "
            "site's, on every market: their prices move together (correlation 1)")
        for s in others:
            notes[str(s.name)].append(
                f"simulate and optimize: this market ({s.power_contract.market or 'none given'})"
                f" moves with {first.name}'s ({first.power_contract.market or 'none given'}): "
                f"the index paths' shape ({shape}), correlation 1")
    if spec.power_mean_usd_per_mwh is not None:
        mean = float(spec.power_mean_usd_per_mwh)
        for s in index:
            notes[str(s.name)].insert(0, (
                f"simulate and optimize: not this expected price but [scenario] "
                f"power_mean_usd_per_mwh = {mean:g} USD/MWh, the index paths' mean at every "
                "index site (its adder on top)"))
        return _joined(notes)
    ref = float(first.power_contract.price_usd_per_mwh)
    if index_prices_differ(portfolio, site_name):
        notes[str(first.name)].insert(0, (
            "simulate and optimize: the index paths are centred on this expected price (the "
            "first index site's); each other index site's scaled to its own"))
    for s in index[1:]:
        own = float(s.power_contract.price_usd_per_mwh)
        if own == ref:
            continue
        notes[str(s.name)].insert(0, (
            f"simulate and optimize: the index paths (centred on {first.name}'s {ref:g} "
            f"USD/MWh) scaled by {own:g} / {ref:g}: the same shape at this expected price"
            if ref > 0.0 else  # (ScenarioParams.power_reference_usd_per_mwh: no scale)
            f"simulate and optimize: the index paths centred on {first.name}'s {ref:g} "
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


def power_calibration_market(spec: ScenarioSpec, contract: PowerContract | None
                             ) -> str | None:
    """The bundled market the power model is fitted on: ``[scenario]
    power_calibrate_on`` where the file sets it (None: not calibrated); else the index
    contract's own market (:func:`_index_contract`'s), its latest bundled year, where
    prices for it are bundled (an LZ_WEST or NYISO site's volatility and spikes are its
    market's, not ERCOT HB_WEST's); else the default, ``ercot:HB_WEST:2024``."""
    if ("power_calibrate_on" in spec.model_fields_set or contract is None
            or not contract.market):
        return spec.power_calibrate_on
    from hashpivot.io.bundled_markets import bundled_market_key

    try:
        return bundled_market_key(contract.market)
    except InputError:  # not bundled: the default market's
        return spec.power_calibrate_on


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
