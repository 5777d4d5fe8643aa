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


# --- where each day came from: the user's file, or hashpivot data update's ----------------


def _update(full: bool = False) -> None:
    """``hashpivot data update`` (``--full``) against the recorded responses."""
    import httpx

    from hashpivot.io.update import update_history
    from tests.mempool_recordings import transport

    folder = "full" if full else "update"
    with httpx.Client(transport=transport(folder)) as client:
        update_history(full=full, base_url="https://x/api", client=client)


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def test_a_chain_table_the_user_wrote_is_labelled_as_the_users(data_dir: Path) -> None:
    """Every day of a chain table the user wrote was labelled "mempool.space public chain
    data (hashpivot data update)": the label names the file and its SHA-256 (the one the
    run's provenance records, ``data.updated``)."""
    from hashpivot.io import btc_daily_sources
    from hashpivot.store.provenance import updated_data_versions

    header, row = _documented()
    path = data_dir / CHAIN_FILE
    path.write_text(f"{header}\n{row.replace('2025-09-26', '2025-09-25', 1)}\n{row}\n")
    source = network_state_on("2025-09-26").source
    assert "mempool" not in source, source
    assert f"your file {path}" in source and _sha256(path) in source, source
    assert updated_data_versions()[CHAIN_FILE] == _sha256(path)
    assert [s["attribution"] for s in btc_daily_sources()] == [source]


def test_updates_the_user_wrote_follow_the_bundled_days_labelled_as_theirs(
        data_dir: Path) -> None:
    from hashpivot.io import COINMETRICS_ATTRIBUTION, btc_daily_sources

    header, row = _documented()
    path = data_dir / UPDATES_FILE
    path.write_text(f"{header}\n{row}\n{row.replace('2025-09-26', '2025-09-27', 1)}\n")
    spans = btc_daily_sources("2025-09-20", "2025-09-27")
    assert [(s["first"], s["last"]) for s in spans] == [("2025-09-20", "2025-09-26"),
                                                          ("2025-09-27", "2025-09-27")]
    assert spans[0]["attribution"] == COINMETRICS_ATTRIBUTION
    assert spans[1]["attribution"].startswith(f"your file {path} (sha256 {_sha256(path)}")
    assert network_state_on("2025-09-27").source == spans[1]["attribution"]


def test_the_days_data_update_wrote_are_mempool_space_and_an_edit_is_named(
        data_dir: Path) -> None:
    from hashpivot.io import btc_daily_sources
    from hashpivot.io.bundled import clear_caches
    from hashpivot.io.user_data import MEMPOOL_ATTRIBUTION

    _update()
    assert network_state_on("2025-10-01").source == MEMPOOL_ATTRIBUTION
    assert btc_daily_sources("2025-09-27")[0]["attribution"] == MEMPOOL_ATTRIBUTION
    path = data_dir / UPDATES_FILE
    recorded = _sha256(path)
    path.write_text(path.read_text().replace("\n2025-10-01,", "\n2025-10-01,1", 1))
    clear_caches()
    source = network_state_on("2025-10-01").source
    assert "edited since hashpivot data update wrote it" in source, source
    assert f"your file {path} (sha256 {_sha256(path)}" in source and recorded in source


def test_a_full_rebuild_by_data_update_is_mempool_space_and_a_replaced_one_is_not(
        data_dir: Path) -> None:
    from hashpivot.io import btc_daily_sources
    from hashpivot.io.bundled import clear_caches
    from hashpivot.io.user_data import MEMPOOL_ATTRIBUTION

    _update(full=True)
    assert {s["attribution"] for s in btc_daily_sources()} == {MEMPOOL_ATTRIBUTION}
    header, row = _documented()
    (data_dir / CHAIN_FILE).write_text(f"{header}\n{row}\n")  # the user's, same name
    clear_caches()
    assert btc_daily_sources()[0]["attribution"].startswith(
        f"your file {data_dir / CHAIN_FILE}")


