"""The monthly cash flows of one strategy: :class:`CashFlows`.

The contract between the pivot model and the risk engine: arrays of shape
``(n_paths, n_months)`` (arrays that do not depend on the market are read-only broadcast
views), the EBITDA of each business line and calendar-year totals.
:func:`~hashpivot.engines.pivot.cashflows.strategy_cash_flows` builds it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hashpivot.arrays import FloatArray, any_nonzero


@dataclass(frozen=True)
class SupplyAtHorizon:
    """A site's contracted supply's (``[sites.dispatch.ppa]``,
    ``[sites.dispatch.renewable]``) worth with no miners as the terminal value takes it
    (:func:`~hashpivot.engines.pivot.uplift.supply_stream.supply_at_horizon`; valued by
    :func:`~hashpivot.engines.pivot.terminal.site_stream_value_at_horizon_usd`).

    Attributes
    ----------
    final_year_usd : ndarray, shape (P,), or float
        ``S``, the stream's final year with the curve in force after the horizon (the
        same in every strategy); 0 without one. [USD/year]
    ending_usd : ndarray, shape (P,), or float
        ``E``, the part of ``S`` that ends after the horizon: the PPA block's (``S`` less
        the final year of the site without it, a renewable plant's), 0 where nothing
        ends. [USD/year]
    months_left : int or None
        ``M``, the months the block settles after the horizon, the month after it
        through the block's ``end``; None: no end after the horizon. [month]
    """

    final_year_usd: FloatArray | float = 0.0
    ending_usd: FloatArray | float = 0.0
    months_left: int | None = None


@dataclass(frozen=True)
class MiningAtHorizon:
    """One site's final-year mining at the MW still mining at the horizon, tranche by
    tranche: what its mining terminal value is taken from.

    Attributes
    ----------
    ebitda_usd : ndarray, shape (J, P)
        Each tranche's final-year mining EBITDA (revenue - power - its cost items, cash
        SG&A not included), at the MW it mines at the horizon (run rate: each month's
        per-MW figures times the last month's MW). [USD/year]
    replacement_capex_usd : ndarray, shape (J, P)
        Each tranche's final-year fleet replacement capex, likewise. [USD/year]
    sga_cash_usd : float
        The site's cash SG&A of a year, paid whatever mines. [USD/year]
    supply : SupplyAtHorizon
        The site's contracted supply's worth with no miners after the horizon
        (:func:`~hashpivot.engines.pivot.uplift.supply_stream.site_supply_usd`: the same in every
        strategy), valued on its own, not floored with mining; none by default.
    """

    ebitda_usd: FloatArray
    replacement_capex_usd: FloatArray
    sga_cash_usd: float
    supply: SupplyAtHorizon = SupplyAtHorizon()


@dataclass(frozen=True)
class HallsAtHorizon:
    """Each hall's (conversion phase's) final year within the horizon: what the hosting
    terminal value by a multiple or Gordon growth is taken from.

    Attributes
    ----------
    ebitda_usd : ndarray, shape (J, P)
        Rent earned - hall power - hall opex, annualized. [USD/year]
    capex_usd : ndarray, shape (J, P)
        Operator capex, annualized. [USD/year]
    """

    ebitda_usd: FloatArray
    capex_usd: FloatArray


@dataclass(frozen=True)
class CashFlows:
    """Monthly cash flows of one strategy; every array has shape (n_paths, n_months).

    Attributes
    ----------
    periods : pandas.PeriodIndex
        The months.
    mining_revenue_usd : ndarray
        BTC mined x BTC price. [USD]
    hosting_revenue_usd : ndarray
        Expected rent earned. [USD]
    power_cost_usd : ndarray
        Mining power plus hall power under modified gross, as paid (the contracted
        supply's settlement is ``site_supply_usd``, apart). [USD]
    opex_usd : ndarray
        Site cost items (variable ones only while mining, fixed ones also while curtailed,
        both for the MW still mining; cash SG&A always) plus hosting opex. [USD]
    capex_usd : ndarray
        Operator hosting capex plus fleet replacement capex. [USD]
    unlevered_fcf_usd : ndarray
        ``EBITDA - capex + ASIC resale + prepayment timing``. [USD]
    debt_service_usd : ndarray
        Interest + principal + fees of the project debt. [USD]
    levered_fcf_usd : ndarray
        ``unlevered FCF + debt draws - debt service``. [USD]
    btc_mined : ndarray
        BTC mined net of the pool fee. [BTC]
    energy_mwh : ndarray
        Energy used by mining and by the halls. [MWh]
    contracted_revenue_usd : ndarray
        Initial-term rent as contracted (nominal). [USD]
    asic_resale_usd : ndarray
        Cash from reselling displaced miners. [USD]
    prepayment_usd : ndarray
        Rent cash minus rent earned (prepaid rent). [USD]
    hosting_capex_usd, replacement_capex_usd, tenant_capex_usd : ndarray
        Operator hosting capex, fleet replacement capex, and capex paid by tenants (not an
        operator cash flow; for information). [USD]
    debt_draw_usd, interest_usd : ndarray
        Debt drawn and interest paid. [USD]
    mining_mw : ndarray
        Gross MW still mining. [MW]
    it_mw_in_service : ndarray
        Critical IT in service. [MW]
    contracted_backlog_usd : float
        Nominal initial-term rent of every signed lease, beyond the horizon too. [USD]
    debt_balloon_usd : float
        Project debt still outstanding at the end of the months, repaid in the last month
        as a balloon (part of that month's ``debt_service_usd``): the valuation settles the
        debt at the horizon. [USD]
    hosting_power_cost_usd, hosting_opex_usd : ndarray
        The halls' share of ``power_cost_usd`` and ``opex_usd`` (for EBITDA by business
        line). [USD]
    hosting_fcf_after_horizon_usd : ndarray, shape (M,)
        Expected hosting free cash flow (rent with expected renewals and defaults, minus
        hall power, opex and capex) of the M months after the horizon, month 0 first: what
        the leases signed within the horizon still bring. [USD]
    mining_at_horizon : tuple of MiningAtHorizon
        Per site, each tranche's final-year mining at the MW still mining at the horizon,
        for the mining terminal value (a MW converted within the final year no longer
        mines after it; a tranche that loses money at the horizon is abandoned).
        Empty for flows built by hand: the terminal value then takes the mining line's own
        final year.
    halls_at_horizon : HallsAtHorizon or None
        Every hall's final year, for the hosting terminal value by a multiple or Gordon
        growth (a hall that loses money at the horizon, one still being built, is valued
        at zero, not as a perpetual loss). None for flows built by hand: the hosting
        line's own final year.
    hosting_capex_in_service_usd : ndarray or None
        The operator hosting capex as placed in service: each hall's build counted in the
        month it enters service (its tax depreciation starts then); None for flows built
        by hand (as paid). [USD]
    site_supply_usd : ndarray or None
        The sites' contracted supply (``[sites.dispatch.ppa]`` block, ``[sites.dispatch.
        renewable]`` plant) worth with no miners, a stream of each site in every strategy
        (:mod:`~hashpivot.engines.pivot.uplift.supply_stream`; a credit positive, a dear
        contract's loss negative): a line of its own, in EBITDA and the free cash flows,
        in neither business line's EBITDA (:attr:`mining_ebitda_usd`,
        :attr:`hosting_ebitda_usd`), discounted at the mining line's rate (the mining
        line's free cash flow is the whole one less the hosting line's) and valued after
        the horizon by the mining method on its own. Until 2026-12-07 it was netted into
        ``power_cost_usd``: a site converted whole showed a mining power credit with no
        mining revenue. None: no site has one. [USD]
    hosting_in_service_usd : ndarray or None
        The sites' halls already in service (``[[sites.hosting.in_service]]``): rent less
        the hall power and opex the operator pays, the same in every strategy
        (:mod:`~hashpivot.engines.pivot.in_service`): a line of its own, in EBITDA and the
        free cash flows, in neither business line's EBITDA, discounted at the hosting
        line's rate (:func:`~hashpivot.engines.pivot.discounting.hosting_fcf_usd`).
        None: no site has one. [USD]
    hosting_in_service_after_horizon_usd : ndarray, shape (M,), or None
        The same net flow in the months after the horizon through the last lease's end:
        its value after the horizon. [USD]
    """

    periods: pd.PeriodIndex
    mining_revenue_usd: FloatArray
    hosting_revenue_usd: FloatArray
    power_cost_usd: FloatArray
    opex_usd: FloatArray
    capex_usd: FloatArray
    unlevered_fcf_usd: FloatArray
    debt_service_usd: FloatArray
    levered_fcf_usd: FloatArray
    btc_mined: FloatArray
    energy_mwh: FloatArray
    contracted_revenue_usd: FloatArray
    asic_resale_usd: FloatArray
    prepayment_usd: FloatArray
    hosting_capex_usd: FloatArray
    replacement_capex_usd: FloatArray
    tenant_capex_usd: FloatArray
    debt_draw_usd: FloatArray
    interest_usd: FloatArray
    mining_mw: FloatArray
    it_mw_in_service: FloatArray
    contracted_backlog_usd: float = 0.0
    debt_balloon_usd: float = 0.0
    hosting_power_cost_usd: FloatArray | None = None
    hosting_opex_usd: FloatArray | None = None
    hosting_fcf_after_horizon_usd: FloatArray | None = None
    mining_at_horizon: tuple[MiningAtHorizon, ...] = ()
    halls_at_horizon: HallsAtHorizon | None = None
    hosting_capex_in_service_usd: FloatArray | None = None
    site_supply_usd: FloatArray | None = None
    hosting_in_service_usd: FloatArray | None = None
    hosting_in_service_after_horizon_usd: FloatArray | None = None

    @property
    def hosting_ebitda_usd(self) -> FloatArray:
        """Hosting revenue - hall power - hall opex. [USD]"""
        hp = 0.0 if self.hosting_power_cost_usd is None else self.hosting_power_cost_usd
        ho = 0.0 if self.hosting_opex_usd is None else self.hosting_opex_usd
        return np.asarray(self.hosting_revenue_usd - hp - ho, dtype=np.float64)

    @property
    def mining_ebitda_usd(self) -> FloatArray:
        """EBITDA minus the hosting EBITDA, the sites' contracted supply stream
        (``site_supply_usd``) and their halls in service (``hosting_in_service_usd``):
        mining and the site's own costs. [USD]"""
        return np.asarray(self.ebitda_usd - self.hosting_ebitda_usd - self._supply_usd
                          - self.in_service_usd, dtype=np.float64)

    @property
    def in_service_usd(self) -> FloatArray | float:
        """``hosting_in_service_usd``, 0 without one. [USD]"""
        return 0.0 if self.hosting_in_service_usd is None else self.hosting_in_service_usd

    @property
    def _supply_usd(self) -> FloatArray | float:
        """``site_supply_usd``, 0 without one. [USD]"""
        return 0.0 if self.site_supply_usd is None else self.site_supply_usd

    @property
    def net_power_cost_usd(self) -> FloatArray:
        """The power cost net of the contracted supply's settlement: what the sites pay
        for power on balance (``power_cost_usd - site_supply_usd``; a month's reverse
        margin weighs it against the BTC mined). [USD]"""
        return np.asarray(self.power_cost_usd - self._supply_usd, dtype=np.float64)

    @property
    def revenue_usd(self) -> FloatArray:
        """Mining plus hosting revenue. [USD]"""
        return self.mining_revenue_usd + self.hosting_revenue_usd

    @property
    def ebitda_usd(self) -> FloatArray:
        """Revenue - power - opex + the contracted supply stream + the halls in service.
        [USD]"""
        out = self.revenue_usd - self.power_cost_usd - self.opex_usd
        out = out if self.site_supply_usd is None else out + self.site_supply_usd
        return out if self.hosting_in_service_usd is None else out + self.hosting_in_service_usd

    def capex_paid_usd(self) -> FloatArray | None:
        """Operator capex net of the same month's project-debt draws, not below zero: the
        capex the company pays from its own cash (what a treasury's forced sale may fund).

        Returns
        -------
        ndarray or None
            Shape (n_paths, n_months) [USD]; ``None`` when there is no capex. Without
            draws it is ``capex_usd`` itself (no copy).
        """
        if not any_nonzero(self.capex_usd):
            return None
        if not any_nonzero(self.debt_draw_usd):
            return self.capex_usd
        out = np.asarray(self.capex_usd - self.debt_draw_usd, dtype=np.float64)
        return np.maximum(out, 0.0, out=out)  # (in place: the same operation)

    def last_months(self, n: int) -> CashFlows:
        """The last ``n`` months (views of every (P, T) array; other fields as they are)."""
        k = min(n, len(self.periods))
        cut: dict[str, Any] = {
            f: v[:, v.shape[1] - k:]
            for f, v in ((f, getattr(self, f)) for f in self.__dataclass_fields__)
            if isinstance(v, np.ndarray) and v.ndim == 2
        }
        return dataclasses.replace(self, periods=self.periods[len(self.periods) - k:], **cut)

    @property
    def n_paths(self) -> int:
        """Number of paths. [-]"""
        return int(self.mining_revenue_usd.shape[0])

    def annual(self, path: int = 0) -> pd.DataFrame:
        """Calendar-year totals of one path.

        Returns
        -------
        pandas.DataFrame
            Index ``year``; columns ``mining_revenue_usd, hosting_revenue_usd,
            revenue_usd, power_cost_usd, opex_usd, ebitda_usd, capex_usd,
            unlevered_fcf_usd, levered_fcf_usd, btc_mined, energy_mwh,
            contracted_revenue_usd`` [USD, BTC, MWh] (``site_supply_usd`` after
            ``power_cost_usd`` where a site has contracted supply, and
            ``hosting_in_service_usd`` where a site has halls in service [USD]) and
            ``mining_revenue_share`` [-] (the revenue mix). First and last years may be
            partial.
        """
        cols = {
            "mining_revenue_usd": self.mining_revenue_usd,
            "hosting_revenue_usd": self.hosting_revenue_usd,
            "revenue_usd": self.revenue_usd,
            "power_cost_usd": self.power_cost_usd,
            **({"site_supply_usd": self.site_supply_usd}
               if self.site_supply_usd is not None else {}),
            **({"hosting_in_service_usd": self.hosting_in_service_usd}
               if self.hosting_in_service_usd is not None else {}),
            "opex_usd": self.opex_usd,
            "ebitda_usd": self.ebitda_usd,
            "capex_usd": self.capex_usd,
            "unlevered_fcf_usd": self.unlevered_fcf_usd,
            "levered_fcf_usd": self.levered_fcf_usd,
            "btc_mined": self.btc_mined,
            "energy_mwh": self.energy_mwh,
            "contracted_revenue_usd": self.contracted_revenue_usd,
        }
        df = pd.DataFrame({k: np.asarray(v[path]) for k, v in cols.items()})
        df["year"] = np.asarray(self.periods.year)
        out = df.groupby("year").sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            out["mining_revenue_share"] = out["mining_revenue_usd"] / out["revenue_usd"]
        return out


__all__ = ["CashFlows", "FloatArray", "HallsAtHorizon", "MiningAtHorizon", "SupplyAtHorizon"]
