"""Hosting of one site under a conversion plan, for the strategy cash flows.

:func:`site_hosting_flows` runs the conversion phases' leases
(:func:`hashpivot.hosting.project.hosting_cash_flows_from_spec`) past the horizon to their
last expected renewal, keeps the months within the horizon and values the rest as the
hosting free cash flow after the horizon; with ``[sites.hosting.risk]`` and risk draws it
also returns the hosting arrays of every path
(:func:`hashpivot.hosting.risk.path_hosting_cash_flows`).
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hashpivot.arrays import IntArray, sum_padded
from hashpivot.engines.pivot.flows import FloatArray
from hashpivot.engines.pivot.site_inputs import SiteInputs
from hashpivot.engines.pivot.strategies import ConversionPhase
from hashpivot.hosting.project import HostingCashFlows, hosting_cash_flows_from_spec
from hashpivot.hosting.risk import FINAL_YEAR_FIELDS, PATH_FIELDS, path_hosting_cash_flows
from hashpivot.market import MarketPaths
from hashpivot.models.hosting import HostingProjectSpec
from hashpivot.terminal_value import (
    final_year_run_rate_usd,
    hosting_fcf_after_horizon_usd,
    rent_started,
    until_last_rent,
)
from hashpivot.units import MONTHS_PER_YEAR


@dataclass(frozen=True)
class SiteHostingFlows:
    """The hosting arrays of one site under a plan.

    Attributes
    ----------
    planned : HostingCashFlows or None
        The planned (budget) build, one row per phase, cut to the horizon (T months); it
        sets the converted MW and the project debt. None without phases.
    after_horizon_usd : ndarray
        Hosting FCF of the months after the horizon up to the last rent month: (M,), or
        (P, M) with hosting risk. [USD]
    paths : dict of str to ndarray or None
        With hosting risk, the hosting arrays of every path (P, T)
        (:func:`hashpivot.hosting.risk.path_hosting_cash_flows`); else None.
    converted_gross_mw : ndarray, shape (T,)
        Gross MW converted by the planned build in each month. [MW]
    final_year_ebitda_usd, final_year_capex_usd : ndarray, shape (J, 1) or (J, P)
        Each phase's final year within the horizon: hosting EBITDA (rent - hall power -
        opex) and operator capex, annualized (per path with hosting risk), for the
        hosting terminal value by a multiple or Gordon growth. [USD/year]
    """

    planned: HostingCashFlows | None
    after_horizon_usd: FloatArray
    paths: dict[str, FloatArray] | None
    converted_gross_mw: FloatArray
    final_year_ebitda_usd: FloatArray
    final_year_capex_usd: FloatArray


#: The planned (path-independent) flows of the last plans seen, by
#: :func:`_planned_key`: every chunk of a Monte Carlo run values each strategy's plan on
#: the same months (recomputing them was about 4 % of the run's time). Read-only.
_PLANNED: dict[tuple[object, ...], SiteHostingFlows] = {}
#: Plans kept in :data:`_PLANNED` (the oldest dropped first). [-]
_PLANNED_MAX = 32
_PLANNED_LOCK = threading.Lock()


def site_hosting_flows(
    site: SiteInputs,
    phases: list[ConversionPhase],
    market: MarketPaths,
    risk_draws: FloatArray | None = None,
) -> SiteHostingFlows:
    """Hosting arrays of one site's conversion ``phases`` on ``market``'s months.

    With ``risk_draws`` (:func:`hashpivot.hosting.risk.hosting_risk_draws`) and
    ``[sites.hosting.risk]``, ``paths`` holds the hosting arrays of every path (P, T) and
    ``after_horizon_usd`` is (P, M); ``planned`` stays the budget build. Without, the
    flows do not depend on the paths: those of equal inputs are computed once and shared
    (their arrays read-only).
    """
    if phases and risk_draws is not None and site.hosting.risk is not None:
        return _site_hosting_flows(site, phases, market, risk_draws)
    key = _planned_key(site, phases, market)
    with _PLANNED_LOCK:  # (the chunks of a run may be valued on several threads)
        out = _PLANNED.get(key)
    if out is None:
        out = _read_only(_site_hosting_flows(site, phases, market, None))
        with _PLANNED_LOCK:
            while len(_PLANNED) >= _PLANNED_MAX:
                del _PLANNED[next(iter(_PLANNED))]
            out = _PLANNED.setdefault(key, out)
    return out


def _planned_key(site: SiteInputs, phases: list[ConversionPhase],
                 market: MarketPaths) -> tuple[object, ...]:
    """What the planned flows depend on: the site's hosting terms and power price, the
    phases (their start, MW and lease terms) and the months with their days."""
    price = site.power_price_usd_per_mwh
    return (
        site.hosting.model_dump_json(),
        np.asarray(price, dtype=np.float64).tobytes(),
        tuple(phases),
        market.periods.freqstr,
        np.asarray(market.periods.asi8).tobytes(),
        np.asarray(market.days_per_period, dtype=np.float64).tobytes(),
    )


def _read_only(flows: SiteHostingFlows) -> SiteHostingFlows:
    """``flows`` with every array made read-only (they are shared)."""
    arrays = [flows.after_horizon_usd, flows.converted_gross_mw,
              flows.final_year_ebitda_usd, flows.final_year_capex_usd]
    if flows.planned is not None:
        arrays += [getattr(flows.planned, f) for f in flows.planned.__dataclass_fields__]
    for a in arrays:
        if isinstance(a, np.ndarray):
            a.setflags(write=False)
    return flows


def _site_hosting_flows(
    site: SiteInputs,
    phases: list[ConversionPhase],
    market: MarketPaths,
    risk_draws: FloatArray | None,
) -> SiteHostingFlows:
    """:func:`site_hosting_flows`, computed."""
    periods = market.periods
    days = np.asarray(market.days_per_period, dtype=float)
    n = len(periods)
    start0 = periods[0]
    hcf: HostingCashFlows | None = None
    paths: dict[str, FloatArray] | None = None
    converted = np.zeros(n)
    after = np.zeros(0)
    final_ebitda = final_capex = np.zeros((0, 1))
    if phases:
        gross = np.array([p.gross_mw for p in phases], dtype=float)
        starts = np.array([(p.start - start0).n for p in phases], dtype=float)
        groups = lease_groups(site.hosting, phases)
        # run the leases past the horizon to their last (expected) renewal, then cut: the
        # months within the horizon are unchanged, the rest is the hosting terminal value
        afters: list[FloatArray] = []
        planned: list[tuple[IntArray, HostingCashFlows]] = []
        ext: list[tuple[HostingProjectSpec, IntArray, FloatArray]] = []
        for h, idx in groups:
            later = pd.period_range(periods[-1] + 1, periods=months_after_horizon(h),
                                    freq="M")
            days_ext = np.concatenate([days, np.asarray(later.days_in_month, dtype=float)])
            hcf_ext = hosting_cash_flows_from_spec(
                h, gross[idx], starts[idx], days_ext, site.power_price_usd_per_mwh
            )
            planned.append((idx, _first_months(hcf_ext, n)))
            ext.append((h, idx, days_ext))
            # each phase up to the end of its last (expected) lease term: an empty hall
            # after it is not valued (neither its opex nor a new lease)
            a = hosting_fcf_after_horizon_usd(
                hcf_ext.hosting_revenue_usd, hcf_ext.prepayment_usd, hcf_ext.power_cost_usd,
                hcf_ext.opex_usd, hcf_ext.operator_capex_usd, n,
            ).sum(axis=0)
            leased = np.flatnonzero(hcf_ext.hosting_revenue_usd[:, n:].sum(axis=0) > 0)
            afters.append(a[: int(leased[-1]) + 1] if leased.size else a[:0])
        hcf = _in_phase_order(planned)
        after = sum_padded(afters)
        converted = hcf.gross_mw_converted.sum(axis=0)
        if risk_draws is None or site.hosting.risk is None:  # the planned build's
            # each hall at the run-rate of the final-year months it is leased
            on = rent_started(hcf.hosting_revenue_usd)
            final_ebitda = final_year_run_rate_usd(
                hcf.hosting_revenue_usd - hcf.power_cost_usd - hcf.opex_usd, on)[:, None]
            final_capex = final_year_run_rate_usd(hcf.operator_capex_usd, on)[:, None]
        else:
            per_group = [
                path_hosting_cash_flows(
                    h, gross[idx], starts[idx], days_ext, site.power_price_usd_per_mwh,
                    risk_draws[:, idx], horizon_months=n,
                )
                for h, idx, days_ext in ext
            ]
            ph = {f: sum_padded([g[f] for g in per_group]) for f in PATH_FIELDS}
            after = _after_horizon_per_path(ph, n)
            paths = {f: v[:, :n] for f, v in ph.items()}
            final_ebitda, final_capex = (  # (the phases' order does not matter here)
                np.concatenate([g[f] for g in per_group]) for f in FINAL_YEAR_FIELDS)
    return SiteHostingFlows(
        planned=hcf, after_horizon_usd=after, paths=paths, converted_gross_mw=converted,
        final_year_ebitda_usd=final_ebitda, final_year_capex_usd=final_capex,
    )


def _after_horizon_per_path(ph: dict[str, FloatArray], n: int) -> FloatArray:
    """Hosting FCF of the months after the horizon on every path (P, M), up to each
    path's last rent month (each phase's flows already stop with its own last rent month:
    an empty hall is not valued)."""
    after = hosting_fcf_after_horizon_usd(
        ph["hosting_revenue_usd"], ph["prepayment_usd"], ph["power_cost_usd"],
        ph["opex_usd"], ph["operator_capex_usd"], n,
    )
    last = np.flatnonzero(until_last_rent(ph["hosting_revenue_usd"][:, n:]).any(axis=0))
    keep = int(last[-1]) + 1 if last.size else 0
    return np.asarray(after[:, :keep], dtype=np.float64)


def lease_groups(
    site_terms: HostingProjectSpec, phases: list[ConversionPhase]
) -> list[tuple[HostingProjectSpec, IntArray]]:
    """The phases grouped by their lease terms: each group's hosting terms (the site's,
    with the phases' own lease terms) and the phases' indices, in order of first phase.
    Without phase terms, one group: the site's terms and every phase."""
    by_terms: dict[tuple[tuple[str, float], ...], list[int]] = {}
    for k, p in enumerate(phases):
        by_terms.setdefault(tuple(sorted(p.lease)), []).append(k)
    return [
        (site_terms.model_copy(update=dict(terms)) if terms else site_terms,
         np.array(idx, dtype=np.int64))
        for terms, idx in by_terms.items()
    ]


