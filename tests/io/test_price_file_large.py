"""The chunked fast path of large generic price files gives what the general path gives."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hashpivot.io.price_file as price_file
from hashpivot.exceptions import InputError
from hashpivot.io import read_price_file, read_prices_auto

ROWS = 3000  # about a month of 15-minute intervals around the fall-back day


def _stamps(style: str) -> list[str]:
    utc = pd.date_range("2024-10-20 05:00", periods=ROWS, freq="15min", tz="UTC")
    local = utc.tz_convert("America/Chicago")
    if style == "utc":
        return [t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in utc]
    if style == "naive":
        return [t.strftime("%Y-%m-%d %H:%M:%S") for t in local]
    if style == "short_offset":
        return [t.strftime("%Y-%m-%dT%H:%M%z") for t in local]
    if style == "fraction":
        return [t.isoformat(timespec="milliseconds") for t in local]
    return [t.isoformat() for t in local]


def _write(path: Path, style: str, edit: Callable[[list[str]], None] | None = None) -> Path:
    rng = np.random.default_rng(3)
    prices = np.round(30 + 10 * rng.standard_normal(ROWS), 2)
    rows = [f"{t},{p}" for t, p in zip(_stamps(style), prices, strict=True)]
    if edit is not None:
        edit(rows)
    path.write_text("interval_start,price_usd_per_mwh\n" + "\n".join(rows) + "\n")
    return path


def _both(monkeypatch: pytest.MonkeyPatch, read: Callable[[], pd.Series]) -> list[object]:
    """What ``read`` gives (or the error text) on the fast path and on the general path."""
    out: list[object] = []
    for threshold in (0, 2**62):
        monkeypatch.setattr(price_file, "PLAIN_CSV_MIN_BYTES", threshold)
        monkeypatch.setattr(price_file, "CHUNK_ROWS", 701)  # several chunks
        try:
            out.append(read())
        except InputError as exc:
            out.append(str(exc))
    return out


def _same(a: object, b: object) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    assert isinstance(a, pd.Series) and isinstance(b, pd.Series)
    return bool(
        a.equals(b)
        and a.index.dtype == b.index.dtype
        and np.array_equal(a.index.asi8, b.index.asi8)
        and a.attrs == b.attrs
        and a.name == b.name
        and a.index.name == b.index.name
    )


def _swap(rows: list[str]) -> None:
    rows[10], rows[11] = rows[11], rows[10]


def _repeat(rows: list[str]) -> None:
    rows[1500] = rows[1499]


def _text_price(rows: list[str]) -> None:
    rows[2000] = rows[2000].split(",")[0] + ",n/a"


def _feb_30(rows: list[str]) -> None:
    rows[2500] = "2024-02-30T00:00:00-06:00,1.0"


def _drop_offset(rows: list[str]) -> None:
    rows[1200] = rows[1200][:19] + rows[1200][25:]


@pytest.mark.parametrize("style", ["offset", "utc", "naive", "short_offset", "fraction"])
@pytest.mark.parametrize(
    "edit", [None, _swap, _repeat, _text_price, _feb_30, _drop_offset],
    ids=["plain", "unsorted", "repeat", "text_price", "feb_30", "mixed_offsets"],
)
def test_fast_path_equals_general_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, style: str,
    edit: Callable[[list[str]], None] | None,
) -> None:
    path = _write(tmp_path / "prices.csv", style, edit)
    monkeypatch.setattr(price_file, "PLAIN_CSV_MIN_BYTES", 0)
    try:
        taken = price_file._read_plain_csv(path, "America/Chicago") is not None
    except InputError:  # read on the fast path, which found the repeat
        taken = True
    assert taken == (edit in (None, _swap, _repeat) and style != "fraction")
    for read in (
        lambda: read_prices_auto(path, None, "America/Chicago"),
        lambda: read_price_file(path, tz="America/New_York", label="end"),
    ):
        fast, general = _both(monkeypatch, read)
        assert _same(fast, general), (fast, general)


def test_fast_path_keeps_sixteen_bytes_an_interval(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "prices.csv", "offset")
    monkeypatch.setattr(price_file, "PLAIN_CSV_MIN_BYTES", 0)
    s = read_prices_auto(path, None, "America/Chicago")
    assert len(s) == ROWS and s.index.is_monotonic_increasing
    assert s.to_numpy().nbytes + s.index.asi8.nbytes == 16 * ROWS


def test_mixed_offsets_are_a_named_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "prices.csv", "offset", _drop_offset)
    with pytest.raises(InputError, match="mixes timestamps with and without a UTC offset") as exc:
        read_prices_auto(path, None, "America/Chicago")
    assert exc.value.problems[0].source == str(path)
