"""The shape of the code, kept by tests: dependencies point down, settings come from one place.

Layers, bottom first. A module may import its own app, any app of a lower layer, and an app of
its own layer only without forming a cycle. Entry points (pages and their table declarations,
URL maps, the inbound webhook receiver, admin, template tags, management commands, app configs,
filter sets and page forms) sit above every layer: they may import anything, and only the top
layer (api, web) may import another app's entry points. Function-level imports
count like module-level ones: an import inside a function is still a dependency.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PORTAL = ROOT / "portal"

LAYERS: list[set[str]] = [
    {"core"},
    {"audit", "events"},
    {"catalog"},
    {"customers"},
    {"accounts"},
    {"sync"},
    {"operations"},
    {"usage"},
    {"api", "web"},
]
#: Modules (by name, in any app) that are entry points rather than layers.
ENTRY_MODULES = {
    "views", "urls", "admin", "apps", "filters", "forms", "export", "signals", "tables", "inbound",
}  # fmt: skip
ENTRY_PACKAGES = {"views", "templatetags", "management", "migrations"}
#: The audit trail is written by every layer, so it sits at the bottom; its page reads (through
#: the user's scope) sit with the pages.
ENTRY_OVERRIDES = {"portal.audit.selectors"}
TOP = len(LAYERS) - 1


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_entry(module: str) -> bool:
    parts = module.split(".")
    if len(parts) < 3 or module in ENTRY_OVERRIDES:
        return len(parts) < 3 or module in ENTRY_OVERRIDES  # the project modules, overrides
    return parts[-1] in ENTRY_MODULES or bool(set(parts[2:-1]) & ENTRY_PACKAGES)


def layer_of(app: str) -> int:
    return next(i for i, apps in enumerate(LAYERS) if app in apps)


def imports_of(path: Path) -> set[str]:
    """Every portal module the file imports, at any depth of the code."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    modules = {module_name(p) for p in PORTAL.rglob("*.py")}
    return {m for m in found if m in modules and m != module}


def graph() -> dict[str, set[str]]:
    return {
        module_name(p): imports_of(p) for p in PORTAL.rglob("*.py") if "migrations" not in p.parts
    }


def app_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[1] != "settings" else None


def upward_imports(edges: dict[str, set[str]]) -> list[str]:
    wrong = []
    for module, targets in edges.items():
        app = app_of(module)
        for target in targets:
            target_app = app_of(target)
            if target_app is None or app is None:
                continue
            lower = layer_of(app) < TOP  # the pages' own layer may use every entry point
            if is_entry(target) and not is_entry(module) and target_app != app and lower:
                wrong.append(f"{module} -> {target} (an entry point)")
            elif not is_entry(module) and layer_of(target_app) > layer_of(app):
                wrong.append(f"{module} -> {target} (a higher layer)")
    return sorted(wrong)


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Import cycles between modules (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def package_parents(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """A package's __init__ importing its own submodules is not a dependency cycle."""
    return {m: {t for t in targets if not t.startswith(m + ".")} for m, targets in edges.items()}


def test_every_app_has_a_layer():
    apps = {p.parent.name for p in PORTAL.glob("*/apps.py")}
    assert apps <= set().union(*LAYERS)


def test_dependencies_point_down():
    assert upward_imports(graph()) == []


def test_there_are_no_import_cycles():
    assert cycles(package_parents(graph())) == []


def test_the_checks_see_an_upward_import_and_a_cycle():
    edges = {
        "portal.customers.mirror": {"portal.sync.drift"},
        "portal.sync.drift": {"portal.customers.mirror"},
    }
    assert upward_imports(edges) == [
        "portal.customers.mirror -> portal.sync.drift (a higher layer)"
    ]
    assert cycles(edges) == [["portal.customers.mirror", "portal.sync.drift"]]


ENV_READ = re.compile(
    r"os\.environ(?!\.setdefault\(\"DJANGO_SETTINGS_MODULE\")|os\.getenv|environ\.Env"
)


def test_settings_are_read_from_the_environment_only_in_settings():
    readers = [
        str(p.relative_to(ROOT))
        for p in PORTAL.rglob("*.py")
        if "settings" not in p.relative_to(PORTAL).parts and ENV_READ.search(p.read_text())
    ]
    assert readers == []


def test_events_sit_on_core_and_audit_and_domain_apps_never_import_the_delivery_apps():
    """Stricter than the layers for two places: events (below every app that emits) and the
    domain apps' entry points too (their admin and commands never reach into api or web)."""
    edges = graph()
    events = {t for m, ts in edges.items() if m.startswith("portal.events") for t in ts}
    assert {t.split(".")[1] for t in events} <= {"core", "audit", "events"}
    domain = {"customers", "catalog", "operations", "sync"}
    reaching = sorted(
        f"{m} -> {t}"
        for m, ts in edges.items()
        if app_of(m) in domain
        for t in ts
        if app_of(t) in ("api", "web")
    )
    assert reaching == []
