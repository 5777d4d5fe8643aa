"""A list that is a set of choices takes each entry once: a repeat was kept once without a
word (``strategies = ["convert", "convert"]`` valued ``convert`` once); it is a problem at
the list's path naming the repeat and the entry it repeats."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hashpivot.exceptions import InputError
from hashpivot.models import parse_portfolio
from hashpivot.store.runs import parse_params

ROOT = Path(__file__).resolve().parents[2]


def _problems(text: str) -> list[tuple[str, str, str]]:
    with pytest.raises(InputError) as err:
        parse_portfolio(text, "x.toml")
    return [(p.source, p.path, p.message) for p in err.value.problems]


def _example(name: str, pattern: str, replacement: str) -> str:
    text = (ROOT / "examples" / name).read_text()
    out, n = re.subn(pattern, replacement, text, count=1, flags=re.MULTILINE)
    assert n == 1, pattern
    return out


def test_a_repeated_strategy_is_a_problem_naming_it() -> None:
    text = _example("pivot-200mw.toml", r"^strategies = .*$",
                    'strategies = ["convert", "phased", "convert", "phased"]')
    assert _problems(text) == [(
        "x.toml", "pivot.strategies",
        "strategies[2] repeats strategies[0] ('convert'); strategies[3] repeats "
        "strategies[1] ('phased'): give each strategy once")]


def test_a_repeated_4cp_peak_interval_is_a_problem_naming_it() -> None:
    text = _example("dispatch-west-texas.toml", r"^      2024-07-31T16:45:00,$",
                    "      2024-06-27T16:45:00,")
    assert _problems(text) == [(
        "x.toml", "sites[0].dispatch.four_cp.peak_intervals",
        "peak_intervals[1] repeats peak_intervals[0] (2024-06-27T16:45:00): list each "
        "peak interval once")]


def test_a_repeated_tenant_name_is_at_the_later_tenant_s_name() -> None:
    """It was one problem at ``optimize`` (``tenant names must be unique; repeated: ...``)
    that hid the committed conversions' check; it is at the repeat's own path now."""
    text = _example("portfolio.toml", r'^  name = "Neocloud B" .*$', '  name = "Hyperscaler A"')
    assert _problems(text) == [(
        "x.toml", "optimize.tenants[1].name",
        "repeats the name of tenants[0] ('Hyperscaler A'): tenant names must be unique (a "
        "committed conversion names its tenant)")]


def test_the_examples_lists_of_choices_are_valid_as_they_are() -> None:
    for name in ("pivot-200mw.toml", "dispatch-west-texas.toml", "portfolio.toml"):
        parse_portfolio((ROOT / "examples" / name).read_text())


def test_a_figure_given_twice_in_stored_network_conditions_is_a_problem() -> None:
    network = {"btc_price_usd": 1e5, "difficulty": 1e14,
               "given": ["btc_price_usd", "btc_price_usd"]}
    with pytest.raises(InputError) as err:
        parse_params("cost", {"network": network})
    assert [(p.path, p.message) for p in err.value.problems] == [(
        "network.given", "given[1] repeats given[0] ('btc_price_usd'): name each figure once")]
