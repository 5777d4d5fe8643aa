"""The documentation names what the code has: the result keys a user reads in ``--json``
are in ``docs/nomenclature.md``, every module of the package is in its folder's block of
``docs/architecture.md``'s tree (and every module that tree or its prose names exists),
every settings variable of ``hashpivot serve`` is in README.md, and every bundled data file
has its origin, licence and build in ``data/PROVENANCE.md``."""

from __future__ import annotations

import functools
import importlib
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


#: The ``--out`` runs whose CSV columns a user reads: the demo's commands, made small.
OUT_RUNS: dict[str, list[str]] = {
    **{c: CLI_RUNS[c] for c in ("backtest", "dispatch", "simulate", "optimize")},
    "pivot": ["pivot", str(ROOT / "examples" / "pivot-200mw.toml")],
}


@pytest.mark.parametrize("command", sorted(OUT_RUNS))
def test_every_column_of_a_commands_out_csv_files_is_in_the_nomenclature(
        command: str, tmp_path: Path) -> None:
    """The header of every CSV (``.csv.gz`` too) an ``--out`` folder receives: each column
    that reads as a name (not a strategy's or a tranche's name alone) is in
    ``docs/nomenclature.md`` with its unit."""
    import gzip

    from typer.testing import CliRunner

    from hashpivot.cli.app import app

    out = tmp_path / "out"
    res = CliRunner().invoke(app, [*OUT_RUNS[command], "--out", str(out)])
    assert res.exit_code == 0, res.output
    files = sorted(out.glob("*.csv")) + sorted(out.glob("*.csv.gz"))
    assert files, f"{command} --out wrote no CSV"
    missing: dict[str, list[str]] = {}
    for f in files:
        with (gzip.open(f, "rt") if f.suffix == ".gz" else f.open()) as fh:
            header = fh.readline().strip().split(",")
        names = {c for c in header if re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", c)}
        if gone := _missing_from_nomenclature(names):
            missing[f.name] = gone
    assert not missing, f"{command} --out CSV columns not in docs/nomenclature.md: {missing}"


def _command_options() -> dict[str, set[str]]:
    """Every ``--option`` of every command and subcommand (``data update``), by name."""
    import click

    from hashpivot.cli.app import _COMMANDS, _module_group

    out: dict[str, set[str]] = {}

    def walk(command: click.Command, path: str) -> None:
        for param in command.params:
            for opt in [*param.opts, *getattr(param, "secondary_opts", [])]:
                if opt.startswith("--") and opt != "--help":
                    out.setdefault(path, set()).add(opt)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}")

    for name, (module, _) in _COMMANDS.items():
        walk(_module_group(module).get_command(None, name), name)  # type: ignore[arg-type]
    return out


