"""A portfolio's side files (``*_file`` fields) are read beside the portfolio file, by every
engine, whatever the working folder: the same file gives the same verdict wherever it is
run from.

The dispatch engine read them beside the file; pivot, simulate and optimize measured a
dispatching site's flexibility (:mod:`hashpivot.engines.pivot.uplift.measurement`) with
the names read against the working folder, so a relative ``emissions_file`` was "not
found" from another folder and the flat mining value was used: another verdict.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hashpivot.engines.pivot import run_pivot
from hashpivot.engines.pivot.uplift.cache import clear_dispatch_uplift_cache
from hashpivot.engines.simulate import SimulationConfig, prepare
from hashpivot.models import load_portfolio
from hashpivot.models.file_refs import with_files_beside
from hashpivot.optimize.resolve import resolve_problem
from tests.optimize.optimize_inputs import portfolio_text, site_toml

_SITE = {"region": "ERCOT", "price": 40.0, "hashrate": 120.0, "kind": "index",
         "market": "ercot:HB_WEST"}


@pytest.fixture
def moved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A portfolio file in ``site/`` naming ``mef.csv`` (emissions) and ``pv.csv`` (a solar
    profile, which the flexibility is measured with) beside it, with the working folder
    ``elsewhere/`` (where neither is)."""
    folder = tmp_path / "site"
    folder.mkdir()
    idx = pd.date_range("2024-01-01", periods=366 * 24, freq="h", tz="America/Chicago")
    stamps = idx.strftime("%Y-%m-%dT%H:%M:%S%z")
    pd.DataFrame({"interval_start": stamps, "tco2_per_mwh": np.full(len(idx), 0.4)}).to_csv(
        folder / "mef.csv", index=False)
    pd.DataFrame({"interval_start": stamps, "capacity_factor": np.full(len(idx), 0.3)}
                 ).to_csv(folder / "pv.csv", index=False)
    toml = folder / "portfolio.toml"
    toml.write_text(portfolio_text(site_toml(
        "A", **_SITE, dispatch={
            "availability_fraction": 0.95, "emissions_file": "mef.csv",
            "renewable": {"kind": "solar", "capacity_mw": 5.0, "price_usd_per_mwh": 20.0,
                          "profile_file": "pv.csv"}}),
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


@pytest.mark.parametrize("engine", ["pivot", "simulate", "optimize"])
def test_a_side_file_that_cannot_be_read_stops_every_engine(moved: Path, engine: str
                                                            ) -> None:
    """As dispatch: a problem at the file's field (the flexibility was left out with a
    note in a table cell and the run went on: another verdict, exit 0)."""
    from hashpivot.exceptions import InputError

    (moved.parent / "pv.csv").unlink()
    pf = load_portfolio(moved)
    with pytest.raises(InputError) as err:
        if engine == "pivot":
            run_pivot(pf, source=str(moved))
        elif engine == "simulate":
            prepare(pf, SimulationConfig(n_paths=10), source=str(moved))
        else:
            resolve_problem(pf, source=str(moved))
    assert [(p.path, p.message) for p in err.value.problems] == [
        ("sites[0].dispatch.renewable.profile_file",
         f"file not found: {moved.parent.resolve() / 'pv.csv'}")]


def test_an_emissions_file_moves_no_dollar_and_stops_only_the_co2(moved: Path) -> None:
    """The flexibility is measured without the emissions (no carbon price): an emissions
    file the bundled year's prices outrun, or one missing, does not stop simulate or
    optimize, which report no CO2; pivot, which does, stops at its field."""
    from hashpivot.exceptions import InputError

    mef = moved.parent / "mef.csv"
    mef.write_text("\n".join(mef.read_text().splitlines()[:49]) + "\n")  # two days only
    pf = load_portfolio(moved)
    res = run_pivot(pf)
    (site,) = res.inputs["site_assumptions"]
    assert _measured(site.get("dispatch_uplift_note", "")), site
    mef.unlink()
    prepare(load_portfolio(moved), SimulationConfig(n_paths=10))
    resolve_problem(load_portfolio(moved))
    with pytest.raises(InputError) as err:
        run_pivot(load_portfolio(moved))
    assert [p.path for p in err.value.problems] == ["sites[0].dispatch.emissions_file"]


def test_a_flexibility_not_measured_is_a_warning() -> None:
    """Not only a cell of the assumptions table: a warning line says the flat mining value
    is used (a fixed-price site with a dispatch table and no market to measure it on)."""
    from tests.optimize.optimize_inputs import portfolio

    pf = portfolio(site_toml("A", dispatch={"availability_fraction": 0.95}), years=5)
    res = run_pivot(pf)
    assert any(w.startswith("sites[0] 'A': dispatch uplift not measured (") and
               w.endswith("flat mining value used") for w in res.warnings), res.warnings


def test_a_loaded_portfolio_remembers_its_file(moved: Path) -> None:
    """``load_portfolio`` keeps the file's name: the engines read its side files beside it
    without a ``source`` (a notebook's ``run_pivot(load_portfolio(path))``); a portfolio
    parsed from text or built in code has none."""
    from hashpivot.models import parse_portfolio

    pf = load_portfolio(moved)
    assert pf.source_file == str(moved)  # (absolute as given)
    assert pf.model_copy().source_file == str(moved)
    (site,) = run_pivot(pf).inputs["site_assumptions"]
    assert _measured(site.get("dispatch_uplift_note", "")), site
    parsed = parse_portfolio(moved.read_text(), str(moved))
    assert parsed.source_file == ""
    assert parsed == pf and pf == parsed  # (where it was read from is not its value)
    assert pf.source_file == str(moved)  # (and comparing did not change it)


def test_a_portfolio_loaded_by_a_relative_name_reads_beside_it_after_a_chdir(
        moved: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A notebook loads ``site/portfolio.toml`` and then changes folder: the side files
    are still read beside the file it loaded (the name was kept as given and resolved
    against the new folder: "not found", the flat mining value used)."""
    monkeypatch.chdir(moved.parent.parent)
    pf = load_portfolio(Path("site") / "portfolio.toml")
    assert Path(pf.source_file).is_absolute() and Path(pf.source_file) == moved
    monkeypatch.chdir(moved.parent.parent / "elsewhere")
    (site,) = run_pivot(pf).inputs["site_assumptions"]
    assert _measured(site.get("dispatch_uplift_note", "")), site


def test_an_edited_side_file_is_measured_again(moved: Path, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    """The curves are kept per site and process; one measured from a side file is measured
    again once the file changes (a notebook kept the old curve until the cache was
    cleared), and not otherwise."""
    import hashpivot.engines.pivot.uplift.cache as um

    calls: list[str] = []
    real = um.measure_dispatch_uplift

    def counted(site: object) -> um.Measured:
        calls.append("measured")
        return real(site)  # type: ignore[arg-type]

    monkeypatch.setattr(um, "measure_dispatch_uplift", counted)
    site = with_files_beside(load_portfolio(moved), str(moved)).sites[0]
    first = um.site_dispatch_uplift(site)
    assert um.site_dispatch_uplift(site) is first and len(calls) == 1
    mef = moved.parent / "mef.csv"  # (not read by the measurement: no carbon price)
    mef.write_text(mef.read_text().replace(",0.4\n", ",0.35\n"))
    assert um.site_dispatch_uplift(site) is first and len(calls) == 1
    pv = moved.parent / "pv.csv"
    pv.write_text(pv.read_text().replace(",0.3\n", ",0.25\n"))
    assert um.site_dispatch_uplift(site) is not first and len(calls) == 2
    # a curve handed over by the task (measured in the parent) is taken as it is
    um.clear_dispatch_uplift_cache()
    um.remember_dispatch_uplifts([(site.model_dump_json(), first)])
    assert um.site_dispatch_uplift(site) is first and len(calls) == 2


def test_a_nul_byte_in_a_side_file_name_is_a_problem_at_its_field(moved: Path) -> None:
    """``emissions_file = "a\\u0000b.csv"`` was an internal error (ValueError: embedded
    null byte) in pivot, simulate and optimize."""
    from hashpivot.exceptions import InputError

    moved.write_text(moved.read_text().replace('"pv.csv"', '"p\\u0000v.csv"'))
    pf = load_portfolio(moved)
    assert "\x00" in pf.sites[0].dispatch.renewable.profile_file  # type: ignore[union-attr]
    with pytest.raises(InputError) as err:
        run_pivot(pf)
    assert [p.path for p in err.value.problems] == ["sites[0].dispatch.renewable.profile_file"]


def test_the_optimizer_reads_the_rules_file_beside_a_loaded_portfolio(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``optimize_plan(load_portfolio(path), config)`` from another folder: its check of
    the plan in pivot lost the rules file (``center_path_check`` held the error)."""
    import shutil

    from hashpivot.optimize import OptimizeConfig, optimize_plan

    examples = Path(__file__).parents[2] / "examples"
    for name in ("portfolio.toml", "regulation-extra.csv"):
        shutil.copy(examples / name, tmp_path / name)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    res = optimize_plan(load_portfolio(tmp_path / "portfolio.toml"),
                        OptimizeConfig(n_scenarios=2, oos_scenarios=2, evpi_scenarios=1,
                                       deterministic=True))
    assert "pivot_error" not in (res.center_path_check or {}), res.center_path_check
