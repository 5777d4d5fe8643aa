"""Tests of hashpivot.hosting: lease math, capex, phase cash flows, reference deals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hashpivot import finance as fin
from hashpivot import hosting as hz
from hashpivot.io.bundled import load_hosting_deals
from hashpivot.models.hosting import FinancingSpec, HostingProjectSpec, PivotSpec

DATA = Path(__file__).parents[1] / "data"
DAYS_30 = np.full(240, 30.0)


def flat_flows(gross_mw: float = 125.0, start_index: int = 0,
               **kw: object) -> hz.HostingCashFlows:
    """A flat lease of ``gross_mw`` converted at month ``start_index``: no escalator, no
    default, no capex, no opex, no renewals (unless ``kw`` sets them)."""
    base: dict[str, object] = dict(
        pue=1.25,
        shell_capex_usd_per_it_mw=0.0,
        fit_out_capex_usd_per_it_mw=0.0,
        construction_months=1,
        lease_usd_per_kw_month=100.0,
        lease_escalator_per_year=0.0,
        lease_term_years=10.0,
    )
    base.update(kw)
    return hz.hosting_cash_flows([gross_mw], [start_index], DAYS_30, **base)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# models
# --------------------------------------------------------------------------------------
def test_specs_have_defaults_and_forbid_extras() -> None:
    PivotSpec()
    FinancingSpec()
    h = HostingProjectSpec()
    assert h.capex_usd_per_it_mw == pytest.approx(9e6)
    assert h.operator_capex_usd_per_it_mw == pytest.approx(9e6)
    assert HostingProjectSpec(fit_out_funded_by="tenant").operator_capex_usd_per_it_mw == 3e6
    with pytest.raises(ValueError):
        HostingProjectSpec(unknown_field=1)  # type: ignore[call-arg]
    with pytest.raises(ValueError):
        HostingProjectSpec(pue=0.9)
    with pytest.raises(ValueError):
        PivotSpec(start="2026-13")
    with pytest.raises(ValueError, match="order"):
        HostingProjectSpec(
            phases=[{"start": "2027-01", "gross_mw": 10}, {"start": "2026-01", "gross_mw": 10}]
        )


# --------------------------------------------------------------------------------------
# lease arithmetic
# --------------------------------------------------------------------------------------
def test_core_scientific_coreweave_implied_rate() -> None:
    # 200 MW IT, 12 years, 3.5 B USD: 3.5e9 / 144 / 200,000 = 121.53 USD/kW/month
    assert hz.implied_usd_per_kw_month(3.5e9, 12, 200) == pytest.approx(121.527777, rel=1e-6)
    assert hz.implied_usd_per_mw_year(3.5e9, 12, 200) == pytest.approx(1.4583333e6, rel=1e-6)


def test_it_and_gross_mw() -> None:
    assert hz.it_mw_from_gross(130.0, 1.3) == pytest.approx(100.0)
    assert hz.gross_mw_from_it(100.0, 1.3) == pytest.approx(130.0)
    assert np.isnan(hz.it_mw_from_gross(100.0, 0.9))


def test_escalator_steps_at_anniversaries() -> None:
    m = np.array([-1, 0, 11, 12, 23, 24])
    rate = hz.lease_rate_usd_per_kw_month(m, 100.0, 0.03)
    np.testing.assert_allclose(rate, [0, 100, 100, 103, 103, 106.09])


def test_contract_value_and_average_rate() -> None:
    # explicit sum of 12 monthly payments per year, 3 % steps, 10 years
    explicit = sum(12 * 1000 * 100 * 1.03**y for y in range(10))
    assert hz.contract_value_usd(1.0, 100.0, 0.03, 10) == pytest.approx(explicit, rel=1e-12)
    avg = hz.average_rate_usd_per_kw_month(100.0, 0.03, 10)
    assert avg == pytest.approx(explicit / 120 / 1000, rel=1e-12)
    assert hz.first_year_rate_usd_per_kw_month(avg, 0.03, 10) == pytest.approx(100.0)
    assert hz.average_rate_usd_per_kw_month(100.0, 0.0, 7.5) == pytest.approx(100.0)
    # fractional last year: 12.5 years flat at 1.0 then half a year at 1.03^12
    frac = (sum(1.03**y for y in range(12)) + 0.5 * 1.03**12) / 12.5 * 100
    assert hz.average_rate_usd_per_kw_month(100.0, 0.03, 12.5) == pytest.approx(frac)


def test_term_weight_and_renewals() -> None:
    m = np.array([-1, 0, 119, 120, 179, 180, 239, 240])
    w = hz.lease_term_weight(
        m, 120, renewal_options=2, renewal_term_months=60, renewal_probability=0.5
    )
    np.testing.assert_allclose(w, [0, 1, 1, 0.5, 0.5, 0.25, 0.25, 0])


def test_collection_factor() -> None:
    assert hz.tenant_collection_factor(0, 0.1, 0.0) == pytest.approx(1.0)
    assert hz.tenant_collection_factor(12, 0.1, 0.0) == pytest.approx(0.9)
    assert hz.tenant_collection_factor(24, 0.1, 0.5) == pytest.approx(0.81 + 0.19 * 0.5)
    assert hz.tenant_collection_factor(60, 0.0, 0.0) == pytest.approx(1.0)


# --------------------------------------------------------------------------------------
# phase cash flows
# --------------------------------------------------------------------------------------
def test_flat_lease_closed_form_npv() -> None:
    # 125 MW gross / PUE 1.25 = 100 MW IT x 100 USD/kW/month = 10 M USD a month from month 1
    # (construction 1 month) for 120 months: NPV = annuity, discounted one month more.
    h = flat_flows()
    rev = h.hosting_revenue_usd[0]
    assert rev[0] == 0.0
    np.testing.assert_allclose(rev[1:121], 10e6)
    assert rev[121:].sum() == 0.0
    r = fin.periodic_rate(0.10)
    closed = fin.annuity_present_value(10e6, r, 120) / (1 + r)
    assert fin.npv(r, rev) == pytest.approx(closed, rel=1e-12)
    assert h.contracted_backlog_usd[0] == pytest.approx(1.2e9)
    assert h.operator_capex_usd.sum() == 0.0
    np.testing.assert_allclose(h.rent_cash_usd, h.hosting_revenue_usd)


def test_escalating_lease_closed_form_npv() -> None:
    # annual steps: PV = sum_y (1+e)^y * annuity(12 months) discounted 12y months
    h = flat_flows(lease_escalator_per_year=0.03, construction_months=1)
    r = fin.periodic_rate(0.08)
    ann = fin.annuity_present_value(10e6, r, 12)
    closed = sum(1.03**y * ann / (1 + r) ** (12 * y) for y in range(10)) / (1 + r)
    assert fin.npv(r, h.hosting_revenue_usd[0]) == pytest.approx(closed, rel=1e-12)


def test_construction_capex_and_ready() -> None:
    h = hz.hosting_cash_flows(
        [130.0, 65.0],
        [0, 6],
        DAYS_30,
        pue=1.3,
        shell_capex_usd_per_it_mw=3e6,
        fit_out_capex_usd_per_it_mw=6e6,
        fit_out_funded_by="tenant",
        construction_months=12,
        lease_usd_per_kw_month=100.0,
        lease_term_years=10,
        rent_start_lag_months=2,
    )
    # operator pays the shell: 100 MW IT x 3 M over 12 months, 50 MW IT x 3 M
    assert h.operator_capex_usd[0].sum() == pytest.approx(300e6)
    np.testing.assert_allclose(h.operator_capex_usd[0, :12], 25e6)
    assert h.tenant_capex_usd[1].sum() == pytest.approx(300e6)
    np.testing.assert_allclose(h.ready_index, [12, 18])
    assert h.hosting_revenue_usd[0, 13] == 0.0  # free rent months 12-13
    assert h.hosting_revenue_usd[0, 14] == pytest.approx(10e6)
    assert h.gross_mw_converted[1, 5] == 0.0 and h.gross_mw_converted[1, 6] == 65.0
    assert h.it_mw_in_service[1, 17] == 0.0 and h.it_mw_in_service[1, 18] == 50.0


def test_modified_gross_pays_power_triple_net_does_not() -> None:
    common: dict[str, object] = dict(
        it_load_factor=0.8,
        power_price_usd_per_mwh=50.0,
        opex_usd_per_it_mw_year=120_000.0,
        nnn_operator_opex_fraction=0.1,
    )
    mg = flat_flows(lease_structure="modified_gross", **common)
    nnn = flat_flows(lease_structure="triple_net", **common)
    # 100 MW IT x 0.8 x PUE 1.25 x 720 h = 72,000 MWh a month, at 50 USD/MWh
    assert mg.energy_mwh[0, 5] == pytest.approx(72_000.0)
    assert mg.power_cost_usd[0, 5] == pytest.approx(3.6e6)
    assert nnn.power_cost_usd.sum() == 0.0
    assert nnn.energy_mwh[0, 5] == pytest.approx(72_000.0)
    assert mg.opex_usd[0, 5] == pytest.approx(1e6)  # 100 MW x 120k / 12
    assert nnn.opex_usd[0, 5] == pytest.approx(1e5)


def test_hall_draws_power_and_opex_only_while_leased() -> None:
    """10-year term from month 1 (ready after 1 month of construction), one 5-year renewal
    exercised with probability 0.5, 240-month horizon: the hall's power and the operator's
    opex follow the lease in force (1 in the term, 0.5 in the renewal, 0 after), as the
    rent does; the operator never pays for an empty hall (it is not valued, within the
    horizon as after it). Until 2026-12-06 the opex ran on in full for ever, so the same
    hall's NPV with its terminal value fell the longer the horizon."""
    mg = flat_flows(
        lease_structure="modified_gross",
        it_load_factor=0.8,
        power_price_usd_per_mwh=50.0,
        opex_usd_per_it_mw_year=120_000.0,
        renewal_options=1,
        renewal_term_years=5.0,
        renewal_probability=0.5,
    )
    full = 72_000.0  # MWh a month: 100 MW IT x 0.8 x PUE 1.25 x 720 h
    opex = 1e6  # USD a month: 100 MW IT x 120k / 12, no escalator
    for month, share in ((120, 1.0), (121, 0.5), (180, 0.5)):  # term's last, renewal
        assert mg.energy_mwh[0, month] == pytest.approx(share * full)
        assert mg.opex_usd[0, month] == pytest.approx(share * opex)
    assert mg.energy_mwh[0, 181] == 0.0 and mg.power_cost_usd[0, 181:].sum() == 0.0
    assert mg.hosting_revenue_usd[0, 181:].sum() == 0.0
    assert mg.opex_usd[0, 181:].sum() == 0.0
    nnn = flat_flows(opex_usd_per_it_mw_year=120_000.0, nnn_operator_opex_fraction=0.1)
    assert nnn.opex_usd[0, 120] == pytest.approx(0.1 * opex)
    assert nnn.opex_usd[0, 121:].sum() == 0.0
    # free-rent months after service start: the tenant is in, the operator pays the power
    # and the opex
    lag = flat_flows(
        lease_structure="modified_gross",
        it_load_factor=0.8,
        power_price_usd_per_mwh=50.0,
        opex_usd_per_it_mw_year=120_000.0,
        rent_start_lag_months=3,
    )
    assert lag.hosting_revenue_usd[0, 1] == 0.0
    assert lag.power_cost_usd[0, 1] == pytest.approx(full * 50.0)
    assert lag.opex_usd[0, 1] == pytest.approx(opex)


