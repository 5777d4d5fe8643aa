"""Only the CLI speaks of flags: the optimizer's messages, and the tables the CLI and the
dashboard share, name the optimizer's inputs (```time_limit_s```); the CLI says the
option typed (``--time-limit``), the dashboard its form field ("the time_limit_s
field"). Before, the engine wrote "raise --time-limit" and the dashboard showed it."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import hashpivot
from hashpivot.cli.optimize import OPTIONS, _spoken
from hashpivot.optimize import OptimizeConfig
from hashpivot.optimize.stopped_short import stopped_short_warnings
from hashpivot.power.report import SolveReport
from hashpivot.reports.tables.runs import run_tables
from hashpivot.store.run_params import OptimizeParams
from tests.optimize_result import plan_result_json

SRC = Path(hashpivot.__file__).parent
#: The optimizer's layers and the tables its interfaces share.
OPTIMIZER_FILES = [*sorted((SRC / "optimize").glob("*.py")),
                   SRC / "reports" / "tables" / "optimize.py"]
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def _strings(path: Path) -> list[tuple[int, str]]:
    """The string constants of a module that are no docstring."""
    tree = ast.parse(path.read_text())
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef
                          | ast.ClassDef)
            and n.body and isinstance(n.body[0], ast.Expr)
            and isinstance(n.body[0].value, ast.Constant)}
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs]


def test_no_message_of_the_optimizer_names_an_option() -> None:
    found = [f"{path.relative_to(SRC)}:{line}: {FLAG.findall(text)}"
             for path in OPTIMIZER_FILES for line, text in _strings(path)
             if FLAG.search(text)]
    assert not found, found


#: The layers below the interfaces (``cli/``, ``web/``; ``store/`` speaks for the service
#: and ``reports/`` holds the CLI's own tables): none of their messages names a flag.
ENGINE_LAYERS = ["engines", "models", "mining", "hosting", "power", "scenarios", "io",
                 "optimize", "treasury"]


def test_no_message_below_the_interfaces_names_an_option() -> None:
    """The engines' notes and problems reach the dashboard too: "a dispatch of this file
    (site ...)", not "`hashpivot dispatch` (--site ...)" (until 2026-12-07 the dispatch
    note, simulate's price-model row, ``[pivot] strategies``' description and a standing
    problem named CLI options or commands)."""
    files = [*sorted(SRC.glob("*.py")),
             *(p for layer in ENGINE_LAYERS for p in sorted((SRC / layer).rglob("*.py")))]
    found = [f"{path.relative_to(SRC)}:{line}: {FLAG.findall(text)}"
             for path in files for line, text in _strings(path) if FLAG.search(text)]
    assert not found, found


def test_the_cli_names_each_argument_as_the_option_that_sets_it() -> None:
    """Each argument the CLI translates is an input of the optimizer and an option of
    ``hashpivot optimize``."""
    from hashpivot.cli.app import _COMMANDS, _module_group

    command = _module_group(_COMMANDS["optimize"][0]).get_command(None, "optimize")  # type: ignore[arg-type]
    options = {o for p in command.params for o in p.opts}
    config = {f.name for f in dataclasses.fields(OptimizeConfig)}
    assert set(OPTIONS) <= config
    assert set(OPTIONS.values()) <= options


def _stopped() -> list[str]:
    stopped = SolveReport(solver="milp", status="warning",
                          termination_condition="time_limit_reached", build_seconds=0.0,
                          solve_seconds=2.0, mip_gap=0.5, objective=1.0, objective_bound=2.0)
    return stopped_short_warnings(stopped, stopped, 0.0)


def test_the_cli_says_raise_time_limit_and_the_dashboard_its_field() -> None:
    from hashpivot.web.pages import _in_form_words

    lines = _stopped()
    assert len(lines) == 2 and all(w.endswith("raise `time_limit_s`") for w in lines)
    assert all(_spoken(w).endswith("raise --time-limit") for w in lines)
    result = plan_result_json() | {"warnings": lines}
    result["out_of_sample_cvar_usd"] = {  # 5 paths in the tail: "run more scenarios"
        "n_scenarios": 100, "tail_paths": 5, "plan": 1e6, "plan_ci95_half": 1e5,
        "baseline": 0.0, "baseline_ci95_half": 1e5, "difference": 1e6,
        "difference_ci95_half": 1e5}
    notes = [n for t in _in_form_words(run_tables("optimize", result), "optimize")
             for n in t.notes]
    text = "\n".join(notes)
    assert "--" not in text and "`" not in text
    assert sum("raise the time_limit_s field" in n for n in notes) == 2
    assert "run more scenarios (the oos_scenarios field)" in text
    assert "committed conversions (the fixed_through field)" in text
    assert {"time_limit_s", "oos_scenarios", "fixed_through"} <= set(
        OptimizeParams.model_fields)
