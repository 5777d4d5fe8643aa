#!/usr/bin/env python
"""Rebuild the bundled BTC market data, ASIC catalog and reference tables.

Writes, reproducibly (same inputs -> byte-identical outputs), into ``src/hashpivot/data``:

* ``btc_daily.csv.gz``      daily BTC price + network data (Coin Metrics Community),
  2010-07-18 .. 2025-09-26, deterministic gzip (mtime 0, no file name);
* ``asic_catalog.csv``      ASIC specs merged from five public spec files + manual rows;
* ``ai_hosting_deals.csv``  and ``miner_unit_costs.csv``: copies of the project's
  reference tables;
* its own section of ``PROVENANCE.md`` (between BEGIN/END markers, replaced in place so
  other sections stay untouched).

Usage::

    python scripts/build_btc_data.py [--raw DIR] [--reference DIR] [--out DIR]
                                     [--write-test-sample]

``--raw`` defaults to ``../shared/data/raw`` and ``--reference`` to ``../shared/reference``,
both relative to the repository root. ``--write-test-sample`` also rewrites
``tests/data/coinmetrics_sample.csv`` (raw rows around 2020-05-11, 2024-04-20 and
2025-06-30, copied byte-for-byte).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import _asic_sources as asic_sources  # noqa: E402  (beside this script)

from hashpivot.bitcoin import block_subsidy_btc  # noqa: E402
from hashpivot.io import asics  # noqa: E402
from hashpivot.io.coinmetrics import (  # noqa: E402
    BTC_DAILY_COLUMNS,
    coinmetrics_text_excerpt,
    read_coinmetrics_csv,
)

CM_FILE = "coinmetrics_community/btc_daily_coinmetrics_2009_2025.csv"
LAST_DAY = "2025-09-26"
SIGNIFICANT_DIGITS = 10

#: Halvings checked against the data: height -> UTC day of the block's header time.
KNOWN_HALVINGS = {
    210_000: "2012-11-28",
    420_000: "2016-07-09",
    630_000: "2020-05-11",
    840_000: "2024-04-20",
}

TEST_SAMPLE_DAYS = (
    [f"2020-05-{d:02d}" for d in range(9, 14)]
    + [f"2024-04-{d:02d}" for d in range(17, 24)]
    + ["2025-06-27", "2025-06-28", "2025-06-29", "2025-06-30"]
    + ["2025-07-01", "2025-07-02", "2025-07-03"]
)

RAW_ORIGINS = {
    CM_FILE: (
        "Hakimaxxxx/Haki_Crypto2025",
        "coin_data/btc_onchain_metrics_cm.csv",
        "75fca56a4ed2a982fb74abc8dbb9c542b9e38591",
        "none stated by the repo; Coin Metrics Community data is CC BY-NC 4.0",
    ),
    "marceloceccon_bitcoinmining/miners.json": (
        "marceloceccon/bitcoinmining",
        "data/miners.json",
        "13068aedba2c1b59f92c630f30adac7e2e704d85",
        "MIT",
    ),
    "kookoo55_miningftw/btc_miner_sheet.csv": (
        "kookoo55/miningftw",
        "data/btc_miner_sheet.csv",
        "8b46bf9ea85fbb31babaa1e827ed59154bc6f0dc",
        "none stated",
    ),
    "kodyparsons_btcbess/miners.csv": (
        "KodyParsons/BTCBESS",
        "data/miners.csv",
        "22d2b0b40554ac96b12d12b15e9c3f38457aa399",
        "none stated",
    ),
    "f2pool_mattk8/mining-devices.csv": (
        "mattk8/mining-data",
        "mining-devices.csv",
        "add3c3f802943e0d2c98c64fee81ca8a0de322ea",
        "none stated (README names the F2Pool miners page, March 2020)",
    ),
    "cbeci/cbeci_miners.csv": (
        "CambridgeAltFin/ccaf_cbeci_api",
        "server_config/miners.csv",
        "bd0f9e23eefe3c2f0a94266bfba6f841100c74e3",
        "none stated",
    ),
}

BEGIN = "<!-- BEGIN build_btc_data.py (BTC daily, ASIC catalog, reference deals) -->"
END = "<!-- END build_btc_data.py -->"
PROVENANCE_HEADER = """# Provenance of the bundled data

