"""The package's import graph has no cycles (so the layout reads top-down).

Every `import` / `from ... import` of a `ucop` module, at any depth in a file (deferred imports
inside functions count: they still tie the two modules together), is an edge.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "ucop"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _targets(tree: ast.AST, here: str, is_package: bool, modules: set[str]) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = here.split(".") if is_package else here.split(".")[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            # the longest known module the name starts with (a function import names its module)
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != here:
                found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(files)
    graph = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[name] = _targets(tree, name, path.name == "__init__.py", modules)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph.get(node, ())):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_the_graph_sees_real_edges():
    graph = import_graph()
    assert "ucop.providers.base" in graph["ucop.providers.openai"]
    assert "ucop.plugins" in graph["ucop.providers"]
    assert len(graph) > 100


def test_the_cycle_finder_finds_a_planted_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c"]]


def test_no_import_cycles():
    graph = import_graph()
    assert "ucop.batch.session" in graph["ucop.batch.dask_cluster"]
    assert find_cycles(graph) == []


def _deferred_imports(tree: ast.AST, here: str, is_package: bool, modules: set[str]) -> set[str]:
    """The modules a file imports inside functions (what a worker thread may import first)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in node.body:
                found |= _targets(inner, here, is_package, modules)
    return found


def _eager_children(tree: ast.Module, package: str, modules: set[str]) -> set[str]:
    """The package's own submodules its `__init__` imports at module level."""
    top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    found = set()
    for node in top:
        found |= _targets(ast.Module(body=[node], type_ignores=[]), package, True, modules)
    return {name for name in found if name.startswith(package + ".")}


def test_no_package_can_deadlock_a_threaded_import():
    """A package `__init__` that imports its submodules eagerly deadlocks (importlib's
    `_DeadlockError`) when one thread imports the package while another imports one of those
    submodules first: each holds one module lock and waits for the other. Agents import
    lazily from worker threads, so a package whose submodules are imported lazily anywhere
    must load its names on first use (PEP 562 `__getattr__`), as `ucop.sources` does."""
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(files)
    deferred: set[str] = set()
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        deferred |= _deferred_imports(tree, name, path.name == "__init__.py", modules)
    risky = {}
    for name, path in files.items():
        if path.name != "__init__.py":
            continue
        eager = _eager_children(ast.parse(path.read_text(encoding="utf-8")), name, modules)
        lazily_reached = sorted(m for m in deferred if m.startswith(name + ".") and m in eager)
        if lazily_reached:
            risky[name] = lazily_reached
    # Imported once by the main thread before any worker starts (the CLI and the pipeline),
    # so a worker never finds them half-imported.
    main_thread_only = {"ucop.engine", "ucop.ui", "ucop.providers", "ucop.batch", "ucop.agents"}
    assert {k: v for k, v in risky.items() if k not in main_thread_only} == {}
