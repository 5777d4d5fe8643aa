"""The tables of ``optimize`` built from its JSON result (``PlanResult.to_json``): the
plan, its value beside the simple strategies, the summary lines, the regulation rules and
the shadow prices. The CLI prints them and the dashboard shows them, so both give the
same numbers the same way (cheap to import: no pandas, no plotting).

Cells are plain text: a renderer adds its own emphasis and escaping.
"""

from __future__ import annotations

from typing import Any

from hashpivot.reports.tables.formats import compile_text, fmt_musd, fmt_num, is_number
from hashpivot.sampling_error import FEW_TAIL_PATHS, tail_size

#: Column headings of :func:`plan_rows` (a line break before a unit).
PLAN_HEADER = ("quarter", "site", "gross MW", "IT MW", "tenant", "capex\nM USD")
#: Column headings of :func:`value_rows`.
VALUE_HEADER = ("plan or strategy", "E[NPV]", "±", "of which TV", "CVaR95", "MW converted")
VALUE_TITLE = "Value on the same scenarios [M USD]"
VALUE_NOTE = ("NPV of unlevered FCF of the whole portfolio, terminal value (TV) included: "
              "the present value of what lies past the horizon ([pivot.terminal_value]); "
              "± = half-width of the 95 % sampling interval of E[NPV], a mean of the "
              "scenarios (1.96 s / sqrt(K); 4 times the scenarios halve it): another seed "
              "or simulate's paths give another mean within about it (a difference between "
              "two rows, on the same scenarios, is known better: the out-of-sample lines); "
              "the NPV is right-skewed (BTC's upside), so with few scenarios the ± is most "
              "often too small (keep-mining on examples/pivot-200mw.toml: its 95 % "
              "interval holds the mean in 65 % of runs of 6 scenarios, 90 % of 200); "
              "CVaR95 = mean of the worst 5 % of scenarios")
#: What the simple strategies of the value table convert (``optimize.strategies``).
SIMPLE_STRATEGIES_NOTE = (
    "simple strategies, each as fast as the build crews, tenants and rules allow: from the "
    "first quarter, each quarter filled up to build_mw_per_quarter with the offers open "
    "then (a tenant from its earliest_start, a site past a study delay or moratorium), "
    "the highest hosting value per MW first, within each tenant's IT MW and the site's "
    "convertible MW (a rule's cap), in whole blocks; budget and debt are not paced: a "
    "strategy they break is infeasible, with why; convert_all_now = every site's "
    "convertible MW (not pivot's convert_all: every convertible MW from the first month "
    "on the site's terms, no tenant or build limit, and as the rules allow from the "
    "first month they allow); convert_half_now = "
    "half of each site's; only_<site> = that site's alone; with committed conversions "
    "(`fixed_through`) keep_mining converts nothing and committed_only those alone"
)


def value_note(result: dict[str, Any]) -> str:
    """The value table's caption: :data:`VALUE_NOTE`, what the simple strategies convert
    and how the tenants sign: in each scenario, as likely as the file says (a hall whose
    tenant does not sign there is not built, its MW mine), with the scenarios each tenant
    signs in when the result records them; every tenant in a deterministic run."""
    inputs = result.get("assumptions") or {}
    tenants = inputs.get("tenants") or []
    if inputs.get("deterministic"):
        signing = "; every tenant signs (deterministic)"
    elif any(t.get("probability_signing", 1.0) < 1.0 for t in tenants):
        counts = [f"{t['name']} {t['scenarios_signed']}" for t in tenants
                  if "scenarios_signed" in t]
        signing = ("; tenants' signings are drawn per scenario (probability_signing): in a "
                   "scenario where a tenant does not sign, its halls are not built and "
                   "their MW keep mining"
                   + (f" (scenarios signed of {inputs['n_scenarios']}: "
                      + ", ".join(counts) + ")" if counts else ""))
    else:
        signing = ""
    return f"{VALUE_NOTE}; {SIMPLE_STRATEGIES_NOTE}{signing}"


