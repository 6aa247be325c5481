"""The connection editor: pick a connector, fill its settings, test them, save them.

The form is built from the connector's ``config_model`` fields: secrets as password boxes,
flags as checkboxes, fixed choices as drop-downs, everything else as text (numbers are
checked by the model, dicts and lists are written as JSON). **Save** adds the connection
as ``wb connections add`` does (:func:`workbench.config.add.add_connection`): it is written
into the project's workbench.toml, every secret value goes to the secret store as
``NAME/FIELD`` and the file holds only ``{ secret = "NAME/FIELD" }``.
After a test or a save the password boxes are emptied: a value entered stays in the
kernel (kept for the next save), never in a widget's state, the status line or a repr.

Example:
    >>> editor = edit_connection("shop")
    >>> editor.connector_picker.value, editor.name_text.value
    ('sqlite', 'shop')
    >>> editor.save()  # the sample connection is built in
    False
    >>> editor.message
    "failed: connection 'shop' already exists (built-in); tick 'overwrite' to replace it"
"""

from __future__ import annotations

import json
import re
import typing
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import ipywidgets as widgets
import traitlets
from pydantic import SecretStr
from pydantic.fields import FieldInfo

from workbench.config.add import add_connection, connection_name, default_target
from workbench.config.connections import build_config, connection_store
from workbench.config.entries import ConnectionEntry
from workbench.config.secrets import default_secret_store
from workbench.config.store import ConnectionStore
from workbench.errors import ConfigError, WorkbenchError
from workbench.redaction import redact, register_secret
from workbench.registry import connectors, get_connector
from workbench.results.html import message_html
from workbench.sdk.config import ConnectionConfig
from workbench.sdk.connector import Connector

_ENV_REF = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$")
_STYLE = {"description_width": "11em"}
_UNSET = ""  # the drop-down choice of an optional setting left out
_WIDTH = "38em"

FieldKind = Literal["secret", "flag", "choice", "json", "text"]


@dataclass
class _Field:
    """One setting of the connector and the widget that edits it."""

    name: str
    kind: FieldKind
    widget: Any
    default: Any


