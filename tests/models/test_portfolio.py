"""Portfolio files: valid examples load; bad files list every problem with its path."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import pytest

from hashpivot.exceptions import InputError
from hashpivot.models import load_portfolio, parse_portfolio
from tests.portfolio_toml import Table, contract, site, site_opex, table, toml_text

ROOT = Path(__file__).resolve().parents[2]
BAD = Path(__file__).parents[1] / "data" / "bad"


def _problems(path: Path) -> dict[str, str]:
    with pytest.raises(InputError) as info:
        load_portfolio(path)
    for p in info.value.problems:
        assert p.source == str(path)  # every problem names the file
    return {p.path: p.message for p in info.value.problems}


def test_example_loads_with_catalog_specs() -> None:
    pf = load_portfolio(ROOT / "examples" / "reverse-margin.toml")
    s21 = pf.sites[0].fleet[0]
    assert s21.asic == "Antminer S21"
    assert s21.hashrate_th_s == 200.0 and s21.efficiency_j_per_th == pytest.approx(17.5)
    assert pf.sites[1].cost_items[0].annual_usd == pytest.approx(42e6)  # 3.5M per month


def test_missing_field() -> None:
    probs = _problems(BAD / "missing_field.toml")
    assert probs["sites[0].power_contract.price_usd_per_mwh"] == "required field is missing"
    assert probs["sites[0].fleet[0].count"] == "required field is missing"


def test_negative_power() -> None:
    probs = _problems(BAD / "negative_power.toml")
    assert "greater than 0" in probs["sites[0].fleet[0].power_w"]
    assert "-3500" in probs["sites[0].fleet[0].power_w"]


def test_unknown_asic_with_suggestion() -> None:
    probs = _problems(BAD / "unknown_asic.toml")
    assert set(probs) == {"sites[0].fleet[1].asic"}
    msg = probs["sites[0].fleet[1].asic"]
    assert "unknown ASIC model 'Antminer S22 Turbo'" in msg and "did you mean" in msg


def test_wrong_unit_type_reports_all_problems_at_once() -> None:
    probs = _problems(BAD / "wrong_unit_type.toml")
    assert probs["sites[0].power_contract.price_usd_per_mwh"] == (
        "expected a number, not text (got '4 c/kWh')")
    assert probs["sites[0].fleet[0].power_kw"].startswith("unknown field")


def test_syntax_error_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.toml"
    bad.write_text("name = \n")
    with pytest.raises(InputError, match="invalid TOML"):
        load_portfolio(bad)
    with pytest.raises(InputError, match="file not found"):
        load_portfolio(tmp_path / "nope.toml")


def _line(**spec: Any) -> Table:
    """A fleet line of 1,000 machines of 200 TH/s with this ``spec`` (power, dates)."""
    return table(count=1000, hashrate_th_s=200, **spec)


def _toml(cap: int, *fleet: Table, cost_items: Sequence[Table] = ()) -> str:
    """Site A of ``cap`` [MW] at 40 USD/MWh with ``fleet``; portfolio ``cost_items``."""
    return toml_text(sites=[site("A", contract(40), *fleet, capacity_mw=cap)],
                     cost_items=list(cost_items) or None)


def test_custom_specs_resolve_and_are_checked() -> None:
    pf = parse_portfolio(_toml(10, _line(power_w=3500)))
    assert pf.sites[0].fleet[0].efficiency_j_per_th == pytest.approx(17.5)
    assert pf.sites[0].fleet_power_mw == pytest.approx(3.5 * 1.05)
    with pytest.raises(InputError, match="disagrees"):
        parse_portfolio(_toml(10, _line(power_w=3500, efficiency_j_per_th=20)))
    with pytest.raises(InputError, match="more than capacity_mw"):
        parse_portfolio(_toml(3, _line(power_w=3500)))
    with pytest.raises(InputError, match="efficiency_j_per_th' or 'power_w"):
        parse_portfolio(_toml(10, _line()))


def _cost_item_problems(*cost_items: Table) -> dict[str, str]:
    """The problems (field path -> message) of the 10 MW portfolio with these cost items."""
    with pytest.raises(InputError) as info:
        parse_portfolio(_toml(10, _line(power_w=3500), cost_items=cost_items))
    return {p.path: p.message for p in info.value.problems}


def test_cost_item_needs_exactly_one_amount() -> None:
    probs = _cost_item_problems(
        table(name="x", category="sga_cash", usd_per_year=1, usd_per_month=1),
        table(name="y", category="marketing", usd_per_year=1),
    )
    assert set(probs) == {"cost_items[0]", "cost_items[1].category"}


def test_infinite_amounts_are_problems_not_null_results() -> None:
    # TOML has `inf`: an unbounded amount must be rejected at its path, not turned into
    # an infinite cost (a null cost per BTC in `cost --json`, NaN NPVs in `pivot`).
    probs = _cost_item_problems(
        table(name="x", category="sga_cash", usd_per_year=math.inf),
        table(name="y", category="site_opex", usd_per_month=-math.inf),
    )
    assert set(probs) == {"cost_items[0].usd_per_year", "cost_items[1].usd_per_month"}
    assert "finite" in probs["cost_items[0].usd_per_year"]


def test_capacity_counts_only_machines_installed_together() -> None:
    # 3.675 MW retired at the end of 2023, replaced by 3.675 MW from 2024: fits 4 MW;
    # overlapping by a month it does not.
    def text(end: str) -> str:
        return _toml(4, _line(power_w=3500, end=end), _line(power_w=3500, start="2024-01"))

    pf = parse_portfolio(text("2023-12"))
    assert pf.sites[0].peak_fleet_power_mw == pytest.approx(3.675)
    assert pf.sites[0].fleet_power_mw == pytest.approx(7.35)
    with pytest.raises(InputError, match="installed at the same time"):
        parse_portfolio(text("2024-01"))


def test_a_field_of_two_kinds_names_its_own_path_not_pydantic_s_union_members() -> None:
    """``equity_budget_usd_per_year`` takes a number or a list: a bad list element is at
    ``...[1]`` alone (it was at ``...list[float][1]``, beside a second problem at
    ``...float`` saying the list is no number)."""
    import re

    text = (ROOT / "examples" / "portfolio.toml").read_text()
    bad = re.sub(r"equity_budget_usd_per_year = .*", 'equity_budget_usd_per_year = [1e8, "x"]',
                 text)
    with pytest.raises(InputError) as err:
        parse_portfolio(bad, "x.toml")
    assert [(p.path, p.message) for p in err.value.problems] == [
        ("optimize.equity_budget_usd_per_year[1]",
         "expected a number, not text (got 'x')")]


def test_an_entry_ending_before_it_starts_is_a_problem_with_its_path() -> None:
    """Such an entry applies on no day: ``cost`` counted a fleet without it and
    ``backtest`` mined 0 BTC with it, both without a word, until 2026-12-05. A month end
    runs through its month, so an entry of one month is fine."""
    item = table(name="fee", category="site_opex", usd_per_year=1e5, start="2025-03",
                 end="2025-03")
    pf = parse_portfolio(_toml(10, _line(power_w=3500, start="2024-01-15", end="2024-01"),
                               cost_items=[item]))
    assert pf.sites[0].fleet[0].active_on(pd.DatetimeIndex(["2024-01-31"])).all()
    with pytest.raises(InputError) as err:
        parse_portfolio(_toml(10, _line(power_w=3500, start="2025-01-01", end="2024-01-01"),
                              cost_items=[{**item, "end": "2025-02-28"}]), "x.toml")
    assert {(p.path, p.message) for p in err.value.problems} == {
        ("sites[0].fleet[0]", "end 2024-01-01 is before start 2025-01-01: the entry would "
         "apply on no day"),
        ("cost_items[0]", "end 2025-02-28 is before start 2025-03: the entry would apply "
         "on no day")}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"2026-02"', "'2026-02' is not a day YYYY-MM-DD, e.g. 2026-02-01"),
        ('"2026-02-30"', "'2026-02-30' is not a calendar day (YYYY-MM-DD)"),
        ('"01/02/2026"', "'01/02/2026' is not a day YYYY-MM-DD, e.g. 2026-02-01"),
    ],
)
def test_a_connection_date_that_is_no_day_says_which_form_it_takes(value: str,
                                                                    message: str) -> None:
    """A site's ``connection_date`` takes a day only: a month is refused in words naming
    the form (it got the raw pattern), and a day not in the calendar no longer offers the
    month form it does not take."""
    text = (Path(__file__).parents[2] / "examples" / "portfolio.toml").read_text()
    assert 'connection_date = "2026-02-01"' in text
    with pytest.raises(InputError) as err:
        parse_portfolio(text.replace('connection_date = "2026-02-01"',
                                     f"connection_date = {value}"), "x.toml")
    (problem,) = err.value.problems
    assert (problem.path, problem.message) == ("sites[1].connection_date", message)


#: The problem of a second site named "A".
REPEATED_A = ("repeats the name of sites[0] ('A'): site names must be unique, also ignoring case "
              "(a site is found by its name ignoring case)")


def _all(text: str) -> list[tuple[str, str]]:
    with pytest.raises(InputError) as err:
        parse_portfolio(text, "x.toml")
    return [(p.path, p.message) for p in err.value.problems]


def test_a_check_of_several_fields_is_listed_beside_an_invalid_field() -> None:
    """pydantic runs no check of a table's fields together (the fleet within capacity)
    while one of its fields is invalid: the file's problems came one run at a time. They
    are listed together now, the check run again with the invalid values set aside, where
    it reads none of them (models.hidden_checks._CHECK_READS)."""
    over = toml_text(sites=[site("A", contract(40), _line(power_w=3500),
                                 _line(power_w=3500), capacity_mw=4,
                                 hosting=table(pue=0.5))])
    assert _all(over) == [  # 7.35 MW on 4
        ("sites[0].hosting.pue", "Input should be greater than or equal to 1 (got 0.5)"),
        ("sites[0]", "the fleet draws 7.3 MW with overhead (machines installed at the same "
         "time), more than capacity_mw = 4 MW")]  # (it reads no hosting field)
    # a field the check does not read either (the pool fee); one it reads is not set
    # aside for it (an overhead, a fleet line: an invalid end set aside would run the
    # line throughout, and 2 x 3.675 MW fit 4 MW one after the other, not together)
    fee = _toml(4, _line(power_w=3500), _line(power_w=3500)).replace(
        "capacity_mw = 4", "capacity_mw = 4\npool_fee_fraction = 0.5")
    assert [p for p, _ in _all(fee)] == ["sites[0].pool_fee_fraction", "sites[0]"]
    overhead = fee.replace("pool_fee_fraction = 0.5", "power_overhead_factor = 5")
    assert [p for p, _ in _all(overhead)] == ["sites[0].power_overhead_factor"]
    swap = _toml(4, _line(power_w=3500, end="2023-13"), _line(power_w=3500, start="2024-01"))
    assert [p for p, _ in _all(swap)] == ["sites[0].fleet[0].end"]
    # a misspelt field set aside too; a check outside the invalid table says nothing more
    twice = toml_text(sites=[site("A", contract(40), _line(power_w=3500), capcity_mw=4),
                             site("A", contract(40), _line(power_w=3500))])
    assert _all(twice) == [
        ("sites[0].capcity_mw", "unknown field (check its spelling and unit suffix)"),
        ("sites[1].name", REPEATED_A)]  # (no check reads a misspelt field)
    ok = toml_text(sites=[site("A", contract(40), _line(power_w=3500), capacity_mw=4),
                          site("B", contract(40), _line(power_w=-3500))])
    assert _all(ok) == [("sites[1].fleet[0].power_w",
                         "Input should be greater than 0 (got -3500)")]  # nothing twice


def test_a_key_named_like_a_union_member_and_a_bad_list_element_keep_their_paths() -> None:
    """An unknown key with a ``-`` (or named ``int``) is the user's, not one of pydantic's
    union members (it was reported at its table, and that table set aside); a bad element
    of a list of texts sets the list aside, so the repeated site names still show."""
    two = [site("A", contract(40), _line(power_w=3500), capacity_mw=4, **{"lease-term": 1,
                                                                          "int": 2}),
           site("A", contract(40), _line(power_w=3500), capacity_mw=4)]
    assert _all(toml_text(sites=two)) == [
        ("sites[0].lease-term", "unknown field (check its spelling and unit suffix)"),
        ("sites[0].int", "unknown field (check its spelling and unit suffix)"),
        ("sites[1].name", REPEATED_A)]
    strategies = toml_text(sites=two[1:] + two[1:], pivot=table(strategies=["phased", 3]))
    problems = _all(strategies)
    assert problems[0][0] == "pivot.strategies[1]" and len(problems) == 2
    assert problems[-1] == ("sites[1].name", REPEATED_A)


def test_a_table_s_own_check_no_longer_hides_the_checks_above_it() -> None:
    """A fleet entry ending before it starts (its own check) hid the repeated site names:
    pydantic runs no check of the tables holding a table that fails its own. The table is
    now set aside for them, where they do not read inside it; a list element set aside
    moves none of the paths after it."""
    late = _line(power_w=3500, start="2026-01-01", end="2025-01-01")
    twice = toml_text(sites=[site("A", contract(40), late, capacity_mw=10),
                             site("A", contract(40), _line(power_w=3500), capacity_mw=10)])
    assert _all(twice) == [
        ("sites[0].fleet[0]", "end 2025-01-01 is before start 2026-01-01: the entry would "
         "apply on no day"),
        ("sites[1].name", REPEATED_A)]
    # the site's own check reads its fleet: not judged without the entry set aside
    over = toml_text(sites=[site("A", contract(40), late, _line(power_w=3500),
                                 _line(power_w=3500), capacity_mw=4)])
    assert [p for p, _ in _all(over)] == ["sites[0].fleet[0]"]
    # a whole site set aside (its fleet over capacity): the names are not judged without
    # it, and the third site's hidden check keeps its own path (not sites[1])
    third = site("C", contract(40), _line(power_w=3500), _line(power_w=3500),
                 capacity_mw=4, pool_fee_fraction=0.5)
    three = toml_text(sites=[site("A", contract(40), _line(power_w=3500),
                                  _line(power_w=3500), capacity_mw=4),
                             site("A", contract(40), _line(power_w=3500), capacity_mw=10),
                             third])
    assert [p for p, _ in _all(three)] == [
        "sites[0]", "sites[2].pool_fee_fraction", "sites[2]"]


def test_a_missing_required_field_still_hides_its_table_s_checks() -> None:
    """A required field has no default to check the table with: the fleet over capacity
    shows once the price is given (documented in docs/testing.md)."""
    text = toml_text(sites=[site("A", table(kind="fixed"), _line(power_w=3500),
                                 _line(power_w=3500), capacity_mw=4)])
    assert _all(text) == [("sites[0].power_contract.price_usd_per_mwh",
                           "required field is missing")]


def test_true_or_false_for_a_number_is_a_problem_not_one_or_zero() -> None:
    """pydantic reads a TOML boolean as 1 or 0: ``count = true`` was one machine and
    ``capacity_mw = true`` 1 MW (then judged too small for the fleet); each is now a
    problem at its path, with nothing judged on the 1 it was read as."""
    line = table(count=True, hashrate_th_s=200, power_w=3500)
    text = toml_text(sites=[site("A", contract(40), line, capacity_mw=True)],
                     optimize=table(equity_budget_usd_per_year=[1e8, False]))
    assert _all(text) == [
        ("sites[0].capacity_mw", "expected a number, not a boolean (got true)"),
        ("sites[0].fleet[0].count", "expected a number, not a boolean (got true)"),
        ("optimize.equity_budget_usd_per_year[1]",
         "expected a number, not a boolean (got false)")]
    # a boolean field takes them (TOML true/false)
    ok = toml_text(sites=[site("A", contract(40), _line(power_w=3500), capacity_mw=4,
                               fleet_replacement=False)])
    assert parse_portfolio(ok).sites[0].fleet_replacement is False


@pytest.mark.parametrize("value", [0, 1, 0.0, "yes", "false", "off"])
def test_a_number_or_a_word_for_a_yes_no_field_is_a_problem(value: Any) -> None:
    """The mirror of the case above: pydantic read ``fleet_replacement = 0`` (or 1, "yes",
    "false", "off") as a boolean, so ``resale_allowed = 0`` turned resale off without a
    word. A yes/no field now takes ``true`` or ``false`` alone, with the problem at its
    path."""
    text = toml_text(sites=[site("A", contract(40), _line(power_w=3500), capacity_mw=4,
                                 fleet_replacement=value)])
    assert _all(text) == [("sites[0].fleet_replacement",
                           f"Input should be a valid boolean (got {value!r})")]


def test_a_value_of_no_kind_a_field_takes_gets_one_problem() -> None:
    """``equity_budget_usd_per_year`` takes a number or a list: a text gets one problem
    (it got one per kind, on the same path), text as a table does."""
    text = (ROOT / "examples" / "portfolio.toml").read_text()
    import re

    bad = re.sub(r"equity_budget_usd_per_year = .*", 'equity_budget_usd_per_year = "abc"',
                 text)
    assert _all(bad) == [("optimize.equity_budget_usd_per_year",
                          "expected a number, not text (got 'abc')")]
    table_for_it = re.sub(r"equity_budget_usd_per_year = .*",
                          "equity_budget_usd_per_year = { a = 1 }", text)
    assert _all(table_for_it) == [("optimize.equity_budget_usd_per_year",
                                   "Input should be a valid list or a valid number")]


def test_no_check_is_reported_on_a_value_the_file_does_not_give() -> None:
    """A review's cases: ``count = false`` once, not also "greater than 0" judged on the
    0 it was read as; the Gordon check of ``[pivot]`` not judged on a growth set aside or
    given as ``false`` (pivot's checks may read anything in it); a boolean in a
    dictionary of numbers; a repeated site name beside an invalid fleet line (the names
    check reads only the names)."""
    line = table(count=False, hashrate_th_s=200, power_w=3500)
    assert _all(toml_text(sites=[site("A", contract(40), line, capacity_mw=4)])) == [
        ("sites[0].fleet[0].count", "expected a number, not a boolean (got false)")]
    one = site("A", contract(40), _line(power_w=3500), capacity_mw=4)
    for growth in ("x", False):
        gordon = toml_text(sites=[one], pivot=table(discount_rate=0.0, terminal_value=table(
            mining_method="gordon", growth_per_year=growth)))
        assert [p for p, _ in _all(gordon)] == ["pivot.terminal_value.growth_per_year"]
    drift = toml_text(sites=[one], scenario=table(btc_drift_by_year={"2026": True}))
    assert _all(drift) == [("scenario.btc_drift_by_year.2026",
                            "expected a number, not a boolean (got true)")]
    bad_line = site("A", contract(40), _line(power_w=3500, uptime_fraction="x"),
                    capacity_mw=4)
    problems = _all(toml_text(sites=[bad_line, one]))
    assert [p for p, _ in problems] == ["sites[0].fleet[0].uptime_fraction",
                                      "sites[1].name"]


def test_checks_of_hosting_and_pivot_tables_are_listed_beside_values_they_do_not_read(
) -> None:
    """A review's cases: hosting phases out of start order beside an invalid hosting-risk
    figure (the order check reads only the phases' starts); a dictionary's bad key beside
    a boolean value (the key is no value read as 1)."""
    hosting = table(phases=[table(start="2027-01", gross_mw=1.0),
                            table(start="2026-01", gross_mw=1.0)],
                    risk=table(capex_overrun_fraction_sd=-1))
    one = site("A", contract(40), _line(power_w=3500), capacity_mw=4, hosting=hosting)
    assert [p for p, _ in _all(toml_text(sites=[one]))] == [
        "sites[0].hosting.risk.capex_overrun_fraction_sd", "sites[0].hosting"]
    plain = site("A", contract(40), _line(power_w=3500), capacity_mw=4)
    drift = toml_text(sites=[plain], scenario=table(btc_drift_by_year={"a": True}))
    assert len([p for p, _ in _all(drift) if p == "scenario.btc_drift_by_year.a"]) == 2


def test_a_key_named_as_a_type_stays_in_the_path() -> None:
    """A review's case (helper-47 #6): a year written ``int`` or ``float`` in a dictionary
    of years was taken for the member of a union pydantic names so, and left out of the
    path (``scenario.btc_drift_by_year``, its boolean value not placed at all); the path
    follows the models, so only a union's members are left out."""
    one = site("A", contract(40), _line(power_w=3500), capacity_mw=4)
    for key in ("int", "float", "none", "str"):
        drift = toml_text(sites=[one], scenario=table(btc_drift_by_year={key: 0.3}))
        assert [p for p, _ in _all(drift)] == [f"scenario.btc_drift_by_year.{key}"], key
    drift = toml_text(sites=[one], scenario=table(btc_drift_by_year={"int": True}))
    assert _all(drift) == [
        ("scenario.btc_drift_by_year.int",
         "Input should be a valid integer, unable to parse string as an integer (got 'int')"),
        ("scenario.btc_drift_by_year.int", "expected a number, not a boolean (got true)")]


def test_a_union_s_members_are_left_out_of_the_path_however_pydantic_names_them() -> None:
    """``constrained-float`` (a bounded number in a union) reads as no member by its look:
    the models say it is one."""
    from pydantic import BaseModel, Field

    from hashpivot.models import validate_data

    class Bounded(BaseModel):
        x: Annotated[float, Field(gt=0)] | list[Annotated[float, Field(gt=0)]] = 1.0
        int: dict[str, float] = {}

    for data, path in (({"x": -1}, "x"), ({"x": [1, -1]}, "x[1]"),
                       ({"int": {"float": "a"}}, "int.float")):
        with pytest.raises(InputError) as err:
            validate_data(Bounded, data, "x.toml")
        assert [p.path for p in err.value.problems] == [path], data


def test_a_key_written_as_pydantic_s_mark_of_a_key_stays_in_the_path() -> None:
    """A review's cases: an unknown field named ``[key]`` (pydantic's mark, after a
    dictionary key, of an error in the key) lost its name, and the site's capacity
    check beside it went unreported; a year written ``[key]`` lost its key."""
    over = site("A", contract(40), _line(power_w=3500), _line(power_w=3500), capacity_mw=4)
    over["[key]"] = 1
    assert [p for p, _ in _all(toml_text(sites=[over]))] == ["sites[0].[key]", "sites[0]"]
    one = site("A", contract(40), _line(power_w=3500), capacity_mw=4)
    drift = toml_text(sites=[one], scenario=table(btc_drift_by_year={"[key]": 0.3}))
    assert [p for p, _ in _all(drift)] == ["scenario.btc_drift_by_year.[key]"]


def test_paths_through_other_kinds_of_annotation() -> None:
    """A review's cases on models the portfolio does not use (``validate_data`` takes
    any): sequences and mappings, a validation alias, two kinds of list, two kinds of
    table (one problem each, of the member the value is nearest), a dataclass."""
    import dataclasses
    from collections.abc import Mapping

    from pydantic import BaseModel, ConfigDict, Field

    from hashpivot.models import validate_data

    class A(BaseModel):
        model_config = ConfigDict(extra="forbid")
        a: int

    class B(BaseModel):
        model_config = ConfigDict(extra="forbid")
        b: str
        v: int | str = 0

    @dataclasses.dataclass
    class DC:
        date: int
        int: int

    class Many(BaseModel):
        seq: Sequence[int | str] = ()
        mapping: Mapping[str, float | list[float]] = {}
        aliased: float | list[float] = Field(0.0, validation_alias="float")
        lists: list[A] | list[B] = []
        table: A | B | None = None
        dc: DC | list[DC] | None = None

    cases = [
        ({"seq": [[]]}, ["seq[0]"]),
        ({"mapping": {"k": "x"}}, ["mapping.k"]),
        ({"float": "x"}, ["float"]),
        ({"lists": [{"b": "s", "v": []}]}, ["lists[0].v"]),
        ({"table": {"a": 1, "zz": 1}}, ["table.zz"]),
        ({"table": {"a": "x"}}, ["table.a"]),
        ({"dc": {"date": "x", "int": "y"}}, ["dc.date", "dc.int"]),
    ]
    for data, paths in cases:
        with pytest.raises(InputError) as err:
            validate_data(Many, data, "x.toml")
        assert [p.path for p in err.value.problems] == paths, data


def test_a_check_is_not_judged_on_a_whole_list_set_aside() -> None:
    """A review's case: ``tenants`` given as a string is set aside whole (its default,
    no tenants), so the check that committed conversions name known tenants must not
    run on it: it read the tenants' names, which the list set aside holds."""
    one = site("A", contract(40), _line(power_w=3500), capacity_mw=4)
    text = toml_text(sites=[one], optimize=table(
        tenants="Hyperscaler A",
        committed=[table(site="A", tenant="Hyperscaler A", quarter="2026Q1", gross_mw=1.0)]))
    assert [p for p, _ in _all(text)] == ["optimize.tenants"]


def test_an_integer_longer_than_python_converts_is_invalid_toml(tmp_path: Path) -> None:
    """A review's case: an integer of 5,000 digits made the parser raise ValueError (an
    internal error on the command line, a 500 on upload)."""
    text = 'name = "x"\ncount = 1' + "1" * 5000 + "\n"
    assert _all(text) == [("", "invalid TOML: a number of more than 4,300 digits")]
    path = tmp_path / "big.toml"
    path.write_text(text)
    assert _problems(path) == {"": "invalid TOML: a number of more than 4,300 digits"}


def test_a_request_parameter_named_as_a_type_keeps_its_name() -> None:
    """The service's request errors: a query or path parameter holds no union (its root
    is ``Any``), so a parameter named ``date`` or ``float`` stays in the path; a body's
    model is followed as a file's."""
    from typing import Any as AnyType

    from hashpivot.models.error_paths import loc_to_path
    from hashpivot.models.risk import ScenarioSpec

    assert loc_to_path(("query", "date"), AnyType) == "query.date"
    assert loc_to_path(("body", "btc_drift_by_year", "int", "[key]"), ScenarioSpec,
                       skip=1) == "body.btc_drift_by_year.int"


def test_a_name_longer_than_the_service_stores_is_refused_here_too(tmp_path: Path) -> None:
    """The command line and the service refuse the same names: at most NAME_MAX_CHARS."""
    from hashpivot.models.fields import NAME_MAX_CHARS

    text = (ROOT / "examples" / "pivot-200mw.toml").read_text().replace(
        'name = "Example 200 MW miner"', f'name = "{"x" * (NAME_MAX_CHARS + 1)}"', 1)
    path = tmp_path / "long.toml"
    path.write_text(text)
    assert "200 characters" in _problems(path)["name"]
    path.write_text(text.replace("x" * (NAME_MAX_CHARS + 1), "x" * NAME_MAX_CHARS))
    assert len(load_portfolio(path).name) == NAME_MAX_CHARS


def test_a_repeated_site_name_is_reported_at_the_later_site_s_name() -> None:
    """Two sites named ``s`` were reported at ``(root)``; names differing only by case
    ("West Texas 200", "west texas 200") were accepted, and then every ``site`` option
    matched both (``Portfolio.site`` finds a name ignoring case): both are refused at the
    later site's ``name``, naming the earlier site, every repeat listed."""
    line = _line(power_w=3500)
    same = toml_text(sites=[site("s", contract(40), line, capacity_mw=10),
                            site("t", contract(40), line, capacity_mw=10),
                            site("s", contract(40), line, capacity_mw=10),
                            site("T", contract(40), line, capacity_mw=10)])
    problems = _all(same)
    assert [p for p, _ in problems] == ["sites[2].name", "sites[3].name"]
    assert "sites[0] ('s')" in problems[0][1]
    assert "sites[1] ('t')" in problems[1][1] and "ignoring case" in problems[1][1]
    case = toml_text(sites=[site("West Texas 200", contract(40), line, capacity_mw=10),
                            site("west texas 200", contract(40), line, capacity_mw=10)])
    assert [p for p, _ in _all(case)] == ["sites[1].name"]
    # listed with another field's problem, the check run with it set aside
    bad = toml_text(sites=[site("s", contract(40), line, capacity_mw=10,
                                pool_fee_fraction=0.5),
                           site("S", contract(40), line, capacity_mw=10)])
    assert [p for p, _ in _all(bad)] == ["sites[0].pool_fee_fraction", "sites[1].name"]
    distinct = toml_text(sites=[site("West Texas 200", contract(40), line, capacity_mw=10),
                                site("West Texas 2000", contract(40), line, capacity_mw=10)])
    assert parse_portfolio(distinct).site("west texas 200").name == "West Texas 200"


@pytest.mark.parametrize("table_name", ["pivot", "scenario"])
def test_a_model_start_before_the_history_or_far_ahead_is_refused_at_its_field(
        table_name: str) -> None:
    """``[pivot] start = "1990-01"`` ran "1990-01 + 180 months" at today's BTC price,
    with no note, and 2300-01 was accepted: a model starts within the bundled history's
    first month (2010-07) and 2140-12, the bounds one definition gives every surface."""
    from hashpivot.models.dates import MODEL_START_MONTHS

    assert MODEL_START_MONTHS == ("2010-07", "2140-12")
    one = site("A", contract(40), _line(power_w=3500), capacity_mw=4)
    for month, word in (("1990-01", "before"), ("2010-06", "before"), ("2300-01", "after")):
        problems = _all(toml_text(sites=[one], **{table_name: table(start=month)}))
        assert [p for p, _ in problems] == [f"{table_name}.start"]
        assert problems[0][1].startswith(f"'{month}' is {word} ")
    for month in MODEL_START_MONTHS:
        parse_portfolio(toml_text(sites=[one], **{table_name: table(start=month)}))


def test_a_toml_file_starting_with_a_utf8_bom_is_read(tmp_path: Path) -> None:
    """Editors on Windows write one: it was "invalid TOML: Invalid statement (at line 1,
    column 1)"."""
    from hashpivot.models.loader import loads_toml

    text = (ROOT / "examples" / "pivot-200mw.toml").read_text()
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert load_portfolio(path) == load_portfolio(ROOT / "examples" / "pivot-200mw.toml")
    assert loads_toml("\ufeff" + text, "<upload>") == loads_toml(text, "<upload>")


def test_a_debt_maturity_takes_a_toml_date_as_the_other_month_fields(tmp_path: Path) -> None:
    """``maturity = 2030-12-01`` was "Input should be a valid string"."""
    text = (ROOT / "examples" / "pivot-200mw.toml").read_text()
    assert 'maturity = "2030-12"' in text
    path = tmp_path / "maturity.toml"
    path.write_text(text.replace('maturity = "2030-12"', "maturity = 2030-12-01", 1))
    assert load_portfolio(path) == load_portfolio(ROOT / "examples" / "pivot-200mw.toml")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"2027-13"', "expected a month as 'YYYY-MM', got '2027-13'"),
        ('"soon"', "expected a month as 'YYYY-MM', got 'soon'"),
    ],
)
def test_a_ppa_end_that_is_no_month_is_a_problem_at_its_path(value: str, message: str
                                                             ) -> None:
    """``[sites.dispatch.ppa] end`` takes a month ``YYYY-MM`` (or a TOML date, its month
    kept); anything else is reported at its field path."""
    text = (Path(__file__).parents[2] / "examples" / "dispatch-west-texas.toml").read_text()
    old = "price_usd_per_mwh = 32.0\n"
    assert old in text
    pf = parse_portfolio(text.replace(old, old + "    end = 2030-12-01\n"), "x.toml")
    ppa = pf.sites[0].dispatch.ppa if pf.sites[0].dispatch is not None else None
    assert ppa is not None and ppa.end == "2030-12"
    with pytest.raises(InputError) as err:
        parse_portfolio(text.replace(old, old + f"    end = {value}\n"), "x.toml")
    (problem,) = err.value.problems
    assert (problem.path, problem.message) == ("sites[0].dispatch.ppa.end", message)


