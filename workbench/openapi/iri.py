"""jsonschema's IRI format checks, with their grammar built when first used, not at import.

Where ``rfc3987_syntax`` is installed (JupyterLab's jupyter-events asks for it), jsonschema
imports it to check the ``iri`` and ``iri-reference`` formats, and that import builds an
IRI grammar for one to four seconds. openapi-core imports jsonschema, so the sandbox's
first request would pay it. :func:`defer_iri_grammar` puts a stand-in module in its place
first: the same ``is_valid_syntax`` (and every other name), loading the real module on its
first use. Checks give the same answers; only a value with one of those formats pays.

Example:
    >>> defer_iri_grammar()
    >>> from jsonschema import FormatChecker
    >>> "iri" in FormatChecker.checkers
    True
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from typing import Any

MODULE = "rfc3987_syntax"
_lock = threading.Lock()


class _Deferred(types.ModuleType):
    """Stands in for ``rfc3987_syntax`` until one of its names is used."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):  # asked by the import system
            raise AttributeError(name)
        return getattr(_real(), name)


def is_valid_syntax(term: str, value: str) -> bool:
    """``rfc3987_syntax.is_valid_syntax``: the real module is imported on the first call."""
    valid: bool = _real().is_valid_syntax(term, value)
    return valid


def defer_iri_grammar() -> None:
    """Install the stand-in unless the module is already imported (or blocked) or absent."""
    with _lock:
        if MODULE in sys.modules or "jsonschema" in sys.modules:
            return
        spec = importlib.util.find_spec(MODULE)
        if spec is None:
            return
        stand_in = _Deferred(MODULE, "the IRI grammar, built on first use")
        stand_in.__spec__ = spec
        if spec.submodule_search_locations is not None:
            stand_in.__path__ = list(spec.submodule_search_locations)
        stand_in.__dict__["is_valid_syntax"] = is_valid_syntax
        sys.modules[MODULE] = stand_in


def _real() -> types.ModuleType:
    with _lock:
        current = sys.modules.get(MODULE)
        if isinstance(current, _Deferred):
            del sys.modules[MODULE]
        return importlib.import_module(MODULE)
