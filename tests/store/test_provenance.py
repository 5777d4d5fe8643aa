"""A run's provenance: code versions per folder, library versions, and what
``runs reproduce`` makes of a change between a stored run's and today's."""

from __future__ import annotations

import copy
from pathlib import Path

from hashpivot.io.user_data import CHAIN_FILE, META_FILE, UPDATES_FILE
from hashpivot.store.provenance import (
    code_versions,
    compare_provenance,
    provenance,
    source_versions,
)


def _tree(root: Path) -> None:
    (root / "engines" / "pivot").mkdir(parents=True)
    (root / "__init__.py").write_text("x = 1\n")
    (root / "engines" / "__init__.py").write_text("")
    (root / "engines" / "pivot" / "run.py").write_text("def f():\n    return 1\n")
    (root / "engines" / "pivot" / "__pycache__").mkdir()
    (root / "engines" / "pivot" / "__pycache__" / "run.py").write_text("stale")


def test_a_source_change_moves_its_folder_and_all_only(tmp_path: Path) -> None:
    _tree(tmp_path)
    before = source_versions(tmp_path)
    assert set(before) == {"all", ".", "engines", "engines/pivot"}
    assert before == source_versions(tmp_path)  # deterministic
    (tmp_path / "engines" / "pivot" / "__pycache__" / "run.py").write_text("other")
    assert source_versions(tmp_path) == before  # caches are not source
    (tmp_path / "engines" / "pivot" / "run.py").write_text("def f():\n    return 2\n")
    after = source_versions(tmp_path)
    assert {k for k in before if before[k] != after[k]} == {"all", "engines/pivot"}
    # a file renamed with the same contents is a change too (names are hashed)
    (tmp_path / "engines" / "pivot" / "run.py").rename(tmp_path / "engines" / "pivot" / "go.py")
    assert source_versions(tmp_path)["engines/pivot"] != after["engines/pivot"]


def test_the_package_records_its_code_and_libraries() -> None:
    p = provenance()
    assert p["code"] == code_versions()
    assert {"all", ".", "engines/pivot", "optimize", "power/lp"} <= set(p["code"])
    assert p["libraries"]["numpy"] != "absent" and p["libraries"]["highspy"] != "absent"
    assert p["libraries"]["python"].count(".") == 2
    assert "btc_daily.csv.gz" in p["data"]["bundled"]


def test_the_same_provenance_makes_a_difference_a_failure_to_reproduce() -> None:
    now = provenance()
    change = compare_provenance(copy.deepcopy(now), now)
    assert change.unchanged
    assert "failure to reproduce" in change.verdict(3)


def test_a_changed_folder_library_or_data_file_is_named() -> None:
    now = provenance()
    stored = copy.deepcopy(now)
    stored["code"]["engines/pivot"] = "0" * 16
    stored["code"]["all"] = "0" * 16
    del stored["code"]["optimize"]  # a folder the run's version did not have
    stored["libraries"]["numpy"] = "1.26.0"
    stored["data"]["bundled"]["btc_daily.csv.gz"] = "0" * 16
    change = compare_provenance(stored, now)
    assert not change.unchanged
    assert change.code == ("engines/pivot", "optimize")  # "all" is implied, not listed
    assert change.libraries == (f"numpy 1.26.0 -> {now['libraries']['numpy']}",)
    assert change.data == ("bundled/btc_daily.csv.gz",)
    verdict = change.verdict(2)
    assert verdict.startswith("2 value(s) differ; changed since the run: the code of "
                              "engines/pivot, optimize; libraries (numpy 1.26.0 -> ")
    assert "failure" not in verdict


def test_a_run_stored_before_code_versions_cannot_be_attributed() -> None:
    now = provenance()
    stored = {"package_version": now["package_version"], "data": copy.deepcopy(now["data"])}
    change = compare_provenance(stored, now)
    assert not change.recorded and not change.unchanged
    assert change.code == () and change.libraries == ()
    assert "cannot be told from a failure to reproduce" in change.verdict(1)


def test_an_updated_data_file_is_hashed_again_when_it_changes(data_dir: Path) -> None:
    """Files ``data update`` writes are part of the provenance; the service asks for it on
    every run page, so a file is read again only when its time or size changes. They are
    read where the engines read them: ``$HASHPIVOT_DATA_DIR`` when it is set (before
    2026-12-04 the provenance looked in the platform's folder whatever it said)."""
    path = data_dir / CHAIN_FILE
    path.write_text("day,price\n2025-09-27,109000\n")
    first = provenance()["data"]["updated"]
    assert set(first) == {CHAIN_FILE}
    assert provenance()["data"]["updated"] == first
    path.write_text("day,price\n2025-09-27,109000\n2025-09-28,110000\n")
    second = provenance()["data"]["updated"][CHAIN_FILE]
    assert second != first[CHAIN_FILE]
    assert compare_provenance({**provenance(), "data": {"bundled": provenance()["data"][
        "bundled"], "updated": first}}, provenance()).data == (f"updated/{CHAIN_FILE}",)


def test_only_the_files_the_engines_read_are_data(data_dir: Path) -> None:
    """Every file of ``$HASHPIVOT_DATA_DIR`` was hashed: a SQLite database kept there (its
    ``-wal``/``-shm`` files change on every write) or a note made every run "changed since:
    data". Only the engines' files count, in new runs and in runs stored before."""
    import sqlite3

    (data_dir / UPDATES_FILE).write_text("date,price_usd\n2025-09-27,109000\n")
    (data_dir / "notes.txt").write_text("mine\n")
    db = sqlite3.connect(data_dir / "db.sqlite")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE t (x)")
    db.commit()
    before = provenance()
    assert set(before["data"]["updated"]) == {UPDATES_FILE}
    db.execute("INSERT INTO t VALUES (1)")
    db.commit()
    (data_dir / "notes.txt").write_text("changed\n")
    assert compare_provenance(before, provenance()).unchanged
    # a run stored when every file was hashed: the others are not compared
    old = copy.deepcopy(before)
    old["data"]["updated"].update({"db.sqlite-shm": "0" * 16, "notes.txt": "1" * 16,
                                   META_FILE: "2" * 16})
    assert compare_provenance(old, provenance()).unchanged
    db.close()
    (data_dir / UPDATES_FILE).write_text("date,price_usd\n2025-09-28,110000\n")
    assert compare_provenance(old, provenance()).data == (f"updated/{UPDATES_FILE}",)
