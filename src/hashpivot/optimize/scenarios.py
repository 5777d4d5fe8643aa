"""Scenario coefficients: per-path mining values and tenant signings, in chunks.

The market paths come from the scenario generator exactly as the risk engine draws them
(:func:`hashpivot.engines.simulate.prepare`: the same calibration, the same
``SeedSequence`` per chunk of fixed size), so ``optimize --seed 7`` plans on the paths of
``simulate --seed 7 --chunk-paths 250`` (``OptimizeConfig.chunk_scenarios``; a chunk's
draws are time-major, so another chunk size draws other paths from the same law), and
values keep-mining and a conversion on each as it does (a test). Chunk ``k`` also draws
each tenant's signing per scenario with simulate's function
(:func:`hashpivot.engines.simulate.signing.signing_draws`): each tenant from a stream of
its own keyed by its name, so a tenant signs on the same paths in both engines, whichever
other tenants the file has and in whichever order (``simulate`` on the plan file
``optimize --out`` writes lists them in order of site); a test. Chunks run in this
process or on Dask (:mod:`hashpivot.executors`) and are combined in chunk order: the
same seed gives the same coefficients, so the same plan.

An out-of-sample set uses the root ``SeedSequence([seed, 1])``: independent of the
in-sample paths.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hashpivot.arrays import FloatArray
from hashpivot.engines.pivot import SiteInputs
from hashpivot.engines.pivot.connection import connected_share
from hashpivot.engines.pivot.cost_dates import cost_profile, horizon_share
from hashpivot.engines.pivot.fleet import center_market
from hashpivot.engines.pivot.terminal import site_stream_value_at_horizon_usd
from hashpivot.engines.pivot.uplift.supply_stream import site_supply_usd, supply_at_horizon
from hashpivot.engines.simulate.signing import signing_draws
from hashpivot.executors import ProgressFn, run_chunks
from hashpivot.market import MarketPaths
from hashpivot.models.pivot import PivotSpec, TerminalValueSpec
from hashpivot.optimize.coefficients import (
    Tranche,
    mining_flows_per_mw,
    mining_loss_per_mw,
)
from hashpivot.optimize.terminal import (
    mining_terminal_usd_per_mw,
    pv_factor,
    sga_terminal_usd,
)
from hashpivot.scenarios import ScenarioParams, chunk_seeds, generate_chunk
from hashpivot.units import MONTHS_PER_YEAR

#: Entropy suffix of the out-of-sample scenario set.
OUT_OF_SAMPLE_STREAM = 1


@dataclass(frozen=True)
class CoefficientTask:
    """What a chunk needs (pickled once per Dask worker)."""

    sites: tuple[SiteInputs, ...]
    tranches: tuple[tuple[Tranche, ...], ...]
    site_specs: tuple[PivotSpec, ...]
    discount_factors: FloatArray
    n_quarters: int
    n_tranches: int
    signing_probability: FloatArray  # (L,) [-]
    tenants: tuple[str, ...]  # (L,) their names: each draws from its own stream
    params: ScenarioParams
    terminal_value: TerminalValueSpec | None = None  # None: nothing after the horizon
    mining_discount_rate: float = 0.0  # [1/year], of the terminal value
    in_service_npv_usd: float = 0.0  # [USD], the halls in service: in every plan


@dataclass
class ScenarioCoefficients:
    """Per-scenario coefficients (K scenarios, chunks concatenated in order).

    Attributes
    ----------
    baseline_npv_usd : ndarray (K,)
        NPV of keep-mining (every site, fixed site opex included), its terminal value
        included. [USD]
    mining_loss_usd_per_mw : ndarray (K, S, J, Q)
        Mining value lost per MW of tranche j displaced from quarter q, its terminal
        value included. [USD/MW]
    signed : ndarray (K, L)
        1 where the tenant signs in the scenario. [-]
    baseline_terminal_usd : ndarray (K,)
        The terminal value in ``baseline_npv_usd``. [USD]
    mining_terminal_usd_per_mw : ndarray (K, S, J)
        The terminal value in ``mining_loss_usd_per_mw``, the same from every quarter
        (:func:`hashpivot.optimize.terminal.mining_terminal_usd_per_mw`). [USD/MW]
    seconds : float
        Sum of chunk times. [s]
    site_terminal_usd : ndarray (K,) or None
        The terminal value of the sites' streams that no plan changes (a
        contracted supply's (PPA block, renewable plant) worth with no miners,
        :mod:`~hashpivot.engines.pivot.uplift.supply_stream`), in ``baseline_npv_usd`` and in every
        plan's, outside ``baseline_terminal_usd`` and its floor; None: none. [USD]
    """

    baseline_npv_usd: FloatArray
    mining_loss_usd_per_mw: FloatArray
    signed: FloatArray
    baseline_terminal_usd: FloatArray
    mining_terminal_usd_per_mw: FloatArray
    seconds: float = 0.0
    site_terminal_usd: FloatArray | None = None

    @property
    def n_scenarios(self) -> int:
        """K. [-]"""
        return int(self.baseline_npv_usd.size)


def coefficients_on_market(
    task: CoefficientTask, market: MarketPaths, signed: FloatArray
) -> ScenarioCoefficients:
    """Coefficients on given market paths (the expected-value scenario, tests)."""
    t0 = time.perf_counter()
    disc = task.discount_factors
    n_p = market.n_paths
    n_s = len(task.sites)
    loss = np.zeros((n_p, n_s, task.n_tranches, task.n_quarters))
    terminal = np.zeros((n_p, n_s, task.n_tranches))
    base = np.zeros(n_p)
    base_terminal = np.zeros(n_p)
    site_terminal = np.zeros(n_p)
    # the halls already in service: contracted, the same on every path and in every plan
    # (engines/pivot/in_service.py), so they move the value, never the plan
    base += task.in_service_npv_usd
    reference = center_market(task.params)  # replacement forecasts: no look-ahead
    for si, (site, ts, spec) in enumerate(zip(task.sites, task.tranches, task.site_specs,
                                              strict=True)):
        # the site's cash SG&A from its connection on (a site not connected does not run)
        base -= site.fixed_opex_usd_per_month * float(
            (connected_share(site.connection_date, market.periods)
             * cost_profile(site, "sga", market.periods) * disc).sum())
        # the contracted supply's worth with no miners, the site's in every plan
        # (uplift/supply_stream.py): a constant of the plans, as pivot counts it; its terminal
        # value not floored
        supply = site_supply_usd(site, market)
        if supply is not None:
            base += (supply * disc).sum(axis=-1)
            if task.terminal_value is not None:
                site_terminal += site_stream_value_at_horizon_usd(
                    task.terminal_value, supply_at_horizon(site, market, supply),
                    task.mining_discount_rate) * pv_factor(task.mining_discount_rate,
                                                           disc.size)
        redeploy = site.hosting.asic_disposition == "redeploy"
        for j, tr in enumerate(ts):
            if tr.is_spare or tr.gross_mw <= 0:
                continue
            for unit in tr.units:  # a swap's band: each entry on it in turn
                fl = mining_flows_per_mw(
                    site, unit, spec, market,
                    reference=reference,
                )
                lj, full = mining_loss_per_mw(fl.net, fl.resale, disc, task.n_quarters)
                tv = (  # (P,): forgone by a MW converted in any quarter
                    mining_terminal_usd_per_mw(task.terminal_value,
                                               fl.ebitda if fl.terminal_ebitda is None
                                               else fl.terminal_ebitda,
                                               fl.replacement_capex,
                                               task.mining_discount_rate, fl.running)
                    if task.terminal_value is not None and not fl.retires else np.zeros(n_p)
                )
                base += tr.gross_mw * (full + tv)
                base_terminal += tr.gross_mw * tv
                if not redeploy:
                    loss[:, si, j, :] += lj + tv[:, None]
                    terminal[:, si, j] += tv
    # keep-mining's terminal value as pivot takes it: the tranches' (each floored at 0),
    # less the cash SG&A, which no plan changes (so the plans' coefficients leave it
    # out), floored at 0 as a whole
    sga = MONTHS_PER_YEAR * sum(  # each item as it stands on the horizon's last day
        site.fixed_opex_usd_per_month * horizon_share(site, "sga", market.periods)
        for site in task.sites)
    if task.terminal_value is not None and sga > 0:
        kept = np.maximum(base_terminal - sga_terminal_usd(
            task.terminal_value, sga, task.mining_discount_rate, disc.size), 0.0)
        base += kept - base_terminal
        base_terminal = kept
    return ScenarioCoefficients(base + site_terminal, loss, signed, base_terminal, terminal,
                                time.perf_counter() - t0,
                                site_terminal if site_terminal.any() else None)


def coefficient_chunk(
    task: CoefficientTask, k: int, size: int, seed_seq: np.random.SeedSequence
) -> tuple[int, ScenarioCoefficients]:
    """Coefficients of chunk ``k`` (pure: the same inputs give bitwise the same output)."""
    market = generate_chunk(task.params, seed_seq, size)
    signed = signing_draws(seed_seq, size, task.tenants, task.signing_probability)
    return k, coefficients_on_market(task, market, signed.astype(np.float64))


def combine(parts: list[tuple[int, ScenarioCoefficients]]) -> ScenarioCoefficients:
    """Concatenate chunk results in chunk order."""
    parts = sorted(parts, key=lambda kv: kv[0])
    cs = [p for _, p in parts]
    return ScenarioCoefficients(
        np.concatenate([c.baseline_npv_usd for c in cs]),
        np.concatenate([c.mining_loss_usd_per_mw for c in cs]),
        np.concatenate([c.signed for c in cs]),
        np.concatenate([c.baseline_terminal_usd for c in cs]),
        np.concatenate([c.mining_terminal_usd_per_mw for c in cs]),
        float(sum(c.seconds for c in cs)),
        None if all(c.site_terminal_usd is None for c in cs) else np.concatenate([
            np.zeros(c.n_scenarios) if c.site_terminal_usd is None else c.site_terminal_usd
            for c in cs]),
    )


def subset_of(c: ScenarioCoefficients, idx: npt.ArrayLike) -> ScenarioCoefficients:
    """The scenarios ``idx`` of ``c``."""
    i = np.atleast_1d(np.asarray(idx))
    return ScenarioCoefficients(
        c.baseline_npv_usd[i], c.mining_loss_usd_per_mw[i], c.signed[i],
        c.baseline_terminal_usd[i], c.mining_terminal_usd_per_mw[i],
        site_terminal_usd=None if c.site_terminal_usd is None else c.site_terminal_usd[i],
    )


def scenario_chunks(
    seed: int, n_scenarios: int, chunk_scenarios: int, out_of_sample: bool = False
) -> list[tuple[int, int, np.random.SeedSequence]]:
    """Chunk seeds of the in-sample (``SeedSequence(seed)``, as the risk engine) or the
    out-of-sample set (``SeedSequence([seed, 1])``)."""
    root: int | np.random.SeedSequence = (
        np.random.SeedSequence([seed, OUT_OF_SAMPLE_STREAM]) if out_of_sample else seed
    )
    return chunk_seeds(root, n_scenarios, chunk_scenarios)


def run_coefficient_chunks(
    task: CoefficientTask,
    chunks: list[tuple[int, int, np.random.SeedSequence]],
    workers: int | None = None,
    scheduler: str | None = None,
    progress: ProgressFn | None = None,
) -> ScenarioCoefficients:
    """Coefficients of every chunk, combined in chunk order.

    Parameters
    ----------
    task : CoefficientTask
    chunks : list of (k, size, SeedSequence)
    workers : int, optional
        Start a ``dask.distributed.LocalCluster`` with this many worker processes.
    scheduler : str, optional
        Address of an existing Dask scheduler.
    progress : callable, optional
        ``progress(done, total)``.

    See :func:`hashpivot.executors.run_chunks`; without ``workers`` or ``scheduler`` the
    chunks run in turn in this process.
    """
    parts = run_chunks(
        coefficient_chunk, task, chunks, workers=workers, scheduler=scheduler,
        progress=progress, key_prefix="hp-opt",
    )
    return combine(parts)
