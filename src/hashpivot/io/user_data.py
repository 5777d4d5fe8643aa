"""The user data directory: daily chain history fetched by ``hashpivot data update``.

Where: ``$HASHPIVOT_DATA_DIR`` if set, else the ``data`` folder of the platform's user data
directory (:func:`platformdirs.user_data_dir`, e.g. ``~/.local/share/hashpivot/data`` on
Linux). The service's default SQLite database is not here: it is
``<user data dir>/hashpivot.sqlite`` whatever ``$HASHPIVOT_DATA_DIR`` says
(``$HASHPIVOT_DATABASE_URL`` moves it). Files (the engines read the first two,
:data:`ENGINE_FILES`, which a run's provenance hashes; any other file here is ignored):

* ``btc_daily_updates.csv``: days after the bundled table (or after the chain table);
* ``btc_daily_chain.csv``: the whole history rebuilt from public chain data
  (``data update --full``); when present, the bundled Coin Metrics file (CC BY-NC 4.0) is
  not read at all;
* ``btc_daily_meta.json``: when, from where and how each file was fetched, and the SHA-256
  of the file as ``data update`` left it (:func:`file_origin`: a file that no longer has
  that hash, or has none recorded, is the user's, and its days are labelled so);
* ``PROVENANCE.md``: sources, licences and what the rebuild cannot reach.

This module reads the files without pandas (start-up speed): :func:`latest_day` and
:func:`status` parse only the last lines.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import gzip
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hashpivot.exceptions import ENVIRONMENT, InputError, Problem
from hashpivot.file_hash import file_sha256, file_version
from hashpivot.io._columns import BTC_DAILY_COLUMNS
from hashpivot.models.dates import HISTORY_FIRST_DAY

if TYPE_CHECKING:
    from hashpivot.io.chain_history import DailyRow

DATA_DIR_ENV = "HASHPIVOT_DATA_DIR"
UPDATES_FILE = "btc_daily_updates.csv"
CHAIN_FILE = "btc_daily_chain.csv"
META_FILE = "btc_daily_meta.json"
PROVENANCE_FILE = "PROVENANCE.md"
BUNDLED_FILE = "btc_daily.csv.gz"
#: The files of the folder whose contents the engines' numbers depend on (read by
#: :mod:`hashpivot.io.bundled`), in the order they are read: the chain table, then the
#: updates. A run's provenance hashes these and no other file
#: (:func:`hashpivot.store.provenance.provenance`): the metadata and PROVENANCE.md only
#: describe them, and anything else in the folder (a database, notes) is none of theirs.
ENGINE_FILES = (CHAIN_FILE, UPDATES_FILE)
#: Columns of the files: ``date`` and the bundled table's.
COLUMNS = ("date", *BTC_DAILY_COLUMNS)
#: Days after which the latest data day counts as stale. [days]
STALE_AFTER_DAYS = 30

MEMPOOL_ATTRIBUTION = "mempool.space public chain data (hashpivot data update)"

PROVENANCE_TEXT = """# Daily chain history fetched by `hashpivot data update`

- **Source:** the public REST API of mempool.space ({base_url}), fetched {fetched_at}:
  `/v1/mining/difficulty-adjustments` (difficulty of every block),
  `/v1/mining/blocks/timestamp/:t` (the block at each UTC midnight: day-end heights),
  `/v1/mining/blocks/fees/all` (mean fees per block per UTC day) and
  `/v1/historical-price?currency=USD` (the last USD quote of each UTC day).
- **Licence:** the chain data (heights, difficulty, fees) are public facts of the Bitcoin
  blockchain; mempool.space is open source (AGPL-3.0) and its API terms apply to the
  fetch. The USD prices are mempool.space's exchange aggregates, not Coin Metrics'
  reference rate. Nothing here is Coin Metrics data, so `btc_daily_chain.csv` may be used
  without the non-commercial (CC BY-NC 4.0) restriction of the bundled file.
- **Derived columns:** `blocks` = difference of day-end heights; `subsidy_btc_per_block`
  = mean protocol subsidy over the day's heights (a blend on halving days);
  `difficulty` = mean over the day's blocks; `hashrate_th_s` = difficulty * 2^32 * blocks /
  86,400 / 1e12.
