"""Binding notebooks to sources, as ``wb trigger`` does: checked before anything is stored.

:func:`new_binding` checks every part of ``wb trigger add NOTEBOOK --on CONNECTION.TRIGGER
key=value ...``: the connection and its trigger exist, the keys that are inputs of the
trigger are valid for it (they configure the source), the other keys become filters, the
notebook can run (its parameters, and an ``event`` parameter to receive the event), and
the failure target can carry a message. :func:`setup_source` runs what a trigger needs
installed first (``@trigger(setup=...)``), :func:`export_bindings` and
:func:`import_bindings` move bindings between environments.

Example:
    >>> parse_on("shop.row_changed"), parse_pairs(["table=orders", "status=shipped"])
    (('shop', 'row_changed'), {'table': 'orders', 'status': 'shipped'})
    >>> parse_on("shop")
    Traceback (most recent call last):
    ...
    workbench.errors.ConfigError: --on 'shop': expected CONNECTION.TRIGGER, such as shop.row_changed
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from workbench.errors import ActionArgumentError, ConfigError, ParameterError
from workbench.jobs.run.store import RunStore
from workbench.sdk.trigger import as_text
from workbench.triggers.bindings import DEFAULT_BACKOFF, DEFAULT_RETRIES, Binding, BindingStore
from workbench.triggers.dispatch import EVENT_PARAMETER


def parse_on(text: str) -> tuple[str, str]:
    """``CONNECTION.TRIGGER`` split in two (a connection name may hold dots itself)."""
    connection, dot, trigger = str(text).strip().rpartition(".")
    if not dot or not connection or not trigger:
        raise ConfigError(f"--on {text!r}: expected CONNECTION.TRIGGER, such as shop.row_changed")
    return connection, trigger


def parse_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """``key=value`` words as a dict; a word without ``=`` is an error naming it."""
    found: dict[str, str] = {}
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if not eq or not key.strip():
            raise ConfigError(f"{pair!r}: expected key=value (a trigger input or a filter)")
        found[key.strip()] = value
    return found


def split_inputs(
    connection: str, trigger: str, given: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """``given`` split into the trigger's inputs (checked: its source) and event filters."""
    from workbench.triggers.sources import trigger_spec_of

    spec = trigger_spec_of(connection, trigger)
    inputs = set(spec.input_names) - {"max_events", "timeout"}
    chosen = {k: v for k, v in given.items() if k in inputs}
    _, checked = spec.bind(f"{connection}.{trigger}", (), dict(chosen))
    args = {k: json.loads(json.dumps(checked[k], default=str)) for k in chosen}
    filters: dict[str, str] = {}
    for key, value in given.items():
        if key in inputs or key in ("max_events", "timeout"):
            continue
        if isinstance(value, dict | list):
            raise ActionArgumentError(f"filter {key!r}: expected a value to compare, got {value!r}")
        filters[key] = as_text(value)
    return args, filters


def new_binding(
    notebook: str | Path,
    on: str,
    given: Mapping[str, Any] | None = None,
    *,
    name: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
    timeout: float | None = None,
    on_failure: str | None = None,
) -> Binding:
    """A binding of ``notebook`` to the source ``on`` (``CONNECTION.TRIGGER``), checked."""
    from workbench.jobs.run.prepare import check_timeout, prepare_run

    connection, trigger = parse_on(on)
    args, filters = split_inputs(connection, trigger, dict(given or {}))
    prepared = prepare_run(notebook, parameters)
    if EVENT_PARAMETER not in prepared.declared:
        raise ParameterError(
            f"{prepared.label}: a triggered notebook receives the event as its "
            f"'{EVENT_PARAMETER}' parameter; add `{EVENT_PARAMETER} = {{}}` to its cell tagged "
            "'parameters'"
        )
    if EVENT_PARAMETER in prepared.parameters:
        raise ParameterError(f"-p {EVENT_PARAMETER}: the event is passed by the trigger")
    if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
        raise ConfigError(f"--retries: expected a whole number >= 0, got {retries!r}")
    check_timeout(backoff, where="--backoff", error=ConfigError)
    check_timeout(timeout, where="--timeout", error=ConfigError)
    if on_failure is not None:
        from workbench.triggers.notify import check_target

        check_target(on_failure)
    return Binding(
        name=name or f"{prepared.path.stem}-{trigger}",
        connection=connection,
        trigger=trigger,
        notebook=str(prepared.path),
        args=args,
        filters=filters,
        parameters=prepared.parameters,
        retries=retries,
        backoff=float(backoff),
        timeout=None if timeout is None else float(timeout),
        on_failure=on_failure,
    )


def setup_source(on: str, given: Mapping[str, Any], *, remove: bool = False) -> Any:
    """Install (or with ``remove``, take away) what the source ``on`` needs on its service;
    the connector's own Result. A trigger that needs nothing says so."""
    from workbench.client import connect
    from workbench.triggers.sources import trigger_spec_of

    connection, trigger = parse_on(on)
    spec = trigger_spec_of(connection, trigger)
    method = spec.teardown if remove else spec.setup
    if method is None:
        raise ConfigError(f"{on}: this trigger needs nothing installed; bind it directly")
    args, _ = split_inputs(connection, trigger, given)
    with connect(connection) as client:
        action = getattr(client, method)
        names = {p.name for p in client.action_specs[method].parameters}
        return action(**{k: v for k, v in args.items() if k in names})


def export_bindings(store: RunStore, names: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The bindings (all, or those ``names``) as JSON-ready dicts, by name."""
    bindings = BindingStore(store)
    chosen = [bindings.get(n) for n in names] if names else bindings.list()
    return [b.to_dict() for b in chosen]


def import_bindings(
    store: RunStore, data: Any, *, replace: bool = False, where: str = "the file"
) -> list[Binding]:
    """Record the bindings ``data`` holds (what :func:`export_bindings` wrote).

    Every binding is checked before any is stored; one whose name exists is refused
    unless ``replace``. Notebook paths are kept as written: export and import from the
    same project layout.
    """
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise ConfigError(f"{where}: expected a list of bindings (what wb trigger export writes)")
    bindings = BindingStore(store)
    parsed: list[Binding] = []
    for index, item in enumerate(data):
        try:
            binding = Binding.from_dict(item)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{where}: binding {index + 1}: {exc}") from None
        if not replace and bindings.find(binding.name) is not None:
            raise ConfigError(
                f"{where}: a binding named {binding.name!r} already exists; "
                "use --replace to overwrite it"
            )
        parsed.append(binding)
    for binding in parsed:
        bindings.add(binding, replace=replace)
    return parsed
