"""One site, one hall, rebuilt by hand as a spreadsheet would: the hall's rent (escalator,
renewal, default, prepayment), power and opex, the project debt month by month, the
levered and unlevered NPVs (numpy-financial) and the income tax with interest deducted;
then the conventions a reader has to be told (nominal debt rate, construction interest
paid in cash, rent taxed as earned, vacancy) are in the printed assumptions.

Tolerances: the hosting arrays are the same formulas evaluated in another order (1e-12
relative); the debt is a loop here and a closed-form annuity in the model, whose balance
``P (1 + r)^t - A ((1 + r)^t - 1) / r`` loses about 1e-12 of the principal to rounding
over 24 payments (1e-9 relative, 1e-6 USD absolute on the months the loan is repaid to
zero); the NPVs and the tax sum the same month-end flows (1e-12 relative, 1e-6 USD).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy_financial as npf
import pytest

from hashpivot import finance
from hashpivot.engines import pivot as pv
from hashpivot.engines.pivot import cashflows as cashflows_module
from hashpivot.models import load_portfolio, parse_portfolio
from tests.portfolio_toml import contract, portfolio_toml, site, site_opex, table

EXAMPLE = Path(__file__).parents[3] / "examples" / "pivot-200mw.toml"

GROSS_MW, PUE, START, BUILD = 50.0, 1.25, 2, 4  # the hall: construction from month 2
IT_MW = GROSS_MW / PUE
RATE, LTC, FEE, AMORT = 0.08, 0.7, 0.01, 24  # the loan: 8 % nominal, 2 years
TAX = 0.21


def _portfolio(tax: bool = True) -> Any:
    hosting = table(pue=PUE, lease_usd_per_kw_month=130.0, lease_escalator_per_year=0.03,
                    lease_term_years=2, renewal_options=1, renewal_term_years=1,
                    renewal_probability=0.5, construction_months=BUILD,
                    tenant_default_probability_per_year=0.05, default_recovery_fraction=0.4,
                    prepayment_fraction=0.1, lease_structure="modified_gross",
                    it_load_factor=0.8, opex_usd_per_it_mw_year=120_000.0,
                    shell_capex_usd_per_it_mw=3e6, fit_out_capex_usd_per_it_mw=6e6,
                    asic_resale_usd_per_th=5.0)
    a = site("A", contract(40.0, "fixed"),
             table(hashrate_th_s=200.0, efficiency_j_per_th=17.5, count=20000,
                   uptime_fraction=0.9),
             cost_items=[site_opex("staff", 6e6)], hosting=hosting,
             capacity_mw=100.0, power_overhead_factor=1.05, pool_fee_fraction=0.02)
    loan = table(loan_to_cost_fraction=LTC, interest_rate=RATE, amortization_years=2,
                 upfront_fee_fraction=FEE, equity_discount_rate=0.15)
    piv = table(horizon_years=4, start="2026-01", start_height=930000,
                btc_price_usd=100000.0, network_hashrate_th_s=1.0e9,
                fees_btc_per_block=0.025, btc_price_growth_per_year=0.1,
                network_hashrate_growth_per_year=0.2, convert_mw=GROSS_MW,
                convert_start="2026-03", strategies=["convert"], discount_rate=0.1,
                tax=table(income_tax_rate=TAX) if tax else None)
    return parse_portfolio(portfolio_toml("by hand", a, financing=loan, pivot=piv), "t.toml")


def test_one_hall_and_its_loan_by_hand() -> None:
    res = pv.run_pivot(_portfolio(), deals=None)
    s = res.strategy(f"convert_{GROSS_MW:g}mw_2026-03")
    cf = s.cash_flows
    n = len(cf.periods)
    t = np.arange(n)
    ready = START + BUILD
    m = t - ready  # months since rent start (no free rent)

    # --- the hall: rent earned, power, opex --------------------------------------------
    rate = np.where(m >= 0, 130.0 * 1.03 ** np.floor(np.maximum(m, 0) / 12), 0.0)
    rent = IT_MW * 1000.0 * rate  # every month a lease could run
    initial = (m >= 0) & (m < 24)
    renewal = np.where(m < 0, 0.0, np.where(initial, 1.0, np.where(m < 36, 0.5, 0.0)))
    alive = 0.95 ** (np.maximum(m, 0) / 12)
    collected = alive + (1 - alive) * 0.4
    leased = np.where(t < ready, 0.0, np.where(m < 0, 1.0, renewal))
    hours = np.asarray(cf.periods.days_in_month, dtype=float) * 24.0
    power = IT_MW * leased * 0.8 * PUE * hours * 40.0  # paid as if leased
    np.testing.assert_allclose(cf.hosting_power_cost_usd[0], power, rtol=1e-12)
    # a defaulted tenant's prepayment is kept: earned as it would have been credited;
    # the recovery is of the rent net of the power, whose part is collected in full
    earned = ((rent * renewal - power) * collected + power
              + rent * initial * 0.1 * (1 - collected))
    np.testing.assert_allclose(cf.hosting_revenue_usd[0], earned, rtol=1e-12)
    opex = IT_MW * leased * 120_000.0 / 12 * 1.03 ** np.floor(np.maximum(t - ready, 0) / 12)
    np.testing.assert_allclose(cf.hosting_opex_usd[0], opex, rtol=1e-12)
    capex = np.where((t >= START) & (t < ready), IT_MW * 9e6 / BUILD, 0.0)
    np.testing.assert_allclose(cf.hosting_capex_usd[0], capex, rtol=1e-12)
    # the prepayment: 10 % of the initial term's rent in cash at construction start,
    # then 10 % of each initial-term rent credited (not received); nets to zero in term
    prepaid = 0.1 * IT_MW * 1000.0 * 130.0 * 12 * (1 + 1.03)
    assert cf.prepayment_usd[0][START] == pytest.approx(prepaid, rel=1e-12)
    assert cf.prepayment_usd[0].sum() == pytest.approx(0.0, abs=1e-6)

    # --- the loan, month by month: interest on the balance at the month's start, paid
    # in cash during construction (not capitalized); from the ready month a level
    # payment over 24 months at 8 % / 12 -------------------------------------------------
    r = RATE / 12
    draws = capex * LTC
    interest, principal = np.zeros(n), np.zeros(n)
    balance, payment = 0.0, 0.0
    for i in range(n):
        interest[i] = balance * r
        if i < ready:
            balance += draws[i]
            if i == ready - 1:
                payment = balance * r / (1 - (1 + r) ** -AMORT)
        elif balance > 0:
            principal[i] = min(payment - interest[i], balance)
            balance -= principal[i]
    principal[-1] += balance  # (repaid within the horizon: no balloon)
    assert balance == pytest.approx(0.0, abs=1e-6) and cf.debt_balloon_usd == 0.0
    service = interest + principal + FEE * draws
    np.testing.assert_allclose(cf.debt_draw_usd[0], draws, rtol=1e-12)
    np.testing.assert_allclose(cf.interest_usd[0], interest, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(cf.debt_service_usd[0], service, rtol=1e-9, atol=1e-6)
    levered = cf.unlevered_fcf_usd[0] + draws - service
    np.testing.assert_allclose(cf.levered_fcf_usd[0], levered, rtol=1e-9, atol=1e-3)
    # the quoted 8 % costs 8.30 %/year compounded monthly
    assert (1 + r) ** 12 - 1 == pytest.approx(0.0830, abs=5e-5)

    # --- NPVs (numpy-financial puts its first flow at time 0: a leading 0 makes every
    # month's flow a month-end flow), each rate effective annual -------------------------
    r_u, r_e = 1.10 ** (1 / 12) - 1, 1.15 ** (1 / 12) - 1
    assert s.npv_usd == pytest.approx(npf.npv(r_u, np.r_[0.0, cf.unlevered_fcf_usd[0]]),
                                      rel=1e-12)
    assert s.npv_levered_usd == pytest.approx(npf.npv(r_e, np.r_[0.0, levered]), rel=1e-9)

    # --- the income tax, a year (12 months from the start) at a time: rent taxed as
    # earned (the prepayment as it is credited), the hall from its ready month (fit-out
    # 100 % bonus, shell 39 years straight line, half a year's share in the first), the
    # displaced miners' resale a gain; levered: interest deducted up to 30 % of EBITDA,
    # the rest carried; losses carried forward, used up to 80 % of a year's income -------
    dep = np.zeros(n)
    dep[ready] = IT_MW * 6e6
    dep[ready:ready + 12] += IT_MW * 3e6 * (0.5 / 39) / 12
    dep[ready + 12:] += IT_MW * 3e6 * (1 / 39) / 12
    assert not np.any(cf.replacement_capex_usd[0])  # (no fleet bought in this case)
    ebitda = np.asarray(cf.ebitda_usd[0])
    income = ebitda + cf.asic_resale_usd[0] - dep

    def tax_by_hand(interest_usd: np.ndarray) -> np.ndarray:
        tax, loss, carried = np.zeros(n), 0.0, 0.0
        for y in range(n // 12):
            year = slice(12 * y, 12 * y + 12)
            owed = interest_usd[year].sum() + carried
            deducted = min(owed, 0.30 * max(ebitda[year].sum(), 0.0))
            carried = owed - deducted
            taxable = income[year].sum() - deducted
            used = min(loss, 0.8 * max(taxable, 0.0))
            loss += max(-taxable, 0.0) - used
            tax[12 * y + 11] = TAX * (max(taxable, 0.0) - used)
        return tax

    unlevered_tax, levered_tax = tax_by_hand(np.zeros(n)), tax_by_hand(interest)
    assert levered_tax.sum() < unlevered_tax.sum()  # (teeth: the interest is deducted)
    assert s.income_tax_usd == pytest.approx(unlevered_tax.sum(), rel=1e-12)
    # the unlevered tax at the unlevered rate, the levered tax at the cost of equity:
    # each with the flows it is deducted from
    assert s.npv_after_tax_usd == pytest.approx(
        npf.npv(r_u, np.r_[0.0, cf.unlevered_fcf_usd[0] - unlevered_tax]), rel=1e-12)
    assert s.npv_levered_after_tax_usd == pytest.approx(
        npf.npv(r_e, np.r_[0.0, levered - levered_tax]), rel=1e-9)


def _capitalized_schedule(draws_usd: Any, rate_per_period: float, amortization_start: int,
                          amortization_periods: int, upfront_fee_fraction: float = 0.0,
                          balloon_at_end: bool = True) -> dict[str, Any]:
    """:func:`hashpivot.finance.project_debt_schedule` with the construction interest
    added to the loan (capitalized) instead of paid: what a project-finance model with
    an interest roll-up would do."""
    d = np.asarray(draws_usd, dtype=float)
    n, a = d.size, amortization_start
    owed = 0.0
    for i in range(min(a, n)):
        owed = owed * (1 + rate_per_period) + d[i]
    interest, principal = np.zeros(n), np.zeros(n)
    left = owed
    if a < n:  # the annuity of the balance with its interest rolled up
        k = min(amortization_periods, n - a)
        sched = finance.amortization_schedule(owed, rate_per_period, amortization_periods)
        interest[a:a + k] = sched["interest_usd"][:k]
        principal[a:a + k] = sched["principal_usd"][:k]
        left = float(sched["balance_usd"][k - 1])
    if balloon_at_end:
        principal[-1] += left
    fee = d * upfront_fee_fraction
    return {"draw_usd": d, "interest_usd": interest, "principal_usd": principal,
            "fee_usd": fee, "debt_service_usd": interest + principal + fee,
            "balloon_usd": left if balloon_at_end else 0.0}


def test_construction_interest_is_paid_in_cash_and_capitalizing_it_moves_only_the_levered_view(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The example's construction interest is paid from the equity's cash each month (as
    the treasury of ``simulate`` pays it). Capitalized (rolled into the loan) it would
    leave the unlevered NPV and the payback as they are and raise each levered NPV by a
    few per cent: paid later at the loan's 8.84 %/year effective, discounted at the
    equity's 15 %."""
    pf = load_portfolio(EXAMPLE)
    paid = pv.run_pivot(pf, deals=None)
    monkeypatch.setattr(cashflows_module.finance, "project_debt_schedule",
                        _capitalized_schedule)
    rolled = pv.run_pivot(pf, deals=None)
    for p in paid.strategies[1:]:
        c = rolled.strategy(p.name)
        during = np.asarray(p.cash_flows.interest_usd[0])[:13].sum()
        assert during > 1e7  # (teeth: 12 months of construction interest, paid)
        assert np.asarray(c.cash_flows.interest_usd[0])[:13].sum() < during
        assert c.npv_usd == p.npv_usd and c.payback_months == p.payback_months
        gain = c.npv_levered_usd - p.npv_levered_usd
        assert 0.0 < gain < 0.05 * p.npv_levered_usd, p.name


