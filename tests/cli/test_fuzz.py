"""Mutated example files (scripts/fuzz.py's generator) never crash the CLI.

Every outcome is either one or more ``error:`` lines, each naming the file and a field path
(or the option), with exit 2, or a result with no NaN, no inf and no impossible value
(fractions outside [0, 1], negative energy, a negative breakeven without a note). The long
run is ``python scripts/fuzz.py`` (docs/testing.md); this one is bounded for CI.
"""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]


def _fuzz() -> ModuleType:
    name = "hashpivot_fuzz_script"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / "fuzz.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


FUZZ = _fuzz()
EXAMPLES = FUZZ.load_examples()
# the fast targets: cost, dispatch, pivot and backtest on the examples (simulate and
# optimize run in the long run)
FAST = [i for i, (_, argv) in enumerate(FUZZ.TARGETS) if argv[0] not in FUZZ.SLOW_COMMANDS]


@pytest.fixture(scope="module")
def side_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    FUZZ.make_side_files(folder)
    return folder


@settings(
    max_examples=120,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(target=st.sampled_from(FAST), seed=st.integers(0, 2**32 - 1))
def test_mutated_example_gives_named_error_or_sound_result(
    side_folder: Path, target: int, seed: int
) -> None:
    rng = random.Random(seed)
    name, argv_t = FUZZ.TARGETS[target]
    doc, done = FUZZ.mutate(EXAMPLES[name], rng)
    path = side_folder / "case.toml"
    FUZZ.write_toml(doc, path)
    argv = [a.replace("{f}", str(path)) for a in argv_t]
    code, out, err = FUZZ.run_in_process(argv, timeout_s=120)
    words = tuple(w for w in ("nan", "inf", "NaN") if f"'{w}'" in " ".join(done))
    outcome = FUZZ.classify(code, out, err, argv, (str(path),), words)
    assert outcome.category in ("ok", "input_error"), (name, argv_t[0], done, outcome, err)


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ("error: x.toml: sites[0].fleet: the site has neither a fleet nor AI load", True),
        ("error: x.toml: (root): is a folder, not a file", True),
        ("error: fleet: the site has neither a fleet nor AI load", False),
        ("error: power_contract.market: no bundled prices for ercot:NOPE", False),
        ("error: <command line>: --date: expected an ISO date", True),
        ("error: <command line>: Invalid value for '--seed': 'x' is not a valid integer", True),
        ("error: <command line>: something went wrong", False),
    ],
)
def test_error_lines_must_name_file_and_path(line: str, named: bool) -> None:
    assert FUZZ._named(line, ("x.toml",)) is named


@pytest.mark.parametrize(
    ("stdout", "bad"),
    [
        ('{"margin_direct_fraction": 0.5, "cost_per_btc_direct_usd": 1, "btc_per_day": 1}', 0),
        ('{"margin_direct_fraction": NaN, "cost_per_btc_direct_usd": 1, "btc_per_day": 1}', 1),
        ('{"uptime_fraction": 1.2}', 1),
        ('{"energy_mwh": -5}', 1),
        ('{"strategies": [{"name": "convert_nanmw_2026-01"}]}', 1),
        ('{"x": 1} {"y": 2}', 1),
    ],
)
def test_result_checks_catch_impossible_values(stdout: str, bad: int) -> None:
    command = "cost" if "margin" in stdout else "pivot"
    assert bool(FUZZ.result_problems(command, stdout, True)) == bool(bad)
