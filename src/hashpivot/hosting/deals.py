"""Reference AI/HPC hosting deals: implied rates, the observed colocation range, and flags
for lease assumptions outside it.

The deals table (``hashpivot.io.load_hosting_deals``) lists contracts Bitcoin miners
signed with AI/HPC tenants in 2024-2026, mostly from secondary reports. The implied rate
is contract value / (term x 12) / (critical IT kW). GPU-cloud contracts, where the
operator also supplies the GPUs (IREN-Microsoft, ~800 USD/kW/month), are a different
business (the rent pays for the servers) and are kept out of the colocation range.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hashpivot.hosting.lease import (
    average_rate_usd_per_kw_month,
    implied_usd_per_kw_month,
    implied_usd_per_mw_year,
)

if TYPE_CHECKING:
    from hashpivot.models.hosting import HostingProjectSpec

__all__ = [
    "DealRange",
    "deal_range",
    "deals_table",
    "flag_assumptions",
]

_GPU_CLOUD_MARKERS = ("gpu cloud", "including gpus", "includes the gpus")


def _numeric(df: pd.DataFrame, column: str) -> pd.Series:
    """A column as floats (NaN where missing or not a number; all NaN when absent)."""
    if column not in df.columns:
        return pd.Series(np.nan, index=df.index, dtype=float)
    return pd.to_numeric(df[column], errors="coerce").astype(float)


def deals_table(deals: pd.DataFrame) -> pd.DataFrame:
    """Add implied rates and a deal kind to the raw deals table.

    Parameters
    ----------
    deals : pandas.DataFrame
        As returned by :func:`hashpivot.io.load_hosting_deals`: ``critical_it_mw`` [MW],
        ``term_years`` [year], ``contract_value_usd`` [USD], ``implied_usd_per_kw_month``
        (reported) [USD/kW/month], ``funding_note``...

    Returns
    -------
    pandas.DataFrame
        A copy with ``implied_usd_per_kw_month_computed`` and ``implied_usd_per_mw_year``
        (NaN where the contract value is not published), ``rate_usd_per_kw_month`` (the
        computed rate, else the reported one), ``kind`` (``"colocation"`` or
        ``"gpu_cloud"``) and ``in_colocation_range`` (bool).
    """
    df = deals.copy()
    value = pd.to_numeric(df["contract_value_usd"], errors="coerce")
    term = pd.to_numeric(df["term_years"], errors="coerce")
    it = pd.to_numeric(df["critical_it_mw"], errors="coerce")
    df["implied_usd_per_kw_month_computed"] = implied_usd_per_kw_month(
        value.to_numpy(float), term.to_numpy(float), it.to_numpy(float)
    )
    df["implied_usd_per_mw_year"] = implied_usd_per_mw_year(
        value.to_numpy(float), term.to_numpy(float), it.to_numpy(float)
    )
    reported = _numeric(df, "implied_usd_per_kw_month")
    df["rate_usd_per_kw_month"] = df["implied_usd_per_kw_month_computed"].fillna(reported)
    no_value = df["implied_usd_per_mw_year"].isna()
    df.loc[no_value, "implied_usd_per_mw_year"] = df.loc[no_value, "rate_usd_per_kw_month"] * 12e3
    note = df.get("funding_note", pd.Series("", index=df.index)).fillna("").str.lower()
    gpu = note.apply(lambda s: any(mk in s for mk in _GPU_CLOUD_MARKERS))
    df["kind"] = np.where(gpu, "gpu_cloud", "colocation")
    df["in_colocation_range"] = ~gpu & df["rate_usd_per_kw_month"].notna()
    return df


@dataclass(frozen=True)
class DealRange:
    """Observed ranges of colocation deals (GPU cloud excluded).

    Attributes
    ----------
    rate_min_usd_per_kw_month, rate_max_usd_per_kw_month, rate_median_usd_per_kw_month
        Implied term-average rent. [USD/kW/month]
    term_min_years, term_max_years : float
        Terms. [year]
    capex_min_usd_per_mw, capex_max_usd_per_mw : float
        Reported conversion capex per MW (NaN when none). [USD/MW]
    pue_min, pue_max : float
        Gross / IT ratios where both are published (NaN when none). [-]
    n_deals : int
        Colocation deals with a rate. [-]
    excluded : list of str
        Deals left out of the range and why.
    """

    rate_min_usd_per_kw_month: float
    rate_max_usd_per_kw_month: float
    rate_median_usd_per_kw_month: float
    term_min_years: float
    term_max_years: float
    capex_min_usd_per_mw: float
    capex_max_usd_per_mw: float
    pue_min: float
    pue_max: float
    n_deals: int
    excluded: list[str] = field(default_factory=list)


def deal_range(table: pd.DataFrame) -> DealRange:
    """Ranges of the colocation deals of a :func:`deals_table`.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`deals_table`.

    Returns
    -------
    DealRange
        Min / max / median of the rates, terms, capex and gross/IT ratios.
    """
    colo = table[table["in_colocation_range"]]
    rate = colo["rate_usd_per_kw_month"].astype(float)
    capex = _numeric(colo, "capex_usd_per_mw").dropna()
    gross = _numeric(colo, "gross_mw")
    it = pd.to_numeric(colo["critical_it_mw"], errors="coerce")
    ratio = (gross / it).dropna()
    excluded = [
        f"{r.deal}: GPU cloud service including the GPUs, not colocation "
        f"({r.rate_usd_per_kw_month:.0f} USD/kW/month pays for the servers too)"
        for r in table[table["kind"] == "gpu_cloud"].itertuples()
    ]
    nan = float("nan")
    return DealRange(
        rate_min_usd_per_kw_month=float(rate.min()) if len(rate) else nan,
        rate_max_usd_per_kw_month=float(rate.max()) if len(rate) else nan,
        rate_median_usd_per_kw_month=float(rate.median()) if len(rate) else nan,
        term_min_years=float(colo["term_years"].min()) if len(colo) else nan,
        term_max_years=float(colo["term_years"].max()) if len(colo) else nan,
        capex_min_usd_per_mw=float(capex.min()) if len(capex) else nan,
        capex_max_usd_per_mw=float(capex.max()) if len(capex) else nan,
        pue_min=float(ratio.min()) if len(ratio) else nan,
        pue_max=float(ratio.max()) if len(ratio) else nan,
        n_deals=len(rate),
        excluded=excluded,
    )


def flag_assumptions(spec: HostingProjectSpec, rng: DealRange, where: str = "hosting") -> list[str]:
    """Warnings for hosting assumptions outside the range of observed deals.

    Parameters
    ----------
    spec : HostingProjectSpec
        Lease and capex assumptions.
    rng : DealRange
        Observed colocation ranges (:func:`deal_range`).
    where : str
        Prefix naming the input (e.g. ``sites[0].hosting``).

    Returns
    -------
    list of str
        One message per assumption outside its range (empty when all are inside).

    Notes
    -----
    The lease is compared through its term-average rate (first-year rate escalated over the
    term), the figure the deals' implied rates measure. Capex is compared with the total
    per IT MW whoever funds it.
    """
    out: list[str] = []
    avg = float(
        average_rate_usd_per_kw_month(
            spec.lease_usd_per_kw_month, spec.lease_escalator_per_year, spec.lease_term_years
        )
    )
    lo, hi = rng.rate_min_usd_per_kw_month, rng.rate_max_usd_per_kw_month
    if np.isfinite(lo) and not lo <= avg <= hi:
        out.append(
            f"{where}.lease_usd_per_kw_month: term-average rate {avg:.1f} USD/kW/month is "
            f"outside the observed colocation range {lo:.0f}-{hi:.0f} ({rng.n_deals} deals)"
        )
    tlo, thi = rng.term_min_years, rng.term_max_years
    if np.isfinite(tlo) and not tlo <= spec.lease_term_years <= thi:
        out.append(
            f"{where}.lease_term_years: {spec.lease_term_years:g} years is outside the "
            f"observed {tlo:g}-{thi:g}"
        )
    capex = spec.capex_usd_per_it_mw
    clo, chi = rng.capex_min_usd_per_mw, rng.capex_max_usd_per_mw
    if np.isfinite(clo) and not clo <= capex <= chi * 1.1:
        out.append(
            f"{where}: capex {capex / 1e6:.1f} M USD per IT MW is outside the reported "
            f"{clo / 1e6:.1f}-{chi / 1e6:.1f} M USD/MW"
        )
    plo, phi = rng.pue_min, rng.pue_max
    if np.isfinite(plo) and not 1.1 <= spec.pue <= max(phi, 1.5):
        out.append(
            f"{where}.pue: {spec.pue:g} is outside 1.1-{max(phi, 1.5):.2f} (new AI halls "
            f"~1.15-1.3; deals' gross/IT {plo:.2f}-{phi:.2f})"
        )
    return out
