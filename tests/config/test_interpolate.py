"""${ENV} and { secret = "name" } references in field values."""

from __future__ import annotations

import pytest

from workbench.config.interpolate import resolve
from workbench.errors import SecretError
from workbench.redaction import redact

SECRETS = {"db/password": "pw-interp-123"}.get


def test_environment_variables_are_substituted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WB_HOST", "db.internal")
    assert resolve("${WB_HOST}:5432", where="w", secrets=SECRETS) == "db.internal:5432"
    assert resolve("${WB_UNSET_VAR:-fallback}", where="w", secrets=SECRETS) == "fallback"
    assert resolve(["${WB_HOST}", 5], where="w", secrets=SECRETS) == ["db.internal", 5]


def test_missing_variable_names_the_field_and_the_variable() -> None:
    with pytest.raises(SecretError) as info:
        resolve("${WB_SURELY_UNSET}", where="f.toml: connection 'a', field 'host'", secrets=SECRETS)
    assert str(info.value) == (
        "f.toml: connection 'a', field 'host': environment variable WB_SURELY_UNSET is not set"
    )
    assert info.value.exit_code == 5


def test_secret_tables_take_the_stored_value_and_register_it() -> None:
    assert resolve({"secret": "db/password"}, where="w", secrets=SECRETS) == "pw-interp-123"
    assert redact("pw-interp-123") == "***"
    nested = resolve({"auth": {"secret": "db/password"}}, where="w", secrets=SECRETS)
    assert nested == {"auth": "pw-interp-123"}


def test_missing_secret_says_how_to_set_it() -> None:
    with pytest.raises(SecretError) as info:
        resolve(
            {"secret": "slack/bot"}, where="f.toml: connection 's', field 'token'", secrets=SECRETS
        )
    assert str(info.value) == (
        "f.toml: connection 's', field 'token': secret 'slack/bot' is not in the secret store; "
        "set it with: wb secrets set slack/bot"
    )
