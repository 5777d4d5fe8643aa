"""A hand-made ``optimize`` JSON result (the shape of ``PlanResult.to_json``), shared by
tests/reports/test_optimize_rows.py and tests/web/test_tables.py."""

from __future__ import annotations

from typing import Any

__all__ = ["plan_result_json"]


def _rule(site: str, rule_id: str, binds: bool, detail: str, source: str) -> dict[str, Any]:
    return {"site": site, "rule_id": rule_id, "binds": binds, "detail": detail,
            "source": source}


def plan_result_json(plan: bool = True) -> dict[str, Any]:
    """Two conversions at one site (or none), two simple strategies (one infeasible), two
    rules citing one source and one rule citing another, one shadow price."""
    rows = [
        {"site": "Pecos", "quarter": "2026Q3", "gross_mw": 100.0, "it_mw": 80.0,
         "tenant": "Hyperscaler A", "operator_capex_usd": 7.2e8, "committed": True},
        {"site": "Pecos", "quarter": "2026Q4", "gross_mw": 50.0, "it_mw": 40.0,
         "tenant": "Hyperscaler A", "operator_capex_usd": 3.6e8, "committed": False},
    ]
    return {
        "plan": rows if plan else [],
        "expected_npv_usd": 410.66e6, "expected_npv_ci95_half_usd": 48.3e6,
        "cvar95_usd": -57.2e6,
        "expected_terminal_value_usd": 212.35e6, "expected_terminal_value_baseline_usd": 12.4e6,
        "strategies": {
            "keep_mining": {"feasible": True, "expected_npv_usd": 358.94e6,
                            "expected_npv_ci95_half_usd": 61.2e6,
                            "expected_terminal_value_usd": 0.0,
                            "cvar95_usd": -78.7e6, "converted_mw": 0.0},
            "convert_all_now": {"feasible": False, "expected_npv_usd": None,
                                "expected_npv_ci95_half_usd": None,
                                "cvar95_usd": None, "converted_mw": 150.0},
        },
        "value_over_baseline_usd": 51.9e6, "best_simple_strategy": "keep_mining",
        "value_over_best_simple_usd": 51.9e6,
        "out_of_sample_npv_usd": {"n_scenarios": 100, "mean": 636.9e6, "ci95_low": 396.4e6,
                                  "ci95_high": 877.3e6},
        "out_of_sample_value_over_baseline_usd": {"mean": 6.2e6, "ci95_low": -77.2e6,
                                                  "ci95_high": 89.7e6},
        "in_sample_value_over_baseline_usd": 51.9e6, "vss_usd": 0.0, "evpi_usd": 6.5e6,
        "two_stage_bound_usd": 302.7e6, "objective_usd": 270.4e6, "solver": "milp",
        "termination_condition": "optimal", "mip_gap": 0.0, "n_variables": 1865,
        "n_constraints": 892, "coefficient_seconds": 0.3, "build_seconds": 0.008,
        "solve_seconds": 0.93,
        "applicable_rules": [
            _rule("Pecos", "tx_sb1929_registration", False, "obligation recorded", "SB 1929"),
            _rule("Pecos", "tx_sb6_study_fee", True, "100,000 USD paid", "SB 6"),
            _rule("Odessa", "tx_sb1929_registration", False, "obligation recorded", "SB 1929"),
        ],
        "shadow_prices": [{"limit": "build capacity", "label": "2026Q3",
                           "shadow_price": 35_300.0, "unit": "USD per MW"}],
        "warnings": [],
        "assumptions": {"n_scenarios": 100, "quarters": ["2025Q4", "2035Q3"],
                        "risk_aversion": 0.3, "unit_mw": 25.0},
    }
