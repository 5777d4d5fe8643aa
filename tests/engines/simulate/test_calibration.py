"""Which power contract the risk engine calibrates its power model for (site lookup)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hashpivot.engines.simulate import _index_contract
from hashpivot.exceptions import InputError
from hashpivot.models import load_portfolio

SITE = Path(__file__).parents[2] / "data" / "simulate_site.toml"


def test_the_index_contract_of_the_site_found_by_the_one_lookup_rule() -> None:
    pf = load_portfolio(SITE)  # one site, "Test 20", on an index contract
    contract = pf.sites[0].power_contract
    assert contract.kind == "index"
    assert _index_contract(pf, None) is contract
    assert _index_contract(pf, "Test 20") is contract
    # the case rule of Portfolio.site: the only site equal ignoring case
    assert _index_contract(pf, "test 20") is contract
    with pytest.raises(InputError) as info:
        _index_contract(pf, "Test 21")
    assert info.value.problems[0].path == "site"


def test_no_index_contract_gives_none() -> None:
    pf = load_portfolio(SITE)
    fixed = pf.sites[0].power_contract.model_copy(update={"kind": "fixed"})
    pf = pf.model_copy(update={"sites": [pf.sites[0].model_copy(update={"power_contract": fixed})]})
    assert _index_contract(pf, None) is None