#: The first cell of the plan's own row in :func:`value_rows`.
PLAN_LABEL = "optimized plan"
RULES_TITLE = (
    "Regulation rules that apply (binds: plan = it keeps out a start or MW this plan would "
    "take; value = it changes the plan's value (a fee, no fleet replacement), whether the "
    "plan would differ without it is not tested; no = neither)"
)
SHADOW_TITLE = "Shadow prices (LP relaxation)"
SHADOW_HEADER = ("limit", "at", "price", "unit")


def plan_title(inputs: dict[str, Any]) -> str:
    """The plan table's title: scenarios, quarters, risk aversion, block size."""
    if inputs.get("deterministic"):
        what = "deterministic (the central path, every volatility zero, every tenant signing)"
    else:
        what = f"{inputs['n_scenarios']} scenarios"
    return (
        f"Plan: {what}, {inputs['quarters'][0]}.."
        f"{inputs['quarters'][1]}, risk aversion {inputs['risk_aversion']:g}, blocks of "
        f"{inputs['unit_mw']:g} MW"
    )


def plan_notes(result: dict[str, Any]) -> list[str]:
    """Beside the plan table: where HiGHS stopped before proving the plan optimal (its
    time limit), the plan is the best it found, with the gap, the plan's objective and
    the most any plan reaches (the bound) [M USD]; none when proven optimal."""
    if result.get("status", "ok") == "ok":
        return []
    bound = result.get("objective_bound_usd")
    return [f"the plan is the best found in {result['solve_seconds']:.1f} s, not proven "
            f"optimal (HiGHS stopped at {result['termination_condition']}): gap "
            f"{100 * result['mip_gap']:.2f} %; objective {fmt_musd(result['objective_usd'])} "
            f"M USD, bound {fmt_musd(bound) if is_number(bound) else '-'} M USD (no plan "
            "does better); raise `time_limit_s` to close the gap"]


def plan_rows(result: dict[str, Any]) -> list[tuple[str, str, str, str, str, str]]:
    """One row per conversion (quarter, site, gross MW, IT MW, tenant, capex [M USD]); a
    single "keep mining everywhere" row when the plan converts nothing."""
    rows = [
        (str(r["quarter"]) + (" (committed)" if r["committed"] else ""), str(r["site"]),
         fmt_num(r["gross_mw"], ",.0f"), fmt_num(r["it_mw"], ",.1f"), str(r["tenant"]),
         fmt_musd(r["operator_capex_usd"]))
        for r in result["plan"]
    ]
    return rows or [("-", "keep mining everywhere", "0", "0", "-", "-")]


def value_rows(result: dict[str, Any]) -> list[tuple[str, str, str, str, str, str]]:
    """The plan (first row, :data:`PLAN_LABEL`) and each simple strategy: E[NPV], the
    half-width of its 95 % sampling interval, the terminal value in it and CVaR95
    [M USD] and MW converted; an infeasible strategy says so. A plan stored before
    terminal values or sampling errors shows ``-`` for them."""
    plan_mw = sum(float(r["gross_mw"]) for r in result["plan"])
    rows = [(PLAN_LABEL, fmt_musd(result["expected_npv_usd"]),
             fmt_musd(result.get("expected_npv_ci95_half_usd")),
             fmt_musd(result.get("expected_terminal_value_usd")),
             fmt_musd(result["cvar95_usd"]), fmt_num(plan_mw, ",.0f"))]
    rows += [
        (name, fmt_musd(s["expected_npv_usd"]) if s["feasible"] else "infeasible",
         fmt_musd(s.get("expected_npv_ci95_half_usd")) if s["feasible"] else "-",
         fmt_musd(s.get("expected_terminal_value_usd")) if s["feasible"] else "-",
         fmt_musd(s["cvar95_usd"]), fmt_num(s["converted_mw"], ",.0f"))
        for name, s in result["strategies"].items()
    ]
    return rows


