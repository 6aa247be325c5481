"""botocore failures of an S3 connection as Workbench errors (its client is made by
:class:`~workbench.sdk.aws.AwsConnector`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from workbench.sdk import redact, require
from workbench.sdk.aws import transport_problem, unreachable_errors
from workbench.sdk.errors import ActionArgumentError, ActionError, ConnectionFailedError

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
    problem = transport_problem(exc, "S3", endpoint, "s3")
    if problem is not None:
        return problem
    return f"S3 request on {where} failed: {type(exc).__name__}: {exc}"


@contextlib.contextmanager
def s3_errors(
    label: str, *, endpoint: str, bucket: str | None, key: str | None = None, check: bool = False
) -> Iterator[None]:
    """Turn botocore failures into ``ActionError``; an endpoint that cannot be reached (and,
    with ``check``, any failure) into ``ConnectionFailedError``."""
    errors = require("botocore.exceptions", "s3")
    unreachable = unreachable_errors("s3")
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
