"""Loading on first use: package names imported when asked for (PEP 562), and the garbage
collector paused while a large library loads.

Example:
    >>> import types, sys
    >>> package = types.ModuleType("demo_package")
    >>> sys.modules["demo_package"] = package
    >>> package.__getattr__ = lazy_getattr("demo_package", {"dedent": "textwrap"})
    >>> package.__getattr__("dedent")("  a").strip(), "dedent" in vars(package)
    ('a', True)
"""

from __future__ import annotations

import gc
import importlib
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
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


@contextmanager
def paused_gc() -> Iterator[None]:
    """Run the block with the cyclic garbage collector paused (it is on again afterwards).

    Importing a library of hundreds of modules creates objects fast enough to set off
    several full collections, each walking everything the process holds (a loaded API
    description is hundreds of thousands of objects): on a first sandbox call that was a
    third of its time. Nothing is lost: the next collection finds what the block left.

    Example:
        >>> with paused_gc():
        ...     gc.isenabled()
        False
        >>> gc.isenabled()
        True
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