def test_a_ppa_start_after_its_end_is_a_problem_at_the_start() -> None:
    """``[sites.dispatch.ppa] start`` takes a month (a TOML date, its month kept) at or
    before ``end`` (``start = end``: the block settles in that month only); after it the
    block would settle in no month: a problem at ``start``, listed beside another field's
    of the table (the check reads only ``start`` and ``end``), and none for a start with
    an invalid ``end`` (the check would judge an end the file does not give)."""
    text = (ROOT / "examples" / "dispatch-west-texas.toml").read_text()
    old = "price_usd_per_mwh = 32.0\n"
    assert old in text

    def ppa(lines: str) -> str:
        return text.replace(old, old + lines)

    pf = parse_portfolio(ppa("    start = 2030-12-01\n    end = \"2030-12\"\n"), "x.toml")
    block = pf.sites[0].dispatch.ppa if pf.sites[0].dispatch is not None else None
    assert block is not None and (block.start, block.end) == ("2030-12", "2030-12")
    after = ("sites[0].dispatch.ppa.start",
             "start '2031-01' is after end '2030-12': the block would settle in no month")
    assert _all(ppa('    start = "2031-01"\n    end = "2030-12"\n')) == [after]
    assert _all(ppa('    start = "2031-01"\n    end = "2030-12"\n    settlement = "cfd"\n')
                ) == [("sites[0].dispatch.ppa.settlement",
                       "Input should be 'physical' or 'financial' (got 'cfd')"), after]
    assert [p for p, _ in _all(ppa('    start = "2031-01"\n    end = "2030-13"\n'))] == [
        "sites[0].dispatch.ppa.end"]


