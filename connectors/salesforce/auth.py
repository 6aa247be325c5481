"""Salesforce's OAuth2 grants, sending each API call to the org the token answer names.

Every Salesforce token answer carries ``instance_url`` (``https://MyDomain.my.salesforce.com``):
the org's own host, where the REST API lives. The flows here are Workbench's JWT bearer,
refresh token and client credentials flows that remember it and move each API request
there (its path and query kept), so the client is built on the login URL and no call needs
to know the instance beforehand. Salesforce gives no ``expires_in``: a token is used until
an answer is 401 (``INVALID_SESSION_ID``), then fetched once more and the call sent again.

Example:
    >>> import httpx
    >>> def org(request):
    ...     if request.url.path == "/services/oauth2/token":
    ...         return httpx.Response(200, json={"access_token": "00D!AQ-token",
    ...             "instance_url": "https://acme.my.salesforce.com", "token_type": "Bearer"})
    ...     return httpx.Response(200, json={"host": request.headers["Host"]})
    >>> auth = ClientCredentialsFlow("https://login.salesforce.com/services/oauth2/token",
    ...                              "3MVG9-app", "s3cret-value-2", client_auth="post")
    >>> client = httpx.Client(base_url="https://login.salesforce.com",
    ...                       transport=httpx.MockTransport(org), auth=auth)
    >>> client.get("/services/data/v62.0/limits").json()
    {'host': 'acme.my.salesforce.com'}
    >>> auth.instance_url
    'https://acme.my.salesforce.com'
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from typing import Any

import httpx

from workbench.connectors.salesforce.config import SalesforceConfig
from workbench.sdk import default_secret_store
from workbench.sdk.http import (
    ORIGIN,
    ClientCredentialsAuth,
    JwtBearerAuth,
    OAuth2Flow,
    RefreshTokenAuth,
    persist_rotation,
)


class InstanceFlow(OAuth2Flow):
    """An OAuth2 flow that sends API requests to the ``instance_url`` of its last token."""

    instance_url: str | None = None

    def accept(self, payload: Mapping[str, Any]) -> None:
        super().accept(payload)
        url = payload.get("instance_url")
        if isinstance(url, str) and url.lower().startswith(("https://", "http://")):
            self.instance_url = url.rstrip("/")

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        flow = super().auth_flow(request)
        outgoing = next(flow)
        while True:
            if outgoing is request:
                self._rebase(request)
            response = yield outgoing
            try:
                outgoing = flow.send(response)
            except StopIteration:
                return

    def _rebase(self, request: httpx.Request) -> None:
        if self.instance_url is None:
            return
        instance = httpx.URL(self.instance_url)
        if (request.url.scheme, request.url.host, request.url.port) == (
            instance.scheme,
            instance.host,
            instance.port,
        ):
            return
        request.url = request.url.copy_with(
            scheme=instance.scheme, host=instance.host, port=instance.port
        )
        request.headers["Host"] = request.url.netloc.decode("ascii")
        request.extensions[ORIGIN] = self.instance_url


class JwtBearerFlow(InstanceFlow, JwtBearerAuth):
    """The JWT bearer grant (a signed assertion of the app's key), following instance_url."""


class RefreshTokenFlow(InstanceFlow, RefreshTokenAuth):
    """The refresh token grant, following instance_url."""


class ClientCredentialsFlow(InstanceFlow, ClientCredentialsAuth):
    """The client credentials grant (a My Domain token URL), following instance_url."""


def flow_for(config: SalesforceConfig, connection: str) -> InstanceFlow:
    """The flow of the connection's grant (see :meth:`SalesforceConfig.chosen_grant`).

    Example:
        >>> flow_for(SalesforceConfig(client_id="3MVG9-app",
        ...                           refresh_token="5Aep-refresh-1"), "crm")
        RefreshTokenFlow(token_url='https://login.salesforce.com/services/oauth2/token', client_id='3MVG9-app')
    """  # noqa: E501
    grant = config.chosen_grant(connection)
    client_id = str(config.client_id)
    secret = _value(config.client_secret)
    flow: InstanceFlow
    if grant == "jwt_bearer":
        flow = JwtBearerFlow(
            config.token_url,
            client_id,
            config.username,
            config.audience or config.login_url,
            str(_value(config.private_key)),
        )
    elif grant == "refresh_token":
        name = config.secret_name("refresh_token")
        saved = persist_rotation(default_secret_store(), name) if name else None
        flow = RefreshTokenFlow(
            config.token_url,
            client_id,
            secret,
            str(_value(config.refresh_token)),
            on_rotate=saved,
            client_auth="post",
        )
    else:
        flow = ClientCredentialsFlow(config.token_url, client_id, str(secret), client_auth="post")
    if config.instance_url:
        flow.instance_url = config.instance_url
    return flow


def _value(secret: Any) -> str | None:
    return None if secret is None else str(secret.get_secret_value())
