"""An optimized plan as a portfolio file that ``pivot`` and ``simulate`` value.

:func:`plan_portfolio_document` writes a plan's conversions into the portfolio as it was
given: each site's ``[sites.hosting] phases`` are the plan's halls (start month, gross MW,
tenant, the tenant's lease terms where it has its own and its probability of signing
below 1), ``[pivot] strategies`` is
``["phased"]``, ``[pivot] start`` and ``horizon_years`` the plan's. ``hashpivot pivot`` on it
values the plan against keep-mining (after tax with ``[pivot.tax]``, its tornado and
break-even lease), ``hashpivot simulate`` its risk and treasury (forced sales). On one
scenario with every volatility zero, pivot's NPV of the ``phased`` strategy is the plan's
NPV in the optimizer (``tests/optimize/test_plan_portfolio.py``).

:func:`plan_portfolio_notes` lists what the optimizer valued that those engines do not
(tenants' signing probabilities, the order machines are displaced in), written at the head
of the file by :func:`plan_portfolio_toml`. (A ``[sites.dispatch]`` site's flexibility is
valued by all three: :mod:`hashpivot.engines.pivot.uplift.curve`; the regulation rules
too: a rule's fee is paid and a fleet where no new mining is allowed kept by all three.)
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hashpivot.models.hosting import LEASE_TERM_FIELDS
from hashpivot.models.loader import document_to_toml

if TYPE_CHECKING:
    from hashpivot.models import Portfolio

#: The file name ``optimize --out`` writes the plan portfolio to.
PLAN_PORTFOLIO_FILE = "plan_portfolio.toml"


def plan_portfolio_document(
    portfolio: Portfolio, plan: Sequence[Mapping[str, Any]], horizon_years: int,
    base_dir: Path | None = None, name: str | None = None, start: str | None = None,
) -> dict[str, Any]:
    """The portfolio as its document sets it, with the plan as each site's phases.

    Parameters
    ----------
    portfolio : Portfolio
        The portfolio the plan was optimized on.
    plan : sequence of mapping
        The plan's rows (``site``, ``start_month``, ``gross_mw`` [MW], ``tenant``) in
        order of start: ``PlanResult.plan`` as records, or the ``plan`` of its JSON.
    horizon_years : int
        The plan's horizon. [year]
    base_dir : pathlib.Path, optional
        Folder of the portfolio file: relative ``*_file`` names are made absolute against
        it, so the document reads the same files wherever it is written.
    name : str, optional
        The document's ``name`` (default: the portfolio's).
    start : str, optional
        The plan's first month, 'YYYY-MM', written as ``[pivot] start`` so that the halls
        keep their months after a data update moves the default start.

    Returns
    -------
    dict
        A portfolio document (JSON-safe): sites with plan rows get them as
        ``hosting.phases``; the other sites that may convert get ``phased_tranches = 0``
        (no conversion in ``phased``); ``pivot.strategies = ["phased"]``.
    """
    doc = copy.deepcopy(portfolio.model_dump(mode="json", exclude_unset=True))
    tenants = {t.name: t for t in (portfolio.optimize.tenants if portfolio.optimize else [])}
    rows: dict[str, list[dict[str, Any]]] = {}
    for r in plan:
        hall: dict[str, Any] = {"start": str(r["start_month"]), "gross_mw": float(r["gross_mw"])}
        tenant = tenants.get(str(r["tenant"]))
        if tenant is not None:  # a tenant of the pipeline: its name and lease terms
            hall["tenant"] = tenant.name
            hall |= {f: float(getattr(tenant, f)) for f in LEASE_TERM_FIELDS}
            if tenant.probability_signing < 1.0:
                hall["probability_signing"] = float(tenant.probability_signing)
        rows.setdefault(str(r["site"]), []).append(hall)
    # the sites pivot converts: those with a [sites.hosting] table, or all when none has
    any_hosting = any(s.hosting is not None for s in portfolio.sites)
    for site, s in zip(doc["sites"], portfolio.sites, strict=True):
        if any_hosting and s.hosting is None:
            continue
        hosting = site.setdefault("hosting", {})
        hosting["phases"] = rows.get(s.name, [])
        if not hosting["phases"]:
            hosting["phased_tranches"] = 0
    pivot = doc.setdefault("pivot", {})
    pivot["strategies"] = ["phased"]
    pivot["horizon_years"] = int(horizon_years)
    if start is not None:
        pivot["start"] = str(start)
    if base_dir is not None:
        _absolute_files(doc, base_dir)
    if name is not None:
        doc["name"] = name
    return doc


def _absolute_files(obj: Any, base_dir: Path) -> None:
    """Make every relative ``*_file`` name of a document absolute against ``base_dir``."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k.endswith("_file") and isinstance(v, str) and not Path(v).is_absolute():
                obj[k] = str((base_dir / v).resolve())
            else:
                _absolute_files(v, base_dir)
    elif isinstance(obj, list):
        for v in obj:
            _absolute_files(v, base_dir)


