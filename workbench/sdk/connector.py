"""The Connector base class."""

from __future__ import annotations

import inspect
import logging
import os
from collections.abc import Mapping
from time import perf_counter
from typing import TYPE_CHECKING, Any, ClassVar, Self

from workbench.errors import ActionError, WorkbenchError
from workbench.redaction import get_logger, redact
from workbench.results import Result
from workbench.sdk.action import ActionSpec, spec_of
from workbench.sdk.calls import collect_requests, record_call, tell_arguments, watching
from workbench.sdk.config import ConnectionConfig
from workbench.sdk.trigger import Sink, TriggerSpec

if TYPE_CHECKING:
    import pandas as pd

log = get_logger(__name__)


class Connector:
    """Exposes one service (or one library) as typed actions and triggers.

    Subclass it, set ``name`` (the catalog name) and ``config_model`` (the connection's
    settings), and decorate methods with ``@action`` or ``@trigger``. An instance is bound
    to one connection; ``wb.connect(name)`` builds it from workbench.toml. A *library*
    connector (``library = True``) needs no connection at all.

    Example:
        >>> from workbench.sdk import Connector, action
        >>> class Greeter(Connector):
        ...     "Says hello."
        ...     name = "greeter"
        ...     library = True
        ...     @action
        ...     def hello(self, who: str = "world") -> str:
        ...         "Greet someone."
        ...         return f"hello {who}"
        >>> Greeter().hello(who="ada").data
        'hello ada'
        >>> sorted(Greeter.action_specs)
        ['hello']
    """

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    category: ClassVar[str] = "other"
    description: ClassVar[str] = ""
    auth_kinds: ClassVar[tuple[str, ...]] = ()
    library: ClassVar[bool] = False
    config_model: ClassVar[type[ConnectionConfig]] = ConnectionConfig
    action_specs: ClassVar[dict[str, ActionSpec]] = {}
    trigger_specs: ClassVar[dict[str, TriggerSpec]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        actions: dict[str, ActionSpec] = {}
        triggers: dict[str, TriggerSpec] = {}
        for klass in reversed(cls.__mro__):
            for member in vars(klass).values():
                spec = spec_of(member)
                if isinstance(spec, TriggerSpec):
                    triggers[spec.name] = spec
                elif spec is not None:
                    actions[spec.name] = spec
        cls.action_specs = actions
        cls.trigger_specs = triggers
        own = vars(cls)  # a class's own title and description, never its base's
        if "title" not in own:
            cls.title = cls.name.replace("_", " ").title() if cls.name else cls.__name__
        if "description" not in own:
            doc = inspect.cleandoc(own.get("__doc__") or "")
            cls.description = doc.split("\n\n", 1)[0].replace("\n", " ")

    def __init__(self, config: ConnectionConfig | None = None, *, connection: str | None = None):
        self.config = config if config is not None else self.config_model()
        self.connection = connection or self.name or type(self).__name__.lower()
        self.trigger_state: dict[str, Any] = {}
        """A trigger's marker: loaded before it starts, saved with each batch it yields."""
        self.trigger_sink: Sink | None = None
        """Stores a trigger's batch at once, while a reader runs it to the end (see
        :mod:`workbench.sdk.trigger`)."""

    @classmethod
    def presets(cls) -> dict[str, dict[str, Any]]:
        """Connections this connector provides out of the box, by name (fields as in TOML)."""
        return {}

    @classmethod
    def unconfigured_defaults(cls) -> dict[str, Any]:
        """Fields ``wb.connect(name)`` uses when no connection has the connector's name.

        A connector generated from an API description returns ``{"mode": "sandbox"}``, so
        it can be tried before any configuration (or credential) is written.
        """
        return {}

    @classmethod
    def from_openapi(
        cls, source: str | os.PathLike[str] | Mapping[str, Any], *, name: str | None = None
    ) -> type[Connector]:
        """A connector class generated from an OpenAPI 3.x or Swagger 2.0 description.

        ``source`` is a path, an http(s) URL or a parsed document; the class is registered
        as ``name``, so ``wb.connect(name)`` finds it (in the sandbox until a connection
        of that name exists). Every supported operation is an action.

        Example:
            >>> import workbench as wb
            >>> Pets = wb.Connector.from_openapi({"openapi": "3.0.3",
            ...     "info": {"title": "Pets", "version": "1"},
            ...     "paths": {"/pets": {"get": {"operationId": "listPets",
            ...                                 "responses": {"200": {"description": "ok"}}}}}},
            ...     name="pets_example")
            >>> sorted(Pets.action_specs)
            ['list_pets']
        """
        from workbench.registry import importer, register

        return register(importer("openapi").from_source(source, name=name))

    def check(self) -> str:
        """Test the connection; return a short description of what answered.

        Connectors override this to open a real connection and report the server version;
        a failure raises :class:`~workbench.errors.ConnectionFailedError` with the reason.
        """
        return "ok"

    def close(self) -> None:
        """Release whatever the connection holds open (sockets, files, clients)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def actions(self) -> pd.DataFrame:
        """A table of this connector's actions: name, one-line doc, inputs."""
        import pandas as pd

        rows = [
            {
                "action": spec.name,
                "summary": spec.summary,
                "inputs": spec.inputs_text(),
            }
            for spec in self.action_specs.values()
        ]
        return pd.DataFrame(rows, columns=["action", "summary", "inputs"])

    @property
    def triggers(self) -> pd.DataFrame:
        """A table of this connector's triggers: name, one-line doc, inputs."""
        import pandas as pd

        rows = [
            {"trigger": s.name, "summary": s.summary, "inputs": s.inputs_text()}
            for s in self.trigger_specs.values()
        ]
        return pd.DataFrame(rows, columns=["trigger", "summary", "inputs"])

    def __repr__(self) -> str:
        count = len(self.action_specs)
        return f"<{self.title} connection {self.connection!r}: {count} action{'s' * (count != 1)}>"

    def _run_action(
        self, spec: ActionSpec, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Result:
        with collect_requests(self.connection, spec.name):  # HTTP requests join this call
            return self._call_action(spec, args, kwargs)

    def _call_action(
        self, spec: ActionSpec, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Result:
        label = f"{self.connection}.{spec.name}"
        positional, keywords = spec.bind(label, args, kwargs)
        if watching():
            tell_arguments(self.connection, spec.name, _named(spec, positional, keywords))
        log.debug("%s called with %r %r", label, positional, keywords)
        started = perf_counter()
        try:
            out = spec.function(self, *positional, **keywords)
        except WorkbenchError as exc:
            self._record(spec, started, error=exc)
            raise
        except Exception as exc:
            self._record(spec, started, error=exc)
            message = redact(f"{label} failed: {type(exc).__name__}: {exc}")
            error = ActionError(message)
            error.original = exc  # type: ignore[attr-defined]
            if redact(str(exc)) == str(exc):
                raise error from exc
            raise error from None
        result = out if isinstance(out, Result) else Result(out)
        result.connection, result.action = self.connection, spec.name
        result.elapsed = perf_counter() - started
        self._record(spec, started, result=result)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s returned %d rows in %.1f ms", label, result.rows, result.elapsed * 1000)
        return result

    def _record(
        self,
        spec: ActionSpec,
        started: float,
        *,
        result: Result | None = None,
        error: BaseException | None = None,
    ) -> None:
        record_call(
            self.connection,
            spec.name,
            status="error" if error else "ok",
            ms=(perf_counter() - started) * 1000,
            rows=result.rows if result is not None else None,
            error=f"{type(error).__name__}: {error}" if error else None,
        )


def _named(spec: ActionSpec, positional: list[Any], keywords: dict[str, Any]) -> dict[str, Any]:
    """A call's arguments by name (positional-only ones named after their parameters)."""
    names = [p.name for p in spec.parameters if p.kind is inspect.Parameter.POSITIONAL_ONLY]
    return {**dict(zip(names, positional, strict=False)), **keywords}