class ConnectionEditor(widgets.VBox):
    """A form that tests a connection's settings and saves them to workbench.toml.

    ``connector_picker`` chooses the connector, ``name_text`` the connection name,
    ``fields`` maps each setting to its widget; ``test_button`` and ``save_button`` (or
    :meth:`test` and :meth:`save`) act, and ``status`` shows the outcome in one line.

    Example:
        >>> editor = ConnectionEditor(connector="sqlite")
        >>> sorted(editor.fields)
        ['path', 'read_only', 'timeout']
        >>> editor.fields["timeout"].value = "soon"
        >>> editor.test()
        False
        >>> "field 'timeout': expected a valid number" in editor.message
        True
    """

    def __init__(
        self, name: str | None = None, *, connector: str | None = None, target: Path | None = None
    ) -> None:
        self.target = target
        self.message = ""
        self._fields: dict[str, _Field] = {}
        self._kept: dict[str, Any] = {}  # secret fields: a SecretStr or a reference
        names = [n for n, cls in connectors().items() if not cls.library]
        first = connector or ("sqlite" if "sqlite" in names else names[0] if names else None)
        self.connector_picker = widgets.Dropdown(
            options=names, value=first, description="connector", style=_STYLE
        )
        self.name_text = widgets.Text(
            description="name *", placeholder="e.g. crm", style=_STYLE, layout={"width": _WIDTH}
        )
        self.field_box = widgets.VBox()
        self.overwrite = widgets.Checkbox(description="overwrite", indent=False)
        self.test_button = widgets.Button(description="Test", icon="plug")
        self.save_button = widgets.Button(description="Save", icon="save", button_style="primary")
        self.status = widgets.HTML()
        self.test_button.on_click(lambda _: self.test())
        self.save_button.on_click(lambda _: self.save())
        self.connector_picker.observe(lambda _: self._build_fields(), names="value")
        buttons = widgets.HBox([self.test_button, self.save_button, self.overwrite])
        super().__init__(
            [self.connector_picker, self.name_text, self.field_box, buttons, self.status]
        )
        self.add_class("wb-connection-editor")
        self._build_fields()
        if name:
            self.load(name)

    @property
    def fields(self) -> dict[str, Any]:
        """The setting widgets of the chosen connector, by field name."""
        return {name: field.widget for name, field in self._fields.items()}

    def __repr__(self) -> str:
        return f"<ConnectionEditor {self.connector_picker.value} {self.name_text.value!r}>"

    def load(self, name: str) -> None:
        """Fill the form from the connection ``name``; an unknown name starts a new one."""
        self.name_text.value = name
        store = connection_store()
        if name not in store:
            return
        entry = store.get(name)
        if entry.connector not in self.connector_picker.options:
            self._say(f"connection {name!r} uses connector {entry.connector!r}, not installed")
            return
        self.connector_picker.value = entry.connector
        self._build_fields()  # also when the connector was already chosen: a clean form
        dropped = []
        for key, value in entry.fields.items():
            try:
                self._show(self._fields[key], value)
            except (KeyError, traitlets.TraitError):  # unknown, or not a value it offers
                dropped.append(repr(key))
        if dropped:
            self._say(f"left out (not valid for {entry.connector}): {', '.join(dropped)}")

    def test(self) -> bool:
        """Build the connector with the entered settings and run its check."""
        name = self.name_text.value.strip() or str(self.connector_picker.value)
        self._say(f"testing {name}…")
        try:
            cls, _, _, config = self._validate(name, self._target(), connection_store())
            with cls(config, connection=name) as client:
                answer = client.check()
        except Exception as exc:  # a connector's own failure too: shown, never raised
            self._fail(exc)
            return False
        finally:
            self._keep_entered()
        self._say(f"ok: {name} ({cls.name}): {answer}", "ok")
        return True

    def save(self) -> bool:
        """Write the connection to workbench.toml, its secret values to the secret store."""
        try:
            name = connection_name(self.name_text.value)
            target = self._target()
            store = connection_store()
            if name in store and not self.overwrite.value:  # before any check of the fields
                where = store.get(name).source
                raise ConfigError(
                    f"connection {name!r} already exists ({where}); tick 'overwrite' to replace it"
                )
            _, entry, secrets, _ = self._validate(name, target, store)
            added = add_connection(
                name,
                entry.connector,
                entry.fields,
                secrets=secrets,
                target=target,
                replace_existing=self.overwrite.value,
                replace_hint="tick 'overwrite' to replace it",
            )
        except Exception as exc:
            self._fail(exc)
            return False
        finally:
            self._keep_entered()
        for key in secrets:
            self._keep(self._fields[key], added.entry.fields[key])
        where = f"; secrets in the {default_secret_store().backend}: " if added.stored else ""
        where += ", ".join(added.stored)
        self._say(f"saved {name} ({entry.connector}) to {target}{where}", "ok")
        return True

    def _target(self) -> Path:
        return self.target or default_target()

    def _validate(
        self, name: str, target: Path, store: ConnectionStore
    ) -> tuple[type[Connector], ConnectionEntry, dict[str, str], ConnectionConfig]:
        """The connector, the entry to write (secrets not yet in it), the secret values
        entered, and the validated settings."""
        cls = get_connector(str(self.connector_picker.value))
        entry = ConnectionEntry(name, cls.name, {}, str(target))
        fields, secrets = self._collect(entry)
        entry = replace(entry, fields=fields)
        config = build_config(cls, {**store.resolve(entry), **secrets}, entry)
        typed = config.model_dump(mode="json", include=set(fields))
        for key, value in fields.items():  # numbers as numbers, references as written
            kind = self._fields[key].kind
            if kind == "text" and "${" not in value and not isinstance(typed.get(key), str):
                fields[key] = typed[key]
        return cls, entry, secrets, config

    def _collect(self, entry: ConnectionEntry) -> tuple[dict[str, Any], dict[str, str]]:
        """The fields as they will be written, and the secret values to be stored."""
        fields: dict[str, Any] = {}
        secrets: dict[str, str] = {}
        for key, field in self._fields.items():
            value = field.widget.value
            if field.kind == "secret":
                if value and _ENV_REF.match(value.strip()):
                    fields[key] = value.strip()
                elif value:
                    register_secret(value)
                    secrets[key] = value
                elif isinstance(self._kept.get(key), SecretStr):
                    secrets[key] = self._kept[key].get_secret_value()
                elif key in self._kept:
                    fields[key] = self._kept[key]
            elif field.kind in ("flag", "choice"):
                if value != _UNSET and value != field.default:
                    fields[key] = value
            elif value.strip() and field.kind == "json":
                fields[key] = _json(value, entry.where(key))
            elif value.strip():
                fields[key] = value.strip()
        return self._ordered(fields), secrets

    def _ordered(self, fields: dict[str, Any]) -> dict[str, Any]:
        return {key: fields[key] for key in self._fields if key in fields}

    def _build_fields(self) -> None:
        for field in self._fields.values():
            if field.kind == "secret":
                field.widget.value = ""
            field.widget.close()
        self._kept.clear()
        chosen = self.connector_picker.value
        model = get_connector(chosen).config_model if chosen else ConnectionConfig
        secret_names = set(model.secret_field_names())
        self._fields = {
            key: _field(key, info, secret=key in secret_names)
            for key, info in model.model_fields.items()
        }
        self.field_box.children = [field.widget for field in self._fields.values()]

    def _show(self, field: _Field, value: Any) -> None:
        """Put a value read from workbench.toml into its widget (secrets stay hidden)."""
        if field.kind == "secret":
            kept = (
                SecretStr(value) if isinstance(value, str) and not _ENV_REF.match(value) else value
            )
            self._keep(field, kept)
        elif field.kind in ("flag", "choice"):
            field.widget.value = value
        elif field.kind == "json" or not isinstance(value, str):
            field.widget.value = json.dumps(value) if field.kind == "json" else str(value)
        else:
            field.widget.value = value

    def _keep_entered(self) -> None:
        """Move each entered secret out of its password box into the kernel's memory."""
        for field in self._fields.values():
            if field.kind == "secret" and field.widget.value:
                value = field.widget.value
                field.widget.value = ""
                self._keep(field, value if _ENV_REF.match(value.strip()) else SecretStr(value))

    def _keep(self, field: _Field, value: Any) -> None:
        self._kept[field.name] = value
        if isinstance(value, SecretStr):
            hint = "entered; kept for Save"
        elif isinstance(value, dict) and set(value) == {"secret"}:
            hint = f"stored as secret {value['secret']}"
        elif isinstance(value, str):
            hint = f"from {value}"
        else:
            hint = "set"
        field.widget.placeholder = f"{hint} (type to replace)"

    def _fail(self, exc: Exception) -> None:
        text = str(exc) if isinstance(exc, WorkbenchError) else f"{type(exc).__name__}: {exc}"
        self._say(f"failed: {text}", "error")

    def _say(self, text: str, kind: Literal["ok", "error", "note"] = "note") -> None:
        self.message = " ".join(redact(text).split())
        self.status.value = message_html(self.message, kind)


