"""An operation's HTTP response as a :class:`~workbench.Result`, or an HttpStatusError."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench.http.records import dig, select_records
from workbench.http.responses import check_status, details, from_sandbox, parse_body
from workbench.results import Result

if TYPE_CHECKING:
    import httpx


def to_result(
    response: httpx.Response, records: str | None, label: str, *, strict: bool = False
) -> Result:
    """The response's records (the list at the dotted path ``records``) with its raw details.

    ``records`` None keeps the body whole, and so does a path that does not lead to a list
    in this body, unless ``strict`` (a path given by the caller): then ValueError says what
    the body has. ``""`` is the body itself. Raises
    :class:`~workbench.http.responses.HttpStatusError` for a status outside 2xx.

    Example:
        >>> import httpx
        >>> response = httpx.Response(200, json={"data": [{"id": 1}], "has_more": False},
        ...                           request=httpx.Request("GET", "https://x.test/pets?key=s"))
        >>> result = to_result(response, "data", "pets.list_pets")
        >>> result.data, result.raw["status"], result.raw["url"]
        ([{'id': 1}], 200, 'https://x.test/pets?key=***')
        >>> to_result(response, "meta", "pets.list_pets").data
        {'data': [{'id': 1}], 'has_more': False}
    """
    check_status(response, label)
    data = parse_body(response)
    if records is not None and isinstance(data, dict | list):
        if strict:
            data = rows(select_records(data, records))
        else:
            picked = dig(data, records)
            data = rows(picked) if isinstance(picked, list) else data
    return Result(data, raw=details(response), sandbox=from_sandbox(response))


def raw_result(response: httpx.Response, label: str) -> Result:
    """The response's body as it is, with its raw details.

    Example:
        >>> import httpx
        >>> answer = httpx.Response(200, json={"data": [1, 2]}, request=httpx.Request("GET", "https://x.test/"))
        >>> raw_result(answer, "x.list").data
        {'data': [1, 2]}
    """
    check_status(response, label)
    return Result(parse_body(response), raw=details(response), sandbox=from_sandbox(response))


def rows(records: list[Any]) -> Any:
    """``records`` as a Result's data: a list of arrays becomes a table (columns 0..n).

    Short arrays (a sheet leaves trailing empty cells out) are padded with None.

    Example:
        >>> rows([{"id": 1}])
        [{'id': 1}]
        >>> frame = rows([["a", 1], ["b", 2, "x"]])
        >>> frame.columns.tolist(), frame[0].tolist(), frame[2].isna().tolist()
        ([0, 1, 2], ['a', 'b'], [True, False])
    """
    if records and all(isinstance(record, list) for record in records):
        import pandas as pd

        width = max(len(record) for record in records)  # short rows padded with None
        return pd.DataFrame([[*record, *[None] * (width - len(record))] for record in records])
    return records
