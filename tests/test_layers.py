"""The package's architecture, held by a test: rooms that name their role, no import loop, no arrow
pointing back up (the engine and the evidence never import the CLI; the flow language and the evidence
never import Playwright), and no module too long to read."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "optout"
# What may stay at the top level: what every room shares.
TOP_LEVEL = {"optout", "optout.__main__", "optout.paths", "optout.results", "optout.invocation", "optout.files"}
ROOMS = (
    "language", "patterns", "engine", "browser", "evidence", "accounts", "recheck", "cli", "sandbox", "trainer",
)  # fmt: skip
# room -> the rooms it must never import (directly or not).
FORBIDDEN = {
    "language": {"patterns", "engine", "browser", "evidence", "accounts", "recheck", "cli", "sandbox", "trainer"},
    "patterns": {"language", "engine", "browser", "evidence", "accounts", "recheck", "cli", "sandbox", "trainer"},
    "browser": {"engine", "evidence", "accounts", "recheck", "cli", "sandbox", "trainer"},
    "accounts": {"engine", "browser", "evidence", "recheck", "cli", "sandbox", "trainer"},
    "evidence": {"engine", "browser", "recheck", "cli", "sandbox", "trainer"},
    "engine": {"recheck", "cli", "sandbox", "trainer"},
    "recheck": {"cli", "sandbox", "trainer"},
    "sandbox": {"cli", "trainer"},
    "trainer": {"cli"},
}
NO_PLAYWRIGHT = ("language", "patterns", "evidence", "accounts", "recheck")
MAX_LINES = 600


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import that runs (at module level or inside a function), not those for the type checker."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            yield from (n for child in node.orelse for n in _runtime_imports_of(child))
            continue
        yield from _runtime_imports_of(node)


def _runtime_imports_of(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        yield node
    elif not (isinstance(node, ast.If) and _is_type_checking(node)):
        yield from _runtime_imports(node)


def _every_import(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    return (n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)))


def imported(module: str, *, for_types: bool = False) -> set[str]:
    """The names module imports at run time (with `for_types`, those for the type checker too), resolved
    to full dotted names (packages and modules)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in _every_import(tree) if for_types else _runtime_imports(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*anchor, base] if base else anchor)
        names.add(base)
        # `from optout.evidence import chain` imports a module, not only a name.
        names.update(f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES)
    return names


def internal_edges(*, for_types: bool = False) -> dict[str, set[str]]:
    return {m: {n for n in imported(m, for_types=for_types) if n in MODULES and n != m} for m in MODULES}


def room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ROOMS else None


def test_every_module_sits_in_a_room_or_is_shared_by_all() -> None:
    homeless = [m for m in MODULES if room(m) is None and m not in TOP_LEVEL]
    assert not homeless, f"modules outside a room: {homeless}"


def find_loop(edges: dict[str, set[str]]) -> list[str] | None:
    """One import loop in EDGES (module -> modules it imports), as the path around it, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (loop := visit(nxt)):
                return loop
        stack.pop()
        state[node] = 2
        return None

    for module in sorted(edges):
        if module not in state and (loop := visit(module)):
            return loop
    return None


@pytest.mark.parametrize("for_types", [False, True], ids=["at-run-time", "for-the-type-checker-too"])
def test_no_import_loop(for_types: bool) -> None:
    """Not even one hidden under TYPE_CHECKING: two modules that need each other's types are one job, or
    one of them states what it needs as a Protocol (as engine.signin does of the step runner)."""
    edges = internal_edges(for_types=for_types)
    # A package's __init__ importing its own modules is how a package works, not a loop.
    for module, targets in edges.items():
        edges[module] = {t for t in targets if not (MODULES[t].name == "__init__.py" and module.startswith(t + "."))}
    loop = find_loop(edges)
    assert loop is None, "import loop: " + " -> ".join(loop or [])


@pytest.mark.parametrize("source", sorted(FORBIDDEN))
def test_no_arrow_back_up(source: str) -> None:
    edges = internal_edges()
    wrong = [
        f"{m} imports {t}"
        for m, targets in edges.items()
        if room(m) == source
        for t in targets
        if room(t) in FORBIDDEN[source]
    ]
    assert not wrong, wrong


@pytest.mark.parametrize("source", NO_PLAYWRIGHT)
def test_rooms_that_never_drive_a_browser_never_import_playwright(source: str) -> None:
    direct = [m for m in MODULES if room(m) == source and any(n.split(".")[0] == "playwright" for n in imported(m))]
    assert not direct, direct
    # And not through anything they import either: load them all in a fresh interpreter.
    modules = [m for m in MODULES if room(m) == source]
    code = "import importlib, sys\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules)
    code += "print(sorted(m for m in sys.modules if m.split('.')[0] == 'playwright'))"
    loaded = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]", f"importing optout.{source} loads {loaded.stdout.strip()}"


def test_no_module_is_too_long_to_read() -> None:
    long = {m: n for m, p in MODULES.items() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_the_loop_finder_finds_loops_and_only_loops() -> None:
    assert find_loop({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_loop({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_imports_for_the_type_checker_alone_are_not_imports() -> None:
    tree = ast.parse(
        "from optout.evidence import chain\nif TYPE_CHECKING:\n    import optout.cli\ndef f():\n    import x\n"
    )
    found = {n.module if isinstance(n, ast.ImportFrom) else n.names[0].name for n in _runtime_imports(tree)}
    assert found == {"optout.evidence", "x"}
