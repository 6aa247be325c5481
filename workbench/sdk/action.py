"""Actions: connector methods whose signature becomes a typed, validated input model."""

from __future__ import annotations

import functools
import inspect
import re
import typing
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError, create_model
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import PydanticOmit, core_schema

from workbench.errors import ActionArgumentError
from workbench.redaction import redact
from workbench.results import Result

if TYPE_CHECKING:
    from workbench.sdk.connector import Connector

P = ParamSpec("P")
C = TypeVar("C", bound="Connector")

_RESERVED = set(dir(BaseModel))
_ARGS_SECTION = re.compile(r"^\s*(Args|Arguments|Parameters):\s*$")
_ARG_LINE = re.compile(r"^\s+(\*{0,2}\w+)(?:\s*\([^)]*\))?:\s*(.+)$")


class ActionSpec:
    """What Workbench knows about one action: name, docs, input and output models.

    The models are built on first use, so a connector with hundreds of actions imports fast.
    ``signature``, ``parameters`` and the models are cached properties: a subclass may
    compute them lazily (generated connectors do, from an API description).
    """

    kind = "action"

    def __init__(self, function: Callable[..., Any], name: str | None = None) -> None:
        self.function = function
        self.name = name or function.__name__
        self.doc = inspect.cleandoc(function.__doc__ or "")
        self.summary = self.doc.split("\n\n", 1)[0].replace("\n", " ").strip()
        self.parameters  # noqa: B018 - checked now, so a bad signature fails where it is written

    @cached_property
    def signature(self) -> inspect.Signature:
        """The function's signature, with ``self``."""
        return _signature(self.function)

    @cached_property
    def parameters(self) -> list[inspect.Parameter]:
        """The inputs: the signature without ``self``."""
        params = list(self.signature.parameters.values())[1:]
        for p in params:
            if p.kind is inspect.Parameter.VAR_POSITIONAL:
                raise TypeError(f"{self.kind} {self.name!r} cannot take *{p.name}; name the inputs")
        return params

    @cached_property
    def accepts_extra(self) -> bool:
        """True when the signature takes ``**kwargs``."""
        return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in self.parameters)

    def __repr__(self) -> str:
        return f"<{self.kind} {self.name}{self.public_signature}>"

    def inputs_text(self) -> str:
        """The inputs as one line (``sql: str, **params: Any``), for tables of actions."""
        return ", ".join(str(p) for p in self.parameters)

    @cached_property
    def public_signature(self) -> inspect.Signature:
        """The signature users call, without ``self`` and returning a :class:`Result`."""
        return self.signature.replace(parameters=self.parameters, return_annotation=Result)

    @cached_property
    def input_model(self) -> type[BaseModel]:
        """A pydantic model of the inputs; its JSON Schema drives generated forms."""
        hints = _type_hints(self.function)
        descriptions = _arg_descriptions(self.doc)
        fields: dict[str, Any] = {}
        for p in self.parameters:
            if p.kind is inspect.Parameter.VAR_KEYWORD:
                continue
            annotation = hints.get(p.name, Any)
            default = ... if p.default is inspect.Parameter.empty else p.default
            safe = f"{p.name}_" if p.name in _RESERVED or p.name.startswith("model_") else p.name
            fields[safe] = (
                annotation,
                Field(default, alias=p.name, description=descriptions.get(p.name)),
            )
        config = ConfigDict(
            extra="allow" if self.accepts_extra else "forbid",
            arbitrary_types_allowed=True,
            populate_by_name=True,
            title=self.name,
        )
        model_name = "".join(part.title() for part in self.name.split("_")) + "Input"
        model: type[BaseModel] = create_model(model_name, __config__=config, **fields)
        model.__doc__ = self.summary or None
        return model

    @cached_property
    def output_model(self) -> type[BaseModel] | None:
        """A pydantic model of the data the action returns, where its signature says."""
        annotation = _type_hints(self.function).get("return", Any)
        if annotation in (Any, Result, None, type(None)) or annotation is inspect.Signature.empty:
            return None
        model_name = "".join(part.title() for part in self.name.split("_")) + "Output"
        return create_model(model_name, __base__=RootModel[annotation])  # type: ignore[valid-type]

    def input_schema(self) -> dict[str, Any]:
        """The input model's JSON Schema; inputs with no JSON form (a DataFrame) are open."""
        return self.input_model.model_json_schema(schema_generator=_LenientSchema)

    def output_schema(self) -> dict[str, Any] | None:
        """The output model's JSON Schema, or None when the action declares no output type."""
        model = self.output_model
        return None if model is None else model.model_json_schema(schema_generator=_LenientSchema)

    def bind(
        self, label: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[list[Any], dict[str, Any]]:
        """Validate a call's arguments; return what to call the function with.

        Raises :class:`ActionArgumentError` naming the field, what was expected and what
        was given.
        """
        if not (args or kwargs or self.parameters):
            return self._arguments(self._no_input)
        try:
            bound = self.public_signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise ActionArgumentError(
                f"{label}: {exc}; expected {self.name}{self.public_signature}"
            ) from None
        values: dict[str, Any] = {}
        for name, value in bound.arguments.items():
            kind = self.signature.parameters[name].kind
            if kind is inspect.Parameter.VAR_KEYWORD:
                values.update(value)
            else:
                values[name] = value
        try:
            model = self.input_model.model_validate(values)
        except ValidationError as exc:
            raise ActionArgumentError(_describe(label, exc)) from None
        return self._arguments(model)

    @cached_property
    def _no_input(self) -> BaseModel:
        """The input of an action that takes none, built once."""
        return self.input_model()

    @cached_property
    def _attributes(self) -> dict[str, str]:
        """Each input's attribute name on the input model (inputs may be aliased)."""
        return {f.alias or n: n for n, f in self.input_model.model_fields.items()}

    def _arguments(self, model: BaseModel) -> tuple[list[Any], dict[str, Any]]:
        positional: list[Any] = []
        keywords: dict[str, Any] = {}
        aliases = self._attributes
        for p in self.parameters:
            if p.kind is inspect.Parameter.VAR_KEYWORD:
                keywords.update(model.model_extra or {})
            elif p.kind is inspect.Parameter.POSITIONAL_ONLY:
                positional.append(getattr(model, aliases[p.name]))
            else:
                keywords[p.name] = getattr(model, aliases[p.name])
        return positional, keywords


def action(
    function: Callable[Concatenate[C, P], Any] | None = None, *, name: str | None = None
) -> Any:
    """Mark a connector method as an action.

    Calls are validated against the signature, timed, recorded in ``wb.history()`` and
    returned as a :class:`~workbench.Result`; driver errors become ``ActionError``.

    Example:
        >>> from workbench.sdk import Connector, action
        >>> class Echo(Connector):
        ...     name = "echo"
        ...     library = True
        ...     @action
        ...     def say(self, text: str, times: int = 1) -> list[str]:
        ...         "Repeat a text."
        ...         return [text] * times
        >>> Echo().say("hi", times=2).data
        ['hi', 'hi']
    """

    def decorate(fn: Callable[Concatenate[C, P], Any]) -> Callable[Concatenate[C, P], Result]:
        spec = ActionSpec(fn, name)

        @functools.wraps(fn)
        def call(self: C, /, *args: P.args, **kwargs: P.kwargs) -> Result:
            return self._run_action(spec, args, kwargs)

        call.__signature__ = spec.signature.replace(return_annotation=Result)  # type: ignore[attr-defined]
        call.__workbench_spec__ = spec  # type: ignore[attr-defined]
        return call

    return decorate if function is None else decorate(function)


def spec_of(member: Any) -> ActionSpec | None:
    """The spec behind an ``@action`` or ``@trigger`` method, if ``member`` is one."""
    spec = getattr(member, "__workbench_spec__", None)
    return spec if isinstance(spec, ActionSpec) else None


def _signature(function: Callable[..., Any]) -> inspect.Signature:
    """The signature with string annotations evaluated where they can be."""
    try:
        return inspect.signature(function, eval_str=True)
    except Exception:  # a name only imported for type checking, or defined later
        return inspect.signature(function)


def _type_hints(function: Callable[..., Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(function, include_extras=True)
    except Exception:  # an annotation names something only imported for type checking
        hints: dict[str, Any] = {}
        for key, raw in function.__annotations__.items():
            try:
                hints[key] = typing.get_type_hints(
                    _Holder(key, raw), globalns=function.__globals__, include_extras=True
                )[key]
            except Exception:
                hints[key] = Any
        return hints


class _Holder:
    def __init__(self, key: str, annotation: Any) -> None:
        self.__annotations__ = {key: annotation}


def _arg_descriptions(doc: str) -> dict[str, str]:
    """Google-style ``Args:`` entries of a docstring, by argument name."""
    out: dict[str, str] = {}
    inside = False
    for line in doc.splitlines():
        if _ARGS_SECTION.match(line):
            inside = True
            continue
        if inside:
            match = _ARG_LINE.match(line)
            if match:
                out[match.group(1).lstrip("*")] = match.group(2).strip()
            elif line.strip() and not line.startswith((" ", "\t")):
                inside = False
    return out


def _describe(label: str, exc: ValidationError) -> str:
    problems = []
    for err in exc.errors(include_url=False):
        field = ".".join(str(part) for part in err["loc"]) or "arguments"
        kind = err["type"]
        if kind == "missing":
            problems.append(f"argument {field!r} is required")
        elif kind == "extra_forbidden":
            problems.append(f"unexpected argument {field!r}")
        else:
            expected = err["msg"].replace("Input should be ", "expected ")
            given = redact(repr(err.get("input")))
            if len(given) > 80:
                given = given[:77] + "..."
            problems.append(f"argument {field!r}: {expected}, got {given}")
    return f"{label}: " + "; ".join(problems)


class _LenientSchema(GenerateJsonSchema):
    """JSON Schema generation that leaves un-schemable inputs (a DataFrame) open."""

    def handle_invalid_for_json_schema(
        self, schema: core_schema.CoreSchema, error_info: str
    ) -> JsonSchemaValue:
        return {}

    def callable_schema(self, schema: core_schema.CallableSchema) -> JsonSchemaValue:
        raise PydanticOmit
