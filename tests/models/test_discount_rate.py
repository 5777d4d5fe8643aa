"""Discount rates are within [0, 1] (``run_defaults.MIN_DISCOUNT_RATE`` and
``MAX_DISCOUNT_RATE``), in the file and on the command line.

The rates are nominal, effective annual, as every other rate of the model (the loan's
interest, the growths, the escalators): a negative one values a dollar later above a
dollar now, which no cost of capital does. Until 2026-12-07 the bound was -0.99 (only
to keep 1 + r > 0): ``discount_rate = -0.5`` valued a 100 MW conversion at 5.1 million
M USD and its tornado's lease-term case with the terminal value at 1.45e15 USD. The
tornado moves the rate by ``discount_rate_delta`` from the file's, floored at 0 as the
file is.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hashpivot.engines import pivot as pv
from hashpivot.exceptions import InputError
from hashpivot.models import parse_portfolio
from hashpivot.run_defaults import MAX_DISCOUNT_RATE, MIN_DISCOUNT_RATE
from tests.cli.cli_inputs import run_main

EXAMPLE = Path(__file__).parents[2] / "examples" / "pivot-200mw.toml"
RATE = "discount_rate = 0.10\n"
EQUITY = "equity_discount_rate = 0.15"


def _text(rate: str = "0.10", equity: str = "0.15") -> str:
    text = EXAMPLE.read_text()
    assert text.count(RATE) == 1 and text.count(EQUITY) == 1
    return text.replace(RATE, f"discount_rate = {rate}\n").replace(
        EQUITY, f"equity_discount_rate = {equity}")


def test_the_bounds() -> None:
    assert (MIN_DISCOUNT_RATE, MAX_DISCOUNT_RATE) == (0.0, 1.0)


@pytest.mark.parametrize("rate", ["-0.5", "-0.01"])
def test_a_negative_rate_is_refused_in_the_file(rate: str) -> None:
    with pytest.raises(InputError) as err:
        parse_portfolio(_text(rate, rate), "x.toml")
    assert [(p.path, p.message) for p in err.value.problems] == [
        (path, f"Input should be greater than or equal to 0 (got {rate})")
        for path in ("financing.equity_discount_rate", "pivot.discount_rate")]


def test_a_negative_rate_is_refused_on_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text(_text())
    code, _, err = run_main("simulate", str(path), "--paths", "8", "--discount-rate", "-0.5")
    assert code == 2
    assert "--discount-rate: must be a fraction in [0, 1] (got -0.5)" in err


def test_at_a_zero_rate_the_tornado_s_low_end_is_zero() -> None:
    res = pv.run_pivot(parse_portfolio(_text("0.0"), "x.toml"))
    row = res.tornado.set_index("variable").loc["discount_rate"]
    assert (row["low_input"], row["high_input"]) == (0.0, pytest.approx(0.02))
    # the low end is the base: no swing on that side
    [pivot] = [r for r in res.strategies if r.name == "convert_100mw_2026-01"]
    base = pivot.npv_vs_baseline_usd
    assert row["npv_vs_baseline_low_usd"] == pytest.approx(base, rel=1e-12)
