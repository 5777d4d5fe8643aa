"""``hashpivot init FILE``: a commented template of one site that runs as written."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hashpivot.cli.errors import fail_input, handle_errors
from hashpivot.cli.options import JsonFlag

#: The template: every value is illustrative; each comment gives the unit and a range.
TEMPLATE = """\
# A portfolio file for hashpivot: one 60 MW mining site in West Texas.
# Every field, its unit, default and bounds: docs/reference.md. Edit the values, then:
#
#   hashpivot cost {file}        # cost per BTC, margins, breakevens (latest data day)
#   hashpivot pivot {file}       # keep mining vs converting to AI/HPC hosting
#   hashpivot profit "S21 XP" --power-price-usd-per-mwh 42   # one machine, one line
#
# Names carry their unit: *_mw [MW], *_usd_per_mwh [USD/MWh], *_fraction [0..1].
# Values below are illustrative, not one operator's figures.
name = "My mining company"

[[sites]]                            # repeat [[sites]] for each site
name = "West Texas 60"
region = "ERCOT"                     # grid region: ERCOT, NYISO, PJM, ...
capacity_mw = 60.0                   # energized grid capacity [MW]
power_overhead_factor = 1.05         # site power / ASIC power (cooling, losses) [-]
pool_fee_fraction = 0.015            # pool fee, 1-2.5 % typical [-]
# emissions_factor_tco2_per_mwh = 0.45  # CO2 of the site's power [t CO2/MWh]; default: the
#                                    # region's eGRID2023 grid average (pivot, dispatch)

  [sites.power_contract]
  kind = "fixed"                     # "fixed" price, or "index" (a market plus an adder)
  price_usd_per_mwh = 42.0           # all-in price [USD/MWh] (4.2 c/kWh = 42 USD/MWh)

  [[sites.fleet]]                    # repeat [[sites.fleet]] for each model
  asic = "Antminer S21 XP"           # a model from `hashpivot asics` (270 TH/s, 3,645 W)
  count = 15000                      # machines; 57 MW with the overhead
  uptime_fraction = 0.95             # share of time hashing [-]
  capex_usd_per_th = 20.0            # purchase price, for depreciation [USD/TH]
  depreciation_years = 3.0           # straight-line life [years]

  [[sites.cost_items]]               # categories: power, site_opex, sga_cash,
  name = "site staff and maintenance" # stock_based_compensation, depreciation, interest, other
  category = "site_opex"
  usd_per_year = 3.0e6
  behavior = "fixed"                 # paid while curtailed; "variable": only in months
                                     # mined, so curtailing saves it
  # start = "2026-01"                # optional dates, on a cost item or a fleet line:
  # end = "2028-12-31"               # counted only between them (dispatch: always)

  [sites.hosting]                    # what converting the site to an AI/HPC hall means
  convertible_gross_mw = 60.0        # gross MW that can become an AI hall [MW]
  pue = 1.3                          # IT MW = gross MW / PUE [-]
  shell_capex_usd_per_it_mw = 3.0e6  # powered shell [USD per IT MW]
  fit_out_capex_usd_per_it_mw = 6.0e6  # fit-out [USD per IT MW]
  construction_months = 12           # construction start to service [months]
  lease_usd_per_kw_month = 130.0     # first-year rent [USD per kW of IT per month]
  lease_escalator_per_year = 0.03    # rent growth [fraction/year]
  lease_term_years = 12              # initial term [years]
  asic_resale_usd_per_th = 5.0       # resale of the converted MW's miners [USD/TH]
  # [[sites.hosting.phases]]         # the "phased" strategy's halls (default: 3 equal
  # start = "2026-07"                # tranches a year apart); construction start [YYYY-MM]
  # gross_mw = 30.0                  # [MW]
  # tenant = "Hyperscaler A"         # a hall may have its tenant's own lease:
  # lease_usd_per_kw_month = 150.0   # [USD per kW of IT per month] (else the site's)
  # lease_term_years = 10            # [years] (else the site's; escalator likewise)
  # probability_signing = 0.7        # if the tenant may not sign: pivot adds the expected
  #                                  # NPV over the signings, simulate draws them [-]

[[cost_items]]                       # corporate items, shared by all sites
name = "SG&A"
category = "sga_cash"
usd_per_year = 4.0e6

[pivot]                              # the deterministic model behind `hashpivot pivot`
horizon_years = 15                   # months valued from the start [years]
discount_rate = 0.10                 # [fraction/year]
btc_price_growth_per_year = 0.10     # [fraction/year]
network_hashrate_growth_per_year = 0.20   # [fraction/year]
strategies = ["convert_all", "convert", "phased"]   # compared to keep_mining
convert_mw = 30.0                    # gross MW of the "convert" strategy [MW]
# start = "2026-01"                  # first month; default: the month after the latest
#                                    # data day (`hashpivot data status`)
# convert_start = "2026-06"          # construction start of "convert"; not before start
"""


def write_template(path: Path, force: bool = False) -> Path:
    """Write :data:`TEMPLATE` to ``path`` (refuses to overwrite unless ``force``)."""
    text = TEMPLATE.format(file=path.name)
    if path.is_dir():
        fail_input(f"{path} is a folder; give a file name such as {path}/my-site.toml", "FILE")
    if path.exists() and not force:
        fail_input(f"{path} exists; use --force to overwrite it", "FILE")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail_input(f"cannot write {path}: {exc.strerror or exc}", "FILE")
    return path


@handle_errors
def init_command(
    file: Annotated[Path, typer.Argument(help="Portfolio file to create, e.g. my-site.toml.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Write a commented template of one site that `cost` and `pivot` run as written."""
    path = write_template(file, force)
    if as_json:
        from hashpivot.cli.output import print_json

        next_steps = [f"hashpivot cost {path}", f"hashpivot pivot {path}"]
        print_json({"file": str(path), "next": next_steps})
        return
    typer.echo(f"wrote {path}: edit it, then run `hashpivot cost {path}`")


def register(app: typer.Typer) -> None:
    """Add ``init`` to the app."""
    app.command("init")(init_command)
