"""A block height given to a model or a calculation is at most 6,930,000
(``units.SUBSIDY_END_HEIGHT``), the first height whose subsidy is 0: 50 BTC is
5,000,000,000 satoshi, and 33 halvings shift it to 0 (Bitcoin Core's ``GetBlockSubsidy``).
A higher height means the same subsidy, so nothing is lost. Until 2026-12-07
``[scenario] block_height`` had no upper bound (``2**63 - 1`` was accepted), ``[pivot]
start_height`` stopped at 20,000,000 and ``hashprice --height`` and the service's
conditions had none.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hashpivot.bitcoin import block_subsidy_sat
from hashpivot.exceptions import InputError
from hashpivot.models import parse_portfolio
from hashpivot.store.run_params import NetworkParams
from hashpivot.units import SUBSIDY_END_HEIGHT
from tests.cli.cli_inputs import run_main
from tests.portfolio_toml import contract, machines, site, table, toml_text

TOO_HIGH = [SUBSIDY_END_HEIGHT + 1, 2**63 - 1]


def _text(**tables: object) -> str:
    one = site("A", contract(40), machines("m", 200.0, 3500.0, 1000), capacity_mw=4)
    return toml_text(sites=[one], **tables)


def test_the_bound_is_the_first_height_of_no_subsidy() -> None:
    assert SUBSIDY_END_HEIGHT == 6_930_000
    assert block_subsidy_sat(SUBSIDY_END_HEIGHT - 1) == 1
    assert block_subsidy_sat(SUBSIDY_END_HEIGHT) == 0


@pytest.mark.parametrize("height", TOO_HIGH)
@pytest.mark.parametrize(("table_name", "field"),
                         [("scenario", "block_height"), ("pivot", "start_height")])
def test_a_height_past_the_subsidy_s_end_is_refused(table_name: str, field: str,
                                                    height: int) -> None:
    with pytest.raises(InputError) as err:
        parse_portfolio(_text(**{table_name: table(**{field: height})}), "x.toml")
    [problem] = err.value.problems
    assert problem.path == f"{table_name}.{field}"
    assert problem.message.startswith("Input should be less than or equal to 6930000")
    ok = parse_portfolio(_text(**{table_name: table(**{field: SUBSIDY_END_HEIGHT})}), "x.toml")
    assert getattr(getattr(ok, table_name), field) == SUBSIDY_END_HEIGHT


def test_hashprice_and_the_service_s_conditions_take_the_same_bound() -> None:
    code, _, err = run_main("hashprice", "--btc-price-usd", "1e5", "--difficulty", "1e14",
                            "--height", str(2**63 - 1))
    assert code == 2
    assert ("--height: must be within 0-6,930,000 (the first height of no subsidy; got "
            f"{2**63 - 1})") in err
    code, _, err = run_main("hashprice", "--btc-price-usd", "1e5", "--difficulty", "1e14",
                            "--height", str(SUBSIDY_END_HEIGHT))
    assert code == 0, err
    with pytest.raises(ValidationError):
        NetworkParams(btc_price_usd=1e5, difficulty=1e14, height=2**63 - 1)
