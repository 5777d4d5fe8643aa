"""Halls already in service (``[[sites.hosting.in_service]]``): their MW out of the
capacity that mines or converts, their net rent a stream of the site in every strategy
alike (engines/pivot/in_service.py), checked by hand; the verdict unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hashpivot.engines import pivot as pv
from hashpivot.engines.pivot.in_service import InServiceFlows, in_service_flows
from hashpivot.engines.pivot.site_assumptions import site_assumption_facts
from hashpivot.engines.pivot.site_rows import site_assumption_rows
from hashpivot.exceptions import InputError
from hashpivot.models import Portfolio, parse_portfolio
from hashpivot.models.hosting import HostingProjectSpec
from hashpivot.reports.pivot import monthly_frame
from tests.engines.pivot_inputs import BASE_TOML

#: 100 MW gross at PUE 1.25: 80 IT MW, 120 USD/kW/month from 2024-06, 2 %/yr, 12 years
HALL = ('[[sites.hosting.in_service]]\ngross_mw = 100.0\ntenant = "T"\n'
        'lease_start = "2024-06"\nlease_end = "2036-05"\n'
        "lease_usd_per_kw_month = 120.0\nlease_escalator_per_year = 0.02\n")


def _with_hall(toml: str, hall: str = HALL, capacity: float = 200.0) -> str:
    """``toml`` with ``capacity_mw`` set and ``hall`` after the site's hosting table."""
    toml = toml.replace("capacity_mw = 100.0", f"capacity_mw = {capacity:g}.0")
    return toml.replace("[financing]", hall + "\n[financing]", 1)


def _periods(first: str, n: int) -> pd.PeriodIndex:
    return pd.period_range(first, periods=n, freq="M")


def _flows(months: int, lease_end: str = "2036-05", **terms: object) -> InServiceFlows:
    """The flows over ``months`` from 2026-01 of a site's one hall in service: 100 MW gross
    at the site's PUE 1.25 (80 IT MW), 120 USD/kW/month from 2024-06 at 2 %/yr to
    ``lease_end``, the site's other hosting ``terms`` given; power at 40 USD/MWh."""
    h = HostingProjectSpec.model_validate({"pue": 1.25, **terms, "in_service": [{
        "gross_mw": 100.0, "lease_start": "2024-06", "lease_end": lease_end,
        "lease_usd_per_kw_month": 120.0, "lease_escalator_per_year": 0.02}]})
    periods = _periods("2026-01", months)
    f = in_service_flows(h, periods, np.asarray(periods.days_in_month, float), 40.0)
    assert f is not None
    return f


def test_rent_by_hand() -> None:
    """80 IT MW x 120 USD/kW/month = 9.6 M USD a month in the lease's first year (from
    2024-06), x 1.02 per lease year since: 2026-01 is in its second year (9.792 M),
    2026-06 starts its third (9.98784 M); no opex or power kept by the operator here, so
    the net flow is the rent; the rent runs to 2036-05, after the 2-year horizon."""
    f = _flows(24, nnn_operator_opex_fraction=0.0)
    assert f.rent_usd[0] == pytest.approx(9.6e6 * 1.02)
    assert f.rent_usd[4] == pytest.approx(9.6e6 * 1.02)  # 2026-05
    assert f.rent_usd[5] == pytest.approx(9.6e6 * 1.02**2)  # 2026-06
    np.testing.assert_allclose(f.net_usd, f.rent_usd)
    # after the horizon (2028-01) through 2036-05: 101 months, the last at 1.02**11
    assert f.after_horizon_usd.size == 101
    assert f.after_horizon_usd[-1] == pytest.approx(9.6e6 * 1.02**11)
    assert f.gross_mw == 100.0


def test_a_lease_ending_within_the_horizon_stops_there() -> None:
    """A lease from 2024-06 to 2026-06 on a 12-month horizon from 2026-01: rent through
    2026-06 (its third year from 2026-06: x 1.02^2), none after, nothing after the
    horizon."""
    f = _flows(12, "2026-06", nnn_operator_opex_fraction=0.0)
    assert f.rent_usd[5] == pytest.approx(9.6e6 * 1.02**2)
    assert not f.rent_usd[6:].any()
    assert f.after_horizon_usd.size == 0


