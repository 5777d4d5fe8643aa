"""The result of a pivot run.

:class:`StrategyResult` holds one strategy's NPV (unlevered and levered), IRR and payback
of the flows incremental to the keep-mining baseline (computed by
:func:`~hashpivot.engines.pivot.valuation.value_strategy`); :class:`PivotResult` holds every
strategy, the tornado, the break-even lease, the warnings and the resolved inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from hashpivot.engines.corporate_costs import corporate_cost_rows
from hashpivot.engines.pivot.flows import CashFlows
from hashpivot.engines.pivot.market import BLOCKS_PER_DAY, fees_source
from hashpivot.engines.pivot.model_assumptions import (
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
from hashpivot.engines.pivot.site_rows import hosting_risk_rows, site_assumption_rows
from hashpivot.engines.pivot.strategies import Strategy
from hashpivot.hosting.deals import DealRange

#: What replaces the levered figures when the portfolio has no ``[financing]`` table.
NO_FINANCING_NOTE = (
    "no [financing] given: no project debt, so there is no levered view (add [financing] "
    "for loan-to-cost debt and the NPV at the cost of equity)"
)

@dataclass(frozen=True)
class StrategyResult:
    """Valuation of one strategy on the deterministic path.

    Attributes
    ----------
    strategy : Strategy
        The plan.
    cash_flows : CashFlows
        Monthly cash flows (one path).
    npv_usd : float
        NPV of unlevered free cash flow at ``[pivot].discount_rate``. [USD]
    npv_levered_usd : float
        NPV of levered (equity) free cash flow at ``[financing].equity_discount_rate``
        (the unlevered rate when there is no financing). [USD]
    npv_vs_baseline_usd : float
        ``npv_usd`` minus the baseline's. [USD]
    irr_fraction, irr_levered_fraction : float
        Annualized IRR of the incremental (strategy minus baseline) unlevered and levered
        flows; NaN for the baseline or when the flows do not change sign. [1/year]
    irr_is_financing, irr_levered_is_financing : bool
        True when those flows bring cash in before they pay it out, as a loan
        (:func:`hashpivot.finance.irr_is_financing`: the NPV rises with the rate at the
        IRR): the IRR is then what that financing costs, not a return, and the table
        shows ``n/m``.
    payback_months : float
        Months, counted from the construction start (the first phase's start month; a
        rule's fee paid before it counts in that month), until the cumulative incremental
        unlevered FCF stays >= 0; NaN for the baseline, when the strategy never differs,
        or when it never pays back within the horizon. [month]
    contracted_backlog_usd : float
        Nominal initial-term rent signed. [USD]
    annual : pandas.DataFrame
        Calendar-year figures (:meth:`CashFlows.annual`).
    terminal_value_usd : float
        Present value at the start of both lines' terminal value
        (:mod:`hashpivot.engines.pivot.terminal`). [USD]
    terminal_value_mining_usd, terminal_value_hosting_usd : float
        Each line's value at the end of the horizon (undiscounted). [USD]
    npv_with_terminal_value_usd, npv_with_terminal_value_vs_baseline_usd : float
        ``npv_usd + terminal_value_usd``, and its difference to the baseline's. [USD]
    income_tax_usd, income_tax_pv_usd : float
        Unlevered income tax over the horizon, undiscounted and at ``discount_rate``
        (:mod:`hashpivot.engines.pivot.taxes`); NaN when pre-tax. [USD]
    npv_after_tax_usd, npv_after_tax_vs_baseline_usd : float
        ``npv_usd - income_tax_pv_usd``, and its difference to the baseline's. [USD]
    npv_after_tax_with_terminal_value_usd : float
        ``npv_after_tax_usd`` plus the terminal value with the lines valued on cash flows
        (Gordon growth, the contracts, a PPA block's months after the horizon) taxed at
        the income tax rate; an exit multiple already prices a buyer's taxes
        (:meth:`~hashpivot.engines.pivot.terminal.TerminalValue.after_tax_present_value_usd`).
        [USD]
    npv_levered_after_tax_usd : float
        Levered NPV minus the present value of the tax with interest deducted. [USD]
    signing : dict or None
        The expected value over the tenants' signings when a hall's tenant may not sign
        (:func:`hashpivot.engines.pivot.signing.expected_over_signings`); None otherwise.
    emissions_tco2 : float
        CO2 of the energy the strategy's sites use over the horizon, at each site's factor
        (:mod:`hashpivot.engines.pivot.emissions`); NaN when a site has none. [t CO2]
    rules_allow : dict or None
        When the strategy starts a conversion before the regulation rules allow
        (:func:`hashpivot.engines.pivot.regulation.as_the_rules_allow`): the phases
        moved (``site, gross_mw, start, as_filed``) and the NPV vs the baseline started
        when the rules allow, to the horizon and with TV [USD]; None otherwise.
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
    terminal_value_usd: float = 0.0
    terminal_value_mining_usd: float = 0.0
    terminal_value_hosting_usd: float = 0.0
    npv_with_terminal_value_usd: float = float("nan")
    npv_with_terminal_value_vs_baseline_usd: float = float("nan")
    income_tax_usd: float = float("nan")
    income_tax_pv_usd: float = float("nan")
    npv_after_tax_usd: float = float("nan")
    npv_after_tax_vs_baseline_usd: float = float("nan")
    npv_after_tax_with_terminal_value_usd: float = float("nan")
    npv_levered_after_tax_usd: float = float("nan")
    signing: dict[str, Any] | None = None
    emissions_tco2: float = float("nan")
    rules_allow: dict[str, Any] | None = None
    irr_is_financing: bool = False
    irr_levered_is_financing: bool = False

    @property
    def name(self) -> str:
        """Strategy name."""
        return self.strategy.name


def horizon_totals(annual: pd.DataFrame) -> dict[str, float]:
    """A strategy's sums over the horizon, undiscounted, as its table's last rows show
    them: ``revenue_usd`` [USD], ``mining_share_of_revenue`` (mining revenue / revenue,
    NaN without revenue) [-], ``ebitda_usd`` [USD], ``unlevered_fcf_usd`` [USD] and
    ``btc_mined`` [BTC].

    Parameters
    ----------
    annual : pandas.DataFrame
        The strategy's annual flows (:attr:`StrategyResult.annual`).
    """
    revenue = float(annual["revenue_usd"].sum())
    return {
        "revenue_usd": revenue,
        "mining_share_of_revenue": (float(annual["mining_revenue_usd"].sum()) / revenue
                                    if revenue else float("nan")),
        "ebitda_usd": float(annual["ebitda_usd"].sum()),
        "unlevered_fcf_usd": float(annual["unlevered_fcf_usd"].sum()),
        "btc_mined": float(annual["btc_mined"].sum()),
    }


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
        npv_vs_baseline_low_usd, npv_vs_baseline_high_usd, npv_with_tv_vs_baseline_low_usd,
        npv_with_tv_vs_baseline_high_usd, swing_usd, swing_with_tv_usd`` (NPVs to the
        horizon, then with their terminal value), widest first (to the horizon), and
        ``switching_input``, ``switching_with_tv_input``: where within the range the
        difference is zero (NaN: the verdict holds over it).
    breakeven_lease_usd_per_kw_month : float
        First-year rent (every converted site) at which the pivot's NPV equals the
        baseline's; NaN when no pivot strategy. [USD/kW/month]
    breakeven_lease_with_terminal_value_usd_per_kw_month : float
        The same for the NPVs with their terminal value (the leases' rent after the
        horizon counts). [USD/kW/month]
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
    breakeven_lease_with_terminal_value_usd_per_kw_month: float = float("nan")

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

        levered = self.has_financing

        return {
            "strategies": {
                s.name: {
                    "npv_usd": num(s.npv_usd),
                    "irr_fraction": num(s.irr_fraction),
                    "payback_months": num(s.payback_months),
                    "contracted_backlog_usd": num(s.contracted_backlog_usd),
                    "npv_vs_baseline_usd": num(s.npv_vs_baseline_usd),
                    "npv_with_terminal_value_usd": num(s.npv_with_terminal_value_usd),
                    "npv_with_terminal_value_vs_baseline_usd": num(
                        s.npv_with_terminal_value_vs_baseline_usd
                    ),
                    "terminal_value_usd": num(s.terminal_value_usd),
                    "terminal_value_mining_at_horizon_usd": num(s.terminal_value_mining_usd),
                    "terminal_value_hosting_at_horizon_usd": num(s.terminal_value_hosting_usd),
                    # without [financing] the "levered" flows are the unlevered ones: null
                    "npv_levered_usd": num(s.npv_levered_usd) if levered else None,
                    "income_tax_usd": num(s.income_tax_usd),
                    "income_tax_pv_usd": num(s.income_tax_pv_usd),
                    "npv_after_tax_usd": num(s.npv_after_tax_usd),
                    "npv_after_tax_vs_baseline_usd": num(s.npv_after_tax_vs_baseline_usd),
                    "npv_after_tax_with_terminal_value_usd": num(
                        s.npv_after_tax_with_terminal_value_usd
                    ),
                    "npv_levered_after_tax_usd": (
                        num(s.npv_levered_after_tax_usd) if levered else None
                    ),
                    "irr_levered_fraction": num(s.irr_levered_fraction) if levered else None,
                    "irr_is_financing": s.irr_is_financing,
                    "irr_levered_is_financing": (
                        s.irr_levered_is_financing if levered else None),
                    "converted_gross_mw": s.strategy.converted_gross_mw,
                    "energy_mwh": num(float(s.annual["energy_mwh"].sum())),
                    **{k: num(v) for k, v in horizon_totals(s.annual).items()},
                    "emissions_tco2": num(s.emissions_tco2),
                    "phases": [
                        {"site": p.site, "start": str(p.start), "gross_mw": p.gross_mw,
                         **({"tenant": p.tenant} if p.tenant else {}), **dict(p.lease),
                         **({"probability_signing": p.probability_signing}
                            if p.probability_signing < 1.0 else {})}
                        for p in s.strategy.phases
                    ],
                    **({"signing": s.signing} if s.signing is not None else {}),
                    **({"as_the_rules_allow": {
                        k: (num(v) if isinstance(v, float) else v)
                        for k, v in s.rules_allow.items()}}
                       if s.rules_allow is not None else {}),
                }
                for s in self.strategies
            },
            "baseline": self.baseline.name,
            "pivot": self.pivot_name,
            "breakeven_lease_usd_per_kw_month": num(self.breakeven_lease_usd_per_kw_month),
            "breakeven_lease_with_terminal_value_usd_per_kw_month": num(
                self.breakeven_lease_with_terminal_value_usd_per_kw_month),
            "tornado": [
                {k: (num(v) if isinstance(v, float) else v) for k, v in row.items()}
                for row in self.tornado.to_dict(orient="records")
            ],
            "levered_note": None if levered else NO_FINANCING_NOTE,
            **({"levered_basis": self.levered_basis()} if levered else {}),
            "resolved_assumptions": self.resolved_assumptions(),
            "inputs": self.inputs,
            "warnings": list(self.warnings),
        }

    def levered_basis(self) -> str:
        """What the levered rows count: the equity's cash flows to the horizon at the cost
        of equity, no terminal value, the project debt still outstanding at the horizon
        repaid in its last month (each strategy's, where it has some)."""
        left = [f"{s.name} {s.cash_flows.debt_balloon_usd / 1e6:,.1f} M USD"
                for s in self.strategies if s.cash_flows.debt_balloon_usd > 0]
        return ("levered = equity cash flows at the cost of equity, to the horizon without "
                "terminal value" + ("; the project debt outstanding at the horizon is repaid "
                                    "in its last month (" + ", ".join(left) + ")"
                                    if left else ""))

    def resolved_assumptions(self) -> list[dict[str, Any]]:
        """The assumptions that can flip the verdict, each with where it came from.

        Returns
        -------
        list of dict
            ``name`` (the file's field), ``value``, ``unit`` and ``source``: ``"file"``
            when the portfolio sets it, else ``"default"`` (or the data it came from).
        """
        inp = self.inputs
        piv = inp.get("pivot", {})
        in_file = set(inp.get("pivot_fields_in_file", []))

        def src(field_name: str, fallback: str = "default") -> str:
            return "file" if field_name in in_file else fallback

        market = str(inp.get("market_source", "default"))
        rows: list[dict[str, Any]] = [
            {"name": "[pivot] horizon_years", "value": inp["horizon_months"] // 12,
             "unit": "year", "source": src("horizon_years")},
            {"name": "[pivot] start", "value": inp["start"], "unit": "month",
             "source": src("start", market)},
            {"name": "[pivot] discount_rate", "value": inp["discount_rate"], "unit": "1/year",
             "source": src("discount_rate")},
            {"name": "[pivot] mining_discount_rate", "value": inp.get("mining_discount_rate"),
             "unit": "1/year", "source": src("mining_discount_rate", "= discount_rate")},
            {"name": "[pivot] hosting_discount_rate",
             "value": inp.get("hosting_discount_rate"), "unit": "1/year",
             "source": src("hosting_discount_rate", "= discount_rate")},
            terminal_value_row(str(inp.get("terminal_value", "")), src("terminal_value")),
            tax_row(inp.get("tax") or None),
            {"name": "[pivot] btc_price_usd", "value": inp["btc_price_usd"], "unit": "USD",
             "source": src("btc_price_usd", market)},
            {"name": "[pivot] btc_price_growth_per_year",
             "value": inp["btc_price_growth_per_year"], "unit": "1/year",
             "source": src("btc_price_growth_per_year")},
            {"name": "[pivot] network_hashrate_th_s", "value": inp["network_hashrate_th_s"],
             "unit": "TH/s", "source": src("network_hashrate_th_s", market)},
            {"name": "[pivot] network_hashrate_growth_per_year",
             "value": inp["network_hashrate_growth_per_year"], "unit": "1/year",
             "source": src("network_hashrate_growth_per_year")},
            {"name": "[pivot] fees_btc_per_block", "value": inp["fees_btc_per_block"],
             "unit": "BTC/block",
             "source": src("fees_btc_per_block", fees_source(market, inp.get("fees_source")))},
            *halving_rows(inp.get("halvings"), src(
                "start_height", f"{market}, + {BLOCKS_PER_DAY} blocks a day to the start")),
            {"name": "[pivot] fleet_replacement_years",
             "value": piv.get("fleet_replacement_years"), "unit": "year",
             "source": src("fleet_replacement_years")},
            *fleet_rows(piv, in_file),
            price_center_row(
                str(inp.get("scenario", {}).get("price_center", "mean")) if "scenario" in inp
                # (a result stored before the scenario's fields: its one line)
                else "median" if "median" in str(inp.get("price_center", "")) else "mean",
                "price_center" in inp.get("scenario_fields_in_file", ())),
            *(financing_rows(inp.get("financing"), inp["financing_fields_in_file"])
              if "financing_fields_in_file" in inp else  # (a result stored before them)
              [{"name": "[financing]", "value": "given" if self.has_financing else "none: "
                "no project debt, no levered view", "unit": "-",
                "source": "file" if self.has_financing else "default"}]),
            *strategy_rows(inp.get("strategy_definitions", [])),
        ]
        # the central path follows the margin response when it is on: always a row, as
        # simulate's and optimize's (a result stored before the scenario's fields: with
        # "margin" only)
        rows += hashrate_response_row(inp) or (
            [{"name": "[scenario] hashrate_response", "value": "margin", "unit": "-",
              "source": str(inp["hashrate_response"])}] if "hashrate_response" in inp else [])
        for site in inp.get("sites", []):
            if site.get("hosting_is_default"):
                rows.append({"name": f"[sites.hosting] of {site['name']}",
                             "value": "default hosting terms", "unit": "-",
                             "source": "default"})
        factors = inp.get("emission_factors", [])
        for f in factors:
            name = "emissions factor" if len(factors) == 1 else f"{f['site']}: emissions factor"
            rows.append({"name": name, "value": f["tco2_per_mwh"], "unit": "t CO2/MWh",
                         "source": f["source"]})
        rows += regulation_rows(inp.get("regulation_rules", []))  # notes: who breaks them
        return (rows + corporate_cost_rows(inp.get("corporate_costs"), "pivot")
                + site_assumption_rows(inp.get("site_assumptions", []))
                + hosting_risk_rows(inp.get("site_assumptions", []), "pivot"))

    @property
    def has_financing(self) -> bool:
        """Whether the portfolio has ``[financing]`` (else there is no levered view)."""
        return self.inputs.get("financing") is not None