def test_prepayment_conserves_cash() -> None:
    h = flat_flows(
        prepayment_fraction=0.2,
        tenant_default_probability_per_year=0.05,
        default_recovery_fraction=0.3,
    )
    # prepaid at construction start (month 0): 20 % of the 1.2 B contract
    assert h.rent_cash_usd[0, 0] == pytest.approx(0.2 * 1.2e9)
    # all cash is earned as revenue by the end of the term (no renewals)
    assert h.rent_cash_usd.sum() == pytest.approx(h.hosting_revenue_usd.sum(), rel=1e-12)
    np.testing.assert_allclose(h.prepayment_usd, h.rent_cash_usd - h.hosting_revenue_usd)


def test_default_reduces_revenue_expected_value() -> None:
    no = flat_flows()
    yes = flat_flows(tenant_default_probability_per_year=0.1, default_recovery_fraction=0.5)
    # month 1+12: one year after rent start, S = 0.9 -> 0.9 + 0.1 x 0.5 = 0.95
    assert yes.hosting_revenue_usd[0, 13] == pytest.approx(0.95 * no.hosting_revenue_usd[0, 13])
    assert yes.contracted_revenue_usd.sum() == pytest.approx(no.contracted_revenue_usd.sum())


def test_phases_beyond_horizon_and_resale() -> None:
    h = flat_flows(100.0, 300, shell_capex_usd_per_it_mw=1e6, construction_months=12,
                   prepayment_fraction=0.5)
    assert h.hosting_revenue_usd.sum() == 0.0 and h.operator_capex_usd.sum() == 0.0
    assert h.rent_cash_usd.sum() == 0.0
    assert hz.asic_resale_usd(1e6, 5.0) == pytest.approx(5e6)