@pytest.mark.parametrize("value", ["0", '"0"', "1735689600", '"1735689600"'])
def test_a_number_for_a_calibration_day_is_a_problem_not_a_day_of_1970(value: str) -> None:
    """pydantic reads a number, or text of digits, as Unix seconds: ``calibration_start =
    0`` calibrated from 1970-01-01 (the whole history) and ``1735689600`` from 2025-01-01,
    without a word; each is now a problem at its path, naming the form a day takes."""
    text = (Path(__file__).parents[2] / "examples" / "pivot-200mw.toml").read_text()
    line = 'calibration_start = "2022-01-01"'
    assert line in text
    for key in ("calibration_start", "calibration_end"):
        with pytest.raises(InputError) as err:
            parse_portfolio(text.replace(line, f"{key} = {value}"), "x.toml")
        (problem,) = err.value.problems
        assert problem.path == f"scenario.{key}"
        assert "YYYY-MM-DD" in problem.message, problem.message
    # a day as text or as a TOML date literal still passes
    for day in ('"2022-01-01"', "2022-01-01"):
        spec = parse_portfolio(text.replace(line, f"calibration_start = {day}"), "x.toml")
        assert spec.scenario is not None
        assert str(spec.scenario.calibration_start) == "2022-01-01"


@pytest.mark.parametrize("name", ["", "   "])
def test_an_empty_side_file_name_is_a_problem_not_no_file(name: str) -> None:
    """``profile_file = ""`` read as no file: the synthetic solar profile was used without a
    word (``emissions_file = ""`` said the portfolio's folder "is a folder"); a name of
    nothing names no file, at every ``*_file`` field."""
    dispatch = table(emissions_file=name,
                     renewable=table(capacity_mw=10.0, profile_file=name),
                     four_cp=table(charge_usd_per_kw_year=60.0, peak_probability_file=name))
    text = toml_text(sites=[site("A", contract(40), _line(power_w=3500), capacity_mw=4,
                                 dispatch=dispatch)],
                     optimize=table(rules_file=name))
    message = f"an empty name names no file: leave the field out for none (got {name!r})"
    assert sorted(_all(text)) == [
        ("optimize.rules_file", message),
        ("sites[0].dispatch.emissions_file", message),
        ("sites[0].dispatch.four_cp.peak_probability_file", message),
        ("sites[0].dispatch.renewable.profile_file", message)]


