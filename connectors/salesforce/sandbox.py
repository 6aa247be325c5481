"""The Salesforce sandbox: every call answered in-process by a :class:`~.org.SampleOrg`.

With ``sandbox=True`` the connection's client sends its requests here instead of to the
network: no credentials, no token request, and the sample records of
:mod:`workbench.connectors.salesforce.org`. Changes stay for the life of the connection.

Example:
    >>> import httpx
    >>> client = httpx.Client(base_url=SANDBOX_URL, transport=SandboxTransport())
    >>> answer = client.get("/services/data/v62.0/sobjects/Account/describe")
    >>> answer.status_code, answer.json()["keyPrefix"], answer.headers["x-workbench-sandbox"]
    (200, '001', 'true')
"""

from __future__ import annotations

import json

import httpx

from workbench.connectors.salesforce.org import SampleOrg
from workbench.sdk.http import SANDBOX_HEADER

SANDBOX_URL = "https://sandbox.my.salesforce.invalid"
"""The instance URL of the sandbox (a name that never resolves)."""


class SandboxTransport(httpx.BaseTransport):
    """Answers each request from its own :class:`SampleOrg`."""

    def __init__(self, org: SampleOrg | None = None) -> None:
        self.org = org or SampleOrg()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        try:
            body = json.loads(request.content) if request.content else None
        except ValueError:
            body = request.content.decode("utf-8", "replace")
        reply = self.org.handle(request.method, request.url.path, dict(request.url.params), body)
        headers = {**reply.headers, "Content-Type": reply.content_type, SANDBOX_HEADER: "true"}
        return httpx.Response(
            reply.status, headers=headers, content=reply.content(), request=request
        )
