"""The bundled data files rebuild byte for byte from the raw sources (``make data``).

The package never reads ``../shared`` at run time; its files in ``src/hashpivot/data`` are
built by ``scripts/build_*_data.py`` from the raw copies there, and each script says it is
deterministic. Until 2026-12-06 ``make data`` failed: the price reader had learnt to refuse
a repeated timestamp, and each raw SCED file repeats one run row for row. This rebuilds
every file into a temporary folder and compares it with the bundled one (a Parquet file
without the writers' version stamps: :func:`_same_file`).

The raw folder is the project's ``../shared/data/raw`` (or ``$HASHPIVOT_RAW_DATA``); a
checkout without it skips, as a user's machine will.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "src" / "hashpivot" / "data"
RAW = Path(os.environ.get("HASHPIVOT_RAW_DATA", ROOT.parent / "shared" / "data" / "raw"))

pytestmark = pytest.mark.skipif(
    not RAW.is_dir(),
    reason=f"the raw data folder {RAW} is not on this machine (set HASHPIVOT_RAW_DATA): "
    "the bundled files can only be rebuilt from it",
)

#: what each build script writes (PROVENANCE.md: the BTC script's section, in place)
BUILT = {
    "build_btc_data.py": ("btc_daily.csv.gz", "asic_catalog.csv", "ai_hosting_deals.csv",
                          "miner_unit_costs.csv", "PROVENANCE.md"),
    "build_power_data.py": ("power_ercot_hubs_rt15_2024.parquet",
                            "power_ercot_hubs_da_2024.parquet",
                            "power_ercot_lz_rt60_2023.parquet",
                            "power_nyiso_zones_rt60_2019.parquet"),
}


@pytest.mark.parametrize("script", sorted(BUILT))
def test_a_build_script_rebuilds_its_bundled_files_byte_for_byte(script: str,
                                                                   tmp_path: Path) -> None:
    shutil.copy(DATA / "PROVENANCE.md", tmp_path / "PROVENANCE.md")
    argv = [sys.executable, str(ROOT / "scripts" / script), "--raw", str(RAW), "--out",
            str(tmp_path)]
    if script == "build_btc_data.py":
        argv += ["--reference", str(RAW.parents[1] / "reference")]
    run = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    differ = [name for name in BUILT[script] if not _same_file(tmp_path / name, DATA / name)]
    assert not differ, f"{script} rebuilt {differ} differently from the bundled files"


def _same_file(rebuilt: Path, bundled: Path) -> bool:
    """Whether a rebuilt file is the bundled one: byte for byte, but for the version
    stamps a Parquet file's writers put in it (pyarrow's ``created_by``, pandas'
    ``pandas_version`` in the schema's ``pandas`` metadata), which change with the
    libraries installed, not with the data: there, the same values, types and schema
    metadata otherwise (pandas 3.1.2, in a venv installed an hour after one with 3.1.1,
    stamped '3.1.2' where the bundled files say '3.1.1', every value equal)."""
    if rebuilt.read_bytes() == bundled.read_bytes():
        return True
    if rebuilt.suffix != ".parquet":
        return False
    import json

    import pyarrow.parquet as pq

    def unstamped(path: Path) -> tuple[object, dict[bytes, object]]:
        table = pq.read_table(path)
        meta = dict(table.schema.metadata or {})
        if b"pandas" in meta:
            pandas_meta = json.loads(meta[b"pandas"])
            pandas_meta.pop("pandas_version", None)
            pandas_meta.pop("creator", None)
            meta[b"pandas"] = pandas_meta
        return table.replace_schema_metadata(None), meta

    (table_a, meta_a), (table_b, meta_b) = unstamped(rebuilt), unstamped(bundled)
    return bool(table_a.equals(table_b)) and meta_a == meta_b  # type: ignore[attr-defined]


def test_every_bundled_data_file_has_its_build_script() -> None:
    built = {name for names in BUILT.values() for name in names}
    bundled = {p.name for p in DATA.iterdir() if p.is_file() and p.name != "__init__.py"}
    assert bundled - built <= {"emission_factors.csv", "regulation_rules.csv"}, bundled - built
