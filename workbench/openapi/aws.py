"""What an AWS spec says about signing its requests: the signing name, the region, the URL.

The specs AWS services are described by (converted from the AWS SDKs' models) declare an
apiKey scheme marked ``x-amazon-apigateway-authtype: awsSigv4``, name the service they are
signed for in ``info.x-aws-signingName`` (else ``info.x-serviceName``), and give servers
such as ``https://robomaker.{region}.amazonaws.com`` whose ``region`` variable has a
default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from workbench.openapi.model import ApiSpec, Operation
from workbench.openapi.security import AWS_SIGV4

REGION = "{region}"
SIGNING_HEADERS = frozenset(
    {
        "x-amz-algorithm",
        "x-amz-content-sha256",
        "x-amz-credential",
        "x-amz-date",
        "x-amz-security-token",
        "x-amz-signature",
        "x-amz-signedheaders",
    }
)
"""The headers AWS specs list as optional parameters of every operation: the signer's."""


@dataclass(frozen=True)
class AwsSigning:
    """How requests to an AWS spec's API are signed, and where they go by region.

    ``url`` is the server URL with ``{region}`` in it (an https one first), ``region`` its
    default region.
    """

    service: str
    region: str
    url: str

    def base_url(self, region: str) -> str:
        """The server URL for ``region``.

        Example:
            >>> AwsSigning("robomaker", "us-east-1",
            ...            "https://robomaker.{region}.amazonaws.com").base_url("eu-west-1")
            'https://robomaker.eu-west-1.amazonaws.com'
        """
        return self.url.replace(REGION, region).rstrip("/")


def aws_signing(spec: ApiSpec) -> AwsSigning | None:
    """The signing of an AWS spec, or None for a spec with no SigV4 scheme.

    Example:
        >>> from workbench.openapi.model import ApiSpec, SecurityScheme
        >>> document = {"info": {"x-aws-signingName": "iotdata"}, "servers": [
        ...     {"url": "http://data.iot.{region}.amazonaws.com",
        ...      "variables": {"region": {"default": "us-east-1"}}},
        ...     {"url": "https://data.iot.{region}.amazonaws.com",
        ...      "variables": {"region": {"default": "us-east-1"}}}]}
        >>> spec = ApiSpec("IoT data", "1", "", document, {}.__getitem__, security_schemes={
        ...     "hmac": SecurityScheme("hmac", "apiKey", name="Authorization",
        ...                            location="header", signing="awsSigv4")})
        >>> aws_signing(spec)
        AwsSigning(service='iotdata', region='us-east-1', url='https://data.iot.{region}.amazonaws.com')
    """
    if not any(s.signing == AWS_SIGV4 for s in spec.security_schemes.values()):
        return None
    info = spec.document.get("info")
    info = info if isinstance(info, Mapping) else {}
    service = str(info.get("x-aws-signingName") or info.get("x-serviceName") or spec.name)
    servers = [s for s in spec.document.get("servers") or () if isinstance(s, Mapping)]
    regional = [s for s in servers if REGION in str(s.get("url", ""))]
    regional.sort(key=lambda s: not str(s.get("url", "")).startswith("https://"))
    if not regional:
        return AwsSigning(service, "us-east-1", spec.servers[0] if spec.servers else "")
    server = regional[0]
    return AwsSigning(service, _default_region(server), str(server["url"]))


def _default_region(server: Mapping[str, Any]) -> str:
    variables = server.get("variables")
    variable = variables.get("region") if isinstance(variables, Mapping) else None
    if isinstance(variable, Mapping) and variable.get("default"):
        return str(variable["default"])
    return "us-east-1"


def without_signing_headers(operations: Mapping[str, Operation]) -> dict[str, Operation]:
    """The operations without the optional signing headers as arguments (the signer sets
    them on every request).

    Example:
        >>> from workbench.openapi.model import Parameter
        >>> op = Operation("get_thing", "get", "/things", "", parameters=(
        ...     Parameter("X-Amz-Date", "header", "x_amz_date"),
        ...     Parameter("thingName", "query", "thing_name", required=True)))
        >>> [p.name for p in without_signing_headers({"get_thing": op})["get_thing"].parameters]
        ['thingName']
    """
    return {
        name: replace(
            operation,
            parameters=tuple(
                p
                for p in operation.parameters
                if p.required or p.location != "header" or p.name.lower() not in SIGNING_HEADERS
            ),
        )
        for name, operation in operations.items()
    }
