"""The aws_lambda connector against moto's server (a real subprocess on a loopback port).

moto runs a function's code in Docker unless told otherwise; there is no Docker here, so
the server is configured with ``{"lambda": {"use_docker": False}}``: moto then keeps the
functions (create, list, qualifiers) and answers each invocation without running code,
with the payload it was sent, or with the next answer queued through
``/moto-api/static/lambda-simple/response``. What these tests exercise is therefore the
connector and boto3 against a real Lambda API endpoint (signing, the invocation types, the
202 of an event, payload encoding and decoding), not a function's code.

moto's simple backend never reports a function error and invokes any name, so those
answers (Lambda's ``X-Amz-Function-Error`` header with an ``errorType``/``errorMessage``
body, and the 404 ``ResourceNotFoundException`` of a missing function, as its Invoke API
documents) come from a small local endpoint that answers like Lambda.
"""

from __future__ import annotations

import base64
import io
import json
import secrets
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
from pydantic import ValidationError
from s3_server import free_port, moto, start_moto, stop
from served import serve_app
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import workbench as wb
from workbench.connectors.aws_lambda import AwsLambda, LambdaConfig, LambdaFunctionError
from workbench.errors import ActionArgumentError, ActionError, ConfigError, ConnectionFailedError

SECRET = "lambda-secret-" + secrets.token_hex(12)
REGION = "eu-west-1"


@pytest.fixture(scope="module")
def moto_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with moto(log, config={"lambda": {"use_docker": False}}) as url:
        yield url


def config(endpoint: str, **fields: object) -> LambdaConfig:
    values: dict[str, object] = {
        "endpoint_url": endpoint,
        "region": REGION,
        "access_key_id": "testing-key",
        "secret_access_key": SECRET,
    }
    return LambdaConfig.model_validate({**values, **fields})


def create_function(endpoint: str, name: str) -> None:
    """A Python function in moto (its code is stored, not run)."""
    import boto3

    keys = {"aws_access_key_id": "testing-key", "aws_secret_access_key": SECRET}
    iam = boto3.client("iam", endpoint_url=endpoint, region_name=REGION, **keys)
    try:
        role = iam.get_role(RoleName="runner")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(RoleName="runner", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handle(event, context):\n    return event\n")
    client = boto3.client("lambda", endpoint_url=endpoint, region_name=REGION, **keys)
    client.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="handler.handle",
        Code={"ZipFile": code.getvalue()},
        Timeout=30,
        MemorySize=256,
    )
    client.close()


def queue_answers(endpoint: str, *answers: object) -> None:
    """What moto's simple backend answers to the next invocations, in order."""
    results = [json.dumps(answer) for answer in answers]
    httpx.post(
        f"{endpoint}/moto-api/static/lambda-simple/response",
        json={"results": results, "region": REGION},
        trust_env=False,
    ).raise_for_status()


@pytest.fixture
def fx(moto_url: str) -> Iterator[AwsLambda]:
    httpx.post(f"{moto_url}/moto-api/reset", trust_env=False).raise_for_status()
    httpx.post(
        f"{moto_url}/moto-api/config", json={"lambda": {"use_docker": False}}, trust_env=False
    ).raise_for_status()
    create_function(moto_url, "orders")
    with AwsLambda(config(moto_url), connection="fx") as connector:
        yield connector


def test_invoke_sends_the_payload_and_decodes_the_json_answer(fx: AwsLambda) -> None:
    sent = {"order": 42, "items": [1, 2], "note": "Zoë ☕"}
    echoed = fx.invoke("orders", sent)  # moto answers with the event it received
    assert echoed.data == sent
    assert (echoed.connection, echoed.action) == ("fx", "invoke")
    assert echoed.raw["status"] == 200
    assert echoed.raw["function"] == "orders"
    assert echoed.raw["request_id"]

    queue_answers(str(fx.config.endpoint_url), [{"id": 1, "total": 9.5}, {"id": 2, "total": 3}])
    rows = fx.invoke("orders", {"since": "2026-01-01"})
    assert rows.df.to_dict("records") == [{"id": 1, "total": 9.5}, {"id": 2, "total": 3}]
    assert rows.raw["bytes"] == len(json.dumps([{"id": 1, "total": 9.5}, {"id": 2, "total": 3}]))


