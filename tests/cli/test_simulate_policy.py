"""``hashpivot simulate --policy``: an unknown policy is reported at the option."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from hashpivot.cli.app import app

SITE = str(Path(__file__).parents[1] / "data" / "simulate_site.toml")


def test_unknown_policy_names_the_option_and_the_choices() -> None:
    res = CliRunner().invoke(app, ["simulate", SITE, "--policy", "yolo"])
    assert res.exit_code == 2
    assert res.stderr.strip() == (
        "error: <command line>: --policy: 'yolo' is not one of hold, sell_all, "
        "sell_to_cover, min_cash or 'all'"
    )
