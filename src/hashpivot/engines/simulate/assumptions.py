"""The resolved-assumptions block of a simulation (issue 9 item 9, for ``simulate``).

:func:`resolved_assumptions` lists the settings that can flip the verdict (horizon,
terminal value, price center, discount rates, taxes, the NPV cash flow, the center path's
market start and growth, the paths' spread, the treasury that the forced sales and
breaches depend on, each site's hosting terms and power contract), each with where
it came from, the same shape as the pivot model's block
(:meth:`hashpivot.engines.pivot.results.PivotResult.resolved_assumptions`): ``name``,
``value``, ``unit`` and ``source`` (``"file"``, ``"default"``, ``"run setting"`` when the
:class:`~hashpivot.engines.simulate.config.SimulationConfig` (the command line) sets it,
or the rule that sets it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, TypeGuard

from hashpivot.engines.corporate_costs import corporate_cost_rows
from hashpivot.engines.pivot.market import BLOCKS_PER_DAY, fees_source
from hashpivot.engines.pivot.model_assumptions import (
    FINANCING_TERMS,
    PRE_TAX,
    financing_rows,
    fleet_rows,
    halving_rows,
    hashrate_response_row,
    price_center_row,
    strategy_rows,
    tax_row,
    terminal_value_row,
)
from hashpivot.engines.pivot.regulation import regulation_rows
from hashpivot.engines.pivot.site_rows import site_assumption_rows
from hashpivot.engines.simulate.power_rows import power_rows

#: What a simulation does with the file's ``[pivot.tax]`` (the source of its row).
TAX_USE = "NPV rows before and after tax; the treasury pays the tax (interest deducted)"


def resolved_assumptions(inputs: dict[str, Any]) -> list[dict[str, Any]]:
    """The assumptions of a run (``SimulationResult.inputs``) with their sources.

    Parameters
    ----------
    inputs : dict
        The run's resolved inputs (:func:`~hashpivot.engines.simulate.resolve.prepare`).

    Returns
    -------
    list of dict
        ``name``, ``value``, ``unit``, ``source`` per assumption.
    """
    in_file = set(inputs.get("pivot_fields_in_file", []))
    run = set(inputs.get("run_settings", []))

    def src(field: str, setting: str | None = None, fallback: str = "default") -> str:
        if setting is not None and setting in run:
            return "run setting"
        return "file" if field in in_file else fallback

    months = int(inputs["horizon_months"])
    horizon: float | int = months // 12 if months % 12 == 0 else round(months / 12, 4)
    levered = inputs.get("npv_cash_flow") == "levered"
    center = str(inputs.get("scenario", {}).get("price_center", "mean"))
    taxes = str(inputs.get("taxes", PRE_TAX))  # the one-line [pivot.tax], or PRE_TAX
    equity_rate = (inputs.get("levered_discount_rate_source")
                   == "[financing] equity_discount_rate" and "financing_fields_in_file" in inputs)
    return [
        {"name": "[pivot] horizon_years", "value": horizon, "unit": "year",
         "source": src("horizon_years", "horizon_months")},
        {"name": "[pivot] start", "value": inputs["start"], "unit": "month",
         "source": inputs.get("start_source", "default")},
        {"name": "[pivot] discount_rate", "value": inputs["discount_rate"], "unit": "1/year",
         "source": src("discount_rate", "discount_rate")},
        {"name": "[pivot] mining_discount_rate", "value": inputs.get("mining_discount_rate"),
         "unit": "1/year",
         "source": src("mining_discount_rate", "discount_rate", "= discount_rate")},
        {"name": "[pivot] hosting_discount_rate",
         "value": inputs.get("hosting_discount_rate"), "unit": "1/year",
         "source": src("hosting_discount_rate", "discount_rate", "= discount_rate")},
        ({"name": "[pivot.terminal_value]", "value": "not added: levered NPV", "unit": "-",
          "source": src("terminal_value")} if levered else
         terminal_value_row(str(inputs.get("terminal_value", "")), src("terminal_value"))),
        price_center_row(center, bool(inputs.get("price_center_in_file"))),
        tax_row(None if taxes == PRE_TAX else taxes, TAX_USE, "simulate", levered),
        _hosting_risk_row(inputs),
        {"name": "NPV cash flow", "value": inputs.get("npv_cash_flow", "unlevered"),
         "unit": "-", "source": src("", "npv_cash_flow")},
        # the equity's rate of a levered NPV: [financing] equity_discount_rate's row (as
        # pivot's, with the financing rows), or the run's or [pivot] discount_rate
        *([{"name": "levered NPV discount rate", "value": inputs["levered_discount_rate"],
            "unit": "1/year", "source": inputs.get("levered_discount_rate_source", "")}]
          if "levered_discount_rate" in inputs and not equity_rate else []),
        *market_rows(inputs),
        *scenario_rows(inputs)[:1],  # the price model, then the drift and the spread
        *anchor_row(inputs),
        *drift_row(inputs),
        *scenario_rows(inputs)[1:],
        *hashrate_response_row(inputs),
        *power_rows(inputs.get("power_model")),
        *(financing_rows(inputs.get("financing"), inputs["financing_fields_in_file"],
                         [f for f, _ in FINANCING_TERMS
                          if f != "equity_discount_rate" or equity_rate])
          if "financing_fields_in_file" in inputs else []),
        *strategy_rows(inputs.get("strategy_definitions", [])),
        *_treasury_rows(inputs),
        *corporate_cost_rows(inputs.get("corporate_costs"), "simulate"),
        *regulation_rows(inputs.get("regulation_rules", [])),
        *site_assumption_rows(inputs.get("site_assumptions", [])),
    ]


def _hosting_risk_row(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """``[sites.hosting.risk]``: where hosting risk is drawn per path and on which terms
    (:meth:`~hashpivot.models.hosting.HostingRiskSpec.describe`; each moves the figures:
    until 2026-12-07 the row named the sites alone), or none: hosting in expectation."""
    sites = inputs.get("hosting_risk_sites") or []
    if not sites:
        return {"name": "[sites.hosting.risk]", "value": "none: hosting in expectation",
                "unit": "-", "source": "default"}
    terms = inputs.get("hosting_risk_terms") or {}  # (none in a run stored before them)
    return {"name": "[sites.hosting.risk]",
            "value": "drawn per path at " + "; ".join(
                f"{site}: {terms[site]}" if site in terms else site for site in sites),
            "unit": "-", "source": "file"}


def anchor_row(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``[scenario] anchor``: what the paths are centred on (the pivot model's market, or
    the calibration window's); it moves every path (until 2026-12-07 only the drift row's
    source said it, without its table). None for a run stored before the scenario's
    fields."""
    if "scenario_fields_in_file" not in inputs:
        return []
    anchor = (inputs.get("scenario") or {}).get("anchor", "deterministic")
    source = "file" if "anchor" in set(inputs["scenario_fields_in_file"]) else "default"
    if anchor == "history":
        means = ("the center and drift come from the calibration window ("
                 f"{_calibrated(inputs.get('calibration') or {})})")
    else:
        means = "the paths are centred on the pivot model's market (the [pivot] rows)"
    return [{"name": "[scenario] anchor", "value": anchor, "unit": "-",
             "source": f"{source}: {means}"}]


