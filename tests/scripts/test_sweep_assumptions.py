"""The assumptions sweep (``scripts/sweep_assumptions.py``, its machinery in
``scripts/_assumption_sweep.py``): every input of ``pivot``'s verdict tables that moves an
NPV is named by a row of its resolved assumptions, so a new field without a row fails here.

The quick sweep runs the 200 MW example once per field of the tables a verdict most depends
on (about 90 runs of ``run_pivot``, 25 s on the shared 2-core machine), the tables no
example has in a variant of it (about 35 runs, 7 s), ``simulate``'s ``[scenario]`` and
``[treasury]`` tables and the hosting risk (about 65 runs of 500 paths, 7 s) and the West
Texas example's ``[sites.dispatch]`` tables (about 40 runs, 6 s); the perturbations of a
list or a mapping on their own, and the West Texas example's lists (4 runs, 1 s)."""

from __future__ import annotations

import datetime as dt
import sys
import tomllib
from functools import partial
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import _assumption_sweep as A  # noqa: N812
import sweep_assumptions as S  # noqa: N812

#: The tables swept in the suite (the whole sweep: ``python scripts/sweep_assumptions.py``).
TABLES = ("sites", "sites.power_contract", "sites.fleet", "sites.cost_items",
          "sites.hosting", "pivot", "pivot.terminal_value", "financing")
EXAMPLE = S.EXAMPLES / "pivot-200mw.toml"


def _document() -> dict[str, Any]:
    return tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))


def test_every_input_that_moves_pivot_is_named_by_a_row() -> None:
    case = S.cases("pivot")[0]
    results, _ = S.run_case(case, TABLES, quick=True)
    assert {r.leaf.table for r in results} == set(TABLES)
    # each field was run or refused: a field the sweep cannot perturb would pass unseen
    assert [r.leaf.dotted for r in results if not r.tried and not r.refused] == []
    assert [(r.leaf.dotted, r.errors) for r in results if r.errors] == []
    assert [(r.leaf.dotted, r.moved_by) for r in S.missing(case, results)] == []
    # the sweep sees the moves it should: the lease rate moves every convert strategy
    lease = next(r for r in results if r.leaf.dotted == "sites[0].hosting.lease_usd_per_kw_month")
    assert lease.moved > 0.1 and lease.named == "row"


def test_a_row_left_out_is_found() -> None:
    """The sweep fails when a row that names a moving field is dropped: without its
    ``[sites.hosting] pue`` row, the PUE (1.3 -> 1.15 and 2.6) moves the convert NPVs and
    no row names it; ``it_load_factor`` is named and moves nothing under
    triple net (the tenant pays the hall's power)."""
    def without_pue(portfolio: Any, source: str) -> A.Outcome:
        figures, rows = S._pivot(portfolio, source)
        return figures, [r for r in rows if r["name"] != "[sites.hosting] pue"]

    def keep(leaf: A.Leaf) -> bool:
        return leaf.table == "sites.hosting" and leaf.name in ("pue", "it_load_factor")

    results = A.sweep(_document(), str(EXAMPLE), without_pue, keep)
    by = {r.leaf.name: r for r in results}
    assert by["pue"].tried == pytest.approx([1.15, 2.6]) and by["pue"].refused == []
    assert by["pue"].moved > 0.1 and by["pue"].named == ""
    assert by["it_load_factor"].moved == 0.0 and by["it_load_factor"].named == "row"
    case = S.Case("pivot", EXAMPLE.name, without_pue)
    assert [r.leaf.dotted for r in S.missing(case, results)] == ["sites[0].hosting.pue"]


@pytest.mark.parametrize(("value", "kind", "months", "shifted"), [
    ("2026-01", "month", -6, "2025-07"),
    ("2024-08-31", "day", 6, "2025-02-28"),  # (the month's last day)
    ("2026Q1", "quarter", 6, "2026Q3"),
    ("2026-06-01", "month", 0, "2026-06"),  # (a day's month)
])
def test_dates_are_shifted_by_months(value: str, kind: str, months: int, shifted: str) -> None:
    assert A._shift(value, kind, months) == shifted


def test_numbers_stay_inside_their_bounds() -> None:
    """x0.5 and x2, pulled halfway to a bound they would cross; a zero moved inside its
    bounds: ``[sites.hosting] renewal_probability`` (0 to 1) 0.5 -> 0.25 and 1, ``pue`` (1
    to 3) 1.3 -> 2.6 and 1.15 (0.65 is below 1: pulled halfway to it),
    ``prepayment_fraction`` (0 to 1) 0 -> 0.5; a choice to each other one."""
    leaves = {leaf.name: leaf for leaf in A.leaf_fields(_document())
              if leaf.table == "sites.hosting"}
    assert A.perturbations(leaves["renewal_probability"]) == [0.25, 1.0]
    assert A.perturbations(leaves["pue"]) == pytest.approx([1.15, 2.6])
    assert A.perturbations(leaves["prepayment_fraction"]) == [0.5]
    assert A.perturbations(leaves["lease_structure"]) == ["modified_gross"]


