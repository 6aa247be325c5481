"""The twilio connector: Twilio's REST API (2010-04-01) from its official spec.

Every operation of Twilio's OpenAPI description is an action (``create_message``,
``list_call``, ...); ``send_sms`` and ``list_messages`` sit on top, with the account SID
filled in, every page read and dates typed. An error answer raises :class:`TwilioError`
with Twilio's own error code (``21211``: invalid 'To' number).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from pydantic import Field

from workbench.sdk import Result, action
from workbench.sdk.errors import ActionArgumentError, ActionError
from workbench.sdk.http import json_object
from workbench.sdk.openapi import ApiConnector, ApiSpec, connector_class, load_spec

if TYPE_CHECKING:
    import httpx
    import pandas as pd

SPEC_FILE = Path(__file__).with_name("twilio.com__api.json")
"""Twilio's OpenAPI description of the 2010-04-01 REST API, unchanged."""
SANDBOX_ACCOUNT = "AC" + "0" * 32
PAGE_SIZE = 1000
DATE_COLUMNS = ("date_created", "date_sent", "date_updated")
_DATE_FORMAT = "%a, %d %b %Y %H:%M:%S %z"  # RFC 2822, as Twilio writes dates


@cache
def twilio_spec() -> ApiSpec:
    """The :class:`~workbench.sdk.openapi.ApiSpec` the connector's actions are built on.

    Example:
        >>> twilio_spec().operations["create_message"].path
        '/2010-04-01/Accounts/{AccountSid}/Messages.json'
    """
    return load_spec(SPEC_FILE)


