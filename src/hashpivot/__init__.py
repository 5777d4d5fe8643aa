"""hashpivot: what a Bitcoin miner's megawatts are worth, mining or hosting AI.

Layers (see ``docs/architecture.md`` in the repository): pure functions (:mod:`hashpivot.bitcoin`,
:mod:`hashpivot.mining`, ...), validated input models (:mod:`hashpivot.models`),
engines (:mod:`hashpivot.engines`), I/O (:mod:`hashpivot.io`) and interfaces
(:mod:`hashpivot.cli`).
"""

from hashpivot.exceptions import DataError, HashpivotError, InputError, Problem, SolverError

__version__ = "0.1.0"

__all__ = ["DataError", "HashpivotError", "InputError", "Problem", "SolverError", "__version__"]
