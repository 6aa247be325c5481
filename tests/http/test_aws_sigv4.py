"""AWS Signature V4: what the signer adds, checked against the algorithm as AWS documents it
and against botocore's own computation of the same request."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from urllib.parse import quote, unquote, urlsplit

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from workbench.errors import ConfigError
from workbench.http.aws_sigv4 import AwsSigV4Auth
from workbench.redaction import redact

KEY_ID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"  # AWS's documented example key
TOKEN = "FQoGZXIvYXdzEXAMPLE-session-token-0001"
AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<scope>[^,]+), SignedHeaders=(?P<signed>[^,]+), "
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)


def signed(
    auth: AwsSigV4Auth,
    method: str = "POST",
    url: str = "https://robomaker.eu-west-1.amazonaws.com/listFleets?maxResults=5&a=b%20c",
    body: bytes = b'{"nextToken": "n-1"}',
) -> httpx.Request:
    request = httpx.Request(
        method,
        url,
        content=body,
        headers={"Content-Type": "application/json", "User-Agent": "workbench/test"},
    )
    auth.sign(request)
    return request


def parts(request: httpx.Request) -> dict[str, str]:
    match = AUTHORIZATION.match(request.headers["Authorization"])
    assert match is not None, request.headers["Authorization"]
    return match.groupdict()


def by_hand(request: httpx.Request, secret: str, region: str, service: str) -> str:
    """The signature, computed step by step as the SigV4 documentation describes it."""
    signed_headers = parts(request)["signed"].split(";")
    split = urlsplit(str(request.url))
    pairs = sorted(
        (quote(unquote(k), safe="-_.~"), quote(unquote(v), safe="-_.~"))
        for k, _, v in (item.partition("=") for item in split.query.split("&") if item)
    )
    canonical = "\n".join(
        [
            request.method,
            quote(split.path, safe="/~"),  # every service but S3 encodes the path again
            "&".join(f"{k}={v}" for k, v in pairs),
            "".join(f"{h}:{' '.join(request.headers[h].split())}\n" for h in signed_headers),
            ";".join(signed_headers),
            hashlib.sha256(request.content).hexdigest(),
        ]
    )
    stamp = request.headers["X-Amz-Date"]
    scope = f"{stamp[:8]}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = f"AWS4{secret}".encode()
    for step in (stamp[:8], region, service, "aws4_request"):
        key = hmac.new(key, step.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def by_botocore(request: httpx.Request, secret: str, region: str, service: str) -> str:
    """botocore's signature of the same request (its signed headers, time and body)."""
    names = parts(request)["signed"].split(";")
    again = AWSRequest(
        method=request.method,
        url=str(request.url),
        data=request.content,
        headers={name: request.headers[name] for name in names},
    )
    again.context["timestamp"] = request.headers["X-Amz-Date"]
    signer = SigV4Auth(Credentials(KEY_ID, secret), service, region)
    return str(
        signer.signature(signer.string_to_sign(again, signer.canonical_request(again)), again)
    )


def test_the_credential_scope_names_key_date_region_and_service() -> None:
    request = signed(AwsSigV4Auth(KEY_ID, SECRET, region="eu-west-1", service="robomaker"))
    found = parts(request)
    stamp = request.headers["X-Amz-Date"]
    assert re.fullmatch(r"\d{8}T\d{6}Z", stamp)
    assert found["scope"] == f"{KEY_ID}/{stamp[:8]}/eu-west-1/robomaker/aws4_request"
    assert found["signed"] == "content-type;host;x-amz-content-sha256;x-amz-date"
    expected = hashlib.sha256(b'{"nextToken": "n-1"}').hexdigest()
    assert request.headers["X-Amz-Content-SHA256"] == expected


def test_the_signature_is_the_one_the_documented_algorithm_gives() -> None:
    request = signed(AwsSigV4Auth(KEY_ID, SECRET, region="eu-west-1", service="robomaker"))
    assert parts(request)["signature"] == by_hand(request, SECRET, "eu-west-1", "robomaker")


