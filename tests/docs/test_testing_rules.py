"""The suite keeps ``docs/testing.md``'s rule on shared inputs: they live in helper modules,
never in a test module another imports (importing one couples the files and can make
pytest collect its tests twice), and every ``*_inputs.py`` module is in the doc's list."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"


def _imported_modules(path: Path) -> list[str]:
    """The dotted names of the modules ``path`` imports (``from a import b`` gives both
    ``a`` and ``a.b``: ``b`` may be a module; a relative import keeps its leading dots)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            names.append(base)
            names += [f"{base.rstrip('.')}.{alias.name}" if node.module else base + alias.name
                      for alias in node.names]
    return names


def test_no_module_of_the_suite_imports_a_test_module() -> None:
    found = [f"{path.relative_to(ROOT)}: {name}"
             for path in sorted(TESTS.rglob("*.py"))
             for name in _imported_modules(path)
             if name.rsplit(".", 1)[-1].startswith("test_")]
    assert found == []


def test_every_inputs_module_is_in_the_testing_doc() -> None:
    text = (ROOT / "docs" / "testing.md").read_text()
    missing = [str(path.relative_to(ROOT)) for path in sorted(TESTS.rglob("*_inputs.py"))
               if not path.name.startswith("test_") and f"{path.name}`" not in text]
    assert missing == []
