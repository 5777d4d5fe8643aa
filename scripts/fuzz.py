"""Fuzz hashpivot's inputs: mutated example files and odd command-line values.

    python scripts/fuzz.py --files 10000 --cli 500            # the long run (docs/testing.md)
    python scripts/fuzz.py --files 200 --cli 20 --seed 7      # a quick look
    python scripts/fuzz.py --files 50 --show internal_error   # print the failing cases
    python scripts/fuzz.py --files 100 --cli 40 --only optimize,backtest   # some commands

Every run is one of:

* a **mutated file**: an example TOML from ``examples/`` with one to three mutations
  (a key deleted or renamed, a table deleted, a value replaced by a wrong type, 0, a
  negative number, NaN, inf, 1e308, a huge integer, an odd date, unicode or rich markup,
  a side file that is empty, a folder, ``/dev/null``, binary or too short), run in process
  through :func:`hashpivot.cli.app.main` (the console script's entry point) by ``cost``,
  ``pivot``, ``simulate``, ``dispatch``, ``backtest`` or ``optimize``;
* a **command line**: a real ``python -m hashpivot`` subprocess with odd option values
  (``--date 01/02/2025``, ``--seed -1``, ``--years inf``, ``--out`` on a file, a price file
  with duplicate timestamps...).

Each outcome falls in one category:

``ok``
    exit 0 and a result that passes :func:`result_problems` (one JSON document, no NaN or
    inf, fractions and probabilities in [0, 1], no negative energy, no strategy named
    ``nan``, no negative breakeven without a note, no amount above 1e15 USD);
``input_error``
    exit 2 and every ``error:`` line names the file and a field path, or the option;
``unnamed_error``
    exit 2 with an ``error:`` line that names no file, no field path and no option;
``failure_exit_1``
    exit 1 without a traceback: a failure (bad user data should exit 2);
``internal_error``
    ``internal error:``, a traceback or an unexpected exit code;
``bad_result``
    exit 0 with a result that breaks an invariant;
``timeout``
    no answer within the time limit.

The run passes when only ``ok`` and ``input_error`` occur. ``tests/cli/test_fuzz.py``
draws a few dozen mutated files from the same generator with hypothesis.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import math
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
CMD_LINE = "<command line>"

#: (example file, command line with {f} for the file); the first ones are the fastest.
TARGETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("reverse-margin.toml", ("cost", "{f}", "--date", "2025-06-01", "--json")),
    ("portfolio.toml", ("cost", "{f}", "--date", "2025-06-01", "--json")),
    ("dispatch-west-texas.toml", ("dispatch", "{f}", "--json")),
    ("pivot-200mw.toml", ("pivot", "{f}", "--json")),
    ("portfolio.toml", ("pivot", "{f}", "--json")),
    (
        "pivot-200mw.toml",
        (
            "simulate", "{f}", "--paths", "16", "--years", "1", "--chunk-paths", "16",
            "--threads", "1", "--policy", "hold", "--json",
        ),
    ),
    ("reverse-margin.toml", ("cost", "{f}", "--date", "2025-06-01")),
    ("dispatch-west-texas.toml", ("dispatch", "{f}")),
    ("reverse-margin.toml", ("backtest", "{f}", "--start", "2024-01-01", "--end", "2024-03-31",
                             "--json")),
    ("portfolio.toml", ("backtest", "{f}", "--start", "2024-04-01", "--end", "2024-05-15")),
    (
        "portfolio.toml",
        (
            "optimize", "{f}", "--scenarios", "2", "--oos-scenarios", "2", "--evpi-scenarios",
            "1", "--time-limit", "20", "--json",
        ),
    ),
)
#: How often each target is drawn (cost and dispatch are fast; pivot, simulate and optimize
#: slow).
TARGET_WEIGHTS = (4, 3, 4, 2, 1, 1, 1, 1, 1, 1, 1)
#: Targets too slow for the bounded hypothesis test in the suite (the long run has them).
SLOW_COMMANDS = ("simulate", "optimize")

BAD_VALUES: tuple[Any, ...] = (
    "abc", "", "   ", [], {}, [1, 2], True, 0, 0.0, -1, -1.5, -100, 1, 1e-300,
    float("nan"), float("inf"), float("-inf"), 1e308, -1e308, 10**30, 2**63 - 1,
    "2024-02-30", "9999-12-31", "1700-01-01", "2024-13", "2024-06-15T25:00:00",
    dt.date(2024, 6, 15), dt.datetime(2024, 8, 20, 16, 0, tzinfo=dt.UTC),
    dt.datetime(9999, 1, 1), dt.datetime(1700, 1, 1), dt.time(12, 0),
    "ÿ\u202e漢字\U0001f600", "[bold]x[/bold]", "[red", "nan", "inf", "1e308", "x" * 300,
)
#: Fields naming a side file, and where they live (created when missing).
SIDE_FILE_FIELDS: tuple[tuple[str | int, ...], ...] = (
    ("sites", 0, "dispatch", "renewable", "profile_file"),
    ("sites", 0, "dispatch", "emissions_file"),
    ("sites", 0, "dispatch", "four_cp", "peak_probability_file"),
    ("optimize", "rules_file"),
)
SIDE_FILES = (
    "empty.csv", "folder", "/dev/null", "binary.bin", "short.csv", "text.csv", "old.csv",
    "missing.csv", "dupes.csv",
)


# --------------------------------------------------------------------------- mutations
def _nodes(doc: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Every key path of a TOML document (tables, arrays and values)."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield (*path, k)
            yield from _nodes(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield (*path, i)
            yield from _nodes(v, (*path, i))


def _parent(doc: Any, path: tuple[str | int, ...]) -> Any:
    for part in path[:-1]:
        doc = doc[part]
    return doc


def _set_path(doc: dict[str, Any], path: tuple[str | int, ...], value: Any) -> None:
    """Set ``value`` at ``path``, creating tables on the way (lists must exist)."""
    node: Any = doc
    for part in path[:-1]:
        if isinstance(node, dict):
            if not isinstance(node.get(part), dict | list):
                node[part] = {}
            node = node[part]
        elif isinstance(part, int) and isinstance(node, list) and part < len(node):
            node = node[part]
        else:
            return
    if isinstance(node, dict):
        node[path[-1]] = value


def _show(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def mutate_once(doc: dict[str, Any], rng: random.Random) -> str:
    """Apply one random mutation to ``doc`` in place; return what it did."""
    paths = list(_nodes(doc))
    op = rng.choices(
        ["value", "scale", "delete", "rename", "side_file", "empty_list", "drop_table"],
        weights=[10, 4, 3, 2, 2, 1, 1],
    )[0]
    if op == "side_file":
        target = rng.choice(SIDE_FILE_FIELDS)
        side = rng.choice(SIDE_FILES)
        _set_path(doc, target, side)
        return f"{_show(target)} = {side}"
    if not paths:
        return "nothing to mutate"
    path = rng.choice(paths)
    parent = _parent(doc, path)
    key = path[-1]
    current = parent[key]
    if op == "value":
        value = rng.choice(BAD_VALUES)
        parent[key] = copy.deepcopy(value)
        return f"{_show(path)} = {value!r}"[:200]
    if op == "scale" and isinstance(current, int | float) and not isinstance(current, bool):
        factor = rng.choice([-1, 0, 1e-6, 1e6, 1e12, -1e6])
        parent[key] = current * factor
        return f"{_show(path)} *= {factor:g}"
    if op in ("delete", "drop_table", "scale") or (op == "rename" and isinstance(parent, list)):
        if isinstance(parent, list) and len(parent) <= 1 and rng.random() < 0.5:
            parent.clear()
            return f"{_show(path[:-1])} emptied"
        del parent[key]
        return f"{_show(path)} deleted"
    if op == "rename":
        parent[f"{key}_x"] = parent.pop(key)
        return f"{_show(path)} renamed {key}_x"
    if op == "empty_list":
        parent[key] = []
        return f"{_show(path)} = []"
    return "no-op"


def mutate(doc: dict[str, Any], rng: random.Random) -> tuple[dict[str, Any], list[str]]:
    """One to three mutations of a copy of ``doc``."""
    out = copy.deepcopy(doc)
    done = [mutate_once(out, rng) for _ in range(rng.choice((1, 1, 1, 2, 3)))]
    return out, done


def _toml_safe(value: Any) -> Any:
    """``tomli_w`` cannot write None; big ints beyond 64 bits are written as they are."""
    if isinstance(value, dict):
        return {str(k): _toml_safe(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_toml_safe(v) for v in value if v is not None]
    return value


def write_toml(doc: dict[str, Any], path: Path) -> None:
    """Write ``doc`` as TOML; a value TOML cannot hold becomes a string."""
    try:
        text = tomli_w.dumps(_toml_safe(doc))
    except (TypeError, ValueError):
        text = tomli_w.dumps(json.loads(json.dumps(_toml_safe(doc), default=str)))
    path.write_text(text, encoding="utf-8")


def make_side_files(folder: Path) -> None:
    """The side files the mutations point at."""
    (folder / "empty.csv").write_bytes(b"")
    (folder / "folder").mkdir(exist_ok=True)
    (folder / "binary.bin").write_bytes(bytes(range(256)) * 8)
    (folder / "short.csv").write_text("timestamp,value\n2024-01-01 00:00,0.5\n")
    (folder / "text.csv").write_text("timestamp,value\nyesterday,lots\nnow,more\n")
    (folder / "old.csv").write_text(
        "timestamp,value\n" + "".join(f"1700-01-01 {h:02d}:00,0.3\n" for h in range(24))
    )
    stamps = [f"2024-01-01 {h:02d}:00" for h in range(24)]
    (folder / "dupes.csv").write_text(
        "timestamp,price\n" + "".join(f"{s},{20 + i}\n{s},{30 + i}\n" for i, s in enumerate(stamps))
    )
    # the rules file portfolio.toml's [optimize] names, beside the mutated files
    shutil.copy(EXAMPLES / "regulation-extra.csv", folder / "regulation-extra.csv")


# ------------------------------------------------------------------------------ outcomes
_PATH_RE = re.compile(r"^[\w\[\].\-/*(), ']+$")


def _named(line: str, sources: tuple[str, ...]) -> bool:
    """Whether an ``error:`` line names a file and a field path, or an option."""
    body = line[len("error: ") :]
    if body.startswith(f"{CMD_LINE}: "):
        rest = body[len(CMD_LINE) + 2 :]
        # an option (--date: ...), a positional argument (MODEL: ...) or click's usage error
        return bool(
            re.match(r"^(--[a-z]|[A-Z_]+: )", rest) or re.search(r"'--[a-z][\w-]*'|'[A-Z_]+'", rest)
        )
    for source in sources:
        if source and body.startswith(f"{source}: "):
            rest = body[len(source) + 2 :]
            path, sep, message = rest.partition(": ")
            return bool(sep and message and path and _PATH_RE.match(path))
    # a side file named by its own path (price file, profile): "<path>: <field>: msg"
    head, sep, rest = body.partition(": ")
    if sep and (Path(head).exists() or head.startswith("/")):
        path, sep2, message = rest.partition(": ")
        return bool(sep2 and message and _PATH_RE.match(path))
    return False


def _walk(obj: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk(v, str(k))
    elif isinstance(obj, list):
        for v in obj:
            yield from _walk(v, key)
    else:
        yield key, obj


def _fraction_key(key: str) -> bool:
    k = key.lower()
    return (
        k.endswith("uptime_fraction")
        or k.endswith("_share")
        or k.startswith(("p_", "prob"))
        or "probability" in k
    )


def result_problems(
    command: str, stdout: str, as_json: bool, user_text: tuple[str, ...] = ()
) -> list[str]:
    """What is wrong with the output of a successful run (empty when nothing).
    ``user_text``: words the input itself wrote (a site named 'nan' is printed as such)."""
    if not as_json:
        bad = [
            m.group(0)
            for m in re.finditer(r"(?<![\w/])(nan|NaN|inf|Infinity)(?![\w])", stdout)
            if m.group(0) not in user_text
        ]
        return [f"non-finite number {bad[0]!r} in the table"] if bad else []
    constants: list[str] = []
    try:
        doc = json.loads(stdout, parse_constant=lambda c: constants.append(c) or None)
    except json.JSONDecodeError as exc:
        return [f"stdout is not one JSON document: {exc}"]
    out = [f"JSON holds {c}" for c in constants]
    for key, value in _walk(doc):
        if isinstance(value, bool) or not isinstance(value, int | float):
            if isinstance(value, str) and key in ("name", "strategy") and re.search(
                r"convert_(nan|-?inf|-|0mw)", value
            ):
                out.append(f"{key} = {value!r}")
            continue
        if not math.isfinite(value):
            out.append(f"{key} = {value}")
        elif _fraction_key(key) and not -1e-9 <= value <= 1 + 1e-9:
            out.append(f"{key} = {value} outside [0, 1]")
        elif key.startswith("energy") and key.endswith("_mwh") and value < -1e-6:
            out.append(f"{key} = {value} < 0")
        elif key.endswith("_usd") and abs(value) > 1e15:
            out.append(f"{key} = {value:.3g} USD (above 1e15)")
    if command == "cost" and isinstance(doc, dict):
        for key in ("cost_per_btc_direct_usd", "margin_direct_fraction", "btc_per_day"):
            value = doc.get(key)
            if value is None or not math.isfinite(value):
                out.append(f"{key} = {value}")
        negative = [k for k, v in doc.items() if k.startswith("breakeven_btc_price")
                    and isinstance(v, float) and v < 0]
        if negative and not any("negative" in n for n in doc.get("notes", [])):
            out.append(f"{negative[0]} < 0 without a note")
    return out


@dataclass
class Outcome:
    category: str
    detail: str = ""


def classify(
    code: int,
    stdout: str,
    stderr: str,
    argv: list[str],
    sources: tuple[str, ...],
    user_text: tuple[str, ...] = (),
) -> Outcome:
    """The category of one run (see the module docstring)."""
    text = stdout + stderr
    if code == -9:
        return Outcome("timeout")
    if "internal error:" in text or "Traceback (most recent call last)" in text:
        line = next((x for x in text.splitlines() if "internal error" in x or "Error" in x), "")
        return Outcome("internal_error", line[:300])
    if code == 2:
        lines = [x for x in stderr.splitlines() if x.startswith("error:")]
        if not lines:
            return Outcome("unnamed_error", f"exit 2 without an error line: {stderr[:200]!r}")
        for line in lines:
            if not _named(line, sources):
                return Outcome("unnamed_error", line[:300])
        return Outcome("input_error", lines[0][:300])
    if code == 1:
        return Outcome("failure_exit_1", (stderr.strip().splitlines() or [""])[-1][:300])
    if code != 0:
        return Outcome("internal_error", f"exit {code}: {stderr[-300:]!r}")
    problems = result_problems(argv[0], stdout, "--json" in argv, user_text)
    if "RuntimeWarning" in stderr:
        problems.append("a RuntimeWarning on stderr")
    if problems:
        return Outcome("bad_result", "; ".join(problems)[:300])
    return Outcome("ok")


# ------------------------------------------------------------------------------ runners
class _TimeoutError(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _TimeoutError


def run_in_process(argv: list[str], timeout_s: float = 120.0) -> tuple[int, str, str]:
    """Run the console script's ``main`` in this process; (exit code, stdout, stderr).
    Exit code -9 on timeout."""
    import warnings

    from typer.testing import CliRunner

    from hashpivot.cli.app import main

    code = 0
    runner = CliRunner()
    with runner.isolation() as (out, err, _):
        old = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout_s)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("default")
                warnings.showwarning = _show_warning
                main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except _TimeoutError:
            code = -9
        except BaseException:
            import traceback

            sys.stderr.write(traceback.format_exc())
            code = 99
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
        stdout = out.getvalue().decode("utf-8", "replace")
        stderr = err.getvalue().decode("utf-8", "replace")
    return code, stdout, stderr


def _show_warning(message: Any, category: Any, filename: str, lineno: int, *a: Any) -> None:
    sys.stderr.write(f"{filename}:{lineno}: {category.__name__}: {message}\n")


def run_subprocess(argv: list[str], cwd: Path, timeout_s: float = 180.0) -> tuple[int, str, str]:
    """Run ``python -m hashpivot ARGV``; (exit code, stdout, stderr); -9 on timeout."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "100"}
    env.pop("HASHPIVOT_DEBUG", None)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "hashpivot", *argv],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return -9, "", ""
    return proc.returncode, proc.stdout, proc.stderr


