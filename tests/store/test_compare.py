"""The comparison of stored and reproduced results (``hashpivot runs reproduce`` on a
stored run: tests/web/test_security.py; the service's reproductions: tests/web/test_api.py)."""

from __future__ import annotations

from hashpivot.store.compare import diff_json


def test_diff_json_separates_differences_from_values_a_later_version_adds() -> None:
    stored = {
        "npv_usd": {"keep_mining": 1.5, "convert_all": 2.0},
        "rows": [1, 2, 3],
        "dropped": 7,
        "solve_seconds": 0.4,
        "timings_s": {"build": 0.1},
    }
    fresh = {
        "npv_usd": {"keep_mining": 1.5, "convert_all": 2.0000000000000004, "phased": 3.0},
        "rows": [1, 2],
        "solve_seconds": 9.9,  # wall clock: never compared
        "new_metric": {"a": 1},
    }
    d = diff_json(stored, fresh)
    assert d.differs == [
        "dropped: only in stored",
        "npv_usd.convert_all: stored 2.0, reproduced 2.0000000000000004",  # exact, to the ulp
        "rows: 3 items stored, 2 reproduced",
    ]
    assert d.added == ["new_metric", "npv_usd.phased"]


def test_diff_json_of_identical_values_and_nested_lists() -> None:
    value = {"a": [{"b": 1.0, "c": None}, [True, "x"]], "n": -0.0}
    d = diff_json(value, {"a": [{"b": 1.0, "c": None}, [True, "x"]], "n": -0.0})
    assert (d.differs, d.added) == ([], [])
    d = diff_json(value, {"a": [{"b": 1.0, "c": 0.0}, [False, "x"]], "n": -0.0})
    assert d.differs == ["a[0].c: stored None, reproduced 0.0",
                         "a[1][0]: stored True, reproduced False"]
