"""A stored run's portfolio (hashpivot.store.runs): the values it resolved to when it was
submitted, and which of them its document set."""

from __future__ import annotations

import copy
from pathlib import Path

from hashpivot.models import load_portfolio
from hashpivot.store.runs import resolve_inputs, stored_portfolio

EXAMPLE = Path(__file__).parents[2] / "examples" / "pivot-200mw.toml"


def test_a_new_run_knows_what_its_document_set() -> None:
    pf = load_portfolio(EXAMPLE)
    inputs = resolve_inputs("pivot", pf, {})
    got = stored_portfolio(inputs)
    assert got == pf  # the same values ...
    assert got.pivot is not None and pf.pivot is not None
    # ... and the same fields set: "terminal_value" is a default in the example
    assert got.pivot.model_fields_set == pf.pivot.model_fields_set
    assert "terminal_value" not in got.pivot.model_fields_set


def test_a_run_stored_before_as_given_runs_on_its_resolved_document() -> None:
    inputs = resolve_inputs("pivot", load_portfolio(EXAMPLE), {})
    del inputs["as_given"]
    got = stored_portfolio(inputs)
    assert got.pivot is not None and "terminal_value" in got.pivot.model_fields_set


def test_changed_defaults_never_change_a_stored_run() -> None:
    inputs = resolve_inputs("pivot", load_portfolio(EXAMPLE), {})
    # as if a later version's default multiple were 8 and the run was submitted at 6
    stored = copy.deepcopy(inputs)
    stored["portfolio"]["pivot"]["terminal_value"]["mining_ebitda_multiple"] = 6.0
    got = stored_portfolio(stored)
    assert got.pivot is not None
    assert got.pivot.terminal_value.mining_ebitda_multiple == 6.0


def test_a_document_s_file_references_are_listed_with_its_other_problems() -> None:
    """The service reads no file a request names; the document's other problems are
    listed with that one (they waited for the reference to be removed)."""
    import pytest

    from hashpivot.exceptions import InputError
    from hashpivot.store.portfolios import validate_document

    doc = {"sites": [{"name": "A", "power_contract": {"price_usd_per_mwh": 1e6},
                      "fleet": [{"asic": "Antminer S21", "count": 10}]}],
           "optimize": {"rules_file": "rules.csv"}}
    with pytest.raises(InputError) as err:
        validate_document(doc)
    assert [p.path for p in err.value.problems] == [
        "optimize.rules_file", "sites[0].power_contract.price_usd_per_mwh"]


def _paths(kind: str, pf: object, params: dict[str, object]) -> list[str]:
    import pytest

    from hashpivot.exceptions import InputError

    with pytest.raises(InputError) as exc:
        resolve_inputs(kind, pf, params)  # type: ignore[arg-type]
    return [p.path for p in exc.value.problems]


def test_a_bad_parameter_is_not_judged_by_the_value_in_its_place() -> None:
    """A bad ``start`` left the file's ``[pivot] convert_start`` (2099-01, after the
    horizon) to be checked in its place, and a bad cost ``date`` the latest data day: a
    problem of a value the user did not give (the CLI listed neither; until 2026-12-06)."""
    pf = load_portfolio(EXAMPLE)
    assert pf.pivot is not None
    late = pf.model_copy(update={"pivot": pf.pivot.model_copy(
        update={"convert_start": "2099-01"})})
    for kind in ("pivot", "simulate"):
        for start in ("2026-1", 202601, "2026-13"):
            assert _paths(kind, late, {"start": start}) == ["start"], (kind, start)
    assert _paths("pivot", late, {}) == ["pivot.convert_start"]  # (the file's own, alone)
    retired = pf.model_copy(update={"sites": [s.model_copy(update={"fleet": [
        e.model_copy(update={"end": "2022-01-01"}) for e in s.fleet]}) for s in pf.sites]})
    assert _paths("cost", retired, {"date": "2021-06-31"}) == ["date"]


def test_a_cost_run_runs_on_the_network_it_resolved_and_says_its_sources() -> None:
    """The network a cost run resolves (its height, the figures given over the day's data)
    is stored and read back: the run executes (a ``height`` the stored parameters did not
    accept failed every dashboard cost run) and its assumptions say which figure was
    given and which day's data the others are."""
    from hashpivot.store.runs import execute_run

    pf = load_portfolio(Path(__file__).parents[2] / "examples" / "reverse-margin.toml")
    inputs = resolve_inputs("cost", pf, {"date": "2024-06-01", "btc_price_usd": 70_000})
    assert inputs["params"]["network"]["height"] > 840_000
    rows = {r["name"]: r for r in execute_run(inputs).results["resolved_assumptions"]}
    assert (rows["BTC price"]["value"], rows["BTC price"]["source"]) == (70_000, "run setting")
    assert rows["difficulty"]["source"].endswith("on 2024-06-01")
    assert rows["network day"]["value"] == "2024-06-01"
    assert rows["Texas: [sites] pool_fee_fraction"]["source"] == "file"