@pytest.mark.parametrize(("later", "how"), [
    ("Cafe\u0301", "as printed (its letters encoded otherwise in Unicode)"),  # NFD beside NFC
    ("CAFE\u0301", "as printed (its letters encoded otherwise in Unicode)"),
    ("Caf\u00e9\u200b", "as printed (but for an invisible character)"),  # a zero-width space
    ("\ufeffCaf\u00e9", "as printed (but for an invisible character)"),
])
def test_site_names_that_look_the_same_are_a_repeat(later: str, how: str) -> None:
    """"Café" in NFC and in NFD (as macOS writes file names), or with a zero-width space,
    print alike but were two sites: a ``site`` option matched one of them by the bytes
    typed. Now a repeat at the later site's name, as names differing by case are."""
    line = _line(power_w=3500)
    text = toml_text(sites=[site("Caf\u00e9", contract(40), line, capacity_mw=10),
                            site(later, contract(40), line, capacity_mw=10)])
    ((path, message),) = _all(text)
    assert path == "sites[1].name"
    assert "repeats the name of sites[0] ('Café')" in message and how in message


def test_a_site_is_found_by_a_name_its_letters_encoded_otherwise() -> None:
    line = _line(power_w=3500)
    text = toml_text(sites=[site("North", contract(40), line, capacity_mw=10),
                            site("Cafe\u0301 Ouest", contract(40), line, capacity_mw=10)])
    assert parse_portfolio(text).site("caf\u00e9 ouest").name == "Cafe\u0301 Ouest"
    # spaces around a name typed (a site's name in the file is read without them)
    assert parse_portfolio(text).site(" North\u00a0").name == "North"


