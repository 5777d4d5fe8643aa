"""docs/reference.md is generated from the models: it must be current, and it must name the
fields as the file does."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _script() -> object:
    spec = importlib.util.spec_from_file_location(
        "build_reference", ROOT / "scripts" / "build_reference.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reference_is_current() -> None:
    text = _script().render()  # type: ignore[attr-defined]
    committed = (ROOT / "docs" / "reference.md").read_text()
    assert committed == text, "docs/reference.md is stale: run python scripts/build_reference.py"


def test_reference_names_fields_as_the_file_does() -> None:
    text = (ROOT / "docs" / "reference.md").read_text()
    for heading in (
        "## `[[sites]]`",
        "## `[sites.power_contract]`",
        "## `[[sites.fleet]]`",
        "## `[sites.dispatch.ppa]`",
        "## `[sites.hosting]`",
        "## `[pivot]`",
    ):
        assert heading in text, heading
    ppa = text.split("## `[sites.dispatch.ppa]`")[1].split("\n## ")[0]
    assert "| `volume_mw` |" in ppa and "ppa_volume_mw" not in text
    pivot = text.split("## `[pivot]`")[1].split("\n## ")[0]
    assert "| `convert_mw` |" in pivot and "| `strategies` |" in pivot
    assert '`"fixed"` \\| `"index"`' in text  # kind values
    fleet = text.split("## `[[sites.fleet]]`")[1].split("\n## ")[0]
    assert "| `hashrate_th_s` | number (optional) | TH/s |" in fleet
