"""The model-wide assumptions that can flip a verdict, beside the sites' own
(:mod:`~hashpivot.engines.pivot.site_assumptions`): the project debt (``[financing]``),
the fleet's ageing and replacement machines, the start height and the halvings it puts
in the horizon, what each strategy converts, and the rows every engine prints of the same
field alike (the terminal value, the income tax, the price center, the hashrate's
response to margins: one builder each, so that ``pivot``, ``simulate`` and ``optimize``
name them, value them and give their source in the same words).

The ``*_facts`` functions record them when a run resolves its inputs (what only the
portfolio knows: which fields the file sets); the ``*_rows`` functions turn them into rows
of the resolved-assumptions block of ``pivot``, ``simulate`` and ``optimize`` (``name``,
``value``, ``unit``, ``source``). A result stored before a fact existed has none, and
gets no row for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from hashpivot.bitcoin import block_subsidy_btc, next_halving_height
from hashpivot.engines.pivot.market import BLOCKS_PER_DAY
from hashpivot.models.tax import PIVOT_AFTER_TAX
from hashpivot.units import HALVING_INTERVAL_BLOCKS, MONTHS_PER_YEAR

if TYPE_CHECKING:
    from hashpivot.engines.pivot.strategies import Strategy
    from hashpivot.models import Portfolio

#: The value of the ``[pivot.tax]`` row while income tax is not modelled.
PRE_TAX = "pre-tax: income tax not modelled"
#: How the mining line's terminal value is floored, in every engine (``pivot`` and
#: ``simulate`` by :func:`hashpivot.engines.pivot.terminal.mining_value_at_horizon_usd`,
#: ``optimize`` per MW by the same rule: :mod:`hashpivot.optimize.terminal`).
MINING_FLOOR = ("each mining tranche floored at zero on its own, and mining as a whole net "
                "of the cash SG&A")
#: How a hall valued by an exit multiple or Gordon growth is floored (per hall, per MW).
HALL_FLOOR = "each hosting phase floored at zero on its own"
#: A hall valued on its leases' own flows after the horizon (``contract``): no floor.
CONTRACT_NO_FLOOR = "hosting on the leases' own flows, not floored"


def tv_floor_text(description: str) -> str:
    """How the terminal value of ``description`` (the one line of
    :func:`hashpivot.engines.pivot.terminal.describe`) is floored, in words: mining per
    tranche and net of the cash SG&A where it is valued, a hall valued by a multiple or
    Gordon growth on its own, the ``contract`` method's leases not at all; empty where
    nothing is valued past the horizon."""
    from hashpivot.engines.pivot.terminal import CONTRACT_TEXT

    mining, _, hosting = description.removeprefix("terminal value: ").partition("; ")
    parts = [MINING_FLOOR] if mining not in ("", "mining none") else []
    if hosting == f"hosting {CONTRACT_TEXT}":
        parts.append(CONTRACT_NO_FLOOR)
    elif hosting not in ("", "hosting none"):
        parts.append(HALL_FLOOR)
    return "; ".join(parts)

#: The ``[financing]`` fields shown: field, unit.
FINANCING_TERMS: tuple[tuple[str, str], ...] = (
    ("loan_to_cost_fraction", "-"),
    ("interest_rate", "1/year"),
    ("amortization_years", "year"),
    ("upfront_fee_fraction", "-"),
    ("equity_discount_rate", "1/year"),
)

#: The ``[pivot]`` fields of the fleet's ageing and replacement: field, unit.
FLEET_TERMS: tuple[tuple[str, str], ...] = (
    ("fleet_hashrate_decay_per_year", "1/year"),
    ("replacement_efficiency_j_per_th", "J/TH"),
    ("replacement_efficiency_gain_per_year", "1/year"),
    ("replacement_capex_usd_per_th", "USD/TH"),
)
_REPLACEMENT = frozenset(f for f, _ in FLEET_TERMS[1:])

#: What each strategy of ``pivot`` and ``simulate`` converts, in words (the source of its
#: row; ``phased`` says where each site's plan comes from instead).
STRATEGY_MEANING = {
    "convert_all": "model: every convertible MW of each site with [sites.hosting] from the "
                   "first month, no tenant or build limit (optimize's convert_all_now: what its "
                   "tenants take, paced by its build capacity)",
    "convert": "[pivot] convert_mw from convert_start, the sites with [sites.hosting] in "
               "file order",
}
#: The fields that set a site's ``phased`` plan.
_PHASED_FIELDS = "[sites.hosting] phases, phased_tranches, phase_interval_months"


def terminal_value_row(description: str, source: str) -> dict[str, Any]:
    """The ``[pivot.terminal_value]`` row: the one-line treatment (``description``) and,
    when something is valued past the horizon, how it is floored (:func:`tv_floor_text`:
    a hall under ``contract`` is not)."""
    floor = tv_floor_text(description)
    value = f"{description} ({floor})" if floor else description
    return {"name": "[pivot.terminal_value]", "value": value, "unit": "-", "source": source}


def tax_row(description: str | None, use: str = "",
            engine: Literal["pivot", "simulate"] = "pivot",
            levered: bool = False) -> dict[str, Any]:
    """The ``[pivot.tax]`` row: the file's income tax in one line (``description``), or
    pre-tax by default (:data:`PRE_TAX`); ``use``, what the engine does with the file's
    tax where ``pivot``'s after-tax rows do not say it, follows the source ``file``.

    ``description`` (:meth:`~hashpivot.models.tax.TaxSpec.describe`, as a run stores it)
    ends with how ``pivot``'s after-tax figures are made of the tax
    (:data:`~hashpivot.models.tax.PIVOT_AFTER_TAX`); ``simulate``'s row says how its own
    'NPV after tax' is made instead (:func:`simulate_after_tax`: of the ``levered`` NPV
    or the unlevered one), its figures being neither 'after tax with TV' nor both NPVs.
    """
    if description is None:
        return {"name": "[pivot.tax]", "value": PRE_TAX, "unit": "-", "source": "default"}
    if engine == "simulate":  # the terms, cut where pivot's figures begin (in a stored
        # run's text too: every one since the figures were said begins with that clause)
        terms = description.partition("; " + PIVOT_AFTER_TAX.split(" (")[0])[0]
        description = f"{terms}; {simulate_after_tax(levered)}"
    return {"name": "[pivot.tax]", "value": description, "unit": "-",
            "source": "file" + (f"; {use}" if use else "")}


def simulate_after_tax(levered: bool) -> str:
    """How ``simulate``'s 'NPV after tax' rows are made of the tax, in words: the NPV to
    the horizon less the unlevered tax at the run's discount_rate (as ``pivot``'s NPV
    after tax), or, in a levered run, the levered NPV less the levered tax at that NPV's
    rate (:mod:`hashpivot.engines.simulate.valuation`)."""
    head = "'NPV after tax' (mean, P5, P(beats keep), tax): "
    if levered:
        return (head + "the levered NPV less the levered tax (interest deducted) at the "
                "levered NPV's rate, as the levered flows (construction interest deducted "
                "as paid, not capitalized into the hall)")
    return (head + "the NPV to the horizon less the income tax (no interest deducted) "
            "discounted at discount_rate (the lines' own rates are the pre-tax flows')")


def price_center_row(center: str, in_file: bool) -> dict[str, Any]:
    """The row of ``[scenario] price_center``: whether the BTC price of ``simulate``'s
    paths and ``optimize``'s scenarios is centred on the central path (``pivot``'s) as its
    mean or its median (it moves every expected NPV, and so can flip a verdict)."""
    return {"name": "[scenario] price_center", "value": center, "unit": "-",
            "source": "file" if in_file else "default"}


def hashrate_response_row(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Whether the network hashrate answers miners' margins (``[scenario]
    hashrate_response``; ``pivot``'s central path, ``simulate``'s paths and ``optimize``'s
    scenarios alike), with the response in words when it does; none for a run stored
    before the scenario's fields. It moves the forced sales (examples/pivot-200mw.toml,
    5,000 paths: P(forced sale) of keep_mining 70.3 -> 51.1 % with "margin").

    Parameters
    ----------
    inputs : mapping
        A run's inputs: ``scenario_fields_in_file``, ``scenario`` (its
        ``hashrate_response``) and, with the margin response, ``hashrate_response`` (its
        :meth:`~hashpivot.scenarios.margin.MarginResponse.describe`).
    """
    if "scenario_fields_in_file" not in inputs:
        return []
    value = str((inputs.get("scenario") or {}).get("hashrate_response", "exogenous"))
    in_file = "hashrate_response" in set(inputs["scenario_fields_in_file"])
    source = (str(inputs["hashrate_response"]) if "hashrate_response" in inputs
              else "file" if in_file else "default")
    return [{"name": "[scenario] hashrate_response", "value": value, "unit": "-",
             "source": source}]


