"""Inputs shared by the pivot tests of a fleet swap: the 200 MW example's text, the lines
edited in it, and the example as a dispatching site whose S21s may be swapped for S21 XPs."""

from __future__ import annotations

from pathlib import Path

from hashpivot.models import Portfolio, parse_portfolio

#: the 200 MW pivot example (one site, 52,000 S21s on a fixed contract)
EXAMPLE = Path(__file__).parents[3] / "examples" / "pivot-200mw.toml"
#: its power contract's lines (fixed, 38 USD/MWh)
CONTRACT = ('  kind = "fixed"\n  price_usd_per_mwh = 38.0         # reported: Riot 3.7 c/kWh, '
            'IREN 3.8, MARA 4.0 [USD/MWh]\n')
#: the end of its fleet entry, before its cost items
FLEET_END = "  uptime_fraction = 0.95\n\n  [[sites.cost_items]]"
#: a fleet entry of 52,000 S21 XPs from 2027-07-01 (199.0 MW)
XP = ('  [[sites.fleet]]\n  asic = "Antminer S21 XP"\n  count = 52000\n'
      '  uptime_fraction = 0.95\n  start = "2027-07-01"\n  capex_usd_per_th = 15.0\n'
      '  depreciation_years = 4.0\n\n')


def swap_site_portfolio(swap: bool) -> Portfolio:
    """The 200 MW example on an index contract (ERCOT HB_WEST, 40 + 3 [USD/MWh]) with
    ``[sites.dispatch]``: its 52,000 S21s (191.1 MW), to 2027-06 and swapped for
    :data:`XP` (199.0 MW) from 2027-07-01 when ``swap``, throughout when not."""
    text = EXAMPLE.read_text()
    assert CONTRACT in text and FLEET_END in text and "  [sites.hosting]\n" in text
    text = text.replace(CONTRACT, '  kind = "index"\n  price_usd_per_mwh = 40.0\n'
                        '  adder_usd_per_mwh = 3.0\n  market = "ercot:HB_WEST"\n')
    if swap:
        text = text.replace(FLEET_END, '  uptime_fraction = 0.95\n  end = "2027-06"\n\n'
                            + XP + "  [[sites.cost_items]]")
    text = text.replace("  [sites.hosting]\n",
                        "  [sites.dispatch]\n  availability_fraction = 0.97\n\n"
                        "  [sites.hosting]\n")
    return parse_portfolio(text, "swap.toml")
