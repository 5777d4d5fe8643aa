"""Sensitivities of the pivot against keep-mining.

The tornado (NPV of the pivot minus the baseline's, each variable at its low and high
value: BTC price, BTC price growth, network hashrate growth, discount rate, lease rate,
lease term, capex, PUE, build delay, tenant default) and the break-even first-year lease at
which the two NPVs are equal, to the horizon and with the terminal value.

The horizon is not a variable: a shorter or longer one changes the window both NPVs are
compared over (and the month the terminal value takes over), not an input of the
comparison, and the strategies themselves are cut to it (halls that start after it).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from hashpivot.engines.pivot.cashflows import _cash_flows_resolved
from hashpivot.engines.pivot.discounting import line_rates, unlevered_npv_usd
from hashpivot.engines.pivot.market import MarketStart, growth_market
from hashpivot.engines.pivot.site_inputs import SiteInputs
from hashpivot.engines.pivot.strategies import Strategy
from hashpivot.engines.pivot.switching import switching_value
from hashpivot.engines.pivot.terminal import terminal_value
from hashpivot.market import MarketPaths
from hashpivot.models.financing import FinancingSpec
from hashpivot.models.pivot import PivotSpec, gordon_rate_problem
from hashpivot.run_defaults import MIN_DISCOUNT_RATE
from hashpivot.scenarios.margin import MarginResponse
from hashpivot.units import MONTHS_PER_YEAR


def _with_hosting(sites: list[SiteInputs], **update: Any) -> list[SiteInputs]:
    return [dataclasses.replace(s, hosting=s.hosting.model_copy(update=update)) for s in sites]


def _map_hosting(sites: list[SiteInputs], fn: Any) -> list[SiteInputs]:
    return [
        dataclasses.replace(s, hosting=s.hosting.model_copy(update=fn(s.hosting))) for s in sites
    ]


def _has_own_rents(strategy: Strategy, field: str = "lease_usd_per_kw_month") -> bool:
    """Whether a hall of ``strategy`` has a lease term ``field`` of its own (a tenant's
    lease; default its rent)."""
    return any(field in dict(p.lease) for p in strategy.phases)


def _with_phase_rents(strategy: Strategy, rent: Any,
                      field: str = "lease_usd_per_kw_month") -> Strategy:
    """``strategy`` with ``rent(x)`` as the lease term ``field`` (default the first-year
    rent) of each hall that has one of its own (a tenant's lease,
    ``[sites.hosting.phases]``); the other halls take the site's."""
    if not _has_own_rents(strategy, field):
        return strategy
    return dataclasses.replace(strategy, phases=tuple(
        p.with_lease(**{field: rent(dict(p.lease)[field])}) if field in dict(p.lease) else p
        for p in strategy.phases
    ))


def _rate_moved(rate: float, step: float) -> float:
    """``rate`` moved by ``step``, floored at :data:`MIN_DISCOUNT_RATE` as a file's rate
    is (a rate of 1 % read as -1 % to 3 % would value cash flows at a rate no file may
    give). [1/year]"""
    return max(MIN_DISCOUNT_RATE, rate + step)


def _with_rates_moved(spec: PivotSpec, step: float) -> PivotSpec:
    """``spec`` with every discount rate of the unlevered NPV moved by ``step``: the
    discount rate, and each line's own rate where the file sets one, each floored at 0
    (:func:`_rate_moved`). [1/year]"""
    update = {"discount_rate": _rate_moved(spec.discount_rate, step)}
    for field in ("mining_discount_rate", "hosting_discount_rate"):
        rate = getattr(spec, field)
        if rate is not None:
            update[field] = _rate_moved(rate, step)
    return spec.model_copy(update=update)


def _npvs(
    sites: list[SiteInputs],
    strategy: Strategy,
    market: MarketPaths,
    spec: PivotSpec,
    financing: FinancingSpec | None,
) -> tuple[Any, Any]:
    """NPV of ``strategy`` on every path of ``market``, to the horizon and with its
    terminal value, from one computation of its cash flows. [USD]"""
    cf = _cash_flows_resolved(sites, strategy, market, spec, financing)
    rates = line_rates(spec)
    npv = unlevered_npv_usd(cf, rates)
    tv = terminal_value(cf, spec.terminal_value, rates.mining, rates.hosting)
    return npv, npv + tv.present_value_usd


