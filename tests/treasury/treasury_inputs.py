"""Random treasury inputs shared by the treasury's property tests (tests/treasury/:
the numpy recursion's, its monotonicity's and the compiled kernel's)."""

from __future__ import annotations

import hypothesis.extra.numpy as hnp
import numpy as np
from hypothesis import strategies as st

__all__ = ["draw_treasury_inputs", "random_btc_paths", "treasury_terms"]

#: fiat cash flows of a property test: any finite amount up to 10 M in size [USD]
finite_usd = st.floats(-1e7, 1e7, allow_nan=False, allow_infinity=False)

#: the treasury terms both property tests draw, as ``@given`` keyword arguments (in this
#: order): starting cash and cash floor [USD], forced-sale discount [-], cash interest
#: rate [1/year]
treasury_terms = {
    "cash0": st.floats(0, 1e7),
    "min_cash": st.floats(0, 1e7),
    "discount": st.floats(0, 0.5),
    "cash_rate": st.floats(0, 0.2),
}


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


def draw_treasury_inputs(data: st.DataObject, n: int, months: int
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Arbitrary treasury inputs for a property test, drawn from ``data`` in this order.

    Returns
    -------
    price, mined, fiat, debt_service
        BTC price, 1 to 1e6 [USD]; BTC mined, 0 to 100 [BTC]; fiat cash flow, any finite
        amount in +-1e7 [USD], each ``(n, months)``; debt service, 0 to 1e6, ``(months,)``
        [USD].
    """
    price = data.draw(hnp.arrays(np.float64, (n, months), elements=st.floats(1.0, 1e6)))
    mined = data.draw(hnp.arrays(np.float64, (n, months), elements=st.floats(0.0, 100.0)))
    fiat = data.draw(hnp.arrays(np.float64, (n, months), elements=finite_usd))
    ds = data.draw(hnp.arrays(np.float64, (months,), elements=st.floats(0.0, 1e6)))
    return price, mined, fiat, ds
