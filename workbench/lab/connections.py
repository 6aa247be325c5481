"""Connections for the sidebar: listed, shown, checked and saved, never a secret value.

Saving goes through :func:`workbench.config.add.add_connection` (what
``wb connections add`` calls): the values typed into secret fields go to the secret store
as ``NAME/FIELD`` and the file holds only references. A secret field left empty when
editing keeps the reference it had.

Example:
    >>> [row["connector"] for row in connection_rows() if row["name"] == "shop"]
    ['sqlite']
    >>> check_status("shop")["ok"]
    True
"""

from __future__ import annotations

from typing import Any

from workbench.config.add import add_connection
from workbench.config.connections import check, connection_store, describe_fields
from workbench.config.entries import ConnectionEntry
from workbench.errors import ConnectionFailedError, WorkbenchError
from workbench.lab.problems import Problem
from workbench.redaction import MASK, redact


def _row(entry: ConnectionEntry) -> dict[str, Any]:
    return {
        "name": entry.name,
        "connector": entry.connector,
        "fields": describe_fields(entry),
        "source": entry.source,
    }


def connection_rows() -> list[dict[str, Any]]:
    """Every named connection: name, connector, fields as display text, where it is defined.

    Example:
        >>> shop = next(r for r in connection_rows() if r["name"] == "shop")
        >>> shop["source"], shop["fields"]["read_only"]
        ('built-in', 'true')
    """
    entries = connection_store().entries()
    return [_row(entries[name]) for name in sorted(entries)]


def connection_row(name: str) -> dict[str, Any]:
    """One connection as :func:`connection_rows` lists it, with its secret fields' names.

    Example:
        >>> connection_row("shop")["secret_fields"]
        []
    """
    entry = connection_store().get(name)
    secret = [key for key, value in entry.fields.items() if _is_reference(value)]
    return {**_row(entry), "secret_fields": secret}


def check_status(name: str) -> dict[str, Any]:
    """Run the connection's ``check()``: ``ok`` and what answered, or why it failed.

    Example:
        >>> check_status("shop")["message"].startswith("SQLite")
        True
    """
    try:
        return {"name": name, "ok": True, "message": redact(str(check(name)))}
    except ConnectionFailedError as exc:
        return {"name": name, "ok": False, "message": str(exc)}
    except Exception as exc:
        if name not in connection_store():
            raise
        text = str(exc) if isinstance(exc, WorkbenchError) else f"{type(exc).__name__}: {exc}"
        return {"name": name, "ok": False, "message": redact(text)}


def save_connection(body: dict[str, Any], *, replace: bool) -> dict[str, Any]:
    """Add (or, with ``replace``, edit) the connection ``body`` describes.

    ``body`` holds ``name``, ``connector``, ``fields`` (settings as JSON values) and
    ``secrets`` (values typed into secret fields; empty ones are left out).

    Example:
        >>> saved = save_connection({"name": "doc-api", "connector": "http",
        ...     "fields": {"base_url": "https://api.example.com"},
        ...     "secrets": {"token": "doc-lab-t0ken"}}, replace=False)
        >>> saved["fields"]["token"], saved["stored"]
        ('secret:doc-api/token', ['doc-api/token'])
    """
    name = _text(body, "name")
    connector = _text(body, "connector")
    fields = _mapping(body, "fields")
    secrets = {k: v for k, v in _mapping(body, "secrets").items() if v not in ("", None)}
    for key, value in secrets.items():
        if not isinstance(value, str):
            raise Problem(400, f"secrets.{key}: expected text, got {type(value).__name__}")
    store = connection_store()
    if replace and name in store:
        fields = _unmasked(store.get(name), fields)
        for key in secrets:
            fields.pop(key, None)
    added = add_connection(
        name,
        connector,
        fields,
        secrets=secrets,
        replace_existing=replace,
        replace_hint="choose another name, or edit the connection instead",
    )
    return {
        "name": added.entry.name,
        "connector": added.entry.connector,
        "fields": added.shown,
        "target": str(added.target),
        "stored": added.stored,
        "hints": added.hints,
    }


def _unmasked(entry: ConnectionEntry, fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` sent back by an edit form: secret references kept, and a value sent back
    as shown (with ``***`` in place of a credential) replaced by the value written."""
    shown = describe_fields(entry)
    kept = {k: v for k, v in entry.fields.items() if _is_reference(v)}
    for key, value in fields.items():
        if isinstance(value, str) and MASK in value and value == shown.get(key):
            kept[key] = entry.fields[key]
        else:
            kept[key] = value
    return kept


def _is_reference(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secret"}


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise Problem(400, f"{key}: expected a non-empty text")
    return value.strip()


def _mapping(body: dict[str, Any], key: str) -> dict[str, Any]:
    value = body.get(key, {})
    if not isinstance(value, dict):
        raise Problem(400, f"{key}: expected a JSON object, got {type(value).__name__}")
    return value
