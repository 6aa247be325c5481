"""Serving rules (host, token, route) and the listening socket."""

from __future__ import annotations

import socket

import pytest

from workbench.errors import ConfigError
from workbench.jobs.serve.http_server import (
    check_host,
    check_route,
    check_token,
    default_route,
    listen,
)
from workbench.redaction import redact

TOKEN = "serve-test-token-0123456789abcdef"
ANY_ADDRESS = "0.0.0.0"  # noqa: S104 - only ever checked, never bound


def test_no_auth_is_refused_off_loopback() -> None:
    for host in ("127.0.0.1", "::1", "[::1]", "localhost", "127.0.0.2"):
        check_host(host, auth=False)
    for host in (ANY_ADDRESS, "::", "192.168.1.10", "example.com"):
        with pytest.raises(ConfigError, match="only allowed on a loopback host"):
            check_host(host, auth=False)
    check_host(ANY_ADDRESS, auth=True)


def test_tokens_must_be_long_and_are_registered_as_secrets() -> None:
    with pytest.raises(ConfigError, match="at least 16 characters"):
        check_token("short")
    with pytest.raises(ConfigError, match="no surrounding spaces"):
        check_token(f" {TOKEN}")
    assert check_token(TOKEN) == TOKEN
    assert redact(f"Bearer {TOKEN}") == "Bearer ***"


def test_routes() -> None:
    assert default_route("jobs/Orders API.ipynb") == "/Orders-API"
    assert check_route("/api/orders/") == "/api/orders"
    assert check_route("/") == "/"
    for bad in ("orders", "/healthz", "/openapi.json", "/a//b", "/a b", "/a?b"):
        with pytest.raises(ConfigError, match="--route"):
            check_route(bad)


def test_a_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{port}: "):
            listen("127.0.0.1", port)
    with pytest.raises(ConfigError, match=r"--host: cannot resolve 'no-such-host\.invalid'"):
        listen("no-such-host.invalid", 0)