- **What the rebuild cannot reach:** days before mempool.space's first USD price (the
  series starts at the first day with both a price and fees, so the 2009-2010 days
  without a market price are absent); Coin Metrics' reference-rate prices (mempool.space's
  quotes differ by up to a few percent, more in 2010-2013); Coin Metrics' own day
  boundary (here block header time, so a block near midnight may fall on the other day
  than in the bundled file); fees are mempool.space's per-day mean in BTC, where the
  bundled column is converted from USD through the day's price.
"""


def data_dir() -> Path:
    """Folder of the fetched history (``$HASHPIVOT_DATA_DIR`` or ``<user data dir>/data``).

    Raises
    ------
    InputError
        At ``HASHPIVOT_DATA_DIR`` when it names a file.
    """
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        folder = Path(override).expanduser()
        if folder.exists() and not folder.is_dir():  # (the engines read none of it)
            raise InputError([Problem(DATA_DIR_ENV, f"{folder} is a file, not a folder",
                                      ENVIRONMENT)])
        return folder
    import platformdirs

    # the ``data`` folder of the user data directory (a run's provenance hashes the
    # ENGINE_FILES here: hashpivot.store.provenance.provenance)
    return Path(platformdirs.user_data_dir("hashpivot", appauthor=False)) / "data"


def unreadable(path: Path, why: str) -> InputError:
    """The error of a user data file the engines cannot read, naming it and what to do."""
    return InputError([Problem("", f"not a daily BTC table ({why}): fix it, or remove it "
                               "and run `hashpivot data update`", str(path))])


def _last_csv_line(path: Path) -> list[str] | None:
    """The last data line of a CSV, or None when the file is missing or has no rows.

    Raises
    ------
    InputError
        Naming the file: it cannot be read, is not UTF-8, or its last line does not
        start with a day ``YYYY-MM-DD``.
    """
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 4096))
            lines = f.read().decode().strip().splitlines()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise unreadable(path, exc.strerror or str(exc)) from None
    except UnicodeDecodeError as exc:
        raise unreadable(path, f"not UTF-8 text: {exc.reason}") from None
    if len(lines) < 1 or lines[-1].startswith("date"):
        return None
    fields = lines[-1].split(",")
    try:
        dt.date.fromisoformat(fields[0])
        int(fields[-1])
    except ValueError:
        raise unreadable(path, f"its last line {lines[-1][:60]!r} is not a day's row "
                         "(date YYYY-MM-DD first, height last)") from None
    return fields


@functools.cache
def _bundled_last_line() -> tuple[str, ...]:
    """The last line of the bundled history, read once (it is part of the package; every
    page and the health check ask for the latest data day)."""
    raw = resources.files("hashpivot").joinpath("data", BUNDLED_FILE).read_bytes()
    return tuple(gzip.decompress(raw).decode().strip().rsplit("\n", 1)[-1].split(","))


#: The state of the user files for caches: the folder, then the chain table's, the
#: updates' and the metadata's modification time [ns] and size [bytes] (None for a file
#: that is absent; the metadata says which days ``data update`` wrote).
DataState = tuple[str, tuple[int, int] | None, tuple[int, int] | None,
                  tuple[int, int] | None]


def state_key() -> DataState:
    """A key that changes whenever the user files change (for caches): their time and
    size, so that a rewrite within one tick of the file system's clock is seen too."""
    root = data_dir()
    stamps: list[tuple[int, int] | None] = []
    for name in (*ENGINE_FILES, META_FILE):
        try:
            st = (root / name).stat()
        except OSError:
            stamps.append(None)
        else:
            stamps.append((st.st_mtime_ns, st.st_size))
    return str(root), stamps[0], stamps[1], stamps[2]


def latest_day() -> dt.date:
    """The latest day of the history that the engines see (bundled or chain, plus updates)."""
    root = data_dir()
    for name in (UPDATES_FILE, CHAIN_FILE):
        line = _last_csv_line(root / name)
        if line:
            return dt.date.fromisoformat(line[0])
    return dt.date.fromisoformat(_bundled_last_line()[0])