def _rows(res: Any) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in res.resolved_assumptions()}


def test_the_debt_tax_and_vacancy_conventions_are_printed() -> None:
    rows = _rows(pv.run_pivot(_portfolio(), deals=None))
    debt = rows["[financing] debt service"]
    assert debt["value"] == (
        "interest_rate nominal, paid monthly at rate / 12 (8.30 %/year effective); "
        "construction interest paid in cash, not capitalized; from the month a hall is "
        "ready, a level annuity over amortization_years")
    assert debt["source"] == "model"
    tax = rows["[pivot.tax]"]["value"]
    assert "rent taxed as earned (a prepayment as it is credited: IRC 467)" in tax
    assert "the levered tax (interest deducted) at [financing] equity_discount_rate" in tax
    vacancy = rows["[sites.hosting] vacancy"]
    assert vacancy["value"] == (
        "after the last lease (renewals in expectation) the hall is empty and not valued: "
        "no rent, opex or power; after a default (in expectation) "
        "default_recovery_fraction of the rent net of the hall's power is collected and "
        "the opex paid as if leased (modified gross: the power too, passed on in full in "
        "the rent, as a new tenant pays the power it draws; simulate with "
        "[sites.hosting.risk] tenant_default = 'realised': vacant, without power, for "
        "re_lease_downtime_months, then re-let at 1 - re_lease_rent_haircut_fraction of "
        "the rent net of power, plus the power)")
    assert vacancy["source"] == "model"
