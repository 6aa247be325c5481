"""The errors a connector raises, each with the exit code ``wb`` returns for it (see
:mod:`workbench.errors`).

Example:
    >>> from workbench.sdk.errors import ActionArgumentError
    >>> ActionArgumentError("limit must be positive").exit_code
    6
"""

from workbench.errors import (
    ActionArgumentError,
    ActionError,
    ConfigError,
    ConnectionFailedError,
    JobError,
    JobFailedError,
    JobTimeoutError,
    KernelDiedError,
    MissingDependencyError,
    ParameterError,
    SecretError,
    SpecError,
    UnknownConnectionError,
    UnknownConnectorError,
    UnknownImporterError,
    WorkbenchError,
)

__all__ = [
    "ActionArgumentError",
    "ActionError",
    "ConfigError",
    "ConnectionFailedError",
    "JobError",
    "JobFailedError",
    "JobTimeoutError",
    "KernelDiedError",
    "MissingDependencyError",
    "ParameterError",
    "SecretError",
    "SpecError",
    "UnknownConnectionError",
    "UnknownConnectorError",
    "UnknownImporterError",
    "WorkbenchError",
]
