"""What a connector author imports: the base class, decorators, models and results.

The building blocks live in submodules: :mod:`workbench.sdk.errors`,
:mod:`workbench.sdk.http` (HTTP connectors: auth, pagination, retries, records),
:mod:`workbench.sdk.sql`, :mod:`workbench.sdk.messaging`, :mod:`workbench.sdk.triggers`,
:mod:`workbench.sdk.formats` (the file formats of the files and s3 connectors),
:mod:`workbench.sdk.openapi` (connectors on an API description, through the ``openapi``
importer) and :mod:`workbench.sdk.testing` (a recording transport, the sandbox switch and
assertions on recorded calls).

Example:
    >>> from workbench.sdk import Connector, ConnectionConfig, Result, action
"""

from workbench.config.secrets import default_secret_store
from workbench.importer import ImportedEntry, Importer
from workbench.paths import data_dir
from workbench.redaction import redact, register_secret
from workbench.results import Result
from workbench.sdk.action import ActionSpec, action
from workbench.sdk.calls import history
from workbench.sdk.config import ConnectionConfig, sandbox_switch
from workbench.sdk.connector import Connector
from workbench.sdk.deps import require
from workbench.sdk.event import Event
from workbench.sdk.progress import progress_bar
from workbench.sdk.trigger import TriggerSpec, trigger

__all__ = [
    "ActionSpec",
    "ConnectionConfig",
    "Connector",
    "Event",
    "ImportedEntry",
    "Importer",
    "Result",
    "TriggerSpec",
    "action",
    "data_dir",
    "default_secret_store",
    "history",
    "progress_bar",
    "redact",
    "register_secret",
    "require",
    "sandbox_switch",
    "trigger",
]
