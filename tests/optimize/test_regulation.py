"""Regulation rules as data: the New York moratorium bars what it should and nothing else."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import numpy as np
import pytest

from hashpivot.exceptions import InputError
from hashpivot.io.regulation import (
    _parse_regulation_rules,
    load_regulation_rules,
    read_regulation_rules,
)
from hashpivot.optimize import resolve_problem
from hashpivot.optimize.run import coefficient_task, scenario_params
from hashpivot.optimize.scenarios import coefficient_chunk
from hashpivot.regulation import rule_matches, site_effects

from .optimize_inputs import portfolio, site_toml

NY = next(r for r in load_regulation_rules() if r.rule_id == "ny_pow_moratorium_2022")
IN_FORCE = (dt.date(2023, 1, 1), dt.date(2032, 12, 31))


def _site(state: str, source: str, btm: bool):
    pf = portfolio(site_toml("S", state=state, region="NYISO", power_source=source,
                             behind_the_meter=btm))
    return pf.sites[0]


@pytest.mark.parametrize(
    ("state", "source", "btm", "applies"),
    [
        ("NY", "natural_gas", True, True),   # the target: BTM carbon-fuel mining in NY
        ("NY", "coal", True, True),
        ("NY", "natural_gas", False, False),  # grid-powered: not covered
        ("NY", "grid", False, False),
        ("NY", "hydro", True, False),         # renewable-powered: not covered
        ("TX", "natural_gas", True, False),   # another state
    ],
)
def test_new_york_rule_matches_only_btm_carbon_fuel_sites(state, source, btm, applies) -> None:
    site = _site(state, source, btm)
    assert rule_matches(NY, site) is applies
    eff = site_effects(site, [NY], *IN_FORCE)
    assert eff.no_new_mining is applies
    # it never bars conversion, caps MW, delays or costs anything
    assert eff.conversion_bans == () and eff.cap_mw == np.inf
    assert eff.delay_quarters == 0 and eff.cost_usd == 0.0


def test_new_york_rule_is_dated() -> None:
    site = _site("NY", "natural_gas", True)
    assert site_effects(site, [NY], dt.date(2026, 1, 1), dt.date(2035, 12, 31)).rules == ()
    assert NY.in_force(dt.date(2024, 11, 22), dt.date(2030, 1, 1))


def test_rule_removes_fleet_replacement_at_that_site_only() -> None:
    ny = dataclasses.replace(NY, effective_end=None)  # an open-ended moratorium
    # cheap power and old machines (35 J/TH)
    pf = portfolio(site_toml("NY gas", state="NY", region="NYISO", price=15.0,
                             hashrate=100.0, power_source="natural_gas",
                             behind_the_meter=True),
                   site_toml("NY grid", state="NY", region="NYISO",
                             power_source="grid"),
                   years=10)
    assert pf.pivot is not None  # machines at 2 USD/TH: replacing pays on some paths
    pf = pf.model_copy(update={"pivot": pf.pivot.model_copy(
        update={"replacement_capex_usd_per_th": 2.0})})
    with_rule = resolve_problem(pf, rules=[ny])
    without = resolve_problem(pf, rules=[])
    assert with_rule.site_specs[0].fleet_replacement_years is None
    assert with_rule.site_specs[1] == without.site_specs[1]
    params, _ = scenario_params(with_rule, 0)
    ss = np.random.SeedSequence(5)
    _, a = coefficient_chunk(coefficient_task(with_rule, params), 0, 20, ss)
    _, b = coefficient_chunk(coefficient_task(without, params), 0, 20, ss)
    # the grid site is untouched; the gas site's mining changes where replacement paid
    np.testing.assert_array_equal(a.mining_loss_usd_per_mw[:, 1], b.mining_loss_usd_per_mw[:, 1])
    assert not np.array_equal(a.mining_loss_usd_per_mw[:, 0], b.mining_loss_usd_per_mw[:, 0])
    # no conversion is barred by it
    np.testing.assert_array_equal(with_rule.x_upper_mw, without.x_upper_mw)


def test_rules_file_problems_are_all_reported() -> None:
    text = (
        "rule_id,jurisdiction,state,iso,power_source,behind_the_meter,min_load_mw,"
        "connected_after,connected_before,effect,value,effective_start,effective_end,source,"
        "summary\n"
        "a,X,,,,maybe,,,,cap_mw,,2020-13-01,,,s\n"
    )
    with pytest.raises(InputError) as exc:
        read_regulation_rules(io.StringIO(text))
    paths = {p.path for p in exc.value.problems}
    assert paths == {"rules[0].behind_the_meter", "rules[0].value",
                     "rules[0].effective_start", "rules[0].source"}


def test_a_rule_that_can_match_no_site_or_no_day_is_a_problem() -> None:
    """A power source no site can have (``naturalgas``, ``unicorn``), a rule in force
    until before it starts and a connection window that closes before it opens: each
    rule applied to nothing, without a word (a typo in a moratorium's source list left
    the gas sites it was written for unbarred). Each is a problem at its cell."""
    text = (
        "rule_id,jurisdiction,state,iso,power_source,behind_the_meter,min_load_mw,"
        "connected_after,connected_before,effect,value,effective_start,effective_end,source,"
        "summary\n"
        "a,X,NY,,naturalgas;coal,true,,,,forbid_new_mining,,2022-11-22,,s,x\n"
        "b,X,NY,,,,,,,forbid_new_mining,,2024-11-22,2022-11-22,s,x\n"
        "c,X,NY,,,,,2026-01-01,2025-01-01,forbid_new_mining,,,,s,x\n"
        "d,X,NY,,Natural_Gas; grid,,,2025-01-01,2026-01-01,forbid_new_mining,,2024-01-01,"
        "2024-01-01,s,x\n"
    )
    with pytest.raises(InputError) as exc:
        read_regulation_rules(io.StringIO(text))
    problems = {p.path: p.message for p in exc.value.problems}
    assert set(problems) == {"rules[0].power_source", "rules[1].effective_end",
                             "rules[2].connected_before"}, problems
    assert problems["rules[0].power_source"].startswith(
        "line 2: 'naturalgas' is not one of grid, natural_gas, coal,"), problems
    assert "before effective_start 2024-11-22" in problems["rules[1].effective_end"]
    assert "not after connected_after 2026-01-01" in problems["rules[2].connected_before"]


def test_bundled_table_has_the_required_rules() -> None:
    ids = {r.rule_id for r in load_regulation_rules()}
    assert {"ny_pow_moratorium_2022", "tx_sb1929_registration", "ercot_large_load_study",
            "tx_sb6_disconnect_disclosure"} <= ids
    assert all(r.source for r in load_regulation_rules())
    import pandas as pd

    with pytest.raises(InputError):
        _parse_regulation_rules(pd.DataFrame({"rule_id": ["x"]}))


def _bundled(rule_id: str):
    return next(r for r in load_regulation_rules() if r.rule_id == rule_id)


def _texas_site(capacity_mw: float, connection_date: str = "2026-02-01"):
    pf = portfolio(site_toml("T", capacity=capacity_mw, state="TX", region="ERCOT",
                             iso="ERCOT", power_source="grid", behind_the_meter=False,
                             connection_date=connection_date))
    return pf.sites[0]


@pytest.mark.parametrize(
    ("rule_id", "at_75", "above"),
    [
        # SB 1929, Utilities Code § 39.360(b)(1): "a total load of more than 75 megawatts"
        ("tx_sb1929_registration", False, True),
        # SB 6, § 37.0561(a), (c): an interconnection that "exceeds" the 75 MW threshold
        ("tx_sb6_study_fee", False, True),
        # ERCOT's large-load interconnection process: 75 MW or more
        ("ercot_large_load_study", True, True),
    ],
)
def test_texas_thresholds_are_more_than_or_at_least_75_mw_as_the_texts_say(
        rule_id: str, at_75: bool, above: bool) -> None:
    rule = _bundled(rule_id)
    assert rule_matches(rule, _texas_site(75.0)) is at_75
    assert rule_matches(rule, _texas_site(75.5)) is above
    assert rule_matches(rule, _texas_site(74.5)) is False


def test_a_75_mw_texas_site_pays_no_sb6_study_fee() -> None:
    eff = site_effects(_texas_site(75.0), load_regulation_rules(),
                       dt.date(2026, 1, 1), dt.date(2035, 12, 31))
    assert eff.cost_usd == 0.0
    assert "tx_sb6_study_fee" not in {r.rule_id for r in eff.rules}
    assert eff.delay_quarters == 2  # the ERCOT study (75 MW or more) still applies


def test_an_exclusive_threshold_is_read_from_a_leading_greater_than() -> None:
    text = (
        "rule_id,jurisdiction,state,iso,power_source,behind_the_meter,min_load_mw,"
        "connected_after,connected_before,effect,value,effective_start,effective_end,source,"
        "summary\n"
        "a,X,,,,,>75,,,record_obligation,,,,src,s\n"
        "b,X,,,,,75,,,record_obligation,,,,src,s\n"
        "c,X,,,,,>x,,,record_obligation,,,,src,s\n"
    )
    with pytest.raises(InputError) as exc:
        read_regulation_rules(io.StringIO(text))
    assert [p.path for p in exc.value.problems] == ["rules[2].min_load_mw"]
    a, b = read_regulation_rules(io.StringIO(text.rsplit("c,X", 1)[0]))
    assert (a.min_load_mw, a.min_load_exclusive) == (75.0, True)
    assert (b.min_load_mw, b.min_load_exclusive) == (75.0, False)


_COLUMNS = ("rule_id,jurisdiction,state,iso,power_source,behind_the_meter,min_load_mw,"
            "connected_after,connected_before,effect,value,effective_start,effective_end,"
            "source,summary")


def test_an_unknown_column_is_refused_with_the_nearest_known_one() -> None:
    """A column the reader does not know was dropped without a word: ``stat`` beside
    ``state`` (a rule meant for one state read as one for every state had it replaced
    ``state``). Each unknown column is named, with the nearest known one where close;
    a known one it replaced is listed missing with it, with the file."""
    header = _COLUMNS.replace(",effect,", ",efect,") + ",stat,Notes"
    text = header + "\na,X,,,,,,,,cap_mw,10,,,src,s,TX,\n"
    with pytest.raises(InputError) as exc:
        read_regulation_rules(io.StringIO(text))
    problems = [(p.path, p.message, p.source) for p in exc.value.problems]
    assert problems == [
        ("rules", "missing columns: effect", "<buffer>"),
        ("rules", "line 1: unknown column 'efect'; did you mean 'effect'?", "<buffer>"),
        ("rules", "line 1: unknown column 'stat'; did you mean 'state'?", "<buffer>"),
        ("rules", "line 1: unknown column 'Notes' (the columns: " + ", ".join(
            _COLUMNS.split(",")) + ")", "<buffer>"),
    ], problems
    # a column with no name: none when it holds no cell (a trailing comma), else named
    row = "a,X,,,,,,,,cap_mw,10,,,src,s,"
    assert read_regulation_rules(io.StringIO(f"{_COLUMNS},\n{row}\n"))
    with pytest.raises(InputError) as exc:
        read_regulation_rules(io.StringIO(f"{_COLUMNS},\n{row}TX\n"))
    assert [p.message for p in exc.value.problems] == [
        "line 1: column 16 has no name but holds cells"]


def test_rows_longer_or_shorter_than_the_header_are_refused_at_their_line() -> None:
    """Every row one cell longer than the header shifted each cell one column to the
    left (pandas took the first column as the index): the ids became jurisdictions."""
    row = "a,X,TX,ERCOT,,,,,,cap_mw,10,,,src,s"
    with pytest.raises(InputError) as exc:
        read_regulation_rules(io.StringIO(f"{_COLUMNS}\n{row},extra\n{row[2:]}\n"))
    assert [(p.path, p.message) for p in exc.value.problems] == [
        ("rules[0]", "line 2: 16 cells, the header has 15"),
        ("rules[1]", "line 3: 14 cells, the header has 15"),
    ]


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("Tx", "'Tx' is not a state or province code; write it in upper case: TX"),
        ("tx", "'tx' is not a state or province code; write it in upper case: TX"),
        ("TXX", "'TXX' is not a state or province code; did you mean TX?"),
        ("Texas", "'Texas' is not a state or province code; write its code: TX"),
        ("ZZ", "'ZZ' is not a state or province code (two letters, upper case: the 50 "
               "US states, DC, the US territories, the Canadian provinces and territories)"),
    ],
)
def test_a_state_no_site_can_have_is_refused_at_its_line(state: str, message: str) -> None:
    """``state = Texas`` (or ``TXX``, ``ZZ``) matched no site: the rule never applied,
    without a word. The code is checked against the one list the portfolio's ``state``
    is checked against (:data:`hashpivot.models.jurisdictions.STATE_CODES`), upper case
    as there. The line is the file's, past a summary quoted over two lines."""
    text = (f"{_COLUMNS}\n"
            'a,X,NY,,,,,,,record_obligation,,,,src,"two\nlines"\n'
            f"b,X,NY;{state},,,,,,,record_obligation,,,,src,s\n")
    with pytest.raises(InputError) as exc:
        read_regulation_rules(io.StringIO(text))
    assert [(p.path, p.message) for p in exc.value.problems] == [
        ("rules[1].state", f"line 4: {message}")]


