"""Static import rules that ruff and import-linter do not check (run by `make lint`).

1. No import cycles between the project's modules (every import counts, including
   those inside functions: a lazy import is still a dependency).
2. No underscore name imported from another module: a private name is private.

Prints each finding and exits 1, or prints nothing and exits 0.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "tui", "handset_ca")


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base.pop()
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def scan(
    root: Path = ROOT, packages: tuple[str, ...] = PACKAGES
) -> tuple[dict[str, set[str]], list[str]]:
    """The module import graph of ``packages`` under ``root``, and each private import."""
    files = {module_name(p, root): p for pkg in packages for p in (root / pkg).rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in files}
    private: list[str] = []

    def target(name: str) -> str | None:
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    for module, path in files.items():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    dep = target(alias.name)
                    if dep and dep != module:
                        graph[module].add(dep)
            elif isinstance(node, ast.ImportFrom):
                source = resolve(module, path.name == "__init__.py", node)
                for alias in node.names:
                    dep = target(f"{source}.{alias.name}") or target(source)
                    if dep and dep != module:
                        graph[module].add(dep)
                    if alias.name.startswith("_") and source.split(".")[0] in packages:
                        where = f"{path.relative_to(root)}:{node.lineno}"
                        private.append(f"{where}: imports private {alias.name} from {source}")
    return graph, private


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def problems(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> list[str]:
    graph, private = scan(root, packages)
    return [f"import cycle: {' <-> '.join(c)}" for c in cycles(graph)] + private


def main() -> int:
    found = problems()
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
