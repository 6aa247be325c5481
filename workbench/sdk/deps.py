"""Lazy imports of optional drivers, with the exact install hint when one is missing."""

from __future__ import annotations

import importlib
from types import ModuleType

from workbench.errors import MissingDependencyError


def require(module: str, extra: str) -> ModuleType:
    """Import ``module`` or fail with ``pip install 'workbench[extra]'``.

    Example:
        >>> require("json", "core").dumps([1])
        '[1]'
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingDependencyError(module.split(".")[0], extra) from None
