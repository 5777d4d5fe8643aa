"""Conversion capex, its funding split (operator vs tenant), the build schedule, and the
resale of the miners a conversion displaces.

Sources: conversion capex of 8-11 M USD per critical IT MW (Cipher, TeraWulf), a light
retrofit at ~3.6 M USD/MW (Riot-AMD) and tenant-funded fit-out (CoreWeave at Core
Scientific), all in ``hashpivot/data/ai_hosting_deals.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from hashpivot.arrays import FloatArray, scalar_or_array

Funder = Literal["operator", "tenant"]

__all__ = [
    "CapexSplit",
    "asic_resale_usd",
    "build_masks",
    "capex_split_usd",
    "spread_evenly",
]


@dataclass(frozen=True)
class CapexSplit:
    """Capex of a conversion by component and funder.

    Attributes
    ----------
    shell_usd, fit_out_usd : numeric
        Powered shell and fit-out capex. [USD]
    operator_usd, tenant_usd : numeric
        Capex paid by the operator and by the tenant. [USD]
    """

    shell_usd: Any
    fit_out_usd: Any
    operator_usd: Any
    tenant_usd: Any

    @property
    def total_usd(self) -> Any:
        """Shell plus fit-out. [USD]"""
        return self.shell_usd + self.fit_out_usd


def capex_split_usd(
    it_mw: Any,
    shell_capex_usd_per_it_mw: Any,
    fit_out_capex_usd_per_it_mw: Any,
    shell_funded_by: Funder = "operator",
    fit_out_funded_by: Funder = "operator",
) -> CapexSplit:
    """Capex of converting ``it_mw`` of critical IT, split by component and funder.

    Parameters
    ----------
    it_mw : numeric
        Critical IT capacity built. [MW]
    shell_capex_usd_per_it_mw : numeric
        Powered shell capex per IT MW. [USD/MW]
    fit_out_capex_usd_per_it_mw : numeric
        Fit-out (electrical, cooling) capex per IT MW. [USD/MW]
    shell_funded_by, fit_out_funded_by : {"operator", "tenant"}
        Who pays each component.

    Returns
    -------
    CapexSplit
        Amounts. [USD]
    """
    it = np.asarray(it_mw, dtype=float)
    shell = it * np.asarray(shell_capex_usd_per_it_mw, dtype=float)
    fit = it * np.asarray(fit_out_capex_usd_per_it_mw, dtype=float)
    op = (shell if shell_funded_by == "operator" else 0.0) + (
        fit if fit_out_funded_by == "operator" else 0.0
    )
    tenant = (shell if shell_funded_by == "tenant" else 0.0) + (
        fit if fit_out_funded_by == "tenant" else 0.0
    )
    return CapexSplit(
        shell_usd=shell,
        fit_out_usd=fit,
        operator_usd=op * np.ones_like(it),
        tenant_usd=tenant * np.ones_like(it),
    )


def build_masks(
    start_index: Any, construction_months: Any, n_months: int
) -> tuple[FloatArray, FloatArray]:
    """Which months each phase is under construction and in service.

    Parameters
    ----------
    start_index : array_like of int, shape (K,)
        Month index construction starts (may be negative or beyond the horizon). [month]
    construction_months : array_like of int, shape (K,) or scalar
        Construction duration. [month]
    n_months : int
        Horizon. [month]

    Returns
    -------
    building, ready : ndarray of float, shape (K, n_months)
        1.0 in months ``start <= t < start + construction`` (building) and
        ``t >= start + construction`` (ready, in service). [-]
    """
    s = np.atleast_1d(np.asarray(start_index, dtype=float))[:, None]
    c = np.atleast_1d(np.asarray(construction_months, dtype=float))
    c = np.broadcast_to(c, s.shape[:1])[:, None]
    t = np.arange(n_months, dtype=float)[None, :]
    building = ((t >= s) & (t < s + c)).astype(float)
    ready = (t >= s + c).astype(float)
    return building, ready


def spread_evenly(
    amount_usd: Any, start_index: Any, n_spread_months: Any, n_months: int
) -> FloatArray:
    """Spread each amount evenly over ``n_spread_months`` from ``start_index``.

    Parameters
    ----------
    amount_usd : array_like, shape (K,)
        Amounts. [USD]
    start_index : array_like of int, shape (K,)
        First month. [month]
    n_spread_months : array_like of int, shape (K,) or scalar
        Months to spread over, >= 1. [month]
    n_months : int
        Horizon (months outside it are dropped). [month]

    Returns
    -------
    ndarray, shape (K, n_months)
        Amount per month. [USD]
    """
    a = np.atleast_1d(np.asarray(amount_usd, dtype=float))
    c = np.broadcast_to(np.atleast_1d(np.asarray(n_spread_months, dtype=float)), a.shape)
    building, _ = build_masks(start_index, c, n_months)
    out: FloatArray = building * (a / np.maximum(c, 1.0))[:, None]
    return out


def asic_resale_usd(hashrate_th_s: Any, resale_usd_per_th: Any) -> Any:
    """Cash from reselling miners. [USD]

    Parameters
    ----------
    hashrate_th_s : numeric
        Hashrate of the miners sold (nameplate). [TH/s]
    resale_usd_per_th : numeric
        Secondary-market price. [USD/(TH/s)]
    """
    out = np.asarray(hashrate_th_s, dtype=float) * np.asarray(resale_usd_per_th, dtype=float)
    return scalar_or_array(out)
