"""Running a served notebook: the rules for host, token and route; the socket; uvicorn.

:func:`serve` is what ``wb serve`` does: check the host, build the app
(:func:`workbench.jobs.serve.create_app`), bind the socket (a clear error when the port is
taken), and run uvicorn until a signal stops it, with no access log of its own (the app
logs each request without its query string).

Example:
    >>> check_host("0.0.0.0", auth=False)
    Traceback (most recent call last):
    ...
    workbench.errors.ConfigError: --no-auth is only allowed on a loopback host \
(127.0.0.1, ::1, localhost), not '0.0.0.0'; give the server a token instead
    >>> default_route("notebooks/Orders API.ipynb"), check_route("/api/orders/")
    ('/Orders-API', '/api/orders')
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from pathlib import Path

from workbench.errors import ConfigError
from workbench.redaction import register_secret
from workbench.serving import listen, uvicorn_config

MIN_TOKEN = 16  # characters
RESERVED_ROUTES = ("/openapi.json", "/healthz")
_LOOPBACK_NAMES = ("localhost",)
_ROUTE = re.compile(r"^/[A-Za-z0-9._~/-]*$")


def check_host(host: str, *, auth: bool) -> None:
    """Refuse to serve without a token anywhere but on a loopback address."""
    if auth or _is_loopback(host):
        return
    raise ConfigError(
        "--no-auth is only allowed on a loopback host (127.0.0.1, ::1, localhost), "
        f"not {host!r}; give the server a token instead"
    )


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_token(token: str, *, source: str = "the token") -> str:
    """``token`` if it is long enough to guess at no better than chance; registered as a secret."""
    if not isinstance(token, str) or len(token.strip()) < MIN_TOKEN or token != token.strip():
        raise ConfigError(
            f"{source}: a bearer token must be at least {MIN_TOKEN} characters with no "
            "surrounding spaces (e.g. python -c 'import secrets; print(secrets.token_urlsafe())')"
        )
    register_secret(token)
    return token


def default_route(notebook: str | Path) -> str:
    """``/`` and the notebook's file name without its extension (other characters as ``-``)."""
    return "/" + (re.sub(r"[^A-Za-z0-9._~-]+", "-", Path(notebook).stem).strip("-") or "notebook")


def check_route(route: str) -> str:
    """``route`` if it is a path the server can answer on; the trailing slash dropped."""
    cleaned = route if route == "/" else route.rstrip("/")
    if not _ROUTE.match(cleaned) or "//" in cleaned or cleaned in RESERVED_ROUTES:
        raise ConfigError(
            f"--route: expected a path such as /orders (letters, digits, '-', '_', '.', '~', "
            f"'/'; not {', '.join(RESERVED_ROUTES)}), got {route!r}"
        )
    return cleaned


def serve(
    notebook: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    token: str | None,
    route: str | None = None,
    pool_size: int = 2,
    timeout: float | None = 60.0,
    preload: bool = True,
    isolate: bool = False,
    max_requests: int = 1000,
    started: Callable[[str, str], None] | None = None,
) -> None:
    """Serve ``notebook`` until a signal stops it; once it answers, ``started`` gets the base
    URL and the route. After a graceful shutdown on Ctrl-C, ``KeyboardInterrupt`` is raised."""
    import uvicorn

    from workbench.jobs.serve.app import create_app

    check_host(host, auth=token is not None)
    app = create_app(
        notebook,
        token=token,
        route=route,
        pool_size=pool_size,
        timeout=timeout,
        preload=preload,
        isolate=isolate,
        max_requests=max_requests,
    )
    sock = listen(host, port, "--host")
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    config = uvicorn_config(app, lifespan="on")

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started and started is not None:
                started(f"http://{shown}:{bound}", app.state.endpoint.route)

    try:
        Server(config).run(sockets=[sock])
    finally:
        sock.close()
