"""Webhooks: verified HTTP deliveries handed to a trigger's reader, answered once stored.

==============  ===================================================================
module          what it holds
==============  ===================================================================
``delivery``    :class:`Verified` deliveries, :class:`Refusal`, the shared checks
``scheme``      the interface of a verification scheme; constant-time HMAC checks
``standard``    Standard Webhooks, through the ``standardwebhooks`` package
``slack``       Slack's signing secret (v0) and its URL verification
``github``      GitHub's ``X-Hub-Signature-256``
``stripe``      Stripe's ``Stripe-Signature``
``bearer``      a shared bearer token
``schemes``     the schemes by name
``replay``      the bounded memory that refuses replayed requests
``handoff``     waiting requests handed to the reader in batches; 2xx on resume
``endpoint``    one route's request handling: size limit, verification, answer
``listener``    uvicorn servers per host:port, shared by the routes on them
``route``       a route as a trigger: :func:`receive`, a service's :class:`EventsRoute`
==============  ===================================================================

Example:
    >>> from workbench.triggers.webhooks import SCHEMES, build_scheme
    >>> build_scheme("slack", ["slack-signing-secret"]).name in SCHEMES
    True
"""

from workbench.triggers.webhooks.delivery import TOLERANCE, Refusal, Verified
from workbench.triggers.webhooks.endpoint import MAX_BODY, Endpoint
from workbench.triggers.webhooks.handoff import Handoff
from workbench.triggers.webhooks.listener import address, open_route, receiving
from workbench.triggers.webhooks.replay import ReplayGuard
from workbench.triggers.webhooks.route import EventsRoute, receive, route_path, route_url
from workbench.triggers.webhooks.scheme import Scheme
from workbench.triggers.webhooks.schemes import CREDENTIAL_HEADERS, SCHEMES, build_scheme

__all__ = [
    "CREDENTIAL_HEADERS",
    "MAX_BODY",
    "SCHEMES",
    "TOLERANCE",
    "Endpoint",
    "EventsRoute",
    "Handoff",
    "Refusal",
    "ReplayGuard",
    "Scheme",
    "Verified",
    "address",
    "build_scheme",
    "open_route",
    "receive",
    "receiving",
    "route_path",
    "route_url",
]
