"""The treasury's selling policies (:data:`POLICIES`) and the order a simulation runs
them in, the headline policy first (:func:`policy_order`)."""

from __future__ import annotations

from hashpivot.exceptions import InputError, Problem
from hashpivot.models.risk import TreasurySpec

#: The selling policies: the voluntary sale of step 3 of :mod:`hashpivot.treasury`'s month.
POLICIES: tuple[str, ...] = ("hold", "sell_all", "sell_to_cover", "min_cash")


def policy_order(spec: TreasurySpec | None, policy: str | None = None) -> tuple[str, ...]:
    """The treasury policies a simulation runs, the headline policy first.

    Parameters
    ----------
    spec : TreasurySpec or None
        The portfolio's ``[treasury]`` table (defaults when ``None``).
    policy : str, optional
        One of :data:`POLICIES`, or ``"all"`` (every policy in :data:`POLICIES` order).
        ``None``: the spec's policy first, then the others in :data:`POLICIES` order.

    Raises
    ------
    InputError
        At path ``policy`` for any other name.
    """
    if policy is None:
        headline = (spec or TreasurySpec()).policy
        return (headline, *[p for p in POLICIES if p != headline])
    if policy == "all":
        return POLICIES
    if policy in POLICIES:
        return (policy,)
    raise InputError(
        Problem("policy", f"{policy!r} is not one of {', '.join(POLICIES)} or 'all'")
    )


__all__ = ["POLICIES", "policy_order"]
