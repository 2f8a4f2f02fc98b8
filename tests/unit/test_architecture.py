"""The import graph has no circle (import-linter's contracts, in pyproject.toml and run by
`make lint`, check the layers; this checks that nothing inside a layer loops either)."""

from __future__ import annotations

import grimp
import pytest


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("claimwatch", "shared", "services")


def _cycle(graph: grimp.ImportGraph, modules: set[str]) -> list[str] | None:
    """One import circle among `modules`, or None (depth-first search, three colours)."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph.find_modules_directly_imported_by(module) & modules):
            if state.get(target) == 1:
                return [*path[path.index(target):], target]
            if target not in state and (found := visit(target)):
                return found
        state[module] = 2
        path.pop()
        return None

    for module in sorted(modules):
        if module not in state and (found := visit(module)):
            return found
    return None


@pytest.mark.parametrize("package", ["claimwatch", "shared", "services"])
def test_no_import_circle(graph: grimp.ImportGraph, package: str) -> None:
    modules = {m for m in graph.modules if m == package or m.startswith(package + ".")}
    assert len(modules) > 3
    assert _cycle(graph, modules) is None


def test_the_cycle_finder_finds_a_circle() -> None:
    graph = grimp.ImportGraph()
    for name in ("a", "a.x", "a.y", "a.z"):
        graph.add_module(name)
    graph.add_import(importer="a.x", imported="a.y")
    graph.add_import(importer="a.y", imported="a.z")
    graph.add_import(importer="a.z", imported="a.x")
    assert _cycle(graph, {"a.x", "a.y", "a.z"}) == ["a.x", "a.y", "a.z", "a.x"]
