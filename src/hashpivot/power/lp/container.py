"""A linear model under construction: named blocks of columns and rows, COO triplets.

Shared by the dispatch LP/MILP (:mod:`hashpivot.power.lp`) and the portfolio plan
(:mod:`hashpivot.optimize.model`). A variable is a named block of columns whose index
array may have any shape (``(T,)`` for a time series, ``(T, S)`` for one per segment);
a constraint is a named block of rows. Blocks may be empty: code asks for a variable and
gets an empty index array, never a missing key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from hashpivot.arrays import FloatArray, IntArray

__all__ = ["IntArray", "LinearModel", "Term"]

Term = tuple[Any, Any, Any]  #: (local rows, columns, coefficients), broadcast together


def _full(value: Any, n: int, shape: tuple[int, ...] | None) -> FloatArray:
    """``value`` broadcast to the block's shape, flattened in column order."""
    if shape is None:
        return np.broadcast_to(np.asarray(value, dtype=float), (n,)).copy()
    return np.broadcast_to(np.asarray(value, dtype=float), shape).ravel(order="F").copy()


@dataclass
class LinearModel:
    """Column and row blocks of a linear model, assembled into HiGHS arrays at the end.

    Attributes
    ----------
    n_intervals : int
        Default block length ``T`` (0 for models without a time axis).
    variables : dict of str to numpy.ndarray of int
        Column indices of each variable block (shaped as the block).
    constraints : dict of str to slice
        Rows of each constraint block.
    """

    n_intervals: int = 0
    col_lower: list[FloatArray] = field(default_factory=list)
    col_upper: list[FloatArray] = field(default_factory=list)
    col_cost: list[FloatArray] = field(default_factory=list)
    col_integer: list[npt.NDArray[np.bool_]] = field(default_factory=list)
    n_col: int = 0
    variables: dict[str, IntArray] = field(default_factory=dict)
    row_lower: list[FloatArray] = field(default_factory=list)
    row_upper: list[FloatArray] = field(default_factory=list)
    triplets: list[tuple[IntArray, IntArray, FloatArray]] = field(default_factory=list)
    n_row: int = 0
    constraints: dict[str, slice] = field(default_factory=dict)

    def add_variables(
        self,
        name: str,
        lower: Any,
        upper: Any,
        cost: Any = 0.0,
        integer: bool = False,
        n: int | None = None,
        shape: tuple[int, ...] | None = None,
    ) -> IntArray:
        """Add a block of variables; return their column indices.

        Parameters
        ----------
        name : str
            Block name (unique).
        lower, upper, cost : float or array
            Bounds and objective coefficients, broadcast to the block.
        integer : bool
            Integer columns.
        n : int, optional
            Number of columns of a flat block (default ``n_intervals``).
        shape : tuple of int, optional
            Shape of the block instead of ``n``; columns are numbered first index fastest
            (a ``(T, S)`` block is ``S`` runs of ``T`` columns).
        """
        if name in self.variables:
            raise ValueError(f"duplicate variable block {name!r}")
        size = int(np.prod(shape)) if shape is not None else (
            self.n_intervals if n is None else n
        )
        idx = np.arange(self.n_col, self.n_col + size, dtype=np.int64)
        self.col_lower.append(_full(lower, size, shape))
        self.col_upper.append(_full(upper, size, shape))
        self.col_cost.append(_full(cost, size, shape))
        self.col_integer.append(np.full(size, integer))
        self.n_col += size
        self.variables[name] = idx if shape is None else idx.reshape(shape, order="F")
        return self.variables[name]

    def get(self, name: str) -> IntArray:
        """Column indices of a variable block."""
        return self.variables[name]

    def add_constraints(
        self,
        name: str,
        n_rows: int,
        terms: list[Term],
        lower: Any,
        upper: Any,
    ) -> slice:
        """Add ``n_rows`` rows; ``terms`` are (local row, column, coefficient) arrays.

        A term whose column array is empty (a variable not used in this model) is skipped.
        """
        if name in self.constraints:
            raise ValueError(f"duplicate constraint block {name!r}")
        base = self.n_row
        for rows, cols, vals in terms:
            cols = np.asarray(cols, dtype=np.int64)
            if cols.size == 0:
                continue
            rows = np.asarray(rows, dtype=np.int64)
            v = np.broadcast_to(np.asarray(vals, dtype=float), rows.shape).copy()
            self.triplets.append((rows.ravel() + base, cols.ravel(), v.ravel()))
        self.row_lower.append(np.broadcast_to(np.asarray(lower, dtype=float), (n_rows,)).copy())
        self.row_upper.append(np.broadcast_to(np.asarray(upper, dtype=float), (n_rows,)).copy())
        self.n_row += n_rows
        self.constraints[name] = slice(base, base + n_rows)
        return self.constraints[name]

    def matrix(self) -> sp.csc_matrix:
        """The constraint matrix, column-wise."""
        if self.triplets:
            rows = np.concatenate([t[0] for t in self.triplets])
            cols = np.concatenate([t[1] for t in self.triplets])
            vals = np.concatenate([t[2] for t in self.triplets])
        else:
            rows = cols = np.zeros(0, dtype=np.int64)
            vals = np.zeros(0)
        return sp.csc_matrix((vals, (rows, cols)), shape=(self.n_row, self.n_col))

    def arrays(self) -> dict[str, Any]:
        """Bounds and costs concatenated."""
        cat = np.concatenate
        return {
            "col_lower": cat(self.col_lower) if self.col_lower else np.zeros(0),
            "col_upper": cat(self.col_upper) if self.col_upper else np.zeros(0),
            "col_cost": cat(self.col_cost) if self.col_cost else np.zeros(0),
            "integer": cat(self.col_integer) if self.col_integer else np.zeros(0, bool),
            "row_lower": cat(self.row_lower) if self.row_lower else np.zeros(0),
            "row_upper": cat(self.row_upper) if self.row_upper else np.zeros(0),
        }

    def feasible(self, x: FloatArray, tol: float = 1e-6) -> npt.NDArray[np.bool_]:
        """Whether each column vector (columns of ``x``, shape (n_col,) or (n_col, N))
        keeps the column bounds, is integral on integer columns and keeps the row bounds,
        each within ``tol`` times max(1, the bound's size). [-]"""
        a = self.arrays()
        if np.shape(x)[0] != self.n_col:
            raise ValueError(f"x has {np.shape(x)[0]} rows, the model {self.n_col} columns")
        v = np.asarray(x, dtype=float).reshape(self.n_col, -1)
        row = np.asarray(self.matrix() @ v)

        def within(val: FloatArray, lo: FloatArray, hi: FloatArray) -> npt.NDArray[np.bool_]:
            slack_lo = tol * np.maximum(1.0, np.abs(np.where(np.isfinite(lo), lo, 0.0)))
            slack_hi = tol * np.maximum(1.0, np.abs(np.where(np.isfinite(hi), hi, 0.0)))
            ok = (val >= lo[:, None] - slack_lo[:, None]) & (val <= hi[:, None] + slack_hi[:, None])
            return np.asarray(ok.all(axis=0))

        integral = np.abs(v[a["integer"]] - np.round(v[a["integer"]])) <= tol
        return (within(v, a["col_lower"], a["col_upper"]) & integral.all(axis=0)
                & within(row, a["row_lower"], a["row_upper"]))

    @property
    def constraint_names(self) -> tuple[str, ...]:
        """Names of the non-empty constraint blocks, sorted."""
        return tuple(sorted(k for k, s in self.constraints.items() if s.stop > s.start))