# ------------------------------------------------------------------------------ cases
def load_examples() -> dict[str, dict[str, Any]]:
    return {
        name: tomllib.loads((EXAMPLES / name).read_text())
        for name in {t[0] for t in TARGETS}
    }


def file_case(
    rng: random.Random, examples: dict[str, dict[str, Any]], folder: Path, n: int,
    only: tuple[str, ...] = (),
) -> tuple[list[str], tuple[str, ...], list[str]]:
    """Write one mutated file; (argv, sources for error lines, mutations). ``only``: the
    commands to draw from (default all)."""
    pairs = [(t, w) for t, w in zip(TARGETS, TARGET_WEIGHTS, strict=True)
             if not only or t[1][0] in only]
    name, argv_t = rng.choices([t for t, _ in pairs], weights=[w for _, w in pairs])[0]
    doc, done = mutate(examples[name], rng)
    path = folder / f"case{n % 50}.toml"
    write_toml(doc, path)
    argv = [a.replace("{f}", str(path)) for a in argv_t]
    return argv, (str(path),), [f"{name}: {argv_t[0]}", *done]


def cli_cases(folder: Path) -> list[tuple[list[str], str]]:
    """Command lines with odd values: (argv, what is odd)."""
    rm = str(EXAMPLES / "reverse-margin.toml")
    pv = str(EXAMPLES / "pivot-200mw.toml")
    dp = str(EXAMPLES / "dispatch-west-texas.toml")
    existing = folder / "existing.txt"
    existing.write_text("x")
    out_values = [str(existing), "/proc/no/such/dir", "/dev/null", str(folder / "new" / "out")]
    dates = ["", "01/02/2025", "2024-02-30", "1700-01-01", "2999-01-01", "2024-04-19",
             "garbage", "2024-6-1", "20240601"]
    months = ["", "garbage", "2099-01", "1999-01", "2026-13", "2026-07", "07/2026"]
    numbers = ["-1", "nan", "0", "inf", "-inf", "1e-300", "1e308", "abc", "1e9"]
    prices = [str(folder / f) for f in ("empty.csv", "folder", "binary.bin", "dupes.csv",
                                         "old.csv", "text.csv", "short.csv")] + [
        "/dev/null", str(folder / "missing.csv")]
    cases: list[tuple[list[str], str]] = []
    for d in dates:
        cases.append((["cost", rm, "--date", d], f"cost --date {d!r}"))
        cases.append((["network", "--date", d], f"network --date {d!r}"))
        cases.append((["backtest", rm, "--start", d, "--end", "2024-06-30"], f"backtest {d!r}"))
        cases.append((["profit", "Antminer S21", "--power-price-usd-per-mwh", "50", "--date", d],
                      f"profit --date {d!r}"))
    for flag in ("--difficulty", "--btc-price-usd", "--fees-btc-per-block"):
        for v in numbers:
            cases.append((["cost", rm, "--date", "2025-06-01", flag, v], f"cost {flag} {v}"))
            cases.append((["hashprice", "--btc-price-usd", "1e5", "--difficulty", "1e14",
                           flag, v], f"hashprice {flag} {v}"))
    for v in numbers:
        cases.append((["pivot", pv, "--convert-mw", v], f"pivot --convert-mw {v}"))
        cases.append((["simulate", pv, "--paths", "16", "--years", "1", "--convert-mw", v],
                      f"simulate --convert-mw {v}"))
        cases.append((["simulate", pv, "--paths", "16", "--years", v], f"simulate --years {v}"))
        cases.append((["simulate", pv, "--paths", "16", "--years", "1", "--discount-rate", v],
                      f"simulate --discount-rate {v}"))
        cases.append((["dispatch", dp, "--hashprice-usd-per-ph-day", v], f"dispatch hp {v}"))
        cases.append((["profit", "Antminer S21", "--power-price-usd-per-mwh", v],
                      f"profit price {v}"))
    for m in months:
        cases.append((["pivot", pv, "--convert-mw", "50", "--start", m], f"pivot --start {m!r}"))
        cases.append((["simulate", pv, "--paths", "16", "--years", "1", "--convert-mw", "50",
                       "--start", m], f"simulate --start {m!r}"))
    for s in ("-1", "-99999999999", str(2**70), "abc"):
        cases.append((["simulate", pv, "--paths", "16", "--years", "1", "--seed", s],
                      f"simulate --seed {s}"))
    for opt, vals in (("--scheduler", ["garbage", "", "http://x", "tcp://h:abc",
                                       "tcp://127.0.0.1"]), ("--paths", ["0", "-5"]),
                      ("--policy", ["garbage"]), ("--price-model", ["x"]),
                      ("--chunk-paths", ["0"]), ("--workers", ["0"]), ("--threads", ["0"])):
        for v in vals:
            cases.append((["simulate", pv, "--paths", "16", "--years", "1", opt, v],
                          f"simulate {opt} {v!r}"))
    for o in out_values:
        cases.append((["pivot", pv, "--out", o], f"pivot --out {o}"))
        cases.append((["simulate", pv, "--paths", "16", "--years", "1", "--out", o],
                      f"simulate --out {o}"))
        cases.append((["dispatch", dp, "--out", o], f"dispatch --out {o}"))
        cases.append((["backtest", rm, "--start", "2024-01-01", "--end", "2024-02-01", "--out",
                       o], f"backtest --out {o}"))
    for p in prices:
        cases.append((["dispatch", dp, "--prices", p], f"dispatch --prices {Path(p).name}"))
    for mk in ("ercot:NOPE", "garbage", "ercot:HB_WEST:1999", "nyiso:WEST:2019", "", "ercot:"):
        cases.append((["dispatch", dp, "--market", mk], f"dispatch --market {mk!r}"))
    for sv in ("garbage", "", "milp"):
        cases.append((["dispatch", dp, "--solver", sv], f"dispatch --solver {sv!r}"))
    for site in ("nope", ""):
        cases.append((["pivot", pv, "--site", site], f"pivot --site {site!r}"))
        cases.append((["dispatch", dp, "--site", site], f"dispatch --site {site!r}"))
    for model in ("Antminer S99", "", "[bold]x"):
        cases.append((["profit", model, "--power-price-usd-per-mwh", "50"], f"profit {model!r}"))
    pf = str(EXAMPLES / "portfolio.toml")
    quick = ["--scenarios", "2", "--oos-scenarios", "2", "--evpi-scenarios", "1"]
    optimize_values = (
        ("--scenarios", ["0", "-1", "abc"]), ("--risk-aversion", ["-0.1", "2", "nan"]),
        ("--seed", ["-1", str(2**70)]), ("--time-limit", ["0", "inf", "nan"]),
        ("--gap", ["-1", "nan", "inf"]),
        ("--fixed-through", ["", "garbage", "2026Q5", "1999Q1", "2099Q1"]),
        ("--oos-scenarios", ["1"]), ("--evpi-scenarios", ["0"]), ("--scheduler", ["garbage"]),
        ("--workers", ["0"]),
    )
    for opt, vals in optimize_values:
        for v in vals:
            cases.append((["optimize", pf, *quick, opt, v], f"optimize {opt} {v!r}"))
    for o in out_values:
        cases.append((["optimize", pf, *quick, "--out", o], f"optimize --out {o}"))
    for d in ("2024-03-31", "2019-12-31", "2030-01-01"):
        cases.append((["backtest", rm, "--start", "2024-04-01", "--end", d],
                      f"backtest --end {d!r} (before/after the data)"))
    cases.append((["backtest", pv, "--start", "2024-01-01", "--end", "2024-02-01", "--json"],
                  "backtest on the pivot example"))
    cases.append((["cost", rm, "--date", "2024-01-01", "--live"], "cost --date and --live"))
    cases.append((["cost", str(folder)], "cost on a folder"))
    cases.append((["cost", "/dev/null"], "cost /dev/null"))
    cases.append((["cost", str(folder / "binary.bin")], "cost on a binary file"))
    cases.append((["init", str(existing)], "init over an existing file"))
    cases.append((["init", "/proc/no/such/dir/x.toml"], "init in a missing folder"))
    return cases