def _problems(text: str) -> list[tuple[str, str]]:
    """Each problem (path, message) of reading the rules file ``text``."""
    with pytest.raises(InputError) as exc:
        read_regulation_rules(io.StringIO(text))
    return [(p.path, p.message) for p in exc.value.problems]


def test_a_grid_operator_mistyped_or_a_state_is_refused_another_one_kept() -> None:
    """``iso = ERCTO`` matched no site; ``Texas`` is the state column's. An operator
    hashpivot does not list (``TVA``) is kept: a site's ``iso`` or ``region`` may name
    it. The case of a known one does not matter (sites' ``iso`` and ``region`` are
    compared upper case)."""
    text = (f"{_COLUMNS}\n"
            "a,X,,ercot;PJM,,,,,,record_obligation,,,,src,s\n"
            "b,X,,ERCTO,,,,,,record_obligation,,,,src,s\n"
            "c,X,,Texas,,,,,,record_obligation,,,,src,s\n"
            "d,X,,ISO-NE,,,,,,record_obligation,,,,src,s\n"
            "e,X,,TVA;soco,,,,,,record_obligation,,,,src,s\n")
    assert _problems(text) == [
        ("rules[1].iso", "line 3: 'ERCTO' is not a grid operator hashpivot knows; did you "
                         "mean ERCOT?"),
        ("rules[2].iso", "line 4: 'Texas' is a state, not a grid operator: write it in the "
                         "state column (TX)"),
        ("rules[3].iso", "line 5: 'ISO-NE' is not a grid operator hashpivot knows; did you "
                         "mean ISONE?"),
    ]
    ok = read_regulation_rules(io.StringIO(text.split("\nb,")[0] + "\n"
                                           + "e," + text.split("\ne,")[1]))
    assert ok[0].isos == ("ERCOT", "PJM")
    assert ok[1].isos == ("TVA", "SOCO")


