"""Record and compare the outputs of every demo command (a behaviour-preservation check).

A refactor that should change nothing is checked by recording the demo's outputs before it
and comparing after::

    python scripts/demo_outputs.py record /tmp/before      # on the old tree
    python scripts/demo_outputs.py check --baseline /tmp/before   # on the new tree

To record an older commit from this checkout, give its package first on the path
(``git worktree add /tmp/old <commit>``, then ``PYTHONPATH=/tmp/old/src python
scripts/demo_outputs.py record /tmp/before``): the examples are read from this checkout,
so the paths the outputs name (``rules_file``) are the same in both recordings.

Each command of ``make demo`` runs as a subprocess of this interpreter (``python -m
hashpivot``) with the same environment (``COLUMNS=120``, no network); its stdout,
stderr and exit code, and every file it writes under ``--out``, are kept. Images are skipped
(their encoders embed versions), and so are lines that report wall-clock times, which no
refactor can keep (also each line of a JSON object of times), and each folder's
``run.json`` (its time and code hash change with every
run and commit; ``hashpivot reproduce`` compares a folder with its record). Everything
else must be byte-identical.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

DEMO: list[tuple[str, list[str]]] = [
    ("hashprice", ["hashprice", "--btc-price-usd", "95000", "--difficulty", "117e12",
                   "--fees-btc-per-block", "0.03"]),
    ("profit", ["profit", "S21 XP", "S21", "--power-price-usd-per-mwh", "50",
                "--machine-price-usd-per-th", "15"]),
    ("cost", ["cost", "examples/reverse-margin.toml", "--btc-price-usd", "95000",
              "--difficulty", "117e12", "--fees-btc-per-block", "0.03"]),
    ("cost-json", ["cost", "examples/reverse-margin.toml", "--json"]),
    ("backtest", ["backtest", "examples/reverse-margin.toml", "--start", "2020-01-01",
                  "--end", "2025-09-26", "--out", "{out}"]),
    ("pivot", ["pivot", "examples/pivot-200mw.toml", "--out", "{out}"]),
    ("pivot-json", ["pivot", "examples/pivot-200mw.toml", "--json"]),
    ("simulate", ["simulate", "examples/pivot-200mw.toml", "--paths", "4000", "--seed", "7",
                  "--out", "{out}"]),
    ("dispatch", ["dispatch", "examples/dispatch-west-texas.toml", "--market",
                  "ercot:HB_WEST:2024", "--out", "{out}"]),
    ("dispatch-lp", ["dispatch", "examples/dispatch-west-texas.toml", "--market",
                     "ercot:HB_WEST:2024", "--solver", "lp", "--json"]),
    ("optimize", ["optimize", "examples/portfolio.toml", "--scenarios", "30",
                  "--risk-aversion", "0.3", "--seed", "7", "--out", "{out}"]),
    # the plan the optimizer wrote, valued by pivot ({dest}: the outputs recorded so far)
    ("pivot-plan", ["pivot", "{dest}/optimize.files/plan_portfolio.toml", "--out", "{out}"]),
    # and its risk, the tenants' signings drawn per path
    ("simulate-plan", ["simulate", "{dest}/optimize.files/plan_portfolio.toml", "--paths",
                       "2000", "--seed", "7", "--out", "{out}"]),
]

IMAGE_SUFFIXES = {".png", ".svg", ".jpg", ".pdf"}
# Wall-clock figures: "12.3 s", "build 0.01 s", "solve_seconds": 1.23, "elapsed ...".
VOLATILE = re.compile(
    r"(\d+(\.\d+)?\s*(s|ms|seconds)\b|_seconds\"?\s*[:=]\s*[-0-9.e]+|elapsed|wall)",
    re.IGNORECASE,
)


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


#: A JSON object of wall-clock times (optimize's ``timing_seconds``, the engines'
#: ``timings_s``): each of its lines is a time.
TIMES_OBJECT = re.compile(r'"(timing_seconds|timings_s)"\s*:\s*\{\s*$')


def _normalise(text: str) -> str:
    text = UUID.sub("<uuid>", text)  # plotly's random div ids
    out: list[str] = []
    in_times = False
    for line in text.splitlines():
        if in_times:
            in_times = not line.strip().startswith("}")
            out.append("<time line>")
        elif TIMES_OBJECT.search(line):
            in_times = True
            out.append("<time line>")
        else:
            out.append("<time line>" if VOLATILE.search(line) else line)
    return "\n".join(out)


def record(dest: Path) -> None:
    """Run every demo command and keep its outputs under ``dest``."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    env = dict(os.environ, COLUMNS="120", NO_COLOR="1")
    with tempfile.TemporaryDirectory() as data_dir, tempfile.TemporaryDirectory() as jit:
        env["HASHPIVOT_DATA_DIR"] = data_dir  # no user updates: bundled data only
        # an empty numba cache: each recording compiles the kernels on first use, so the
        # note saying so (and the lines it wraps) is in both or neither
        env["NUMBA_CACHE_DIR"] = jit
        for name, args in DEMO:
            out = dest / f"{name}.files"
            argv = [a.replace("{out}", str(out)).replace("{dest}", str(dest)) for a in args]
            proc = subprocess.run(
                [sys.executable, "-m", "hashpivot", *argv],
                cwd=REPO, env=env, capture_output=True, text=True, check=False,
            )
            for stream, text in (("stdout", proc.stdout), ("stderr", proc.stderr)):
                (dest / f"{name}.{stream}").write_text(
                    text.replace(str(out), "{out}").replace(str(dest), "{dest}"),
                    encoding="utf-8",
                )
            (dest / f"{name}.rc").write_text(str(proc.returncode), encoding="utf-8")
            print(f"{name}: exit {proc.returncode}")


def _texts(root: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        # run.json (the --out folder's run record) holds the time and the code's hash:
        # `hashpivot reproduce` checks it, not this script
        if path.is_file() and path.suffix.lower() not in IMAGE_SUFFIXES \
                and path.name != "run.json":
            rel = str(path.relative_to(root))
            data = path.read_bytes()
            if path.suffix == ".gz":
                data = gzip.decompress(data)  # the gzip header holds a time stamp
            try:
                found[rel] = _normalise(data.decode("utf-8"))
            except UnicodeDecodeError:
                found[rel] = data.hex()
    return found


def check(baseline: Path) -> int:
    """Record into a temporary folder and compare with ``baseline``; 0 when identical."""
    with tempfile.TemporaryDirectory() as tmp:
        now = Path(tmp) / "now"
        record(now)
        before, after = _texts(baseline), _texts(now)
        problems = [f"missing now: {k}" for k in sorted(set(before) - set(after))]
        problems += [f"new file: {k}" for k in sorted(set(after) - set(before))]
        for key in sorted(set(before) & set(after)):
            if before[key] != after[key]:
                a, b = before[key].splitlines(), after[key].splitlines()
                first = next(
                    (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                    min(len(a), len(b)),
                )
                was = a[first] if first < len(a) else "<end>"
                now_line = b[first] if first < len(b) else "<end>"
                problems.append(
                    f"differs: {key} line {first + 1}\n  was: {was[:200]}\n  now: {now_line[:200]}"
                )
    for line in problems:
        print(line)
    print(f"{len(before)} outputs compared, {len(problems)} differences")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("dest", type=Path)
    chk = sub.add_parser("check")
    chk.add_argument("--baseline", type=Path, required=True)
    args = parser.parse_args()
    if args.cmd == "record":
        record(args.dest)
        return 0
    return check(args.baseline)


if __name__ == "__main__":
    raise SystemExit(main())
