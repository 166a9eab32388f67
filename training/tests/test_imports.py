"""The modules of agegender_train import each other without a circle, counting imports inside functions."""

import ast
from pathlib import Path

from conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "training" / "agegender_train"


def import_graph(package: Path) -> dict[str, set[str]]:
    """Each module of the package (by name, without the package's) -> the package's modules it imports anywhere."""
    modules = {p.stem for p in package.glob("*.py")} - {"__init__"}
    graph: dict[str, set[str]] = {}
    for name in sorted(modules):
        imported: set[str] = set()
        for node in ast.walk(ast.parse((package / f"{name}.py").read_text())):
            if isinstance(node, ast.Import):
                paths = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                # Relative imports resolved (the package has no subpackages); `from . import y` may name a module y.
                base = (node.module or "") if node.level == 0 else f"{package.name}.{node.module or ''}".rstrip(".")
                paths = [base] + [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for path in paths:
                parts = path.split(".")
                if len(parts) > 1 and parts[0] == package.name and parts[1] in modules:
                    imported.add(parts[1])
        graph[name] = imported - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A circle of imports (its first module repeated at the end), or None."""
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> list[str] | None:
        if name in path:
            return path[path.index(name) :] + [name]
        if name in done:
            return None
        for other in sorted(graph.get(name, ())):
            if cycle := visit(other, path + [name]):
                return cycle
        done.add(name)
        return None

    for name in sorted(graph):
        if cycle := visit(name, []):
            return cycle
    return None


def test_the_package_has_no_import_circle() -> None:
    graph = import_graph(PACKAGE)
    assert {"train", "evaluate", "shift", "config"} <= set(graph) and "config" in graph["train"]
    cycle = find_cycle(graph)
    assert cycle is None, "import circle: " + " -> ".join(cycle or [])


def test_a_circle_through_an_import_inside_a_function_is_found(tmp_path: Path) -> None:
    package = tmp_path / "agegender_train"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from .b import f\n")
    (package / "b.py").write_text("def f():\n    from agegender_train import c\n")
    (package / "c.py").write_text("import os\n\n\ndef g():\n    from . import a\n")
    assert import_graph(package) == {"a": {"b"}, "b": {"c"}, "c": {"a"}}
    assert find_cycle(import_graph(package)) == ["a", "b", "c", "a"]
    (package / "c.py").write_text("import os\n")
    assert find_cycle(import_graph(package)) is None