def test_a_rule_on_a_zone_is_kept_and_a_near_miss_of_one_refused() -> None:
    """``iso = NYISO_J`` (a zone of NYISO, a region of the bundled emissions table) was
    refused as a near miss of NYISO, though it matches a site in that zone; ``NYSIO_J``
    is the near miss, with the zone kept in the suggestion."""
    from hashpivot.io import load_emission_factors
    from hashpivot.models.jurisdictions import grid_operator_problem

    assert [r for r in load_emission_factors()["region"]
            if grid_operator_problem(r) is not None] == []
    text = (f"{_COLUMNS}\n"
            "a,X,,NYISO_J,,,,,,record_obligation,,,,src,s\n"
            "b,X,,NYSIO_J,,,,,,record_obligation,,,,src,s\n")
    assert _problems(text) == [
        ("rules[1].iso", "line 3: 'NYSIO_J' is not a grid operator hashpivot knows; did "
                         "you mean NYISO_J?")]
    (rule,) = read_regulation_rules(io.StringIO(text.split("\nb,")[0] + "\n"))
    assert rule_matches(rule, portfolio(site_toml("S", region="NYISO_J")).sites[0])
    assert not rule_matches(rule, portfolio(site_toml("S", region="NYISO")).sites[0])


def test_a_rule_on_an_operator_hashpivot_does_not_list_applies_to_its_site() -> None:
    """A site on ``iso = "TVA"`` and a rule ``iso = TVA``: the rule applies (a check
    refusing every operator outside the known list would have refused the file)."""
    from hashpivot.models import Site
    from hashpivot.regulation import rule_matches

    (rule,) = read_regulation_rules(io.StringIO(
        f"{_COLUMNS}\na,X,,TVA,,,,,,record_obligation,,,,src,s\n"))
    site = Site.model_validate({"name": "s", "capacity_mw": 10, "iso": "tva",
                                "power_contract": {"price_usd_per_mwh": 40}})
    assert rule_matches(rule, site)
    assert not rule_matches(rule, site.model_copy(update={"iso": "ERCOT"}))


