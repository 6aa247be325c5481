"""A fake Salesforce on a loopback port, the connected app's key pair, and connections to it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fake_salesforce import CLIENT_ID, USERNAME, FakeSalesforce, serve_fake

from workbench.connectors.salesforce import Salesforce, SalesforceConfig


@pytest.fixture(scope="session")
def app_key() -> rsa.RSAPrivateKey:
    """The connected app's key; the fake holds its public half (the app's certificate)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def private_pem(app_key: rsa.RSAPrivateKey) -> str:
    return app_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture
def fake(app_key: rsa.RSAPrivateKey) -> Iterator[FakeSalesforce]:
    with serve_fake(app_key.public_key()) as served:
        yield served


@pytest.fixture
def jwt_settings(fake: FakeSalesforce, private_pem: str) -> dict[str, Any]:
    """The fields of a JWT bearer connection to the fake."""
    return {
        "login_url": fake.login_url,
        "client_id": CLIENT_ID,
        "username": USERNAME,
        "private_key": private_pem,
        "poll_interval": 0.01,
    }


@pytest.fixture
def crm(jwt_settings: dict[str, Any]) -> Iterator[Salesforce]:
    """A connection to the fake, signed in with the JWT bearer grant."""
    connector = Salesforce(SalesforceConfig(**jwt_settings), connection="crm")
    yield connector
    connector.close()