def test_opex_and_modified_gross_follow_the_site_terms() -> None:
    """Under modified gross the operator pays the hall's power (IT x load x PUE = 80 x 0.8
    x 1.25 = 80 MW x 744 h x 40 USD/MWh in January) and the whole opex (150,000 USD per
    IT MW a year, escalated with the lease: 1.02 in the lease's second year)."""
    f = _flows(12, lease_structure="modified_gross", it_load_factor=0.8)
    power = 80.0 * 0.8 * 1.25 * 744 * 40.0
    opex = 80.0 * 150_000.0 / 12 * 1.02
    assert f.net_usd[0] == pytest.approx(9.6e6 * 1.02 - power - opex)


def test_an_expired_lease_is_not_counted_and_said() -> None:
    h = HostingProjectSpec.model_validate({"in_service": [{
        "gross_mw": 10.0, "lease_start": "2014-01", "lease_end": "2025-12",
        "lease_usd_per_kw_month": 120.0}]})
    periods = _periods("2026-01", 12)
    assert in_service_flows(h, periods, np.asarray(periods.days_in_month, float), 40.0) is None
    pf = parse_portfolio(_with_hall(BASE_TOML, HALL.replace('"2036-05"', '"2025-12"')))
    sites = pv.resolve_sites(pf)
    rows = site_assumption_rows(site_assumption_facts(
        pf, sites, pv.deterministic_market(pf, None, 12)))
    row = next(r for r in rows if "in_service" in r["name"])
    assert "before the model start: not counted" in str(row["value"])


def _npvs(pf: Portfolio) -> dict[str, tuple[float, float, float]]:
    r = pv.run_pivot(pf)
    return {s.strategy.name: (s.npv_usd, s.npv_vs_baseline_usd, s.npv_with_terminal_value_usd)
            for s in r.strategies}


def test_every_strategy_rises_by_the_same_amount() -> None:
    """A 200 MW site with a 100 MW hall in service values every strategy as the 100 MW
    site without it (the capacity the miners and a conversion share), plus the hall's
    stream: the same amount in every strategy, so the differences are unchanged; the
    stream is the hall's net rent discounted at the hosting rate."""
    with_hall = parse_portfolio(_with_hall(BASE_TOML))
    without = parse_portfolio(BASE_TOML)
    a, b = _npvs(with_hall), _npvs(without)
    assert a.keys() == b.keys()
    shift = {k: a[k][0] - b[k][0] for k in a}
    first = next(iter(shift.values()))
    assert first > 1e8  # ~ 5 years of ~9.8 M USD a month less the operator's opex
    for k in a:
        assert shift[k] == pytest.approx(first, rel=1e-9)
        assert a[k][1] == pytest.approx(b[k][1], rel=1e-9, abs=1e-3)
        assert a[k][2] - b[k][2] == pytest.approx(a["keep_mining"][2] - b["keep_mining"][2],
                                                  rel=1e-9)
    # the shift is the hall's net flow, discounted as the hosting line
    from hashpivot import finance
    r = pv.run_pivot(with_hall)
    cf = r.strategies[0].cash_flows
    assert cf.hosting_in_service_usd is not None
    rate = float(finance.periodic_rate(with_hall.pivot.discount_rate))  # type: ignore[union-attr]
    assert first == pytest.approx(float(finance.npv(rate, cf.hosting_in_service_usd[0])),
                                  rel=1e-9)
    # after the horizon: its remaining term adds to every strategy's value with it
    assert a["keep_mining"][2] - b["keep_mining"][2] > first


def test_the_hall_mw_neither_mine_nor_convert() -> None:
    """100 MW in service of a 160 MW site leave 60 MW: less than the fleet's 73.5 MW, so
    the site mines 60 MW, and convert_all converts 60 MW."""
    pf = parse_portfolio(_with_hall(BASE_TOML, capacity=160.0))
    site = pv.resolve_sites(pf)[0]
    assert site.capacity_mw == pytest.approx(60.0)
    r = pv.run_pivot(pf)
    keep = r.strategies[0].cash_flows
    assert keep.mining_mw[0, 0] == pytest.approx(60.0)
    all_ = next(s for s in r.strategies if s.strategy.name == "convert_all")
    assert all_.strategy.converted_gross_mw == pytest.approx(60.0)
    # the inputs echo the file's capacity and the halls' MW
    echoed = r.inputs["sites"][0]
    assert (echoed["capacity_mw"], echoed["in_service_mw"]) == pytest.approx((160.0, 100.0))


