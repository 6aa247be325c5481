"""A form generated from an action's JSON Schema: one input widget per argument.

Each property of the schema (by its key, the name a call uses) becomes a field:

- ``enum``: a Dropdown, with a blank choice unless there is a default;
- ``writeOnly``, format ``password`` or a name like password / token / secret: a Password
  box; the value entered is kept in the kernel (registered for redaction), never left in
  the widget's state;
- format ``binary``, ``contentEncoding``: a FileUpload;
- a string: Text (Textarea for long text such as ``sql`` or ``body``); format ``date``: a
  DatePicker; format ``date-time``: Text checked as ISO 8601;
- an integer or number with a default: IntText / FloatText (Bounded... with limits);
  without a default: Text checked as a number, so that it can be left empty;
- a boolean: a Checkbox; an optional one with no default: a true / false / blank Dropdown;
- an object, an array or anything else: a Textarea holding JSON, parsed on read.

``$ref`` / ``$defs``, ``allOf`` of one schema and ``anyOf`` / ``oneOf`` with ``null`` (an
optional value) are followed. Required fields carry `` *`` in their label; each field's
``description`` (or ``title``) from the schema or the API spec is shown under it as help
text (the first :data:`HELP_CHARS` characters; the whole of it as the tooltip). When the
schema allows more properties (an action taking ``**kwargs``) a JSON field named ``**``
takes them as an object.

Example:
    >>> form = ActionForm({"properties": {"sql": {"type": "string"},
    ...                                   "limit": {"type": "integer", "default": 10}},
    ...                    "required": ["sql"]})
    >>> form.set_values(sql="select 1", limit=5)
    >>> form.values()
    {'sql': 'select 1', 'limit': 5}
    >>> form.fields["sql"].description
    'sql *'
    >>> help_html("Requires scope: `chat:write`. See [below](#scopes).")
    'Requires scope: <code>chat:write</code>. See below.'
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import json
import re
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
import traitlets

from workbench.errors import ActionArgumentError
from workbench.redaction import looks_secret, redact, register_secret

EXTRA = "**"
"""The key of the field holding extra keyword arguments (a JSON object)."""

_EMPTY: Any = object()  # what a field reads when nothing was entered
_LONG_TEXT = {"sql", "query", "body", "text", "content", "message", "script", "statement"}
_STYLE = {"description_width": "12em"}  # field errors are indented to match
_LAYOUT = {"width": "40em", "max_width": "100%"}
_BELOW = {"margin": "0 0 2px 12.5em", "max_width": "28em"}
_HELP_STYLE = (
    "color:var(--jp-ui-font-color2, inherit);font-size:var(--jp-ui-font-size0, 0.85em);"
    "line-height:1.3;display:block"
)
HELP_CHARS = 240
"""Characters of a field's description shown under it."""
_CODE = re.compile(r"``?([^`]+)``?")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")


class FormError(ActionArgumentError):
    """Form input that cannot be read; ``errors`` maps each field to what is wrong.

    Example:
        >>> str(FormError({"limit": "expected an integer, got 'ten'"}))
        "field 'limit': expected an integer, got 'ten'"
    """

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(_problem(name, msg) for name, msg in self.errors.items()))


def _problem(name: str, message: str) -> str:
    return f"field {name!r} {message}" if message == "is required" else f"field {name!r}: {message}"


