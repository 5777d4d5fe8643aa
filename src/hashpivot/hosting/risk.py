"""Hosting risk realised per path (issue 9 item 8): construction delay, capex overrun,
lease-up delay and tenant default with re-letting.

:func:`hosting_risk_draws` draws, for every site with ``[sites.hosting.risk]``, four
uniform numbers per path and phase slot from a stream of its own
(:func:`hosting_risk_rng`), so the market paths of a seed never change and every strategy
sees the same draws (common random numbers). :func:`path_hosting_cash_flows` turns them
into the hosting cash flows of K phases on P paths, shape (P, T), by re-running
:func:`~hashpivot.hosting.project.hosting_cash_flows_from_spec` once per distinct
(construction delay, lease-up delay) of each phase and gathering the rows per path.

Distributions (parameters in :class:`~hashpivot.models.hosting.HostingRiskSpec`):
delays are gamma distributed with the given mean and standard deviation (zero spread:
the mean), rounded to whole months; the capex factor ``1 + overrun`` is lognormal with the
given mean and standard deviation; the first rent month the tenant does not pay (counted
from rent start, at least 1) is geometric with the monthly hazard ``1 - (1 - p)^(1/12)``.
All four come from inverse CDFs of the uniforms, so a higher default probability moves
every path's default earlier.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import gammaincinv, ndtri

from hashpivot.arrays import FloatArray
from hashpivot.hosting.lease import power_rent_kept_usd
from hashpivot.hosting.project import hosting_cash_flows_from_spec
from hashpivot.terminal_value import final_year_run_rate_usd, until_last_rent

if TYPE_CHECKING:
    from hashpivot.models.hosting import HostingProjectSpec, HostingRiskSpec


#: Spawn-key suffix of the hosting-risk stream of a chunk (any constant no chunk uses).
HOSTING_STREAM_KEY = 0x484F5354  # "HOST"

#: The (P, T) arrays :func:`path_hosting_cash_flows` returns.
PATH_FIELDS = (
    "hosting_revenue_usd", "prepayment_usd", "power_cost_usd", "opex_usd",
    "operator_capex_usd", "energy_mwh", "it_mw_in_service", "operator_capex_in_service_usd",
)
#: Per phase, its final year within the horizon (:func:`path_hosting_cash_flows`).
FINAL_YEAR_FIELDS = ("final_year_ebitda_usd", "final_year_capex_usd")
#: The fields of :data:`PATH_FIELDS` in USD (what a hall's value after the horizon sums).
_MONEY_FIELDS = ("hosting_revenue_usd", "prepayment_usd", "power_cost_usd", "opex_usd",
                 "operator_capex_usd")


def hosting_risk_rng(seed_seq: np.random.SeedSequence) -> np.random.Generator:
    """The hosting-risk generator of a chunk: a child of the chunk's seed that the market
    generator never uses (``seed_seq`` is not modified). [-]"""
    child = np.random.SeedSequence(
        seed_seq.entropy,
        spawn_key=(*seed_seq.spawn_key, HOSTING_STREAM_KEY),
        pool_size=seed_seq.pool_size,
    )
    return np.random.default_rng(child)


def hosting_risk_draws(
    slots_by_site: dict[str, int], rng: np.random.Generator, n_paths: int
) -> dict[str, FloatArray]:
    """Uniform draws per site, shape (n_paths, slots, 4), in the order of the dict.

    Parameters
    ----------
    slots_by_site : dict
        Site name -> the most phases any strategy builds there (phase ``j`` of every
        strategy uses slot ``j``).
    rng : numpy.random.Generator
        From :func:`hosting_risk_rng`.
    n_paths : int
        Paths of the chunk. [-]
    """
    return {
        name: rng.random((n_paths, max(int(k), 1), 4)) for name, k in slots_by_site.items()
    }


def gamma_quantile(u: Any, mean: float, sd: float) -> FloatArray:
    """Quantile ``u`` of a gamma law with this mean and standard deviation (``sd = 0``:
    the mean; ``mean = 0``: zero). [same unit as mean]"""
    u = np.asarray(u, dtype=float)
    if mean <= 0:
        return np.zeros_like(u)
    if sd <= 0:
        return np.full_like(u, mean)
    shape = (mean / sd) ** 2
    return np.asarray(gammaincinv(shape, u) * (sd * sd / mean), dtype=float)


def lognormal_factor(u: Any, mean: float, sd: float) -> FloatArray:
    """Quantile ``u`` of a lognormal law with this mean and standard deviation. [-]"""
    u = np.asarray(u, dtype=float)
    if sd <= 0:
        return np.full_like(u, mean)
    s2 = np.log1p((sd / mean) ** 2)
    return np.asarray(np.exp(np.log(mean) - 0.5 * s2 + np.sqrt(s2) * ndtri(u)), dtype=float)


def default_month(u: Any, probability_per_year: float) -> FloatArray:
    """The first rent month (counted from rent start) the tenant does not pay, geometric
    with a constant hazard, at least 1; ``inf`` when the probability is zero. [month]

    Rent is due at the start of each month and paid while the tenant survives to it: the
    tenant's default time ``x`` (continuous, ``P(x > m) = (1 - p)^(m / 12)``) leaves the
    rent of month ``m`` unpaid from ``ceil(x)`` on, so month ``m`` is paid with
    probability ``(1 - p)^(m / 12)`` and month 0 always: the survival of
    :func:`hashpivot.hosting.lease.tenant_collection_factor`.
    """
    u = np.asarray(u, dtype=float)
    if probability_per_year <= 0:
        return np.full_like(u, np.inf)
    log_survive = np.log1p(-probability_per_year) / 12.0  # log of the monthly survival
    return np.maximum(np.ceil(np.log1p(-u) / log_survive), 1.0)


def path_hosting_cash_flows(
    spec: HostingProjectSpec,
    gross_mw: FloatArray,
    start_index: FloatArray,
    days_per_month: FloatArray,
    power_price_usd_per_mwh: Any,
    draws: FloatArray,
    horizon_months: int | None = None,
) -> dict[str, FloatArray]:
    """Hosting cash flows of K phases on every path, with the risk of ``spec.risk``.

    Parameters
    ----------
    spec : HostingProjectSpec
        The site's hosting terms, with ``risk`` set.
    gross_mw, start_index : ndarray (K,)
        Phases' gross MW [MW] and construction start [month index].
    days_per_month : ndarray (T,)
        Days of each month (sets T). [day]
    power_price_usd_per_mwh : numeric or ndarray (T,)
        Site power price (modified gross). [USD/MWh]
    draws : ndarray (P, J, 4), J >= K
        Uniforms of :func:`hosting_risk_draws`: construction delay, lease-up delay,
        capex overrun, default month.
    horizon_months : int, optional
        The model's horizon when ``days_per_month`` runs past it: after it, each phase's
        money flows stop with its own last rent month on each path (the terminal value's
        convention, :func:`hashpivot.terminal_value.until_last_rent`). [month]

    Returns
    -------
    dict
        :data:`PATH_FIELDS` -> arrays (P, T) summed over the phases [USD, MWh, MW]; with
        ``horizon_months``, also :data:`FINAL_YEAR_FIELDS` -> arrays (K, P): each phase's
        final year within the horizon, its hosting EBITDA (rent - hall power - opex) and
        its operator capex, annualized [USD/year] (for its terminal value).

    Notes
    -----
    The converted MW stop mining at the planned start whatever the delay (the mining side
    is unchanged); the capex of a late build is spread over its longer construction and
    scaled by the overrun factor; the project debt is the budgeted one (computed by the
    caller from the risk-free phases). After a realised default the hall's power (modified
    gross) stops during the vacancy; the operator's opex goes on. The recovery collected
    while vacant and the re-let rent's haircut are shares of the rent net of the hall's
    power: the new tenant pays the power it draws in full
    (:func:`~hashpivot.hosting.lease.power_rent_kept_usd`).
    """
    risk: HostingRiskSpec | None = spec.risk
    if risk is None:
        raise ValueError("path_hosting_cash_flows needs spec.risk")
    n_paths = draws.shape[0]
    n = int(np.asarray(days_per_month).shape[0])
    realised = risk.tenant_default == "realised"
    base = (
        spec.model_copy(update={"tenant_default_probability_per_year": 0.0}) if realised
        else spec
    )
    c = int(spec.construction_months)
    delay = np.rint(
        gamma_quantile(draws[..., 0], risk.construction_delay_fraction_mean * c,
                       risk.construction_delay_fraction_sd * c)
    ).astype(np.int64)
    lease_up = np.rint(
        gamma_quantile(draws[..., 1], risk.lease_up_delay_months_mean,
                       risk.lease_up_delay_months_sd)
    ).astype(np.int64)
    overrun = lognormal_factor(
        draws[..., 2], 1.0 + risk.capex_overrun_fraction_mean, risk.capex_overrun_fraction_sd
    )
    tau = default_month(draws[..., 3], spec.tenant_default_probability_per_year)
    t = np.arange(n, dtype=float)[None, :]
    out = {f: np.zeros((n_paths, n)) for f in PATH_FIELDS}
    final: dict[str, list[FloatArray]] = {f: [] for f in FINAL_YEAR_FIELDS}
    pre = float(spec.prepayment_fraction)
    for k in range(len(gross_mw)):
        pairs, inv = np.unique(np.stack([delay[:, k], lease_up[:, k]], 1), axis=0,
                               return_inverse=True)
        inv = inv.ravel()
        tables: dict[str, list[FloatArray]] = {f: [] for f in (*PATH_FIELDS, "contracted")}
        rent_start = np.empty(len(pairs))
        for j, (d, lu) in enumerate(pairs):
            phase_spec = base.model_copy(
                update={"rent_start_lag_months": base.rent_start_lag_months + int(lu)}
            )
            hcf = hosting_cash_flows_from_spec(
                phase_spec, gross_mw[k : k + 1], start_index[k : k + 1], days_per_month,
                power_price_usd_per_mwh, build_delay_months=int(d),
            )
            for f in PATH_FIELDS:
                tables[f].append(getattr(hcf, f)[0])
            tables["contracted"].append(hcf.contracted_revenue_usd[0])
            rent_start[j] = float(hcf.ready_index[0]) + phase_spec.rent_start_lag_months
        rows = {f: np.stack(v)[inv] for f, v in tables.items()}  # (P, T)
        for f in ("operator_capex_usd", "operator_capex_in_service_usd"):
            rows[f] = rows[f] * overrun[:, k, None]
        if realised:
            m = t - rent_start[inv][:, None]  # months since rent start
            tk = tau[:, k, None]
            vacant = (m >= tk) & (m < tk + risk.re_lease_downtime_months)
            collect = np.where(
                m < tk, 1.0,
                np.where(vacant, spec.default_recovery_fraction,
                         1.0 - risk.re_lease_rent_haircut_fraction),
            )
            # the recovery and the re-let rent are shares of the rent net of the hall's
            # power (modified gross): an empty hall draws none, a new tenant pays its own
            kept = power_rent_kept_usd(rows["power_cost_usd"], collect, ~vacant)
            revenue = rows["hosting_revenue_usd"]
            cash = (revenue + rows["prepayment_usd"]) * collect + kept
            revenue = revenue * collect + rows["contracted"] * pre * (1.0 - collect) + kept
            rows["hosting_revenue_usd"] = revenue
            rows["prepayment_usd"] = cash - revenue
            rows["power_cost_usd"] = np.where(vacant, 0.0, rows["power_cost_usd"])
            rows["energy_mwh"] = np.where(vacant, 0.0, rows["energy_mwh"])
        if horizon_months is not None:
            h0 = int(horizon_months)
            leased = until_last_rent(rows["hosting_revenue_usd"][:, h0:])
            for f in _MONEY_FIELDS:
                rows[f][:, h0:] = np.where(leased, rows[f][:, h0:], 0.0)
            # at the run-rate of the final-year months from the path's rent start on
            on = (t >= rent_start[inv][:, None])[:, :h0]
            final["final_year_ebitda_usd"].append(final_year_run_rate_usd(
                rows["hosting_revenue_usd"][:, :h0] - rows["power_cost_usd"][:, :h0]
                - rows["opex_usd"][:, :h0], on))
            final["final_year_capex_usd"].append(
                final_year_run_rate_usd(rows["operator_capex_usd"][:, :h0], on))
        for f in PATH_FIELDS:
            out[f] += rows[f]
    if horizon_months is not None:
        out |= {f: np.stack(v) if v else np.zeros((0, n_paths)) for f, v in final.items()}
    return out


__all__ = [
    "FINAL_YEAR_FIELDS",
    "HOSTING_STREAM_KEY",
    "PATH_FIELDS",
    "default_month",
    "gamma_quantile",
    "hosting_risk_draws",
    "hosting_risk_rng",
    "lognormal_factor",
    "path_hosting_cash_flows",
]
