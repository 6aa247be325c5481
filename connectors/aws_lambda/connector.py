"""The AWS Lambda connector: invoke a function and get its JSON answer back."""

from __future__ import annotations

import base64
import json
from typing import Any

from workbench.connectors.aws_lambda.client import EXTRA, lambda_errors
from workbench.connectors.aws_lambda.config import LambdaConfig
from workbench.sdk import Result, action, redact
from workbench.sdk.aws import AwsConnector
from workbench.sdk.errors import ActionArgumentError, ActionError

FUNCTION_COLUMNS = ["name", "runtime", "handler", "memory", "timeout", "modified", "arn"]


class LambdaFunctionError(ActionError):
    """The function ran and failed (Lambda's ``X-Amz-Function-Error``).

    ``error_type`` and ``error_message`` are the function's own (``errorType`` and
    ``errorMessage`` of its error payload); ``kind`` is ``Unhandled`` or ``Handled``;
    ``payload`` holds the decoded error payload and ``log`` the log tail when asked for.

    Example:
        >>> err = LambdaFunctionError("fx.invoke", "resize", "Unhandled",
        ...     {"errorType": "ValueError", "errorMessage": "no width"})
        >>> str(err), err.error_type
        ("fx.invoke: function 'resize' failed: ValueError: no width (Unhandled)", 'ValueError')
    """

    def __init__(
        self, label: str, function: str, kind: str, payload: Any, log: str | None = None
    ) -> None:
        details = payload if isinstance(payload, dict) else {}
        self.function = function
        self.kind = kind
        self.payload = payload
        self.log = log
        self.error_type = str(details.get("errorType") or "Error")
        self.error_message = str(
            details.get("errorMessage") or (payload if isinstance(payload, str) else "")
        )
        self.stack_trace = details.get("stackTrace")
        super().__init__(
            redact(
                f"{label}: function {function!r} failed: {self.error_type}: "
                f"{self.error_message} ({kind})"
            )
        )


