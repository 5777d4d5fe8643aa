"""The files a command's ``--out`` folder receives: one list per command, which its writer
names its files from (:func:`out_name`) and its ``--out`` help lists (:func:`out_help`).

Imports nothing heavy: the CLI builds the options' help from these lists at start-up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DISPATCH_UPLIFT_FILES", "OUT_FILES", "OutFile", "listed_file", "out_help", "out_name"]


@dataclass(frozen=True)
class OutFile:
    """One file (or one per name, for a ``<part>``) an ``--out`` folder receives.

    Attributes
    ----------
    pattern : str
        Its name; a ``<part>`` stands for a name the run gives (``cash_flows_<strategy>.csv``).
    what : str
        What it holds, for the help ("" when the name says it).
    when : str
        When it is written ("" for every run).
    """

    pattern: str
    what: str = ""
    when: str = ""

    def matches(self, name: str) -> bool:
        """Whether ``name`` is this file (a ``<part>`` matching any non-empty text)."""
        pieces = re.split(r"<[a-z_]+>", self.pattern)
        return re.fullmatch(".+".join(re.escape(p) for p in pieces), name) is not None


#: The resolved assumptions with their sources, as every engine writes them.
_ASSUMPTIONS = OutFile("assumptions.csv", "the resolved assumptions and their sources")

#: A dispatching site's gain over always-on mining (:mod:`hashpivot.reports.dispatch_uplift`).
DISPATCH_UPLIFT_FILES = (
    OutFile("dispatch_uplift.csv", "a dispatching site's gain over always-on mining",
            "when a site dispatches"),
    OutFile("dispatch_uplift.png", when="when a site dispatches"),
    OutFile("dispatch_uplift.html", when="when a site dispatches"),
)

#: Each command's ``--out`` files, in the order its writer writes them.
OUT_FILES: dict[str, tuple[OutFile, ...]] = {
    "backtest": (
        OutFile("backtest.csv", "daily unit economics"),
        _ASSUMPTIONS,
        OutFile("backtest.png", "hashprice, price and cost per BTC, reverse-margin days"),
        OutFile("backtest.html", "the same chart, interactive"),
    ),
    "pivot": (
        OutFile("cash_flows_<strategy>.csv", "monthly cash flows, one per strategy"),
        OutFile("annual_<strategy>.csv", "annual cash flows, one per strategy"),
        OutFile("summary.csv", "NPVs, IRRs and payback per strategy"),
        OutFile("tornado.csv", "sensitivity of the NPV difference"),
        _ASSUMPTIONS,
        OutFile("cumulative_cash_flow.png", "cumulative free cash flow per strategy"),
        OutFile("cumulative_cash_flow.html"),
        OutFile("tornado.png", "sensitivity chart", "with a pivot strategy"),
        OutFile("tornado.html", when="with a pivot strategy"),
        OutFile("tornado_with_tv.png", "the same with the terminal value",
                "when the terminal value changes the differences"),
        OutFile("tornado_with_tv.html",
                when="when the terminal value changes the differences"),
        *DISPATCH_UPLIFT_FILES,
    ),
    "simulate": (
        OutFile("summary.csv", "risk statistics per strategy"),
        OutFile("fan_quantiles.csv", "monthly quantiles of the market and cash"),
        OutFile("reverse_margin.csv", "probability of reverse margin per month"),
        OutFile("forced_sales_by_policy.csv", "forced BTC sales per treasury policy"),
        _ASSUMPTIONS,
        OutFile("npv_samples.csv.gz", "one NPV [USD] per strategy and path"),
        OutFile("fan_<series>.png", "BTC price and hashprice fans"),
        OutFile("fan_cash_usd.png", "treasury cash per strategy"),
        OutFile("npv_histogram.png"),
        OutFile("forced_sales_by_policy.png"),
        OutFile("reverse_margin.png", when="with a baseline"),
        OutFile("simulate.html", "every chart, interactive"),
        *DISPATCH_UPLIFT_FILES,
    ),
    "dispatch": (
        OutFile("dispatch_schedule.csv", "interval by interval"),
        OutFile("dispatch_monthly.csv"),
        OutFile("dispatch_summary.json", "the --json object"),
        _ASSUMPTIONS,
        OutFile("dispatch_heatmap.png", "mining by hour and day"),
        OutFile("dispatch_price_duration.png", "with the curtailment thresholds"),
        OutFile("dispatch_monthly.png", "energy by source and emissions"),
        OutFile("dispatch.html", "the three charts, interactive"),
    ),
    "optimize": (
        OutFile("plan.csv"),
        OutFile("strategies.csv"),
        OutFile("rules.csv"),
        OutFile("shadow_prices.csv"),
        _ASSUMPTIONS,
        OutFile("npv_samples.csv.gz", "one NPV [USD] per scenario"),
        OutFile("result.json", "the --json object"),
        OutFile("plan_gantt.png"),
        OutFile("npv_distribution.png"),
        OutFile("optimize.html", "both charts, interactive"),
        OutFile("plan_portfolio.toml", "the portfolio with the plan as its phased strategy",
                "with a plan"),
    ),
}


def out_name(files: tuple[OutFile, ...], pattern: str, **parts: str) -> str:
    """The name of the listed file ``pattern``, its ``<part>`` replaced by ``parts``.

    Raises
    ------
    KeyError
        ``pattern`` is not in ``files``: a writer writes only the files its help lists.
    ValueError
        A ``<part>`` of the pattern is not given.
    """
    if not any(f.pattern == pattern for f in files):
        raise KeyError(f"{pattern} is not among the listed --out files")
    name = pattern
    for part, value in parts.items():
        name = name.replace(f"<{part}>", value)
    if re.search(r"<[a-z_]+>", name):
        raise ValueError(f"{pattern}: give every <part> of the name")
    return name


def listed_file(command: str, name: str) -> OutFile | None:
    """The listed file of ``command``'s ``--out`` that ``name`` is; None for none."""
    return next((f for f in OUT_FILES[command] if f.matches(name)), None)


def out_help(command: str) -> str:
    """The ``--out`` help of ``command``: every file it writes, when it writes it, and the
    run's record."""
    def item(f: OutFile) -> str:
        said = ", ".join(s for s in (f.what, f.when) if s)
        return f"{f.pattern} ({said})" if said else f.pattern

    return (f"Write into this folder: {'; '.join(item(f) for f in OUT_FILES[command])}; "
            "and run.json (the run's record, for `hashpivot reproduce`).")
