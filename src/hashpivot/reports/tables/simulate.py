"""What ``simulate`` prints beside its strategy rows
(:func:`~hashpivot.reports.tables.strategies.simulate_rows`), built from its JSON result
(``SimulationResult.to_json``): keep-mining's probability of reverse margin by month and
the line that names the model's parameters. The CLI prints them and the dashboard shows
them (cheap to import: no pandas, no plotting)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hashpivot.reports.labels import REVERSE_MARGIN_SAME_NOTE
from hashpivot.reports.tables.formats import compile_text, fmt_pct

REVERSE_MARGIN_TITLE = "P(reverse margin), keep_mining [% of paths]"
REVERSE_MARGIN_VIEWS = ("direct: cash cost per BTC above the price; total: with depreciation "
                        "and stock-based compensation")
#: The strategy whose reverse margin the table shows (``simulate`` values it first).
BASELINE = "keep_mining"


@dataclass(frozen=True)
class ReverseMarginTable:
    """Keep-mining's share of paths in reverse margin, by month.

    Attributes
    ----------
    header : tuple of str
        ``month`` and one column per view (one, ``direct = total``, when they agree in
        every month); a line break before the unit.
    rows : list of tuple of str
        The first month, every twelfth from the twelfth, and the last. [%]
    caption : str
        What the views are (or that they agree).
    """

    header: tuple[str, ...]
    rows: list[tuple[str, ...]]
    caption: str


def reverse_margin_table(results: Mapping[str, Any]) -> ReverseMarginTable | None:
    """The reverse-margin table of a simulation; None without a keep-mining baseline (or
    for a run stored without the series).

    Parameters
    ----------
    results : mapping
        ``SimulationResult.to_json()`` (``prob_reverse_margin_direct_by_month``,
        ``prob_reverse_margin_total_by_month``: month -> share of paths [-]).
    """
    direct: Mapping[str, float] = results.get("prob_reverse_margin_direct_by_month") or {}
    total: Mapping[str, float] = results.get("prob_reverse_margin_total_by_month") or {}
    if BASELINE not in (results.get("strategies") or {}) or not direct:
        return None
    months = list(direct)
    same = [direct[m] for m in months] == [total.get(m) for m in months]
    n = len(months)
    rows = [(months[t], fmt_pct(direct[months[t]]),
             *([] if same else [fmt_pct(total.get(months[t]))]))
            for t in sorted({0, *range(11, n, 12), n - 1})]
    header = ("month", *(("direct = total\n%",) if same else ("direct\n%", "total\n%")))
    return ReverseMarginTable(header, rows,
                              REVERSE_MARGIN_SAME_NOTE if same else REVERSE_MARGIN_VIEWS)


def model_line(inputs: Mapping[str, Any], timings_s: Mapping[str, Any]) -> str | None:
    """The model's calibrated parameters, where it ran and how long the paths took; None
    for a run stored without them.

    Parameters
    ----------
    inputs : mapping
        The result's ``inputs`` (``resolved``: the parameters; ``executor``).
    timings_s : mapping
        The result's ``timings_s`` (``chunks``: the paths' time [s]; ``compile``: numba
        compiling its kernels within it [s]).
    """
    from hashpivot.engines.simulate.assumptions import price_model_text

    r = inputs.get("resolved")
    if not r or "chunks" not in timings_s:
        return None
    return (
        f"model: BTC {price_model_text(inputs)}, vol "
        f"{r['btc_volatility_per_year']:.2f}/sqrt(yr), hashrate "
        f"elasticity {r['hashrate_elasticity']:.3f}, hashrate vol "
        f"{r['hashrate_volatility_per_year']:.2f}, corr {r['price_hashrate_correlation']:.2f}, "
        f"fee sigma {r['fees_lognormal_sigma']:.2f}, power simulated: "
        f"{r['power_simulated']}{_power_text(inputs.get('power_model'))}; "
        f"{inputs.get('executor')}, {float(timings_s['chunks']):.2f} s for the paths"
        f"{compile_text(timings_s.get('compile'))}"
    )




def _power_text(power: Mapping[str, Any] | None) -> str:
    """`` (mean reversion 35.9/yr, vol 1.80/sqrt(yr), spikes 0.42/month of +0.27 log)``:
    the power model of the resolved assumptions, in brief (nothing without one); with
    index sites on several markets each market's, its node first, and each other one's
    correlation with the first (``, corr 0.81``)."""
    if not power:
        return ""
    markets = power.get("markets") or []

    def brief(m: Mapping[str, Any], where: str) -> str:
        return (f"{where}mean reversion {m['mean_reversion_per_year']:.1f}/yr, vol "
                f"{m['volatility_per_year']:.2f}/sqrt(yr), spikes "
                f"{m['spike_probability_per_month']:.2f}/month of +"
                f"{m['spike_mean_log']:.2f} log")

    return " (" + "; ".join([
        brief(power, f"{power.get('node')}: " if markets else ""),
        *(brief(m, f"{m['node']}: ") + f", corr {m['correlation']:.2f}" for m in markets),
    ]) + ")"


__all__ = ["BASELINE", "REVERSE_MARGIN_TITLE", "REVERSE_MARGIN_VIEWS", "ReverseMarginTable",
           "model_line", "reverse_margin_table"]
