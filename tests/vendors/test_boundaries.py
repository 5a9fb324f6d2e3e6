"""The portal speaks to vendors only through the registry and the shared interface."""

from __future__ import annotations

import ast
from pathlib import Path

from vendors.registry import ADAPTERS

ROOT = Path(__file__).resolve().parents[2]
VENDOR_PACKAGES = {f"vendors.{key}" for key in ADAPTERS}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_portal_module_imports_a_vendor_package():
    offenders = {}
    for path in (ROOT / "portal").rglob("*.py"):
        bad = {
            m
            for m in imported_modules(path)
            if any(m == p or m.startswith(p + ".") for p in VENDOR_PACKAGES)
        }
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_the_check_sees_a_vendor_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from vendors.redstor.adapter import RedstorAdapter\nimport vendors.egnyte\n")
    assert {"vendors.redstor.adapter", "vendors.egnyte"} <= imported_modules(sample)
