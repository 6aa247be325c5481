"""boto3 Lambda clients for a connection, and botocore failures as Workbench errors.

boto3 is imported on first use, so importing the connector costs nothing and a missing
driver fails with ``pip install 'workbench[aws]'``.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

from workbench.connectors.aws_lambda.config import LambdaConfig
from workbench.errors import ActionArgumentError, ActionError, ConfigError, ConnectionFailedError
from workbench.sdk import redact, require

EXTRA = "aws"
# Error codes that mean AWS did not accept the credentials.
CREDENTIAL_CODES = frozenset(
    {
        "AccessDeniedException",
        "ExpiredTokenException",
        "InvalidSignatureException",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "403",
    }
)
QUICK_CONNECT, QUICK_READ = 3.0, 5.0


def make_client(config: LambdaConfig, connection: str, *, quick: bool = False) -> Any:
    """A Lambda client for ``config``; ``quick`` gives short timeouts and no retries (checks)."""
    boto3 = require("boto3", EXTRA)
    config_class = require("botocore.config", EXTRA).Config
    errors = require("botocore.exceptions", EXTRA)

    secret, token = config.secret_access_key, config.session_token
    try:
        session = boto3.session.Session(
            aws_access_key_id=config.access_key_id,
            aws_secret_access_key=secret.get_secret_value() if secret else None,
            aws_session_token=token.get_secret_value() if token else None,
            profile_name=config.profile,
        )
    except errors.ProfileNotFound:
        raise ConfigError(f"{connection}: no AWS profile {config.profile!r}") from None
    region = config.region or ("us-east-1" if config.endpoint_url else None)
    connect, read, attempts = config.connect_timeout, config.read_timeout, config.max_attempts
    if quick:
        connect, read, attempts = min(connect, QUICK_CONNECT), min(read, QUICK_READ), 1
    settings = config_class(
        connect_timeout=connect,
        read_timeout=read,
        retries={"max_attempts": attempts, "mode": "standard"},
    )
    try:
        return session.client(
            "lambda", endpoint_url=config.endpoint_url, region_name=region, config=settings
        )
    except errors.NoRegionError:
        raise ConfigError(
            f"{connection}: no AWS region: set region on the connection (or AWS_DEFAULT_REGION)"
        ) from None
    except ValueError as exc:  # botocore refuses an endpoint_url that is not a URL
        raise ConfigError(
            f"{connection}: endpoint_url {config.endpoint_url!r} is not a valid URL ({exc})"
        ) from None


def reason(exc: Exception, *, endpoint: str, function: str | None) -> str:
    """Why a botocore call failed, in words; names the function and the AWS error code."""
    errors = require("botocore.exceptions", EXTRA)

    what = f"function {function!r}" if function else "the functions"
    if isinstance(exc, errors.ClientError):
        error = exc.response.get("Error", {})
        code = str(
            error.get("Code") or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        )
        message = error.get("Message") or "no message"
        if message.lstrip().startswith("<"):  # an XML error body botocore did not parse
            found = dict(re.findall(r"<(Code|Message)>([^<]*)</\1>", message))
            code, message = found.get("Code", code), found.get("Message", "no message")
        if code == "ResourceNotFoundException":
            return f"no {what} at {endpoint} ({code}: {message})"
        if code in CREDENTIAL_CODES:
            return (
                f"AWS Lambda at {endpoint} refused the credentials for {what} ({code}: {message})"
            )
        return f"AWS Lambda error {code} on {what}: {message}"
    if isinstance(
        exc,
        errors.EndpointConnectionError | errors.ConnectTimeoutError | errors.ConnectionClosedError,
    ):
        return f"cannot reach AWS Lambda at {endpoint} ({type(exc).__name__})"
    if isinstance(exc, errors.ReadTimeoutError):
        return f"AWS Lambda at {endpoint} did not answer in time ({type(exc).__name__})"
    if isinstance(exc, errors.NoCredentialsError | errors.PartialCredentialsError):
        return (
            f"no credentials for AWS Lambda at {endpoint}: set access_key_id and "
            "secret_access_key on the connection, or configure the AWS credential chain"
        )
    return f"AWS Lambda request on {what} failed: {type(exc).__name__}: {exc}"


@contextlib.contextmanager
def lambda_errors(
    label: str, *, endpoint: str, function: str | None, check: bool = False
) -> Iterator[None]:
    """Turn botocore failures into ``ActionError``; an endpoint that cannot be reached or
    refused credentials (and, with ``check``, any failure) into ``ConnectionFailedError``."""
    errors = require("botocore.exceptions", EXTRA)
    unreachable = (
        errors.EndpointConnectionError,
        errors.ConnectTimeoutError,
        errors.ConnectionClosedError,
        errors.ReadTimeoutError,
        errors.NoCredentialsError,
        errors.PartialCredentialsError,
    )
    try:
        yield
    except errors.ParamValidationError as exc:
        raise ActionArgumentError(redact(f"{label}: {exc}")) from None
    except (errors.BotoCoreError, errors.ClientError) as exc:
        text = redact(f"{label}: {reason(exc, endpoint=endpoint, function=function)}")
        failed = check or isinstance(exc, unreachable) or _code(exc) in CREDENTIAL_CODES
        raise (ConnectionFailedError(text) if failed else ActionError(text)) from None


def _code(exc: Exception) -> str | None:
    """The AWS error code of a botocore ``ClientError``, else its HTTP status (or None)."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return str(response.get("Error", {}).get("Code") or status)