@pytest.mark.parametrize("name", ["a\x00b", "two\nlines", "tab\tbed", "bell\x07"])
def test_a_name_with_a_control_character_is_a_problem(name: str) -> None:
    """A NUL, a line break or a tab in a name was taken as written and broke the tables
    and CSV files it is printed in; each is a problem at the name's path."""
    line = _line(power_w=3500, name=name)
    text = toml_text(name=name, sites=[site(name, contract(40), line, capacity_mw=10,
                                            cost_items=[site_opex(name, 1e6)])])
    problems = _all(text)
    assert [p for p, _ in problems] == ["name", "sites[0].name", "sites[0].fleet[0].name",
                                        "sites[0].cost_items[0].name"]
    assert all(m.startswith("holds a control character") for _, m in problems)


def test_a_site_name_longer_than_a_portfolio_name_is_refused() -> None:
    from hashpivot.models.fields import NAME_MAX_CHARS

    text = toml_text(sites=[site("x" * (NAME_MAX_CHARS + 1), contract(40),
                                 _line(power_w=3500), capacity_mw=10)])
    ((path, message),) = _all(text)
    assert path == "sites[0].name" and "200 characters" in message


@pytest.mark.parametrize(("sites", "message"), [
    ([], "give at least one site, or leave sites out for every site with hosting terms"),
    (["A", "a"], "sites[1] repeats sites[0] ('A') ignoring case"),
    (["A", "A"], "sites[1] repeats sites[0] ('A')"),
])
def test_a_tenant_s_sites_name_each_site_once(sites: list[str], message: str) -> None:
    """``sites = []`` made a tenant no site could host, and a site listed twice offered
    the tenant that site twice, both without a word; each is a problem at the field."""
    one = site("A", contract(40), _line(power_w=3500), capacity_mw=4)
    text = toml_text(sites=[one], optimize=table(tenants=[table(
        name="T", it_mw=1.0, lease_usd_per_kw_month=120.0, sites=sites)]))
    problems = _all(text)
    assert [p for p, _ in problems] == ["optimize.tenants[0].sites"], problems
    assert message in problems[0][1], problems


