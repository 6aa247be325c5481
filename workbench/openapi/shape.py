"""Checking the shape of a parsed document: each fault named by its JSON pointer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from workbench.errors import SpecError

if TYPE_CHECKING:
    from workbench.openapi.refs import Resolver


def kind(value: object) -> str:
    """The JSON name of a value's type.

    Example:
        >>> kind([1]), kind({}), kind("x"), kind(None), kind(True), kind(2.5)
        ('list', 'mapping', 'string', 'null', 'boolean', 'number')
    """
    if isinstance(value, Mapping):
        return "mapping"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "null" if value is None else type(value).__name__


def mapping(value: Any, source: str, pointer: str, *, optional: bool = False) -> Mapping[str, Any]:
    """``value`` if it is a mapping (or None when ``optional``: ``{}``), else a :class:`SpecError`.

    Example:
        >>> mapping([], "petstore.json", "#/paths/~1pets/get/responses")
        Traceback (most recent call last):
        ...
        workbench.errors.SpecError: petstore.json: #/paths/~1pets/get/responses: expected a mapping, got list
    """  # noqa: E501
    if type(value) is dict or isinstance(value, Mapping):
        return value
    if optional and value is None:
        return {}
    raise SpecError(f"expected a mapping, got {kind(value)}", source=source, pointer=pointer)


def sequence(value: Any, source: str, pointer: str, *, optional: bool = False) -> list[Any]:
    """``value`` if it is a list (or None when ``optional``: ``[]``), else a :class:`SpecError`."""
    if isinstance(value, list):
        return value
    if optional and value is None:
        return []
    raise SpecError(f"expected a list, got {kind(value)}", source=source, pointer=pointer)


def text(value: Any, source: str, pointer: str) -> str:
    """``value`` if it is a string (``None`` gives ``""``), else a :class:`SpecError`."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    raise SpecError(f"expected a string, got {kind(value)}", source=source, pointer=pointer)


class Unsupported(Exception):
    """An operation cannot be called; the message is the reason it is listed with."""


def deref(resolver: Resolver, node: Any, where: str) -> Any:
    """``node`` with its ``$ref`` followed; an unresolvable one makes the operation unsupported."""
    try:
        return resolver.follow(node)
    except SpecError as exc:
        raise Unsupported(f"{where}: {exc.reason}") from None
