"""One spelling of a rent's unit, the glossary's: ``USD/kW/month`` (docs/nomenclature.md).
The assumption rows said ``USD/kW/month`` while the break-even lease, the deals table, the
tornado (``USD/kW-mo``) and the dashboard's halls said ``USD/kW-month``. The 4CP
transmission rate likewise: ``USD/kW/year``, not ``USD/(kW year)`` (the model's
description, docs/reference.md and the glossary said so, methodology.md and the dispatch
example ``USD/kW/year``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import hashpivot

ROOT = Path(__file__).resolve().parents[1]
SRC = Path(hashpivot.__file__).parent
#: The other spellings and their abbreviations (kW-month, kW-mo, kW-year, (kW year)).
OTHER = re.compile(r"kW-(mo|month|year)\b|\(kW[ .*x]+(mo|month|year)\)")


def _texts() -> list[Path]:
    """The package's text files (labels, templates, data notes; not the vendored Swagger UI)
    and the documents that quote its output."""
    package = [p for p in SRC.rglob("*") if p.suffix in {".py", ".html", ".js", ".md", ".toml"}
               and "swagger-ui" not in p.parts]
    return [*package, ROOT / "README.md", *ROOT.glob("docs/*.md"), *ROOT.glob("examples/*")]


def test_the_glossary_spells_it_so() -> None:
    glossary = (ROOT / "docs" / "nomenclature.md").read_text()
    assert "| `lease_usd_per_kw_month` | USD/kW/month |" in glossary
    assert "charge_usd_per_kw_year`, `peak_intervals` | USD/kW/year, - |" in glossary


def test_the_4cp_rate_reads_so_in_the_reference() -> None:
    """The field's description, which docs/reference.md and the site form show."""
    from hashpivot.models.grid_programs import FourCPSpec

    description = FourCPSpec.model_fields["charge_usd_per_kw_year"].description or ""
    assert description.endswith("[USD/kW/year]")


def test_no_module_or_document_spells_it_otherwise() -> None:
    found = [f"{p.relative_to(ROOT)}:{i}: {line.strip()}" for p in _texts()
             for i, line in enumerate(p.read_text(errors="replace").splitlines(), 1)
             if OTHER.search(line)]
    assert not found, found


@pytest.mark.parametrize("argv", [["pivot", "examples/pivot-200mw.toml"], ["deals"]])
def test_the_demo_prints_one_spelling(argv: list[str]) -> None:
    """The assumption rows, the tornado, the break-even lease and the deals table."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "120"}
    out = subprocess.run([sys.executable, "-m", "hashpivot", *argv], capture_output=True,
                         text=True, env=env, cwd=ROOT, check=False)
    assert out.returncode == 0, out.stderr[-500:]
    text = out.stdout + out.stderr
    assert "USD/kW/month" in text
    assert not OTHER.search(text), OTHER.findall(text)