def edit_connection(name: str | None = None, *, connector: str | None = None) -> ConnectionEditor:
    """An editor for the connection ``name`` (a new one when no name or an unknown name)."""
    return ConnectionEditor(name, connector=connector)


def _json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f'{where}: expected JSON such as {{"key": "value"}}, got {text.strip()!r} ({exc.msg})'
        ) from None


def _field(name: str, info: FieldInfo, *, secret: bool) -> _Field:
    """The widget for one setting, chosen by its type."""
    annotation = info.annotation
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    optional = len(args) < len(typing.get_args(annotation))
    if optional and len(args) == 1:
        annotation = args[0]
    default = None if info.is_required() else info.get_default(call_default_factory=True)
    tip = info.description or ""
    common = {
        "description": name + (" *" if info.is_required() else ""),
        "tooltip": tip or None,
        "style": _STYLE,
        "layout": {"width": _WIDTH},
    }
    if secret:
        return _Field(name, "secret", widgets.Password(placeholder=tip, **common), None)
    if annotation is bool:
        return _Field(name, "flag", widgets.Checkbox(value=bool(default), **common), default)
    if typing.get_origin(annotation) is Literal:
        options = [(str(v), v) for v in typing.get_args(annotation)]
        if optional or default is None:
            options.insert(0, ("(not set)", _UNSET))  # None would show an empty box
        box = widgets.Dropdown(
            options=options, value=_UNSET if default is None else default, **common
        )
        return _Field(name, "choice", box, default)
    origin = typing.get_origin(annotation) or annotation
    if origin in (dict, list):
        hint = 'JSON, e.g. {"key": "value"}' if origin is dict else 'JSON, e.g. ["a"]'
        return _Field(name, "json", widgets.Text(placeholder=hint, **common), default)
    shown = f"default: {default}" if default not in (None, "") else tip
    return _Field(name, "text", widgets.Text(placeholder=shown, **common), default)
