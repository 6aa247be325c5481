"""Serving rules: host, token, route."""

from __future__ import annotations

import pytest

from workbench.errors import ConfigError
from workbench.jobs.serve.http_server import (
    check_host,
    check_route,
    check_token,
    default_route,
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
