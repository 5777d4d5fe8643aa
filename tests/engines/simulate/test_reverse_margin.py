"""Reverse-margin counts (hashpivot.engines.simulate.reverse_margin) against numpy."""

from __future__ import annotations

import numpy as np

from hashpivot.engines.simulate.reverse_margin import reverse_margin_counts


def test_counts_equal_the_numpy_expressions() -> None:
    rng = np.random.default_rng(4)
    P, T = 300, 30
    price = rng.uniform(5e4, 1.5e5, (P, T))
    btc = np.where(rng.uniform(size=(P, T)) < 0.2, 0.0, rng.uniform(0, 30, (P, T)))
    power = rng.uniform(0, 1.5e6, (P, T))
    opex = np.broadcast_to(rng.uniform(0, 5e5, T), (P, T))  # a broadcast view
    mining_mw = np.broadcast_to(np.where(np.arange(T) < 20, 100.0, 0.0), (P, T))
    corp = rng.uniform(0, 2e5, T)
    noncash = rng.uniform(0, 8e5, T)
    value = btc * price
    curtailed = (btc <= 0) & (mining_mw > 0)
    cash = power + opex + corp
    want_direct = ((cash > value) | curtailed).sum(axis=0)
    want_total = ((cash + noncash > value) | curtailed).sum(axis=0)
    direct, total = reverse_margin_counts(btc, price, power, opex, mining_mw, corp, noncash)
    assert direct.tolist() == want_direct.tolist()
    assert total.tolist() == want_total.tolist()
    assert 0 < direct.sum() < P * T and (total >= direct).all()
    # months with no mining MW: a zero production is not a curtailment
    assert (direct[20:] == ((cash > value).sum(axis=0))[20:]).all()


def test_hand_case() -> None:
    one = np.ones((1, 3))
    direct, total = reverse_margin_counts(
        np.array([[1.0, 0.0, 2.0]]), 100.0 * one, 60.0 * one, 30.0 * one, one,
        np.array([0.0, 0.0, 0.0]), np.array([20.0, 0.0, 200.0]),
    )
    # month 0: cost 90 < value 100, +20 non-cash -> 110 > 100; month 1: curtailed;
    # month 2: 90 < 200, +200 -> 290 > 200
    assert direct.tolist() == [0.0, 1.0, 0.0]
    assert total.tolist() == [1.0, 1.0, 1.0]