def plan_portfolio_notes(results: Mapping[str, Any]) -> list[str]:
    """What the optimizer valued in the plan that ``pivot`` and ``simulate`` on the plan
    portfolio do not, one sentence each, from the plan's JSON (``PlanResult.to_json()``:
    its ``plan`` and ``assumptions``)."""
    inputs = results.get("assumptions") or {}
    deterministic = bool(inputs.get("deterministic"))
    seed, chunk = inputs.get("seed"), inputs.get("chunk_scenarios")
    n = inputs.get("n_scenarios")
    # simulate draws the optimizer's scenarios with its seed, chunk size and count (a test)
    theirs = ("" if deterministic or None in (seed, chunk, n) else
              f" (with the optimizer's seed, {seed}, its chunk size, {chunk} paths, and "
              f"{n} paths, the optimizer's scenarios; other settings draw other paths of the "
              "same law)")
    notes = [
        "pivot values the plan on the central market path, simulate on Monte Carlo "
        f"paths{theirs}; " + (
            "the optimizer valued it on one deterministic scenario (the central path, "
            "every tenant signing)" if deterministic else
            "the optimizer's expected NPV averages its "
            f"{inputs.get('n_scenarios', 'in-sample')} scenarios")
    ]
    planned = {str(r["tenant"]) for r in results.get("plan", [])}
    unsure = [t["name"] for t in inputs.get("tenants", [])
              if t.get("probability_signing", 1.0) < 1.0 and t["name"] in planned]
    if unsure:
        same = ("" if seed is None or chunk is None else
                f" (simulate on this file with the optimizer's seed, {seed}, and its "
                f"chunk size, {chunk} paths, runs the optimizer's scenarios, each tenant "
                "signing on the same ones)")
        notes.append(
            f"the halls for {', '.join(unsure)} carry the tenant's probability_signing: "
            + ("the optimizer (deterministic) had every tenant sign; simulate draws the "
               "signings per path" if deterministic else
               "simulate draws the signings per path as the optimizer draws them per "
               f"scenario{same}")
            + "; pivot's table builds every hall (as if the tenant signs) and a line "
            "under it gives the expected NPV over the signings"
        )
        c = results.get("center_path_check") or {}
        here = c.get("optimizer_expected_over_signings_usd")
        there = c.get("expected_npv_with_tv_vs_keep_usd")
        if here is not None and there is not None:
            gap = (here - there) / 1e6
            why = ("equal: the signings do not interact here" if abs(gap) < 0.05 else
                   f"difference {gap:+,.1f}: the optimizer's value is linear in the "
                   "signings (each hall displaces the same machines whoever else signs), "
                   "pivot values each outcome of the signings as a strategy of its own")
            notes.append(
                "with each tenant signing as likely as the file says, on the central path "
                f"the plan adds {here / 1e6:,.1f} M USD over keep-mining in the optimizer "
                f"and {there / 1e6:,.1f} in pivot on this file ({why})"
            )
    return notes