#: The input of a hosting row where the converted sites differ in it: each site's own
#: value moved by the same factor (rent, capex) or step (PUE).
_EACH_UNIT = {"lease_usd_per_kw_month": "x rent", "capex_usd_per_it_mw": "x capex",
              "pue": "+ PUE", "lease_term_years": "+ years"}
#: The PUE row's unit where the step takes a converted site's PUE below 1.0, where it
#: stops (a site at 1.05 moves by -0.05 of a -0.1 step).
CLIPPED_PUE_STEP = "+ PUE, >= 1.0"
#: The lease term row's unit where the step takes a hall's term below a year, where it
#: stops.
CLIPPED_TERM_STEP = "+ years, >= 1"
#: The discount rate row's unit where the lines are discounted at different rates: the
#: step on each. [1/year]
RATE_STEP = "+ rate"
#: The shortest lease term the tornado's low end gives a hall. [year]
MIN_TERM_YEARS = 1.0

_TORNADO_LABELS = {
    "btc_price_usd": "BTC price at start",
    "btc_price_growth_per_year": "BTC price growth",
    "network_hashrate_growth_per_year": "network hashrate growth",
    "discount_rate": "discount rate",
    "lease_usd_per_kw_month": "lease rate (first year)",
    "lease_term_years": "lease term",
    "capex_usd_per_it_mw": "capex per IT MW",
    "pue": "PUE",
    "build_delay_months": "build delay",
    "tenant_default_probability_per_year": "tenant default / year",
}


