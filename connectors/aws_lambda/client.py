"""botocore failures of an AWS Lambda connection as Workbench errors (its client is made
by :class:`~workbench.sdk.aws.AwsConnector`)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

from workbench.sdk import redact, require
from workbench.sdk.aws import transport_problem, unreachable_errors
from workbench.sdk.errors import ActionArgumentError, ActionError, ConnectionFailedError

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
    problem = transport_problem(exc, "AWS Lambda", endpoint, EXTRA)
    if problem is not None:
        return problem
    return f"AWS Lambda request on {what} failed: {type(exc).__name__}: {exc}"


@contextlib.contextmanager
def lambda_errors(
    label: str, *, endpoint: str, function: str | None, check: bool = False
) -> Iterator[None]:
    """Turn botocore failures into ``ActionError``; an endpoint that cannot be reached or
    refused credentials (and, with ``check``, any failure) into ``ConnectionFailedError``."""
    errors = require("botocore.exceptions", EXTRA)
    unreachable = (
        *unreachable_errors(EXTRA),
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
