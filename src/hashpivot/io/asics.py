"""The bundled ASIC miner catalog at run time: load it and find a model by name.

The catalog (``hashpivot/data/asic_catalog.csv``, columns :data:`CATALOG_COLUMNS`) is built
by ``scripts/build_btc_data.py`` from five public spec files and one documented manual row
(see ``hashpivot/data/PROVENANCE.md``); the parsers and merge rules live beside that script
(``scripts/_asic_sources.py``). Lookup is forgiving: :func:`model_key` ignores case, spaces
and punctuation, reads ``+`` as ``plus`` and ``Hydro`` as ``Hyd``, and an unknown name
raises :class:`~hashpivot.exceptions.UnknownAsicError` with close catalog names.
"""

from __future__ import annotations

import difflib
import functools
import io
import re
from dataclasses import dataclass

import pandas as pd

from hashpivot.exceptions import DataError, UnknownAsicError

ASIC_CATALOG_FILE = "asic_catalog.csv"

#: Columns of the catalog, in order.
CATALOG_COLUMNS: tuple[str, ...] = (
    "model",
    "manufacturer",
    "hashrate_th_s",
    "power_w",
    "efficiency_j_per_th",
    "release_year",
    "cooling",
    "source",
)

COOLING_VALUES: tuple[str, ...] = ("air", "hydro", "immersion")

@dataclass(frozen=True)
class AsicSpec:
    """Nameplate specification of one ASIC miner model.

    Parameters
    ----------
    model : str
        Display name, e.g. ``"Antminer S21 XP"``.
    manufacturer : str
        Maker, e.g. ``"Bitmain"``, ``"MicroBT"``, ``"Canaan"``.
    hashrate_th_s : float
        Nameplate hashrate per unit. [TH/s]
    power_w : float
        Nameplate power draw per unit at the wall. [W]
    efficiency_j_per_th : float
        ``power_w / hashrate_th_s``. [J/TH]
    release_year : int or None
        Year of release, when a source gives it. [year]
    cooling : str
        ``"air"``, ``"hydro"`` or ``"immersion"``.
    source : str
        Raw file(s) the row comes from (see ``PROVENANCE.md``).
    """

    model: str
    manufacturer: str
    hashrate_th_s: float
    power_w: float
    efficiency_j_per_th: float
    release_year: int | None
    cooling: str
    source: str


# --------------------------------------------------------------------------- names


def model_key(name: str) -> str:
    """Matching key of a model name: lower case, ``+`` -> ``plus``, ``hydro`` -> ``hyd``,
    every character other than a-z and 0-9 dropped (``"Antminer S21+ Hydro"`` ->
    ``"antminers21plushyd"``)."""
    s = str(name).lower().replace("+", "plus")
    s = re.sub(r"[^a-z0-9]", "", s)
    return s.replace("hydro", "hyd")


# --------------------------------------------------------------------------- loaders


@functools.lru_cache(maxsize=1)
def _catalog_cached() -> pd.DataFrame:
    from hashpivot.io.bundled import _data_bytes

    df = pd.read_csv(io.BytesIO(_data_bytes(ASIC_CATALOG_FILE)))
    missing = [c for c in CATALOG_COLUMNS if c not in df.columns]
    if missing:
        raise DataError(f"{ASIC_CATALOG_FILE} lacks column(s): {', '.join(missing)}")
    df["release_year"] = df["release_year"].astype("Int64")
    return df[list(CATALOG_COLUMNS)]


def load_asic_catalog() -> pd.DataFrame:
    """The bundled ASIC catalog (a copy).

    Returns
    -------
    pandas.DataFrame
        Columns ``model, manufacturer, hashrate_th_s`` [TH/s], ``power_w`` [W],
        ``efficiency_j_per_th`` [J/TH], ``release_year`` [year, nullable],
        ``cooling`` (air | hydro | immersion), ``source``.
    """
    return _catalog_cached().copy()


_SERIES_WORDS = {"antminer", "whatsminer", "avalonminer", "ebit", "innosilicon"}


def _aliases(model: str, manufacturer: str) -> list[str]:
    keys = [model_key(model), model_key(f"{manufacturer} {model}")]
    first, _, rest = model.partition(" ")
    if rest and first.lower() in _SERIES_WORDS:
        keys += [model_key(rest), model_key(f"{manufacturer} {rest}")]
        if first.lower() == "avalonminer":
            keys += [model_key(f"Avalon {rest}"), model_key(f"A{rest}")]
    return keys


@functools.lru_cache(maxsize=1)
def _alias_index() -> dict[str, int]:
    cat = _catalog_cached()
    exact = {model_key(m): i for i, m in enumerate(cat["model"])}
    seen: dict[str, set[int]] = {}
    for i, (m, maker) in enumerate(zip(cat["model"], cat["manufacturer"], strict=True)):
        for k in _aliases(m, maker):
            seen.setdefault(k, set()).add(i)
    index = {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}
    index.update(exact)  # a full model name always wins over a short alias
    return index


def _row_to_spec(row: pd.Series) -> AsicSpec:
    year = row["release_year"]
    return AsicSpec(
        model=str(row["model"]),
        manufacturer=str(row["manufacturer"]),
        hashrate_th_s=float(row["hashrate_th_s"]),
        power_w=float(row["power_w"]),
        efficiency_j_per_th=float(row["efficiency_j_per_th"]),
        release_year=None if pd.isna(year) else int(year),
        cooling=str(row["cooling"]),
        source=str(row["source"]),
    )


def asic_suggestions(name: str, n: int = 5) -> list[str]:
    """Catalog model names closest to ``name`` (difflib on the matching keys)."""
    index = _alias_index()
    cat = _catalog_cached()
    key = model_key(name)
    close = difflib.get_close_matches(key, list(index), n=4 * n, cutoff=0.6)
    out: list[str] = []
    for k in close:
        model = str(cat.iloc[index[k]]["model"])
        if model not in out:
            out.append(model)
    return out[:n]


def find_asic(name: str) -> AsicSpec:
    """Look up a model in the bundled catalog, ignoring case, spaces and punctuation.

    ``"s21 xp"``, ``"Antminer S21XP"``, ``"S21 XP"`` and ``"bitmain s21-xp"`` all find
    ``"Antminer S21 XP"``; ``+`` counts (``"S21+"`` is not ``"S21"``).

    Parameters
    ----------
    name : str
        Model name, with or without the series (Antminer, Whatsminer, AvalonMiner) or
        manufacturer.

    Returns
    -------
    AsicSpec

    Raises
    ------
    UnknownAsicError
        No model matches; ``.suggestions`` holds close catalog names.
    """
    key = model_key(name)
    index = _alias_index()
    if key and key in index:
        return _row_to_spec(_catalog_cached().iloc[index[key]])
    raise UnknownAsicError(name, asic_suggestions(name))
