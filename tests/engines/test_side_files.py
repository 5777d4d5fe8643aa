"""A portfolio's side files (``*_file`` fields) are read beside the portfolio file, by every
engine, whatever the working folder: the same file gives the same verdict wherever it is
run from.

The dispatch engine read them beside the file; pivot, simulate and optimize measured a
dispatching site's flexibility (:mod:`hashpivot.engines.pivot.uplift_measurement`) with
the names read against the working folder, so a relative ``emissions_file`` was "not
found" from another folder and the flat mining value was used: another verdict.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hashpivot.engines.pivot import run_pivot
from hashpivot.engines.pivot.uplift_measurement import clear_dispatch_uplift_cache
from hashpivot.engines.simulate import SimulationConfig, prepare
from hashpivot.models import load_portfolio
from hashpivot.models.file_refs import with_files_beside
from hashpivot.optimize.inputs import resolve_problem
from tests.optimize.conftest import portfolio_text, site_toml

_SITE = {"region": "ERCOT", "price": 40.0, "hashrate": 120.0, "kind": "index",
         "market": "ercot:HB_WEST"}


@pytest.fixture
def moved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A portfolio file in ``site/`` naming ``mef.csv`` beside it, with the working folder
    ``elsewhere/`` (where no ``mef.csv`` is)."""
    folder = tmp_path / "site"
    folder.mkdir()
    idx = pd.date_range("2024-01-01", periods=366 * 24, freq="h", tz="America/Chicago")
    pd.DataFrame({"interval_start": idx.strftime("%Y-%m-%dT%H:%M:%S%z"),
                  "tco2_per_mwh": np.full(len(idx), 0.4)}).to_csv(folder / "mef.csv",
                                                                   index=False)
    toml = folder / "portfolio.toml"
    toml.write_text(portfolio_text(site_toml(
        "A", **_SITE, dispatch={"availability_fraction": 0.95, "emissions_file": "mef.csv"}),
        years=5))
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    clear_dispatch_uplift_cache()  # (measured afresh: the cache is keyed by the site)
    yield toml
    clear_dispatch_uplift_cache()


def _measured(note: str) -> bool:
    return bool(note) and "not measured" not in note


def test_pivot_measures_the_flexibility_with_the_files_beside_the_portfolio(moved: Path
                                                                           ) -> None:
    res = run_pivot(load_portfolio(moved), source=str(moved))
    (site,) = res.inputs["site_assumptions"]
    assert _measured(site.get("dispatch_uplift_note", "")), site


def test_simulate_measures_it_beside_the_portfolio(moved: Path) -> None:
    run = prepare(load_portfolio(moved), SimulationConfig(n_paths=10), source=str(moved))
    ((_, (uplift, note)),) = run.task.dispatch_uplifts
    assert uplift is not None and _measured(note), note


def test_optimize_measures_it_beside_the_portfolio(moved: Path) -> None:
    p = resolve_problem(load_portfolio(moved), source=str(moved))
    (site,) = p.sites
    assert _measured(site.dispatch_uplift_note), site.dispatch_uplift_note


def test_relative_names_become_absolute_beside_the_file(tmp_path: Path) -> None:
    text = portfolio_text(site_toml("A", **_SITE, dispatch={
        "emissions_file": "sub/mef.csv",
        "renewable": {"kind": "solar", "capacity_mw": 5.0, "price_usd_per_mwh": 20.0,
                      "profile_file": "/data/pv.csv"}}),
        tail="\n[optimize]\nrules_file = '../rules.csv'\n")
    (tmp_path / "p.toml").write_text(text)
    pf = load_portfolio(tmp_path / "p.toml")
    beside = with_files_beside(pf, str(tmp_path / "p.toml"))
    spec = beside.sites[0].dispatch
    assert spec is not None and spec.renewable is not None and beside.optimize is not None
    assert spec.emissions_file == str(tmp_path.resolve() / "sub" / "mef.csv")
    assert spec.renewable.profile_file == "/data/pv.csv"  # (absolute: kept)
    # the rest unchanged (the rules file as written: its loader reads it beside the file,
    # the reports show its name), the original too; no file, or a placeholder: unchanged
    assert beside.model_dump(exclude={"sites"}) == pf.model_dump(exclude={"sites"})
    assert beside.optimize.rules_file == "../rules.csv"
    assert pf.sites[0].dispatch.emissions_file == "sub/mef.csv"  # type: ignore[union-attr]
    for source in ("", "<request>", "<run parameters>"):
        assert with_files_beside(pf, source) is pf


def test_a_missing_side_file_is_named_on_one_line_of_the_note(moved: Path) -> None:
    (moved.parent / "mef.csv").unlink()
    res = run_pivot(load_portfolio(moved), source=str(moved))
    (site,) = res.inputs["site_assumptions"]
    assert site["dispatch_uplift_note"] == (
        "dispatch uplift not measured (dispatch.emissions_file: file not found: "
        f"{moved.parent.resolve() / 'mef.csv'}); flat mining value used")
