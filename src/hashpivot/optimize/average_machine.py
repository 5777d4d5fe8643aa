"""The plan problem with each site's fleet as one average machine, as ``pivot`` sees it.

The decision model gives each fleet entry its own tranche, so a conversion displaces the
machines that earn least first (the least efficient) and each entry curtails and
dispatches at its own margin. ``pivot`` and ``simulate`` model a site's fleet as one
average machine: its hashrate, power and hashrate-weighted uptime summed over the entries
(:func:`hashpivot.engines.pivot.inputs.resolve_sites`), displaced in proportion. Valuing
a plan again on the problem this module returns isolates that one difference: on the
central path it gives the value ``pivot`` gives the plan portfolio, and what is left
between the two figures of the optimizer is what displacing machine by machine is worth
(the final year's mining EBITDA, times the terminal value's multiple, can make it large
on a short horizon).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hashpivot.engines.pivot.inputs import SiteInputs
from hashpivot.optimize.coefficients import Tranche
from hashpivot.optimize.inputs import PlanProblem
from hashpivot.units import W_PER_MW

__all__ = ["average_machine_tranche", "with_average_machines"]

#: The label of a site's one tranche of its average machine.
AVERAGE_LABEL = "fleet average"


def average_machine_tranche(site: SiteInputs) -> Tranche:
    """A site's whole fleet as one tranche of its average machine.

    Parameters
    ----------
    site : SiteInputs
        The resolved site (fleet hashrate [TH/s], power at the meter [MW], overhead [-],
        hashrate-weighted uptime [-]).

    Returns
    -------
    Tranche
        ``gross_mw`` = the fleet's power at the meter [MW], its hashrate [TH/s] and
        uptime [-], and the efficiency of its ASICs, overhead excluded [J/TH].
    """
    asic_w = site.fleet_power_mw * W_PER_MW / site.power_overhead_factor
    return Tranche(AVERAGE_LABEL, site.fleet_power_mw, site.fleet_hashrate_th_s,
                   site.uptime_fraction, asic_w / site.fleet_hashrate_th_s)


def with_average_machines(p: PlanProblem) -> PlanProblem | None:
    """The problem with each site's fleet entries merged into one average machine.

    Parameters
    ----------
    p : PlanProblem

    Returns
    -------
    PlanProblem or None
        A copy whose tranches are, per site, its spare capacity and one tranche of its
        average machine (:func:`average_machine_tranche`); None when no site has more
        than one fleet entry (the problem is that already).
    """
    if all(sum(not t.is_spare for t in ts) <= 1 for ts in p.tranches):
        return None
    tranches = [[ts[0], average_machine_tranche(site)]
                for site, ts in zip(p.sites, p.tranches, strict=True)]
    tranche_mw = np.array([[t.gross_mw for t in ts] for ts in tranches])
    return dataclasses.replace(p, tranches=tranches, tranche_mw=tranche_mw)