#: The ``[scenario]`` fields that move the center path: field, unit, the ``[pivot]`` row
#: whose value it replaces there (``scenarios.centering``).
_CENTER_FIELDS = (
    ("btc_price_usd", "USD", "btc_price_usd"),
    ("btc_drift_per_year", "1/year", "btc_price_growth_per_year"),
    ("btc_drift_by_year", "1/year", "btc_price_growth_per_year"),
    ("network_hashrate_th_s", "TH/s", "network_hashrate_th_s"),
    ("hashrate_trend_per_year", "1/year", "network_hashrate_growth_per_year"),
    ("fees_btc_per_block", "BTC/block", "fees_btc_per_block"),
)


def center_overrides(inputs: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """The ``[scenario]`` fields the file gives that move the center path: field, unit,
    the ``[pivot]`` row it replaces."""
    scenario = inputs.get("scenario", {})
    given = set(inputs.get("scenario_fields_in_file", ()))
    return [(f, unit, replaces) for f, unit, replaces in _CENTER_FIELDS
            if f in given and scenario.get(f) not in (None, {})]


def market_rows(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The center path's start and growth (none for a run stored before them): the pivot
    model's market, and each ``[scenario]`` value that replaces part of it in the center
    path (the deterministic NPV's), the ``[pivot]`` row it replaces saying so. The rows of
    ``simulate`` and of ``optimize``, whose scenarios are drawn around the same path."""
    m = inputs.get("market")
    if not m:
        return []
    in_file = set(inputs.get("pivot_fields_in_file", []))

    def src(field: str, fallback: str = "default") -> str:
        return "file" if field in in_file else fallback

    market = str(m.get("source", "default"))
    scenario = inputs.get("scenario", {})
    history = scenario.get("anchor") == "history"
    overrides = center_overrides(inputs)

    def pivot_row(field: str, unit: str, source: str) -> dict[str, Any]:
        by = [f for f, _, replaces in overrides if replaces == field]
        if history and field != "fleet_replacement_years":
            source += "; not used: [scenario] anchor = 'history'"
        elif by:
            years = ", ".join(str(y) for y in scenario.get("btc_drift_by_year", {}))
            when = f" in {years}" if by == ["btc_drift_by_year"] else ""
            source += f"; not used{when}: " + ", ".join(f"[scenario] {f}" for f in by)
        return {"name": f"[pivot] {field}", "value": m.get(field), "unit": unit,
                "source": source}

    def shown(value: Any) -> Any:
        if isinstance(value, dict):  # btc_drift_by_year: year -> drift
            return ", ".join(f"{y}: {v:g}" for y, v in value.items())
        return value

    return [
        pivot_row("btc_price_usd", "USD", src("btc_price_usd", market)),
        pivot_row("btc_price_growth_per_year", "1/year", src("btc_price_growth_per_year")),
        pivot_row("network_hashrate_th_s", "TH/s", src("network_hashrate_th_s", market)),
        pivot_row("network_hashrate_growth_per_year", "1/year",
                  src("network_hashrate_growth_per_year")),
        *([pivot_row("fees_btc_per_block", "BTC/block",
                     src("fees_btc_per_block", fees_source(market, m.get("fees_source"))))]
          if "fees_btc_per_block" in m else []),
        *({**row, "source": row["source"] + ("; not used: [scenario] anchor = 'history'"
                                             if history else "")}
          for row in halving_rows(m.get("halvings"), src(
              "start_height", f"{market}, + {BLOCKS_PER_DAY} blocks a day to the "
              "start"))),
        pivot_row("fleet_replacement_years", "year", src("fleet_replacement_years")),
        *fleet_rows(m, in_file),
        *({"name": f"[scenario] {f}", "value": shown(scenario[f]), "unit": unit,
           "source": "file: the center path's, anchor = 'history'" if history
           else f"file: the center path's, instead of [pivot] {replaces}"}
          for f, unit, replaces in overrides),
    ]


#: The scenario parameters that set the paths' spread: resolved value key, field, unit.
_SCENARIO_ROWS = (
    ("btc_volatility_per_year", "btc_volatility_per_year", "1/sqrt(year)"),
    ("hashrate_elasticity", "hashrate_elasticity", "-"),
    ("hashrate_volatility_per_year", "hashrate_volatility_per_year", "1/sqrt(year)"),
    ("price_hashrate_correlation", "price_hashrate_correlation", "-"),
    # the monthly fees' spread: under anchor = 'history' their mean too (the history's
    # median x exp(sigma^2 / 2): 1.68 times at 1.02, calibrated on the window of
    # examples/pivot-200mw.toml); until 2026-12-07 only in simulate's one-line summary
    ("fees_lognormal_sigma", "fees_lognormal_sigma", "-"),
)


def scenario_rows(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The spread of the paths: each parameter from the file or calibrated on the bundled
    history (its window named); none for a run stored before them."""
    if "scenario_fields_in_file" not in inputs:
        return []
    in_file = set(inputs["scenario_fields_in_file"])
    resolved = inputs.get("resolved", {})
    cal = inputs.get("calibration") or {}
    window = _calibrated(cal)

    def source(field: str) -> str:
        se = cal.get(f"{field.removesuffix('_per_year')}_se_per_year")
        if field in in_file:
            return "file"
        return window + (f", s.e. {se:.3f}" if _finite(se) else "")

    spread = [{"name": f"[scenario] {field}", "value": resolved.get(key), "unit": unit,
               "source": source(field) + _by_year_text(inputs, field)}
              for key, field, unit in _SCENARIO_ROWS]
    at = 1 + [field for _, field, _ in _SCENARIO_ROWS].index("hashrate_elasticity")
    return [{"name": "[scenario] price_model", "value": price_model_text(inputs),
             "unit": "-",
             "source": "file or run setting" if "price_model" in in_file else "default"},
            *spread[:at], *_lag_row(inputs), *spread[at:]]


#: The ``[scenario]`` rows the calibration fits with the hashrate's lag where the file
#: does not give them.
_FITTED_WITH_LAG = ("hashrate_elasticity", "hashrate_volatility_per_year")


def _lag_row(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``[scenario] hashrate_lag_months``: the window of the hashrate's response to the
    hashprice on the paths, and of the calibration's fit where it gives the elasticity or
    the volatility (until 2026-12-07 no row named it); none for a run stored without its
    scenario."""
    lag = (inputs.get("scenario") or {}).get("hashrate_lag_months")
    if lag is None:
        return []
    in_file = set(inputs["scenario_fields_in_file"])
    cal = inputs.get("calibration") or {}
    fitted = cal.get("window_start") and any(f not in in_file for f in _FITTED_WITH_LAG)
    return [{"name": "[scenario] hashrate_lag_months", "value": lag, "unit": "month",
             "source": ("file" if "hashrate_lag_months" in in_file else "default")
             + (f"; the lag of the hashrate fit {_calibrated(cal)}" if fitted else "")}]


#: The row a ``[scenario] btc_volatility_by_year`` overrides in some years.
_BTC_VOL = "btc_volatility_per_year"


def _by_year_text(inputs: Mapping[str, Any], field: str) -> str:
    """Where ``[scenario] btc_volatility_by_year`` overrides ``field`` in some years: its
    base value and each year's, the row's value their mean over the horizon (``": 0.6, in
    2027: 1.2 ([scenario] btc_volatility_by_year); the horizon's mean"``: the row printed
    0.72, a figure the file gives nowhere); else nothing."""
    scenario = inputs.get("scenario") or {}
    by_year = scenario.get("btc_volatility_by_year") if field == _BTC_VOL else None
    if not by_year:
        return ""
    base = (scenario.get(field) if field in set(
        inputs["scenario_fields_in_file"]) else (inputs.get("calibration") or {}).get(field))
    years = ", ".join(f"in {y}: {float(v):g}" for y, v in by_year.items())
    return (f": {float(base):.3g}, " if _finite(base) else ": ") + (
        f"{years} ([scenario] btc_volatility_by_year); the horizon's mean")


def _calibrated(cal: Mapping[str, Any]) -> str:
    """``calibrated on the bundled history <first day> to <last day>`` (the window of the
    run's calibration, ``inputs.calibration``)."""
    return (f"calibrated on the bundled history {cal['window_start']} to "
            f"{cal['window_end']}" if cal.get("window_start") else "calibrated")


def _finite(x: Any) -> TypeGuard[float]:
    """Whether ``x`` is a finite number (not None, not NaN)."""
    return isinstance(x, int | float) and math.isfinite(x)


#: The name of :func:`drift_row`'s row.
DRIFT_ROW = "BTC growth of the center path"


def _center_growth(mu: float, sigma: float | None, center: str) -> float:
    """The compound growth per year of the paths' center for a GBM drift ``mu`` of dS/S
    [1/year]: the median's ``exp(mu - sigma^2 / 2) - 1`` (Ito), the mean's ``exp(mu) - 1``.
    [1/year]"""
    log_growth = mu - 0.5 * sigma**2 if center == "median" and sigma is not None else mu
    return math.expm1(log_growth)


def drift_row(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """How fast the paths' BTC price center (their median or mean, ``price_center``) grows
    and where it comes from; none for a run stored before the scenario's fields.

    One measure throughout, the center's compound growth per year, so that the figures can
    be compared: ``[pivot] btc_price_growth_per_year`` under ``anchor = 'deterministic'``
    (the center is the pivot model's path), else the GBM drift ``mu`` of dS/S (the file's
    ``[scenario] btc_drift_per_year``, or under ``'history'`` the calibration's, with its
    standard error) taken to the center, ``exp(mu - sigma^2 / 2) - 1`` for the median. The
    calibration's is named beside the file's as the alternative. It can flip the verdict:
    the calibration's mu of 0.36 on the bundled 2022-2025 history makes a median growing
    about 25 %/year against the example's 10 % (until 2026-12 only in ``--json``, as a
    drift).
    """
    if "scenario_fields_in_file" not in inputs:
        return []
    scenario = inputs.get("scenario", {})
    center = str(scenario.get("price_center", "mean"))
    vol = (inputs.get("resolved") or {}).get("btc_volatility_per_year")
    sigma = float(vol) if _finite(vol) else None
    sigma_text = f", sigma {sigma:.3f}" if sigma is not None else ""
    cal = inputs.get("calibration") or {}
    mu, se = cal.get("btc_drift_per_year"), cal.get("btc_drift_se_per_year")
    calibrated = (f"{_center_growth(mu, sigma, center):.3f} from the calibration's GBM mu "
                  f"{mu:.3f} (s.e. {se:.3f}){sigma_text}"
                  if _finite(mu) and _finite(se) else None)
    given = scenario.get("btc_drift_per_year")
    value: float | None
    if "btc_drift_per_year" in set(inputs["scenario_fields_in_file"]) and _finite(given):
        value = _center_growth(given, sigma, center)
        source = f"file: [scenario] btc_drift_per_year, GBM mu {given:g}{sigma_text}"
        if calibrated:
            source += f"; the calibration's: {calibrated}"
    elif scenario.get("anchor") == "history" and _finite(mu):
        value = _center_growth(mu, sigma, center)
        source = (f"{_calibrated(cal)}: GBM mu {mu:.3f}"
                  + (f" (s.e. {se:.3f})" if _finite(se) else "")
                  + f"{sigma_text} (anchor = 'history')")
    else:
        growth = (inputs.get("market") or {}).get("btc_price_growth_per_year")
        value = float(growth) if _finite(growth) else None
        source = "[pivot] btc_price_growth_per_year (anchor = 'deterministic')"
        if calibrated:
            source += f"; with anchor = 'history': {calibrated}"
    years = ", ".join(str(y) for y in scenario.get("btc_drift_by_year") or {})
    if years:
        source += f"; in {years}: [scenario] btc_drift_by_year"
    return [{"name": DRIFT_ROW, "value": value, "unit": "1/year",
             "source": source}]


def price_model_text(inputs: Mapping[str, Any]) -> str:
    """How the BTC price paths are drawn: ``"gbm"`` or the bootstrap with its blocks."""
    scenario = inputs.get("scenario", {})
    if scenario.get("price_model") == "bootstrap":
        return (f"bootstrap (circular, blocks of {scenario.get('bootstrap_block_months')} "
                "months of the calibration window's monthly returns)")
    return "gbm"


def _treasury_rows(inputs: dict[str, Any]) -> list[dict[str, Any]]:
    """What the forced sales and breaches depend on: the treasury at start, its floor, its
    policy and its debt (one row when the file has no ``[treasury]``)."""
    if "treasury_fields_in_file" not in inputs:
        return []
    if not inputs.get("treasury_given", True):
        return [{"name": "[treasury]", "value": "none: no liquidity figures", "unit": "-",
                 "source": "default"}]
    t = inputs.get("treasury", {})
    in_file = set(inputs["treasury_fields_in_file"])
    # how the principal is repaid moves the forced sales (keep_mining on
    # examples/pivot-200mw.toml: bullet 70.3 %, linear 23.0 %)
    debt = "; ".join(
        f"{d.get('name', 'debt')}: {float(d['principal_usd']) / 1e6:,.0f} M USD at "
        f"{100 * float(d.get('interest_rate', 0.0)):.1f} % to {d.get('maturity')}"
        + (f", {d['amortization']}" if "amortization" in d else "")
        for d in t.get("debt", [])
    ) or "none"
    rows = [
        {"name": f"[treasury] {field}", "value": t.get(field), "unit": unit,
         "source": "file" if field in in_file else "default"}
        for field, unit in (("btc_held", "BTC"), ("cash_usd", "USD"), ("min_cash_usd", "USD"),
                            ("policy", "-"), ("forced_sale_discount_fraction", "-"),
                            # interest on cash: keep_mining's P(forced sale) 70.3 % at 0,
                            # 22.6 % at 0.04 (examples/pivot-200mw.toml)
                            ("cash_interest_rate", "1/year"))
    ]
    # the min_cash policy's target (its column of the by-policy table)
    target = t.get("target_cash_usd")
    rows.append({"name": "[treasury] target_cash_usd",
                 "value": 2 * float(t.get("min_cash_usd") or 0.0) if target is None else target,
                 "unit": "USD", "source": "file" if "target_cash_usd" in in_file
                 else "default: 2 x min_cash_usd"})
    rows.append({"name": "[treasury] debt", "value": debt, "unit": "-",
                 "source": "file" if "debt" in in_file else "default"})
    return rows


__all__ = ["DRIFT_ROW", "PRE_TAX", "TAX_USE", "anchor_row", "drift_row", "hashrate_response_row",
           "market_rows", "price_center_row", "resolved_assumptions"]
