"""Build-time parsers of the five ASIC spec sources and the merge rules of the catalog.

Used by ``scripts/build_btc_data.py`` only (never at run time). The runtime lookup is
:mod:`hashpivot.io.asics`.

The catalog (``hashpivot/data/asic_catalog.csv``) is built by
``scripts/build_btc_data.py`` from five public spec files (see ``PROVENANCE.md``) with
the ``_parse_*`` functions and :func:`merge_asic_sources` below, plus one documented manual
row (:data:`MANUAL_ASIC_ROWS`).

Merge rules
-----------
* Names are normalized to a display name (``"Antminer S21 XP"``, ``"Whatsminer M50S"``,
  ``"AvalonMiner 1246"``) by :func:`normalize_model_name`; two rows are the same model
  when their :func:`model_key` (case, spaces and punctuation ignored, ``+`` read as
  ``plus``, ``Hydro`` as ``Hyd``) is equal.
* Specs (hashrate, power, cooling) come from the first source, in precedence order, that
  lists the model: the manual rows, ``marceloceccon_bitcoinmining/miners.json`` (2026,
  50 models, the only one with cooling), ``kookoo55_miningftw/btc_miner_sheet.csv``
  (2025 listings), ``kodyparsons_btcbess/miners.csv`` (2024),
  ``f2pool_mattk8/mining-devices.csv`` (March 2020).
* ``release_year`` comes from its own precedence: sources that carry a release *date*
  first (kodyparsons, then the Cambridge CBECI list, then F2Pool's year/month), then
  marceloceccon's year (some of its years are known to be late, e.g. S19 Pro as 2021).
* ``efficiency_j_per_th`` is always ``power_w / hashrate_th_s`` (its definition); stated
  efficiencies that disagree by more than 2 % are reported by the build script.
* The CBECI list has no hashrate nor power column: its rows never become catalog rows
  (a catalog row must have a hashrate); CBECI only supplies release years of models that
  another source lists.
* Inside one source, a duplicated name keeps the row whose hashrate matches a
  ``(NNT)`` label in the name, else the earliest release, else the first row.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hashpivot.exceptions import DataError
from hashpivot.io.asics import CATALOG_COLUMNS, model_key

# --------------------------------------------------------------------------- names

_BRAND_PREFIXES: tuple[tuple[str, str, str], ...] = (
    # (lower-case prefix words, display series, manufacturer)
    ("bitmain antminer", "Antminer", "Bitmain"),
    ("antminer", "Antminer", "Bitmain"),
    ("microbt whatsminer", "Whatsminer", "MicroBT"),
    ("whatsminer", "Whatsminer", "MicroBT"),
    ("canaan avalonminer", "AvalonMiner", "Canaan"),
    ("avalonminer", "AvalonMiner", "Canaan"),
    ("avalon", "AvalonMiner", "Canaan"),
    ("ebang ebit", "Ebit", "Ebang"),
    ("ebit", "Ebit", "Ebang"),
    ("innosilicon", "Innosilicon", "Innosilicon"),
)

_SERIES_FOR_MANUFACTURER = {"Bitmain": "Antminer", "MicroBT": "Whatsminer", "Canaan": "AvalonMiner"}

_MANUFACTURER_NAMES = {
    "bitmain": "Bitmain",
    "microbt": "MicroBT",
    "whatsminer": "MicroBT",
    "canaan": "Canaan",
    "ebang": "Ebang",
    "innosilicon": "Innosilicon",
    "goldshell": "Goldshell",
}

_VARIANT_RE = re.compile(r"\(\s*(\d+(?:\.\d+)?)\s*T(?:h)?(?:/s)?\s*\)", re.IGNORECASE)


def normalize_manufacturer(name: str) -> str:
    """Canonical manufacturer name (``"Whatsminer"`` -> ``"MicroBT"``, ``"INNOSILICON"``
    -> ``"Innosilicon"``); unknown names are returned stripped."""
    clean = " ".join(str(name).split())
    return _MANUFACTURER_NAMES.get(clean.lower(), clean)


def normalize_model_name(raw: str, manufacturer: str | None = None) -> tuple[str, str]:
    """Display name and manufacturer of a raw model name.

    Parameters
    ----------
    raw : str
        Name as written in a source, e.g. ``"Bitmain Antminer S19 Pro (110Th)"``,
        ``"s21+"``, ``"Avalon A921"``, ``"INNOSILICON T3+ Miner (67T)"``.
    manufacturer : str, optional
        Manufacturer given by the source, used for bare model codes (``"S19 Pro"``). When
        absent, a bare code starting with S or T is taken as Bitmain, with M as MicroBT.

    Returns
    -------
    tuple of str
        ``(display_name, manufacturer)``, e.g. ``("Antminer S19 Pro (110T)", "Bitmain")``.
    """
    name = " ".join(str(raw).replace("\ufeff", "").split())
    name = re.sub(r"\(\s*", "(", name)
    name = re.sub(r"\s*\)", ")", name)
    name = _VARIANT_RE.sub(lambda m: f"({m.group(1)}T)", name)
    name = re.sub(r"\bminer\b", "", name, flags=re.IGNORECASE)
    name = " ".join(name.split())
    lower = name.lower()
    for prefix, series, maker in _BRAND_PREFIXES:
        if lower == prefix or lower.startswith(prefix + " "):
            rest = name[len(prefix) :].strip()
            if series == "AvalonMiner":
                rest = re.sub(r"^A(\d{3,4})\b", r"\1", rest)
            return f"{series} {rest}".strip(), maker
    maker = normalize_manufacturer(manufacturer) if manufacturer else ""
    if maker and lower.startswith(maker.lower()):
        return name, maker
    # A bare model code such as "S19 Pro", "s21+" or "m66".
    first, _, rest = name.partition(" ")
    if re.match(r"^[A-Za-z]{1,3}\d", first):
        first = first.upper()
    code = f"{first} {rest}".strip()
    if not maker:
        guess = {"s": "Bitmain", "t": "Bitmain", "m": "MicroBT"}
        maker = guess.get(first[:1].lower(), "")
    series_name = _SERIES_FOR_MANUFACTURER.get(maker)
    if series_name:
        return f"{series_name} {code}", maker
    return (f"{maker} {code}".strip() if maker else code), maker


SRC_MARCELOCECCON = "marceloceccon_bitcoinmining/miners.json"
SRC_KOOKOO55 = "kookoo55_miningftw/btc_miner_sheet.csv"
SRC_KODYPARSONS = "kodyparsons_btcbess/miners.csv"
SRC_F2POOL = "f2pool_mattk8/mining-devices.csv"
SRC_CBECI = "cbeci/cbeci_miners.csv"
SRC_MANUAL = "Bitmain spec sheet (manual entry, see PROVENANCE)"

#: Models absent from every raw file, entered by hand (documented in PROVENANCE.md).
MANUAL_ASIC_ROWS: tuple[dict[str, Any], ...] = (
    {
        "model": "Antminer S21 XP",
        "manufacturer": "Bitmain",
        "hashrate_th_s": 270.0,
        "power_w": 3645.0,
        "stated_efficiency_j_per_th": 13.5,
        "release_year": 2024,
        "cooling": "air",
        "source": SRC_MANUAL,
    },
)

# Intermediate frames produced by the _parse_* functions.
_SPEC_COLUMNS = (
    "model",
    "manufacturer",
    "hashrate_th_s",
    "power_w",
    "stated_efficiency_j_per_th",
    "release_year",
    "release_month",
    "cooling",
    "source",
)


def _variant_th(name: str) -> float | None:
    """Hashrate label ``(NNT)`` of a display name. [TH/s]"""
    m = re.search(r"\((\d+(?:\.\d+)?)T\)", name)
    return float(m.group(1)) if m else None


def _infer_cooling(name: str, watercooled: bool = False) -> str:
    if re.search(r"immersion", name, re.IGNORECASE):
        return "immersion"
    if watercooled or re.search(r"\bhyd(ro)?\b", name, re.IGNORECASE):
        return "hydro"
    return "air"


def _spec_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(_SPEC_COLUMNS))
    for col in ("hashrate_th_s", "power_w", "stated_efficiency_j_per_th"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    for col in ("release_year", "release_month"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("Int64")
    return df


# --------------------------------------------------------------------------- parsers


def _parse_marceloceccon_json(text: str, source: str = SRC_MARCELOCECCON) -> pd.DataFrame:
    """Parse ``marceloceccon/bitcoinmining`` ``data/miners.json`` (a list of objects with
    ``name, manufacturer, hash_rate_ths, power_watts, efficiency_jth, release_year,
    watercooled``)."""
    items = json.loads(text)
    if not isinstance(items, list):
        raise DataError(f"{source}: expected a JSON list of miners")
    rows = []
    for it in items:
        model, maker = normalize_model_name(it["name"], it.get("manufacturer"))
        rows.append(
            {
                "model": model,
                "manufacturer": maker,
                "hashrate_th_s": it.get("hash_rate_ths"),
                "power_w": it.get("power_watts"),
                "stated_efficiency_j_per_th": it.get("efficiency_jth"),
                "release_year": it.get("release_year"),
                "release_month": None,
                "cooling": _infer_cooling(model, bool(it.get("watercooled", False))),
                "source": source,
            }
        )
    return _spec_frame(rows)


def _read_csv_text(text: str) -> pd.DataFrame:
    df = pd.read_csv(io.StringIO(text.lstrip("\ufeff")))
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _parse_kookoo55_csv(text: str, source: str = SRC_KOOKOO55) -> pd.DataFrame:
    """Parse ``kookoo55/miningftw`` ``data/btc_miner_sheet.csv`` (``model,
    hashrate(TH/s), power(W), hashrate(TH/s)/power(W), ...``; no release date)."""
    df = _read_csv_text(text)
    rows = []
    for _, r in df.iterrows():
        model, maker = normalize_model_name(str(r["model"]))
        ratio = float(pd.to_numeric(str(r.get("hashrate(TH/s)/power(W)")), errors="coerce"))
        rows.append(
            {
                "model": model,
                "manufacturer": maker,
                "hashrate_th_s": r["hashrate(TH/s)"],
                "power_w": r["power(W)"],
                "stated_efficiency_j_per_th": 1.0 / ratio if ratio > 0 else None,
                "release_year": None,
                "release_month": None,
                "cooling": _infer_cooling(model),
                "source": source,
            }
        )
    return _spec_frame(rows)


def _parse_kodyparsons_csv(text: str, source: str = SRC_KODYPARSONS) -> pd.DataFrame:
    """Parse ``KodyParsons/BTCBESS`` ``data/miners.csv`` (``model_name, hashrate,
    power_consumption, efficiency, manufacturer, release_date`` with M/D/YY dates)."""
    df = _read_csv_text(text)
    dates = pd.to_datetime(df["release_date"], format="%m/%d/%y", errors="coerce")
    rows = []
    for (_, r), date in zip(df.iterrows(), dates, strict=True):
        model, maker = normalize_model_name(str(r["model_name"]), str(r["manufacturer"]))
        rows.append(
            {
                "model": model,
                "manufacturer": maker,
                "hashrate_th_s": r["hashrate"],
                "power_w": r["power_consumption"],
                "stated_efficiency_j_per_th": r["efficiency"],
                "release_year": None if pd.isna(date) else date.year,
                "release_month": None if pd.isna(date) else date.month,
                "cooling": _infer_cooling(model),
                "source": source,
            }
        )
    return _spec_frame(rows)


def _parse_f2pool_csv(text: str, source: str = SRC_F2POOL) -> pd.DataFrame:
    """Parse ``mattk8/mining-data`` ``mining-devices.csv`` (F2Pool miner list, March
    2020: ``Company, Device, Hashrate (T), Power Consumption (W), Unit Power (W/T) #,
    Year Released, Month Released``)."""
    df = _read_csv_text(text)
    rows = []
    for _, r in df.iterrows():
        if pd.isna(r.get("Device")):
            continue
        model, maker = normalize_model_name(str(r["Device"]), str(r["Company"]))
        rows.append(
            {
                "model": model,
                "manufacturer": maker,
                "hashrate_th_s": r["Hashrate (T)"],
                "power_w": r["Power Consumption (W)"],
                "stated_efficiency_j_per_th": r["Unit Power (W/T) #"],
                "release_year": r["Year Released"],
                "release_month": r["Month Released"],
                "cooling": _infer_cooling(model),
                "source": source,
            }
        )
    return _spec_frame(rows)


_CBECI_GENERIC = {"worst cpu", "best cpu", "worst gpu", "best gpu", "fpga", "early asics"}


def _parse_cbeci_csv(text: str, source: str = SRC_CBECI) -> pd.DataFrame:
    """Parse the Cambridge CBECI ``server_config/miners.csv`` (``Miner_name,
    UNIX_date_of_release, Efficiency_J_Gh, Qty``). The generic CPU/GPU/FPGA rows are
    dropped; hashrate and power are left empty (the file has neither)."""
    df = _read_csv_text(text)
    rows = []
    for _, r in df.iterrows():
        raw = str(r["Miner_name"])
        if raw.strip().lower() in _CBECI_GENERIC:
            continue
        model, maker = normalize_model_name(raw)
        date = pd.to_datetime(r["UNIX_date_of_release"], unit="s", utc=True)
        rows.append(
            {
                "model": model,
                "manufacturer": maker,
                "hashrate_th_s": None,
                "power_w": None,
                "stated_efficiency_j_per_th": float(r["Efficiency_J_Gh"]) * 1000.0,
                "release_year": date.year,
                "release_month": date.month,
                "cooling": _infer_cooling(model),
                "source": source,
            }
        )
    return _spec_frame(rows)


# --------------------------------------------------------------------------- merge


@dataclass
class MergeReport:
    """What :func:`merge_asic_sources` dropped or flagged (for the build log)."""

    duplicates_within_source: list[str]
    duplicates_across_sources: list[str]
    efficiency_mismatches: list[str]
    release_years_from: dict[str, int]
    excluded_without_hashrate: list[str]


def _dedupe_within(df: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    keys = df["model"].map(model_key)
    label = df["model"].map(_variant_th)
    label_ok = [
        0 if (lab is not None and abs(lab - h) < 0.05) else 1
        for lab, h in zip(label, df["hashrate_th_s"], strict=True)
    ]
    order = pd.DataFrame(
        {
            "key": keys,
            "label_ok": label_ok,
            "year": df["release_year"].fillna(9999).astype(int),
            "month": df["release_month"].fillna(99).astype(int),
            "pos": np.arange(len(df)),
        },
        index=df.index,
    ).sort_values(["key", "label_ok", "year", "month", "pos"])
    keep = order.drop_duplicates("key").sort_values("pos").index
    dropped_idx = df.index.difference(keep)
    dropped = [
        f"{r['source']}: {r['model']} "
        f"({float(r['hashrate_th_s']):g} TH/s, {float(r['power_w']):g} W)"
        for r in df.loc[dropped_idx].to_dict("records")
    ]
    return df.loc[keep], dropped


def merge_asic_sources(
    spec_sources: Sequence[pd.DataFrame],
    year_sources: Sequence[pd.DataFrame],
    mismatch_tolerance: float = 0.02,
) -> tuple[pd.DataFrame, MergeReport]:
    """Merge parsed spec frames into the catalog.

    Parameters
    ----------
    spec_sources : sequence of DataFrame
        Parsed frames (``_parse_*`` output or manual rows) in precedence order: the first
        frame that lists a model supplies its specs. Rows without a hashrate are excluded.
    year_sources : sequence of DataFrame
        Frames in precedence order for ``release_year`` (may include frames without
        hashrate, such as the CBECI list). A row gives its year to a catalog model with the
        same key, or, when its name carries a ``(NNT)`` label, to the model of the same
        base name whose hashrate equals the label.
    mismatch_tolerance : float
        Relative gap between a stated efficiency and ``power_w / hashrate_th_s`` above
        which the row is reported. [-]

    Returns
    -------
    catalog : DataFrame
        Columns :data:`CATALOG_COLUMNS`.
    report : MergeReport
        Dropped duplicates, exclusions, year matches and efficiency mismatches.
    """
    dup_within: list[str] = []
    excluded: list[str] = []
    chosen: dict[str, dict[Any, Any]] = {}
    dup_across: list[str] = []
    for frame in spec_sources:
        has_rate = frame["hashrate_th_s"].notna() & (frame["hashrate_th_s"] > 0)
        excluded += [f"{s}: {m}" for m, s in frame.loc[~has_rate, ["model", "source"]].values]
        deduped, dropped = _dedupe_within(frame.loc[has_rate])
        dup_within += dropped
        for rec in deduped.to_dict("records"):
            key = model_key(rec["model"])
            if key in chosen:
                dup_across.append(f"{rec['source']}: {rec['model']} (kept {chosen[key]['source']})")
                continue
            chosen[key] = rec

    # Release years, in their own precedence.
    year_src: dict[str, tuple[int, str]] = {}
    year_matches: dict[str, int] = {}
    for frame in year_sources:
        # Duplicated names inside a source: the same rule as for specs (label, earliest).
        deduped_years, _ = _dedupe_within(frame)
        for rec in deduped_years.to_dict("records"):
            if pd.isna(rec["release_year"]):
                continue
            key = model_key(rec["model"])
            target = key if key in chosen else None
            label = _variant_th(rec["model"])
            if target is None and label is not None:
                base = model_key(re.sub(r"\s*\(\d+(?:\.\d+)?T\)", "", rec["model"]))
                if base in chosen and abs(float(chosen[base]["hashrate_th_s"]) - label) < 0.05:
                    target = base
            if target is not None and target not in year_src:
                year_src[target] = (int(rec["release_year"]), str(rec["source"]))
                year_matches[str(rec["source"])] = year_matches.get(str(rec["source"]), 0) + 1

    mismatches: list[str] = []
    rows = []
    for key, rec in chosen.items():
        hashrate = float(rec["hashrate_th_s"])
        power = float(rec["power_w"])
        eff = power / hashrate
        stated = rec.get("stated_efficiency_j_per_th")
        if stated is not None and not pd.isna(stated) and stated > 0:
            gap = abs(float(stated) - eff) / eff
            if gap > mismatch_tolerance:
                mismatches.append(
                    f"{rec['source']}: {rec['model']} states {float(stated):g} J/TH, "
                    f"power/hashrate = {eff:.2f} J/TH ({gap:.1%})"
                )
        year: int | None = None
        source = str(rec["source"])
        if key in year_src:
            year, ysrc = year_src[key]
            if ysrc != source:
                source = f"{source}; release_year: {ysrc}"
        elif not pd.isna(rec["release_year"]):
            year = int(rec["release_year"])
        rows.append(
            {
                "model": rec["model"],
                "manufacturer": rec["manufacturer"],
                "hashrate_th_s": hashrate,
                "power_w": power,
                "efficiency_j_per_th": round(eff, 2),
                "release_year": year,
                "cooling": rec["cooling"],
                "source": source,
            }
        )
    catalog = pd.DataFrame(rows, columns=list(CATALOG_COLUMNS))
    catalog["release_year"] = catalog["release_year"].astype("Int64")
    catalog = catalog.sort_values(
        ["manufacturer", "release_year", "hashrate_th_s", "model"],
        ascending=[True, False, False, True],
        na_position="last",
    ).reset_index(drop=True)
    report = MergeReport(
        duplicates_within_source=dup_within,
        duplicates_across_sources=dup_across,
        efficiency_mismatches=mismatches,
        release_years_from=year_matches,
        excluded_without_hashrate=excluded,
    )
    return catalog, report


def manual_rows_frame() -> pd.DataFrame:
    """:data:`MANUAL_ASIC_ROWS` as a parsed spec frame."""
    return _spec_frame([{**row, "release_month": None} for row in MANUAL_ASIC_ROWS])