def pivot_value_of_plan(
    portfolio: Portfolio, plan: Sequence[Mapping[str, Any]], horizon_years: int,
    start: str | None = None, source: str = "",
) -> dict[str, float | None]:
    """``pivot``'s value of the plan over keep-mining on its central path: ``run_pivot`` on
    :func:`plan_portfolio_document` (its ``phased`` strategy against ``keep_mining``), its
    relative ``*_file`` names (the rules file) read against the folder of ``source``, the
    portfolio file (the working folder without one).

    Returns
    -------
    dict
        ``npv_vs_keep_usd`` (to the horizon), ``npv_with_tv_vs_keep_usd``, with
        ``[pivot.tax]`` ``npv_after_tax_with_tv_vs_keep_usd`` (else None) and, when a
        planned tenant may not sign, ``expected_npv_with_tv_vs_keep_usd``: the expected
        value over the signings (:mod:`hashpivot.engines.pivot.signing`; else None). [USD]
    """
    from hashpivot.engines.pivot import run_pivot
    from hashpivot.models import Portfolio as PortfolioModel
    from hashpivot.models import validate_data

    base_dir = Path(source).resolve().parent if source else None
    doc = plan_portfolio_document(portfolio, plan, horizon_years, base_dir, start=start)
    res = run_pivot(validate_data(PortfolioModel, doc, "the plan portfolio"))
    keep, plan_value = res.strategies[0], res.strategies[1]
    after_tax = (plan_value.npv_after_tax_with_terminal_value_usd
                 - keep.npv_after_tax_with_terminal_value_usd)
    return {
        "npv_vs_keep_usd": plan_value.npv_usd - keep.npv_usd,
        "npv_with_tv_vs_keep_usd": (plan_value.npv_with_terminal_value_usd
                                    - keep.npv_with_terminal_value_usd),
        "npv_after_tax_with_tv_vs_keep_usd": after_tax if math.isfinite(after_tax) else None,
        "expected_npv_with_tv_vs_keep_usd": (
            None if plan_value.signing is None
            else plan_value.signing["expected_npv_with_terminal_value_usd_vs_baseline"]),
    }


def plan_portfolio_toml(portfolio: Portfolio, results: Mapping[str, Any],
                        source: str | None = None, name: str | None = None,
                        origin: str | None = None) -> str:
    """The plan portfolio as TOML, headed by comments: where it comes from, how to value
    it and :func:`plan_portfolio_notes`.

    Parameters
    ----------
    portfolio : Portfolio
        The portfolio the plan was optimized on.
    results : mapping
        The plan's JSON (``PlanResult.to_json()``, or a stored run's results).
    source : str, optional
        The portfolio file (relative ``*_file`` names are resolved against its folder).
    name : str, optional
        The document's ``name`` (default: the portfolio's).
    origin : str, optional
        Where the plan comes from, for the header (default: the command on ``source``).
    """
    inputs = results["assumptions"]
    plan = list(results["plan"])
    doc = plan_portfolio_document(
        portfolio, plan, int(inputs["horizon_months"]) // 12,
        Path(source).resolve().parent if source else None, name, inputs.get("start"),
    )
    origin = origin or f"`hashpivot optimize {source or '<portfolio>'}`"
    head = [
        f"# The plan of {origin} (seed "
        f"{inputs.get('seed')}): {len(plan)} conversions as [sites.hosting] phases, "
        "the 'phased' strategy.",
        "#   hashpivot pivot <this file>     values it against keep-mining (after tax "
        "with [pivot.tax], tornado, break-even lease)",
        "#   hashpivot simulate <this file>  its risk and treasury (forced sales)",
        "# Not valued by pivot and simulate as by the optimizer:",
        *(f"# - {n}" for n in plan_portfolio_notes(results)),
    ]
    return "\n".join(head) + "\n\n" + document_to_toml(doc)


__all__ = [
    "PLAN_PORTFOLIO_FILE",
    "pivot_value_of_plan",
    "plan_portfolio_document",
    "plan_portfolio_notes",
    "plan_portfolio_toml",
]
