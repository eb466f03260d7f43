"""The shape of the code: no import circles among the project's modules, and the layers
ui -> exports -> storage -> checklists pointing one way only.

Imports are read from the source (every `import` / `from ... import`, those inside
functions included), not by importing anything.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIPPED_DIRS = {"build", "dist", "packaging"}  # build outputs and the packaging scripts

# Circles that exist today in code this file does not own, each to be removed by its owner;
# the test fails when one of them is gone too, so that it is taken off this list.
KNOWN_CIRCLES: list[set[str]] = []


def project_modules() -> dict[str, Path]:
    """Module name -> file. Folders with an __init__.py are packages (`checklists.loader`);
    the modules of a folder without one (tests/, bench/) go by their bare name, as those
    scripts import one another."""
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in SKIPPED_DIRS or any(part.startswith(".") for part in rel.parts):
            continue
        parts = [path.stem]
        folder = path.parent
        while folder != ROOT and (folder / "__init__.py").exists():
            parts.insert(0, folder.name)
            folder = folder.parent
        if parts[-1] == "__init__":
            parts.pop()
        if parts:
            out[".".join(parts)] = path
    return out


def typing_only(tree: ast.AST, _cache: dict = {}) -> set:  # noqa: B006 - a per-tree memo
    """The import statements under `if TYPE_CHECKING:`: read by type checkers only, never
    run, so they make no import circle (storage modules name `Workspace` in annotations)."""
    key = id(tree)
    if key not in _cache:
        found = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and (
                    (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
                    or (isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING")):
                for child in node.body:
                    found.update(n for n in ast.walk(child) if isinstance(n, (ast.Import, ast.ImportFrom)))
        _cache[key] = (tree, found)  # the tree is kept so that its id is not reused
    return _cache[key][1]


def imported_names(name: str, path: Path, modules: dict) -> set[str]:
    """Every module name `name` imports, at any depth of its code: `import X.Y` gives
    X.Y; `from X import Y` gives X.Y where that is a project module, else X."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if node in typing_only(tree):
            continue
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".") if package else []
                parts = parts[:len(parts) - (node.level - 1)]
                module = ".".join(parts + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                out.add(f"{module}.{alias.name}" if f"{module}.{alias.name}" in modules else module)
    return out


def import_graph() -> dict[str, set[str]]:
    """Project module -> the project modules it imports (the most specific one named)."""
    modules = project_modules()
    graph = {}
    for name, path in modules.items():
        targets = set()
        for imported in imported_names(name, path, modules):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                targets.add(imported)
        graph[name] = targets
    return graph


def circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def test_imports_inside_functions_and_relative_ones_are_seen(tmp_path):
    source = tmp_path / "loader.py"
    source.write_text("from .errors import Problem\n"
                      "def load():\n"
                      "    from . import workbook\n"
                      "    import storage.db\n", encoding="utf-8")
    modules = {"pkg.loader": source, "pkg.errors": source, "pkg.workbook": source, "storage.db": source}
    assert imported_names("pkg.loader", source, modules) == {"pkg.errors", "pkg.workbook", "storage.db"}
    assert "checklists.loader" in import_graph()["checklists"]


def test_no_import_circles_among_project_modules():
    found = circles(import_graph())
    new = [sorted(c) for c in found if c not in KNOWN_CIRCLES]
    assert not new, f"import circles: {new}"
    gone = [sorted(c) for c in KNOWN_CIRCLES if c not in found]
    assert not gone, f"no longer circles, take them off KNOWN_CIRCLES: {gone}"


def _top_level_imports() -> dict[str, set[str]]:
    """Module -> the top-level names (`PySide6`, `storage`...) of everything it imports."""
    modules = project_modules()
    return {name: {imported.split(".")[0] for imported in imported_names(name, path, modules) if imported}
            for name, path in modules.items()}


# layer -> what it must never import, at any depth of its code
FORBIDDEN = {
    "checklists": {"storage", "exports", "ui", "commands", "main", "PySide6", "shiboken6"},
    "storage": {"exports", "ui", "commands", "main", "PySide6", "shiboken6"},
    "exports": {"ui", "commands", "main", "PySide6", "shiboken6"},
}


def test_layers_point_one_way():
    wrong = []
    for name, imported in sorted(_top_level_imports().items()):
        layer = name.split(".")[0]
        bad = imported & FORBIDDEN.get(layer, set())
        if bad:
            wrong.append(f"{name} imports {', '.join(sorted(bad))}")
    assert not wrong, "layers are ui -> exports -> storage -> checklists, one way only:\n" + "\n".join(wrong)
