"""Text or a boolean given for a number is a problem at its path (pydantic's lax mode
read ``capacity_mw = "200"`` as 200 MW while it refused ``"1,000"``); a number is a TOML
or JSON number, an integer where a decimal is taken."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from hashpivot.exceptions import InputError
from hashpivot.models import load_portfolio, parse_portfolio, validate_data
from tests.portfolio_toml import contract, machines, site, table, toml_text

ROOT = Path(__file__).resolve().parents[2]
QUOTES = ": write the number without quotes"


def _problems(text: str) -> list[tuple[str, str]]:
    with pytest.raises(InputError) as err:
        parse_portfolio(text, "x.toml")
    return [(p.path, p.message) for p in err.value.problems]


def _site(**fields: Any) -> dict[str, Any]:
    line = fields.pop("line", {})
    return site("A", contract(40), machines("S21", 200, 3500, **{"count": 10, **line}),
                **{"capacity_mw": 4, **fields})


def test_a_quoted_number_in_a_file_is_a_problem_naming_file_path_and_value(
        tmp_path: Path) -> None:
    """``capacity_mw = "200"`` was 200 MW without a word; it is now refused, at its path,
    with the file and the value, saying to remove the quotes."""
    text = (ROOT / "examples" / "pivot-200mw.toml").read_text()
    assert "\ncapacity_mw = 200.0 " in text
    path = tmp_path / "quoted.toml"
    path.write_text(text.replace("\ncapacity_mw = 200.0 ", '\ncapacity_mw = "200" '))
    with pytest.raises(InputError) as err:
        load_portfolio(path)
    assert [(p.source, p.path, p.message) for p in err.value.problems] == [
        (str(path), "sites[0].capacity_mw", f"expected a number, not text (got '200'){QUOTES}")]


@pytest.mark.parametrize(("value", "message"), [
    ("200", f"expected a number, not text (got '200'){QUOTES}"),
    (" 1e3 ", f"expected a number, not text (got ' 1e3 '){QUOTES}"),
    ("1,000", "expected a number, not text (got '1,000')"),
    ("5%", "expected a number, not text (got '5%')"),
    ("inf", "expected a number, not text (got 'inf')"),
    ("-5", f"expected a number, not text (got '-5'){QUOTES}"),  # (no bound judged on -5)
])
def test_every_text_for_a_number_gets_one_problem_alike(value: str, message: str) -> None:
    """A text that spells a number and one that does not are refused alike (pydantic took
    the first and refused the second); nothing is judged on the number the text spells."""
    assert _problems(toml_text(sites=[_site(capacity_mw=value)])) == [
        ("sites[0].capacity_mw", message)]


def test_text_inside_lists_and_dictionaries_of_numbers_is_at_its_path() -> None:
    """An element of a list of numbers, a value of a dictionary of numbers, an integer
    count and a field of a number or a list: each at its own path."""
    text = toml_text(sites=[_site(line={"count": "10"})],
                     scenario=table(btc_drift_by_year={"2026": "0.3"}),
                     optimize=table(equity_budget_usd_per_year=[1e8, "2e8"]))
    assert _problems(text) == [
        ("sites[0].fleet[0].count", f"expected a number, not text (got '10'){QUOTES}"),
        ("scenario.btc_drift_by_year.2026", f"expected a number, not text (got '0.3'){QUOTES}"),
        ("optimize.equity_budget_usd_per_year[1]",
         f"expected a number, not text (got '2e8'){QUOTES}")]
    whole = toml_text(sites=[_site()], optimize=table(equity_budget_usd_per_year="abc"))
    assert _problems(whole) == [("optimize.equity_budget_usd_per_year",
                                 "expected a number, not text (got 'abc')")]


def test_an_integer_for_a_decimal_stays_fine_a_fraction_for_a_count_does_not() -> None:
    """``capacity_mw = 4`` (a TOML integer) is 4.0 MW; ``count = 2.5`` machines is a
    problem; ``count = 10.0`` is 10 machines (a whole number, as TOML writes 1e1)."""
    pf = parse_portfolio(toml_text(sites=[_site(capacity_mw=4, line={"count": 10.0})]))
    assert pf.sites[0].capacity_mw == 4.0 and pf.sites[0].fleet[0].count == 10
    assert [p for p, _ in _problems(toml_text(sites=[_site(line={"count": 2.5})]))] == [
        "sites[0].fleet[0].count"]


def test_dates_and_words_are_still_text() -> None:
    """Date fields take ISO text and TOML date literals (docs/reference.md), names and
    choices take text: none of them is a number."""
    import datetime as dt

    for start in ("2024-01-15", dt.date(2024, 1, 15)):
        text = toml_text(sites=[_site(line={"start": start}, region="ERCOT")],
                         pivot=table(start="2026-01", strategies=["convert_all"]))
        pf = parse_portfolio(text)
        assert pf.sites[0].fleet[0].start == "2024-01-15" and pf.pivot is not None


def test_a_field_that_takes_text_or_a_number_takes_both() -> None:
    """Only a field that takes numbers alone refuses text."""

    class Either(BaseModel):
        x: float | str = 0.0
        y: float | None = None

    assert validate_data(Either, {"x": "12"}, "s").x == "12"
    with pytest.raises(InputError) as err:
        validate_data(Either, {"y": "12"}, "s")
    assert [p.path for p in err.value.problems] == ["y"]