def test_invoke_sends_a_dataframe_as_records_and_str_or_bytes_as_they_are(fx: AwsLambda) -> None:
    frame = pd.DataFrame({"id": [1, 2], "when": pd.to_datetime(["2026-01-02", "2026-03-04"])})
    answer = fx.invoke("orders", frame).data
    assert [row["id"] for row in answer] == [1, 2]
    assert answer[0]["when"].startswith("2026-01-02T00:00:00")
    assert fx.invoke("orders", '{"raw": true}').data == {"raw": True}
    assert fx.invoke("orders", b"[1, 2, 3]").data == [1, 2, 3]


def test_invoke_async_queues_an_event(fx: AwsLambda) -> None:
    queued = fx.invoke_async("orders", {"order": 7})
    assert queued.data["status"] == 202
    assert queued.data["queued"] is True
    assert queued.data["function"] == "orders"


def test_functions_lists_the_region(fx: AwsLambda) -> None:
    create_function(str(fx.config.endpoint_url), "invoices")
    listing = fx.functions()
    assert list(listing.df.columns) == [
        "name",
        "runtime",
        "handler",
        "memory",
        "timeout",
        "modified",
        "arn",
    ]
    assert sorted(listing.df["name"]) == ["invoices", "orders"]
    orders = listing.df.set_index("name").loc["orders"]
    assert (orders["runtime"], orders["handler"]) == ("python3.12", "handler.handle")
    assert (orders["memory"], orders["timeout"]) == (256, 30)
    assert orders["arn"].endswith(":function:orders")
    assert len(fx.functions(max_items=1).df) == 1


