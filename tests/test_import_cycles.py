"""No import circles in alsate_cli: every import (module level, inside functions, under TYPE_CHECKING) counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from import_graph import cycles, import_graph

PACKAGE_ROOT = Path(__file__).resolve().parent.parent / "src" / "alsate_cli"


def _describe(found: list[list[str]]) -> str:
    return "import circles:\n" + "\n".join("  " + " -> ".join(cycle) for cycle in found)


def test_alsate_cli_has_no_import_cycles() -> None:
    graph = import_graph(PACKAGE_ROOT, "alsate_cli")
    assert len(graph) > 50  # the whole package was read, not an empty directory
    assert "alsate_cli.watch.worker" in graph["alsate_cli.watch.session"]  # function-level imports are edges too
    found = cycles(graph)
    assert not found, _describe(found)


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    for name, text in {"__init__.py": "", **files}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(  # the watch circle as it was: a lazy import one way, a TYPE_CHECKING one back
            {
                "sub/__init__.py": "",
                "sub/session.py": "def start():\n    from pkg.sub.worker import Worker\n",
                "sub/worker.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                "    from pkg.sub.session import Plan\n",
            },
            ["pkg.sub.session", "pkg.sub.worker", "pkg.sub.session"],
            id="function-level-and-type-checking",
        ),
        pytest.param(  # `from . import b` names a module; `from .c import x` a name inside one
            {"a.py": "from . import b\n", "b.py": "from .c import thing\n", "c.py": "import pkg.a\n"},
            ["pkg.a", "pkg.b", "pkg.c", "pkg.a"],
            id="relative-and-package-imports",
        ),
    ],
)
def test_a_cycle_is_found_and_printed(tmp_path: Path, files: dict[str, str], expected: list[str]) -> None:
    found = cycles(import_graph(_package(tmp_path, files), "pkg"))
    assert found == [expected]
    assert " -> ".join(expected) in _describe(found)


def test_an_acyclic_package_passes(tmp_path: Path) -> None:
    root = _package(tmp_path, {"a.py": "from pkg import b\nimport os\n", "b.py": "def f():\n    import pkg.c\n",
                               "c.py": "from pkg.missing import x\n"})  # fmt: skip
    graph = import_graph(root, "pkg")
    assert graph["pkg.a"] == {"pkg.b"} and graph["pkg.b"] == {"pkg.c"} and graph["pkg.c"] == {"pkg"}
    assert cycles(graph) == []
