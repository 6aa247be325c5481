"""A cap on response size, enforced while the body streams in.

:class:`SizeLimitTransport` (next to the network) refuses a response whose
``Content-Length`` is over the limit, and stops reading one that grows past it: as sent,
and, for gzip and deflate bodies, once decompressed too (so a small compressed body cannot
unpack into gigabytes). Either way :class:`ResponseTooLargeError` names the limit.

Example:
    >>> inner = httpx.MockTransport(lambda request: httpx.Response(200, content=b"x" * 64))
    >>> client = httpx.Client(transport=SizeLimitTransport(inner, 16, connection="api"))
    >>> client.get("https://api.example.com/big")
    Traceback (most recent call last):
    ...
    workbench.http.limits.ResponseTooLargeError: api: GET https://api.example.com/big: the response is larger than max_response_bytes (16 bytes); it was not read further
"""  # noqa: E501

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Iterator

import httpx

from workbench.errors import ActionError
from workbench.http.masking import safe_url

DEFAULT_MAX_RESPONSE_BYTES = 100 * 1024 * 1024
"""The default cap on a response body: 100 MiB."""

_STEP = 64 * 1024  # decompressed bytes counted at a time


class ResponseTooLargeError(ActionError):
    """A response body went past the connection's ``max_response_bytes``."""

    def __init__(self, request: httpx.Request, limit: int, connection: str | None) -> None:
        self.limit = limit
        super().__init__(
            f"{connection or 'http'}: {request.method} {safe_url(request.url)}: the response is "
            f"larger than max_response_bytes ({limit:,} bytes); it was not read further"
        )


class _Counter:
    """Counts a body's bytes as sent and, when compressed, as decompressed."""

    def __init__(
        self, request: httpx.Request, response: httpx.Response, limit: int, name: str | None
    ):
        self.request, self.limit, self.connection = request, limit, name
        self.sent = self.unpacked = 0
        encoding = response.headers.get("Content-Encoding", "").strip().lower()
        wbits = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS}.get(encoding)
        if encoding == "deflate":
            wbits = zlib.MAX_WBITS
        self._inflate = zlib.decompressobj(wbits) if wbits else None
        self._raw_deflate = encoding == "deflate"

    def count(self, chunk: bytes) -> None:
        self.sent += len(chunk)
        if self.sent > self.limit:
            raise ResponseTooLargeError(self.request, self.limit, self.connection)
        if self._inflate is not None:
            self._count_unpacked(chunk)

    def _count_unpacked(self, chunk: bytes) -> None:
        try:
            data = chunk
            while data and self._inflate is not None:
                self.unpacked += len(self._inflate.decompress(data, _STEP))
                if self.unpacked > self.limit:
                    raise ResponseTooLargeError(self.request, self.limit, self.connection)
                data = self._inflate.unconsumed_tail
        except zlib.error:
            if self._raw_deflate and self.unpacked == 0:  # deflate sent without its zlib header
                self._raw_deflate = False
                self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
                self._count_unpacked(chunk)
            else:
                self._inflate = None  # httpx reports the broken body when it decodes it


class _CappedStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, counter: _Counter) -> None:
        self._inner, self._counter = inner, counter

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            self._counter.count(chunk)
            yield chunk

    def close(self) -> None:
        self._inner.close()


class _AsyncCappedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, counter: _Counter) -> None:
        self._inner, self._counter = inner, counter

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            self._counter.count(chunk)
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


def _sizes(response: httpx.Response) -> tuple[int | None, bool]:
    """The announced ``Content-Length`` (None when there is none) and whether the body is
    encoded (compressed)."""
    length, encoded = None, False
    for name, value in response.headers.raw:
        lowered = name.lower()
        if lowered == b"content-length" and value.isdigit():
            length = int(value)
        elif lowered == b"content-encoding":
            encoded = True
    return length, encoded


class SizeLimitTransport(httpx.BaseTransport):
    """Cap each response body that ``inner`` returns at ``limit`` bytes (see the module)."""

    def __init__(
        self, inner: httpx.BaseTransport, limit: int, *, connection: str | None = None
    ) -> None:
        self.inner, self.limit, self.connection = inner, limit, connection

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        announced, encoded = _sizes(response)
        if announced is not None and announced > self.limit:
            response.close()
            raise ResponseTooLargeError(request, self.limit, self.connection)
        # A plain body within its Content-Length cannot grow past it: the parser stops there.
        if announced is None or encoded:
            counter = _Counter(request, response, self.limit, self.connection)
            response.stream = _CappedStream(response.stream, counter)  # type: ignore[arg-type]
        return response

    def close(self) -> None:
        self.inner.close()


class AsyncSizeLimitTransport(httpx.AsyncBaseTransport):
    """The asynchronous :class:`SizeLimitTransport`.

    Example:
        >>> import asyncio
        >>> inner = httpx.MockTransport(lambda request: httpx.Response(200, content=b"ok"))
        >>> async def main():
        ...     transport = AsyncSizeLimitTransport(inner, 16)
        ...     async with httpx.AsyncClient(transport=transport) as client:
        ...         return (await client.get("https://api.example.com/")).text
        >>> asyncio.run(main())
        'ok'
    """

    def __init__(
        self, inner: httpx.AsyncBaseTransport, limit: int, *, connection: str | None = None
    ) -> None:
        self.inner, self.limit, self.connection = inner, limit, connection

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        announced, encoded = _sizes(response)
        if announced is not None and announced > self.limit:
            await response.aclose()
            raise ResponseTooLargeError(request, self.limit, self.connection)
        # A plain body within its Content-Length cannot grow past it: the parser stops there.
        if announced is None or encoded:
            counter = _Counter(request, response, self.limit, self.connection)
            response.stream = _AsyncCappedStream(response.stream, counter)  # type: ignore[arg-type]
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
