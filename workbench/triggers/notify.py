"""The message sent when a binding's job fails for good, to its ``on_failure`` connection.

The target is ``CONNECTION`` or ``CONNECTION:DESTINATION``. The connection's connector
decides how the message goes, by the first of these actions it has:

=====================  ==================================================================
``chat_post_message``  a Slack connector (from Slack's spec): the text to the channel
                       ``DESTINATION`` (``slack:#ops``)
``send_message``,      a messaging connector: the message as JSON to ``DESTINATION``
``send``, ``publish``  (a queue, topic, subject or channel: ``alerts:job-failures``)
``post``               the ``http`` connector: a POST of the message as JSON to the path
                       ``DESTINATION`` (``hooks:/jobs/failed``; ``base_url`` without one)
=====================  ==================================================================

The message holds the job, the run id, how the run ended and its error; registered
secrets are masked in every field. A required action input the target does not give is
taken from the connection's field of the same name (Slack's ``token``).

Example:
    >>> from workbench.jobs.run.record import Run, Status
    >>> run = Run.new("etl.ipynb", job="etl")
    >>> run.finish(Status.TIMED_OUT, exit_code=13, error_message="the run took longer than 5 s")
    >>> message = failure_message("etl", "etl.ipynb", run, attempts=2)
    >>> message["text"]  # doctest: +ELLIPSIS
    'Workbench job etl failed after 2 attempts (timed_out): the run took longer than 5 s; run ...'
    >>> check_target("nowhere")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    workbench.errors.UnknownConnectionError: --on-failure: no connection ... named 'nowhere'
"""

from __future__ import annotations

import difflib
import inspect
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from workbench.errors import ConfigError, UnknownConnectionError
from workbench.redaction import get_logger, redact, redact_value

if TYPE_CHECKING:
    from workbench.jobs.run.record import Run
    from workbench.results import Result
    from workbench.sdk.action import ActionSpec

log = get_logger(__name__)

SENDERS = ("chat_post_message", "send_message", "send", "publish", "post")
# Inputs that take the destination, and inputs that take the message (JSON, else text).
DESTINATIONS = ("channel", "destination", "topic", "queue", "subject", "path", "to", "chat_id")
JSON_INPUTS = ("json", "payload", "data")
TEXT_INPUTS = ("text", "message", "body", "content")


def failure_message(
    job: str,
    notebook: str,
    run: Run,
    *,
    slot: datetime | None = None,
    event: str | None = None,
    attempts: int = 1,
) -> dict[str, Any]:
    """What is sent about ``run``, the last attempt of ``job`` for a schedule's ``slot``
    or the inbox ``event``.

    The secrets the job could reveal are registered first, so none shows in the message.
    """
    from workbench.jobs.run.secrets import register_run_secrets

    register_run_secrets(Path(notebook).parent)
    reason = ": ".join(p for p in (run.error_class, run.error_message) if p) or run.describe()
    tries = f"{attempts} attempt{'s' * (attempts != 1)}"
    text = f"Workbench job {job} failed after {tries} ({run.status.value}): {reason}; run {run.id}"
    message = {
        "event": "job.failed",
        "job": job,
        "run_id": run.id,
        "status": run.status.value,
        "error": reason,
        "exit_code": run.exit_code,
        "attempts": attempts,
        "slot": slot.isoformat() if slot else None,
        "inbox_event": event,
        "notebook": notebook,
        "output": run.output,
        "text": text,
    }
    cleaned: dict[str, Any] = redact_value(message)
    return cleaned


def check_target(target: str) -> None:
    """Check that ``target`` names a connection able to send a message, without connecting."""
    from workbench.client import connection_store
    from workbench.registry import connectors, get_connector

    name, destination = _split(target)
    store = connection_store()
    if name in store:
        entry = store.get(name)
        cls = get_connector(entry.connector, where=entry.where("connector"))
        fields = set(entry.fields)
    elif name in connectors():
        cls, fields = connectors()[name], set()
    else:
        close = difflib.get_close_matches(name, [*store.names(), *connectors()], n=3)
        raise UnknownConnectionError(name, close, where="--on-failure")
    spec = _sender(cls.action_specs, target, cls.name)
    fields |= {n for n, f in cls.config_model.model_fields.items() if not f.is_required()}
    _arguments(spec, destination, {}, fields, target)


def notify(target: str, message: dict[str, Any]) -> Result:
    """Send ``message`` (from :func:`failure_message`) to ``target``; the action's Result."""
    from workbench.client import connect

    name, destination = _split(target)
    connection = connect(name)
    try:
        spec = _sender(type(connection).action_specs, target, connection.name)
        config = {
            key: value.get_secret_value() if isinstance(value, SecretStr) else value
            for key, value in connection.config
        }
        kwargs = _arguments(spec, destination, redact_value(message), config, target)
        result: Result = getattr(connection, spec.name)(**kwargs)
    finally:
        connection.close()
    log.info("sent the failure of %s to %s", message.get("job"), redact(target))
    return result


def _split(target: str) -> tuple[str, str]:
    name, _, destination = str(target).partition(":")
    if not name.strip():
        raise ConfigError(f"--on-failure {target!r}: expected CONNECTION or CONNECTION:DESTINATION")
    return name.strip(), destination.strip()


def _sender(specs: dict[str, ActionSpec], target: str, connector: str) -> ActionSpec:
    for name in SENDERS:
        if name in specs:
            return specs[name]
    raise ConfigError(
        f"--on-failure {target!r}: connector {connector!r} has no action to send a message "
        f"with (one of: {', '.join(SENDERS)})"
    )


def _arguments(
    spec: ActionSpec,
    destination: str,
    message: dict[str, Any],
    fields: Any,
    target: str,
) -> dict[str, Any]:
    """The action's inputs: destination, message, then required ones from the connection."""
    names = [p.name for p in spec.parameters]
    kwargs: dict[str, Any] = {}
    where = next((n for n in DESTINATIONS if n in names), None)
    if where is not None and destination:
        kwargs[where] = destination
    body = next((n for n in (*JSON_INPUTS, *TEXT_INPUTS) if n in names), None)
    if body is not None:
        kwargs[body] = message if body in JSON_INPUTS else message.get("text", "")
    if "text" in names and "text" not in kwargs:
        kwargs["text"] = message.get("text", "")
    for parameter in spec.parameters:
        if parameter.name in kwargs or parameter.default is not inspect.Parameter.empty:
            continue
        if parameter.kind in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL):
            continue
        if parameter.name == where:
            raise ConfigError(
                f"--on-failure {target!r}: {spec.name} needs a {where}; "
                f"give it as {target.partition(':')[0]}:{where.upper()}"
            )
        if parameter.name not in fields:
            raise ConfigError(
                f"--on-failure {target!r}: {spec.name} needs {parameter.name!r}, "
                "which neither the target nor the connection's fields give"
            )
        if isinstance(fields, dict):
            kwargs[parameter.name] = fields[parameter.name]
    return kwargs
