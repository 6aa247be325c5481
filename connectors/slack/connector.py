"""The slack connector: Slack's Web API from its official spec, with friendly actions on top.

Every method of the Web API is an action generated from Slack's OpenAPI description
(``chat_post_message``, ``conversations_history``, ...). The friendly actions
(``send_message``, ``list_channels``, ...) take channel names, return DataFrames and read
every page. A body with ``"ok": false`` raises :class:`SlackError` naming Slack's error
code, and a 429 is retried after the ``Retry-After`` Slack gives.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from workbench.connectors.slack.config import SlackConfig
from workbench.connectors.slack.errors import SlackError, check_ok
from workbench.connectors.slack.retry import SLACK_RETRY
from workbench.connectors.slack.spec import slack_spec
from workbench.sdk import Event, Result, action, register_secret, trigger
from workbench.sdk.errors import ActionArgumentError
from workbench.sdk.openapi import ApiConnector, connector_class

if TYPE_CHECKING:
    import httpx
    from pydantic import BaseModel

    from workbench.sdk.openapi import OperationSpec

PAGE_SIZE = 200
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")

_Generated: type[ApiConnector] = connector_class(slack_spec(), "slack")


class Slack(_Generated):  # type: ignore[misc,valid-type]
    """Slack: post messages, read channels and users, upload files, add reactions.

    Built on Slack's official Web API description: every Web API method is an action too.
    A connection in workbench.toml::

        [connections.slack]
        connector = "slack"
        token = { secret = "slack/bot-token" }     # a bot token, xoxb-...

    Without a connection, ``wb.connect("slack")`` answers from the spec (the sandbox).

    Example:
        >>> import workbench as wb
        >>> slack = wb.connect("slack", sandbox=True)
        >>> slack.send_message("#general", "Order 42 shipped").data["ok"]
        True
        >>> slack.list_channels().df["name"].tolist()
        ['general', 'random']
        >>> slack.close()
    """

    name = "slack"
    title = "Slack"
    category = "messaging"
    auth_kinds = ("bearer", "oauth2")
    config_model = SlackConfig
    config: SlackConfig

    def __init__(self, config: Any = None, *, connection: str | None = None) -> None:
        super().__init__(config, connection=connection)
        self._channel_ids: dict[str, str] = {}

    @action
    def send_message(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> Result:
        """Post a message to a channel, by name (``#ops`` or ``ops``) or id (``C0123ABCD``).

        Returns Slack's answer: ``channel``, ``ts`` (the message's id, for replies and
        reactions) and the ``message``.

        Args:
            channel: a channel name (with or without ``#``) or a channel, group or DM id
            text: the message text (with blocks, the notification's fallback text)
            blocks: Block Kit blocks, as a list of dicts
            thread_ts: the ``ts`` of a message to reply to in its thread
        """
        values: dict[str, Any] = {"channel": self._channel_id(channel), "text": text}
        if blocks is not None:
            values["blocks"] = json.dumps(blocks)
        if thread_ts is not None:
            values["thread_ts"] = thread_ts
        return self._op("chat_post_message", **values)

    @action
    def list_channels(
        self,
        types: str = "public_channel,private_channel",
        exclude_archived: bool = True,
        max_items: int | None = None,
    ) -> Result:
        """The channels the token can see, one row each, across every page.

        Args:
            types: comma-separated: public_channel, private_channel, mpim, im
            exclude_archived: leave archived channels out
            max_items: stop after this many channels
        """
        found = self._all(
            "conversations_list",
            "channels",
            max_items,
            types=types,
            exclude_archived=exclude_archived,
        )
        for record in found:
            if record.get("name") and record.get("id"):
                self._channel_ids[record["name"]] = record["id"]
        return Result(found)

    @action
    def list_users(self, include_deleted: bool = False, max_items: int | None = None) -> Result:
        """The workspace's members, one row each, across every page.

        Args:
            include_deleted: keep deactivated users
            max_items: stop after this many users
        """
        found = self._all("users_list", "members", max_items)
        if not include_deleted:
            found = [user for user in found if not user.get("deleted")]
        return Result(found)

    @action
    def lookup_user(self, email: str) -> Result:
        """The user with this email address (one row); ``users_not_found`` when none.

        Args:
            email: the address the user signed up with
        """
        answer = self._op("users_lookup_by_email", email=email, raw=True)
        return Result(answer.data.get("user"), raw=answer.raw)

    @action
    def upload_file(
        self,
        channels: str,
        content: Any,
        filename: str | None = None,
        title: str | None = None,
        initial_comment: str | None = None,
        thread_ts: str | None = None,
    ) -> Result:
        """Upload a text file (or a DataFrame, as CSV) and share it in channels.

        Returns Slack's answer; its ``file`` holds the file's ``id`` and ``permalink``.

        Args:
            channels: channel names or ids, comma-separated
            content: the file's text, UTF-8 bytes, or a DataFrame (sent as CSV)
            filename: the file's name (``data.csv`` for a DataFrame)
            title: the title shown in Slack
            initial_comment: a message posted with the file
            thread_ts: the ``ts`` of a message to share the file in the thread of
        """
        text, default_name = _file_text(content, f"{self.connection}.upload_file")
        ids = ",".join(self._channel_id(c.strip()) for c in channels.split(",") if c.strip())
        values: dict[str, Any] = {"channels": ids, "content": text}
        options = {
            "filename": filename or default_name,
            "title": title,
            "initial_comment": initial_comment,
        }
        values.update({k: v for k, v in options.items() if v is not None})
        if thread_ts is not None:
            values["thread_ts"] = float(thread_ts)  # the spec types it as a number
        return self._op("files_upload", **values)

    @action
    def add_reaction(self, channel: str, timestamp: str, name: str) -> Result:
        """Add an emoji reaction to a message.

        Args:
            channel: the message's channel, by name or id
            timestamp: the message's ``ts``
            name: the emoji's name, without colons (``white_check_mark``)
        """
        return self._op(
            "reactions_add",
            channel=self._channel_id(channel),
            timestamp=timestamp,
            name=name.strip(":"),
        )

    @property
    def events_url(self) -> str:
        """The Request URL to give Slack's Events API: the connection's events route."""
        return self.config.events_url

    @trigger
    def events(
        self, max_events: int | None = 100, timeout: float | None = 10.0
    ) -> Iterator[list[Event] | None]:
        """Events API deliveries (messages, mentions, reactions), verified by the signing secret.

        Listens on :attr:`events_url`. Each event's id is Slack's ``event_id`` (the same over
        Slack's retries, so a retry is stored once) and its type the inner event's
        (``message``, ``app_mention``); Slack's URL verification is answered with its
        challenge. A delivery is answered 2xx once it is in the inbox.

        Args:
            max_events: stop after this many events (None: never)
            timeout: stop after this many seconds without a delivery (None: never)

        Example:
            >>> import hashlib, hmac, time, httpx
            >>> from workbench.connectors.slack import Slack, SlackConfig
            >>> settings = SlackConfig(signing_secret="doc-signing-secret", events_port=0)
            >>> slack = Slack(settings, connection="doc_slack")
            >>> reading = slack.events(max_events=1, timeout=5)
            >>> next(reading) is None                    # listening
            True
            >>> body = b'{"type": "url_verification", "challenge": "c4"}'
            >>> stamp = str(int(time.time()))
            >>> signed = f"v0:{stamp}:".encode() + body
            >>> mac = hmac.new(b"doc-signing-secret", signed, hashlib.sha256).hexdigest()
            >>> headers = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=" + mac}
            >>> httpx.post(slack.events_url, content=body, headers=headers).json()
            {'challenge': 'c4'}
            >>> reading.close()
        """
        config = self.config
        yield from config.receive_events(
            self,
            "slack",
            config.signing_secret,
            setting="signing_secret",
            max_events=max_events,
            timeout=timeout,
        )

    def build_http_client(self) -> httpx.Client:
        """The generated client, with Slack's retry policy and the ``ok: false`` check."""
        from workbench.sdk.http import build_client, looks_secret

        config = self.config
        for header, value in config.headers.items():
            if looks_secret(header):
                register_secret(value)
        sandboxed = config.mode == "sandbox"
        client = build_client(
            self._base_url(),
            headers=config.headers,
            timeout=config.timeout,
            verify=config.verify,
            rate_limit=config.rate_limit,
            retry=None if sandboxed else SLACK_RETRY,
            transport=self._sandbox() if sandboxed else None,
            connection=self.connection,
        )
        client.event_hooks["response"].append(lambda response: check_ok(response, self.connection))
        return client

    def _call_operation(self, spec: OperationSpec, model: BaseModel) -> Result:
        """Every action sends the connection's token where the method declares one (the
        sandbox fills in its stand-in for a connection without one)."""
        if "token" in spec.input_model.model_fields and "token" not in model.model_fields_set:
            token = self._token()
            if token is not None:
                model = model.model_copy(update={"token": token})
        result: Result = super()._call_operation(spec, model)
        return result

    def _token(self) -> str | None:
        secret = getattr(self.config, "token", None)
        return str(secret.get_secret_value()) if secret is not None else None

    def _op(self, action_name: str, /, **values: Any) -> Result:
        """Call the generated action ``action_name`` (arguments checked against the spec)."""
        spec = self.action_specs[action_name]
        positional, _ = spec.bind(f"{self.connection}.{action_name}", (), values)
        result: Result = self._call_operation(spec, positional[0])
        return result

    def _all(
        self, action_name: str, records: str, max_items: int | None, /, **values: Any
    ) -> list[Any]:
        """The records of every page of a cursor-paged method, each record once.

        Paging stops at an empty cursor, or at one already followed (a server that keeps
        answering the same page).
        """
        found: dict[Any, Any] = {}
        seen: set[str] = set()
        cursor: str | None = None
        while True:
            page = {**values, "limit": PAGE_SIZE, **({"cursor": cursor} if cursor else {})}
            body = self._op(action_name, raw=True, **page).data
            for record in body.get(records) or []:
                key = record.get("id") if isinstance(record, dict) else None
                found[key if key is not None else len(found)] = record
            if max_items is not None and len(found) >= max_items:
                return list(found.values())[:max_items]
            cursor = (body.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None or cursor in seen:
                return list(found.values())
            seen.add(cursor)

    def _channel_id(self, channel: str) -> str:
        """A channel id as it is; a name (``#ops``) looked up through conversations.list."""
        label = f"{self.connection}: channel {channel!r}"
        name = channel.strip().removeprefix("#")
        if not name:
            raise ActionArgumentError(f"{label}: give a channel name or id")
        if _CHANNEL_ID.match(name):
            return name
        if name not in self._channel_ids:
            self._refresh_channels()
        if name in self._channel_ids:
            return self._channel_ids[name]
        known = ", ".join(sorted(self._channel_ids)[:10]) or "none"
        raise SlackError(
            f"{label}: no channel of that name is visible to the token (it sees: {known}); "
            "invite the app to the channel or give its id",
            code="channel_not_found",
        )

    def _refresh_channels(self) -> None:
        types = "public_channel,private_channel"
        for record in self._all("conversations_list", "channels", None, types=types):
            if record.get("name") and record.get("id"):
                self._channel_ids[record["name"]] = record["id"]


def _file_text(content: Any, label: str) -> tuple[str, str]:
    """The text to upload and a default file name."""
    if isinstance(content, str):
        return content, "file.txt"
    if isinstance(content, bytes):
        try:
            return content.decode("utf-8"), "file.txt"
        except UnicodeDecodeError:
            raise ActionArgumentError(
                f"{label}: content is not UTF-8 text; files.upload sends text content"
            ) from None
    to_csv = getattr(content, "to_csv", None)
    if callable(to_csv):
        buffer = io.StringIO()
        to_csv(buffer, index=False)
        return buffer.getvalue(), "data.csv"
    raise ActionArgumentError(
        f"{label}: content must be text, UTF-8 bytes or a DataFrame, got {type(content).__name__}"
    )
