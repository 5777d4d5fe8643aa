"""Every ``--help`` prints its texts whole: a unit in brackets (``[s]``, ``[fraction]``) or a
TOML table (``[[optimize.committed]]``) is text, not a rich markup tag that vanishes.

Until 2026-12-06 five texts lost a bracketed part this way (``optimize --fixed-through``
read "... up to this quarter (YYYYQn) to []: a rolling plan."; ``network --timeout-s``
lost its unit), because only some help strings were escaped by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from hashpivot.cli.app import _COMMANDS, _module_group, app

#: a bracketed part of a help text, not escaped (``\[`` already prints as ``[``)
_BRACKETED = re.compile(r"(?<!\\)\[[^\[\]]*\]")


def _commands() -> Iterator[tuple[list[str], Any]]:
    """Every command and subcommand with its argument path, e.g. (["data", "update"], cmd)."""

    def walk(command: Any, path: list[str]) -> Iterator[tuple[list[str], Any]]:
        yield path, command
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, [*path, name])

    for name, (module, _) in _COMMANDS.items():
        yield from walk(_module_group(module).get_command(None, name), [name])


def _bracketed_parts(command: Any) -> list[str]:
    """The bracketed parts of a command's help and of its parameters' help, as printed."""
    texts = [command.help or ""] + [getattr(p, "help", None) or "" for p in command.params]
    return [part for text in texts for part in _BRACKETED.findall(text.replace("\\[", "["))]


@pytest.mark.parametrize("path", [p for p, _ in _commands()], ids=" ".join)
def test_every_bracketed_part_of_a_help_is_printed(path: list[str]) -> None:
    command = dict((tuple(p), c) for p, c in _commands())[tuple(path)]
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=400,
                                env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    printed = " ".join(result.output.split())
    missing = [part for part in _bracketed_parts(command) if part not in printed]
    assert not missing, f"hashpivot {' '.join(path)} --help drops {missing}"


def test_the_listing_prints_its_units() -> None:
    result = CliRunner().invoke(app, ["--help"], terminal_width=400, env={"COLUMNS": "400"})
    assert "Hashprice [USD/PH/day] from price and difficulty." in result.output


def test_the_cases_hold_bracketed_parts() -> None:
    """The parametrized test has something to check: the five texts that lost theirs."""
    parts = {tuple(p): _bracketed_parts(c) for p, c in _commands()}
    assert "[optimize.committed]" in parts[("optimize",)]
    assert "[s]" in parts[("network",)] and "[s]" in parts[("data", "update")]
    assert "[blocks]" in parts[("hashprice",)] and "[days]" in parts[("profit",)]
