"""Tenants' signings drawn per path (halls with ``probability_signing`` below 1).

Each path draws, once, whether each such tenant signs (every strategy sees the same
draws: common random numbers), each tenant from a stream of its own of the chunk's seed,
keyed by its name, that neither the market generator nor the hosting risk uses: the
market paths are those of the same seed without signings, and a tenant's signings do not
depend on which other tenants the file has or in which order it lists them. The
optimizer draws its scenarios' signings with the same function
(:func:`signing_draws`), so ``optimize --seed 7`` and ``simulate --seed 7 --chunk-paths
250`` sign a tenant on the same paths, on the portfolio or on the plan file
(``tests/optimize/test_signing_agreement.py``). A path where a tenant does not sign builds
none of its halls: their MW mine on, as in the optimizer's scenarios and in each outcome
of ``pivot``'s expected value (:mod:`hashpivot.engines.pivot.signing`). The chunk runs a
strategy once per outcome that occurs, on the paths of that outcome
(:func:`outcome_groups`).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hashpivot.arrays import BoolArray, FloatArray, IntArray
from hashpivot.engines.pivot.signing import signing_units

if TYPE_CHECKING:
    from hashpivot.engines.pivot.strategies import Strategy

#: Spawn-key suffix of the signing stream of a chunk (any constant no chunk uses).
SIGNING_STREAM_KEY = 0x5349474E  # "SIGN"


def signing_tenants(strategies: Sequence[Strategy]) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Every tenant of ``strategies`` that may not sign, in order of first appearance, and
    its probability of signing. [-]"""
    seen: dict[str, float] = {}
    for s in strategies:
        for u in signing_units(s):
            seen.setdefault(u.label, u.probability)
    return tuple(seen), tuple(seen.values())


def tenant_stream_key(tenant: str) -> int:
    """A tenant's key in the signing streams: the first 8 bytes of the SHA-256 of its
    name (UTF-8), the same in every process and on every machine. [-]"""
    return int.from_bytes(hashlib.sha256(tenant.encode("utf-8")).digest()[:8], "big")


def signing_draws(seed_seq: np.random.SeedSequence, n_paths: int, tenants: Sequence[str],
                  probabilities: Sequence[float] | FloatArray) -> BoolArray:
    """Whether each tenant signs on each path, shape (n_paths, n_tenants).

    Each tenant draws ``random(n_paths)`` from its own child of the chunk's seed, spawn
    key ``(*chunk's, SIGNING_STREAM_KEY, tenant_stream_key(tenant))``, that the market
    generator and the hosting risk never use (``seed_seq`` is not modified); it signs
    where its draw is below its probability. A tenant's column depends on its name and
    probability only, not on the other tenants or their order.

    Parameters
    ----------
    seed_seq : numpy.random.SeedSequence
        The chunk's seed.
    n_paths : int
        Paths (scenarios) of the chunk. [-]
    tenants : sequence of str
        The tenants' names (a hall without one: ``"<site> hall <k>"``), the columns.
    probabilities : sequence of float
        Each tenant's probability of signing. [-]
    """
    p = np.asarray(probabilities, dtype=np.float64)
    if len(tenants) != p.size:
        raise ValueError(f"{len(tenants)} tenants but {p.size} probabilities")
    out = np.empty((n_paths, p.size), dtype=bool)
    for j, tenant in enumerate(tenants):
        child = np.random.SeedSequence(
            seed_seq.entropy,
            spawn_key=(*seed_seq.spawn_key, SIGNING_STREAM_KEY, tenant_stream_key(tenant)),
            pool_size=seed_seq.pool_size,
        )
        out[:, j] = np.random.default_rng(child).random(n_paths) < p[j]
    return out


@dataclass(frozen=True)
class OutcomeGroup:
    """The paths of one outcome of the signings and what they run.

    Attributes
    ----------
    strategy : Strategy
        The strategy with the halls of the tenants that sign and the certain halls.
    paths : ndarray of int
        The paths of the outcome, ascending.
    slots : dict of str to ndarray of int
        Per site, the position among the site's halls in the full strategy of each hall
        kept (in order): its hosting-risk draws, so a hall keeps its own draws whoever else
        signs.
    full : bool
        Every hall is kept (the strategy as written).
    """

    strategy: Strategy
    paths: IntArray
    slots: dict[str, IntArray]
    full: bool


def outcome_groups(strategy: Strategy, tenants: Sequence[str], signed: BoolArray
                   ) -> list[OutcomeGroup]:
    """The strategy each path runs: per outcome that occurs (its tenants that sign), the
    strategy with the halls of those tenants and the certain halls, and its paths
    (ascending).

    Parameters
    ----------
    strategy : Strategy
        A strategy of the run.
    tenants : sequence of str
        The run's uncertain tenants (:func:`signing_tenants`), the columns of ``signed``.
    signed : ndarray of bool, shape (n_paths, n_tenants)
        :func:`signing_draws`.

    Returns
    -------
    list of OutcomeGroup
        One group of every path when the strategy has no uncertain hall.
    """
    units = signing_units(strategy)
    n = signed.shape[0]
    if not units:
        return [OutcomeGroup(strategy, np.arange(n, dtype=np.int64), {}, True)]
    cols = [list(tenants).index(u.label) for u in units]
    # outcome code of each path: bit b set where the strategy's b-th tenant signs
    code = (signed[:, cols].astype(np.int64) << np.arange(len(units), dtype=np.int64)).sum(
        axis=1)
    # each hall's position among its site's halls (its hosting-risk slot)
    local: list[int] = []
    count: dict[str, int] = {}
    for p in strategy.phases:
        local.append(count.get(p.site, 0))
        count[p.site] = local[-1] + 1
    out = []
    for c in np.unique(code):
        drop = {j for b, u in enumerate(units) if not (int(c) >> b) & 1 for j in u.phases}
        kept = [j for j in range(len(strategy.phases)) if j not in drop]
        slots: dict[str, list[int]] = {}
        for j in kept:
            slots.setdefault(strategy.phases[j].site, []).append(local[j])
        out.append(OutcomeGroup(
            dataclasses.replace(strategy, phases=tuple(strategy.phases[j] for j in kept)),
            np.flatnonzero(code == c).astype(np.int64),
            {k: np.asarray(v, dtype=np.int64) for k, v in slots.items()},
            not drop,
        ))
    return out


def drawn_signing_notes(strategies: Sequence[Strategy], names: Sequence[str]) -> list[str]:
    """``simulate``'s note per strategy whose tenants may not sign."""
    out = []
    for name, s in zip(names, strategies, strict=True):
        units = signing_units(s)
        if units:
            who = ", ".join(f"{u.label} ({100 * u.probability:g} %)" for u in units)
            out.append(
                f"{name}: the signings of {who} are drawn per path; where a tenant does not "
                "sign its halls are not built and their MW mine on (NPV deterministic builds "
                "every hall, as pivot's table)"
            )
    return out


__all__ = [
    "SIGNING_STREAM_KEY",
    "OutcomeGroup",
    "drawn_signing_notes",
    "outcome_groups",
    "signing_draws",
    "signing_tenants",
    "tenant_stream_key",
]
