"""A BTC daily history of the user's own in the data folder, in the format the README
documents (``Your own BTC daily history``): read as documented, refused (naming the file
and the day) when a day is missing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hashpivot.exceptions import InputError
from hashpivot.io import btc_daily_range, network_state_on
from hashpivot.io.user_data import CHAIN_FILE, COLUMNS, UPDATES_FILE

ROOT = Path(__file__).resolve().parents[2]


def _documented() -> tuple[str, str]:
    """The header and example row of the README's ``csv`` block of that paragraph."""
    text = (ROOT / "README.md").read_text()
    part = text.split("**Your own BTC daily history.**", 1)[1]
    block = re.search(r"```csv\n(.*?)```", part, re.S)
    assert block is not None
    header, row = block.group(1).strip().splitlines()
    return header, row


def test_the_readme_documents_the_columns_the_reader_needs() -> None:
    header, _ = _documented()
    assert tuple(header.split(",")) == COLUMNS
    for name in (CHAIN_FILE, UPDATES_FILE, "HASHPIVOT_DATA_DIR"):
        assert name in (ROOT / "README.md").read_text()


def test_a_chain_table_in_the_documented_format_replaces_the_bundled_history(
        data_dir: Path) -> None:
    header, row = _documented()
    day, price = row.split(",")[:2]
    before = row.replace(day, "2025-09-25", 1)
    (data_dir / CHAIN_FILE).write_text(f"{header}\n{before}\n{row}\n")
    assert btc_daily_range()[0].isoformat() == "2025-09-25"  # the bundled days: not read
    assert network_state_on(day).btc_price_usd == float(price)


def test_updates_in_the_documented_format_follow_the_bundled_history(data_dir: Path) -> None:
    header, row = _documented()
    day = row.split(",")[0]
    after = row.replace(day, "2025-09-27", 1).replace(",109500,", ",123456,", 1)
    (data_dir / UPDATES_FILE).write_text(f"{header}\n{row}\n{after}\n")  # the 26th: bundled
    assert btc_daily_range()[1].isoformat() == "2025-09-27"
    assert network_state_on("2025-09-27").btc_price_usd == 123456.0
    assert network_state_on(day).btc_price_usd != 109500.0  # the bundled day's price


def test_a_user_file_missing_a_day_is_refused_naming_it(data_dir: Path) -> None:
    """A day missing in the user's file was an internal error (IndexError) on that day."""
    header, row = _documented()
    day = row.split(",")[0]
    (data_dir / CHAIN_FILE).write_text(
        f"{header}\n{row.replace(day, '2025-09-24', 1)}\n{row}\n")
    with pytest.raises(InputError) as exc:
        network_state_on("2025-09-25")
    text = str(exc.value)
    assert str(data_dir / CHAIN_FILE) in text and "2025-09-25 missing" in text, text


def test_a_file_of_prices_alone_is_refused_naming_the_columns(data_dir: Path) -> None:
    (data_dir / CHAIN_FILE).write_text("date,price_usd\n2025-09-25,111000\n")
    with pytest.raises(InputError) as exc:
        btc_daily_range()
    assert "it lacks column(s): difficulty, blocks" in str(exc.value)


def test_updates_starting_after_a_missing_day_are_refused(data_dir: Path) -> None:
    header, row = _documented()
    (data_dir / UPDATES_FILE).write_text(f"{header}\n{row.replace('2025-09-26', '2025-09-28')}\n")
    with pytest.raises(InputError) as exc:
        btc_daily_range()
    assert "2025-09-27 missing (after 2025-09-26)" in str(exc.value)
