"""AWS specs: their SigV4 scheme gives access key settings, the base URL follows the region,
the sandbox needs no credential, and live calls are signed so that moto's server (checking
signatures against the keys it issued) accepts them and refuses a wrong secret."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from s3_server import start_moto, stop
from specs import SPECS

import workbench as wb
from workbench.config.secrets import default_secret_store
from workbench.http.responses import HttpStatusError
from workbench.openapi.aws import aws_signing
from workbench.openapi.credentials import Credentials
from workbench.openapi.loader import load_spec
from workbench.openapi.settings import config_class
from workbench.registry import catalog_rows

IOT_DATA = SPECS / "amazonaws.com__iot-data.json"
AWS_SPECS = sorted(SPECS.glob("amazonaws.com__*.json"))
ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


@pytest.mark.parametrize("path", AWS_SPECS, ids=lambda p: p.stem)
def test_every_aws_spec_is_signed_for_its_service(path: Path) -> None:
    spec = load_spec(path)
    signing = aws_signing(spec)
    info = json.loads(path.read_text())["info"]
    assert signing is not None
    assert signing.service == info.get("x-aws-signingName", info["x-serviceName"])
    assert signing.region == "us-east-1"
    assert signing.url.startswith("https://") and "{region}" in signing.url
    model = wb.Connector.from_openapi(path, name="aws-api").config_model
    assert {"access_key_id", "secret_access_key", "session_token", "region"} <= set(
        model.model_fields
    )
    assert "api_key" not in model.model_fields  # the Authorization "key" is a signature
    assert set(model.secret_field_names()) >= {"secret_access_key", "session_token"}
    assert "access_key_id" not in model.secret_field_names()


def test_the_signing_headers_are_no_arguments_of_the_actions() -> None:
    wb.Connector.from_openapi(IOT_DATA, name="iot")
    inputs = " ".join(wb.connect("iot", sandbox=True).actions["inputs"])
    spec = load_spec(IOT_DATA)
    for operation in spec.operations.values():
        names = {p.name.lower() for p in operation.parameters}
        assert not names & {"x-amz-date", "x-amz-content-sha256", "x-amz-security-token"}
    assert "thing_name" in inputs and "x_amz_date" not in inputs
    assert "x_amz_mqtt5_user_properties" in inputs  # a header of the API itself stays
    assert [p.name for p in spec.operations["get_thing_shadow"].parameters] == [
        "thingName",
        "name",
    ]


def test_the_base_url_follows_the_region_unless_given() -> None:
    model = wb.Connector.from_openapi(IOT_DATA, name="iot").config_model
    assert model().base_url == "https://data-ats.iot.us-east-1.amazonaws.com"
    assert model(region="eu-west-1").base_url == "https://data-ats.iot.eu-west-1.amazonaws.com"
    given = model(region="eu-west-1", base_url="http://127.0.0.1:5000")
    assert given.base_url == "http://127.0.0.1:5000"


def test_the_catalog_names_the_signature() -> None:
    wb.Connector.from_openapi(IOT_DATA, name="iot")
    (row,) = [r for r in catalog_rows("iot") if r["name"] == "iot"]
    assert row["auth"] == "aws_sigv4"


def test_a_sandbox_call_needs_no_credential() -> None:
    wb.Connector.from_openapi(IOT_DATA, name="iot")
    iot = wb.connect("iot", sandbox=True)
    result = iot.get_thing_shadow(thing_name="lamp")
    assert result.raw["request"]["headers"].get("authorization") is None
    assert isinstance(result.data, dict)


@pytest.fixture(scope="module")
def moto_iot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """moto's server checking signatures, with a user's access key and a thing's shadow.

    Its first five actions (made here with boto3) go unchecked; every later one must be
    signed with a key it issued.
    """
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    server, url = start_moto(log, INITIAL_NO_AUTH_ACTION_COUNT="5")
    try:
        setup = {
            "endpoint_url": url,
            "region_name": "us-east-1",
            "aws_access_key_id": "setup",
            "aws_secret_access_key": "setup-secret",
        }
        iam = boto3.client("iam", **setup)  # type: ignore[call-overload]
        iam.create_user(UserName="ada")
        iam.put_user_policy(UserName="ada", PolicyName="all", PolicyDocument=json.dumps(ALLOW_ALL))
        key = iam.create_access_key(UserName="ada")["AccessKey"]
        boto3.client("iot", **setup).create_thing(thingName="lamp")  # type: ignore[call-overload]
        shadow = b'{"state": {"desired": {"on": true}}}'
        data = boto3.client("iot-data", **setup)  # type: ignore[call-overload]
        data.update_thing_shadow(thingName="lamp", payload=shadow)
        yield url, {"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}
    finally:
        stop(server)


def test_a_signed_call_is_accepted_by_a_server_that_checks_signatures(
    moto_iot: tuple[str, dict[str, str]], project: Path
) -> None:
    url, key = moto_iot
    default_secret_store().set("iot/aws-secret", key["secret"])
    wb.Connector.from_openapi(IOT_DATA, name="iot")
    (project / "workbench.toml").write_text(
        f'[connections.iot]\nconnector = "iot"\nbase_url = "{url}"\n'
        f'access_key_id = "{key["id"]}"\nsecret_access_key = {{ secret = "iot/aws-secret" }}\n'
    )
    iot = wb.connect("iot")
    shadow = json.loads(iot.get_thing_shadow(thing_name="lamp").data)  # moto sends it as text
    assert shadow["state"]["desired"] == {"on": True}
    published = iot.publish(topic="lamps/1 kitchen", qos=1, payload="on")  # path and query
    assert published.raw["status"] == 200
    assert published.raw["request"]["headers"]["authorization"] == "***"
    assert key["secret"] not in repr(wb.history().to_dict("records"))


def test_a_wrong_secret_is_refused_and_never_shown(moto_iot: tuple[str, dict[str, str]]) -> None:
    url, key = moto_iot
    wrong = "wrong" + key["secret"][5:]
    wb.Connector.from_openapi(IOT_DATA, name="iot")
    iot = wb.connect(
        "iot", mode="live", base_url=url, access_key_id=key["id"], secret_access_key=wrong
    )
    with pytest.raises(HttpStatusError, match="SignatureDoesNotMatch") as caught:
        iot.get_thing_shadow(thing_name="lamp")
    assert wrong not in str(caught.value) and wrong not in repr(iot)


def test_without_both_keys_nothing_is_signed() -> None:
    spec = load_spec(IOT_DATA)
    model = config_class(spec, "iot")
    operation = spec.operations["get_thing_shadow"]
    assert Credentials(spec, model(access_key_id="AKIDONLY")).auth_for(operation) is None
    signed = Credentials(spec, model(access_key_id="AKIDX", secret_access_key="s3cret-0001"))
    assert repr(signed.auth_for(operation)) == (
        "AwsSigV4Auth(access_key_id='AKIDX', region='us-east-1', service='iotdata')"
    )