def combine_cases(
    cases: list[tuple[list[str], str]], rng: random.Random
) -> tuple[list[str], str]:
    """One command line whose options come from two cases of the same command and file."""
    with_file = [c for c in cases if len(c[0]) > 1 and c[0][1].endswith(".toml")]
    a_argv, a_what = rng.choice(with_file)
    same = [c for c in with_file if c[0][:2] == a_argv[:2] and c[0] != a_argv]
    if not same:
        return a_argv, a_what
    b_argv, b_what = rng.choice(same)
    return [*a_argv, *b_argv[2:]], f"{a_what} + {b_what}"


# ------------------------------------------------------------------------------ main
@dataclass
class Tally:
    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def add(self, outcome: Outcome, what: str) -> None:
        self.counts[outcome.category] += 1
        self.examples.setdefault(outcome.category, [])
        if len(self.examples[outcome.category]) < 400:
            self.examples[outcome.category].append(f"{what}\n      -> {outcome.detail}")


def run(
    n_files: int,
    n_cli: int,
    seed: int,
    report: Callable[[str], None] = print,
    every: int = 500,
    only: tuple[str, ...] = (),
) -> tuple[Tally, Tally]:
    """Run ``n_files`` mutated files in process and ``n_cli`` subprocess command lines
    (of the commands in ``only``, default all)."""
    rng = random.Random(seed)
    examples = load_examples()
    folder = Path(tempfile.mkdtemp(prefix="hashpivot-fuzz-"))
    make_side_files(folder)
    files, cli = Tally(), Tally()
    t0 = time.perf_counter()
    try:
        for n in range(n_files):
            argv, sources, done = file_case(rng, examples, folder, n, only)
            code, out, err = run_in_process(argv)
            words = tuple(w for w in ("nan", "inf", "NaN") if f"'{w}'" in " ".join(done))
            outcome = classify(code, out, err, argv, sources, words)
            files.add(outcome, " | ".join(done))
            if (n + 1) % every == 0:
                report(f"files {n + 1}/{n_files} ({time.perf_counter() - t0:.0f} s): "
                       f"{dict(files.counts)}")
        cases = [c for c in cli_cases(folder) if not only or c[0][0] in only]
        rng.shuffle(cases)
        for n in range(n_cli):
            if n < len(cases):
                argv, what = cases[n]
            else:  # past the list: two cases of the same command and file, options merged
                argv, what = combine_cases(cases, rng)
            code, out, err = run_subprocess(argv, folder)
            cli.add(classify(code, out, err, argv, (str(argv[1]),) if len(argv) > 1 else ()),
                    what + "  [" + " ".join(argv) + "]")
            if (n + 1) % 50 == 0:
                report(f"cli {n + 1}/{n_cli} ({time.perf_counter() - t0:.0f} s): "
                       f"{dict(cli.counts)}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return files, cli


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000, help="mutated files to run")
    parser.add_argument("--cli", type=int, default=500, help="subprocess command lines to run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show", action="append", default=[], help="print this category's cases")
    parser.add_argument("--json-out", type=Path, help="write the counts and failures here")
    parser.add_argument("--only", default="", help="commands to run, e.g. optimize,backtest")
    args = parser.parse_args()
    t0 = time.perf_counter()
    only = tuple(c for c in args.only.split(",") if c)
    files, cli = run(args.files, args.cli, args.seed, report=lambda s: print(s, flush=True),
                     only=only)
    seconds = time.perf_counter() - t0
    bad = {"unnamed_error", "failure_exit_1", "internal_error", "bad_result", "timeout"}
    for title, tally in (("mutated files", files), ("command lines", cli)):
        print(f"\n{title}: {sum(tally.counts.values())} runs")
        for cat, count in tally.counts.most_common():
            print(f"  {cat:16s} {count}")
        for cat in sorted(set(tally.examples) & (bad | set(args.show))):
            print(f"\n  {cat}:")
            for ex in tally.examples[cat][:40]:
                print(f"    {ex}")
    print(f"\n{seconds:.0f} s")
    if args.json_out:
        args.json_out.write_text(json.dumps({
            "seed": args.seed, "seconds": seconds,
            "files": dict(files.counts), "cli": dict(cli.counts),
            "failures": {k: v for t in (files, cli) for k, v in t.examples.items() if k in bad},
        }, indent=1, default=str))
    failed = sum(t.counts[c] for t in (files, cli) for c in bad)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