def summary_lines(result: dict[str, Any]) -> list[str]:
    """Value over keep-mining and the best simple strategy, out of sample, VSS, EVPI and
    the two-stage bound, and the solver's report."""
    j = result
    oos = j["out_of_sample_npv_usd"]
    paired = j["out_of_sample_value_over_baseline_usd"]
    tv = j.get("expected_terminal_value_usd")
    tv_base = j.get("expected_terminal_value_baseline_usd")
    horizon = (  # the same value without what lies past the horizon: it can flip the verdict
        f" (to the horizon, without the terminal value: "
        f"{fmt_musd(j['value_over_baseline_usd'] - tv + tv_base)})"
        if tv is not None and tv_base is not None else ""
    )
    out_of_sample = [
        f"out of sample ({oos['n_scenarios']} scenarios, another seed): E[NPV] "
        f"{fmt_musd(oos['mean'])} M USD, 95 % CI {fmt_musd(oos['ci95_low'])} .. "
        f"{fmt_musd(oos['ci95_high'])}; in sample {fmt_musd(j['expected_npv_usd'])}",
        f"value over keep-mining out of sample (paired): {fmt_musd(paired['mean'])} M USD, "
        f"95 % CI {fmt_musd(paired['ci95_low'])} .. {fmt_musd(paired['ci95_high'])}; in "
        f"sample {fmt_musd(j['in_sample_value_over_baseline_usd'])}",
        *cvar_lines(j),
        *sampling_lines(j),
    ]
    objective = objective_cvar_lines(j)
    if (j.get("assumptions") or {}).get("deterministic"):
        out_of_sample = ["no out-of-sample estimate: a deterministic run values one "
                         "scenario, every volatility zero"]
    infeasible = [f"{name} is infeasible: {s['infeasible_reason']}"
                  for name, s in j["strategies"].items()
                  if not s["feasible"] and s.get("infeasible_reason")]
    return [
        *infeasible,
        f"value over keep-mining {fmt_musd(j['value_over_baseline_usd'])} M USD{horizon}; "
        f"over the best simple strategy ({j['best_simple_strategy']}) "
        f"{fmt_musd(j['value_over_best_simple_usd'])} M USD",
        *out_of_sample,
        *center_path_lines(j),
        f"VSS {fmt_musd(j['vss_usd'])} M USD (vs the plan optimal on the expected scenario); "
        f"EVPI {fmt_musd(j['evpi_usd'])} M USD; two-stage bound (decide after year one per "
        f"path, LP relaxation) {fmt_musd(j['two_stage_bound_usd'])} M USD vs objective "
        f"{fmt_musd(j['objective_usd'])}",
        *objective,
        f"HiGHS {j['solver']}: {j['termination_condition']}, gap {100 * j['mip_gap']:.3f} %, "
        f"{j['n_variables']:,} variables, {j['n_constraints']:,} rows; coefficients "
        f"{j['coefficient_seconds']:.2f} s{compile_text(j.get('compile_seconds'))}, build "
        f"{j['build_seconds']:.3f} s, solve "
        f"{j['solve_seconds']:.2f} s",
        *timing_lines(j),
    ]


#: The evaluation's parts in :func:`timing_lines`, by ``timing_seconds`` key.
_TIMED = (("plan_solve", "plan solve"), ("strategies", "simple strategies"),
          ("expected_value_plan", "expected-value plan"), ("evpi", "EVPI"),
          ("two_stage_bound", "two-stage bound"))


def timing_lines(result: dict[str, Any]) -> list[str]:
    """Where the run's time went [s]: the whole run, the scenarios' coefficients, the
    plan's solve, each part of the evaluation and the rest of it (out of sample, the
    pivot check, the shadow prices); none for a result stored before it."""
    t = result.get("timing_seconds") or {}
    if "total" not in t:
        return []
    parts = ", ".join(f"{label} {t[key]:.2f} s" for key, label in _TIMED)
    rest = t["evaluation"] - sum(t[k] for k, _ in _TIMED[1:])
    return [f"run {t['total']:.1f} s: coefficients {t['coefficients']:.2f} s, {parts}, the "
            "rest of the evaluation (out of sample, the pivot check, shadow prices) "
            f"{rest:.2f} s"]