def test_every_option_of_every_command_is_in_the_docs() -> None:
    """An option ``--help`` lists is named in README.md or docs/*.md (where a user who
    reads the docs, not every command's help, finds it)."""
    text = "\n".join(p.read_text() for p in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
    options = _command_options()
    assert len(options) > 15 and "--paths" in options["simulate"]
    missing = sorted(f"{c} {o}" for c, opts in options.items() for o in opts
                     if not re.search(rf"{re.escape(o)}(?![\w-])", text))
    assert not missing, f"options not in README.md or docs/*.md: {missing}"


def _architecture_tree() -> list[str]:
    """The lines of ``docs/architecture.md``'s tree below its ``src/hashpivot/`` line."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    root, *lines = text.split("```")[1].strip("\n").split("\n")
    assert root == "src/hashpivot/", root
    return lines


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _entries(lines: list[str], indent: int) -> dict[str, list[str]]:
    """The entries of a block whose entries stand ``indent`` spaces in: each entry's name
    (``units.py``, ``engines/``) and the lines under it, indented further (the rest of its
    description and, for a folder, its own block). The lines above the first entry (the
    rest of the folder's description) are no entry's."""
    out: dict[str, list[str]] = {}
    under: list[str] | None = None
    for line in lines:
        if not line.strip():
            continue
        if _indent(line) < indent:
            raise AssertionError(f"docs/architecture.md: left of its block: {line!r}")
        if _indent(line) == indent:
            name = line.split()[0]
            assert name not in out, f"docs/architecture.md: {name} twice in one block"
            under = out[name] = []
        elif under is not None:
            under.append(line)
    return out


def _tree_of(folder: str) -> list[str]:
    """The names the tree gives ``folder`` (``engines/pivot``; ``""`` the top): the entries
    of its block, two spaces right of its ``name/`` line in its parent folder's block."""
    lines, indent = _architecture_tree(), 2
    for part in folder.split("/") if folder else []:
        entries = _entries(lines, indent)
        assert f"{part}/" in entries, f"docs/architecture.md's tree has no {folder}/ block"
        lines = entries[f"{part}/"]
        indent += 2
    return list(_entries(lines, indent))


#: The folders the tree sums up in one line of their parent's block (``versions/``: one
#: Alembic migration per schema change), their files unnamed.
SUMMED_UP = {"store/migrations/versions"}


def _python_folders() -> list[str]:
    """Every folder of the package that holds Python, as a path from it (``""`` the top)."""
    found = {p.parent.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")}
    return sorted({"" if f == "." else f for f in found} - SUMMED_UP)


def _modules_and_folders(folder: str) -> set[str]:
    """What ``folder`` holds that its block names: its modules (``__init__.py`` aside,
    private ones too) and its folders that hold Python (``name/``)."""
    path = PACKAGE / folder
    return ({p.name for p in path.glob("*.py") if p.name != "__init__.py"}
            | {f"{p.name}/" for p in path.iterdir() if p.is_dir() and any(p.rglob("*.py"))})


@pytest.mark.parametrize("folder", _python_folders())
def test_every_module_and_package_of_a_folder_is_in_the_architecture_tree(folder: str) -> None:
    """Every module and Python folder of every folder of the package (``versions/`` of the
    migrations aside: one line sums them up) is an entry of that folder's own block:
    ``models/fleet.py`` is not found on ``engines/pivot/fleet.py``'s line."""
    missing = sorted(_modules_and_folders(folder) - set(_tree_of(folder)))
    assert not missing, f"not in {folder or 'the top'}'s block of docs/architecture.md: {missing}"


@pytest.mark.parametrize("folder", _python_folders())
def test_every_module_the_architecture_tree_names_exists(folder: str) -> None:
    """Every ``name.py`` and ``name/`` of a folder's block is in that folder (a module
    moved or removed leaves no line behind); every entry is one of the two."""
    path = PACKAGE / folder
    names = _tree_of(folder)
    odd = [n for n in names if not re.fullmatch(r"\w+(\.py|/)", n)]
    assert not odd, f"{folder or 'the top'}: entries neither name.py nor name/: {odd}"
    gone = [n for n in names if not (path / n.removesuffix("/")).exists()]
    assert not gone, f"docs/architecture.md names what {folder or 'the top'} lacks: {gone}"


def _resolves(dotted: str) -> bool:
    """Whether ``dotted`` (``store.runs.RUN_KINDS``, ``power.model``) names a module of
    the package or a name in one."""
    parts = dotted.split(".")
    for n in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(["hashpivot", *parts[:n]]))
        except ModuleNotFoundError:
            continue
        for name in parts[n:]:
            if not hasattr(obj, name):
                return False
            obj = getattr(obj, name)
        return True
    return False


def test_every_module_and_name_the_architecture_prose_cites_exists() -> None:
    """The prose around the tree (the service, the flow of a run, where new code goes)
    cites folders and modules by path (``store/run_steps/``, ``io/__init__.py``, from the
    package or the repository) and names by their dotted path from the package
    (``engines.economics.fleet_arrays.portfolio_arrays``, ``io._table.read_and_parse``): each is
    there. Field paths (``sites[1].hosting.pue``), other packages' names and bare names
    are not checked."""
    before, _, after = (ROOT / "docs" / "architecture.md").read_text().split("```", 2)
    tops = {p.name.removesuffix(".py") for p in PACKAGE.iterdir()}
    cited = {ref.split("(")[0] for ref in re.findall(r"`([^`\s]+)`", before + after)}
    paths = {r for r in cited if re.fullmatch(r"[\w.]+(/[\w.]+)*/?", r) and "/" in r}
    names = {r for r in cited - paths
             if re.fullmatch(r"\w+(\.\w+)+", r) and r.split(".")[0] in tops}
    assert len(paths) > 10 and len(names) > 10  # (the patterns still find the citations)
    gone = sorted([p for p in paths if not (PACKAGE / p).exists() and not (ROOT / p).exists()]
                  + [n for n in names if not _resolves(n)])
    assert not gone, f"docs/architecture.md cites what the code lacks: {gone}"


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