class ActionForm(widgets.VBox):
    """Input widgets for the properties of a JSON Schema, read back as call arguments.

    ``fields`` maps each name to its input widget; :meth:`values` reads the arguments,
    :meth:`set_values` fills them from Python, :meth:`show_errors` marks fields.
    """

    def __init__(self, schema: Mapping[str, Any], **kwargs: Any) -> None:
        self.schema = schema
        required = set(schema.get("required", ()))
        self._fields: dict[str, _Field] = {}
        for name, prop in (schema.get("properties") or {}).items():
            self._fields[name] = _field(name, resolve(prop, schema)[0], name in required)
        if schema.get("additionalProperties") is True:
            more = {"type": "object", "description": "more keyword arguments, as a JSON object"}
            self._fields[EXTRA] = _JsonField(EXTRA, more, False)
        self.message = widgets.HTML(layout={"display": "none"})
        self.message.add_class("wb-form-error")
        boxes = [field.box for field in self._fields.values()]
        if not boxes:
            boxes = [widgets.HTML("<i>This action takes no input.</i>")]
        super().__init__([self.message, *boxes], **kwargs)
        self.add_class("wb-form")

    @property
    def fields(self) -> dict[str, Any]:
        """The input widget of each field, by name."""
        return {name: field.widget for name, field in self._fields.items()}

    @property
    def help(self) -> dict[str, str]:
        """The help shown under each field that has a description (as HTML), by name."""
        return {name: field.help_text for name, field in self._fields.items() if field.help_text}

    @property
    def secret_fields(self) -> list[str]:
        """The names of the fields that take a secret (password boxes)."""
        return [name for name, field in self._fields.items() if isinstance(field, _SecretField)]

    @property
    def required(self) -> list[str]:
        """The names of the required fields."""
        return [name for name, field in self._fields.items() if field.required]

    def __repr__(self) -> str:
        return f"<ActionForm {', '.join(self._fields) or 'without fields'}>"

    def values(self) -> dict[str, Any]:
        """The arguments entered; optional fields left empty (or at their default) are left out.

        Raises :class:`FormError` naming every field that is missing or cannot be read.
        """
        out: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for name, field in self._fields.items():
            try:
                value = field.read()
            except ValueError as exc:
                errors[name] = redact(str(exc))
                continue
            if value is _EMPTY:
                if field.required:
                    errors[name] = "is required"
            elif name == EXTRA:
                out.update(value)
            elif field.required or "default" not in field.schema or value != field.default:
                out[name] = value
        if errors:
            raise FormError(errors)
        return out

    def set_values(self, **values: Any) -> None:
        """Fill fields from Python values (``None`` empties one); a bad value names its field."""
        errors: dict[str, str] = {}
        extra: dict[str, Any] = {}
        for name, value in values.items():
            field = self._fields.get(name)
            if field is None and EXTRA in self._fields:
                extra[name] = value
                continue
            if field is None:
                known = ", ".join(repr(n) for n in self._fields) or "none"
                errors[name] = f"no such field (fields: {known})"
                continue
            try:
                field.write(value)
            except (ValueError, TypeError, traitlets.TraitError) as exc:
                errors[name] = redact(str(exc))
        if extra:
            try:
                before = self._fields[EXTRA].read()
            except ValueError:  # unreadable text: replaced
                before = _EMPTY
            self._fields[EXTRA].write({**({} if before is _EMPTY else before), **extra})
        if errors:
            raise FormError(errors)

    def show_errors(self, errors: Mapping[str, str]) -> None:
        """Show each message under its field (others above the form); clear the rest."""
        stray = []
        for name, field in self._fields.items():
            field.show_error(errors.get(name))
        for name, message in errors.items():
            if name not in self._fields:
                stray.append(_problem(name, message))
        self.message.value = _error_html("; ".join(stray)) if stray else ""
        self.message.layout.display = None if stray else "none"

    def clear_errors(self) -> None:
        """Remove every error shown."""
        self.show_errors({})


def resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """``schema`` with ``$ref``, ``allOf`` and a nullable ``anyOf`` followed; and nullable.

    A choice among several kinds of value is left with no ``type`` (a JSON field).

    Example:
        >>> root = {"$defs": {"Size": {"enum": ["S", "M"]}}}
        >>> resolve({"anyOf": [{"$ref": "#/$defs/Size"}, {"type": "null"}], "default": "S"}, root)
        ({'default': 'S', 'enum': ['S', 'M']}, True)
    """
    from workbench.openapi.schemas import flatten, node_at, options, types_of

    def lookup(ref: str) -> Mapping[str, Any]:
        node = node_at(root, ref) if ref.startswith("#") else None  # other documents: unknown
        return node if isinstance(node, Mapping) else {}

    out = dict(flatten(schema, lookup))
    nullable = False
    choice = options(out, lookup)
    if choice is not None:
        members, nullable = choice
        rest = {k: v for k, v in out.items() if k not in ("anyOf", "oneOf")}
        flat = [dict(flatten(m, lookup)) for m in members]
        kinds = {tuple(types_of(m)[0]) for m in flat}
        out = {**flat[0], **rest} if len(kinds) == 1 else {**rest, "type": None}
    kinds_found, null_type = types_of(out)
    out.pop("nullable", None)
    if isinstance(out.get("type"), list):
        out["type"] = kinds_found[0] if len(kinds_found) == 1 else None
    return out, nullable or null_type


def _field(name: str, schema: dict[str, Any], required: bool) -> _Field:
    kind, fmt = schema.get("type"), schema.get("format")
    if fmt == "binary" or "contentEncoding" in schema or "contentMediaType" in schema:
        return _FileField(name, schema, required)
    if "enum" in schema:
        return _ChoiceField(name, schema, required)
    secret = schema.get("writeOnly") or fmt == "password" or looks_secret(name)
    if secret and kind in ("string", None):
        return _SecretField(name, schema, required)
    if kind == "string" and fmt == "date":
        return _DateField(name, schema, required)
    if kind == "string":
        return _TextField(name, schema, required)
    if kind in ("integer", "number"):
        return _NumberField(name, schema, required)
    if kind == "boolean" and (required or isinstance(schema.get("default"), bool)):
        return _BoolField(name, schema, required)
    if kind == "boolean":
        return _ChoiceField(name, {**schema, "enum": [True, False]}, required)
    return _JsonField(name, schema, required)


class _Field:
    """One argument: its schema, its input widget, and a line for its error."""

    def __init__(self, name: str, schema: dict[str, Any], required: bool) -> None:
        self.name, self.schema, self.required = name, schema, required
        self.default = schema.get("default")
        label = name if name != EXTRA else "more arguments"
        help_text = str(schema.get("description") or schema.get("title") or "")
        self.widget = self.make(
            description=f"{label} *" if required else label,
            tooltip=help_text or None,
            style=_STYLE,
            layout=_LAYOUT,
        )
        if self.default is not None:
            with contextlib.suppress(ValueError, TypeError, traitlets.TraitError):
                self.write(self.default)  # a default the schema itself does not allow: none
        self.help_text = help_html(help_text)
        self.help = widgets.HTML(
            f"<span style='{_HELP_STYLE}'>{self.help_text}</span>" if help_text else "",
            layout={"display": None if help_text else "none", **_BELOW},
        )
        self.help.add_class("wb-field-help")
        self.error = widgets.HTML(layout={"display": "none", **_BELOW})
        self.error.add_class("wb-field-error")
        self.box = widgets.VBox([self.widget, self.error, self.help])
        self.box.add_class("wb-field")
        self.box.add_class(
            "wb-field-" + (re.sub(r"[^A-Za-z0-9_-]", "-", name).strip("-") or "extra")
        )

    def make(self, **options: Any) -> Any:
        return widgets.Text(**options)

    def read(self) -> Any:
        value = self.widget.value
        return _EMPTY if value in ("", None) else value

    def write(self, value: Any) -> None:
        self.widget.value = value

    def show_error(self, message: str | None) -> None:
        self.error.value = _error_html(message) if message else ""
        self.error.layout.display = None if message else "none"