def financing_facts(portfolio: Portfolio) -> list[str]:
    """The ``[financing]`` fields the file sets (empty without the table)."""
    return sorted(portfolio.financing.model_fields_set) if portfolio.financing else []


def financing_rows(financing: Mapping[str, Any] | None, fields_in_file: Iterable[str],
                   fields: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """A row per ``[financing]`` term of the run (``financing``: the spec's
    ``model_dump``), or one row saying there is no project debt.

    Parameters
    ----------
    financing : mapping or None
        The resolved ``[financing]``; None when the file has none.
    fields_in_file : iterable of str
        The fields the file sets (the others are defaults).
    fields : iterable of str, optional
        Only these fields (default :data:`FINANCING_TERMS`).
    """
    if financing is None:
        return [{"name": "[financing]", "value": "none: no project debt, no levered view",
                 "unit": "-", "source": "default"}]
    given = set(fields_in_file)
    keep = set(fields) if fields is not None else {f for f, _ in FINANCING_TERMS}
    rows = []
    for f, unit in FINANCING_TERMS:
        if f not in keep:
            continue
        rows.append({"name": f"[financing] {f}", "value": financing.get(f), "unit": unit,
                     "source": "file" if f in given else "default"})
        if f == "interest_rate":  # how the rate is charged (engines/pivot/cashflows.py)
            rows.append(debt_service_row(float(financing.get(f) or 0.0)))
    return rows


def debt_service_row(interest_rate: float) -> dict[str, Any]:
    """How the project debt is charged: the nominal ``interest_rate`` [1/year] at a
    twelfth a month and the effective annual cost that gives, construction interest paid
    in cash (not capitalized), then a level annuity
    (:func:`hashpivot.finance.project_debt_schedule`)."""
    effective = (1.0 + interest_rate / MONTHS_PER_YEAR) ** MONTHS_PER_YEAR - 1.0
    return {"name": "[financing] debt service",
            "value": f"interest_rate nominal, paid monthly at rate / 12 "
                     f"({100 * effective:.2f} %/year effective); construction interest "
                     "paid in cash, not capitalized; from the month a hall is ready, a "
                     "level annuity over amortization_years",
            "unit": "-", "source": "model"}


def fleet_rows(pivot: Mapping[str, Any], fields_in_file: Iterable[str]
               ) -> list[dict[str, Any]]:
    """The fleet's ageing and its replacement machines (``pivot``: the resolved
    ``[pivot]`` as a dict); the replacement rows say when nothing is replaced."""
    given = set(fields_in_file)
    never = pivot.get("fleet_replacement_years") is None
    rows = []
    for f, unit in FLEET_TERMS:
        if f not in pivot:
            continue
        source = "file" if f in given else "default"
        if never and f in _REPLACEMENT:
            source += "; not used: fleet_replacement_years = none"
        rows.append({"name": f"[pivot] {f}", "value": pivot[f], "unit": unit,
                     "source": source})
    return rows


def halving_facts(start: Any, height: int, horizon_months: int) -> dict[str, Any]:
    """The start height and the halvings it puts in the horizon: each one's height, the
    month it falls in (the height advancing :data:`BLOCKS_PER_DAY` blocks a day from the
    first day of ``start``, as the market path's subsidy) and the subsidy before and after
    it [BTC/block]."""
    import pandas as pd

    first = pd.Period(str(start), "M")
    last = first + (horizon_months - 1)
    day0 = first.start_time
    out = []
    h = next_halving_height(height)
    while True:
        month = (day0 + pd.Timedelta(days=(h - height) / BLOCKS_PER_DAY)).to_period("M")
        if month > last:
            break
        out.append({"height": h, "month": str(month),
                    "subsidy_before_btc": block_subsidy_btc(h - 1),
                    "subsidy_after_btc": block_subsidy_btc(h)})
        h += HALVING_INTERVAL_BLOCKS
    return {"start_height": int(height), "halvings": out}


def halving_rows(facts: Mapping[str, Any] | None, height_source: str
                 ) -> list[dict[str, Any]]:
    """The start height (from ``height_source``) and the halvings in the horizon."""
    if not facts:
        return []
    halvings = "; ".join(
        f"{h['height']:,} in {h['month']} ("
        + (f"{h['subsidy_before_btc']:g} -> " if i == 0 else "-> ")
        + f"{h['subsidy_after_btc']:g}{' BTC/block' if i == 0 else ''})"
        for i, h in enumerate(facts["halvings"])
    ) or "none in the horizon"
    return [
        {"name": "[pivot] start_height", "value": facts["start_height"], "unit": "block",
         "source": height_source},
        {"name": "halvings in the horizon", "value": halvings, "unit": "-",
         "source": f"model: the start height + {BLOCKS_PER_DAY} blocks a day"},
    ]


def strategy_facts(portfolio: Portfolio, strategies: Iterable[Strategy]
                   ) -> list[dict[str, Any]]:
    """What each strategy converts: its name, kind, phases (site, MW, start) and, for
    ``phased``, where each site's plan comes from (the file's phases, or its tranches and
    interval, from the file or the defaults)."""
    from hashpivot.models.hosting import HostingProjectSpec

    out = []
    for s in strategies:
        if not s.phases:
            continue
        kind = "convert" if s.name.startswith("convert_") and s.name != "convert_all" \
            else s.name
        fact: dict[str, Any] = {
            "name": s.name, "kind": kind,
            "phases": [{"site": p.site, "gross_mw": float(p.gross_mw), "start": str(p.start)}
                       for p in s.phases],
        }
        if kind == "phased":
            plans = []
            for site in portfolio.sites:
                if not any(p.site == site.name for p in s.phases):
                    continue
                h = site.hosting if site.hosting is not None else HostingProjectSpec()
                given = h.model_fields_set if site.hosting is not None else set()
                plans.append({
                    "site": site.name, "file_phases": len(h.phases),
                    "tranches": h.phased_tranches, "interval_months": h.phase_interval_months,
                    "source": "file" if given & {"phases", "phased_tranches",
                                                 "phase_interval_months"} else "default",
                })
            fact["plans"] = plans
        out.append(fact)
    return out


def strategy_rows(facts: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A row per strategy that converts: its phases, and what the strategy means."""
    rows = []
    for f in facts:
        phases = f["phases"]
        sites = list(dict.fromkeys(p["site"] for p in phases))
        total = sum(p["gross_mw"] for p in phases)
        source = STRATEGY_MEANING.get(f["kind"], "")
        if f["kind"] == "phased":
            parts = []
            for plan in f.get("plans", []):
                mine = [p for p in phases if p["site"] == plan["site"]]
                parts.append(
                    f"{plan['site']}: the file's {plan['file_phases']} phases"
                    if plan["file_phases"] else
                    f"{plan['site']}: {plan['tranches']} tranches of "
                    f"{mine[0]['gross_mw']:,.1f} MW, {plan['interval_months']} months apart "
                    f"from {mine[0]['start']}")
            value = "; ".join(parts)
            given = any(p["source"] == "file" for p in f.get("plans", []))
            source = f"{'file' if given else 'default'} ({_PHASED_FIELDS})"
        else:
            value = "; ".join(
                f"{site}: {sum(p['gross_mw'] for p in phases if p['site'] == site):,.1f} MW "
                f"from {min(p['start'] for p in phases if p['site'] == site)}"
                for site in sites)
        rows.append({"name": f"strategy {f['name']}",
                     "value": f"{total:,.1f} MW: {value}", "unit": "-", "source": source})
    return rows


__all__ = [
    "CONTRACT_NO_FLOOR",
    "FINANCING_TERMS",
    "FLEET_TERMS",
    "HALL_FLOOR",
    "MINING_FLOOR",
    "PRE_TAX",
    "STRATEGY_MEANING",
    "debt_service_row",
    "financing_facts",
    "financing_rows",
    "fleet_rows",
    "halving_facts",
    "halving_rows",
    "hashrate_response_row",
    "price_center_row",
    "simulate_after_tax",
    "strategy_facts",
    "strategy_rows",
    "tax_row",
    "terminal_value_row",
    "tv_floor_text",
]
