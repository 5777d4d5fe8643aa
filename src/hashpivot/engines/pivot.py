"""The AI/HPC pivot: what converting megawatts to AI hosting is worth against mining on.

Pipeline (REopt style): validated :class:`~hashpivot.models.Portfolio` -> resolved site
inputs (:class:`SiteInputs`, every default filled) -> strategies (:func:`build_strategies`)
-> a market path (:func:`deterministic_market`, or Monte Carlo paths from the risk engine)
-> monthly cash flows per strategy (:func:`strategy_cash_flows`, vectorized over paths)
-> valuation, sensitivities and the break-even lease (:func:`run_pivot`).

Conventions (shared with the risk simulation, see ``SCHEMA.md``): month 0 is the first
period; cash flows sit at month end; the monthly discount rate is
``(1 + annual)^(1/12) - 1``. Every :class:`CashFlows` array has shape
``(n_paths, n_months)``; arrays that do not depend on the market are read-only broadcast
views. The keep-mining baseline is always computed.

Model (each step names its source in the module it calls):

* Mining: BTC = fleet hashrate x uptime x (1 - pool fee) x hash value [BTC/TH/day] x days
  (:class:`~hashpivot.market.MarketPaths`); hash value follows the BTC price, network
  hashrate, fees and the block subsidy (halvings at heights 1,050,000 and 1,260,000, the
  height advancing 144 blocks a day). Fleet hashrate decays at constant power and is
  replaced every ``fleet_replacement_years`` by machines of the then current efficiency.
* Power: mining MW x hours x uptime x (contract price + adder); index contracts take the
  market's power path when it has one.
* Conversion: a phase's gross MW stop mining at construction start (the mining MW are
  ``min(fleet MW, capacity - converted)``); the displaced miners are resold; the hall
  enters service after ``construction_months``; rent, power, opex and capex follow
  :mod:`hashpivot.hosting.project`.
* Financing: ``loan_to_cost_fraction`` of the operator's hosting capex is debt
  (:func:`hashpivot.finance.project_debt_schedule`).
* Curtailment: a site mines a month only when its mining revenue exceeds its power cost
  (per path); the fleet is replaced on schedule only where the new machines pay back
  within one cycle at the hash price of the day.
* Site cost items of category ``site_opex``, ``power`` and ``other`` scale with the share
  of the fleet still mining and stop in months the site does not mine (mothballed);
  ``sga_cash`` items stay; depreciation, stock-based
  compensation and interest items are not cash flows of this model; portfolio-level
  (corporate) items are the same in every strategy and are left out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashpivot import finance
from hashpivot.bitcoin import block_subsidy_btc_array, hashrate_from_difficulty
from hashpivot.exceptions import DataError, InputError, Problem
from hashpivot.hosting.deals import DealRange, deal_range, deals_table, flag_assumptions
from hashpivot.hosting.lease import average_rate_usd_per_kw_month
from hashpivot.hosting.project import HostingCashFlows, hosting_cash_flows_from_spec
from hashpivot.market import MarketPaths
from hashpivot.models.hosting import FinancingSpec, HostingProjectSpec, PivotSpec
from hashpivot.units import HALVING_INTERVAL_BLOCKS, HOURS_PER_DAY, MONTHS_PER_YEAR, W_PER_MW

if TYPE_CHECKING:
    from hashpivot.models import Portfolio

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "BLOCKS_PER_DAY",
    "CashFlows",
    "ConversionPhase",
    "MarketStart",
    "PivotResult",
    "SiteInputs",
    "Strategy",
    "StrategyResult",
    "build_strategies",
    "deterministic_market",
    "growth_market",
    "market_start",
    "resolve_sites",
    "run_pivot",
    "strategy_cash_flows",
]

BLOCKS_PER_DAY: int = 144
#: Fallback market state when the bundled BTC data cannot be read (Coin Metrics,
#: 2025-09-26): price [USD], difficulty-implied hashrate [TH/s], fees [BTC], height.
_FALLBACK_STATE = {
    "date": dt.date(2025, 9, 26),
    "btc_price_usd": 109_669.10,
    "network_hashrate_th_s": 1.0187e9,
    "fees_btc_per_block": 0.028,
    "height": 916_532,
}

_SCALED_CATEGORIES = frozenset({"site_opex", "power", "other"})
_FIXED_CATEGORIES = frozenset({"sga_cash"})


# ======================================================================================
# strategies
# ======================================================================================
@dataclass(frozen=True)
class ConversionPhase:
    """One conversion tranche: ``gross_mw`` of ``site`` start construction at ``start``.

    Attributes
    ----------
    site : str
        Site name.
    start : pandas.Period
        Month construction starts (the MW stop mining). [month]
    gross_mw : float
        Gross (utility) MW converted. [MW]
    """

    site: str
    start: pd.Period
    gross_mw: float


@dataclass(frozen=True)
class Strategy:
    """A named conversion plan; ``keep_mining`` has no phases."""

    name: str
    phases: tuple[ConversionPhase, ...] = ()

    @property
    def converted_gross_mw(self) -> float:
        """Total gross MW converted by the end of the plan. [MW]"""
        return float(sum(p.gross_mw for p in self.phases))


# ======================================================================================
# resolved inputs
# ======================================================================================
@dataclass(frozen=True)
class SiteInputs:
    """A site reduced to what the pivot model needs, every default filled in.

    Attributes
    ----------
    name : str
        Site name.
    fleet_hashrate_th_s : float
        Installed hashrate at start. [TH/s]
    fleet_power_mw : float
        Fleet power at the meter, site overhead included. [MW]
    uptime_fraction : float
        Hashrate-weighted uptime. [-]
    pool_fee_fraction : float
        Pool fee. [-]
    power_overhead_factor : float
        Site overhead (PUE-like) of the mining fleet. [-]
    capacity_mw : float
        Energized grid capacity (fleet power when not given). [MW]
    convertible_gross_mw : float
        Gross MW the hosting project may convert. [MW]
    power_price_usd_per_mwh : float
        Contract price plus adder (the expected index price for index contracts). [USD/MWh]
    power_adder_usd_per_mwh : float
        Adder over the index (index contracts). [USD/MWh]
    power_is_index : bool
        True for index-priced contracts.
    scaled_opex_usd_per_month : float
        Site cost items that scale with the mining share. [USD/month]
    fixed_opex_usd_per_month : float
        Site cost items that do not. [USD/month]
    hosting : HostingProjectSpec
        Hosting terms (defaults when the site has no ``[sites.hosting]``).
    hosting_is_default : bool
        True when ``hosting`` holds defaults only.
    index : int
        Position of the site in ``portfolio.sites`` (for field paths).
    """

    name: str
    fleet_hashrate_th_s: float
    fleet_power_mw: float
    uptime_fraction: float
    pool_fee_fraction: float
    power_overhead_factor: float
    capacity_mw: float
    convertible_gross_mw: float
    power_price_usd_per_mwh: float
    power_adder_usd_per_mwh: float
    power_is_index: bool
    scaled_opex_usd_per_month: float
    fixed_opex_usd_per_month: float
    hosting: HostingProjectSpec
    hosting_is_default: bool
    index: int = 0


def _portfolio_source(portfolio: Any) -> str:
    return str(getattr(portfolio, "source", "") or getattr(portfolio, "path", "") or "")


def resolve_sites(portfolio: Portfolio, site_name: str | None = None) -> list[SiteInputs]:
    """Reduce the portfolio's sites (or the one named) to :class:`SiteInputs`.

    Parameters
    ----------
    portfolio : Portfolio
        Validated portfolio.
    site_name : str, optional
        Only this site; default every site.

    Returns
    -------
    list of SiteInputs

    Raises
    ------
    InputError
        Unknown site name, or a site without a running fleet.
    """
    sites = list(portfolio.sites)
    src = _portfolio_source(portfolio)
    if site_name is not None:
        names = [s.name for s in sites]
        if site_name not in names:
            raise InputError(
                [Problem("--site", f"no site named {site_name!r}; sites: {', '.join(names)}", src)]
            )
        indexed = [(names.index(site_name), sites[names.index(site_name)])]
    else:
        indexed = list(enumerate(sites))
    problems: list[Problem] = []
    out: list[SiteInputs] = []
    for i, site in indexed:
        hr = 0.0
        hr_up = 0.0
        asic_w = 0.0
        for entry in site.fleet:
            unit_hr = float(entry.hashrate_th_s or 0.0)
            unit_w = getattr(entry, "power_w", None)
            if unit_w is None:
                unit_w = unit_hr * float(entry.efficiency_j_per_th or 0.0)
            hr += entry.count * unit_hr
            hr_up += entry.count * unit_hr * float(entry.uptime_fraction)
            asic_w += entry.count * float(unit_w)
        overhead = float(site.power_overhead_factor)
        fleet_mw = asic_w * overhead / W_PER_MW
        if hr <= 0 or fleet_mw <= 0:
            problems.append(Problem(f"sites[{i}].fleet", "the site has no running fleet", src))
            continue
        cap = site.capacity_mw if site.capacity_mw is not None else fleet_mw
        spec = getattr(site, "hosting", None)
        is_default = spec is None
        spec = spec if spec is not None else HostingProjectSpec()
        convertible = (
            float(spec.convertible_gross_mw) if spec.convertible_gross_mw is not None else cap
        )
        if convertible > cap + 1e-9:
            problems.append(
                Problem(
                    f"sites[{i}].hosting.convertible_gross_mw",
                    f"{convertible:g} MW exceeds the site's capacity_mw {cap:g}",
                    src,
                )
            )
        pc = site.power_contract
        adder = float(getattr(pc, "adder_usd_per_mwh", 0.0) or 0.0)
        scaled = 0.0
        fixed = 0.0
        for item in site.cost_items:
            annual = getattr(item, "annual_usd", None)
            if annual is None:
                annual = item.usd_per_year or 0.0
            per_month = float(annual) / MONTHS_PER_YEAR
            if item.category in _SCALED_CATEGORIES:
                scaled += per_month
            elif item.category in _FIXED_CATEGORIES:
                fixed += per_month
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
                scaled_opex_usd_per_month=scaled,
                fixed_opex_usd_per_month=fixed,
                hosting=spec,
                hosting_is_default=is_default,
                index=i,
            )
        )
    if problems:
        raise InputError(problems)
    return out


def _pivot_spec(portfolio: Any) -> PivotSpec:
    spec = getattr(portfolio, "pivot", None)
    return spec if spec is not None else PivotSpec()


def _financing_spec(portfolio: Any) -> FinancingSpec | None:
    return getattr(portfolio, "financing", None)


# ======================================================================================
# market path
# ======================================================================================
@dataclass(frozen=True)
class MarketStart:
    """Market state at the first modelled month, and where each figure came from.

    Attributes
    ----------
    start : pandas.Period
        First month.
    btc_price_usd : float
        BTC price at start. [USD]
    network_hashrate_th_s : float
        Network hashrate at start. [TH/s]
    fees_btc_per_block : float
        Fees per block. [BTC]
    height : int
        Block height at the start of the first month. [-]
    source : str
        Origin of the defaults.
    """

    start: pd.Period
    btc_price_usd: float
    network_hashrate_th_s: float
    fees_btc_per_block: float
    height: int
    source: str


def _bundled_state() -> dict[str, Any]:
    """Latest bundled day: price, difficulty-implied hashrate, 90-day mean fees, height."""
    try:
        from hashpivot.io import btc_daily_range, load_btc_daily

        _, last = btc_daily_range()
        df = load_btc_daily(last - dt.timedelta(days=89), last)
        row = df.iloc[-1]
        return {
            "date": last,
            "btc_price_usd": float(row["price_usd"]),
            "network_hashrate_th_s": float(hashrate_from_difficulty(float(row["difficulty"]))),
            "fees_btc_per_block": float(df["fees_btc_per_block"].mean()),
            "height": int(row["height_end"]),
            "source": f"bundled Coin Metrics data, {last.isoformat()}",
        }
    except (DataError, ImportError, KeyError, OSError, ValueError):
        return {**_FALLBACK_STATE, "source": "built-in fallback (Coin Metrics 2025-09-26)"}


def market_start(spec: PivotSpec, start: pd.Period | str | None = None) -> MarketStart:
    """Resolve the start month and the market state at start.

    Parameters
    ----------
    spec : PivotSpec
        Pivot settings (explicit values win over the bundled data).
    start : pandas.Period or 'YYYY-MM', optional
        Overrides ``spec.start``.

    Returns
    -------
    MarketStart
        Default start is the month after the latest bundled day; the height is advanced
        144 blocks per day from that day to the start.
    """
    state = _bundled_state()
    last: dt.date = state["date"]
    if start is None:
        start = spec.start
    period = pd.Period(last, freq="M") + 1 if start is None else pd.Period(start, freq="M")
    days = (period.start_time.date() - last).days - 1  # blocks after the last bundled day
    height = spec.start_height
    if height is None:
        height = max(0, int(state["height"]) + BLOCKS_PER_DAY * days)
    return MarketStart(
        start=period,
        btc_price_usd=float(spec.btc_price_usd or state["btc_price_usd"]),
        network_hashrate_th_s=float(spec.network_hashrate_th_s or state["network_hashrate_th_s"]),
        fees_btc_per_block=float(
            spec.fees_btc_per_block
            if spec.fees_btc_per_block is not None
            else state["fees_btc_per_block"]
        ),
        height=int(height),
        source=str(state["source"]),
    )


def _mean_subsidy_btc(height_start: FloatArray, blocks: FloatArray) -> FloatArray:
    """Mean subsidy of the blocks ``[h, h + n)`` of each period, a halving blended in."""
    h0 = np.asarray(height_start, dtype=np.int64)
    n = np.maximum(np.asarray(blocks, dtype=np.int64), 1)
    s0 = block_subsidy_btc_array(h0)
    s1 = block_subsidy_btc_array(h0 + n - 1)
    boundary = (h0 // HALVING_INTERVAL_BLOCKS + 1) * HALVING_INTERVAL_BLOCKS
    frac = np.clip((boundary - h0) / n, 0.0, 1.0)
    return np.where(s0 != s1, frac * s0 + (1.0 - frac) * s1, s0)


def growth_market(
    periods: pd.PeriodIndex,
    btc_price_usd: Any,
    btc_price_growth_per_year: Any,
    network_hashrate_th_s: Any,
    network_hashrate_growth_per_year: Any,
    fees_btc_per_block: float,
    start_height: int,
) -> MarketPaths:
    """Market paths growing at constant compound rates, one path per parameter set.

    Parameters
    ----------
    periods : pandas.PeriodIndex
        Monthly periods.
    btc_price_usd, btc_price_growth_per_year : numeric or array (P,)
        Price at month 0 [USD] and its compound growth [1/year].
    network_hashrate_th_s, network_hashrate_growth_per_year : numeric or array (P,)
        Hashrate at month 0 [TH/s] and its compound growth [1/year].
    fees_btc_per_block : float
        Fees per block, constant. [BTC]
    start_height : int
        Height of the first block of month 0. [-]

    Returns
    -------
    MarketPaths
        ``x_t = x_0 (1 + g)^(t/12)``; the subsidy is the mean of each month's blocks
        (144 per day) under Bitcoin Core's halving schedule.
    """
    p0, gp, h0, gh = np.broadcast_arrays(
        *(
            np.atleast_1d(np.asarray(v, dtype=float))
            for v in (
                btc_price_usd,
                btc_price_growth_per_year,
                network_hashrate_th_s,
                network_hashrate_growth_per_year,
            )
        )
    )
    n = len(periods)
    years = np.arange(n, dtype=float) / MONTHS_PER_YEAR
    price = p0[:, None] * np.power(1.0 + gp[:, None], years)
    hashrate = h0[:, None] * np.power(1.0 + gh[:, None], years)
    days = np.asarray(periods.days_in_month, dtype=float)
    blocks = BLOCKS_PER_DAY * days
    h_start = start_height + np.concatenate([[0.0], np.cumsum(blocks)[:-1]])
    subsidy = _mean_subsidy_btc(h_start, blocks)
    shape = price.shape
    return MarketPaths(
        periods=periods,
        btc_price_usd=price,
        network_hashrate_th_s=hashrate,
        fees_btc_per_block=np.full(shape, float(fees_btc_per_block)),
        subsidy_btc_per_block=np.broadcast_to(subsidy, shape).copy(),
    )


def deterministic_market(
    portfolio: Portfolio, start: pd.Period | str | None, horizon_months: int
) -> MarketPaths:
    """The deterministic market path of ``[pivot]`` (``n_paths = 1``).

    Parameters
    ----------
    portfolio : Portfolio
        Its ``pivot`` section (or :class:`PivotSpec` defaults) sets the growth rates.
    start : pandas.Period, 'YYYY-MM' or None
        First month (None: ``pivot.start``, else the month after the bundled data).
    horizon_months : int
        Number of months. [month]

    Returns
    -------
    MarketPaths
        One path.
    """
    spec = _pivot_spec(portfolio)
    ms = market_start(spec, start)
    periods = pd.period_range(ms.start, periods=int(horizon_months), freq="M")
    return growth_market(
        periods,
        ms.btc_price_usd,
        spec.btc_price_growth_per_year,
        ms.network_hashrate_th_s,
        spec.network_hashrate_growth_per_year,
        ms.fees_btc_per_block,
        ms.height,
    )


# ======================================================================================
# strategies
# ======================================================================================
def _period(value: pd.Period | str, path: str, source: str) -> pd.Period:
    try:
        return pd.Period(value, freq="M")
    except (ValueError, TypeError) as exc:
        raise InputError([Problem(path, f"{value!r} is not a month 'YYYY-MM'", source)]) from exc


def build_strategies(
    portfolio: Portfolio,
    site_name: str | None = None,
    convert_mw: float | None = None,
    start: pd.Period | str | None = None,
) -> list[Strategy]:
    """The strategies to compare, ``keep_mining`` first.

    Parameters
    ----------
    portfolio : Portfolio
        Validated portfolio (``pivot.strategies`` picks the strategies).
    site_name : str, optional
        Restrict conversions to this site.
    convert_mw : float, optional
        Gross MW of the ``convert`` strategy (overrides ``pivot.convert_mw``). [MW]
    start : pandas.Period or 'YYYY-MM', optional
        Construction start of ``convert`` (overrides ``pivot.convert_start``); default the
        model start.

    Returns
    -------
    list of Strategy
        ``keep_mining``, then ``convert_all``, ``convert_<mw>mw_<yyyy-mm>`` (only when a
        MW figure is given) and ``phased``, in the order of ``pivot.strategies``.
        Conversions apply to the sites with a ``[sites.hosting]`` section (in file order
        for ``convert``); when no site has one, to every site with default terms.

    Raises
    ------
    InputError
        ``convert_mw`` exceeds the convertible MW, or a start precedes the model start.
    """
    spec = _pivot_spec(portfolio)
    src = _portfolio_source(portfolio)
    sites = resolve_sites(portfolio, site_name)
    model_start = market_start(spec).start
    hosting_sites = [s for s in sites if not s.hosting_is_default] or sites
    out = [Strategy("keep_mining")]
    mw = convert_mw if convert_mw is not None else spec.convert_mw
    kinds = list(dict.fromkeys(spec.strategies))
    if convert_mw is not None and "convert" not in kinds:
        kinds.append("convert")
    for kind in kinds:
        if kind == "convert_all":
            phases = tuple(
                ConversionPhase(s.name, model_start, s.convertible_gross_mw)
                for s in hosting_sites
                if s.convertible_gross_mw > 0
            )
            out.append(Strategy("convert_all", phases))
        elif kind == "convert":
            if mw is None:
                continue
            raw = start if start is not None else spec.convert_start
            when = model_start if raw is None else _period(raw, "pivot.convert_start", src)
            if when < model_start:
                raise InputError(
                    [
                        Problem(
                            "pivot.convert_start",
                            f"{when} is before the model start {model_start}",
                            src,
                        )
                    ]
                )
            total = sum(s.convertible_gross_mw for s in hosting_sites)
            if mw > total + 1e-9:
                raise InputError(
                    [
                        Problem(
                            "pivot.convert_mw",
                            f"{mw:g} MW exceeds the {total:g} MW that can be converted",
                            src,
                        )
                    ]
                )
            left = float(mw)
            phases_l: list[ConversionPhase] = []
            for s in hosting_sites:
                take = min(left, s.convertible_gross_mw)
                if take > 0:
                    phases_l.append(ConversionPhase(s.name, when, take))
                left -= take
            out.append(Strategy(f"convert_{mw:g}mw_{when.strftime('%Y-%m')}", tuple(phases_l)))
        elif kind == "phased":
            phases_p: list[ConversionPhase] = []
            for s in hosting_sites:
                h = s.hosting
                if h.phases:
                    for j, ph in enumerate(h.phases):
                        where = f"sites[{s.index}].hosting.phases[{j}].start"
                        p = _period(ph.start, where, src)
                        if p < model_start:
                            raise InputError(
                                [
                                    Problem(
                                        where,
                                        f"{p} is before the model start {model_start}",
                                        src,
                                    )
                                ]
                            )
                        phases_p.append(ConversionPhase(s.name, p, float(ph.gross_mw)))
                    total_p = sum(ph.gross_mw for ph in h.phases)
                    if total_p > s.convertible_gross_mw + 1e-9:
                        raise InputError(
                            [
                                Problem(
                                    f"sites[{s.index}].hosting.phases",
                                    f"phases total {total_p:g} MW, more than the "
                                    f"{s.convertible_gross_mw:g} MW convertible",
                                    src,
                                )
                            ]
                        )
                else:
                    n = h.phased_tranches
                    for j in range(n):
                        phases_p.append(
                            ConversionPhase(
                                s.name,
                                model_start + j * h.phase_interval_months,
                                s.convertible_gross_mw / n,
                            )
                        )
            out.append(Strategy("phased", tuple(phases_p)))
    return out


# ======================================================================================
# cash flows
# ======================================================================================
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
        Mining power plus hall power under modified gross. [USD]
    opex_usd : ndarray
        Site cost items (scaled with mining) plus hosting opex. [USD]
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

    @property
    def revenue_usd(self) -> FloatArray:
        """Mining plus hosting revenue. [USD]"""
        return self.mining_revenue_usd + self.hosting_revenue_usd

    @property
    def ebitda_usd(self) -> FloatArray:
        """Revenue - power - opex. [USD]"""
        return self.revenue_usd - self.power_cost_usd - self.opex_usd

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
            contracted_revenue_usd`` [USD, BTC, MWh] and ``mining_revenue_share`` [-]
            (the revenue mix). First and last years may be partial.
        """
        cols = {
            "mining_revenue_usd": self.mining_revenue_usd,
            "hosting_revenue_usd": self.hosting_revenue_usd,
            "revenue_usd": self.revenue_usd,
            "power_cost_usd": self.power_cost_usd,
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


def _site_mining(
    site: SiteInputs,
    mining_mw: FloatArray,
    spec: PivotSpec,
    market: MarketPaths,
) -> dict[str, FloatArray]:
    """Mining of one site on every path: fleet decay, economic replacement, curtailment.

    Replacement: every ``fleet_replacement_years`` the fleet may be replaced by machines of
    the then current efficiency (``replacement_efficiency_j_per_th`` improving by
    ``replacement_efficiency_gain_per_year``) at the same power. A path replaces only when
    the new machines would pay back their capex within one replacement cycle at that
    month's hash price and power price (no foresight). Curtailment: a month is mined only
    when its revenue exceeds its power cost. Returns arrays of shape (P, T).
    """
    n = market.n_periods
    p_count = market.n_paths
    days = market.days_per_period
    t = np.arange(n, dtype=float)
    decay = 1.0 - spec.fleet_hashrate_decay_per_year
    per_mw0 = site.fleet_hashrate_th_s / site.fleet_power_mw
    per_mw = np.broadcast_to(per_mw0 * np.power(decay, t / MONTHS_PER_YEAR), (p_count, n))
    replacement = np.zeros((p_count, n))
    hv = market.hashvalue_btc_per_th_day
    net = site.uptime_fraction * (1.0 - site.pool_fee_fraction)
    hashprice = hv * market.btc_price_usd * net  # USD per installed TH/s per day
    if site.power_is_index and market.power_price_usd_per_mwh is not None:
        price_mwh = market.power_price_usd_per_mwh + site.power_adder_usd_per_mwh
    else:
        price_mwh = np.full((p_count, n), site.power_price_usd_per_mwh)
    r_years = spec.fleet_replacement_years
    if r_years is not None:
        r_m = max(1, round(r_years * MONTHS_PER_YEAR))
        cycle_days = r_years * 365.25
        per_mw = per_mw.copy()
        for tk in range(r_m, n, r_m):  # a handful of replacement dates
            eff_new = spec.replacement_efficiency_j_per_th * (
                1.0 - spec.replacement_efficiency_gain_per_year
            ) ** (tk / MONTHS_PER_YEAR)
            new_per_mw = max(W_PER_MW / (eff_new * site.power_overhead_factor), per_mw0)
            margin_per_mw_day = (
                hashprice[:, tk] * new_per_mw
                - HOURS_PER_DAY * site.uptime_fraction * price_mwh[:, tk]
            )
            capex_per_mw = new_per_mw * spec.replacement_capex_usd_per_th
            go = margin_per_mw_day * cycle_days >= capex_per_mw  # (P,)
            fresh = new_per_mw * np.power(decay, (t[tk:] - tk) / MONTHS_PER_YEAR)
            per_mw[:, tk:] = np.where(go[:, None], fresh[None, :], per_mw[:, tk:])
            replacement[:, tk] = go * mining_mw[tk] * capex_per_mw
    th_s = mining_mw[None, :] * per_mw  # installed, running MW
    energy_full = mining_mw * HOURS_PER_DAY * days * site.uptime_fraction  # (T,)
    revenue_full = th_s * hashprice * days  # gross of nothing: net of uptime and pool fee
    power_full = energy_full[None, :] * price_mwh
    run = revenue_full > power_full
    btc = np.where(run, th_s * hv * net * days, 0.0)
    return {
        "btc": btc,
        "mining_revenue": np.where(run, revenue_full, 0.0),
        "power_cost": np.where(run, power_full, 0.0),
        "energy": np.where(run, energy_full[None, :], 0.0),
        "replacement_capex": replacement,
        "released_th_s_per_mw": per_mw,
        "running": run.astype(float),
    }


def _site_cash_flows(
    site: SiteInputs,
    phases: list[ConversionPhase],
    spec: PivotSpec,
    market: MarketPaths,
) -> dict[str, Any]:
    """Arrays of one site under a plan: mining (P, T), hosting and opex (T,)."""
    periods = market.periods
    days = market.days_per_period
    n = len(periods)
    start0 = periods[0]
    h = site.hosting
    hcf: HostingCashFlows | None = None
    converted = np.zeros(n)
    if phases:
        gross = np.array([p.gross_mw for p in phases], dtype=float)
        starts = np.array([(p.start - start0).n for p in phases], dtype=float)
        hcf = hosting_cash_flows_from_spec(h, gross, starts, days, site.power_price_usd_per_mwh)
        converted = hcf.gross_mw_converted.sum(axis=0)
    if h.asic_disposition == "redeploy":
        mining_mw = np.full(n, site.fleet_power_mw)
    else:
        mining_mw = np.clip(
            np.minimum(site.fleet_power_mw, site.capacity_mw - converted), 0.0, None
        )
    mining = _site_mining(site, mining_mw, spec, market)
    prev = np.concatenate([[min(site.fleet_power_mw, site.capacity_mw)], mining_mw[:-1]])
    released_mw = np.clip(prev - mining_mw, 0.0, None)
    if h.asic_disposition == "sell" and np.any(released_mw):
        resale = released_mw[None, :] * mining["released_th_s_per_mw"] * h.asic_resale_usd_per_th
    else:
        resale = np.zeros((1, n))
    share = mining_mw / site.fleet_power_mw
    opex = (share * site.scaled_opex_usd_per_month)[None, :] * mining[
        "running"
    ] + site.fixed_opex_usd_per_month
    return {**mining, "mining_mw": mining_mw, "resale": resale, "opex": opex, "hosting": hcf}


def _cash_flows_resolved(
    sites: list[SiteInputs],
    strategy: Strategy,
    market: MarketPaths,
    spec: PivotSpec,
    financing: FinancingSpec | None,
) -> CashFlows:
    periods = market.periods
    n = len(periods)
    shape = (market.n_paths, n)
    by_site: dict[str, list[ConversionPhase]] = {}
    for p in strategy.phases:
        by_site.setdefault(p.site, []).append(p)
    z = np.zeros(n)
    btc = np.zeros(shape)
    mining_rev = np.zeros(shape)
    power_cost = np.zeros(shape)
    energy = np.zeros(shape)
    repl = np.zeros(shape)
    resale = np.zeros(shape)
    mining_mw = z.copy()
    opex = np.zeros(shape)
    h_rev = z.copy()
    h_cash_adj = z.copy()
    h_contract = z.copy()
    h_power = z.copy()
    h_opex = z.copy()
    h_capex = z.copy()
    t_capex = z.copy()
    h_energy = z.copy()
    it_mw = z.copy()
    backlog = 0.0
    draws_list: list[tuple[FloatArray, int]] = []
    ltc = financing.loan_to_cost_fraction if financing is not None else 0.0
    for site in sites:
        s = _site_cash_flows(site, by_site.get(site.name, []), spec, market)
        btc += s["btc"]
        mining_rev += s["mining_revenue"]
        power_cost += s["power_cost"]
        energy += s["energy"]
        repl += s["replacement_capex"]
        resale += s["resale"]
        mining_mw += s["mining_mw"]
        opex += s["opex"]
        hcf: HostingCashFlows | None = s["hosting"]
        if hcf is not None:
            h_rev += hcf.hosting_revenue_usd.sum(axis=0)
            h_cash_adj += hcf.prepayment_usd.sum(axis=0)
            h_contract += hcf.contracted_revenue_usd.sum(axis=0)
            h_power += hcf.power_cost_usd.sum(axis=0)
            h_opex += hcf.opex_usd.sum(axis=0)
            h_capex += hcf.operator_capex_usd.sum(axis=0)
            t_capex += hcf.tenant_capex_usd.sum(axis=0)
            h_energy += hcf.energy_mwh.sum(axis=0)
            it_mw += hcf.it_mw_in_service.sum(axis=0)
            backlog += float(hcf.contracted_backlog_usd.sum())
            if ltc > 0:
                for j in range(hcf.operator_capex_usd.shape[0]):
                    draws_list.append((hcf.operator_capex_usd[j] * ltc, int(hcf.ready_index[j])))

    # --- debt (path independent) -----------------------------------------------------------
    draw = z.copy()
    interest = z.copy()
    service = z.copy()
    if financing is not None and draws_list:
        r = float(finance.periodic_rate(financing.interest_rate))
        n_am = max(1, round(financing.amortization_years * MONTHS_PER_YEAR))
        for d, ready in draws_list:
            sched = finance.project_debt_schedule(d, r, ready, n_am, financing.upfront_fee_fraction)
            draw += sched["draw_usd"]
            interest += sched["interest_usd"]
            service += sched["debt_service_usd"]

    power_cost += h_power[None, :]
    opex_total = opex + h_opex[None, :]
    capex = repl + h_capex[None, :]
    fixed_part = h_rev - h_opex - h_capex + h_cash_adj  # (T,)
    unlevered = mining_rev - power_cost - opex + fixed_part[None, :] - repl + resale
    levered = unlevered + (draw - service)[None, :]

    def b(a: FloatArray) -> FloatArray:
        return np.broadcast_to(a, shape)

    return CashFlows(
        periods=periods,
        mining_revenue_usd=mining_rev,
        hosting_revenue_usd=b(h_rev),
        power_cost_usd=power_cost,
        opex_usd=opex_total,
        capex_usd=capex,
        unlevered_fcf_usd=unlevered,
        debt_service_usd=b(service),
        levered_fcf_usd=levered,
        btc_mined=btc,
        energy_mwh=energy + h_energy[None, :],
        contracted_revenue_usd=b(h_contract),
        asic_resale_usd=b(resale),
        prepayment_usd=b(h_cash_adj),
        hosting_capex_usd=b(h_capex),
        replacement_capex_usd=repl,
        tenant_capex_usd=b(t_capex),
        debt_draw_usd=b(draw),
        interest_usd=b(interest),
        mining_mw=b(mining_mw),
        it_mw_in_service=b(it_mw),
        contracted_backlog_usd=backlog,
    )


def strategy_cash_flows(
    portfolio: Portfolio,
    strategy: Strategy,
    market: MarketPaths,
    site_name: str | None = None,
) -> CashFlows:
    """Monthly cash flows of a strategy on every path of a market.

    Parameters
    ----------
    portfolio : Portfolio
        Validated portfolio (sites, ``pivot`` fleet settings, ``financing``).
    strategy : Strategy
        From :func:`build_strategies`.
    market : MarketPaths
        Monthly market, any number of paths; month 0 is ``market.periods[0]``.
    site_name : str, optional
        Restrict to one site (as given to :func:`build_strategies`).

    Returns
    -------
    CashFlows
        Arrays of shape (n_paths, n_months). No loop over paths: the hosting side and the
        mining volumes are computed once and broadcast against the market.
    """
    sites = resolve_sites(portfolio, site_name)
    return _cash_flows_resolved(
        sites, strategy, market, _pivot_spec(portfolio), _financing_spec(portfolio)
    )


# ======================================================================================
# valuation
# ======================================================================================
@dataclass(frozen=True)
class StrategyResult:
    """Valuation of one strategy on the deterministic path.

    Attributes
    ----------
    strategy : Strategy
        The plan.
    cash_flows : CashFlows
        Monthly cash flows (one path).
    npv_usd, npv_levered_usd : float
        NPV of unlevered and levered free cash flow at the discount rate. [USD]
    npv_vs_baseline_usd : float
        ``npv_usd`` minus the baseline's. [USD]
    irr_fraction, irr_levered_fraction : float
        Annualized IRR of the incremental (strategy minus baseline) unlevered and levered
        flows; NaN for the baseline or when the flows do not change sign. [1/year]
    payback_months : float
        Months until the cumulative incremental unlevered FCF stays >= 0; NaN for the
        baseline or when it never does within the horizon. [month]
    contracted_backlog_usd : float
        Nominal initial-term rent signed. [USD]
    annual : pandas.DataFrame
        Calendar-year figures (:meth:`CashFlows.annual`).
    """

    strategy: Strategy
    cash_flows: CashFlows
    npv_usd: float
    npv_levered_usd: float
    npv_vs_baseline_usd: float
    irr_fraction: float
    irr_levered_fraction: float
    payback_months: float
    contracted_backlog_usd: float
    annual: pd.DataFrame

    @property
    def name(self) -> str:
        """Strategy name."""
        return self.strategy.name


@dataclass(frozen=True)
class PivotResult:
    """Everything :func:`run_pivot` computed, with the resolved inputs echoed.

    Attributes
    ----------
    strategies : list of StrategyResult
        Baseline first.
    pivot_name : str
        The strategy the tornado and the break-even lease refer to.
    tornado : pandas.DataFrame
        One row per variable: ``variable, label, low_input, high_input, unit,
        npv_vs_baseline_low_usd, npv_vs_baseline_high_usd, swing_usd``, widest first.
    breakeven_lease_usd_per_kw_month : float
        First-year rent (every converted site) at which the pivot's NPV equals the
        baseline's; NaN when no pivot strategy. [USD/kW/month]
    inputs : dict
        Resolved inputs (market start, rates, sites, hosting terms, financing).
    warnings : list of str
        Assumptions outside the observed deals, defaults used.
    deal_range : DealRange or None
        Observed colocation ranges used for the warnings.
    """

    strategies: list[StrategyResult]
    pivot_name: str
    tornado: pd.DataFrame
    breakeven_lease_usd_per_kw_month: float
    inputs: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    deal_range: DealRange | None = None

    @property
    def baseline(self) -> StrategyResult:
        """The keep-mining baseline."""
        return self.strategies[0]

    def strategy(self, name: str) -> StrategyResult:
        """The result of the strategy called ``name``."""
        for s in self.strategies:
            if s.name == name:
                return s
        raise KeyError(name)

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-ready summary (NaN -> None)."""

        def num(x: float) -> float | None:
            return None if x is None or not math.isfinite(x) else float(x)

        return {
            "strategies": {
                s.name: {
                    "npv_usd": num(s.npv_usd),
                    "irr_fraction": num(s.irr_fraction),
                    "payback_months": num(s.payback_months),
                    "contracted_backlog_usd": num(s.contracted_backlog_usd),
                    "npv_vs_baseline_usd": num(s.npv_vs_baseline_usd),
                    "npv_levered_usd": num(s.npv_levered_usd),
                    "irr_levered_fraction": num(s.irr_levered_fraction),
                    "converted_gross_mw": s.strategy.converted_gross_mw,
                    "phases": [
                        {"site": p.site, "start": str(p.start), "gross_mw": p.gross_mw}
                        for p in s.strategy.phases
                    ],
                }
                for s in self.strategies
            },
            "baseline": self.baseline.name,
            "pivot": self.pivot_name,
            "breakeven_lease_usd_per_kw_month": num(self.breakeven_lease_usd_per_kw_month),
            "tornado": [
                {k: (num(v) if isinstance(v, float) else v) for k, v in row.items()}
                for row in self.tornado.to_dict(orient="records")
            ],
            "inputs": self.inputs,
            "warnings": list(self.warnings),
        }


def _value(
    cf: CashFlows, base: CashFlows | None, strategy: Strategy, rate_m: float
) -> StrategyResult:
    npv_u = float(finance.npv(rate_m, cf.unlevered_fcf_usd[0]))
    npv_l = float(finance.npv(rate_m, cf.levered_fcf_usd[0]))
    if base is None or not strategy.phases:
        irr_u = irr_l = payback = float("nan")
        npv_base = npv_u
    else:
        inc = cf.unlevered_fcf_usd[0] - base.unlevered_fcf_usd[0]
        inc_l = cf.levered_fcf_usd[0] - base.levered_fcf_usd[0]
        irr_u = float(finance.annual_rate(finance.irr(inc)))
        irr_l = float(finance.annual_rate(finance.irr(inc_l)))
        payback = float(finance.payback_period(inc))
        npv_base = float(finance.npv(rate_m, base.unlevered_fcf_usd[0]))
    return StrategyResult(
        strategy=strategy,
        cash_flows=cf,
        npv_usd=npv_u,
        npv_levered_usd=npv_l,
        npv_vs_baseline_usd=npv_u - npv_base,
        irr_fraction=irr_u,
        irr_levered_fraction=irr_l,
        payback_months=payback,
        contracted_backlog_usd=cf.contracted_backlog_usd,
        annual=cf.annual(),
    )


def _with_hosting(sites: list[SiteInputs], **update: Any) -> list[SiteInputs]:
    return [dataclasses.replace(s, hosting=s.hosting.model_copy(update=update)) for s in sites]


def _map_hosting(sites: list[SiteInputs], fn: Any) -> list[SiteInputs]:
    return [
        dataclasses.replace(s, hosting=s.hosting.model_copy(update=fn(s.hosting))) for s in sites
    ]


def _npv_diff(
    sites: list[SiteInputs],
    strategy: Strategy,
    market: MarketPaths,
    spec: PivotSpec,
    financing: FinancingSpec | None,
    rate_m: float,
    base_npv: Any,
) -> Any:
    cf = _cash_flows_resolved(sites, strategy, market, spec, financing)
    return finance.npv(rate_m, cf.unlevered_fcf_usd) - base_npv


_TORNADO_LABELS = {
    "btc_price_usd": "BTC price at start",
    "network_hashrate_growth_per_year": "network hashrate growth",
    "lease_usd_per_kw_month": "lease rate (first year)",
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
) -> pd.DataFrame:
    sens = spec.sensitivity
    rows: list[dict[str, Any]] = []
    # market variants as paths of one MarketPaths: base, price low/high, growth low/high
    p0 = ms.btc_price_usd
    g0 = spec.network_hashrate_growth_per_year
    fp, dg = sens.btc_price_fraction, sens.hashrate_growth_delta_per_year
    prices = [p0, p0 * (1 - fp), p0 * (1 + fp), p0, p0]
    growths = [g0, g0, g0, max(g0 - dg, -0.99), g0 + dg]
    mk = growth_market(
        periods,
        np.array(prices),
        spec.btc_price_growth_per_year,
        ms.network_hashrate_th_s,
        np.array(growths),
        ms.fees_btc_per_block,
        ms.height,
    )
    base_cf = _cash_flows_resolved(sites, Strategy("keep_mining"), mk, spec, financing)
    base_npv = finance.npv(rate_m, base_cf.unlevered_fcf_usd)
    d = _npv_diff(sites, pivot, mk, spec, financing, rate_m, base_npv)
    rows.append(
        {
            "variable": "btc_price_usd",
            "low_input": prices[1],
            "high_input": prices[2],
            "unit": "USD",
            "npv_vs_baseline_low_usd": float(d[1]),
            "npv_vs_baseline_high_usd": float(d[2]),
        }
    )
    rows.append(
        {
            "variable": "network_hashrate_growth_per_year",
            "low_input": growths[3],
            "high_input": growths[4],
            "unit": "1/year",
            "npv_vs_baseline_low_usd": float(d[3]),
            "npv_vs_baseline_high_usd": float(d[4]),
        }
    )
    base_npv1 = float(np.asarray(base_npv)[0])

    def diff(sites_v: list[SiteInputs]) -> float:
        return float(
            np.asarray(_npv_diff(sites_v, pivot, base_market, spec, financing, rate_m, base_npv1))[
                0
            ]
        )

    lr, cx, dp = sens.lease_rate_fraction, sens.capex_fraction, sens.pue_delta
    first = sites[0].hosting
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
        d_lo = diff(_map_hosting(sites, lambda h, f=lo, u=upd: u(h, f)))
        d_hi = diff(_map_hosting(sites, lambda h, f=hi, u=upd: u(h, f)))
        rows.append(
            {
                "variable": name,
                "low_input": float(shown(first, lo)),
                "high_input": float(shown(first, hi)),
                "unit": unit,
                "npv_vs_baseline_low_usd": d_lo,
                "npv_vs_baseline_high_usd": d_hi,
            }
        )
    df = pd.DataFrame(rows)
    df.insert(1, "label", df["variable"].map(_TORNADO_LABELS))
    df["swing_usd"] = (df["npv_vs_baseline_high_usd"] - df["npv_vs_baseline_low_usd"]).abs()
    return df.sort_values("swing_usd", ascending=False, ignore_index=True)


def _breakeven_lease(
    sites: list[SiteInputs],
    pivot: Strategy,
    spec: PivotSpec,
    financing: FinancingSpec | None,
    rate_m: float,
    market: MarketPaths,
    base_npv: float,
) -> float:
    """First-year rent at which NPV(pivot) = NPV(baseline): linear in the rent, so two
    evaluations and a straight line are exact (checked by a third)."""
    from scipy.optimize import brentq

    def diff(rate: float) -> float:
        v = _npv_diff(
            _with_hosting(sites, lease_usd_per_kw_month=rate),
            pivot,
            market,
            spec,
            financing,
            rate_m,
            base_npv,
        )
        return float(np.asarray(v).ravel()[0])

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


def run_pivot(
    portfolio: Portfolio,
    site_name: str | None = None,
    convert_mw: float | None = None,
    start: pd.Period | str | None = None,
    deals: pd.DataFrame | None = None,
) -> PivotResult:
    """Compare keep-mining with the conversion strategies on the deterministic path.

    Parameters
    ----------
    portfolio : Portfolio
        Validated portfolio.
    site_name : str, optional
        Only this site.
    convert_mw : float, optional
        Gross MW of the ``convert`` strategy. [MW]
    start : pandas.Period or 'YYYY-MM', optional
        Construction start of the ``convert`` strategy.
    deals : pandas.DataFrame, optional
        Reference deals (default :func:`hashpivot.io.load_hosting_deals`).

    Returns
    -------
    PivotResult
        Strategies (baseline first), tornado, break-even lease, warnings, inputs.
    """
    spec = _pivot_spec(portfolio)
    financing = _financing_spec(portfolio)
    sites = resolve_sites(portfolio, site_name)
    strategies = build_strategies(portfolio, site_name, convert_mw, start)
    ms = market_start(spec)
    n = spec.horizon_years * MONTHS_PER_YEAR
    periods = pd.period_range(ms.start, periods=n, freq="M")
    market = growth_market(
        periods,
        ms.btc_price_usd,
        spec.btc_price_growth_per_year,
        ms.network_hashrate_th_s,
        spec.network_hashrate_growth_per_year,
        ms.fees_btc_per_block,
        ms.height,
    )
    rate_m = float(finance.periodic_rate(spec.discount_rate))
    base_cf = _cash_flows_resolved(sites, strategies[0], market, spec, financing)
    results = [_value(base_cf, None, strategies[0], rate_m)]
    for s in strategies[1:]:
        cf = _cash_flows_resolved(sites, s, market, spec, financing)
        results.append(_value(cf, base_cf, s, rate_m))

    pivots = [s for s in strategies[1:] if s.phases]
    convert = [s for s in pivots if s.name.startswith("convert_") and s.name != "convert_all"]
    pivot = convert[0] if convert else (pivots[0] if pivots else None)
    if pivot is not None:
        tornado = _tornado(sites, pivot, spec, ms, periods, financing, rate_m, market)
        breakeven = _breakeven_lease(
            sites, pivot, spec, financing, rate_m, market, results[0].npv_usd
        )
    else:
        tornado = pd.DataFrame(
            columns=[
                "variable",
                "label",
                "low_input",
                "high_input",
                "unit",
                "npv_vs_baseline_low_usd",
                "npv_vs_baseline_high_usd",
                "swing_usd",
            ]
        )
        breakeven = float("nan")

    warnings: list[str] = []
    rng: DealRange | None = None
    try:
        if deals is None:
            from hashpivot.io import load_hosting_deals

            deals = load_hosting_deals()
        rng = deal_range(deals_table(deals))
    except DataError as exc:
        warnings.append(f"reference deals unavailable: {exc}")
    for si in sites:
        where = f"sites[{si.index}].hosting"
        if si.hosting_is_default:
            warnings.append(
                f"{where}: site {si.name!r} has no [sites.hosting] section, default hosting "
                "terms used"
            )
        if rng is not None:
            warnings.extend(flag_assumptions(si.hosting, rng, where))
    if rng is not None and math.isfinite(breakeven):
        h0 = sites[0].hosting
        avg = float(
            average_rate_usd_per_kw_month(
                breakeven, h0.lease_escalator_per_year, h0.lease_term_years
            )
        )
        warnings.append(
            f"break-even first-year lease {breakeven:.1f} USD/kW-month is a term average of "
            f"{avg:.1f} (escalator {100 * h0.lease_escalator_per_year:g} %, "
            f"{h0.lease_term_years:g} years); observed colocation deals imply "
            f"{rng.rate_min_usd_per_kw_month:.0f}-{rng.rate_max_usd_per_kw_month:.0f} "
            "(term averages)"
        )

    inputs = {
        "start": str(ms.start),
        "horizon_months": n,
        "discount_rate": spec.discount_rate,
        "market_source": ms.source,
        "btc_price_usd": ms.btc_price_usd,
        "btc_price_growth_per_year": spec.btc_price_growth_per_year,
        "network_hashrate_th_s": ms.network_hashrate_th_s,
        "network_hashrate_growth_per_year": spec.network_hashrate_growth_per_year,
        "fees_btc_per_block": ms.fees_btc_per_block,
        "start_height": ms.height,
        "pivot": spec.model_dump(mode="json"),
        "financing": financing.model_dump(mode="json") if financing is not None else None,
        "sites": [
            {
                "name": s.name,
                "fleet_hashrate_th_s": s.fleet_hashrate_th_s,
                "fleet_power_mw": s.fleet_power_mw,
                "capacity_mw": s.capacity_mw,
                "convertible_gross_mw": s.convertible_gross_mw,
                "power_price_usd_per_mwh": s.power_price_usd_per_mwh,
                "hosting": s.hosting.model_dump(mode="json"),
                "hosting_is_default": s.hosting_is_default,
            }
            for s in sites
        ],
    }
    return PivotResult(
        strategies=results,
        pivot_name=pivot.name if pivot is not None else "",
        tornado=tornado,
        breakeven_lease_usd_per_kw_month=breakeven,
        inputs=inputs,
        warnings=warnings,
        deal_range=rng,
    )