def test_check_and_wb_connect_use_the_connection(fx: AwsLambda, project: Path) -> None:
    assert fx.check() == f"AWS Lambda at {fx.config.endpoint_url} (region {REGION})"
    (project / "workbench.toml").write_text(
        f"""
[connections.jobs]
connector = "aws_lambda"
endpoint_url = "{fx.config.endpoint_url}"
region = "{REGION}"
access_key_id = "testing-key"
secret_access_key = "${{LAMBDA_TEST_SECRET}}"
"""
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAMBDA_TEST_SECRET", SECRET)
        client = wb.connect("jobs")
        assert client.invoke("orders", {"a": 1}).data == {"a": 1}
        assert SECRET not in repr(client)
        client.close()


def test_bad_arguments_and_settings_are_refused(fx: AwsLambda) -> None:
    with pytest.raises(ActionArgumentError, match=r"fx\.invoke: payload must be JSON"):
        fx.invoke("orders", {1, 2})
    with pytest.raises(ActionArgumentError, match=r"fx\.invoke: function must be"):
        fx.invoke("", {})
    with pytest.raises(ValidationError, match="go together"):
        LambdaConfig(access_key_id="only-the-id")
    with pytest.MonkeyPatch.context() as p:
        p.delenv("AWS_DEFAULT_REGION", raising=False)
        p.delenv("AWS_REGION", raising=False)
        p.setenv("AWS_CONFIG_FILE", "/nonexistent")
        nowhere = AwsLambda(LambdaConfig(), connection="nowhere")
        with pytest.raises(ConfigError, match=r"nowhere: no AWS region"):
            nowhere.invoke("orders", {})


def test_an_unreachable_endpoint_names_the_connection_without_the_secret(
    request: pytest.FixtureRequest,
) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"
    broken = AwsLambda(config(endpoint, max_attempts=1, connect_timeout=1), connection="gone")
    request.addfinalizer(broken.close)
    with pytest.raises(
        ConnectionFailedError, match=r"gone\.invoke: cannot reach AWS Lambda"
    ) as err:
        broken.invoke("orders", {})
    assert SECRET not in str(err.value)
    with pytest.raises(ConnectionFailedError, match=r"gone\.check: cannot reach"):
        broken.check()


def test_refused_credentials_are_a_connection_failure(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    server, endpoint = start_moto(tmp_path / "auth.log", INITIAL_NO_AUTH_ACTION_COUNT="0")
    try:
        refused = AwsLambda(config(endpoint, max_attempts=1), connection="locked")
        request.addfinalizer(refused.close)
        with pytest.raises(
            ConnectionFailedError, match=r"locked\.invoke: .*refused the credentials"
        ) as err:
            refused.invoke("orders", {})
        assert SECRET not in str(err.value)
        with pytest.raises(ConnectionFailedError, match=r"locked\.check: "):
            refused.check()
    finally:
        stop(server)


# --- function errors and a missing function: an endpoint answering like Lambda's Invoke API

LOG_TAIL = "START RequestId: 1\nboom\nEND RequestId: 1\n"


async def invocations(request: Request) -> Response:
    """Lambda's POST /2015-03-31/functions/{name}/invocations, failing as documented."""
    name = request.path_params["name"]
    headers = {"X-Amz-Executed-Version": "$LATEST", "x-amzn-RequestId": "req-1"}
    if request.headers.get("X-Amz-Log-Type") == "Tail":
        headers["X-Amz-Log-Result"] = base64.b64encode(LOG_TAIL.encode()).decode()
    event = json.loads(await request.body() or b"null")
    if name == "missing":
        arn = f"arn:aws:lambda:{REGION}:123456789012:function:{name}"
        headers["x-amzn-ErrorType"] = "ResourceNotFoundException"
        body = {"Type": "User", "message": f"Function not found: {arn}"}
        return Response(json.dumps(body), 404, headers, media_type="application/json")
    if name == "fails":
        headers["X-Amz-Function-Error"] = "Unhandled"
        body = {
            "errorMessage": f"no width in {sorted(event)}",
            "errorType": "KeyError",
            "requestId": "req-1",
            "stackTrace": ['  File "/var/task/handler.py", line 2, in handle\n'],
        }
        return Response(json.dumps(body), 200, headers, media_type="application/json")
    return Response(json.dumps({"ok": name}), 200, headers, media_type="application/json")


@pytest.fixture(scope="module")
def fake_lambda() -> Iterator[str]:
    app = Starlette(
        routes=[Route("/2015-03-31/functions/{name}/invocations", invocations, methods=["POST"])]
    )
    with serve_app(app) as url:
        yield url


def test_a_function_error_raises_with_its_type_and_message(
    fake_lambda: str, request: pytest.FixtureRequest
) -> None:
    fx = AwsLambda(config(fake_lambda), connection="fx")
    request.addfinalizer(fx.close)
    with pytest.raises(LambdaFunctionError) as err:
        fx.invoke("fails", {"height": 3}, log=True)
    assert (
        str(err.value)
        == "fx.invoke: function 'fails' failed: KeyError: no width in ['height'] (Unhandled)"
    )
    assert isinstance(err.value, ActionError)
    assert (err.value.error_type, err.value.kind) == ("KeyError", "Unhandled")
    assert err.value.stack_trace == ['  File "/var/task/handler.py", line 2, in handle\n']
    assert err.value.log == LOG_TAIL
    with pytest.raises(
        ActionError, match=r"fx\.invoke: no function 'missing' at .*Function not found"
    ):
        fx.invoke("missing", {})
    ok = fx.invoke("works", {}, log=True)
    assert ok.data == {"ok": "works"}
    assert ok.raw["log"] == LOG_TAIL
    assert ok.raw["executed_version"] == "$LATEST"
