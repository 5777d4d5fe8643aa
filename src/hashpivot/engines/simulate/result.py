"""The result of a run: :class:`SimulationResult`, its per-strategy statistics and JSON."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hashpivot.engines.simulate.assumptions import resolved_assumptions
from hashpivot.engines.simulate.task import BASELINE, FloatArray
from hashpivot.risk_measures import cvar
from hashpivot.sampling_error import (
    ci95_half,
    cvar_ci95_half,
    quantile_ci95_half,
    share_ci95_half,
)
from hashpivot.treasury.totals import TreasuryTotals

#: What the liquidity metrics say when the portfolio has no ``[treasury]`` table.
NO_TREASURY_NOTE = (
    "no treasury given: add [treasury] (btc_held, cash_usd, min_cash_usd, debt) for "
    "liquidity breaches and forced sales"
)


@dataclass
class SimulationResult:
    """Everything a run produces, with its resolved inputs echoed.

    Attributes
    ----------
    periods : pandas.PeriodIndex
        Simulated months.
    strategy_names : list of str
        Strategies, the baseline ``keep_mining`` first when present.
    npv_usd : dict
        Strategy -> NPV of every path, shape (n_paths,). [USD]
    deterministic_npv_usd : dict
        Strategy -> NPV on the center path (all volatilities zero). [USD]
    treasury : dict
        (strategy, policy) -> treasury totals over the paths (:class:`TreasuryTotals`).
    policies : tuple of str
        Policies run; the first is the main one.
    prob_reverse_margin_direct, prob_reverse_margin_total : ndarray, shape (n_periods,)
        Share of paths in reverse margin each month (keep-mining baseline). [-]
    fan : dict
        Name -> quantiles (len(FAN_QUANTILES), n_periods) of ``btc_price_usd``,
        ``hashprice_usd_per_ph_day``, ``power_price_usd_per_mwh`` (the index price of
        the first index site's market), ``power_price_usd_per_mwh:<node>`` (each other
        market node with a process of its own, ``iso:point``) and
        ``cash_usd:<strategy>`` (main policy).
    mean_cash_flow_usd : dict
        Strategy -> mean over paths of the NPV cash flow per month. [USD]
    inputs : dict
        Resolved settings, calibration and model parameters (JSON-ready).
    timings_s : dict
        Wall-clock seconds of ``setup``, ``chunks`` and ``combine``, and ``compile``:
        numba compiling its kernels in this process within ``chunks`` (a first run; 0
        once they are cached; a Dask worker's is not seen). [s]
    npv_with_terminal_value_usd : dict
        Strategy -> NPV plus the present value of the terminal value
        (``[pivot.terminal_value]``), per path; empty for levered runs. [USD]
    deterministic_npv_with_terminal_value_usd : dict
        The same on the center path. [USD]
    npv_after_tax_usd : dict
        Strategy -> NPV minus the present value of the income tax (``[pivot.tax]``,
        :mod:`~hashpivot.engines.simulate.valuation`), per path; empty when pre-tax. [USD]
    deterministic_npv_after_tax_usd : dict
        The same on the center path. [USD]
    warnings : list of str
        Notes on the run (e.g. paths below the marginal fleet's cost for more than a year
        with ``hashrate_response = "margin"``); in the JSON only when there are some.
    """

    periods: pd.PeriodIndex
    strategy_names: list[str]
    npv_usd: dict[str, FloatArray]
    deterministic_npv_usd: dict[str, float]
    treasury: dict[tuple[str, str], TreasuryTotals]
    policies: tuple[str, ...]
    prob_reverse_margin_direct: FloatArray
    prob_reverse_margin_total: FloatArray
    fan: dict[str, FloatArray]
    mean_cash_flow_usd: dict[str, FloatArray]
    inputs: dict[str, Any] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)
    npv_with_terminal_value_usd: dict[str, FloatArray] = field(default_factory=dict)
    deterministic_npv_with_terminal_value_usd: dict[str, float] = field(default_factory=dict)
    npv_after_tax_usd: dict[str, FloatArray] = field(default_factory=dict)
    deterministic_npv_after_tax_usd: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def n_paths(self) -> int:
        """Number of paths. [-]"""
        return int(next(iter(self.npv_usd.values())).size)

    @property
    def baseline(self) -> str | None:
        """Name of the keep-mining baseline, if it was simulated."""
        return BASELINE if BASELINE in self.npv_usd else None

    def strategy_stats(self, name: str) -> dict[str, float]:
        """Summary of one strategy's NPV distribution and treasury (main policy).

        Returns
        -------
        dict
            ``npv_mean_usd, npv_p5_usd, npv_p50_usd, npv_p95_usd, var95_usd, cvar95_usd,
            npv_deterministic_usd, prob_beats_baseline, npv_vs_baseline_mean_usd,
            npv_vs_baseline_p5_usd``; the Monte Carlo error of the three means
            (:func:`hashpivot.sampling_error.ci95_half`): ``npv_mean_ci95_half_usd``,
            ``prob_beats_baseline_ci95_half``, ``npv_vs_baseline_mean_ci95_half_usd``;
            of P5, ``npv_p5_ci95_half_usd`` (half the order-statistic interval,
            :func:`~hashpivot.sampling_error.quantile_ci95_half`), and of CVaR95,
            ``cvar95_ci95_half_usd``
            (:func:`~hashpivot.sampling_error.cvar_ci95_half`), [USD];
            with terminal value ``npv_with_tv_mean_usd``, ``_p5_usd``, ``_p50_usd``,
            ``_deterministic_usd`` and
            ``prob_beats_baseline_with_tv``, the first two and the last with their
            Monte Carlo errors (``npv_with_tv_mean_ci95_half_usd``,
            ``npv_with_tv_p5_ci95_half_usd``, ``prob_beats_baseline_with_tv_ci95_half``)
            and the mean gain over keep-mining with its error
            (``npv_with_tv_vs_baseline_mean_usd``, ``..._ci95_half_usd``);
            with ``[pivot.tax]`` the same for ``npv_after_tax``
            (``prob_beats_baseline_after_tax``); plus the treasury
            metrics of
            :meth:`TreasuryTotals.metrics`.
        """
        x = self.npv_usd[name]
        p5, p50, p95 = (float(v) for v in np.percentile(x, [5, 50, 95]))
        out: dict[str, float] = {
            "npv_mean_usd": float(x.mean()),
            "npv_mean_ci95_half_usd": ci95_half(x),
            "npv_p5_usd": p5,
            "npv_p5_ci95_half_usd": quantile_ci95_half(x, 0.05),
            "npv_p50_usd": p50,
            "npv_p95_usd": p95,
            "var95_usd": p5,
            "cvar95_usd": cvar(x, 0.05),
            "cvar95_ci95_half_usd": cvar_ci95_half(x, 0.05),
            "npv_deterministic_usd": self.deterministic_npv_usd.get(name, float("nan")),
        }
        base = self.baseline
        if base is not None:
            b = self.npv_usd[base]
            out.update(_against_baseline(x, b, name == base, "prob_beats_baseline",
                                         "npv_vs_baseline_mean"))
            out["npv_vs_baseline_p5_usd"] = float(np.percentile(x - b, 5))
        else:
            out["prob_beats_baseline"] = float("nan")
        for key, per_path, det in (
            ("npv_with_tv", self.npv_with_terminal_value_usd,
             self.deterministic_npv_with_terminal_value_usd),
            ("npv_after_tax", self.npv_after_tax_usd, self.deterministic_npv_after_tax_usd),
        ):
            out.update(_variant_stats(key, name, base, per_path, det))
        metrics = self.treasury[(name, self.policies[0])].metrics()
        if not self.treasury_given:
            # No [treasury]: a zero-cash default would report a 100 % "breach" that says
            # nothing about the strategy; the liquidity figures are undefined instead.
            metrics = {k: float("nan") for k in metrics}
        out.update(metrics)
        return out

    def resolved_assumptions(self) -> list[dict[str, Any]]:
        """The assumptions that can flip the verdict, each with where it came from
        (:func:`~hashpivot.engines.simulate.assumptions.resolved_assumptions`)."""
        return resolved_assumptions(self.inputs)

    @property
    def treasury_given(self) -> bool:
        """Whether the portfolio has a ``[treasury]`` (else liquidity metrics are NaN)."""
        return bool(self.inputs.get("treasury_given", True))

    def forced_sales_by_policy(self) -> dict[str, dict[str, float]]:
        """Expected BTC sold under duress: strategy -> policy -> BTC (NaN without a
        ``[treasury]``). [BTC]"""
        if not self.treasury_given:
            return {s: {p: float("nan") for p in self.policies} for s in self.strategy_names}
        return {
            s: {
                p: self.treasury[(s, p)].expected_forced_sale_btc
                for p in self.policies
            }
            for s in self.strategy_names
        }

    def to_json(self) -> dict[str, Any]:
        """One JSON-ready object: per-strategy figures, reverse margin, inputs."""

        def clean(v: float) -> float | None:
            return None if not math.isfinite(v) else v

        strategies = {
            n: {k: clean(v) for k, v in self.strategy_stats(n).items()}
            for n in self.strategy_names
        }
        return {
            "n_paths": self.n_paths,
            "treasury_note": None if self.treasury_given else NO_TREASURY_NOTE,
            "periods": [str(self.periods[0]), str(self.periods[-1])],
            "main_policy": self.policies[0],
            "strategies": strategies,
            "forced_sale_btc_by_policy": self.forced_sales_by_policy(),
            "prob_reverse_margin_direct_by_month": {
                str(p): float(v)
                for p, v in zip(self.periods, self.prob_reverse_margin_direct, strict=True)
            },
            "prob_reverse_margin_total_by_month": {
                str(p): float(v)
                for p, v in zip(self.periods, self.prob_reverse_margin_total, strict=True)
            },
            "resolved_assumptions": self.resolved_assumptions(),
            "inputs": self.inputs,
            "timings_s": self.timings_s,
            **({"warnings": list(self.warnings)} if self.warnings else {}),
        }


def _variant_stats(
    key: str,
    name: str,
    base: str | None,
    per_path: dict[str, FloatArray],
    deterministic: dict[str, float],
) -> dict[str, float]:
    """Mean, P5, P50, deterministic value and P(beats the baseline) of one NPV variant
    (with terminal value, after tax), keyed ``{key}_mean_usd`` ... and
    ``prob_beats_baseline_{suffix}``, with the Monte Carlo error of the mean, of P5 and of
    the probability as for the NPV (``{key}_mean_ci95_half_usd``,
    ``{key}_p5_ci95_half_usd``, ``prob_beats_baseline_{suffix}_ci95_half``) and, with a
    baseline, the mean gain over it on the same paths with its error
    (``{key}_vs_baseline_mean_usd``, ``{key}_vs_baseline_mean_ci95_half_usd``); empty
    when the run has no such variant."""
    x = per_path.get(name)
    if x is None:
        return {}
    p5, p50 = (float(v) for v in np.percentile(x, [5, 50]))
    b = per_path.get(base) if base is not None else None
    suffix = {"npv_with_tv": "with_tv", "npv_after_tax": "after_tax"}[key]
    out = {
        f"{key}_mean_usd": float(x.mean()),
        f"{key}_mean_ci95_half_usd": ci95_half(x),
        f"{key}_p5_usd": p5,
        f"{key}_p5_ci95_half_usd": quantile_ci95_half(x, 0.05),
        f"{key}_p50_usd": p50,
        f"{key}_deterministic_usd": deterministic.get(name, float("nan")),
        f"prob_beats_baseline_{suffix}": float("nan"),
    }
    if b is not None:
        out.update(_against_baseline(x, b, name == base, f"prob_beats_baseline_{suffix}",
                                     f"{key}_vs_baseline_mean"))
    return out


def _against_baseline(x: FloatArray, b: FloatArray, is_base: bool, prob_key: str,
                      gain_key: str) -> dict[str, float]:
    """P(beats the baseline) on the same paths and the mean gain over it [USD], each with
    its Monte Carlo error: ``prob_key``, ``{prob_key}_ci95_half`` (the farther end of the
    Wilson score interval, :func:`~hashpivot.sampling_error.share_ci95_half`: not 0 at a
    share of 0 or 1), ``{gain_key}_usd``, ``{gain_key}_ci95_half_usd`` (the paired error:
    of the per-path differences). The baseline against itself: 0 and 0."""
    d = x - b
    if is_base:
        p, p_half = 0.0, 0.0
    else:
        p = float((d > 0).mean())
        p_half = share_ci95_half(p, d.size)
    return {prob_key: p, f"{prob_key}_ci95_half": p_half,
            f"{gain_key}_usd": float(d.mean()), f"{gain_key}_ci95_half_usd": ci95_half(d)}