def test_days_data_update_appends_to_the_users_updates_keep_both_sources(
        data_dir: Path) -> None:
    """``data update`` appends its days to the user's updates file: the user's days stay
    the user's, the appended ones are mempool.space's."""
    from hashpivot.io import btc_daily_sources
    from hashpivot.io.user_data import MEMPOOL_ATTRIBUTION

    header, row = _documented()
    path = data_dir / UPDATES_FILE
    path.write_text(f"{header}\n{row}\n{row.replace('2025-09-26', '2025-09-27', 1)}\n")
    _update()
    spans = btc_daily_sources("2025-09-27")
    assert [s["first"] for s in spans] == ["2025-09-27", "2025-09-28"], spans
    assert spans[0]["attribution"].startswith(f"your file {path}"), spans
    assert spans[1]["attribution"] == MEMPOOL_ATTRIBUTION


def test_the_start_fees_name_the_sources_of_their_90_days(data_dir: Path) -> None:
    """pivot's and simulate's start fees are the mean of the last 90 days: their source
    read "mean of the 90 days to the last of the history from your file ..." (the last
    day's source alone, though 88 of the days were Coin Metrics'); it names each source
    with its days."""
    from hashpivot.engines.pivot.market import market_start
    from hashpivot.engines.simulate import SimulationConfig, simulate
    from hashpivot.io import COINMETRICS_ATTRIBUTION
    from hashpivot.models import load_portfolio

    header, row = _documented()
    path = data_dir / UPDATES_FILE
    path.write_text(f"{header}\n{row}\n{row.replace('2025-09-26', '2025-09-27', 1)}\n"
                    f"{row.replace('2025-09-26', '2025-09-28', 1)}\n")
    ms = market_start(load_portfolio(ROOT / "examples" / "pivot-200mw.toml").pivot)
    yours = network_state_on("2025-09-28").source
    expected = (f"mean of the 90 days to 2025-09-28: "
                f"{COINMETRICS_ATTRIBUTION.removeprefix('Source: ')} (2025-07-01 to "
                f"2025-09-26); {yours} (2025-09-27 to 2025-09-28)")
    assert ms.fees_source == expected
    res = simulate(load_portfolio(ROOT / "examples" / "pivot-200mw.toml"),
                   SimulationConfig(n_paths=4, chunk_paths=4))
    (fees,) = [r for r in res.to_json()["resolved_assumptions"]
               if r["name"] == "[pivot] fees_btc_per_block"]
    assert fees["source"] == expected


def test_status_refuses_a_file_the_engines_refuse_naming_the_columns(data_dir: Path) -> None:
    """``data status`` read only a file's last line: an updates file of two columns was
    listed as the latest days (exit 0) while every engine refused it."""
    from hashpivot.io.user_data import status

    (data_dir / UPDATES_FILE).write_text("date,x\n2025-10-01,1\n")
    with pytest.raises(InputError) as exc:
        status()
    (problem,) = exc.value.problems
    assert problem.source == str(data_dir / UPDATES_FILE)
    assert "it lacks column(s): price_usd, difficulty" in problem.message


def test_a_data_dir_that_is_a_file_is_an_error_at_its_variable(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``HASHPIVOT_DATA_DIR`` naming a file: ``data status`` said the chain table under it
    "is not a daily BTC table (Not a directory)"; the engines ran on the bundled days
    without a word. Each now names the variable."""
    from hashpivot.io.user_data import status

    (data_dir / "notes.txt").write_text("x\n")
    monkeypatch.setenv("HASHPIVOT_DATA_DIR", str(data_dir / "notes.txt"))
    for read in (status, btc_daily_range):
        with pytest.raises(InputError) as exc:
            read()
        (problem,) = exc.value.problems
        assert (problem.path, problem.source) == ("HASHPIVOT_DATA_DIR", "<environment>")
        assert problem.message.endswith("is a file, not a folder")