Every file in `src/hashpivot/data/` but two is rebuilt by a script in `scripts/` from raw
downloads that are not part of the repository (the folder given to the script's `--raw`):
`scripts/build_btc_data.py` writes the BTC daily data, the ASIC catalog and the reference
tables with their three sections below, `scripts/build_power_data.py` the power prices
(`make data` runs both). `emission_factors.csv` and `regulation_rules.csv` are written by
hand (no build script) from the sources their sections name. The package never reads the
raw files at run time. Each section below names the origin repository, commit, licence and
transformation of one group of files, so the raw files can be fetched again.
"""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def round_significant(values: np.ndarray, digits: int = SIGNIFICANT_DIGITS) -> np.ndarray:
    """Round each value to ``digits`` significant digits (NaN stays NaN)."""
    fmt = f"{{:.{digits}g}}"
    return np.array([float(fmt.format(v)) if np.isfinite(v) else np.nan for v in values])


def deterministic_gzip(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return buf.getvalue()


def write_bytes_if_changed(path: Path, data: bytes) -> str:
    old = path.read_bytes() if path.exists() else None
    if old == data:
        return "unchanged"
    path.write_bytes(data)
    return "written"


# --------------------------------------------------------------------------- BTC daily


def check_heights(df: pd.DataFrame) -> list[str]:
    """Check ``height_end`` at each halving against the issuance-implied block split.

    On the day that contains halving height H, the day's mean subsidy is a blend:
    ``s = (n_old * s_old + (blocks - n_old) * s_new) / blocks``, so
    ``n_old = blocks * (s - s_new) / (s_old - s_new)`` blocks precede H. From the
    cumulative count, ``n_old = H - (height_end - blocks + 1)``. The difference of the
    two is the height offset.
    """
    lines = []
    for height, known_day in KNOWN_HALVINGS.items():
        start = df["height_end"] - df["blocks"] + 1
        row = df[(start <= height) & (df["height_end"] >= height)]
        if len(row) != 1:
            lines.append(f"height {height:,}: not found in the data")
            continue
        day = row.index[0]
        r = row.iloc[0]
        s_old, s_new = block_subsidy_btc(height - 1), block_subsidy_btc(height)
        implied_old = r["blocks"] * (r["subsidy_btc_per_block"] - s_new) / (s_old - s_new)
        counted_old = height - (int(r["height_end"]) - int(r["blocks"]) + 1)
        offset = round(implied_old) - counted_old
        naive = int(r["height_end"]) - 1
        lines.append(
            f"height {height:,}: in the {day.date()} row (known UTC day {known_day}); "
            f"height_end = cumulative BlkCnt = {int(r['height_end']):,}; issuance implies "
            f"{implied_old:.3f} blocks before it, the count gives {counted_old} "
            f"(offset {offset:+d}); 'cumulative - 1' would give {naive:,} (offset -1)"
        )
        if offset != 0:
            raise SystemExit(f"height check failed at {height}: offset {offset}")
    return lines


def build_btc_daily(raw_dir: Path, out_dir: Path) -> tuple[pd.DataFrame, list[str], str]:
    full = read_coinmetrics_csv(raw_dir / CM_FILE)
    if full["height_end"].isna().any():
        raise SystemExit("raw Coin Metrics file does not start on the genesis day")
    first_price_day = full.index[full["price_usd"].notna()][0]
    df = full.loc[first_price_day:LAST_DAY].copy()
    df["blocks"] = df["blocks"].astype("int64")
    df["height_end"] = df["height_end"].astype("int64")
    for col in ("price_usd", "difficulty", "fees_btc_per_block", "subsidy_btc_per_block"):
        df[col] = round_significant(df[col].to_numpy(float))
    df["hashrate_th_s"] = round_significant(df["hashrate_th_s"].to_numpy(float))
    if df.isna().any().any():
        bad = df.columns[df.isna().any()].tolist()
        raise SystemExit(f"NaN in the bundled window, columns {bad}")
    height_lines = check_heights(df)
    text = df[list(BTC_DAILY_COLUMNS)].to_csv(date_format="%Y-%m-%d", lineterminator="\n")
    status = write_bytes_if_changed(
        out_dir / "btc_daily.csv.gz", deterministic_gzip(text.encode("utf-8"))
    )
    return df, height_lines, status


# --------------------------------------------------------------------------- ASIC catalog


def build_asic_catalog(
    raw_dir: Path, out_dir: Path
) -> tuple[pd.DataFrame, asic_sources.MergeReport]:
    def read(rel: str) -> str:
        return (raw_dir / rel).read_text(encoding="utf-8")

    marcelo = asic_sources._parse_marceloceccon_json(read(asic_sources.SRC_MARCELOCECCON))
    kookoo = asic_sources._parse_kookoo55_csv(read(asic_sources.SRC_KOOKOO55))
    kody = asic_sources._parse_kodyparsons_csv(read(asic_sources.SRC_KODYPARSONS))
    f2pool = asic_sources._parse_f2pool_csv(read(asic_sources.SRC_F2POOL))
    cbeci = asic_sources._parse_cbeci_csv(read(asic_sources.SRC_CBECI))
    manual = asic_sources.manual_rows_frame()
    catalog, report = asic_sources.merge_asic_sources(
        spec_sources=[manual, marcelo, kookoo, kody, f2pool, cbeci],
        year_sources=[manual, kody, cbeci, f2pool, marcelo],
    )
    text = catalog.to_csv(index=False, lineterminator="\n")
    write_bytes_if_changed(out_dir / asics.ASIC_CATALOG_FILE, text.encode("utf-8"))
    return catalog, report


# --------------------------------------------------------------------------- provenance


def provenance_section(
    raw_dir: Path,
    ref_dir: Path,
    out_dir: Path,
    btc: pd.DataFrame,
    height_lines: list[str],
    catalog: pd.DataFrame,
    report: asic_sources.MergeReport,
) -> str:
    def origin(rel: str) -> str:
        repo, path, commit, licence = RAW_ORIGINS[rel]
        return (
            f"`{rel}` <- `{repo}` `{path}` @ `{commit}` (licence: {licence}; "
            f"sha256 `{sha256(raw_dir / rel)[:16]}...`)"
        )

    by_source = catalog["source"].str.split(";").str[0].value_counts().to_dict()
    counts = ", ".join(f"{v} from `{k}`" for k, v in sorted(by_source.items()))
    years = ", ".join(f"{v} from `{k}`" for k, v in sorted(report.release_years_from.items()))
    mismatch = "\n".join(f"  - {m}" for m in report.efficiency_mismatches) or "  - none"
    dup_within = "\n".join(f"  - {m}" for m in report.duplicates_within_source) or "  - none"
    heights = "\n".join(f"  - {line}" for line in height_lines)
    return f"""{BEGIN}
## BTC daily market and network data: `btc_daily.csv.gz`

- **Origin:** {origin(CM_FILE)}. A pull of the Coin Metrics **Community** API
  (`community-api.coinmetrics.io/v4/timeseries/asset-metrics`, asset btc, 1d).
- **Licence:** Coin Metrics Community data is **CC BY-NC 4.0** (non-commercial use,
  attribution required). Attribution: **"Source: Coin Metrics Community Network Data"**.
  Any output, chart or report built on this file must carry that line; commercial use
  needs a Coin Metrics licence.
- **Rows:** {len(btc):,} UTC days, {btc.index[0].date()} (first day with a price) to
  {btc.index[-1].date()}; no missing day, no empty field. sha256 of the gzip:
  `{sha256(out_dir / "btc_daily.csv.gz")[:16]}...`.
- **Columns:** `date` (YYYY-MM-DD, UTC); `price_usd` = PriceUSD [USD/BTC]; `difficulty` =
  DiffMean (mean over the day's blocks: a blend on retarget days) [-]; `blocks` = BlkCnt
  [blocks/day]; `fees_btc_per_block` = FeeTotUSD / PriceUSD / BlkCnt [BTC/block] (Coin
  Metrics Community has no BTC fee column: an approximation through the day's price);
  `subsidy_btc_per_block` = IssTotUSD / PriceUSD / BlkCnt [BTC/block] (exact to ~1e-12;
  a blend on halving days); `hashrate_th_s` = HashRate [TH/s] (Coin Metrics' estimate,
  which equals DiffMean * 2^32 * BlkCnt / 86,400 / 1e12 to 1e-8); `height_end` [-].
- **Height of the day's last block (`height_end`):** Coin Metrics' BlkCnt does **not**
  count the genesis block (the 2009-01-03 row has BlkCnt 0), so
  `height_end = cumulative BlkCnt since 2009-01-03` exactly; the formula
  "cumulative BlkCnt - 1" is off by **-1** at every day. Checked on every day (the mean
  subsidy over heights `height_end - blocks + 1 .. height_end` equals the issuance per
  block) and at each halving:
{heights}
  Halving 4 (block 840,000, header time 2024-04-20 00:09 UTC) and three more blocks sit
  in Coin Metrics' **2024-04-19** row, so Coin Metrics' day boundary falls a little
  later than block header time near midnight (most likely it buckets blocks by another
  timestamp such as median time past). The data are internally consistent; the
  day-level attribution differs from header time by at most a few blocks.
- **Transformation:** parsed by `hashpivot.io.coinmetrics.read_coinmetrics_csv`, cut to
  {btc.index[0].date()}..{btc.index[-1].date()}, floats rounded to
  {SIGNIFICANT_DIGITS} significant digits, written as CSV and gzip-compressed with
  mtime 0 and no file name (byte-reproducible).

## ASIC catalog: `asic_catalog.csv`

- **Origins** (all byte-for-byte copies in the raw folder):
  - {origin(asic_sources.SRC_MARCELOCECCON)}
  - {origin(asic_sources.SRC_KOOKOO55)}
  - {origin(asic_sources.SRC_KODYPARSONS)}
  - {origin(asic_sources.SRC_F2POOL)}
  - {origin(asic_sources.SRC_CBECI)}
  - manual row(s), source `{asic_sources.SRC_MANUAL}`: **Antminer S21 XP**, 270 TH/s, 3,645 W,
    13.5 J/TH, released 2024, air-cooled. The model is in none of the raw files; the
    figures are Bitmain's published nameplate values as given in the project brief
    (3,645 W / 270 TH/s = 13.5 J/TH), not read from a stored copy of the spec sheet.
- **Rows:** {len(catalog)} models ({counts}).
- **Merge rules** (`merge_asic_sources` in `scripts/_asic_sources.py`): names normalized to display
  names ("Antminer S19 XP", "Whatsminer M50S", "AvalonMiner 1246"; F2Pool's "(67T)"
  variants kept as separate models); the same model across files is detected by a
  key that ignores case, spaces and punctuation (`+` = plus). Specs come from the first
  source in this order: manual, marceloceccon (newest, 50 models, only one with
  cooling), kookoo55 (Aug 2025 listings), kodyparsons (Dec 2024), F2Pool (Mar 2020).
  `release_year` precedence: sources with a release date first (kodyparsons, CBECI,
  F2Pool), then marceloceccon's year (several of its years are late, e.g. S19 Pro
  2021 vs May 2020). Release years came {years}. `efficiency_j_per_th` =
  `power_w / hashrate_th_s` (rounded to 0.01) for every row. `cooling`: `hydro` for
  marceloceccon's water-cooled models and names with Hyd/Hydro, `immersion` for names
  with Immersion (none so far), else `air`. `source` names the spec file and, when
  different, the release-year file.
- **Excluded:** the {len(report.excluded_without_hashrate)} CBECI rows: the CBECI list has
  no hashrate nor power column, and a catalog row must have a hashrate (CBECI only gives
  release years, to {report.release_years_from.get(asic_sources.SRC_CBECI, 0)} models). Also
  {len(report.duplicates_across_sources)} rows duplicating a model of a source with higher
  precedence, and within-source duplicates (kept: the row whose hashrate matches its
  "(NNT)" label, else the earliest release):
{dup_within}
- **Stated efficiencies that differ from power/hashrate by more than 2 %** (the catalog
  uses power/hashrate):
{mismatch}
- **Caveats:** nameplate figures; marceloceccon's "Whatsminer M50S+" carries the
  126 TH/s, 3,306 W figures that kodyparsons gives for the M50S; kookoo55's S21 Pro is
  245 TH/s in the sheet while its link says 234 (marceloceccon's 234 TH/s is used).
  kookoo55 rows have no release year. marceloceccon's "Antminer S19 Hydro" carries the
  same 198 TH/s, 5,445 W as its "Antminer S19 Pro+ Hyd" (Bitmain's plain S19 Hydro is a
  lower-hashrate unit): prefer the Pro+ Hyd row or give custom specs.

## Reference tables: `ai_hosting_deals.csv`, `miner_unit_costs.csv`

- **Origin:** the project's reference folder (`{ref_dir.name}/ai_hosting_deals.csv`,
  `{ref_dir.name}/miner_unit_costs.csv`), compiled by the project from public reports;
  each row names its own source (`source` column) and a `confidence` grade (`primary`,
  `secondary`, `uncertain`). No repository licence; the figures are facts reported in
  the press and filings.
- **Transformation:** none (byte copies; sha256 `{sha256(out_dir / "ai_hosting_deals.csv")[:16]}...`
  and `{sha256(out_dir / "miner_unit_costs.csv")[:16]}...`). Treat the figures as
  calibration ranges, not ground truth.
{END}
"""


def update_provenance(path: Path, section: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else PROVENANCE_HEADER
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        text = head + section.rstrip("\n") + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section
    if not text.endswith("\n"):
        text += "\n"
    path.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--raw", type=Path, default=REPO.parent / "shared" / "data" / "raw")
    parser.add_argument("--reference", type=Path, default=REPO.parent / "shared" / "reference")
    parser.add_argument("--out", type=Path, default=REPO / "src" / "hashpivot" / "data")
    parser.add_argument("--write-test-sample", action="store_true")
    args = parser.parse_args(argv)
    raw_dir: Path = args.raw.resolve()
    ref_dir: Path = args.reference.resolve()
    out_dir: Path = args.out.resolve()
    if not (raw_dir / CM_FILE).exists():
        parser.error(f"raw folder {raw_dir} has no {CM_FILE}")
    out_dir.mkdir(parents=True, exist_ok=True)

    btc, height_lines, status = build_btc_daily(raw_dir, out_dir)
    span = f"{btc.index[0].date()}..{btc.index[-1].date()}"
    print(f"btc_daily.csv.gz: {len(btc)} rows {span} ({status})")
    for line in height_lines:
        print("  " + line)

    catalog, report = build_asic_catalog(raw_dir, out_dir)
    print(f"asic_catalog.csv: {len(catalog)} models")
    print(f"  release years from: {report.release_years_from}")
    print(f"  excluded without hashrate: {len(report.excluded_without_hashrate)}")
    print(f"  duplicates across sources dropped: {len(report.duplicates_across_sources)}")
    for m in report.duplicates_within_source:
        print(f"  duplicate within source dropped: {m}")
    for m in report.efficiency_mismatches:
        print(f"  efficiency mismatch: {m}")

    for name in ("ai_hosting_deals.csv", "miner_unit_costs.csv"):
        shutil.copyfile(ref_dir / name, out_dir / name)
        print(f"{name}: copied from {ref_dir}")

    section = provenance_section(raw_dir, ref_dir, out_dir, btc, height_lines, catalog, report)
    update_provenance(out_dir / "PROVENANCE.md", section)
    print(f"PROVENANCE.md: section updated in {out_dir / 'PROVENANCE.md'}")

    if args.write_test_sample:
        text = (raw_dir / CM_FILE).read_text(encoding="utf-8")
        sample = coinmetrics_text_excerpt(text, TEST_SAMPLE_DAYS)
        target = REPO / "tests" / "data" / "coinmetrics_sample.csv"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(sample, encoding="utf-8")
        print(f"{target.relative_to(REPO)}: {sample.count(chr(10)) - 1} raw rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