def _in_phase_order(groups: list[tuple[IntArray, HostingCashFlows]]) -> HostingCashFlows:
    """One :class:`HostingCashFlows` of the groups' rows, back in phase order."""
    if len(groups) == 1:
        return groups[0][1]
    order = np.argsort(np.concatenate([idx for idx, _ in groups]), kind="stable")
    return HostingCashFlows(**{
        f: np.concatenate([getattr(h, f) for _, h in groups], axis=0)[order]
        for f in HostingCashFlows.__dataclass_fields__
    })


def months_after_horizon(h: HostingProjectSpec) -> int:
    """Months a lease signed at the horizon's end can still run (term, renewals, build)."""
    years = float(h.lease_term_years) + float(h.renewal_options) * float(h.renewal_term_years)
    return int(
        np.ceil(years * MONTHS_PER_YEAR)
        + int(h.construction_months)
        + int(getattr(h, "rent_start_lag_months", 0) or 0)
        + MONTHS_PER_YEAR
    )


def _first_months(hcf: HostingCashFlows, n: int) -> HostingCashFlows:
    """The first ``n`` months of every (K, T) array of a :class:`HostingCashFlows`."""
    cut = {
        f: (v[:, :n] if isinstance(v, np.ndarray) and v.ndim == 2 else v)
        for f, v in ((f, getattr(hcf, f)) for f in hcf.__dataclass_fields__)
    }
    return dataclasses.replace(hcf, **cut)


__all__ = ["SiteHostingFlows", "lease_groups", "months_after_horizon", "site_hosting_flows"]