def objective_cvar_lines(result: dict[str, Any]) -> list[str]:
    """The CVaR the objective weighs when ``[optimize] cvar_alpha`` is not 0.05 (the
    tables' CVaR95 is then another tail): its alpha, the scenarios it averages and the
    plan's value of it; none at 0.05, without risk aversion or for a result stored
    before it."""
    inputs = result.get("assumptions") or {}
    if ("objective_cvar_usd" not in result or not is_number(inputs.get("cvar_alpha"))
            or not is_number(inputs.get("risk_aversion"))):
        return []
    alpha, lam = float(inputs["cvar_alpha"]), float(inputs["risk_aversion"])
    if lam <= 0 or abs(alpha - 0.05) < 1e-12:
        return []
    k = int(inputs["n_scenarios"])
    return [f"the objective weighs the CVaR at [optimize] cvar_alpha {alpha:g}, the mean of "
            f"the worst {tail_size(k, alpha)} of {k} scenarios: "
            f"{fmt_musd(result['objective_cvar_usd'])} M USD for the plan in sample "
            f"(objective = {1.0 - lam:g} E[NPV] + {lam:g} x that; the tables' CVaR95 is the "
            "mean of the worst 5 %)"]


def cvar_name(alpha: float) -> str:
    """A CVaR's label by its tail: ``CVaR95`` at ``alpha`` 0.05, ``CVaR90`` at 0.1,
    ``CVaR97.5`` at 0.025 (the mean of the worst ``alpha`` of the scenarios)."""
    return f"CVaR{100.0 * (1.0 - alpha):.10g}"


def cvar_lines(result: dict[str, Any]) -> list[str]:
    """The plan's and keep-mining's CVaR out of sample at the tail the plan was chosen for
    (``[optimize] cvar_alpha``, labelled by it), each with its 95 % interval, and their
    difference (paired on the same paths), beside the plan's in-sample CVaR of the same
    tail; none for a result stored before them (one stored before the tail followed
    ``cvar_alpha`` holds CVaR95)."""
    c = result.get("out_of_sample_cvar_usd") or result.get("out_of_sample_cvar95_usd")
    if not c or not c.get("n_scenarios"):
        return []
    alpha = float(c.get("alpha", 0.05))
    at_5 = abs(alpha - 0.05) < 1e-12
    in_sample = result["cvar95_usd"] if at_5 else result["objective_cvar_usd"]
    tail = "" if at_5 else f"[optimize] cvar_alpha {alpha:g}: "

    def pm(value: Any, half: Any) -> str:  # no interval (one path in the tail): none
        return fmt_musd(value) + (f" ± {fmt_musd(half)}" if is_number(half) else "")

    line = (f"{cvar_name(alpha)} out of sample ({tail}mean of the worst {c['tail_paths']} "
            f"of {c['n_scenarios']} paths): plan {pm(c['plan'], c['plan_ci95_half'])} M USD, "
            f"keep-mining {pm(c['baseline'], c['baseline_ci95_half'])}; plan minus "
            f"keep-mining {pm(c['difference'], c['difference_ci95_half'])} (paired); in "
            f"sample {fmt_musd(in_sample)}")
    if c["tail_paths"] < FEW_TAIL_PATHS:
        line += (f"; with {c['tail_paths']} paths in the tail these intervals are too "
                 "narrow (asymptotic): run more scenarios (`oos_scenarios`)")
    return [line]


def sampling_lines(result: dict[str, Any]) -> list[str]:
    """What the out-of-sample check says of the plan's value over keep-mining: a gain, a
    loss or not significant, and whether the plan is fitted to its scenarios (none for a
    result stored before the check or without an interval)."""
    s = result.get("sampling_check") or {}
    verdict = s.get("verdict")
    if verdict is None:
        return []
    n = s["n_in_sample"]
    more = (f"run more scenarios before acting on it (4 times as many, {4 * n:,}, halve the "
            "interval)")
    lines = [{
        "gain": "out of sample the plan beats keep-mining (the 95 % interval of its value "
                "over keep-mining lies above 0)",
        "loss": "warning: out of sample the plan loses to keep-mining (the 95 % interval "
                f"of its value over keep-mining lies below 0): {more}",
        "not significant": "warning: out of sample the plan's value over keep-mining is not "
                           "significant (its 95 % interval contains 0): the plan may not "
                           f"beat keep-mining; {more}",
    }[verdict]]
    if s.get("fitted"):
        lines.append(
            f"warning: in sample the plan's value over keep-mining is "
            f"{fmt_musd(s['optimism_usd'])} M USD above the out-of-sample value (more than "
            f"1.96 standard errors of {fmt_musd(s['optimism_se_usd'])}): the plan is "
            f"fitted to its {n} scenarios; {more}")
    return lines


