"""The documentation names what the code has: the result keys a user reads in ``--json``
are in ``docs/nomenclature.md``, every module of the package is in ``docs/architecture.md``'s
tree, every settings variable of ``hashpivot serve`` is in README.md, and every bundled data
file has its origin, licence and build in ``data/PROVENANCE.md``."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "hashpivot"
DATA = PACKAGE / "data"


def _words(path: Path) -> set[str]:
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", path.read_text()))


def _keys(obj: Any) -> set[str]:
    """Every key of the nested dicts in ``obj`` that reads as a name (not a site, a month
    or a strategy's name, which are data)."""
    out: set[str] = set()
    if isinstance(obj, dict):
        for key, value in obj.items():
            if re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", key):
                out.add(key)
            out |= _keys(value)
    elif isinstance(obj, list):
        for value in obj:
            out |= _keys(value)
    return out


def _documented_names(path: Path) -> tuple[set[str], list[re.Pattern[str]]]:
    """The names ``path`` gives: its words, and the patterns of its shorthands. A name
    with a ``<placeholder>`` (``margin_<view>_fraction``) or a ``*`` (``*_ci95_half``)
    stands for every name it matches; a `` `_tail` `` after a name in the same list of a
    cell (`` `npv_after_tax_mean_usd`, `_p5_usd` ``) for that name with its last as many
    parts replaced by the tail (``npv_after_tax_p5_usd``)."""
    text = path.read_text()
    part = r"[a-z0-9]+(?:_[a-z0-9]+)*"
    patterns: list[re.Pattern[str]] = []
    for cell in re.split(r"\|", text):
        previous = ""
        for name in re.findall(r"`([^`\s]+)`", cell):
            if (re.fullmatch(r"[a-z0-9_]*(?:(?:<[^<>]+>|\*)[a-z0-9_]*)+", name)
                    and re.search(r"[a-z0-9]", re.sub(r"<[^<>]+>", "", name))):
                pieces = re.split(r"(<[^<>]+>|\*)", name)
                patterns.append(re.compile("".join(part if i % 2 else re.escape(piece)
                                                   for i, piece in enumerate(pieces))))
            elif re.fullmatch(r"(?:_[a-z0-9]+)+", name) and previous:
                n_tail = name.count("_")
                stem = previous.split("_")[: -n_tail]
                if stem:
                    patterns.append(re.compile(re.escape("_".join(stem) + name)))
            if re.fullmatch(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*", name):
                previous = name
    return _words(path), patterns


def _missing_from_nomenclature(keys: set[str]) -> list[str]:
    words, patterns = _documented_names(ROOT / "docs" / "nomenclature.md")
    return sorted(k for k in keys - words if not any(p.fullmatch(k) for p in patterns))


def _cli_json(args: list[str]) -> dict[str, Any]:
    """The ``--json`` object of ``hashpivot <args> --json``, run in this process (once per
    ``args``: the tests of its keys outside and inside its inputs read the same run)."""
    doc: dict[str, Any] = json.loads(_cli_stdout(tuple(args)))
    return doc


@functools.cache
def _cli_stdout(args: tuple[str, ...]) -> str:
    from typer.testing import CliRunner

    from hashpivot.cli.app import app

    res = CliRunner().invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    return res.stdout


#: The runs of the Makefile's ``demo`` target (``pivot`` above), made small.
CLI_RUNS: dict[str, list[str]] = {
    "profit": ["profit", "S21 XP", "S21", "--power-price-usd-per-mwh", "50",
               "--machine-price-usd-per-th", "15"],
    "cost": ["cost", str(ROOT / "examples" / "reverse-margin.toml"), "--btc-price-usd",
             "95000", "--difficulty", "117e12", "--fees-btc-per-block", "0.03"],
    "backtest": ["backtest", str(ROOT / "examples" / "reverse-margin.toml"), "--start",
                 "2020-01-01", "--end", "2025-09-26"],
    "dispatch": ["dispatch", str(ROOT / "examples" / "dispatch-west-texas.toml"),
                 "--market", "ercot:HB_WEST:2024"],
    "simulate": ["simulate", str(ROOT / "examples" / "pivot-200mw.toml"), "--paths", "200",
                 "--seed", "7"],
    # one in-sample scenario, two out of sample, one for EVPI: every key, in seconds
    "optimize": ["optimize", str(ROOT / "examples" / "portfolio.toml"), "--scenarios", "1",
                 "--oos-scenarios", "2", "--evpi-scenarios", "1", "--risk-aversion", "0.3",
                 "--seed", "7", "--time-limit", "30"],
}


@pytest.mark.parametrize("command", sorted(CLI_RUNS))
def test_every_key_of_a_commands_json_outside_its_inputs_is_in_the_nomenclature(
        command: str) -> None:
    doc = _cli_json(CLI_RUNS[command])
    # the inputs (optimize's `assumptions`) echo the portfolio's fields and run settings
    # (docs/reference.md), the assumptions their sources
    shown = {k: v for k, v in doc.items()
             if k not in ("inputs", "assumptions", "resolved_assumptions")}
    # strategy names (keep_mining, ...) are keys of `strategies`, sites' of their tables
    keys = _keys(shown) | {k for k in shown if re.fullmatch(r"[a-z0-9_]+", k)}
    missing = _missing_from_nomenclature(keys)
    assert not missing, f"{command} --json keys not in docs/nomenclature.md: {missing}"


#: The runs whose ``--json`` echoes its inputs, and the object that does: the portfolio's
#: fields as resolved (named as in docs/reference.md) and the run's own settings and facts.
#: The second simulate prices an index site (its power model) that dispatches.
INPUT_RUNS: dict[str, tuple[list[str], str]] = {
    "simulate": (CLI_RUNS["simulate"], "inputs"),
    "simulate_power": (["simulate", str(ROOT / "examples" / "portfolio.toml"), "--paths", "50",
                        "--seed", "7"], "inputs"),
    "optimize": (CLI_RUNS["optimize"], "assumptions"),
}


def _portfolio_fields() -> set[str]:
    """The field names docs/reference.md documents (each with its unit), the portfolio
    file's (generated from the models)."""
    text = (ROOT / "docs" / "reference.md").read_text()
    return set(re.findall(r"^\| `([a-z][a-z0-9_]*)` \|", text, re.M))


@pytest.mark.parametrize("run", sorted(INPUT_RUNS))
def test_every_key_of_a_commands_inputs_is_a_portfolio_field_or_in_the_nomenclature(
        run: str) -> None:
    """``simulate``'s ``inputs`` and ``optimize``'s ``assumptions``: the keys that are no
    portfolio field (``horizon_source``, ``fan_paths``, ``calibration``'s standard errors,
    a site's ``convertible_mw``...) are in the nomenclature with their unit."""
    args, name = INPUT_RUNS[run]
    echoed = _cli_json(args)[name]
    assert isinstance(echoed, dict) and echoed
    if run == "simulate_power":  # (else the power model's keys would go unchecked)
        assert echoed["power_fit"] and echoed["power_model"]
    keys = (_keys(echoed) | set(echoed)) - _portfolio_fields()
    missing = _missing_from_nomenclature(keys)
    assert not missing, (f"{args[0]} --json {name} keys neither in docs/reference.md nor "
                         f"in docs/nomenclature.md: {missing}")


def test_every_key_of_pivot_json_outside_its_inputs_is_in_the_nomenclature() -> None:
    from hashpivot.engines.pivot import run_pivot
    from hashpivot.models import load_portfolio

    result = run_pivot(load_portfolio(ROOT / "examples" / "pivot-200mw.toml"))
    doc = result.to_json_dict()
    assert doc["levered_basis"]  # the example has [financing]: the levered keys are there
    # the inputs echo the portfolio's fields (docs/reference.md) and the assumptions
    # their sources; strategy names (keep_mining, ...) are keys of `strategies`
    shown = {k: v for k, v in doc.items() if k not in ("inputs", "resolved_assumptions")}
    strategies = shown.pop("strategies")
    keys = _keys(shown) | set(shown) | set().union(*(_keys(s) for s in strategies.values()))
    missing = _missing_from_nomenclature(keys)
    assert not missing, f"pivot --json keys not in docs/nomenclature.md: {missing}"


def _architecture_tree() -> str:
    text = (ROOT / "docs" / "architecture.md").read_text()
    return text.split("```")[1]


def _tree_of(folder: str) -> str:
    """The lines of the tree that describe ``folder`` (a subpackage's block, from its
    ``  name/`` line to the next entry of the top level); the whole tree for ``""``."""
    tree = _architecture_tree()
    if not folder:
        return tree
    block = tree.split(f"\n  {folder}/", 1)[1]
    return re.split(r"\n  \S", block, maxsplit=1)[0]


@pytest.mark.parametrize("folder", ["", "models"])
def test_every_module_and_package_of_a_folder_is_in_the_architecture_tree(folder: str) -> None:
    """The package's top level, and every module of ``models/`` in its own block (the
    blocks of the other subpackages name only some of their modules)."""
    tree = _tree_of(folder)
    names = [p.name for p in (PACKAGE / folder).iterdir()
             if (p.suffix == ".py" and not p.name.startswith("_"))
             or (p.is_dir() and (p / "__init__.py").exists())]
    missing = sorted(n for n in names
                     if not re.search(rf"(?<![\w/.]){re.escape(n.removesuffix('.py'))}"
                                      rf"(\.py|/)", tree))
    assert not missing, f"not in docs/architecture.md's tree: {missing}"


def test_every_setting_of_the_service_is_in_the_readme() -> None:
    from hashpivot.store.settings import Settings

    readme = (ROOT / "README.md").read_text()
    settings = readme.split("**Settings**")[1].split("\n- **")[0]
    missing = sorted(name.upper() for name in Settings.model_fields
                     if f"`{name.upper()}`" not in settings
                     and f"`HASHPIVOT_{name.upper()}`" not in readme)
    assert not missing, f"HASHPIVOT_ settings not in README.md: {missing}"


def _provenance_sections() -> dict[str, tuple[str, str]]:
    """Each section of PROVENANCE.md by its heading: its text and the script whose
    generated block (between its BEGIN/END markers) holds it, "" for none."""
    text = (DATA / "PROVENANCE.md").read_text()
    out: dict[str, tuple[str, str]] = {}
    script = ""
    header, *parts = text.split("\n## ")
    for before, part in zip([header, *parts], parts, strict=False):
        if (begin := re.search(r"<!-- BEGIN (\S+\.py)", before)) is not None:
            script = begin.group(1)
        out[part.split("\n", 1)[0]] = (part, script)
        if "<!-- END " in part:
            script = ""
    return out


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.iterdir()
                                        if p.is_file() and p.name != "PROVENANCE.md"))
def test_every_bundled_file_has_its_origin_licence_and_build_in_provenance(name: str) -> None:
    text = (DATA / "PROVENANCE.md").read_text()
    header = text.split("\n## ")[0]
    sections = [(body, script) for heading, (body, script) in _provenance_sections().items()
                if f"`{name}`" in heading]
    assert len(sections) == 1, f"{name}: no section of PROVENANCE.md names it in its heading"
    body, script = sections[0]
    lower = body.lower()
    assert "origin" in lower or "from" in lower, f"{name}: no origin"
    assert "licence" in lower or "license" in lower, f"{name}: no licence statement"
    built = ("scripts/build_" in body or "by hand" in lower
             or (script != "" and f"`scripts/{script}`" in header))
    assert built, f"{name}: PROVENANCE.md names neither its build script nor 'by hand'"
    if "by hand" in lower:
        assert f"`{name}`" in header, f"{name}: the header says every file has a script"

