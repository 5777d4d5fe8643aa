"""The compiled treasury (hashpivot.treasury.kernel) against the numpy recursion.

The kernel repeats the numpy operations in the same order, so its figures are bitwise
those of :func:`hashpivot.treasury.run_treasury` reduced the way the old numpy summary
reduced them: per-path totals accumulated month by month (a sequential sum: the last
column of ``cumsum``), the forced sales of a month summed over paths by numpy's pairwise
``row.sum()``.
"""

from __future__ import annotations

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hashpivot.models.risk import TreasurySpec
from hashpivot.treasury import POLICIES, run_treasury, treasury_summary
from hashpivot.treasury.kernel import treasury_summaries
from tests.treasury.treasury_inputs import draw_treasury_inputs, random_btc_paths, treasury_terms


def _reference(spec: TreasurySpec, price, mined, fiat, ds, pol, capex=None):  # type: ignore[no-untyped-def]
    r = run_treasury(spec, price, mined, fiat, ds, pol, capex)
    f, v = r.btc_sold_forced, r.btc_sold_voluntary
    nc = r.btc_sold_forced_without_capex
    # the old summary: tot_sold += f, then += v (unless hold), month after month
    inter = np.stack([f, v], axis=2).reshape(f.shape[0], -1) if pol != "hold" else f
    return {
        "forced_btc": np.cumsum(f, axis=1)[:, -1],
        "forced_proceeds_usd": np.cumsum(r.proceeds_forced_usd, axis=1)[:, -1],
        "forced_without_capex_btc": np.cumsum(nc, axis=1)[:, -1],
        "breach_without_capex": r.breach_without_capex.any(axis=1),
        "sold_btc": np.cumsum(inter, axis=1)[:, -1],
        "breach": r.breach.any(axis=1),
        "min_cash_usd": r.cash_usd.min(axis=1),
        "end_cash_usd": r.cash_usd[:, -1],
        "end_btc": r.btc_held[:, -1],
        "forced_btc_by_month_sum": np.array([row.sum() for row in f.T]),
        "breach_by_month_count": r.breach.sum(axis=0).astype(float),
        "cash_sample_usd": r.cash_usd,
    }


def _case(seed: int, n: int = 257, T: int = 37):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    price, mined = random_btc_paths(rng, n, T, price_sigma=0.5)
    revenue = mined * price
    levered = revenue + rng.normal(-1.2e6, 8e5, (n, T))
    corp = rng.uniform(0, 2e5, T)
    ds = np.where(np.arange(T) % 7 == 0, 3e5, 1e4)
    return price, mined, levered, revenue, corp, ds


def _capex(seed: int, n: int, T: int) -> np.ndarray:
    """Capex paid from the fiat flow: none most months, 0.2-2 M USD in about a fifth, and
    none at all on every fifth path (the kernel's second run starts at a path's first
    month with capex, and is skipped without any)."""
    rng = np.random.default_rng(seed)
    capex = np.where(rng.uniform(size=(n, T)) < 0.2, rng.uniform(2e5, 2e6, (n, T)), 0.0)
    capex[::5] = 0.0
    return capex


@pytest.mark.parametrize("cash_rate", [0.0, 0.04])
def test_kernel_is_bitwise_the_numpy_recursion(cash_rate: float) -> None:
    price, mined, lev, rev, corp, ds = _case(1)
    capex = _capex(11, *price.shape)
    lev = lev - capex  # the capex is paid out of the levered flow
    fiat = (lev - rev) - corp[None, :]
    spec = TreasurySpec(btc_held=40, cash_usd=4e6, min_cash_usd=2e6, target_cash_usd=3e6,
                        cash_interest_rate=cash_rate, forced_sale_discount_fraction=0.1)
    pols = ("sell_to_cover", *[p for p in POLICIES if p != "sell_to_cover"])
    got = treasury_summaries(spec, price, mined, lev, rev, corp, ds, pols,
                             keep_cash_paths=5, capex_usd=capex)
    assert list(got) == list(pols)
    sold_any = False
    for pol in pols:
        ref = _reference(spec, price, mined, fiat, ds, pol, capex)
        for key, want in ref.items():
            have = getattr(got[pol], key)
            if key == "cash_sample_usd":
                want = want[:5] if pol == pols[0] else want[:0]
            assert have.shape == want.shape, (pol, key)
            assert np.array_equal(have, want), (pol, key)  # bitwise, not allclose
            assert np.array_equal(np.signbit(have), np.signbit(want)), (pol, key)
        sold_any |= bool(ref["forced_btc"].any())
        # the capex changes the forced sales (either way: a path that runs out of BTC with
        # it sells less under duress than without it)
        assert not np.array_equal(ref["forced_without_capex_btc"], ref["forced_btc"]), pol
    assert sold_any  # the case exercises forced sales


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    n=st.integers(1, 5),
    T=st.integers(1, 9),
    policy=st.sampled_from(POLICIES),
    **treasury_terms,
)
def test_single_policy_summary_is_bitwise_the_recursion(
    data: st.DataObject, n: int, T: int, policy: str, cash0: float, min_cash: float,
    discount: float, cash_rate: float,
) -> None:
    price, mined, fiat, ds = draw_treasury_inputs(data, n, T)
    # half the months without capex: the second run starts at various months, or not at all
    capex = data.draw(hnp.arrays(np.float64, (n, T),
                                 elements=st.one_of(st.just(0.0), st.floats(0, 1e7))))
    spec = TreasurySpec(btc_held=10.0, cash_usd=cash0, min_cash_usd=min_cash,
                        forced_sale_discount_fraction=discount, cash_interest_rate=cash_rate)
    got = treasury_summary(spec, price, mined, fiat, ds, policy, keep_cash_paths=n,
                           capex_usd=capex)
    ref = _reference(spec, price, mined, fiat, ds, policy, capex)
    for key, want in ref.items():
        assert np.array_equal(getattr(got, key), want), key


