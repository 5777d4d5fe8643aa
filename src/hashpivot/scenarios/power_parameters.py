"""The monthly index power process of each market node, as the path generator takes it:
:class:`PowerModel` (:func:`power_model`: each parameter the file's, else the fit's, else
the default), :func:`power_process` (its arrays per period: centre, AR(1) coefficient,
innovation sd, spike probability), :class:`PowerMarketParams` (a market besides the
first, with its node and correlation) and :class:`IndexMarket` (such a market as
:func:`~hashpivot.scenarios.parameters.build_scenario_params` takes it). No randomness
here (:func:`hashpivot.scenarios.processes.power_prices` draws the paths).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from hashpivot.arrays import FloatArray
from hashpivot.models.risk import ScenarioSpec
from hashpivot.scenarios.calibration import DEFAULT_POWER_FIT, PowerFit


@dataclass(frozen=True)
class PowerMarketParams:
    """The monthly power process of an index market besides the first (arrays of shape
    (n_periods,), as :class:`ScenarioParams`' ``power_*``).

    Attributes
    ----------
    node : str
        Its market node, ``iso:point`` (``ercot:HB_WEST``).
    center_usd_per_mwh : ndarray or None
        Mean index price, the seasonal factors applied; None: none known (not drawn).
        [USD/MWh]
    reference_usd_per_mwh : float or None
        The expected price it is centred on where it is the first index site's on this
        market (each other index site on it scales it to its own); None: as drawn.
        [USD/MWh]
    phi : ndarray
        AR(1) coefficient of the log deviation per step. [-]
    innovation_sd : ndarray
        Innovation sd of the log deviation per step. [-]
    spike_probability : ndarray
        Probability of a spike in each step. [-]
    spike_mean_log : float
        Mean exponential jump of the log price in a spike. [-]
    correlation : float
        ``rho``: its innovations are ``rho z_1 + sqrt(1 - rho^2) e``, ``z_1`` the first
        market's. [-]
    """

    node: str
    center_usd_per_mwh: FloatArray | None
    reference_usd_per_mwh: float | None
    phi: FloatArray
    innovation_sd: FloatArray
    spike_probability: FloatArray
    spike_mean_log: float
    correlation: float

    @property
    def iso(self) -> str:
        """The grid operator of the node (``ercot``): markets of one share spikes."""
        return self.node.split(":", 1)[0]


@dataclass(frozen=True)
class IndexMarket:
    """An index market besides the first one, as :func:`build_scenario_params` takes it.

    Attributes
    ----------
    node : str
        ``iso:point``.
    fit : PowerFit or None
        Its calibration (None: :data:`DEFAULT_POWER_FIT`).
    mean_usd_per_mwh : float or None
        The first index site's expected price on this market. [USD/MWh]
    correlation : float
        Of its innovations with the first market's. [-]
    """

    node: str
    fit: PowerFit | None
    mean_usd_per_mwh: float | None
    correlation: float


#: The parameters of the monthly power model: the :class:`PowerModel` field, the
#: ``[scenario]`` field that sets it, the :class:`PowerFit` field it is calibrated as.
POWER_PARAMETERS: tuple[tuple[str, str, str], ...] = (
    ("mean_reversion_per_year", "power_mean_reversion_per_year", "mean_reversion_per_year"),
    ("volatility_per_year", "power_volatility_per_year", "volatility_per_year"),
    ("spike_probability_per_month", "power_spike_probability_per_month",
     "spike_probability_per_month"),
    ("spike_mean_log", "power_spike_mean_log", "spike_mean_log"),
)


@dataclass(frozen=True)
class PowerModel:
    """The monthly power model's parameters as :func:`build_scenario_params` simulates
    with them (:func:`power_model`).

    Attributes
    ----------
    mean_usd_per_mwh : float or None
        Long-run mean index price (before the seasonal factors); None when none is
        known. [USD/MWh]
    mean_reversion_per_year : float
        OU speed of the log price. [1/year]
    volatility_per_year : float
        OU volatility of the log price. [1/sqrt(year)]
    spike_probability_per_month : float
        Probability that a month spikes. [-]
    spike_mean_log : float
        Mean jump of the log price in a spike month. [-]
    """

    mean_usd_per_mwh: float | None
    mean_reversion_per_year: float
    volatility_per_year: float
    spike_probability_per_month: float
    spike_mean_log: float


def power_model(spec: ScenarioSpec, power_fit: PowerFit | None = None,
                power_mean_usd_per_mwh: float | None = None) -> PowerModel:
    """The monthly power model's parameters, each the spec's, else the fit's (else
    :data:`DEFAULT_POWER_FIT`'s); the mean is the spec's, else ``power_mean_usd_per_mwh``
    (the contract's expected index price) [USD/MWh], else the fit's."""
    fit = power_fit if power_fit is not None else DEFAULT_POWER_FIT
    mean = spec.power_mean_usd_per_mwh
    if mean is None:
        mean = power_mean_usd_per_mwh
    if mean is None and math.isfinite(fit.mean_usd_per_mwh):
        mean = fit.mean_usd_per_mwh
    values = {key: float(getattr(spec, field) if getattr(spec, field) is not None
                         else getattr(fit, fitted))
              for key, field, fitted in POWER_PARAMETERS}
    return PowerModel(mean_usd_per_mwh=mean, **values)


def power_process(spec: ScenarioSpec, fit: PowerFit | None, contract_usd_per_mwh: float | None,
                   periods: pd.PeriodIndex, dt: FloatArray, center_usd_per_mwh: FloatArray | None,
                   simulate_power: bool) -> PowerMarketParams:
    """One market's power process (``node`` and ``correlation`` left blank): its mean
    and parameters by :func:`power_model`, centred on ``center_usd_per_mwh`` where the
    anchor gives one [USD/MWh], else on the mean times the seasonal factors;
    ``contract_usd_per_mwh`` the first index contract's expected price on it. [USD/MWh]"""
    power = power_model(spec, fit, contract_usd_per_mwh)
    fit = fit if fit is not None else DEFAULT_POWER_FIT
    # centred on the (first) index contract's price: each index site scales it to its own
    # (a price of 0 or below has no scale: every index site takes the paths as drawn)
    drawn_on_contract = bool(simulate_power and center_usd_per_mwh is None
                             and spec.power_mean_usd_per_mwh is None
                             and contract_usd_per_mwh is not None
                             and contract_usd_per_mwh > 0.0)
    power_c = center_usd_per_mwh
    if simulate_power and power_c is None and power.mean_usd_per_mwh is not None:
        factors = np.asarray(
            spec.power_seasonal_factors
            if spec.power_seasonal_factors is not None
            else fit.seasonal_factors,
            dtype=np.float64,
        )
        factors = factors / factors.mean()
        power_c = power.mean_usd_per_mwh * factors[np.asarray(periods.month) - 1]
    kappa = power.mean_reversion_per_year
    p_vol = power.volatility_per_year
    phi = np.exp(-kappa * dt)
    # exact discretization of the OU; a random walk when kappa = 0
    innov = p_vol * np.sqrt((1 - phi**2) / (2 * kappa)) if kappa > 0 else p_vol * np.sqrt(dt)
    p_spike = 1 - (1 - power.spike_probability_per_month) ** (dt * 12.0)
    return PowerMarketParams(
        node="", center_usd_per_mwh=power_c,
        reference_usd_per_mwh=contract_usd_per_mwh if drawn_on_contract else None,
        phi=phi, innovation_sd=innov, spike_probability=p_spike,
        spike_mean_log=float(power.spike_mean_log), correlation=1.0)


def market_params(m: IndexMarket, process: PowerMarketParams) -> PowerMarketParams:
    """``process`` as market ``m``'s: its node and its correlation with the first."""
    return replace(process, node=m.node, correlation=float(m.correlation))


__all__ = ["POWER_PARAMETERS", "IndexMarket", "PowerMarketParams", "PowerModel",
           "market_params", "power_model", "power_process"]
