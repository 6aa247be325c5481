"""Connection failures of the broker connectors, said in the words a user acts on.

Each driver fails its own way (an exception class, a refused CONNACK, a bare text). The
error always reads ``<connection>: <Service> at <address>: <reason>``, and the reason is
one of: the credentials were refused, the service gave no answer in time, nothing could be
reached there, or (anything else) the driver's own words. Secrets are masked.

Example:
    >>> refused = ConnectionRefusedError(111, "Connection refused")
    >>> reason = failure_reason(refused, auth=False, unreachable=True, timeout=5)
    >>> str(connection_failed("mq", "RabbitMQ", "127.0.0.1:1", reason))
    'mq: RabbitMQ at 127.0.0.1:1: cannot reach the broker ([Errno 111] Connection refused)'
    >>> failure_reason(TimeoutError(), auth=False, unreachable=True, timeout=2.5)
    'no answer within 2.5 s'
"""

from __future__ import annotations

from workbench.errors import ConnectionFailedError
from workbench.redaction import redact

AUTH_WORDS = (
    "authentication",
    "authorization",
    "not authorized",
    "bad user name or password",
    "wrongpass",
    "sasl",
)
"""Words of a driver's error text that mean the credentials were refused."""


def looks_like_auth(problem: BaseException | str) -> bool:
    """True when the error's text says the credentials were refused.

    Example:
        >>> looks_like_auth(Exception("nats: 'Authorization Violation'"))
        True
        >>> looks_like_auth(OSError("Connection refused"))
        False
    """
    text = str(problem).lower()
    return any(word in text for word in AUTH_WORDS)


def failure_reason(
    exc: BaseException,
    *,
    auth: bool,
    unreachable: bool,
    timeout: float,
    peer: str = "broker",
    auth_hint: str = "wrong user name or password",
) -> str:
    """Why a connection failed, in one phrase.

    ``auth`` and ``unreachable`` are the service's own verdicts on ``exc``; a timeout is
    recognised here, whatever the service (``peer`` names what could not be reached:
    the broker, the server, the brokers).

    Example:
        >>> failure_reason(ValueError("bad frame"), auth=False, unreachable=False, timeout=5)
        'ValueError: bad frame'
        >>> failure_reason(OSError(), auth=True, unreachable=False, timeout=5,
        ...                auth_hint="wrong token")
        'authentication failed (wrong token)'
    """
    text = str(exc)
    if auth:
        return f"authentication failed ({auth_hint})"
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} s"
    if unreachable:
        return f"cannot reach the {peer} ({text or type(exc).__name__})"
    return f"{type(exc).__name__}: {text}"


def connection_failed(
    connection: str, service: str, address: str, reason: str
) -> ConnectionFailedError:
    """The error for a failed connection: ``<connection>: <service> at <address>: <reason>``.

    Example:
        >>> err = connection_failed("bus", "NATS", "nats://127.0.0.1:4222", "no answer within 5 s")
        >>> err.exit_code
        7
    """
    return ConnectionFailedError(redact(f"{connection}: {service} at {address}: {reason}"))