class TwilioError(ActionError):
    """Twilio refused a request: ``code`` is Twilio's error code, ``status`` the HTTP one.

    Example:
        >>> err = TwilioError("twilio: Twilio error 21211", code=21211, status=400)
        >>> err.code, err.more_info
        (21211, 'https://www.twilio.com/docs/errors/21211')
    """

    def __init__(self, message: str, *, code: int | None, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.more_info = f"https://www.twilio.com/docs/errors/{code}" if code else None


def check_answer(response: httpx.Response, connection: str) -> None:
    """Raise :class:`TwilioError` for an error status with Twilio's JSON error body.

    Example:
        >>> import httpx
        >>> request = httpx.Request("POST", "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json")
        >>> body = {"code": 21211, "message": "The 'To' number 123 is not a valid phone number.",
        ...         "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}
        >>> check_answer(httpx.Response(400, json=body, request=request), "twilio")
        Traceback (most recent call last):
        ...
        workbench.connectors.twilio.connector.TwilioError: twilio: POST /2010-04-01/Accounts/AC1/Messages.json: Twilio error 21211 (HTTP 400): The 'To' number 123 is not a valid phone number. See https://www.twilio.com/docs/errors/21211
    """  # noqa: E501
    body = json_object(response) if response.status_code >= 400 else None
    if body is None or "code" not in body:
        return
    code = body.get("code") if isinstance(body.get("code"), int) else None
    request = response.request
    message = (
        f"{connection}: {request.method} {request.url.path}: Twilio error {code} "
        f"(HTTP {response.status_code}): {body.get('message') or 'no message'}"
    )
    more = body.get("more_info")
    if more:
        message += f" See {more}"
    raise TwilioError(message, code=code, status=response.status_code)


_Generated: type[ApiConnector] = connector_class(twilio_spec(), "twilio")


class TwilioConfig(_Generated.config_model):  # type: ignore[misc,name-defined]
    """Settings of a Twilio connection: ``username`` and ``password`` are the Account SID
    and Auth Token (or an API key's SID and secret, with ``account_sid`` set)."""

    account_sid: str | None = Field(
        None, description="The account (AC...); by default the username"
    )
    default_from: str | None = Field(
        None, description="The number (or sender id) send_sms sends from when from_ is not given"
    )


class Twilio(_Generated):  # type: ignore[misc,valid-type]
    """Twilio: send SMS and read messages, and every REST API operation from the spec.

    A connection in workbench.toml::

        [connections.twilio]
        connector = "twilio"
        username = "ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"     # the Account SID
        password = { secret = "twilio/auth-token" }        # the Auth Token
        default_from = "+15017122661"

    Example:
        >>> import workbench as wb
        >>> twilio = wb.connect("twilio", sandbox=True)
        >>> sent = twilio.send_sms("+15558675310", "Order 42 shipped", from_="+15017122661")
        >>> sent.data["status"], sent.data["sid"][:2]
        ('queued', 'SM')
        >>> twilio.list_messages().df["direction"].tolist()
        ['inbound', 'outbound-api']
        >>> twilio.close()
    """

    name = "twilio"
    title = "Twilio"
    category = "messaging"
    auth_kinds = ("basic",)
    config_model = TwilioConfig

    def build_http_client(self) -> httpx.Client:
        """The generated client; Twilio's error bodies raise :class:`TwilioError`."""
        client: httpx.Client = super().build_http_client()
        client.event_hooks["response"].append(lambda r: check_answer(r, self.connection))
        return client

    @action
    def send_sms(
        self,
        to: str,
        body: str,
        from_: str | None = None,
        status_callback: str | None = None,
    ) -> Result:
        """Send a text message; returns the created message (``sid``, ``status``, ...).

        Args:
            to: the recipient, in E.164 form (``+15558675310``)
            body: the text (up to 1600 characters)
            from_: the sending number or alphanumeric sender id (default: ``default_from``)
            status_callback: a URL Twilio posts delivery status changes to
        """
        sender = from_ or self.config.default_from
        if not sender:
            raise ActionArgumentError(
                f"{self.connection}.send_sms: give from_ or set default_from in the connection"
            )
        values: dict[str, Any] = {"to": to, "body": body, "from_": sender}
        if status_callback is not None:
            values["status_callback"] = status_callback
        return self._op("create_message", account_sid=self._account(), **values)

    @action
    def list_messages(
        self,
        to: str | None = None,
        from_: str | None = None,
        max_items: int | None = None,
    ) -> Result:
        """The account's messages, newest first, one row each, across every page.

        ``date_created``, ``date_sent`` and ``date_updated`` are timestamps (UTC), and
        ``price`` a number.

        Args:
            to: only messages sent to this number
            from_: only messages sent from this number
            max_items: stop after this many messages
        """
        filters = {k: v for k, v in {"to": to, "from_": from_}.items() if v is not None}
        found: list[Any] = []
        seen: set[str] = set()
        page: dict[str, Any] = {
            "page_size": PAGE_SIZE if max_items is None else min(max_items, PAGE_SIZE)
        }
        raw = None
        while True:
            answer = self._op(
                "list_message", account_sid=self._account(), raw=True, **filters, **page
            )
            raw = answer.raw
            found.extend(answer.data.get("messages") or [])
            if max_items is not None and len(found) >= max_items:
                found = found[:max_items]
                break
            page = _next_page(answer.data.get("next_page_uri"))
            token = page.get("page_token")
            if not token or token in seen:
                break
            seen.add(token)
        return Result(_typed(found), raw=raw)

    def _account(self) -> str:
        config = self.config
        sid = config.account_sid or config.username
        if sid:
            return str(sid)
        if config.mode == "sandbox":
            return SANDBOX_ACCOUNT
        raise ActionArgumentError(
            f"{self.connection}: no account SID; set username (the Account SID) or account_sid"
        )

    def _op(self, action_name: str, /, **values: Any) -> Result:
        """Call the generated action ``action_name`` (arguments checked against the spec)."""
        spec = self.action_specs[action_name]
        positional, _ = spec.bind(f"{self.connection}.{action_name}", (), values)
        result: Result = self._call_operation(spec, positional[0])
        return result


def _next_page(uri: Any) -> dict[str, Any]:
    """The paging arguments of a ``next_page_uri`` (empty when there is no next page).

    Example:
        >>> _next_page("/2010-04-01/Accounts/AC1/Messages.json?PageSize=50&Page=1&PageToken=PASM1")
        {'page_size': 50, 'page': 1, 'page_token': 'PASM1'}
        >>> _next_page(None)
        {}
    """
    if not isinstance(uri, str) or not uri:
        return {}
    query = parse_qs(urlsplit(uri).query)
    names = {"PageSize": "page_size", "Page": "page", "PageToken": "page_token"}
    out: dict[str, Any] = {}
    for key, name in names.items():
        if key in query:
            value = query[key][0]
            out[name] = int(value) if name != "page_token" and value.isdigit() else value
    return out if "page_token" in out else {}


def _typed(messages: list[Any]) -> pd.DataFrame:
    """Messages as a DataFrame with timestamp dates and a numeric price.

    Example:
        >>> frame = _typed([{"sid": "SM1", "date_sent": "Thu, 24 Aug 2023 05:01:45 +0000",
        ...                  "price": "-0.0075"}])
        >>> frame["date_sent"].dt.strftime("%Y-%m-%d %H:%M %Z").tolist(), frame["price"].tolist()
        (['2023-08-24 05:01 UTC'], [-0.0075])
    """
    import pandas as pd

    frame = pd.json_normalize(messages) if messages else pd.DataFrame()
    for column in DATE_COLUMNS:
        if column in frame:
            frame[column] = pd.to_datetime(
                frame[column], format=_DATE_FORMAT, errors="coerce", utc=True
            )
    if "price" in frame:
        frame["price"] = pd.to_numeric(frame["price"], errors="coerce")
    return frame