class AwsLambda(AwsConnector):
    """Invoke AWS Lambda functions: JSON in, decoded JSON out, or fire-and-forget events.

    ``invoke`` waits for the function and returns what it returned (a list of records
    becomes a DataFrame); a function that fails raises :class:`LambdaFunctionError` with
    its error type and message. ``invoke_async`` queues an event and returns at once.
    Needs ``pip install 'workbench[aws]'``.

    Example:
        >>> from workbench.connectors.aws_lambda import AwsLambda, LambdaConfig
        >>> fx = AwsLambda(LambdaConfig(region="eu-west-1"), connection="fx")
        >>> sorted(fx.action_specs)
        ['functions', 'invoke', 'invoke_async']
        >>> fx.invoke("resize", {"width": 200}).data  # doctest: +SKIP
        {'url': 'https://cdn.example.com/img-200.png'}
    """

    name = "aws_lambda"
    title = "AWS Lambda"
    category = "cloud"
    auth_kinds = ("access_key",)
    config_model = LambdaConfig
    config: LambdaConfig

    service = "lambda"
    extra = EXTRA

    def check(self) -> str:
        """List one function with short timeouts and no retries.

        Returns ``AWS Lambda at ENDPOINT (region R)``; a failure raises
        ConnectionFailedError naming the reason (unreachable, credentials).
        """
        client = self.quick_client()
        endpoint = str(client.meta.endpoint_url)
        try:
            with lambda_errors(
                f"{self.connection}.check", endpoint=endpoint, function=None, check=True
            ):
                client.list_functions(MaxItems=1)
        finally:
            client.close()
        return f"AWS Lambda at {endpoint} (region {client.meta.region_name})"

    @action
    def invoke(
        self,
        function: str,
        payload: Any = None,
        qualifier: str | None = None,
        log: bool = False,
    ) -> Result:
        """Invoke a function and wait for its answer; returns what it returned, decoded.

        Args:
            function: the function's name, ARN or partial ARN
            payload: the event: JSON-serialisable data, a DataFrame (sent as records),
                or a str / bytes already holding JSON
            qualifier: a version or alias (default: $LATEST)
            log: also fetch the last 4 KB of the function's log (in ``.raw["log"]``)
        """
        label = f"{self.connection}.invoke"
        options = self._options(label, function, payload, qualifier)
        if log:
            options["LogType"] = "Tail"
        with lambda_errors(label, endpoint=self.endpoint, function=function):
            answer = self.client.invoke(InvocationType="RequestResponse", **options)
            body = answer["Payload"].read()
        tail = answer.get("LogResult")
        text = base64.b64decode(tail).decode("utf-8", "replace") if tail else None
        data = decode(body)
        if answer.get("FunctionError"):
            raise LambdaFunctionError(label, function, answer["FunctionError"], data, text)
        raw = {
            "function": function,
            "status": answer.get("StatusCode"),
            "executed_version": answer.get("ExecutedVersion"),
            "request_id": answer.get("ResponseMetadata", {}).get("RequestId"),
            "bytes": len(body),
            "log": text,
        }
        return Result(data, raw=raw)

    @action
    def invoke_async(
        self, function: str, payload: Any = None, qualifier: str | None = None
    ) -> dict[str, Any]:
        """Queue an event for a function (invocation type Event) and return at once.

        Lambda answers 202 once the event is queued; the function runs later, and its
        result goes to the function's destinations, not to the caller.

        Args:
            function: the function's name, ARN or partial ARN
            payload: the event: JSON-serialisable data, a DataFrame (sent as records),
                or a str / bytes already holding JSON
            qualifier: a version or alias (default: $LATEST)
        """
        label = f"{self.connection}.invoke_async"
        options = self._options(label, function, payload, qualifier)
        with lambda_errors(label, endpoint=self.endpoint, function=function):
            answer = self.client.invoke(InvocationType="Event", **options)
        return {
            "function": function,
            "status": answer.get("StatusCode"),
            "queued": answer.get("StatusCode") == 202,
            "request_id": answer.get("ResponseMetadata", {}).get("RequestId"),
        }

    @action
    def functions(self, max_items: int | None = None) -> Result:
        """List the region's functions: name, runtime, handler, memory, timeout, modified, arn.

        Args:
            max_items: stop after this many functions
        """
        label = f"{self.connection}.functions"
        rows: list[dict[str, Any]] = []
        with lambda_errors(label, endpoint=self.endpoint, function=None):
            pages = self.client.get_paginator("list_functions").paginate()
            for page in pages:
                for item in page.get("Functions", []):
                    rows.append(
                        {
                            "name": item.get("FunctionName"),
                            "runtime": item.get("Runtime"),
                            "handler": item.get("Handler"),
                            "memory": item.get("MemorySize"),
                            "timeout": item.get("Timeout"),
                            "modified": item.get("LastModified"),
                            "arn": item.get("FunctionArn"),
                        }
                    )
                    if max_items is not None and len(rows) >= max_items:
                        break
                if max_items is not None and len(rows) >= max_items:
                    break
        import pandas as pd

        return Result(pd.DataFrame(rows, columns=FUNCTION_COLUMNS))

    def _options(
        self, label: str, function: str, payload: Any, qualifier: str | None
    ) -> dict[str, Any]:
        if not function:
            raise ActionArgumentError(f"{label}: function must be a function name or ARN")
        options: dict[str, Any] = {"FunctionName": function, "Payload": encode(label, payload)}
        if qualifier:
            options["Qualifier"] = qualifier
        return options


def encode(label: str, payload: Any) -> bytes:
    """The bytes of an invocation payload: JSON text; a DataFrame as a list of records.

    Example:
        >>> encode("fx.invoke", {"id": 7, "name": "Zoë"})
        b'{"id": 7, "name": "Zo\\xc3\\xab"}'
        >>> encode("fx.invoke", None)
        b''
    """
    if payload is None:
        return b""
    if isinstance(payload, bytes | bytearray | memoryview):
        return bytes(payload)
    if isinstance(payload, str):
        return payload.encode("utf-8")
    if isinstance(payload, Result):
        payload = payload.df
    if type(payload).__name__ == "DataFrame":
        return str(payload.to_json(orient="records", date_format="iso")).encode("utf-8")
    try:
        return json.dumps(payload, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise ActionArgumentError(
            f"{label}: payload must be JSON-serialisable, a DataFrame, str or bytes; "
            f"got {type(payload).__name__} ({exc})"
        ) from None


def decode(body: bytes) -> Any:
    """A function's answer: JSON as Python data, other bytes as text, nothing as None.

    Example:
        >>> decode(b'[{"id": 1}]'), decode(b"plain"), decode(b"")
        ([{'id': 1}], 'plain', None)
    """
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")
