"""The base of connectors that talk HTTP: one client per connection, and a reachability check."""

from __future__ import annotations

import threading
from typing import Any

import httpx

from workbench.errors import ConnectionFailedError
from workbench.http.masking import safe_url
from workbench.http.responses import send
from workbench.sdk.config import ConnectionConfig
from workbench.sdk.connector import Connector


class HttpConnector(Connector):
    """A connector whose actions send HTTP requests through one client per connection.

    Subclasses build the client in :meth:`build_http_client` (with
    :func:`workbench.http.build_client`); :meth:`http` builds it on first use, under a
    lock, and :meth:`close` closes it.

    Example:
        >>> from workbench.http import build_client
        >>> class Status(HttpConnector):
        ...     name = "status_page"
        ...     def build_http_client(self):
        ...         return build_client("https://status.example.com", retry=None)
        >>> page = Status()
        >>> page.http() is page.http()
        True
        >>> page.close()
    """

    def __init__(
        self, config: ConnectionConfig | None = None, *, connection: str | None = None
    ) -> None:
        super().__init__(config, connection=connection)
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def build_http_client(self) -> httpx.Client:
        """The connection's client; subclasses say how to build it."""
        raise NotImplementedError

    def http(self) -> httpx.Client:
        """The connection's client, built on first use and kept until :meth:`close`."""
        with self._lock:
            if self._client is None:
                self._client = self.build_http_client()
            return self._client

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def check_url(self, url: str, **options: Any) -> str:
        """GET ``url``: ``HTTP <status> from <url>`` when the server answers.

        401 and 403 mean the credentials were refused and a 5xx that the server is failing:
        both raise :class:`ConnectionFailedError`, like a server that cannot be reached.
        Any other answer (such as a 404 at an API's root) shows the server is there.
        """
        client = self.http()
        response = send(client, client.build_request("GET", url), self.connection, **options)
        shown, status = safe_url(url), response.status_code
        if status in (401, 403):
            raise ConnectionFailedError(
                f"{self.connection}: {shown} refused the credentials (HTTP {status})"
            )
        if status >= 500:
            raise ConnectionFailedError(f"{self.connection}: {shown} is failing (HTTP {status})")
        return f"HTTP {status} from {shown}"
