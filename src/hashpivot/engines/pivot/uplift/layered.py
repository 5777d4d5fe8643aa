"""One fleet entry's uplift curve on a site of several (:func:`layered`): the curve of
the fleet left with the entry less the curve of the fleet left without it, per MW of the
entry, so that the entries mining sum to the site's curve at each multiplier."""

from __future__ import annotations

from dataclasses import replace

from hashpivot.engines.pivot.uplift.curve import DispatchUplift


def layered(with_entry: DispatchUplift, without_entry: DispatchUplift | None,
            with_mw: float, without_mw: float) -> DispatchUplift:
    """The curve of one fleet entry of a site of several, the least efficient displaced
    first (:mod:`~hashpivot.engines.pivot.tranches`): the curve of the fleet left with it
    less the curve of the fleet left without it, per MW of the entry.

    Each figure per MW is ``(W1 X1 - W0 X0) / (W1 - W0)`` (``G``, ``D``, ``A``, ``R``,
    ``c``, ``E`` and the supply's ``P_on`` and ``P_idle``); the revenue share is weighted
    by ``R``, the energy share by ``E`` (by MW where not measured). The entries mining
    then sum to the curve of the fleet left at each multiplier (the curves share their
    multipliers, so the interpolation between them keeps the sum): exact at the entries'
    boundaries and linear in each entry's MW within one, as the tranches and the
    optimizer's coefficients are. The site's curve at each entry's own ``k`` spread the
    site-level amounts (demand response less 4CP, ``P_on - P_idle``) per MW of the whole
    fleet and was 14.5-21.9 % low on the S21s left after a conversion of the West Texas
    example (docs/methodology.md). Each fleet left is taken at the same hashprice
    multiple (the entry's ``k``, with its own TH/s per MW as the reference:
    :meth:`DispatchUplift.for_fleet`); with a grid adder at an index level ``lambda !=
    1`` the entry's ``alpha = c / R`` maps ``k`` for both, an approximation (each fleet
    has its own ``alpha``). The shares are not clipped to [0, 1] (the sum would not
    hold).

    Parameters
    ----------
    with_entry : DispatchUplift
        The curve measured on the fleet left with the entry (it and the more efficient
        entries).
    without_entry : DispatchUplift or None
        The curve measured on the fleet left without it; None for the most efficient
        entry (nothing is left without it): ``with_entry`` itself.
    with_mw, without_mw : float
        The MW those curves are per (their fleets' power, overhead included). [MW]

    Returns
    -------
    DispatchUplift
        Per MW of the entry; its ``reference_th_s_per_mw`` to be set by
        :meth:`DispatchUplift.for_fleet` (the entry's). A PPA term's curve without the
        block is layered alike (not measured for either: None).
    """
    if without_entry is None or without_mw <= 0:
        return with_entry
    w1, w0 = float(with_mw), float(without_mw)
    mw = w1 - w0

    def per_mw(x1: float, x0: float) -> float:
        return (w1 * x1 - w0 * x0) / mw

    def curve(x1: tuple[float, ...], x0: tuple[float, ...]) -> tuple[float, ...]:
        """``D`` or ``A`` (empty: 0 at every multiplier)."""
        if not x1 and not x0:
            return ()
        n = len(with_entry.multipliers)
        out = tuple(per_mw(a, b) for a, b in zip(x1 or (0.0,) * n, x0 or (0.0,) * n,
                                                  strict=True))
        return out if any(out) else ()

    def weighted(x1: tuple[float, ...], x0: tuple[float, ...], v1: float, v0: float
                 ) -> tuple[float, ...]:
        """Shares weighted by what they are shares of, ``v1`` and ``v0`` per MW."""
        if not x1 or not x0:
            return x1
        whole = w1 * v1 - w0 * v0
        if not whole > 0:
            return x1
        return tuple((w1 * v1 * a - w0 * v0 * b) / whole for a, b in zip(x1, x0, strict=True))

    a, b = with_entry, without_entry
    assert a.multipliers == b.multipliers
    known = a.mining_energy_mwh_per_mw_month > 0 and b.mining_energy_mwh_per_mw_month > 0
    e1, e0 = ((a.mining_energy_mwh_per_mw_month, b.mining_energy_mwh_per_mw_month)
              if known else (1.0, 1.0))
    supply = a.supply
    if a.supply is not None and b.supply is not None:
        s1, s0 = a.supply, b.supply
        supply = replace(
            s1, index_usd_per_mw_month=per_mw(s1.index_usd_per_mw_month,
                                              s0.index_usd_per_mw_month),
            fixed_usd_per_mw_month=per_mw(s1.fixed_usd_per_mw_month, s0.fixed_usd_per_mw_month),
            idle_index_usd_per_mw_month=per_mw(s1.idle_index_usd_per_mw_month,
                                               s0.idle_index_usd_per_mw_month),
            idle_fixed_usd_per_mw_month=per_mw(s1.idle_fixed_usd_per_mw_month,
                                               s0.idle_fixed_usd_per_mw_month),
            by_block_usd_per_mw_month=tuple(
                per_mw(x, y) for x, y in zip(s1.by_block_usd_per_mw_month,
                                             s0.by_block_usd_per_mw_month, strict=True))
            if len(s1.by_block_usd_per_mw_month) == len(s0.by_block_usd_per_mw_month)
            else (), fleet_power_mw=mw)
    term = a.ppa_term
    if term is not None:
        other = b.ppa_term.without if b.ppa_term is not None else None
        term = replace(term, without=None if term.without is None or other is None
                       else layered(term.without, other, w1, w0))
    return replace(
        a,
        gain_usd_per_mw_month=tuple(per_mw(x, y) for x, y in zip(
            a.gain_usd_per_mw_month, b.gain_usd_per_mw_month, strict=True)),
        set_rate_gain_usd_per_mw_month=curve(a.set_rate_gain_usd_per_mw_month,
                                             b.set_rate_gain_usd_per_mw_month),
        adder_saving_usd_per_mw_month=curve(a.adder_saving_usd_per_mw_month,
                                            b.adder_saving_usd_per_mw_month),
        revenue_share=weighted(a.revenue_share, b.revenue_share,
                               a.mining_revenue_usd_per_mw_month,
                               b.mining_revenue_usd_per_mw_month),
        energy_share=weighted(a.energy_share, b.energy_share, e1, e0),
        mining_revenue_usd_per_mw_month=per_mw(a.mining_revenue_usd_per_mw_month,
                                               b.mining_revenue_usd_per_mw_month),
        mining_adder_usd_per_mw_month=per_mw(a.mining_adder_usd_per_mw_month,
                                             b.mining_adder_usd_per_mw_month),
        mining_energy_mwh_per_mw_month=per_mw(a.mining_energy_mwh_per_mw_month,
                                              b.mining_energy_mwh_per_mw_month)
        if known else 0.0,
        supply=supply,
        ppa_term=term,
    )


__all__ = ["layered"]
