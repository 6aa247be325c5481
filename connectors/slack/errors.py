"""Slack's ``"ok": false`` answers as :class:`SlackError`, naming Slack's error code.

Slack answers most failures with HTTP 200 and a body such as
``{"ok": false, "error": "channel_not_found"}``; the connector checks every response.

Example:
    >>> import httpx
    >>> request = httpx.Request("POST", "https://slack.com/api/chat.postMessage")
    >>> answer = httpx.Response(200, json={"ok": False, "error": "channel_not_found"},
    ...                         request=request)
    >>> check_ok(answer, "slack")
    Traceback (most recent call last):
    ...
    workbench.connectors.slack.errors.SlackError: slack.chat.postMessage: Slack error 'channel_not_found': the channel does not exist or the app is not in it (invite the app, or check the name or id)
"""  # noqa: E501

from __future__ import annotations

import httpx

from workbench.sdk.errors import ActionError
from workbench.sdk.http import json_object

HINTS = {
    "not_authed": "no token was sent; set the connection's token",
    "invalid_auth": "the token is not valid; check the connection's token",
    "token_revoked": "the token was revoked; make a new one",
    "account_inactive": "the token's user or bot was deactivated",
    "missing_scope": "the token lacks a scope this method needs",
    "channel_not_found": (
        "the channel does not exist or the app is not in it (invite the app, or check the "
        "name or id)"
    ),
    "not_in_channel": "the app is not a member of the channel; invite it first",
    "is_archived": "the channel is archived",
    "users_not_found": "no user has that email address",
    "already_reacted": "the message already has this reaction from this user",
    "ratelimited": "too many requests; wait and try again",
    "invalid_blocks": "the blocks are not valid Block Kit",
    "msg_too_long": "the message text is too long",
}


class SlackError(ActionError):
    """Slack answered ``"ok": false``: ``code`` is Slack's error code (``channel_not_found``).

    ``needed`` and ``provided`` hold the scopes of a ``missing_scope`` answer, and
    ``warning`` Slack's warnings, when it sent them.

    Example:
        >>> err = SlackError("slack.chat.postMessage: Slack error 'is_archived'",
        ...                  code="is_archived")
        >>> err.code
        'is_archived'
    """

    def __init__(
        self,
        message: str,
        *,
        code: str,
        needed: str | None = None,
        provided: str | None = None,
        warning: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.needed = needed
        self.provided = provided
        self.warning = warning


def check_ok(response: httpx.Response, connection: str) -> None:
    """Raise :class:`SlackError` when ``response`` is a JSON body with ``"ok": false``."""
    body = json_object(response)
    if body is None or body.get("ok") is not False:
        return
    code = str(body.get("error") or "unknown_error")
    method = response.request.url.path.rstrip("/").rsplit("/", 1)[-1]
    message = f"{connection}.{method}: Slack error {code!r}"
    hint = HINTS.get(code)
    if hint:
        message += f": {hint}"
    needed, provided = body.get("needed"), body.get("provided")
    if needed:
        message += f" (needed: {needed}; the token has: {provided or 'none'})"
    details = (body.get("response_metadata") or {}).get("messages")
    if details:
        message += "; " + "; ".join(str(m) for m in details)[:300]
    raise SlackError(
        message, code=code, needed=needed, provided=provided, warning=body.get("warning")
    )
