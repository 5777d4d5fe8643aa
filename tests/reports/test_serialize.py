"""``jsonable`` tests numpy scalars through ``sys.modules`` (numpy is not imported at
start-up): with numpy imported, each becomes the Python value ``json`` writes."""

from __future__ import annotations

import json

import numpy as np

from hashpivot.reports.serialize import dumps, jsonable


def test_numpy_scalars_become_python_values() -> None:
    out = jsonable({"n": np.int64(3), "ok": np.bool_(True), "x": np.float32(0.5),
                    "gone": np.float32("nan"), "inf": np.float64("inf"), "t": (np.int8(1),)})
    assert out == {"n": 3, "ok": True, "x": 0.5, "gone": None, "inf": None, "t": [1]}
    assert type(out["n"]) is int and type(out["ok"]) is bool and type(out["x"]) is float
    assert json.loads(dumps({"ok": np.bool_(False), "n": np.uint16(7)})) == {"ok": False,
                                                                            "n": 7}


def test_a_negative_zero_is_written_as_zero() -> None:
    """JSON says 0.0 where the text tables say 0 (they print no "-0.00"): a negative zero
    (``-0.0 * x``, numpy's or Python's) is written without its sign."""
    assert dumps({"x": -0.0, "y": [np.float64(-0.0)], "z": -1e-12}) == (
        '{"x": 0.0, "y": [0.0], "z": -1e-12}')
