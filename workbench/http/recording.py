"""A transport wrapper that records every request in the call history.

Each request becomes a :class:`~workbench.sdk.calls.RequestRecord` (URL masked when read,
status, time to the response, body bytes, retries) that joins the action call in progress.
The time runs to the response headers, or to the end of the body where the retry loop
reads it whole. Body bytes come from ``Content-Length``, or are counted as the body is read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from time import perf_counter

import httpx

from workbench.http.masking import safe_url
from workbench.sdk.calls import RequestRecord, add_request, record_request

RETRIES = "workbench.retries"
"""The request extension in which the retry transport counts its retries."""


class RecordingTransport(httpx.BaseTransport):
    """Record each request sent through ``inner`` (see :func:`workbench.sdk.calls.requests`).

    Example:
        >>> import httpx
        >>> from workbench.sdk.calls import requests
        >>> inner = httpx.MockTransport(lambda request: httpx.Response(200, json=[1, 2]))
        >>> with httpx.Client(transport=RecordingTransport(inner, connection="demo")) as client:
        ...     client.get("https://api.example.com/items?token=abc").status_code
        200
        >>> last = requests()[-1]
        >>> (last.connection, last.url, last.http_status, last.bytes)
        ('demo', 'https://api.example.com/items?token=***', 200, 5)
    """

    def __init__(self, inner: httpx.BaseTransport, *, connection: str | None = None) -> None:
        self.inner = inner
        self.connection = connection

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = perf_counter()
        try:
            response = self.inner.handle_request(request)
        except Exception as exc:
            _record_failure(request, started, exc, self.connection)
            raise
        record = _record(request, response, started, self.connection)
        if record is not None:
            response.stream = _CountingStream(response.stream, record)  # type: ignore[arg-type]
        return response

    def close(self) -> None:
        self.inner.close()


class AsyncRecordingTransport(httpx.AsyncBaseTransport):
    """The asynchronous :class:`RecordingTransport`.

    Example:
        >>> import asyncio
        >>> from workbench.sdk.calls import requests
        >>> inner = httpx.MockTransport(lambda request: httpx.Response(200, text="ok"))
        >>> async def main():
        ...     transport = AsyncRecordingTransport(inner, connection="demo")
        ...     async with httpx.AsyncClient(transport=transport) as client:
        ...         await client.get("https://api.example.com/ping")
        >>> asyncio.run(main())
        >>> requests()[-1].url
        'https://api.example.com/ping'
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, *, connection: str | None = None) -> None:
        self.inner = inner
        self.connection = connection

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = perf_counter()
        try:
            response = await self.inner.handle_async_request(request)
        except Exception as exc:
            _record_failure(request, started, exc, self.connection)
            raise
        record = _record(request, response, started, self.connection)
        if record is not None:
            stream = _AsyncCountingStream(response.stream, record)  # type: ignore[arg-type]
            response.stream = stream
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def _record(
    request: httpx.Request, response: httpx.Response, started: float, connection: str | None
) -> RequestRecord | None:
    """Record the request; return the record when its body bytes are still to be counted."""
    if response.is_stream_consumed:  # a body already in memory (mocks, sandboxes)
        size, pending = len(response.content), False
    elif request.method == "HEAD" or response.status_code in (204, 304):
        size, pending = 0, False
    else:
        length = response.headers.get("Content-Length")
        size, pending = (int(length), False) if length and length.isdigit() else (0, True)
    ms = (perf_counter() - started) * 1000
    retries = request.extensions.get(RETRIES, 0)
    status = response.status_code
    record = add_request(
        request.method, request.url, safe_url, connection, status, ms, size, retries, None
    )
    return record if pending else None


def _record_failure(
    request: httpx.Request, started: float, exc: Exception, connection: str | None
) -> None:
    record_request(
        request.method,
        request.url,
        mask=safe_url,
        status=None,
        ms=(perf_counter() - started) * 1000,
        retries=request.extensions.get(RETRIES, 0),
        connection=connection,
        error=f"{type(exc).__name__}: {exc}",
    )


class _CountingStream(httpx.SyncByteStream):
    """Counts the body bytes of a response that did not announce its length."""

    def __init__(self, inner: httpx.SyncByteStream, record: RequestRecord):
        self._inner, self._record = inner, record

    def __iter__(self) -> Iterator[bytes]:
        record = self._record
        for chunk in self._inner:
            record.bytes += len(chunk)
            yield chunk

    def close(self) -> None:
        self._inner.close()


class _AsyncCountingStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, record: RequestRecord):
        self._inner, self._record = inner, record

    async def __aiter__(self) -> AsyncIterator[bytes]:
        record = self._record
        async for chunk in self._inner:
            record.bytes += len(chunk)
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()
