"""Which modules a CLI command imports: the command run in a fresh process (tests of
start-up cost: ``hashprice --json`` without numpy, ``pivot`` without numba)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Runs ``main(argv[2:])`` and prints, on stderr's last line, its exit code and whether
#: each module of ``argv[1]`` (comma-separated) was imported by then.
_PROBE = (
    "import json, sys\n"
    "from hashpivot.cli.app import main\n"
    "code = 0\n"
    "try:\n"
    "    main(sys.argv[2:])\n"
    "except SystemExit as e:\n"
    "    code = e.code or 0\n"
    "print(json.dumps({'exit': code,\n"
    "                  'imported': {m: m in sys.modules for m in sys.argv[1].split(',')}}),\n"
    "      file=sys.stderr)\n"
)


def imported_by_command(args: list[str], modules: list[str],
                        cwd: Path | None = None) -> tuple[dict[str, bool], str]:
    """Run ``hashpivot <args>`` in a fresh process: whether each of ``modules`` was
    imported by the end of the command, and its stdout. The command must exit 0 (``--help``
    and ``--version`` exit 0 too)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, ",".join(modules), *args],
        capture_output=True, text=True, env=env, cwd=cwd,
    )
    assert out.returncode == 0, out.stderr[-500:]
    report = json.loads(out.stderr.strip().splitlines()[-1])
    assert report["exit"] == 0, (args, out.stderr[-500:])
    return report["imported"], out.stdout