def test_every_input_that_moves_dispatch_is_named_by_a_row() -> None:
    """The ``[sites.dispatch]`` tables of the West Texas example on HB_WEST 2024 (about 40
    runs, 6 s): the demand response's online terms, the PPA's negative prices and the
    hashprice's fields had no row until 2026-12-07. The fields not perturbed are the side
    files (none to name); the lists of date-times are (an element left out, one added)."""
    case = S.cases("dispatch")[0]
    tables = ("sites.dispatch", "sites.dispatch.ppa", "sites.dispatch.renewable",
              "sites.dispatch.demand_response", "sites.dispatch.four_cp")
    results, _ = S.run_case(case, tables, quick=True)
    assert {r.leaf.name for r in results if not r.tried and not r.refused} == {
        "profile_file", "peak_probability_file", "emissions_file"}
    assert [(r.leaf.dotted, r.errors) for r in results if r.errors] == []
    assert [(r.leaf.dotted, r.moved_by) for r in S.missing(case, results)] == []
    withdrawable = next(r for r in results if r.leaf.name == "withdrawable")
    assert withdrawable.moved > 0.01 and withdrawable.named == "table row"


def test_the_tables_no_example_has_are_named_by_a_row() -> None:
    """``[pivot.tax]``, ``[sites.hosting.phases]`` and ``[sites.hosting.risk]`` on the 200
    MW example (its variant without the West Texas site: that site's flexibility is
    measured again for each of its fields, 2 s a run, the full sweep's). The tax's opening
    loss moved an after-tax NPV 40 % with no row until 2026-12-07; the risk moves nothing
    (pivot values hosting in expectation); a hall's ``probability_signing`` moves the
    expected value over the signings, a headline figure of its own."""
    case = S.Case("pivot", "pivot-200mw.toml", S._pivot,
                  partial(S.with_tables, dispatch_site=False))
    tables = ("pivot.tax", "sites.hosting.phases", "sites.hosting.risk")
    results, _ = S.run_case(case, tables, quick=True)
    assert {r.leaf.table for r in results} == set(tables)
    assert [r.leaf.dotted for r in results if not r.tried and not r.refused] == []
    assert [(r.leaf.dotted, r.errors) for r in results if r.errors] == []
    assert [(r.leaf.dotted, r.moved_by) for r in S.missing(case, results)] == []
    by = {r.leaf.dotted: r for r in results}
    assert by["pivot.tax.opening_loss_usd"].moved > 0.1
    assert by["pivot.tax.opening_loss_usd"].named == "table row"
    assert by["sites[0].hosting.phases[1].probability_signing"].moved > 0.01
    assert by["sites[0].hosting.phases[0].start"].tried == ["2026-09"]  # (a month field)
    assert max(r.moved for r in results if r.leaf.table == "sites.hosting.risk") == 0.0


def test_every_input_that_moves_simulate_is_named_by_a_row() -> None:
    """``simulate`` at 500 paths, 6 years, one seed: the same paths for each run, so a
    figure moves only by the input (compared at 1e-9). ``[scenario] anchor`` (85 %), the
    hosting risk's terms (up to 100 % of a P5) had no row until 2026-12-07; the debt's
    terms are its ``[treasury] debt`` row. The mappings by year and the seasonal factors,
    unset in the example, are tried at a typical value (:data:`UNSET_VALUES`)."""
    case = S.cases("simulate")[0]
    tables = ("scenario", "treasury", "treasury.debt")
    results, _ = S.run_case(case, tables, quick=True)
    assert [r.leaf.dotted for r in results if not r.tried and not r.refused] == []
    assert [(r.leaf.dotted, r.errors) for r in results if r.errors] == []
    assert [(r.leaf.dotted, r.moved_by) for r in S.missing(case, results)] == []
    by = {r.leaf.dotted: r for r in results}
    assert by["scenario.anchor"].moved > 0.1 and by["scenario.anchor"].named == "row"
    assert by["treasury.debt[0].principal_usd"].named == "table row"
    risk_case = S.cases("simulate")[1]
    results, _ = S.run_case(risk_case, ("sites.hosting.risk", "cost_items"), quick=True)
    assert [(r.leaf.dotted, r.moved_by) for r in S.missing(risk_case, results)] == []
    assert min(r.moved for r in results if r.leaf.table == "sites.hosting.risk") > 0


@pytest.mark.slow
def test_the_optimize_case_names_the_plan_s_sites_by_their_place() -> None:
    """``optimize`` on the four-site example (10 scenarios, 2 runs, about 20 s; the whole
    sweep: ``--engine optimize``, docs/testing.md): its headline figures are the objective,
    the expected NPV, the CVaR and the plan's MW per site and quarter, the site by its
    place, so that renaming a site that converts (Odessa Grid) moves nothing (named, its
    figures had other names: a move of inf, the one field the first sweep found
    "missing")."""
    case = S.cases("optimize")[0]
    figures: list[dict[str, float]] = []

    def run(portfolio: Any, source: str) -> A.Outcome:
        out = case.runner(portfolio, source)
        figures.append(out[0])
        return out

    results = A.sweep(case.document(), str(S.EXAMPLES / case.example), run,
                      lambda leaf: leaf.dotted == "sites[1].name", tol=case.tol)
    assert [(r.tried, r.moved) for r in results] == [(["Odessa Grid (renamed)"], 0.0)]
    base = figures[0]
    assert {"objective_usd", "expected_npv_usd", "cvar_usd"} < set(base)
    assert sum(v for k, v in base.items() if k.startswith("plan[sites[1] ")) > 0


