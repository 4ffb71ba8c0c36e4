"""The package's layers import only downwards, and never in a circle.

Order (a module may import from its own layer and the layers before it):
base (errors, options, seeding, validation, compute) → data → measures → spatial → dynamics,
models → plot → study → cli. Lazy imports inside functions count too.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "geoagglom"
LAYERS = {
    "errors": 0,
    "options": 0,
    "seeding": 0,
    "validation": 0,
    "compute": 0,
    "data": 1,
    "measures": 2,
    "spatial": 3,
    "dynamics": 4,
    "models": 4,
    "plot": 5,
    "study": 6,
    "cli": 7,
    "__main__": 7,
}


def imports():
    """(module's layer name, imported layer name, where) for every geoagglom import."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        if "boundaries" in path.parts or (path.name == "__init__.py" and path.parent == PACKAGE):
            continue
        layer = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == "geoagglom" and len(parts) > 1 and parts[1] in LAYERS:
                    found.append((layer, parts[1], f"{path.relative_to(PACKAGE)}:{node.lineno}"))
    return found


def test_no_module_imports_from_a_layer_above_it():
    upward = [
        f"{where}: {layer} imports {target}"
        for layer, target, where in imports()
        if LAYERS[target] > LAYERS[layer]
    ]
    assert upward == []


@pytest.mark.parametrize("word", ["spillover cluster", "siphoning core"])
def test_the_study_vocabulary_lives_in_the_study_layer(word):
    outside = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if p.relative_to(PACKAGE).parts[0] not in ("study", "cli.py")
        and word in p.read_text(encoding="utf-8")
    ]
    assert outside == []


def test_no_import_circles_between_modules():
    """No two modules import each other, directly or through others (lazy imports too)."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        if "boundaries" in path.parts or "demo" in path.parts:
            continue
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        modules[name.removesuffix(".__init__")] = path
    edges = {}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            for target in targets:
                if target in modules and target not in (name, "geoagglom"):
                    if not name.startswith(target + "."):  # a package's own __init__
                        edges.setdefault(name, set()).add(target)

    def reaches(start, goal):
        seen, todo = set(), [start]
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt == goal:
                    return True
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return False

    circles = sorted({tuple(sorted((a, b))) for a in edges for b in edges[a] if reaches(b, a)})
    assert circles == []