def last_height() -> tuple[dt.date, int]:
    """Latest day and the height of its last block, as :func:`latest_day`."""
    root = data_dir()
    for name in (UPDATES_FILE, CHAIN_FILE):
        line = _last_csv_line(root / name)
        if line:
            return dt.date.fromisoformat(line[0]), int(line[-1])
    last = _bundled_last_line()
    return dt.date.fromisoformat(last[0]), int(last[-1])


def staleness_warning(today: dt.date | None = None) -> str | None:
    """A one-line warning when the latest data day is older than 30 days, or when a user
    data file cannot be read (naming it: the engines refuse to run until it is fixed);
    else None. Never raises for a user file (every page shows it)."""
    today = today or dt.datetime.now(dt.UTC).date()
    try:
        last = latest_day()
    except InputError as exc:
        return "; ".join(str(p) for p in exc.problems)
    age = (today - last).days
    if age <= STALE_AFTER_DAYS:
        return None
    return (
        f"the latest data day is {last} ({age} days ago): run `hashpivot data update` "
        "for current network conditions"
    )


def write_rows(rows: Sequence[DailyRow], full: bool, base_url: str) -> Path:
    """Write fetched rows (appending to the updates, or replacing the chain table).

    Parameters
    ----------
    rows : sequence of DailyRow
        Consecutive days, oldest first.
    full : bool
        True: ``rows`` are the whole history (``btc_daily_chain.csv``, and the updates are
        cleared); False: they follow the latest day (appended to the updates file).
    base_url : str
        API root they came from (recorded in the metadata).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    root = data_dir()
    root.mkdir(parents=True, exist_ok=True)
    path = root / (CHAIN_FILE if full else UPDATES_FILE)
    append = not full and path.exists() and _last_csv_line(path) is not None
    # the first day this file holds that ``data update`` fetched: None when it writes the
    # whole file, kept when it appends to a file of its own, the first new day when it
    # appends to the user's
    before = file_origin(root, path.name) if append else None
    first_fetched: str | None = None
    if before is not None:
        first_fetched = (before.fetched_from or None) if before.verified else (
            rows[0].date.isoformat())
    with path.open("a" if append else "w", newline="") as f:
        writer = csv.writer(f)
        if not append:
            writer.writerow(COLUMNS)
        for r in rows:
            d = asdict(r)
            d["date"] = r.date.isoformat()
            writer.writerow(
                [d[c] if c in ("date", "blocks", "height_end") else f"{d[c]:.10g}" for c in COLUMNS]
            )
    meta = _read_meta()
    if full:
        (root / UPDATES_FILE).unlink(missing_ok=True)
        meta.pop(UPDATES_FILE, None)
    fetched_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    meta[path.name] = {"source": base_url, "fetched_at": fetched_at, "rows_added": len(rows),
                       "sha256": file_sha256(path), "first_fetched_day": first_fetched}
    (root / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")
    (root / PROVENANCE_FILE).write_text(
        PROVENANCE_TEXT.format(base_url=base_url, fetched_at=fetched_at)
    )
    return path


def _read_meta(root: Path | None = None) -> dict[str, Any]:
    try:
        out = json.loads(((root or data_dir()) / META_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return out if isinstance(out, dict) else {}


@dataclass(frozen=True)
class FileOrigin:
    """Who wrote a user data file: ``hashpivot data update`` (it recorded the file's
    SHA-256 in ``btc_daily_meta.json`` when it wrote it) or the user.

    Attributes
    ----------
    file : str
        The file's path.
    sha256 : str
        First 16 hex digits of its SHA-256 now (as a run's provenance records it).
    verified : bool
        The file is byte for byte what ``data update`` last wrote.
    fetched_from : str or None
        First day (ISO) of the days ``data update`` fetched into it, when ``verified``
        (the days before it are the user's: ``data update`` appended to a file of
        theirs; ``""``: all of them); None when none of its days are known to be
        ``data update``'s.
    users : str
        The label of the user's days in it: the file, its SHA-256 and why it is theirs.
    """

    file: str
    sha256: str
    verified: bool
    fetched_from: str | None
    users: str

    def spans(self, first_day: str) -> list[tuple[str, str]]:
        """``(first day, attribution)`` of the file's days from ``first_day`` (ISO) on:
        the user's days, then those of ``data update`` (:data:`MEMPOOL_ATTRIBUTION`)."""
        if self.fetched_from is None:
            return [(first_day, self.users)]
        if self.fetched_from <= first_day:
            return [(first_day, MEMPOOL_ATTRIBUTION)]
        return [(first_day, self.users), (self.fetched_from, MEMPOOL_ATTRIBUTION)]

    def describe(self) -> str:
        """Where the file's days come from, in one line."""
        parts = self.spans("")
        if len(parts) == 1:
            return parts[0][1]
        return f"{parts[0][1]} before {parts[1][0]}; {MEMPOOL_ATTRIBUTION} from {parts[1][0]}"


def file_origin(root: Path, name: str) -> FileOrigin | None:
    """Who wrote the file ``name`` of the data folder ``root`` (None when it is absent):
    ``data update``'s when its SHA-256 is the one recorded when ``data update`` wrote it,
    else the user's (no record: the user wrote it; another hash: edited since)."""
    path = root / name
    try:
        digest = file_version(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise unreadable(path, exc.strerror or str(exc)) from None
    record = _read_meta(root).get(name)
    recorded = record.get("sha256") if isinstance(record, dict) else None
    yours = f"your file {path} (sha256 {digest}"
    if recorded == digest:
        first = record.get("first_fetched_day") if isinstance(record, dict) else None
        return FileOrigin(str(path), digest, True, str(first) if first else "",
                          f"{yours}; days hashpivot data update did not write)")
    if recorded is None:
        why = "; not written by hashpivot data update)"
    else:
        why = f"): edited since hashpivot data update wrote it (sha256 {recorded})"
    return FileOrigin(str(path), digest, False, None, yours + why)


def _span(path: Path) -> dict[str, Any] | None:
    last = _last_csv_line(path)  # (first: an unreadable file is an error naming it)
    try:
        with path.open() as f:
            header = next(f)
            first = next(f, None)
    except (OSError, StopIteration, UnicodeDecodeError):
        return None
    missing = [c for c in COLUMNS if c not in header.strip().lstrip("\ufeff").split(",")]
    if missing and last is not None:  # (what the engines' reader says of it)
        raise unreadable(path, f"it lacks column(s): {', '.join(missing)}")
    if first is None or last is None:
        return None
    return {"file": str(path), "first_day": first.split(",")[0], "last_day": last[0]}


def _file_status(root: Path, name: str, meta: dict[str, Any]) -> dict[str, Any] | None:
    """A user file's part of :func:`status`: its span, SHA-256 and ``attribution`` (who
    wrote its days, :func:`file_origin`); what ``data update`` recorded of its fetch
    only when the file is still the one it wrote."""
    span = _span(root / name)
    origin = file_origin(root, name)
    if span is None or origin is None:
        return None
    fetched = meta.get(name) if origin.verified else None
    return {**span, **(fetched if isinstance(fetched, dict) else {}), "sha256": origin.sha256,
            "attribution": origin.describe()}


def status(today: dt.date | None = None) -> dict[str, Any]:
    """What the engines read: bundled and user files, their spans, who wrote them, the age
    of the latest day."""
    today = today or dt.datetime.now(dt.UTC).date()
    root = data_dir()
    meta = _read_meta(root)
    chain = _file_status(root, CHAIN_FILE, meta)
    updates = _file_status(root, UPDATES_FILE, meta)
    bundled_last = _bundled_last_line()[0]
    last = latest_day()
    return {
        "data_dir": str(root),
        "bundled": {
            "file": f"hashpivot/data/{BUNDLED_FILE}",
            "first_day": HISTORY_FIRST_DAY.isoformat(),
            "last_day": bundled_last,
            "used": chain is None,
            "licence": "CC BY-NC 4.0 (Coin Metrics Community; non-commercial)",
        },
        "chain": chain,
        "updates": updates,
        "latest_day": last.isoformat(),
        "age_days": (today - last).days,
        "stale": (today - last).days > STALE_AFTER_DAYS,
    }