def _leaf(document: dict[str, Any], dotted: str) -> A.Leaf:
    return next(leaf for leaf in A.leaf_fields(document) if leaf.dotted == dotted)


def test_lists_and_mappings_are_perturbed_as_a_whole() -> None:
    """A list of numbers reversed, x0.5 and x2 (inside its bounds), its last element left
    out and appended again; a list of names with an element left out, the first site it
    lacks added, reversed; date-times with one left out, one a day after the last added; a
    mapping by year x0.5 and x2 and a year later; unset, a typical value or the first
    site. A list of choices stays a scalar field's kind (each choice left out or added)."""
    document = tomllib.loads((S.EXAMPLES / "portfolio.toml").read_text(encoding="utf-8"))
    document["scenario"] = {"btc_drift_by_year": {"2027": -0.2, "2028": 0.4}}
    sites = [s["name"] for s in document["sites"]]
    budget = _leaf(document, "optimize.equity_budget_usd_per_year")
    assert A.is_list(budget) and budget.value == [250e6, 300e6, 300e6]
    assert A.perturbations(budget, sites) == [
        [300e6, 300e6, 250e6], [125e6, 150e6, 150e6], [500e6, 600e6, 600e6],
        [250e6, 300e6], [250e6, 300e6, 300e6, 300e6]]
    accepted = _leaf(document, "optimize.tenants[2].sites")
    assert accepted.value == ["Pecos PPA", "Columbia Hydro"]
    assert A.perturbations(accepted, sites) == [
        ["Pecos PPA"], ["Pecos PPA", "Columbia Hydro", "Odessa Grid"],
        ["Columbia Hydro", "Pecos PPA"]]
    assert A.perturbations(_leaf(document, "optimize.tenants[0].sites"), sites) == [
        ["Pecos PPA"]]  # (unset: every site with hosting terms)
    drift = _leaf(document, "scenario.btc_drift_by_year")
    assert A.perturbations(drift) == [{"2027": -0.1, "2028": 0.2}, {"2027": -0.4, "2028": 0.8},
                                      {2028: -0.2, 2029: 0.4}]
    assert A.perturbations(_leaf(document, "scenario.btc_volatility_by_year")) == [
        {2027: 1.0}]
    seasonal = _leaf(document, "scenario.power_seasonal_factors")
    assert A.is_list(seasonal) and A.perturbations(seasonal) == [
        A.UNSET_VALUES["power_seasonal_factors"]]
    assert not A.is_list(_leaf(document, "pivot.strategies"))
    west_texas = tomllib.loads((S.EXAMPLES / "dispatch-west-texas.toml").read_text(
        encoding="utf-8"))
    peaks = _leaf(west_texas, "sites[0].dispatch.four_cp.peak_intervals")
    assert len(peaks.value) == 4
    assert A.perturbations(peaks) == [peaks.value[:3], [*peaks.value, dt.datetime(
        2024, 9, 20, 16, 45)]]


def test_a_list_named_by_no_row_is_found() -> None:
    """The list fields of the West Texas example (4 runs of the dispatch, 1 s): each of its
    4CP peaks and demand-response events moves the net margin and is named by its table's
    row; without the ``[sites.dispatch.four_cp]`` row, ``peak_intervals`` is found. A
    sweep of the scalars runs no list, a sweep of the lists no scalar."""
    case = S.cases("dispatch")[0]
    results, _ = S.run_case(case, fields="lists")
    by = {r.leaf.name: r for r in results}
    assert set(by) == {"events", "peak_intervals"}
    assert all(len(r.tried) == 2 and r.moved > 0 and r.named == "table row"
               for r in results)
    assert S.missing(case, results) == []

    def without_4cp(portfolio: Any, source: str) -> A.Outcome:
        figures, rows = case.runner(portfolio, source)
        return figures, [r for r in rows if not r["name"].startswith("[sites.dispatch.four_cp]")]

    blind = S.Case("dispatch", case.example, without_4cp)
    results, _ = S.run_case(blind, ("sites.dispatch.four_cp",), fields="lists")
    assert [r.leaf.dotted for r in S.missing(blind, results)] == [
        "sites[0].dispatch.four_cp.peak_intervals"]
    document = case.document()
    lists = {leaf.dotted for leaf in A.leaf_fields(document) if A.is_list(leaf)}
    assert lists == {"sites[0].dispatch.demand_response.events",
                     "sites[0].dispatch.four_cp.peak_intervals"}
    with pytest.raises(ValueError, match="fields"):
        S.run_case(case, fields="list")