def center_path_lines(result: dict[str, Any]) -> list[str]:
    """The plan's value over keep-mining on the central path in the optimizer and in
    ``pivot`` on the plan portfolio (none for a result stored before the check)."""
    c = result.get("center_path_check") or {}
    if "optimizer_value_over_keep_usd" not in c:
        return []
    if "npv_with_tv_vs_keep_usd" not in c:
        return [
            "on the central path (every volatility zero, every tenant signing): the plan "
            f"adds {fmt_musd(c['optimizer_value_over_keep_usd'])} M USD over keep-mining "
            f"here; pivot could not value its plan portfolio: {c.get('pivot_error')}"
        ]
    tax = c.get("npv_after_tax_with_tv_vs_keep_usd")
    after_tax = f"; after tax {fmt_musd(tax)}" if tax is not None else ""
    lines = [
        "on the central path (every volatility zero, every tenant signing): the plan adds "
        f"{fmt_musd(c['optimizer_value_over_keep_usd'])} M USD over keep-mining here, "
        f"{fmt_musd(c['npv_with_tv_vs_keep_usd'])} in pivot on its plan portfolio (to the "
        f"horizon {fmt_musd(c['npv_vs_keep_usd'])}{after_tax})"
    ]
    if c.get("optimizer_expected_over_signings_usd") is not None:
        lines.append(
            "with each tenant signing as likely as the file says: "
            f"{fmt_musd(c['optimizer_expected_over_signings_usd'])} M USD here, "
            f"{fmt_musd(c.get('expected_npv_with_tv_vs_keep_usd'))} in pivot's expected "
            "value over the signings"
        )
    return lines


#: A row of :func:`rule_rows`: a site's heading (``site`` set, the rest empty) or a rule
#: (``site`` None): rule id, binds (``plan``, ``value`` or ``no``), what it does and what in
#: the plan (``what; detail``), source number.
RuleRow = tuple[str | None, str, str, str, int]


def rule_rows(rules: list[dict[str, Any]]) -> tuple[list[RuleRow], dict[str, int]]:
    """The rules that apply (``result["applicable_rules"]``), grouped by site, with their
    sources numbered once.

    Returns
    -------
    rows : list of RuleRow
    sources : dict
        Source text -> its number, in order of first use.
    """
    sources: dict[str, int] = {}
    rows: list[RuleRow] = []
    site = None
    for rule in rules:
        if rule["site"] != site:
            site = rule["site"]
            rows.append((str(site), "", "", "", 0))
        number = sources.setdefault(str(rule["source"]), len(sources) + 1)
        on = rule.get("binds_on", "yes" if rule["binds"] else "")  # (runs before binds_on)
        # what the rule does (pivot's words; runs before it lack them), what in the plan
        said = "; ".join(str(t) for t in (rule.get("what"), rule["detail"]) if t)
        rows.append((None, str(rule["rule_id"]), str(on) or "no", said, number))
    return rows, sources


def shadow_rows(result: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Shadow prices of the limits (LP relaxation): limit, where, price, unit."""
    return [(str(sp["limit"]), str(sp["label"]), fmt_num(sp["shadow_price"], ",.3g"),
             str(sp["unit"])) for sp in result.get("shadow_prices") or []]


__all__ = [
    "PLAN_HEADER",
    "PLAN_LABEL",
    "RULES_TITLE",
    "SHADOW_HEADER",
    "SHADOW_TITLE",
    "SIMPLE_STRATEGIES_NOTE",
    "VALUE_HEADER",
    "VALUE_NOTE",
    "VALUE_TITLE",
    "RuleRow",
    "plan_notes",
    "plan_rows",
    "plan_title",
    "rule_rows",
    "shadow_rows",
    "summary_lines",
    "timing_lines",
    "value_note",
    "value_rows",
]
