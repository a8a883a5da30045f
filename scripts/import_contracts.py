"""Two import-linter contract types the built-in ones do not cover (pyproject.toml,
[tool.importlinter]; run by `make lint`):

- forbidden_names: modules that must not import certain names of a package, e.g.
  `flask.request` and `flask.abort` in the services. import-linter's own `forbidden` contract
  can only forbid a whole external package, and services do use flask (`g`, `current_app`).
- acyclic_modules: no import cycle between the modules (files) of a package. The built-in
  `acyclic_siblings` compares packages, and `webapp.tenancy` (web.py imports the models) and
  `webapp.models` (they import tenancy/model.py) depend on each other as packages without any
  file importing itself back, which is the shape the tenancy package is meant to have.

Both count every import, including those inside functions.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output


def _module_file(module: str) -> Path | None:
    """The source file of `module`, found without importing it (or its package)."""
    root, *rest = module.split(".")
    spec = importlib.util.find_spec(root)
    if spec is None or not spec.submodule_search_locations:
        return None
    base = Path(next(iter(spec.submodule_search_locations)), *rest)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_names(tree: ast.AST, module: str, is_package: bool) -> list[tuple[str, int]]:
    """Every `from X import y` in the module as ("X.y", line), relative imports resolved."""
    package = module if is_package else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            parts = package.split(".")
            base = ".".join(parts[: len(parts) - node.level + 1])
            source = f"{base}.{node.module}" if node.module else base
        else:
            source = node.module or ""
        found.extend((f"{source}.{alias.name}", node.lineno) for alias in node.names)
    return found


class ForbiddenNamesContract(Contract):
    """source_modules (and their descendants) must not import any of forbidden_names."""

    type_name = "forbidden_names"

    source_modules = fields.ListField(subfield=fields.StringField())
    forbidden_names = fields.ListField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        forbidden = set(self.forbidden_names)  # type: ignore[arg-type]
        found = []
        for module in sorted(graph.modules):
            if not any(
                module == source or module.startswith(f"{source}.")
                for source in self.source_modules  # type: ignore[attr-defined]
            ):
                continue
            path = _module_file(module)
            if path is None:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for name, line in _imported_names(tree, module, path.name == "__init__.py"):
                if name in forbidden:
                    found.append((module, name, line))
        return ContractCheck(kept=not found, metadata={"found": found})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for module, name, line in check.metadata["found"]:
            output.print_error(f"{module} (line {line}) imports {name}")
            output.new_line()


class AcyclicModulesContract(Contract):
    """No import cycle among the modules of `packages`."""

    type_name = "acyclic_modules"

    packages = fields.ListField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        modules = sorted(
            m
            for m in graph.modules
            if any(m == p or m.startswith(f"{p}.") for p in self.packages)  # type: ignore[attr-defined]
        )
        inside = set(modules)
        edges = {m: sorted(graph.find_modules_directly_imported_by(m) & inside) for m in modules}
        cycles = [sorted(c) for c in _strongly_connected(modules, edges) if len(c) > 1]
        return ContractCheck(kept=not cycles, metadata={"cycles": cycles})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle in check.metadata["cycles"]:
            output.print_error(f"{len(cycle)} modules import each other in a cycle:")
            output.new_line()
            for module in cycle:
                output.print_error(f"  {module}")
            output.new_line()


def _strongly_connected(nodes: list[str], edges: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively (no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(edges[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(component)
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(edges[child])))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return components
