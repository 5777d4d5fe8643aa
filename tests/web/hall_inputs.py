"""A portfolio with a hall in service for the web tests: the 200 MW example with a 40 MW
hall (``[[sites.hosting.in_service]]``) leased at 120 USD/kW/month from 2024-06 to 2036-05.
"""

from __future__ import annotations

from pathlib import Path

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "pivot-200mw.toml").read_text()

HALL = """\
  [[sites.hosting.in_service]]
  gross_mw = 40.0                  # built and leased [MW]
  tenant = "CoreWeave"
  lease_start = "2024-06"
  lease_end = "2036-05"
  lease_usd_per_kw_month = 120.0   # first lease year [USD/kW/month]

"""


def hall_toml() -> str:
    """The 200 MW example with its 40 MW hall in service (after ``[sites.hosting]``'s
    keys, before its commented-out risk table)."""
    text = EXAMPLE.replace("convertible_gross_mw = 200.0", "convertible_gross_mw = 160.0")
    at = text.index("  # Hosting risk drawn")
    return text[:at] + HALL + text[at:]
