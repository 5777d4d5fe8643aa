"""Terminal value of a strategy's business lines (``[pivot.terminal_value]``).

Mining and hosting are valued separately at the end of the horizon, per path:

- mining: an exit multiple of the final year's mining EBITDA, or the Gordon value of the
  final year's mining free cash flow (EBITDA - fleet replacement capex), or nothing;
- hosting: the leases' remaining term valued explicitly (``contract``: the expected rent of
  the leases signed within the horizon, with renewals and defaults, net of hall power, opex
  and capex, month by month after the horizon), or an exit multiple / Gordon value of the
  final year's hosting EBITDA / FCF, or nothing.

The final year is the last 12 months of the horizon (annualized if the horizon is
shorter), mining's taken a year on: each month's revenue at the block subsidy of the same
month a year later (:meth:`hashpivot.market.MarketPaths.year_ahead_revenue_factor`: a
halving within the final year or just after the horizon is valued); mining's is taken
tranche by tranche at the MW still mining at the horizon
(``CashFlows.mining_at_horizon``): a MW converted in the final year does not mine after
the horizon. Mining is floored at zero per tranche (:func:`mining_value_at_horizon_usd`:
machines that lose money at the horizon are abandoned, as the decision engine values
them), then as a whole with the sites' cash SG&A, their contracted supply's (PPA block,
renewable plant) worth with no miners added on its own (the same in every strategy; a
PPA block ending after the horizon valued to its end only);
hosting by a multiple or Gordon growth per hall (``CashFlows.halls_at_horizon``), each
floored at zero, and by ``contract`` on the leases' own flows after the horizon; the
halls already in service (``[[sites.hosting.in_service]]``) on their remaining term
whatever the hosting method but ``none`` (the same in every strategy). Values
are discounted to the model's start at the unlevered monthly rate. The formulas are in
:mod:`hashpivot.terminal_value`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hashpivot.arrays import FloatArray
from hashpivot.engines.pivot.flows import CashFlows, MiningAtHorizon, SupplyAtHorizon
from hashpivot.finance import periodic_rate
from hashpivot.models.pivot import TerminalValueSpec
from hashpivot.terminal_value import (
    exit_multiple_terminal_value_usd,
    final_year_usd,
    gordon_factor,
    gordon_terminal_value_usd,
    value_at_horizon_of_flows_usd,
)
from hashpivot.units import MONTHS_PER_YEAR


@dataclass(frozen=True)
class TerminalValue:
    """Terminal values of one strategy, per path.

    Attributes
    ----------
    mining_at_horizon_usd, hosting_at_horizon_usd : ndarray (P,)
        Value of each line at the end of the horizon. [USD]
    present_value_usd : ndarray (P,)
        Both lines discounted to the model's start. [USD]
    mining_discount_factor, hosting_discount_factor : float
        Each line's discount factor from the horizon to the start. [-]
    mining_supply : tuple of SupplyAtHorizon
        The sites' contracted supply streams that ``mining_at_horizon_usd`` holds
        (:func:`site_stream_value_at_horizon_usd`: a PPA block ending ``M`` months after
        the horizon at ``min(a_M, f) E``).
    mining_discount_rate : float
        The mining line's annual rate, ``a_M``'s. [1/year]
    """

    mining_at_horizon_usd: FloatArray
    hosting_at_horizon_usd: FloatArray
    present_value_usd: FloatArray
    mining_discount_factor: float = 1.0
    hosting_discount_factor: float = 1.0
    mining_supply: tuple[SupplyAtHorizon, ...] = ()
    mining_discount_rate: float = 0.0

    def after_tax_present_value_usd(self, spec: TerminalValueSpec,
                                     income_tax_rate: float) -> FloatArray:
        """The present value with each line valued on cash flows (Gordon growth, the
        contracts) taxed at ``income_tax_rate`` as those flows: the capex they hold
        deducted as paid, no depreciation of what was built before the horizon; a line at
        an exit multiple is kept as it is (a buyer's price, after its taxes), but for a
        PPA block ending after the horizon, whose remaining months are a contract's cash
        flows: ``min((1 - t) a_M, f) E`` instead of ``min(a_M, f) E``, its flows taxed as
        the hosting ``contract`` line's and worth no more after tax than the multiple
        (``mining_supply``). [USD]"""
        t = income_tax_rate

        def kept(method: str) -> float:
            return 1.0 if method == "exit_multiple" else 1.0 - t

        mining = self.mining_at_horizon_usd
        if spec.mining_method == "exit_multiple":
            f = spec.mining_ebitda_multiple
            for supply in self.mining_supply:
                if supply.months_left is None:  # no end after the horizon: the multiple
                    continue
                a = years_to_block_end(spec, supply.months_left, self.mining_discount_rate)
                mining = mining + ((min((1.0 - t) * a, f) - min(a, f))
                                   * np.asarray(supply.ending_usd, dtype=float))
        return np.asarray(
            kept(spec.mining_method) * mining * self.mining_discount_factor
            + kept(spec.hosting_method) * self.hosting_at_horizon_usd
            * self.hosting_discount_factor, dtype=float)


def terminal_value(
    cf: CashFlows,
    spec: TerminalValueSpec,
    discount_rate: float,
    hosting_discount_rate: float | None = None,
) -> TerminalValue:
    """Terminal value of each business line of a strategy, per path.

    Parameters
    ----------
    cf : CashFlows
        The strategy's monthly cash flows, shape (P, T).
    spec : TerminalValueSpec
        Method per line, multiples, Gordon growth.
    discount_rate : float
        Annual discount rate (fraction) of the unlevered flows (of mining when
        ``hosting_discount_rate`` is given). [1/year]
    hosting_discount_rate : float, optional
        Annual rate of the hosting line; None = ``discount_rate``. [1/year]

    Returns
    -------
    TerminalValue
        Values at the horizon and their present value at the start. [USD]
    """
    p = cf.n_paths
    t = cf.unlevered_fcf_usd.shape[-1]
    r_h_year = discount_rate if hosting_discount_rate is None else hosting_discount_rate
    r_m = float(periodic_rate(discount_rate))
    r_hm = float(periodic_rate(r_h_year))
    last = cf.last_months(MONTHS_PER_YEAR)  # EBITDA of the final year only
    if cf.mining_at_horizon:  # tranche by tranche, at the MW mining at the horizon
        mining = mining_value_at_horizon_usd(spec, cf.mining_at_horizon, discount_rate, p)
    else:  # flows built by hand: the mining line's own final year
        mining = line_value_at_horizon_usd(
            spec.mining_method,
            final_year_usd(last.mining_ebitda_usd),
            final_year_usd(last.replacement_capex_usd),
            spec.mining_ebitda_multiple,
            discount_rate,
            spec.growth_per_year,
            p,
        )
    if spec.hosting_method == "contract":
        after = cf.hosting_fcf_after_horizon_usd
        # (M,) flows, or (P, M) per path with hosting risk
        value = 0.0 if after is None else value_at_horizon_of_flows_usd(after, r_hm)
        hosting = np.broadcast_to(np.asarray(value, dtype=float), (p,))
    elif spec.hosting_method != "none" and cf.halls_at_horizon is not None:
        # each hall on its own, floored at zero: a hall built in the final year (its FCF
        # the capex) or losing money then is worth nothing after the horizon, not a
        # perpetual loss taken from the others (as the decision engine values halls)
        halls = cf.halls_at_horizon
        hosting = np.asarray(line_value_at_horizon_usd(
            spec.hosting_method, halls.ebitda_usd, halls.capex_usd,
            spec.hosting_ebitda_multiple, r_h_year, spec.growth_per_year, p,
        ), dtype=float).reshape(-1, p).sum(axis=0)
    else:  # none, or flows built by hand: the hosting line's own final year
        hosting = line_value_at_horizon_usd(
            spec.hosting_method,
            final_year_usd(last.hosting_ebitda_usd),
            final_year_usd(last.hosting_capex_usd),
            spec.hosting_ebitda_multiple,
            r_h_year,
            spec.growth_per_year,
            p,
        )
    if spec.hosting_method != "none" and cf.hosting_in_service_after_horizon_usd is not None:
        # the halls in service on their remaining term, whatever the method (the same in
        # every strategy: engines/pivot/in_service.py)
        hosting = hosting + value_at_horizon_of_flows_usd(
            cf.hosting_in_service_after_horizon_usd, r_hm)
    mining = np.broadcast_to(np.asarray(mining, dtype=float), (p,)).copy()
    hosting = np.broadcast_to(np.asarray(hosting, dtype=float), (p,)).copy()
    d_m, d_h = (1.0 + r_m) ** -float(t), (1.0 + r_hm) ** -float(t)
    return TerminalValue(mining, hosting, mining * d_m + hosting * d_h, d_m, d_h,
                         tuple(site.supply for site in cf.mining_at_horizon or ()),
                         discount_rate)


def mining_value_at_horizon_usd(
    spec: TerminalValueSpec,
    sites: tuple[MiningAtHorizon, ...],
    discount_rate: float,
    n_paths: int,
) -> FloatArray:
    """Mining's value at the horizon, with the machines that lose money there abandoned.

    ``V(sum_s sum_j max(x_sj, 0) - sum_s SGA_s)``: ``x_sj`` the final-year EBITDA
    (``exit_multiple``) or FCF, EBITDA - fleet replacement capex (``gordon``), of tranche
    ``j`` of site ``s`` at the MW it mines at the horizon; ``SGA_s`` the site's cash SG&A
    of a year, which is paid whatever mines (a converted site's too, as within the
    horizon); ``V`` the method's value, floored at zero (:func:`line_value_at_horizon_usd`).
    So a tranche that loses money at the horizon is retired and takes nothing from the
    others, as the decision engine floors each tranche
    (:func:`hashpivot.optimize.terminal.mining_terminal_usd_per_mw`); the whole line is
    floored once more, with the SG&A (mining stops if the machines kept do not cover it).
    A portfolio of one tranche is valued as its final year, ``V(x - SGA)``. A site's
    contracted supply's worth with no miners (``MiningAtHorizon.supply``,
    the same in every strategy: :mod:`~hashpivot.engines.pivot.uplift.supply_stream`) is added on
    its own, site by site, not floored (:func:`site_stream_value_at_horizon_usd`: a PPA
    block ending after the horizon to its end only).

    Parameters
    ----------
    spec : TerminalValueSpec
        Method, multiple and growth.
    sites : tuple of MiningAtHorizon
        ``CashFlows.mining_at_horizon``.
    discount_rate : float
        Annual rate of the mining line (Gordon's). [1/year]
    n_paths : int
        Number of paths.

    Returns
    -------
    ndarray (P,)
        Value at the horizon. [USD]
    """
    kept = np.zeros(n_paths)
    for site in sites:
        x = (site.ebitda_usd if spec.mining_method != "gordon"
             else site.ebitda_usd - site.replacement_capex_usd)
        kept = kept + np.maximum(x, 0.0).sum(axis=0)
    kept = kept - sum(site.sga_cash_usd for site in sites)
    value = np.asarray(line_value_at_horizon_usd(  # (Gordon's FCF is in ``kept``)
        spec.mining_method, kept, np.zeros(n_paths), spec.mining_ebitda_multiple,
        discount_rate, spec.growth_per_year, n_paths,
    ), dtype=float)
    for site in sites:  # their contracted supply with no miners: in every strategy
        value = value + site_stream_value_at_horizon_usd(spec, site.supply, discount_rate)
    return value


def site_stream_value_at_horizon_usd(spec: TerminalValueSpec, stream: SupplyAtHorizon,
                                     discount_rate: float) -> FloatArray:
    """Value at the horizon of a site's stream that every strategy carries (its
    contracted supply's worth with no miners,
    :mod:`~hashpivot.engines.pivot.uplift.supply_stream`), not floored, so the same in
    every strategy whatever mines: ``f x S`` (``f`` the exit multiple or
    :func:`~hashpivot.terminal_value.gordon_factor`, 0 with ``none``; ``S`` the final
    year); where a PPA block ends ``M`` months after the horizon, ``f (S - E) + min(a_M,
    f) E``, ``E`` the block's part of ``S`` and ``a_M`` the value at the horizon of 1
    USD/year paid 1/12 a month at month end over those months (the hosting line's
    remaining lease terms' convention; 1.3729 years over 18 months at 12 %/year; grown
    as Gordon's flows at Gordon growth: :func:`years_to_block_end`): the block is worth
    no more than with no end, and one priced above the index (``E < 0``) loses no more.
    [USD]

    Parameters
    ----------
    spec : TerminalValueSpec
        Method, multiple and growth of the mining line.
    stream : SupplyAtHorizon
        The stream's final year ``S`` [USD/year], shape (P,), and where a block ends
        after the horizon its part ``E`` [USD/year] and months left ``M`` [month].
    discount_rate : float
        Annual rate of the mining line. [1/year]
    """
    if spec.mining_method == "exit_multiple":
        factor = spec.mining_ebitda_multiple
    elif spec.mining_method == "gordon":
        factor = gordon_factor(discount_rate, spec.growth_per_year)
    else:
        factor = 0.0
    s = np.asarray(stream.final_year_usd, dtype=float)
    if stream.months_left is None:
        return np.asarray(factor * s, dtype=float)
    to_end = years_to_block_end(spec, stream.months_left, discount_rate)  # a_M
    ending = np.asarray(stream.ending_usd, dtype=float)
    return np.asarray(factor * (s - ending) + min(to_end, factor) * ending, dtype=float)


def years_to_block_end(spec: TerminalValueSpec, months_left: int,
                       discount_rate: float) -> float:
    """``a_M``: the value at the horizon of 1 USD/year paid 1/12 a month at month end over
    the ``months_left`` months a PPA block settles after the horizon, at the annual
    ``discount_rate`` [1/year] compounded monthly (1.3729 over 18 months at 12 %/year);
    at Gordon growth ``g`` (``spec``'s mining method) each year's grown as Gordon's are,
    ``(1 + g)^k`` in the ``k``-th year after the horizon, so that ``a_M`` rises to
    :func:`~hashpivot.terminal_value.gordon_factor` as the end moves away (1.4092 over
    18 months at 12 % and 2 %). [year]"""
    g = spec.growth_per_year if spec.mining_method == "gordon" else 0.0
    year = np.arange(months_left) // MONTHS_PER_YEAR + 1  # 1 in the first year after
    return float(value_at_horizon_of_flows_usd(
        (1.0 + g) ** year / MONTHS_PER_YEAR, float(periodic_rate(discount_rate))))


def line_value_at_horizon_usd(
    method: str,
    ebitda_usd: FloatArray,
    capex_usd: FloatArray,
    ebitda_multiple: float,
    discount_rate: float,
    growth_per_year: float,
    n_paths: int,
) -> FloatArray:
    """Value at the horizon of one business line by a market method.

    Parameters
    ----------
    method : str
        ``"exit_multiple"``, ``"gordon"`` or ``"none"``.
    ebitda_usd, capex_usd : ndarray
        The line's final-year EBITDA and capex (Gordon's FCF is their difference). [USD]
    ebitda_multiple : float
        Exit multiple of final-year EBITDA. [-]
    discount_rate, growth_per_year : float
        The line's annual discount rate and Gordon growth. [1/year]
    n_paths : int
        Number of paths (the shape of ``"none"``'s zeros).

    Returns
    -------
    ndarray
        Terminal value at the horizon, shape (P,). [USD]
    """
    if method == "exit_multiple":
        return exit_multiple_terminal_value_usd(ebitda_usd, ebitda_multiple)
    if method == "gordon":
        return gordon_terminal_value_usd(ebitda_usd - capex_usd, discount_rate, growth_per_year)
    return np.zeros(n_paths)


def at_horizon_mw(
    mining_ebitda_usd: FloatArray,
    replacement_capex_usd: FloatArray,
    mining_mw: FloatArray,
    horizon_mw: float | None = None,
) -> tuple[FloatArray, FloatArray]:
    """A tranche's final-year mining EBITDA and replacement capex at the horizon's MW.

    Parameters
    ----------
    mining_ebitda_usd, replacement_capex_usd : ndarray (P, n)
        The final year's monthly figures (n = min(12, T) months), proportional to the MW
        mining that month (cash SG&A not included). [USD]
    mining_mw : ndarray (n,)
        MW mining each of those months. [MW]
    horizon_mw : float, optional
        ``MW_T``, the MW that mine on after the horizon; default ``mining_mw[-1]`` (a site
        connected during the horizon's last month mines only part of it). [MW]

    Returns
    -------
    tuple of ndarray (P,)
        ``12/m sum_t x_t MW_T / MW_t`` over the ``m`` months with MW (months with none
        count 0): the final year as the MW still mining at the horizon would have earned
        it. ``m`` is ``n`` but where a site connected during the final year had no MW
        before its connection (a month connected in part counts as a whole one, its flows
        scaled up by ``MW_T / MW_t``). [USD/year]
    """
    at_end = float(mining_mw[-1]) if horizon_mw is None else float(horizon_mw)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(mining_mw > 0, at_end / mining_mw, 0.0)
    n, m = len(mining_mw), int(np.count_nonzero(mining_mw > 0))
    fix = n / m if 0 < m < n and mining_mw[-1] > 0 else 1.0  # (only before a connection)
    return (final_year_usd(np.atleast_2d(mining_ebitda_usd) * scale) * fix,
            final_year_usd(np.atleast_2d(replacement_capex_usd) * scale) * fix)


#: How :func:`describe` names ``hosting_method = "contract"`` (the leases' own flows after
#: the horizon, not floored).
CONTRACT_TEXT = "remaining lease terms valued explicitly"


def describe(spec: TerminalValueSpec) -> str:
    """One line stating the terminal-value treatment (for tables, charts and JSON)."""
    m = {
        "none": "none",
        "gordon": f"Gordon growth {100 * spec.growth_per_year:g} %/yr",
        "exit_multiple": f"{spec.mining_ebitda_multiple:g}x final-year EBITDA",
    }[spec.mining_method]
    h = {
        "none": "none",
        "contract": CONTRACT_TEXT,
        "gordon": f"Gordon growth {100 * spec.growth_per_year:g} %/yr",
        "exit_multiple": f"{spec.hosting_ebitda_multiple:g}x final-year EBITDA",
    }[spec.hosting_method]
    return f"terminal value: mining {m}; hosting {h}"


__all__ = [
    "CONTRACT_TEXT",
    "TerminalValue",
    "at_horizon_mw",
    "describe",
    "final_year_usd",
    "line_value_at_horizon_usd",
    "mining_value_at_horizon_usd",
    "site_stream_value_at_horizon_usd",
    "terminal_value",
]
