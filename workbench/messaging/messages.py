"""Messages of the broker connectors: the ids and keys they carry, bodies as event data.

An event's id must stay the same when the broker delivers its message again (the inbox
drops repeats by id): the id a publisher set travels with the message; a message that has
none gets :func:`derived_id`, a sha256 of the message itself (its routing info, its
properties, its body), never of anything that changes on redelivery. An event's data
must be JSON-ready: :func:`body_data` turns a body that is not text or JSON into base64
with its content type, so no message can block a source.

Example:
    >>> derived_id("orders", {"content_type": "text/plain"}, b"hello")[:12]
    '265db4c35370'
    >>> body_data(b'{"order": 42}', "application/json")
    {'order': 42}
    >>> body_data(b"\\xff\\x00", None)
    {'content_type': 'application/octet-stream', 'base64': '/wA='}
    >>> import pandas as pd
    >>> keyed(pd.DataFrame({"n": [1, 2]}), "batch-7")
    [({'n': 1}, 'batch-7-0'), ({'n': 2}, 'batch-7-1')]
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from workbench.results import Result
from workbench.sdk.payloads import BINARY, decode, split


def derived_id(*parts: Any) -> str:
    """A stable id for a message that carries none: the sha256 (hex) of its ``parts``.

    Pass what does not change on redelivery: the destination or topic, the properties and
    headers, the body (bytes). Two identical messages get one id, so count as one event.

    Example:
        >>> derived_id("t", {"b": 1, "a": 2}, b"x") == derived_id("t", {"a": 2, "b": 1}, b"x")
        True
        >>> derived_id("t", b"x") == derived_id("t", "x")
        False
    """
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, bytes | bytearray | memoryview):
            data = b"b" + bytes(part)
        else:
            data = b"j" + json.dumps(part, sort_keys=True, default=str).encode("utf-8")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def body_data(body: bytes | bytearray, content_type: str | None) -> Any:
    """A message body as JSON-ready data: JSON or text where it decodes, else base64.

    Example:
        >>> body_data("grüße".encode(), "text/plain; charset=utf-8")
        'grüße'
        >>> body_data(b"\\x89PNG\\xff", "image/png")
        {'content_type': 'image/png', 'base64': 'iVBOR/8='}
    """
    value = decode(body, content_type)
    if isinstance(value, bytes):
        return {
            "content_type": content_type or BINARY,
            "base64": base64.b64encode(value).decode("ascii"),
        }
    return value


def keyed(payload: Any, key: str | None) -> list[tuple[Any, str | None]]:
    """The messages of a payload with their ids: ``key`` for one, ``key-0``, ``key-1``, ...
    for several (the rows of a DataFrame); no id where ``key`` is None.

    Example:
        >>> import pandas as pd
        >>> keyed(pd.DataFrame({"n": [1, 2]}), None)
        [({'n': 1}, None), ({'n': 2}, None)]
        >>> keyed("one", "k")
        [('one', 'k')]
    """
    items = split(payload)
    if key is None or len(items) == 1:
        return [(item, key) for item in items]
    return [(item, f"{key}-{i}") for i, item in enumerate(items)]


def published(sent: list[dict[str, Any]], **where: str) -> Result:
    """The result of a publish: one record per message; ``raw`` counts them and says where.

    Example:
        >>> published([{"id": "a"}, {"id": "b"}], topic="orders").raw
        {'published': 2, 'topic': 'orders'}
    """
    return Result(sent, raw={"published": len(sent), **where})
