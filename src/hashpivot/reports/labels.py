"""Sentences and labels that a table and a chart must say the same way (cheap to import: no
matplotlib, no plotly)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

REVERSE_MARGIN_SAME_NOTE = (
    "direct (cash cost per BTC above the price) and total (adding depreciation and "
    "stock-based compensation) are identical in every month: the non-cash costs are zero "
    "or never change a path's verdict"
)
"""Said by the simulate table and chart when the two reverse-margin series are identical."""

REVERSE_MARGIN_VIEWS_NOTE = (
    "direct = cash costs, total adds depreciation and stock-based compensation"
)
"""Said by the simulate charts when the two reverse-margin series differ."""


def discounting_text(inputs: Mapping[str, Any]) -> str:
    """The rates a run discounted at, as its titles print them (``discount 10.0 %/year``
    or each business line's rate when they differ).

    Parameters
    ----------
    inputs : mapping
        A pivot or simulate result's ``inputs`` (``discounting``, else ``discount_rate``
        for a run stored before the lines had their own rates).
    """
    text = inputs.get("discounting")
    if text:
        return str(text)
    return f"discount {100 * float(inputs['discount_rate']):.1f} %/year"


def paths_text(n_paths: int, inputs: Mapping[str, Any]) -> str:
    """A simulation's paths with what reproduces them, as its table's title says it:
    ``10,000 paths, seed 0, 5,000 paths per chunk`` (the paths alone for a run stored
    without its seed or chunk size).

    Parameters
    ----------
    n_paths : int
        The run's paths. [-]
    inputs : mapping
        Its ``inputs`` (``seed``, ``chunk_paths``).
    """
    seed, chunk = inputs.get("seed"), inputs.get("chunk_paths")
    if not isinstance(seed, int) or not isinstance(chunk, int):
        return f"{n_paths:,} paths"
    return f"{n_paths:,} paths, seed {seed}, {chunk:,} paths per chunk"


def fan_sample_text(n_paths: int, inputs: Mapping[str, Any]) -> str:
    """The paths a simulation's fan quantiles are taken over: ``all 2,000 paths``, or
    ``500 of the 2,000 paths (the first 250 of each chunk)``, ``... of each of the first 80
    of 100 chunks)`` once 20,000 are kept: a random subset (the chunks' paths are
    independent draws), so its quantiles are noisier than the whole run's.

    Parameters
    ----------
    n_paths : int
        The run's paths. [-]
    inputs : mapping
        Its ``inputs`` (``fan_paths``, ``fan_paths_per_chunk``, ``fan_chunks``,
        ``chunks``; a run stored before them: at most 250 of each chunk, unsaid how many).
    """
    if "fan_paths" not in inputs:
        return (f"the paths kept for the fan charts (of the {n_paths:,}: at most 250 from "
                "each chunk)")
    n = int(inputs["fan_paths"])
    if n >= n_paths:
        return f"all {n_paths:,} paths"
    per = int(inputs.get("fan_paths_per_chunk") or 0)
    used, chunks = inputs.get("fan_chunks"), inputs.get("chunks")
    which = ("each chunk" if used is None or used == chunks
             else f"each of the first {int(used):,} of {int(chunks or 0):,} chunks")
    return f"{n:,} of the {n_paths:,} paths" + (f" (the first {per:,} of {which})" if per else "")


def power_fan_nodes(inputs: Mapping[str, Any]) -> dict[str, str]:
    """Fan key -> market node (``iso:point``) of each power fan of a run whose index
    sites are on several market nodes (``inputs.fan_power_nodes``:
    ``power_price_usd_per_mwh``, the first index site's market, and
    ``power_price_usd_per_mwh:<node>``); empty with one market, whose one fan is every
    index site's, as its outputs have always shown it."""
    return {str(k): str(v) for k, v in (inputs.get("fan_power_nodes") or {}).items()}


def format_tornado_input(x: float, unit: str) -> str:
    """A tornado input in a readable unit (table cells and chart labels).

    Parameters
    ----------
    x : float
        Input value, in ``unit``.
    unit : str
        The tornado's unit column (``USD/MW``, ``USD``, ``1/year``, ``month``,
        ``USD/kW/month``, ``year``, ``x rent`` and ``x capex``: a factor on each hall's
        rent or site's capex, ``+ PUE``: a step on each site's PUE, ``+ PUE, >= 1.0``
        where it stops at 1.0 for a site, ``+ years``: a step on each hall's lease term,
        ``+ years, >= 1`` where it stops at a year, ``+ rate``: a step on each business
        line's discount rate; anything else prints 3 significant digits).

    Returns
    -------
    str
    """
    fmt = _TORNADO_INPUT_FORMATS.get(unit)
    return fmt(x) if fmt is not None else f"{x:.3g}"