def _tornado(
    sites: list[SiteInputs],
    pivot: Strategy,
    spec: PivotSpec,
    ms: MarketStart,
    periods: pd.PeriodIndex,
    financing: FinancingSpec | None,
    rate_m: float,
    base_market: MarketPaths,
    response: MarginResponse | None = None,
) -> pd.DataFrame:
    sens = spec.sensitivity
    rows: list[dict[str, Any]] = []
    # market variants as paths of one MarketPaths: base, price low/high, hashrate growth
    # low/high, price growth low/high
    p0 = ms.btc_price_usd
    g0 = spec.network_hashrate_growth_per_year
    gp0 = spec.btc_price_growth_per_year
    fp, dg = sens.btc_price_fraction, sens.hashrate_growth_delta_per_year
    dgp = sens.btc_price_growth_delta_per_year
    prices = [p0, p0 * (1 - fp), p0 * (1 + fp), p0, p0, p0, p0]
    growths = [g0, g0, g0, max(g0 - dg, -0.99), g0 + dg, g0, g0]
    price_growths = [gp0] * 5 + [max(gp0 - dgp, -0.99), gp0 + dgp]
    mk = growth_market(
        periods,
        np.array(prices),
        np.array(price_growths),
        ms.network_hashrate_th_s,
        np.array(growths),
        ms.fees_btc_per_block,
        ms.height,
        response,
    )
    base_npv, base_tv = _npvs(sites, Strategy("keep_mining"), mk, spec, financing)
    npv, npv_tv = _npvs(sites, pivot, mk, spec, financing)
    d, d_tv = np.asarray(npv - base_npv), np.asarray(npv_tv - base_tv)

    @functools.cache
    def on_market(price: float, growth: float, price_growth: float = gp0
                  ) -> tuple[float, float]:
        """The difference on a one-path market of that start price, hashrate growth and
        price growth."""
        one = growth_market(periods, np.array([price]), np.array([price_growth]),
                            ms.network_hashrate_th_s, np.array([growth]),
                            ms.fees_btc_per_block, ms.height, response)
        b, b_tv = _npvs(sites, Strategy("keep_mining"), one, spec, financing)
        v, v_tv = _npvs(sites, pivot, one, spec, financing)
        return float(np.asarray(v - b)[0]), float(np.asarray(v_tv - b_tv)[0])

    rows.append(_row("btc_price_usd", "USD", prices[1], prices[2], (d[1], d_tv[1]),
                     (d[2], d_tv[2]), lambda x: on_market(x, g0)))
    rows.append(
        _row("network_hashrate_growth_per_year", "1/year", growths[3], growths[4],
             (d[3], d_tv[3]), (d[4], d_tv[4]), lambda x: on_market(p0, x))
    )
    rows.append(
        _row("btc_price_growth_per_year", "1/year", price_growths[5], price_growths[6],
             (d[5], d_tv[5]), (d[6], d_tv[6]), lambda x: on_market(p0, g0, x))
    )
    rows.append(_discount_rate_row(sites, pivot, spec, base_market, financing))
    base1, base1_tv = float(np.asarray(base_npv)[0]), float(np.asarray(base_tv)[0])

    def diff(sites_v: list[SiteInputs], plan: Strategy = pivot) -> tuple[float, float]:
        v, v_tv = _npvs(sites_v, plan, base_market, spec, financing)
        return float(np.asarray(v)[0]) - base1, float(np.asarray(v_tv)[0]) - base1_tv

    lr, cx, dp = sens.lease_rate_fraction, sens.capex_fraction, sens.pue_delta
    term_months = round(MONTHS_PER_YEAR * sens.lease_term_delta_years)
    # the hosting terms shown are those of the sites the pivot converts (the first site's
    # were shown when it converted nothing: its default rent, not the converted site's)
    taking = {p.site for p in pivot.phases}
    converting = [x.hosting for x in sites if x.name in taking] or [sites[0].hosting]
    first = converting[0]
    hosting_cases: list[tuple[str, str, Any, Any, float, float]] = [
        (
            "lease_usd_per_kw_month",
            "USD/kW/month",
            lambda h, f: {"lease_usd_per_kw_month": h.lease_usd_per_kw_month * f},
            lambda h, f: h.lease_usd_per_kw_month * f,
            1 - lr,
            1 + lr,
        ),
        (
            "lease_term_years",
            "year",
            lambda h, f: {"lease_term_years": _term_moved(h.lease_term_years, f)},
            lambda h, f: _term_moved(h.lease_term_years, f),
            -float(term_months),
            float(term_months),
        ),
        (
            "capex_usd_per_it_mw",
            "USD/MW",
            lambda h, f: {
                "shell_capex_usd_per_it_mw": h.shell_capex_usd_per_it_mw * f,
                "fit_out_capex_usd_per_it_mw": h.fit_out_capex_usd_per_it_mw * f,
            },
            lambda h, f: h.capex_usd_per_it_mw * f,
            1 - cx,
            1 + cx,
        ),
        (
            "pue",
            "-",
            lambda h, f: {"pue": max(1.0, h.pue + f)},
            lambda h, f: max(1.0, h.pue + f),
            -dp,
            dp,
        ),
        (
            "build_delay_months",
            "month",
            lambda h, f: {"construction_months": h.construction_months + int(f)},
            lambda h, f: float(f),
            0.0,
            float(sens.build_delay_months),
        ),
        (
            "tenant_default_probability_per_year",
            "1/year",
            lambda h, f: {"tenant_default_probability_per_year": f},
            lambda h, f: float(f),
            0.0,
            float(sens.tenant_default_probability_per_year),
        ),
    ]
    for name, unit, upd, shown, lo, hi in hosting_cases:

        @functools.cache
        def at(f: float, name: str = name, upd: Any = upd) -> tuple[float, float]:
            # the lease rate (term) moves every hall's rent (term), a tenant's own too
            plan = pivot
            if name == "lease_usd_per_kw_month":
                plan = _with_phase_rents(pivot, lambda r: r * f)
            elif name == "lease_term_years":
                plan = _with_phase_rents(pivot, lambda years: _term_moved(years, f), name)
            return diff(_map_hosting(sites, lambda h: upd(h, f)), plan)

        whole = name in ("build_delay_months", "lease_term_years")
        own = name in ("lease_usd_per_kw_month", "lease_term_years") and _has_own_rents(
            pivot, name)
        neutral = 0.0 if name in ("pue", "lease_term_years") else 1.0
        if own or len({shown(term, neutral) for term in converting}) > 1:
            # halls at several rents or terms, sites of several capex or PUE: each moves
            # by the same factor (or, the PUE and the term, step), which is the input (the
            # first site's value scaled was shown, a rent at which the pivot did not break
            # even)
            each = _EACH_UNIT.get(name, unit)
            if name == "pue" and any(term.pue + lo < 1.0 for term in converting):
                each = CLIPPED_PUE_STEP  # a site's PUE stops at 1.0: it moves less
            if name != "lease_term_years":
                rows.append(_row(name, each, lo, hi, at(lo), at(hi), at))
                continue
            terms = [t.lease_term_years for t in converting] + [
                v for p in pivot.phases for k, v in p.lease if k == name]
            if any(t + lo / MONTHS_PER_YEAR < MIN_TERM_YEARS for t in terms):
                each = CLIPPED_TERM_STEP  # a hall's term stops at a year: it moves less
            # the parameter is the step in whole months, the input the step in years
            rows.append(_row(name, each, lo / MONTHS_PER_YEAR, hi / MONTHS_PER_YEAR,
                             at(lo), at(hi), at, lambda f: f / MONTHS_PER_YEAR, (lo, hi),
                             whole=True))
            continue

        def show(f: float, shown: Any = shown) -> float:
            return float(shown(first, f))

        rows.append(_row(name, unit, show(lo), show(hi), at(lo), at(hi), at, show, (lo, hi),
                         whole=whole))
    df = pd.DataFrame(rows)
    df.insert(1, "label", df["variable"].map(_TORNADO_LABELS))
    df["swing_usd"] = (df["npv_vs_baseline_high_usd"] - df["npv_vs_baseline_low_usd"]).abs()
    df["swing_with_tv_usd"] = (
        df["npv_with_tv_vs_baseline_high_usd"] - df["npv_with_tv_vs_baseline_low_usd"]
    ).abs()
    return df.sort_values("swing_usd", ascending=False, ignore_index=True)


