"""The package's layers point one way (docs/architecture.md).

Every ``import`` of a ``wfm`` module, at module level or inside a function, is read
from the source with :mod:`ast` and checked against the layer order below: a module
may import its own layer and the layers under it, never one above.  Domain packages
may import each other, but not in a circle.  Kernels and domain code print nothing
and know nothing of the terminal (no typer, no rich, no ``print``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "wfm"

# lowest first; a module's layer is the one with the longest prefix of its name.
# The kernels (pure numerics) sit below the edge: they read no files, not even config.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("foundation", ("wfm.errors", "wfm.units", "wfm.parallel")),
    ("kernels", ("wfm.erlang",)),
    ("edge", ("wfm.config", "wfm.io")),
    ("domain", ("wfm.staffing", "wfm.forecast", "wfm.schedule", "wfm.scenario",
                "wfm.simulate", "wfm.report", "wfm.capacity")),
    ("pipeline", ("wfm.pipeline",)),
    ("cli", ("wfm.cli", "wfm.__main__")),
]
RANK = {name: i for i, (name, _) in enumerate(LAYERS)}
DOMAIN = dict(LAYERS)["domain"]
TERMINAL = ("typer", "rich", "click")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str:
    if module == "wfm":
        return "foundation"
    best = None
    for name, prefixes in LAYERS:
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and (
                best is None or len(p) > len(best[1])
            ):
                best = (name, p)
    assert best is not None, module
    return best[0]


def package_of(module: str) -> str:
    """``wfm.schedule.solve`` -> ``wfm.schedule``; top-level modules are their own."""
    return ".".join(module.split(".")[:2])


def imports(path: Path) -> list[tuple[str, int]]:
    """``(imported module, line)`` of every import in the file, relative ones resolved."""
    return imports_in(path.read_text(encoding="utf-8"), module_name(path),
                      path.name == "__init__.py")


def imports_in(source: str, module: str, is_package: bool) -> list[tuple[str, int]]:
    tree = ast.parse(source)
    here = module.split(".")
    if not is_package:
        here = here[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(here[: len(here) - node.level + 1] + ([base] if base else []))
            found.append((base, node.lineno))
            # `from wfm import cli` imports the module wfm.cli
            found += [(f"{base}.{a.name}", node.lineno) for a in node.names
                      if (ROOT.parent / f"{base}.{a.name}".replace(".", "/")).exists()
                      or (ROOT.parent / (f"{base}.{a.name}".replace(".", "/") + ".py")).exists()]
    return found


SOURCES = sorted(ROOT.rglob("*.py"))


def test_every_module_has_a_layer():
    for path in SOURCES:
        layer_of(module_name(path))


def upward(found: list[tuple[str, int]], module: str) -> list[str]:
    mine = RANK[layer_of(module)]
    return [f"line {line} imports {target} ({layer_of(target)})" for target, line in found
            if (target == "wfm" or target.startswith("wfm.")) and RANK[layer_of(target)] > mine]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: module_name(p))
def test_imports_point_down(path):
    me = module_name(path)
    bad = upward(imports(path), me)
    where = f"{path.relative_to(ROOT.parent)} ({layer_of(me)})"
    assert not bad, f"{where} imports a higher layer: {bad}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: module_name(p))
def test_below_the_cli_nothing_talks_to_the_terminal(path):
    me = module_name(path)
    if layer_of(me) == "cli":
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = [f"line {line}: imports {t}" for t, line in imports(path)
           if t.split(".")[0] in TERMINAL]
    bad += [f"line {n.lineno}: print()" for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print"]
    assert not bad, f"{me}: {bad}"


def test_domain_packages_form_no_circle():
    graph: dict[str, set[str]] = {p: set() for p in DOMAIN}
    for path in SOURCES:
        me = package_of(module_name(path))
        if me not in graph:
            continue
        for target, _ in imports(path):
            other = package_of(target)
            if other in graph and other != me:
                graph[me].add(other)
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                raise AssertionError("import circle: " + " -> ".join([*trail, node, nxt]))
            if nxt not in state:
                visit(nxt, [*trail, node])
        state[node] = 2

    for p in sorted(graph):
        if p not in state:
            visit(p, [])


def test_the_check_catches_upward_imports():
    """The checker itself: upward imports are found wherever they hide."""
    in_function = "def f():\n    from wfm.cli import app\n    return app\n"
    assert upward(imports_in(in_function, "wfm.schedule.probe", False), "wfm.schedule.probe")
    relative = "from ..pipeline import plan\n"
    assert upward(imports_in(relative, "wfm.schedule.probe", False), "wfm.schedule.probe")
    plain = "import wfm.cli.plan\n"
    assert upward(imports_in(plain, "wfm.erlang.probe", False), "wfm.erlang.probe")
    kernel_to_config = "from wfm.config import load_center\n"
    assert upward(imports_in(kernel_to_config, "wfm.erlang.probe", False), "wfm.erlang.probe")
    allowed = "from wfm.erlang import erlang_b\nfrom wfm.io.atomic import write_csv\n"
    assert not upward(imports_in(allowed, "wfm.scenario.probe", False), "wfm.scenario.probe")