@pytest.mark.parametrize(("mean", "sd"), [("construction_delay_fraction_mean",
                                           "construction_delay_fraction_sd"),
                                          ("lease_up_delay_months_mean",
                                           "lease_up_delay_months_sd")])
def test_a_delay_spread_around_a_zero_mean_is_a_problem(mean: str, sd: str) -> None:
    """A delay is never negative: with a mean of 0 the draws were all 0 and the spread
    given was ignored without a word. It is a problem at the spread."""
    one = site("A", contract(40), _line(power_w=3500), capacity_mw=4, hosting=table(
        pue=1.3, lease_usd_per_kw_month=120.0, risk=table(**{mean: 0.0, sd: 0.5})))
    problems = _all(toml_text(sites=[one]))
    assert [p for p, _ in problems] == [f"sites[0].hosting.risk.{sd}"], problems
    assert mean in problems[0][1], problems


@pytest.mark.parametrize(("tables", "path", "words"), [
    # a budget or a debt line of 1e308 USD was taken: an optimize run printed it back
    # (1e308 USD of debt capacity) with exit 0; the treasury's amounts stop at 1e12
    ({"optimize": table(debt_capacity_usd=1e308)}, "optimize.debt_capacity_usd",
     "less than or equal to 1000000000000"),
    ({"optimize": table(equity_budget_usd_per_year=1e308)},
     "optimize.equity_budget_usd_per_year", "less than or equal to 1000000000000"),
    ({"optimize": table(equity_budget_usd_per_year=[3e8, 1e308])},
     "optimize.equity_budget_usd_per_year[1]", "less than or equal to 1000000000000"),
    # fees of 1e308 BTC a block: simulate's statistics overflowed to NaN (RuntimeWarnings,
    # exit 0); [pivot]'s fee level and the command lines' stop at 100 BTC
    ({"scenario": table(fees_btc_per_block=1e308)}, "scenario.fees_btc_per_block",
     "less than or equal to 100"),
    # a network of 1e308 TH/s was taken; [pivot]'s stops at 1e12 TH/s
    ({"scenario": table(network_hashrate_th_s=1e308)}, "scenario.network_hashrate_th_s",
     "less than or equal to 1000000000000"),
    # twelve factors of 1e308: their mean overflowed, every month's power price was 0
    # (inf / inf: a RuntimeWarning and free power in simulate)
    ({"scenario": table(power_seasonal_factors=[1e308] * 12)},
     "scenario.power_seasonal_factors", "at most 1,000"),
])
def test_amounts_no_run_can_hold_are_problems_at_their_field(
        tables: dict[str, Table], path: str, words: str) -> None:
    one = site("A", contract(40), _line(power_w=3500), capacity_mw=4)
    problems = _all(toml_text(sites=[one], **tables))
    assert [p for p, _ in problems] == [path], problems
    assert words in problems[0][1], problems


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("tx", "'tx' is not a state or province code; write it in upper case: TX"),
        ("Texas", "'Texas' is not a state or province code; write its code: TX"),
        ("ZZ", "'ZZ' is not a state or province code (two letters, upper case: the 50 "
               "US states, DC, the US territories, the Canadian provinces and territories)"),
    ],
)
def test_a_site_state_is_one_of_the_codes_a_rules_file_may_name(state: str,
                                                                 message: str) -> None:
    """``state = "ZZ"`` passed (two upper-case letters) and no regulation rule could ever
    match the site: the rules file and the portfolio check one list, with one message."""
    text = toml_text(sites=[site("A", contract(40), _line(power_w=3500), capacity_mw=4,
                                 state=state)])
    assert _all(text) == [("sites[0].state", message)]
    for ok in ("TX", "QC", "PR", "DC"):
        assert parse_portfolio(text.replace(f'"{state}"', f'"{ok}"'), "x.toml").sites[0].state == ok


