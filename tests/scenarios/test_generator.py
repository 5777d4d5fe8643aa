"""Draw order, zero-volatility identity and chunk seeds (hashpivot.scenarios.generator)."""

from __future__ import annotations

import numpy as np

from hashpivot.scenarios import (
    build_scenario_params,
    chunk_seeds,
    generate_chunk,
    generate_market_paths,
)
from tests.scenarios.paths import center_paths, spec_with


def test_zero_volatility_reproduces_the_center_exactly() -> None:
    center = center_paths()
    params = build_scenario_params(spec_with(), calibration=None, center=center).zero_volatility()
    m = generate_market_paths(params, 50, np.random.default_rng(1))
    for name in ("btc_price_usd", "network_hashrate_th_s", "fees_btc_per_block",
                 "subsidy_btc_per_block", "power_price_usd_per_mwh"):
        got = getattr(m, name)
        want = np.broadcast_to(getattr(center, name), got.shape)
        np.testing.assert_array_equal(got, want, err_msg=name)


def test_spec_with_zero_volatilities_equalscenter_paths() -> None:
    spec = spec_with(
        btc_volatility_per_year=0.0,
        hashrate_volatility_per_year=0.0,
        fees_lognormal_sigma=0.0,
        power_volatility_per_year=0.0,
        power_spike_probability_per_month=0.0,
    )
    center = center_paths()
    m = generate_market_paths(
        build_scenario_params(spec, center=center), 7, np.random.default_rng(2)
    )
    np.testing.assert_array_equal(m.btc_price_usd, np.repeat(center.btc_price_usd, 7, 0))
    np.testing.assert_array_equal(
        m.network_hashrate_th_s, np.repeat(center.network_hashrate_th_s, 7, 0)
    )
    np.testing.assert_array_equal(
        m.power_price_usd_per_mwh, np.repeat(center.power_price_usd_per_mwh, 7, 0)
    )


def test_chunks_are_reproducible_and_order_independent() -> None:
    params = build_scenario_params(spec_with(), center=center_paths(24))
    a = chunk_seeds(7, 25, 10)
    assert [(k, n) for k, n, _ in a] == [(0, 10), (1, 10), (2, 5)]
    b = chunk_seeds(7, 25, 10)
    forward = [generate_chunk(params, s, n).btc_price_usd for _, n, s in a]
    backward = [generate_chunk(params, s, n).btc_price_usd for _, n, s in reversed(b)][::-1]
    for x, y in zip(forward, backward, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(forward[0][:5], forward[2])  # chunks differ
    # same as spawning from a fresh root SeedSequence
    child = np.random.SeedSequence(7).spawn(3)[1]
    np.testing.assert_array_equal(generate_chunk(params, child, 10).btc_price_usd, forward[1])
