"""ConnectionConfig: strict fields, secrets masked and registered for redaction."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from workbench.redaction import known_secrets, redact
from workbench.sdk import ConnectionConfig


class DbConfig(ConnectionConfig):
    host: str
    port: int = 5432
    password: SecretStr
    api_key: SecretStr | None = None


def test_secret_fields_are_found_even_when_optional() -> None:
    assert DbConfig.secret_field_names() == ["password", "api_key"]


def test_public_fields_mask_secrets() -> None:
    cfg = DbConfig(host="db", password="pw-0001-xyz")
    assert cfg.public_fields() == {"host": "db", "port": 5432, "password": "***", "api_key": None}
    assert "pw-0001-xyz" not in repr(cfg) + str(cfg)


def test_secret_values_are_registered_for_redaction() -> None:
    DbConfig(host="db", password="pw-0002-xyz", api_key="key-0002-xyz")
    assert {"pw-0002-xyz", "key-0002-xyz"} <= set(known_secrets())
    assert redact("login pw-0002-xyz") == "login ***"


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="hots"):
        DbConfig(hots="db", password="x")  # type: ignore[call-arg]
