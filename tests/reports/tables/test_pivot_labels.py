"""What the pivot tables say their figures are: the payback's definition, and that the
tornado and the break-even lease are pre-tax where the run models income tax."""

from __future__ import annotations

from typing import Any

from hashpivot.reports.tables.pivot import pivot_caption, tornado_tables, verdict_lines


def _results(tax: str | None) -> dict[str, Any]:
    """A pivot run's JSON with one tornado row and a break-even lease."""
    row = {"variable": "capex_usd_per_it_mw", "label": "capex per IT MW", "unit": "USD/MW",
           "low_input": 7.5e6, "high_input": 12.5e6,
           "npv_vs_baseline_low_usd": 1e7, "npv_vs_baseline_high_usd": -1e7,
           "npv_with_tv_vs_baseline_low_usd": 3e7, "npv_with_tv_vs_baseline_high_usd": 2e7,
           "swing_usd": 2e7, "swing_with_tv_usd": 1e7,
           "switching_input": float("nan"), "switching_with_tv_input": float("nan")}
    return {"pivot": "convert_all", "tornado": [row],
            "strategies": {"convert_all": {"npv_vs_baseline_usd": 1e6,
                                           "npv_with_terminal_value_vs_baseline_usd": 2e7}},
            "breakeven_lease_usd_per_kw_month": 120.0,
            "breakeven_lease_with_terminal_value_usd_per_kw_month": 110.0,
            "inputs": {"tax": tax, "terminal_value": "tv", "price_center": "median"}}


def test_tornado_and_breakeven_say_pre_tax_when_the_run_is_taxed() -> None:
    """With [pivot.tax] the strategy table's headline rows are after tax, the tornado's
    NPVs and the break-even lease are not: until 2026-12-06 neither said so (the tornado's
    base, -120.0 M USD on a taxed case, sat under an 'after tax vs keep' of -118.4)."""
    taxed = _results("after-tax: income tax 21.0 %")
    first, with_tv = tornado_tables(taxed)
    assert "pre-tax NPVs to the horizon (at the base: 1.0 M USD" in first.caption
    assert "(pre-tax at the base: 20.0 M USD)" in with_tv.caption
    be = next(x for x in verdict_lines(taxed) if x.startswith("break-even lease"))
    assert "at which pivoting equals mining, pre-tax NPVs); with the terminal value" in be
    untaxed = _results(None)
    assert "pre-tax" not in tornado_tables(untaxed)[0].caption
    assert not any("pre-tax" in x for x in verdict_lines(untaxed))


def test_caption_defines_the_payback() -> None:
    caption = pivot_caption(_results(None)["inputs"], None)
    assert ("IRR and payback (undiscounted, months from the construction start) of the "
            "flows minus the baseline's") in caption


def test_the_switching_values_say_pre_tax_when_the_run_is_taxed() -> None:
    """The switching values are read off the tornado, so they are pre-tax too: on a taxed
    run the capex at which the pre-tax NPVs are equal is not where the after-tax ones are,
    yet the line under the tornado named the bare NPVs the table gives after tax."""
    def switching(tax: str | None) -> list[str]:
        r = _results(tax)
        r["tornado"][0]["switching_input"] = 1.0e7
        r["tornado"][0]["switching_with_tv_input"] = 1.1e7
        return [x for x in verdict_lines(r) if x.startswith("switching values")]

    taxed = switching("after-tax: income tax 21.0 %")
    assert [x.split(" = 0")[0] for x in taxed] == [
        "switching values (pre-tax NPV(convert_all) - NPV(keep_mining)",
        "switching values (pre-tax NPV(convert_all) - NPV(keep_mining) with TV"]
    assert not any("pre-tax" in x for x in switching(None))