@settings(max_examples=30, deadline=None)
@given(
    lease=st.floats(20, 400),
    bump=st.floats(1.0, 100.0),
    esc=st.floats(0.0, 0.06),
    p_def=st.floats(0.0, 0.2),
)
def test_lease_npv_monotone_in_rate(lease: float, bump: float, esc: float, p_def: float) -> None:
    r = fin.periodic_rate(0.1)
    kw = dict(
        lease_escalator_per_year=esc,
        tenant_default_probability_per_year=p_def,
        default_recovery_fraction=0.3,
    )
    lo = fin.npv(r, flat_flows(lease_usd_per_kw_month=lease, **kw).rent_cash_usd[0])
    hi = fin.npv(r, flat_flows(lease_usd_per_kw_month=lease + bump, **kw).rent_cash_usd[0])
    assert hi > lo


# --------------------------------------------------------------------------------------
# deals
# --------------------------------------------------------------------------------------
@pytest.fixture
def deals() -> pd.DataFrame:
    # excerpt of the bundled table (5 rows), copied so tests do not read shared folders
    return pd.read_csv(DATA / "ai_hosting_deals_excerpt.csv")


def test_deals_table_and_range(deals: pd.DataFrame) -> None:
    t = hz.deals_table(deals).set_index("deal")
    assert t.loc["core_scientific_coreweave_initial", "rate_usd_per_kw_month"] == pytest.approx(
        121.53, abs=0.01
    )
    assert t.loc["iren_microsoft", "kind"] == "gpu_cloud"
    assert not t.loc["iren_microsoft", "in_colocation_range"]
    # no contract value published: the reported figure is used and flagged by NaN computed
    galaxy = t["implied_usd_per_kw_month_computed"].to_dict()["galaxy_helios_coreweave"]
    assert np.isnan(galaxy)
    assert t.loc["galaxy_helios_coreweave", "rate_usd_per_kw_month"] == 158
    rng = hz.deal_range(hz.deals_table(deals))
    assert rng.n_deals == 4
    assert rng.rate_min_usd_per_kw_month == pytest.approx(311e6 / 120 / 25e3)  # Riot-AMD
    assert rng.rate_max_usd_per_kw_month == pytest.approx(158.0)
    assert rng.capex_min_usd_per_mw == 3.6e6 and rng.capex_max_usd_per_mw == 10e6
    assert any("iren_microsoft" in e for e in rng.excluded)


