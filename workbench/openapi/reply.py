"""An operation's HTTP response as a :class:`~workbench.Result`, or an HttpStatusError."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.http.records import dig
from workbench.http.responses import check_status, details, parse_body
from workbench.results import Result

if TYPE_CHECKING:
    import httpx

    from workbench.openapi.model import Operation


def to_result(response: httpx.Response, operation: Operation, label: str) -> Result:
    """The response's data (records picked by ``operation.records``) with its raw details.

    Raises :class:`~workbench.http.responses.HttpStatusError` for a status outside 2xx.

    Example:
        >>> import httpx
        >>> from workbench.openapi.model import Operation
        >>> op = Operation("list_pets", "get", "/pets", "/paths/~1pets/get", records="data")
        >>> response = httpx.Response(200, json={"data": [{"id": 1}]},
        ...                           request=httpx.Request("GET", "https://x.test/pets?key=s"))
        >>> result = to_result(response, op, "pets.list_pets")
        >>> result.data, result.raw["status"], result.raw["url"]
        ([{'id': 1}], 200, 'https://x.test/pets?key=***')
    """
    check_status(response, label)
    data = parse_body(response)
    if operation.records and isinstance(data, dict | list):
        picked = dig(data, operation.records)
        data = picked if picked is not None else data
    return Result(data, raw=details(response))
