"""Tenants and committed decisions name sites by the one lookup rule of
:func:`hashpivot.models.find_site` (exact name, else the only one equal ignoring case)."""

from __future__ import annotations

import pytest

from hashpivot.exceptions import InputError
from hashpivot.optimize import PlanProblem, resolve_problem

from .optimize_inputs import portfolio, site_toml

TENANT = """
[optimize]
block_mw = 25.0
  [[optimize.tenants]]
  name = "T"
  it_mw = 50.0
  lease_usd_per_kw_month = 150.0
  lease_escalator_per_year = 0.0
  lease_term_years = 10
  sites = [{sites}]
"""


def _problem(sites: str) -> PlanProblem:
    pf = portfolio(site_toml("Alpha"), site_toml("Beta"), years=4,
                   tail=TENANT.format(sites=sites))
    return resolve_problem(pf)


def test_tenant_sites_found_exactly_or_ignoring_case() -> None:
    assert list(_problem('"Beta"').offer_site) == [1]
    assert list(_problem('"beta", "ALPHA"').offer_site) == [1, 0]


def test_unknown_tenant_site_is_reported_at_the_tenant_with_the_site_names() -> None:
    with pytest.raises(InputError) as info:
        _problem('"Gamma"')
    (problem,) = info.value.problems
    assert problem.path == "optimize.tenants[0].sites"
    assert problem.message == "no site named 'Gamma'; sites: Alpha, Beta"
