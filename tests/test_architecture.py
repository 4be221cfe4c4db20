"""The house's shape: data flows one way, file → grids → forms → records → checks → store.

The import graph of `pipeline` and `extractors` is read from the source (every import, at the top
of a module or inside a function) and must draw with no cycle; the extractors never reach into
the pipeline; the stage packages exist.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOPS = ("pipeline", "extractors")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_modules() -> dict[str, Path]:
    found = {}
    for top in TOPS:
        for path in (ROOT / top).rglob("*.py"):
            if "schemas" in path.relative_to(ROOT).parts:
                continue
            found[module_name(path)] = path
    return found


def imported_names(path: Path, module: str) -> set[str]:
    """Every module named by an import in `path`, relative imports made absolute."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names.add(target)
            names.update(f"{target}.{alias.name}" for alias in node.names)
    return names


def import_graph() -> dict[str, set[str]]:
    modules = source_modules()
    graph = {}
    for name, path in modules.items():
        edges = set()
        for target in imported_names(path, name):
            # `from pipeline import rules` names the module pipeline.checks.rules; `from .x import f`
            # names pipeline.x.f, whose module is pipeline.x
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name and not name.startswith(target + "."):
                edges.add(target)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_import_graph_has_no_cycle():
    assert cycles(import_graph()) == []


def test_the_extractors_never_import_the_pipeline():
    reaching = {
        name: sorted(t for t in targets if t.startswith("pipeline"))
        for name, targets in import_graph().items()
        if name.startswith("extractors")
    }
    assert {name: t for name, t in reaching.items() if t} == {}


# named by their folders' parts, so that a rename of a module leaves the list as it is
STAGES = [
    ("pipeline", "forms"),
    ("pipeline", "checks"),
    ("pipeline", "corrections"),
    ("pipeline", "publish"),
    ("pipeline", "run"),
    ("extractors", "office"),
    ("extractors", "web"),
    ("extractors", "pdf"),
    ("extractors", "scan"),
]


@pytest.mark.parametrize("parts", STAGES, ids=".".join)
def test_a_stage_package_holds_its_stage(parts):
    folder = ROOT.joinpath(*parts)
    assert (folder / "__init__.py").is_file()
    assert len(list(folder.glob("*.py"))) > 1
