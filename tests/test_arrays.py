"""hashpivot.arrays: any_nonzero reads one row of a broadcast array."""

from __future__ import annotations

import numpy as np
import pytest

from hashpivot.arrays import any_nonzero


@pytest.mark.parametrize("row", [np.zeros(5), np.array([0.0, -0.0, 0.0, 2.0, 0.0]),
                                 np.array([np.nan, 0.0, 0.0, 0.0, 0.0])])
def test_any_nonzero_is_any_on_broadcast_and_full_arrays(row: np.ndarray) -> None:
    broadcast = np.broadcast_to(row, (4, 5))
    assert any_nonzero(broadcast) == bool(broadcast.any()) == bool(row.any())
    full = np.zeros((4, 5))
    full[3] = row
    assert any_nonzero(full) == bool(full.any())
    assert any_nonzero(row) == bool(row.any())
    assert not any_nonzero(np.broadcast_to(row, (0, 5)))