def _term_moved(term_years: float, step_months: float) -> float:
    """A lease term moved by ``step_months``, floored at :data:`MIN_TERM_YEARS`. [year]"""
    return max(MIN_TERM_YEARS, float(term_years) + step_months / MONTHS_PER_YEAR)


def _discount_rate_row(
    sites: list[SiteInputs],
    pivot: Strategy,
    spec: PivotSpec,
    market: MarketPaths,
    financing: FinancingSpec | None,
) -> dict[str, Any]:
    """The tornado row of the discount rate: every rate of the unlevered NPV moved by
    ``[pivot.sensitivity] discount_rate_delta`` (:func:`_with_rates_moved`, floored at 0),
    both strategies revalued on ``market``. Its input is the rate [1/year] when both lines are
    discounted at one rate, else the step on each (unit :data:`RATE_STEP`). A step that
    takes a line valued by Gordon growth to its growth or below leaves both differences
    at that end undefined (NaN): the perpetuity has no finite value, and the fleet's
    replacement decisions, which count the change in the mining terminal value, have
    none either (a file at those rates is refused)."""
    step = float(spec.sensitivity.discount_rate_delta)
    rates = line_rates(spec)

    @functools.cache
    def at(x: float) -> tuple[float, float]:
        moved = _with_rates_moved(spec, x)
        r = line_rates(moved)
        if gordon_rate_problem(spec.terminal_value, r.mining, r.hosting):
            return math.nan, math.nan  # a file at these rates is refused: no value
        b, b_tv = _npvs(sites, Strategy("keep_mining"), market, moved, financing)
        v, v_tv = _npvs(sites, pivot, market, moved, financing)
        d = float(np.asarray(v).ravel()[0]) - float(np.asarray(b).ravel()[0])
        d_tv = float(np.asarray(v_tv).ravel()[0]) - float(np.asarray(b_tv).ravel()[0])
        return d, d_tv

    if rates.differ:
        return _row("discount_rate", RATE_STEP, -step, step, at(-step), at(step), at)

    def show(x: float) -> float:
        return _rate_moved(rates.mining, x)

    return _row("discount_rate", "1/year", show(-step), show(step), at(-step), at(step), at,
                show, (-step, step))


