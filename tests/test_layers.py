"""The apps depend one way: every import of our code, also one inside a function, goes down.

The layers, lowest first. A module may import its own app and the apps below it, never one
above: when a lower layer must start something above it, it publishes a fact (the data
version, a job queued by name) and the upper layer reacts. CONTRIBUTING.md explains the layers;
settings.INSTALLED_APPS lists the apps in this order.

    core        site-wide infrastructure: page cache and data version, jobs, spreadsheet
                safety, the bulk writer, API plumbing, security, errors, numbers, i18n
    regions     regions, agencies, accounts and roles, and the access scope
    plans       plans, strategies, tasks, budgets
    indicators  KPIs, their values and workflow, the rulebook, progress
    imports     the spreadsheet round trip
    dashboard   every public page: plans, regions, dashboards, KPI pages, charts
    reports     annual reports
    datatools   the seed loader, national-scale data, backup and restore
    config      settings, URLs, Celery, WSGI: wires everything together
    scripts     benchmarks and fault drills, run from the Makefile

Besides the layers, no two modules may import each other, even through others (a cycle), and
no module imports another inside a function (which is where cycles hide) except where this
file allows it by name, with the reason.
"""

import ast
from collections import defaultdict
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
LAYERS = [
    "core",
    "regions",
    "plans",
    "indicators",
    "imports",
    "dashboard",
    "reports",
    "datatools",
    "config",
    "scripts",
]
# Imports inside a function that are there on purpose, each with its reason.
ALLOWED_INNER = {
    # AppConfig.ready registers the rules with django-rules once the models are loaded.
    ("indicators.apps", "indicators.permissions"),
    ("reports.apps", "reports.permissions"),
    # DRF's settings name core.api; importing rest_framework.views at module level would
    # import the settings while they are being read.
    ("core.api", "rest_framework.views"),
}


def modules() -> dict[str, Path]:
    found = {}
    for top in LAYERS:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imports_of(path: Path, known=()) -> list[tuple[str, int, bool]]:
    """(imported module, line, inside a function) for every import of the file; `from pkg
    import name` counts as importing `pkg.name` when that is one of the `known` modules."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []

    def visit(node, inner: bool):
        for child in ast.iter_child_nodes(node):
            nested = inner or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                found.extend((alias.name, child.lineno, inner) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                for alias in child.names:
                    module = f"{child.module}.{alias.name}"
                    target = module if module in known else child.module
                    if (target, child.lineno, inner) not in found:
                        found.append((target, child.lineno, inner))
            visit(child, nested)

    visit(tree, False)
    return found


def graph() -> tuple[dict[str, set[str]], list[str], list[str]]:
    """Edges between our modules, upward imports and unexplained imports inside functions."""
    ours = modules()
    edges: dict[str, set[str]] = defaultdict(set)
    upward, inner_imports = [], []
    for name, path in ours.items():
        layer = LAYERS.index(name.split(".")[0])
        for target, line, inner in imports_of(path, ours):
            if target not in ours:
                if inner and (name, target) not in ALLOWED_INNER and target.split(".")[0] in LAYERS:
                    inner_imports.append(f"{name}:{line} imports {target} inside a function")
                continue
            if inner and (name, target) not in ALLOWED_INNER:
                inner_imports.append(f"{name}:{line} imports {target} inside a function")
            if target != name:
                edges[name].add(target)
            if LAYERS.index(target.split(".")[0]) > layer:
                upward.append(f"{name}:{line} imports {target}, a layer above")
    return edges, upward, inner_imports


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def connect(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return found


def test_no_module_imports_a_layer_above_its_own():
    _, upward, _ = graph()
    assert upward == []


def test_no_two_modules_depend_on_each_other():
    edges, _, _ = graph()
    assert cycles(edges) == []


def test_no_module_imports_our_code_inside_a_function_without_a_stated_reason():
    _, _, inner = graph()
    assert inner == []


def test_every_app_has_a_layer_and_the_settings_list_them_in_order():
    ours = [app for app in settings.INSTALLED_APPS if (ROOT / app / "apps.py").exists()]
    assert ours == [layer for layer in LAYERS if (ROOT / layer / "apps.py").exists()]
    tops = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests"}
    assert tops <= set(LAYERS), f"packages without a layer: {sorted(tops - set(LAYERS))}"


def test_the_checker_sees_an_upward_import_inside_a_function(tmp_path):
    # The test above must be able to fail: an import hidden in a function is still found.
    path = tmp_path / "example.py"
    path.write_text("def f():\n    from dashboard import screens\n")
    assert imports_of(path, modules()) == [("dashboard.screens", 2, True)]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c"]]
