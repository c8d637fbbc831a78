"""The layers of the tree: dependencies point one way (app factory and CLI, then web, then domain),
and no module imports another that imports it back, even from inside a function."""

import ast
from pathlib import Path

from service.settings import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "service"
# Flask's request context: what the domain must never reach for.
REQUEST_CONTEXT = {"request", "g", "session", "has_request_context", "after_this_request"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in PACKAGE.rglob("*.py")}


def _imports(module: str) -> list[tuple[str, str]]:
    """(module, name) for every import in the module, at any depth."""
    tree = ast.parse(MODULES[module].read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found += [(node.module, alias.name) for alias in node.names]
    return found


def _edges(module: str) -> set[str]:
    """The modules of the service this one imports (`from service.domain import queries` names one)."""
    targets = set()
    for imported, name in _imports(module):
        if f"{imported}.{name}" in MODULES:
            targets.add(f"{imported}.{name}")
        elif imported in MODULES:
            targets.add(imported)
    return targets - {module}


GRAPH = {module: _edges(module) for module in MODULES}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one module."""
    index, low, stack, on_stack, components = {}, {}, [], set(), []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in graph[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return components


def test_no_module_imports_another_that_imports_it_back():
    assert _cycles(GRAPH) == []
    # The walk would see one: a -> b -> c -> a.
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_domain_uses_neither_the_web_layer_nor_a_request():
    domain = [module for module in MODULES if module.startswith("service.domain")]
    assert len(domain) >= 10
    for module in domain:
        upward = {target for target in GRAPH[module] if not target.startswith("service.domain")}
        assert upward == set(), f"{module} imports {upward}"
        reached = {name for imported, name in _imports(module) if imported == "flask"} & REQUEST_CONTEXT
        assert reached == set(), f"{module} uses Flask's request context: {reached}"


def test_the_web_layer_does_not_reach_above_itself():
    for module in (m for m in MODULES if m.startswith("service.web")):
        assert not {"service", "service.cli"} & GRAPH[module], module


def test_the_walk_sees_imports_inside_functions():
    # The app factory imports its parts inside functions: the walk must see them.
    assert {"service.web.routes.meta", "service.domain.db"} <= GRAPH["service"]
