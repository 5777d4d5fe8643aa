"""A dispatch schedule: the power flows per interval a solver chooses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hashpivot.arrays import FloatArray, IntArray

if TYPE_CHECKING:
    from hashpivot.power.model import DispatchProblem

__all__ = ["Schedule"]


@dataclass
class Schedule:
    """Power flows per interval chosen by a solver.

    Attributes
    ----------
    segment_mw : numpy.ndarray, shape (T, S)
        Mining power in each tranche segment. [MW]
    ai_flexible_mw : numpy.ndarray, shape (T,)
        Flexible AI draw. [MW]
    grid_mw, ppa_used_mw, ppa_resold_mw, renewable_used_mw, renewable_resold_mw : ndarray
        Supply flows. [MW]
    dr_shortfall_mw : numpy.ndarray, shape (T,)
        Load above the DR event limit. [MW]
    tranche_on : numpy.ndarray of int, shape (T, K), optional
        Blocks of each tranche committed (MILP only; 0 or 1 with one block per tranche,
        :meth:`~hashpivot.power.model.DispatchProblem.tranche_blocks`).
    """

    segment_mw: FloatArray
    ai_flexible_mw: FloatArray
    grid_mw: FloatArray
    ppa_used_mw: FloatArray
    ppa_resold_mw: FloatArray
    renewable_used_mw: FloatArray
    renewable_resold_mw: FloatArray
    dr_shortfall_mw: FloatArray
    tranche_on: IntArray | None = None

    def mining_by_tranche_mw(self, problem: DispatchProblem) -> FloatArray:
        """Mining power per tranche, shape (T, K). [MW]"""
        seg = problem.segments
        k = len(problem.tranches)
        out = np.zeros((self.segment_mw.shape[0], k))
        np.add.at(out.T, seg.tranche, self.segment_mw.T)
        return out

    def hashrate_by_tranche_ph_s(self, problem: DispatchProblem) -> FloatArray:
        """Hashrate per tranche, shape (T, K). [PH/s]"""
        seg = problem.segments
        k = len(problem.tranches)
        out = np.zeros((self.segment_mw.shape[0], k))
        np.add.at(out.T, seg.tranche, (self.segment_mw * seg.ph_s_per_mw[None, :]).T)
        return out
