"""What every resolve step returns beside its values: where they come from."""

from __future__ import annotations

from typing import Any

__all__ = ["Provenance"]

#: Entries for the result's ``meta``: where each resolved value comes from (keys such as
#: ``hashprice_source``, ``emissions_source``).
Provenance = dict[str, Any]