def test_time_major_input_and_bad_arguments() -> None:
    price, mined, lev, rev, corp, ds = _case(2, n=20, T=6)
    spec = TreasurySpec(btc_held=5, cash_usd=1e6, min_cash_usd=5e5)
    fiat = lev - rev
    a = treasury_summary(spec, price, mined, fiat, ds, "hold")
    b = treasury_summary(spec, price.T.copy(), mined.T.copy(), fiat.T.copy(), ds, "hold",
                         time_major=True)
    assert np.array_equal(a.end_cash_usd, b.end_cash_usd)
    with pytest.raises(ValueError, match="unknown policy"):
        treasury_summaries(spec, price, mined, lev, rev, corp, ds, ("sell_some",))
    with pytest.raises(ValueError, match="share the shape"):
        treasury_summaries(spec, price, mined[:, :-1], lev, rev, corp, ds, ("hold",))
    with pytest.raises(ValueError, match="shapes"):
        treasury_summaries(spec, price, mined, lev, rev, corp[:-1], ds, ("hold",))
    with pytest.raises(ValueError, match="capex_usd"):
        treasury_summaries(spec, price, mined, lev, rev, corp, ds, ("hold",),
                           capex_usd=corp)


def test_summaries_of_disjoint_path_sets_scatter_back_to_the_whole() -> None:
    """The Monte Carlo runs each outcome of the tenants' signings on its own paths
    (engines.simulate.signing) and scatters the treasury summaries back: per-path totals
    bitwise those of one run over every path, by-month sums the same sums in another
    order, the first paths' cash in path order."""
    from hashpivot.treasury.path_summary import TreasuryPathSummary

    price, mined, lev, rev, corp, ds = _case(3, n=101, T=23)
    capex = _capex(13, *price.shape)
    spec = TreasurySpec(btc_held=40, cash_usd=4e6, min_cash_usd=2e6,
                        forced_sale_discount_fraction=0.1)
    keep = 9
    whole = treasury_summaries(spec, price, mined, lev, rev, corp, ds, ("sell_to_cover",),
                               keep_cash_paths=keep, capex_usd=capex)["sell_to_cover"]
    code = np.random.default_rng(5).integers(0, 3, price.shape[0])
    parts = []
    for c in range(3):
        idx = np.flatnonzero(code == c)
        part = treasury_summaries(
            spec, price[idx], mined[idx], lev[idx], rev[idx], corp, ds, ("sell_to_cover",),
            keep_cash_paths=int(np.count_nonzero(idx < keep)), capex_usd=capex[idx],
        )["sell_to_cover"]
        parts.append((idx, part))
    got = TreasuryPathSummary.scatter(parts, price.shape[0])
    assert whole.forced_btc.any()  # teeth: forced sales happen
    for f in TreasuryPathSummary.__dataclass_fields__:
        have, want = getattr(got, f), getattr(whole, f)
        assert have.shape == want.shape and have.dtype == want.dtype, f
        if f in ("forced_btc_by_month_sum", "breach_by_month_count"):
            np.testing.assert_allclose(have, want, rtol=1e-12, err_msg=f)
        else:
            assert np.array_equal(have, want), f
