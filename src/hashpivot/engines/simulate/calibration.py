"""Calibration of the market models on the bundled data (BTC history, power prices)."""

from __future__ import annotations

from hashpivot.exceptions import DataError, InputError, Problem
from hashpivot.models.portfolio import Portfolio, PowerContract, find_site
from hashpivot.models.risk import ScenarioSpec
from hashpivot.scenarios import MarketCalibration, PowerFit, calibrate_market, fit_power


def _index_contract(portfolio: Portfolio, site_name: str | None) -> PowerContract | None:
    """The first index-priced power contract of the run's sites (all sites, or the one
    :func:`~hashpivot.models.find_site` finds by ``site_name``), else ``None``."""
    sites = portfolio.sites if site_name is None else [find_site(portfolio.sites, site_name)[1]]
    return next((s.power_contract for s in sites if s.power_contract.kind == "index"), None)


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


def load_power_fit(spec: ScenarioSpec) -> PowerFit | None:
    """Calibrate the power model on the bundled market named by the spec (or None)."""
    if spec.power_calibrate_on is None:
        return None
    from hashpivot.io import load_market_prices

    try:
        return fit_power(load_market_prices(spec.power_calibrate_on))
    except (InputError, DataError) as exc:
        if isinstance(exc, InputError):
            msg = "; ".join(p.message for p in exc.problems)
        else:
            msg = str(exc)
        raise InputError(Problem("scenario.power_calibrate_on", msg)) from exc
