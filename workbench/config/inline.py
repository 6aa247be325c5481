"""Credentials written inline in workbench.toml: found, masked for display, registered.

A credential belongs in the secret store (``{ secret = "NAME" }``). One written as a plain
value is still treated as a secret: a secret field's value, a secret-looking entry of a
table (``headers = { Authorization = "Bearer ..." }``) and the password of a URL
(``https://user:password@host``). :func:`inline_credentials` finds them, :func:`shown`
masks them for display and :func:`register_inline` registers them for redaction.

Example:
    >>> fields = {"base_url": "https://ada:pw-1234@api.example.com",
    ...           "headers": {"Authorization": "Bearer t0k3n-value", "Accept": "json"}}
    >>> sorted(inline_credentials(fields))
    ['base_url', 'headers.Authorization']
    >>> shown(fields["base_url"])
    'https://ada:***@api.example.com'
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from workbench.redaction import MASK, looks_secret, redact, register_secret

_USERINFO = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<user>[^:@/]*):(?P<pw>[^@/]*)@")


def is_reference(value: Any) -> bool:
    """``{ secret = "NAME" }`` or a text that is a whole ``${ENV}`` reference."""
    if isinstance(value, dict):
        return set(value) == {"secret"}
    return isinstance(value, str) and value.startswith("${") and value.endswith("}")


def url_password(value: str) -> str | None:
    """The password written in a URL's userinfo (``scheme://user:password@host``), if any."""
    match = _USERINFO.match(value)
    if match is None or not match.group("pw") or is_reference(match.group("pw")):
        return None
    return match.group("pw")


def _walk(key: str, value: Any, secret: bool) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict) and not is_reference(value):
        for name, item in value.items():
            yield from _walk(f"{key}.{name}", item, looks_secret(str(name)))
    elif isinstance(value, str) and not is_reference(value):
        if secret:
            yield key, value
        elif (password := url_password(value)) is not None:
            yield key, password


def inline_credentials(
    fields: Mapping[str, Any], secret_fields: Collection[str] | None = None
) -> dict[str, str]:
    """``{where: value}`` of every credential written as a plain value in ``fields``.

    ``secret_fields`` are the connector's secret fields; without them (a connector that
    cannot be loaded) a field is judged by its name.
    """
    found: dict[str, str] = {}
    for key, value in fields.items():
        secret = key in secret_fields if secret_fields is not None else looks_secret(key)
        found.update(_walk(key, value, secret))
    return found


def shown(value: Any, *, secret: bool = False) -> str:
    """A field's value as display text: references as written, credentials masked.

    Example:
        >>> shown({"secret": "crm/token"}), shown("${TOKEN}", secret=True), shown("x", secret=True)
        ('secret:crm/token', '${TOKEN}', '***')
        >>> shown({"Authorization": "Basic YWRhOnB3", "Accept": "json"})
        '{ Authorization = "***", Accept = "json" }'
    """
    if isinstance(value, dict) and is_reference(value):
        return f"secret:{value['secret']}"
    if isinstance(value, str):
        if is_reference(value):
            return value
        if secret:
            return MASK
        password = url_password(value)
        if password is not None:
            match = _USERINFO.match(value)
            assert match is not None
            value = f"{match.group('scheme')}{match.group('user')}:{MASK}@{value[match.end() :]}"
        return redact(value)
    if isinstance(value, dict):
        items = [f"{k} = {_toml(v, looks_secret(str(k)))}" for k, v in value.items()]
        return "{ " + ", ".join(items) + " }" if items else "{}"
    return redact(_toml_text(value))


def _toml(value: Any, secret: bool) -> str:
    text = shown(value, secret=secret)
    if isinstance(value, str) and not is_reference(value):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def _toml_text(value: Any) -> str:
    import tomlkit

    return str(tomlkit.item(value).as_string())


def register_inline(
    fields: Mapping[str, Any], secret_fields: Collection[str] | None = None
) -> None:
    """Register every inline credential in (resolved) ``fields`` for redaction."""
    for value in inline_credentials(fields, secret_fields).values():
        register_secret(value)


def move_hint(name: str, where: str, source: str) -> str:
    """What to do about an inline credential: put it in the secret store, reference it."""
    secret = f"{name}/{where.replace('.', '-').lower()}"
    return (
        f"hint: {source}: connection {name!r}, field {where!r} holds a credential in plain "
        f'text; store it with `wb secrets set {secret}` and write {{ secret = "{secret}" }} '
        "in its place (credentials in a URL go to the connector's credential fields)"
    )
