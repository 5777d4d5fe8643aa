"""A Gordon terminal value growing as fast as its line's discount rate has no finite value:
a clear error with its field path (exit 2), from the file or from ``--discount-rate``."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from hashpivot.cli.app import app
from hashpivot.exceptions import InputError
from hashpivot.models import parse_portfolio

EXAMPLE = Path(__file__).parents[2] / "examples" / "pivot-200mw.toml"
runner = CliRunner()


def _gordon(tmp_path: Path, growth: float, mining_method: str = "gordon") -> Path:
    text = EXAMPLE.read_text(encoding="utf-8") + (
        f"\n[pivot.terminal_value]\nmining_method = \"{mining_method}\"\n"
        f"hosting_method = \"gordon\"\ngrowth_per_year = {growth}\n"
    )
    out = tmp_path / "gordon.toml"
    out.write_text(text, encoding="utf-8")
    return out


def test_growth_at_the_rate_is_an_input_error_naming_the_field(tmp_path: Path) -> None:
    site = _gordon(tmp_path, 0.15)
    with pytest.raises(InputError) as err:
        parse_portfolio(site.read_text(encoding="utf-8"), str(site))
    (problem,) = err.value.problems
    assert problem.path == "pivot"
    assert problem.message.startswith("terminal_value.growth_per_year (0.15) must be below")
    res = runner.invoke(app, ["pivot", str(site)])
    assert res.exit_code == 2
    assert "terminal_value.growth_per_year (0.15)" in res.output
    assert "Traceback" not in res.output and "internal error" not in res.output


def test_only_the_lines_valued_by_gordon_are_checked(tmp_path: Path) -> None:
    """Mining discounted at 0.04, hosting at the file's 0.10: growth of 0.05 is at or above
    the mining rate only. By exit multiple the mining line is not checked (valid); by
    Gordon it is the one problem, naming the mining rate and not the hosting one. (Until
    2026-12-07 this test used the file's 0.10 for both lines, under which 0.05 is valid
    whichever lines are checked.)"""
    def text(mining_method: str) -> str:
        site = _gordon(tmp_path, 0.05, mining_method=mining_method)
        plain = site.read_text(encoding="utf-8")
        assert "# mining_discount_rate = 0.15" in plain
        return plain.replace("# mining_discount_rate = 0.15", "mining_discount_rate = 0.04")

    pf = parse_portfolio(text("exit_multiple"), "x.toml")
    assert pf.pivot is not None and pf.pivot.mining_discount_rate == 0.04
    assert pf.pivot.terminal_value.hosting_method == "gordon"
    with pytest.raises(InputError) as err:
        parse_portfolio(text("gordon"), "x.toml")
    (problem,) = err.value.problems
    assert problem.path == "pivot"
    assert problem.message.startswith(
        "terminal_value.growth_per_year (0.05) must be below the discount rate of each line "
        "valued by Gordon growth (mining 0.04):")


def test_a_run_rate_below_the_growth_names_the_option(tmp_path: Path) -> None:
    site = _gordon(tmp_path, 0.05)
    res = runner.invoke(app, ["simulate", str(site), "--paths", "100", "--discount-rate",
                              "0.04"])
    assert res.exit_code == 2, res.output
    assert "--discount-rate" in res.output
    assert ("<command line>: --discount-rate: [pivot.terminal_value] growth_per_year (0.05) "
            "must be below") in res.output
