"""Signing in with the three OAuth2 grants, calls sent to the instance_url, and a refresh
after Salesforce answers INVALID_SESSION_ID."""

from __future__ import annotations

from typing import Any

import pytest
from fake_salesforce import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, FakeSalesforce

import workbench as wb
from workbench.connectors.salesforce import Salesforce, SalesforceConfig, SalesforceError
from workbench.errors import ConfigError, ConnectionFailedError

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
QUERY = "SELECT Id, Name FROM Account WHERE Rating = 'Hot'"


def connect(**fields: Any) -> Salesforce:
    return Salesforce(SalesforceConfig(**fields), connection="crm")


def test_the_jwt_bearer_grant_signs_in_and_calls_go_to_the_instance_url(
    crm: Salesforce, fake: FakeSalesforce
) -> None:
    names = crm.query(QUERY).df["Name"].tolist()
    assert names == ["United Oil & Gas Corp.", "Edge Communications"]
    assert fake.grants == [JWT_GRANT]  # the fake checked the assertion's signature
    assert crm.instance_url == fake.instance_url != fake.login_url
    ((method, host, path, status),) = fake.api_calls()
    assert (method, host, path, status) == (
        "GET", fake.instance_url.split("://")[1], "/services/data/v62.0/query", 200,
    )  # fmt: skip


def test_an_assertion_signed_by_another_key_is_refused_with_salesforces_error(
    jwt_settings: dict[str, Any], fake: FakeSalesforce
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()  # fmt: skip
    with (
        connect(**{**jwt_settings, "private_key": other}) as crm,
        pytest.raises(ConnectionFailedError, match="invalid_grant") as caught,
    ):
        crm.query(QUERY)
    assert "PRIVATE KEY" not in str(caught.value)
    assert fake.api_calls() == []


def test_a_jwt_for_a_user_the_app_does_not_know_is_refused(
    jwt_settings: dict[str, Any],
) -> None:
    with (
        connect(**{**jwt_settings, "username": "someone@else.example"}) as crm,
        pytest.raises(ConnectionFailedError, match="hasn't approved this consumer"),
    ):
        crm.query(QUERY)


def test_the_client_credentials_grant_signs_in(fake: FakeSalesforce) -> None:
    with connect(login_url=fake.login_url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as crm:
        assert len(crm.query(QUERY).df) == 2
        assert crm.check() == f"Salesforce org {fake.instance_url} (API v62.0)"
    assert fake.grants == ["client_credentials"]


def test_a_wrong_client_secret_is_refused_without_showing_it(fake: FakeSalesforce) -> None:
    secret = "not-the-secret-91f3"
    with (
        connect(login_url=fake.login_url, client_id=CLIENT_ID, client_secret=secret) as crm,
        pytest.raises(ConnectionFailedError, match="invalid_client") as caught,
    ):
        crm.query(QUERY)
    assert secret not in str(caught.value)
    assert secret not in repr(crm.config)


def test_the_refresh_token_grant_signs_in(fake: FakeSalesforce) -> None:
    with connect(
        login_url=fake.login_url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        refresh_token=REFRESH_TOKEN,
    ) as crm:
        assert len(crm.query(QUERY).df) == 2
    assert fake.grants == ["refresh_token"]


def test_an_expired_token_is_refreshed_once_and_the_call_sent_again(
    crm: Salesforce, fake: FakeSalesforce
) -> None:
    crm.query(QUERY)
    fake.expire_tokens()
    assert len(crm.query(QUERY).df) == 2
    assert fake.grants == [JWT_GRANT, JWT_GRANT]
    assert [status for *_, status in fake.api_calls()] == [200, 401, 200]


def test_a_token_refused_after_the_refresh_names_invalid_session_id(
    crm: Salesforce, fake: FakeSalesforce
) -> None:
    fake.refuse_every_token = True
    with pytest.raises(SalesforceError, match="INVALID_SESSION_ID") as caught:
        crm.query(QUERY)
    assert caught.value.code == "INVALID_SESSION_ID"
    assert caught.value.status == 401
    assert len(fake.grants) == 2  # one refresh, then the error
    assert [status for *_, status in fake.api_calls()] == [401, 401]


def test_a_connection_without_credentials_says_which_fields_to_set() -> None:
    with pytest.raises(ConfigError, match="private_key and username"):
        connect(client_id=CLIENT_ID).query(QUERY)
    with pytest.raises(ConfigError, match="the jwt_bearer grant needs username"):
        connect(client_id=CLIENT_ID, grant="jwt_bearer", private_key="x").query(QUERY)


def test_no_token_or_key_reaches_the_result_or_the_history(
    crm: Salesforce, fake: FakeSalesforce, private_pem: str
) -> None:
    result = crm.query(QUERY)
    (token,) = fake.tokens
    assert result.raw["request"]["headers"]["authorization"] == "***"
    shown = repr(result.raw) + wb.history().to_string() + repr(crm.config)
    assert token not in shown
    assert private_pem.splitlines()[1] not in shown
