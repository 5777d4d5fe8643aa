"""The resolve and execute steps of every stored run kind, one module a kind:
:mod:`.cost`, :mod:`.backtest`, :mod:`.pivot`, :mod:`.simulate`, :mod:`.dispatch`,
:mod:`.optimize`; what they share in :mod:`.context` (:class:`RunContext`,
:class:`RunOutput`) and :mod:`.checks` (the checks of parameters several kinds take).

A kind's ``resolve(portfolio, params)`` fills in what the engine would otherwise pick
itself (network conditions of the latest day, the backtest window...) and returns the
stored parameters; its ``execute(portfolio, params, context)`` calls the engine's public
entry point and returns a :class:`RunOutput`: the same JSON object as the CLI's ``--json``
plus compact chart data. :data:`hashpivot.store.runs.RUN_KINDS`, the one table of the
kinds, pairs them with the parameter models of :mod:`hashpivot.store.run_params`.
"""

from __future__ import annotations

from hashpivot.store.run_steps import backtest, cost, dispatch, optimize, pivot, simulate
from hashpivot.store.run_steps.checks import check_site, problems_of
from hashpivot.store.run_steps.context import ProgressFn, RunContext, RunOutput
from hashpivot.store.run_steps.cost import mw_split
from hashpivot.store.run_steps.dispatch import check_market
from hashpivot.store.run_steps.simulate import check_discount_rate, check_policy

__all__ = [
    "ProgressFn",
    "RunContext",
    "RunOutput",
    "backtest",
    "check_discount_rate",
    "check_market",
    "check_policy",
    "check_site",
    "cost",
    "dispatch",
    "mw_split",
    "optimize",
    "pivot",
    "problems_of",
    "simulate",
]