def test_the_csv_shows_the_stream() -> None:
    r = pv.run_pivot(parse_portfolio(_with_hall(BASE_TOML)))
    df = monthly_frame(r.strategies[0])
    assert "hosting_in_service_usd" in df.columns
    assert df["hosting_in_service_usd"].iloc[0] > 9e6
    assert "hosting_in_service_usd" in r.strategies[0].cash_flows.annual().columns
    rows = site_assumption_rows(r.inputs["site_assumptions"])
    row = next(r for r in rows if "in_service" in r["name"])
    assert row["name"] == "[[sites.hosting.in_service]] 100 MW (T)"
    assert row["value"] == "80 IT MW at 120 USD/kW/month from 2024-06, 2 %/year, to 2036-05"
    assert row["source"].startswith("file; in every strategy alike")


def test_halls_taking_all_the_capacity_are_refused_at_their_path() -> None:
    """100 MW in service of a 100 MW site leave nothing to mine or convert."""
    with pytest.raises(InputError) as e:
        parse_portfolio(_with_hall(BASE_TOML, capacity=100.0))
    assert [p.path for p in e.value.problems] == ["sites[0].hosting.in_service[0].gross_mw"]
    assert "capacity_mw = 100 MW" in e.value.problems[0].message


def test_a_lease_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(InputError) as e:
        parse_portfolio(_with_hall(BASE_TOML, HALL.replace('"2036-05"', '"2023-05"')))
    assert [p.path for p in e.value.problems] == ["sites[0].hosting.in_service[0].lease_end"]


def test_gross_mw_must_be_positive() -> None:
    with pytest.raises(InputError) as e:
        parse_portfolio(_with_hall(BASE_TOML, HALL.replace("gross_mw = 100.0",
                                                           "gross_mw = 0.0")))
    assert [p.path for p in e.value.problems] == ["sites[0].hosting.in_service[0].gross_mw"]


def test_every_problem_at_once() -> None:
    """A hall with a bad PUE and one taking the rest of the capacity: both said, each at
    its field (the capacity check runs with the bad PUE set aside: it reads no PUE)."""
    bad_pue = HALL.replace('tenant = "T"', 'tenant = "T"\npue = 0.5').replace(
        "gross_mw = 100.0", "gross_mw = 50.0")
    with pytest.raises(InputError) as e:
        parse_portfolio(_with_hall(BASE_TOML, bad_pue + HALL, capacity=150.0))
    assert sorted(p.path for p in e.value.problems) == [
        "sites[0].hosting.in_service[0].pue", "sites[0].hosting.in_service[1].gross_mw"]


def test_the_halls_energy_counts_in_every_strategy_s_energy_and_co2() -> None:
    """Energy and CO2 count every MWh the site draws, a hall in service's too (as a
    converted hall's): by hand, 80 IT MW x the site's it_load_factor x PUE 1.25 x the
    month's hours, the same addition in every strategy; the CO2 rises by factor x that
    energy (until 2026-12-08 the hall's load was left out of both)."""
    f = _flows(12, it_load_factor=0.8)
    periods = _periods("2026-01", 12)
    np.testing.assert_allclose(f.energy_mwh, 80.0 * 0.8 * 1.25 * 24.0
                               * np.asarray(periods.days_in_month, float), rtol=1e-12)
    with_hall = pv.run_pivot(parse_portfolio(_with_hall(BASE_TOML)))
    without = pv.run_pivot(parse_portfolio(BASE_TOML))
    hall = with_hall.strategies[0].cash_flows.hosting_in_service_usd
    assert hall is not None
    added = []
    for a, b in zip(with_hall.strategies, without.strategies, strict=True):
        more = float(np.asarray(a.cash_flows.energy_mwh)[0].sum()
                     - np.asarray(b.cash_flows.energy_mwh)[0].sum())
        added.append(more)
        if a.emissions_tco2 == a.emissions_tco2:  # (a factor: the bundled region's)
            factor = a.emissions_tco2 / float(np.asarray(a.cash_flows.energy_mwh)[0].sum())
            assert a.emissions_tco2 - b.emissions_tco2 == pytest.approx(factor * more,
                                                                        rel=1e-9)
    assert added[0] > 0
    assert added == pytest.approx([added[0]] * len(added), rel=1e-12)
