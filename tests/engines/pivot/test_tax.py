"""Income tax in the pivot model ([pivot.tax]): off by default, exact at a zero rate,
lower NPVs when on, and the resolved assumptions say which."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hashpivot.engines.pivot import run_pivot
from hashpivot.engines.pivot.taxes import strategy_taxes
from hashpivot.models import parse_portfolio
from hashpivot.models.tax import TaxSpec

EXAMPLE = (Path(__file__).parents[3] / "examples" / "pivot-200mw.toml").read_text()


def _run(tax: str = ""):  # type: ignore[no-untyped-def]
    return run_pivot(parse_portfolio(EXAMPLE + tax, "pivot-200mw.toml"), deals=None)


def test_pre_tax_by_default_and_said_so() -> None:
    res = _run()
    assert np.isnan(res.baseline.npv_after_tax_usd)
    row = next(r for r in res.resolved_assumptions() if r["name"] == "[pivot.tax]")
    assert row["value"].startswith("pre-tax") and row["source"] == "default"


def test_zero_rate_changes_nothing_and_a_rate_lowers_every_npv() -> None:
    pre = _run()
    zero = _run("\n[pivot.tax]\nincome_tax_rate = 0.0\n")
    taxed = _run("\n[pivot.tax]\nincome_tax_rate = 0.21\n")
    for p, z, t in zip(pre.strategies, zero.strategies, taxed.strategies, strict=True):
        assert z.npv_after_tax_usd == p.npv_usd  # exact: a zero tax has a zero PV
        assert z.income_tax_pv_usd == 0.0
        assert t.npv_usd == p.npv_usd  # the pre-tax figures are unchanged
        assert 0 < t.income_tax_pv_usd < t.npv_usd  # taxes bite, but not beyond the NPV
        assert t.npv_after_tax_usd == pytest.approx(t.npv_usd - t.income_tax_pv_usd)
    row = next(r for r in taxed.resolved_assumptions() if r["name"] == "[pivot.tax]")
    assert row["value"].startswith("after-tax: income tax 21.0 %") and row["source"] == "file"
    # what the after-tax figures leave to the reader, said with them (a review found it
    # only in a docstring)
    assert "the tax discounted at [pivot] discount_rate (the lines' own rates are the " \
           "pre-tax flows'); 'after tax with TV': " in row["value"]
    js = taxed.to_json_dict()["strategies"]["convert_all"]
    assert js["npv_after_tax_usd"] == pytest.approx(taxed.strategy("convert_all").npv_after_tax_usd)


def test_bonus_depreciation_defers_tax() -> None:
    # 100 % bonus deducts the fit-out at once: less tax in PV than without bonus, the same
    # rate; the nominal tax over the horizon can only be higher without the bonus too
    bonus = _run("\n[pivot.tax]\nbonus_depreciation_fraction = 1.0\n").strategy("convert_all")
    none = _run("\n[pivot.tax]\nbonus_depreciation_fraction = 0.0\n").strategy("convert_all")
    assert bonus.income_tax_pv_usd < none.income_tax_pv_usd


def test_interest_is_deducted_only_in_the_levered_tax() -> None:
    res = _run("\n[pivot.tax]\n")
    s = res.strategy("convert_all")
    flows = strategy_taxes(s.cash_flows, TaxSpec(), 0.3)
    assert float(flows.levered_tax_usd.sum()) < float(flows.unlevered_tax_usd.sum())


def test_after_tax_with_tv_taxes_the_terminal_values_of_cash_flows() -> None:
    """'after tax with TV' added the terminal value before tax. With the default methods
    (mining at an exit multiple, hosting on its contracts) that taxed mining after the
    horizon (a buyer's multiple prices its taxes) and not the hosting leases' rent after
    it: a bias toward converting. A value of cash flows (the contracts, Gordon growth) is
    now taxed at the income tax rate; an exit multiple is kept. Hand check per line."""
    taxed = _run("\n[pivot.tax]\nincome_tax_rate = 0.21\n")
    rate = 0.10  # [pivot] discount_rate of the example (no line rates)
    assert "\ndiscount_rate = 0.10" in EXAMPLE and "\nmining_discount_rate" not in EXAMPLE
    for s in taxed.strategies:
        months = s.cash_flows.unlevered_fcf_usd.shape[-1]
        factor = (1 + rate) ** (-months / 12)
        expected = (s.npv_after_tax_usd + s.terminal_value_mining_usd * factor
                    + (1 - 0.21) * s.terminal_value_hosting_usd * factor)
        assert s.npv_after_tax_with_terminal_value_usd == pytest.approx(expected, rel=1e-12)
    convert = taxed.strategy("convert_all")
    assert convert.terminal_value_hosting_usd > 0  # (the case the fix is about)
    gordon = _run("\n[pivot.terminal_value]\nmining_method = \"gordon\"\n"
                  "hosting_method = \"exit_multiple\"\n[pivot.tax]\nincome_tax_rate = 0.21\n")
    for s in gordon.strategies:
        months = s.cash_flows.unlevered_fcf_usd.shape[-1]
        factor = (1 + rate) ** (-months / 12)
        expected = (s.npv_after_tax_usd + (1 - 0.21) * s.terminal_value_mining_usd * factor
                    + s.terminal_value_hosting_usd * factor)
        assert s.npv_after_tax_with_terminal_value_usd == pytest.approx(expected, rel=1e-12)
    row = next(r for r in taxed.resolved_assumptions() if r["name"] == "[pivot.tax]")
    assert "the contract and Gordon terminal values taxed at the income tax rate" in (
        row["value"])


def test_a_hall_is_depreciated_from_the_month_it_enters_service() -> None:
    """Tax depreciation (and the bonus) starts when an asset is placed in service (IRC
    167, 168(k)), not as its construction is paid: the hall capex was depreciated from
    each month's spend, up to the whole build early (a review's case: 513 k USD deducted
    in a year the hall was not in service). Convert-all on the example: nothing is
    depreciated before its first hall enters service; the halls' whole operator capex
    is placed in service in the months they do."""
    res = _run("\n[pivot.tax]\nbonus_depreciation_fraction = 0.0\n")
    cf = res.strategy("convert_all").cash_flows
    spec = TaxSpec(bonus_depreciation_fraction=0.0)
    flows = strategy_taxes(cf, spec, 0.3)
    it = np.asarray(cf.it_mw_in_service, dtype=float)[0]
    ready = int(np.flatnonzero(it > 0)[0])
    capex = np.asarray(cf.hosting_capex_usd, dtype=float)[0]
    assert capex[:ready].sum() > 1e8  # (teeth: the build is paid before it)
    replaced = np.asarray(cf.replacement_capex_usd, dtype=float)[0]
    assert not replaced[:ready].any()  # (no ASIC bought before: the depreciation is halls')
    dep = flows.depreciation_usd[0]
    assert not dep[:ready].any() and dep[ready] > 0
    placed = np.asarray(cf.hosting_capex_in_service_usd, dtype=float)[0]
    assert placed.sum() == pytest.approx(capex.sum(), rel=1e-12)  # (every hall in service)
    assert np.flatnonzero(placed)[0] == ready


def test_summary_csv_carries_the_after_tax_and_terminal_value_npvs() -> None:
    """``--out``'s summary.csv had the pre-tax NPVs to the horizon only: on a taxed run the
    table's headline rows (NPV after tax, after tax vs keep, after tax with TV) and the
    NPVs with the terminal value were in no CSV (convert_all 309.0 M USD after tax, 631.8
    with TV, beside the 526.8 pre-tax it gave)."""
    from hashpivot.reports.pivot import summary_frame

    taxed = _run("\n[pivot.tax]\nincome_tax_rate = 0.21\n")
    row = summary_frame(taxed).set_index("strategy").loc["convert_all"]
    s = taxed.strategy("convert_all")
    for key in ("npv_after_tax_usd", "npv_after_tax_vs_baseline_usd",
                "npv_after_tax_with_terminal_value_usd", "income_tax_pv_usd",
                "npv_with_terminal_value_usd", "npv_with_terminal_value_vs_baseline_usd",
                "terminal_value_usd"):
        assert row[key] == pytest.approx(getattr(s, key), rel=1e-12), key
    # the table's "NPV levered after tax" row too (the example has [financing]: 231.0 M
    # USD for convert_all in the table and the JSON, in no CSV)
    assert row["npv_levered_after_tax_usd"] == pytest.approx(s.npv_levered_after_tax_usd,
                                                           rel=1e-12)
    assert row["npv_levered_after_tax_usd"] < row["npv_levered_usd"]
    pre = summary_frame(_run())
    assert "npv_levered_after_tax_usd" not in pre.columns
    assert "npv_after_tax_usd" not in pre.columns  # pre-tax run: no empty tax columns
    assert "npv_with_terminal_value_usd" in pre.columns


def test_the_opening_loss_is_in_the_tax_row() -> None:
    """A loss carried into the horizon lowers the tax (500 M USD raised an after-tax NPV of
    a variant of the 200 MW example 40 %: ``scripts/sweep_assumptions.py``), and the
    ``[pivot.tax]`` row did not say it: a reader could not tell a run with one from a run
    without."""
    none = _run("\n[pivot.tax]\n")
    some = _run("\n[pivot.tax]\nopening_loss_usd = 250e6\n")
    rows = [next(r for r in res.resolved_assumptions() if r["name"] == "[pivot.tax]")
            for res in (none, some)]
    assert "no loss carried in (opening_loss_usd)" in rows[0]["value"]
    assert "250.0 M USD carried in (opening_loss_usd)" in rows[1]["value"]
    # it moves the after-tax NPV: less tax is paid on the first years' income
    assert some.baseline.npv_after_tax_usd > none.baseline.npv_after_tax_usd
