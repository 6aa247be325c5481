"""What a connector built on an API description is made of: the generated connector's base
class, its settings, the spec model and the generator itself.

Every name is a building block of the ``openapi`` importer
(:meth:`~workbench.sdk.Importer.building_block`), loaded from it when first asked for: this
module imports nothing of the importer, which stays replaceable like any plugin.

Example:
    >>> from workbench.sdk.openapi import ApiConnector, connector_class, load_spec
    >>> spec = load_spec({"openapi": "3.0.3", "info": {"title": "Todo", "version": "1"},
    ...     "paths": {"/todos": {"get": {"operationId": "listTodos"}}}})
    >>> Todo = connector_class(spec, "todo_example")
    >>> issubclass(Todo, ApiConnector), list(Todo.action_specs)
    (True, ['list_todos'])
"""

import typing as _typing

if _typing.TYPE_CHECKING:
    from workbench.openapi.actions import OperationSpec
    from workbench.openapi.connector import ApiConnector, connector_class
    from workbench.openapi.loader import load_spec
    from workbench.openapi.model import ApiSpec
    from workbench.openapi.reply import rows
    from workbench.openapi.sandbox import SandboxTransport
    from workbench.openapi.settings import ApiConfig, config_class

IMPORTER = "openapi"

__all__ = [
    "IMPORTER",
    "ApiConfig",
    "ApiConnector",
    "ApiSpec",
    "OperationSpec",
    "SandboxTransport",
    "config_class",
    "connector_class",
    "load_spec",
    "rows",
]


def __getattr__(name: str) -> _typing.Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from workbench.registry import importer

    value = importer(IMPORTER).building_block(name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*__all__, *globals()})
