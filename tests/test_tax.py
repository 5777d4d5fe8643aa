"""Income tax and tax depreciation, on cases computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from hashpivot.tax import annual_income_tax_usd, depreciation_rates, tax_depreciation_usd


def _case(bonus: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    # 1,000 USD of ASICs in month 0 (5-year MACRS); EBITDA 10/month in year 1, then 100.
    capex = np.zeros(36)
    capex[0] = 1_000.0
    dep = tax_depreciation_usd(capex, depreciation_rates("macrs", 5), bonus)
    ebitda = np.concatenate([np.full(12, 10.0), np.full(24, 100.0)])
    return ebitda, dep


def test_macrs_and_straight_line_rates() -> None:
    np.testing.assert_allclose(depreciation_rates("macrs", 5), [0.2, 0.32, 0.192, 0.1152,
                                                                0.1152, 0.0576])
    np.testing.assert_allclose(depreciation_rates("straight_line", 4),
                               [0.125, 0.25, 0.25, 0.25, 0.125])
    for years in (3, 5, 7, 10, 15, 20):
        assert depreciation_rates("macrs", years).sum() == pytest.approx(1.0, abs=1e-12)
    with pytest.raises(ValueError):
        depreciation_rates("macrs", 39)


def test_loss_year_then_profits_by_hand() -> None:
    ebitda, dep = _case()
    # depreciation 200, 320, 192 in years 1-3 (5-year MACRS: 20 %, 32 %, 19.2 %)
    np.testing.assert_allclose([dep[:12].sum(), dep[12:24].sum(), dep[24:].sum()],
                               [200.0, 320.0, 192.0])
    r = annual_income_tax_usd(ebitda - dep, 0.21)
    # year 1: 120 - 200 = -80, a loss carried forward, no tax;
    # year 2: 1,200 - 320 = 880, uses the 80 (cap 80 % x 880 = 704), tax 21 % x 800 = 168;
    # year 3: 1,200 - 192 = 1,008, tax 21 % x 1,008 = 211.68. Paid in months 12, 24, 36.
    np.testing.assert_allclose(r.taxable_income_usd, [-80.0, 880.0, 1008.0])
    np.testing.assert_allclose(r.loss_used_usd, [0.0, 80.0, 0.0])
    np.testing.assert_allclose(r.tax_usd[[11, 23, 35]], [0.0, 168.0, 211.68])
    assert r.tax_usd.sum() == pytest.approx(379.68)


def test_loss_limited_to_80_percent_and_bonus_depreciation() -> None:
    ebitda, dep = _case(bonus=1.0)
    # all 1,000 deducted in month 0: year 1 loses 880; year 2 may use 80 % x 1,200 = 960,
    # uses 880, tax 21 % x 320 = 67.2; year 3: 21 % x 1,200 = 252
    r = annual_income_tax_usd(ebitda - dep, 0.21)
    np.testing.assert_allclose(r.tax_usd[[11, 23, 35]], [0.0, 67.2, 252.0])
    big = annual_income_tax_usd(np.array([-10_000.0] + [0.0] * 11 + [100.0] * 12), 0.21)
    # a large loss: only 80 % of year 2's 1,200 is offset, 21 % x 240 = 50.4 is due
    assert big.tax_usd[23] == pytest.approx(50.4)
    assert big.loss_carried_usd[-1] == pytest.approx(10_000.0 - 960.0)


def test_interest_cap_and_carry_forward_by_hand() -> None:
    ebitda, dep = _case()
    interest = np.concatenate([np.zeros(12), np.full(12, 100.0), np.zeros(12)])
    r = annual_income_tax_usd(ebitda - dep, 0.21, interest, ebitda)
    # year 2: 1,200 of interest, cap 30 % x 1,200 = 360, 840 carried; taxable 880 - 360 =
    # 520, the 80 loss used, tax 21 % x 440 = 92.4; year 3: 360 of the 840 deducted,
    # taxable 1,008 - 360 = 648, tax 136.08
    np.testing.assert_allclose(r.interest_deducted_usd, [0.0, 360.0, 360.0])
    np.testing.assert_allclose(r.interest_carried_usd, [0.0, 840.0, 480.0])
    np.testing.assert_allclose(r.tax_usd[[11, 23, 35]], [0.0, 92.4, 136.08])
    # without the cap: year 2 deducts all 1,200, a loss of 320 joins the 80; year 3 uses
    # the 400 (under 80 % x 1,008), tax 21 % x 608 = 127.68
    uncapped = annual_income_tax_usd(ebitda - dep, 0.21, interest, ebitda, None)
    np.testing.assert_allclose(uncapped.tax_usd[[23, 35]], [0.0, 127.68])


def test_vectorized_over_paths_and_zero_rate() -> None:
    ebitda, dep = _case()
    paths = np.stack([ebitda - dep, 2 * (ebitda - dep)])
    r = annual_income_tax_usd(paths, 0.21)
    np.testing.assert_allclose(r.tax_usd[0], annual_income_tax_usd(ebitda - dep, 0.21).tax_usd)
    assert annual_income_tax_usd(paths, 0.0).tax_usd.sum() == 0.0
