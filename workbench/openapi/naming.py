"""Python names for what a spec calls things: actions, parameters, body fields.

Every name is snake_case, a valid identifier, never a keyword and never one of the
reserved names passed in (a trailing underscore is added); duplicates get ``_2``, ``_3``
in a deterministic order.
"""

from __future__ import annotations

import functools
import keyword
import re
from collections.abc import Collection, Sequence
from typing import Any

# Names a generated connector keeps for itself, besides every public attribute of
# workbench.sdk.Connector (see reserved_action_names): an action of the same name would
# hide them.
EXTRA_RESERVED_ACTION_NAMES = frozenset({"client", "sandbox", "spec"})
RESERVED_ARGUMENT_NAMES = frozenset({"self"})

_ACRONYM = re.compile(r"([A-Z]+)([A-Z][a-z])")
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_SEPARATORS = re.compile(r"[^A-Za-z0-9]+")


@functools.cache
def reserved_action_names() -> frozenset[str]:
    """Names an action may not take: Connector's public attributes and a few more.

    Example:
        >>> {"actions", "check", "close", "config", "connection", "name"} <= reserved_action_names()
        True
    """
    from workbench.sdk.connector import Connector

    public = {name for name in dir(Connector) if not name.startswith("_")}
    return frozenset(public | EXTRA_RESERVED_ACTION_NAMES | {"config", "connection"})


@functools.lru_cache(maxsize=8192)
def snake_case(text: str) -> str:
    """``text`` in snake_case, ASCII letters and digits only (may be empty).

    Example:
        >>> [snake_case(t) for t in ("chat.postMessage", "GetCustomers", "repos/list-for-org")]
        ['chat_post_message', 'get_customers', 'repos_list_for_org']
        >>> [snake_case(t) for t in ("Stripe-Account", "page[size]", "getHTTPResponse", "v1Users")]
        ['stripe_account', 'page_size', 'get_http_response', 'v1_users']
    """
    text = _ACRONYM.sub(r"\1_\2", text)
    text = _CAMEL.sub(r"\1_\2", text)
    return _SEPARATORS.sub("_", text).strip("_").lower()


def identifier(
    text: str, *, reserved: Collection[str] = RESERVED_ARGUMENT_NAMES, fallback: str = "value"
) -> str:
    """A snake_case identifier for ``text``: not a keyword, not reserved, not starting with a digit.

    Example:
        >>> identifier("from"), identifier("self"), identifier("2fa"), identifier("$$")
        ('from_', 'self_', 'n2fa', 'value')
    """
    name = snake_case(text) or fallback
    if name[0].isdigit():
        name = "n" + name
    if keyword.iskeyword(name) or name in reserved:
        name += "_"
    return name


def action_name(operation_id: str | None, method: str, path: str) -> str:
    """The base action name: from the operationId, else the method and path.

    Example:
        >>> action_name("chat.postMessage", "post", "/chat.postMessage")
        'chat_post_message'
        >>> action_name(None, "get", "/v1/customers/{customer}")
        'get_v1_customers_customer'
        >>> action_name("close", "post", "/close")
        'close_'
    """
    base = snake_case(operation_id) if operation_id else ""
    return identifier(base or f"{method} {path}", reserved=reserved_action_names())


def unique(names: Sequence[str], order: Sequence[tuple[Any, ...]] | None = None) -> list[str]:
    """``names`` made unique: in ``order`` (sort keys), the first keeps it, the next get _2, _3.

    A suffixed name never takes a name some other item has as its own (a trailing
    underscore is dropped before the suffix: ``close_``, ``close_2``).

    Example:
        >>> unique(["list", "list", "list_2", "get"])
        ['list', 'list_3', 'list_2', 'get']
        >>> unique(["a", "a"], order=[("/b", "get"), ("/a", "get")])
        ['a_2', 'a']
    """
    indices = list(range(len(names)))
    if order is not None:
        keys = list(order)
        indices.sort(key=lambda i: keys[i])
    result: list[str | None] = [None] * len(names)
    taken: set[str] = set()
    for i in indices:
        if names[i] not in taken:
            taken.add(names[i])
            result[i] = names[i]
    for i in indices:
        if result[i] is None:
            stem, n = names[i].rstrip("_"), 2
            while f"{stem}_{n}" in taken:
                n += 1
            result[i] = f"{stem}_{n}"
            taken.add(f"{stem}_{n}")
    return [name for name in result if name is not None]
