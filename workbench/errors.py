"""Errors raised by Workbench.

Every error derives from :class:`WorkbenchError` and carries the exit code the ``wb``
command returns for it, so scripts can tell failures apart:

====  ==========================  ==================================================
code  error                       meaning
====  ==========================  ==================================================
1     WorkbenchError              any other failure
3     ConfigError                 a workbench.toml file or a connection's fields are wrong
3     SpecError                   an OpenAPI / Swagger document or a manifest is malformed
4     UnknownConnectionError      no connection (and no connector) has that name
4     UnknownConnectorError       no installed connector has that name
4     UnknownImporterError        no installed importer has that name
5     SecretError                 a ``${ENV}`` variable or a stored secret cannot be resolved
6     ActionArgumentError         an action was called with wrong arguments
7     ConnectionFailedError       the service could not be reached or refused the credentials
8     ActionError                 the service or driver failed while running an action
9     MissingDependencyError      an optional driver is not installed
10    JobError                    a notebook cannot be read or run (no kernel, no run)
11    ParameterError              a job parameter is unknown, ill-typed or a secret value
12    JobFailedError              a notebook cell raised an error
13    JobTimeoutError             a run went past its timeout and its kernel was killed
14    KernelDiedError             the kernel died (killed, crashed) during a run
====  ==========================  ==================================================

Example:
    >>> from workbench.errors import UnknownConnectionError
    >>> err = UnknownConnectionError("shpo", ["shop"])
    >>> str(err)
    "no connection or connector named 'shpo'; did you mean 'shop'?"
    >>> err.exit_code
    4
"""

from __future__ import annotations

from collections.abc import Sequence


class WorkbenchError(Exception):
    """The root of every error Workbench raises; its text never shows a registered secret.

    Example:
        >>> from workbench.redaction import register_secret
        >>> register_secret("err0r-doc-value")
        >>> str(WorkbenchError("rejected key err0r-doc-value"))
        'rejected key ***'
    """

    exit_code = 1

    def __str__(self) -> str:
        from workbench.redaction import redact  # imported here: redaction needs no errors

        return redact(super().__str__())


class ConfigError(WorkbenchError):
    """A configuration file or a connection's fields are invalid."""

    exit_code = 3


class SpecError(ConfigError):
    """An OpenAPI / Swagger document or a YAML manifest is malformed.

    The message names the source, the JSON pointer (or YAML path) of the fault and, for
    syntax errors, the line; each is also an attribute (``reason`` is the bare message).

    Example:
        >>> str(SpecError("expected a mapping, got list", source="petstore.json",
        ...               pointer="#/paths/~1pets/get/responses"))
        'petstore.json: #/paths/~1pets/get/responses: expected a mapping, got list'
    """

    def __init__(
        self,
        message: str,
        *,
        source: str = "",
        pointer: str = "",
        line: int | None = None,
    ) -> None:
        self.reason = message
        self.source = source
        self.pointer = pointer
        self.line = line
        where = source + (f":{line}" if line is not None else "")
        parts = [part for part in (where, pointer, message) if part]
        super().__init__(": ".join(parts))


class _UnknownNameError(WorkbenchError):
    """A name that nothing answers to; the message suggests close matches."""

    exit_code = 4
    template = "nothing named {name!r}"

    def __init__(self, name: str, suggestions: Sequence[str] = (), *, where: str = "") -> None:
        self.name = name
        self.suggestions = list(suggestions)
        prefix = f"{where}: " if where else ""
        super().__init__(prefix + self.template.format(name=name) + _did_you_mean(suggestions))


class UnknownConnectionError(_UnknownNameError):
    """No connection (or connector) has the requested name."""

    template = "no connection or connector named {name!r}"


class UnknownConnectorError(_UnknownNameError):
    """No installed connector has the requested name."""

    template = "no connector named {name!r} is installed"


class UnknownImporterError(_UnknownNameError):
    """No installed importer has the requested name."""

    template = "no importer named {name!r} is installed"


class SecretError(WorkbenchError):
    """A secret reference or an environment variable cannot be resolved."""

    exit_code = 5


class ActionArgumentError(WorkbenchError):
    """An action was called with arguments that do not match its signature."""

    exit_code = 6


class ConnectionFailedError(WorkbenchError):
    """A service could not be reached, or it refused the connection."""

    exit_code = 7


class ActionError(WorkbenchError):
    """An action failed inside the service or its driver."""

    exit_code = 8


class MissingDependencyError(WorkbenchError):
    """An optional package needed by a connector is not installed."""

    exit_code = 9

    def __init__(self, module: str, extra: str) -> None:
        self.module = module
        self.extra = extra
        super().__init__(
            f"the optional package {module!r} is not installed; "
            f"install it with: pip install 'workbench[{extra}]'"
        )


class JobError(WorkbenchError):
    """A notebook job cannot be read or run; the subclasses say how a run ended badly.

    ``run_id`` names the recorded run, where there is one.

    Example:
        >>> err = JobFailedError("run 0190 of etl.ipynb failed at cell 3", run_id="0190")
        >>> err.exit_code, err.run_id
        (12, '0190')
    """

    exit_code = 10

    def __init__(self, message: str, *, run_id: str | None = None) -> None:
        self.run_id = run_id
        super().__init__(message)


class ParameterError(JobError):
    """A job parameter is unknown, of the wrong type, or holds a secret value."""

    exit_code = 11


class JobFailedError(JobError):
    """A notebook cell raised an error during a run."""

    exit_code = 12


class JobTimeoutError(JobError):
    """A run went past its timeout; its kernel was killed."""

    exit_code = 13


class KernelDiedError(JobError):
    """The kernel died during a run (killed by a signal, out of memory, a crash)."""

    exit_code = 14


def _did_you_mean(suggestions: Sequence[str]) -> str:
    if not suggestions:
        return ""
    quoted = " or ".join(repr(s) for s in suggestions)
    return f"; did you mean {quoted}?"
