"""The ``hashpivot.engines.pivot.uplift`` package: a layer beneath the rest of the pivot
engine. Its modules (``supply_stream`` aside, a line of the cash flows) import nothing of
``engines.pivot`` outside the package at run time, so that pivot's ``inputs`` and
``fleet`` can import them without a cycle; its ``__init__`` imports none of them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import hashpivot.engines.pivot.uplift as uplift

PACKAGE = Path(uplift.__file__).parent
PIVOT = "hashpivot.engines.pivot"

#: The pivot modules outside the package each module may import at run time
#: (``flows``, the cash flows' containers, imports nothing of the engine: supply_stream
#: builds its ``SupplyAtHorizon``).
ALLOWED = {"supply_stream": {f"{PIVOT}.connection", f"{PIVOT}.fleet", f"{PIVOT}.flows",
                             f"{PIVOT}.site_inputs"}}


def _run_time_imports(tree: ast.Module) -> set[str]:
    """The modules ``tree`` imports, at module level or in a function, outside ``if
    TYPE_CHECKING:`` blocks."""
    for_mypy = {id(n) for block in ast.walk(tree)
                if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"
                for n in ast.walk(block)}
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in for_mypy:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
    return out


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.stem)
def test_a_module_imports_no_pivot_module_outside_the_package(path: Path) -> None:
    imported = _run_time_imports(ast.parse(path.read_text()))
    outside = {m for m in imported
               if (m == PIVOT or m.startswith(PIVOT + "."))
               and not m.startswith(f"{PIVOT}.uplift.")}
    assert outside <= ALLOWED.get(path.stem, set()), (path.name, outside)


def test_the_package_imports_none_of_its_modules() -> None:
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    assert ast.get_docstring(tree)
    assert not _run_time_imports(tree)


def test_the_package_holds_the_eight_modules() -> None:
    # (the test above would pass on an empty folder)
    assert {p.stem for p in PACKAGE.glob("*.py")} == {
        "__init__", "cache", "curve", "installed_layers", "layered", "measurement", "ppa_term",
        "supply_settlement",
        "supply_stream"}
