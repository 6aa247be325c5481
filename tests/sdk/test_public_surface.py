"""The SDK's surface: every ``__all__`` sorted and complete, and built-in connectors that
import nothing of Workbench but ``workbench.sdk``."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

import workbench

ROOT = Path(workbench.__file__).parent
SDK = ROOT / "sdk"
CONNECTORS = ROOT / "connectors"
BUILDING_BLOCKS = [
    "workbench.sdk",
    "workbench.sdk.errors",
    "workbench.sdk.formats",
    "workbench.sdk.http",
    "workbench.sdk.messaging",
    "workbench.sdk.openapi",
    "workbench.sdk.sql",
    "workbench.sdk.testing",
    "workbench.sdk.triggers",
    "workbench.sdk.triggers.changes",
    "workbench.sdk.triggers.files",
    "workbench.sdk.triggers.schedules",
    "workbench.sdk.triggers.webhooks",
]
DEFINING = {"workbench.sdk.formats", "workbench.sdk.testing"}
"""Building blocks that define what they export (the others gather names from elsewhere)."""
HOOKS = {"load_ipython_extension", "unload_ipython_extension"}
"""Found by IPython by name, not part of the API."""


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sdk_modules() -> list[str]:
    return sorted(module_name(p) for p in SDK.rglob("*.py"))


def parsed(name: str) -> ast.Module:
    module = importlib.import_module(name)
    assert module.__file__ is not None
    return ast.parse(Path(module.__file__).read_text(encoding="utf-8"))


def is_type_checking(node: ast.stmt) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return isinstance(test, ast.Name | ast.Attribute) and ast.unparse(test).endswith(
        "TYPE_CHECKING"
    )


def bound_names(tree: ast.Module, *, reexports: bool) -> set[str]:
    """The public names a module defines at its top level, the keys of its ``_EXPORTS``
    (names loaded on first use) and, with ``reexports``, the names it imports from
    Workbench (at run time or for type checking)."""
    names: set[str] = set()
    statements = list(tree.body)
    while statements:
        node = statements.pop(0)
        if isinstance(node, ast.If) and is_type_checking(node):
            statements.extend(node.body)
        elif isinstance(node, ast.ImportFrom) and reexports:
            if (node.module or "").split(".")[0] == "workbench":
                names.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
            if any(isinstance(t, ast.Name) and t.id == "_EXPORTS" for t in targets):
                assert isinstance(node.value, ast.Dict)
                names.update(k.value for k in node.value.keys if isinstance(k, ast.Constant))
    return {n for n in names if not n.startswith("_")} - HOOKS


def isort_order(name: str) -> tuple[int, str]:
    """The order ruff keeps ``__all__`` in: CONSTANTS, then Classes, then the rest."""
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2), name


@pytest.mark.parametrize("name", ["workbench", *sdk_modules()])
def test_every_all_is_sorted_and_complete(name: str) -> None:
    module = importlib.import_module(name)
    listed = getattr(module, "__all__", None)
    if listed is None:
        assert name not in BUILDING_BLOCKS, f"{name} has no __all__"
        return
    assert listed == sorted(listed, key=isort_order), f"{name}.__all__ is not sorted"
    assert len(set(listed)) == len(listed), f"{name}.__all__ repeats a name"
    missing = [n for n in listed if not hasattr(module, n)]
    assert missing == [], f"{name}.__all__ lists names it does not have"
    reexports = name == "workbench" or (name in BUILDING_BLOCKS and name not in DEFINING)
    unlisted = sorted(bound_names(parsed(name), reexports=reexports) - set(listed))
    assert unlisted == [], f"{name} has public names missing from __all__"


def imports(tree: ast.AST, *, typing_too: bool = True) -> Iterator[tuple[int, str]]:
    """Every module imported in ``tree`` with its line; with ``typing_too=False``, not
    those imported in an ``if TYPE_CHECKING:`` block only."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.lineno, node.module
        elif isinstance(node, ast.If) and is_type_checking(node) and not typing_too:
            for other in node.orelse:
                yield from imports(other, typing_too=typing_too)
        else:
            yield from imports(node, typing_too=typing_too)


@pytest.mark.parametrize(
    "name", [*sdk_modules(), "workbench.registry", "workbench.connector_catalog"]
)
def test_the_sdk_and_the_catalog_reach_openapi_only_through_its_importer(name: str) -> None:
    found = [
        f"{name}:{line} imports {module}"
        for line, module in imports(parsed(name), typing_too=False)
        if module == "workbench.openapi" or module.startswith("workbench.openapi.")
    ]
    assert found == []


def connector_packages() -> list[str]:
    return sorted(p.name for p in CONNECTORS.iterdir() if (p / "__init__.py").is_file())


@pytest.mark.parametrize("package", connector_packages())
def test_a_built_in_connector_imports_only_the_sdk_and_itself(package: str) -> None:
    own = f"workbench.connectors.{package}"
    found = []
    for path in sorted((CONNECTORS / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, module in imports(tree):
            top = module.split(".")[0]
            allowed = (
                module == "workbench.sdk"
                or module.startswith("workbench.sdk.")
                or module == own
                or module.startswith(own + ".")
            )
            if top == "workbench" and not allowed:
                found.append(f"{path.relative_to(CONNECTORS)}:{line} imports {module}")
    assert found == []


def test_the_checks_see_what_they_look_for() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "import os\n"
        "from workbench.errors import ActionError as Failed\n"
        "if TYPE_CHECKING:\n"
        "    from workbench.openapi import ApiSpec\n"
        "def reader():\n"
        "    from workbench.http import send\n"
        "_hidden = 1\n"
        "LIMIT = 2\n"
    )
    assert bound_names(tree, reexports=True) == {"Failed", "ApiSpec", "reader", "LIMIT"}
    assert bound_names(tree, reexports=False) == {"reader", "LIMIT"}
    assert [m for _, m in imports(tree)] == [
        "typing",
        "os",
        "workbench.errors",
        "workbench.openapi",
        "workbench.http",
    ]
    assert "workbench.openapi" not in [m for _, m in imports(tree, typing_too=False)]
    assert sorted(["b", "Cls", "CONST", "a"], key=isort_order) == ["CONST", "Cls", "a", "b"]
