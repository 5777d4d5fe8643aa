"""Errors of the dispatch engine name inputs (issue 8 item 2); the CLI names its options.

The engine speaks of its arguments in backquotes (```prices_file```, ```market```,
```hashprice```) and of fields by their path in the file; ``hashpivot dispatch``
translates the arguments into the options a user typed (``--prices FILE``...).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from hashpivot.cli.app import app
from hashpivot.cli.errors import speak_options
from hashpivot.engines.dispatch import load_prices, resolve_hashprice
from hashpivot.exceptions import DataError, InputError
from hashpivot.models import load_portfolio
from hashpivot.models.dispatch import DispatchSpec

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "dispatch-west-texas.toml"
ENGINE = ROOT / "src" / "hashpivot" / "engines" / "dispatch"
runner = CliRunner()


def _example(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "site.toml"
    text = EXAMPLE.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    return path


def test_no_engine_module_names_an_option() -> None:
    modules = sorted(ENGINE.rglob("*.py"))
    assert ENGINE / "run.py" in modules  # (a moved engine would leave nothing to read)
    for module in modules:
        flags = re.findall(r"[\"' (]--[a-z][\w-]+", module.read_text())
        assert not flags, (module.name, flags)


def test_engine_names_its_arguments(tmp_path: Path) -> None:
    site = load_portfolio(_example(tmp_path, 'market = "ercot:HB_WEST"', "")).sites[0]
    with pytest.raises(InputError) as none:
        load_prices(site, None, None)
    (problem,) = none.value.problems
    assert problem.path == "market" and "--" not in problem.message
    assert "`prices_file`" in problem.message and "`market`" in problem.message
    nope = load_portfolio(_example(tmp_path, '"ercot:HB_WEST"', '"ercot:NOPE"')).sites[0]
    with pytest.raises(InputError,
                       match=r"give `market` \(bundled prices\) or `prices_file`") as unknown:
        load_prices(nope, None, None)
    assert unknown.value.problems[0].path == "power_contract.market"
    index = pd.date_range("2099-01-01", periods=4, freq="h", tz="America/Chicago")
    with pytest.raises(DataError) as late:
        resolve_hashprice(index, DispatchSpec())
    assert "--" not in str(late.value)
    assert "`hashprice` or dispatch.hashprice_usd_per_ph_day" in str(late.value)


def test_cli_translates_arguments_into_options(tmp_path: Path) -> None:
    no_market = _example(tmp_path, 'market = "ercot:HB_WEST"', "")
    out = runner.invoke(app, ["dispatch", str(no_market)])
    assert out.exit_code == 2
    assert out.stderr.startswith(
        "error: <command line>: --market: give --prices FILE, or --market as iso:point:year"
    )
    prices = tmp_path / "prices.csv"
    stamps = pd.date_range("2099-01-01", periods=48, freq="h", tz="America/Chicago")
    prices.write_text("interval_start,price\n" + "".join(
        f"{t.isoformat()},{30 + i % 7}\n" for i, t in enumerate(stamps)))
    late = runner.invoke(app, ["dispatch", str(EXAMPLE), "--prices", str(prices)])
    assert late.exit_code == 2
    assert late.stderr.startswith(f"error: {prices}: --prices: ")
    assert "give a hashprice (--hashprice-usd-per-ph-day or dispatch." in late.stderr
    assert "`hashprice`" not in late.stderr


@pytest.mark.parametrize("market", ["ercot:NOPE", "pjm:WEST", "ercot:LZ_WEST:2023:da", "bogus"])
def test_dispatch_names_a_market_no_bundled_prices_answer_in_the_file(
        tmp_path: Path, market: str) -> None:
    """A contract market no bundled prices answer, on a dispatching site, with no price
    file: ``dispatch`` names it at its field in the file, exit 2 (a key it could not read,
    or ``pjm:WEST``, was put on the ``--market`` option the user had not given, and
    ``pjm:WEST`` read as NYISO's WEST)."""
    site = _example(tmp_path, '"ercot:HB_WEST"', f'"{market}"')
    res = runner.invoke(app, ["dispatch", str(site)])
    assert res.exit_code == 2, res.output
    (line,) = _errors(res)
    assert line.startswith(f"error: {site}: sites[0].power_contract.market: "), line
    if market != "bogus":
        assert "give --market (bundled prices) or --prices FILE" in line


def test_pivot_refuses_a_contract_market_that_is_no_market_reference(tmp_path: Path) -> None:
    """``bogus`` is no ``iso:point[:year][:da]``: bad input for ``pivot`` too (which
    measures the flexibility on the contract market's bundled prices), at the field where
    ``dispatch`` names it, naming no input pivot does not take."""
    site = _example(tmp_path, '"ercot:HB_WEST"', '"bogus"')
    res = runner.invoke(app, ["pivot", str(site)])
    assert res.exit_code == 2, res.output
    (line,) = _errors(res)
    assert line.startswith(f"error: {site}: sites[0].power_contract.market: "), line
    assert "--" not in line and "prices_file" not in line


@pytest.mark.parametrize("market", ["ercot:NOPE", "pjm:WEST", "ercot:LZ_WEST:2023:da"])
def test_pivot_leaves_out_the_flexibility_of_a_market_not_bundled_with_a_note(
        tmp_path: Path, market: str) -> None:
    """A well-formed market no bundled prices answer (a node, an ISO not bundled, or a
    mistyped point) is valid in the file (``dispatch --prices`` runs it): pivot values
    mining flat and says why, with the bundled markets, naming no input it does not take
    (a helper's first fix refused these, so a PJM site with a ``[sites.dispatch]`` table
    could not be valued at all)."""
    from hashpivot.engines.pivot.uplift.measurement import measure_dispatch_uplift

    site = load_portfolio(_example(tmp_path, '"ercot:HB_WEST"', f'"{market}"'))
    uplift, note = measure_dispatch_uplift(site.sites[0])
    assert uplift is None
    assert note.startswith("dispatch uplift not measured (power_contract.market: no bundled "
                           "prices for "), note
    assert "; bundled: ercot:" in note and "ercot:HB_WEST:2024," in note, note
    assert "`" not in note, note


def test_a_market_year_not_bundled_leaves_the_flexibility_out_with_a_note(
        tmp_path: Path) -> None:
    """A valid market whose year is not bundled: its prices are merely not there, a note
    (the flexibility left out), naming no input pivot does not take."""
    from hashpivot.engines.pivot.uplift.measurement import measure_dispatch_uplift

    site = load_portfolio(_example(tmp_path, '"ercot:HB_WEST"', '"ercot:HB_WEST:2019"'))
    uplift, note = measure_dispatch_uplift(site.sites[0])
    assert uplift is None
    # (the node's bundled year suggested: io.bundled_markets' rule, since 2026-12-07)
    assert note.startswith("dispatch uplift not measured (power_contract.market: no bundled "
                           "prices for ercot:HB_WEST:2019; did you mean ercot:HB_WEST:2024?; "
                           "bundled: "), note
    assert "`" not in note


def test_speak_options_replaces_only_backquoted_arguments() -> None:
    words = {"market": "--market", "prices_file": "--prices FILE"}
    assert speak_options("the market: give `prices_file` or `market`", words) == (
        "the market: give --prices FILE or --market"
    )


def _with_side_files(tmp_path: Path, capacity_mw: float = 50.0) -> Path:
    """The example naming an emissions file and a solar profile, neither of them there."""
    path = _example(tmp_path, "  [sites.dispatch]\n",
                    '  [sites.dispatch]\n  emissions_file = "mef.csv"\n')
    text = path.read_text().replace(
        "    capacity_mw = 50.0\n    price_usd_per_mwh = 28.0\n",
        f'    capacity_mw = {capacity_mw}\n    price_usd_per_mwh = 28.0\n'
        '    profile_file = "pv.csv"\n')
    assert 'profile_file = "pv.csv"' in text
    path.write_text(text)
    return path


def _dispatch(site: Path, prices: Path) -> Result:
    """``hashpivot dispatch SITE --prices PRICES`` at a hashprice of 50 USD/PH/day."""
    return runner.invoke(app, ["dispatch", str(site), "--prices", str(prices),
                               "--hashprice-usd-per-ph-day", "50"])


def _error_line(site: Path, prices: Path) -> str:
    """The one error line of :func:`_dispatch`, which exits 2 (no Python warning line)."""
    res = _dispatch(site, prices)
    assert res.exit_code == 2 and "Warning" not in res.output, res.output
    (line,) = _errors(res)
    return line


def _errors(res: object) -> list[str]:
    return [line for line in str(getattr(res, "output", "")).splitlines()
            if line.startswith("error: ")]


def test_every_side_file_missing_is_listed_with_the_price_option(tmp_path: Path) -> None:
    """A missing --prices file and both missing side files: three errors at once (the
    engine stopped at the first file it could not read)."""
    site = _with_side_files(tmp_path)
    res = runner.invoke(app, ["dispatch", str(site), "--prices", str(tmp_path / "p.csv")])
    assert res.exit_code == 2, res.output
    folder = tmp_path.resolve()
    assert _errors(res) == [
        f"error: <command line>: --prices: file not found: {tmp_path / 'p.csv'}",
        f"error: {site}: sites[0].dispatch.renewable.profile_file: file not found: "
        f"{folder / 'pv.csv'}",
        f"error: {site}: sites[0].dispatch.emissions_file: file not found: "
        f"{folder / 'mef.csv'}",
    ], res.output
    # with the bundled prices: the two side files at once
    res = runner.invoke(app, ["dispatch", str(site), "--market", "ercot:HB_WEST:2024"])
    assert res.exit_code == 2 and len(_errors(res)) == 2, res.output


def test_a_file_the_dispatch_does_not_read_is_not_an_error(tmp_path: Path) -> None:
    """No solar capacity: the profile is not read (as before), only the emissions file."""
    site = _with_side_files(tmp_path, capacity_mw=0.0)
    res = runner.invoke(app, ["dispatch", str(site), "--market", "ercot:HB_WEST:2024"])
    assert res.exit_code == 2
    assert [e.split(": ")[2] for e in _errors(res)] == ["sites[0].dispatch.emissions_file"]


def test_unreadable_side_files_are_listed_together(tmp_path: Path) -> None:
    """Two side files that exist but cannot be read as series: both, each at its field."""
    site = _with_side_files(tmp_path)
    (tmp_path / "mef.csv").write_text("not,a\nseries,at all\n")
    (tmp_path / "pv.csv").write_bytes(b"")
    res = runner.invoke(app, ["dispatch", str(site), "--market", "ercot:HB_WEST:2024"])
    assert res.exit_code == 2, res.output
    fields = [e.split(": ")[2] for e in _errors(res)]
    assert fields == ["sites[0].dispatch.renewable.profile_file",
                      "sites[0].dispatch.emissions_file"], res.output


def test_the_library_lists_a_bad_price_file_with_the_side_files(tmp_path: Path) -> None:
    from hashpivot.engines.dispatch import run_dispatch_file

    site = _with_side_files(tmp_path)
    (tmp_path / "p.csv").write_text("timestamp,price\nnotatime,1\n")
    with pytest.raises(InputError) as err:
        run_dispatch_file(site, prices_file=tmp_path / "p.csv")
    paths = [p.path for p in err.value.problems]
    assert paths[1:] == ["sites[0].dispatch.renewable.profile_file",
                         "sites[0].dispatch.emissions_file"], err.value.problems
    assert paths[0] == "prices_file" and "notatime" in err.value.problems[0].message


def test_side_files_are_listed_with_the_schema_problems_elsewhere(tmp_path: Path) -> None:
    """A value out of bounds in another table and the missing side files: all at once
    (the side files of a dispatch table that is itself valid are checked before the rest
    of the file is)."""
    site = _with_side_files(tmp_path)
    site.write_text(site.read_text().replace("capacity_mw = 300.0", "capacity_mw = -300.0"))
    res = runner.invoke(app, ["dispatch", str(site), "--market", "ercot:HB_WEST:2024"])
    assert res.exit_code == 2, res.output
    assert [e.split(": ")[2] for e in _errors(res)] == [
        "sites[0].capacity_mw", "sites[0].dispatch.renewable.profile_file",
        "sites[0].dispatch.emissions_file"], res.output
    # a dispatch table with problems of its own: those only (its files are not looked at)
    site.write_text(site.read_text().replace("ai_load_mw = 50.0", "ai_load_mw = -50.0"))
    res = runner.invoke(app, ["dispatch", str(site), "--market", "ercot:HB_WEST:2024"])
    assert [e.split(": ")[2] for e in _errors(res)] == [
        "sites[0].capacity_mw", "sites[0].dispatch.ai_load_mw"], res.output


def test_side_files_out_of_range_are_listed_together(tmp_path: Path) -> None:
    """Read, each file is checked against the prices: a profile of 30 and emissions of 50
    are both listed (one showed a run, the next once it was fixed)."""
    site = _with_side_files(tmp_path)
    idx = pd.date_range("2024-01-01", periods=366 * 24, freq="h", tz="America/Chicago")
    stamps = idx.strftime("%Y-%m-%dT%H:%M:%S%z")
    pd.DataFrame({"interval_start": stamps, "capacity_factor": 30.0}).to_csv(
        tmp_path / "pv.csv", index=False)
    pd.DataFrame({"interval_start": stamps, "tco2_per_mwh": 50.0}).to_csv(
        tmp_path / "mef.csv", index=False)
    res = runner.invoke(app, ["dispatch", str(site), "--market", "ercot:HB_WEST:2024"])
    assert res.exit_code == 2, res.output
    assert [(e.split(": ")[2], e.split(": ")[3]) for e in _errors(res)] == [
        ("sites[0].dispatch.renewable.profile_file", "profile values must be in 0..1"),
        ("sites[0].dispatch.emissions_file",
         "emissions factors must lie within 0-5 t CO2/MWh")], res.output


def test_a_side_file_is_spoken_of_in_its_own_words(tmp_path: Path) -> None:
    """The price reader's messages named a price column and a library argument
    (``price_column``) for an emissions file."""
    site = _example(tmp_path, "  [sites.dispatch]\n",
                    '  [sites.dispatch]\n  emissions_file = "mef.csv"\n')
    (tmp_path / "mef.csv").write_text("interval_start,a,b\n2024-01-01T00:00:00-06:00,1,2\n")
    res = runner.invoke(app, ["dispatch", str(site), "--market", "ercot:HB_WEST:2024"])
    assert res.exit_code == 2
    (line,) = _errors(res)
    assert "sites[0].dispatch.emissions_file: cannot tell which column holds the emissions " \
           "factor: give a timestamp column and one numeric column (columns: " in line, line
    assert "price" not in line.split("dispatch.emissions_file")[1]


def test_an_infinite_price_is_the_price_files_problem(tmp_path: Path) -> None:
    """An ``inf`` in a price file was reported on the portfolio file, at
    ``sites[0].dispatch``, as ``price_usd_per_mwh_series has 1 non-finite values``."""
    prices = tmp_path / "px.csv"
    idx = pd.date_range("2024-08-19", periods=8, freq="h", tz="America/Chicago")
    pd.DataFrame({"interval_start": idx.strftime("%Y-%m-%dT%H:%M:%S%z"),
                  "price": [20.0] * 7 + [float("inf")]}).to_csv(prices, index=False)
    res = _dispatch(EXAMPLE, prices)
    assert res.exit_code == 2
    assert _errors(res) == [f"error: {prices}: --prices: price column 'price' has 1 "
                            "infinite value(s), first at row 8"], res.output


def test_a_price_beyond_any_market_is_noted(tmp_path: Path) -> None:
    """A price of 1e12 USD/MWh ran without a word (net margin -5e12 USD). One beyond what
    US markets have printed but below ten times their caps (30,000 USD/MWh: a slip of
    zeros?) runs, with a note asking for the file's unit; 1e12 is now an error
    (tests/cli/test_bad_input.py)."""
    prices = tmp_path / "px.csv"
    idx = pd.date_range("2024-08-19", periods=8, freq="h", tz="America/Chicago")
    pd.DataFrame({"interval_start": idx.strftime("%Y-%m-%dT%H:%M:%S%z"),
                  "price": [20.0] * 7 + [3e4]}).to_csv(prices, index=False)
    res = _dispatch(EXAMPLE, prices)
    assert res.exit_code == 0, res.output
    assert "irregular steps" not in res.output  # (the gap warning is the gaps' alone)
    assert ("note: 1 price(s) outside -5,000 to 20,000 USD/MWh (from 20 to 30,000), beyond "
            "what US power markets have printed: check the file's unit (USD/MWh)") in (
        " ".join(res.output.split())), res.output


def test_prices_at_two_interval_lengths_are_an_error(tmp_path: Path) -> None:
    """Two weeks of hourly rows, then two of 15-minute rows: the median step (15 minutes)
    was given to every row, so the hourly part counted a quarter of its energy (261 h of
    336), with a Python warning line. It is now an error at the file, saying where the
    length changes; a few missing rows stay a note."""
    hourly = pd.date_range("2024-08-01", periods=14 * 24, freq="h", tz="America/Chicago")
    quarter = pd.date_range(hourly[-1] + pd.Timedelta(hours=1), periods=14 * 96,
                            freq="15min")
    idx = hourly.append(quarter)
    prices = tmp_path / "px.csv"
    pd.DataFrame({"interval_start": idx.strftime("%Y-%m-%dT%H:%M:%S%z"),
                  "price": 30.0}).to_csv(prices, index=False)
    line = _error_line(EXAMPLE, prices)
    assert line == (f"error: {prices}: --prices: the price intervals are not of one length: "
                    "336 steps in a row of 60 minutes from 2024-08-01 00:00:00-05:00, where "
                    "the median step is 15 minutes; resample the file to one interval"), line
    # rows missing here and there, 1.5 % of a 15-minute file (each its own step): a note,
    # no Python warning line (a review: counting them as another length refused it)
    gappy = quarter.delete(list(range(7, len(quarter), 67)))
    pd.DataFrame({"interval_start": gappy.strftime("%Y-%m-%dT%H:%M:%S%z"),
                  "price": 30.0}).to_csv(prices, index=False)
    res = _dispatch(EXAMPLE, prices)
    assert res.exit_code == 0, res.output
    assert (f"the price series has {len(quarter) - len(gappy)} irregular steps"
            in " ".join(res.output.split()))
    assert "UserWarning" not in res.output


def _dam_export(path: Path, points: tuple[str, ...]) -> Path:
    """An ERCOT DAM SPP export as the website writes it (hour ending 01:00..24:00)."""
    rows = [f'"08/19/2024","{h:02d}:00","N","{p}","{30 + h}"\n'
            for h in range(1, 25) for p in points]
    path.write_text('"Delivery Date","Hour Ending","Repeated Hour Flag","Settlement Point",'
                    '"Settlement Point Price"\n' + "".join(rows))
    return path


def test_a_price_file_of_another_point_than_the_contracts_is_an_error(tmp_path: Path) -> None:
    """The site's contract is at HB_WEST; a file of LZ_WEST alone was dispatched without a
    word (the reader asked for HB_WEST, then for any point), the output naming no point."""
    prices = _dam_export(tmp_path / "dam.csv", ("LZ_WEST",))
    line = _error_line(EXAMPLE, prices)
    assert line == (f"error: {prices}: --prices: 'HB_WEST' not in the file; available: "
                    "LZ_WEST (the point of the site's power_contract.market, ercot:HB_WEST)"
                    ), line


def test_a_price_file_of_several_points_names_where_to_choose_one(tmp_path: Path) -> None:
    """A site without a contract market and a file of two points: the error was at
    ``sites[0].settlement point``, a field no site file has."""
    site = _example(tmp_path, 'market = "ercot:HB_WEST"', "")
    prices = _dam_export(tmp_path / "dam.csv", ("HB_WEST", "LZ_WEST"))
    line = _error_line(site, prices)
    assert line == (f"error: {prices}: --prices: the file holds 2 settlement points; choose "
                    "one of HB_WEST, LZ_WEST (name it in the site's power_contract.market "
                    "as iso:point)"), line
    ok = _dispatch(EXAMPLE, prices)
    assert ok.exit_code == 0, ok.output
    assert "DAM SPP at HB_WEST" in " ".join(ok.output.split())


@pytest.mark.parametrize(("factor", "unit"), [(0.001, "USD/kWh"), (0.1, "c/kWh")])
def test_prices_that_look_like_kwh_are_noted(tmp_path: Path, factor: float, unit: str) -> None:
    """A vendor file of 0.03 USD/kWh in a column named ``price`` ran as 0.03 USD/MWh
    without a word: power nearly free, mining never curtailed."""
    prices = tmp_path / "px.csv"
    idx = pd.date_range("2024-08-19", periods=48, freq="h", tz="America/Chicago")
    pd.DataFrame({"interval_start": idx.strftime("%Y-%m-%dT%H:%M:%S%z"),
                  "price": [round((25 + i % 9) * factor, 4) for i in range(48)]}
                 ).to_csv(prices, index=False)
    res = _dispatch(EXAMPLE, prices)
    assert res.exit_code == 0, res.output
    assert (f"is the file in {unit}?" in " ".join(res.output.split())), res.output
    real = tmp_path / "real.csv"  # a windy week of West Texas prices is no unit slip
    pd.DataFrame({"interval_start": idx.strftime("%Y-%m-%dT%H:%M:%S%z"),
                  "price": [(-5.0 if i % 3 else 55.0) for i in range(48)]}).to_csv(real,
                                                                                  index=False)
    calm = _dispatch(EXAMPLE, real)
    assert calm.exit_code == 0 and "kWh" not in calm.output, calm.output
    # a windier one averages below zero (-3.3 USD/MWh): a file in c/kWh never does
    pd.DataFrame({"interval_start": idx.strftime("%Y-%m-%dT%H:%M:%S%z"),
                  "price": [(-25.0 if i % 3 else 40.0) for i in range(48)]}).to_csv(real,
                                                                                   index=False)
    windy = _dispatch(EXAMPLE, real)
    assert windy.exit_code == 0 and "kWh" not in windy.output, windy.output


def test_the_irregular_steps_note_says_where_the_prices_miss(tmp_path: Path) -> None:
    """A price file without a day (and three lone hours) got "the price series has 4
    irregular steps" without where: the note and --json name the gaps, the time they
    miss and the first gap's span (the first interval missing, the next one present)."""
    idx = pd.date_range("2024-08-01", periods=14 * 24, freq="h", tz="America/Chicago")
    day = (idx >= "2024-08-05") & (idx < "2024-08-06")
    lone = idx.isin(idx[[200, 250, 300]])
    prices = tmp_path / "px.csv"
    kept = idx[~day & ~lone]
    pd.DataFrame({"interval_start": kept.strftime("%Y-%m-%dT%H:%M:%S%z"),
                  "price": 30.0}).to_csv(prices, index=False)
    res = _dispatch(EXAMPLE, prices)
    assert res.exit_code == 0, res.output
    assert ("note: the price series has 4 irregular steps (missing or extra intervals): "
            "4 gaps, 27 h missing in all, the first from 2024-08-05 00:00:00-05:00 to "
            "2024-08-06 00:00:00-05:00; every interval counts the median step, missing ones "
            "are not filled") in " ".join(res.output.split()), res.output
    res = runner.invoke(app, ["dispatch", str(EXAMPLE), "--prices", str(prices),
                              "--hashprice-usd-per-ph-day", "50", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert {k: out[k] for k in ("price_gaps", "price_missing_gaps", "price_missing_hours",
                                "price_gap_first_start", "price_gap_first_end")} == {
        "price_gaps": 4, "price_missing_gaps": 4, "price_missing_hours": 27.0,
        "price_gap_first_start": "2024-08-05 00:00:00-05:00",
        "price_gap_first_end": "2024-08-06 00:00:00-05:00"}