class _TextField(_Field):
    def make(self, **options: Any) -> Any:
        if self.schema.get("format") == "date-time":
            return widgets.Text(placeholder="2024-05-01T12:00:00Z", **options)
        long = self.name.lower() in _LONG_TEXT or self.schema.get("maxLength", 0) > 200
        return widgets.Textarea(rows=4, **options) if long else widgets.Text(**options)

    def read(self) -> Any:
        value = super().read()
        if value is not _EMPTY and self.schema.get("format") == "date-time":
            try:
                dt.datetime.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(f"expected a date and time (ISO 8601), got {value!r}") from None
            return value.strip()
        return value

    def write(self, value: Any) -> None:
        if isinstance(value, dt.date):
            value = value.isoformat()
        if value is not None and not isinstance(value, str):
            raise TypeError(f"expected text, got {type(value).__name__}")
        self.widget.value = value or ""


class _SecretField(_Field):
    """A password box; the value entered moves into the kernel, out of the widget's state."""

    kept: str | None = None

    def make(self, **options: Any) -> Any:
        return widgets.Password(**options)

    def read(self) -> Any:
        if self.widget.value:
            self.write(self.widget.value)
        return _EMPTY if self.kept is None else self.kept

    def write(self, value: Any) -> None:
        if value is not None and not isinstance(value, str):
            raise TypeError(f"expected text, got {type(value).__name__}")
        self.kept = value or None
        if value:
            register_secret(value)
        self.widget.value = ""
        self.widget.placeholder = "•••••• entered (type to replace)" if value else ""


class _DateField(_Field):
    def make(self, **options: Any) -> Any:
        return widgets.DatePicker(**options)

    def read(self) -> Any:
        value = self.widget.value
        return _EMPTY if value is None else value.isoformat()

    def write(self, value: Any) -> None:
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"expected a date (YYYY-MM-DD), got {value!r}") from None
        if isinstance(value, dt.datetime):
            value = value.date()
        self.widget.value = value


class _NumberField(_Field):
    """A number box (bounded where the schema sets limits); with no default, typed text."""

    def make(self, **options: Any) -> Any:
        integer = self.schema.get("type") == "integer"
        default = self.schema.get("default")
        if not isinstance(default, int | float) or isinstance(default, bool):
            return widgets.Text(placeholder=str(self.schema.get("type")), **options)
        low, high = _bounds(self.schema, integer)
        if low is None and high is None:
            return (widgets.IntText if integer else widgets.FloatText)(**options)
        cls = widgets.BoundedIntText if integer else widgets.BoundedFloatText
        big = 2**53 if integer else 1e300  # JSON has no infinity
        return cls(min=-big if low is None else low, max=big if high is None else high, **options)

    def read(self) -> Any:
        value = self.widget.value
        if not isinstance(value, str):
            return value
        return _number(value.strip(), self.schema) if value.strip() else _EMPTY

    def write(self, value: Any) -> None:
        number = None if value is None else _number(value, self.schema)
        textual = isinstance(self.widget, widgets.Text)
        self.widget.value = ("" if number is None else str(number)) if textual else number


class _BoolField(_Field):
    def make(self, **options: Any) -> Any:
        return widgets.Checkbox(indent=True, **options)

    def read(self) -> Any:
        return bool(self.widget.value)

    def write(self, value: Any) -> None:
        if not isinstance(value, bool):
            raise TypeError(f"expected True or False, got {value!r}")
        self.widget.value = value


class _ChoiceField(_Field):
    def make(self, **options: Any) -> Any:
        choices = [
            (str(v) if not isinstance(v, bool) else str(v).lower(), v) for v in self.schema["enum"]
        ]
        blank = (
            [] if self.default is not None and self.default in self.schema["enum"] else [("", None)]
        )
        return widgets.Dropdown(options=blank + choices, **options)

    def write(self, value: Any) -> None:
        if value is not None and value not in self.schema["enum"]:
            raise ValueError(f"expected one of {self.schema['enum']!r}, got {value!r}")
        self.widget.value = value