@pytest.mark.parametrize(
    ("fields", "problems"),
    [
        ({"iso": "ERCTO"}, [("sites[0].iso", "'ERCTO' is not a grid operator hashpivot "
                                             "knows; did you mean ERCOT?")]),
        ({"region": "NYSIO"}, [("sites[0].region", "'NYSIO' is not a grid operator "
                                                   "hashpivot knows; did you mean NYISO?")]),
        ({"region": "NYSIO_J"}, [("sites[0].region", "'NYSIO_J' is not a grid operator "
                                                     "hashpivot knows; did you mean "
                                                     "NYISO_J?")]),
        ({"region": "Texas", "iso": "ISO-NE"},
         [("sites[0].region", "'Texas' is a state, not a grid operator: write it in the "
                              "site's state (TX)"),
          ("sites[0].iso", "'ISO-NE' is not a grid operator hashpivot knows; did you mean "
                           "ISONE?")]),
    ],
)
def test_a_site_grid_operator_near_a_known_one_is_refused(
        fields: dict[str, str], problems: list[tuple[str, str]]) -> None:
    """``iso = "ERCTO"`` (or ``region = "NYSIO"``) escaped every ERCOT (NYISO) regulation
    rule and had no bundled emissions factor, without a word: a near miss of a known
    operator or of a zone of one, another spelling of one, or a state is refused with the
    rules file's message (:func:`hashpivot.models.jurisdictions.grid_operator_problem`)."""
    text = toml_text(sites=[site("A", contract(40), _line(power_w=3500), capacity_mw=4,
                                 **fields)])
    assert sorted(_all(text)) == sorted(problems)


