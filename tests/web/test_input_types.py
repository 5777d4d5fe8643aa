"""A number is a JSON number in the REST API, and a yes/no a JSON boolean: text and
booleans given for numbers are a 422 at their path (they were read as numbers); the
dashboard's forms post text, which the form converts at its own boundary, field by
field, so every number field of a form is a number field there."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from hashpivot.models import Site
from hashpivot.models.fleet import FleetEntry
from hashpivot.models.lax_numbers import lax_numbers
from hashpivot.models.portfolio import PowerContract
from hashpivot.store.runs import RUN_KINDS
from hashpivot.web import forms
from tests.web.conftest import add_key, launch_from_form, login, make_client

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _problems(r: Any) -> list[tuple[str, str]]:
    assert r.status_code == 422, r.text
    return [(p["path"], p["message"]) for p in r.json()["problems"]]


@pytest.mark.parametrize(("kind", "params", "path", "words"), [
    ("simulate", {"paths": "100"}, "paths", "not text (got '100')"),
    ("cost", {"btc_price_usd": "1e5"}, "btc_price_usd", "not text (got '1e5')"),
    ("cost", {"difficulty": True}, "difficulty", "not a boolean (got true)"),
    ("optimize", {"continuous": "yes"}, "continuous", "valid boolean"),
    ("optimize", {"deterministic": 1}, "deterministic", "valid boolean"),
    ("cost", {"date": 0}, "date", "expected a day YYYY-MM-DD"),
    ("backtest", {"start": 1262304000}, "start", "expected a day YYYY-MM-DD"),
])
def test_run_parameters_of_the_wrong_json_type_are_a_422(
        sqlite_db: tuple[str, None], kind: str, params: dict[str, Any], path: str,
        words: str) -> None:
    """``"paths": "100"`` ran 100 paths, ``"continuous": "yes"`` a continuous plan and
    ``"date": 0`` the network of 1970-01-01 (before the history: refused later)."""
    with make_client(*sqlite_db, run_jobs=False) as c:
        add_key(c)
        pid = c.get("/api/portfolios").json()[0]["id"]
        r = c.post("/api/runs", json={"kind": kind, "portfolio_id": pid, "params": params})
        ((at, message),) = _problems(r)
        assert at == f"body.params.{path}" and words in message, message


def test_json_numbers_and_iso_days_are_taken(sqlite_db: tuple[str, None]) -> None:
    """An integer for a decimal and a day as ISO text (JSON has no dates)."""
    with make_client(*sqlite_db, run_jobs=False) as c:
        add_key(c)
        pid = c.get("/api/portfolios").json()[0]["id"]
        r = c.post("/api/runs", json={"kind": "cost", "portfolio_id": pid, "params": {
            "date": "2024-04-19", "btc_price_usd": 95000}})
        assert r.status_code == 202, r.text


def test_a_portfolio_document_with_a_quoted_number_is_a_422(sqlite_db: tuple[str, None]
                                                             ) -> None:
    with make_client(*sqlite_db, run_jobs=False) as c:
        add_key(c)
        doc = tomllib.loads((EXAMPLES / "reverse-margin.toml").read_text())
        doc["sites"][0]["capacity_mw"] = "300"
        assert _problems(c.post("/api/portfolios", json=doc)) == [(
            "sites[0].capacity_mw",
            "expected a number, not text (got '300'): write the number without quotes")]
        pid = c.get("/api/portfolios").json()[0]["id"]
        site = c.get(f"/api/portfolios/{pid}/sites/0").json()
        site["fleet"][0]["count"] = "1000"
        assert [p for p, _ in _problems(c.put(f"/api/portfolios/{pid}/sites/0", json=site))
                ] == ["sites[0].fleet[0].count"]


def _form_fields() -> list[tuple[str, Any, forms.FormField]]:
    """Every field of the dashboard's forms with its annotation: a dispatching site's
    form and each run kind's."""
    doc = tomllib.loads((EXAMPLES / "dispatch-west-texas.toml").read_text())
    site_fields = forms.site_form(doc["sites"][0])

    def annotation(name: str) -> Any:
        head, _, attr = name.rpartition(".")
        if head.startswith("fleet["):
            return FleetEntry.model_fields[attr].annotation
        if head == "power_contract":
            return PowerContract.model_fields[attr].annotation
        for table, model, _ in forms.DISPATCH_TABLES:
            if head == f"dispatch.{table}":
                return model.model_fields[attr].annotation
        assert not head, name
        return Site.model_fields[attr].annotation

    out = [(f"site {f.name}", annotation(f.name), f) for f in site_fields if f.kind != "hidden"]
    for kind, run_kind in RUN_KINDS.items():
        out += [(f"{kind} {f.name}", run_kind.params.model_fields[f.name].annotation, f)
                for f in forms.params_form(run_kind.params, {})]
    return out


def test_every_number_field_of_a_form_converts_what_is_typed_in_it() -> None:
    """A form posts text: a field whose model takes numbers alone (which refuses text)
    is a number field, converted by the form; a yes/no field a true/false choice."""
    fields = _form_fields()
    numbers = [name for name, ann, _ in fields if lax_numbers(ann, "1", ("x",))]
    assert len(numbers) >= 20  # (the site's, the contract's, the PPA's, the runs')
    assert [name for name, ann, f in fields
            if lax_numbers(ann, "1", ("x",)) and f.kind != "number"] == []
    assert forms._coerce("1e3", "number") == 1000.0 and forms._coerce("12", "number") == 12


def test_the_forms_turn_typed_numbers_and_choices_into_values(sqlite_db: tuple[str, None]
                                                              ) -> None:
    """The site form saves ``"600"`` as 600, a run form launches ``paths = 1e3``
    (a whole number, as an integer parameter takes it) and ``continuous = true``."""
    with make_client(*sqlite_db, run_jobs=False) as c:
        csrf = login(c)
        form = {"csrf_token": csrf, "capacity_mw": "600", "name": "Texas"}
        r = c.post("/portfolios/1/sites/0/edit", data=form, follow_redirects=False)
        assert r.status_code == 303, r.text
        add_key(c)
        assert c.get("/api/portfolios/1").json()["document"]["sites"][0]["capacity_mw"] == 600
        run_id = launch_from_form(c, csrf, 2, "simulate", paths="1e3", seed="7", years="2")
        params = c.get(f"/api/runs/{run_id}").json()["inputs"]["params"]
        assert (params["paths"], params["seed"], params["years"]) == (1000, 7, 2.0)
        run_id = launch_from_form(c, csrf, 4, "optimize", continuous="true", scenarios="3")
        assert c.get(f"/api/runs/{run_id}").json()["inputs"]["params"]["continuous"] is True
