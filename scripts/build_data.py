"""Rebuild every bundled data file from the raw sources (``../shared/data/raw``).

Runs each ``scripts/build_*_data.py`` in turn with the same ``--raw`` folder; each script
is deterministic (re-running it gives byte-identical files) and documents what it did in
``src/hashpivot/data/PROVENANCE.md``.

Usage: ``python scripts/build_data.py [--raw DIR]``
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--raw", type=Path, default=None, help="raw data folder")
    args = parser.parse_args()
    for script in sorted(HERE.glob("build_*_data.py")):
        cmd = [sys.executable, str(script)]
        if args.raw is not None:
            cmd += ["--raw", str(args.raw)]
        print(f"== {script.name}", flush=True)
        rc = subprocess.call(cmd)
        if rc != 0:
            return rc
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