#: How :func:`format_tornado_input` writes an input, by the tornado's unit.
_TORNADO_INPUT_FORMATS: dict[str, Callable[[float], str]] = {
    "USD/MW": lambda x: f"{x / 1e6:.2f} M USD/MW",
    "USD": lambda x: f"{x:,.0f} USD",
    "1/year": lambda x: f"{100 * x:.1f} %/yr",
    "month": lambda x: f"+{x:.0f} months",
    "USD/kW/month": lambda x: f"{x:,.1f} USD/kW/month",
    "x rent": lambda x: f"{x:.3g} x rent",
    "x capex": lambda x: f"{x:.3g} x capex",
    "+ PUE": lambda x: f"{x:+.3g} each",
    "+ PUE, >= 1.0": lambda x: f"{x:+.3g} each, >= 1.0",
    "year": lambda x: f"{x:.3g} years",
    "+ years": lambda x: f"{x:+.3g} years each",
    "+ years, >= 1": lambda x: f"{x:+.3g} years each, >= 1",
    "+ rate": lambda x: f"{100 * x:+.1f} points each line",
}


def simulate_title(n_paths: int, inputs: Mapping[str, Any], policy: str | None) -> str:
    """The Monte Carlo table's title, as the CLI and the run page print it: the paths and
    what reproduces them, the months, the discounting, the treasury policy.

    Parameters
    ----------
    n_paths : int
        The run's paths. [-]
    inputs : mapping
        Its ``inputs`` (``start``, ``horizon_months``, the rates; parts a run stored
        before them lacks are left out).
    policy : str or None
        The treasury policy of the table; None: no ``[treasury]``.
    """
    title = f"Monte Carlo: {paths_text(n_paths, inputs)}"
    if inputs.get("start") and inputs.get("horizon_months"):
        title += f", {inputs['start']} + {inputs['horizon_months']} months"
    if inputs.get("discounting") or inputs.get("discount_rate") is not None:
        title += f", {discounting_text(inputs)}"
    return title + (f", treasury policy {policy}" if policy else ", no treasury")


def _tail_count(inputs: Mapping[str, Any]) -> str:
    """How many paths CVaR95 averages, ``ceil(0.05 n)`` of the run's ``n``, each weighed
    fully (none for a run stored without ``n_paths``), and its sign: a level of NPV."""
    from hashpivot.sampling_error import tail_size

    n = inputs.get("n_paths")
    if not isinstance(n, int) or n < 1:
        return ""
    return (f" (the worst {tail_size(n, 0.05):,} of {n:,}, ceil(5 % n), each weighed fully; "
            "an NPV level, as P5, not a loss)")


def simulate_caption(inputs: Mapping[str, Any], taxed: bool, moved: list[str]) -> str:
    """What the Monte Carlo table's figures are, as the CLI and the run page say it: the
    NPV's basis, CVaR95, the deterministic path (``moved``: the ``[scenario]`` fields that
    move its center; the sites whose ``[sites.hosting.risk]`` the paths draw and it does
    not), P(beats keep), the terminal value and the price center.

    Parameters
    ----------
    inputs : mapping
        The run's ``inputs`` (``scenario``, ``terminal_value``, ``hosting_risk_sites``).
    taxed : bool
        The run has after-tax rows.
    moved : list of str
        ``[scenario] field`` of each center override.
    """
    scenario = inputs.get("scenario") or {}
    path = ("the calibrated history's trend" if scenario.get("anchor") == "history"
            else "the pivot model's path" + (f" with {', '.join(moved)}" if moved else ""))
    risk_sites = inputs.get("hosting_risk_sites") or []
    if risk_sites:  # the paths draw it, the deterministic row does not (pivot's value)
        path += (", the hosting as pivot values it ([sites.hosting.risk] not drawn at "
                 f"{', '.join(map(str, risk_sites))}: built on time and on budget, defaults "
                 "in expectation)")
    return (
        "NPV of unlevered FCF, "
        + ("pre-tax unless 'after tax'" if taxed else "pre-tax")
        + ", without terminal value unless 'with TV'; "
        f"CVaR95 = mean NPV of the worst 5 % of paths{_tail_count(inputs)}; deterministic = "
        f"every volatility zero ({path}); P(beats keep) = share of paths where the NPV exceeds "
        "keep_mining's; " + str(inputs.get("terminal_value", "")) + "; price center: "
        + str(scenario.get("price_center", ""))
    )


