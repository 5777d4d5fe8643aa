"""``optimize`` and ``simulate`` draw each tenant's signing alike: the same seed and chunk
size give a tenant the same signing on the same path in both engines, whichever other
tenants the file has and in whichever order it lists them (one function,
:func:`hashpivot.engines.simulate.signing.signing_draws`, one stream per tenant).

So ``simulate`` on the plan file ``optimize --out`` writes (its halls in order of site, the
pipeline's tenants in another) values the plan path by path as the optimizer valued it
per scenario, where the optimizer is exact: here each site hosts halls of one tenant
and no cash SG&A brings in the floor of the mining line, so the optimizer's value is linear
in the signings (``tests/optimize/test_plan_portfolio.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from hashpivot.arrays import BoolArray, FloatArray
from hashpivot.engines.simulate import SimulationConfig, chunk, prepare, simulate
from hashpivot.models import Portfolio, validate_data
from hashpivot.optimize import OptimizeConfig, optimize_plan, resolve_problem
from hashpivot.optimize.plan_portfolio import plan_portfolio_document
from hashpivot.optimize.run import coefficient_task, scenario_params
from hashpivot.optimize.scenarios import run_coefficient_chunks, scenario_chunks

from .optimize_inputs import portfolio, site_toml

#: the optimizer's chunk size: simulate draws its paths at this chunk size
CHUNK = OptimizeConfig().chunk_scenarios
#: two chunks, the second short
N = CHUNK + 40


def _tenant(name: str, site: str, lease: float, probability: float) -> str:
    return f"""
  [[optimize.tenants]]
  name = "{name}"
  it_mw = 30.0
  lease_usd_per_kw_month = {lease}
  lease_escalator_per_year = 0.025
  lease_term_years = 8
  probability_signing = {probability}
  sites = ["{site}"]
"""


def _portfolio(order: tuple[str, ...] = ("T1", "T2"), extra: bool = False) -> Portfolio:
    """T1 (0.6) only at B, T2 (0.8) only at A: the plan file lists T2's halls first (site
    A comes first), the pipeline T1 first. ``extra`` adds a third uncertain tenant at C."""
    tenants = {"T1": _tenant("T1", "B", 175.0, 0.6), "T2": _tenant("T2", "A", 170.0, 0.8),
               "T3": _tenant("T3", "C", 165.0, 0.5)}
    names = order + (("T3",) if extra else ())
    tail = "\n[optimize]\nblock_mw = 10.0\n" + "".join(tenants[n] for n in names)
    return portfolio(site_toml("A", capacity=60.0), site_toml("B", price=30.0),
                     site_toml("C", price=30.0), years=8, tail=tail)


def _optimizer_signed(pf: Portfolio, seed: int) -> dict[str, FloatArray]:
    """The optimizer's signings per scenario, by tenant. [-]"""
    p = resolve_problem(pf)
    params, _ = scenario_params(p, seed, "")
    c = run_coefficient_chunks(coefficient_task(p, params), scenario_chunks(seed, N, CHUNK))
    return {t.name: c.signed[:, k] for k, t in enumerate(p.tenants)}


def _simulate_signed(pf: Portfolio, seed: int, monkeypatch: pytest.MonkeyPatch
                     ) -> tuple[dict[str, BoolArray], Any]:
    """simulate's signings per path, by tenant (what its chunks draw), and its result."""
    config = SimulationConfig(n_paths=N, seed=seed, chunk_paths=CHUNK)
    tenants = prepare(pf, config).task.signing_tenants
    drawn: dict[tuple[int, ...], BoolArray] = {}
    draw = chunk.signing_draws

    def spy(seed_seq: np.random.SeedSequence, *args: Any, **kwargs: Any) -> BoolArray:
        out = draw(seed_seq, *args, **kwargs)
        drawn[tuple(seed_seq.spawn_key)] = out
        return out

    monkeypatch.setattr(chunk, "signing_draws", spy)
    result = simulate(pf, config)
    signed = np.concatenate([drawn[key] for key in sorted(drawn)])
    return {t: signed[:, k] for k, t in enumerate(tenants)}, result


@pytest.fixture(scope="module")
def planned() -> tuple[Portfolio, Any, Portfolio]:
    """The portfolio, its plan (seed 3, both tenants built) and the plan file."""
    pf = _portfolio()
    r = optimize_plan(pf, OptimizeConfig(n_scenarios=N, seed=3, two_stage=False,
                                         evpi_scenarios=1, oos_scenarios=10))
    assert set(r.plan["tenant"]) == {"T1", "T2"}  # teeth: both uncertain tenants built
    doc = plan_portfolio_document(pf, r.plan.to_dict("records"),
                                  r.inputs["horizon_months"] // 12, start=r.inputs["start"])
    return pf, r, validate_data(Portfolio, doc, "plan_portfolio.toml")


def test_simulate_on_the_plan_file_draws_the_optimizers_signings(
        planned: tuple[Portfolio, Any, Portfolio], monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan file lists T2 before T1 (site order), the pipeline T1 before T2: each
    tenant signs on the same paths in both engines (before: other draws, another stream)."""
    pf, _, plan_pf = planned
    opt = _optimizer_signed(pf, seed=3)
    sim, _ = _simulate_signed(plan_pf, 3, monkeypatch)
    assert list(sim) == ["T2", "T1"]  # simulate's columns are not the optimizer's order
    for t in ("T1", "T2"):
        np.testing.assert_array_equal(opt[t], sim[t].astype(float), err_msg=t)
        assert 0 < opt[t].sum() < N  # teeth: each signs on some paths, not on all


def test_simulate_values_the_plan_path_by_path_as_the_optimizer(
        planned: tuple[Portfolio, Any, Portfolio], monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan's NPV with terminal value on each path of simulate is the optimizer's in the
    scenario, over the four outcomes of the signings (the same arithmetic in another order:
    1e-9 relative, 1 USD absolute on a value of some 100 M USD)."""
    _, r, plan_pf = planned
    sim, result = _simulate_signed(plan_pf, 3, monkeypatch)
    outcomes = {(bool(a), bool(b)) for a, b in zip(sim["T1"], sim["T2"], strict=True)}
    assert len(outcomes) == 4  # teeth: every outcome occurs on some path
    npv = result.npv_with_terminal_value_usd
    np.testing.assert_allclose(npv["keep_mining"], r.baseline_npv_usd, rtol=1e-9, atol=1.0)
    np.testing.assert_allclose(npv["phased"], r.npv_usd, rtol=1e-9, atol=1.0)


@pytest.mark.parametrize(("order", "extra"), [(("T2", "T1"), False), (("T1", "T2"), True)])
def test_a_tenants_signings_do_not_depend_on_the_other_tenants(
        order: tuple[str, ...], extra: bool) -> None:
    """Listing the tenants in another order, or adding one, leaves each tenant's signings
    as they were (before: a column of one draw of all tenants, so the order mattered)."""
    base = _optimizer_signed(_portfolio(), seed=4)
    other = _optimizer_signed(_portfolio(order, extra), seed=4)
    for t in ("T1", "T2"):
        np.testing.assert_array_equal(base[t], other[t], err_msg=t)
