"""boto3 clients for a connection, and botocore failures as Workbench errors.

boto3 is imported on first use, so importing the connector costs nothing and a missing
driver fails with ``pip install 'workbench[s3]'``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from workbench.connectors.s3.config import S3Config
from workbench.errors import ActionArgumentError, ActionError, ConfigError, ConnectionFailedError
from workbench.sdk import redact, require

# Error codes that mean the store did not accept the credentials.
CREDENTIAL_CODES = frozenset(
    {
        "AccessDenied",
        "AuthorizationHeaderMalformed",
        "ExpiredToken",
        "Forbidden",
        "InvalidAccessKeyId",
        "InvalidClientTokenId",
        "InvalidToken",
        "SignatureDoesNotMatch",
        "403",
    }
)
MISSING_KEY_CODES = frozenset({"NoSuchKey", "NotFound", "404"})
QUICK_CONNECT, QUICK_READ = 3.0, 5.0


def make_client(config: S3Config, connection: str, *, quick: bool = False) -> Any:
    """An S3 client for ``config``; ``quick`` gives short timeouts and no retries (checks)."""
    boto3 = require("boto3", "s3")
    config_class = require("botocore.config", "s3").Config

    secret, token = config.secret_access_key, config.session_token
    session = boto3.session.Session(
        aws_access_key_id=config.access_key_id,
        aws_secret_access_key=secret.get_secret_value() if secret else None,
        aws_session_token=token.get_secret_value() if token else None,
    )
    region = config.region or ("us-east-1" if config.endpoint_url else None)
    connect, read, attempts = config.connect_timeout, config.read_timeout, config.max_attempts
    if quick:
        connect, read, attempts = min(connect, QUICK_CONNECT), min(read, QUICK_READ), 1
    settings = config_class(
        connect_timeout=connect,
        read_timeout=read,
        retries={"max_attempts": attempts, "mode": "standard"},
        s3={"addressing_style": config.addressing_style},
        signature_version="s3v4",
    )
    try:
        return session.client(
            "s3", endpoint_url=config.endpoint_url, region_name=region, config=settings
        )
    except ValueError as exc:  # botocore refuses an endpoint_url that is not a URL
        raise ConfigError(
            f"{connection}: endpoint_url {config.endpoint_url!r} is not a valid URL ({exc})"
        ) from None


def reason(exc: Exception, *, endpoint: str, bucket: str | None, key: str | None = None) -> str:
    """Why a botocore call failed, in words; names the bucket, key and S3 error code."""
    errors = require("botocore.exceptions", "s3")

    where = f"bucket {bucket!r}" + (f", key {key!r}" if key is not None else "")
    if isinstance(exc, errors.ClientError):
        error = exc.response.get("Error", {})
        code = str(
            error.get("Code") or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        )
        message = error.get("Message") or "no message"
        if code == "NoSuchBucket":
            return f"bucket {bucket!r} does not exist at {endpoint} (NoSuchBucket)"
        if code in MISSING_KEY_CODES and key is not None:
            return f"no object {key!r} in bucket {bucket!r} ({code})"
        if code in CREDENTIAL_CODES:
            return f"S3 at {endpoint} refused the credentials for {where} ({code}: {message})"
        return f"S3 error {code} on {where}: {message}"
    if isinstance(
        exc,
        errors.EndpointConnectionError | errors.ConnectTimeoutError | errors.ConnectionClosedError,
    ):
        return f"cannot reach S3 at {endpoint} ({type(exc).__name__})"
    if isinstance(exc, errors.ReadTimeoutError):
        return f"S3 at {endpoint} did not answer in time ({type(exc).__name__})"
    if isinstance(exc, errors.NoCredentialsError | errors.PartialCredentialsError):
        return (
            f"no credentials for S3 at {endpoint}: set access_key_id and secret_access_key "
            "on the connection, or configure the AWS credential chain"
        )
    return f"S3 request on {where} failed: {type(exc).__name__}: {exc}"


@contextlib.contextmanager
def s3_errors(
    label: str, *, endpoint: str, bucket: str | None, key: str | None = None, check: bool = False
) -> Iterator[None]:
    """Turn botocore failures into ``ActionError``; an endpoint that cannot be reached (and,
    with ``check``, any failure) into ``ConnectionFailedError``."""
    errors = require("botocore.exceptions", "s3")
    unreachable = (
        errors.EndpointConnectionError,
        errors.ConnectTimeoutError,
        errors.ConnectionClosedError,
        errors.ReadTimeoutError,
    )
    try:
        yield
    except errors.ParamValidationError as exc:
        raise ActionArgumentError(redact(f"{label}: {exc}")) from None
    except (errors.BotoCoreError, errors.ClientError) as exc:
        text = redact(f"{label}: {reason(exc, endpoint=endpoint, bucket=bucket, key=key)}")
        failed = check or isinstance(exc, unreachable)
        raise (ConnectionFailedError(text) if failed else ActionError(text)) from None


def error_code(exc: Exception) -> str | None:
    """The S3 error code of a botocore ``ClientError`` (None for other errors)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code") or "") or None
    return None