@pytest.mark.parametrize("fields", [
    {"region": "SERC"}, {"iso": "TVA"}, {"region": "NYISO_J"}, {"iso": "hq"},
    {"region": "ATLANTIS"}, {"region": "pjm_east", "iso": "ercot"}, {"region": "BPA"},
])
def test_a_site_grid_operator_hashpivot_does_not_list_or_a_zone_is_kept(
        fields: dict[str, str]) -> None:
    """A site's ``iso`` and ``region`` stay free text: a utility or balancing authority
    (``TVA``, ``SERC``), a zone of a known operator (``NYISO_J``), any case."""
    text = toml_text(sites=[site("A", contract(40), _line(power_w=3500), capacity_mw=4,
                                 **fields)])
    got = parse_portfolio(text, "x.toml").sites[0]
    assert {k: getattr(got, k) for k in fields} == fields


def test_a_fleet_over_capacity_does_not_hide_halls_that_take_all_of_it() -> None:
    """A capacity cut below the fleet and the halls in service: both problems at once (the
    fleet's hid the halls': pydantic stops at a model's first failing check)."""
    hall = table(gross_mw=4.0, lease_start="2024-06", lease_end="2036-05",
                 lease_usd_per_kw_month=120.0)
    text = toml_text(sites=[site("A", contract(40), _line(power_w=3500), _line(power_w=3500),
                                 capacity_mw=4, hosting=table(in_service=[hall]))])
    assert [p for p, _ in _all(text)] == ["sites[0]", "sites[0].hosting.in_service[0].gross_mw"]
