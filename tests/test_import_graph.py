"""The package's import graph has no cycles, and follows the layer contract (`LAYERS`): no
module imports one of a layer above its own.

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
    assert "ucop.registry" in graph["ucop.providers"]
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


# The layer contract. Each unit is a top-level module or package of `ucop` ("ucop" is the
# package's own `__init__`). A unit may import any unit of a lower layer; within a layer only
# the edges in SIDEWAYS; never one above. Deferred imports inside functions and imports under
# TYPE_CHECKING count: they tie the two units together all the same.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "foundation",
        (
            "ucop",
            "defaults",
            "errors",
            "enums",
            "lazy",
            "numbers",
            "pyparse",
            "redaction",
            "signals",
        ),
    ),
    ("plumbing", ("files", "plugins", "registry", "prompts", "history", "engine", "run_settings")),
    ("domain", ("sources", "codegen", "brief", "content", "article", "providers", "report")),
    # config sits above what it validates names against: provider specs and site profiles
    ("parts", ("agents", "config", "provider_options", "cache", "ui", "testing")),
    ("run", ("workflow", "run")),
    ("front", ("batch", "verify", "commands", "cli", "__main__")),
)
SIDEWAYS: frozenset[tuple[str, str]] = frozenset(
    {
        ("registry", "plugins"),
        ("codegen", "sources"),
        ("brief", "sources"),
        ("content", "sources"),
        ("content", "codegen"),
        ("article", "sources"),
        ("article", "brief"),
        ("article", "codegen"),
        ("article", "content"),
        ("config", "provider_options"),
        ("run", "workflow"),
        ("commands", "batch"),
        ("commands", "verify"),
        ("cli", "commands"),
        ("__main__", "cli"),
    }
)


def unit(module: str) -> str:
    """`ucop.sources.index.build` -> `sources`; `ucop` -> `ucop`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def layer_of(layers: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, int]:
    return {name: rank for rank, (_, names) in enumerate(layers) for name in names}


def layer_violations(
    graph: dict[str, set[str]],
    layers: tuple[tuple[str, tuple[str, ...]], ...] = LAYERS,
    sideways: frozenset[tuple[str, str]] = SIDEWAYS,
) -> list[str]:
    """Every module edge the contract forbids, as "a.b -> c.d (why)", sorted."""
    rank = layer_of(layers)
    found = []
    for module, targets in graph.items():
        here = unit(module)
        for target in targets:
            there = unit(target)
            if here == there or here not in rank or there not in rank:
                continue  # undeclared units are test_every_unit_has_a_layer's business
            if rank[there] > rank[here]:
                found.append(f"{module} -> {target} (upward: {here} is below {there})")
            elif rank[there] == rank[here] and (here, there) not in sideways:
                found.append(f"{module} -> {target} (sideways: {here} -> {there} not allowed)")
    return sorted(found)


def test_every_unit_has_a_layer():
    units = {unit(module) for module in import_graph()}
    declared = layer_of(LAYERS)
    missing = sorted(units - set(declared))
    assert missing == [], f"put each new module or package in LAYERS: {missing}"
    assert len(declared) == sum(len(names) for _, names in LAYERS)  # no unit in two layers
    assert all(layer_of(LAYERS)[a] == layer_of(LAYERS)[b] for a, b in SIDEWAYS)


def test_no_import_goes_up_a_layer():
    assert layer_violations(import_graph()) == []


def test_the_sideways_edges_have_no_cycle():
    edges: dict[str, set[str]] = {}
    for a, b in SIDEWAYS:
        edges.setdefault(a, set()).add(b)
    assert find_cycles(edges) == []


