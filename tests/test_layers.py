"""The package's import graph: no circles, and no module imports one of a higher floor.

Floors, lowest first (README, "Layout of the repository"): the base (errors, config, paths,
files), the data (content, languages, doses, the caches of markup and PDFs), render
(content -> markup -> PDF), the pipeline (handout.py), the output end (deliver/, check,
status), and the faces: the command line and the web page.
Every import counts, at the top of a module or inside a function.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "handouts"

FLOORS = [
    ("base", ["handouts", "handouts.errors", "handouts.resources", "handouts.config", "handouts.keys",
              "handouts.cache", "handouts.output", "handouts.locks", "handouts.workers", "handouts.locate"]),
    ("data", ["handouts.content", "handouts.doses", "handouts.personal", "handouts.schedule",
              "handouts.i18n", "handouts.markupcache", "handouts.pdfcache"]),
    ("render", ["handouts.render"]),
    ("pipeline", ["handouts.handout"]),
    ("output", ["handouts.deliver", "handouts.check", "handouts.status"]),
    ("faces", ["handouts.cli", "handouts.entry", "handouts.__main__", "handouts.serve"]),
]


def _modules() -> dict[str, Path]:
    mods = {}
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        mods[name] = path
    return mods


MODULES = _modules()


def _own(name: str) -> str | None:
    """The package's module that an import of ``name`` loads (``handouts.render.layout.X`` -> ...layout)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str) -> set[str]:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        else:
            continue
        for name in names:
            if name.startswith("handouts."):
                own = _own(name)
                # (a package's own __init__ is loaded with any of its modules: not an edge)
                if own and own != module and not module.startswith(own + "."):
                    found.add(own)
    return found


GRAPH = {m: _imports(m) for m in MODULES}


def _floor(module: str) -> int:
    best = None
    for i, (_name, prefixes) in enumerate(FLOORS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (i, len(prefix))
    assert best is not None, f"{module} is on no floor: add it to FLOORS (and the README's layout)"
    return best[0]


def test_every_module_is_on_a_floor():
    for module in MODULES:
        _floor(module)


def test_no_import_circles():
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                circles.append(sorted(part))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert circles == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_import_from_a_higher_floor(module):
    up = sorted(m for m in GRAPH[module] if _floor(m) > _floor(module))
    assert up == [], f"{module} ({FLOORS[_floor(module)][0]}) imports {up}"


def test_the_output_end_never_renders():
    """deliver/ starts once the PDF bytes exist: it goes through handout.py, never into render/."""
    for module in MODULES:
        if module.startswith("handouts.deliver"):
            assert not [m for m in GRAPH[module] if m.startswith("handouts.render")], module


def test_the_graph_sees_imports_at_the_top_and_inside_functions():
    assert "handouts.handout" in GRAPH["handouts.deliver.batch"]  # at the top
    assert "handouts.render.layout" in GRAPH["handouts.render"]  # inside _build()
