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
    {"billing"},
    {"approvals"},
    {"notifications"},
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


def _is_atomic_decorator(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    return ast.unparse(target) in ("transaction.atomic", "atomic")


def _unguarded_locks(function: ast.FunctionDef) -> bool:
    """Does the function lock rows (select_for_update) outside a ``with transaction.atomic()``?"""

    def visit(node: ast.AST, guarded: bool) -> bool:
        if isinstance(node, ast.With) and any(
            _is_atomic_decorator(item.context_expr) for item in node.items
        ):
            guarded = True
        if not guarded and isinstance(node, ast.Attribute) and node.attr == "select_for_update":
            return True
        return any(visit(child, guarded) for child in ast.iter_child_nodes(node))

    return any(visit(statement, False) for statement in function.body)


def unlocked_row_locks(path: Path, root: Path = ROOT) -> list[str]:
    """Functions that lock rows without a transaction. A public function must be atomic itself;
    a private helper may rely on its callers in the module, if every one of them is atomic."""
    tree = ast.parse(path.read_text())
    functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    atomic = {
        name
        for name, f in functions.items()
        if any(_is_atomic_decorator(d) for d in f.decorator_list)
    }
    callers: dict[str, set[str]] = {name: set() for name in functions}
    for name, f in functions.items():
        for node in ast.walk(f):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                callers.get(node.func.id, set()).add(name)
    covered = set(atomic)  # private helpers whose every caller, transitively, is atomic
    while grown := {
        name
        for name in functions
        if name.startswith("_")
        and name not in covered
        and callers[name]
        and callers[name] <= covered
    }:
        covered |= grown
    return [
        f"{path.relative_to(root)}:{f.lineno} {name}"
        for name, f in functions.items()
        if name not in covered and _unguarded_locks(f)
    ]


def test_every_row_lock_is_taken_inside_a_transaction():
    """SQLite ignores select_for_update, so only PostgreSQL would answer 500 at run time
    ("select_for_update cannot be used outside of a transaction"); this catches it everywhere."""
    found = [line for p in PORTAL.rglob("*.py") for line in unlocked_row_locks(p)]
    assert found == []


def test_the_row_lock_check_sees_a_lock_outside_a_transaction(tmp_path):
    source = (
        "from django.db import transaction\n"
        "def bare(pk):\n    return Op.objects.select_for_update().get(pk=pk)\n"
        "@transaction.atomic\ndef fine(pk):\n    return _helper(pk)\n"
        "def _helper(pk):\n    return _inner(pk)\n"
        "def _inner(pk):\n    return Op.objects.select_for_update().get(pk=pk)\n"
        "def guarded(pk):\n    with transaction.atomic():\n"
        "        return Op.objects.select_for_update().get(pk=pk)\n"
    )
    path = tmp_path / "probe.py"
    path.write_text(source)
    assert unlocked_row_locks(path, tmp_path) == ["probe.py:2 bare"]
