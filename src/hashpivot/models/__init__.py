"""Validated domain models (pydantic v2) and the portfolio file loader."""

from hashpivot.models.fleet import CostItem, FleetEntry
from hashpivot.models.loader import load_portfolio, parse_portfolio, validate_data
from hashpivot.models.portfolio import Portfolio, PowerContract, Site, find_site

__all__ = [
    "CostItem",
    "FleetEntry",
    "Portfolio",
    "PowerContract",
    "Site",
    "find_site",
    "load_portfolio",
    "parse_portfolio",
    "validate_data",
]
