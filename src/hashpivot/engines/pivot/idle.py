"""What keep-mining pays for while its fleet no longer mines: :func:`idle_baseline_note`.

On a market where the network outgrows the BTC price, every machine may stop for good
before the horizon; the baseline still pays its sites' fixed costs (staff, maintenance,
insurance) to the horizon, as the file states them. Whether an owner would close or sell
an idle site instead is a choice the model does not make, and it moves every NPV against
keep-mining by the value of those months, so the note prints that value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hashpivot import finance
from hashpivot.engines.pivot.discounting import LineRates
from hashpivot.engines.pivot.flows import CashFlows

__all__ = ["idle_baseline_note", "idle_months"]


def idle_months(btc_mined: np.ndarray) -> int:
    """Months at the end of the horizon without BTC mined, after some were. [month]"""
    mined = np.flatnonzero(np.asarray(btc_mined, dtype=np.float64) > 0.0)
    return 0 if mined.size == 0 else int(btc_mined.size - 1 - mined[-1])


def idle_baseline_note(name: str, cf: CashFlows, periods: pd.PeriodIndex,
                       rates: LineRates, site: str | None = None) -> str | None:
    """A note when the baseline mines nothing from some month to the horizon.

    Parameters
    ----------
    name : str
        The baseline's name (``keep_mining``).
    cf : CashFlows
        Its cash flows (the first path).
    periods : pandas.PeriodIndex
        The horizon's months.
    rates : LineRates
        Discount rates; the baseline's flows are the mining line's. [1/year]
    site : str, optional
        The one site ``cf`` holds (a portfolio of several sites gets a note per site
        that idles, as another may mine on); None: every site valued.

    Returns
    -------
    str or None
        The first idle month, their count and the present value of the baseline's
        unlevered free cash flow in them, before tax [USD], which a baseline that closed its sites
        then would not pay; None when it mines to the horizon or never mines, or those
        months cost nothing.
    """
    btc = np.asarray(cf.btc_mined, dtype=np.float64)[0]
    idle = idle_months(btc)
    if idle == 0:
        return None
    n = btc.size
    rate = float(finance.periodic_rate(rates.mining))
    # (the halls in service are not closed with the mining: their rent is not the idle
    # months')
    fcf = np.asarray(cf.unlevered_fcf_usd - cf.in_service_usd, dtype=np.float64)[0]
    pv = float(fcf[n - idle:] @ finance.discount_factors(rate, n)[n - idle:])
    if not pv < 0.0:
        return None
    who, whose, what = ((name, "its sites'", "the idle sites") if site is None
                        else (f"{name} at {site}", "the site's", "the site"))
    return (
        f"{who} mines no BTC from {periods[n - idle]} to the horizon ({idle} months) and "
        f"{whose} costs run on: those months' cash flow is {pv / 1e6:,.1f} M USD of its "
        f"NPV (present value, before tax). A keep-mining that closed or sold {what} "
        f"then would be worth up to {-pv / 1e6:,.1f} M USD more, and every NPV vs keep that "
        f"much less (to value a closing, give {whose} fleet entries and cost items `end = "
        f"\"{periods[n - idle - 1]}\"`, the last month mined: machines mine and items are "
        "paid only to their end; ending the items alone may let the machines mine again "
        "where their own costs idled them)"
    )
