"""The build-time parsers of the five ASIC spec sources and the catalog's merge rules
(``scripts/_asic_sources.py``), on excerpts of the raw files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from hashpivot.io.asics import COOLING_VALUES

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import _asic_sources as A  # noqa: N812

# --------------------------------------------------------------------------- parsers and merge

F2POOL = (
    "\ufeffCompany,Device,Device Age (M)(03/2020) ,Hashrate (T),Power Consumption (W),"
    "Unit Power (W/T) #,Produced (24h) (BTC),Revenue (24h),Daily Cost$ /kWh,Profits (24h),"
    "Electricity Cost Rate ,Year Released,Month Released,,\n"
    "Bitmain,Antminer S19 Pro,1,110,3250,30,0.00167102,$ 13.24,$ 3.90,$ 9.34,29%,2020,2,,\n"
    "Hummer,Hummer Miner H7 Pro (48T),6,53,3445,65,0.0008,$ 6.38,$ 4.13,$ 2.25,65%,2019,9,,\n"
    "Hummer,Hummer Miner H7 Pro (48T),6,48,3120,65,0.0007,$ 5.78,$ 3.74,$ 2.04,65%,2019,9,,\n"
    "Bitmain,Antminer S9,6,14,1190,85,0.0002,$ 1.69,$ 1.43,$ 0.26,85%,2019,9,,\n"
    "Bitmain,Antminer S9,44,13,1300,100,0.0002,$ 1.57,$ 1.56,$ 0.01,100%,2016,7,,\n"
)
MARCELO = json.dumps(
    [
        {
            "id": "s19-pro",
            "name": "Antminer S19 Pro",
            "manufacturer": "Bitmain",
            "hash_rate_ths": 110,
            "power_watts": 3250,
            "efficiency_jth": 29.5,
            "release_year": 2021,
            "watercooled": False,
        },
        {
            "id": "s21-hyd",
            "name": "Antminer S21 Hyd",
            "manufacturer": "Bitmain",
            "hash_rate_ths": 335,
            "power_watts": 5360,
            "efficiency_jth": 16.0,
            "release_year": 2024,
            "watercooled": True,
        },
    ]
)
KODY = (
    "\ufeffmodel_name,hashrate,power_consumption,efficiency,manufacturer,release_date,\n"
    "S19 Pro,110,3250,29.5,Bitmain,5/11/20,47351.5\n"
    "M30S+,100,3400,34,MicroBT,6/15/20,47531\n"
)
KOOKOO = (
    "model,hashrate(TH/s),power(W),hashrate(TH/s)/power(W),price,price/hashrate(TH/s),"
    "x4 cost,x6 cost,x4 hashrate ,x6 hashrate,Unnamed: 10,link\n"
    "s21+,235,3564.0,0.0659,3349,14.25,13396,,940.0,,,https://example.invalid/s21plus\n"
)
CBECI = (
    "Miner_name,UNIX_date_of_release,Efficiency_J_Gh,Qty\n"
    "Worst CPU,1230000000,100000,1000\n"
    "Bitmain Antminer S9 (13.5Th),1504224000,0.098,554000\n"
    "Bitmain Antminer S19 Pro (110Th),1588291200,0.02955,1000\n"
)


def test_parsers() -> None:
    f2 = A._parse_f2pool_csv(F2POOL)
    assert f2["model"].tolist()[0] == "Antminer S19 Pro"
    assert f2["stated_efficiency_j_per_th"].iloc[0] == 30.0
    assert f2["release_year"].iloc[0] == 2020
    kody = A._parse_kodyparsons_csv(KODY)
    assert kody["model"].tolist() == ["Antminer S19 Pro", "Whatsminer M30S+"]
    assert kody["release_month"].tolist() == [5, 6]
    kk = A._parse_kookoo55_csv(KOOKOO)
    assert kk["model"].iloc[0] == "Antminer S21+"
    assert kk["stated_efficiency_j_per_th"].iloc[0] == pytest.approx(1 / 0.0659)
    mm = A._parse_marceloceccon_json(MARCELO)
    assert mm["cooling"].tolist() == ["air", "hydro"]
    cb = A._parse_cbeci_csv(CBECI)
    assert len(cb) == 2  # the generic CPU row is dropped
    assert cb["hashrate_th_s"].isna().all()
    assert cb["stated_efficiency_j_per_th"].iloc[1] == pytest.approx(29.55)
    assert cb["release_year"].tolist() == [2017, 2020]


def test_merge_rules() -> None:
    f2 = A._parse_f2pool_csv(F2POOL)
    mm = A._parse_marceloceccon_json(MARCELO)
    kody = A._parse_kodyparsons_csv(KODY)
    kk = A._parse_kookoo55_csv(KOOKOO)
    cb = A._parse_cbeci_csv(CBECI)
    cat, report = A.merge_asic_sources(
        spec_sources=[A.manual_rows_frame(), mm, kk, kody, f2, cb],
        year_sources=[A.manual_rows_frame(), kody, cb, f2, mm],
    )
    by_model = cat.set_index("model")
    # Specs from the first source listing the model, year from the first with a date.
    assert by_model.loc["Antminer S19 Pro", "source"] == (
        f"{A.SRC_MARCELOCECCON}; release_year: {A.SRC_KODYPARSONS}"
    )
    assert by_model.loc["Antminer S19 Pro", "release_year"] == 2020
    assert by_model.loc["Antminer S19 Pro", "efficiency_j_per_th"] == pytest.approx(29.55)
    # Within-source duplicates: label match wins, then earliest release.
    assert by_model.loc["Hummer H7 Pro (48T)", "hashrate_th_s"] == 48
    assert by_model.loc["Antminer S9", "hashrate_th_s"] == 13
    assert by_model.loc["Antminer S9", "release_year"] == 2016
    assert len(report.duplicates_within_source) == 2
    # CBECI never adds a row (no hashrate) but is reported as excluded.
    assert len(report.excluded_without_hashrate) == 2
    assert "Antminer S21 XP" in by_model.index
    assert by_model.loc["Antminer S21+", "release_year"] is pd.NA
    assert report.efficiency_mismatches == []
    assert set(cat["cooling"]) <= set(COOLING_VALUES)


def test_merge_flags_efficiency_mismatch() -> None:
    bad = A._parse_kodyparsons_csv(
        "model_name,hashrate,power_consumption,efficiency,manufacturer,release_date\n"
        "S19 Pro,110,3250,25.0,Bitmain,5/11/20\n"
    )
    cat, report = A.merge_asic_sources([bad], [bad])
    assert cat["efficiency_j_per_th"].iloc[0] == pytest.approx(29.55)
    assert len(report.efficiency_mismatches) == 1


@pytest.mark.parametrize(
    ("raw", "maker", "expected"),
    [
        ("Bitmain Antminer S19 Pro (110Th)", None, ("Antminer S19 Pro (110T)", "Bitmain")),
        ("s21+", None, ("Antminer S21+", "Bitmain")),
        ("m66", None, ("Whatsminer M66", "MicroBT")),
        ("S19 Pro", "Bitmain", ("Antminer S19 Pro", "Bitmain")),
        ("M30S++", "MicroBT", ("Whatsminer M30S++", "MicroBT")),
        ("Whatsminer M50S", "Whatsminer", ("Whatsminer M50S", "MicroBT")),
        ("Avalon A921", "Canaan", ("AvalonMiner 921", "Canaan")),
        ("INNOSILICON T3+ Miner (67T)", "INNOSILICON", ("Innosilicon T3+ (67T)", "Innosilicon")),
        ("Hummer Miner H9 Pro", "Hummer", ("Hummer H9 Pro", "Hummer")),
        (
            "Whatsminer M10S (Underclocked )",
            "Whatsminer",
            ("Whatsminer M10S (Underclocked)", "MicroBT"),
        ),
        ("CK6", "Goldshell", ("Goldshell CK6", "Goldshell")),
        ("Ebit E12+", "Ebang", ("Ebit E12+", "Ebang")),
    ],
)
def test_normalize_model_name(raw: str, maker: str | None, expected: tuple[str, str]) -> None:
    assert A.normalize_model_name(raw, maker) == expected