def _row(
    variable: str,
    unit: str,
    low_input: float,
    high_input: float,
    at_low_usd: tuple[float, float],
    at_high_usd: tuple[float, float],
    at: Callable[[float], tuple[float, float]],
    shown: Callable[[float], float] | None = None,
    params: tuple[float, float] | None = None,
    whole: bool = False,
) -> dict[str, Any]:
    """One tornado row: a variable at its low and high input [``unit``], NPV(pivot) -
    NPV(keep_mining) at each, to the horizon and with the terminal value [USD], and the
    switching value of each (:func:`~hashpivot.engines.pivot.switching.switching_value`,
    NaN when the verdict holds over the range) [``unit``].

    ``at(x)`` gives both differences with the variable's parameter at ``x``, whose range
    is ``params`` (the inputs' when None: the parameter is the input), and ``shown(x)`` the
    input that parameter means (the parameter itself when None)."""
    lo, hi = params if params is not None else (low_input, high_input)

    def show(x: float) -> float:
        return float(shown(x)) if shown is not None else x

    def one(k: int) -> Callable[[float], float]:
        return lambda x: at(x)[k]

    flips = [switching_value(one(k), lo, hi, at_low_usd[k], at_high_usd[k], whole)
             for k in (0, 1)]
    return {
        "variable": variable,
        "low_input": low_input,
        "high_input": high_input,
        "unit": unit,
        "npv_vs_baseline_low_usd": float(at_low_usd[0]),
        "npv_vs_baseline_high_usd": float(at_high_usd[0]),
        "npv_with_tv_vs_baseline_low_usd": float(at_low_usd[1]),
        "npv_with_tv_vs_baseline_high_usd": float(at_high_usd[1]),
        "switching_input": float(show(flips[0])) if math.isfinite(flips[0]) else math.nan,
        "switching_with_tv_input": (float(show(flips[1])) if math.isfinite(flips[1])
                                    else math.nan),
    }


def _breakeven_leases(
    sites: list[SiteInputs],
    pivot: Strategy,
    spec: PivotSpec,
    financing: FinancingSpec | None,
    rate_m: float,
    market: MarketPaths,
    base_npv: float,
    base_npv_with_tv: float,
) -> tuple[float, float]:
    """First-year rents at which NPV(pivot) = NPV(baseline): to the horizon, and with both
    NPVs' terminal value (``base_npv_with_tv``). Each is linear in the rent (the hosting
    terminal value too: its rent after the horizon), so two evaluations, shared by both,
    and a straight line are exact (each checked by a third). Halls with a rent of their
    own (a tenant's) take the same rent: the break-even is one first-year rent for every
    hall, each with its own escalator and term. [USD/kW/month]"""
    cache: dict[float, tuple[float, float]] = {}

    def both(rate: float) -> tuple[float, float]:
        if rate not in cache:
            v, v_tv = _npvs(_with_hosting(sites, lease_usd_per_kw_month=rate),
                            _with_phase_rents(pivot, lambda _r: rate), market,
                            spec, financing)
            cache[rate] = (float(np.asarray(v).ravel()[0]) - base_npv,
                           float(np.asarray(v_tv).ravel()[0]) - base_npv_with_tv)
        return cache[rate]

    return (_linear_root(lambda r: both(r)[0]), _linear_root(lambda r: both(r)[1]))


def _linear_root(diff: Any) -> float:
    """The rent at which ``diff(rent)``, linear in it, is zero (a straight line through
    1 and 1,000 USD/kW/month, checked at the root; Brent's method if it is not linear
    after all); NaN when there is none. [USD/kW/month]"""
    from scipy.optimize import brentq

    a, b = 1.0, 1000.0
    fa, fb = diff(a), diff(b)
    if fb == fa:
        return float("nan")
    x = a - fa * (b - a) / (fb - fa)
    if x <= 0:
        return 0.0 if diff(0.0 + 1e-9) >= 0 else float("nan")
    fx = diff(x)
    scale = max(abs(fa), abs(fb), 1.0)
    if abs(fx) > 1e-6 * scale:  # not linear after all (should not happen): bracket + Brent
        hi = max(x * 2, b)
        if diff(hi) * diff(1e-6) < 0:
            return float(brentq(diff, 1e-6, hi, xtol=1e-9))
        return float("nan")
    return float(x)
