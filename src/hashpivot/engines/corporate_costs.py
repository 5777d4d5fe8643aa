"""The portfolio's own cost items (``[[cost_items]]``, corporate) in the resolved
assumptions of ``pivot``, ``simulate`` and ``optimize``.

No engine's NPV counts them: they are the same in every strategy, so they leave each
difference between strategies unchanged, but each value is above what the company nets by
them. ``simulate``'s treasury pays the cash ones (the forced sales and the liquidity
breaches move with them), leaves ``interest`` to ``[treasury] debt`` and counts the
non-cash ones (depreciation, stock-based compensation) in the total reverse margin;
``cost`` counts them all per BTC. :func:`corporate_cost_facts` groups them so;
:func:`corporate_cost_rows` says it beside each engine's figures (until 2026-12-07 only
``pivot`` and ``optimize`` had a note, on the cash ones, and no row).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hashpivot.models import CostItem

__all__ = ["ROW", "corporate_cost_facts", "corporate_cost_rows"]

#: The row's name.
ROW = "[cost_items] corporate costs"
#: The groups, by category: not cash (no engine pays them), interest (``[treasury] debt``'s
#: in ``simulate``), and cash (the rest).
_NOT_CASH = frozenset({"depreciation", "stock_based_compensation"})
_GROUPS = (("cash", "cash"), ("not_cash", "not cash"), ("interest", "interest"))


def corporate_cost_facts(items: Sequence[CostItem]) -> dict[str, Any] | None:
    """The portfolio's own cost items by group: ``<group>_usd_per_year`` (their
    ``usd_per_year`` summed, dated ones as if they applied throughout) [USD/year] and
    ``<group>_items`` [-] for ``cash``, ``not_cash`` and ``interest``, and ``dated``: each
    item with a ``start`` or ``end``, its name and dates in words; None without any."""
    if not items:
        return None
    out: dict[str, Any] = {}
    for group, _ in _GROUPS:
        chosen = [it for it in items if _group(str(it.category)) == group]
        out[f"{group}_usd_per_year"] = float(sum(float(it.annual_usd) for it in chosen))
        out[f"{group}_items"] = len(chosen)
    # the items that apply between dates only (each paid then alone)
    out["dated"] = [f"{it.name} " + " ".join(
        f"{word} {day}" for word, day in (("from", it.start), ("to", it.end)) if day)
        for it in items if it.start is not None or it.end is not None]
    return out


def _group(category: str) -> str:
    if category in _NOT_CASH:
        return "not_cash"
    return "interest" if category == "interest" else "cash"


def corporate_cost_rows(facts: Mapping[str, Any] | None, engine: str
                        ) -> list[dict[str, Any]]:
    """The row of :func:`corporate_cost_facts` in ``engine``'s resolved assumptions
    (``pivot``, ``optimize``: in no NPV; ``simulate``: paid by its treasury); none
    without corporate items."""
    if not facts:
        return []
    parts: list[str] = []
    for group, words in _GROUPS:
        n = int(facts[f"{group}_items"])
        if n:
            count = f"{n} item{'s' if n != 1 else ''}" if not parts else str(n)
            parts.append(f"{words} {facts[f'{group}_usd_per_year'] / 1e6:,.1f} ({count})")
    listed = ", ".join(parts) + (f"; {', '.join(facts['dated'])}"
                                 if facts.get("dated") else "")
    if engine == "simulate":
        return [{"name": ROW, "value": f"{listed}: paid by the treasury, not in the NPVs",
                 "unit": "M USD/year",
                 "source": "file; the treasury pays the cash ones each month they apply "
                           "(the forced sales and breaches; none without [treasury]), "
                           "leaves interest to [treasury] debt, counts the non-cash ones "
                           "in the total reverse margin; the same in every strategy, "
                           "they are in no NPV"}]
    return [{"name": ROW, "value": f"not in the NPVs: {listed}", "unit": "M USD/year",
             "source": f"file; the same in every strategy, they leave each difference "
                       f"unchanged, but each value is above what the company nets by them "
                       f"({engine} values the sites): simulate's treasury pays the cash "
                       "ones (interest: [treasury] debt's), cost counts them per BTC"}]
