"""Defaults and limits of the settings that decide the numbers of a seeded Monte Carlo
run, in one place for ``hashpivot simulate`` and ``hashpivot optimize``, the service's
runs (:mod:`hashpivot.store.run_params`) and
:class:`~hashpivot.engines.simulate.SimulationConfig`: the same file and options give the
same numbers on every surface, and any run of one can be run on the other. No imports:
the CLI reads it when it starts."""

#: Paths of a simulation when none are given. [-]
DEFAULT_N_PATHS = 10_000
#: Paths per chunk when none are given: with the seed, the reproducibility key (chunk
#: ``k`` draws from child ``k`` of the seed). [-]
DEFAULT_CHUNK_PATHS = 5_000
#: Largest root seed: numpy's ``SeedSequence`` keeps 128 bits of entropy. [-]
MAX_SEED = 2**128 - 1
#: Shortest and longest horizon of a simulation given in years. [year]
MIN_HORIZON_YEARS = 0.1
MAX_HORIZON_YEARS = 100.0
#: Every discount rate lies in [MIN_DISCOUNT_RATE, MAX_DISCOUNT_RATE] (the file's, a
#: simulation's): nominal effective annual rates, as every rate of the model; a negative
#: one values a dollar later above a dollar now, which no cost of capital does (the bound
#: was -0.99 until 2026-12-07, only to keep 1 + r > 0). [1/year]
MIN_DISCOUNT_RATE = 0.0
MAX_DISCOUNT_RATE = 1.0
#: In-sample market scenarios of an optimization when none are given. [-]
DEFAULT_N_SCENARIOS = 200
#: Scenarios an optimization solves with perfect information (EVPI) when none are given.
#: [-]
DEFAULT_EVPI_SCENARIOS = 20

__all__ = [
    "DEFAULT_CHUNK_PATHS",
    "DEFAULT_EVPI_SCENARIOS",
    "DEFAULT_N_PATHS",
    "DEFAULT_N_SCENARIOS",
    "MAX_DISCOUNT_RATE",
    "MAX_HORIZON_YEARS",
    "MAX_SEED",
    "MIN_DISCOUNT_RATE",
    "MIN_HORIZON_YEARS",
]
