"""Hosting risk inputs shared by the hosting and Monte Carlo tests."""

from __future__ import annotations

from hashpivot.models.hosting import HostingRiskSpec

#: Hosting risk with every spread at zero and the tenant's default in expectation: the
#: per-path hosting flows must equal the expected-value model's.
NO_SPREAD = HostingRiskSpec(
    construction_delay_fraction_mean=0.0, construction_delay_fraction_sd=0.0,
    capex_overrun_fraction_mean=0.0, capex_overrun_fraction_sd=0.0,
    lease_up_delay_months_mean=0.0, lease_up_delay_months_sd=0.0,
    tenant_default="expected",
)
