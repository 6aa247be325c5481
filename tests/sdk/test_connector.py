"""The Connector base class: metadata, lifecycle, action tables, inheritance."""

from __future__ import annotations

from pydantic import SecretStr

from workbench.sdk import ConnectionConfig, Connector, action


class ApiConfig(ConnectionConfig):
    url: str
    token: SecretStr | None = None


class Api(Connector):
    """Talks to an API.

    Second paragraph is not part of the description.
    """

    name = "api_thing"
    config_model = ApiConfig

    def __init__(self, config: ApiConfig | None = None, *, connection: str | None = None):
        super().__init__(config, connection=connection)
        self.closed = False

    def close(self) -> None:
        self.closed = True

    @action
    def ping(self) -> str:
        """Say pong."""
        return "pong"


class LoudApi(Api):
    """An Api that also shouts."""

    name = "loud_api"

    @action
    def shout(self, text: str) -> str:
        """Upper-case a text."""
        return text.upper()


def test_metadata_defaults_from_name_and_docstring() -> None:
    assert Api.title == "Api Thing"
    assert Api.description == "Talks to an API."
    assert Api.category == "other"


def test_actions_are_inherited_and_tabulated() -> None:
    assert list(LoudApi.action_specs) == ["ping", "shout"]
    table = LoudApi(ApiConfig(url="u")).actions
    assert table.to_dict("records")[1] == {
        "action": "shout",
        "summary": "Upper-case a text.",
        "inputs": "text: str",
    }


def test_repr_shows_the_connection_and_no_field_values() -> None:
    api = Api(ApiConfig(url="https://x", token="abcd-secret-1"), connection="prod")
    assert repr(api) == "<Api Thing connection 'prod': 1 action>"
    assert "abcd-secret-1" not in repr(api.config)


def test_context_manager_closes() -> None:
    with Api(ApiConfig(url="u")) as api:
        assert api.ping().data == "pong"
    assert api.closed


def test_default_check_is_ok_and_connection_name_defaults_to_connector_name() -> None:
    api = Api(ApiConfig(url="u"))
    assert api.check() == "ok"
    assert api.connection == "api_thing"
