"""The dispatch model's container and names: every variable exists, one naming scheme."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest

from hashpivot.power import DispatchProblem, Schedule, Tranche, build_model, solve
from hashpivot.power.lp import LinearModel

VARIABLES = {
    "segment", "mining", "grid", "ppa_used", "ppa_resold", "renewable_used",
    "renewable_resold", "ai_flexible", "dr_shortfall", "dr_available", "tranche_on",
    "tranche_start", "tranche_stop",
}
NAME = re.compile(r"^[a-z_]+-[a-z_]+-(eq|upper|lower|range)$")


def _problem(n: int = 6, **kw: object) -> DispatchProblem:
    index = pd.date_range("2024-07-01", periods=n, freq="h", tz="America/Chicago")
    return DispatchProblem(
        index=index,
        interval_hours_series=np.ones(n),
        price_usd_per_mwh_series=np.linspace(10.0, 150.0, n),
        hashprice_usd_per_ph_day_series=np.full(n, 50.0),
        tranches=(Tranche("a", 10.0, 480.0, 0.5, 0.6), Tranche("b", 5.0, 150.0)),
        **kw,  # type: ignore[arg-type]
    )


def test_every_variable_exists_empty_when_unused() -> None:
    m = build_model(_problem(), milp=False)
    assert set(m.variables) == VARIABLES
    for name in ("ppa_used", "renewable_resold", "ai_flexible", "dr_shortfall", "dr_available"):
        assert m.get(name).size == 0
    assert m.get("segment").shape == (6, 3)  # tranche a has two segments
    assert m.get("tranche_on").shape == (6, 0)
    milp = build_model(_problem(min_up_intervals=2), milp=True)
    assert set(milp.variables) == VARIABLES and milp.get("tranche_on").shape == (6, 2)


def test_variables_are_named_after_schedule_fields() -> None:
    fields = {f.name for f in dataclasses.fields(Schedule)}
    # mining, dr_available (the least of the commitment and mining): read from the segments
    for name in VARIABLES - {"mining", "dr_available", "tranche_start", "tranche_stop"}:
        assert f"{name}_mw" in fields or name in fields, name


def test_constraint_names_follow_variable_rule_bound() -> None:
    n = 6
    prob = _problem(
        ppa_volume_mw=3.0, renewable_mw_series=np.full(n, 2.0), ai_flexible_mw=1.0,
        ai_flexible_max_mw=2.0, dr_committed_mw=2.0,
        dr_event_series=np.arange(n) == 2, ramp_mw_per_interval=4.0,
        import_limit_mw=30.0, min_up_intervals=2, min_down_intervals=2,
    )
    m = build_model(prob)
    assert len(m.constraint_names) == 13
    for name in m.constraint_names:
        assert NAME.match(name), name
        assert name.split("-")[0] in VARIABLES | {"site_load"}, name


def test_segment_columns_are_numbered_interval_fastest() -> None:
    # the column order HiGHS sees is segment by segment (as before the package split)
    m = LinearModel(n_intervals=3)
    idx = m.add_variables("segment", 0.0, np.array([[1.0, 2.0]]), shape=(3, 2))
    assert idx.tolist() == [[0, 3], [1, 4], [2, 5]]
    assert m.arrays()["col_upper"].tolist() == [1.0, 1.0, 1.0, 2.0, 2.0, 2.0]


def test_empty_terms_are_dropped_and_duplicates_refused() -> None:
    m = LinearModel(n_intervals=2)
    x = m.add_variables("x", 0.0, 1.0)
    empty = m.add_variables("y", 0.0, 1.0, n=0)
    r = np.arange(2)
    m.add_constraints("x-sum-upper", 2, [(r, x, 1.0), (r, empty, 1.0)], -np.inf, 1.0)
    assert m.matrix().nnz == 2
    with pytest.raises(ValueError, match="duplicate"):
        m.add_variables("x", 0.0, 1.0)


def test_report_of_each_solver() -> None:
    prob = _problem()
    fast = solve(prob, "fast").report
    assert (fast.solver, fast.status, fast.termination_condition) == ("fast", "ok", "optimal")
    assert fast.mip_gap == 0.0 and np.isnan(fast.objective)
    lp = solve(prob, "lp")
    assert lp.report.solver == "lp" and lp.report.n_variables > 0
    assert lp.report.objective == pytest.approx(lp.objective_usd, abs=1e-6)
    assert lp.report.objective_bound == lp.report.objective
    assert lp.summary()["status"] == "optimal"


def test_feasible_checks_bounds_integrality_and_rows_relative_to_their_size() -> None:
    m = LinearModel(0)
    x = m.add_variables("x", 0.0, np.array([1.0, np.inf]), n=2)
    k = m.add_variables("k", 0.0, 5.0, integer=True, n=1)
    # a row with a large bound: 1e-6 of 1,000 is the tolerance there
    m.add_constraints("x-sum-upper", 1, [(np.zeros(1, dtype=np.int64), x[:1], 1.0),
                                          (np.zeros(1, dtype=np.int64), x[1:], 1.0)],
                      -np.inf, 1000.0)
    m.add_constraints("k-x-lower", 1, [(np.zeros(1, dtype=np.int64), k, 1.0),
                                       (np.zeros(1, dtype=np.int64), x[:1], -1.0)],
                      0.0, np.inf)
    cases = np.array([
        [1.0, 999.0, 2.0],            # feasible
        [1.0, 999.0005, 2.0],         # row over by 5e-4: within 1e-6 x 1,000
        [1.0, 999.01, 2.0],           # row over by 1e-2
        [1.0 + 1e-5, 998.0, 2.0],     # column over its bound of 1 by 1e-5
        [1.0, 5.0, 2.5],              # not integral
        [1.0, 5.0, 0.0],              # k - x < 0
    ]).T
    assert m.feasible(cases).tolist() == [True, True, False, False, False, False]
    assert bool(m.feasible(cases[:, 0])[0])
    with pytest.raises(ValueError, match="3 columns"):
        m.feasible(cases.T)
