"""Dependencies point down: domain apps emit into portal.events, which sits below them."""

from __future__ import annotations

from pathlib import Path

from tests.vendors.test_boundaries import ROOT, imported_modules

#: What portal.events may import from the portal: the layers below it, and itself.
EVENTS_MAY_IMPORT = ("portal.core", "portal.audit", "portal.events")
#: Domain apps, which emit events and never import a delivery app.
DOMAIN_APPS = ("customers", "catalog", "operations", "sync")
DELIVERY_APPS = ("portal.api", "portal.web")


def _under(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def _portal_imports(package: Path) -> dict[str, set[str]]:
    return {
        str(path.relative_to(ROOT)): {m for m in imported_modules(path) if _under(m, ("portal",))}
        for path in package.rglob("*.py")
    }


def test_events_imports_only_core_and_audit():
    offenders = {
        path: sorted(m for m in modules if not _under(m, EVENTS_MAY_IMPORT))
        for path, modules in _portal_imports(ROOT / "portal" / "events").items()
    }
    assert {path: bad for path, bad in offenders.items() if bad} == {}


def test_no_domain_app_imports_a_delivery_app():
    offenders = {}
    for app in DOMAIN_APPS:
        for path, modules in _portal_imports(ROOT / "portal" / app).items():
            bad = sorted(m for m in modules if _under(m, DELIVERY_APPS))
            if bad:
                offenders[path] = bad
    assert offenders == {}


def test_the_check_sees_a_function_level_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from portal.api.events import emit\n")
    assert "portal.api.events" in imported_modules(sample)
