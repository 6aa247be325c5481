"""Webhook triggers (see :mod:`workbench.triggers.webhooks`): verified HTTP deliveries, the
signature schemes by name, a route as a trigger (:func:`receive`) and a service's events
route (:class:`EventsRoute`, which a connection's settings mix in).

Example:
    >>> from workbench.sdk.triggers.webhooks import SCHEMES, build_scheme, route_path
    >>> build_scheme("github", ["github-webhook-secret"]).name in SCHEMES
    True
    >>> route_path("/hooks/orders/")
    '/hooks/orders'
"""

from workbench.triggers.webhooks import (
    CREDENTIAL_HEADERS,
    MAX_BODY,
    SCHEMES,
    TOLERANCE,
    Endpoint,
    EventsRoute,
    Handoff,
    Refusal,
    ReplayGuard,
    Scheme,
    Verified,
    address,
    build_scheme,
    open_route,
    receive,
    receiving,
    route_path,
    route_url,
)

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
