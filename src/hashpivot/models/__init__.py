"""Validated domain models (pydantic v2) and the portfolio file loader."""

from hashpivot.models.loader import load_portfolio, parse_portfolio, validate_data
from hashpivot.models.portfolio import CostItem, FleetEntry, Portfolio, PowerContract, Site

__all__ = [
    "CostItem",
    "FleetEntry",
    "Portfolio",
    "PowerContract",
    "Site",
    "load_portfolio",
    "parse_portfolio",
    "validate_data",
]
