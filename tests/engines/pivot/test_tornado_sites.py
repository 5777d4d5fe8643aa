"""The tornado of a pivot over sites of different hosting terms.

An audit of the four-site example (rents 130/130/120/125 USD/kW/month): the lease bar
showed the first site's rent scaled (104/156) and a switching value of 147.6, but every
site's rent moved by the factor; all four sites at 147.6 were 44.7 M USD ahead, not at
break-even. The capex and PUE bars were labelled the same way. Where the converted sites
differ in a term, the input is now the factor (or, the PUE, the step) on each site's own
value, and that factor at its switching value puts the pivot at break-even.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from hashpivot.engines.pivot import PivotResult, run_pivot
from hashpivot.models import load_portfolio
from hashpivot.models.portfolio import Portfolio
from hashpivot.reports.labels import format_tornado_input

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "portfolio.toml"


@cache
def _portfolio() -> Portfolio:
    return load_portfolio(EXAMPLE)


@cache
def _result() -> PivotResult:
    return run_pivot(_portfolio())


def test_terms_that_differ_between_sites_move_by_a_factor_on_each() -> None:
    rents = {s.hosting.lease_usd_per_kw_month for s in _portfolio().sites if s.hosting}
    assert len(rents) > 1  # (the case: sites at different rents)
    rows = _result().tornado.set_index("variable")
    assert (rows.loc["lease_usd_per_kw_month", "unit"], rows.loc["capex_usd_per_it_mw", "unit"],
            rows.loc["pue", "unit"]) == ("x rent", "x capex", "+ PUE")
    assert rows.loc["lease_usd_per_kw_month", "low_input"] == pytest.approx(0.8)
    assert format_tornado_input(0.8, "x rent") == "0.8 x rent"
    assert format_tornado_input(1.13604, "x rent") == "1.14 x rent"
    assert format_tornado_input(-0.1, "+ PUE") == "-0.1 each"


def test_the_switching_factor_puts_the_pivot_at_break_even() -> None:
    """Each site's rent times the lease bar's switching factor: NPV vs keep-mining 0."""
    res = _result()
    factor = float(res.tornado.set_index("variable").loc["lease_usd_per_kw_month",
                                                            "switching_input"])
    pf = _portfolio()
    moved = pf.model_copy(update={"sites": [
        s if s.hosting is None else s.model_copy(update={"hosting": s.hosting.model_copy(
            update={"lease_usd_per_kw_month": s.hosting.lease_usd_per_kw_month * factor})})
        for s in pf.sites]})
    again = run_pivot(moved)
    npv = {s.strategy.name: s.npv_usd for s in again.strategies}
    scale = abs(npv["keep_mining"])  # (the tornado's pivot: convert_all)
    assert npv["convert_all"] - npv["keep_mining"] == pytest.approx(0.0, abs=1e-6 * scale)


def test_the_terms_shown_are_the_converted_sites() -> None:
    """Site A has no [sites.hosting] (default rent 130, PUE 1.3, 9 M USD/MW) and does not
    convert; site B (rent 90, PUE 1.5, 10 M USD/MW) does. The tornado showed A's
    defaults scaled (104/156, a switching capex on A's basis); it shows B's."""
    res = run_pivot(load_portfolio(EXAMPLE.parents[1] / "tests" / "data"
                                   / "pivot_tornado_second_site.toml"))
    rows = res.tornado.set_index("variable")
    assert (rows.loc["lease_usd_per_kw_month", "low_input"],
            rows.loc["lease_usd_per_kw_month", "high_input"]) == pytest.approx((72.0, 108.0))
    assert (rows.loc["pue", "low_input"], rows.loc["pue", "high_input"]) == pytest.approx(
        (1.4, 1.6))
    assert rows.loc["capex_usd_per_it_mw", "low_input"] == pytest.approx(0.75 * 10e6)
    # the switching capex, on B's basis, puts the pivot at break-even there
    capex = float(rows.loc["capex_usd_per_it_mw", "switching_input"])
    pf = load_portfolio(EXAMPLE.parents[1] / "tests" / "data"
                        / "pivot_tornado_second_site.toml")
    b = pf.sites[1]
    assert b.hosting is not None
    factor = capex / b.hosting.capex_usd_per_it_mw
    moved = pf.model_copy(update={"sites": [pf.sites[0], b.model_copy(update={
        "hosting": b.hosting.model_copy(update={
            "shell_capex_usd_per_it_mw": b.hosting.shell_capex_usd_per_it_mw * factor,
            "fit_out_capex_usd_per_it_mw": b.hosting.fit_out_capex_usd_per_it_mw * factor})})]})
    npv = {s.strategy.name: s.npv_usd for s in run_pivot(moved).strategies}
    assert npv["convert_all"] - npv["keep_mining"] == pytest.approx(0.0, abs=1e3)


def test_a_pue_step_that_stops_at_one_says_so() -> None:
    """A converted site at PUE 1.05 moves by -0.05 of the -0.1 step (PUE >= 1.0): the row
    said "-0.1 each" (until 2026-12-06)."""
    pf = _portfolio()
    first = next(i for i, s in enumerate(pf.sites) if s.hosting is not None)
    site = pf.sites[first]
    assert site.hosting is not None
    low = site.model_copy(update={"hosting": site.hosting.model_copy(update={"pue": 1.05})})
    sites = [low if i == first else s for i, s in enumerate(pf.sites)]
    rows = run_pivot(pf.model_copy(update={"sites": sites})).tornado.set_index("variable")
    assert rows.loc["pue", "unit"] == "+ PUE, >= 1.0"
    assert format_tornado_input(rows.loc["pue", "low_input"], "+ PUE, >= 1.0") == (
        "-0.1 each, >= 1.0")
    assert _result().tornado.set_index("variable").loc["pue", "unit"] == "+ PUE"
