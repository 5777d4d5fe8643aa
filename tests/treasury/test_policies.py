"""Tests of the treasury's policies (hashpivot.treasury.policies): which policies a
simulation runs, headline first."""

from __future__ import annotations

import pytest

from hashpivot.exceptions import InputError
from hashpivot.models.risk import TreasurySpec
from hashpivot.treasury import POLICIES, policy_order


def test_policy_order_headline_first_then_the_others_in_order() -> None:
    spec = TreasurySpec(policy="sell_to_cover")
    assert policy_order(spec) == ("sell_to_cover", "hold", "sell_all", "min_cash")
    # no [treasury] table: the default spec's policy (hold) first
    assert policy_order(None)[0] == TreasurySpec().policy
    assert sorted(policy_order(None)) == sorted(POLICIES)


def test_policy_order_one_policy_or_all() -> None:
    spec = TreasurySpec(policy="sell_to_cover")
    assert policy_order(spec, "min_cash") == ("min_cash",)
    assert policy_order(spec, "all") == ("hold", "sell_all", "sell_to_cover", "min_cash")


def test_policy_order_unknown_name_is_an_input_error_at_policy() -> None:
    with pytest.raises(InputError) as info:
        policy_order(None, "hodl")
    (problem,) = info.value.problems
    assert problem.path == "policy" and problem.source == ""
    assert problem.message == (
        "'hodl' is not one of hold, sell_all, sell_to_cover, min_cash or 'all'"
    )
