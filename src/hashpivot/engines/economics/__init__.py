"""The unit-economics engines: cost per BTC, margins and breakevens of a portfolio on a day
(``cost``), the same over a historical window (``backtest``), one machine's profit per day
(``profit``).

Modules, one concept each:

- :mod:`~hashpivot.engines.economics.network_conditions`: the network's state a cost is
  computed at (:class:`NetworkConditions`: a day of the history, live, or given);
- :mod:`~hashpivot.engines.economics.fleet_arrays`: a portfolio's fleets as per-entry
  arrays and the daily ledger they and its cost items make;
- :mod:`~hashpivot.engines.economics.unit_economics`: ``cost``
  (:func:`compute_unit_economics`, :class:`UnitEconomics`);
- :mod:`~hashpivot.engines.economics.backtest`: ``backtest`` (:func:`run_backtest`,
  :class:`BacktestResult`), :mod:`~hashpivot.engines.economics.backtest_window`, its
  window's one default rule, and :mod:`~hashpivot.engines.economics.backtest_notes`, what
  it assumes of a fleet over history;
- :mod:`~hashpivot.engines.economics.economics_assumptions`: the resolved assumptions of
  ``cost`` and ``backtest`` (a site's mining terms are the shared
  :mod:`hashpivot.engines.mining_terms`);
- :mod:`~hashpivot.engines.economics.asic_depreciation` and
  :mod:`~hashpivot.engines.economics.dispatch_table_note`: what ``cost`` and ``backtest``
  leave out (depreciation a fleet gives no price for, a site's ``[sites.dispatch]``
  table);
- :mod:`~hashpivot.engines.economics.machine_profit`: ``profit``.

The names of ``__all__`` are re-exported here and loaded when first asked for: importing
the package loads none of its modules, so ``profit`` loads neither pandas' ledger nor the
backtest, as before. The function ``machine_profit`` is not among them: it shares its
module's name (a package attribute the import of that module sets), so it is
:func:`hashpivot.engines.economics.machine_profit.machine_profit`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hashpivot.engines.economics.backtest import BacktestResult, run_backtest
    from hashpivot.engines.economics.machine_profit import (
        MachineProfit,
        payback_halving_notes,
        profit_assumptions,
    )
    from hashpivot.engines.economics.network_conditions import NetworkConditions
    from hashpivot.engines.economics.unit_economics import (
        UnitEconomics,
        compute_unit_economics,
        idle_fleet_problems,
    )

#: Each public name and the module (of this package) that defines it.
_HOMES = {
    "BacktestResult": "backtest",
    "run_backtest": "backtest",
    "MachineProfit": "machine_profit",
    "payback_halving_notes": "machine_profit",
    "profit_assumptions": "machine_profit",
    "NetworkConditions": "network_conditions",
    "UnitEconomics": "unit_economics",
    "compute_unit_economics": "unit_economics",
    "idle_fleet_problems": "unit_economics",
}

__all__ = [
    "BacktestResult",
    "MachineProfit",
    "NetworkConditions",
    "UnitEconomics",
    "compute_unit_economics",
    "idle_fleet_problems",
    "payback_halving_notes",
    "profit_assumptions",
    "run_backtest",
]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
