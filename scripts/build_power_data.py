"""Rebuild the bundled power price files ``src/hashpivot/data/power_*.parquet``.

Reads the raw copies under ``../shared/data/raw`` (see its ``SOURCES.md`` sections 2-3) and
writes, for calendar years in ERCOT local time (America/Chicago):

* ``power_ercot_hubs_rt15_2024.parquet``: 15-minute time-weighted means of the 5-minute
  SCED LMPs of HB_WEST, HB_NORTH, HB_HOUSTON, HB_SOUTH, HB_PAN, 2024 (35,136 intervals);
* ``power_ercot_hubs_da_2024.parquet``: hourly day-ahead SPPs of the same hubs, 2024;
* ``power_ercot_lz_rt60_2023.parquet``: hourly real-time load-zone prices, 2023
  (8 zones; the fall-back hour, given once in the source, is used for both hours);
* ``power_nyiso_zones_rt60_2019.parquet``: hourly integrated real-time LBMPs of the 11
  NYISO zones, 2019-01-02 .. 2019-12-31 in America/New_York (SOURCES.md section 3; the
  spring-forward HE03 copy of HE02 is dropped, the single fall-back 01:00 value is used for
  both hours).

Each file has a UTC ``interval_start`` index and one float column per point [USD/MWh].
It then compares the SCED-LMP 15-minute means with the official 15-minute settlement
point prices for the months where both exist, and prints a Markdown table for
``PROVENANCE.md``.

Usage::

    python scripts/build_power_data.py [--raw ../shared/data/raw] [--out src/hashpivot/data]
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from hashpivot.io import (
    ERCOT_TZ,
    NYISO_TZ,
    NYISO_ZONES,
    read_ercot_dam_spp,
    read_ercot_sced_lmp,
)

REPO = Path(__file__).resolve().parents[1]
HUBS = ("HB_WEST", "HB_NORTH", "HB_HOUSTON", "HB_SOUTH", "HB_PAN")
ZONES = ("LZ_WEST", "LZ_AEN", "LZ_CPS", "LZ_HOUSTON", "LZ_LCRA", "LZ_NORTH", "LZ_RAYBN",
         "LZ_SOUTH")
SPP_MONTHS = ("June_2024", "July_2024", "August_2024", "December_2024", "January_2025",
              "February_2025")


def _year(s: pd.Series, year: int, tz: str = ERCOT_TZ) -> pd.Series:
    start = pd.Timestamp(f"{year}-01-01", tz=tz)
    end = pd.Timestamp(f"{year + 1}-01-01", tz=tz)
    return s[(s.index >= start) & (s.index < end)]


def _write(frame: pd.DataFrame, path: Path, decimals: int) -> None:
    frame = frame.round(decimals)
    frame.index = frame.index.tz_convert("UTC")
    frame.index.name = "interval_start"
    frame.to_parquet(path, compression="zstd", compression_level=19)
    print(f"wrote {path}: {frame.shape}, {path.stat().st_size / 1024:.0f} KiB")


def _sced_lmp_15min(path: Path, hub: str) -> pd.Series:
    """15-minute time-weighted SCED LMPs of one hub's raw file, its exact duplicate rows
    dropped first: each file repeats one SCED run row for row (``2024-08-23T00:04:31``,
    SOURCES.md), which the reader, rightly for a user's file, refuses as a repeated
    timestamp. A repeat with another price would still be refused."""
    frame = pd.read_parquet(path)
    repeated = frame.duplicated(keep="first")
    print(f"{path.name}: {int(repeated.sum())} exact duplicate row(s) dropped")
    buffer = io.BytesIO()
    frame[~repeated].to_parquet(buffer)
    buffer.seek(0)
    return read_ercot_sced_lmp(buffer, hub, freq="15min")


def build(raw: Path, out: Path) -> str:
    """Write the bundled files; return the Markdown comparison table."""
    hubs_dir = raw / "ercot_hubs_2024_sxcben"
    rt = {hub: _sced_lmp_15min(hubs_dir / f"rtm_LMP_{hub}.parquet", hub) for hub in HUBS}
    rt15 = pd.DataFrame({h: _year(s, 2024) for h, s in rt.items()})
    assert len(rt15) == 366 * 96, len(rt15)
    assert not rt15.isna().any().any()
    _write(rt15, out / "power_ercot_hubs_rt15_2024.parquet", 2)

    da = pd.DataFrame(
        {h: _year(read_ercot_dam_spp(hubs_dir / f"da_lmp_{h}.csv", h), 2024) for h in HUBS}
    )
    assert len(da) == 366 * 24, len(da)
    _write(da, out / "power_ercot_hubs_da_2024.parquet", 2)

    lz_file = raw / "ercot_lz_2023_azzaoui" / "ercot_rt_price_hourly_loadzones_2023.csv"
    lz_raw = pd.read_csv(lz_file)
    from hashpivot.io.ercot import _parse_ercot_hourly_lz

    lz = pd.DataFrame({z: _parse_ercot_hourly_lz(lz_raw, z) for z in ZONES})
    assert len(lz) == 365 * 24, len(lz)
    _write(lz, out / "power_ercot_lz_rt60_2023.parquet", 4)

    ny_raw = pd.read_csv(raw / "nyiso_joecipolla" / "nyiso_rt.csv")
    ny_raw = ny_raw[ny_raw["iso"] == "NYISO"]
    from hashpivot.io.nyiso import _parse_nyiso_zonal

    ny = pd.DataFrame(
        {z: _year(_parse_nyiso_zonal(ny_raw, z), 2019, NYISO_TZ) for z in NYISO_ZONES}
    )
    # 2019-01-02 .. 2019-12-31: 364 days, the 23- and 25-hour DST days cancel out
    assert len(ny) == 364 * 24, len(ny)
    assert not ny.isna().any().any()
    _write(ny, out / "power_nyiso_zones_rt60_2019.parquet", 2)

    rows = ["| month | hub | intervals | mean SPP | mean LMP15 | mean SPP-LMP | "
            "p99 abs diff | max diff | intervals diff > $1 |",
            "|---|---|---|---|---|---|---|---|---|"]
    for month in SPP_MONTHS:
        f = raw / "ercot_hubs_spp_meltvar" / f"{month}.csv"
        df = pd.read_csv(f)
        for hub in ("HB_WEST", "HB_NORTH"):
            from hashpivot.io.ercot import _parse_ercot_rtm_spp

            spp = _parse_ercot_rtm_spp(df, hub)
            lmp = rt[hub].reindex(spp.index)
            ok = lmp.notna()
            d = (spp - lmp)[ok]
            rows.append(
                f"| {month} | {hub} | {int(ok.sum())} | {spp[ok].mean():.2f} | "
                f"{lmp[ok].mean():.2f} | {d.mean():.3f} | {np.percentile(d.abs(), 99):.3f} | "
                f"{d.max():.2f} | {int((d.abs() > 1).sum())} |"
            )
    table = "\n".join(rows)
    print(table)
    stats = rt15.describe().T[["mean", "min", "max"]]
    print(stats.round(2))
    print(lz.describe().T[["mean", "min", "max"]].round(2))
    print(ny.describe().T[["mean", "min", "max"]].round(2))
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=REPO.parent / "shared" / "data" / "raw")
    parser.add_argument("--out", type=Path, default=REPO / "src" / "hashpivot" / "data")
    args = parser.parse_args(argv)
    if not args.raw.exists():
        print(f"raw data folder not found: {args.raw}", file=sys.stderr)
        return 1
    build(args.raw, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
