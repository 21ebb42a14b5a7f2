"""The house's rules, checked on the source: dependencies point one way (no module imports a
higher layer, not even inside a function), no import cycle, and no module outside an
engine's own folder names an engine (docs/ARCHITECTURE.md, "Layers")."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import jonas
from jonas.engines import names

ROOT = Path(jonas.__file__).resolve().parent

#: the layers, lowest first: a module may import its own layer and those below it
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("jonas.version", "jonas.errors", "jonas.files", "jonas.compiled", "jonas.lazy")),
    ("base: vocabularies", ("jonas.metrics", "jonas.modes")),
    ("libraries", ("jonas.space", "jonas.geo", "jonas.abm")),
    ("spec: value types", ("jonas.spec.fields",)),
    ("interventions", ("jonas.interventions",)),
    ("spec", ("jonas.spec",)),
    ("model", ("jonas.model",)),
    ("engines", ("jonas.engines",)),
    ("plots", ("jonas.plots",)),
    ("outputs", ("jonas.outputs",)),
    ("results", ("jonas.results",)),
    ("ensemble", ("jonas.ensemble",)),
    ("workflows", ("jonas.workflows",)),
    ("api", ("jonas.api",)),
    ("web", ("jonas.web",)),
    ("cli", ("jonas.cli",)),
    ("package", ("jonas",)),
]
#: old names kept for one release, each warning that it moved (tests/test_api.py): they
#: only point to the new home, so they stand outside the layers
DEPRECATED = ("jonas.korea", "jonas.agents", "jonas.analysis", "jonas.space.render")


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported module
    line: int
    runtime: bool  # False: only under `if TYPE_CHECKING:`


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str:
    """The module a dotted name refers to (a name imported from a module: that module)."""
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(module: str, path: Path) -> Iterator[Import]:
    """Every import of a jonas module in a file, wherever it stands (inside functions too)."""
    tree = ast.parse(path.read_text("utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]

    def visit(node: ast.AST, runtime: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                for inner in child.body:
                    yield from visit_one(inner, False)
                for inner in child.orelse:
                    yield from visit_one(inner, runtime)
            else:
                yield from visit_one(child, runtime)

    def visit_one(node: ast.AST, runtime: bool) -> Iterator[Import]:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "jonas":
                    yield Import(module, _resolve(alias.name), node.lineno, runtime)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            if base.split(".")[0] == "jonas":
                for alias in node.names:
                    yield Import(module, _resolve(f"{base}.{alias.name}"), node.lineno, runtime)
        yield from visit(node, runtime)

    yield from visit(tree, True)


IMPORTS = [i for module, path in MODULES.items() for i in _imports(module, path)]


def layer_of(module: str) -> int | None:
    """The index of a module's layer (the longest prefix that names it), None for data and
    deprecated aliases."""
    if module.startswith("jonas.data") or any(
        module == d or module.startswith(d + ".") for d in DEPRECATED
    ):
        return None
    best, found = -1, None
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, found = len(prefix), i
    return found


def test_every_module_has_a_layer() -> None:
    homeless = [
        m
        for m in MODULES
        if layer_of(m) is None and not m.startswith("jonas.data") and _deprecated(m) is None
    ]
    assert not homeless, f"modules in no layer (add them to LAYERS): {homeless}"


def _deprecated(module: str) -> str | None:
    return next((d for d in DEPRECATED if module == d or module.startswith(d + ".")), None)


def test_no_module_imports_a_higher_layer() -> None:
    upward = []
    for i in IMPORTS:
        if _deprecated(i.target) and i.module == "jonas.space":
            continue  # the deprecated names jonas.space.render_map and draw_map
        low, high = layer_of(i.module), layer_of(i.target)
        if low is None or high is None:
            continue
        if high > low:
            upward.append(
                f"{i.module}:{i.line} ({LAYERS[low][0]}) imports {i.target} ({LAYERS[high][0]})"
            )
    assert not upward, "imports that point up:\n  " + "\n  ".join(upward)


def test_nothing_imports_a_deprecated_alias() -> None:
    """jonas's own code uses the new homes; the aliases are for users' code only."""
    found = [
        f"{i.module}:{i.line} imports {i.target}"
        for i in IMPORTS
        if _deprecated(i.target)
        and not _deprecated(i.module)
        and not (i.module == "jonas.space" and i.target == "jonas.space.render")
    ]
    assert not found, "\n".join(found)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def connect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                connect(w)
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

    for v in sorted(edges):
        if v not in index:
            connect(v)
    return found


def test_no_import_cycle() -> None:
    """Counting imports inside functions, no module depends on itself through others (a
    package's __init__ importing its own modules is no cycle: they import it only as their
    parent)."""
    edges: dict[str, set[str]] = {}
    for i in IMPORTS:
        if i.runtime and i.target != i.module:
            edges.setdefault(i.module, set()).add(i.target)
    assert not _cycles(edges)


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert not _cycles({"a": {"b"}, "b": {"c"}})


def test_the_layer_check_would_see_an_upward_import() -> None:
    assert layer_of("jonas.model.compile") < layer_of("jonas.results.result")
    assert layer_of("jonas.abm.world") < layer_of("jonas.engines.agents.replicate")
    assert layer_of("jonas.spec.fields") < layer_of("jonas.interventions.base")
    assert layer_of("jonas.interventions.base") < layer_of("jonas.spec.scenario")
    inside = [i for i in IMPORTS if i.module == "jonas.results.result" and not i.runtime]
    assert any(i.target == "jonas.outputs" for i in inside), "TYPE_CHECKING imports are seen"
    deep = [i for i in IMPORTS if i.module == "jonas.engines.metapop.setup"]
    assert any(i.target == "jonas.geo.files" for i in deep)


@pytest.mark.parametrize("engine", list(names()))
def test_no_module_outside_an_engines_folder_names_it(engine: str) -> None:
    """An engine is known by its name only in its own folder (its declaration): everything
    else reads the registry. (Comments, docstrings and messages may name it.)"""
    own = ROOT / "engines" / engine
    found = []
    for path in ROOT.rglob("*.py"):
        if own in path.parents:
            continue
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                for side in [node.left, *node.comparators]:
                    if isinstance(side, ast.Constant) and side.value == engine:
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            registry_get = (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "get"
            )
            if registry_get and any(  # the registry's get("ode")
                isinstance(arg, ast.Constant) and arg.value == engine for arg in node.args
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, f"{engine!r} compared outside engines/{engine}/: {found}"