class _JsonField(_Field):
    """A Textarea holding JSON, parsed (and checked against the schema's type) on read."""

    def make(self, **options: Any) -> Any:
        hint = {"object": '{"key": "value"}', "array": '["a", "b"]'}.get(
            str(self.schema.get("type")), "JSON"
        )
        return widgets.Textarea(rows=3, placeholder=hint, **options)

    def read(self) -> Any:
        text = self.widget.value.strip()
        if not text:
            return _EMPTY
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON ({exc})") from None
        kind = self.schema.get("type")
        if kind == "object" and not isinstance(value, dict):
            raise ValueError(f"expected a JSON object, got {type(value).__name__}")
        if kind == "array" and not isinstance(value, list):
            raise ValueError(f"expected a JSON array, got {type(value).__name__}")
        return value

    def write(self, value: Any) -> None:
        self.widget.value = (
            "" if value is None else json.dumps(value, ensure_ascii=False, default=str)
        )


class _FileField(_Field):
    """A file upload; bytes given from Python are kept in the kernel, not sent to the page."""

    given: bytes | None = None

    def make(self, **options: Any) -> Any:
        options.pop("style")
        return widgets.FileUpload(multiple=False, **options)

    def read(self) -> Any:
        if self.widget.value:
            return bytes(self.widget.value[-1]["content"])
        return _EMPTY if self.given is None else self.given

    def write(self, value: Any) -> None:
        if value is not None and not isinstance(value, bytes | bytearray | memoryview):
            raise TypeError(f"expected bytes, got {type(value).__name__}")
        self.given = None if value is None else bytes(value)
        self.widget.value = ()
        self.widget.description = f"{len(self.given):,} bytes" if self.given else self.name


def _bounds(schema: Mapping[str, Any], integer: bool) -> tuple[float | None, float | None]:
    low, high = schema.get("minimum"), schema.get("maximum")
    above, below = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    step = 1 if integer else 0  # a number's exclusive limit is kept as an inclusive one
    if isinstance(above, int | float) and not isinstance(above, bool):
        low = above + step
    if isinstance(below, int | float) and not isinstance(below, bool):
        high = below - step
    return low, high


def _number(value: Any, schema: Mapping[str, Any]) -> int | float:
    """``value`` as the schema's integer or number, within its limits; else ValueError."""
    integer = schema.get("type") == "integer"
    kind = "an integer" if integer else "a number"
    try:
        if isinstance(value, bool):
            raise ValueError
        number = int(value) if integer and not isinstance(value, float) else float(value)
        if integer and number != int(number):
            raise ValueError
        number = int(number) if integer else number
    except (TypeError, ValueError):
        raise ValueError(f"expected {kind}, got {value!r}") from None
    low, high = _bounds(schema, integer)
    if (low is not None and number < low) or (high is not None and number > high):
        span = f"from {low} to {high}" if None not in (low, high) else ""
        span = span or (f"of at least {low}" if low is not None else f"of at most {high}")
        raise ValueError(f"expected {kind} {span}, got {number!r}")
    return number


def help_html(text: str) -> str:
    """A description as one short line of help: Markdown or reST code kept, links as text.

    Example:
        >>> help_html("with ``:name`` placeholders")
        'with <code>:name</code> placeholders'
        >>> long = help_html("<b>" + "word " * 60)
        >>> long[:13], long.endswith("word…"), help_html("a < b")
        ('&lt;b&gt;word', True, 'a &lt; b')
    """
    line = " ".join(_LINK.sub(r"\1", redact(text)).split())
    if len(line) > HELP_CHARS:
        line = line[:HELP_CHARS].rsplit(" ", 1)[0].rstrip() + "…"  # at a word's end
    return _CODE.sub(r"<code>\1</code>", html.escape(line, quote=False))


def _error_html(message: str) -> str:
    text = html.escape(redact(message))
    return f"<span style='color:var(--jp-error-color1, inherit)'>{text}</span>"