def test_bundled_deals_reproduce_their_published_rates() -> None:
    # The whole bundled table (the excerpt above has 5 rows): each deal with a contract
    # value gives back its published rate, value / (term x 12) / IT kW, within 1
    # USD/kW/month: the table holds whole USD as the sources quote them, rounded or cut
    # (Core Scientific-CoreWeave 3.5e9 / 144 / 200,000 = 121.53 is quoted 121, Hut 8
    # 7e9 / 180 / 245,000 = 158.73 is 159); the engines use the computed rate.
    t = hz.deals_table(load_hosting_deals()).set_index("deal")
    valued = t[t["contract_value_usd"].notna()]
    assert len(valued) == 10
    np.testing.assert_allclose(
        valued["implied_usd_per_kw_month_computed"], valued["implied_usd_per_kw_month"], atol=1.0
    )
    # the colocation range pivot quotes ("observed colocation deals imply 102-177"):
    # Cipher-AWS 5.5e9 / 180 / 300,000 = 101.85 to Cipher-Fluidstack's expansion
    # 830e6 / 120 / 39,000 = 177.35; IREN-Microsoft (808, GPUs included) left out
    rng = hz.deal_range(t.reset_index())
    assert rng.rate_min_usd_per_kw_month == pytest.approx(5.5e9 / 180 / 300e3)
    assert rng.rate_max_usd_per_kw_month == pytest.approx(830e6 / 120 / 39e3)
    assert rng.n_deals == 10
    assert any("iren_microsoft" in e for e in rng.excluded)


def test_flag_assumptions(deals: pd.DataFrame) -> None:
    rng = hz.deal_range(hz.deals_table(deals))
    ok = HostingProjectSpec(lease_usd_per_kw_month=120.0, lease_escalator_per_year=0.03)
    assert hz.flag_assumptions(ok, rng) == []
    bad = HostingProjectSpec(
        lease_usd_per_kw_month=400.0, lease_term_years=25, shell_capex_usd_per_it_mw=20e6, pue=2.0
    )
    flags = hz.flag_assumptions(bad, rng, "sites[0].hosting")
    assert len(flags) == 4
    assert all(f.startswith("sites[0].hosting") for f in flags)
