"""Random treasury inputs shared by the treasury tests (tests/test_treasury.py) and the
compiled treasury's tests (tests/test_treasury_kernel.py)."""

from __future__ import annotations

import numpy as np

__all__ = ["random_btc_paths"]


def random_btc_paths(rng: np.random.Generator, n: int, months: int, *,
                     price_sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """BTC price [USD] and BTC mined [BTC] per path and month, drawn from ``rng`` in that order.

    Parameters
    ----------
    rng
        The generator; it advances by the two draws.
    n
        Number of paths [-].
    months
        Number of months [-].
    price_sigma
        Standard deviation of the log price around ``e**11`` (~60,000 USD) [-].

    Returns
    -------
    price, mined
        Lognormal prices [USD] and BTC mined, uniform on 0-20 [BTC]; both ``(n, months)``.
    """
    price = np.exp(rng.normal(11, price_sigma, (n, months)))
    mined = rng.uniform(0, 20, (n, months))
    return price, mined
