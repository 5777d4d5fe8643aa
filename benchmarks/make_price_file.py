"""Write a large synthetic power-price CSV for the memory benchmark of ``dispatch --prices``.

One row per interval: ``interval_start,price_usd_per_mwh``. The prices are a daily shape
(evening peak) plus AR(1) noise and rare spikes, rounded to cents [USD/MWh], from a fixed
seed. Timestamps are interval starts in ERCOT local time (America/Chicago):

* ``offset`` (default): ISO 8601 with the UTC offset, ``2000-01-01T00:00:00-06:00``
  (unambiguous across DST, what a market API exports);
* ``naive``: local wall clock without offset, ``2000-01-01 00:00:00`` (the reader
  resolves the fall-back hour by order of appearance);
* ``utc``: ``2000-01-01T06:00:00Z``.

The file is written in chunks of one million rows, so the generator itself needs little
memory. 10 million 5-minute rows span 95 years (2000-2095); 15-minute rows reach pandas'
last date (2262) after about 9.1 million rows, so use ``--step 5min`` for 10M.

Run: ``python benchmarks/make_price_file.py OUT.csv --rows 2000000 [--step 5min|15min]
[--timestamps offset|naive|utc] [--seed 1] [--start-utc '2000-01-01 06:00']``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.signal import lfilter

TZ = "America/Chicago"
START_UTC = "2000-01-01 06:00"
CHUNK_ROWS = 1_000_000


def _stamps(utc: pd.DatetimeIndex, style: str) -> np.ndarray:
    """Timestamp strings of a chunk of UTC interval starts in the chosen style."""
    if style == "utc":
        return np.char.add(np.datetime_as_string(utc.tz_localize(None).to_numpy(), "s"), "Z")
    local = utc.tz_convert(TZ).tz_localize(None)
    text = np.datetime_as_string(local.to_numpy(), "s")
    if style == "naive":
        return np.char.replace(text, "T", " ")
    offset_h = (local.to_numpy() - utc.tz_localize(None).to_numpy()) // np.timedelta64(1, "h")
    suffix = np.where(offset_h == -5, "-05:00", "-06:00")
    return np.char.add(text, suffix)


def write_price_file(
    path: Path, rows: int, step: str = "5min", timestamps: str = "offset", seed: int = 1,
    start_utc: str = START_UTC,
) -> Path:
    """Write ``rows`` intervals of synthetic prices to ``path`` (CSV).

    Parameters
    ----------
    path : pathlib.Path
        Output CSV.
    rows : int
        Number of intervals.
    step : str
        Interval length, a pandas frequency (``"5min"``, ``"15min"``).
    timestamps : {"offset", "naive", "utc"}
        How interval starts are written (see the module docstring).
    seed : int
        Seed of the noise.
    start_utc : str
        First interval start, UTC (default local midnight, 2000-01-01).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    rng = np.random.default_rng(seed)
    delta = pd.Timedelta(step)
    start = pd.Timestamp(start_utc, tz="UTC")
    state = np.zeros(1)
    with path.open("w", encoding="ascii") as out:
        out.write("interval_start,price_usd_per_mwh\n")
        for first in range(0, rows, CHUNK_ROWS):
            n = min(CHUNK_ROWS, rows - first)
            utc = pd.date_range(start + first * delta, periods=n, freq=delta)
            hour = ((utc.hour.to_numpy() - 6) % 24).astype(float)  # local standard hour
            shape = 32.0 + 14.0 * np.exp(-0.5 * ((hour - 18.0) / 2.5) ** 2)
            # AR(1) noise, persistence 0.99 per interval, carried across chunks
            noise, state = lfilter([0.8], [1.0, -0.99], rng.standard_normal(n), zi=state)
            spikes = np.where(rng.random(n) < 0.002, rng.exponential(400.0, n), 0.0)
            price = np.round(shape + 3.0 * noise + spikes, 2)
            lines = np.char.add(np.char.add(_stamps(utc, timestamps), ","), price.astype(str))
            out.write("\n".join(lines.tolist()))
            out.write("\n")
    return path


def main() -> None:
    """Command line: write the file and print its size."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--step", default="5min")
    ap.add_argument("--timestamps", choices=("offset", "naive", "utc"), default="offset")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start-utc", default=START_UTC, help="first interval start, UTC")
    args = ap.parse_args()
    path = write_price_file(args.out, args.rows, args.step, args.timestamps, args.seed,
                            args.start_utc)
    size_mib = path.stat().st_size / 2**20
    print(f"wrote {path}: {args.rows:,} rows of {args.step}, {size_mib:,.0f} MiB")


if __name__ == "__main__":
    main()
