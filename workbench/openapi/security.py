"""``securitySchemes`` and security requirements, read into :class:`SecurityScheme`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workbench.errors import SpecError
from workbench.openapi import shape
from workbench.openapi.model import SecurityScheme
from workbench.openapi.refs import Resolver, escape

# The flows a token URL is taken from, in order of preference.
TOKEN_FLOWS = ("clientCredentials", "authorizationCode", "password")
AUTHORIZATION_FLOWS = ("authorizationCode", "implicit")
AWS_SIGV4 = "awsSigv4"  # x-amazon-apigateway-authtype of a scheme signed with SigV4


def security_schemes(
    raw: Any, resolver: Resolver, pointer: str = "#/components/securitySchemes"
) -> dict[str, SecurityScheme]:
    """Every scheme of a ``securitySchemes`` mapping, by key.

    Example:
        >>> from workbench.openapi.refs import Resolver
        >>> raw = {"key": {"type": "apiKey", "name": "X-API-Key", "in": "header"},
        ...        "oauth": {"type": "oauth2", "flows": {"clientCredentials": {
        ...            "tokenUrl": "https://auth.example.com/token", "scopes": {"read": ""}}}}}
        >>> found = security_schemes(raw, Resolver({}, "file:///s.json", "s.json"))
        >>> found["key"].location, found["oauth"].token_url, found["oauth"].scopes
        ('header', 'https://auth.example.com/token', ('read',))
    """
    if raw is None:
        return {}
    source = resolver.label
    schemes: dict[str, SecurityScheme] = {}
    for key, value in shape.mapping(raw, source, pointer).items():
        where = f"{pointer}/{escape(key)}"
        try:
            value = resolver.follow(value)
        except SpecError as exc:
            raise SpecError(exc.reason, source=source, pointer=where) from None
        schemes[key] = _scheme(key, shape.mapping(value, source, where), source, where)
    return schemes


def _scheme(key: str, raw: Mapping[str, Any], source: str, where: str) -> SecurityScheme:
    kind = shape.text(raw.get("type"), source, f"{where}/type")
    description = str(raw.get("description") or "")
    if kind == "apiKey":
        signing = raw.get("x-amazon-apigateway-authtype")
        return SecurityScheme(
            key,
            kind,
            name=shape.text(raw.get("name"), source, f"{where}/name") or None,
            location=shape.text(raw.get("in"), source, f"{where}/in") or None,
            description=description,
            signing=AWS_SIGV4 if str(signing).lower() == AWS_SIGV4.lower() else None,
        )
    if kind == "http":
        scheme = shape.text(raw.get("scheme"), source, f"{where}/scheme").lower() or None
        return SecurityScheme(key, kind, scheme=scheme, description=description)
    if kind == "oauth2":
        flows = shape.mapping(raw.get("flows"), source, f"{where}/flows", optional=True)
        return _oauth2(key, flows, description)
    if kind == "openIdConnect":
        url = str(raw.get("openIdConnectUrl") or "") or None
        return SecurityScheme(key, kind, openid_connect_url=url, description=description)
    return SecurityScheme(key, kind or "unknown", description=description)


def _oauth2(key: str, flows: Mapping[str, Any], description: str) -> SecurityScheme:
    def url(names: tuple[str, ...], field: str) -> str | None:
        for name in names:
            flow = flows.get(name)
            if isinstance(flow, Mapping) and isinstance(flow.get(field), str):
                return str(flow[field])
        return None

    scopes: dict[str, None] = {}
    for flow in flows.values():
        if isinstance(flow, Mapping) and isinstance(flow.get("scopes"), Mapping):
            scopes.update(dict.fromkeys(str(scope) for scope in flow["scopes"]))
    return SecurityScheme(
        key,
        "oauth2",
        token_url=url(TOKEN_FLOWS, "tokenUrl"),
        authorization_url=url(AUTHORIZATION_FLOWS, "authorizationUrl"),
        scopes=tuple(scopes),
        flows=tuple(str(name) for name in flows if not str(name).startswith("x-")),
        description=description,
    )


def requirements(raw: Any, source: str, pointer: str) -> tuple[tuple[str, ...], ...] | None:
    """A ``security`` list as alternatives of scheme keys; ``None`` when absent.

    Example:
        >>> requirements([{"key": []}, {"oauth": ["read"], "key": []}], "s.json", "#/security")
        (('key',), ('oauth', 'key'))
        >>> requirements([], "s.json", "#/security")
        ()
    """
    if raw is None:
        return None
    alternatives = []
    for index, item in enumerate(shape.sequence(raw, source, pointer)):
        alternatives.append(tuple(shape.mapping(item, source, f"{pointer}/{index}")))
    return tuple(alternatives)


def auth_kind(scheme: SecurityScheme) -> str:
    """A short name for the catalog: api_key, aws_sigv4, bearer, basic, oauth2, openid.

    Example:
        >>> auth_kind(SecurityScheme("k", "http", scheme="bearer"))
        'bearer'
        >>> auth_kind(SecurityScheme("hmac", "apiKey", name="Authorization", signing="awsSigv4"))
        'aws_sigv4'
    """
    if scheme.signing == AWS_SIGV4:
        return "aws_sigv4"
    if scheme.kind == "apiKey":
        return "api_key"
    if scheme.kind == "http":
        return scheme.scheme or "http"
    if scheme.kind == "openIdConnect":
        return "openid"
    return scheme.kind
