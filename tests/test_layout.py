"""The folder layout is the design: stages import downward only, with no circles, even through lazy imports."""

import ast
from pathlib import Path

import networkx as nx

from tests.conftest import ROOT

# A stage may import a stage to its left, never one to its right (DESIGN: "a lower stage never imports a higher one").
STAGES = ["errors", "namespaces", "paths", "iris", "records", "store", "readers", "thesaurus", "nlp", "extract",
          "build"]


def _imports() -> nx.DiGraph:
    """Module -> module, for every import statement anywhere in kg (inside functions too); importing
    kg.a.b also runs kg.a's __init__, so it counts as importing kg.a."""
    modules = {}
    for path in (ROOT / "kg").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = nx.DiGraph()
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
                target = ".".join(base + ([node.module] if node.module else []))
                targets = [target, *(f"{target}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            for t in targets:
                while t and t not in modules:
                    t = t.rpartition(".")[0]
                for parent in _parents(t):
                    if parent in modules and parent != name and not name.startswith(parent + "."):
                        graph.add_edge(name, parent)
    return graph


def _parents(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(2, len(parts) + 1)]


def test_no_module_of_kg_imports_itself_through_others():
    cycles = sorted(nx.simple_cycles(_imports()), key=len)
    assert cycles == [], f"import circles: {cycles[:3]}"


def test_stages_import_only_earlier_stages():
    graph = _imports()
    rank = {f"kg.{s}": i for i, s in enumerate(STAGES)}

    def stage(module):
        top = ".".join(module.split(".")[:2])
        return rank.get(top)

    upward = [(a, b) for a, b in graph.edges if stage(a) is not None and stage(b) is not None and stage(b) > stage(a)]
    assert upward == []


def test_the_wheel_lists_every_package_of_kg():
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "kg").rglob("__init__.py")}
    assert found - listed == set()  # a package missing here is missing from the installed kg
