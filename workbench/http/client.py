"""Building httpx clients with a connection's base URL, headers, auth and timeout."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

USER_AGENT = "workbench/0.1"


def build_client(
    base_url: str = "",
    *,
    headers: Mapping[str, str] | None = None,
    auth: httpx.Auth | tuple[str, str] | None = None,
    timeout: float = 30.0,
    verify: bool = True,
    follow_redirects: bool = True,
) -> httpx.Client:
    """A synchronous httpx client for one connection.

    Example:
        >>> client = build_client("https://api.example.com", timeout=5)
        >>> str(client.base_url)
        'https://api.example.com'
        >>> client.close()
    """
    import httpx

    merged = {"User-Agent": USER_AGENT, **(headers or {})}
    return httpx.Client(
        base_url=base_url,
        headers=merged,
        auth=auth,
        timeout=timeout,
        verify=verify,
        follow_redirects=follow_redirects,
    )
