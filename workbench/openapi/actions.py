"""The actions of a generated connector: one per operation, typed and documented lazily.

Creating a connector class only creates one small :class:`OperationMethod` per operation;
the signature, the types and the input model of an action are built the first time it is
used (called, inspected, or listed), so a spec with hundreds of operations imports fast.
"""

from __future__ import annotations

import inspect
import re
import types
from functools import cached_property
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from workbench.openapi.arguments import Argument, plan
from workbench.openapi.models import TypeBuilder, field_name
from workbench.openapi.records import find_records
from workbench.openapi.schemas import flatten, inline
from workbench.results import Result
from workbench.sdk.action import ActionSpec

if TYPE_CHECKING:
    from workbench.openapi.model import ApiSpec, Operation

_TAGS = re.compile(r"<[^>]+>")  # descriptions written in HTML (Stripe's)
MAX_ITEMS = "max_items"
"""The extra argument of a paginated action: stop after this many records."""
RECORDS = "records"
"""The extra argument of every action: the dotted path to the records in the answer."""
RAW = "raw"
"""The extra argument of every action: True returns the answer's body whole."""


class OperationSpec(ActionSpec):
    """What Workbench knows about the action of one operation; built lazily.

    ``ActionSpec.__init__`` is not called: its signature comes from the operation, not
    from a function. Calls go to the connector's ``_call_operation`` with the validated
    input model.
    """

    def __init__(self, operation: Operation, api: ApiSpec, types: TypeBuilder, name: str) -> None:
        self.operation = operation
        self.api = api
        self.types = types
        self.name = name
        self.doc = operation.doc
        first = operation.summary or operation.description.split("\n\n", 1)[0]
        self.summary = " ".join(_TAGS.sub("", first).split())
        self.function = self._invoke

    def _invoke(self, connector: Any, model: BaseModel) -> Result:
        result: Result = connector._call_operation(self, model)
        return result

    @cached_property
    def arguments(self) -> list[Argument]:
        """The arguments, required ones first, and where each one is sent."""
        return plan(self.operation, self.api.resolve)

    @cached_property
    def annotations(self) -> dict[str, Any]:
        """The type of each argument (optional ones may also be None)."""
        out: dict[str, Any] = {}
        for arg in self.arguments:
            annotation = self.types.annotation(arg.schema, f"{self.name}_{arg.name}")
            out[arg.name] = annotation if arg.required or annotation is Any else annotation | None
        return out

    @cached_property
    def signature(self) -> inspect.Signature:
        """``(self, required..., *, optional=None...)``."""
        params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY)]
        for arg in self.arguments:
            kind: inspect._ParameterKind = inspect.Parameter.POSITIONAL_OR_KEYWORD
            default: Any = inspect.Parameter.empty
            if not arg.required:
                kind, default = inspect.Parameter.KEYWORD_ONLY, self._shown_default(arg)
            annotation = self.annotations[arg.name]
            params.append(inspect.Parameter(arg.name, kind, default=default, annotation=annotation))
        keyword = inspect.Parameter.KEYWORD_ONLY
        if self.paginated:
            params.append(
                inspect.Parameter(MAX_ITEMS, keyword, default=None, annotation=int | None)
            )
        options = self.options
        params.append(
            inspect.Parameter(options[RECORDS], keyword, default=None, annotation=str | None)
        )
        params.append(inspect.Parameter(options[RAW], keyword, default=False, annotation=bool))
        return inspect.Signature(params, return_annotation=Result)

    def _shown_default(self, arg: Argument) -> Any:
        """The default the signature shows for an optional argument: the schema's own
        (a manifest's ``default:``) when it is a plain value, else None. Either way an
        argument left out is not sent, and the API applies its default."""
        default = flatten(arg.schema, self.api.resolve).get("default")
        return default if isinstance(default, str | int | float | bool) else None

    @cached_property
    def options(self) -> dict[str, str]:
        """The keyword of each call option (``records``, ``raw``).

        An operation's own argument of the same name wins: the option is then reached
        with a leading underscore (``_records``, ``_raw``).
        """
        taken = {arg.name for arg in self.arguments} | {MAX_ITEMS}
        found: dict[str, str] = {}
        for option in (RECORDS, RAW):
            keyword = option
            while keyword in taken:
                keyword = "_" + keyword
            found[option] = keyword
        return found

    @cached_property
    def records(self) -> str | None:
        """Where the records are in the answer: the spec's selector, else the schema's.

        None keeps the body whole; ``""`` is the body itself (see
        :func:`~workbench.openapi.records.find_records`). Found on first use.
        """
        if self.operation.records:
            return self.operation.records
        success = self.operation.success()
        if success is None or not success.status.startswith("2"):
            return None
        media = (success.media_type or "application/json").split(";")[0].strip().lower()
        if not (media.endswith("json") or media == "*/*"):
            return None
        return find_records(success.schema, self.api.resolve)

    def call_options(self, values: dict[str, Any]) -> tuple[str | None, bool, bool]:
        """Take the call options out of ``values``: records, whether given, and raw."""
        options = self.options
        given = values.pop(options[RECORDS], None)
        raw = bool(values.pop(options[RAW], False))
        return (given if given is not None else self.records), given is not None, raw

    @cached_property
    def paginated(self) -> bool:
        """True when the operation declares pagination (and takes ``max_items``)."""
        taken = any(arg.name == MAX_ITEMS for arg in self.arguments)
        return bool(self.operation.pagination) and not taken

    @cached_property
    def accepts_extra(self) -> bool:
        return False

    def inputs_text(self) -> str:
        """The argument names, required ones first (no types: listing stays fast)."""
        names = [arg.name if arg.required else f"{arg.name}=None" for arg in self.arguments]
        return ", ".join(names + ([f"{MAX_ITEMS}=None"] if self.paginated else []))

    @cached_property
    def input_model(self) -> type[BaseModel]:
        """The input model: one field per argument (by its Python name), with descriptions."""
        fields: dict[str, Any] = {}
        used: set[str] = set()
        for arg in self.arguments:
            extra: dict[str, Any] = {}
            flat = flatten(arg.schema, self.api.resolve)
            if "default" in flat:
                extra["default"] = flat["default"]
            info = Field(
                ... if arg.required else None,
                alias=arg.name,
                description=arg.description or flat.get("description") or None,
                json_schema_extra=extra or None,
            )
            fields[field_name(arg.name, used)] = (self.annotations[arg.name], info)
        if self.paginated:
            described = Field(None, ge=0, description="Stop after this many records (all pages)")
            fields[MAX_ITEMS] = (int | None, described)
        records = Field(
            None,
            alias=self.options[RECORDS],
            description="Dotted path to the records in the answer (default: found from the spec)",
        )
        fields[field_name(self.options[RECORDS], used)] = (str | None, records)
        raw = Field(False, alias=self.options[RAW], description="Return the answer's body whole")
        fields[field_name(self.options[RAW], used)] = (bool, raw)
        config = ConfigDict(
            extra="forbid",
            populate_by_name=True,
            protected_namespaces=(),
            arbitrary_types_allowed=True,
            title=self.name,
        )
        model_name = "".join(part.title() for part in self.name.split("_")) + "Input"
        model: type[BaseModel] = create_model(model_name, __config__=config, **fields)
        model.__doc__ = self.summary or None
        return model

    @cached_property
    def output_model(self) -> type[BaseModel] | None:
        return None

    def output_schema(self) -> dict[str, Any] | None:
        """The JSON Schema of the success response (``$ref`` inlined, recursion cut)."""
        success = self.operation.success()
        if success is None or success.schema is None:
            return None
        return inline(success.schema, self.api.resolve)

    def _arguments(self, model: BaseModel) -> tuple[list[Any], dict[str, Any]]:
        return [model], {}

    def values(self, model: BaseModel) -> dict[str, Any]:
        """The arguments given (by name): unset optional ones left out, models as dicts.

        Files and other objects are kept as they are (a dump would turn a file into text).
        """
        fields = type(model).model_fields
        return {fields[n].alias or n: _plain(getattr(model, n)) for n in model.model_fields_set}


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(by_alias=True, exclude_unset=True)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class OperationMethod:
    """The method of one action on a generated connector class (a descriptor).

    Bound to a connector it is a method: ``help()``, ``inspect.signature`` and tab
    completion see the action's real signature and documentation.
    """

    def __init__(self, spec: OperationSpec, owner: str) -> None:
        self.__workbench_spec__ = spec
        self.__name__ = spec.name
        self.__qualname__ = f"{owner}.{spec.name}"
        self.__module__ = __name__
        operation = spec.operation
        where = f"{operation.method.upper()} {operation.path}"
        self.__doc__ = f"{spec.doc}\n\n{where}" if spec.doc else where

    @property
    def __signature__(self) -> inspect.Signature:
        return self.__workbench_spec__.signature

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        return self if instance is None else types.MethodType(self, instance)

    def __call__(self, connector: Any, /, *args: Any, **kwargs: Any) -> Result:
        result: Result = connector._run_action(self.__workbench_spec__, args, kwargs)
        return result

    def __repr__(self) -> str:
        return f"<action {self.__qualname__}>"