def history_spans(inputs: Mapping[str, Any]) -> list[dict[str, str]]:
    """The days of the daily BTC history a run's numbers come from, by source, as the run
    recorded them when it ran (not read again: a chart redrawn later names the data the
    run used): the market start's days (``history_sources`` of ``inputs`` or of its
    ``market``) and the calibration window's (``calibration.history_sources``), each
    source's spans merged into one, its first day to its last, oldest first.

    Parameters
    ----------
    inputs : mapping
        A pivot, simulate or optimize result's ``inputs``.

    Returns
    -------
    list of dict
        ``first``, ``last`` and ``attribution`` of each source
        (:func:`hashpivot.io.btc_daily_sources`' form); empty when the run recorded none.
    """
    spans: list[Mapping[str, str]] = []
    for holder in (inputs, inputs.get("market"), inputs.get("calibration")):
        if isinstance(holder, Mapping):
            spans += holder.get("history_sources") or []
    merged: dict[str, dict[str, str]] = {}
    for s in spans:
        m = merged.setdefault(s["attribution"], dict(s))
        m["first"], m["last"] = min(m["first"], s["first"]), max(m["last"], s["last"])
    return sorted(merged.values(), key=lambda s: s["first"])


def sources_text(inputs: Mapping[str, Any]) -> str:
    """The data a run's charts are drawn from, each source with its attribution (Coin
    Metrics' with its CC BY-NC 4.0 licence) and its days: :func:`history_spans` in
    :func:`hashpivot.io.sources_text`'s words (for a run stored before those were
    recorded, what its fees' source says of its days: ``fees_source``, which names them
    since fees were averaged over days; none without a daily history: every market value
    given, or the built-in fallback), then the bundled power prices it drew on
    (:func:`power_sources`); ``""`` when none."""
    spans = history_spans(inputs)
    if spans:
        from hashpivot.io import sources_text as spans_text

        history = spans_text(spans)
    else:
        market = inputs.get("market")
        fees = str(inputs.get("fees_source") or (
            market.get("fees_source") if isinstance(market, Mapping) else "") or "")
        history = fees.split(": ", 1)[1] if ": " in fees else ""
    return "; ".join(dict.fromkeys(s for s in (history, *power_sources(inputs)) if s))


def power_sources(inputs: Mapping[str, Any]) -> list[str]:
    """The power prices a run's numbers come from, as their loader names them (``ERCOT
    HB_WEST 2024, 15-min time-weighted SCED LMP (excludes ORDC adders)``) and the run
    recorded them: the prices a dispatching site's flexibility was measured on
    (``site_assumptions[].dispatch_prices_source``) and those the power paths were fitted
    on (``power_model.prices_source``, each other market's in ``power_model.markets``);
    each once, in that order."""
    out = [str(s["dispatch_prices_source"]) for s in inputs.get("site_assumptions") or []
           if isinstance(s, Mapping) and s.get("dispatch_prices_source")]
    model = inputs.get("power_model")
    if isinstance(model, Mapping):
        out += [str(m["prices_source"]) for m in (model, *(model.get("markets") or []))
                if isinstance(m, Mapping) and m.get("prices_source")]
    return list(dict.fromkeys(out))


#: What the MW split's numbers come from (a cost run's and the portfolio overview's
#: chart): the portfolio alone, none of the network data the run's other charts name.
MW_SPLIT_SOURCE = ("the portfolio file (fleets at the meter, with the bundled ASIC "
                   "catalog's specs for an entry naming a model; capacity_mw; [sites.hosting] "
                   "phases; [sites.dispatch] ai_load_mw)")


def with_sources(subtitle: str, sources: str) -> str:
    """A chart's subtitle followed by ``Source: <sources>``: the data its numbers come
    from with their attribution and licence (Coin Metrics Community Network Data's CC
    BY-NC 4.0 asks for it wherever the data is used: ``hashpivot/data/PROVENANCE.md``);
    the subtitle alone when ``sources`` is empty. Every chart of a run says its sources
    this one way (:func:`sources_text` gives a run's)."""
    return f"{subtitle}; Source: {sources}" if sources else subtitle


def dispatch_sources_text(summary: Mapping[str, Any]) -> str:
    """The data a dispatch's numbers come from, as its summary names them: ``prices:
    <price_source>; hashprice: <hashprice_source>; emissions factor: <emissions_source>``
    (the hashprice's with Coin Metrics' CC BY-NC 4.0 attribution where it comes from the
    daily history), each where given; "" when none.

    Parameters
    ----------
    summary : mapping
        A dispatch result's JSON-safe ``summary()``.
    """
    return "; ".join(f"{label}: {summary[key]}" for key, label in (
        ("price_source", "prices"), ("hashprice_source", "hashprice"),
        ("emissions_source", "emissions factor")) if summary.get(key))
