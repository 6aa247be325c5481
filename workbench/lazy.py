"""Package names imported on first use, so importing a package stays cheap (PEP 562).

Example:
    >>> import types, sys
    >>> package = types.ModuleType("demo_package")
    >>> sys.modules["demo_package"] = package
    >>> package.__getattr__ = lazy_getattr("demo_package", {"dedent": "textwrap"})
    >>> package.__getattr__("dedent")("  a").strip(), "dedent" in vars(package)
    ('a', True)
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_getattr(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: each name of ``exports`` is imported from
    its module when first asked for, then kept in the package."""

    def __getattr__(name: str) -> Any:
        try:
            module = exports[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
