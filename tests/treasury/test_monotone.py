"""Forced BTC sales against the cash a treasury holds: more cash never forces more BTC
out, and a path that never falls short of the floor never records a forced sale
(property tests on the numpy recursion, :func:`hashpivot.treasury.run_treasury`)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hashpivot.models.risk import TreasurySpec
from hashpivot.treasury import POLICIES, run_treasury
from tests.treasury.treasury_inputs import draw_treasury_inputs, treasury_terms


@settings(max_examples=150, deadline=None)
@given(
    data=st.data(),
    n=st.integers(1, 3),
    T=st.integers(1, 10),
    policy=st.sampled_from(POLICIES),
    btc0=st.floats(0, 1e3),
    extra_cash=st.floats(0, 1e7),
    **treasury_terms,
)
def test_more_cash_never_forces_more_btc_out(
    data: st.DataObject, n: int, T: int, policy: str, btc0: float, extra_cash: float,
    cash0: float, min_cash: float, discount: float, cash_rate: float,
) -> None:
    """On the same path, starting with more cash breaches no more often and, on a path
    the poorer treasury does not breach, sells no more BTC under duress up to every month
    (the forced USD are a reflected process of the flows: a higher start lowers every
    cumulative push; no policy sells more voluntarily with more cash). A path the poorer
    one breaches may show *fewer* forced BTC than the richer one (it has none left to
    sell; hand case below): E[BTC sold, duress] is read with P(liquidity breach).
    Tolerance: 1e-9 of the path's BTC, rounding."""
    price, mined, fiat, ds = draw_treasury_inputs(data, n, T)
    runs = [run_treasury(TreasurySpec(
        btc_held=btc0, cash_usd=c, min_cash_usd=min_cash, policy=policy,  # type: ignore[arg-type]
        forced_sale_discount_fraction=discount, cash_interest_rate=cash_rate),
        price, mined, fiat, ds) for c in (cash0, cash0 + extra_cash)]
    poor, rich = runs
    tol = 1e-9 * (btc0 + mined.sum() + 1.0)
    solvent = ~poor.breach.any(axis=1)
    assert (rich.btc_sold_forced.cumsum(axis=1)[solvent]
            <= poor.btc_sold_forced.cumsum(axis=1)[solvent] + tol).all()
    assert (rich.breach.any(axis=1) <= poor.breach.any(axis=1)).all()


def test_a_breached_treasury_can_show_fewer_forced_btc_than_a_richer_one() -> None:
    """The hand case hypothesis found: min_cash policy, floor and target 0, price 1 USD,
    1 BTC mined in month 1, -1 USD of flow each month. With 0 USD the treasury sells the
    BTC voluntarily in month 1 and is in breach in month 2 with nothing to sell (0 BTC
    forced); with 1 USD it keeps the BTC and sells it under duress in month 2 (1 BTC
    forced, no breach)."""
    price, mined = np.array([[1.0, 1.0]]), np.array([[1.0, 0.0]])
    fiat, ds = np.array([[-1.0, -1.0]]), np.zeros(2)
    poor, rich = (run_treasury(TreasurySpec(cash_usd=c, policy="min_cash"), price, mined,
                               fiat, ds) for c in (0.0, 1.0))
    assert poor.btc_sold_forced.sum() == 0.0 and poor.breach[0, 1]
    assert rich.btc_sold_forced.sum() == 1.0 and not rich.breach.any()


@settings(max_examples=100, deadline=None)
@given(data=st.data(), n=st.integers(1, 3), T=st.integers(1, 10),
       policy=st.sampled_from(POLICIES), btc0=st.floats(0, 1e3), **treasury_terms)
def test_no_shortfall_no_forced_sale(
    data: st.DataObject, n: int, T: int, policy: str, btc0: float,
    cash0: float, min_cash: float, discount: float, cash_rate: float,
) -> None:
    """A forced sale is recorded in a month exactly when the cash after the flows and the
    policy's sale falls below the floor by more than rounding: recomputed by hand from the
    run's own months (cash before the forced sale = cash after it - its proceeds)."""
    price, mined, fiat, ds = draw_treasury_inputs(data, n, T)
    spec = TreasurySpec(
        btc_held=btc0, cash_usd=cash0, min_cash_usd=min_cash, policy=policy,  # type: ignore[arg-type]
        forced_sale_discount_fraction=discount, cash_interest_rate=cash_rate)
    r = run_treasury(spec, price, mined, fiat, ds)
    before = r.cash_usd - r.proceeds_forced_usd
    scale = 1e-9 * (cash0 + min_cash + np.abs(fiat).sum() + ds.sum() * n + 1.0)
    short = before < min_cash - scale
    assert not (r.btc_sold_forced[~(before < min_cash)] > 0).any()
    held_before = r.btc_held + r.btc_sold_forced
    assert (r.btc_sold_forced[short & (held_before > 0)] > 0).all()