def test_the_contract_catches_an_upward_and_an_undeclared_sideways_import():
    graph = import_graph()
    planted = {k: set(v) for k, v in graph.items()}
    planted["ucop.providers.offline"].add("ucop.article.sites")  # domain -> domain, undeclared
    planted["ucop.errors"].add("ucop.cli")  # foundation -> front
    planted["ucop.engine.graph"].add("ucop.agents.base")  # plumbing -> parts
    assert layer_violations(planted) == [
        "ucop.engine.graph -> ucop.agents.base (upward: engine is below agents)",
        "ucop.errors -> ucop.cli (upward: errors is below cli)",
        "ucop.providers.offline -> ucop.article.sites (sideways: providers -> article not allowed)",
    ]


def test_the_graph_counts_deferred_imports_for_the_contract(tmp_path):
    """An import inside a function is an edge like any other (what makes a deferred upward
    import fail the suite too)."""
    source = "def late():\n    from ucop.cli import main\n    return main\n"
    tree = ast.parse(source)
    modules = {"ucop.cli", "ucop.errors"}
    found = _targets(tree, "ucop.errors", False, modules)
    assert found == {"ucop.cli"}
    assert layer_violations({"ucop.errors": found}) == [
        "ucop.errors -> ucop.cli (upward: errors is below cli)"
    ]


def test_providers_import_nothing_above_them():
    """httpx's transports import nothing from its client: here, providers reach only the
    foundation and the plumbing (errors, files, redaction, the registry)."""
    rank = layer_of(LAYERS)
    reached = {
        unit(target)
        for module, targets in import_graph().items()
        if unit(module) == "providers"
        for target in targets
    } - {"providers"}
    assert reached and all(rank[u] < rank["sources"] for u in reached), reached


# The built-in provider names, as ucop's own pyproject.toml declares them.
PROVIDER_NAMES = ("offline", "openai", "anthropic", "azure")
# The loopback model server speaks the wire formats, named after the APIs it imitates.
NAMED_BY_DESIGN = ("ucop.testing",)


def _compares_a_provider_name(node: ast.AST) -> bool:
    if not isinstance(node, ast.Compare):
        return False
    for side in (node.left, *node.comparators):
        values = side.elts if isinstance(side, ast.Tuple | ast.List | ast.Set) else [side]
        if any(isinstance(v, ast.Constant) and v.value in PROVIDER_NAMES for v in values):
            return True
    return False


def provider_name_tests(files: dict[str, Path]) -> list[str]:
    """Each place that compares something with a built-in provider's name, "module:line"."""
    found = []
    for name, path in sorted(files.items()):
        if name.startswith(NAMED_BY_DESIGN):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if _compares_a_provider_name(node):
                found.append(f"{name}:{node.lineno}")
    return found


def test_no_provider_is_chosen_by_its_name(tmp_path):
    """A provider's spec says what it can do (`network`, `writes_drafts`); nothing asks
    `name == "offline"`."""
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    assert provider_name_tests(files) == []
    planted = tmp_path / "planted.py"
    planted.write_text(
        "def f(job):\n    if job.provider_name != 'offline':\n        return 1\n"
        "    return job.name in ('openai', 'azure')\n"
    )
    assert provider_name_tests({"ucop.planted": planted}) == ["ucop.planted:2", "ucop.planted:4"]


def _direct_ast_parses(tree: ast.AST) -> list[int]:
    """Lines that call `ast.parse` or `ast.literal_eval` themselves."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("parse", "literal_eval")
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "ast"
    ]


def test_python_is_parsed_only_behind_the_lock():
    """CPython 3.11's AST constructor fails when threads parse at once (see ucop/pyparse.py):
    every parse of Python in ucop goes through `ucop.pyparse`, which holds one lock."""
    direct = {
        str(path.relative_to(PACKAGE)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "pyparse.py" or path.parent != PACKAGE
        if (lines := _direct_ast_parses(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert direct == {}


def test_the_parse_check_finds_a_direct_call():
    planted = ast.parse("import ast\n\ndef f(code):\n    return ast.parse(code)\n")
    assert _direct_ast_parses(planted) == [4]
    assert _direct_ast_parses(ast.parse("from ucop.pyparse import parse\nparse('x')\n")) == []
