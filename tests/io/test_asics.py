"""Tests of the ASIC catalog: content, parsers, merge rules and lookup."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hashpivot.exceptions import HashpivotError
from hashpivot.io import AsicSpec, UnknownAsicError, find_asic, load_asic_catalog, model_key
from hashpivot.io import asics as A  # noqa: N812


@pytest.fixture(scope="module")
def catalog() -> pd.DataFrame:
    return load_asic_catalog()


def test_columns_and_values(catalog: pd.DataFrame) -> None:
    assert list(catalog.columns) == list(A.CATALOG_COLUMNS)
    assert len(catalog) == 126
    assert catalog["model"].is_unique
    assert catalog["model"].map(model_key).is_unique
    assert (catalog["hashrate_th_s"] > 0).all() and (catalog["power_w"] > 0).all()
    assert set(catalog["cooling"]) <= set(A.COOLING_VALUES)
    assert catalog["source"].str.len().gt(0).all()
    years = catalog["release_year"].dropna()
    assert years.between(2016, 2025).all()


def test_efficiency_is_power_over_hashrate(catalog: pd.DataFrame) -> None:
    # Stored rounded to 0.01 J/TH; 2 % is the brief's bound, actual gap < 0.1 %.
    ratio = catalog["power_w"] / catalog["hashrate_th_s"]
    assert ((catalog["efficiency_j_per_th"] / ratio - 1).abs() < 0.02).all()
    assert ((catalog["efficiency_j_per_th"] - ratio).abs() <= 0.005 + 1e-9).all()


@pytest.mark.parametrize(
    "model",
    [
        "Antminer S19",
        "Antminer S19 Pro",
        "Antminer S19j Pro",
        "Antminer S19k Pro",
        "Antminer S19 XP",
        "Antminer S19 XP Hyd",
        "Antminer S21",
        "Antminer S21 Pro",
        "Antminer S21+",
        "Antminer S21 XP",
        "Antminer S21 Hyd",
        "Whatsminer M30S",
        "Whatsminer M30S+",
        "Whatsminer M30S++",
        "Whatsminer M50",
        "Whatsminer M50S",
        "Whatsminer M50S++",
        "Whatsminer M60",
        "Whatsminer M60S",
        "Whatsminer M66S",
        "AvalonMiner 1246",
    ],
)
def test_families_present(catalog: pd.DataFrame, model: str) -> None:
    assert model in set(catalog["model"])


def test_family_counts(catalog: pd.DataFrame) -> None:
    models = catalog["model"]
    assert models.str.startswith("Antminer S19").sum() >= 8
    assert models.str.startswith("Antminer S21").sum() >= 6
    for family in ("M30", "M50", "M60"):
        assert models.str.startswith(f"Whatsminer {family}").sum() >= 2, family


def test_known_rows() -> None:
    s21xp = find_asic("Antminer S21 XP")
    assert s21xp == AsicSpec(
        model="Antminer S21 XP",
        manufacturer="Bitmain",
        hashrate_th_s=270.0,
        power_w=3645.0,
        efficiency_j_per_th=13.5,
        release_year=2024,
        cooling="air",
        source="Bitmain spec sheet (manual entry, see PROVENANCE)",
    )
    s21 = find_asic("S21")
    assert (s21.hashrate_th_s, s21.power_w, s21.efficiency_j_per_th) == (200.0, 3500.0, 17.5)
    assert s21.source == A.SRC_MARCELOCECCON
    # Release year from the file with a date, not marceloceccon's late 2021.
    s19pro = find_asic("S19 Pro")
    assert s19pro.release_year == 2020
    assert "release_year: kodyparsons_btcbess/miners.csv" in s19pro.source
    assert find_asic("S21 Hyd").cooling == "hydro"
    assert find_asic("S21+").release_year is None  # kookoo55 has no dates
    assert find_asic("Whatsminer M50S").source == A.SRC_KODYPARSONS


@pytest.mark.parametrize(
    ("query", "model"),
    [
        ("s21 xp", "Antminer S21 XP"),
        ("Antminer S21XP", "Antminer S21 XP"),
        ("S21 XP", "Antminer S21 XP"),
        ("bitmain  s21-xp", "Antminer S21 XP"),
        ("ANTMINER_S21_XP", "Antminer S21 XP"),
        ("S21+", "Antminer S21+"),
        ("s21 plus", "Antminer S21+"),
        ("S21", "Antminer S21"),
        ("m30s++", "Whatsminer M30S++"),
        ("MicroBT Whatsminer M60S", "Whatsminer M60S"),
        ("Avalon 1246", "AvalonMiner 1246"),
        ("A1246", "AvalonMiner 1246"),
        ("Canaan AvalonMiner 1246", "AvalonMiner 1246"),
        ("S19 XP Hydro", "Antminer S19 XP Hyd"),
        ("Antminer S17+ (67T)", "Antminer S17+ (67T)"),
    ],
)
def test_find_asic_variants(query: str, model: str) -> None:
    assert find_asic(query).model == model


def test_unknown_gives_suggestions() -> None:
    with pytest.raises(UnknownAsicError) as info:
        find_asic("S21 XPP")
    err = info.value
    assert isinstance(err, LookupError) and isinstance(err, HashpivotError)
    assert not isinstance(err, KeyError)
    assert err.name == "S21 XPP"
    assert err.suggestions[0] == "Antminer S21 XP"
    assert "did you mean" in str(err)
    with pytest.raises(UnknownAsicError) as info:
        find_asic("zzzz qqqq")
    assert info.value.suggestions == []
    assert "hashpivot asics" in str(info.value)
    with pytest.raises(UnknownAsicError):
        find_asic("")


@given(st.sampled_from(sorted(load_asic_catalog()["model"])), st.data())
def test_lookup_ignores_case_and_spacing(model: str, data: st.DataObject) -> None:
    """Any catalog name, re-cased and with spaces/dashes changed, finds itself."""
    sep = data.draw(st.sampled_from(["", " ", "-", "_", "  "]))
    upper = data.draw(st.booleans())
    query = sep.join(model.split(" "))
    query = query.upper() if upper else query.lower()
    assert find_asic(query).model == model


def test_catalog_is_a_copy() -> None:
    cat = load_asic_catalog()
    cat.loc[:, "power_w"] = 0.0
    assert (load_asic_catalog()["power_w"] > 0).all()


# --------------------------------------------------------------------------- names


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


def test_model_key() -> None:
    assert model_key("Antminer S21+ Hydro") == "antminers21plushyd"
    assert model_key("S21 XP") == model_key("s21-xp") == "s21xp"
    assert model_key("S21+") != model_key("S21")


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
    assert set(cat["cooling"]) <= set(A.COOLING_VALUES)


def test_merge_flags_efficiency_mismatch() -> None:
    bad = A._parse_kodyparsons_csv(
        "model_name,hashrate,power_consumption,efficiency,manufacturer,release_date\n"
        "S19 Pro,110,3250,25.0,Bitmain,5/11/20\n"
    )
    cat, report = A.merge_asic_sources([bad], [bad])
    assert cat["efficiency_j_per_th"].iloc[0] == pytest.approx(29.55)
    assert len(report.efficiency_mismatches) == 1