def test_the_signature_is_the_one_botocore_computes_for_the_same_request() -> None:
    auth = AwsSigV4Auth(KEY_ID, SECRET, region="us-east-1", service="iotdata")
    url = "https://data-ats.iot.us-east-1.amazonaws.com/topics/lamps%2F1%20x?qos=1"
    request = signed(auth, url=url, body=b"on")
    assert parts(request)["signature"] == by_botocore(request, SECRET, "us-east-1", "iotdata")
    assert parts(request)["signature"] == by_hand(request, SECRET, "us-east-1", "iotdata")


def test_a_different_secret_gives_a_different_signature() -> None:
    request = signed(AwsSigV4Auth(KEY_ID, SECRET, region="eu-west-1", service="robomaker"))
    other = "x" + SECRET[1:]
    assert parts(request)["signature"] != by_hand(request, other, "eu-west-1", "robomaker")


def test_an_empty_body_is_signed_as_the_hash_of_nothing() -> None:
    auth = AwsSigV4Auth(KEY_ID, SECRET, region="eu-west-1", service="robomaker")
    request = signed(auth, method="GET", body=b"")
    empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert request.headers["X-Amz-Content-SHA256"] == empty
    assert parts(request)["signature"] == by_hand(request, SECRET, "eu-west-1", "robomaker")


def test_a_session_token_is_sent_and_signed() -> None:
    auth = AwsSigV4Auth(
        KEY_ID, SECRET, region="eu-west-1", service="robomaker", session_token=TOKEN
    )
    request = signed(auth)
    assert request.headers["X-Amz-Security-Token"] == TOKEN
    assert "x-amz-security-token" in parts(request)["signed"].split(";")
    assert parts(request)["signature"] == by_botocore(request, SECRET, "eu-west-1", "robomaker")


def test_signing_again_replaces_the_previous_signature() -> None:
    auth = AwsSigV4Auth(KEY_ID, SECRET, region="eu-west-1", service="robomaker")
    request = signed(auth)
    auth.sign(request)
    assert len(request.headers.get_list("Authorization")) == 1
    assert parts(request)["signature"] == by_hand(request, SECRET, "eu-west-1", "robomaker")


def test_the_flow_signs_what_the_client_sends() -> None:
    seen: list[httpx.Request] = []

    def service(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    auth = AwsSigV4Auth(KEY_ID, SECRET, region="eu-west-1", service="robomaker")
    with httpx.Client(transport=httpx.MockTransport(service)) as client:
        client.post(
            "https://robomaker.eu-west-1.amazonaws.com/listFleets",
            params={"maxResults": 5, "nextToken": "a b/c"},
            json={"filters": []},
            auth=auth,
        )
    (sent,) = seen
    assert sent.url.query == b"maxResults=5&nextToken=a%20b%2Fc"  # sent as it was signed
    assert "user-agent" not in parts(sent)["signed"]
    assert parts(sent)["signature"] == by_hand(sent, SECRET, "eu-west-1", "robomaker")


def test_the_secret_shows_in_no_repr_error_or_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    auth = AwsSigV4Auth(
        KEY_ID, SECRET, region="eu-west-1", service="robomaker", session_token=TOKEN
    )
    request = signed(auth)
    assert SECRET not in repr(auth) and TOKEN not in repr(auth)
    assert SECRET not in redact(f"failed with {SECRET} and {TOKEN}")
    assert TOKEN not in redact(f"failed with {SECRET} and {TOKEN}")
    assert SECRET not in caplog.text and SECRET not in str(request.headers)
    with pytest.raises(ConfigError, match="region missing") as caught:
        AwsSigV4Auth(KEY_ID, SECRET, region="", service="robomaker")
    assert SECRET not in str(caught.value)