def test_the_bundled_and_example_rules_pass_the_checks() -> None:
    from pathlib import Path

    assert load_regulation_rules()
    example = Path(__file__).parents[2] / "examples" / "regulation-extra.csv"
    assert read_regulation_rules(example)


@pytest.mark.parametrize(("fields", "applies"), [
    ({"region": "NYISO_J"}, True),   # a zone of the operator (the emissions table's)
    ({"region": "PJM_EAST"}, False),
    ({"region": "NYISO"}, True),
    ({"region": "PJM", "iso": "nyiso"}, True),
])
def test_a_site_in_a_zone_of_the_operator_matches_its_rule(fields: dict[str, str],
                                                           applies: bool) -> None:
    """A site whose ``region`` is a zone (``NYISO_J``, a region of the bundled emissions
    table) and that names no ``iso`` escaped every ``iso = NYISO`` rule without a word:
    its operator read ``NYISO_J``. It is the operator before the zone, as the dispatch's
    market note reads it."""
    (rule,) = read_regulation_rules(io.StringIO(
        f"{_COLUMNS}\nfee,X,,NYISO,,,,,,add_cost_usd,1,,,src,s\n"))
    site = portfolio(site_toml("S", state="NY", **fields)).sites[0]
    assert rule_matches(rule, site) is applies
